//! The content script: runs on every page the extension matches.

use wasm_bindgen::prelude::*;

use crate::browser;

/// Attribute set on the page's root element once the content script has started.
const READY_ATTRIBUTE: &str = "data-balise";

/// Starts the content script and marks the page so automation can see that it ran.
pub fn start() -> Result<(), JsValue> {
    let root = browser::document()?
        .document_element()
        .ok_or_else(|| JsValue::from_str("page has no root element"))?;
    root.set_attribute(READY_ATTRIBUTE, crate::VERSION)?;
    Ok(())
}
