//! The report page's form handlers: forward, export, retry an email, redact, and
//! importing a member's report from a file.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, FromRequest, Multipart, Path, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::handlers::mail::{ForwardBody, forward_report, retry_mail};
use crate::handlers::{PageForm, appointment, check_page_form, page_form, path_uuid, reports};
use crate::html::{Nav, bi, one_language, page, pick};
use crate::import::{MAX_IMPORT_BYTES, import_file};
use crate::state::AppState;
use crate::store::packages::ImportOutcome;

/// The erase form.
#[derive(Debug, Deserialize)]
pub struct RedactForm {
    /// CSRF token.
    pub csrf: String,
    /// Why (required).
    #[serde(default)]
    pub reason: String,
}

impl PageForm for RedactForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /reports/{id}/redact` (the report page's erase form) → 303 to the report's page,
/// which then shows it as redacted.
pub async fn redact(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<RedactForm>, FormRejection>,
) -> Result<Response> {
    use crate::store::privacy::{self, RedactedBy, RedactionRequest};
    let form = page_form(&state, &headers, form)?;
    let id = path_uuid(&id, "signalement / report")?;
    let policy = state.policy().clone();
    let report_id = id.clone();
    let stored = state
        .store()
        .write(move |tx| {
            let manager = appointment::current(&policy, crate::store::appointments::latest(tx)?)
                .appointment
                .name;
            privacy::redact(
                tx,
                &RedactionRequest {
                    report_id,
                    reason: form.reason,
                    by: RedactedBy::Manager,
                    manager: Some(manager),
                    retention_days: None,
                },
                &crate::store::now_utc(),
            )
        })
        .await?;
    tracing::info!(seq = stored.evidence_seq, "report redacted by the manager");
    // Committed: its screenshot's file goes too, unless another report has the same one
    // (if this fails, the sweep at the next start removes it).
    if let Err(error) = state
        .store()
        .remove_unreferenced_screenshot_files(vec![stored.redaction.screenshot_sha256.clone()])
        .await
    {
        tracing::warn!(%error, "the redacted report's screenshot file is left until the next start");
    }
    state.store().checkpoint_truncate().await?;
    Ok(Redirect::to(&format!("/reports/{id}?done=redacted")).into_response())
}

/// The forward form.
#[derive(Debug, Deserialize)]
pub struct ForwardForm {
    /// CSRF token.
    pub csrf: String,
    /// Verified facts.
    pub facts: String,
}

/// `POST /reports/{id}/forward` (the dashboard's form) → 303 to the report's page.
pub async fn forward(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<ForwardForm>, FormRejection>,
) -> Result<Response> {
    let form = page_form(&state, &headers, form)?;
    let id = path_uuid(&id, "signalement / report")?;
    forward_report(
        &state,
        id.clone(),
        &ForwardBody {
            to: "board".into(),
            facts: form.facts,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/reports/{id}?done=forwarded")).into_response())
}

/// A form with nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct PlainForm {
    /// CSRF token.
    pub csrf: String,
}

impl PageForm for PlainForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /reports/{id}/export` (the report page's button) → the evidence package (ZIP).
pub async fn export(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<PlainForm>, FormRejection>,
) -> Result<Response> {
    page_form(&state, &headers, form)?;
    reports::export(State(state), Path(id)).await
}

/// The retry form.
#[derive(Debug, Deserialize)]
pub struct RetryForm {
    /// CSRF token.
    pub csrf: String,
    /// Where to go back to: `/` or a report's page.
    pub back: Option<String>,
}

/// `POST /mail/{id}/retry` → 303 back.
pub async fn retry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<RetryForm>, FormRejection>,
) -> Result<Response> {
    let form = page_form(&state, &headers, form)?;
    let id: i64 = id
        .parse()
        .map_err(|_| Error::not_found("courriel / email"))?;
    retry_mail(&state, id).await?;
    // Only the companion's own pages are places to go back to.
    let back = form
        .back
        .filter(|back| {
            back == "/"
                || back
                    .strip_prefix("/reports/")
                    .is_some_and(|rest| uuid::Uuid::try_parse(rest).is_ok())
        })
        .unwrap_or_else(|| "/".to_owned());
    let separator = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{separator}done=retried")).into_response())
}

fn invalid_form() -> Error {
    Error::bad_request("invalid_form", "Formulaire invalide. / Invalid form.")
}

/// `POST /import` (multipart: `csrf`, `file`): a member's `.eml` or `.zip`, verified, then
/// stored → 303 to the report's page; a refused file is answered with the reason.
pub async fn import(State(state): State<AppState>, request: Request) -> Result<Response> {
    let headers = request.headers().clone();
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|_| invalid_form())?;
    let (mut csrf, mut file) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(|error| {
        if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Error::payload_too_large(MAX_IMPORT_BYTES as u64)
        } else {
            invalid_form()
        }
    })? {
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(|_| invalid_form())?),
            Some("file") => {
                file = Some(field.bytes().await.map_err(|error| {
                    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        Error::payload_too_large(MAX_IMPORT_BYTES as u64)
                    } else {
                        invalid_form()
                    }
                })?);
            }
            _ => return Err(invalid_form()),
        }
    }
    check_page_form(&state, &headers, csrf.as_deref().unwrap_or_default())?;
    let file = file.filter(|f| !f.is_empty()).ok_or_else(|| {
        Error::bad_request(
            "missing_file",
            pick(
                "Choisissez un fichier .eml ou .zip à importer.",
                "Choose an .eml or .zip file to import.",
            ),
        )
    })?;
    match import_file(state.store(), file.to_vec()).await {
        Ok(ImportOutcome::Imported { id, .. }) => {
            tracing::info!("report imported from the dashboard");
            Ok(Redirect::to(&format!("/reports/{id}?done=imported")).into_response())
        }
        Ok(ImportOutcome::AlreadyPresent { id }) => {
            Ok(Redirect::to(&format!("/reports/{id}?done=already-imported")).into_response())
        }
        Err(Error::Client {
            message, status, ..
        }) => {
            let body = format!(
                "<p class=\"small\"><a href=\"/\">← {}</a></p><h1>{}</h1><p class=\"notice warn\">{}</p><p>{}</p>",
                bi("Tableau de bord", "Dashboard"),
                bi("Importation refusée", "Import refused"),
                one_language(&message),
                bi("Rien n'a été enregistré.", "Nothing was stored."),
            );
            let mut response = page(
                pick("Importation refusée", "Import refused"),
                Nav::Dashboard,
                &body,
            );
            *response.status_mut() = status;
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

impl PageForm for ForwardForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl PageForm for RetryForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}
