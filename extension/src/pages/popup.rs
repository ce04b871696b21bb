//! The toolbar popup: opening it (toolbar button or keyboard shortcut) reports the active tab
//! at once; then it offers to add a category and a note, and lists the reports that wait.
//! On a tab the look-alike detector marked, it asks first whether to use the checklist on
//! that host, and reports only from its own "report this page" button.

use balise_core::i18n::Lang;
use balise_core::report::ReportCategory;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::browser;
use crate::dom::{self, element};
use crate::messages::{Reply, Request};
use crate::settings::{self, RecentReport};
use crate::ui_text::{self as t};
use crate::worker::outbox::{EntryState, FlushOutcome, OutboxItem};

/// Reports the active tab, then renders the confirmation and the outbox.
pub async fn start() -> Result<(), JsValue> {
    let settings = settings::load().await;
    let lang = t::resolve_language(settings.language, browser::browser_language().as_deref());
    let document = browser::document()?;
    if let Some(root) = document.document_element() {
        root.set_attribute("lang", lang.code())?;
    }
    let app = document
        .get_element_by_id("app")
        .ok_or_else(|| JsValue::from_str("popup has no #app element"))?;
    app.set_inner_html("");
    let status = element(&document, "p", Some(t::REPORT_SENDING.get(lang)))?;
    status.set_id("report-status");
    status.set_attribute("role", "status")?;
    status.set_attribute("data-state", "sending")?;
    app.append_child(&status)?;

    let tab = named_tab();
    let lookalike =
        match browser::send_message::<_, Reply>(&Request::ActiveTabLookalike { tab }).await {
            Ok(Reply::Lookalike {
                host: Some(host),
                site,
            }) => Some((host, site.unwrap_or_default())),
            _ => None,
        };
    let report_id = match lookalike {
        // A marked look-alike: the question first; the page is reported only on request.
        Some((host, site)) => {
            status.set_text_content(Some(t::REPORT_NOT_YET.get(lang)));
            status.set_attribute("data-state", "not-reported")?;
            render_lookalike_question(&document, &app, &host, &site, tab, lang)?;
            None
        }
        None => report_active_tab(&status, lang).await?,
    };
    let Ok(status) = browser::send_message::<_, Reply>(&Request::GetStatus).await else {
        return Ok(());
    };
    if let Reply::Status {
        companion_change: Some(change),
        ..
    } = &status
    {
        render_companion_change(&document, &app, &change.proposed, lang)?;
    }
    if let Reply::Status {
        identity_missing,
        paired,
        ..
    } = &status
    {
        let label = if *identity_missing {
            Some(t::OPEN_WELCOME_IDENTITY)
        } else if !*paired {
            Some(t::OPEN_WELCOME_PAIRING)
        } else {
            None
        };
        if let Some(label) = label {
            render_welcome_button(&document, &app, label, lang)?;
        }
    }
    if let Reply::Status { recent, .. } = &status
        && !recent.is_empty()
    {
        render_details_form(&document, &app, report_id.as_deref(), recent, lang)?;
    }
    render_outbox(&document, &app, status, lang)
}

/// The tab named in the popup's address (`popup.html?tab=ID`), when it is opened as a page
/// rather than from the toolbar (the Firefox tests): the look-alike question is about that
/// tab, not the active one, which is the popup's own.
fn named_tab() -> Option<i32> {
    let search = web_sys::window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("tab="))
        .and_then(|id| id.parse().ok())
}

/// Reports the active tab and shows where the report stands in `status`; returns its id.
async fn report_active_tab(status: &Element, lang: Lang) -> Result<Option<String>, JsValue> {
    status.set_text_content(Some(t::REPORT_SENDING.get(lang)));
    status.set_attribute("data-state", "sending")?;
    let reply = browser::send_message::<_, Reply>(&Request::ReportActiveTab).await;
    Ok(match reply {
        Ok(Reply::Reported(receipt)) => {
            let (state, text) = match receipt.delivery {
                _ if receipt.stored => ("stored", t::REPORT_STORED),
                _ if receipt.identity_missing => ("waiting", t::REPORT_WAITING_IDENTITY),
                Some(FlushOutcome::NotPaired { .. }) => ("waiting", t::REPORT_WAITING_PAIRING),
                _ => ("waiting", t::REPORT_WAITING_COMPANION),
            };
            status.set_text_content(Some(text.get(lang)));
            status.set_attribute("data-state", state)?;
            status.set_attribute("data-report-id", &receipt.id)?;
            Some(receipt.id)
        }
        Ok(Reply::Error { message }) => {
            status.set_text_content(Some(&format!("{}{message}", t::REPORT_FAILED.get(lang))));
            status.set_attribute("data-state", "error")?;
            None
        }
        Ok(_) | Err(_) => {
            status.set_text_content(Some(t::REPORT_FAILED.get(lang)));
            status.set_attribute("data-state", "error")?;
            None
        }
    })
}

/// On a marked look-alike tab: "This page looks like a Mastodon instance: use the
/// checklist here?" with Yes (the host becomes an enabled site, the content script starts
/// in the tab) and No (the host is remembered as refused: no mark, no question until the
/// options forget it), and a separate button that reports the page. `tab` is the tab
/// named in the popup's address, if any.
fn render_lookalike_question(
    document: &Document,
    app: &Element,
    host: &str,
    site: &str,
    tab: Option<i32>,
    lang: Lang,
) -> Result<(), JsValue> {
    let section = element(document, "section", None)?;
    section.set_id("lookalike");
    section.set_attribute("data-state", "asked")?;
    section.set_attribute("data-host", host)?;
    let question = if site == "Mastodon" {
        t::LOOKALIKE_QUESTION.get(lang).to_owned()
    } else {
        format!("{}({site})", t::LOOKALIKE_QUESTION_OTHER.get(lang))
    };
    let text = element(document, "p", Some(&question))?;
    section.append_child(&text)?;
    dom::append(&section, "p", Some(host))?;
    let yes = element(document, "button", Some(t::LOOKALIKE_YES.get(lang)))?;
    yes.set_id("lookalike-yes");
    yes.set_attribute("type", "button")?;
    section.append_child(&yes)?;
    let no = element(document, "button", Some(t::LOOKALIKE_NO.get(lang)))?;
    no.set_id("lookalike-no");
    no.set_attribute("type", "button")?;
    section.append_child(&no)?;
    let report = element(document, "button", Some(t::REPORT_THIS_PAGE.get(lang)))?;
    report.set_id("report-this-page");
    report.set_attribute("type", "button")?;
    section.append_child(&report)?;
    app.append_child(&section)?;

    on_answer(
        &yes,
        &section,
        move || Request::EnableActiveTabSite { tab },
        ("enabled", t::LOOKALIKE_ENABLED),
        t::LOOKALIKE_FAILED,
        lang,
        false,
    );
    // A toolbar popup has done its work once "no" is kept; a popup opened as a page stays.
    on_answer(
        &no,
        &section,
        move || Request::DeclineActiveTabSite { tab },
        ("declined", t::LOOKALIKE_DECLINED),
        t::LOOKALIKE_DECLINE_FAILED,
        lang,
        tab.is_none(),
    );
    let document = document.clone();
    gloo_events::EventListener::new(&report, "click", move |event| {
        if !event.is_trusted() {
            return;
        }
        let document = document.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(status) = document.get_element_by_id("report-status") {
                let _ = report_active_tab(&status, lang).await;
            }
        });
    })
    .forget();
    Ok(())
}

/// On a trusted click of `button`, sends the look-alike answer `request()` to the worker
/// and shows in `section` its outcome: `done` (state and text) when it was done, else
/// `failed` with the reason. Closes the popup once done when `close_when_done`.
fn on_answer(
    button: &Element,
    section: &Element,
    request: impl Fn() -> Request + 'static,
    done: (&'static str, t::UiText),
    failed: t::UiText,
    lang: Lang,
    close_when_done: bool,
) {
    let section = section.clone();
    gloo_events::EventListener::new(button, "click", move |event| {
        if !event.is_trusted() {
            return;
        }
        let (section, request) = (section.clone(), request());
        wasm_bindgen_futures::spawn_local(async move {
            let (state, text) = match browser::send_message::<_, Reply>(&request).await {
                Ok(Reply::Done) => (done.0, done.1.get(lang).to_owned()),
                Ok(Reply::Error { message }) => ("error", format!("{}{message}", failed.get(lang))),
                Ok(_) => ("error", failed.get(lang).to_owned()),
                Err(error) => (
                    "error",
                    format!("{}{}", failed.get(lang), browser::error_text(&error)),
                ),
            };
            let _ = section.set_attribute("data-state", state);
            if let Some(first) = section.first_element_child() {
                first.set_text_content(Some(&text));
            }
            if close_when_done
                && state == done.0
                && let Some(window) = web_sys::window()
            {
                let _ = window.close();
            }
        });
    })
    .forget();
}

/// A change of companion proposed by another companion's pairing page waits for the
/// person's confirmation in the options: say so, with a button to them.
fn render_companion_change(
    document: &Document,
    app: &Element,
    proposed: &str,
    lang: Lang,
) -> Result<(), JsValue> {
    let section = element(document, "section", None)?;
    section.set_id("companion-change");
    section.set_attribute("role", "alert")?;
    let text = format!("{}{proposed}", t::COMPANION_CHANGE_WAITING.get(lang));
    dom::append(&section, "p", Some(&text))?;
    let button = element(document, "button", Some(t::OPEN_OPTIONS.get(lang)))?;
    button.set_id("open-options");
    button.set_attribute("type", "button")?;
    section.append_child(&button)?;
    app.append_child(&section)?;
    gloo_events::EventListener::new(&button, "click", move |event| {
        if !event.is_trusted() {
            return;
        }
        if let Err(error) = browser::open_options_page() {
            web_sys::console::warn_2(&JsValue::from_str("Balise: options page:"), &error);
        }
    })
    .forget();
    Ok(())
}

/// The button that leads to the welcome page, where the name, email and pairing that
/// reports wait for are filled in (the service worker opens it, or brings it forward).
fn render_welcome_button(
    document: &Document,
    app: &Element,
    label: t::UiText,
    lang: Lang,
) -> Result<(), JsValue> {
    let button = element(document, "button", Some(label.get(lang)))?;
    button.set_id("open-welcome");
    button.set_attribute("type", "button")?;
    app.append_child(&button)?;
    let document = document.clone();
    gloo_events::EventListener::new(&button, "click", move |event| {
        if !event.is_trusted() {
            return;
        }
        let document = document.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let reply = browser::send_message::<_, Reply>(&Request::OpenWelcome).await;
            let Some(button) = document.get_element_by_id("open-welcome") else {
                return;
            };
            let failure = match reply {
                Ok(Reply::Done) => {
                    let _ = button.set_attribute("data-state", "opened");
                    return;
                }
                Ok(Reply::Error { message }) => message,
                Ok(_) => String::new(),
                Err(error) => browser::error_text(&error),
            };
            let _ = button.set_attribute("data-state", "error");
            if let Some(status) = document.get_element_by_id("report-status") {
                status.set_text_content(Some(&format!(
                    "{}{failure}",
                    t::OPEN_WELCOME_FAILED.get(lang)
                )));
            }
        });
    })
    .forget();
    Ok(())
}

/// The form that adds a category and a note to the report just made, or to a recent one.
fn render_details_form(
    document: &Document,
    app: &Element,
    just_made: Option<&str>,
    recent: &[RecentReport],
    lang: Lang,
) -> Result<(), JsValue> {
    let form = element(document, "form", None)?;
    form.set_id("details");
    let choice = element(document, "select", None)?;
    choice.set_id("report-choice");
    choice.set_attribute("aria-label", t::REPORT_CHOICE.get(lang))?;
    for report in recent {
        let title = if report.page_title.is_empty() {
            &report.page_url
        } else {
            &report.page_title
        };
        let label = format!("{} — {title}", report.created_at);
        let option = element(document, "option", Some(&label))?;
        option.set_attribute("value", &report.id)?;
        if just_made == Some(report.id.as_str()) {
            option.set_attribute("selected", "")?;
        }
        choice.append_child(&option)?;
    }
    form.append_child(&choice)?;
    let category = element(document, "select", None)?;
    category.set_id("category");
    category.set_attribute("aria-label", t::CATEGORY.get(lang))?;
    let none = element(document, "option", Some(t::CATEGORY_NONE.get(lang)))?;
    none.set_attribute("value", "")?;
    category.append_child(&none)?;
    for choice in ReportCategory::ALL {
        let option = element(document, "option", Some(choice.label().get(lang)))?;
        option.set_attribute("value", choice.as_str())?;
        category.append_child(&option)?;
    }
    form.append_child(&category)?;
    let note = element(document, "textarea", None)?;
    note.set_id("note");
    note.set_attribute("aria-label", t::NOTE.get(lang))?;
    note.set_attribute("placeholder", t::NOTE.get(lang))?;
    note.set_attribute("maxlength", "5000")?;
    form.append_child(&note)?;
    let save = element(document, "button", Some(t::ADD_DETAILS.get(lang)))?;
    save.set_attribute("type", "submit")?;
    form.append_child(&save)?;
    app.append_child(&form)?;

    let document = document.clone();
    dom::on_submit(&form, move || {
        let document = document.clone();
        async move {
            let Some(id) = document
                .get_element_by_id("report-choice")
                .and_then(|select| select.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .map(|select| select.value())
            else {
                return;
            };
            let category = document
                .get_element_by_id("category")
                .and_then(|select| select.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .map(|select| select.value())
                .and_then(|value| {
                    ReportCategory::ALL
                        .into_iter()
                        .find(|choice| choice.as_str() == value)
                });
            let note = document
                .get_element_by_id("note")
                .and_then(|area| area.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
                .map(|area| area.value());
            let reply =
                browser::send_message::<_, Reply>(&Request::Annotate { id, category, note }).await;
            if let Some(status) = document.get_element_by_id("report-status") {
                let text = match reply {
                    Ok(Reply::Done) => t::DETAILS_SAVED.get(lang).to_owned(),
                    Ok(Reply::Error { message }) => {
                        format!("{}{message}", t::REPORT_FAILED.get(lang))
                    }
                    _ => t::REPORT_FAILED.get(lang).to_owned(),
                };
                status.set_text_content(Some(&text));
            }
        }
    });
    Ok(())
}

fn render_outbox(
    document: &Document,
    app: &Element,
    status: Reply,
    lang: Lang,
) -> Result<(), JsValue> {
    let Reply::Status {
        paired,
        outbox,
        attestations,
        identity_missing,
        ..
    } = status
    else {
        return Ok(());
    };
    let section = element(document, "section", None)?;
    section.set_id("outbox");
    section.set_attribute("data-count", &outbox.len().to_string())?;
    dom::append(&section, "h2", Some(t::OUTBOX.get(lang)))?;
    if !paired {
        dom::append(&section, "p", Some(t::NOT_PAIRED.get(lang)))?;
    }
    if identity_missing {
        dom::append(&section, "p", Some(t::IDENTITY_MISSING.get(lang)))?;
    }
    if outbox.is_empty() {
        dom::append(&section, "p", Some(t::OUTBOX_EMPTY.get(lang)))?;
    } else {
        let list = element(document, "ul", None)?;
        for item in &outbox {
            let title = if item.page_title.is_empty() {
                &item.page_url
            } else {
                &item.page_title
            };
            let state = match item.state {
                EntryState::Waiting => t::STATE_WAITING.get(lang),
                EntryState::Rejected => t::STATE_REJECTED.get(lang),
            };
            let mut line = format!("{} — {title} — {state}", item.created_at);
            if let Some(error) = &item.last_error {
                line.push_str(&format!(" ({error})"));
            }
            let entry = element(document, "li", Some(&line))?;
            entry.set_attribute("data-report-id", &item.id)?;
            list.append_child(&entry)?;
        }
        section.append_child(&list)?;
    }
    render_attestations(document, &section, &attestations, lang)?;
    app.append_child(&section)?;
    Ok(())
}

/// One line with the number of attestations that wait, and those the companion refused,
/// with its reason.
fn render_attestations(
    document: &Document,
    section: &Element,
    attestations: &[OutboxItem],
    lang: Lang,
) -> Result<(), JsValue> {
    let line = element(
        document,
        "p",
        Some(&format!(
            "{}{}",
            t::ATTESTATIONS_WAITING.get(lang),
            attestations.len()
        )),
    )?;
    line.set_id("attestations");
    line.set_attribute("data-count", &attestations.len().to_string())?;
    section.append_child(&line)?;
    let refused: Vec<&OutboxItem> = attestations
        .iter()
        .filter(|item| item.state == EntryState::Rejected)
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    let list = element(document, "ul", None)?;
    list.set_id("attestations-refused");
    for item in refused {
        let mut text = format!(
            "{} — {} — {}",
            item.created_at,
            item.page_title,
            t::ATTESTATION_REJECTED.get(lang)
        );
        if let Some(error) = &item.last_error {
            text.push_str(&format!(" ({error})"));
        }
        let entry = element(document, "li", Some(&text))?;
        entry.set_attribute("data-attestation-id", &item.id)?;
        list.append_child(&entry)?;
    }
    section.append_child(&list)?;
    Ok(())
}
