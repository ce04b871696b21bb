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
        crate::openapi::Unauthorized,
        crate::openapi::Forbidden,
    )
)]
/// `GET /api/v1/policy` (token required).
pub async fn get(State(state): State<AppState>) -> Json<Policy> {
    Json(state.policy().clone())
}
