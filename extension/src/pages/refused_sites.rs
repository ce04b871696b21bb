//! The options page's list of the look-alike hosts the person refused in the popup, each
//! with a button that forgets the refusal (the question then comes back on its next visit).

use balise_core::i18n::Lang;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::browser;
use crate::dom::{self, element};
use crate::messages::{Reply, Request};
use crate::ui_text as t;

/// The section, filled with the refused hosts the service worker keeps (`data-count` says
/// how many are listed).
pub async fn section(document: &Document, lang: Lang) -> Result<Element, JsValue> {
    let section = element(document, "section", None)?;
    section.set_id("refused-sites");
    dom::append(&section, "h2", Some(t::REFUSED_SITES.get(lang)))?;
    dom::append(&section, "p", Some(t::REFUSED_SITES_INTRO.get(lang)))?;
    let sites = match browser::send_message::<_, Reply>(&Request::RefusedSites).await {
        Ok(Reply::RefusedSites { sites }) => sites,
        // An unreadable list must not pass for an empty one: say so, and show no list.
        failure => {
            let detail = match failure {
                Ok(Reply::Error { message }) => message,
                Err(error) => browser::error_text(&error),
                Ok(_) => String::new(),
            };
            section.set_attribute("data-state", "error")?;
            let text = format!("{}{detail}", t::REFUSED_SITES_UNREADABLE.get(lang));
            dom::append(&section, "p", Some(&text))?;
            return Ok(section);
        }
    };
    section.set_attribute("data-count", &sites.len().to_string())?;
    let none = dom::append(&section, "p", Some(t::REFUSED_SITES_NONE.get(lang)))?;
    none.set_id("refused-sites-none");
    let list = dom::append(&section, "ul", None)?;
    for site in &sites {
        let line = format!(
            "{}{}{} ",
            site.host,
            t::REFUSED_SITE_LOOKED_LIKE.get(lang),
            site.site
        );
        let entry = dom::append(&list, "li", Some(&line))?;
        entry.set_attribute("data-host", &site.host)?;
        let forget = dom::append(&entry, "button", Some(t::FORGET_REFUSAL.get(lang)))?;
        forget.set_attribute("type", "button")?;
        forget.set_attribute("data-forget", &site.host)?;
        let host = site.host.clone();
        let (section, entry, none) = (section.clone(), entry.clone(), none.clone());
        gloo_events::EventListener::new(&forget, "click", move |event| {
            if !event.is_trusted() {
                return;
            }
            let (host, section, entry, none) =
                (host.clone(), section.clone(), entry.clone(), none.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let reply =
                    browser::send_message::<_, Reply>(&Request::ForgetRefusedSite { host }).await;
                let failure = match reply {
                    Ok(Reply::Done) => None,
                    Ok(Reply::Error { message }) => Some(message),
                    Ok(_) => Some(String::new()),
                    Err(error) => Some(browser::error_text(&error)),
                };
                if let Some(message) = failure {
                    let _ = entry.set_attribute("data-state", "error");
                    let text = format!("{}{message}", t::FORGET_REFUSAL_FAILED.get(lang));
                    let _ = dom::append(&entry, "span", Some(&text));
                    return;
                }
                entry.remove();
                let left = dom::query_all(&section, "li[data-host]").len();
                let _ = section.set_attribute("data-count", &left.to_string());
                show_none(&none, left);
            });
        })
        .forget();
    }
    show_none(&none, sites.len());
    Ok(section)
}

/// Shows the "no refused site" line only when the list is empty.
fn show_none(none: &Element, count: usize) {
    if count == 0 {
        let _ = none.remove_attribute("hidden");
    } else {
        let _ = none.set_attribute("hidden", "");
    }
}
