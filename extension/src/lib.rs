//! Balise's browser extension compiled to WebAssembly: the entry points that the thin
//! JavaScript loaders call in each context (content script, service worker, pages).
//!
//! Logic that does not touch the browser lives in `balise-core`; this crate binds it to
//! the browser's APIs and DOM.
//!
//! The code is laid out by context: `content/` (the content script), `worker/` (the
//! service worker), `pages/` (options, welcome, popup), over the shared bindings at the
//! top. Each context's entry points are behind a cargo feature of the same name, and
//! `cargo xtask build` builds one wasm module per feature: the linker keeps in each only
//! what that context's entry points reach.

// A build with one context's feature leaves the others' code unreached, by design.
#![cfg_attr(
    not(all(feature = "content", feature = "worker", feature = "pages")),
    allow(dead_code)
)]

mod browser;
mod content;
mod dom;
mod idb;
mod lean_json;
mod lean_read;
mod lean_write;
mod messages;
mod pages;
mod policy_store;
mod settings;
mod ui_text;
mod worker;

use wasm_bindgen::prelude::*;

/// The extension's version, as written in its manifest.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Starts the content script on the current page. `engine` says how the Rust code runs
/// (`"wasm"`, or `"js"` on pages whose CSP forbids WebAssembly); `loader_start` is
/// `performance.now()` when the loader began, and `loader_steps` the loader's own steps
/// (`name=ms` separated by spaces), for the start-up measurement; `stored` the promise of
/// the loader's `chrome.storage.local.get` of what the start reads (the settings and the
/// policies kept), started at its first line.
#[cfg(feature = "content")]
#[wasm_bindgen]
pub fn start_content_script(
    engine: String,
    loader_start: f64,
    loader_steps: Option<String>,
    stored: JsValue,
) -> Result<(), JsValue> {
    content::start(
        &engine,
        loader_start,
        loader_steps.as_deref().unwrap_or(""),
        stored,
    )
}

/// Answers a message the service worker sent to this tab's content script.
#[cfg(feature = "content")]
#[wasm_bindgen]
pub fn handle_tab_message(message: JsValue) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(content::handle_tab_message(message))
}

/// Starts the service worker (Chromium) or background script (Firefox).
#[cfg(feature = "worker")]
#[wasm_bindgen]
pub fn start_service_worker() {
    worker::start();
}

/// Answers one runtime message sent to the service worker; resolves to the reply.
#[cfg(feature = "worker")]
#[wasm_bindgen]
pub fn handle_message(message: JsValue, sender: JsValue) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(worker::handle_message(message, sender))
}

/// Handles a browser event (`installed` with the browser's details, `startup`, `alarm`,
/// `context-menu`) in the service worker.
#[cfg(feature = "worker")]
#[wasm_bindgen]
pub fn handle_event(name: String, payload: JsValue) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(worker::handle_event(name, payload))
}

/// Renders the options page into its `#app` element.
#[cfg(feature = "pages")]
#[wasm_bindgen]
pub fn start_options_page() -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async {
        pages::options::start(pages::options::Page::Options).await?;
        Ok(JsValue::UNDEFINED)
    })
}

/// Renders the welcome page (opened at install) into its `#app` element: the options'
/// form for the name, email, role and pairing, and what is left to do.
#[cfg(feature = "pages")]
#[wasm_bindgen]
pub fn start_welcome_page() -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async {
        pages::options::start(pages::options::Page::Welcome).await?;
        Ok(JsValue::UNDEFINED)
    })
}

/// Renders the toolbar popup: reports the active tab at once, then lists what waits.
#[cfg(feature = "pages")]
#[wasm_bindgen]
pub fn start_popup() -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async {
        pages::popup::start().await?;
        Ok(JsValue::UNDEFINED)
    })
}

/// Checks `text` against the policy `policy_json` and returns the analysis as JSON. The
/// extension does not call it: it lets tests compare the pure-JS build with the wasm build
/// on the same drafts, outside a browser.
#[cfg(feature = "content")]
#[wasm_bindgen]
pub fn analyze_json(policy_json: &str, text: &str) -> Result<String, JsValue> {
    let policy = lean_json::policy(lean_json::parse(policy_json))?;
    let analysis =
        balise_core::analysis::analyze(&policy, &balise_core::analysis::Draft::from_text(text));
    Ok(lean_write::analysis(&analysis))
}
