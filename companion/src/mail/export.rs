//! Evidence packages exported from the dashboard: one report's, or a selection's in one
//! ZIP, each recorded as an export in the log first so its chain head anchors it, with the
//! summary for people that the report's email would carry.

use balise_core::package;

use crate::error::{Error, Result};
use crate::store::mail::MailKind;
use crate::store::{Store, now_utc, packages};

/// Exports a report's evidence package now: an export entry in the log (so the package's
/// chain head anchors it), then the package with a summary for people (French, then English).
pub async fn export_package(store: &Store, report_id: &str, organization: &str) -> Result<Vec<u8>> {
    let id = report_id.to_owned();
    let organization = organization.to_owned();
    store
        .write(move |tx| exported_package(tx, &id, &organization, &now_utc()))
        .await
}

/// Several reports' evidence packages in one ZIP, in the order given: each recorded as an
/// export and built as [`export_package`] builds it, all in one transaction, with a summary
/// listing them.
pub async fn export_selection(
    store: &Store,
    report_ids: Vec<String>,
    organization: &str,
) -> Result<Vec<u8>> {
    let organization = organization.to_owned();
    store
        .write(move |tx| {
            let now = now_utc();
            let mut packages = Vec::with_capacity(report_ids.len());
            let mut opened = Vec::with_capacity(report_ids.len());
            for id in report_ids {
                let bytes = exported_package(tx, &id, &organization, &now)?;
                // Read back as the board will: the summary says what the package holds.
                let package =
                    package::open(&bytes).map_err(|error| Error::internal(error.to_string()))?;
                opened.push((package, crate::store::reviews::current_status(tx, &id)?));
                packages.push((id, bytes));
            }
            let selected: Vec<super::selection::Selected<'_>> = opened
                .iter()
                .map(|(package, status)| super::selection::Selected {
                    package,
                    status: *status,
                })
                .collect();
            let summary = super::selection::selection_summary(&selected, &organization, &now);
            package::build_selection(&packages, &summary, &now)
                .map_err(|error| Error::internal(error.to_string()))
        })
        .await
}

/// Records an export of a report now and builds its package with a readable summary.
fn exported_package(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    organization: &str,
    now: &str,
) -> Result<Vec<u8>> {
    packages::record_export(tx, id, now)?;
    let mut contents = packages::package_contents(tx, id, None, now)?;
    let (received_at, imported) = packages::provenance(tx, id)?;
    let mut input = super::letter_input(
        MailKind::Report,
        None,
        &contents,
        received_at,
        imported,
        organization.to_owned(),
    )?;
    input.summary = true;
    contents.summary_html = Some(super::letter::compose(&input).html);
    package::build(&contents).map_err(|error| Error::internal(error.to_string()))
}
