//! The dashboard's settings page: the SMTP server, the addresses and the role, saved to
//! `balise.toml` (mode 0600, since the server's URL may hold a password), a button that
//! sends a test email and says what the server answered, and the privacy setting (how long
//! reports keep their content: `[privacy] retention_days`).

use std::fmt::Write;
use std::path::Path;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use lettre::message::Mailbox;
use serde::Deserialize;

use super::{PageForm, page_form};
use crate::error::{Error, Result};
use crate::html::{Nav, bi, escape, one_language, page, pick};
use crate::mail::config::{MailSettings, Problem, Role, SmtpUrl, Source};
use crate::settings::{SETTINGS_FILE, Settings};
use crate::state::AppState;

/// Query of `GET /settings`.
#[derive(Debug, Deserialize)]
pub struct SettingsQuery {
    /// `saved` after a save.
    pub done: Option<String>,
}

/// `GET /settings`
pub async fn show(
    State(state): State<AppState>,
    query: Result<Query<SettingsQuery>, QueryRejection>,
) -> Result<Response> {
    let done = query.ok().and_then(|Query(q)| q.done);
    let notice = match done.as_deref() {
        Some("saved") => Some((
            true,
            pick(
                "Réglages enregistrés dans balise.toml.",
                "Settings saved to balise.toml.",
            )
            .to_owned(),
        )),
        Some("privacy-saved") => Some((
            true,
            pick(
                "Délai de conservation enregistré dans balise.toml; il s'applique au prochain démarrage puis chaque jour.",
                "Retention period saved to balise.toml; it applies at the next start, then daily.",
            )
            .to_owned(),
        )),
        _ => None,
    };
    Ok(render(&state, notice))
}

/// The settings to fix, each with what to do (empty when there is none); `after` goes at
/// the end of the notice.
pub fn problems_notice(problems: &[Problem], after: &str) -> String {
    if problems.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<div class=\"notice bad\" data-problems=\"{}\"><strong>{}</strong><ul>",
        problems.len(),
        bi("Réglages à corriger :", "Settings to fix:")
    );
    for problem in problems {
        let _ = write!(
            html,
            "<li><code>{}</code> — {}</li>",
            escape(problem.setting),
            escape(&problem.message)
        );
    }
    let _ = write!(html, "</ul>{after}</div>");
    html
}

fn source_note(source: Source, var: &str) -> String {
    match source {
        Source::Env => format!(
            "<div class=\"small en\">{} <code>{var}</code></div>",
            bi(
                "Fixé par la variable d'environnement (elle a priorité) :",
                "Set by the environment variable (it takes precedence):"
            )
        ),
        Source::Policy => format!(
            "<div class=\"small en\">{}</div>",
            bi(
                "Valeur tirée de la politique (policy.toml).",
                "Value from the policy (policy.toml)."
            )
        ),
        Source::File | Source::Unset => String::new(),
    }
}

fn addresses(list: &[Mailbox]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn render(state: &AppState, notice: Option<(bool, String)>) -> Response {
    let settings = state.mailer().settings();
    let mut html = String::new();
    let _ = write!(
        html,
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        bi("Réglages du courriel", "Email settings"),
        bi(
            "Le compagnon d'un membre transmet chaque signalement à la personne gestionnaire; celui de la personne gestionnaire transfère au conseil d'administration ce qu'elle choisit.",
            "A member's companion sends every report to the content manager; the manager's companion forwards to the board what the manager chooses."
        )
    );
    if let Some((ok, message)) = notice {
        let _ = write!(
            html,
            "<p class=\"notice{}\" role=\"status\" data-test-result=\"{}\">{}</p>",
            if ok { "" } else { " warn" },
            if ok { "ok" } else { "error" },
            escape(&message)
        );
    }
    // State of forwarding.
    if settings.forwarding_on() {
        let _ = write!(
            html,
            "<p class=\"notice\" data-forwarding=\"on\">{}</p>",
            bi("Transfert par courriel : activé.", "Email forwarding: on.")
        );
    } else {
        let _ = write!(
            html,
            "<div class=\"notice warn\" data-forwarding=\"off\"><strong>{}</strong> {}<ul>",
            bi(
                "Transfert par courriel : désactivé.",
                "Email forwarding: off."
            ),
            bi(
                "Les signalements sont conservés et leurs courriels attendent. Il manque :",
                "Reports are stored and their emails wait. Missing:"
            )
        );
        for missing in settings.missing() {
            let _ = write!(html, "<li>{}</li>", one_language(missing));
        }
        html.push_str("</ul></div>");
    }
    html.push_str(&problems_notice(&settings.problems, ""));

    let locked = |source: Source| {
        if source == Source::Env {
            " disabled"
        } else {
            ""
        }
    };
    let url_value = settings
        .smtp_url
        .as_ref()
        .map(SmtpUrl::without_password)
        .unwrap_or_default();
    let has_password = settings
        .smtp_url
        .as_ref()
        .and_then(SmtpUrl::password)
        .is_some_and(|p| !p.is_empty());
    let _ = write!(
        html,
        "<form class=\"stack settings\" method=\"post\" action=\"/settings\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"role\">{role_label}</label>\
         <select id=\"role\" name=\"role\"{role_locked}>\
         <option value=\"member\"{member_selected}>{member_label}</option>\
         <option value=\"manager\"{manager_selected}>{manager_option}</option></select>{role_note}\
         <label for=\"smtp_url\">{url_label}</label>\
         <input id=\"smtp_url\" name=\"smtp_url\" type=\"text\" spellcheck=\"false\" autocomplete=\"off\" value=\"{url_value}\" placeholder=\"smtp://utilisateur@smtp.exemple.org:587?tls=required\"{url_locked}>\
         <div class=\"small en\">{url_hint}</div>{url_note}\
         <label for=\"smtp_password\">{password_label}</label>\
         <input id=\"smtp_password\" name=\"smtp_password\" type=\"password\" autocomplete=\"new-password\" value=\"\" placeholder=\"{password_placeholder}\"{url_locked}>\
         <label for=\"from\">{from_label}</label>\
         <input id=\"from\" name=\"from\" type=\"text\" value=\"{from_value}\" placeholder=\"Balise SEC-CSQ &lt;balise@exemple.org&gt;\"{from_locked}>{from_note}\
         <label for=\"manager_email\">{manager_label}</label>\
         <input id=\"manager_email\" name=\"manager_email\" type=\"text\" value=\"{manager_value}\"{manager_locked}>{manager_note}\
         <label for=\"board_email\">{board_label}</label>\
         <input id=\"board_email\" name=\"board_email\" type=\"text\" value=\"{board_value}\"{board_locked}>{board_note}\
         <div><button class=\"approve\" type=\"submit\">{save}</button></div></form>",
        csrf = escape(state.csrf()),
        role_label = bi("Ce compagnon est celui…", "This companion belongs to…"),
        role_locked = locked(settings.sources.role),
        member_label = bi("Membre", "Member"),
        manager_option = bi("Gestionnaire de contenu", "Content manager"),
        member_selected = if settings.role == Role::Member {
            " selected"
        } else {
            ""
        },
        manager_selected = if settings.role == Role::Manager {
            " selected"
        } else {
            ""
        },
        role_note = source_note(settings.sources.role, "BALISE_ROLE"),
        url_label = bi(
            "Serveur SMTP de l'organisation",
            "The organization's SMTP server"
        ),
        url_value = escape(&url_value),
        url_locked = locked(settings.sources.smtp_url),
        url_hint = bi(
            "smtp://hôte:25 (relais local, sans chiffrement), smtp://utilisateur@hôte:587?tls=required (STARTTLS) ou smtps://utilisateur@hôte:465 (TLS).",
            "smtp://host:25 (local relay, no encryption), smtp://user@host:587?tls=required (STARTTLS) or smtps://user@host:465 (TLS)."
        ),
        url_note = source_note(settings.sources.smtp_url, "BALISE_SMTP_URL"),
        password_label = bi("Mot de passe SMTP", "SMTP password"),
        password_placeholder = if has_password {
            "(inchangé / unchanged)"
        } else {
            "(aucun / none)"
        },
        from_label = bi("Adresse d'envoi", "Sender address"),
        from_value = escape(
            &settings
                .from
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        ),
        from_locked = locked(settings.sources.from),
        from_note = source_note(settings.sources.from, "BALISE_SMTP_FROM"),
        manager_label = bi(
            "Adresse de la personne gestionnaire de contenu",
            "The content manager's address"
        ),
        manager_value = escape(&addresses(&settings.manager_email)),
        manager_locked = locked(settings.sources.manager_email),
        manager_note = source_note(settings.sources.manager_email, "BALISE_MANAGER_EMAIL"),
        board_label = bi(
            "Adresse du conseil d'administration",
            "The board of directors' address"
        ),
        board_value = escape(&addresses(&settings.board_email)),
        board_locked = locked(settings.sources.board_email),
        board_note = source_note(settings.sources.board_email, "BALISE_BOARD_EMAIL"),
        save = bi("Enregistrer", "Save"),
    );
    let _ = write!(
        html,
        "<h2>{}</h2><form class=\"stack\" method=\"post\" action=\"/settings/test\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label for=\"test_to\">{}</label><input id=\"test_to\" name=\"to\" type=\"email\" placeholder=\"{}\">\
         <div><button type=\"submit\">{}</button></div></form>",
        bi("Courriel d'essai", "Test email"),
        escape(state.csrf()),
        bi(
            "Envoyer à (vide : la personne gestionnaire, ou le conseil sur le compagnon de la personne gestionnaire)",
            "Send to (empty: the manager, or the board on the manager's companion)"
        ),
        escape(&addresses(settings.recipients(match settings.role {
            Role::Member => crate::store::mail::Recipient::Manager,
            Role::Manager => crate::store::mail::Recipient::Board,
        }))),
        bi("Envoyer un courriel d'essai", "Send a test email"),
    );
    render_privacy(&mut html, state);
    page(pick("Réglages", "Settings"), Nav::Settings, &html)
}

fn render_privacy(html: &mut String, state: &AppState) {
    let _ = write!(
        html,
        "<h2 id=\"privacy\">{title}</h2><form class=\"stack\" method=\"post\" action=\"/settings/privacy\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"retention_days\">{label}</label>\
         <input id=\"retention_days\" name=\"retention_days\" type=\"number\" min=\"0\" max=\"36500\" required value=\"{days}\">\
         <div class=\"small en\">{hint}</div><div class=\"small en\">{kept}</div>\
         <div><button class=\"approve\" type=\"submit\">{save}</button></div></form>",
        title = bi("Vie privée (Loi 25)", "Privacy (Law 25)"),
        csrf = escape(state.csrf()),
        label = bi(
            "Délai de conservation des signalements, en jours",
            "How long reports are kept, in days"
        ),
        days = state.retention_days().unwrap_or(0),
        hint = bi(
            &format!(
                "Après ce délai (compté depuis la réception), le compagnon caviarde le signalement : au démarrage, puis chaque jour. 0 : aucun caviardage automatique, les signalements sont gardés jusqu'à ce que vous les effaciez. Par défaut : {} jours.",
                crate::settings::DEFAULT_RETENTION_DAYS
            ),
            &format!(
                "Past this period (counted from receipt), the companion redacts the report: at start-up, then daily. 0: no automatic redaction, reports are kept until you erase them. Default: {} days.",
                crate::settings::DEFAULT_RETENTION_DAYS
            )
        ),
        kept = super::report_page::what_is_kept(),
        save = bi("Enregistrer", "Save"),
    );
}

/// The privacy form.
#[derive(Debug, Deserialize)]
pub struct PrivacyForm {
    /// CSRF token.
    pub csrf: String,
    /// Days, 0 for no automatic redaction.
    pub retention_days: String,
}

impl PageForm for PrivacyForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /settings/privacy` → 303 to `/settings?done=privacy-saved`: `[privacy]
/// retention_days` written to `balise.toml`, in force for the next sweep.
pub async fn save_privacy(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<PrivacyForm>, FormRejection>,
) -> Result<Response> {
    let form = page_form(&state, &headers, form)?;
    let Some(days) = form
        .retention_days
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|days| *days <= 36_500)
    else {
        return Ok(render(
            &state,
            Some((
                false,
                format!(
                    "« {} » n'est pas un nombre de jours entre 0 et 36500. / \"{}\" is not a number of days from 0 to 36500.",
                    form.retention_days, form.retention_days
                ),
            )),
        ));
    };
    let data_dir = state.settings().data_dir.clone();
    tokio::task::spawn_blocking(move || write_retention(&data_dir, days)).await??;
    state.set_retention_days(crate::settings::retention_from(days));
    tracing::info!(retention_days = days, "retention period saved");
    Ok(Redirect::to("/settings?done=privacy-saved").into_response())
}

/// Writes `[privacy] retention_days` into `balise.toml`, keeping every other line.
fn write_retention(data_dir: &Path, days: u32) -> Result<()> {
    let path = data_dir.join(SETTINGS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(Error::internal(error)),
    };
    let mut document: toml_edit::DocumentMut = text.parse().map_err(|error| {
        Error::unprocessable(
            "settings_file_broken",
            format!(
                "balise.toml ne se lit plus : corrigez-le à la main d'abord / balise.toml no longer parses: fix it by hand first ({error})"
            ),
        )
    })?;
    if !document.contains_table("privacy") {
        document["privacy"] = toml_edit::table();
    }
    document["privacy"]["retention_days"] = toml_edit::value(i64::from(days));
    crate::token::write_private(&path, document.to_string().as_bytes()).map_err(Error::internal)
}

/// The settings form.
#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    /// CSRF token.
    pub csrf: String,
    /// `member` or `manager` (absent when set by the environment: the field is disabled).
    pub role: Option<String>,
    /// The server URL, normally without its password.
    pub smtp_url: Option<String>,
    /// The password; empty keeps the current one.
    pub smtp_password: Option<String>,
    /// Sender.
    pub from: Option<String>,
    /// Manager's address(es).
    pub manager_email: Option<String>,
    /// Board's address(es).
    pub board_email: Option<String>,
}

/// `POST /settings` → 303 to `/settings?done=saved`; values are checked as at start-up and
/// wrong ones are saved too, then shown as problems (the person sees what to fix).
pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<SettingsForm>, FormRejection>,
) -> Result<Response> {
    let form = page_form(&state, &headers, form)?;
    let data_dir = state.settings().data_dir.clone();
    let current = state.mailer().settings();
    let policy = state.policy().clone();
    let reloaded = tokio::task::spawn_blocking(move || -> Result<MailSettings> {
        write_settings(&data_dir, &form, &current)?;
        let mut mail = Settings::load(&data_dir)
            .map_err(|error| Error::internal(error.to_string()))?
            .mail;
        mail.apply_policy(&policy);
        Ok(mail)
    })
    .await??;
    tracing::info!(
        forwarding = reloaded.forwarding_on(),
        "email settings saved"
    );
    state.mailer().replace_settings(reloaded);
    Ok(Redirect::to("/settings?done=saved").into_response())
}

/// Writes the form's values into `balise.toml`, keeping every other line as it was.
fn write_settings(data_dir: &Path, form: &SettingsForm, current: &MailSettings) -> Result<()> {
    let path = data_dir.join(SETTINGS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(Error::internal(error)),
    };
    let mut document: toml_edit::DocumentMut = text.parse().map_err(|error| {
        Error::unprocessable(
            "settings_file_broken",
            format!(
                "balise.toml ne se lit plus : corrigez-le à la main d'abord / balise.toml no longer parses: fix it by hand first ({error})"
            ),
        )
    })?;
    let clean = |value: &Option<String>| value.as_deref().map(str::trim).map(str::to_owned);
    if let Some(url) = clean(&form.smtp_url) {
        let password = form.smtp_password.as_deref().unwrap_or_default();
        let parsed = url::Url::parse(&url).ok();
        let names_user = parsed.as_ref().is_some_and(|u| !u.username().is_empty());
        let has_own = parsed.as_ref().is_some_and(|u| u.password().is_some());
        let url = if url.is_empty() || has_own {
            url
        } else if !password.is_empty() {
            SmtpUrl::with_password(&url, password).unwrap_or(url)
        } else if let (true, Some(old)) = (
            names_user,
            current.smtp_url.as_ref().and_then(SmtpUrl::password),
        ) {
            // An empty password field keeps the one already saved.
            SmtpUrl::with_password(&url, &old).unwrap_or(url)
        } else {
            url
        };
        set(&mut document, "smtp", "url", &url);
    }
    if let Some(from) = clean(&form.from) {
        set(&mut document, "smtp", "from", &from);
    }
    if let Some(manager) = clean(&form.manager_email) {
        set(&mut document, "routing", "manager_email", &manager);
    }
    if let Some(board) = clean(&form.board_email) {
        set(&mut document, "routing", "board_email", &board);
    }
    if let Some(role) = clean(&form.role) {
        set(&mut document, "identity", "role", &role);
    }
    crate::token::write_private(&path, document.to_string().as_bytes()).map_err(Error::internal)
}

/// Sets `[table] key = value`, or removes the key for an empty value.
fn set(document: &mut toml_edit::DocumentMut, table: &str, key: &str, value: &str) {
    if value.is_empty() {
        if let Some(section) = document.get_mut(table).and_then(|t| t.as_table_mut()) {
            section.remove(key);
        }
        return;
    }
    if !document.contains_table(table) {
        document[table] = toml_edit::table();
    }
    document[table][key] = toml_edit::value(value);
}

/// The test form.
#[derive(Debug, Deserialize)]
pub struct TestForm {
    /// CSRF token.
    pub csrf: String,
    /// Where to send it (empty: the default recipient).
    pub to: Option<String>,
}

/// `POST /settings/test`: sends a test email now and shows the server's answer on the page.
pub async fn test(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TestForm>, FormRejection>,
) -> Result<Response> {
    let form = page_form(&state, &headers, form)?;
    let to = match form.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(address) => match address.parse::<Mailbox>() {
            Ok(mailbox) => Some(mailbox),
            Err(_) => {
                return Ok(render(
                    &state,
                    Some((
                        false,
                        format!(
                            "« {address} » n'est pas une adresse courriel. / \"{address}\" is not an email address."
                        ),
                    )),
                ));
            }
        },
    };
    let notice = match state.mailer().send_test(to).await {
        Ok(answer) => (
            true,
            format!(
                "{} {answer}",
                pick("Courriel d'essai accepté :", "Test email accepted:")
            ),
        ),
        Err(error) => (
            false,
            format!(
                "{} {error}",
                pick(
                    "Le courriel d'essai n'est pas parti :",
                    "The test email did not go:"
                )
            ),
        ),
    };
    Ok(render(&state, Some(notice)))
}

impl PageForm for SettingsForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl PageForm for TestForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}
