//! The OpenAPI document of the JSON API, built from the handlers' `#[utoipa::path]`
//! annotations as the router registers them (`utoipa_axum::OpenApiRouter`), so a route
//! cannot be served without being documented; served at `GET /api/openapi.json`.

use std::collections::BTreeMap;

use axum::Extension;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

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

// The error answers the routes share, one type each, listed in a route's `responses(...)`
// by name: each documents its status with the codes it carries and the error body.

/// The `400` answer.
#[derive(Debug, IntoResponses)]
#[response(
    status = 400,
    description = "`invalid_query`, `missing_idempotency_key`, `invalid_idempotency_key`, `invalid_body`, `invalid_multipart`, `missing_part`, `unexpected_part`, `duplicate_part`"
)]
pub struct BadRequest(pub ErrorBody);

/// The `401` answer.
#[derive(Debug, IntoResponses)]
#[response(
    status = 401,
    description = "`unauthorized`: missing or wrong token (`WWW-Authenticate: Bearer`)"
)]
pub struct Unauthorized(pub ErrorBody);

/// The `403` answer.
#[derive(Debug, IntoResponses)]
#[response(status = 403, description = "`bad_host`, `bad_origin`")]
pub struct Forbidden(pub ErrorBody);

/// The `404` answer.
#[derive(Debug, IntoResponses)]
#[response(status = 404, description = "`not_found`")]
pub struct NotFound(pub ErrorBody);

/// The `408` answer.
#[derive(Debug, IntoResponses)]
#[response(status = 408, description = "`body_timeout`")]
pub struct BodyTimeout(pub ErrorBody);

/// The `409` answer.
#[derive(Debug, IntoResponses)]
#[response(
    status = 409,
    description = "a conflict (`report_exists`, `same_status`, `invalid_transition`, `not_manager`, `board_email_missing`, `already_revoked`)"
)]
pub struct Conflict(pub ErrorBody);

/// The `410` answer.
#[derive(Debug, IntoResponses)]
#[response(status = 410, description = "`report_redacted`")]
pub struct Gone(pub ErrorBody);

/// The `413` answer.
#[derive(Debug, IntoResponses)]
#[response(status = 413, description = "`payload_too_large`")]
pub struct PayloadTooLarge(pub ErrorBody);

/// The `415` answer.
#[derive(Debug, IntoResponses)]
#[response(status = 415, description = "`unsupported_media_type`")]
pub struct UnsupportedMediaType(pub ErrorBody);

/// The `422` answer.
#[derive(Debug, IntoResponses)]
#[response(
    status = 422,
    description = "the body does not fit (`invalid_*`, `not_png`, `sha256_mismatch`, `idempotency_key_reused`, ...)"
)]
pub struct Unprocessable(pub ErrorBody);

/// The `429` answer.
#[derive(Debug, IntoResponses)]
#[response(
    status = 429,
    description = "`rate_limited` (with `Retry-After`), or too many pending pairing requests"
)]
pub struct RateLimited(pub ErrorBody);

/// Every error a JSON write about a report can meet: the eleven answers above.
#[derive(Debug)]
pub struct WriteErrors;

impl IntoResponses for WriteErrors {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::response::Response>> {
        let mut responses = BadRequest::responses();
        for more in [
            Unauthorized::responses(),
            Forbidden::responses(),
            NotFound::responses(),
            BodyTimeout::responses(),
            Conflict::responses(),
            Gone::responses(),
            PayloadTooLarge::responses(),
            UnsupportedMediaType::responses(),
            Unprocessable::responses(),
            RateLimited::responses(),
        ] {
            responses.extend(more);
        }
        responses
    }
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
