//! `GET /api/v1/health`: is the companion up, and is the calling extension paired.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde::Serialize;

use crate::security::is_extension_origin;
use crate::state::AppState;

/// The health answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(value_type = String)]
    pub status: &'static str,
    /// The companion's version.
    #[schema(value_type = String)]
    pub version: &'static str,
    /// With an extension `Origin`: whether that extension is paired; without: whether any is.
    pub paired: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/health",
    tag = "health",
    responses(
        (status = 200, description = "Up", body = Health),
        crate::openapi::Forbidden,
    )
)]
/// `GET /api/v1/health` (no token; Host and Origin are still checked).
pub async fn health(State(state): State<AppState>, headers: HeaderMap) -> Json<Health> {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .filter(|origin| is_extension_origin(origin));
    let paired = match origin {
        Some(origin) => state.is_paired(origin),
        None => state.any_paired(),
    };
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        paired,
    })
}
