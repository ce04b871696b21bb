//! `GET /api/v1/policy`: the policy extensions apply, as JSON.

use axum::Json;
use axum::extract::State;
use balise_core::policy::Policy;

use crate::state::AppState;

/// `GET /api/v1/policy` (token required).
pub async fn get(State(state): State<AppState>) -> Json<Policy> {
    Json(state.policy().clone())
}
