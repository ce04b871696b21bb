//! One report's page on the dashboard (every field, the screenshot and whether it verifies,
//! its status and history, its emails), and the manager's actions there: change its
//! status (the form posts to `reviews`), forward to the board, retry an email, download
//! the email, erase it (redaction, with a reason); plus importing a member's report from a
//! file. A redacted report's page says what was removed, what is kept and why.

use std::fmt::Write;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::mail::{ForwardBody, forward_report, retry_mail};
use super::{PageForm, check_page_form, page_form, path_uuid};
use crate::error::{Error, Result};
use crate::html::{Nav, bi, display_time, escape, external_link, one_language, page, pick};
use crate::import::{MAX_IMPORT_BYTES, import_file};
use crate::mail::Role;
use crate::mail::letter::display_instant;
use crate::state::AppState;
use crate::store::history::{self, Detail, HistoryItem};
use crate::store::mail::{MailKind, MailRecord, Recipient};
use crate::store::reports::{self, ImportOutcome, ReportRecord};
use crate::store::reviews::ReviewStatus;

/// Query of `GET /reports/{id}`.
#[derive(Debug, Deserialize)]
pub struct ReportPageQuery {
    /// What was just done, for a notice.
    pub done: Option<String>,
}

struct Data {
    record: ReportRecord,
    screenshot: std::result::Result<String, String>,
    history: Vec<HistoryItem>,
}

/// `GET /reports/{id}`
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<ReportPageQuery>, QueryRejection>,
) -> Result<Response> {
    let id = path_uuid(&id, "signalement / report")?;
    let done = query.ok().and_then(|Query(q)| q.done);
    let data = state
        .store()
        .read(move |tx| -> Result<_> {
            let record =
                reports::get(tx, &id)?.ok_or_else(|| Error::not_found("signalement / report"))?;
            let history = history::for_report(tx, &id)?;
            if record.redaction.is_some() {
                return Ok(Data {
                    record,
                    screenshot: Err(String::new()),
                    history,
                });
            }
            let screenshot = match reports::screenshot(tx, &id) {
                Ok(verified) => Ok(verified.sha256),
                Err(crate::store::Error::Corrupted { detail, .. }) => Err(detail),
                Err(other) => return Err(other.into()),
            };
            Ok(Data {
                record,
                screenshot,
                history,
            })
        })
        .await?;
    let title = data
        .record
        .field("pageTitle")
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(pick("Signalement", "Report"))
        .to_owned();
    Ok(page(
        &title,
        Nav::Dashboard,
        &render(&state, &data, done.as_deref()),
    ))
}

fn mail_kind_label(mail: &MailRecord) -> String {
    match (mail.kind, mail.to) {
        (MailKind::Report, Recipient::Manager) => {
            bi("Signalement → gestionnaire", "Report → manager")
        }
        (MailKind::Report, Recipient::Board) => bi("Signalement → conseil", "Report → board"),
        (MailKind::FollowUp, _) => bi("Précision (même fil)", "Follow-up (same thread)"),
        (MailKind::Forward, _) => bi("Transfert → conseil d'administration", "Forward → board"),
    }
}

/// One email's state in words, with the server's answer.
pub fn mail_state(mail: &MailRecord, forwarding_on: bool) -> String {
    match mail.status.as_str() {
        "sent" => format!(
            "<span class=\"status-ok\">{}</span> <span class=\"small\">{} — {}</span>{}",
            bi("Envoyé", "Sent"),
            escape(&display_time(mail.sent_at.as_deref().unwrap_or_default())),
            escape(mail.sent_to.as_deref().unwrap_or_default()),
            mail.smtp_reply
                .as_deref()
                .map(|reply| format!("<div class=\"small en\">{}</div>", escape(reply)))
                .unwrap_or_default()
        ),
        "failed" => format!(
            "<span class=\"status-bad\">{}</span><div class=\"small\">{}</div>",
            bi("Refusé par le serveur", "Refused by the server"),
            escape(mail.last_error.as_deref().unwrap_or_default())
        ),
        _ if mail.attempts > 0 => format!(
            "<span class=\"status-warn\">{} ({} {})</span><div class=\"small\">{}</div>",
            bi("Nouvel essai prévu", "Retry scheduled"),
            mail.attempts,
            escape("essai(s) / attempt(s)"),
            escape(mail.last_error.as_deref().unwrap_or_default())
        ),
        _ if !forwarding_on => format!(
            "<span class=\"status-warn\">{}</span>",
            bi(
                "En attente : le transfert par courriel est désactivé",
                "Waiting: email forwarding is off"
            )
        ),
        _ => format!("<span>{}</span>", bi("En file d'attente", "Queued")),
    }
}

/// The retry button of an email that was refused or keeps failing.
pub fn retry_button(state: &AppState, mail: &MailRecord, back: &str) -> String {
    if mail.status == "failed" || (mail.status == "queued" && mail.attempts > 0) {
        format!(
            "<form class=\"inline\" method=\"post\" action=\"/mail/{id}/retry\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <input type=\"hidden\" name=\"back\" value=\"{back}\">\
             <button type=\"submit\">{retry}</button></form>",
            retry = bi("Réessayer", "Retry"),
            id = mail.id,
            csrf = escape(state.csrf()),
            back = escape(back),
        )
    } else {
        String::new()
    }
}

fn render(state: &AppState, data: &Data, done: Option<&str>) -> String {
    if let Some(redaction) = &data.record.redaction {
        return render_redacted(&data.record, redaction, done);
    }
    let record = &data.record;
    let settings = state.mailer().settings();
    let id = escape(&record.id);
    let mut html = String::new();
    let _ = write!(
        html,
        "<p class=\"small\"><a href=\"/\">← {}</a></p><h1>{}</h1>",
        bi("Tableau de bord", "Dashboard"),
        escape(
            record
                .field("pageTitle")
                .filter(|t| !t.trim().is_empty())
                .unwrap_or(pick("Signalement", "Report"))
        )
    );
    match done {
        Some("forwarded") => {
            let _ = write!(
                html,
                "<p class=\"notice\">{}</p>",
                bi(
                    "Transfert enregistré : le courriel au conseil d'administration est en file d'attente.",
                    "Forward recorded: the email to the board is queued."
                )
            );
        }
        Some("imported") => {
            let _ = write!(
                html,
                "<p class=\"notice\">{}</p>",
                bi(
                    "Signalement importé : le paquet et sa capture ont été vérifiés.",
                    "Report imported: the package and its screenshot were verified."
                )
            );
        }
        Some("already-imported") => {
            let _ = write!(
                html,
                "<p class=\"notice\">{}</p>",
                bi(
                    "Ce signalement était déjà importé : rien n'a changé.",
                    "This report was already imported: nothing changed."
                )
            );
        }
        Some("reviewed") => {
            let _ = write!(
                html,
                "<p class=\"notice\" data-notice=\"reviewed\">{}</p>",
                bi(
                    "Statut enregistré et inscrit au journal de preuves.",
                    "Status recorded and chained in the evidence log."
                )
            );
        }
        Some("retried") => {
            let _ = write!(
                html,
                "<p class=\"notice\">{}</p>",
                bi(
                    "Le courriel est remis en file d'attente.",
                    "The email is queued again."
                )
            );
        }
        _ => {}
    }

    // Fields.
    let url = record.field("pageUrl").unwrap_or_default();
    let (captured_fr, captured_en) =
        display_instant(record.field("capturedAt").unwrap_or_default());
    let category = record
        .current_category()
        .map(super::dashboard::category_label)
        .unwrap_or_else(|| "—".into());
    let mut rows: Vec<(String, String)> = vec![
        (
            bi("Signalé par", "Reported by"),
            format!(
                "{} &lt;{}&gt;",
                escape(record.nested("reporter", "name").unwrap_or_default()),
                escape(record.nested("reporter", "email").unwrap_or_default())
            ),
        ),
        (bi("Capturé le", "Captured"), bi(&captured_fr, &captured_en)),
        (
            bi("Statut", "Status"),
            super::dashboard::status_badge(record.status),
        ),
        (bi("Page", "Page"), external_link(url, &escape(url))),
        (
            bi("Site", "Site"),
            escape(record.field("site").unwrap_or("—")),
        ),
        (bi("Catégorie", "Category"), category),
        (
            bi("Note", "Note"),
            format!(
                "<span class=\"pre\">{}</span>",
                escape(record.current_note().unwrap_or("—"))
            ),
        ),
    ];
    if let Some(selected) = record.field("selectedText").filter(|s| !s.is_empty()) {
        rows.push((
            bi("Texte sélectionné", "Selected text"),
            format!("<span class=\"pre\">{}</span>", escape(selected)),
        ));
    }
    rows.push((
        bi("Provenance", "Source"),
        if record.source == "import" {
            bi(
                "importé d'un paquet de preuves",
                "imported from an evidence package",
            )
        } else {
            bi(
                "reçu d'une extension jumelée",
                "received from a paired extension",
            )
        },
    ));
    rows.push((
        bi("Reçu le", "Received"),
        escape(&display_time(&record.received_at)),
    ));
    rows.push((
        bi("Identifiant", "Id"),
        format!("<span class=\"hash\">{id}</span>"),
    ));
    rows.push((
        bi("Entrée du journal", "Evidence entry"),
        format!(
            "#{} <span class=\"hash\">{}</span>",
            record.evidence_seq,
            escape(&record.entry_hash)
        ),
    ));
    let verification = match &data.screenshot {
        Ok(sha) if *sha == record.screenshot_sha256 => format!(
            "<span class=\"hash\">{}</span> <span class=\"status-ok\">✓ {}</span>",
            escape(sha),
            bi("vérifiée", "verifies")
        ),
        Ok(sha) => format!(
            "<span class=\"hash\">{}</span> <span class=\"status-bad\">✗ {}</span>",
            escape(sha),
            bi("ne correspond pas", "does not match")
        ),
        Err(detail) => format!(
            "<span class=\"status-bad\">✗ {}</span><div class=\"small\">{}</div>",
            bi(
                "la capture ne vérifie pas",
                "the screenshot does not verify"
            ),
            escape(detail)
        ),
    };
    rows.push((
        bi("SHA-256 de la capture", "Screenshot SHA-256"),
        verification,
    ));
    html.push_str("<div class=\"report-grid\"><div><table class=\"fields\"><tbody>");
    for (label, value) in rows {
        let _ = write!(
            html,
            "<tr><th scope=\"row\">{label}</th><td>{value}</td></tr>"
        );
    }
    html.push_str("</tbody></table></div>");
    if data.screenshot.is_ok() {
        let _ = write!(
            html,
            "<div><a href=\"/reports/{id}/screenshot.png\" target=\"_blank\" rel=\"noopener\">\
             <img class=\"shot\" src=\"/reports/{id}/screenshot.png\" alt=\"{}\"></a></div>",
            bi("Capture d'écran du signalement", "Screenshot of the report")
        );
    }
    html.push_str("</div>");

    // Annotations.
    if !record.annotations.is_empty() {
        let _ = write!(
            html,
            "<h2>{}</h2><ul class=\"history\">",
            bi("Ajouts de la personne qui signale", "Added by the reporter")
        );
        for annotation in &record.annotations {
            let category = annotation
                .category
                .as_deref()
                .map(super::dashboard::category_label)
                .unwrap_or_default();
            let _ = write!(
                html,
                "<li><span class=\"small\">{} · #{}</span> {category} <span class=\"pre\">{}</span></li>",
                escape(&display_time(&annotation.recorded_at)),
                annotation.evidence_seq,
                escape(annotation.note.as_deref().unwrap_or_default())
            );
        }
        html.push_str("</ul>");
    }

    render_review_form(&mut html, state, record);
    render_history(&mut html, &data.history);

    // Emails.
    let _ = write!(html, "<h2>{}</h2>", bi("Courriels", "Emails"));
    if record.mail.is_empty() {
        let _ = write!(
            html,
            "<div class=\"empty\">{}</div>",
            match settings.role {
                Role::Member => bi(
                    "Aucun courriel pour ce signalement.",
                    "No email for this report."
                ),
                Role::Manager => bi(
                    "Sur le compagnon de la personne gestionnaire, rien n'est envoyé de lui-même : transférez au conseil ci-dessous au besoin.",
                    "On the manager's companion nothing is sent by itself: forward to the board below when needed."
                ),
            }
        );
    } else {
        let _ = write!(
            html,
            "<div class=\"table-wrap\"><table><thead><tr><th>{}</th><th>{}</th><th>Message-ID</th><th></th></tr></thead><tbody>",
            bi("Courriel", "Email"),
            bi("État", "State"),
        );
        let back = format!("/reports/{}", record.id);
        for mail in &record.mail {
            let _ = write!(
                html,
                "<tr data-mail-status=\"{status}\"><td>{kind}<div class=\"small en\">{queued}</div></td><td>{state_text}</td>\
                 <td class=\"hash\">{mid}</td><td>{retry}</td></tr>",
                status = escape(&mail.status),
                kind = mail_kind_label(mail),
                queued = escape(&display_time(&mail.queued_at)),
                state_text = mail_state(mail, settings.forwarding_on()),
                mid = escape(&mail.message_id),
                retry = retry_button(state, mail, &back),
            );
        }
        html.push_str("</tbody></table></div>");
    }
    let _ = write!(
        html,
        "<form class=\"inline\" method=\"post\" action=\"/reports/{id}/export\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button type=\"submit\">{}</button></form> <span class=\"small en\">{}</span>",
        escape(state.csrf()),
        bi(
            "Exporter le paquet de preuves (.zip)",
            "Export the evidence package (.zip)"
        ),
        bi(
            "Le rapport, la capture, le journal de preuves, un résumé lisible et le manifeste SHA-256; l'exportation est inscrite au journal.",
            "The report, the screenshot, the evidence log, a readable summary and the SHA-256 manifest; the export is recorded in the log."
        )
    );
    let _ = write!(
        html,
        "<p><a class=\"button\" href=\"/reports/{id}/email.eml\" download>{}</a> <span class=\"small en\">{}</span></p>",
        bi(
            "Télécharger comme courriel (.eml)",
            "Download as email (.eml)"
        ),
        bi(
            "S'ouvre comme brouillon dans Outlook ou Thunderbird, avec la capture et le paquet de preuves joints.",
            "Opens as a draft in Outlook or Thunderbird, with the screenshot and the evidence package attached."
        )
    );

    // Forward to the board.
    if settings.role == Role::Manager {
        let _ = write!(
            html,
            "<h2>{}</h2>",
            bi(
                "Transférer au conseil d'administration",
                "Forward to the board"
            )
        );
        if settings.board_email.is_empty() {
            let _ = write!(
                html,
                "<p class=\"notice warn\">{} <a href=\"/settings\">{}</a></p>",
                bi(
                    "L'adresse du conseil d'administration n'est pas configurée.",
                    "The board's address is not configured."
                ),
                bi("Réglages", "Settings")
            );
        } else {
            let to: Vec<String> = settings
                .board_email
                .iter()
                .map(ToString::to_string)
                .collect();
            let _ = write!(
                html,
                "<form class=\"stack\" method=\"post\" action=\"/reports/{id}/forward\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <label for=\"facts\">{label}</label>\
                 <textarea id=\"facts\" name=\"facts\" rows=\"6\" required maxlength=\"10000\"></textarea>\
                 <p class=\"small en\">{hint} {to}</p>\
                 <button class=\"approve\" type=\"submit\">{submit}</button></form>",
                csrf = escape(state.csrf()),
                label = bi(
                    "Faits vérifiés pour le conseil (obligatoire)",
                    "Verified facts for the board (required)"
                ),
                hint = bi(
                    "Le courriel part avec la capture, le paquet de preuves et votre nom, à :",
                    "The email goes with the screenshot, the evidence package and your name, to:"
                ),
                to = escape(&to.join(", ")),
                submit = bi("Transférer au conseil", "Forward to the board"),
            );
        }
    }
    render_erase_form(&mut html, state, &id, &record.received_at);
    html
}

/// The day a report received at `received_at` passes a retention period of `days`.
fn redaction_due(received_at: &str, days: u32) -> Option<String> {
    let received = time::Date::parse(
        received_at.get(..10)?,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let due = received.checked_add(time::Duration::days(i64::from(days)))?;
    due.format(time::macros::format_description!("[year]-[month]-[day]"))
        .ok()
}

/// What redaction removes, what it keeps and why, French then English.
pub fn what_is_kept() -> String {
    bi(
        "Le caviardage supprime le contenu du signalement (adresse et titre de la page, personne qui signale, note, texte sélectionné), sa capture d'écran, les notes ajoutées et les faits transmis au conseil. Sont conservés : l'identifiant, les dates, le site, la catégorie, les empreintes SHA-256 de tout ce qui a été supprimé et le fait que le signalement a existé, parce que chaque entrée du journal de preuves est enchaînée à la précédente : sans ces empreintes, la chaîne ne se vérifierait plus.",
        "Redaction removes the report's content (page address and title, reporter, note, selected text), its screenshot, the notes added to it and the facts sent to the board. Kept: the id, the dates, the site, the category, the SHA-256 of everything removed and the fact the report existed, because every entry of the evidence log is chained to the previous one: without these hashes the chain would no longer verify.",
    )
}

fn render_erase_form(html: &mut String, state: &AppState, id: &str, received_at: &str) {
    let due = match state
        .retention_days()
        .and_then(|days| Some((days, redaction_due(received_at, days)?)))
    {
        Some((days, due)) => bi(
            &format!(
                "Délai de conservation de {days} jours : ce signalement sera caviardé automatiquement le {due} ou peu après."
            ),
            &format!(
                "Retention period of {days} days: this report will be redacted automatically on {due} or shortly after."
            ),
        ),
        None => bi(
            "Aucun délai de conservation : ce signalement est gardé jusqu'à ce que vous l'effaciez.",
            "No retention period: this report is kept until you erase it.",
        ),
    };
    let _ = write!(
        html,
        "<h2>{title}</h2><p class=\"small\" data-retention>{due}</p>\
         <details class=\"erase\"><summary>{summary}</summary>\
         <p class=\"small\">{kept}</p>\
         <form class=\"stack\" method=\"post\" action=\"/reports/{id}/redact\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"reason\">{label}</label>\
         <textarea id=\"reason\" name=\"reason\" rows=\"3\" required maxlength=\"{max}\"></textarea>\
         <div><button class=\"reject\" type=\"submit\">{submit}</button></div></form></details>",
        title = bi("Vie privée", "Privacy"),
        summary = bi(
            "Effacer ce signalement (caviardage définitif)",
            "Erase this report (permanent redaction)"
        ),
        kept = what_is_kept(),
        csrf = escape(state.csrf()),
        label = bi(
            "Raison de l'effacement (obligatoire, inscrite au journal de preuves)",
            "Reason for the erasure (required, recorded in the evidence log)"
        ),
        max = crate::store::privacy::MAX_REASON_CHARS,
        submit = bi("Caviarder définitivement", "Redact permanently"),
    );
}

fn render_redacted(
    record: &ReportRecord,
    stored: &crate::store::privacy::StoredRedaction,
    done: Option<&str>,
) -> String {
    use crate::store::privacy::RedactedBy;
    let redaction = &stored.redaction;
    let mut html = String::new();
    let _ = write!(
        html,
        "<p class=\"small\"><a href=\"/\">← {}</a></p><h1 data-redacted>{}</h1>",
        bi("Tableau de bord", "Dashboard"),
        bi("Signalement caviardé", "Redacted report"),
    );
    if done == Some("redacted") {
        let _ = write!(
            html,
            "<p class=\"notice\" role=\"status\">{}</p>",
            bi(
                "Le signalement a été caviardé et le caviardage inscrit au journal de preuves.",
                "The report was redacted and the redaction recorded in the evidence log."
            )
        );
    }
    let days = redaction.retention_days.unwrap_or_default();
    let by = match redaction.by {
        RedactedBy::Manager => format!(
            "{} {}",
            bi("la personne gestionnaire", "the content manager"),
            escape(redaction.manager.as_deref().unwrap_or_default())
        ),
        RedactedBy::Retention => bi(
            &format!("le compagnon, délai de conservation de {days} jours"),
            &format!("the companion, retention period of {days} days"),
        ),
    };
    let _ = write!(
        html,
        "<div class=\"notice warn\" data-redaction-seq=\"{seq}\"><strong>{when_label}</strong> {when} · {by_label} {by}\
         <div>{reason_label} <span class=\"pre\">{reason}</span></div></div>\
         <p class=\"small\">{kept}</p><p class=\"small\">{refused}</p>",
        seq = stored.evidence_seq,
        when_label = bi("Caviardé le", "Redacted on"),
        when = escape(&display_time(&stored.recorded_at)),
        by_label = bi("par", "by"),
        reason_label = bi("Raison :", "Reason:"),
        reason = escape(&redaction.reason),
        kept = what_is_kept(),
        refused = bi(
            "Il ne peut plus être exporté, téléchargé comme courriel ni transmis au conseil.",
            "It can no longer be exported, downloaded as an email or forwarded to the board."
        ),
    );
    let mut rows: Vec<(String, String)> = vec![
        (
            bi("Identifiant", "Id"),
            format!("<span class=\"hash\">{}</span>", escape(&record.id)),
        ),
        (
            bi("Reçu le", "Received"),
            escape(&display_time(&redaction.received_at)),
        ),
        (
            bi("Capturé le", "Captured"),
            escape(&display_time(&redaction.captured_at)),
        ),
        (
            bi("Site", "Site"),
            escape(redaction.site.as_deref().unwrap_or("—")),
        ),
        (
            bi("Catégorie", "Category"),
            redaction
                .category
                .as_deref()
                .map(super::dashboard::category_label)
                .unwrap_or_else(|| "—".into()),
        ),
        (
            bi(
                "SHA-256 de la capture supprimée",
                "SHA-256 of the removed screenshot",
            ),
            format!(
                "<span class=\"hash\">{}</span> <span class=\"small\">({} {})</span>",
                escape(&redaction.screenshot_sha256),
                redaction
                    .screenshot_bytes
                    .map_or_else(|| "?".to_owned(), |b| b.to_string()),
                bi("octets", "bytes")
            ),
        ),
    ];
    for removed in &redaction.removed {
        rows.push((
            format!(
                "{} #{}",
                bi("Entrée du journal", "Evidence entry"),
                removed.seq
            ),
            format!(
                "{} · SHA-256 <span class=\"hash\">{}</span>",
                escape(&removed.kind),
                escape(&removed.sha256)
            ),
        ));
    }
    rows.push((
        format!(
            "{} #{}",
            bi("Entrée du caviardage", "Redaction entry"),
            stored.evidence_seq
        ),
        escape(crate::store::evidence::KIND_REDACTION),
    ));
    html.push_str("<table class=\"fields\"><tbody>");
    for (label, value) in rows {
        let _ = write!(
            html,
            "<tr><th scope=\"row\">{label}</th><td>{value}</td></tr>"
        );
    }
    html.push_str("</tbody></table>");
    html
}

/// The erase form.
#[derive(Debug, Deserialize)]
pub struct RedactForm {
    /// CSRF token.
    pub csrf: String,
    /// Why (required).
    #[serde(default)]
    pub reason: String,
}

impl PageForm for RedactForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /reports/{id}/redact` (the report page's erase form) → 303 to the report's page,
/// which then shows it as redacted.
pub async fn redact(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<RedactForm>, FormRejection>,
) -> Result<Response> {
    use crate::store::privacy::{self, RedactedBy, RedactionRequest};
    let form = page_form(&state, &headers, form)?;
    let id = path_uuid(&id, "signalement / report")?;
    let policy = state.policy().clone();
    let report_id = id.clone();
    let stored = state
        .store()
        .write(move |tx| {
            let manager =
                super::appointment::current(&policy, crate::store::appointments::latest(tx)?)
                    .appointment
                    .name;
            privacy::redact(
                tx,
                &RedactionRequest {
                    report_id,
                    reason: form.reason,
                    by: RedactedBy::Manager,
                    manager: Some(manager),
                    retention_days: None,
                },
                &crate::store::now_utc(),
            )
        })
        .await?;
    tracing::info!(seq = stored.evidence_seq, "report redacted by the manager");
    state.store().checkpoint_truncate().await?;
    Ok(Redirect::to(&format!("/reports/{id}?done=redacted")).into_response())
}

/// The forward form.
#[derive(Debug, Deserialize)]
pub struct ForwardForm {
    /// CSRF token.
    pub csrf: String,
    /// Verified facts.
    pub facts: String,
}

/// `POST /reports/{id}/forward` (the dashboard's form) → 303 to the report's page.
pub async fn forward(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<ForwardForm>, FormRejection>,
) -> Result<Response> {
    let form = page_form(&state, &headers, form)?;
    let id = path_uuid(&id, "signalement / report")?;
    forward_report(
        &state,
        id.clone(),
        &ForwardBody {
            to: "board".into(),
            facts: form.facts,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/reports/{id}?done=forwarded")).into_response())
}

/// A form with nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct PlainForm {
    /// CSRF token.
    pub csrf: String,
}

impl PageForm for PlainForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /reports/{id}/export` (the report page's button) → the evidence package (ZIP).
pub async fn export(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<PlainForm>, FormRejection>,
) -> Result<Response> {
    page_form(&state, &headers, form)?;
    super::reports::export(State(state), Path(id)).await
}

/// The retry form.
#[derive(Debug, Deserialize)]
pub struct RetryForm {
    /// CSRF token.
    pub csrf: String,
    /// Where to go back to: `/` or a report's page.
    pub back: Option<String>,
}

/// `POST /mail/{id}/retry` → 303 back.
pub async fn retry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<RetryForm>, FormRejection>,
) -> Result<Response> {
    let form = page_form(&state, &headers, form)?;
    let id: i64 = id
        .parse()
        .map_err(|_| Error::not_found("courriel / email"))?;
    retry_mail(&state, id).await?;
    // Only the companion's own pages are places to go back to.
    let back = form
        .back
        .filter(|back| {
            back == "/"
                || back
                    .strip_prefix("/reports/")
                    .is_some_and(|rest| uuid::Uuid::try_parse(rest).is_ok())
        })
        .unwrap_or_else(|| "/".to_owned());
    let separator = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{separator}done=retried")).into_response())
}

fn invalid_form() -> Error {
    Error::bad_request("invalid_form", "Formulaire invalide. / Invalid form.")
}

/// `POST /import` (multipart: `csrf`, `file`): a member's `.eml` or `.zip`, verified, then
/// stored → 303 to the report's page; a refused file is answered with the reason.
pub async fn import(State(state): State<AppState>, request: Request) -> Result<Response> {
    let headers = request.headers().clone();
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|_| invalid_form())?;
    let (mut csrf, mut file) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(|error| {
        if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Error::payload_too_large(MAX_IMPORT_BYTES as u64)
        } else {
            invalid_form()
        }
    })? {
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(|_| invalid_form())?),
            Some("file") => {
                file = Some(field.bytes().await.map_err(|error| {
                    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        Error::payload_too_large(MAX_IMPORT_BYTES as u64)
                    } else {
                        invalid_form()
                    }
                })?);
            }
            _ => return Err(invalid_form()),
        }
    }
    check_page_form(&state, &headers, csrf.as_deref().unwrap_or_default())?;
    let file = file.filter(|f| !f.is_empty()).ok_or_else(|| {
        Error::bad_request(
            "missing_file",
            pick(
                "Choisissez un fichier .eml ou .zip à importer.",
                "Choose an .eml or .zip file to import.",
            ),
        )
    })?;
    match import_file(state.store(), file.to_vec()).await {
        Ok(ImportOutcome::Imported { id, .. }) => {
            tracing::info!("report imported from the dashboard");
            Ok(Redirect::to(&format!("/reports/{id}?done=imported")).into_response())
        }
        Ok(ImportOutcome::AlreadyPresent { id }) => {
            Ok(Redirect::to(&format!("/reports/{id}?done=already-imported")).into_response())
        }
        Err(Error::Client {
            message, status, ..
        }) => {
            let body = format!(
                "<p class=\"small\"><a href=\"/\">← {}</a></p><h1>{}</h1><p class=\"notice warn\">{}</p><p>{}</p>",
                bi("Tableau de bord", "Dashboard"),
                bi("Importation refusée", "Import refused"),
                one_language(&message),
                bi("Rien n'a été enregistré.", "Nothing was stored."),
            );
            let mut response = page(
                pick("Importation refusée", "Import refused"),
                Nav::Dashboard,
                &body,
            );
            *response.status_mut() = status;
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

impl PageForm for ForwardForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl PageForm for RetryForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The statuses the review form offers from `current` (forwarding has its own form).
fn next_statuses(current: ReviewStatus) -> Vec<ReviewStatus> {
    use ReviewStatus::*;
    match current {
        New => vec![UnderReview, Dismissed, Resolved],
        UnderReview => vec![Dismissed, Resolved],
        Forwarded => vec![UnderReview, Resolved, Dismissed],
        Dismissed | Resolved => vec![UnderReview],
    }
}

fn render_review_form(html: &mut String, state: &AppState, record: &ReportRecord) {
    let id = escape(&record.id);
    let _ = write!(
        html,
        "<h2 id=\"triage\">{}</h2><p>{} {}</p>",
        bi("Suivi", "Triage"),
        bi("Statut actuel :", "Current status:"),
        super::dashboard::status_badge(record.status),
    );
    let options: String = next_statuses(record.status)
        .into_iter()
        .map(|status| {
            let (fr, en) = status.label();
            format!(
                "<option value=\"{}\">{}</option>",
                status.as_str(),
                bi(fr, en)
            )
        })
        .collect();
    let _ = write!(
        html,
        "<form class=\"stack\" method=\"post\" action=\"/reports/{id}/review\" data-current-status=\"{code}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"review-status\">{status_label}</label>\
         <select id=\"review-status\" name=\"status\" required>{options}</select>\
         <label for=\"review-note\">{note_label}</label>\
         <textarea id=\"review-note\" name=\"note\" rows=\"4\" maxlength=\"10000\"></textarea>\
         <p class=\"small en\">{rules}</p>\
         <div><button type=\"submit\" id=\"review-submit\">{submit}</button></div></form>",
        code = record.status.as_str(),
        csrf = escape(state.csrf()),
        status_label = bi("Nouveau statut", "New status"),
        note_label = bi("Note", "Note"),
        rules = bi(
            "La note est obligatoire pour classer sans suite (la raison), pour résoudre et pour rouvrir. Le statut « transmis au conseil » vient du transfert ci-dessous. Chaque changement est inscrit au journal de preuves.",
            "The note is required to dismiss (the reason), to resolve and to reopen. The \"forwarded to the board\" status comes from the forward below. Every change is chained in the evidence log."
        ),
        submit = bi("Enregistrer le statut", "Record the status"),
    );
}

/// An evidence kind in words.
fn kind_label(kind: &str) -> String {
    use crate::store::evidence::{
        KIND_ANNOTATION, KIND_EXPORT, KIND_FORWARD, KIND_IMPORT, KIND_REPORT, KIND_REVIEW,
    };
    match kind {
        KIND_REPORT => bi("Reçu de l'extension", "Received from the extension"),
        KIND_IMPORT => bi(
            "Importé d'un paquet de preuves",
            "Imported from an evidence package",
        ),
        KIND_ANNOTATION => bi("Ajout de la personne qui signale", "Added by the reporter"),
        KIND_REVIEW => bi("Changement de statut", "Status change"),
        KIND_FORWARD => bi(
            "Transféré au conseil d'administration",
            "Forwarded to the board",
        ),
        KIND_EXPORT => bi("Paquet de preuves exporté", "Evidence package exported"),
        other => escape(other),
    }
}

fn render_history(html: &mut String, items: &[HistoryItem]) {
    let _ = write!(
        html,
        "<h2 id=\"history\">{}</h2><ol class=\"history\" data-history>",
        bi("Historique", "History")
    );
    for item in items {
        let entry = &item.entry;
        let detail = match &item.detail {
            Detail::None => String::new(),
            Detail::Annotation { category, note } => format!(
                "{}{}",
                category
                    .as_deref()
                    .map(|c| format!(" {}", super::dashboard::category_label(c)))
                    .unwrap_or_default(),
                note.as_deref()
                    .map(|n| format!("<div class=\"pre\">{}</div>", escape(n)))
                    .unwrap_or_default()
            ),
            Detail::Review(review) => {
                let (from_fr, from_en) = review.previous.label();
                let (to_fr, to_en) = review.status.label();
                format!(
                    " : {} → {}{}",
                    bi(from_fr, from_en),
                    bi(to_fr, to_en),
                    if review.note.is_empty() {
                        String::new()
                    } else {
                        format!("<div class=\"pre\">{}</div>", escape(&review.note))
                    }
                )
            }
            Detail::Forward { facts } => {
                format!("<div class=\"pre\">{}</div>", escape(facts))
            }
            Detail::Unreadable => format!(
                " <span class=\"status-bad\">{}</span>",
                bi("(enregistrement illisible)", "(unreadable record)")
            ),
        };
        let _ = write!(
            html,
            "<li data-kind=\"{kind}\" data-seq=\"{seq}\"><strong>{label}</strong>{detail}\
             <div class=\"meta\">{time} · {entry_label} #{seq} · <span class=\"hash\" title=\"{hash}\">{hash_short}…</span></div></li>",
            kind = escape(&entry.kind),
            seq = entry.seq,
            label = kind_label(&entry.kind),
            time = escape(&display_time(&entry.recorded_at)),
            entry_label = bi("entrée", "entry"),
            hash = escape(&entry.entry_hash),
            hash_short = escape(entry.entry_hash.get(..16).unwrap_or_default()),
        );
    }
    html.push_str("</ol>");
}
