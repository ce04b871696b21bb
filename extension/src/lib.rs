//! Balise's browser extension compiled to WebAssembly: the entry points that the thin
//! JavaScript loaders call in each context (content script, service worker, options page).
//!
//! Logic that does not touch the browser lives in `balise-core`; this crate binds it to
//! the browser's APIs and DOM.

mod browser;
mod content;
mod messages;
mod options;
mod service_worker;
mod ui_text;

use wasm_bindgen::prelude::*;

/// The extension's version, as written in its manifest.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Starts the content script on the current page.
#[wasm_bindgen]
pub fn start_content_script() -> Result<(), JsValue> {
    content::start()
}

/// Starts the service worker (Chromium) or background script (Firefox).
#[wasm_bindgen]
pub fn start_service_worker() {
    service_worker::start();
}

/// Answers one runtime message sent to the service worker; resolves to the reply.
#[wasm_bindgen]
pub fn handle_message(message: JsValue) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(service_worker::handle_message(message))
}

/// Renders the options page into its `#app` element.
#[wasm_bindgen]
pub fn start_options_page() -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async {
        options::start().await?;
        Ok(JsValue::UNDEFINED)
    })
}
