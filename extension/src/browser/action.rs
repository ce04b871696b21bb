//! The service worker's own surfaces: the toolbar button's badge (`chrome.action`), alarms
//! and the context menu.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::to_js;

#[wasm_bindgen]
extern "C" {
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
