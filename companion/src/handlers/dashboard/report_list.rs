//! The dashboard's report list: its query and filters form, its rows and its pager, and
//! the status badge and category label other pages use too.

use std::fmt::Write;

use balise_core::report::ReportCategory;

use super::{Data, PAGE_SIZE, list_query};
use crate::html::{bi, display_time, escape, external_link, truncate};
use crate::state::AppState;
use crate::store::report_filter::ReportFilter;
use crate::store::reports::ReportRecord;
use crate::store::reviews::ReviewStatus;

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

/// The reports: the filters form, the rows, the export of a selection and the pager.
pub(super) fn render_reports(
    html: &mut String,
    state: &AppState,
    data: &Data,
    filter: &ReportFilter,
    ignored: &[&str],
    offset: i64,
) {
    let _ = write!(
        html,
        "<h2 id=\"reports\">{}</h2>",
        bi("Signalements", "Reports")
    );
    render_filters(html, data, filter);
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
            render_report(html, report);
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

fn render_report(html: &mut String, report: &ReportRecord) {
    let id = escape(&report.id);
    if let Some(stored) = &report.redaction {
        let _ = write!(
            html,
            "<tr data-redacted data-report-id=\"{id}\" data-status=\"{status_code}\"><td></td><td class=\"small\">{received}</td>\
             <td><a href=\"/reports/{id}\">{label}</a><div class=\"small en\">{site}</div></td>\
             <td>{status}</td><td class=\"small en\">—</td><td class=\"small\">{category}</td><td class=\"small en\">—</td>\
             <td class=\"nowrap\"><span class=\"hash\" title=\"{sha}\">{sha_short}…</span>\
             <div class=\"small en\">{evidence_label} #{seq}</div></td><td class=\"small\">{removed}</td></tr>",
            received = escape(&display_time(&report.received_at)),
            label = bi("Signalement caviardé", "Redacted report"),
            status_code = report.status.as_str(),
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
