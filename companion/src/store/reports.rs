//! Reports, their screenshots (BLOBs, re-verified on every read), annotations and outgoing mail rows.

use axum::http::StatusCode;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::evidence::{self, KIND_ANNOTATION, KIND_REPORT};
use super::sha256_hex;
use crate::error::{Error, Result};

/// A validated report ready to store. Built by the handler from `balise_core::report::ReportV1`.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// Report id (UUID, lowercase hyphenated).
    pub id: String,
    /// The `report` part exactly as received (UTF-8 JSON).
    pub report_json: String,
    /// When the reporter captured it (as sent).
    pub captured_at: String,
    /// Page URL (http or https).
    pub page_url: String,
    /// Page title.
    pub page_title: String,
    /// Site adapter id or host, if sent.
    pub site: Option<String>,
    /// Reporter name.
    pub reporter_name: String,
    /// Reporter email.
    pub reporter_email: String,
    /// Category code, if given.
    pub category: Option<String>,
    /// Note, if given.
    pub note: Option<String>,
    /// PNG bytes.
    pub screenshot: Vec<u8>,
    /// SHA-256 of `screenshot` (verified by the handler against the declared one).
    pub screenshot_sha256: String,
}

/// What `POST /api/v1/reports` answers once committed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportReceipt {
    /// Report id.
    pub id: String,
    /// SHA-256 of the stored screenshot.
    pub screenshot_sha256: String,
    /// Evidence-log sequence number.
    pub evidence_seq: i64,
    /// Evidence-log entry hash.
    pub entry_hash: String,
    /// When the companion received it (UTC).
    pub received_at: String,
}

/// The `Message-ID` of the email forwarding a report: stable, derived from the report id.
pub fn message_id(report_id: &str) -> String {
    format!("<report-{report_id}@balise.local>")
}

/// Inserts report, screenshot, evidence entry and outgoing mail row in the caller's transaction.
/// 409 `report_exists` if the id is taken.
pub fn insert(tx: &Transaction<'_>, report: &NewReport, now: &str) -> Result<ReportReceipt> {
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM reports WHERE id = ?1)",
        [&report.id],
        |row| row.get(0),
    )?;
    if exists {
        return Err(Error::client(
            StatusCode::CONFLICT,
            "report_exists",
            "Un signalement avec cet identifiant est déjà enregistré. / \
             A report with this id is already stored.",
        ));
    }
    let entry = evidence::append(
        tx,
        now,
        KIND_REPORT,
        &report.id,
        &sha256_hex(report.report_json.as_bytes()),
    )?;
    tx.execute(
        "INSERT INTO reports (id, received_at, captured_at, page_url, page_title, site, reporter_name,
                              reporter_email, category, note, screenshot_sha256, report_json,
                              report_json_sha256, evidence_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            report.id,
            now,
            report.captured_at,
            report.page_url,
            report.page_title,
            report.site,
            report.reporter_name,
            report.reporter_email,
            report.category,
            report.note,
            report.screenshot_sha256,
            report.report_json,
            entry.payload_sha256,
            entry.seq,
        ],
    )?;
    let byte_length = i64::try_from(report.screenshot.len()).map_err(Error::internal)?;
    tx.execute(
        "INSERT INTO screenshots (report_id, sha256, byte_length, png) VALUES (?1, ?2, ?3, ?4)",
        params![
            report.id,
            report.screenshot_sha256,
            byte_length,
            report.screenshot
        ],
    )?;
    tx.execute(
        "INSERT INTO outgoing_mail (report_id, recipient_role, status, message_id, created_at)
         VALUES (?1, 'manager', 'pending', ?2, ?3)",
        params![report.id, message_id(&report.id), now],
    )?;
    Ok(ReportReceipt {
        id: report.id.clone(),
        screenshot_sha256: report.screenshot_sha256.clone(),
        evidence_seq: entry.seq,
        entry_hash: entry.entry_hash,
        received_at: now.to_owned(),
    })
}

/// An annotation to add to a stored report.
#[derive(Debug, Clone)]
pub struct NewAnnotation {
    /// Report id.
    pub report_id: String,
    /// Category code, if given.
    pub category: Option<String>,
    /// Note, if given.
    pub note: Option<String>,
    /// The annotation JSON as stored (hashed into the evidence log).
    pub annotation_json: String,
}

/// A stored annotation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnnotationRecord {
    /// Category code, if given.
    pub category: Option<String>,
    /// Note, if given.
    pub note: Option<String>,
    /// When it was recorded (UTC).
    pub recorded_at: String,
    /// Evidence-log sequence number.
    pub evidence_seq: i64,
    /// Evidence-log entry hash.
    pub entry_hash: String,
}

/// Adds an annotation and its evidence entry. 404 if the report is unknown.
pub fn annotate(
    tx: &Transaction<'_>,
    annotation: &NewAnnotation,
    now: &str,
) -> Result<AnnotationRecord> {
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM reports WHERE id = ?1)",
        [&annotation.report_id],
        |row| row.get(0),
    )?;
    if !exists {
        return Err(Error::not_found("signalement / report"));
    }
    let entry = evidence::append(
        tx,
        now,
        KIND_ANNOTATION,
        &annotation.report_id,
        &sha256_hex(annotation.annotation_json.as_bytes()),
    )?;
    tx.execute(
        "INSERT INTO report_annotations (report_id, recorded_at, category, note, annotation_json, evidence_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            annotation.report_id,
            now,
            annotation.category,
            annotation.note,
            annotation.annotation_json,
            entry.seq
        ],
    )?;
    Ok(AnnotationRecord {
        category: annotation.category.clone(),
        note: annotation.note.clone(),
        recorded_at: now.to_owned(),
        evidence_seq: entry.seq,
        entry_hash: entry.entry_hash,
    })
}

/// A stored report as the API returns it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportRecord {
    /// Report id.
    pub id: String,
    /// When the companion received it (UTC).
    pub received_at: String,
    /// The report JSON exactly as received, parsed.
    pub report: serde_json::Value,
    /// SHA-256 of the stored screenshot.
    pub screenshot_sha256: String,
    /// Screenshot size in bytes.
    pub screenshot_bytes: i64,
    /// Evidence-log sequence number of the report.
    pub evidence_seq: i64,
    /// Evidence-log entry hash of the report.
    pub entry_hash: String,
    /// Category and note added afterwards, oldest first.
    pub annotations: Vec<AnnotationRecord>,
    /// State of the forwarding email (`pending`, `sent`, `failed`).
    pub mail_status: Option<String>,
}

impl ReportRecord {
    /// The latest category: from the newest annotation that has one, else from the report.
    pub fn current_category(&self) -> Option<&str> {
        self.annotations
            .iter()
            .rev()
            .find_map(|a| a.category.as_deref())
            .or_else(|| self.report.get("category").and_then(|v| v.as_str()))
    }

    /// The latest note: from the newest annotation that has one, else from the report.
    pub fn current_note(&self) -> Option<&str> {
        self.annotations
            .iter()
            .rev()
            .find_map(|a| a.note.as_deref())
            .or_else(|| self.report.get("note").and_then(|v| v.as_str()))
    }

    /// A string field of the report JSON.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.report.get(name).and_then(|v| v.as_str())
    }

    /// A string field of an object field of the report JSON, such as `reporter.name`.
    pub fn nested(&self, object: &str, name: &str) -> Option<&str> {
        self.report
            .get(object)
            .and_then(|o| o.get(name))
            .and_then(|v| v.as_str())
    }
}

const RECORD_COLUMNS: &str =
    "r.id, r.received_at, r.report_json, r.screenshot_sha256, s.byte_length,
     r.evidence_seq, e.entry_hash, m.status";
const RECORD_JOINS: &str = "FROM reports r
     JOIN evidence_log e ON e.seq = r.evidence_seq
     LEFT JOIN screenshots s ON s.report_id = r.id
     LEFT JOIN outgoing_mail m ON m.report_id = r.id";

fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<(ReportRecord, String)> {
    let json: String = row.get(2)?;
    Ok((
        ReportRecord {
            id: row.get(0)?,
            received_at: row.get(1)?,
            report: serde_json::Value::Null,
            screenshot_sha256: row.get(3)?,
            screenshot_bytes: row.get::<_, Option<i64>>(4)?.unwrap_or(0),
            evidence_seq: row.get(5)?,
            entry_hash: row.get(6)?,
            annotations: Vec::new(),
            mail_status: row.get(7)?,
        },
        json,
    ))
}

fn complete(conn: &Connection, (mut record, json): (ReportRecord, String)) -> Result<ReportRecord> {
    record.report = serde_json::from_str(&json).map_err(|error| Error::EvidenceCorrupted {
        subject: record.id.clone(),
        detail: format!("stored report JSON does not parse: {error}"),
    })?;
    let mut statement = conn.prepare_cached(
        "SELECT a.category, a.note, a.recorded_at, a.evidence_seq, e.entry_hash
         FROM report_annotations a JOIN evidence_log e ON e.seq = a.evidence_seq
         WHERE a.report_id = ?1 ORDER BY a.evidence_seq",
    )?;
    record.annotations = statement
        .query_map([&record.id], |row| {
            Ok(AnnotationRecord {
                category: row.get(0)?,
                note: row.get(1)?,
                recorded_at: row.get(2)?,
                evidence_seq: row.get(3)?,
                entry_hash: row.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(record)
}

/// One stored report, if it exists.
pub fn get(conn: &Connection, id: &str) -> Result<Option<ReportRecord>> {
    let row = conn
        .query_row(
            &format!("SELECT {RECORD_COLUMNS} {RECORD_JOINS} WHERE r.id = ?1"),
            [id],
            row_to_record,
        )
        .optional()?;
    row.map(|row| complete(conn, row)).transpose()
}

/// Stored reports, newest first.
pub fn list(conn: &Connection, limit: i64, offset: i64) -> Result<Vec<ReportRecord>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {RECORD_COLUMNS} {RECORD_JOINS} ORDER BY r.evidence_seq DESC LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = statement
        .query_map([limit, offset], row_to_record)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|row| complete(conn, row)).collect()
}

/// Number of stored reports.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM reports", [], |row| row.get(0))?)
}

/// A screenshot whose bytes were just checked against its SHA-256.
#[derive(Debug, Clone)]
pub struct VerifiedScreenshot {
    /// PNG bytes.
    pub png: Vec<u8>,
    /// Their SHA-256 (lowercase hex).
    pub sha256: String,
}

/// Reads a screenshot and re-verifies it: 404 if absent, `evidence_corrupted` if any hash or length differs.
pub fn screenshot(conn: &Connection, report_id: &str) -> Result<VerifiedScreenshot> {
    let row: Option<(String, i64, Vec<u8>, String)> = conn
        .query_row(
            "SELECT s.sha256, s.byte_length, s.png, r.screenshot_sha256
             FROM screenshots s JOIN reports r ON r.id = s.report_id WHERE s.report_id = ?1",
            [report_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    let Some((stored_sha, byte_length, png, declared_sha)) = row else {
        return Err(Error::not_found("capture d'écran / screenshot"));
    };
    let actual = sha256_hex(&png);
    let corrupted = |detail: String| Error::EvidenceCorrupted {
        subject: report_id.to_owned(),
        detail,
    };
    if actual != stored_sha {
        return Err(corrupted(format!(
            "screenshot SHA-256 is {actual}, stored {stored_sha}"
        )));
    }
    if stored_sha != declared_sha {
        return Err(corrupted(format!(
            "screenshot row says {stored_sha}, report row says {declared_sha}"
        )));
    }
    if usize::try_from(byte_length).ok() != Some(png.len()) {
        return Err(corrupted(format!(
            "screenshot is {} bytes, stored length {byte_length}",
            png.len()
        )));
    }
    Ok(VerifiedScreenshot {
        png,
        sha256: actual,
    })
}
