//! A report's status (triage): the report page's form `POST /reports/{id}/review` and the
//! API `POST /api/v1/reports/{id}/review`; the rules live in `store::reviews`.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::extract::{JsonBody, JsonInput, OptionalIdempotencyKey};
use super::{
    PageForm, idempotent_request, idempotent_write, page_form, path_uuid, refused_page,
    stored_response,
};
use crate::error::{Error, Result};
use crate::html::bi;
use crate::state::AppState;
use crate::store::idempotency::StoredResponse;
use crate::store::reviews::{self, ReviewRecord, ReviewStatus, Via};

/// Endpoint name mixed into the idempotency hash of reviews.
pub const REVIEW_ENDPOINT: &str = "POST /api/v1/reports/{id}/review";

/// Body of `POST /api/v1/reports/{id}/review`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// `under_review`, `dismissed` or `resolved` (`forwarded` comes from a forward).
    pub status: String,
    /// The note (required to dismiss, resolve or reopen).
    #[serde(default)]
    pub note: String,
}

impl JsonInput for ReviewBody {
    const INVALID: &'static str = "invalid_review";
}

fn status_of(name: &str) -> Result<ReviewStatus> {
    ReviewStatus::parse(name.trim()).ok_or_else(|| {
        Error::unprocessable(
            "invalid_status",
            "Statut inconnu : under_review, dismissed ou resolved. / Unknown status: under_review, dismissed or resolved.",
        )
    })
}

fn receipt(id: &str, record: &ReviewRecord) -> serde_json::Value {
    json!({
        "id": id,
        "status": record.status,
        "previous": record.previous,
        "note": record.note,
        "recordedAt": record.recorded_at,
        "evidenceSeq": record.evidence_seq,
        "entryHash": record.entry_hash,
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{id}/review",
    tag = "reports",
    security(("token" = [])),
    params(("id" = String, Path, description = "The report's id (a UUID)"), ("Idempotency-Key" = Option<String>, Header, description = "A UUID", pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")),
    request_body(content = ReviewBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The review, once committed", body = Object),
        crate::openapi::WriteErrors,
    )
)]
/// `POST /api/v1/reports/{id}/review` `{"status", "note"}` → 200 with the review once
/// committed; 422 `reason_required`, `note_required`, `use_forward`, `invalid_status`,
/// 409 `same_status` or `invalid_transition` otherwise (nothing stored).
/// `Idempotency-Key` optional.
pub async fn api(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalIdempotencyKey(key): OptionalIdempotencyKey,
    JsonBody { value: request, .. }: JsonBody<ReviewBody>,
) -> Result<Response> {
    let id = path_uuid(&id, "signalement / report")?;
    let status = status_of(&request.status)?;
    let idempotent = key.map(|key| {
        idempotent_request(
            key,
            REVIEW_ENDPOINT,
            &[
                id.as_bytes(),
                status.as_str().as_bytes(),
                request.note.as_bytes(),
            ],
        )
    });
    let stored = idempotent_write(&state, idempotent, REVIEW_ENDPOINT, move |tx, now| {
        let record = reviews::record(tx, &id, status, &request.note, Via::Review, None, now)?;
        Ok(StoredResponse::new(
            StatusCode::OK,
            receipt(&id, &record).to_string(),
        ))
    })
    .await?;
    Ok(stored_response(stored))
}

/// The report page's review form.
#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    /// CSRF token.
    pub csrf: String,
    /// The new status.
    pub status: String,
    /// The note.
    #[serde(default)]
    pub note: String,
}

impl PageForm for ReviewForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /reports/{id}/review` (the report page's form) → 303 to the report's page with a
/// notice; a refused change is answered with a page saying why (and its code), nothing stored.
pub async fn form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: std::result::Result<Form<ReviewForm>, FormRejection>,
) -> Result<Response> {
    let form = page_form(&state, &headers, form)?;
    let id = path_uuid(&id, "signalement / report")?;
    let result = match status_of(&form.status) {
        Ok(status) => {
            let report_id = id.clone();
            state
                .store()
                .write(move |tx| {
                    let now = crate::store::now_utc();
                    reviews::record(tx, &report_id, status, &form.note, Via::Review, None, &now)
                })
                .await
                .map_err(Error::from)
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(record) => {
            tracing::info!(
                evidence_seq = record.evidence_seq,
                status = record.status.as_str(),
                "report reviewed"
            );
            Ok(Redirect::to(&format!("/reports/{id}?done=reviewed")).into_response())
        }
        Err(Error::Client {
            status,
            code,
            message,
        }) if code != "not_found" => Ok(refused_page(
            &format!("/reports/{id}"),
            &bi("Retour au signalement", "Back to the report"),
            ("Changement de statut refusé", "Status change refused"),
            status,
            code,
            &message,
        )),
        Err(other) => Err(other),
    }
}
