//! The report page's emails: their state, the retry button, the export and `.eml`
//! links, and the form forwarding the report to the board.

use std::fmt::Write;

use crate::html::{bi, display_time, escape};
use crate::mail::{MailSettings, Role};
use crate::state::AppState;
use crate::store::mail::{MailKind, MailRecord, Recipient};
use crate::store::reports::ReportRecord;

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

/// The report's emails, the export button and the `.eml` download.
pub(super) fn render_emails(
    html: &mut String,
    state: &AppState,
    record: &ReportRecord,
    settings: &MailSettings,
    id: &str,
) {
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
}

/// The form forwarding the report to the board (the manager's companion only).
pub(super) fn render_forward_form(
    html: &mut String,
    state: &AppState,
    settings: &MailSettings,
    id: &str,
) {
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
}
