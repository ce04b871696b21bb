//! The dashboard's other sections: emails, traces, privacy and attestations.

use std::fmt::Write;

use super::{Data, TRACES_SHOWN};
use crate::handlers::report_page::{self, mail_state, retry_button};
use crate::handlers::settings_page;
use crate::html::{bi, display_time, escape, external_link, one_language, truncate};
use crate::state::AppState;
use crate::store::attestations::AttestationRecord;
use crate::store::privacy::RedactedBy;

pub(super) fn render_mail(
    html: &mut String,
    state: &AppState,
    settings: &crate::mail::MailSettings,
    data: &Data,
) {
    let _ = write!(html, "<h2>{}</h2>", bi("Courriels", "Emails"));
    html.push_str("<section class=\"cards\" data-mail-section>");
    if settings.forwarding_on() {
        let _ = write!(
            html,
            "<div class=\"card ok\" data-forwarding=\"on\"><div class=\"label\">{}</div><div class=\"value status-ok\">{}</div></div>",
            bi("Transfert par courriel", "Email forwarding"),
            bi("Activé", "On"),
        );
    } else {
        let _ = write!(
            html,
            "<div class=\"card warn\" data-forwarding=\"off\"><div class=\"label\">{}</div><div class=\"value status-warn\">{}</div>\
             <div class=\"small\"><a href=\"/settings\">{}</a></div></div>",
            bi("Transfert par courriel", "Email forwarding"),
            bi("Désactivé", "Off"),
            bi("Configurer le serveur SMTP", "Set up the SMTP server"),
        );
    }
    for (label, value, attr) in [
        (
            bi("En file d'attente", "Queued"),
            data.mail.queued,
            "queued",
        ),
        (bi("Envoyés", "Sent"), data.mail.sent, "sent"),
        (
            bi("En échec (nouvel essai prévu)", "Failing (will retry)"),
            data.mail.retrying,
            "retrying",
        ),
        (bi("Refusés", "Refused"), data.mail.failed, "failed"),
    ] {
        let class = match attr {
            "failed" if value > 0 => " bad",
            "retrying" if value > 0 => " warn",
            _ => "",
        };
        let _ = write!(
            html,
            "<div class=\"card{class}\" data-mail-count=\"{attr}\"><div class=\"label\">{label}</div><div class=\"value\">{value}</div></div>"
        );
    }
    html.push_str("</section>");
    if !settings.problems.is_empty() {
        html.push_str(&settings_page::problems_notice(
            &settings.problems,
            &format!(
                "<a href=\"/settings\">{}</a>",
                bi("Ouvrir les réglages", "Open the settings")
            ),
        ));
    } else if !settings.forwarding_on() {
        let _ = write!(
            html,
            "<p class=\"notice warn\">{} {}</p>",
            bi(
                "Le transfert par courriel est désactivé : les signalements sont conservés ici et chacun peut être téléchargé comme courriel (.eml). Il manque :",
                "Email forwarding is off: reports are kept here and each can be downloaded as an email (.eml). Missing:"
            ),
            settings
                .missing()
                .iter()
                .map(|missing| one_language(missing))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    if !data.troubled.is_empty() {
        let _ = write!(
            html,
            "<div class=\"table-wrap\"><table data-troubled><thead><tr><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
            bi("Signalement", "Report"),
            bi("État", "State"),
        );
        for mail in &data.troubled {
            let _ = write!(
                html,
                "<tr data-mail-status=\"{status}\"><td><a href=\"/reports/{id}\">{id_short}…</a></td><td>{state_text}</td><td>{retry}</td></tr>",
                status = escape(&mail.status),
                id = escape(&mail.report_id),
                id_short = escape(mail.report_id.get(..8).unwrap_or_default()),
                state_text = mail_state(mail, settings.forwarding_on()),
                retry = retry_button(state, mail, "/"),
            );
        }
        html.push_str("</tbody></table></div>");
    }
}

/// The traces: the form to add one and the newest ones.
pub(super) fn render_traces(html: &mut String, state: &AppState, data: &Data) {
    let _ = write!(
        html,
        "<h2 id=\"traces\">{}</h2><p class=\"small en\">{}</p>",
        bi("Traces d'interactions", "Traces of interactions"),
        bi(
            "Une interaction que vous avez eue (message, appel, commentaire), consignée pour que le dossier soit complet.",
            "An interaction you had (a message, a call, a comment), recorded so that the record is complete."
        )
    );
    let _ = write!(
        html,
        "<details class=\"add-trace\"><summary>{summary}</summary>\
         <form class=\"stack\" method=\"post\" action=\"/traces\" enctype=\"multipart/form-data\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"trace-text\">{text_label}</label>\
         <textarea id=\"trace-text\" name=\"text\" rows=\"5\" required maxlength=\"10000\"></textarea>\
         <label for=\"trace-site\">{site_label}</label>\
         <input id=\"trace-site\" name=\"site\" required maxlength=\"200\">\
         <label for=\"trace-url\">{url_label}</label>\
         <input id=\"trace-url\" name=\"url\" type=\"url\" maxlength=\"2048\" placeholder=\"https://\">\
         <label for=\"trace-when\">{when_label}</label>\
         <input id=\"trace-when\" name=\"occurred_at\" type=\"datetime-local\" required>\
         <label for=\"trace-screenshot\">{shot_label}</label>\
         <input id=\"trace-screenshot\" name=\"screenshot\" type=\"file\" accept=\"image/png,image/jpeg\">\
         <label for=\"trace-sha\">{sha_label}</label>\
         <input id=\"trace-sha\" name=\"screenshot_sha256\" maxlength=\"64\" pattern=\"[0-9a-fA-F]{{64}}\">\
         <div><button type=\"submit\" id=\"trace-submit\">{submit}</button></div></form></details>",
        summary = bi("Ajouter une trace", "Add a trace"),
        csrf = escape(state.csrf()),
        text_label = bi(
            "Ce qui s'est passé (obligatoire)",
            "What happened (required)"
        ),
        site_label = bi("Site ou réseau (obligatoire)", "Site or network (required)"),
        url_label = bi("Adresse de la page (facultatif)", "Page address (optional)"),
        when_label = bi(
            "Quand (heure locale, obligatoire)",
            "When (local time, required)"
        ),
        shot_label = bi(
            "Capture d'écran PNG ou JPEG (facultatif)",
            "PNG or JPEG screenshot (optional)"
        ),
        sha_label = bi(
            "SHA-256 attendu de la capture, si vous l'avez noté (facultatif : elle est refusée s'il diffère)",
            "Expected SHA-256 of the screenshot, if you noted it (optional: it is refused if it differs)"
        ),
        submit = bi("Enregistrer la trace", "Record the trace"),
    );
    if data.traces.is_empty() {
        let _ = write!(
            html,
            "<div class=\"empty\">{}</div>",
            bi("Aucune trace pour l'instant.", "No trace yet.")
        );
        return;
    }
    let _ = write!(
        html,
        "<div class=\"table-wrap\"><table data-trace-list><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        bi("Quand", "When"),
        bi("Site", "Site"),
        bi("Ce qui s'est passé", "What happened"),
        bi("Capture", "Screenshot"),
        bi("Preuve", "Evidence"),
    );
    for record in &data.traces {
        let trace = &record.trace;
        let id = escape(&trace.id);
        let url = trace
            .url
            .as_deref()
            .map(|url| {
                format!(
                    "<div class=\"small\">{}</div>",
                    external_link(url, &escape(&truncate(url, 60)))
                )
            })
            .unwrap_or_default();
        let _ = write!(
            html,
            "<tr data-trace-id=\"{id}\"><td class=\"small nowrap\">{when}</td><td>{site}{url}</td>\
             <td><a href=\"/traces/{id}\">{text}</a></td><td class=\"small\">{shot}</td>\
             <td class=\"small\"><span class=\"hash\" title=\"{hash}\">#{seq}</span></td></tr>",
            when = escape(&trace.occurred_at.replacen('T', " ", 1)),
            site = escape(&trace.site),
            text = escape(&truncate(&trace.text, 140)),
            shot = if trace.screenshot.is_some() {
                bi("oui", "yes")
            } else {
                "—".to_owned()
            },
            hash = escape(&record.entry_hash),
            seq = record.evidence_seq,
        );
    }
    html.push_str("</tbody></table></div>");
    if data.trace_total > TRACES_SHOWN {
        let _ = write!(
            html,
            "<p class=\"small en\">{} {TRACES_SHOWN} / {}</p>",
            bi("Les plus récentes :", "The newest:"),
            data.trace_total
        );
    }
}

pub(super) fn render_privacy(html: &mut String, state: &AppState, data: &Data) {
    let retention = match state.retention_days() {
        Some(days) => bi(
            &format!(
                "Délai de conservation : {days} jours après la réception. Un signalement plus ancien est caviardé automatiquement (au démarrage du compagnon, puis chaque jour)."
            ),
            &format!(
                "Retention period: {days} days after receipt. An older report is redacted automatically (when the companion starts, then daily)."
            ),
        ),
        None => bi(
            "Aucun délai de conservation : les signalements sont gardés jusqu'à ce que vous les effaciez.",
            "No retention period: reports are kept until you erase them.",
        ),
    };
    let _ = write!(
        html,
        "<h2>{title}</h2><section class=\"privacy\" data-redacted-total=\"{total}\">\
         <p class=\"small\">{retention} <a href=\"/settings#privacy\">{change}</a></p>\
         <p class=\"small en\">{kept}</p>",
        title = bi("Vie privée (Loi 25)", "Privacy (Law 25)"),
        total = data.redacted_total,
        change = bi("Modifier", "Change"),
        kept = report_page::what_is_kept(),
    );
    if data.redactions.is_empty() {
        let _ = write!(
            html,
            "<div class=\"empty\">{}</div>",
            bi("Aucun signalement caviardé.", "No report redacted.")
        );
    } else {
        let _ = write!(
            html,
            "<div class=\"table-wrap\"><table data-redaction-log><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            bi("Caviardé le", "Redacted on"),
            bi("Signalement", "Report"),
            bi("Par", "By"),
            bi("Raison", "Reason"),
            bi("Preuve", "Evidence"),
        );
        for stored in &data.redactions {
            let redaction = &stored.redaction;
            let by = match redaction.by {
                RedactedBy::Manager => format!(
                    "{} {}",
                    bi("gestionnaire", "manager"),
                    escape(redaction.manager.as_deref().unwrap_or_default())
                ),
                RedactedBy::Retention => bi("délai de conservation", "retention period"),
            };
            let _ = write!(
                html,
                "<tr data-redacted-report=\"{id}\"><td class=\"small nowrap\">{at}</td>\
                 <td class=\"small\"><a href=\"/reports/{id}\">{id_short}…</a></td>\
                 <td class=\"small\">{by}</td><td class=\"small\">{reason}</td><td class=\"small\">#{seq}</td></tr>",
                id = escape(&redaction.report_id),
                id_short = escape(redaction.report_id.get(..8).unwrap_or_default()),
                at = escape(&display_time(&stored.recorded_at)),
                reason = escape(&truncate(&redaction.reason, 200)),
                seq = stored.evidence_seq,
            );
        }
        html.push_str("</tbody></table></div>");
    }
    html.push_str("</section>");
}

/// The attestations, newest first.
pub(super) fn render_attestations(html: &mut String, data: &Data) {
    let _ = write!(html, "<h2>{}</h2>", bi("Attestations", "Attestations"));
    if data.attestations.is_empty() {
        let _ = write!(
            html,
            "<div class=\"empty\">{}</div>",
            bi("Aucune attestation pour l'instant.", "No attestation yet.")
        );
    } else {
        let _ = write!(
            html,
            "<div class=\"table-wrap\"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            bi("Publiée", "Published"),
            bi("Site / page", "Site / page"),
            bi("Liste de vérification", "Checklist"),
            bi("Raison de passer outre", "Override reason"),
            bi("Preuve", "Evidence"),
        );
        for attestation in &data.attestations {
            render_attestation(html, attestation);
        }
        html.push_str("</tbody></table></div>");
    }
}

fn render_attestation(html: &mut String, attestation: &AttestationRecord) {
    let value = &attestation.attestation;
    let text = |name: &str| value.get(name).and_then(|v| v.as_str()).unwrap_or_default();
    let mut counts: Vec<(String, usize)> = Vec::new();
    if let Some(items) = value.get("checklist").and_then(|v| v.as_array()) {
        for item in items {
            let state = item
                .get("state")
                .and_then(|s| s.as_str())
                .unwrap_or("?")
                .to_owned();
            match counts.iter_mut().find(|(s, _)| *s == state) {
                Some((_, n)) => *n += 1,
                None => counts.push((state, 1)),
            }
        }
    }
    let findings = value
        .get("findings")
        .and_then(|v| v.as_array())
        .map_or(0, Vec::len);
    let summary = counts
        .iter()
        .map(|(state, n)| format!("{} {n}", escape(state)))
        .collect::<Vec<_>>()
        .join(" · ");
    let reason = value
        .get("overrideReason")
        .and_then(|v| v.as_str())
        .map(|r| escape(&truncate(r, 240)))
        .unwrap_or_else(|| "<span class=\"en\">—</span>".into());
    let _ = write!(
        html,
        "<tr><td class=\"small nowrap\">{recorded}</td>\
         <td>{site}<div class=\"small\">{url_link}</div></td>\
         <td class=\"small\">{summary}<div class=\"en\">{findings} {findings_label}</div></td>\
         <td class=\"small\">{reason}</td>\
         <td class=\"small\"><span class=\"hash\" title=\"{hash}\">#{seq}</span></td></tr>",
        recorded = escape(&display_time(text("recordedAt"))),
        site = escape(text("site")),
        url_link = external_link(text("pageUrl"), &escape(&truncate(text("pageUrl"), 60))),
        findings_label = bi("constat(s)", "finding(s)"),
        hash = escape(&attestation.entry_hash),
        seq = attestation.evidence_seq,
    );
}
