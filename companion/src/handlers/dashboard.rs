//! `GET /`: the content manager's dashboard (reports filtered and paged, traces and the
//! form to add one, attestations, evidence-chain status, the manager's appointment, email
//! forwarding and the emails that need attention, importing a member's report, privacy:
//! the retention period and the log of redactions).

use std::fmt::Write;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use balise_core::report::ReportCategory;
use serde::Deserialize;

use super::appointment::{self, CurrentAppointment};
use super::report_page::{mail_state, retry_button};
use crate::error::Result;
use crate::html::{
    Nav, bi, display_time, escape, external_link, one_language, page, pick, truncate,
};
use crate::state::AppState;
use crate::store::attestations::{self, AttestationRecord};
use crate::store::mail::{self as queue, MailCounts, MailRecord};
use crate::store::privacy::{self, RedactedBy, StoredRedaction};
use crate::store::report_filter::{self, ReportFilter};
use crate::store::reports::{self, ReportRecord};
use crate::store::reviews::ReviewStatus;
use crate::store::traces::{self, TraceRecord};
use crate::store::{ChainStatus, appointments, pairing, verify_evidence_chain};

/// Reports per dashboard page.
pub const PAGE_SIZE: i64 = 50;

/// Traces shown on the dashboard (newest first).
const TRACES_SHOWN: i64 = 50;

/// Query of `GET /`: the report list's filters and page, as the filter form sends them
/// (empty fields mean "any"; values that do not parse are ignored, and said so).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    /// How many reports to skip.
    pub offset: Option<String>,
    /// Current status (`new`, `under_review`, …).
    pub status: Option<String>,
    /// Current category code.
    pub category: Option<String>,
    /// Site, exactly.
    pub site: Option<String>,
    /// Part of the reporter's name or email.
    pub reporter: Option<String>,
    /// Received from this day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Received until this day (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// Text search.
    pub q: Option<String>,
}

fn filled(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl DashboardQuery {
    /// The store's filter, and the names of the parameters that were ignored.
    pub fn filter(&self) -> (ReportFilter, Vec<&'static str>) {
        let mut ignored = Vec::new();
        let status = filled(&self.status).and_then(|name| {
            let status = ReviewStatus::parse(&name);
            if status.is_none() {
                ignored.push("status");
            }
            status
        });
        let category = filled(&self.category).filter(|code| {
            let known = ReportCategory::ALL.iter().any(|c| c.as_str() == code);
            if !known {
                ignored.push("category");
            }
            known
        });
        let mut date = |value: &Option<String>, name: &'static str| {
            filled(value).filter(|day| {
                let ok = balise_core::validate::is_date(day);
                if !ok {
                    ignored.push(name);
                }
                ok
            })
        };
        let received_from = date(&self.from, "from");
        let received_to = date(&self.to, "to");
        (
            ReportFilter {
                status,
                category,
                site: filled(&self.site),
                reporter: filled(&self.reporter),
                received_from,
                received_to,
                text: filled(&self.q),
            },
            ignored,
        )
    }

    /// The page's first report.
    pub fn offset(&self) -> i64 {
        filled(&self.offset)
            .and_then(|o| o.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0)
    }
}

/// The query string (without `?`) of the list with `filter` at `offset`.
pub fn list_query(filter: &ReportFilter, offset: i64) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let pairs = [
        ("status", filter.status.map(|s| s.as_str().to_owned())),
        ("category", filter.category.clone()),
        ("site", filter.site.clone()),
        ("reporter", filter.reporter.clone()),
        ("from", filter.received_from.clone()),
        ("to", filter.received_to.clone()),
        ("q", filter.text.clone()),
    ];
    for (name, value) in pairs {
        if let Some(value) = value {
            query.append_pair(name, &value);
        }
    }
    if offset > 0 {
        query.append_pair("offset", &offset.to_string());
    }
    query.finish()
}

struct Data {
    chain: ChainStatus,
    reports: Vec<ReportRecord>,
    report_total: i64,
    matching: i64,
    sites: Vec<String>,
    traces: Vec<TraceRecord>,
    trace_total: i64,
    attestations: Vec<AttestationRecord>,
    attestation_total: i64,
    paired: i64,
    mail: MailCounts,
    troubled: Vec<MailRecord>,
    appointment: CurrentAppointment,
    redactions: Vec<StoredRedaction>,
    redacted_total: i64,
}

/// `GET /`
pub async fn dashboard(
    State(state): State<AppState>,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Response> {
    let query = query.map(|q| q.0).unwrap_or_default();
    let offset = query.offset();
    let (filter, ignored) = query.filter();
    let list_filter = filter.clone();
    let policy = state.policy().clone();
    let data = state
        .store()
        .read(move |tx| -> crate::store::Result<_> {
            Ok(Data {
                chain: verify_evidence_chain(tx)?,
                reports: report_filter::list(tx, &list_filter, PAGE_SIZE, offset)?,
                report_total: reports::count(tx)?,
                matching: report_filter::count(tx, &list_filter)?,
                sites: report_filter::sites(tx)?,
                traces: traces::list(tx, TRACES_SHOWN, 0)?,
                trace_total: traces::count(tx)?,
                attestations: attestations::list(tx, 20, 0)?,
                attestation_total: attestations::count(tx)?,
                paired: pairing::active_count(tx)?,
                mail: queue::counts(tx)?,
                troubled: queue::troubled(tx, 20)?,
                appointment: appointment::current(&policy, appointments::latest(tx)?),
                redactions: privacy::recent(tx, 20)?,
                redacted_total: privacy::count(tx)?,
            })
        })
        .await?;
    if let Some(seq) = data.chain.first_broken_seq {
        tracing::error!(seq, reason = ?data.chain.reason, "evidence chain broken");
    }
    Ok(page(
        pick("Tableau de bord", "Dashboard"),
        Nav::Dashboard,
        &render(&state, &data, &filter, &ignored, offset),
    ))
}

/// A category's label in both languages (the code itself if unknown).
pub fn category_label(code: &str) -> String {
    match serde_json::from_value::<ReportCategory>(serde_json::Value::String(code.to_owned())) {
        Ok(category) => {
            let label = category.label();
            bi(&label.fr, &label.en)
        }
        Err(_) => escape(code),
    }
}

fn render(
    state: &AppState,
    data: &Data,
    filter: &ReportFilter,
    ignored: &[&str],
    offset: i64,
) -> String {
    let settings = state.mailer().settings();
    let mut html = String::new();
    let _ = write!(
        html,
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        bi("Tableau de bord", "Dashboard"),
        bi(
            "Signalements et attestations reçus des extensions Balise, conservés comme preuves.",
            "Reports and attestations received from Balise extensions, kept as evidence."
        )
    );

    // Status cards.
    html.push_str("<section class=\"cards\">");
    match data.chain.first_broken_seq {
        None => {
            let _ = write!(
                html,
                "<div class=\"card ok\"><div class=\"label\">{}</div><div class=\"value status-ok\">{}</div>\
                 <div class=\"small\">{} {}</div></div>",
                bi("Chaîne de preuves", "Evidence chain"),
                bi("Vérifiée", "Verified"),
                data.chain.entries,
                bi("entrées", "entries"),
            );
        }
        Some(seq) => {
            let _ = write!(
                html,
                "<div class=\"card bad\"><div class=\"label\">{}</div><div class=\"value status-bad\">{} {seq}</div>\
                 <div class=\"small\">{}</div></div>",
                bi("Chaîne de preuves", "Evidence chain"),
                bi("Rompue à l'entrée", "Broken at entry"),
                escape(data.chain.reason.as_deref().unwrap_or_default()),
            );
        }
    }
    for (label, value) in [
        (bi("Signalements", "Reports"), data.report_total),
        (bi("Traces", "Traces"), data.trace_total),
        (bi("Attestations", "Attestations"), data.attestation_total),
        (bi("Extensions jumelées", "Paired extensions"), data.paired),
    ] {
        let _ = write!(
            html,
            "<div class=\"card\"><div class=\"label\">{label}</div><div class=\"value\">{value}</div></div>"
        );
    }
    html.push_str("</section>");
    html.push_str(&appointment::card(&data.appointment, appointment::today()));
    render_mail(&mut html, state, &settings, data);
    if data.paired == 0 {
        let _ = write!(
            html,
            "<p class=\"notice\">{} <a href=\"/pair\">{}</a></p>",
            bi(
                "Aucune extension n'est encore jumelée.",
                "No extension is paired yet."
            ),
            bi("Jumeler une extension", "Pair an extension"),
        );
    }

    // Import.
    let _ = write!(
        html,
        "<details class=\"import\"><summary>{}</summary>\
         <form class=\"stack import\" method=\"post\" action=\"/import\" enctype=\"multipart/form-data\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label for=\"import-file\">{}</label>\
         <input id=\"import-file\" name=\"file\" type=\"file\" accept=\".eml,.zip,message/rfc822,application/zip\" required>\
         <div><button type=\"submit\">{}</button></div></form></details>",
        bi(
            "Importer le signalement d'un membre",
            "Import a member's report"
        ),
        escape(state.csrf()),
        bi(
            "Déposez ici le courriel reçu (.eml) ou le paquet de preuves joint (.zip) : tout est vérifié avant d'être enregistré.",
            "Drop the received email (.eml) or the attached evidence package (.zip) here: everything is verified before it is stored."
        ),
        bi("Importer", "Import"),
    );

    // Reports.
    let _ = write!(
        html,
        "<h2 id=\"reports\">{}</h2>",
        bi("Signalements", "Reports")
    );
    render_filters(&mut html, data, filter);
    if !ignored.is_empty() {
        let _ = write!(
            html,
            "<p class=\"notice warn\" data-ignored-filters=\"{}\">{} {}</p>",
            escape(&ignored.join(" ")),
            bi(
                "Filtre ignoré (valeur invalide) :",
                "Filter ignored (invalid value):"
            ),
            escape(&ignored.join(", "))
        );
    }
    if data.reports.is_empty() {
        let empty = if filter.is_empty() {
            bi("Aucun signalement pour l'instant.", "No report yet.")
        } else {
            bi(
                "Aucun signalement ne correspond à ces filtres.",
                "No report matches these filters.",
            )
        };
        let _ = write!(
            html,
            "<div class=\"empty\" data-matching=\"0\">{empty}</div>"
        );
    } else {
        let _ = write!(
            html,
            "<div class=\"table-wrap\"><table class=\"reports\" data-report-list data-matching=\"{}\"><colgroup><col class=\"pick\"><col class=\"received\"><col class=\"page\"><col class=\"status\"><col class=\"reporter\"><col class=\"cat\"><col class=\"note\"><col class=\"sha\"><col class=\"shot\"></colgroup>\
             <thead><tr><th><span class=\"visually-hidden\">{}</span></th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>SHA-256</th><th>{}</th></tr></thead><tbody>",
            data.matching,
            bi("Choisir", "Select"),
            bi("Reçu", "Received"),
            bi("Page", "Page"),
            bi("Statut", "Status"),
            bi("Signalé par", "Reporter"),
            bi("Catégorie", "Category"),
            bi("Note", "Note"),
            bi("Capture", "Screenshot"),
        );
        for report in &data.reports {
            render_report(&mut html, report);
        }
        html.push_str("</tbody></table></div>");
        // The checkboxes above belong to this form (their `form` attribute): no script needed.
        let _ = write!(
            html,
            "<form id=\"export-selection\" class=\"inline export-selection\" method=\"post\" action=\"/export\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\">{}</button> <span class=\"small en\">{}</span></form>",
            escape(state.csrf()),
            bi("Exporter la sélection (ZIP)", "Export the selection (ZIP)"),
            bi(
                "Cochez des signalements : chacun part avec son paquet de preuves vérifiable et l'exportation est inscrite au journal.",
                "Tick reports: each goes with its verifiable evidence package, and the export is recorded in the log."
            ),
        );
        let shown_to = offset + i64::try_from(data.reports.len()).unwrap_or(0);
        html.push_str("<nav class=\"pager small\">");
        if offset > 0 {
            let _ = write!(
                html,
                "<a rel=\"prev\" href=\"/?{}#reports\">← {}</a>",
                escape(&list_query(filter, (offset - PAGE_SIZE).max(0))),
                bi("Plus récents", "Newer")
            );
        }
        let _ = write!(
            html,
            "<span>{}–{shown_to} / {}</span>",
            offset + 1,
            data.matching
        );
        if !filter.is_empty() {
            let _ = write!(
                html,
                "<span class=\"en\">{} {}</span>",
                bi("filtrés, sur un total de", "filtered, out of"),
                data.report_total
            );
        }
        if shown_to < data.matching {
            let _ = write!(
                html,
                "<a rel=\"next\" href=\"/?{}#reports\">{} →</a>",
                escape(&list_query(filter, shown_to)),
                bi("Plus anciens", "Older")
            );
        }
        html.push_str("</nav>");
    }

    render_traces(&mut html, state, data);
    render_privacy(&mut html, state, data);

    // Attestations.
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
            render_attestation(&mut html, attestation);
        }
        html.push_str("</tbody></table></div>");
    }
    let _ = write!(
        html,
        "<p class=\"small en\" style=\"margin-top:24px\">{}</p>",
        bi(
            "Une capture faite sur l'ordinateur de la personne qui signale peut avoir été précédée d'une modification de la page : les empreintes SHA-256 prouvent que rien n'a changé depuis la réception, pas l'authenticité de la page.",
            "A capture made on the reporter's own computer could follow an edit of the page: SHA-256 digests prove nothing changed since receipt, not that the page was authentic."
        )
    );
    html
}

fn render_privacy(html: &mut String, state: &AppState, data: &Data) {
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
        kept = super::report_page::what_is_kept(),
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

fn render_report(html: &mut String, report: &ReportRecord) {
    let id = escape(&report.id);
    if let Some(stored) = &report.redaction {
        let _ = write!(
            html,
            "<tr data-redacted><td></td><td class=\"small nowrap\">{received}</td>\
             <td><a href=\"/reports/{id}\">{label}</a><div class=\"small en\">{site}</div></td>\
             <td>{status}</td><td class=\"small en\">—</td><td class=\"small\">{category}</td><td class=\"small en\">—</td>\
             <td class=\"nowrap\"><span class=\"hash\" title=\"{sha}\">{sha_short}…</span>\
             <div class=\"small en\">{evidence_label} #{seq}</div></td><td class=\"small\">{removed}</td></tr>",
            received = escape(&display_time(&report.received_at)),
            label = bi("Signalement caviardé", "Redacted report"),
            status = status_badge(report.status),
            site = escape(stored.redaction.site.as_deref().unwrap_or_default()),
            category = stored
                .redaction
                .category
                .as_deref()
                .map(category_label)
                .unwrap_or_else(|| "—".into()),
            sha = escape(&report.screenshot_sha256),
            sha_short = escape(report.screenshot_sha256.get(..12).unwrap_or_default()),
            evidence_label = bi("preuve", "evidence"),
            seq = stored.evidence_seq,
            removed = bi("capture supprimée", "screenshot removed"),
        );
        return;
    }
    let url = report.field("pageUrl").unwrap_or_default();
    let title = report.field("pageTitle").unwrap_or_default();
    let title = if title.trim().is_empty() { url } else { title };
    let site = report.field("site").unwrap_or_default();
    let category = report
        .current_category()
        .map(category_label)
        .unwrap_or_else(|| "<span class=\"en\">—</span>".into());
    let note = report
        .current_note()
        .map(|note| escape(&truncate(note, 240)))
        .unwrap_or_else(|| "<span class=\"en\">—</span>".into());
    let annotated = if report.annotations.is_empty() {
        String::new()
    } else {
        format!(
            "<div class=\"small en\">{} ({})</div>",
            bi("annoté", "annotated"),
            report.annotations.len()
        )
    };
    let _ = write!(
        html,
        "<tr data-report-id=\"{id}\" data-status=\"{status_code}\">\
         <td><input type=\"checkbox\" name=\"id\" value=\"{id}\" form=\"export-selection\" aria-label=\"{pick_label}\"></td>\
         <td class=\"small\">{received}<div class=\"en\">{captured_label}<br>{captured}</div></td>\
         <td><a href=\"/reports/{id}\">{title}</a>\
         <div class=\"small en\">{site} · {url_link}</div>{mail}</td>\
         <td>{status}</td><td>{name}<div class=\"small en\">{email}</div></td>\
         <td class=\"small\">{category}</td><td class=\"small\">{note}{annotated}</td>\
         <td><span class=\"hash\" title=\"{sha}\">{sha_short}…</span>\
         <div class=\"small en\">{evidence_label} #{seq}</div></td>\
         <td><a href=\"/reports/{id}/screenshot.png\" target=\"_blank\" rel=\"noopener\">\
         <img class=\"thumb\" src=\"/reports/{id}/screenshot.png\" alt=\"{shot_alt}\" loading=\"lazy\"></a></td></tr>",
        received = escape(&display_time(&report.received_at)),
        status_code = report.status.as_str(),
        pick_label = bi("Choisir pour l'exportation", "Select for export"),
        captured_label = bi("capturé", "captured"),
        shot_alt = bi("Capture", "Screenshot"),
        captured = escape(&display_time(
            report.field("capturedAt").unwrap_or_default()
        )),
        url_link = external_link(url, &escape(&truncate(url, 60))),
        status = status_badge(report.status),
        mail = report
            .mail_status
            .as_deref()
            .map(|status| {
                let label = match status {
                    "sent" => bi("courriel envoyé", "email sent"),
                    "failed" => bi("courriel refusé", "email refused"),
                    _ => bi("courriel en attente", "email waiting"),
                };
                format!(
                    "<div class=\"small\" data-mail-status=\"{}\">{label}</div>",
                    escape(status)
                )
            })
            .unwrap_or_default(),
        title = escape(&truncate(title, 80)),
        site = escape(site),
        name = escape(report.nested("reporter", "name").unwrap_or_default()),
        email = escape(report.nested("reporter", "email").unwrap_or_default()),
        sha = escape(&report.screenshot_sha256),
        sha_short = escape(report.screenshot_sha256.get(..12).unwrap_or_default()),
        evidence_label = bi("preuve", "evidence"),
        seq = report.evidence_seq,
    );
}

fn render_mail(
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
        html.push_str(&super::settings_page::problems_notice(
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

/// A status as a badge, in words (`data-status` holds its code).
pub fn status_badge(status: ReviewStatus) -> String {
    let (fr, en) = status.label();
    format!(
        "<span class=\"badge\" data-status=\"{}\">{}</span>",
        status.as_str(),
        bi(fr, en)
    )
}

fn option(value: &str, label: &str, selected: bool) -> String {
    format!(
        "<option value=\"{}\"{}>{label}</option>",
        escape(value),
        if selected { " selected" } else { "" }
    )
}

/// The list's filter form: a plain GET form (the pages run no script).
fn render_filters(html: &mut String, data: &Data, filter: &ReportFilter) {
    let any = bi("Tous", "All");
    let mut statuses = option("", &any, filter.status.is_none());
    for status in ReviewStatus::ALL {
        let (fr, en) = status.label();
        statuses.push_str(&option(
            status.as_str(),
            &bi(fr, en),
            filter.status == Some(status),
        ));
    }
    let mut categories = option("", &any, filter.category.is_none());
    for category in ReportCategory::ALL {
        let label = category.label();
        categories.push_str(&option(
            category.as_str(),
            &bi(&label.fr, &label.en),
            filter.category.as_deref() == Some(category.as_str()),
        ));
    }
    let mut sites = option("", &any, filter.site.is_none());
    let mut known = false;
    for site in &data.sites {
        let selected = filter.site.as_deref() == Some(site.as_str());
        known |= selected;
        sites.push_str(&option(site, &escape(site), selected));
    }
    if let (Some(site), false) = (&filter.site, known) {
        sites.push_str(&option(site, &escape(site), true));
    }
    let value = |v: &Option<String>| escape(v.as_deref().unwrap_or_default());
    let _ = write!(
        html,
        "<form class=\"filters\" method=\"get\" action=\"/#reports\" role=\"search\">\
         <label>{status_label}<select name=\"status\">{statuses}</select></label>\
         <label>{category_label}<select name=\"category\">{categories}</select></label>\
         <label>{site_label}<select name=\"site\">{sites}</select></label>\
         <label>{reporter_label}<input name=\"reporter\" value=\"{reporter}\" maxlength=\"200\"></label>\
         <label>{from_label}<input type=\"date\" name=\"from\" value=\"{from}\"></label>\
         <label>{to_label}<input type=\"date\" name=\"to\" value=\"{to}\"></label>\
         <label>{q_label}<input type=\"search\" name=\"q\" value=\"{q}\" maxlength=\"200\"></label>\
         <div class=\"actions\"><button type=\"submit\" id=\"filter-submit\">{submit}</button>\
         <a href=\"/#reports\">{clear}</a></div></form>",
        status_label = bi("Statut", "Status"),
        category_label = bi("Catégorie", "Category"),
        site_label = bi("Site", "Site"),
        reporter_label = bi("Signalé par", "Reporter"),
        reporter = value(&filter.reporter),
        from_label = bi("Reçu du", "Received from"),
        from = value(&filter.received_from),
        to_label = bi("au", "to"),
        to = value(&filter.received_to),
        q_label = bi("Recherche", "Search"),
        q = value(&filter.text),
        submit = bi("Filtrer", "Filter"),
        clear = bi("Tout afficher", "Show all"),
    );
}

/// The traces: the form to add one and the newest ones.
fn render_traces(html: &mut String, state: &AppState, data: &Data) {
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
