//! Reports, their screenshots (files named by their SHA-256, or BLOBs in rows stored before
//! that layout; re-verified on every read) and annotations. Forwards are in
//! [`super::forwards`], evidence packages (export, import) in [`super::packages`].

use balise_core::report::ReportAnnotation;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::evidence::{self, EvidenceEntry, KIND_ANNOTATION, KIND_REPORT};
use super::mail::{self, MailRecord};
use super::privacy::{self, StoredRedaction};
use super::reviews::{self, ReviewRecord, ReviewStatus};
use super::{screenshot_files, sha256_hex};
use crate::store::{Error, Result};

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
    /// PNG bytes: the request body's own buffer. The upload writes them to their file
    /// ([`super::screenshot_files::store_durably`]) before queueing the row; [`insert`]
    /// writes them itself if the file is not there.
    pub screenshot: bytes::Bytes,
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

pub(super) fn exists(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM reports WHERE id = ?1)",
        [id],
        |row| row.get(0),
    )?)
}

/// Inserts report, screenshot and evidence entry in the caller's transaction (the caller
/// queues its email there too). [`Error::Conflict`] `report_exists` if the id is taken.
pub fn insert(tx: &Transaction<'_>, report: &NewReport, now: &str) -> Result<ReportReceipt> {
    insert_as(tx, report, now, KIND_REPORT, "extension")
}

pub(super) fn insert_as(
    tx: &Transaction<'_>,
    report: &NewReport,
    now: &str,
    kind: &str,
    source: &str,
) -> Result<ReportReceipt> {
    if exists(tx, &report.id)? {
        return Err(Error::conflict(
            "report_exists",
            "Un signalement avec cet identifiant est déjà enregistré. / \
             A report with this id is already stored.",
        ));
    }
    let entry = evidence::append(
        tx,
        now,
        kind,
        &report.id,
        &sha256_hex(report.report_json.as_bytes()),
    )?;
    tx.execute(
        "INSERT INTO reports (id, received_at, captured_at, page_url, page_title, site, reporter_name,
                              reporter_email, category, note, screenshot_sha256, report_json,
                              report_json_sha256, evidence_seq, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
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
            source,
        ],
    )?;
    let byte_length = i64::try_from(report.screenshot.len()).map_err(Error::other)?;
    // The upload made the file durable before queueing this write; if it is not there now
    // (an erasure of an identical screenshot removed it in between, or the caller did not
    // write it), it is written here, so that the row never commits without its file.
    screenshot_files::ensure_present(
        &screenshot_files::data_dir_of(tx)?,
        &report.screenshot_sha256,
        &report.screenshot,
    )?;
    tx.execute(
        "INSERT INTO screenshots (report_id, sha256, byte_length, png) VALUES (?1, ?2, ?3, NULL)",
        params![report.id, report.screenshot_sha256, byte_length],
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

/// Adds an annotation and its evidence entry. [`Error::NotFound`] if the report is unknown.
pub fn annotate(
    tx: &Transaction<'_>,
    annotation: &NewAnnotation,
    now: &str,
) -> Result<AnnotationRecord> {
    if !exists(tx, &annotation.report_id)? {
        return Err(Error::not_found("signalement / report"));
    }
    privacy::refuse_if_redacted(tx, &annotation.report_id)?;
    let entry = record_annotation(
        tx,
        &annotation.report_id,
        annotation.category.as_deref(),
        annotation.note.as_deref(),
        &annotation.annotation_json,
        now,
    )?;
    mail::on_annotation(tx, &annotation.report_id, entry.seq, now, super::now_ms())?;
    Ok(AnnotationRecord {
        category: annotation.category.clone(),
        note: annotation.note.clone(),
        recorded_at: now.to_owned(),
        evidence_seq: entry.seq,
        entry_hash: entry.entry_hash,
    })
}

/// Appends an annotation's evidence entry (the SHA-256 of `json`, the annotation as
/// received) and its row: what [`annotate`] and an import's annotations share.
pub(super) fn record_annotation(
    tx: &Transaction<'_>,
    report_id: &str,
    category: Option<&str>,
    note: Option<&str>,
    json: &str,
    now: &str,
) -> Result<EvidenceEntry> {
    let entry = evidence::append(
        tx,
        now,
        KIND_ANNOTATION,
        report_id,
        &sha256_hex(json.as_bytes()),
    )?;
    tx.execute(
        "INSERT INTO report_annotations (report_id, recorded_at, category, note, annotation_json, evidence_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![report_id, now, category, note, json, entry.seq],
    )?;
    Ok(entry)
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
    /// `extension` (received from a paired browser) or `import` (from an evidence package).
    pub source: String,
    /// Category and note added afterwards, oldest first.
    pub annotations: Vec<AnnotationRecord>,
    /// State of the report's email to the manager (`queued`, `sent`, `failed`), if it has one.
    pub mail_status: Option<String>,
    /// Every email about this report: the report, follow-ups, forwards to the board.
    pub mail: Vec<MailRecord>,
    /// When its content was removed (privacy), what was kept and why.
    pub redaction: Option<StoredRedaction>,
    /// Where the report stands: its newest review's chained status, or `new`.
    pub status: ReviewStatus,
    /// The manager's status changes, oldest first.
    pub reviews: Vec<ReviewRecord>,
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

pub(super) const RECORD_COLUMNS: &str =
    "r.id, r.received_at, r.report_json, r.screenshot_sha256, s.byte_length,
     r.evidence_seq, e.entry_hash, r.source";
pub(super) const RECORD_JOINS: &str = "FROM reports r
     JOIN evidence_log e ON e.seq = r.evidence_seq
     LEFT JOIN screenshots s ON s.report_id = r.id";

pub(super) fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<(ReportRecord, String)> {
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
            source: row.get(7)?,
            annotations: Vec::new(),
            mail_status: None,
            mail: Vec::new(),
            redaction: None,
            status: ReviewStatus::New,
            reviews: Vec::new(),
        },
        json,
    ))
}

pub(super) fn complete(
    conn: &Connection,
    (mut record, json): (ReportRecord, String),
) -> Result<ReportRecord> {
    record.report = serde_json::from_str(&json).map_err(|error| Error::Corrupted {
        subject: record.id.clone(),
        detail: format!("stored report JSON does not parse: {error}"),
    })?;
    let mut statement = conn.prepare_cached(
        "SELECT a.annotation_json, a.recorded_at, a.evidence_seq, e.entry_hash
         FROM report_annotations a JOIN evidence_log e ON e.seq = a.evidence_seq
         WHERE a.report_id = ?1 ORDER BY a.evidence_seq",
    )?;
    let rows = statement
        .query_map([&record.id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // Category and note are read from the chained annotation JSON, not its column copies.
    record.annotations = rows
        .into_iter()
        .map(|(json, recorded_at, evidence_seq, entry_hash)| {
            if privacy::is_stub(&json) {
                // Redacted: its category and note were removed; only its hashes remain.
                return Ok(AnnotationRecord {
                    category: None,
                    note: None,
                    recorded_at,
                    evidence_seq,
                    entry_hash,
                });
            }
            let annotation: ReportAnnotation =
                serde_json::from_str(&json).map_err(|error| Error::Corrupted {
                    subject: record.id.clone(),
                    detail: format!("stored annotation {evidence_seq} does not parse: {error}"),
                })?;
            Ok(AnnotationRecord {
                category: annotation.category.map(|c| c.as_str().to_owned()),
                note: annotation.note,
                recorded_at,
                evidence_seq,
                entry_hash,
            })
        })
        .collect::<Result<_>>()?;
    record.mail = mail::for_report(conn, &record.id)?;
    record.mail_status = record
        .mail
        .iter()
        .find(|mail| mail.kind == mail::MailKind::Report)
        .map(|mail| mail.status.clone());
    record.redaction = privacy::redaction_of(conn, &record.id)?;
    record.reviews = reviews::for_report(conn, &record.id)?;
    record.status = record
        .reviews
        .last()
        .map_or(ReviewStatus::New, |review| review.status);
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

/// Number of stored reports (redacted ones included).
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM reports", [], |row| row.get(0))?)
}

/// Number of stored reports that still hold their content and screenshot.
pub fn count_unredacted(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM reports r
         WHERE NOT EXISTS (SELECT 1 FROM report_redactions x WHERE x.report_id = r.id)",
        [],
        |row| row.get(0),
    )?)
}

/// A screenshot whose bytes were just checked against its SHA-256.
#[derive(Debug, Clone)]
pub struct VerifiedScreenshot {
    /// PNG bytes.
    pub png: Vec<u8>,
    /// Their SHA-256 (lowercase hex).
    pub sha256: String,
}

/// Reads a screenshot (its file, or the row's BLOB for rows stored before screenshots became
/// files) and re-verifies it: [`Error::NotFound`] if there is no row, [`Error::Corrupted`]
/// if its file is missing, or its bytes do not hash to the `screenshotSha256` of the report
/// JSON the evidence log chains, or to its own columns, or its length differs. (Updating both hash columns to
/// match swapped bytes is not enough: the chained report still names the original.)
pub fn screenshot(conn: &Connection, report_id: &str) -> Result<VerifiedScreenshot> {
    /// The screenshot row's hash, length and bytes (NULL: in its file), then the report
    /// row's hash and JSON.
    type Row = (String, i64, Option<Vec<u8>>, String, String);
    let row: Option<Row> = conn
        .query_row(
            "SELECT s.sha256, s.byte_length, s.png, r.screenshot_sha256, r.report_json
             FROM screenshots s JOIN reports r ON r.id = s.report_id WHERE s.report_id = ?1",
            [report_id],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            },
        )
        .optional()?;
    let Some((stored_sha, byte_length, png, declared_sha, report_json)) = row else {
        privacy::refuse_if_redacted(conn, report_id)?;
        return Err(Error::not_found("capture d'écran / screenshot"));
    };
    let corrupted = |detail: String| Error::Corrupted {
        subject: report_id.to_owned(),
        detail,
    };
    let (png, place) = match png {
        // A row stored before screenshots became files keeps its bytes.
        Some(png) => (png, "row".to_owned()),
        None => (
            screenshot_files::read(&screenshot_files::data_dir_of(conn)?, &stored_sha)?
                .ok_or_else(|| {
                    corrupted(format!(
                        "the screenshot file {} is missing",
                        screenshot_files::display_path(&stored_sha)
                    ))
                })?,
            format!("file {}", screenshot_files::display_path(&stored_sha)),
        ),
    };
    let chained_sha = serde_json::from_str::<serde_json::Value>(&report_json)
        .ok()
        .and_then(|report| {
            report
                .get("screenshotSha256")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let actual = sha256_hex(&png);
    if actual != chained_sha {
        return Err(corrupted(format!(
            "screenshot SHA-256 is {actual} ({place}), but the chained report names {chained_sha}"
        )));
    }
    if actual != stored_sha {
        return Err(corrupted(format!(
            "screenshot SHA-256 is {actual} ({place}), stored {stored_sha}"
        )));
    }
    if stored_sha != declared_sha {
        return Err(corrupted(format!(
            "screenshot row says {stored_sha}, report row says {declared_sha}"
        )));
    }
    if usize::try_from(byte_length).ok() != Some(png.len()) {
        return Err(corrupted(format!(
            "screenshot is {} bytes ({place}), stored length {byte_length}",
            png.len()
        )));
    }
    Ok(VerifiedScreenshot {
        png,
        sha256: actual,
    })
}

/// Every report whose screenshot fails [`screenshot`], with why (or that it is missing).
/// Redacted reports are skipped: their screenshot was removed on purpose, and their
/// redaction entry keeps its hash.
pub fn screenshot_problems(conn: &Connection) -> Result<Vec<(String, String)>> {
    let ids: Vec<String> = conn
        .prepare(
            "SELECT r.id FROM reports r
             WHERE NOT EXISTS (SELECT 1 FROM report_redactions x WHERE x.report_id = r.id)
             ORDER BY r.evidence_seq",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut problems = Vec::new();
    for id in ids {
        match screenshot(conn, &id) {
            Ok(_) => {}
            Err(Error::Corrupted { detail, .. }) => problems.push((id, detail)),
            Err(Error::NotFound { .. }) => {
                problems.push((id, "the screenshot is missing".to_owned()));
            }
            Err(other) => return Err(other),
        }
    }
    Ok(problems)
}

/// A report's stored JSON and screenshot hash, if it is stored.
pub fn stored_hashes(conn: &Connection, report_id: &str) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT report_json, screenshot_sha256 FROM reports WHERE id = ?1",
            [report_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}
