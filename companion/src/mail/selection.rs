//! The readable summary (`resume-summary.html`) of an exported selection of reports.

use std::fmt::Write;

use balise_core::digest::sha256_hex;
use balise_core::package::selection_entry;

use crate::html::escape;

/// French then English, self-contained (inline styles, no external resource): which
/// packages the selection holds, each with its SHA-256, how to check them, and what a
/// capture on the reporter's own computer proves and does not.
pub fn selection_summary(packages: &[(String, Vec<u8>)], organization: &str, now: &str) -> String {
    let mut rows = String::new();
    for (id, bytes) in packages {
        let _ = write!(
            rows,
            "<tr><td style=\"padding:4px 8px;font-family:monospace\">{file}</td>\
             <td style=\"padding:4px 8px;font-family:monospace;word-break:break-all\">{sha}</td></tr>",
            file = escape(&selection_entry(id)),
            sha = sha256_hex(bytes),
        );
    }
    format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
         <title>Sélection de preuves / Evidence selection</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:900px;margin:24px auto;color:#1d2433\">\
         <h1>{org} — sélection de {count} signalement(s)</h1>\
         <p>Exportée le {now} (UTC) par le compagnon Balise. Chaque paquet se vérifie seul : \
         décompressez-le, puis <code>sha256sum -c manifest.sha256</code>.</p>\
         <p lang=\"en\"><em>{org} — a selection of {count} report(s), exported on {now} (UTC) by the \
         Balise companion. Each package checks on its own: unzip it, then \
         <code>sha256sum -c manifest.sha256</code>.</em></p>\
         <table style=\"border-collapse:collapse;border:1px solid #dde2ea\">\
         <thead><tr><th style=\"text-align:left;padding:4px 8px\">Paquet / Package</th>\
         <th style=\"text-align:left;padding:4px 8px\">SHA-256</th></tr></thead><tbody>{rows}</tbody></table>\
         <p>Une capture faite sur l'ordinateur de la personne qui signale peut avoir été précédée d'une \
         modification de la page : les empreintes prouvent que rien n'a changé depuis la réception, pas \
         l'authenticité de la page.</p>\
         <p lang=\"en\"><em>A capture made on the reporter's own computer could follow an edit of the page: \
         the hashes prove nothing changed since receipt, not that the page was authentic.</em></p>\
         </body></html>",
        org = escape(organization),
        count = packages.len(),
        now = escape(now),
    )
}
