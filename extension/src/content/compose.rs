//! Compose boxes: finds them on the page (late mounts, remounts, shadow roots, several per
//! page), keeps a checklist panel beside each, checks the draft as it is typed, holds the
//! site's publish control in strict mode, and records each publication as an attestation.
//!
//! Nothing here writes into the site's editor: the text is only read (`value` or
//! `innerText`), and the panels live in their own top-level elements.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use balise_core::analysis::{Analysis, Analyzer, Draft, DraftLink};
use balise_core::checklist;
use balise_core::i18n::Lang;
use balise_core::placement::{self, Rect};
use balise_core::policy::Policy;
use balise_core::report::{AttestationV1, Publication};
use balise_core::sites::{self, Modifiers, SiteAdapter};
use gloo_events::{EventListener, EventListenerOptions, EventListenerPhase};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    Document, Element, Event, HtmlElement, HtmlTextAreaElement, KeyboardEvent, MutationObserver,
    MutationObserverInit, Node, ResizeObserver,
};

use crate::browser;
use crate::content::panel::{PANEL_TAG, Panel};
use crate::messages::{Reply, Request};
use crate::ui_text as t;

/// Keystroke-to-panel samples kept per box for the benchmark.
const SAMPLES_KEPT: usize = 2_000;
/// A second publish event for the same text within this delay is the same publication.
const SAME_PUBLICATION_MS: f64 = 2_000.0;
/// The least time between two searches for a box's missing publish control.
const CONTROL_SEARCH_INTERVAL_MS: f64 = 1_000.0;
/// Event the benchmark dispatches on the document to have the samples written out.
pub const DUMP_TIMINGS_EVENT: &str = "balise:dump-timings";

thread_local! {
    static WATCHER: RefCell<Option<Rc<Watcher>>> = const { RefCell::new(None) };
}

fn watcher() -> Option<Rc<Watcher>> {
    WATCHER.with(|cell| cell.borrow().clone())
}

/// The adapter for this page: by host; on an enabled host, by DOM signature (a Mastodon
/// instance the person confirmed or enabled). See `balise_core::sites::adapter_for_page`.
pub fn adapter_for_page(
    document: &Document,
    host: &str,
    extra_sites: &[String],
) -> &'static SiteAdapter {
    sites::adapter_for_page(host, extra_sites, |selector| {
        matches!(document.query_selector(selector), Ok(Some(_)))
    })
}

/// Starts watching the page for compose boxes with `policy`. Returns whether it started.
pub fn start(
    document: &Document,
    adapter: &'static SiteAdapter,
    policy: Policy,
    lang: Lang,
) -> Result<(), JsValue> {
    if watcher().is_some() {
        return Ok(());
    }
    let policy: &'static Policy = Box::leak(Box::new(policy));
    let callback =
        Closure::<dyn FnMut(js_sys::Array, MutationObserver)>::new(|records: js_sys::Array, _| {
            if let Some(watcher) = watcher()
                && !watcher.only_inside_boxes(&records)
            {
                watcher.schedule_scan();
            }
        });
    let observer = MutationObserver::new(callback.as_ref().unchecked_ref())?;
    let watcher = Rc::new(Watcher {
        adapter,
        policy,
        analyzer: Analyzer::new(policy),
        lang,
        document: document.clone(),
        boxes: RefCell::new(Vec::new()),
        next_id: Cell::new(1),
        observed_roots: RefCell::new(Vec::new()),
        observer,
        _observer_callback: callback,
        scan_scheduled: Cell::new(false),
        place_scheduled: Cell::new(false),
        listeners: RefCell::new(Vec::new()),
        active: Cell::new(0),
    });
    WATCHER.with(|cell| *cell.borrow_mut() = Some(watcher.clone()));
    watcher.observe_root(document.as_ref())?;
    watcher.listen_to_window()?;
    watcher.scan();
    Ok(())
}

/// The page-wide state: the adapter, the policy and the attached boxes.
struct Watcher {
    adapter: &'static SiteAdapter,
    policy: &'static Policy,
    analyzer: Analyzer<'static>,
    lang: Lang,
    document: Document,
    boxes: RefCell<Vec<Rc<ComposeBox>>>,
    next_id: Cell<u32>,
    /// The document and the shadow roots watched for boxes.
    observed_roots: RefCell<Vec<Node>>,
    observer: MutationObserver,
    _observer_callback: Closure<dyn FnMut(js_sys::Array, MutationObserver)>,
    scan_scheduled: Cell<bool>,
    place_scheduled: Cell<bool>,
    listeners: RefCell<Vec<EventListener>>,
    /// The box in use (0: none): its panel is open and above the others, and it wins
    /// when a publish control could belong to several boxes.
    active: Cell<u32>,
}

impl Watcher {
    fn observe_root(&self, root: &Node) -> Result<(), JsValue> {
        if self
            .observed_roots
            .borrow()
            .iter()
            .any(|known| known == root)
        {
            return Ok(());
        }
        let init = MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        self.observer.observe_with_options(root, &init)?;
        self.observed_roots.borrow_mut().push(root.clone());
        Ok(())
    }

    fn listen_to_window(&self) -> Result<(), JsValue> {
        let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
        let capture_passive = EventListenerOptions {
            phase: EventListenerPhase::Capture,
            passive: true,
        };
        let capture_active = EventListenerOptions {
            phase: EventListenerPhase::Capture,
            passive: false,
        };
        let mut listeners = self.listeners.borrow_mut();
        listeners.push(EventListener::new_with_options(
            &window,
            "scroll",
            capture_passive,
            |_| {
                if let Some(watcher) = watcher() {
                    watcher.schedule_place();
                }
            },
        ));
        listeners.push(EventListener::new(&window, "resize", |_| {
            if let Some(watcher) = watcher() {
                watcher.schedule_place();
            }
        }));
        listeners.push(EventListener::new_with_options(
            &window,
            "focusin",
            capture_passive,
            |_| {
                if let Some(watcher) = watcher() {
                    watcher.schedule_scan();
                }
            },
        ));
        // Publish controls and shortcuts, seen first (window, capture) so a held publication
        // never reaches the site's own handlers.
        listeners.push(EventListener::new_with_options(
            &window,
            "click",
            capture_active,
            |event| {
                if let Some(watcher) = watcher() {
                    watcher.on_click(event);
                }
            },
        ));
        listeners.push(EventListener::new_with_options(
            &window,
            "keydown",
            capture_active,
            |event| {
                if let Some(watcher) = watcher() {
                    watcher.on_keydown(event);
                }
            },
        ));
        listeners.push(EventListener::new(
            &self.document,
            DUMP_TIMINGS_EVENT,
            |_| {
                if let Some(watcher) = watcher() {
                    for compose_box in watcher.boxes.borrow().iter() {
                        compose_box.write_samples();
                    }
                }
            },
        ));
        Ok(())
    }

    /// Looks for new and removed boxes once, before the next frame.
    fn schedule_scan(&self) {
        if self.scan_scheduled.replace(true) {
            return;
        }
        request_frame(|| {
            if let Some(watcher) = watcher() {
                watcher.scan_scheduled.set(false);
                watcher.scan();
            }
        });
    }

    /// Moves the panels to their boxes once, before the next frame.
    fn schedule_place(&self) {
        if self.place_scheduled.replace(true) {
            return;
        }
        request_frame(|| {
            if let Some(watcher) = watcher() {
                watcher.place_scheduled.set(false);
                watcher.place_all();
            }
        });
    }

    fn scan(&self) {
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
        let now = now();
        for compose_box in self.boxes.borrow().iter() {
            // Looking for a control reads the labels of many elements: only when the box has
            // none (or lost it), and not more than once a second.
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
        self.place_all();
    }

    /// Whether every mutation in `records` happened inside an attached box (typing), which
    /// cannot add or remove a box.
    fn only_inside_boxes(&self, records: &js_sys::Array) -> bool {
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

    /// Makes box `id` the one in use: its panel opens above the others, which collapse.
    fn activate(&self, id: u32) {
        self.active.set(id);
        for compose_box in self.boxes.borrow().iter() {
            let _ = compose_box.panel.set_active(compose_box.id == id);
        }
        self.schedule_place();
    }

    /// The publish control of a box: among the adapter's controls in the box's document or
    /// shadow root, the one sharing the closest ancestor with it.
    fn control_for(&self, compose_box: &ComposeBox) -> Option<Element> {
        let root = compose_box.element.get_root_node();
        let box_line = composed_ancestors(compose_box.element.as_ref());
        let mut best: Option<(usize, Element)> = None;
        for selector in self.adapter.submit_selectors {
            for control in query_all(&root, selector) {
                if !self
                    .adapter
                    .is_publish_control(selector, &control_label(&control))
                {
                    continue;
                }
                let Some(depth) = composed_ancestors(control.as_ref())
                    .iter()
                    .position(|ancestor| box_line.contains(ancestor))
                else {
                    continue;
                };
                if best
                    .as_ref()
                    .is_none_or(|(best_depth, _)| depth < *best_depth)
                {
                    best = Some((depth, control));
                }
            }
        }
        best.map(|(_, control)| control)
    }

    /// Every compose box on the page and in the adapter's shadow roots, outermost only.
    fn find_boxes(&self) -> Vec<Element> {
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

    fn attach(&self, element: Element) -> Result<(), JsValue> {
        let element: HtmlElement = element.dyn_into()?;
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let container = element
            .closest("dialog[open]")?
            .or_else(|| self.document.document_element())
            .ok_or_else(|| JsValue::from_str("page has no root element"))?;
        let panel = Panel::new(&self.document, &container, self.policy, self.lang, id)?;
        let compose_box = Rc::new(ComposeBox::new(id, element, panel)?);
        self.boxes.borrow_mut().push(compose_box.clone());
        compose_box
            .panel
            .set_active(self.find_box(self.active.get()).is_none())?;
        compose_box.update(self, true)?;
        Ok(())
    }

    fn place_all(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let viewport = (
            window
                .inner_width()
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0),
            window
                .inner_height()
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0),
        );
        for compose_box in self.boxes.borrow().iter() {
            let control = compose_box
                .control
                .borrow()
                .as_ref()
                .filter(|control| control.is_connected())
                .map(viewport_rect);
            let area = placement::compose_area(viewport_rect(&compose_box.element), control);
            let _ = compose_box.panel.place_beside(area, viewport);
        }
    }

    fn find_box(&self, id: u32) -> Option<Rc<ComposeBox>> {
        self.boxes
            .borrow()
            .iter()
            .find(|compose_box| compose_box.id == id)
            .cloned()
    }

    fn on_click(&self, event: &Event) {
        // A page's script can click its own publish control (`click()`, `dispatchEvent`):
        // only the person's own clicks are publications Balise holds or attests.
        if !event.is_trusted() {
            return;
        }
        let path = composed_elements(event);
        if path
            .iter()
            .any(|element| element.tag_name().eq_ignore_ascii_case(PANEL_TAG))
        {
            return;
        }
        let Some(control) = self.publish_control(&path) else {
            return;
        };
        if let Some(compose_box) = self.box_for_control(&control) {
            self.guard(event, &compose_box);
        }
    }

    fn on_keydown(&self, event: &Event) {
        let Some(key_event) = event.dyn_ref::<KeyboardEvent>() else {
            return;
        };
        if !event.is_trusted() || key_event.is_composing() {
            return;
        }
        let path = composed_elements(event);
        let boxes = self.boxes.borrow().clone();
        let Some(compose_box) = boxes.iter().find(|compose_box| {
            path.iter()
                .any(|element| element == compose_box.element.unchecked_ref::<Element>())
        }) else {
            return;
        };
        let modifiers = Modifiers {
            ctrl: key_event.ctrl_key(),
            meta: key_event.meta_key(),
            shift: key_event.shift_key(),
            alt: key_event.alt_key(),
        };
        let key = key_event.key();
        let publishes = self.adapter.submit_shortcuts.iter().any(|shortcut| {
            shortcut.matches(&key, modifiers)
                && shortcut.not_inside.is_none_or(|selector| {
                    !matches!(compose_box.element.closest(selector), Ok(Some(_)))
                })
        });
        if publishes {
            self.guard(event, compose_box);
        }
    }

    /// The publish control among the clicked elements, if any.
    fn publish_control(&self, path: &[Element]) -> Option<Element> {
        path.iter().find_map(|element| {
            self.adapter.submit_selectors.iter().find_map(|selector| {
                let matches = element.matches(selector).unwrap_or(false);
                (matches
                    && self
                        .adapter
                        .is_publish_control(selector, &control_label(element)))
                .then(|| element.clone())
            })
        })
    }

    /// The box a publish control belongs to: the one sharing its closest ancestor, the
    /// last focused one on a tie.
    fn box_for_control(&self, control: &Element) -> Option<Rc<ComposeBox>> {
        let control_line = composed_ancestors(control.as_ref());
        let boxes = self.boxes.borrow();
        let mut best: Option<(usize, Rc<ComposeBox>)> = None;
        for compose_box in boxes.iter() {
            let box_line = composed_ancestors(compose_box.element.as_ref());
            let Some(depth) = control_line
                .iter()
                .position(|ancestor| box_line.contains(ancestor))
            else {
                continue;
            };
            let better = match &best {
                None => true,
                Some((best_depth, best_box)) => {
                    depth < *best_depth
                        || (depth == *best_depth
                            && compose_box.id == self.active.get()
                            && best_box.id != compose_box.id)
                }
            };
            if better {
                best = Some((depth, compose_box.clone()));
            }
        }
        best.map(|(_, compose_box)| compose_box)
    }

    /// Holds the publication when the policy is strict and required items remain (unless
    /// the person wrote an override reason); otherwise records it.
    fn guard(&self, event: &Event, compose_box: &Rc<ComposeBox>) {
        if compose_box.update(self, false).is_err() {
            return;
        }
        let remaining = compose_box
            .analysis
            .borrow()
            .as_ref()
            .map_or(0, |analysis| analysis.required_remaining);
        let overridden = compose_box.override_reason.borrow().is_some();
        if self.policy.strict_mode && remaining > 0 && !overridden {
            event.prevent_default();
            event.stop_immediate_propagation();
            let message = compose_box
                .analysis
                .borrow()
                .as_ref()
                .map(|analysis| checklist::hold_message(analysis, self.policy, self.lang))
                .unwrap_or_default();
            self.activate(compose_box.id);
            let _ = compose_box.panel.show_hold(Some(&message));
            let held = compose_box.held.get() + 1;
            compose_box.held.set(held);
            let _ = compose_box
                .panel
                .host()
                .set_attribute("data-held-count", &held.to_string());
            return;
        }
        self.record_publication(compose_box);
    }

    fn record_publication(&self, compose_box: &Rc<ComposeBox>) {
        let text = compose_box.text.borrow().clone();
        if text.trim().is_empty() {
            return;
        }
        let digest = balise_core::digest::sha256_hex(text.as_bytes());
        let now = js_sys::Date::now();
        {
            let mut last = compose_box.last_publication.borrow_mut();
            if let Some((last_digest, at)) = last.as_ref()
                && *last_digest == digest
                && now - at < SAME_PUBLICATION_MS
            {
                return;
            }
            *last = Some((digest.clone(), now));
        }
        let Some(analysis) = compose_box.analysis.borrow().clone() else {
            return;
        };
        let override_reason = compose_box.override_reason.borrow_mut().take();
        let page_url = web_sys::window()
            .and_then(|window| window.location().href().ok())
            .unwrap_or_default();
        let id = browser::random_uuid();
        let recorded_at = browser::now_rfc3339();
        let attestation = AttestationV1::of_publication(
            Publication {
                id: &id,
                recorded_at: &recorded_at,
                site: self.adapter.id,
                page_url: &page_url,
                text_sha256: &digest,
                policy_version: Some(self.policy.version),
            },
            &analysis,
            override_reason.as_deref(),
        );
        let _ = compose_box.panel.show_hold(None);
        let compose_box = compose_box.clone();
        let lang = self.lang;
        wasm_bindgen_futures::spawn_local(async move {
            let reply =
                browser::send_message::<_, Reply>(&Request::RecordAttestation { attestation })
                    .await;
            match reply {
                Ok(Reply::Done) => {
                    compose_box
                        .panel
                        .set_status(t::ATTESTATION_RECORDED.get(lang));
                    let count = compose_box.attestations.get() + 1;
                    compose_box.attestations.set(count);
                    let _ = compose_box
                        .panel
                        .host()
                        .set_attribute("data-attestations", &count.to_string());
                }
                Ok(Reply::Error { message }) => compose_box
                    .panel
                    .set_status(&format!("{}{message}", t::ATTESTATION_FAILED.get(lang))),
                Ok(_) => {}
                Err(error) => compose_box.panel.set_status(&format!(
                    "{}{}",
                    t::ATTESTATION_FAILED.get(lang),
                    browser::error_text(&error)
                )),
            }
        });
    }
}

/// One attached compose box and its panel.
struct ComposeBox {
    id: u32,
    element: HtmlElement,
    panel: Panel,
    /// The box's publish control, looked for again when it is missing.
    control: RefCell<Option<Element>>,
    /// When the control was last looked for (`performance.now()`).
    control_searched_at: Cell<f64>,
    /// Manual items the person ticked, and warnings acknowledged.
    confirmed: RefCell<Vec<String>>,
    analysis: RefCell<Option<Analysis>>,
    text: RefCell<String>,
    /// Why the person publishes anyway, once accepted.
    override_reason: RefCell<Option<String>>,
    /// The time of the keystroke not yet reflected in the panel.
    keystroke_at: Cell<Option<f64>>,
    update_scheduled: Cell<bool>,
    samples: RefCell<VecDeque<f64>>,
    held: Cell<u32>,
    attestations: Cell<u32>,
    /// SHA-256 and time of the last recorded publication.
    last_publication: RefCell<Option<(String, f64)>>,
    listeners: RefCell<Vec<EventListener>>,
    text_observer: MutationObserver,
    _text_callback: Closure<dyn FnMut(js_sys::Array, MutationObserver)>,
    resize_observer: ResizeObserver,
    _resize_callback: Closure<dyn FnMut(js_sys::Array, ResizeObserver)>,
}

impl ComposeBox {
    fn new(id: u32, element: HtmlElement, panel: Panel) -> Result<ComposeBox, JsValue> {
        let text_callback =
            Closure::<dyn FnMut(js_sys::Array, MutationObserver)>::new(move |_, _| {
                request_update(id)
            });
        let text_observer = MutationObserver::new(text_callback.as_ref().unchecked_ref())?;
        let init = MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        init.set_character_data(true);
        text_observer.observe_with_options(&element, &init)?;
        let resize_callback =
            Closure::<dyn FnMut(js_sys::Array, ResizeObserver)>::new(move |_, _| {
                if let Some(watcher) = watcher() {
                    watcher.schedule_place();
                }
            });
        let resize_observer = ResizeObserver::new(resize_callback.as_ref().unchecked_ref())?;
        resize_observer.observe(&element);

        let passive_capture = EventListenerOptions {
            phase: EventListenerPhase::Capture,
            passive: true,
        };
        let mut listeners = vec![
            // The clock starts when the page receives the key (not at the event's own
            // `timeStamp`, which for automated input is when the driver queued it).
            EventListener::new_with_options(&element, "keydown", passive_capture, move |_| {
                if let Some(compose_box) = watcher().and_then(|watcher| watcher.find_box(id))
                    && compose_box.keystroke_at.get().is_none()
                {
                    compose_box.keystroke_at.set(Some(now()));
                }
            }),
            EventListener::new(&element, "input", move |_| request_update(id)),
            EventListener::new(&element, "focus", move |_| {
                if let Some(watcher) = watcher()
                    && watcher.active.get() != id
                {
                    watcher.activate(id);
                }
            }),
        ];
        listeners.push(EventListener::new(
            panel.toggle_button(),
            "click",
            move |event| {
                if !event.is_trusted() {
                    return;
                }
                let Some(watcher) = watcher() else {
                    return;
                };
                if watcher.active.get() != id {
                    watcher.activate(id);
                } else if let Some(compose_box) = watcher.find_box(id) {
                    let collapsed = !compose_box.panel.is_collapsed();
                    let _ = compose_box.panel.set_collapsed(collapsed);
                    watcher.schedule_place();
                }
            },
        ));
        listeners.push(EventListener::new(
            panel.section(),
            "change",
            move |event| {
                if !event.is_trusted() {
                    return;
                }
                let Some(input) = event
                    .target()
                    .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
                else {
                    return;
                };
                let Some(item_id) = input.get_attribute("data-confirm") else {
                    return;
                };
                if let Some(watcher) = watcher()
                    && let Some(compose_box) = watcher.find_box(id)
                {
                    {
                        let mut confirmed = compose_box.confirmed.borrow_mut();
                        confirmed.retain(|known| *known != item_id);
                        if input.checked() {
                            confirmed.push(item_id);
                        }
                    }
                    let _ = compose_box.update(&watcher, true);
                }
            },
        ));
        listeners.push(EventListener::new(
            panel.override_button(),
            "click",
            move |event| {
                if !event.is_trusted() {
                    return;
                }
                if let Some(watcher) = watcher()
                    && let Some(compose_box) = watcher.find_box(id)
                {
                    let reason = compose_box.panel.override_reason();
                    if reason.trim().is_empty() {
                        compose_box
                            .panel
                            .set_status(t::OVERRIDE_NEEDS_REASON.get(watcher.lang));
                        return;
                    }
                    *compose_box.override_reason.borrow_mut() = Some(reason);
                    let _ = compose_box.panel.show_hold(None);
                    compose_box
                        .panel
                        .set_status(t::OVERRIDE_ACCEPTED.get(watcher.lang));
                }
            },
        ));
        // A click a script made on a checkbox still toggles it and fires a trusted
        // `change`: cancel any untrusted click inside the panel before it acts.
        listeners.push(EventListener::new_with_options(
            panel.section(),
            "click",
            EventListenerOptions {
                phase: EventListenerPhase::Capture,
                passive: false,
            },
            |event| {
                if !event.is_trusted() {
                    event.prevent_default();
                    event.stop_immediate_propagation();
                }
            },
        ));
        // Keep the page's "click outside" handlers (which close dialogs) from seeing
        // clicks and keys inside the panel.
        for name in [
            "mousedown",
            "pointerdown",
            "mouseup",
            "pointerup",
            "click",
            "keydown",
            "keyup",
            "focusin",
        ] {
            listeners.push(EventListener::new(panel.host(), name, |event| {
                event.stop_propagation();
            }));
        }
        Ok(ComposeBox {
            id,
            element,
            panel,
            control: RefCell::new(None),
            control_searched_at: Cell::new(f64::NEG_INFINITY),
            confirmed: RefCell::new(Vec::new()),
            analysis: RefCell::new(None),
            text: RefCell::new(String::new()),
            override_reason: RefCell::new(None),
            keystroke_at: Cell::new(None),
            update_scheduled: Cell::new(false),
            samples: RefCell::new(VecDeque::new()),
            held: Cell::new(0),
            attestations: Cell::new(0),
            last_publication: RefCell::new(None),
            listeners: RefCell::new(listeners),
            text_observer,
            _text_callback: text_callback,
            resize_observer,
            _resize_callback: resize_callback,
        })
    }

    /// Reads the draft and, when it changed (or `force`), checks it and redraws the panel.
    fn update(&self, watcher: &Watcher, force: bool) -> Result<(), JsValue> {
        let text = read_text(&self.element);
        if !force && *self.text.borrow() == text && self.analysis.borrow().is_some() {
            self.keystroke_at.set(None);
            return Ok(());
        }
        let draft = Draft {
            links: read_links(&self.element),
            text,
        };
        let mut analysis = watcher.analyzer.analyze(&draft);
        analysis.confirm(&self.confirmed.borrow());
        let view = checklist::view(watcher.policy, &analysis, watcher.lang);
        self.panel.render(&view)?;
        *self.analysis.borrow_mut() = Some(analysis);
        *self.text.borrow_mut() = draft.text;
        if let Some(started) = self.keystroke_at.take() {
            let mut samples = self.samples.borrow_mut();
            if samples.len() == SAMPLES_KEPT {
                samples.pop_front();
            }
            samples.push_back(now() - started);
        }
        Ok(())
    }

    fn write_samples(&self) {
        let samples: Vec<String> = self
            .samples
            .borrow()
            .iter()
            .map(|sample| format!("{sample:.3}"))
            .collect();
        let _ = self
            .panel
            .host()
            .set_attribute("data-keystroke-samples", &samples.join(" "));
    }

    fn detach(&self) {
        self.text_observer.disconnect();
        self.resize_observer.disconnect();
        self.listeners.borrow_mut().clear();
        self.panel.remove();
    }
}

/// Checks box `id` again once the current task's changes are done (one check per burst of
/// mutations and input events).
fn request_update(id: u32) {
    let Some(compose_box) = watcher().and_then(|watcher| watcher.find_box(id)) else {
        return;
    };
    if compose_box.update_scheduled.replace(true) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        compose_box.update_scheduled.set(false);
        if let Some(watcher) = watcher() {
            let _ = compose_box.update(&watcher, false);
        }
    });
}

/// The draft's text as the person sees it: `value` or `innerText`, without the invisible
/// characters editors insert.
fn read_text(element: &HtmlElement) -> String {
    let raw = match element.dyn_ref::<HtmlTextAreaElement>() {
        Some(textarea) => textarea.value(),
        None => element.inner_text(),
    };
    if raw
        .chars()
        .any(|ch| matches!(ch, '\u{a0}' | '\u{200b}' | '\u{feff}'))
    {
        raw.chars()
            .filter(|ch| !matches!(ch, '\u{200b}' | '\u{feff}'))
            .map(|ch| if ch == '\u{a0}' { ' ' } else { ch })
            .collect()
    } else {
        raw
    }
}

/// Links a rich editor carries (their target may differ from their text).
fn read_links(element: &HtmlElement) -> Vec<DraftLink> {
    if element.dyn_ref::<HtmlTextAreaElement>().is_some() {
        return Vec::new();
    }
    query_all(element.as_ref(), "a[href]")
        .into_iter()
        .take(200)
        .filter_map(|anchor| {
            let href = anchor.get_attribute("href")?;
            Some(DraftLink {
                href,
                text: anchor.text_content().unwrap_or_default(),
                span: None,
            })
        })
        .collect()
}

fn query_all(root: &Node, selector: &str) -> Vec<Element> {
    let list = if let Some(document) = root.dyn_ref::<Document>() {
        document.query_selector_all(selector)
    } else if let Some(shadow) = root.dyn_ref::<web_sys::ShadowRoot>() {
        shadow.query_selector_all(selector)
    } else if let Some(element) = root.dyn_ref::<Element>() {
        element.query_selector_all(selector)
    } else {
        return Vec::new();
    };
    let Ok(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.item(index))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .collect()
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

/// The elements an event went through, innermost first, across open shadow roots.
fn composed_elements(event: &Event) -> Vec<Element> {
    event
        .composed_path()
        .iter()
        .filter_map(|target| target.dyn_into::<Element>().ok())
        .collect()
}

/// `node` and its ancestors, innermost first, stepping from shadow roots to their hosts.
fn composed_ancestors(node: &Node) -> Vec<Node> {
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
fn control_label(element: &Element) -> String {
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
fn viewport_rect(element: &Element) -> Rect {
    let rect = element.get_bounding_client_rect();
    Rect {
        left: rect.left(),
        top: rect.top(),
        right: rect.right(),
        bottom: rect.bottom(),
    }
}

fn request_frame(callback: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let closure = Closure::once_into_js(callback);
    let _ = window.request_animation_frame(closure.unchecked_ref());
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}
