//! Reports: upload (multipart, idempotent; the screenshot's file, then one transaction),
//! annotate, read, list, screenshot.

use axum::Json;
use axum::extract::multipart::MultipartError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use balise_core::report::{ReportAnnotation, ReportV1};
use balise_core::validate::is_http_url;
use serde_json::json;

use super::extract::{JsonBody, JsonInput, OptionalIdempotencyKey};
use super::{
    Page, content_length, idempotency_key, idempotent_request, idempotent_request_of_hashes,
    idempotent_write, idempotent_write_timed, parse_json, path_uuid, stored_response,
};
use crate::error::{Error, Result};
use crate::mail::Role;
use crate::png;
use crate::security::media_type;
use crate::state::AppState;
use crate::store::idempotency::StoredResponse;
use crate::store::mail::{self as queue, MailKind, NewMail, Recipient};
use crate::store::reports::{self, NewAnnotation, NewReport};
use crate::store::{now_ms, sha256_hex};
use crate::timing::{self, Stage, UploadClock};

/// Endpoint name mixed into the idempotency hash of uploads.
pub const CREATE_ENDPOINT: &str = "POST /api/v1/reports";
/// Endpoint name mixed into the idempotency hash of annotations.
pub const ANNOTATE_ENDPOINT: &str = "PATCH /api/v1/reports/{id}";

fn multipart_error(limit: usize) -> impl Fn(MultipartError) -> Error {
    move |error| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::payload_too_large(limit as u64)
        } else if crate::limits::is_body_timeout(&error) {
            Error::body_timeout()
        } else {
            Error::bad_request(
                "invalid_multipart",
                format!("Corps multipart illisible / Unreadable multipart body: {error}"),
            )
        }
    }
}

/// The parts of `POST /api/v1/reports` (documentation of the multipart body).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ReportUpload {
    /// The report, `ReportV1` JSON.
    report: ReportV1,
    /// The screenshot, a PNG whose SHA-256 is the report's `screenshotSha256`.
    #[schema(value_type = String, format = Binary)]
    screenshot: Vec<u8>,
}

fn missing_part(name: &str) -> Error {
    Error::bad_request(
        "missing_part",
        format!("Partie « {name} » manquante. / Missing part \"{name}\"."),
    )
}

#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "reports",
    security(("token" = [])),
    params(("Idempotency-Key" = String, Header, description = "A UUID, the same for every retry of this report", pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")),
    request_body(content = ReportUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored (or the stored answer replayed, `Idempotent-Replayed: true`): `{id, screenshotSha256, evidenceSeq, entryHash, receivedAt}`", body = Object),
        crate::openapi::WriteErrors,
    )
)]
/// `POST /api/v1/reports` (multipart `report` + `screenshot`, token, `Idempotency-Key`) →
/// 201 `{ id, screenshotSha256, evidenceSeq, entryHash, receivedAt }` after COMMIT.
pub async fn create(State(state): State<AppState>, request: Request) -> Result<Response> {
    let mut clock = UploadClock::start(request.extensions().get::<timing::Arrived>().copied());
    let headers = request.headers();
    if media_type(headers).as_deref() != Some("multipart/form-data") {
        return Err(Error::unsupported_media_type("multipart/form-data"));
    }
    let limit = state.settings().max_screenshot_bytes;
    if content_length(headers).is_some_and(|length| length > limit as u64) {
        return Err(Error::payload_too_large(limit as u64));
    }
    let key = idempotency_key(headers)?;
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|rejection| {
            Error::bad_request(
                "invalid_multipart",
                format!("Corps multipart invalide / Invalid multipart body: {rejection}"),
            )
        })?;
    let (mut report_part, mut screenshot_part) = (None, None);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(multipart_error(limit))?
    {
        let slot = match field.name() {
            Some("report") => &mut report_part,
            Some("screenshot") => &mut screenshot_part,
            other => {
                let name = other.unwrap_or_default().to_owned();
                return Err(Error::bad_request(
                    "unexpected_part",
                    format!(
                        "Partie inattendue « {name} » (seules report et screenshot). / \
                         Unexpected part \"{name}\" (only report and screenshot)."
                    ),
                ));
            }
        };
        if slot.is_some() {
            return Err(Error::bad_request(
                "duplicate_part",
                "Une partie est en double. / A part is repeated.",
            ));
        }
        *slot = Some(field.bytes().await.map_err(multipart_error(limit))?);
    }
    let report_bytes = report_part.ok_or_else(|| missing_part("report"))?;
    let screenshot = screenshot_part.ok_or_else(|| missing_part("screenshot"))?;
    clock.mark(Stage::Body);

    let report: ReportV1 = parse_json(&report_bytes, "invalid_report")?;
    let report_json = String::from_utf8(report_bytes.to_vec()).map_err(|_| {
        Error::unprocessable("invalid_report", "JSON non UTF-8. / JSON is not UTF-8.")
    })?;
    if !is_http_url(&report.page_url) {
        return Err(Error::unprocessable(
            "invalid_page_url",
            "pageUrl doit être une adresse http ou https. / pageUrl must be an http or https URL.",
        ));
    }
    report.validate().map_err(|error| {
        Error::unprocessable(
            "invalid_report",
            format!("Signalement invalide / Invalid report: {error}"),
        )
    })?;
    clock.mark(Stage::Json);
    png::check(&screenshot).map_err(|problem| {
        Error::unprocessable(
            "not_png",
            format!(
                "La capture d'écran n'est pas une image PNG / The screenshot is not a PNG image: {problem}"
            ),
        )
    })?;
    clock.mark(Stage::Png);
    let actual_sha256 = sha256_hex(&screenshot);
    clock.mark(Stage::ScreenshotHash);
    if actual_sha256 != report.screenshot_sha256 {
        return Err(Error::unprocessable(
            "sha256_mismatch",
            format!(
                "Le SHA-256 de la capture ne correspond pas / The screenshot's SHA-256 does not match: \
                 declared {}, received {actual_sha256}",
                report.screenshot_sha256
            ),
        ));
    }

    // The screenshot's hash just checked is the one the idempotency identity takes.
    let idempotent = idempotent_request_of_hashes(
        key,
        CREATE_ENDPOINT,
        &[&sha256_hex(&report_bytes), &actual_sha256],
    );
    // On a member's companion every report is mailed to the manager. It waits a little for
    // the category and note the member may add on the page's card (an annotation releases
    // it at once), unless the report already carries them.
    let mail_settings = state.mailer().settings();
    let mail_wait = if report.category.is_some() || report.note.is_some() {
        0
    } else {
        i64::try_from(mail_settings.annotation_wait.as_millis()).unwrap_or(i64::MAX / 2)
    };
    let mail_to_manager = mail_settings.role == Role::Member;
    let new = NewReport {
        id: report.id.to_ascii_lowercase(),
        report_json,
        captured_at: report.captured_at,
        page_url: report.page_url,
        page_title: report.page_title,
        site: report.site,
        reporter_name: report.reporter.name,
        reporter_email: report.reporter.email,
        category: report.category.map(|c| c.as_str().to_owned()),
        note: report.note,
        screenshot,
        screenshot_sha256: actual_sha256,
    };
    clock.mark(Stage::Prepare);
    // The screenshot's file is made durable here, in parallel with other uploads, before its
    // row is queued: the writer's transaction then carries a few KB, not the screenshot.
    state
        .store()
        .store_screenshot_file(new.screenshot_sha256.clone(), new.screenshot.clone())
        .await?;
    clock.mark(Stage::ScreenshotFile);
    let (stored, write_timing) =
        idempotent_write_timed(&state, Some(idempotent), CREATE_ENDPOINT, move |tx, now| {
            let receipt = reports::insert(tx, &new, now)?;
            if mail_to_manager {
                queue::enqueue(
                    tx,
                    &NewMail {
                        report_id: new.id.clone(),
                        kind: MailKind::Report,
                        to: Recipient::Manager,
                        about_seq: None,
                        message_id: queue::report_message_id(&new.id, Recipient::Manager),
                        in_reply_to: None,
                        not_before_ms: now_ms().saturating_add(mail_wait),
                    },
                    now,
                )?;
            }
            Ok(StoredResponse::new(
                StatusCode::CREATED,
                serde_json::to_string(&receipt)?,
            ))
        })
        .await;
    clock.write(write_timing);
    let stored = stored?;
    if !stored.replayed {
        tracing::info!("report stored");
        state.mailer().wake();
    }
    let response = stored_response(stored);
    clock.finish();
    Ok(response)
}

impl JsonInput for ReportAnnotation {
    const INVALID: &'static str = "invalid_annotation";
}

#[utoipa::path(
    patch,
    path = "/api/v1/reports/{id}",
    tag = "reports",
    security(("token" = [])),
    params(("id" = String, Path, description = "The report's id (a UUID)"), ("Idempotency-Key" = Option<String>, Header, description = "A UUID", pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")),
    request_body(content = ReportAnnotation, content_type = "application/json"),
    responses(
        (status = 200, description = "`{id, category, note, recordedAt, evidenceSeq, entryHash}`", body = Object),
        crate::openapi::WriteErrors,
    )
)]
/// `PATCH /api/v1/reports/{id}` with `ReportAnnotation` JSON → 200; a new evidence entry,
/// the original report untouched. `Idempotency-Key` is optional here (same semantics when sent).
pub async fn annotate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalIdempotencyKey(key): OptionalIdempotencyKey,
    JsonBody {
        value: annotation, ..
    }: JsonBody<ReportAnnotation>,
) -> Result<Response> {
    let id = path_uuid(&id, "signalement / report")?;
    annotation.validate().map_err(|error| {
        Error::unprocessable(
            "invalid_annotation",
            format!("Annotation invalide / Invalid annotation: {error}"),
        )
    })?;
    let annotation_json = serde_json::to_string(&annotation)?;
    let idempotent = key.map(|key| {
        idempotent_request(
            key,
            ANNOTATE_ENDPOINT,
            &[id.as_bytes(), annotation_json.as_bytes()],
        )
    });
    let new = NewAnnotation {
        report_id: id,
        category: annotation.category.map(|c| c.as_str().to_owned()),
        note: annotation.note,
        annotation_json,
    };
    let stored = idempotent_write(&state, idempotent, ANNOTATE_ENDPOINT, move |tx, now| {
        let record = reports::annotate(tx, &new, now)?;
        let body = json!({
            "id": new.report_id,
            "category": record.category,
            "note": record.note,
            "recordedAt": record.recorded_at,
            "evidenceSeq": record.evidence_seq,
            "entryHash": record.entry_hash,
        });
        Ok(StoredResponse::new(StatusCode::OK, body.to_string()))
    })
    .await?;
    if !stored.replayed {
        state.mailer().wake();
    }
    Ok(stored_response(stored))
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}",
    tag = "reports",
    security(("token" = [])),
    params(("id" = String, Path, description = "The report's id (a UUID)")),
    responses(
        (status = 200, description = "The report's record", body = Object),
        crate::openapi::Unauthorized,
        crate::openapi::Forbidden,
        crate::openapi::NotFound,
    )
)]
/// `GET /api/v1/reports/{id}` → the stored report, annotations and evidence references.
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let id = path_uuid(&id, "signalement / report")?;
    let record = state
        .store()
        .read(move |tx| reports::get(tx, &id))
        .await?
        .ok_or_else(|| Error::not_found("signalement / report"))?;
    Ok(Json(record).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/reports",
    tag = "reports",
    security(("token" = [])),
    params(("limit" = Option<i64>, Query, description = "1 to 500 (50)"), ("offset" = Option<i64>, Query, description = "0 and up")),
    responses(
        (status = 200, description = "`{total, limit, offset, reports}`, newest first", body = Object),
        crate::openapi::BadRequest,
        crate::openapi::Unauthorized,
        crate::openapi::Forbidden,
    )
)]
/// `GET /api/v1/reports?limit=&offset=` → newest first.
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
            Ok((reports::count(tx)?, reports::list(tx, limit, offset)?))
        })
        .await?;
    Ok(
        Json(json!({ "total": total, "limit": limit, "offset": offset, "reports": items }))
            .into_response(),
    )
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}/screenshot",
    tag = "reports",
    security(("token" = [])),
    params(("id" = String, Path, description = "The report's id (a UUID)")),
    responses(
        (status = 200, description = "The PNG, verified; `X-Balise-Sha256`", content_type = "image/png"),
        crate::openapi::Unauthorized,
        crate::openapi::Forbidden,
        crate::openapi::NotFound,
        crate::openapi::Gone,
    )
)]
/// `GET /api/v1/reports/{id}/screenshot` (and the dashboard's `/reports/{id}/screenshot.png`) →
/// the PNG after its SHA-256 is verified again, with `X-Balise-Sha256`.
pub async fn screenshot(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let id = path_uuid(&id, "signalement / report")?;
    let file_name = format!("inline; filename=\"balise-{id}.png\"");
    let verified = state
        .store()
        .read(move |tx| reports::screenshot(tx, &id))
        .await?;
    let mut response = verified.png.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    if let Ok(value) = HeaderValue::from_str(&verified.sha256) {
        headers.insert("x-balise-sha256", value);
    }
    if let Ok(value) = HeaderValue::from_str(&file_name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A ZIP download named after the report.
pub fn zip_response(id: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"balise-preuves-evidence-{id}.zip\"");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[utoipa::path(
    post,
    path = "/api/v1/reports/{id}/export",
    tag = "reports",
    security(("token" = [])),
    params(("id" = String, Path, description = "The report's id (a UUID)")),
    request_body(content = Object, content_type = "application/json", description = "`{}`"),
    responses(
        (status = 200, description = "The evidence package (ZIP)", content_type = "application/zip"),
        crate::openapi::Unauthorized,
        crate::openapi::Forbidden,
        crate::openapi::NotFound,
        crate::openapi::BodyTimeout,
        crate::openapi::Gone,
        crate::openapi::PayloadTooLarge,
        crate::openapi::UnsupportedMediaType,
        crate::openapi::RateLimited,
    )
)]
/// `POST /api/v1/reports/{id}/export` → 200 `application/zip`: the evidence package as it
/// stands now, recorded as an export in the evidence log (its chain head is in the package).
pub async fn export(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let id = path_uuid(&id, "signalement / report")?;
    let bytes = crate::mail::export::export_package(
        state.store(),
        &id,
        &state.policy().organization.short_name,
    )
    .await?;
    tracing::info!("evidence package exported");
    Ok(zip_response(&id, bytes))
}
