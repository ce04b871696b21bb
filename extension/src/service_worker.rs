//! The service worker: owns the policy, answers the other parts' messages.

use balise_core::policy::Policy;
use wasm_bindgen::prelude::*;

use crate::browser;
use crate::messages::{Reply, Request};

/// Packaged copy of the default policy, written by the build from `balise-core`.
const DEFAULT_POLICY_PATH: &str = "default-policy.json";

/// Runs once each time the service worker starts.
pub fn start() {
    web_sys::console::info_1(&JsValue::from_str(&format!(
        "Balise {} : service worker démarré",
        crate::VERSION
    )));
}

/// Answers one runtime message; failures become an [`Reply::Error`] rather than a rejection.
pub async fn handle_message(message: JsValue) -> Result<JsValue, JsValue> {
    let reply = match serde_wasm_bindgen::from_value::<Request>(message) {
        Ok(request) => answer(request).await.unwrap_or_else(|error| Reply::Error {
            message: error
                .as_string()
                .unwrap_or_else(|| format!("{error:?}")),
        }),
        Err(error) => Reply::Error {
            message: format!("unknown message: {error}"),
        },
    };
    browser::to_js(&reply)
}

async fn answer(request: Request) -> Result<Reply, JsValue> {
    match request {
        Request::Ping => {
            let policy = load_policy().await?;
            Ok(Reply::Pong {
                version: crate::VERSION.to_owned(),
                organization: policy.organization.name.clone(),
                checklist_items: policy.items.len(),
            })
        }
    }
}

/// The policy in force: the built-in default until a companion provides one.
async fn load_policy() -> Result<Policy, JsValue> {
    let json = browser::fetch_packaged_text(DEFAULT_POLICY_PATH).await?;
    Policy::from_json(&json).map_err(|error| JsValue::from_str(&error.to_string()))
}
