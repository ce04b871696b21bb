//! The readable summary (`resume-summary.html`) of an exported selection of reports.

use std::fmt::Write;

use balise_core::package::{VerifiedPackage, selection_entry};

use super::letter::{category_label, current_of, display_instant, site_name};
use crate::html::escape;
use crate::store::reviews::ReviewStatus;

/// One report of a selection, as exported.
#[derive(Debug)]
pub struct Selected<'a> {
    /// Its package, opened and verified again after it was built.
    pub package: &'a VerifiedPackage,
    /// Where the manager's triage stood when it was exported.
    pub status: ReviewStatus,
}

/// One labelled line of a report's table: label (French / English) and its HTML value.
fn line(html: &mut String, fr: &str, en: &str, value: &str) {
    let _ = write!(
        html,
        "<tr><th style=\"text-align:left;vertical-align:top;padding:4px 8px;width:28%;font-weight:600\">\
         {fr}<br><span lang=\"en\" style=\"font-weight:400;color:#5a6478\">{en}</span></th>\
         <td style=\"padding:4px 8px;overflow-wrap:anywhere\">{value}</td></tr>"
    );
}

fn both(fr: &str, en: &str) -> String {
    format!(
        "{}<br><span lang=\"en\" style=\"color:#5a6478\">{}</span>",
        escape(fr),
        escape(en)
    )
}

/// French then English, self-contained (inline styles, no external resource, no script):
/// each report with what the manager needs to read it (when, where, who, category, note,
/// status) and its package's SHA-256 and chain head, how to check them, and what a capture
/// on the reporter's own computer proves and does not. Every field from a report is escaped.
pub fn selection_summary(selected: &[Selected<'_>], organization: &str, now: &str) -> String {
    let (now_fr, now_en) = display_instant(now);
    let mut reports = String::new();
    for (index, item) in selected.iter().enumerate() {
        let package = item.package;
        let report = &package.report;
        let (category, note) = current_of(report, &package.annotations);
        let title = if report.page_title.trim().is_empty() {
            &report.page_url
        } else {
            &report.page_title
        };
        let _ = write!(
            reports,
            "<h2 style=\"font-size:18px;margin:28px 0 8px\">{number}. {title}</h2>\
             <table style=\"border-collapse:collapse;border:1px solid #dde2ea;width:100%;table-layout:fixed\"><tbody>",
            number = index + 1,
            title = escape(title),
        );
        let (captured_fr, captured_en) = display_instant(&report.captured_at);
        line(
            &mut reports,
            "Capturé le",
            "Captured",
            &both(&captured_fr, &captured_en),
        );
        line(&mut reports, "Site", "Site", &escape(&site_name(report)));
        line(
            &mut reports,
            "Adresse de la page",
            "Page address",
            &format!(
                "<span style=\"font-family:monospace\">{}</span>",
                escape(&report.page_url)
            ),
        );
        line(
            &mut reports,
            "Signalé par",
            "Reported by",
            &format!(
                "{} &lt;{}&gt;",
                escape(&report.reporter.name),
                escape(&report.reporter.email)
            ),
        );
        let category = category.map_or_else(
            || "—".to_owned(),
            |c| {
                let (fr, en) = category_label(c);
                both(&fr, &en)
            },
        );
        line(&mut reports, "Catégorie", "Category", &category);
        let (status_fr, status_en) = item.status.label();
        line(&mut reports, "Suivi", "Status", &both(status_fr, status_en));
        if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
            line(
                &mut reports,
                "Note",
                "Note",
                &format!(
                    "<span style=\"white-space:pre-wrap\">{}</span>",
                    escape(&note)
                ),
            );
        }
        if let Some(text) = report
            .selected_text
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            line(
                &mut reports,
                "Texte sélectionné",
                "Selected text",
                &format!(
                    "<span style=\"white-space:pre-wrap\">{}</span>",
                    escape(text)
                ),
            );
        }
        line(
            &mut reports,
            "Paquet",
            "Package",
            &format!(
                "<span style=\"font-family:monospace\">{file}</span><br>SHA-256 \
                 <span style=\"font-family:monospace;word-break:break-all\">{sha}</span>",
                file = escape(&selection_entry(&report.id)),
                sha = escape(&package.package_sha256),
            ),
        );
        line(
            &mut reports,
            "Capture (SHA-256)",
            "Screenshot (SHA-256)",
            &format!(
                "<span style=\"font-family:monospace;word-break:break-all\">{}</span>",
                escape(&package.screenshot_sha256)
            ),
        );
        if let Some(head) = &package.evidence.chain_head {
            line(
                &mut reports,
                "Tête de la chaîne de preuves",
                "Evidence chain head",
                &format!(
                    "#{} <span style=\"font-family:monospace;word-break:break-all\">{}</span>",
                    head.seq,
                    escape(&head.entry_hash)
                ),
            );
        }
        reports.push_str("</tbody></table>");
    }
    format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sélection de preuves / Evidence selection</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:900px;margin:24px auto;padding:0 12px;color:#1d2433;line-height:1.45\">\
         <h1 style=\"font-size:22px\">{org} — sélection de {count} signalement(s)</h1>\
         <p>Exportée le {now_fr} par le compagnon Balise. Chaque paquet se vérifie seul : \
         décompressez-le, puis <code>sha256sum -c manifest.sha256</code>. Le compagnon de la \
         personne gestionnaire le vérifie aussi contre sa base : \
         <code>balise-companion verify --against</code> ce fichier.</p>\
         <p lang=\"en\"><em>{org} — a selection of {count} report(s), exported on {now_en} by the \
         Balise companion. Each package checks on its own: unzip it, then \
         <code>sha256sum -c manifest.sha256</code>. The manager's companion also checks it against \
         its database: <code>balise-companion verify --against</code> this file.</em></p>\
         {reports}\
         <h2 style=\"font-size:18px;margin:28px 0 8px\">Ce que cela prouve / What this proves</h2>\
         <p>Les empreintes prouvent que rien n'a changé depuis que le compagnon a reçu chaque \
         signalement, et que chaque capture est bien celle que nomme son signalement. Elles ne prouvent \
         pas l'authenticité de la page : une capture faite sur l'ordinateur de la personne qui signale \
         peut avoir été précédée d'une modification de la page. Vérifiez les faits à la source avant \
         d'y répondre.</p>\
         <p lang=\"en\"><em>The hashes prove that nothing changed since the companion received each \
         report, and that each screenshot is the one its report names. They do not prove the page was \
         authentic: a capture made on the reporter's own computer could follow an edit of the page. \
         Check the facts at their source before answering.</em></p>\
         </body></html>",
        org = escape(organization),
        count = selected.len(),
        now_fr = escape(&now_fr),
        now_en = escape(&now_en),
    )
}
