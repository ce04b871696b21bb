//! `chrome.tabs` and `chrome.windows`: the capture of a tab, messages to its content
//! scripts, and finding, opening and focusing tabs.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::to_js;

#[wasm_bindgen]
extern "C" {
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
