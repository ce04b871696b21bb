//! Redaction (Quebec's Law 25): a report's content and screenshot removed from the database,
//! its hashes kept in a chained `report_redacted` entry so that the evidence log still verifies.
//!
//! What goes: the report JSON (page URL and title, reporter, note, selected text…), the
//! screenshot's bytes, the notes of its annotations, the facts of its forwards, the manager's
//! review notes, the idempotency answers that repeated them, and its emails not sent yet.
//! Each removed JSON record is replaced by a stub ([`stub`]) naming its entry and the
//! SHA-256 it had, and the redaction record lists them all: [`redacted_row_problem`] accepts
//! a stub only when a chained redaction keeps that entry's `payload_sha256`. What stays: the
//! report's id, its dates, its site and category, its triage (each review's statuses and
//! date, without its note, and the status it had when redacted), every hash, and the fact it
//! existed. `PRAGMA secure_delete` (set on every connection by
//! the store) overwrites the removed bytes in the file.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::evidence::{self, EvidenceEntry, KIND_REDACTION};
use super::reviews::{self, ReviewJson, ReviewStatus};
use super::sha256_hex;
use crate::store::{Error, Result};

/// `format` of a redaction record.
pub const FORMAT: &str = "balise-redaction-v1";

/// The longest reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

/// Who or what redacted a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RedactedBy {
    /// The content manager, from the report's page.
    Manager,
    /// The companion, because the retention period had passed.
    Retention,
}

impl RedactedBy {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manager => "manager",
            Self::Retention => "retention",
        }
    }
}

/// One record whose JSON was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RemovedRecord {
    /// Its evidence entry.
    pub seq: i64,
    /// That entry's kind (`report_received`, `report_annotated`…).
    pub kind: String,
    /// SHA-256 of the JSON removed (equal to the entry's `payload_sha256`).
    pub sha256: String,
    /// For a review: what is kept of it (everything but its note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<KeptReview>,
}

/// What a redaction keeps of a review: its statuses and date, not its note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeptReview {
    /// The status before.
    pub previous: ReviewStatus,
    /// The status set.
    pub status: ReviewStatus,
    /// When (UTC).
    pub reviewed_at: String,
    /// The forward that set it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_seq: Option<i64>,
}

/// The redaction record: what the `report_redacted` entry's `payload_sha256` covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Redaction {
    /// [`FORMAT`].
    pub format: String,
    /// The report.
    pub report_id: String,
    /// When the companion had received it (UTC).
    pub received_at: String,
    /// When it was captured, as the report said.
    pub captured_at: String,
    /// Its site, kept (not personal).
    pub site: Option<String>,
    /// Its category, kept (not personal).
    pub category: Option<String>,
    /// Its triage status when it was redacted (a redacted report is not reviewed again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ReviewStatus>,
    /// SHA-256 of the screenshot removed.
    pub screenshot_sha256: String,
    /// Its size in bytes, if it was still stored.
    pub screenshot_bytes: Option<i64>,
    /// Every JSON record removed, with its hash.
    pub removed: Vec<RemovedRecord>,
    /// Why.
    pub reason: String,
    /// Who or what.
    pub by: RedactedBy,
    /// The content manager in office, when the manager redacted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// The retention period applied, when the companion redacted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
}

/// A stored redaction with its entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredRedaction {
    /// The record.
    pub redaction: Redaction,
    /// When (UTC).
    pub recorded_at: String,
    /// Its evidence entry.
    pub evidence_seq: i64,
}

/// What replaces a removed JSON record: its entry and the SHA-256 it had.
pub fn stub(seq: i64, original_sha256: &str) -> String {
    serde_json::json!({ "redacted": FORMAT, "seq": seq, "sha256": original_sha256 }).to_string()
}

/// Whether a stored JSON record is a redaction stub.
pub fn is_stub(json: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .is_some_and(|value| value.get("redacted").and_then(|v| v.as_str()) == Some(FORMAT))
}

/// What the caller asks for.
#[derive(Debug, Clone)]
pub struct RedactionRequest {
    /// The report.
    pub report_id: String,
    /// Why (required).
    pub reason: String,
    /// Who or what.
    pub by: RedactedBy,
    /// The manager in office, when by the manager.
    pub manager: Option<String>,
    /// The retention period, when by retention.
    pub retention_days: Option<u32>,
}

/// The stored report a redaction starts from.
struct ToRedact {
    report_json: String,
    report_seq: i64,
    received_at: String,
    captured_at: String,
    site: Option<String>,
    category: Option<String>,
    screenshot_sha: String,
    kind: String,
}

/// Redacts a report in the caller's transaction (see the module's documentation):
/// [`Error::NotFound`] if unknown, [`Error::Conflict`] `already_redacted` if it was,
/// [`Error::Invalid`] `reason_required` without a reason.
pub fn redact(
    tx: &Transaction<'_>,
    request: &RedactionRequest,
    now: &str,
) -> Result<StoredRedaction> {
    let reason = request.reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid(
            "reason_required",
            "Indiquez la raison de l'effacement. / Give the reason for the erasure.",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(Error::invalid(
            "reason_too_long",
            format!(
                "La raison dépasse {MAX_REASON_CHARS} caractères. / The reason exceeds {MAX_REASON_CHARS} characters."
            ),
        ));
    }
    let id = &request.report_id;
    let report = tx
        .query_row(
            "SELECT r.report_json, r.evidence_seq, r.received_at, r.captured_at, r.site, r.category,
                    r.screenshot_sha256, e.kind
             FROM reports r JOIN evidence_log e ON e.seq = r.evidence_seq WHERE r.id = ?1",
            [id],
            |row| {
                Ok(ToRedact {
                    report_json: row.get(0)?,
                    report_seq: row.get(1)?,
                    received_at: row.get(2)?,
                    captured_at: row.get(3)?,
                    site: row.get(4)?,
                    category: row.get(5)?,
                    screenshot_sha: row.get(6)?,
                    kind: row.get(7)?,
                })
            },
        )
        .optional()?;
    let Some(ToRedact {
        report_json,
        report_seq,
        received_at,
        captured_at,
        site,
        category,
        screenshot_sha,
        kind,
    }) = report
    else {
        return Err(Error::not_found("signalement / report"));
    };
    if is_redacted(tx, id)? {
        return Err(already_redacted());
    }
    let screenshot_bytes: Option<i64> = tx
        .query_row(
            "SELECT byte_length FROM screenshots WHERE report_id = ?1",
            [id],
            |row| row.get(0),
        )
        .optional()?;
    let mut removed = vec![RemovedRecord {
        seq: report_seq,
        kind,
        sha256: sha256_hex(report_json.as_bytes()),
        review: None,
    }];
    for (table, column) in [
        ("report_annotations", "annotation_json"),
        ("report_forwards", "forward_json"),
        ("report_reviews", "review_json"),
    ] {
        let mut statement = tx.prepare(&format!(
            "SELECT t.evidence_seq, e.kind, t.{column} FROM {table} t
             JOIN evidence_log e ON e.seq = t.evidence_seq
             WHERE t.report_id = ?1 ORDER BY t.evidence_seq"
        ))?;
        let rows = statement
            .query_map([id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (seq, kind, json) in rows {
            let review = if table == "report_reviews" {
                let review: ReviewJson = reviews::parse_review(id, seq, &json)?;
                Some(KeptReview {
                    previous: review.previous,
                    status: review.status,
                    reviewed_at: review.reviewed_at,
                    forward_seq: review.forward_seq,
                })
            } else {
                None
            };
            removed.push(RemovedRecord {
                seq,
                kind,
                sha256: sha256_hex(json.as_bytes()),
                review,
            });
        }
    }
    let status = reviews::current_status(tx, id)?;
    let redaction = Redaction {
        format: FORMAT.to_owned(),
        report_id: id.clone(),
        received_at,
        captured_at,
        site,
        category,
        status: Some(status),
        screenshot_sha256: screenshot_sha,
        screenshot_bytes,
        removed,
        reason: reason.to_owned(),
        by: request.by,
        manager: request.manager.clone(),
        retention_days: request.retention_days,
    };
    let json = serde_json::to_string(&redaction)?;
    let entry = evidence::append(tx, now, KIND_REDACTION, id, &sha256_hex(json.as_bytes()))?;
    tx.execute(
        "INSERT INTO report_redactions (report_id, recorded_at, redacted_by, redaction_json, evidence_seq)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, now, request.by.as_str(), json, entry.seq],
    )?;
    for record in &redaction.removed {
        let stub = stub(record.seq, &record.sha256);
        if record.seq == report_seq {
            tx.execute(
                "UPDATE reports SET report_json = ?1, page_url = '', page_title = '',
                        reporter_name = '', reporter_email = '', note = NULL
                 WHERE id = ?2",
                params![stub, id],
            )?;
        } else {
            tx.execute(
                "UPDATE report_annotations SET annotation_json = ?1, note = NULL, category = NULL
                 WHERE evidence_seq = ?2",
                params![stub, record.seq],
            )?;
            tx.execute(
                "UPDATE report_forwards SET forward_json = ?1 WHERE evidence_seq = ?2",
                params![stub, record.seq],
            )?;
            tx.execute(
                "UPDATE report_reviews SET review_json = ?1, note = '' WHERE evidence_seq = ?2",
                params![stub, record.seq],
            )?;
        }
    }
    tx.execute("DELETE FROM screenshots WHERE report_id = ?1", [id])?;
    // Its emails can no longer be made: those not sent are dropped (the sent ones stay, with
    // their date and recipient); the idempotency answers repeated its notes.
    tx.execute(
        "DELETE FROM mail_queue WHERE report_id = ?1 AND status <> 'sent'",
        [id],
    )?;
    tx.execute(
        "DELETE FROM idempotency WHERE CASE WHEN json_valid(response_body)
             THEN json_extract(response_body, '$.id') END = ?1",
        [id],
    )?;
    Ok(StoredRedaction {
        redaction,
        recorded_at: now.to_owned(),
        evidence_seq: entry.seq,
    })
}

/// [`Error::Gone`] `report_redacted`: what an export, an email or a forward of a redacted
/// report gets.
pub fn redacted_error() -> Error {
    Error::gone(
        "report_redacted",
        "Ce signalement a été caviardé : son contenu et sa capture ont été supprimés, il ne peut plus être exporté ni transmis (ses empreintes restent au journal de preuves). / \
         This report was redacted: its content and screenshot were removed, so it can no longer be exported or sent (its hashes stay in the evidence log).",
    )
}

fn already_redacted() -> Error {
    Error::conflict(
        "already_redacted",
        "Ce signalement est déjà caviardé. / This report is already redacted.",
    )
}

/// Whether a report was redacted.
pub fn is_redacted(conn: &Connection, report_id: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM report_redactions WHERE report_id = ?1)",
        [report_id],
        |row| row.get(0),
    )?)
}

/// [`redacted_error`] if the report was redacted.
pub fn refuse_if_redacted(conn: &Connection, report_id: &str) -> Result<()> {
    if is_redacted(conn, report_id)? {
        Err(redacted_error())
    } else {
        Ok(())
    }
}

fn parse(report_id: &str, json: &str, recorded_at: String, seq: i64) -> Result<StoredRedaction> {
    let redaction = serde_json::from_str(json).map_err(|error| Error::Corrupted {
        subject: report_id.to_owned(),
        detail: format!("stored redaction {seq} does not parse: {error}"),
    })?;
    Ok(StoredRedaction {
        redaction,
        recorded_at,
        evidence_seq: seq,
    })
}

/// A report's redaction, if it was redacted.
pub fn redaction_of(conn: &Connection, report_id: &str) -> Result<Option<StoredRedaction>> {
    let row: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT redaction_json, recorded_at, evidence_seq FROM report_redactions WHERE report_id = ?1",
            [report_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    row.map(|(json, at, seq)| parse(report_id, &json, at, seq))
        .transpose()
}

/// The latest redactions, newest first: the visible log of what was redacted.
pub fn recent(conn: &Connection, limit: i64) -> Result<Vec<StoredRedaction>> {
    let mut statement = conn.prepare(
        "SELECT report_id, redaction_json, recorded_at, evidence_seq FROM report_redactions
         ORDER BY evidence_seq DESC LIMIT ?1",
    )?;
    let rows = statement
        .query_map([limit], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, json, at, seq)| parse(&id, &json, at, seq))
        .collect()
}

/// What the redaction of `report_id` keeps of its review recorded at entry `seq`: `None`
/// when the report was not redacted or its redaction does not name that review.
pub fn kept_review(conn: &Connection, report_id: &str, seq: i64) -> Result<Option<KeptReview>> {
    Ok(redaction_of(conn, report_id)?.and_then(|stored| {
        stored
            .redaction
            .removed
            .into_iter()
            .find(|removed| removed.seq == seq)
            .and_then(|removed| removed.review)
    }))
}

/// Number of redacted reports.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT count(*) FROM report_redactions", [], |row| {
            row.get(0)
        })?,
    )
}

/// Reports received before `cutoff` (stored UTC format) and not yet redacted, oldest first.
pub fn received_before(conn: &Connection, cutoff: &str) -> Result<Vec<String>> {
    let mut statement = conn.prepare(
        "SELECT r.id FROM reports r
         WHERE r.received_at < ?1
           AND NOT EXISTS (SELECT 1 FROM report_redactions x WHERE x.report_id = r.id)
         ORDER BY r.evidence_seq",
    )?;
    Ok(statement
        .query_map([cutoff], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// For the chain check: an entry's row does not hash to its `payload_sha256`. `None` when
/// the row is the redaction stub of exactly that entry and a chained redaction of the same
/// report keeps that hash; else why not.
pub fn redacted_row_problem(
    conn: &Connection,
    entry: &EvidenceEntry,
    row_json: &str,
) -> Result<Option<String>> {
    let mismatch = || {
        Ok(Some(
            "the recorded row no longer matches payload_sha256".to_owned(),
        ))
    };
    if !is_stub(row_json) {
        return mismatch();
    }
    if row_json != stub(entry.seq, &entry.payload_sha256) {
        return Ok(Some(
            "the row is a redaction stub, but not the one of this entry's payload".to_owned(),
        ));
    }
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT redaction_json, evidence_seq FROM report_redactions WHERE report_id = ?1",
            [&entry.subject],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((json, seq)) = row else {
        return Ok(Some(
            "the row was replaced by a redaction stub, but no redaction of this report is recorded"
                .to_owned(),
        ));
    };
    // The redaction's own entry checks its payload when the walk reaches it; here, that it
    // is a later redaction entry of the same report.
    let chained = evidence::entry(conn, seq)?.is_some_and(|redaction_entry| {
        redaction_entry.kind == KIND_REDACTION
            && redaction_entry.subject == entry.subject
            && seq > entry.seq
    });
    if !chained {
        return Ok(Some(format!(
            "the redaction of this report (entry {seq}) is not a later redaction entry of it"
        )));
    }
    let keeps = serde_json::from_str::<Redaction>(&json).is_ok_and(|redaction| {
        redaction.report_id == entry.subject
            && redaction.removed.iter().any(|removed| {
                removed.seq == entry.seq
                    && removed.kind == entry.kind
                    && removed.sha256 == entry.payload_sha256
            })
    });
    Ok((!keeps)
        .then(|| format!("the redaction (entry {seq}) does not keep this entry's payload_sha256")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::reports::{self, NewReport};
    use crate::store::{DB_FILE, Store, verify_evidence_chain};

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really an image";

    fn report(id: &str) -> NewReport {
        let sha = sha256_hex(PNG);
        NewReport {
            id: id.to_owned(),
            report_json: format!(
                r#"{{"id":"{id}","note":"personnel","screenshotSha256":"{sha}"}}"#
            ),
            captured_at: "2026-12-01T10:00:00.000Z".into(),
            page_url: "https://x.com/a".into(),
            page_title: "Titre".into(),
            site: Some("x".into()),
            reporter_name: "Marie".into(),
            reporter_email: "marie@example.org".into(),
            category: Some("harassment".into()),
            note: Some("personnel".into()),
            screenshot: bytes::Bytes::from_static(PNG),
            screenshot_sha256: sha,
        }
    }

    /// Two reports, the first redacted: (raw connection, the redaction's entry).
    fn redacted_store(dir: &std::path::Path) -> (Connection, i64) {
        let store = Store::open(dir).expect("open");
        let seq = store
            .write_blocking(|tx| -> Result<_> {
                reports::insert(tx, &report("r1"), "2026-12-01T10:00:01.000000Z")?;
                reports::insert(tx, &report("r2"), "2026-12-01T10:00:02.000000Z")?;
                let stored = redact(
                    tx,
                    &RedactionRequest {
                        report_id: "r1".into(),
                        reason: "Demande de la personne".into(),
                        by: RedactedBy::Manager,
                        manager: Some("Julie".into()),
                        retention_days: None,
                    },
                    "2026-12-02T00:00:00.000000Z",
                )?;
                Ok(stored.evidence_seq)
            })
            .expect("redact");
        store.close().expect("close");
        (Connection::open(dir.join(DB_FILE)).expect("raw"), seq)
    }

    #[test]
    fn a_redacted_report_verifies_and_keeps_only_its_hashes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (conn, seq) = redacted_store(dir.path());
        assert_eq!(seq, 3);
        let status = verify_evidence_chain(&conn).expect("verify");
        assert!(status.is_intact(), "{status:?}");
        let (json, url, name, note): (String, String, String, Option<String>) = conn
            .query_row(
                "SELECT report_json, page_url, reporter_name, note FROM reports WHERE id = 'r1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("row");
        assert!(is_stub(&json) && !json.contains("personnel"), "{json}");
        assert_eq!((url.as_str(), name.as_str(), note), ("", "", None));
        let screenshots: i64 = conn
            .query_row("SELECT count(*) FROM screenshots", [], |r| r.get(0))
            .expect("count");
        assert_eq!(screenshots, 1, "only the other report's");
        let redaction = redaction_of(&conn, "r1").expect("read").expect("redacted");
        assert_eq!(redaction.redaction.removed[0].seq, 1);
        assert_eq!(redaction.redaction.category.as_deref(), Some("harassment"));
        assert!(super::super::packages::package_contents(&conn, "r1", None, "now").is_err());
        assert_eq!(reports::screenshot_problems(&conn).expect("check"), []);
    }

    #[test]
    fn a_stub_without_its_chained_redaction_is_caught() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (conn, _) = redacted_store(dir.path());
        // A stub that names another entry.
        let sha: String = conn
            .query_row(
                "SELECT payload_sha256 FROM evidence_log WHERE seq = 1",
                [],
                |r| r.get(0),
            )
            .expect("sha");
        conn.execute(
            "UPDATE reports SET report_json = ?1 WHERE id = 'r1'",
            [stub(2, &sha)],
        )
        .expect("tamper");
        let status = verify_evidence_chain(&conn).expect("verify");
        assert_eq!(status.first_broken_seq, Some(1), "{status:?}");
        conn.execute(
            "UPDATE reports SET report_json = ?1 WHERE id = 'r1'",
            [stub(1, &sha)],
        )
        .expect("restore");
        assert!(verify_evidence_chain(&conn).expect("verify").is_intact());
        // The redaction row pointed at an entry that is not a redaction.
        conn.execute(
            "UPDATE report_redactions SET evidence_seq = 2 WHERE report_id = 'r1'",
            [],
        )
        .expect("tamper");
        let status = verify_evidence_chain(&conn).expect("verify");
        assert_eq!(status.first_broken_seq, Some(1), "{status:?}");
        assert!(
            status
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("not a later redaction entry")),
            "{status:?}"
        );
        // A second report redacted with a forged stub but no redaction at all.
        let sha2: String = conn
            .query_row(
                "SELECT payload_sha256 FROM evidence_log WHERE seq = 2",
                [],
                |r| r.get(0),
            )
            .expect("sha");
        conn.execute(
            "UPDATE report_redactions SET evidence_seq = 3 WHERE report_id = 'r1'",
            [],
        )
        .expect("restore");
        conn.execute(
            "UPDATE reports SET report_json = ?1 WHERE id = 'r2'",
            [stub(2, &sha2)],
        )
        .expect("tamper");
        let status = verify_evidence_chain(&conn).expect("verify");
        assert_eq!(status.first_broken_seq, Some(2), "{status:?}");
    }

    #[test]
    fn a_reason_is_required_and_a_report_is_redacted_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_conn, _) = redacted_store(dir.path());
        let store = Store::open(dir.path()).expect("open");
        let request = |id: &str, reason: &str| RedactionRequest {
            report_id: id.into(),
            reason: reason.into(),
            by: RedactedBy::Retention,
            manager: None,
            retention_days: Some(30),
        };
        let code = |result: Result<StoredRedaction>| match result {
            Err(error) => error.code(),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            code(store.write_blocking(|tx| redact(tx, &request("r2", " "), "now"))),
            "reason_required"
        );
        assert_eq!(
            code(store.write_blocking(|tx| redact(tx, &request("r1", "again"), "now"))),
            "already_redacted"
        );
        assert_eq!(
            code(store.write_blocking(|tx| redact(tx, &request("r9", "x"), "now"))),
            "not_found"
        );
        store.close().expect("close");
    }
}
