//! Pairing: an extension asks (`POST /api/v1/pairing`), the person approves on `/pair`, the extension polls for the token.

use std::fmt::Write;

use axum::Json;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::extract::{JsonBody, JsonInput};
use super::{PAIRING_BODY_LIMIT, now_unix, page_form, path_uuid};
use crate::error::{Error, Result};
use crate::html::{Nav, bi, display_time, escape, page, pick};
use crate::security::{is_extension_origin, origin_browser};
use crate::state::AppState;
use crate::store::pairing::{
    self, Decision, PAIRING_TTL_SECS, PairedClient, PairingRequest, PollOutcome,
};
use crate::store::{format_utc, now_utc, sha256_hex};
use crate::token::random_hex;

/// Body of `POST /api/v1/pairing`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairingBody {
    /// A name for this browser, shown to the person approving.
    pub label: String,
    /// `chromium` or `firefox`.
    pub browser: String,
}

impl JsonInput for PairingBody {
    const LIMIT: usize = PAIRING_BODY_LIMIT;
    const INVALID: &'static str = "invalid_pairing_request";
}

/// The extension asking: its `Origin`, which must be an extension's (403 `origin_required`
/// otherwise). Checked before the body is read.
#[derive(Debug)]
pub struct RequestingExtension(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestingExtension {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        parts
            .headers
            .get(header::ORIGIN)
            .and_then(|value| value.to_str().ok())
            .filter(|origin| is_extension_origin(origin))
            .map(|origin| Self(origin.to_owned()))
            .ok_or_else(|| {
                Error::client(
                    StatusCode::FORBIDDEN,
                    "origin_required",
                    "Le jumelage se fait depuis l'extension (en-tête Origin d'extension requis). / \
                     Pairing is done from the extension (an extension Origin header is required).",
                )
            })
    }
}

fn invalid(message: &str) -> Error {
    Error::unprocessable(
        "invalid_pairing_request",
        format!("Demande de jumelage invalide / Invalid pairing request: {message}"),
    )
}

/// A six-digit code shown on both sides, as `123-456`.
fn pairing_code() -> Result<String> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(|error| Error::internal(error.to_string()))?;
    let number = u32::from_le_bytes(bytes) % 1_000_000;
    Ok(format!("{:03}-{:03}", number / 1000, number % 1000))
}

#[utoipa::path(
    post,
    path = "/api/v1/pairing",
    tag = "pairing",
    request_body(content = PairingBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Pairing requested: `{requestId, code, expiresAt}`", body = Object),
        crate::openapi::Forbidden,
        crate::openapi::BodyTimeout,
        crate::openapi::PayloadTooLarge,
        crate::openapi::UnsupportedMediaType,
        crate::openapi::Unprocessable,
        crate::openapi::RateLimited,
    )
)]
/// `POST /api/v1/pairing` → 201 `{ requestId, code, expiresAt }`.
pub async fn create(
    State(state): State<AppState>,
    RequestingExtension(origin): RequestingExtension,
    JsonBody { value: request, .. }: JsonBody<PairingBody>,
) -> Result<Response> {
    let label = request.label.trim().to_owned();
    if label.is_empty() || label.chars().count() > 80 || label.chars().any(char::is_control) {
        return Err(invalid("label must be 1 to 80 printable characters"));
    }
    if !matches!(request.browser.as_str(), "chromium" | "firefox") {
        return Err(invalid("browser must be \"chromium\" or \"firefox\""));
    }
    if origin_browser(&origin) != Some(request.browser.as_str()) {
        return Err(invalid("browser does not match the Origin"));
    }
    let now = time::OffsetDateTime::now_utc();
    let expires_at_unix = now.unix_timestamp() + PAIRING_TTL_SECS;
    let record = PairingRequest {
        id: uuid::Uuid::new_v4().hyphenated().to_string(),
        origin,
        label,
        browser: request.browser,
        code: pairing_code()?,
        created_at: format_utc(now),
        expires_at_unix,
        status: "pending".into(),
    };
    let stored = record.clone();
    state
        .store()
        .write(move |tx| pairing::create(tx, &stored, now.unix_timestamp()))
        .await?;
    let expires_at = time::OffsetDateTime::from_unix_timestamp(expires_at_unix)
        .map(format_utc)
        .unwrap_or_default();
    tracing::info!(origin = %record.origin, "pairing requested");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "requestId": record.id, "code": record.code, "expiresAt": expires_at })),
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/pairing/{id}",
    tag = "pairing",
    params(("id" = String, Path, description = "The pairing request's id")),
    responses(
        (status = 200, description = "`{status: pending|approved|rejected|expired, token?}`", body = Object),
        crate::openapi::Forbidden,
        crate::openapi::NotFound,
        crate::openapi::UnsupportedMediaType,
    )
)]
/// `GET /api/v1/pairing/{requestId}` from the requesting origin →
/// `pending` / `approved` (+ the browser's own `token` until the request expires) /
/// `rejected` / `expired`.
pub async fn poll(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RequestingExtension(origin): RequestingExtension,
) -> Result<Response> {
    let id = path_uuid(&id, "demande de jumelage / pairing request")?;
    let now = now_utc();
    let outcome = state
        .store()
        .write(move |tx| pairing::poll(tx, &id, &origin, &now, now_unix()))
        .await?;
    let body = match outcome {
        PollOutcome::Pending => json!({ "status": "pending" }),
        PollOutcome::Approved { token: Some(token) } => {
            json!({ "status": "approved", "token": token })
        }
        PollOutcome::Approved { token: None } => json!({ "status": "approved" }),
        PollOutcome::Rejected => json!({ "status": "rejected" }),
        PollOutcome::Expired => json!({ "status": "expired" }),
    };
    Ok(Json(body).into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/pairing/{id}",
    tag = "pairing",
    params(("id" = String, Path, description = "The pairing request's id")),
    request_body(content = Object, content_type = "application/json", description = "`{}`"),
    responses(
        (status = 200, description = "As `GET`", body = Object),
        (status = 403, description = "`bad_host`, `bad_origin`, `origin_required`", body = crate::openapi::ErrorBody),
        crate::openapi::NotFound,
        crate::openapi::UnsupportedMediaType,
    )
)]
/// `POST /api/v1/pairing/{requestId}`: as `GET` (browsers send no Origin on an
/// extension's GET); the body is not read.
pub async fn poll_post(
    state: State<AppState>,
    id: Path<String>,
    origin: RequestingExtension,
) -> Result<Response> {
    poll(state, id, origin).await
}

/// Query of `GET /pair`.
#[derive(Debug, Deserialize)]
pub struct PairPageQuery {
    /// What was just done (`approved` or `rejected`), for a notice.
    pub done: Option<String>,
}

/// `GET /pair`: pending requests with approve / reject forms, and the paired extensions.
pub async fn page_handler(
    State(state): State<AppState>,
    query: Result<Query<PairPageQuery>, QueryRejection>,
) -> Result<Response> {
    let done = query.ok().and_then(|Query(q)| q.done);
    let (pending, clients) = state
        .store()
        .read(|tx| -> crate::store::Result<_> {
            Ok((pairing::pending(tx, now_unix())?, pairing::clients(tx)?))
        })
        .await?;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        bi("Jumelage des extensions", "Pairing extensions"),
        bi(
            "Approuvez une demande seulement si son code est celui que montre l'extension.",
            "Approve a request only if its code is the one the extension shows."
        )
    );
    match done.as_deref() {
        Some("approved") => {
            let _ = write!(
                body,
                "<p class=\"notice\">{}</p>",
                bi(
                    "Extension jumelée. Elle reçoit son jeton à sa prochaine vérification.",
                    "Extension paired. It receives its token at its next check."
                )
            );
        }
        Some("rejected") => {
            let _ = write!(
                body,
                "<p class=\"notice\">{}</p>",
                bi("Demande refusée.", "Request rejected.")
            );
        }
        Some("revoked") => {
            let _ = write!(
                body,
                "<p class=\"notice\">{}</p>",
                bi(
                    "Extension révoquée : son jeton est refusé désormais.",
                    "Extension revoked: its token is refused from now on."
                )
            );
        }
        _ => {}
    }
    // The extension's content script recognizes this section on the companion's own
    // origin, enables the button and asks its service worker to pair (the page itself
    // runs no script: the CSP forbids it).
    let _ = write!(
        body,
        "<section id=\"balise-pair\" class=\"pair-here\" data-state=\"no-extension\">\
         <h2>{}</h2><p data-balise-pair-message>{}</p>\
         <button type=\"button\" id=\"balise-pair-start\" disabled>{}</button></section>",
        bi("Jumeler ce navigateur", "Pair this browser"),
        bi(
            "L'extension Balise n'est pas détectée dans ce navigateur. Installez-la, puis rechargez cette page; ou jumelez depuis les options de l'extension.",
            "The Balise extension is not detected in this browser. Install it, then reload this page; or pair from the extension's options."
        ),
        bi("Jumeler ce navigateur", "Pair this browser"),
    );
    let _ = write!(
        body,
        "<h2>{}</h2>",
        bi("Demandes en attente", "Pending requests")
    );
    if pending.is_empty() {
        let _ = write!(
            body,
            "<div class=\"empty\">{}<ol class=\"steps small\"><li>{}</li><li>{}</li><li>{}</li></ol></div>",
            bi("Aucune demande en attente.", "No pending request."),
            bi(
                "Cliquez « Jumeler ce navigateur » ci-dessus, ou choisissez « Jumeler » dans les options de l'extension Balise.",
                "Click \"Pair this browser\" above, or choose \"Pair\" in the Balise extension's options."
            ),
            bi(
                "Rechargez cette page : la demande apparaît avec un code.",
                "Reload this page: the request appears with a code."
            ),
            bi(
                "Vérifiez que le code est identique des deux côtés, puis approuvez.",
                "Check the code is the same on both sides, then approve."
            ),
        );
    } else {
        let _ = write!(
            body,
            "<div class=\"table-wrap\"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
            bi("Code", "Code"),
            bi("Nom", "Label"),
            bi("Navigateur", "Browser"),
            bi("Origine", "Origin"),
            bi("Demandée", "Requested"),
        );
        for request in &pending {
            let id = escape(&request.id);
            let csrf = escape(state.csrf());
            let _ = write!(
                body,
                "<tr data-code=\"{code}\"><td class=\"code\">{code}</td><td>{label}</td><td>{browser}</td>\
                 <td class=\"hash\">{origin}</td><td class=\"small\">{created}</td><td>\
                 <form class=\"inline\" method=\"post\" action=\"/pair/{id}/approve\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <button class=\"approve\" type=\"submit\">{approve}</button></form>\
                 <form class=\"inline\" method=\"post\" action=\"/pair/{id}/reject\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <button class=\"reject\" type=\"submit\">{reject}</button></form></td></tr>",
                approve = bi("Approuver", "Approve"),
                reject = bi("Refuser", "Reject"),
                code = escape(&request.code),
                label = escape(&request.label),
                browser = escape(&request.browser),
                origin = escape(&request.origin),
                created = escape(&display_time(&request.created_at)),
            );
        }
        body.push_str("</tbody></table></div>");
    }
    let _ = write!(
        body,
        "<h2>{}</h2>",
        bi("Extensions jumelées", "Paired extensions")
    );
    if clients.is_empty() {
        let _ = write!(
            body,
            "<div class=\"empty\">{}</div>",
            bi("Aucune extension jumelée.", "No paired extension.")
        );
    } else {
        let _ = write!(
            body,
            "<div class=\"table-wrap\"><table data-clients><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            bi("Nom", "Label"),
            bi("Navigateur", "Browser"),
            bi("Origine", "Origin"),
            bi("Jumelée le", "Paired on"),
            bi("Dernière utilisation", "Last use"),
            bi("Jeton", "Token"),
        );
        let csrf = escape(state.csrf());
        for client in &clients {
            let last_use = client
                .last_used_at
                .as_deref()
                .map_or_else(|| bi("jamais", "never"), |at| escape(&display_time(at)));
            let token = match (&client.revoked_at, &client.token_sha256) {
                (Some(at), _) => format!(
                    "<span class=\"status-bad\">{}</span><div class=\"small\">{}</div>",
                    bi("Révoqué", "Revoked"),
                    escape(&display_time(at))
                ),
                (None, own) => format!(
                    "{}<form class=\"inline\" method=\"post\" action=\"/clients/{id}/revoke\">\
                     <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                     <button class=\"reject\" type=\"submit\">{}</button></form>",
                    if own.is_some() {
                        format!("<div class=\"small\">{}</div>", bi("Le sien", "Its own"))
                    } else {
                        format!(
                            "<div class=\"small status-warn\">{}</div>",
                            bi(
                                "Jeton partagé (jumelée avant les jetons par navigateur) : jumelez-la de nouveau",
                                "Shared token (paired before per-browser tokens): pair it again"
                            )
                        )
                    },
                    bi("Révoquer", "Revoke"),
                    id = escape(&client.id),
                ),
            };
            let _ = write!(
                body,
                "<tr data-client=\"{id}\" data-revoked=\"{revoked}\"><td>{label}</td><td>{browser}</td><td class=\"hash\">{origin}</td>\
                 <td class=\"small\">{paired}</td><td class=\"small\" data-last-use>{last_use}</td><td>{token}</td></tr>",
                id = escape(&client.id),
                revoked = client.revoked_at.is_some(),
                label = escape(&client.label),
                browser = escape(&client.browser),
                origin = escape(&client.origin),
                paired = escape(&display_time(&client.paired_at)),
            );
        }
        body.push_str("</tbody></table></div>");
    }
    Ok(page(pick("Jumelage", "Pairing"), Nav::Pairing, &body))
}

/// The approve / reject form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    /// This process' CSRF token, from the page.
    pub csrf: String,
}

impl super::PageForm for DecisionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /pair/{id}/approve`
pub async fn approve(
    state: State<AppState>,
    id: Path<String>,
    headers: HeaderMap,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> Result<Response> {
    decide(state, id, headers, form, true).await
}

/// `POST /pair/{id}/reject`
pub async fn reject(
    state: State<AppState>,
    id: Path<String>,
    headers: HeaderMap,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> Result<Response> {
    decide(state, id, headers, form, false).await
}

async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<DecisionForm>, FormRejection>,
    approve: bool,
) -> Result<Response> {
    // Only the companion's own page may decide: a session (the route's layer), its exact
    // origin, plus the form token.
    page_form(&state, &headers, form)?;
    let id = path_uuid(&id, "demande de jumelage / pairing request")?;
    let now = now_utc();
    // Each approved browser gets a token of its own, revocable on its own.
    let token = if approve {
        Some(random_hex(32).map_err(Error::internal)?)
    } else {
        None
    };
    let decided = {
        let now = now.clone();
        let token = token.clone();
        state
            .store()
            .write(move |tx| {
                let decision = token
                    .as_deref()
                    .map_or(Decision::Reject, |token| Decision::Approve { token });
                pairing::decide(tx, &id, decision, &now, now_unix())
            })
            .await?
    };
    match token {
        Some(token) => {
            tracing::info!(origin = %decided.origin, "extension paired");
            state.clients().add(&PairedClient {
                id: decided.id,
                origin: decided.origin,
                label: decided.label,
                browser: decided.browser,
                paired_at: now,
                token_sha256: Some(sha256_hex(token.as_bytes())),
                last_used_at: None,
                revoked_at: None,
            });
            Ok(Redirect::to("/pair?done=approved").into_response())
        }
        None => {
            tracing::info!(origin = %decided.origin, "pairing rejected");
            Ok(Redirect::to("/pair?done=rejected").into_response())
        }
    }
}

/// `POST /clients/{id}/revoke`: a paired browser's token is refused from now on.
pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> Result<Response> {
    page_form(&state, &headers, form)?;
    let id = path_uuid(&id, "extension jumelée / paired extension")?;
    let now = now_utc();
    let revoked = state
        .store()
        .write(move |tx| pairing::revoke(tx, &id, &now))
        .await?;
    state.clients().remove(&revoked);
    tracing::info!(origin = %revoked.origin, "paired extension revoked");
    Ok(Redirect::to("/pair?done=revoked").into_response())
}
