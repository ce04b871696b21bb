//! The dashboard's *Vérifier un texte / Check a text* page: `GET /check` is a form with a
//! text box, `POST /check` checks the text against the policy in force with the same
//! check as `balise-companion check` ([`crate::check::check_text`]) and shows its
//! checklist: each item's state, its findings with their excerpt and place, and the
//! required items that fail. Nothing is stored.

use std::fmt::Write;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use balise_core::analysis::{ItemStateKind, Severity};
use balise_core::checklist::{ChecklistView, state_label};
use serde::Deserialize;

use super::{PageForm, page_form};
use crate::check::{Checked, check_text};
use crate::error::Result;
use crate::html::{Nav, bi, escape, page, pick};
use crate::lang::Lang;
use crate::state::AppState;

/// Longest text checked (characters): a long newsletter fits many times over.
pub const MAX_TEXT_CHARS: usize = 100_000;

/// The form of `POST /check`.
#[derive(Debug, Default, Deserialize)]
pub struct CheckForm {
    /// CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The text to check.
    #[serde(default)]
    pub text: String,
}

impl PageForm for CheckForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `GET /check`: the empty form.
pub async fn show(State(state): State<AppState>) -> Response {
    render(&state, "", None, None)
}

/// `POST /check` (`csrf`, `text`): the form again with the text's checklist, or with what
/// to fix (422) when the text is empty or too long.
pub async fn check(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: std::result::Result<Form<CheckForm>, FormRejection>,
) -> Result<Response> {
    let form = page_form(&state, &headers, form)?;
    let text = form.text.replace("\r\n", "\n");
    let problem = if text.trim().is_empty() {
        Some(pick(
            "Collez le texte à vérifier.",
            "Paste the text to check.",
        ))
    } else if text.chars().count() > MAX_TEXT_CHARS {
        Some(pick(
            "Le texte dépasse 100 000 caractères : vérifiez-le en plusieurs parties.",
            "The text exceeds 100,000 characters: check it in several parts.",
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        let mut response = render(&state, &text, None, Some(problem));
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let checked = check_text(state.policy(), &text);
    Ok(render(&state, &text, Some(&checked), None))
}

/// The page's language, for the checklist's words.
fn core_lang() -> balise_core::i18n::Lang {
    match crate::lang::current() {
        Lang::Fr => balise_core::i18n::Lang::Fr,
        Lang::En => balise_core::i18n::Lang::En,
    }
}

fn render(
    state: &AppState,
    text: &str,
    checked: Option<&Checked>,
    problem: Option<&str>,
) -> Response {
    let mut html = String::new();
    let _ = write!(
        html,
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        bi("Vérifier un texte", "Check a text"),
        bi(
            "Collez un texte (infolettre, communiqué, courriel aux membres) : Balise le vérifie avec la liste de la politique en vigueur, comme à côté des zones de rédaction. Le texte n'est pas enregistré.",
            "Paste a text (newsletter, press release, email to members): Balise checks it against the checklist of the policy in force, as beside compose boxes. The text is not stored."
        ),
    );
    if let Some(problem) = problem {
        let _ = write!(
            html,
            "<p class=\"notice bad\" role=\"alert\" data-problem>{}</p>",
            escape(problem)
        );
    }
    let _ = write!(
        html,
        "<form class=\"stack\" method=\"post\" action=\"/check\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"text\">{label}</label>\
         <textarea id=\"text\" name=\"text\" rows=\"12\" required>{text}</textarea>\
         <div><button class=\"approve\" type=\"submit\">{submit}</button></div></form>",
        csrf = escape(state.csrf()),
        label = bi("Texte à vérifier", "Text to check"),
        // A newline right after <textarea> is dropped by the parser: keep the text's own.
        text = textarea_value(text),
        submit = bi("Vérifier", "Check"),
    );
    if let Some(checked) = checked {
        html.push_str(&results(
            &checked.view(state.policy(), core_lang()),
            checked,
        ));
    }
    page(pick("Vérifier un texte", "Check a text"), Nav::Check, &html)
}

/// `text` escaped for a textarea, a leading newline kept.
fn textarea_value(text: &str) -> String {
    let escaped = escape(text);
    if text.starts_with('\n') {
        format!("\n{escaped}")
    } else {
        escaped
    }
}

fn state_class(state: ItemStateKind) -> &'static str {
    match state {
        ItemStateKind::Ok => "status-ok",
        ItemStateKind::Warn | ItemStateKind::Todo => "status-warn",
        ItemStateKind::Fail => "status-bad",
    }
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// The checklist of a checked text: a summary, then each item with its findings.
fn results(view: &ChecklistView, checked: &Checked) -> String {
    let lang = core_lang();
    let mut html = String::new();
    let failing: Vec<_> = view
        .items
        .iter()
        .filter(|item| item.required && item.state == ItemStateKind::Fail)
        .collect();
    let (class, summary) = if failing.is_empty() {
        (
            "notice",
            bi(
                "Aucun point obligatoire n'est non conforme.",
                "No required item fails.",
            ),
        )
    } else {
        (
            "notice bad",
            match crate::lang::current() {
                Lang::Fr => escape(&format!(
                    "{} point(s) obligatoire(s) non conforme(s) :",
                    failing.len()
                )),
                Lang::En => escape(&format!("{} required item(s) failing:", failing.len())),
            },
        )
    };
    let _ = write!(
        html,
        "<h2 id=\"results\">{title} <span class=\"badge\" data-badge>{badge}</span></h2>\
         <div class=\"{class}\" data-required-failing=\"{count}\" data-required-remaining=\"{remaining}\">{summary}",
        title = escape(&view.title),
        badge = escape(&view.badge),
        count = checked.required_failing,
        remaining = view.remaining,
    );
    if !failing.is_empty() {
        html.push_str("<ul>");
        for item in &failing {
            let _ = write!(
                html,
                "<li data-failing-item=\"{}\">{}</li>",
                escape(&item.id),
                escape(&item.label)
            );
        }
        html.push_str("</ul>");
    }
    html.push_str("</div><ol class=\"checked-items\">");
    for item in &view.items {
        let required = if item.required {
            format!(
                " <span class=\"badge\">{}</span>",
                bi("obligatoire", "required")
            )
        } else {
            String::new()
        };
        let _ = write!(
            html,
            "<li data-item-id=\"{id}\" data-state=\"{state}\"><strong class=\"{class}\">{state_name}</strong> · {label}{required}",
            id = escape(&item.id),
            state = state_wire(item.state),
            class = state_class(item.state),
            state_name = escape(state_label(item.state, lang)),
            label = escape(&item.label),
        );
        if !item.findings.is_empty() {
            html.push_str("<ul class=\"findings\">");
            for finding in &item.findings {
                let excerpt = if finding.excerpt.is_empty() {
                    String::new()
                } else {
                    format!(
                        "<q data-excerpt>{}</q>{}{}",
                        escape(&finding.excerpt),
                        finding
                            .place
                            .as_deref()
                            .map(|place| format!(
                                " <span class=\"small\">({})</span>",
                                escape(place)
                            ))
                            .unwrap_or_default(),
                        pick(" : ", ": ")
                    )
                };
                let _ = write!(
                    html,
                    "<li data-severity=\"{severity}\">{excerpt}{message}</li>",
                    severity = severity_name(finding.severity),
                    message = escape(&finding.message),
                );
            }
            html.push_str("</ul>");
        }
        html.push_str("</li>");
    }
    html.push_str("</ol>");
    html
}

/// A state's wire name (`data-state`), as the extension's panel writes it.
fn state_wire(state: ItemStateKind) -> &'static str {
    match state {
        ItemStateKind::Ok => "ok",
        ItemStateKind::Warn => "warn",
        ItemStateKind::Fail => "fail",
        ItemStateKind::Todo => "todo",
    }
}
