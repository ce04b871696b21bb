//! The welcome page's summary: what is done and what is left before reports reach the
//! manager (the identity, the pairing, the reports waiting).

use balise_core::i18n::Lang;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::dom::{self, element};
use crate::ui_text as t;

/// Where the person stands, as the welcome page shows it.
pub(super) struct Progress<'a> {
    pub(super) identity_missing: bool,
    pub(super) paired: bool,
    pub(super) companion_url: &'a str,
    pub(super) pairing_code: Option<&'a str>,
    pub(super) reports_waiting: usize,
}

/// The welcome page's summary: one line per step (done or to do) and whether Balise is
/// ready. Its elements are filled by [`show_progress`].
pub(super) fn progress_section(document: &Document, lang: Lang) -> Result<Element, JsValue> {
    let section = element(document, "section", None)?;
    section.set_id("welcome-progress");
    section.set_attribute("role", "status")?;
    section.set_attribute("aria-live", "polite")?;
    dom::append(&section, "h2", Some(t::WELCOME_PROGRESS.get(lang)))?;
    let steps = dom::append(&section, "ul", None)?;
    for step in ["identity", "pairing"] {
        let item = dom::append(&steps, "li", None)?;
        item.set_attribute("data-step", step)?;
    }
    let summary = dom::append(&section, "p", None)?;
    summary.set_id("welcome-summary");
    let waiting = dom::append(&section, "p", None)?;
    waiting.set_id("welcome-waiting");
    waiting.set_attribute("hidden", "")?;
    Ok(section)
}

/// Fills the welcome page's summary (does nothing on the options page).
pub(super) fn show_progress(
    document: &Document,
    lang: Lang,
    progress: &Progress,
) -> Result<(), JsValue> {
    let Some(section) = document.get_element_by_id("welcome-progress") else {
        return Ok(());
    };
    let identity_text = if progress.identity_missing {
        t::STEP_IDENTITY_TODO.get(lang).to_owned()
    } else {
        t::STEP_IDENTITY_DONE.get(lang).to_owned()
    };
    let pairing_text = match (progress.paired, progress.pairing_code) {
        (true, _) => format!(
            "{}{}.",
            t::STEP_PAIRING_DONE.get(lang),
            progress.companion_url
        ),
        (false, Some(code)) => format!("{}{code}", t::STEP_PAIRING_PENDING.get(lang)),
        (false, None) => t::STEP_PAIRING_TODO.get(lang).to_owned(),
    };
    for (step, done, text) in [
        ("identity", !progress.identity_missing, identity_text),
        ("pairing", progress.paired, pairing_text),
    ] {
        if let Some(item) = section.query_selector(&format!("li[data-step={step}]"))? {
            item.set_text_content(Some(&text));
            item.set_attribute("data-done", if done { "true" } else { "false" })?;
        }
    }
    let ready = progress.paired && !progress.identity_missing;
    if let Some(summary) = document.get_element_by_id("welcome-summary") {
        let text = if ready {
            t::WELCOME_READY
        } else {
            t::WELCOME_NOT_READY
        };
        summary.set_text_content(Some(text.get(lang)));
    }
    if let Some(waiting) = document.get_element_by_id("welcome-waiting") {
        waiting.set_text_content(Some(&format!(
            "{}{}",
            t::WELCOME_WAITING_REPORTS.get(lang),
            progress.reports_waiting
        )));
        waiting.set_attribute("data-count", &progress.reports_waiting.to_string())?;
        if progress.reports_waiting == 0 {
            waiting.set_attribute("hidden", "")?;
        } else {
            waiting.remove_attribute("hidden")?;
        }
    }
    section.set_attribute("data-state", if ready { "ready" } else { "incomplete" })?;
    Ok(())
}
