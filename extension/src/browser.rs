//! Bindings to the WebExtension APIs (`chrome.*`, which Firefox also provides) and small DOM helpers.

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

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get, catch)]
    fn storage_local_get(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = set, catch)]
    fn storage_local_set(items: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = remove, catch)]
    fn storage_local_remove(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;

    /// The global `fetch`, which exists in windows, workers and service workers alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &str) -> js_sys::Promise;

    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch_value(input: &js_sys::JsString) -> js_sys::Promise;

    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch_with_init(input: &str, init: &web_sys::RequestInit) -> js_sys::Promise;

    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getManifest)]
    fn runtime_get_manifest() -> JsValue;

    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = captureVisibleTab, catch)]
    fn tabs_capture_visible_tab(
        window_id: i32,
        options: &JsValue,
    ) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = sendMessage, catch)]
    fn tabs_send_message(tab_id: i32, message: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = sendMessage, catch)]
    fn tabs_send_message_with_options(
        tab_id: i32,
        message: &JsValue,
        options: &JsValue,
    ) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = query, catch)]
    fn tabs_query(query: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = get, catch)]
    fn tabs_get(tab_id: i32) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = create, catch)]
    fn tabs_create(properties: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = update, catch)]
    fn tabs_update(tab_id: i32, properties: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "windows"], js_name = update, catch)]
    fn windows_update(window_id: i32, info: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = get, catch)]
    fn storage_session_get(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = set, catch)]
    fn storage_session_set(items: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "scripting"], js_name = getRegisteredContentScripts, catch)]
    fn scripting_get_registered_content_scripts(
        filter: &JsValue,
    ) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "scripting"], js_name = registerContentScripts, catch)]
    fn scripting_register_content_scripts(scripts: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "scripting"], js_name = updateContentScripts, catch)]
    fn scripting_update_content_scripts(scripts: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "scripting"], js_name = unregisterContentScripts, catch)]
    fn scripting_unregister_content_scripts(filter: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "scripting"], js_name = executeScript, catch)]
    fn scripting_execute_script(injection: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "action"], js_name = setBadgeText, catch)]
    fn action_set_badge_text(details: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "action"], js_name = setBadgeBackgroundColor, catch)]
    fn action_set_badge_background_color(details: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "alarms"], js_name = create, catch)]
    fn alarms_create(name: &str, info: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "alarms"], js_name = get, catch)]
    fn alarms_get(name: &str) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "alarms"], js_name = clear, catch)]
    fn alarms_clear(name: &str) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "contextMenus"], js_name = create, catch)]
    fn context_menus_create(properties: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "contextMenus"], js_name = removeAll, catch)]
    fn context_menus_remove_all() -> Result<JsValue, JsValue>;

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

/// Captures the visible part of the tab shown in `window_id` as a PNG data URL, kept as the
/// JavaScript string the browser gave (not copied into the wasm memory).
pub async fn capture_visible_tab(window_id: i32) -> Result<js_sys::JsString, JsValue> {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(
        &options,
        &JsValue::from_str("format"),
        &JsValue::from_str("png"),
    )?;
    JsFuture::from(tabs_capture_visible_tab(window_id, &options)?)
        .await?
        .dyn_into::<js_sys::JsString>()
        .map_err(|_| JsValue::from_str("captureVisibleTab returned no data URL"))
}

/// Sends `message` to the content script of tab `tab_id` and returns its reply.
pub async fn send_tab_message<Q: serde::Serialize>(
    tab_id: i32,
    message: &Q,
) -> Result<JsValue, JsValue> {
    JsFuture::from(tabs_send_message(tab_id, &to_js(message)?)?).await
}

/// Sends `message` to the content script of the tab's top frame only; resolves to its answer.
pub async fn send_top_frame_message<Q: serde::Serialize>(
    tab_id: i32,
    message: &Q,
) -> Result<JsValue, JsValue> {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &JsValue::from_str("frameId"), &JsValue::from(0))?;
    JsFuture::from(tabs_send_message_with_options(
        tab_id,
        &to_js(message)?,
        &options,
    )?)
    .await
}

/// The active tab of the current window, as the raw `Tab` object.
pub async fn active_tab() -> Result<Option<JsValue>, JsValue> {
    let query = js_sys::Object::new();
    js_sys::Reflect::set(&query, &JsValue::from_str("active"), &JsValue::TRUE)?;
    js_sys::Reflect::set(
        &query,
        &JsValue::from_str("lastFocusedWindow"),
        &JsValue::TRUE,
    )?;
    let tabs: js_sys::Array = JsFuture::from(tabs_query(&query)?).await?.dyn_into()?;
    Ok(tabs.iter().next())
}

/// Tab `tab_id`, as the raw `Tab` object.
pub async fn tab(tab_id: i32) -> Result<JsValue, JsValue> {
    JsFuture::from(tabs_get(tab_id)?).await
}

/// Opens `url` in a new active tab, beside `opener` (a tab id) when given.
pub async fn create_tab(url: &str, opener: Option<i32>) -> Result<(), JsValue> {
    let properties = js_sys::Object::new();
    js_sys::Reflect::set(
        &properties,
        &JsValue::from_str("url"),
        &JsValue::from_str(url),
    )?;
    js_sys::Reflect::set(&properties, &JsValue::from_str("active"), &JsValue::TRUE)?;
    if let Some(opener) = opener {
        js_sys::Reflect::set(
            &properties,
            &JsValue::from_str("openerTabId"),
            &JsValue::from(opener),
        )?;
    }
    JsFuture::from(tabs_create(&properties)?).await?;
    Ok(())
}

/// The id and window of a tab showing `url` (or `url` with a query or fragment), if one does
/// and the browser lets the extension see its address (it does for the extension's pages).
pub async fn find_tab(url: &str) -> Result<Option<(i32, i32)>, JsValue> {
    let tabs: js_sys::Array = JsFuture::from(tabs_query(&js_sys::Object::new())?)
        .await?
        .dyn_into()?;
    for tab in tabs.iter() {
        let address = js_sys::Reflect::get(&tab, &JsValue::from_str("url"))?
            .as_string()
            .unwrap_or_default();
        let same_page = address
            .strip_prefix(url)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['?', '#']));
        if !same_page {
            continue;
        }
        let number = |name: &str| {
            js_sys::Reflect::get(&tab, &JsValue::from_str(name))
                .ok()
                .and_then(|value| value.as_f64())
                .map(|value| value as i32)
        };
        if let (Some(id), Some(window)) = (number("id"), number("windowId")) {
            return Ok(Some((id, window)));
        }
    }
    Ok(None)
}

/// Makes tab `tab_id` the active one of its window `window_id`, and that window the focused one.
pub async fn focus_tab(tab_id: i32, window_id: i32) -> Result<(), JsValue> {
    let properties = js_sys::Object::new();
    js_sys::Reflect::set(&properties, &JsValue::from_str("active"), &JsValue::TRUE)?;
    JsFuture::from(tabs_update(tab_id, &properties)?).await?;
    let info = js_sys::Object::new();
    js_sys::Reflect::set(&info, &JsValue::from_str("focused"), &JsValue::TRUE)?;
    JsFuture::from(windows_update(window_id, &info)?).await?;
    Ok(())
}

/// The extension's own id (`chrome.runtime.id`).
pub fn runtime_id() -> Option<String> {
    let chrome = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("chrome")).ok()?;
    let runtime = js_sys::Reflect::get(&chrome, &JsValue::from_str("runtime")).ok()?;
    js_sys::Reflect::get(&runtime, &JsValue::from_str("id"))
        .ok()?
        .as_string()
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

/// The ids of this extension's content scripts registered with `scripting`.
pub async fn registered_content_scripts() -> Result<Vec<String>, JsValue> {
    let scripts: js_sys::Array = JsFuture::from(scripting_get_registered_content_scripts(
        &js_sys::Object::new(),
    )?)
    .await?
    .dyn_into()?;
    Ok(scripts
        .iter()
        .filter_map(|script| {
            js_sys::Reflect::get(&script, &JsValue::from_str("id"))
                .ok()
                .and_then(|id| id.as_string())
        })
        .collect())
}

/// Registers `scripts` (`scripting.RegisteredContentScript` objects), or updates them when
/// `update` (their ids are registered already).
pub async fn register_content_scripts(scripts: &JsValue, update: bool) -> Result<(), JsValue> {
    let promise = if update {
        scripting_update_content_scripts(scripts)?
    } else {
        scripting_register_content_scripts(scripts)?
    };
    JsFuture::from(promise).await?;
    Ok(())
}

/// Unregisters the content scripts with these ids.
pub async fn unregister_content_scripts(ids: &[&str]) -> Result<(), JsValue> {
    let filter = js_sys::Object::new();
    let list: js_sys::Array = ids.iter().map(|id| JsValue::from_str(id)).collect();
    js_sys::Reflect::set(&filter, &JsValue::from_str("ids"), &list)?;
    JsFuture::from(scripting_unregister_content_scripts(&filter)?).await?;
    Ok(())
}

/// Runs the extension's script `file` in the top frame of tab `tab_id` (never in its
/// subframes, which may belong to other sites).
pub async fn execute_script_file(tab_id: i32, file: &str) -> Result<(), JsValue> {
    execute_script_file_in(tab_id, None, file).await
}

/// Runs the extension's script `file` in frame `frame_id` of tab `tab_id` (its top frame
/// when `None`), in the extension's isolated world.
pub async fn execute_script_file_in(
    tab_id: i32,
    frame_id: Option<i32>,
    file: &str,
) -> Result<(), JsValue> {
    let target = js_sys::Object::new();
    js_sys::Reflect::set(&target, &JsValue::from_str("tabId"), &JsValue::from(tab_id))?;
    if let Some(frame_id) = frame_id {
        let frames: js_sys::Array = std::iter::once(JsValue::from(frame_id)).collect();
        js_sys::Reflect::set(&target, &JsValue::from_str("frameIds"), &frames)?;
    }
    let injection = js_sys::Object::new();
    js_sys::Reflect::set(&injection, &JsValue::from_str("target"), &target)?;
    let files: js_sys::Array = std::iter::once(JsValue::from_str(file)).collect();
    js_sys::Reflect::set(&injection, &JsValue::from_str("files"), &files)?;
    JsFuture::from(scripting_execute_script(&injection)?).await?;
    Ok(())
}

/// What `action.setBadgeText` and `action.setBadgeBackgroundColor` take: the tab (none:
/// every tab) and the text or the colour.
#[derive(serde::Serialize)]
struct BadgeDetails<'a> {
    #[serde(rename = "tabId", skip_serializing_if = "Option::is_none")]
    tab_id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<&'a str>,
}

/// Sets the badge's text on tab `tab_id` (or every tab), then its colour when `color` is given.
async fn badge(tab_id: Option<i32>, text: &str, color: Option<&str>) -> Result<(), JsValue> {
    let details = BadgeDetails {
        tab_id,
        text: Some(text),
        color: None,
    };
    JsFuture::from(action_set_badge_text(&to_js(&details)?)?).await?;
    if let Some(color) = color {
        let details = BadgeDetails {
            tab_id,
            text: None,
            color: Some(color),
        };
        JsFuture::from(action_set_badge_background_color(&to_js(&details)?)?).await?;
    }
    Ok(())
}

/// Shows `text` on the toolbar button of tab `tab_id` only (empty: the button's own text
/// again), in `color`.
pub async fn set_tab_badge(tab_id: i32, text: &str, color: &str) -> Result<(), JsValue> {
    badge(Some(tab_id), text, (!text.is_empty()).then_some(color)).await
}

/// Shows `text` on the toolbar button (empty to clear).
pub async fn set_badge(text: &str, color: &str) -> Result<(), JsValue> {
    badge(None, text, Some(color)).await
}

/// Creates (or replaces) a repeating alarm.
pub fn create_alarm(name: &str, period_minutes: f64) -> Result<(), JsValue> {
    let info = js_sys::Object::new();
    js_sys::Reflect::set(
        &info,
        &JsValue::from_str("periodInMinutes"),
        &JsValue::from_f64(period_minutes),
    )?;
    js_sys::Reflect::set(
        &info,
        &JsValue::from_str("delayInMinutes"),
        &JsValue::from_f64(period_minutes),
    )?;
    alarms_create(name, &info).map(|_| ())
}

/// Removes alarm `name`, if it exists.
pub async fn clear_alarm(name: &str) -> Result<(), JsValue> {
    JsFuture::from(alarms_clear(name)?).await.map(|_| ())
}

/// The period of alarm `name` in minutes, if it exists.
pub async fn alarm_period(name: &str) -> Option<f64> {
    let alarm = JsFuture::from(alarms_get(name).ok()?).await.ok()?;
    js_sys::Reflect::get(&alarm, &JsValue::from_str("periodInMinutes"))
        .ok()?
        .as_f64()
}

/// Replaces the extension's context-menu items with one item `id` titled `title`.
pub fn create_context_menu(id: &str, title: &str) -> Result<(), JsValue> {
    let _ = context_menus_remove_all();
    let properties = js_sys::Object::new();
    js_sys::Reflect::set(
        &properties,
        &JsValue::from_str("id"),
        &JsValue::from_str(id),
    )?;
    js_sys::Reflect::set(
        &properties,
        &JsValue::from_str("title"),
        &JsValue::from_str(title),
    )?;
    let contexts = js_sys::Array::of3(
        &JsValue::from_str("page"),
        &JsValue::from_str("selection"),
        &JsValue::from_str("image"),
    );
    contexts.push(&JsValue::from_str("link"));
    js_sys::Reflect::set(&properties, &JsValue::from_str("contexts"), &contexts)?;
    context_menus_create(&properties).map(|_| ())
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
