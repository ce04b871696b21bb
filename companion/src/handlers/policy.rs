//! `GET /api/v1/policy`: the policy extensions apply, as JSON.

use axum::Json;
use axum::extract::State;
use balise_core::policy::Policy;

use crate::state::AppState;

#[utoipa::path(
    get,
    path = "/api/v1/policy",
    tag = "policy",
    security(("token" = [])),
    responses(
        (status = 200, description = "The policy in force", body = Object),
        (status = 401, description = "`unauthorized`: missing or wrong token (`WWW-Authenticate: Bearer`)", body = crate::openapi::ErrorBody),
        (status = 403, description = "`bad_host`, `bad_origin`", body = crate::openapi::ErrorBody),
    )
)]
/// `GET /api/v1/policy` (token required).
pub async fn get(State(state): State<AppState>) -> Json<Policy> {
    Json(state.policy().clone())
}
