//! The report page's privacy section: the retention notice and the erase form, and the
//! page of a redacted report.

use std::fmt::Write;

use crate::handlers::dashboard;
use crate::html::{bi, display_time, escape};
use crate::state::AppState;
use crate::store::reports::ReportRecord;
use crate::store::reviews::ReviewStatus;

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
        "Le caviardage supprime le contenu du signalement (adresse et titre de la page, personne qui signale, note, texte sélectionné), sa capture d'écran, les notes ajoutées, les faits transmis au conseil et les notes de suivi de la personne gestionnaire. Sont conservés : l'identifiant, les dates, le site, la catégorie, les statuts de suivi (sans leurs notes), les empreintes SHA-256 de tout ce qui a été supprimé et le fait que le signalement a existé, parce que chaque entrée du journal de preuves est enchaînée à la précédente : sans ces empreintes, la chaîne ne se vérifierait plus.",
        "Redaction removes the report's content (page address and title, reporter, note, selected text), its screenshot, the notes added to it, the facts sent to the board and the manager's review notes. Kept: the id, the dates, the site, the category, the review statuses (without their notes), the SHA-256 of everything removed and the fact the report existed, because every entry of the evidence log is chained to the previous one: without these hashes the chain would no longer verify.",
    )
}

pub(super) fn render_erase_form(html: &mut String, state: &AppState, id: &str, received_at: &str) {
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

pub(super) fn render_redacted(
    record: &ReportRecord,
    stored: &crate::store::privacy::StoredRedaction,
    history: &[crate::store::history::HistoryItem],
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
        (bi("Statut lors du caviardage", "Status when redacted"), {
            let status = redaction.status.unwrap_or(ReviewStatus::New);
            let (fr, en) = status.label();
            format!(
                "<span class=\"badge\" data-status=\"{}\">{}</span>",
                status.as_str(),
                bi(fr, en)
            )
        }),
        (
            bi("Catégorie", "Category"),
            redaction
                .category
                .as_deref()
                .map(dashboard::category_label)
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
    super::sections::render_history(&mut html, history);
    html
}
