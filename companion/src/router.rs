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
use crate::security::{guard, log_requests, require_api_body_type, require_token};
use crate::session::require_session;
use crate::state::AppState;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Builds the application for a state.
pub fn router(state: AppState) -> Router {
    let (app, _) = router_and_document(state);
    app
}

/// The API's routes, each registered from its handler's `#[utoipa::path]` (so each is in
/// the OpenAPI document), with the token's guard and the upload limit where they apply.
fn api(state: &AppState) -> OpenApiRouter<AppState> {
    let upload_limit = state.settings().max_screenshot_bytes;
    let protected = OpenApiRouter::new()
        .routes(routes!(reports::list, reports::create))
        // The upload limit is set deliberately from settings (axum's default is 2 MB).
        .route_layer(DefaultBodyLimit::max(upload_limit))
        .routes(routes!(reports::get, reports::annotate))
        .routes(routes!(reports::screenshot))
        .routes(routes!(mail::draft))
        .routes(routes!(mail::forward))
        .routes(routes!(reviews::api))
        .routes(routes!(reports::export))
        .routes(routes!(mail::status))
        .routes(routes!(mail::retry))
        .routes(routes!(attestations::list, attestations::create))
        .routes(routes!(policy::get))
        .route_layer(from_fn_with_state(state.clone(), require_token))
        // Outside the token's check: a form post is refused for its type first.
        .route_layer(from_fn(require_api_body_type));
    let open = OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(pairing::create))
        // POST as well: browsers send no Origin on an extension's GET, and polling needs it.
        .routes(routes!(pairing::poll, pairing::poll_post))
        .routes(routes!(crate::openapi::document))
        .route_layer(from_fn(require_api_body_type))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .merge(protected)
        .merge(open)
}

/// The application and its OpenAPI document (the one `GET /api/openapi.json` serves).
pub fn router_and_document(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let upload_limit = state.settings().max_screenshot_bytes;
    let (api, document) = api(&state).split_for_parts();
    let served = crate::openapi::Served(
        document
            .to_pretty_json()
            .unwrap_or_else(|_| String::from("{}"))
            .into(),
    );

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
        .route("/signin", get(session::sign_in))
        .route("/assets/balise.css", get(assets::stylesheet))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));

    let app = Router::new()
        .merge(api)
        .merge(pages)
        .merge(open)
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::Extension(served))
        .layer(from_fn(crate::lang::negotiate))
        .layer(from_fn_with_state(state.clone(), guard))
        .layer(from_fn(log_requests))
        .with_state(state);
    (app, document)
}
