//! Small DOM helpers for the extension's pages and in-page elements: building elements,
//! and queries that cross open shadow roots.

use balise_core::placement::Rect;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Event, EventTarget, HtmlElement, Node};

/// Creates a `tag` element, with `text` as its text content when given.
pub fn element(document: &Document, tag: &str, text: Option<&str>) -> Result<Element, JsValue> {
    let element = document.create_element(tag)?;
    if let Some(text) = text {
        element.set_text_content(Some(text));
    }
    Ok(element)
}

/// Sets each `(name, value)` of `attributes` on `element`, in order (`("class", …)` is
/// its class name): one call site for many attributes.
pub fn set_attributes(element: &Element, attributes: &[(&str, &str)]) -> Result<(), JsValue> {
    for (name, value) in attributes {
        element.set_attribute(name, value)?;
    }
    Ok(())
}

/// Creates a `tag` element in `document` with `attributes` (see [`set_attributes`]) and
/// `text`, and appends it to `parent` (an element or a shadow root); returns it.
pub fn add(
    document: &Document,
    parent: &Node,
    tag: &str,
    text: Option<&str>,
    attributes: &[(&str, &str)],
) -> Result<Element, JsValue> {
    let child = element(document, tag, text)?;
    set_attributes(&child, attributes)?;
    parent.append_child(&child)?;
    Ok(child)
}

/// Creates a `tag` element with `text` and appends it to `parent`; returns it.
pub fn append(parent: &Element, tag: &str, text: Option<&str>) -> Result<Element, JsValue> {
    let document = parent
        .owner_document()
        .ok_or_else(|| JsValue::from_str("element has no document"))?;
    add(&document, parent, tag, text, &[])
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A document, a shadow root or an element: what `querySelector` and
    /// `querySelectorAll` are called on. One binding (one import) each for the three, where
    /// web-sys has one per type.
    #[wasm_bindgen(extends = Node)]
    type QueryRoot;

    #[wasm_bindgen(method, catch, js_name = querySelector)]
    fn query_selector(this: &QueryRoot, selector: &str) -> Result<Option<Element>, JsValue>;

    #[wasm_bindgen(method, catch, js_name = querySelectorAll)]
    fn query_selector_all(this: &QueryRoot, selector: &str) -> Result<web_sys::NodeList, JsValue>;
}

/// The first element under `root` (a document, a shadow root or an element) matching
/// `selector`; none when the selector is invalid.
pub fn query(root: &Node, selector: &str) -> Option<Element> {
    root.unchecked_ref::<QueryRoot>()
        .query_selector(selector)
        .ok()
        .flatten()
}

/// Every element under `root` (a document, a shadow root or an element) matching
/// `selector`; none when the selector is invalid.
pub fn query_all(root: &Node, selector: &str) -> Vec<Element> {
    let Ok(list) = root
        .unchecked_ref::<QueryRoot>()
        .query_selector_all(selector)
    else {
        return Vec::new();
    };
    // `querySelectorAll` lists elements only.
    (0..list.length())
        .filter_map(|index| list.item(index))
        .map(JsCast::unchecked_into::<Element>)
        .collect()
}

/// The elements an event went through, innermost first, across open shadow roots.
pub fn composed_elements(event: &Event) -> Vec<Element> {
    event
        .composed_path()
        .iter()
        .filter_map(|target| target.dyn_into::<Element>().ok())
        .collect()
}

/// `node` and its ancestors, innermost first, stepping from shadow roots to their hosts.
pub fn composed_ancestors(node: &Node) -> Vec<Node> {
    let mut line = Vec::new();
    let mut current = Some(node.clone());
    while let Some(node) = current {
        current = match node.parent_node() {
            Some(parent) => Some(parent),
            None => node
                .dyn_ref::<web_sys::ShadowRoot>()
                .map(|shadow| shadow.host().into()),
        };
        line.push(node);
    }
    line
}

/// What a control says: its `aria-label`, else its text.
pub fn control_label(element: &Element) -> String {
    if let Some(label) = element.get_attribute("aria-label")
        && !label.trim().is_empty()
    {
        return label;
    }
    match element.dyn_ref::<HtmlElement>() {
        Some(html) => html.inner_text(),
        None => element.text_content().unwrap_or_default(),
    }
}

/// An element's rectangle in viewport coordinates.
pub fn viewport_rect(element: &Element) -> Rect {
    let rect = element.get_bounding_client_rect();
    Rect {
        left: rect.left(),
        top: rect.top(),
        right: rect.right(),
        bottom: rect.bottom(),
    }
}

/// Runs `handler`'s future on each submission of `form`, in place of the browser's own
/// (which would load the page again): the extension pages' forms.
pub fn on_submit<F, Fut>(form: &Element, handler: F)
where
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    gloo_events::EventListener::new_with_options(
        form,
        "submit",
        gloo_events::EventListenerOptions::enable_prevent_default(),
        move |event| {
            event.prevent_default();
            wasm_bindgen_futures::spawn_local(handler());
        },
    )
    .forget();
}

/// A dictionary argument of a DOM method (a listener's, an observer's or a shadow root's
/// options) from its JSON text: one `JSON.parse` where web-sys has one import (and its
/// calls) per field.
pub fn dictionary<T: JsCast>(json: &str) -> Result<T, JsValue> {
    Ok(js_sys::JSON::parse(json)?.unchecked_into())
}

/// The options of a closed shadow root (`{mode: "closed"}`).
pub fn closed_shadow_root() -> Result<web_sys::ShadowRootInit, JsValue> {
    dictionary(r#"{"mode":"closed"}"#)
}

/// An event listener on a target, removed when dropped unless forgotten: as
/// `gloo_events::EventListener`, whose constructors are inlined (and generic) at each call
/// site; here one function builds every listener of the content script.
pub struct Listener {
    target: EventTarget,
    event_type: &'static str,
    capture: bool,
    /// `None` once forgotten.
    callback: Option<Callback>,
}

/// A listener's callback, as JavaScript calls it.
type Callback = Closure<dyn FnMut(&Event)>;

/// Listens for `event_type` on `target`: in the capture phase when `capture`, and
/// `passive` (the listener never cancels the event) or not.
pub fn listen(
    target: &EventTarget,
    event_type: &'static str,
    capture: bool,
    passive: bool,
    callback: Box<dyn FnMut(&Event)>,
) -> Listener {
    let callback = Closure::wrap(callback);
    let options = dictionary::<web_sys::AddEventListenerOptions>(match (capture, passive) {
        (false, false) => r#"{"capture":false,"once":false,"passive":false}"#,
        (false, true) => r#"{"capture":false,"once":false,"passive":true}"#,
        (true, false) => r#"{"capture":true,"once":false,"passive":false}"#,
        (true, true) => r#"{"capture":true,"once":false,"passive":true}"#,
    })
    .unwrap_or_else(|_| JsValue::UNDEFINED.unchecked_into());
    // Throws only for a target that is not one; every caller passes an element, a shadow
    // root, a document or a window (as gloo's `unwrap_throw`, which this replaces).
    let _ = target.add_event_listener_with_callback_and_add_event_listener_options(
        event_type,
        callback.as_ref().unchecked_ref(),
        &options,
    );
    Listener {
        target: target.clone(),
        event_type,
        capture,
        callback: Some(callback),
    }
}

impl Listener {
    /// Keeps the listener for the page's lifetime (its callback is never freed).
    pub fn forget(mut self) {
        if let Some(callback) = self.callback.take() {
            callback.forget();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(callback) = &self.callback {
            let _ = self.target.remove_event_listener_with_callback_and_bool(
                self.event_type,
                callback.as_ref().unchecked_ref(),
                self.capture,
            );
        }
    }
}
