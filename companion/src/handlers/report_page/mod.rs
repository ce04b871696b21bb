//! One report's page on the dashboard (every field, the screenshot and whether it verifies,
//! its status and history, its emails), and the manager's actions there: change its
//! status (the form posts to `reviews`), forward to the board, retry an email, download
//! the email, erase it (redaction, with a reason); plus importing a member's report from a
//! file. A redacted report's page says what was removed, what is kept and why.

mod actions;
mod emails;
mod privacy;
mod sections;

pub use actions::{
    ForwardForm, PlainForm, RedactForm, RetryForm, export, forward, import, redact, retry,
};
pub use emails::{mail_state, retry_button};
pub use privacy::what_is_kept;

use std::fmt::Write;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::path_uuid;
use crate::error::{Error, Result};
use crate::html::{Nav, bi, escape, page, pick};
use crate::state::AppState;
use crate::store::ChainStatus;
use crate::store::history::{self, HistoryItem};
use crate::store::reports::{self, ReportRecord};

/// Query of `GET /reports/{id}`.
#[derive(Debug, Deserialize)]
pub struct ReportPageQuery {
    /// What was just done, for a notice.
    pub done: Option<String>,
}

struct Data {
    record: ReportRecord,
    screenshot: std::result::Result<String, String>,
    history: Vec<HistoryItem>,
    /// The whole evidence chain, checked again for this page.
    chain: ChainStatus,
}

/// `GET /reports/{id}`
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<ReportPageQuery>, QueryRejection>,
) -> Result<Response> {
    let id = path_uuid(&id, "signalement / report")?;
    let done = query.ok().and_then(|Query(q)| q.done);
    let checker = state.clone();
    let data = state
        .store()
        .read(move |tx| -> Result<_> {
            let record =
                reports::get(tx, &id)?.ok_or_else(|| Error::not_found("signalement / report"))?;
            let history = history::for_report(tx, &id)?;
            let chain = checker.check_chain(tx)?;
            if record.redaction.is_some() {
                return Ok(Data {
                    record,
                    screenshot: Err(String::new()),
                    history,
                    chain,
                });
            }
            let screenshot = match reports::screenshot(tx, &id) {
                Ok(verified) => Ok(verified.sha256),
                Err(crate::store::Error::Corrupted { detail, .. }) => Err(detail),
                Err(other) => return Err(other.into()),
            };
            Ok(Data {
                record,
                screenshot,
                history,
                chain,
            })
        })
        .await?;
    let title = data
        .record
        .field("pageTitle")
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(pick("Signalement", "Report"))
        .to_owned();
    Ok(page(
        &title,
        Nav::Dashboard,
        &render(&state, &data, done.as_deref()),
    ))
}

fn render(state: &AppState, data: &Data, done: Option<&str>) -> String {
    if let Some(redaction) = &data.record.redaction {
        return privacy::render_redacted(&data.record, redaction, &data.history, done);
    }
    let record = &data.record;
    let settings = state.mailer().settings();
    let id = escape(&record.id);
    let mut html = String::new();
    let _ = write!(
        html,
        "<p class=\"small\"><a href=\"/\">← {}</a></p><h1>{}</h1>",
        bi("Tableau de bord", "Dashboard"),
        escape(
            record
                .field("pageTitle")
                .filter(|t| !t.trim().is_empty())
                .unwrap_or(pick("Signalement", "Report"))
        )
    );
    match done {
        Some("forwarded") => {
            let _ = write!(
                html,
                "<p class=\"notice\">{}</p>",
                bi(
                    "Transfert enregistré : le courriel au conseil d'administration est en file d'attente.",
                    "Forward recorded: the email to the board is queued."
                )
            );
        }
        Some("imported") => {
            let _ = write!(
                html,
                "<p class=\"notice\">{}</p>",
                bi(
                    "Signalement importé : le paquet et sa capture ont été vérifiés.",
                    "Report imported: the package and its screenshot were verified."
                )
            );
        }
        Some("already-imported") => {
            let _ = write!(
                html,
                "<p class=\"notice\">{}</p>",
                bi(
                    "Ce signalement était déjà importé : rien n'a changé.",
                    "This report was already imported: nothing changed."
                )
            );
        }
        Some("reviewed") => {
            let _ = write!(
                html,
                "<p class=\"notice\" data-notice=\"reviewed\">{}</p>",
                bi(
                    "Statut enregistré et inscrit au journal de preuves.",
                    "Status recorded and chained in the evidence log."
                )
            );
        }
        Some("retried") => {
            let _ = write!(
                html,
                "<p class=\"notice\">{}</p>",
                bi(
                    "Le courriel est remis en file d'attente.",
                    "The email is queued again."
                )
            );
        }
        _ => {}
    }

    sections::render_fields(&mut html, data, &id);

    sections::render_review_form(&mut html, state, record);
    sections::render_history(&mut html, &data.history);

    emails::render_emails(&mut html, state, record, &settings, &id);
    emails::render_forward_form(&mut html, state, &settings, &id);
    privacy::render_erase_form(&mut html, state, &id, &record.received_at);
    html
}
