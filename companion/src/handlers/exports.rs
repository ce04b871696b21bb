//! `POST /export`: the reports the manager ticked on the dashboard, exported together as
//! one ZIP of their evidence packages (each recorded as an export in the evidence log).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{check_page_form, path_uuid, read_body};
use crate::error::{Error, Result};
use crate::state::AppState;

/// Most reports in one exported selection.
pub const MAX_SELECTION: usize = 100;

/// Body limit of the selection form (ids and the form token).
const FORM_LIMIT: usize = 64 * 1024;

/// `POST /export` (form fields `csrf` and `id`, repeated) → 200 `application/zip`.
pub async fn selection(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let bytes = read_body(&headers, body, FORM_LIMIT).await?;
    let mut csrf = String::new();
    let mut ids: Vec<String> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(&bytes) {
        match name.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "id" => {
                let id = path_uuid(&value, "signalement / report")?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            _ => {}
        }
    }
    check_page_form(&state, &headers, &csrf)?;
    if ids.is_empty() {
        return Err(Error::bad_request(
            "empty_selection",
            "Cochez au moins un signalement à exporter. / Tick at least one report to export.",
        ));
    }
    if ids.len() > MAX_SELECTION {
        return Err(Error::unprocessable(
            "selection_too_large",
            format!(
                "Exportez au plus {MAX_SELECTION} signalements à la fois. / Export at most {MAX_SELECTION} reports at a time."
            ),
        ));
    }
    let count = ids.len();
    let zip = crate::mail::export::export_selection(
        state.store(),
        ids,
        &state.policy().organization.short_name,
    )
    .await?;
    tracing::info!(count, "evidence packages exported as a selection");
    let mut response = (StatusCode::OK, zip).into_response();
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    out.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"balise-preuves-selection-evidence.zip\""),
    );
    Ok(response)
}
