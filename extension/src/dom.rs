//! Small DOM-building helpers for the extension's pages and in-page elements.

use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

/// Creates a `tag` element, with `text` as its text content when given.
pub fn element(document: &Document, tag: &str, text: Option<&str>) -> Result<Element, JsValue> {
    let element = document.create_element(tag)?;
    if let Some(text) = text {
        element.set_text_content(Some(text));
    }
    Ok(element)
}

/// Creates a `tag` element with `text` and appends it to `parent`; returns it.
pub fn append(parent: &Element, tag: &str, text: Option<&str>) -> Result<Element, JsValue> {
    let document = parent
        .owner_document()
        .ok_or_else(|| JsValue::from_str("element has no document"))?;
    let child = element(&document, tag, text)?;
    parent.append_child(&child)?;
    Ok(child)
}
