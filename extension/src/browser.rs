//! Bindings to the WebExtension APIs (`chrome.*`, which Firefox also provides) and small DOM helpers.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = sendMessage, catch)]
    fn runtime_send_message(message: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getURL)]
    pub fn runtime_get_url(path: &str) -> String;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get, catch)]
    fn storage_local_get(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = set, catch)]
    fn storage_local_set(items: &JsValue) -> Result<js_sys::Promise, JsValue>;

    /// The global `fetch`, which exists in windows, workers and service workers alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &str) -> js_sys::Promise;
}

/// Serializes `value` into a plain JavaScript object (maps become objects, not `Map`s).
pub fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(JsValue::from)
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

/// Reads one key of `chrome.storage.local`; `None` when it was never written.
pub async fn storage_get<T: serde::de::DeserializeOwned>(key: &str) -> Result<Option<T>, JsValue> {
    let items = JsFuture::from(storage_local_get(&JsValue::from_str(key))?).await?;
    let value = js_sys::Reflect::get(&items, &JsValue::from_str(key))?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(value)
        .map(Some)
        .map_err(JsValue::from)
}

/// Writes one key of `chrome.storage.local`.
pub async fn storage_set<T: serde::Serialize>(key: &str, value: &T) -> Result<(), JsValue> {
    let items = js_sys::Object::new();
    js_sys::Reflect::set(&items, &JsValue::from_str(key), &to_js(value)?)?;
    JsFuture::from(storage_local_set(&items)?).await?;
    Ok(())
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
