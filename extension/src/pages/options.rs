//! The extension's two settings pages, one form: the options page (language, role,
//! identity, companion address, extra sites, the extension's status, and the refused
//! look-alike sites) and the welcome
//! page opened at install (role, identity, companion address and pairing, and what is left
//! to do before reports reach the manager).

use balise_core::i18n::Lang;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

use crate::browser;
use crate::dom::{self, element};
use crate::messages::{Reply, Request};
use crate::settings::{self, Role, Settings};
use crate::ui_text::{self as t, UiText};

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
async fn refresh(document: &Document, lang: Lang) -> Result<(), JsValue> {
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

/// Where the person stands, as the welcome page shows it.
struct Progress<'a> {
    identity_missing: bool,
    paired: bool,
    companion_url: &'a str,
    pairing_code: Option<&'a str>,
    reports_waiting: usize,
}

/// The welcome page's summary: one line per step (done or to do) and whether Balise is
/// ready. Its elements are filled by [`show_progress`].
fn progress_section(document: &Document, lang: Lang) -> Result<Element, JsValue> {
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
fn show_progress(document: &Document, lang: Lang, progress: &Progress) -> Result<(), JsValue> {
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

fn labelled_field(
    document: &Document,
    form: &Element,
    label: UiText,
    lang: Lang,
    field: &Element,
) -> Result<(), JsValue> {
    let wrapper = element(document, "label", None)?;
    dom::append(&wrapper, "span", Some(label.get(lang)))?;
    wrapper.append_child(field)?;
    form.append_child(&wrapper)?;
    Ok(())
}

fn select(
    document: &Document,
    id: &str,
    choices: &[(&str, UiText)],
    selected: &str,
    lang: Lang,
) -> Result<Element, JsValue> {
    let select = element(document, "select", None)?;
    select.set_id(id);
    for (value, text) in choices {
        let option = element(document, "option", Some(text.get(lang)))?;
        option.set_attribute("value", value)?;
        if *value == selected {
            option.set_attribute("selected", "")?;
        }
        select.append_child(&option)?;
    }
    Ok(select)
}

fn input(document: &Document, id: &str, kind: &str, value: &str) -> Result<Element, JsValue> {
    let input: HtmlInputElement = element(document, "input", None)?.dyn_into()?;
    input.set_id(id);
    input.set_type(kind);
    input.set_value(value);
    Ok(input.into())
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

/// The pairing: where it stands, and the button that asks the companion in the form.
fn pairing_section(document: &Document, lang: Lang, page: Page) -> Result<Element, JsValue> {
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
fn companion_change_section(document: &Document, lang: Lang) -> Result<Element, JsValue> {
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
fn show_companion_change(
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

/// The settings form: every setting on the options page, the role, name, email and
/// companion address on the welcome page.
fn settings_form(
    document: &Document,
    settings: &Settings,
    lang: Lang,
    page: Page,
) -> Result<Element, JsValue> {
    let form = element(document, "form", None)?;
    form.set_id("settings");
    if page.all_settings() {
        let language = match settings.language {
            None => "auto",
            Some(lang) => lang.code(),
        };
        let language_select = select(
            document,
            "language",
            &[
                ("auto", t::LANGUAGE_AUTO),
                (
                    "fr",
                    UiText {
                        fr: "Français",
                        en: "Français",
                    },
                ),
                (
                    "en",
                    UiText {
                        fr: "English",
                        en: "English",
                    },
                ),
            ],
            language,
            lang,
        )?;
        labelled_field(document, &form, t::LANGUAGE, lang, &language_select)?;
    }
    let role = match settings.role {
        Role::Member => "member",
        Role::Manager => "manager",
    };
    let role_select = select(
        document,
        "role",
        &[("member", t::ROLE_MEMBER), ("manager", t::ROLE_MANAGER)],
        role,
        lang,
    )?;
    labelled_field(document, &form, t::ROLE, lang, &role_select)?;
    let name = input(document, "reporter-name", "text", &settings.reporter_name)?;
    name.set_attribute("autocomplete", "name")?;
    labelled_field(document, &form, t::REPORTER_NAME, lang, &name)?;
    let email = input(
        document,
        "reporter-email",
        "email",
        &settings.reporter_email,
    )?;
    email.set_attribute("autocomplete", "email")?;
    labelled_field(document, &form, t::REPORTER_EMAIL, lang, &email)?;
    let url = input(document, "companion-url", "url", &settings.companion_url)?;
    labelled_field(document, &form, t::COMPANION_URL, lang, &url)?;
    if page.all_settings() {
        let sites: HtmlTextAreaElement = element(document, "textarea", None)?.dyn_into()?;
        sites.set_id("extra-sites");
        sites.set_rows(4);
        sites.set_attribute("spellcheck", "false")?;
        sites.set_attribute("autocapitalize", "off")?;
        sites.set_attribute("placeholder", "forum.example.org")?;
        sites.set_value(&settings.extra_sites.join("\n"));
        labelled_field(document, &form, t::EXTRA_SITES, lang, &sites)?;
    }

    let save = element(document, "button", Some(t::SAVE.get(lang)))?;
    save.set_attribute("type", "submit")?;
    form.append_child(&save)?;
    let saved = element(document, "p", None)?;
    saved.set_id("save-status");
    saved.set_attribute("role", "status")?;
    form.append_child(&saved)?;

    let document = document.clone();
    dom::on_submit(&form, move || {
        let document = document.clone();
        async move {
            let outcome = save_form(&document, lang).await;
            // The page shows what the save changed (the welcome page's summary, the
            // pairing) before it says "saved".
            let _ = refresh(&document, lang).await;
            if let Some(status) = document.get_element_by_id("save-status") {
                let (state, text) = match outcome {
                    Ok(()) => ("saved", t::SAVED.get(lang).to_owned()),
                    Err(error) => (
                        "error",
                        format!(
                            "{}{}",
                            t::SAVE_FAILED.get(lang),
                            error.as_string().unwrap_or_default()
                        ),
                    ),
                };
                status.set_text_content(Some(&text));
                let _ = status.set_attribute("data-state", state);
            }
        }
    });
    Ok(form)
}

fn field_value(document: &Document, id: &str) -> Result<String, JsValue> {
    let element = document
        .get_element_by_id(id)
        .ok_or_else(|| JsValue::from_str(&format!("missing field #{id}")))?;
    if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
        return Ok(select.value());
    }
    if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
        return Ok(area.value());
    }
    Ok(element.dyn_into::<HtmlInputElement>()?.value())
}

/// The extra sites typed one per line, checked and normalized; blank lines are skipped and
/// duplicates dropped. The error names the first wrong line and says what to type instead.
fn parse_extra_sites(text: &str, lang: Lang) -> Result<Vec<String>, String> {
    let mut sites: Vec<String> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match balise_core::sites::parse_site_pattern(line) {
            Ok(site) if sites.contains(&site) => {}
            Ok(site) => sites.push(site),
            Err(error) => {
                return Err(format!(
                    "{}{}{}{}",
                    t::EXTRA_SITES_LINE.get(lang),
                    index + 1,
                    t::COLON.get(lang),
                    error.message(line.trim()).get(lang)
                ));
            }
        }
    }
    Ok(sites)
}

/// Saves what the form shows over the saved settings (the welcome page's form has only
/// some of them).
async fn save_form(document: &Document, lang: Lang) -> Result<(), JsValue> {
    let mut settings = settings::load().await;
    if document.get_element_by_id("extra-sites").is_some() {
        settings.extra_sites = parse_extra_sites(&field_value(document, "extra-sites")?, lang)
            .map_err(|message| JsValue::from_str(&message))?;
    }
    if document.get_element_by_id("language").is_some() {
        settings.language = match field_value(document, "language")?.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        };
    }
    settings.role = match field_value(document, "role")?.as_str() {
        "manager" => Role::Manager,
        _ => Role::Member,
    };
    settings.reporter_name = field_value(document, "reporter-name")?.trim().to_owned();
    let email = field_value(document, "reporter-email")?.trim().to_owned();
    if !email.is_empty() && !balise_core::validate::is_email(&email) {
        return Err(JsValue::from_str(&format!(
            "{}{email}",
            t::EMAIL_INVALID.get(lang)
        )));
    }
    settings.reporter_email = email;
    settings.companion_url = field_value(document, "companion-url")?.trim().to_owned();
    settings::save(&settings).await?;
    // The content script follows the enabled sites before the page says "saved".
    match browser::send_message::<_, Reply>(&Request::SyncSites).await {
        Ok(Reply::Done) => {}
        Ok(Reply::Error { message }) => return Err(JsValue::from_str(&message)),
        Ok(_) => {}
        Err(error) => return Err(error),
    }
    // Reports waiting for an identity can go now.
    let _ = browser::send_message::<_, Reply>(&Request::Flush).await;
    Ok(())
}

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
