//! Box discovery: the adapter for the page, the compose boxes on it (in the document and
//! the adapter's shadow roots, outermost only, attached once), and each box's publish
//! control.

use std::rc::Rc;

use balise_core::compose::closest;
use balise_core::sites::{self, SiteAdapter};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlElement, HtmlTextAreaElement, MutationObserverInit, Node};

use super::compose_box::ComposeBox;
use super::{Watcher, now, request_frame, watcher};
use crate::content::panel::Panel;
use crate::dom::{composed_ancestors, control_label, dictionary, query, query_all};

/// The least time between two searches for a box's missing publish control.
const CONTROL_SEARCH_INTERVAL_MS: f64 = 1_000.0;

/// The adapter for this page: by host; on an enabled host, by DOM signature (a Mastodon
/// instance the person confirmed or enabled). See `balise_core::sites::adapter_for_page`.
pub fn adapter_for_page(
    document: &Document,
    host: &str,
    extra_sites: &[String],
) -> &'static SiteAdapter {
    sites::adapter_for_page(host, extra_sites, |selector| {
        query(document.as_ref(), selector).is_some()
    })
}

impl Watcher {
    pub(super) fn observe_root(&self, root: &Node) -> Result<(), JsValue> {
        if self
            .observed_roots
            .borrow()
            .iter()
            .any(|known| known == root)
        {
            return Ok(());
        }
        let init: MutationObserverInit = dictionary(r#"{"childList":true,"subtree":true}"#)?;
        self.observer.observe_with_options(root, &init)?;
        self.observed_roots.borrow_mut().push(root.clone());
        Ok(())
    }

    /// Looks for new and removed boxes once, before the next frame.
    pub(super) fn schedule_scan(&self) {
        if self.scan_scheduled.replace(true) {
            return;
        }
        request_frame(|| {
            if let Some(watcher) = watcher() {
                watcher.scan_scheduled.set(false);
                watcher.scan(true);
            }
        });
    }

    /// Attaches new boxes and detaches removed ones; places the panels now (`place_now`, in
    /// a frame's callback) or in the next frame's callback (at start-up).
    pub(super) fn scan(&self, place_now: bool) {
        self.boxes.borrow_mut().retain(|compose_box| {
            let connected = compose_box.element.is_connected();
            if !connected {
                compose_box.detach();
            }
            connected
        });
        for element in self.find_boxes() {
            let known = self
                .boxes
                .borrow()
                .iter()
                .any(|compose_box| compose_box.element.unchecked_ref::<Element>() == &element);
            if !known && let Err(error) = self.attach(element) {
                web_sys::console::warn_2(&JsValue::from_str("Balise:"), &error);
            }
        }
        let first = self
            .boxes
            .borrow()
            .first()
            .map(|compose_box| compose_box.id);
        if let Some(first) = first
            && self.find_box(self.active.get()).is_none()
        {
            self.activate(first);
        }
        crate::content::startup_step("scan");
        if place_now {
            self.place_all();
        } else {
            // At start-up: the panels are attached and shown; their controls are looked
            // for and they are placed in the next frame's callback, before that frame is
            // painted, so the page's first layout (which reading labels and rectangles
            // forces) is not paid on the way to the panel but where the browser pays it
            // anyway.
            self.schedule_place();
        }
    }

    /// Looks for the publish control of each box that has none (or lost it), not more
    /// than once a second per box: reading labels (`innerText`) needs the page's layout,
    /// so this runs only with the placement, in a frame's callback.
    pub(super) fn find_missing_controls(&self) {
        let now = now();
        for compose_box in self.boxes.borrow().iter() {
            let found = compose_box
                .control
                .borrow()
                .as_ref()
                .is_some_and(|control| control.is_connected());
            if !found && now - compose_box.control_searched_at.get() >= CONTROL_SEARCH_INTERVAL_MS {
                compose_box.control_searched_at.set(now);
                *compose_box.control.borrow_mut() = self.control_for(compose_box);
            }
        }
    }

    /// Whether every mutation in `records` happened inside an attached box (typing), which
    /// cannot add or remove a box.
    pub(super) fn only_inside_boxes(&self, records: &js_sys::Array) -> bool {
        let boxes = self.boxes.borrow();
        !boxes.is_empty()
            && records.iter().all(|record| {
                let Some(target) = record
                    .dyn_ref::<web_sys::MutationRecord>()
                    .and_then(|record| record.target())
                else {
                    return false;
                };
                boxes
                    .iter()
                    .any(|compose_box| compose_box.element.contains(Some(&target)))
            })
    }

    /// The publish control of a box: among the adapter's controls in the box's document or
    /// shadow root, the one sharing the closest ancestor with it.
    pub(super) fn control_for(&self, compose_box: &ComposeBox) -> Option<Element> {
        let root = compose_box.element.get_root_node();
        let box_line = composed_ancestors(compose_box.element.as_ref());
        let candidates = self
            .adapter
            .submit_selectors
            .iter()
            .flat_map(|selector| {
                query_all(&root, selector)
                    .into_iter()
                    .filter(move |control| {
                        self.adapter
                            .is_publish_control(selector, &control_label(control))
                    })
            })
            .filter_map(|control| {
                let depth = composed_ancestors(control.as_ref())
                    .iter()
                    .position(|ancestor| box_line.contains(ancestor))?;
                Some((depth, control))
            });
        closest(candidates, |_| false)
    }

    /// Every compose box on the page and in the adapter's shadow roots, outermost only.
    pub(super) fn find_boxes(&self) -> Vec<Element> {
        let mut roots: Vec<Node> = vec![self.document.clone().into()];
        for host_selector in self.adapter.shadow_hosts {
            for host in query_all(self.document.as_ref(), host_selector) {
                if let Some(shadow) = host.shadow_root() {
                    let shadow: Node = shadow.into();
                    let _ = self.observe_root(&shadow);
                    roots.push(shadow);
                }
            }
        }
        let mut found: Vec<Element> = Vec::new();
        for root in &roots {
            for selector in self.adapter.compose_selectors {
                for element in query_all(root, selector) {
                    if is_editable(&element)
                        && !is_inside_overlay(&element)
                        && !found.contains(&element)
                    {
                        found.push(element);
                    }
                }
            }
        }
        let outermost: Vec<Element> = found
            .iter()
            .filter(|element| {
                !found
                    .iter()
                    .any(|other| other != *element && other.contains(Some(element)))
            })
            .cloned()
            .collect();
        outermost
    }

    pub(super) fn attach(&self, element: Element) -> Result<(), JsValue> {
        let element: HtmlElement = element.dyn_into()?;
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let container = element
            .closest("dialog[open]")?
            .or_else(|| self.document.document_element())
            .ok_or_else(|| JsValue::from_str("page has no root element"))?;
        let panel = Panel::new(&self.document, &container, self.policy, self.lang, id)?;
        crate::content::startup_step("panel-new");
        let compose_box = Rc::new(ComposeBox::new(id, element, panel)?);
        self.boxes.borrow_mut().push(compose_box.clone());
        compose_box
            .panel
            .set_active(self.find_box(self.active.get()).is_none())?;
        crate::content::startup_step("box-new");
        compose_box.update(self, true)?;
        crate::content::startup_step("first-analysis");
        Ok(())
    }
}

fn is_editable(element: &Element) -> bool {
    if let Some(textarea) = element.dyn_ref::<HtmlTextAreaElement>() {
        return !textarea.read_only() && !textarea.disabled();
    }
    element
        .dyn_ref::<HtmlElement>()
        .is_some_and(|html| html.is_content_editable())
}

fn is_inside_overlay(element: &Element) -> bool {
    matches!(element.closest("[data-balise-overlay]"), Ok(Some(_)))
}
