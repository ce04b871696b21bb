//! The one-click "report to the manager" button (top frame of compose and enabled sites)
//! and its card: where the report stands, the way to the welcome page when it waits for
//! the person's details, and the category and note added afterwards.

use std::cell::RefCell;

use balise_core::i18n::Lang;
use balise_core::report::ReportCategory;
use balise_core::text::fixed_decimals;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement, ShadowRoot};

use super::capture::{self, Hidden};
use super::{page_snapshot, performance_now};
use crate::browser;
use crate::dom::{add, closed_shadow_root, listen, query};
use crate::messages::{self, ContentReply, PageSnapshot, ReceiptView, Request};
use crate::ui_text as t;

thread_local! {
    /// The report button's shadow root and language, once mounted (top frame).
    static REPORT_CARD: RefCell<Option<(ShadowRoot, Lang)>> = const { RefCell::new(None) };
}

/// Tag of the report button's host element.
const REPORT_HOST_TAG: &str = "balise-report";

/// The button's and its card's style, inside their closed shadow root.
const STYLE: &str = "
:host { all: initial; }
.wrap { position: fixed; right: 16px; bottom: 16px; z-index: 2147483646; font: 14px/1.4 system-ui, sans-serif; display: grid; justify-items: end; gap: 8px; }
button { font: inherit; border: 0; border-radius: 999px; padding: 8px 14px; background: #0b5cad; color: #fff; cursor: pointer; box-shadow: 0 2px 8px rgba(0,0,0,.25); }
button:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.card { background: #fff; color: #1d1d1f; border-radius: 10px; padding: 12px; width: 300px; box-shadow: 0 4px 16px rgba(0,0,0,.25); display: grid; gap: 8px; }
.card[hidden], .card button[hidden] { display: none; }
.card .setup { justify-self: start; }
select, textarea { font: inherit; border: 1px solid #8a8f98; border-radius: 6px; padding: 4px 6px; }
textarea { min-height: 60px; resize: vertical; }
.status[data-state=stored] { color: #1b7a3a; }
.status[data-state=waiting] { color: #8a5a00; }
.status[data-state=error] { color: #b3261e; }
";

/// Adds the report button and its (hidden) card to the page, in a closed shadow root.
pub(super) fn mount(lang: Lang) -> Result<(), JsValue> {
    let document = browser::document()?;
    let host: HtmlElement = document.create_element(REPORT_HOST_TAG)?.dyn_into()?;
    host.set_attribute("data-balise-overlay", "report")?;
    let shadow = host.attach_shadow(&closed_shadow_root()?)?;
    add(&document, &shadow, "style", Some(STYLE), &[])?;
    let wrap = add(&document, &shadow, "div", None, &[("class", "wrap")])?;

    let card = add(
        &document,
        &wrap,
        "div",
        None,
        &[
            ("class", "card"),
            ("hidden", ""),
            ("role", "dialog"),
            ("aria-label", t::REPORT_CONFIRMATION.get(lang)),
        ],
    )?;
    add(
        &document,
        &card,
        "p",
        None,
        &[
            ("class", "status"),
            ("role", "status"),
            ("aria-live", "polite"),
        ],
    )?;
    // Shown when the report waits for the person's name and email (or for pairing): leads
    // to the welcome page, where they are filled in.
    let setup = add(
        &document,
        &card,
        "button",
        None,
        &[("class", "setup"), ("type", "button"), ("hidden", "")],
    )?;
    let category = add(
        &document,
        &card,
        "select",
        None,
        &[("class", "category"), ("aria-label", t::CATEGORY.get(lang))],
    )?;
    add(
        &document,
        &category,
        "option",
        Some(t::CATEGORY_NONE.get(lang)),
        &[("value", "")],
    )?;
    for choice in ReportCategory::ALL {
        add(
            &document,
            &category,
            "option",
            Some(choice.label().get(lang)),
            &[("value", choice.as_str())],
        )?;
    }
    add(
        &document,
        &card,
        "textarea",
        None,
        &[
            ("class", "note"),
            ("aria-label", t::NOTE.get(lang)),
            ("placeholder", t::NOTE.get(lang)),
            ("maxlength", "5000"),
        ],
    )?;
    let save = add(
        &document,
        &card,
        "button",
        Some(t::ADD_DETAILS.get(lang)),
        &[("class", "save"), ("type", "button")],
    )?;

    let button = add(
        &document,
        &wrap,
        "button",
        Some(t::REPORT_BUTTON.get(lang)),
        &[
            ("class", "report"),
            ("type", "button"),
            ("title", t::REPORT_TITLE.get(lang)),
            ("aria-label", t::REPORT_TITLE.get(lang)),
        ],
    )?;

    REPORT_CARD.with(|card| *card.borrow_mut() = Some((shadow.clone(), lang)));
    // A press turns Balise's elements transparent before its click (see `pressed`).
    listen(
        &button,
        "pointerdown",
        false,
        true,
        Box::new(|event| {
            if event.is_trusted() {
                capture::pressed();
            }
        }),
    )
    .forget();
    listen(
        &button,
        "keydown",
        false,
        true,
        Box::new(|event| {
            let Some(key) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                return;
            };
            // A key held down repeats its `keydown`: the first is the press.
            if event.is_trusted() && !key.repeat() && matches!(key.key().as_str(), "Enter" | " ") {
                capture::pressed();
            }
        }),
    )
    .forget();
    let report_shadow = shadow.clone();
    listen(
        &button,
        "click",
        false,
        true,
        Box::new(move |event| {
            // Only the person's own click reports: a script's synthetic click does nothing.
            if !event.is_trusted() {
                return;
            }
            let shadow = report_shadow.clone();
            let event_time = event.time_stamp();
            wasm_bindgen_futures::spawn_local(async move {
                report_clicked(&shadow, lang, event_time).await;
            });
        }),
    )
    .forget();
    let setup_shadow = shadow.clone();
    listen(
        &setup,
        "click",
        false,
        true,
        Box::new(move |event| {
            // The person's own click only: a page's script cannot open tabs through Balise.
            if !event.is_trusted() {
                return;
            }
            let shadow = setup_shadow.clone();
            if let Some(button) = shadow_part(&shadow, ".setup") {
                let _ = button.set_attribute("data-state", "opening");
            }
            wasm_bindgen_futures::spawn_local(async move {
                open_welcome(&shadow, lang).await;
            });
        }),
    )
    .forget();
    let save_shadow = shadow.clone();
    listen(
        &save,
        "click",
        false,
        true,
        Box::new(move |event| {
            if !event.is_trusted() {
                return;
            }
            let shadow = save_shadow.clone();
            wasm_bindgen_futures::spawn_local(async move {
                save_details(&shadow, lang).await;
            });
        }),
    )
    .forget();

    document
        .document_element()
        .ok_or_else(|| JsValue::from_str("page has no root element"))?
        .append_child(&host)?;
    Ok(())
}

/// The element of the card's shadow root that `selector` names.
fn shadow_part(shadow: &ShadowRoot, selector: &str) -> Option<Element> {
    query(shadow.as_ref(), selector)
}

/// Shows `text` in the card's status line, in `state`'s colour.
fn set_status(shadow: &ShadowRoot, state: &str, text: &str) {
    if let Some(status) = shadow_part(shadow, ".status") {
        status.set_text_content(Some(text));
        let _ = status.set_attribute("data-state", state);
    }
}

/// The report card's attributes for the worker's timings (`ReceiptView::timings`, in
/// that order), which the benchmark reads.
const TIMING_ATTRIBUTES: [&str; 9] = [
    "data-capture-ms",
    "data-before-capture-ms",
    "data-decode-ms",
    "data-hash-ms",
    "data-build-ms",
    "data-outbox-ms",
    "data-upload-ms",
    "data-answer-ms",
    "data-worker-ms",
];

/// Sets a timing attribute of the report card, in milliseconds with one decimal.
fn set_timing(card: &Element, name: &str, ms: f64) {
    let _ = card.set_attribute(name, &fixed_decimals(ms.max(0.0), 1));
}

/// Reports the page: hides Balise's elements, asks the service worker to capture and
/// send, and shows where the report stands (with the timings the benchmark reads).
async fn report_clicked(shadow: &ShadowRoot, lang: Lang, event_time: f64) {
    let clicked_at = performance_now();
    let PageSnapshot {
        selected_text,
        viewport,
    } = page_snapshot();
    open_card(shadow);
    show_setup_button(shadow, None, lang);
    set_status(shadow, "sending", t::REPORT_SENDING.get(lang));
    // Balise's own elements stay out of the evidence: hide them and let the page repaint
    // (already done when the press before the click painted a frame without them). They
    // stay hidden while any report from this page is in flight.
    capture::report_started();
    let (overlays_hidden, press) = match capture::hide_for_capture().await {
        Hidden::AtPress(press) => (true, Some(press)),
        Hidden::Painted => (true, None),
        Hidden::Failed => (false, None),
    };
    let hidden_at = performance_now();
    let reply = messages::ask(&Request::ReportPage {
        selected_text,
        viewport,
        overlays_hidden,
        press,
    })
    .await;
    let answered_at = performance_now();
    capture::report_answered();
    match reply {
        Ok(ContentReply::Reported(receipt)) => {
            if let Some(card) = shadow_part(shadow, ".card") {
                // Timings for the benchmark: click to answer, the page's stages, and the
                // worker's (the messages both ways are what the worker did not count).
                set_timing(&card, "data-elapsed-ms", answered_at - clicked_at);
                set_timing(&card, "data-click-ms", clicked_at - event_time);
                set_timing(&card, "data-hide-ms", hidden_at - clicked_at);
                let worker_ms = receipt.timings[TIMING_ATTRIBUTES.len() - 1];
                set_timing(
                    &card,
                    "data-messages-ms",
                    answered_at - hidden_at - worker_ms,
                );
                for (name, value) in TIMING_ATTRIBUTES.into_iter().zip(receipt.timings) {
                    set_timing(&card, name, value);
                }
            }
            show_receipt(shadow, &receipt, lang);
        }
        Ok(ContentReply::Error { message }) => {
            set_status(
                shadow,
                "error",
                &format!("{}{message}", t::REPORT_FAILED.get(lang)),
            );
        }
        Ok(_) => set_status(shadow, "error", t::REPORT_FAILED.get(lang)),
        Err(error) => {
            let detail = error.as_string().unwrap_or_default();
            set_status(
                shadow,
                "error",
                &format!("{}{detail}", t::REPORT_FAILED.get(lang)),
            );
        }
    }
}

/// Shows the report card (its status, category and note).
fn open_card(shadow: &ShadowRoot) {
    if let Some(card) = shadow_part(shadow, ".card") {
        let _ = card.remove_attribute("hidden");
    }
}

/// Shows where a report stands in the card, which then adds a category or note to it.
fn show_receipt(shadow: &ShadowRoot, receipt: &ReceiptView, lang: Lang) {
    if let Some(card) = shadow_part(shadow, ".card") {
        let _ = card.set_attribute("data-report-id", &receipt.id);
    }
    let (state, text, setup) = if receipt.stored {
        ("stored", t::REPORT_STORED, None)
    } else if receipt.identity_missing {
        (
            "waiting",
            t::REPORT_WAITING_IDENTITY,
            Some(t::OPEN_WELCOME_IDENTITY),
        )
    } else if receipt.not_paired {
        (
            "waiting",
            t::REPORT_WAITING_PAIRING,
            Some(t::OPEN_WELCOME_PAIRING),
        )
    } else {
        ("waiting", t::REPORT_WAITING_COMPANION, None)
    };
    set_status(shadow, state, text.get(lang));
    show_setup_button(shadow, setup, lang);
}

/// Shows the card's button to the welcome page with `label`, or hides it (`None`).
fn show_setup_button(shadow: &ShadowRoot, label: Option<t::UiText>, lang: Lang) {
    let Some(button) = shadow_part(shadow, ".setup") else {
        return;
    };
    match label {
        Some(label) => {
            button.set_text_content(Some(label.get(lang)));
            let _ = button.remove_attribute("data-state");
            let _ = button.remove_attribute("hidden");
        }
        None => {
            let _ = button.set_attribute("hidden", "");
        }
    }
}

/// Asks the service worker to open the welcome page (a content script cannot open the
/// extension's pages itself).
async fn open_welcome(shadow: &ShadowRoot, lang: Lang) {
    let reply = messages::ask(&Request::OpenWelcome).await;
    let failure = match reply {
        Ok(ContentReply::Done) => None,
        Ok(ContentReply::Error { message }) => Some(message),
        Ok(_) => Some(String::new()),
        Err(error) => Some(browser::error_text(&error)),
    };
    let button = shadow_part(shadow, ".setup");
    match failure {
        None => {
            if let Some(button) = button {
                let _ = button.set_attribute("data-state", "opened");
            }
        }
        Some(message) => {
            if let Some(button) = button {
                let _ = button.set_attribute("data-state", "error");
            }
            set_status(
                shadow,
                "error",
                &format!("{}{message}", t::OPEN_WELCOME_FAILED.get(lang)),
            );
        }
    }
}

/// The page's report card (its shadow root) and the language it speaks, once mounted.
pub(super) fn report_card() -> Option<(ShadowRoot, Lang)> {
    REPORT_CARD.with(|card| card.borrow().clone())
}

/// Adds the category and note chosen in the card to the report it shows.
async fn save_details(shadow: &ShadowRoot, lang: Lang) {
    let Some(id) =
        shadow_part(shadow, ".card").and_then(|card| card.get_attribute("data-report-id"))
    else {
        return;
    };
    let category = shadow_part(shadow, ".category")
        .and_then(|select| select.dyn_into::<web_sys::HtmlSelectElement>().ok())
        .map(|select| select.value())
        .and_then(|value| {
            ReportCategory::ALL
                .into_iter()
                .find(|category| category.as_str() == value)
        });
    let note = shadow_part(shadow, ".note")
        .and_then(|area| area.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        .map(|area| area.value())
        .filter(|note| !note.trim().is_empty());
    let reply = messages::ask(&Request::Annotate { id, category, note }).await;
    match reply {
        Ok(ContentReply::Done) => set_status(shadow, "stored", t::DETAILS_SAVED.get(lang)),
        Ok(ContentReply::Error { message }) => set_status(
            shadow,
            "error",
            &format!("{}{message}", t::REPORT_FAILED.get(lang)),
        ),
        _ => set_status(shadow, "error", t::REPORT_FAILED.get(lang)),
    }
}

/// Shows a receipt the service worker sent (a report made from the toolbar, the menu or
/// the shortcut) in the card, if this page has one.
pub(super) fn show_worker_receipt(receipt: &ReceiptView) {
    if let Some((shadow, lang)) = report_card() {
        open_card(&shadow);
        show_receipt(&shadow, receipt, lang);
    }
}

/// Shows a report's failure the service worker sent in the card, if this page has one.
pub(super) fn show_worker_error(message: &str) {
    if let Some((shadow, lang)) = report_card() {
        open_card(&shadow);
        show_setup_button(&shadow, None, lang);
        set_status(
            &shadow,
            "error",
            &format!("{}{message}", t::REPORT_FAILED.get(lang)),
        );
    }
}
