//! `chrome.storage`: the `local` area (settings, pairing state, policies kept) and the
//! `session` area (kept while the browser runs, out of content scripts' reach).

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::to_js;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get, catch)]
    fn storage_local_get(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = set, catch)]
    fn storage_local_set(items: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = remove, catch)]
    fn storage_local_remove(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = get, catch)]
    fn storage_session_get(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = set, catch)]
    fn storage_session_set(items: &JsValue) -> Result<js_sys::Promise, JsValue>;
}

/// Reads one key of a storage area with its `get`; `None` when it was never written.
async fn area_get<T: serde::de::DeserializeOwned>(
    get: fn(&JsValue) -> Result<js_sys::Promise, JsValue>,
    key: &str,
) -> Result<Option<T>, JsValue> {
    let items = JsFuture::from(get(&JsValue::from_str(key))?).await?;
    let value = js_sys::Reflect::get(&items, &JsValue::from_str(key))?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(value)
        .map(Some)
        .map_err(JsValue::from)
}

/// Writes one key of a storage area with its `set`.
async fn area_set<T: serde::Serialize>(
    set: fn(&JsValue) -> Result<js_sys::Promise, JsValue>,
    key: &str,
    value: &T,
) -> Result<(), JsValue> {
    let items = js_sys::Object::new();
    js_sys::Reflect::set(&items, &JsValue::from_str(key), &to_js(value)?)?;
    JsFuture::from(set(&items)?).await?;
    Ok(())
}

/// Reads several keys of `chrome.storage.local` at once: the items object its `get`
/// answers, which [`item`] reads (the JavaScript values, for the lean readers of
/// `lean_read`).
pub async fn storage_get_items(keys: &[&str]) -> Result<JsValue, JsValue> {
    let keys: js_sys::Array = keys.iter().map(|key| JsValue::from_str(key)).collect();
    JsFuture::from(storage_local_get(&keys)?).await
}

/// The value of `key` in an items object `storage.local.get` answered; `None` when it was
/// never written (or not asked for).
pub fn item(items: &JsValue, key: &str) -> Option<JsValue> {
    let value = js_sys::Reflect::get(items, &JsValue::from_str(key)).ok()?;
    (!value.is_undefined() && !value.is_null()).then_some(value)
}

/// Reads one key of `chrome.storage.local`; `None` when it was never written.
pub async fn storage_get<T: serde::de::DeserializeOwned>(key: &str) -> Result<Option<T>, JsValue> {
    area_get(storage_local_get, key).await
}

/// Writes one key of `chrome.storage.local`.
pub async fn storage_set<T: serde::Serialize>(key: &str, value: &T) -> Result<(), JsValue> {
    area_set(storage_local_set, key, value).await
}

/// Removes one key of `chrome.storage.local`.
pub async fn storage_remove(key: &str) -> Result<(), JsValue> {
    JsFuture::from(storage_local_remove(&JsValue::from_str(key))?).await?;
    Ok(())
}

/// Reads one key of `chrome.storage.session` (kept while the browser runs, out of content
/// scripts' reach); `None` when it was never written.
pub async fn session_get<T: serde::de::DeserializeOwned>(key: &str) -> Result<Option<T>, JsValue> {
    area_get(storage_session_get, key).await
}

/// Writes one key of `chrome.storage.session`.
pub async fn session_set<T: serde::Serialize>(key: &str, value: &T) -> Result<(), JsValue> {
    area_set(storage_session_set, key, value).await
}
