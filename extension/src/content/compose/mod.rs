//! Compose boxes: finds them on the page (late mounts, remounts, shadow roots, several per
//! page), keeps a checklist panel beside each, checks the draft as it is typed, holds the
//! site's publish control in strict mode, and records each publication as an attestation.
//!
//! Nothing here writes into the site's editor: the text is only read (`value` or
//! `innerText`), and the panels live in their own top-level elements.
//!
//! This module holds the page-wide state (the [`Watcher`]) and its window listeners; the
//! concerns are layered below it, each only calling the ones above it in this list:
//! - [`compose_box`]: one box's own state (its text, analysis, panel, samples);
//! - [`discovery`]: finding boxes and each box's publish control;
//! - [`publish`]: the publish hold (clicks and shortcuts on a publish control);
//! - [`attestation`]: the attestation built from a publication.
//!
//! DOM queries across shadow roots are in `crate::dom`; the decisions that need no page
//! (visible text, closest candidate, hold, repeated publish events) in
//! `balise_core::compose`.

mod attestation;
mod compose_box;
mod discovery;
mod publish;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use balise_core::analysis::Analyzer;
use balise_core::i18n::Lang;
use balise_core::placement;
use balise_core::policy::Policy;
use balise_core::sites::SiteAdapter;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, MutationObserver, Node};

use crate::dom::{Listener, listen, viewport_rect};
use compose_box::ComposeBox;
pub use discovery::adapter_for_page;

/// Event the benchmark dispatches on the document to have the samples written out.
pub const DUMP_TIMINGS_EVENT: &str = "balise:dump-timings";

thread_local! {
    static WATCHER: RefCell<Option<Rc<Watcher>>> = const { RefCell::new(None) };
}

fn watcher() -> Option<Rc<Watcher>> {
    WATCHER.with(|cell| cell.borrow().clone())
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
    crate::content::startup_step("analyzer");
    WATCHER.with(|cell| *cell.borrow_mut() = Some(watcher.clone()));
    watcher.observe_root(document.as_ref())?;
    watcher.listen_to_window()?;
    crate::content::startup_step("watch");
    watcher.scan(false);
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
    listeners: RefCell<Vec<Listener>>,
    /// The box in use (0: none): its panel is open and above the others, and it wins
    /// when a publish control could belong to several boxes.
    active: Cell<u32>,
}

impl Watcher {
    fn listen_to_window(&self) -> Result<(), JsValue> {
        let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
        let mut listeners = self.listeners.borrow_mut();
        listeners.push(listen(
            &window,
            "scroll",
            true,
            true,
            Box::new(|event| {
                if let Some(watcher) = watcher()
                    && !watcher.scrolled_inside_box(event)
                {
                    watcher.schedule_place();
                }
            }),
        ));
        listeners.push(listen(
            &window,
            "resize",
            false,
            true,
            Box::new(|_| {
                if let Some(watcher) = watcher() {
                    watcher.schedule_place();
                }
            }),
        ));
        listeners.push(listen(
            &window,
            "focusin",
            true,
            true,
            Box::new(|_| {
                if let Some(watcher) = watcher() {
                    watcher.schedule_scan();
                }
            }),
        ));
        // Publish controls and shortcuts, seen first (window, capture) so a held publication
        // never reaches the site's own handlers.
        listeners.push(listen(
            &window,
            "click",
            true,
            false,
            Box::new(|event| {
                if let Some(watcher) = watcher() {
                    watcher.on_click(event);
                }
            }),
        ));
        listeners.push(listen(
            &window,
            "keydown",
            true,
            false,
            Box::new(|event| {
                if let Some(watcher) = watcher() {
                    watcher.on_keydown(event);
                }
            }),
        ));
        listeners.push(listen(
            &self.document,
            DUMP_TIMINGS_EVENT,
            false,
            true,
            Box::new(|_| {
                if let Some(watcher) = watcher() {
                    for compose_box in watcher.boxes.borrow().iter() {
                        compose_box.write_samples();
                    }
                }
            }),
        ));
        Ok(())
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

    /// Makes box `id` the one in use: its panel opens above the others, which collapse.
    fn activate(&self, id: u32) {
        self.active.set(id);
        for compose_box in self.boxes.borrow().iter() {
            let _ = compose_box.panel.set_active(compose_box.id == id);
        }
        self.schedule_place();
    }

    /// Finds the missing publish controls, then places every panel beside its box (and
    /// control): reads first (the labels, then the rectangles), writes last, so a frame
    /// pays for one layout.
    fn place_all(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        self.find_missing_controls();
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
        let boxes = self.boxes.borrow();
        let areas: Vec<_> = boxes
            .iter()
            .map(|compose_box| {
                let control = compose_box
                    .control
                    .borrow()
                    .as_ref()
                    .filter(|control| control.is_connected())
                    .map(viewport_rect);
                placement::compose_area(viewport_rect(&compose_box.element), control)
            })
            .collect();
        for (compose_box, area) in boxes.iter().zip(areas) {
            let _ = compose_box.panel.place_beside(area, viewport);
        }
        crate::content::panels_placed();
    }

    /// Whether `event` (a `scroll`) scrolled a compose box's own content (a long draft
    /// in a textarea scrolls as lines are typed): that moves no box, so no panel.
    fn scrolled_inside_box(&self, event: &web_sys::Event) -> bool {
        self.box_containing_target(event).is_some()
    }

    /// The box whose element contains `event`'s target (a node inside the box, or the box).
    fn box_containing_target(&self, event: &web_sys::Event) -> Option<Rc<ComposeBox>> {
        let target = event.target()?;
        let target = target.dyn_ref::<Node>()?;
        self.boxes
            .borrow()
            .iter()
            .find(|compose_box| compose_box.element.contains(Some(target)))
            .cloned()
    }

    fn find_box(&self, id: u32) -> Option<Rc<ComposeBox>> {
        self.boxes
            .borrow()
            .iter()
            .find(|compose_box| compose_box.id == id)
            .cloned()
    }
}

fn request_frame(callback: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let closure = Closure::once_into_js(callback);
    let _ = window.request_animation_frame(closure.unchecked_ref());
}

/// `performance.now()`, in one call from the module (no `window` or `Performance`
/// object fetched first: the keystroke clock reads it five times per keystroke).
fn now() -> f64 {
    crate::browser::performance_now()
}
