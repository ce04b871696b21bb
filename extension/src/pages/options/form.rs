//! The settings form: its fields, the extra sites' reading, and the save.

use balise_core::i18n::Lang;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

use super::{Page, refresh};
use crate::browser;
use crate::dom::{self, element};
use crate::messages::{Reply, Request};
use crate::settings::{self, Role, Settings};
use crate::ui_text::{self as t, UiText};

/// Appends `field` to `form` under its label.
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

/// A `<select>` with one option per choice, `selected` chosen.
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

/// An `<input>` of type `kind` holding `value`.
fn input(document: &Document, id: &str, kind: &str, value: &str) -> Result<Element, JsValue> {
    let input: HtmlInputElement = element(document, "input", None)?.dyn_into()?;
    input.set_id(id);
    input.set_type(kind);
    input.set_value(value);
    Ok(input.into())
}

/// The settings form: every setting on the options page, the role, name, email and
/// companion address on the welcome page.
pub(super) fn settings_form(
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

/// The value of the form's field `id` (a select, a text area or an input).
pub(super) fn field_value(document: &Document, id: &str) -> Result<String, JsValue> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_sites_are_normalized_without_blank_lines_or_duplicates() {
        let text = "Forum.Example.org\n\n  *.exemple.qc.ca  \nforum.example.org.\n";
        assert_eq!(
            parse_extra_sites(text, Lang::Fr),
            Ok(vec![
                "forum.example.org".to_owned(),
                "*.exemple.qc.ca".to_owned()
            ])
        );
    }

    #[test]
    fn a_wrong_line_is_named_in_the_interface_language() {
        let text = "forum.example.org\nhttps://forum.example.org/path";
        let french = parse_extra_sites(text, Lang::Fr).expect_err("an address is not a site");
        assert!(french.starts_with("Ligne 2 : "), "{french}");
        let english = parse_extra_sites(text, Lang::En).expect_err("an address is not a site");
        assert!(english.starts_with("Line 2: "), "{english}");
        assert!(parse_extra_sites("*.com", Lang::En).is_err());
    }
}
