//! The report page's sections: its fields and screenshot, the reporter's additions, the
//! triage form and the history.

use std::fmt::Write;

use super::Data;
use crate::handlers::dashboard;
use crate::html::{bi, display_time, escape, external_link};
use crate::mail::letter::display_instant;
use crate::state::AppState;
use crate::store::history::{Detail, HistoryItem};
use crate::store::reports::ReportRecord;
use crate::store::reviews::ReviewStatus;

/// The fields, the screenshot and the reporter's additions.
pub(super) fn render_fields(html: &mut String, data: &Data, id: &str) {
    let record = &data.record;
    // Fields.
    let url = record.field("pageUrl").unwrap_or_default();
    let (captured_fr, captured_en) =
        display_instant(record.field("capturedAt").unwrap_or_default());
    let category = record
        .current_category()
        .map(dashboard::category_label)
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
            dashboard::status_badge(record.status),
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
            "#{} <span class=\"hash\">{}</span> {}",
            record.evidence_seq,
            escape(&record.entry_hash),
            match data.chain.first_broken_seq {
                None => format!(
                    "<span class=\"status-ok\" data-chain=\"intact\">✓ {}</span>",
                    bi("chaîne vérifiée", "chain verified")
                ),
                Some(seq) => format!(
                    "<span class=\"status-bad\" data-chain=\"broken\" data-broken-seq=\"{seq}\">{} {seq}</span> \
                     <span class=\"small\">{}</span>",
                    bi(
                        "chaîne de preuves rompue à l'entrée",
                        "evidence chain broken at entry"
                    ),
                    escape(data.chain.reason.as_deref().unwrap_or_default())
                ),
            }
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
                .map(dashboard::category_label)
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

pub(super) fn render_review_form(html: &mut String, state: &AppState, record: &ReportRecord) {
    let id = escape(&record.id);
    let _ = write!(
        html,
        "<h2 id=\"triage\">{}</h2><p>{} {}</p>",
        bi("Suivi", "Triage"),
        bi("Statut actuel :", "Current status:"),
        dashboard::status_badge(record.status),
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
        KIND_ANNOTATION, KIND_EXPORT, KIND_FORWARD, KIND_IMPORT, KIND_REDACTION, KIND_REPORT,
        KIND_REVIEW,
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
        KIND_REDACTION => bi("Signalement caviardé", "Report redacted"),
        other => escape(other),
    }
}

pub(super) fn render_history(html: &mut String, items: &[HistoryItem]) {
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
                    .map(|c| format!(" {}", dashboard::category_label(c)))
                    .unwrap_or_default(),
                note.as_deref()
                    .map(|n| format!("<div class=\"pre\">{}</div>", escape(n)))
                    .unwrap_or_default()
            ),
            Detail::Review {
                review,
                note_erased,
            } => {
                let (from_fr, from_en) = review.previous.label();
                let (to_fr, to_en) = review.status.label();
                let note = if *note_erased {
                    format!(
                        " <span class=\"muted\" data-note-erased>{}</span>",
                        bi(
                            "(note effacée avec le signalement)",
                            "(note erased with the report)"
                        )
                    )
                } else if review.note.is_empty() {
                    String::new()
                } else {
                    format!("<div class=\"pre\">{}</div>", escape(&review.note))
                };
                format!(" : {} → {}{note}", bi(from_fr, from_en), bi(to_fr, to_en))
            }
            Detail::Forward { facts } => {
                format!("<div class=\"pre\">{}</div>", escape(facts))
            }
            Detail::Redaction { reason } => {
                format!("<div class=\"pre\">{}</div>", escape(reason))
            }
            Detail::Erased => format!(
                " <span class=\"muted\" data-erased>{}</span>",
                bi(
                    "(contenu effacé, empreinte conservée)",
                    "(content erased, hash kept)"
                )
            ),
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
