//! Email: forwarding a report to the board, retrying an email, and the state of forwarding.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use balise_core::package::Forward;
use serde::Deserialize;
use serde_json::json;

use super::extract::{JsonBody, JsonInput, OptionalIdempotencyKey};
use super::{idempotent_request, idempotent_write, path_uuid, stored_response};
use crate::error::{Error, Result};
use crate::mail::Role;
use crate::state::AppState;
use crate::store::forwards::{self, ForwardRecord};
use crate::store::idempotency::StoredResponse;
use crate::store::mail::{self as queue, Recipient};
use crate::store::{now_ms, now_utc};

/// Endpoint name mixed into the idempotency hash of forwards.
pub const FORWARD_ENDPOINT: &str = "POST /api/v1/reports/{id}/forward";

/// Longest note of verified facts.
pub const MAX_FACTS_LEN: usize = 10_000;

/// Body of `POST /api/v1/reports/{id}/forward`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardBody {
    /// Who to forward to: `board`.
    pub to: String,
    /// The verified facts the board needs to answer.
    pub facts: String,
}

impl JsonInput for ForwardBody {
    const INVALID: &'static str = "invalid_forward";
}

/// Checks a forward request and builds the JSON recorded as evidence.
fn forward_json(state: &AppState, body: &ForwardBody) -> Result<String> {
    if body.to != Recipient::Board.as_str() {
        return Err(Error::unprocessable(
            "invalid_forward",
            "« to » doit valoir \"board\" (le conseil d'administration). / \"to\" must be \"board\" (the board of directors).",
        ));
    }
    let facts = body.facts.trim();
    if facts.is_empty() || facts.chars().count() > MAX_FACTS_LEN {
        return Err(Error::unprocessable(
            "invalid_forward",
            format!(
                "Les faits vérifiés sont requis (1 à {MAX_FACTS_LEN} caractères). / \
                 The verified facts are required (1 to {MAX_FACTS_LEN} characters)."
            ),
        ));
    }
    if facts
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::unprocessable(
            "invalid_forward",
            "Les faits contiennent des caractères de contrôle. / The facts hold control characters.",
        ));
    }
    let settings = state.mailer().settings();
    if settings.role != Role::Manager {
        return Err(Error::client(
            StatusCode::CONFLICT,
            "not_manager",
            "Seul le compagnon de la personne gestionnaire transfère au conseil : réglez [identity] role = \"manager\" (ou BALISE_ROLE=manager). / \
             Only the content manager's companion forwards to the board: set [identity] role = \"manager\" (or BALISE_ROLE=manager).",
        ));
    }
    if settings.board_email.is_empty() {
        return Err(Error::client(
            StatusCode::CONFLICT,
            "board_email_missing",
            "L'adresse du conseil d'administration n'est pas configurée : réglez [routing] board_email (ou BALISE_BOARD_EMAIL, ou board_email dans policy.toml). / \
             The board's address is not configured: set [routing] board_email (or BALISE_BOARD_EMAIL, or board_email in policy.toml).",
        ));
    }
    let forward = Forward {
        to: body.to.clone(),
        facts: facts.replace("\r\n", "\n"),
        manager_name: state.mailer().manager_name().to_owned(),
        forwarded_at: now_utc(),
    };
    Ok(serde_json::to_string(&forward)?)
}

/// Records the forward and queues its email in one transaction, then wakes the sender.
pub async fn forward_report(
    state: &AppState,
    report_id: String,
    body: &ForwardBody,
) -> Result<ForwardRecord> {
    let json = forward_json(state, body)?;
    let record = state
        .store()
        .write(move |tx| forwards::forward(tx, &report_id, &json, &now_utc(), now_ms()))
        .await?;
    tracing::info!(
        evidence_seq = record.evidence_seq,
        "report forwarded to the board"
    );
    state.mailer().wake();
    Ok(record)
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{id}/forward",
    tag = "mail",
    security(("token" = [])),
    params(("id" = String, Path, description = "The report's id (a UUID)"), ("Idempotency-Key" = Option<String>, Header, description = "A UUID", pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")),
    request_body(content = ForwardBody, content_type = "application/json"),
    responses(
        (status = 202, description = "Queued: `{id, to, status, mailId, messageId, evidenceSeq, entryHash, recordedAt}`", body = Object),
        crate::openapi::WriteErrors,
    )
)]
/// `POST /api/v1/reports/{id}/forward` `{"to": "board", "facts": "..."}` → 202 once the
/// email is queued (committed). `Idempotency-Key` optional.
pub async fn forward(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalIdempotencyKey(key): OptionalIdempotencyKey,
    JsonBody {
        value: request,
        bytes: _,
    }: JsonBody<ForwardBody>,
) -> Result<Response> {
    let id = path_uuid(&id, "signalement / report")?;
    let json = forward_json(&state, &request)?;
    let idempotent = key.map(|key| {
        idempotent_request(
            key,
            FORWARD_ENDPOINT,
            &[
                id.as_bytes(),
                request.to.as_bytes(),
                request.facts.as_bytes(),
            ],
        )
    });
    let stored = idempotent_write(&state, idempotent, FORWARD_ENDPOINT, move |tx, now| {
        let record = forwards::forward(tx, &id, &json, now, now_ms())?;
        Ok(StoredResponse::new(
            StatusCode::ACCEPTED,
            receipt(&record).to_string(),
        ))
    })
    .await?;
    if !stored.replayed {
        tracing::info!("report forwarded to the board");
        state.mailer().wake();
    }
    Ok(stored_response(stored))
}

fn receipt(record: &ForwardRecord) -> serde_json::Value {
    json!({
        "id": record.report_id,
        "to": "board",
        "status": "queued",
        "mailId": record.mail_id,
        "messageId": record.message_id,
        "evidenceSeq": record.evidence_seq,
        "entryHash": record.entry_hash,
        "recordedAt": record.recorded_at,
    })
}

/// Queues a failed (or waiting) email again, due now; the sender is woken.
pub async fn retry_mail(state: &AppState, id: i64) -> Result<()> {
    let retried = state
        .store()
        .write(move |tx| queue::retry(tx, id, now_ms()))
        .await?;
    if !retried {
        return Err(Error::not_found("courriel à renvoyer / email to retry"));
    }
    state.mailer().wake();
    Ok(())
}

#[utoipa::path(
    post,
    path = "/api/v1/mail/{id}/retry",
    tag = "mail",
    security(("token" = [])),
    params(("id" = String, Path, description = "The email's id (an integer)")),
    request_body(content = Object, content_type = "application/json", description = "`{}`"),
    responses(
        (status = 200, description = "`{id, status: queued}`", body = Object),
        crate::openapi::Unauthorized,
        crate::openapi::Forbidden,
        crate::openapi::NotFound,
        crate::openapi::BodyTimeout,
        crate::openapi::PayloadTooLarge,
        crate::openapi::UnsupportedMediaType,
        crate::openapi::RateLimited,
    )
)]
/// `POST /api/v1/mail/{id}/retry` → 200 `{id, status: "queued"}`.
pub async fn retry(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::not_found("courriel / email"))?;
    retry_mail(&state, id).await?;
    Ok(Json(json!({ "id": id, "status": "queued" })).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/mail",
    tag = "mail",
    security(("token" = [])),
    responses(
        (status = 200, description = "`{role, forwarding, missing, problems, smtpUrl, counts}`", body = Object),
        crate::openapi::Unauthorized,
        crate::openapi::Forbidden,
    )
)]
/// `GET /api/v1/mail` → whether forwarding is on, what is missing, the settings' problems
/// and the queue's figures.
pub async fn status(State(state): State<AppState>) -> Result<Response> {
    let settings = state.mailer().settings();
    let counts = state.store().read(|tx| queue::counts(tx)).await?;
    Ok(Json(json!({
        "role": settings.role,
        "forwarding": settings.forwarding_on(),
        "missing": settings.missing(),
        "problems": settings.problems,
        "smtpUrl": settings.smtp_url.as_ref().map(|url| url.redacted()),
        "counts": counts,
    }))
    .into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}/email",
    tag = "mail",
    security(("token" = [])),
    params(("id" = String, Path, description = "The report's id (a UUID)")),
    responses(
        (status = 200, description = "The report's email as a draft", content_type = "message/rfc822"),
        crate::openapi::Unauthorized,
        crate::openapi::Forbidden,
        crate::openapi::NotFound,
        crate::openapi::Gone,
    )
)]
/// `GET /api/v1/reports/{id}/email` and the dashboard's `/reports/{id}/email.eml`: the
/// report's email as a `.eml` draft (`X-Unsent: 1`), screenshot and package attached, to
/// send from one's own mail program when forwarding is off.
pub async fn draft(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let id = path_uuid(&id, "signalement / report")?;
    let bytes = state
        .mailer()
        .draft(&id, &state.policy().manager.email)
        .await?;
    let disposition = format!("attachment; filename=\"balise-{id}.eml\"");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("message/rfc822"),
    );
    if let Ok(value) = axum::http::HeaderValue::from_str(&disposition) {
        headers.insert(axum::http::header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
