//! The extension's two settings pages, one form: the options page (language, role,
//! identity, companion address, extra sites, the extension's status, and the refused
//! look-alike sites) and the welcome
//! page opened at install (role, identity, companion address and pairing, and what is left
//! to do before reports reach the manager).

use balise_core::i18n::Lang;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::browser;
use crate::dom::{self, element};
use crate::messages::{Reply, Request};
use crate::settings;
use crate::ui_text::{self as t, UiText};

mod companion;
mod form;
mod progress;

use companion::{companion_change_section, pairing_section, show_companion_change};
use form::settings_form;
use progress::{Progress, progress_section, show_progress};

/// Which of the two pages is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `options.html`: every setting and the extension's status.
    Options,
    /// `welcome.html`, opened at install and from the report card and the popup when the
    /// name and email are missing: identity, role and pairing on one screen.
    Welcome,
}

impl Page {
    fn title(self) -> UiText {
        match self {
            Page::Options => t::OPTIONS_TITLE,
            Page::Welcome => t::WELCOME_TITLE,
        }
    }

    /// Whether the form has every setting (the welcome page leaves out the interface
    /// language and the extra sites, which have their defaults at install).
    fn all_settings(self) -> bool {
        self == Page::Options
    }
}

/// Renders `page` and wires its form.
pub async fn start(page: Page) -> Result<(), JsValue> {
    let settings = settings::load().await;
    let lang = t::resolve_language(settings.language, browser::browser_language().as_deref());
    let document = browser::document()?;
    document.set_title(page.title().get(lang));
    if let Some(root) = document.document_element() {
        root.set_attribute("lang", lang.code())?;
    }
    let app = document
        .get_element_by_id("app")
        .ok_or_else(|| JsValue::from_str("the page has no #app element"))?;
    app.set_inner_html("");
    dom::append(&app, "h1", Some(page.title().get(lang)))?;
    match page {
        Page::Options => {
            let change = companion_change_section(&document, lang)?;
            app.append_child(&change)?;
            let status = status_section(&document, lang)?;
            app.append_child(&status)?;
            let pairing = pairing_section(&document, lang, page)?;
            app.append_child(&pairing)?;
            dom::append(&app, "h2", Some(t::SETTINGS.get(lang)))?;
            let form = settings_form(&document, &settings, lang, page)?;
            app.append_child(&form)?;
            let refused = super::refused_sites::section(&document, lang).await?;
            app.append_child(&refused)?;
        }
        Page::Welcome => {
            dom::append(&app, "p", Some(t::WELCOME_INTRO.get(lang)))?;
            let progress = progress_section(&document, lang)?;
            app.append_child(&progress)?;
            dom::append(&app, "h2", Some(t::WELCOME_YOU.get(lang)))?;
            let form = settings_form(&document, &settings, lang, page)?;
            app.append_child(&form)?;
            let pairing = pairing_section(&document, lang, page)?;
            app.append_child(&pairing)?;
            let more = dom::append(&app, "p", Some(t::WELCOME_MORE_OPTIONS.get(lang)))?;
            let link = dom::append(&more, "a", Some(t::WELCOME_OPTIONS_LINK.get(lang)))?;
            link.set_id("options-link");
            link.set_attribute("href", "options.html")?;
            dom::append(&more, "span", Some("."))?;
        }
    }
    if page == Page::Options {
        check_service_worker(&document, lang).await?;
        show_policy(&document, lang).await?;
    }
    refresh(&document, lang).await?;
    // While the page is open, follow the pairing (approved in the companion) and the outbox.
    let poll_document = document.clone();
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            gloo_timers::future::sleep(std::time::Duration::from_secs(2)).await;
            if refresh(&poll_document, lang).await.is_err() {
                break;
            }
        }
    });
    Ok(())
}

/// Shows whether the extension is paired, or the code of the request waiting for approval,
/// and on the welcome page what is done and what is left.
pub(super) async fn refresh(document: &Document, lang: Lang) -> Result<(), JsValue> {
    let Ok(Reply::Status {
        paired,
        companion_url,
        pairing_code,
        identity_missing,
        outbox,
        attestations,
        companion_change,
        ..
    }) = browser::send_message::<_, Reply>(&Request::GetStatus).await
    else {
        return Ok(());
    };
    show_companion_change(document, companion_change.as_ref())?;
    let Some(status) = document.get_element_by_id("pairing-status") else {
        return Err(JsValue::from_str("page closed"));
    };
    show_progress(
        document,
        lang,
        &Progress {
            identity_missing,
            paired,
            companion_url: &companion_url,
            pairing_code: pairing_code.as_deref(),
            reports_waiting: outbox.len(),
        },
    )?;
    if status.get_attribute("data-state").as_deref() == Some("error")
        && pairing_code.is_none()
        && !paired
    {
        // Keep the reason the last pairing attempt failed in sight.
        return Ok(());
    }
    let (state, text) = match (paired, pairing_code) {
        (true, _) => ("paired", format!("{}{companion_url}.", t::PAIRED.get(lang))),
        (false, Some(code)) => ("pending", format!("{}{code}", t::PAIRING_PENDING.get(lang))),
        (false, None) => ("unpaired", t::NOT_PAIRED.get(lang).to_owned()),
    };
    status.set_text_content(Some(&text));
    status.set_attribute("data-state", state)?;
    status.set_attribute("data-outbox", &outbox.len().to_string())?;
    status.set_attribute("data-attestations", &attestations.len().to_string())?;
    if state == "paired" && status.get_attribute("data-was") != Some("paired".to_owned()) {
        // Just paired: the companion's policy may now be in force.
        show_policy(document, lang).await?;
    }
    status.set_attribute("data-was", state)?;
    Ok(())
}

/// Shows which policy is in force: the companion's or the built-in default.
async fn show_policy(document: &Document, lang: Lang) -> Result<(), JsValue> {
    let reply = browser::send_message::<_, Reply>(&Request::GetPolicy).await;
    let Some(status) = document.get_element_by_id("policy-status") else {
        return Ok(());
    };
    let Ok(Reply::Policy {
        policy,
        from_companion,
    }) = reply
    else {
        return Ok(());
    };
    let (source, label) = if from_companion {
        ("companion", t::POLICY_FROM_COMPANION)
    } else {
        ("default", t::POLICY_DEFAULT)
    };
    status.set_text_content(Some(&format!(
        "{}{}, {} {}.",
        label.get(lang),
        policy.organization.name,
        policy.items.len(),
        t::ITEMS.get(lang)
    )));
    status.set_attribute("data-source", source)?;
    Ok(())
}

/// The options page's status: the service worker and the policy in force.
fn status_section(document: &Document, lang: Lang) -> Result<Element, JsValue> {
    let status = element(document, "section", None)?;
    dom::append(&status, "h2", Some(t::STATUS.get(lang)))?;
    let sw_status = element(document, "p", Some(t::SW_CHECKING.get(lang)))?;
    sw_status.set_id("sw-status");
    sw_status.set_attribute("data-state", "checking")?;
    sw_status.set_attribute("role", "status")?;
    status.append_child(&sw_status)?;
    let policy_status = element(document, "p", None)?;
    policy_status.set_id("policy-status");
    policy_status.set_attribute("role", "status")?;
    status.append_child(&policy_status)?;
    Ok(status)
}

/// Says whether the service worker answers, with its version and the policy it holds.
async fn check_service_worker(document: &Document, lang: Lang) -> Result<(), JsValue> {
    let reply = browser::send_message::<_, Reply>(&Request::Ping).await;
    let Some(status) = document.get_element_by_id("sw-status") else {
        return Ok(());
    };
    match reply {
        Ok(Reply::Pong {
            version,
            organization,
            checklist_items,
        }) => {
            status.set_text_content(Some(&format!(
                "{} (v{version}). {}{organization}, {checklist_items} {}.",
                t::SW_OK.get(lang),
                t::POLICY.get(lang),
                t::ITEMS.get(lang)
            )));
            status.set_attribute("data-state", "ok")?;
        }
        Ok(Reply::Error { message }) => {
            status.set_text_content(Some(&format!("{}{message}", t::SW_FAILED.get(lang))));
            status.set_attribute("data-state", "error")?;
        }
        Ok(_) => {
            status.set_text_content(Some(t::SW_FAILED.get(lang)));
            status.set_attribute("data-state", "error")?;
        }
        Err(error) => {
            let detail = error.as_string().unwrap_or_else(|| format!("{error:?}"));
            status.set_text_content(Some(&format!("{}{detail}", t::SW_FAILED.get(lang))));
            status.set_attribute("data-state", "error")?;
        }
    }
    Ok(())
}
