//! `GET /`: the content manager's dashboard (reports filtered and paged, traces and the
//! form to add one, attestations, evidence-chain status, the manager's appointment, email
//! forwarding and the emails that need attention, importing a member's report, privacy:
//! the retention period and the log of redactions).

mod query;
mod report_list;
mod sections;

pub use query::{DashboardQuery, list_query};
pub use report_list::{category_label, status_badge};

use std::fmt::Write;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;

use super::appointment::{self, CurrentAppointment};
use crate::error::Result;
use crate::html::{Nav, bi, escape, page, pick};
use crate::state::AppState;
use crate::store::attestations::{self, AttestationRecord};
use crate::store::mail::{self as queue, MailCounts, MailRecord};
use crate::store::privacy::{self, StoredRedaction};
use crate::store::report_filter::{self, ReportFilter};
use crate::store::reports::{self, ReportRecord};
use crate::store::traces::{self, TraceRecord};
use crate::store::{ChainStatus, appointments, pairing};

/// Reports per dashboard page.
pub const PAGE_SIZE: i64 = 50;

/// Traces shown on the dashboard (newest first).
const TRACES_SHOWN: i64 = 50;

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
    let checker = state.clone();
    let data = state
        .store()
        .read(move |tx| -> crate::store::Result<_> {
            Ok(Data {
                chain: checker.check_chain(tx)?,
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
                "<div class=\"card ok\" data-chain=\"intact\"><div class=\"label\">{}</div><div class=\"value status-ok\">{}</div>\
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
                "<div class=\"card bad\" data-chain=\"broken\" data-broken-seq=\"{seq}\"><div class=\"label\">{}</div><div class=\"value status-bad\">{} {seq}</div>\
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
    sections::render_mail(&mut html, state, &settings, data);
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

    report_list::render_reports(&mut html, state, data, filter, ignored, offset);

    sections::render_traces(&mut html, state, data);
    sections::render_privacy(&mut html, state, data);

    sections::render_attestations(&mut html, data);
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
