//! Attestations: a checked publication recorded as evidence (idempotent, one transaction), and their list.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use balise_core::report::AttestationV1;
use serde_json::json;

use super::extract::{IdempotencyKey, JsonBody, JsonInput};
use super::{Page, idempotent_request, idempotent_write, stored_response};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::attestations::{self, NewAttestation};
use crate::store::idempotency::StoredResponse;

/// Endpoint name mixed into the idempotency hash.
pub const CREATE_ENDPOINT: &str = "POST /api/v1/attestations";

impl JsonInput for AttestationV1 {
    const INVALID: &'static str = "invalid_attestation";
}

#[utoipa::path(
    post,
    path = "/api/v1/attestations",
    tag = "attestations",
    security(("token" = [])),
    params(("Idempotency-Key" = String, Header, description = "A UUID", pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")),
    request_body(content = AttestationV1, content_type = "application/json"),
    responses(
        (status = 201, description = "Stored: `{id, evidenceSeq, entryHash, receivedAt}`", body = Object),
        (status = 200, description = "A replay of the same Idempotency-Key", body = Object),
        crate::openapi::WriteErrors,
    )
)]
/// `POST /api/v1/attestations` (`AttestationV1` JSON, token, `Idempotency-Key`) →
/// 201 `{ id, evidenceSeq, entryHash, receivedAt }` after COMMIT.
pub async fn create(
    State(state): State<AppState>,
    IdempotencyKey(key): IdempotencyKey,
    JsonBody {
        value: attestation,
        bytes,
    }: JsonBody<AttestationV1>,
) -> Result<Response> {
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

#[utoipa::path(
    get,
    path = "/api/v1/attestations",
    tag = "attestations",
    security(("token" = [])),
    params(("limit" = Option<i64>, Query, description = "1 to 500 (50)"), ("offset" = Option<i64>, Query, description = "0 and up")),
    responses(
        (status = 200, description = "`{total, limit, offset, attestations}`, newest first", body = Object),
        crate::openapi::BadRequest,
        crate::openapi::Unauthorized,
        crate::openapi::Forbidden,
    )
)]
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
