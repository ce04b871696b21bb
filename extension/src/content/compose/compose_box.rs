//! One attached compose box: its panel, its listeners and observers, the draft's text and
//! analysis, the items the person confirmed, the override reason, and the keystroke samples.

use std::cell::{Cell, RefCell};

use balise_core::analysis::{Analysis, AnalysisCache, Draft, DraftLink};
use balise_core::checklist;
use balise_core::compose::{KeystrokeSamples, LastPublication, visible_text};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    Element, HtmlElement, HtmlTextAreaElement, MutationObserver, MutationObserverInit,
    ResizeObserver,
};

use super::{Watcher, now, watcher};
use crate::content::panel::Panel;
use crate::dom::{Listener, dictionary, listen, query_all};
use crate::ui_text as t;

/// The parts of a keystroke's time, in order: from the keydown to the start of the
/// update (the browser's own editing and the page's handlers), reading the draft, the
/// analysis, the panel's view, and patching the panel's DOM.
pub(super) const PHASES: [&str; 5] = ["wait", "read", "analyze", "view", "render"];

/// One attached compose box and its panel.
pub(super) struct ComposeBox {
    pub(super) id: u32,
    pub(super) element: HtmlElement,
    /// Whether the box is a `textarea` (its text is its `value`, never its DOM).
    is_textarea: bool,
    /// Whether the box lives in a shadow root (a key's target, seen at `window`, is then
    /// its host, not the box).
    pub(super) in_shadow_root: bool,
    pub(super) panel: Panel,
    /// The box's publish control, looked for again when it is missing.
    pub(super) control: RefCell<Option<Element>>,
    /// When the control was last looked for (`performance.now()`).
    pub(super) control_searched_at: Cell<f64>,
    /// Manual items the person ticked, and warnings acknowledged.
    pub(super) confirmed: RefCell<Vec<String>>,
    pub(super) analysis: RefCell<Option<Analysis>>,
    /// The last analysis paragraph by paragraph: a keystroke rescans only its paragraph.
    pub(super) analysis_cache: RefCell<AnalysisCache>,
    pub(super) text: RefCell<String>,
    /// Why the person publishes anyway, once accepted.
    pub(super) override_reason: RefCell<Option<String>>,
    /// The time of the keystroke not yet reflected in the panel.
    pub(super) keystroke_at: Cell<Option<f64>>,
    pub(super) update_scheduled: Cell<bool>,
    pub(super) samples: RefCell<KeystrokeSamples>,
    /// Where each sampled keystroke's time went, per [`PHASES`] (the benchmark prints them).
    pub(super) phases: RefCell<[KeystrokeSamples; PHASES.len()]>,
    pub(super) held: Cell<u32>,
    pub(super) attestations: Cell<u32>,
    /// SHA-256 and time of the last recorded publication.
    pub(super) last_publication: RefCell<LastPublication>,
    pub(super) listeners: RefCell<Vec<Listener>>,
    pub(super) text_observer: MutationObserver,
    pub(super) _text_callback: Closure<dyn FnMut(js_sys::Array, MutationObserver)>,
    pub(super) resize_observer: ResizeObserver,
    pub(super) _resize_callback: Closure<dyn FnMut(js_sys::Array, ResizeObserver)>,
}

impl ComposeBox {
    pub(super) fn new(id: u32, element: HtmlElement, panel: Panel) -> Result<ComposeBox, JsValue> {
        let text_callback =
            Closure::<dyn FnMut(js_sys::Array, MutationObserver)>::new(move |_, _| {
                request_update(id)
            });
        let text_observer = MutationObserver::new(text_callback.as_ref().unchecked_ref())?;
        let init: MutationObserverInit =
            dictionary(r#"{"childList":true,"subtree":true,"characterData":true}"#)?;
        text_observer.observe_with_options(&element, &init)?;
        let resize_callback =
            Closure::<dyn FnMut(js_sys::Array, ResizeObserver)>::new(move |_, _| {
                if let Some(watcher) = watcher() {
                    watcher.schedule_place();
                }
            });
        let resize_observer = ResizeObserver::new(resize_callback.as_ref().unchecked_ref())?;
        resize_observer.observe(&element);

        // Per keystroke in the box, Balise runs two callbacks: the window's `keydown`
        // listener (publish shortcuts, and the keystroke clock: `Watcher::on_keydown`) and
        // this `input` listener, which checks the draft at once (the mutation observer's
        // records of the same edit are then dropped, so it does not check again).
        let mut listeners = vec![
            listen(
                &element,
                "input",
                false,
                true,
                Box::new(move |_| update_after_input(id)),
            ),
            listen(
                &element,
                "focus",
                false,
                true,
                Box::new(move |_| {
                    if let Some(watcher) = watcher()
                        && watcher.active.get() != id
                    {
                        watcher.activate(id);
                    }
                }),
            ),
        ];
        listeners.push(listen(
            panel.toggle_button(),
            "click",
            false,
            true,
            Box::new(move |event| {
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
            }),
        ));
        listeners.push(listen(
            panel.section(),
            "change",
            false,
            true,
            Box::new(move |event| {
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
            }),
        ));
        listeners.push(listen(
            panel.override_button(),
            "click",
            false,
            true,
            Box::new(move |event| {
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
            }),
        ));
        // A click a script made on a checkbox still toggles it and fires a trusted
        // `change`: cancel any untrusted click inside the panel before it acts.
        listeners.push(listen(
            panel.section(),
            "click",
            true,
            false,
            Box::new(|event| {
                if !event.is_trusted() {
                    event.prevent_default();
                    event.stop_immediate_propagation();
                }
            }),
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
            listeners.push(listen(
                panel.host(),
                name,
                false,
                true,
                Box::new(|event| event.stop_propagation()),
            ));
        }
        Ok(ComposeBox {
            id,
            is_textarea: element.dyn_ref::<HtmlTextAreaElement>().is_some(),
            in_shadow_root: element
                .get_root_node()
                .dyn_ref::<web_sys::ShadowRoot>()
                .is_some(),
            element,
            panel,
            control: RefCell::new(None),
            control_searched_at: Cell::new(f64::NEG_INFINITY),
            confirmed: RefCell::new(Vec::new()),
            analysis: RefCell::new(None),
            analysis_cache: RefCell::new(AnalysisCache::default()),
            text: RefCell::new(String::new()),
            override_reason: RefCell::new(None),
            keystroke_at: Cell::new(None),
            update_scheduled: Cell::new(false),
            samples: RefCell::new(KeystrokeSamples::default()),
            phases: RefCell::new(Default::default()),
            held: Cell::new(0),
            attestations: Cell::new(0),
            last_publication: RefCell::new(LastPublication::default()),
            listeners: RefCell::new(listeners),
            text_observer,
            _text_callback: text_callback,
            resize_observer,
            _resize_callback: resize_callback,
        })
    }

    /// Reads the draft and, when it changed (or `force`), checks it and redraws the panel.
    pub(super) fn update(&self, watcher: &Watcher, force: bool) -> Result<(), JsValue> {
        let started = now();
        let text = if self.analysis.borrow().is_none() {
            self.first_text()
        } else {
            self.read_text()
        };
        if !force && *self.text.borrow() == text && self.analysis.borrow().is_some() {
            self.keystroke_at.set(None);
            return Ok(());
        }
        let draft = Draft {
            links: self.read_links(),
            text,
        };
        let read = now();
        let mut analysis = watcher
            .analyzer
            .analyze_cached(&draft, &mut self.analysis_cache.borrow_mut());
        analysis.confirm(&self.confirmed.borrow());
        let analysed = now();
        // The panel shows the analysis alone: when a keystroke left it as it was (most
        // keystrokes), the panel is up to date and neither its view nor its DOM is touched.
        let unchanged = !force && self.analysis.borrow().as_ref() == Some(&analysis);
        let viewed = if unchanged {
            analysed
        } else {
            let view = checklist::view(watcher.policy, &analysis, watcher.lang);
            let viewed = now();
            self.panel.render(&view)?;
            viewed
        };
        *self.analysis.borrow_mut() = Some(analysis);
        *self.text.borrow_mut() = draft.text;
        if let Some(keystroke) = self.keystroke_at.take() {
            let done = now();
            self.samples.borrow_mut().push(done - keystroke);
            let mut phases = self.phases.borrow_mut();
            let times = [
                started - keystroke,
                read - started,
                analysed - read,
                viewed - analysed,
                done - viewed,
            ];
            for (samples, time) in phases.iter_mut().zip(times) {
                samples.push(time);
            }
        }
        Ok(())
    }

    pub(super) fn write_samples(&self) {
        let samples = self.samples.borrow().to_attribute();
        let _ = self
            .panel
            .host()
            .set_attribute("data-keystroke-samples", &samples);
        let phases = self.phases.borrow();
        let mut described = String::new();
        for (name, samples) in PHASES.iter().zip(phases.iter()) {
            let phase = format!("{name}={}", samples.to_attribute().replace(' ', ","));
            balise_core::text::push_word(&mut described, &phase);
        }
        let _ = self
            .panel
            .host()
            .set_attribute("data-keystroke-phases", &described);
    }

    pub(super) fn detach(&self) {
        self.text_observer.disconnect();
        self.resize_observer.disconnect();
        self.listeners.borrow_mut().clear();
        self.panel.remove();
    }
}

/// Checks box `id` right away on its `input` event (the edit is in the DOM by then), and
/// drops the mutation records the same edit left for the box's observer (a rich editor's
/// DOM changes), which would otherwise check the same text again.
fn update_after_input(id: u32) {
    let Some(watcher) = watcher() else {
        return;
    };
    let Some(compose_box) = watcher.find_box(id) else {
        return;
    };
    let _ = compose_box.update(&watcher, false);
    if !compose_box.is_textarea {
        compose_box.text_observer.take_records();
    }
}

/// Checks box `id` again once the current task's changes are done (one check per burst of
/// mutations and input events).
pub(super) fn request_update(id: u32) {
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

/// Reading the draft from the page.
impl ComposeBox {
    /// The draft's text as the person sees it: `value` or `innerText`, without the
    /// invisible characters editors insert.
    fn read_text(&self) -> String {
        let raw = if self.is_textarea {
            // `is_textarea` was read from this element's own class when it was found.
            self.element.unchecked_ref::<HtmlTextAreaElement>().value()
        } else {
            self.element.inner_text()
        };
        visible_text(raw)
    }

    /// The draft's text at the box's first check (at start-up, when the page has not been
    /// laid out yet): an editor with no text but white space reads as empty without
    /// `innerText`, which would force the page's first layout on the way to the panel.
    fn first_text(&self) -> String {
        if !self.is_textarea
            && self
                .element
                .text_content()
                .is_none_or(|text| visible_text(text).trim().is_empty())
        {
            return String::new();
        }
        self.read_text()
    }

    /// Links a rich editor carries (their target may differ from their text).
    fn read_links(&self) -> Vec<DraftLink> {
        if self.is_textarea {
            return Vec::new();
        }
        query_all(self.element.as_ref(), "a[href]")
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
}
