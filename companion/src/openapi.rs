//! The OpenAPI document of the JSON API, built from the handlers' `#[utoipa::path]`
//! annotations as the router registers them (`utoipa_axum::OpenApiRouter`), so a route
//! cannot be served without being documented; served at `GET /api/openapi.json`.

use axum::Extension;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// The name of the bearer token's security scheme.
pub const TOKEN_SCHEME: &str = "token";

/// The document's root: title, version, the token's security scheme.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Balise companion API",
        description = "The local companion's JSON API (http://127.0.0.1:7878). Errors are \
                       `{\"error\": {\"code\", \"message\"}}`, French first then English.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&TokenScheme),
    components(schemas(ErrorBody, ErrorDetail))
)]
pub struct ApiDoc;

/// Adds the bearer token's security scheme.
#[derive(Debug)]
struct TokenScheme;

impl Modify for TokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            TOKEN_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The shared token (`balise-companion token`) or a paired browser's own, \
                         in the Authorization header only.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// An error's code and message.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, such as `sha256_mismatch`.
    pub code: String,
    /// Bilingual message, French first.
    pub message: String,
}

/// The document as served, made once when the router is built.
#[derive(Debug, Clone)]
pub struct Served(pub std::sync::Arc<str>);

/// `GET /api/openapi.json`: this document (no token: it holds no data; Host and Origin
/// are checked as everywhere).
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI document", content_type = "application/json"),
        (status = 403, description = "`bad_host`, `bad_origin`", body = ErrorBody),
    )
)]
pub async fn document(Extension(served): Extension<Served>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        served.0.to_string(),
    )
        .into_response()
}
