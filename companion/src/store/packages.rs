//! Evidence packages: what a report's package holds (report, verified screenshot,
//! annotations, forward, log entries, chain head), its export recorded as evidence, and the
//! import of a verified package from another companion.

use balise_core::package::{
    ChainHead, FORMAT, PackageContents, PackageEvidence, PackagedAnnotation, VerifiedPackage,
};
use balise_core::report::ReportAnnotation;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::evidence::{self, EvidenceEntry, KIND_EXPORT, KIND_IMPORT};
use super::forwards::stored_forward;
use super::privacy;
use super::reports::{NewReport, exists, insert_as, record_annotation, screenshot};
use super::sha256_hex;
use crate::store::{Error, Result};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ImportOutcome {
    /// Stored now, at this evidence entry.
    Imported {
        /// The report's id.
        id: String,
        /// The import's evidence entry.
        evidence_seq: i64,
    },
    /// The same report was already here: nothing changed.
    AlreadyPresent {
        /// The report's id.
        id: String,
    },
}

/// Stores a verified package's report, screenshot and annotations, with an import entry in
/// the log. Importing the same report again changes nothing; a different report under a
/// stored id is refused ([`Error::Conflict`] `report_conflict`). Never queues an email.
pub fn import(tx: &Transaction<'_>, package: &VerifiedPackage, now: &str) -> Result<ImportOutcome> {
    let id = package.report.id.to_ascii_lowercase();
    let stored: Option<String> = tx
        .query_row(
            "SELECT report_json FROM reports WHERE id = ?1",
            [&id],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(stored) = stored {
        if privacy::is_redacted(tx, &id)? {
            return Err(Error::conflict(
                "report_redacted",
                "Ce signalement a été caviardé ici (vie privée) : il n'est pas importé de nouveau. / \
                 This report was redacted here (privacy): it is not imported again.",
            ));
        }
        if stored == package.report_json {
            return Ok(ImportOutcome::AlreadyPresent { id });
        }
        return Err(Error::conflict(
            "report_conflict",
            "Un autre signalement avec le même identifiant est déjà enregistré : rien n'a été importé. / \
             A different report with the same id is already stored: nothing was imported.",
        ));
    }
    let report = &package.report;
    let new = NewReport {
        id: id.clone(),
        report_json: package.report_json.clone(),
        captured_at: report.captured_at.clone(),
        page_url: report.page_url.clone(),
        page_title: report.page_title.clone(),
        site: report.site.clone(),
        reporter_name: report.reporter.name.clone(),
        reporter_email: report.reporter.email.clone(),
        category: report.category.map(|c| c.as_str().to_owned()),
        note: report.note.clone(),
        screenshot: bytes::Bytes::from(package.screenshot.clone()),
        screenshot_sha256: package.screenshot_sha256.clone(),
    };
    let receipt = insert_as(tx, &new, now, KIND_IMPORT, "import")?;
    let head = package.evidence.chain_head.as_ref();
    tx.execute(
        "INSERT INTO imports (report_id, imported_at, package_sha256, sender_head_seq, sender_head_hash, evidence_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            now,
            package.package_sha256,
            head.map(|h| h.seq),
            head.map(|h| h.entry_hash.as_str()),
            receipt.evidence_seq
        ],
    )?;
    for packaged in &package.annotations {
        annotate_quietly(tx, &id, &packaged.annotation, now)?;
    }
    Ok(ImportOutcome::Imported {
        id,
        evidence_seq: receipt.evidence_seq,
    })
}

/// An annotation brought in with an import: recorded, but it mails nothing.
fn annotate_quietly(
    tx: &Transaction<'_>,
    report_id: &str,
    annotation: &ReportAnnotation,
    now: &str,
) -> Result<()> {
    let json = serde_json::to_string(annotation)?;
    record_annotation(
        tx,
        report_id,
        annotation.category.map(|c| c.as_str()),
        annotation.note.as_deref(),
        &json,
        now,
    )?;
    Ok(())
}

/// When the companion stored a report, and whether it was imported: [`Error::NotFound`] if unknown.
pub fn provenance(conn: &Connection, report_id: &str) -> Result<(String, bool)> {
    conn.query_row(
        "SELECT received_at, source FROM reports WHERE id = ?1",
        [report_id],
        |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)? == "import",
            ))
        },
    )
    .optional()?
    .ok_or_else(|| Error::not_found("signalement / report"))
}

/// Records that a report's evidence package is exported now (an evidence entry, so that
/// the package's chain head anchors it). [`Error::NotFound`] if the report is unknown.
pub fn record_export(tx: &Transaction<'_>, report_id: &str, now: &str) -> Result<i64> {
    if !exists(tx, report_id)? {
        return Err(Error::not_found("signalement / report"));
    }
    privacy::refuse_if_redacted(tx, report_id)?;
    let json = serde_json::json!({ "format": FORMAT, "exportedAt": now }).to_string();
    let entry = evidence::append(
        tx,
        now,
        KIND_EXPORT,
        report_id,
        &sha256_hex(json.as_bytes()),
    )?;
    tx.execute(
        "INSERT INTO report_exports (report_id, recorded_at, export_json, evidence_seq)
         VALUES (?1, ?2, ?3, ?4)",
        params![report_id, now, json, entry.seq],
    )?;
    Ok(entry.seq)
}

/// The evidence package of a report as it stands now: the report, its screenshot (verified),
/// every annotation, the forward at `forward_seq` if
/// given, the log entries about them and the current chain head.
pub fn package_contents(
    conn: &Connection,
    report_id: &str,
    forward_seq: Option<i64>,
    now: &str,
) -> Result<PackageContents> {
    let (report_json, report_seq): (String, i64) = conn
        .query_row(
            "SELECT report_json, evidence_seq FROM reports WHERE id = ?1",
            [report_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| Error::not_found("signalement / report"))?;
    privacy::refuse_if_redacted(conn, report_id)?;
    let screenshot = screenshot(conn, report_id)?;
    let mut annotations = Vec::new();
    let mut seqs = vec![report_seq];
    {
        let mut statement = conn.prepare_cached(
            "SELECT evidence_seq, recorded_at, annotation_json FROM report_annotations
             WHERE report_id = ?1 ORDER BY evidence_seq",
        )?;
        let rows = statement
            .query_map([report_id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (seq, recorded_at, json) in rows {
            let annotation: ReportAnnotation =
                serde_json::from_str(&json).map_err(|error| Error::Corrupted {
                    subject: report_id.to_owned(),
                    detail: format!("stored annotation {seq} does not parse: {error}"),
                })?;
            seqs.push(seq);
            annotations.push(PackagedAnnotation {
                recorded_at,
                evidence_seq: seq,
                annotation,
            });
        }
    }
    let forward = match forward_seq {
        Some(seq) => Some(
            stored_forward(conn, report_id, seq)?
                .ok_or_else(|| Error::not_found("transfert / forward"))?,
        ),
        None => None,
    };
    if let Some(forward) = &forward {
        seqs.push(forward.evidence_seq);
    }
    {
        let mut statement = conn.prepare_cached(
            "SELECT evidence_seq FROM report_exports WHERE report_id = ?1 ORDER BY evidence_seq",
        )?;
        let exports = statement
            .query_map([report_id], |row| row.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        seqs.extend(exports);
    }
    let mut entries: Vec<EvidenceEntry> = Vec::new();
    for seq in seqs {
        let entry = evidence::entry(conn, seq)?.ok_or_else(|| Error::Corrupted {
            subject: report_id.to_owned(),
            detail: format!("evidence entry {seq} is missing"),
        })?;
        entries.push(entry);
    }
    let chain_head = evidence::head(conn)?.map(|entry| ChainHead {
        seq: entry.seq,
        entry_hash: entry.entry_hash,
    });
    Ok(PackageContents {
        report_json,
        screenshot: screenshot.png,
        annotations,
        evidence: PackageEvidence {
            format: FORMAT.to_owned(),
            generated_at: now.to_owned(),
            generator: format!("balise-companion {}", env!("CARGO_PKG_VERSION")),
            report_id: report_id.to_owned(),
            entries,
            chain_head,
        },
        forward_json: forward.map(|forward| forward.forward_json),
        summary_html: None,
    })
}

/// How a report was imported here: the package's SHA-256, the sender's chain head and the
/// import's own entry. `None` if it was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    /// SHA-256 of the package file imported.
    pub package_sha256: String,
    /// The sender's chain head, as the package said.
    pub sender_head: Option<(i64, String)>,
    /// The import's entry here.
    pub evidence_seq: i64,
}

/// The import of a report, if it was imported.
pub fn import_record(conn: &Connection, report_id: &str) -> Result<Option<ImportRecord>> {
    Ok(conn
        .query_row(
            "SELECT package_sha256, sender_head_seq, sender_head_hash, evidence_seq FROM imports
             WHERE report_id = ?1",
            [report_id],
            |row| {
                let seq: Option<i64> = row.get(1)?;
                let hash: Option<String> = row.get(2)?;
                Ok(ImportRecord {
                    package_sha256: row.get(0)?,
                    sender_head: seq.zip(hash),
                    evidence_seq: row.get(3)?,
                })
            },
        )
        .optional()?)
}
