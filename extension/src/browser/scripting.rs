//! `chrome.scripting`: the content scripts registered for the sites a person enabled, and
//! scripts run in a tab's frame on request.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
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
