//! The companion on the settings pages: the pairing section and its button, and the
//! change of companion asked for from another companion's pairing page.

use balise_core::i18n::Lang;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlInputElement};

use super::form::field_value;
use super::{Page, refresh};
use crate::browser;
use crate::dom::{self, element};
use crate::messages::{Reply, Request};
use crate::settings;
use crate::ui_text as t;

/// The pairing: where it stands, and the button that asks the companion in the form.
pub(super) fn pairing_section(
    document: &Document,
    lang: Lang,
    page: Page,
) -> Result<Element, JsValue> {
    let pairing = element(document, "section", None)?;
    dom::append(&pairing, "h2", Some(t::PAIRING.get(lang)))?;
    let pairing_status = element(document, "p", None)?;
    pairing_status.set_id("pairing-status");
    pairing_status.set_attribute("role", "status")?;
    pairing.append_child(&pairing_status)?;
    let pair_button = element(document, "button", Some(t::PAIR.get(lang)))?;
    pair_button.set_id("pair-button");
    pair_button.set_attribute("type", "button")?;
    pairing.append_child(&pair_button)?;
    if page == Page::Welcome {
        dom::append(&pairing, "p", Some(t::PAIRING_HINT.get(lang)))?;
    }
    let pair_document = document.clone();
    gloo_events::EventListener::new(&pair_button, "click", move |_| {
        let document = pair_document.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let reply = match keep_companion_address(&document).await {
                Ok(()) => browser::send_message::<_, Reply>(&Request::StartPairing).await,
                Err(error) => Err(error),
            };
            let failure = match reply {
                Ok(Reply::Error { message }) => Some(message),
                Err(error) => Some(browser::error_text(&error)),
                Ok(_) => None,
            };
            if let Some(message) = failure {
                if let Some(status) = document.get_element_by_id("pairing-status") {
                    status.set_text_content(Some(&format!(
                        "{}{message}",
                        t::PAIRING_FAILED.get(lang)
                    )));
                    let _ = status.set_attribute("data-state", "error");
                }
                return;
            }
            let _ = refresh(&document, lang).await;
        });
    })
    .forget();
    Ok(pairing)
}

/// The change of companion asked for from another companion's pairing page: both
/// addresses, and the buttons that confirm or drop it (hidden while none waits).
pub(super) fn companion_change_section(
    document: &Document,
    lang: Lang,
) -> Result<Element, JsValue> {
    let section = element(document, "section", None)?;
    section.set_id("companion-change");
    section.set_attribute("data-state", "none")?;
    section.set_attribute("hidden", "")?;
    section.set_attribute("role", "alertdialog")?;
    dom::append(&section, "h2", Some(t::COMPANION_CHANGE.get(lang)))?;
    dom::append(&section, "p", Some(t::COMPANION_CHANGE_INTRO.get(lang)))?;
    for (id, label) in [
        ("companion-change-current", t::COMPANION_CURRENT),
        ("companion-change-proposed", t::COMPANION_PROPOSED),
    ] {
        let line = dom::append(&section, "p", Some(label.get(lang)))?;
        let address = dom::append(&line, "strong", None)?;
        address.set_id(id);
    }
    let confirm = dom::append(
        &section,
        "button",
        Some(t::COMPANION_CHANGE_CONFIRM.get(lang)),
    )?;
    confirm.set_id("companion-change-confirm");
    confirm.set_attribute("type", "button")?;
    let cancel = dom::append(
        &section,
        "button",
        Some(t::COMPANION_CHANGE_CANCEL.get(lang)),
    )?;
    cancel.set_id("companion-change-cancel");
    cancel.set_attribute("type", "button")?;
    for (button, confirmed) in [(confirm, true), (cancel, false)] {
        let click_document = document.clone();
        gloo_events::EventListener::new(&button, "click", move |event| {
            if !event.is_trusted() {
                return;
            }
            let document = click_document.clone();
            wasm_bindgen_futures::spawn_local(async move {
                answer_companion_change(&document, lang, confirmed).await;
            });
        })
        .forget();
    }
    Ok(section)
}

/// Shows the change of companion waiting for confirmation, or hides the section.
pub(super) fn show_companion_change(
    document: &Document,
    change: Option<&settings::CompanionChange>,
) -> Result<(), JsValue> {
    let Some(section) = document.get_element_by_id("companion-change") else {
        return Ok(());
    };
    match change {
        Some(change) => {
            for (id, address) in [
                ("companion-change-current", &change.current),
                ("companion-change-proposed", &change.proposed),
            ] {
                if let Some(element) = document.get_element_by_id(id) {
                    element.set_text_content(Some(address));
                }
            }
            section.set_attribute("data-state", "asked")?;
            section.remove_attribute("hidden")?;
        }
        None => {
            section.set_attribute("data-state", "none")?;
            section.set_attribute("hidden", "")?;
        }
    }
    Ok(())
}

/// Confirms (then pairs with the new companion) or drops the change shown.
async fn answer_companion_change(document: &Document, lang: Lang, confirmed: bool) {
    let request = if confirmed {
        let proposed = document
            .get_element_by_id("companion-change-proposed")
            .and_then(|element| element.text_content())
            .unwrap_or_default();
        Request::ConfirmCompanionChange { proposed }
    } else {
        Request::CancelCompanionChange
    };
    let failure = match browser::send_message::<_, Reply>(&request).await {
        Ok(Reply::Done) => None,
        Ok(Reply::Error { message }) => Some(message),
        Ok(_) => Some(String::new()),
        Err(error) => Some(browser::error_text(&error)),
    };
    if let Some(message) = failure {
        if let Some(status) = document.get_element_by_id("pairing-status") {
            status.set_text_content(Some(&format!("{}{message}", t::PAIRING_FAILED.get(lang))));
            let _ = status.set_attribute("data-state", "error");
        }
        return;
    }
    if confirmed {
        // The form shows the new address.
        let address = settings::load().await.companion_url;
        if let Some(input) = document
            .get_element_by_id("companion-url")
            .and_then(|element| element.dyn_into::<HtmlInputElement>().ok())
        {
            input.set_value(&address);
        }
    }
    let _ = refresh(document, lang).await;
}

/// Saves the companion address typed in the form, if it changed, before pairing: the
/// service worker pairs with the address in the settings.
async fn keep_companion_address(document: &Document) -> Result<(), JsValue> {
    let typed = field_value(document, "companion-url")?.trim().to_owned();
    let mut current = settings::load().await;
    if current.companion_url.trim() != typed {
        current.companion_url = typed;
        settings::save(&current).await?;
    }
    Ok(())
}
