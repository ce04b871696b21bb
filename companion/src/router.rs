//! The route table: open endpoints, the token-protected API, the manager's pages behind a
//! session, and the guards around them.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};

use crate::handlers::{
    JSON_BODY_LIMIT, appointment, assets, attestations, check_page, dashboard, exports, fallback,
    health, mail, method_not_allowed, pairing, policy, report_page, reports, reviews, session,
    settings_page, traces,
};
use crate::import::MAX_IMPORT_BYTES;
use crate::security::{guard, log_requests, require_token};
use crate::session::require_session;
use crate::state::AppState;

/// Builds the application for a state.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.settings().max_screenshot_bytes;
    let protected = Router::new()
        .route("/api/v1/reports", get(reports::list).post(reports::create))
        // The upload limit is set deliberately from settings (axum's default is 2 MB).
        .route_layer(DefaultBodyLimit::max(upload_limit))
        .route(
            "/api/v1/reports/{id}",
            get(reports::get).patch(reports::annotate),
        )
        .route("/api/v1/reports/{id}/screenshot", get(reports::screenshot))
        .route("/api/v1/reports/{id}/email", get(mail::draft))
        .route("/api/v1/reports/{id}/forward", post(mail::forward))
        .route("/api/v1/reports/{id}/review", post(reviews::api))
        .route("/api/v1/reports/{id}/export", post(reports::export))
        .route("/api/v1/mail", get(mail::status))
        .route("/api/v1/mail/{id}/retry", post(mail::retry))
        .route(
            "/api/v1/attestations",
            get(attestations::list).post(attestations::create),
        )
        .route("/api/v1/policy", get(policy::get))
        .route_layer(from_fn_with_state(state.clone(), require_token));

    // The dashboard: every page, screenshot, export and form needs a session.
    let pages = Router::new()
        .route("/import", post(report_page::import))
        .route_layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES))
        .route("/traces", post(traces::create))
        .route_layer(DefaultBodyLimit::max(
            upload_limit.saturating_add(traces::FORM_OVERHEAD),
        ))
        .route("/", get(dashboard::dashboard))
        .route("/pair", get(pairing::page_handler))
        .route("/pair/{id}/approve", post(pairing::approve))
        .route("/pair/{id}/reject", post(pairing::reject))
        .route("/clients/{id}/revoke", post(pairing::revoke))
        .route("/reports/{id}/screenshot.png", get(reports::screenshot))
        .route("/reports/{id}/email.eml", get(mail::draft))
        .route("/reports/{id}", get(report_page::show))
        .route("/reports/{id}/forward", post(report_page::forward))
        .route("/reports/{id}/export", post(report_page::export))
        .route("/export", post(exports::selection))
        .route("/reports/{id}/redact", post(report_page::redact))
        .route("/reports/{id}/review", post(reviews::form))
        .route("/traces/{id}", get(traces::show))
        .route("/traces/{id}/screenshot", get(traces::screenshot))
        .route(
            "/appointment",
            get(appointment::show).post(appointment::record),
        )
        .route("/mail/{id}/retry", post(report_page::retry))
        .route(
            "/settings",
            get(settings_page::show).post(settings_page::save),
        )
        .route("/settings/test", post(settings_page::test))
        .route("/check", get(check_page::show).post(check_page::check))
        .route("/settings/privacy", post(settings_page::save_privacy))
        .route("/signout", get(session::confirm).post(session::sign_out))
        .route_layer(from_fn_with_state(state.clone(), require_session))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));

    let open = Router::new()
        .route("/api/v1/health", get(health::health))
        .route("/api/v1/pairing", post(pairing::create))
        // POST as well: browsers send no Origin on an extension's GET, and polling needs it.
        .route(
            "/api/v1/pairing/{id}",
            get(pairing::poll).post(pairing::poll),
        )
        .route("/signin", get(session::sign_in))
        .route("/assets/balise.css", get(assets::stylesheet))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));

    Router::new()
        .merge(protected)
        .merge(pages)
        .merge(open)
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn(crate::lang::negotiate))
        .layer(from_fn_with_state(state.clone(), guard))
        .layer(from_fn(log_requests))
        .with_state(state)
}
