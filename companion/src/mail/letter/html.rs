//! The HTML alternative: tables and inline styles that mail clients show alike.

use std::fmt::Write;

use super::{HONEST_EN, HONEST_FR, LetterInput, Row, VERIFY_EN, VERIFY_FR, category_label, intro};
use crate::html::escape;
use crate::store::mail::MailKind;

/// HTML for mail clients: tables and inline styles (Outlook ignores most CSS), every value escaped.
pub(super) fn html_body(input: &LetterInput, rows: &[Row], subject: &str) -> String {
    let (intro_fr, intro_en) = intro(input);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"margin:0;padding:0;background:#f5f7fa;\">\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f5f7fa;\">\
         <tr><td align=\"center\" style=\"padding:16px;\">\
         <table role=\"presentation\" width=\"640\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:640px;width:100%;background:#ffffff;border:1px solid #dde2ea;font-family:Segoe UI,Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5;color:#1d2433;\">\
         <tr><td style=\"background:#13294b;color:#ffffff;padding:12px 18px;font-size:18px;font-weight:bold;\">Balise <span style=\"font-size:12px;font-weight:normal;\">{}</span></td></tr>",
        escape(subject),
        escape(&input.organization)
    );
    for french in [true, false] {
        let lang = if french { "fr" } else { "en" };
        let _ = write!(
            html,
            "<tr><td lang=\"{lang}\" style=\"padding:16px 18px 4px;{}\">",
            if french {
                ""
            } else {
                "border-top:2px solid #dde2ea;"
            }
        );
        if !french {
            html.push_str(
                "<p style=\"margin:0 0 8px;color:#5b6475;font-size:12px;\">English follows the French / Le français précède l'anglais</p>",
            );
        }
        let _ = write!(
            html,
            "<p style=\"margin:0 0 12px;\">{}</p>",
            escape(if french { &intro_fr } else { &intro_en })
        );
        if let Some(forward) = &input.forward {
            let _ = write!(
                html,
                "<div style=\"margin:0 0 14px;padding:10px 12px;background:#fff8e6;border-left:4px solid #9a6700;\">\
                 <div style=\"font-weight:bold;margin-bottom:4px;\">{}</div><div style=\"white-space:pre-wrap;\">{}</div></div>",
                escape(&if french {
                    format!("Faits vérifiés par {} :", forward.manager_name)
                } else {
                    format!("Facts verified by {}:", forward.manager_name)
                }),
                escape(&forward.facts)
            );
        }
        if input.kind == MailKind::FollowUp {
            for annotation in &input.annotations {
                html.push_str("<div style=\"margin:0 0 14px;padding:10px 12px;background:#eef4fb;border-left:4px solid #0b5cad;\">");
                if let Some(category) = annotation.annotation.category {
                    let (fr, en) = category_label(category);
                    let _ = write!(
                        html,
                        "<div><b>{}</b> {}</div>",
                        if french { "Catégorie :" } else { "Category:" },
                        escape(if french { &fr } else { &en })
                    );
                }
                if let Some(note) = &annotation.annotation.note {
                    let _ = write!(
                        html,
                        "<div style=\"white-space:pre-wrap;\"><b>Note{}</b> {}</div>",
                        if french { " :" } else { ":" },
                        escape(note)
                    );
                }
                html.push_str("</div>");
            }
        }
        html.push_str("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;\">");
        for row in rows {
            let value = if french { &row.value_fr } else { &row.value_en };
            let shown = if row.link {
                format!(
                    "<a href=\"{url}\" style=\"color:#0b5cad;word-break:break-all;\">{url}</a>",
                    url = escape(value)
                )
            } else if row.code {
                format!(
                    "<span style=\"font-family:Consolas,Menlo,monospace;font-size:12px;word-break:break-all;\">{}</span>",
                    escape(value)
                )
            } else {
                format!(
                    "<span style=\"white-space:pre-wrap;\">{}</span>",
                    escape(value)
                )
            };
            let _ = write!(
                html,
                "<tr><td valign=\"top\" style=\"padding:5px 10px 5px 0;border-bottom:1px solid #eef0f4;color:#5b6475;width:34%;\">{}</td>\
                 <td valign=\"top\" style=\"padding:5px 0;border-bottom:1px solid #eef0f4;\">{shown}</td></tr>",
                escape(if french { row.fr } else { row.en })
            );
        }
        html.push_str("</table>");
        if input.kind != MailKind::FollowUp {
            let _ = write!(
                html,
                "<p style=\"margin:12px 0 6px;\">{}</p><p style=\"margin:0 0 12px;color:#5b6475;font-size:12.5px;\">{}</p>",
                escape(if french { VERIFY_FR } else { VERIFY_EN }),
                escape(if french { HONEST_FR } else { HONEST_EN })
            );
        }
        html.push_str("</td></tr>");
    }
    html.push_str(
        "<tr><td style=\"padding:10px 18px;color:#5b6475;font-size:12px;border-top:1px solid #dde2ea;\">Balise — compagnon local / local companion</td></tr>\
         </table></td></tr></table></body></html>",
    );
    html
}
