//! The publish hold: the person's own clicks on a box's publish control and its publish
//! shortcuts, held (before the site sees them) when the policy is strict and required
//! items remain, recorded as a publication otherwise.

use std::rc::Rc;

use balise_core::checklist;
use balise_core::compose::{closest, holds};
use balise_core::sites::Modifiers;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, KeyboardEvent};

use super::compose_box::ComposeBox;
use super::{Watcher, now};
use crate::content::panel::PANEL_TAG;
use crate::dom::{composed_ancestors, composed_elements, control_label};

impl Watcher {
    pub(super) fn on_click(&self, event: &Event) {
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

    /// A key pressed anywhere on the page (window, capture phase): in a compose box, it
    /// starts the box's keystroke clock (the benchmark's keystroke-to-panel time) and, when
    /// it is one of the site's publish shortcuts, goes through the publish hold.
    pub(super) fn on_keydown(&self, event: &Event) {
        let pressed_at = now();
        let Some(compose_box) = self.box_of_key(event) else {
            return;
        };
        if compose_box.keystroke_at.get().is_none() {
            compose_box.keystroke_at.set(Some(pressed_at));
        }
        let Some(key_event) = event.dyn_ref::<KeyboardEvent>() else {
            return;
        };
        if !event.is_trusted() || key_event.is_composing() {
            return;
        }
        let compose_box = &compose_box;
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

    /// The box a key was pressed in. The key's target, seen at `window`, is the focused
    /// element, so a box that contains it is found with one `contains` per box; the
    /// event's composed path (an array of every element from the target up) is built only
    /// when a box lives in a shadow root, where the target is the root's host.
    fn box_of_key(&self, event: &Event) -> Option<Rc<ComposeBox>> {
        if let Some(compose_box) = self.box_containing_target(event) {
            return Some(compose_box);
        }
        let boxes = self.boxes.borrow();
        if !boxes.iter().any(|compose_box| compose_box.in_shadow_root) {
            return None;
        }
        let path = composed_elements(event);
        boxes
            .iter()
            .find(|compose_box| {
                path.iter()
                    .any(|element| element == compose_box.element.unchecked_ref::<Element>())
            })
            .cloned()
    }

    /// The publish control among the clicked elements, if any.
    pub(super) fn publish_control(&self, path: &[Element]) -> Option<Element> {
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
    pub(super) fn box_for_control(&self, control: &Element) -> Option<Rc<ComposeBox>> {
        let control_line = composed_ancestors(control.as_ref());
        let boxes = self.boxes.borrow();
        let candidates = boxes.iter().filter_map(|compose_box| {
            let box_line = composed_ancestors(compose_box.element.as_ref());
            let depth = control_line
                .iter()
                .position(|ancestor| box_line.contains(ancestor))?;
            Some((depth, compose_box.clone()))
        });
        let active = self.active.get();
        closest(candidates, |compose_box| compose_box.id == active)
    }

    /// Holds the publication when the policy is strict and required items remain (unless
    /// the person wrote an override reason); otherwise records it.
    pub(super) fn guard(&self, event: &Event, compose_box: &Rc<ComposeBox>) {
        if compose_box.update(self, false).is_err() {
            return;
        }
        let remaining = compose_box
            .analysis
            .borrow()
            .as_ref()
            .map_or(0, |analysis| analysis.required_remaining);
        let overridden = compose_box.override_reason.borrow().is_some();
        if holds(self.policy.strict_mode, remaining, overridden) {
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
}
