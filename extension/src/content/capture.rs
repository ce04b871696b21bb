//! Balise's own elements out of the evidence: hidden (or made transparent at the report
//! button's press) until a frame without them is painted, and shown again once no report
//! from this page is in flight.

use std::cell::{Cell, RefCell};

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

use crate::browser;
use crate::dom::query_all;
use crate::messages;
use crate::messages::Request;

thread_local! {
    /// Reports from this page not yet answered by the service worker.
    static REPORTS_IN_FLIGHT: Cell<u32> = const { Cell::new(0) };
    /// A press on the report button that has not become a click yet (see [`pressed`]).
    static PRESS: RefCell<Option<Press>> = const { RefCell::new(None) };
    /// Numbers the presses, so that a press's time-out leaves a later press alone.
    static PRESSES: Cell<u32> = const { Cell::new(0) };
}

/// A press on the report button (its `pointerdown`, or Enter or Space pressed on it): by
/// the time it becomes a click, a frame without Balise's elements is usually painted
/// already, and the capture need not wait for one.
struct Press {
    number: u32,
    /// Resolves once a frame without Balise's elements has been painted (at once, for a
    /// click after that frame).
    painted: js_sys::Promise,
    /// Names this press to the service worker, which captures the tab once that frame is
    /// painted if the click has not come yet ([`Request::CaptureAtPress`]).
    id: String,
    /// Whether that capture was asked for: the click's report then uses it.
    capture_asked: bool,
}

/// How long a press may wait for its click before Balise's elements show again (a press
/// dragged off the button, or held and released elsewhere, never clicks).
const PRESS_TIMEOUT_MS: i32 = 1_000;

/// A promise that resolves just after the page's next paint: a task queued from the next
/// frame's callback runs once that frame is painted and handed to the compositor, so a
/// capture asked for then shows what changed before.
fn next_paint() -> Result<js_sys::Promise, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    Ok(js_sys::Promise::new(&mut |resolve, _reject| {
        let timer_window = window.clone();
        let after_frame = Closure::once_into_js(move || {
            let _ = timer_window
                .set_timeout_with_callback_and_timeout_and_arguments_0(resolve.unchecked_ref(), 0);
        });
        let _ = window.request_animation_frame(after_frame.unchecked_ref());
    }))
}

/// Resolves just after the page's next paint (see [`next_paint`]).
pub(super) async fn after_next_paint() -> Result<(), JsValue> {
    wasm_bindgen_futures::JsFuture::from(next_paint()?)
        .await
        .map(|_| ())
}

/// Hides or shows every element Balise added to the page. Shown again, they also lose the
/// transparency a press gave them ([`set_overlays_transparent`]).
pub(super) fn set_overlays_visible(visible: bool) -> Result<(), JsValue> {
    for host in overlay_hosts()? {
        if visible {
            host.style().remove_property("visibility")?;
            host.style().remove_property("opacity")?;
        } else {
            host.style()
                .set_property_with_priority("visibility", "hidden", "important")?;
        }
    }
    Ok(())
}

/// Makes every element Balise added to the page transparent: painted as nothing, but still
/// under the pointer, so that the press that caused it still ends in a click on the
/// report button (a hidden button would pass the release to the page beneath it).
fn set_overlays_transparent() -> Result<(), JsValue> {
    for host in overlay_hosts()? {
        host.style()
            .set_property_with_priority("opacity", "0", "important")?;
    }
    Ok(())
}

/// The host elements of everything Balise added to the page.
fn overlay_hosts() -> Result<Vec<HtmlElement>, JsValue> {
    Ok(
        query_all(browser::document()?.as_ref(), "[data-balise-overlay]")
            .into_iter()
            .filter_map(|element| element.dyn_into::<HtmlElement>().ok())
            .collect(),
    )
}

/// The person pressed the report button (pointer down, or Enter or Space on it): the
/// service worker is woken, and Balise's elements turn transparent now, so a frame without
/// them is painted while the button is still held; once it is, the worker captures the tab
/// (a person's press lasts longer than a capture), and the click's report uses that
/// capture, or, when the click came first (WebDriver's, or Enter's, which clicks at once),
/// the click's own capture need not wait for a frame. Without a click within
/// [`PRESS_TIMEOUT_MS`], they show again and the press's capture is dropped.
pub(super) fn pressed() {
    // Starts the service worker if the browser stopped it for being idle, while the button
    // is still held: the click's report then finds it running.
    wasm_bindgen_futures::spawn_local(async {
        let _ = messages::send(&Request::Ping).await;
    });
    if set_overlays_transparent().is_err() {
        return;
    }
    let Ok(painted) = next_paint() else {
        return;
    };
    let number = PRESSES.with(|presses| {
        presses.set(presses.get().wrapping_add(1));
        presses.get()
    });
    let id = browser::random_uuid();
    PRESS.with(|press| {
        *press.borrow_mut() = Some(Press {
            number,
            painted: painted.clone(),
            id: id.clone(),
            capture_asked: false,
        });
    });
    // The capture at the press, once the frame without Balise's elements is painted, if
    // the press is still waiting for its click then (the click takes the press first).
    wasm_bindgen_futures::spawn_local(async move {
        if wasm_bindgen_futures::JsFuture::from(painted).await.is_err() {
            return;
        }
        let waiting = PRESS.with(|press| match press.borrow_mut().as_mut() {
            Some(press) if press.number == number => {
                press.capture_asked = true;
                true
            }
            _ => false,
        });
        if waiting {
            let _ = messages::send(&Request::CaptureAtPress { press: id }).await;
        }
    });
    let timeout = Closure::once_into_js(move || {
        let abandoned = PRESS.with(|press| {
            let mut press = press.borrow_mut();
            if press.as_ref().is_some_and(|press| press.number == number) {
                press.take()
            } else {
                None
            }
        });
        let Some(abandoned) = abandoned else {
            return;
        };
        if abandoned.capture_asked {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = messages::send(&Request::DiscardPress {
                    press: abandoned.id,
                })
                .await;
            });
        }
        if REPORTS_IN_FLIGHT.with(Cell::get) == 0 {
            let _ = set_overlays_visible(true);
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            timeout.unchecked_ref(),
            PRESS_TIMEOUT_MS,
        );
    }
}

/// How a click's capture is made, once Balise's elements are hidden for it.
pub(super) enum Hidden {
    /// The worker captured the tab at the press that became this click (named here),
    /// after a frame without Balise's elements was painted.
    AtPress(String),
    /// A frame without Balise's elements is painted: the worker captures now.
    Painted,
    /// Hiding failed: the worker hides them itself before capturing.
    Failed,
}

/// Hides Balise's elements for a capture and resolves once a frame without them has been
/// painted: at once when the press before this click already painted one (and then the
/// capture made at that press, if it was asked for, is the report's).
pub(super) async fn hide_for_capture() -> Hidden {
    let press = PRESS.with(|press| press.borrow_mut().take());
    if set_overlays_visible(false).is_err() {
        return Hidden::Failed;
    }
    let painted = match press {
        Some(press) if press.capture_asked => return Hidden::AtPress(press.id),
        Some(press) => wasm_bindgen_futures::JsFuture::from(press.painted)
            .await
            .is_ok(),
        None => after_next_paint().await.is_ok(),
    };
    if painted {
        Hidden::Painted
    } else {
        Hidden::Failed
    }
}

/// Counts a report from this page as in flight: Balise's elements stay hidden until every
/// one is answered.
pub(super) fn report_started() {
    REPORTS_IN_FLIGHT.with(|count| count.set(count.get() + 1));
}

/// Counts a report from this page as answered, and shows Balise's elements again when it
/// was the last one in flight.
pub(super) fn report_answered() {
    let remaining = REPORTS_IN_FLIGHT.with(|count| {
        count.set(count.get().saturating_sub(1));
        count.get()
    });
    if remaining == 0 {
        let _ = set_overlays_visible(true);
    }
}
