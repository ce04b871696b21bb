//! Traces recorded by hand: the dashboard's form `POST /traces` (multipart, with an
//! optional PNG or JPEG screenshot), a trace's page `GET /traces/{id}` and its screenshot
//! `GET /traces/{id}/screenshot` (re-verified against the chained trace on every read).

use std::fmt::Write;

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{check_page_form, path_uuid, refused_page};
use crate::error::{Error, Result};
use crate::html::{Nav, bi, display_time, escape, external_link, page};
use crate::state::AppState;
use crate::store::traces::{self, ImageType, NewTrace, TraceRecord};

/// Longest text of a trace (characters).
pub const MAX_TEXT_LEN: usize = 10_000;
/// Longest site name (characters).
pub const MAX_SITE_LEN: usize = 200;
/// Longest URL (bytes).
pub const MAX_URL_LEN: usize = 2048;
/// What the form's fields may add to the screenshot's size limit.
pub const FORM_OVERHEAD: usize = 64 * 1024;

/// What a PNG or JPEG file starts with; anything else is refused.
pub fn image_type(bytes: &[u8]) -> Option<ImageType> {
    if crate::png::check(bytes).is_ok() {
        Some(ImageType::Png)
    } else if bytes.len() > 4 && bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageType::Jpeg)
    } else {
        None
    }
}

fn invalid(code: &'static str, message: &'static str) -> Error {
    Error::unprocessable(code, message)
}

fn clean_text(
    value: &str,
    max: usize,
    code: &'static str,
    message: &'static str,
) -> Result<String> {
    let value = value.trim();
    if value.is_empty()
        || value.chars().count() > max
        || balise_core::validate::has_control_chars(value)
    {
        return Err(invalid(code, message));
    }
    Ok(value.replace("\r\n", "\n"))
}

/// `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (what a `datetime-local` input sends).
fn is_local_datetime(value: &str) -> bool {
    let Some((date, time)) = value.split_once('T') else {
        return false;
    };
    let parts: Vec<&str> = time.split(':').collect();
    let two_digits = |part: &&str, max: u32| {
        part.len() == 2
            && part.bytes().all(|b| b.is_ascii_digit())
            && part.parse::<u32>().is_ok_and(|n| n <= max)
    };
    balise_core::validate::is_date(date)
        && matches!(parts.len(), 2 | 3)
        && parts.first().is_some_and(|h| two_digits(h, 23))
        && parts.get(1).is_some_and(|m| two_digits(m, 59))
        && parts.get(2).is_none_or(|s| two_digits(s, 59))
}

/// The fields of the trace form, read from the multipart body.
#[derive(Debug, Default)]
struct TraceFields {
    csrf: Option<String>,
    text: Option<String>,
    site: Option<String>,
    url: Option<String>,
    occurred_at: Option<String>,
    screenshot: Option<Vec<u8>>,
    screenshot_sha256: Option<String>,
}

/// Checks the fields: the trace to record, or why not.
fn checked(fields: TraceFields) -> Result<NewTrace> {
    let text = clean_text(
        fields.text.as_deref().unwrap_or_default(),
        MAX_TEXT_LEN,
        "invalid_trace_text",
        "Décrivez l'interaction (1 à 10 000 caractères, sans caractères de contrôle). / \
         Describe the interaction (1 to 10,000 characters, no control characters).",
    )?;
    let site = clean_text(
        fields.site.as_deref().unwrap_or_default(),
        MAX_SITE_LEN,
        "invalid_trace_site",
        "Indiquez le site ou le réseau (1 à 200 caractères). / Give the site or network (1 to 200 characters).",
    )?;
    let url = match fields
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        None => None,
        Some(url) if url.len() <= MAX_URL_LEN && balise_core::validate::is_http_url(url) => {
            Some(url.to_owned())
        }
        Some(_) => {
            return Err(invalid(
                "invalid_trace_url",
                "L'adresse doit commencer par http:// ou https://. / The address must start with http:// or https://.",
            ));
        }
    };
    let occurred_at = fields.occurred_at.unwrap_or_default().trim().to_owned();
    if !is_local_datetime(&occurred_at) {
        return Err(invalid(
            "invalid_trace_time",
            "Indiquez la date et l'heure de l'interaction. / Give the date and time of the interaction.",
        ));
    }
    let screenshot = match fields.screenshot.filter(|bytes| !bytes.is_empty()) {
        None => None,
        Some(bytes) => {
            let kind = image_type(&bytes).ok_or_else(|| {
                invalid(
                    "not_an_image",
                    "La capture doit être une image PNG ou JPEG. / The screenshot must be a PNG or JPEG image.",
                )
            })?;
            Some((bytes, kind))
        }
    };
    if let Some(declared) = fields
        .screenshot_sha256
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let actual = screenshot
            .as_ref()
            .map(|(bytes, _)| crate::store::sha256_hex(bytes));
        if actual.as_deref() != Some(declared.to_ascii_lowercase().as_str()) {
            return Err(Error::unprocessable(
                "sha256_mismatch",
                format!(
                    "Le SHA-256 de la capture ne correspond pas à celui indiqué / The screenshot's SHA-256 does not match the one given: \
                     declared {}, received {}",
                    escape_plain(declared),
                    actual
                        .as_deref()
                        .unwrap_or("(aucune capture / no screenshot)")
                ),
            ));
        }
    }
    Ok(NewTrace {
        text,
        site,
        url,
        occurred_at,
        screenshot,
    })
}

/// A declared value echoed in a message: at most 80 characters.
fn escape_plain(value: &str) -> String {
    value.chars().take(80).collect()
}

fn invalid_form() -> Error {
    Error::bad_request("invalid_form", "Formulaire invalide. / Invalid form.")
}

async fn read_fields(state: &AppState, request: Request) -> Result<TraceFields> {
    let limit = state.settings().max_screenshot_bytes;
    let too_large = move |error: axum::extract::multipart::MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::payload_too_large(limit as u64)
        } else {
            invalid_form()
        }
    };
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|_| invalid_form())?;
    let mut fields = TraceFields::default();
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "screenshot" {
            if fields.screenshot.is_some() {
                return Err(invalid_form());
            }
            let bytes = field.bytes().await.map_err(too_large)?;
            if bytes.len() > limit {
                return Err(Error::payload_too_large(limit as u64));
            }
            fields.screenshot = Some(bytes.to_vec());
            continue;
        }
        let slot = match name.as_str() {
            "csrf" => &mut fields.csrf,
            "text" => &mut fields.text,
            "site" => &mut fields.site,
            "url" => &mut fields.url,
            "occurred_at" => &mut fields.occurred_at,
            "screenshot_sha256" => &mut fields.screenshot_sha256,
            _ => return Err(invalid_form()),
        };
        if slot.is_some() {
            return Err(invalid_form());
        }
        *slot = Some(field.text().await.map_err(too_large)?);
    }
    Ok(fields)
}

/// `POST /traces` (multipart: `csrf`, `text`, `site`, `url`, `occurred_at`, optional
/// `screenshot` PNG/JPEG and `screenshot_sha256`) → 303 to the trace's page; a refused
/// trace is answered with a page saying why, nothing stored.
pub async fn create(State(state): State<AppState>, request: Request) -> Result<Response> {
    let headers = request.headers().clone();
    let fields = read_fields(&state, request).await?;
    check_page_form(&state, &headers, fields.csrf.as_deref().unwrap_or_default())?;
    let new = match checked(fields) {
        Ok(new) => new,
        Err(Error::Client {
            status,
            code,
            message,
        }) => {
            return Ok(refused_page(
                "/#traces",
                &bi("Tableau de bord", "Dashboard"),
                ("Trace refusée", "Trace refused"),
                status,
                code,
                &message,
            ));
        }
        Err(other) => return Err(other),
    };
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    let trace_id = id.clone();
    let record = state
        .store()
        .write(move |tx| {
            let now = crate::store::now_utc();
            traces::insert(tx, &trace_id, &new, &now)
        })
        .await?;
    tracing::info!(evidence_seq = record.evidence_seq, "trace recorded");
    Ok(Redirect::to(&format!("/traces/{id}?done=recorded")).into_response())
}

/// Query of `GET /traces/{id}`.
#[derive(Debug, Deserialize)]
pub struct TraceQuery {
    /// What was just done, for a notice.
    pub done: Option<String>,
}

/// `GET /traces/{id}`: every field of the trace, its screenshot and whether it verifies.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: std::result::Result<
        axum::extract::Query<TraceQuery>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Result<Response> {
    let id = path_uuid(&id, "trace")?;
    let done = query.ok().and_then(|q| q.0.done);
    let (record, screenshot) = state
        .store()
        .read(move |tx| -> Result<_> {
            let record = traces::get(tx, &id)?.ok_or_else(|| Error::not_found("trace"))?;
            let screenshot = match traces::screenshot(tx, &id) {
                Ok(verified) => Some(Ok(verified.sha256)),
                Err(crate::store::Error::Corrupted { detail, .. }) => Some(Err(detail)),
                Err(crate::store::Error::NotFound { .. }) => None,
                Err(other) => return Err(other.into()),
            };
            Ok((record, screenshot))
        })
        .await?;
    Ok(page(
        "Trace",
        Nav::Dashboard,
        &render(&record, screenshot.as_ref(), done.as_deref()),
    ))
}

fn render(
    record: &TraceRecord,
    screenshot: Option<&std::result::Result<String, String>>,
    done: Option<&str>,
) -> String {
    let trace = &record.trace;
    let id = escape(&trace.id);
    let mut html = String::new();
    let _ = write!(
        html,
        "<p class=\"small\"><a href=\"/#traces\">← {}</a></p><h1>{}</h1>",
        bi("Tableau de bord", "Dashboard"),
        bi("Trace d'une interaction", "Trace of an interaction"),
    );
    if done == Some("recorded") {
        let _ = write!(
            html,
            "<p class=\"notice\">{}</p>",
            bi(
                "Trace enregistrée et inscrite au journal de preuves.",
                "Trace recorded and chained in the evidence log."
            )
        );
    }
    let url = trace
        .url
        .as_deref()
        .map(|url| external_link(url, &escape(url)))
        .unwrap_or_else(|| "—".to_owned());
    let verification = match screenshot {
        None => bi("aucune capture", "no screenshot"),
        Some(Ok(sha)) => format!(
            "<span class=\"hash\">{}</span> <span class=\"status-ok\" data-screenshot=\"verified\">✓ {}</span>",
            escape(sha),
            bi("vérifiée", "verifies")
        ),
        Some(Err(detail)) => format!(
            "<span class=\"status-bad\" data-screenshot=\"altered\">✗ {}</span><div class=\"small\">{}</div>",
            bi(
                "la capture ne vérifie pas",
                "the screenshot does not verify"
            ),
            escape(detail)
        ),
    };
    let rows = [
        (
            bi("Quand", "When"),
            format!(
                "{} <span class=\"small en\">{}</span>",
                escape(&trace.occurred_at.replacen('T', " ", 1)),
                bi("heure locale", "local time")
            ),
        ),
        (bi("Site", "Site"), escape(&trace.site)),
        (bi("Adresse", "URL"), url),
        (
            bi("Ce qui s'est passé", "What happened"),
            format!(
                "<span class=\"pre\" data-trace-text>{}</span>",
                escape(&trace.text)
            ),
        ),
        (
            bi("Enregistré le", "Recorded"),
            escape(&display_time(&trace.recorded_at)),
        ),
        (
            bi("Identifiant", "Id"),
            format!("<span class=\"hash\">{id}</span>"),
        ),
        (
            bi("Entrée du journal", "Evidence entry"),
            format!(
                "#{} <span class=\"hash\">{}</span>",
                record.evidence_seq,
                escape(&record.entry_hash)
            ),
        ),
        (
            bi("SHA-256 de la capture", "Screenshot SHA-256"),
            verification,
        ),
    ];
    html.push_str("<div class=\"report-grid\"><div><table class=\"fields\"><tbody>");
    for (label, value) in rows {
        let _ = write!(
            html,
            "<tr><th scope=\"row\">{label}</th><td>{value}</td></tr>"
        );
    }
    html.push_str("</tbody></table></div>");
    if matches!(screenshot, Some(Ok(_))) {
        let _ = write!(
            html,
            "<div><a href=\"/traces/{id}/screenshot\" target=\"_blank\" rel=\"noopener\">\
             <img class=\"shot\" src=\"/traces/{id}/screenshot\" alt=\"Capture de la trace / Screenshot of the trace\"></a></div>"
        );
    }
    html.push_str("</div>");
    html
}

/// `GET /traces/{id}/screenshot` → the image after its SHA-256 is checked against the
/// chained trace, with `X-Balise-Sha256`.
pub async fn screenshot(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let id = path_uuid(&id, "trace")?;
    let file_name = id.clone();
    let verified = state
        .store()
        .read(move |tx| traces::screenshot(tx, &id))
        .await?;
    let disposition = format!(
        "inline; filename=\"balise-trace-{file_name}.{}\"",
        verified.media_type.extension()
    );
    let mut response = verified.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(verified.media_type.as_str()),
    );
    if let Ok(value) = HeaderValue::from_str(&verified.sha256) {
        headers.insert("x-balise-sha256", value);
    }
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_datetimes_are_checked() {
        assert!(is_local_datetime("2026-12-05T14:30"));
        assert!(is_local_datetime("2026-12-05T14:30:59"));
        assert!(!is_local_datetime("2026-02-30T14:30"));
        assert!(!is_local_datetime("2026-12-05T24:00"));
        assert!(!is_local_datetime("2026-12-05 14:30"));
        assert!(!is_local_datetime("hier"));
    }

    #[test]
    fn images_are_known_by_their_magic_bytes() {
        assert_eq!(
            image_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(image_type(b"GIF89a......"), None);
        assert_eq!(image_type(b"<svg onload=alert(1)>"), None);
    }
}
