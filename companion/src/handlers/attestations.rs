//! Attestations: a checked publication recorded as evidence (idempotent, one transaction), and their list.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use balise_core::report::AttestationV1;
use serde_json::json;

use super::{
    JSON_BODY_LIMIT, Page, idempotency_key, idempotent_request, idempotent_write, parse_json,
    read_body, require_json, stored_response,
};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::attestations::{self, NewAttestation};
use crate::store::idempotency::StoredResponse;

/// Endpoint name mixed into the idempotency hash.
pub const CREATE_ENDPOINT: &str = "POST /api/v1/attestations";

/// `POST /api/v1/attestations` (`AttestationV1` JSON, token, `Idempotency-Key`) →
/// 201 `{ id, evidenceSeq, entryHash, receivedAt }` after COMMIT.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    require_json(&headers)?;
    let key = idempotency_key(&headers)?;
    let bytes = read_body(&headers, body, JSON_BODY_LIMIT).await?;
    let attestation: AttestationV1 = parse_json(&bytes, "invalid_attestation")?;
    attestation.validate().map_err(|error| {
        Error::unprocessable(
            "invalid_attestation",
            format!("Attestation invalide / Invalid attestation: {error}"),
        )
    })?;
    let attestation_json = String::from_utf8(bytes.to_vec()).map_err(|_| {
        Error::unprocessable(
            "invalid_attestation",
            "JSON non UTF-8. / JSON is not UTF-8.",
        )
    })?;
    let idempotent = idempotent_request(key, CREATE_ENDPOINT, &[&bytes]);
    let new = NewAttestation {
        id: attestation.id.to_ascii_lowercase(),
        recorded_at: attestation.recorded_at,
        site: attestation.site,
        page_url: attestation.page_url,
        text_sha256: attestation.text_sha256,
        attestation_json,
    };
    let stored = idempotent_write(&state, Some(idempotent), CREATE_ENDPOINT, move |tx, now| {
        let receipt = attestations::insert(tx, &new, now)?;
        Ok(StoredResponse::new(
            StatusCode::CREATED,
            serde_json::to_string(&receipt)?,
        ))
    })
    .await?;
    Ok(stored_response(stored))
}

/// `GET /api/v1/attestations?limit=&offset=` → newest first.
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<Page>, QueryRejection>,
) -> Result<Response> {
    let Query(page) = query.map_err(|error| {
        Error::bad_request(
            "invalid_query",
            format!("Paramètres invalides / Invalid parameters: {error}"),
        )
    })?;
    let (limit, offset) = page.bounds();
    let (total, items) = state
        .store()
        .read(move |tx| -> crate::store::Result<_> {
            Ok((
                attestations::count(tx)?,
                attestations::list(tx, limit, offset)?,
            ))
        })
        .await?;
    Ok(
        Json(json!({ "total": total, "limit": limit, "offset": offset, "attestations": items }))
            .into_response(),
    )
}
