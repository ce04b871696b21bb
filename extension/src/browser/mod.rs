//! Bindings to the WebExtension APIs (`chrome.*`, which Firefox also provides) and small DOM helpers.
//!
//! This module holds the runtime (messages, the manifest, packaged files), JSON through the
//! browser, and the helpers every context uses; one module per API family holds the rest:
//! [`storage`], [`tabs`], [`scripting`], and [`action`] (badge, alarms, context menu).

mod action;
mod scripting;
mod storage;
mod tabs;

pub use action::*;
pub use scripting::*;
pub use storage::*;
pub use tabs::*;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = sendMessage, catch)]
    fn runtime_send_message(message: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = openOptionsPage, catch)]
    pub fn open_options_page() -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getURL)]
    pub fn runtime_get_url(path: &str) -> String;

    /// The global `fetch`, which exists in windows, workers and service workers alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &str) -> js_sys::Promise;

    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch_value(input: &js_sys::JsString) -> js_sys::Promise;

    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch_with_init(input: &str, init: &web_sys::RequestInit) -> js_sys::Promise;

    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getManifest)]
    fn runtime_get_manifest() -> JsValue;

    #[wasm_bindgen(js_namespace = ["chrome", "i18n"], js_name = getMessage)]
    pub fn i18n_get_message(name: &str) -> String;

    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn crypto_get_random_values(bytes: &mut [u8]);

    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = digest)]
    fn subtle_digest(algorithm: &str, data: &js_sys::Uint8Array) -> js_sys::Promise;

    /// `performance.now()` of the global scope (a window or a worker), in milliseconds.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    pub fn performance_now() -> f64;
}

/// A new version-4 UUID. `crypto.getRandomValues` rather than `crypto.randomUUID`, which
/// exists only in secure contexts: a content script on an `http:` page has none.
pub fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    crypto_get_random_values(&mut bytes);
    balise_core::validate::uuid_v4(bytes)
}

/// A readable message for a JavaScript error value (an `Error`'s message, or a string).
pub fn error_text(error: &JsValue) -> String {
    error
        .as_string()
        .or_else(|| {
            js_sys::Reflect::get(error, &JsValue::from_str("message"))
                .ok()
                .and_then(|message| message.as_string())
        })
        .unwrap_or_else(|| format!("{error:?}"))
}

/// Serializes `value` into a plain JavaScript object (maps become objects, not `Map`s).
pub fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(JsValue::from)
}

/// Serializes `value` to JSON text with the browser's `JSON.stringify` (keeps serde_json,
/// and its size, out of the wasm).
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, JsValue> {
    js_sys::JSON::stringify(&to_js(value)?)?
        .as_string()
        .ok_or_else(|| JsValue::from_str("JSON.stringify returned no string"))
}

/// Parses JSON text with the browser's `JSON.parse` into `T`.
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(js_sys::JSON::parse(text)?).map_err(JsValue::from)
}

/// Parses JSON text with the browser's `JSON.parse` into a JavaScript value.
pub fn parse_json(text: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(text)
}

/// Sends a runtime message to the service worker and returns its reply as it came.
pub async fn send_value(message: &JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(runtime_send_message(message)?).await
}

/// Sends a runtime message to the service worker and deserializes its reply.
pub async fn send_message<Q, A>(message: &Q) -> Result<A, JsValue>
where
    Q: serde::Serialize,
    A: serde::de::DeserializeOwned,
{
    let reply = JsFuture::from(runtime_send_message(&to_js(message)?)?).await?;
    serde_wasm_bindgen::from_value(reply).map_err(JsValue::from)
}

/// Whether this code runs in the extension's own origin (its pages and service worker),
/// not in a content script, which runs in the page's.
pub fn in_extension_origin() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("location"))
        .and_then(|location| js_sys::Reflect::get(&location, &JsValue::from_str("href")))
        .ok()
        .and_then(|href| href.as_string())
        .is_some_and(|href| href.starts_with(&runtime_get_url("")))
}

/// Fetches a file packaged with the extension and returns its text.
pub async fn fetch_packaged_text(path: &str) -> Result<String, JsValue> {
    let response: web_sys::Response = JsFuture::from(global_fetch(&runtime_get_url(path)))
        .await?
        .dyn_into()?;
    if !response.ok() {
        return Err(JsValue::from_str(&format!(
            "{path}: HTTP {}",
            response.status()
        )));
    }
    JsFuture::from(response.text()?)
        .await?
        .as_string()
        .ok_or_else(|| JsValue::from_str("response text is not a string"))
}

/// The document of the current window, in pages and content scripts.
pub fn document() -> Result<web_sys::Document, JsValue> {
    web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| JsValue::from_str("no document in this context"))
}

/// The browser's preferred language tag, such as `fr-CA`.
pub fn browser_language() -> Option<String> {
    web_sys::window().and_then(|window| window.navigator().language())
}

/// Fetches `url` with `init` and returns the response.
pub async fn fetch(url: &str, init: &web_sys::RequestInit) -> Result<web_sys::Response, JsValue> {
    JsFuture::from(global_fetch_with_init(url, init))
        .await?
        .dyn_into()
}

/// The extension's version from its manifest.
pub fn manifest_version() -> String {
    js_sys::Reflect::get(&runtime_get_manifest(), &JsValue::from_str("version"))
        .ok()
        .and_then(|version| version.as_string())
        .unwrap_or_else(|| crate::VERSION.to_owned())
}

/// The extension's own id (`chrome.runtime.id`).
pub fn runtime_id() -> Option<String> {
    let chrome = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("chrome")).ok()?;
    let runtime = js_sys::Reflect::get(&chrome, &JsValue::from_str("runtime")).ok()?;
    js_sys::Reflect::get(&runtime, &JsValue::from_str("id"))
        .ok()?
        .as_string()
}

/// Lowercase hexadecimal SHA-256 of `bytes`, computed by the browser's Web Crypto.
pub async fn sha256_hex(bytes: &js_sys::Uint8Array) -> Result<String, JsValue> {
    let digest = JsFuture::from(subtle_digest("SHA-256", bytes)).await?;
    let digest = js_sys::Uint8Array::new(&digest).to_vec();
    Ok(balise_core::digest::to_hex(&digest))
}

/// The bytes behind a base64 `data:` URL (such as a captured PNG), decoded once in
/// JavaScript: with `Uint8Array.fromBase64` where the browser has it (Chromium 140,
/// Firefox 133), else by fetching the URL.
pub async fn data_url_bytes(data_url: &js_sys::JsString) -> Result<js_sys::Uint8Array, JsValue> {
    let constructor = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Uint8Array"))?;
    let from_base64 = js_sys::Reflect::get(&constructor, &JsValue::from_str("fromBase64"))?;
    let comma = data_url.index_of(",", 0);
    if let (Some(from_base64), true) = (from_base64.dyn_ref::<js_sys::Function>(), comma > 0) {
        let base64 = data_url.slice(comma as u32 + 1, data_url.length());
        return from_base64.call1(&constructor, &base64)?.dyn_into();
    }
    let response: web_sys::Response = JsFuture::from(global_fetch_value(data_url))
        .await?
        .dyn_into()?;
    let buffer = JsFuture::from(response.array_buffer()?).await?;
    Ok(js_sys::Uint8Array::new(&buffer))
}

/// The browser's user agent.
pub fn user_agent() -> String {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("navigator"))
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &JsValue::from_str("userAgent")))
        .ok()
        .and_then(|agent| agent.as_string())
        .unwrap_or_default()
}

/// The current UTC time as RFC 3339 with milliseconds, such as `2026-11-28T04:20:00.000Z`.
pub fn now_rfc3339() -> String {
    js_sys::Date::new_0().to_iso_string().into()
}
