//! HTTP handlers, one file per resource, and the helpers they share.

pub mod appointment;
pub mod assets;
pub mod attestations;
pub mod check_page;
pub mod dashboard;
pub mod exports;
pub mod extract;
pub mod health;
pub mod mail;
pub mod pairing;
pub mod policy;
pub mod report_page;
pub mod reports;
pub mod reviews;
pub mod session;
pub mod settings_page;
pub mod traces;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use balise_core::digest::{sha256_hex, to_hex};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::security::media_type;
use crate::store::idempotency::{self, IdempotentRequest, StoredResponse};

/// Body limit of JSON API requests (report uploads have their own, from settings). An
/// attestation may carry up to 1000 findings of 1000 characters each.
pub const JSON_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Body limit of a pairing request (a label and a browser name).
pub const PAIRING_BODY_LIMIT: usize = 16 * 1024;

/// Reads a whole body up to `limit` bytes: 413 `payload_too_large` beyond.
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes> {
    if let Some(length) = content_length(headers)
        && length > limit as u64
    {
        return Err(Error::payload_too_large(limit as u64));
    }
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        if find_length_limit(&error) {
            Error::payload_too_large(limit as u64)
        } else if crate::limits::is_body_timeout(&error) {
            Error::body_timeout()
        } else {
            Error::bad_request(
                "invalid_body",
                "Corps de requête illisible. / Unreadable request body.",
            )
        }
    })
}

fn find_length_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        current = error.source();
    }
    false
}

/// The `Content-Length` header, if present and numeric.
pub fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Requires `Content-Type: application/json` (415 otherwise).
pub fn require_json(headers: &HeaderMap) -> Result<()> {
    if media_type(headers).as_deref() == Some("application/json") {
        Ok(())
    } else {
        Err(Error::unsupported_media_type("application/json"))
    }
}

/// Parses a JSON body into `T`: 422 `code` with serde's explanation if it does not fit.
pub fn parse_json<T: for<'de> Deserialize<'de>>(bytes: &[u8], code: &'static str) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|error| Error::unprocessable(code, format!("JSON refusé / JSON refused: {error}")))
}

/// The `Idempotency-Key` header as a lowercase UUID: 400 if missing or not a UUID.
pub fn idempotency_key(headers: &HeaderMap) -> Result<String> {
    let value = headers.get("idempotency-key").ok_or_else(|| {
        Error::bad_request(
            "missing_idempotency_key",
            "En-tête Idempotency-Key (UUID) requis. / Idempotency-Key header (a UUID) required.",
        )
    })?;
    value
        .to_str()
        .ok()
        .and_then(|v| uuid::Uuid::try_parse(v.trim()).ok())
        .map(|uuid| uuid.hyphenated().to_string())
        .ok_or_else(|| {
            Error::bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key doit être un UUID. / Idempotency-Key must be a UUID.",
            )
        })
}

/// The `Idempotency-Key` header where it is optional: `None` when absent, 400 if present
/// but not a UUID.
pub fn optional_idempotency_key(headers: &HeaderMap) -> Result<Option<String>> {
    if headers.contains_key("idempotency-key") {
        idempotency_key(headers).map(Some)
    } else {
        Ok(None)
    }
}

/// The idempotency identity of a request: the key plus SHA-256 over the endpoint and each content part.
pub fn idempotent_request(key: String, endpoint: &str, parts: &[&[u8]]) -> IdempotentRequest {
    let hashes: Vec<String> = parts.iter().map(|part| sha256_hex(part)).collect();
    let hashes: Vec<&str> = hashes.iter().map(String::as_str).collect();
    idempotent_request_of_hashes(key, endpoint, &hashes)
}

/// [`idempotent_request`] from each part's SHA-256 (lowercase hex) already computed: the
/// same identity, without hashing a part twice (a report's screenshot, whose hash the
/// upload checks anyway).
pub fn idempotent_request_of_hashes(
    key: String,
    endpoint: &str,
    part_sha256: &[&str],
) -> IdempotentRequest {
    let mut hasher = Sha256::new();
    hasher.update(b"balise-idempotency-v1\n");
    hasher.update(endpoint.as_bytes());
    hasher.update(b"\n");
    for hash in part_sha256 {
        hasher.update(hash.as_bytes());
        hasher.update(b"\n");
    }
    IdempotentRequest {
        key,
        request_sha256: to_hex(&hasher.finalize()),
    }
}

/// Runs `work` in one write transaction and answers with what it returns; with an
/// idempotency `request`, a request already answered gets its stored answer again (and
/// `work` does not run), and a fresh answer is recorded in the same transaction.
pub async fn idempotent_write<F>(
    state: &crate::state::AppState,
    request: Option<IdempotentRequest>,
    endpoint: &'static str,
    work: F,
) -> Result<StoredResponse>
where
    F: FnOnce(&rusqlite::Transaction<'_>, &str) -> Result<StoredResponse> + Send + 'static,
{
    idempotent_write_timed(state, request, endpoint, work)
        .await
        .0
}

/// As [`idempotent_write`], with the writer's stamps of the write (for [`crate::timing`]).
pub async fn idempotent_write_timed<F>(
    state: &crate::state::AppState,
    request: Option<IdempotentRequest>,
    endpoint: &'static str,
    work: F,
) -> (Result<StoredResponse>, Option<crate::store::WriteTiming>)
where
    F: FnOnce(&rusqlite::Transaction<'_>, &str) -> Result<StoredResponse> + Send + 'static,
{
    state
        .store()
        .write_timed(move |tx| {
            if let Some(request) = &request
                && let Some(replay) = idempotency::lookup(tx, request)?
            {
                return Ok(replay);
            }
            let now = crate::store::now_utc();
            let response = work(tx, &now)?;
            if let Some(request) = &request {
                idempotency::record(tx, request, endpoint, &response, &now)?;
            }
            Ok(response)
        })
        .await
}

/// A stored (or fresh) JSON answer as an HTTP response; replays say so in `Idempotent-Replayed`.
pub fn stored_response(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if stored.replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// A path id that must be a UUID; anything else is simply not found.
pub fn path_uuid(id: &str, what: &str) -> Result<String> {
    uuid::Uuid::try_parse(id)
        .map(|uuid| uuid.hyphenated().to_string())
        .map_err(|_| Error::not_found(what))
}

/// `limit` / `offset` query parameters of list endpoints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// How many (1 to 500, default 50).
    pub limit: Option<i64>,
    /// How many to skip (default 0).
    pub offset: Option<i64>,
}

impl Page {
    /// Clamped limit and offset.
    pub fn bounds(&self) -> (i64, i64) {
        (
            self.limit.unwrap_or(50).clamp(1, 500),
            self.offset.unwrap_or(0).max(0),
        )
    }
}

/// 404 for unknown routes, in the same JSON shape as every error.
pub async fn fallback() -> Error {
    Error::not_found("route")
}

/// 405 for a known route with another method, in the same JSON shape as every error.
pub async fn method_not_allowed() -> Error {
    Error::client(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Méthode non permise sur cette adresse. / Method not allowed on this route.",
    )
}

/// A form posted by one of the companion's own pages: its exact origin, and this process'
/// CSRF token (compared in constant time).
pub fn check_page_form(
    state: &crate::state::AppState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<()> {
    use subtle::ConstantTimeEq;
    let own_origin = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|origin| state.site().is_own_origin(origin));
    if !own_origin {
        return Err(Error::bad_origin());
    }
    if !bool::from(csrf.as_bytes().ct_eq(state.csrf().as_bytes())) {
        return Err(Error::client(
            StatusCode::FORBIDDEN,
            "bad_csrf",
            "Jeton de formulaire invalide : rechargez la page. / Invalid form token: reload the page.",
        ));
    }
    Ok(())
}

/// A form posted by one of the companion's own pages, checked ([`check_page_form`]) before
/// its fields are used: 400 `invalid_form` if it does not parse.
pub fn page_form<T: PageForm>(
    state: &crate::state::AppState,
    headers: &HeaderMap,
    form: std::result::Result<axum::extract::Form<T>, axum::extract::rejection::FormRejection>,
) -> Result<T> {
    let Ok(axum::extract::Form(form)) = form else {
        return Err(Error::bad_request(
            "invalid_form",
            "Formulaire invalide. / Invalid form.",
        ));
    };
    check_page_form(state, headers, form.csrf())?;
    Ok(form)
}

/// A page form, which carries the page's CSRF token.
pub trait PageForm {
    /// The `csrf` field.
    fn csrf(&self) -> &str;
}

/// A page answering a refused form: why (with its stable code in `data-error-code`), a
/// link back, and that nothing was stored; with the error's status.
pub fn refused_page(
    back: &str,
    back_label: &str,
    title: (&str, &str),
    status: StatusCode,
    code: &str,
    message: &str,
) -> Response {
    let body = format!(
        "<p class=\"small\"><a href=\"{back}\">← {back_label}</a></p><h1>{title}</h1>\
         <p class=\"notice warn\" data-error-code=\"{code}\">{message}</p><p>{nothing}</p>",
        back = crate::html::escape(back),
        title = crate::html::bi(title.0, title.1),
        code = crate::html::escape(code),
        message = crate::html::one_language(message),
        nothing = crate::html::bi("Rien n'a été enregistré.", "Nothing was stored."),
    );
    let mut response = crate::html::page(
        crate::html::pick(title.0, title.1),
        crate::html::Nav::Dashboard,
        &body,
    );
    *response.status_mut() = status;
    response
}

/// Current time as Unix seconds.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idempotency_identity_from_hashes_is_the_one_from_parts() {
        let from_parts =
            idempotent_request("k".to_owned(), "POST /api/v1/reports", &[b"{}", b"png"]);
        let from_hashes = idempotent_request_of_hashes(
            "k".to_owned(),
            "POST /api/v1/reports",
            &[&sha256_hex(b"{}"), &sha256_hex(b"png")],
        );
        assert_eq!(from_parts.request_sha256, from_hashes.request_sha256);
        // Stored keys keep their meaning: the v1 identity, computed independently (Python's
        // hashlib) over "balise-idempotency-v1\nPOST /api/v1/reports\n" and each part's hex hash.
        assert_eq!(
            from_parts.request_sha256,
            "09b8d050c0bafd8d9b8eab04353812279b2ec94a84cee4bc96f27fb7b06ee3f0"
        );
    }
}
