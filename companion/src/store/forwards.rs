//! Forwards to the board: each recorded as evidence, with its review entry and its queued
//! email, and read back for the evidence package and the emails.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::evidence::{self, KIND_FORWARD};
use super::mail;
use super::privacy;
use super::reports::exists;
use super::reviews::{self, ReviewStatus, Via};
use super::sha256_hex;
use crate::store::{Error, Result};

/// A forward to the board, recorded as evidence.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForwardRecord {
    /// The report.
    pub report_id: String,
    /// Evidence-log sequence number of the forward.
    pub evidence_seq: i64,
    /// Its entry hash.
    pub entry_hash: String,
    /// When (UTC).
    pub recorded_at: String,
    /// The email's `Message-ID`.
    pub message_id: String,
    /// The email's row in the queue.
    pub mail_id: i64,
}

/// Records a forward to the board (`forward_json` as built by the handler), sets the
/// report's status to forwarded (a review entry) and queues its email, due now.
/// [`Error::NotFound`] if the report is unknown.
pub fn forward(
    tx: &Transaction<'_>,
    report_id: &str,
    forward_json: &str,
    now: &str,
    now_ms: i64,
) -> Result<ForwardRecord> {
    if !exists(tx, report_id)? {
        return Err(Error::not_found("signalement / report"));
    }
    privacy::refuse_if_redacted(tx, report_id)?;
    let entry = evidence::append(
        tx,
        now,
        KIND_FORWARD,
        report_id,
        &sha256_hex(forward_json.as_bytes()),
    )?;
    tx.execute(
        "INSERT INTO report_forwards (report_id, recipient, recorded_at, forward_json, evidence_seq)
         VALUES (?1, 'board', ?2, ?3, ?4)",
        params![report_id, now, forward_json, entry.seq],
    )?;
    // The report is "forwarded" from now on: the review is chained in this transaction,
    // the facts as its note.
    let facts = serde_json::from_str::<balise_core::package::Forward>(forward_json)?.facts;
    reviews::record(
        tx,
        report_id,
        ReviewStatus::Forwarded,
        &facts,
        Via::Forward,
        Some(entry.seq),
        now,
    )?;
    let message_id = mail::forward_message_id(report_id, entry.seq);
    let mail_id = mail::enqueue(
        tx,
        &mail::NewMail {
            report_id: report_id.to_owned(),
            kind: mail::MailKind::Forward,
            to: mail::Recipient::Board,
            about_seq: Some(entry.seq),
            message_id: message_id.clone(),
            in_reply_to: None,
            not_before_ms: now_ms,
        },
        now,
    )?;
    Ok(ForwardRecord {
        report_id: report_id.to_owned(),
        evidence_seq: entry.seq,
        entry_hash: entry.entry_hash,
        recorded_at: now.to_owned(),
        message_id,
        mail_id,
    })
}

/// One stored forward.
#[derive(Debug, Clone)]
pub struct StoredForward {
    /// Its evidence entry.
    pub evidence_seq: i64,
    /// The JSON as recorded.
    pub forward_json: String,
}

/// A `report_forwards` row read as `evidence_seq, forward_json`.
fn stored_forward_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredForward> {
    Ok(StoredForward {
        evidence_seq: row.get(0)?,
        forward_json: row.get(1)?,
    })
}

/// The forward recorded at `seq`, if it belongs to `report_id`.
pub fn stored_forward(
    conn: &Connection,
    report_id: &str,
    seq: i64,
) -> Result<Option<StoredForward>> {
    Ok(conn
        .query_row(
            "SELECT evidence_seq, forward_json FROM report_forwards WHERE report_id = ?1 AND evidence_seq = ?2",
            params![report_id, seq],
            stored_forward_row,
        )
        .optional()?)
}

/// The newest forward of a report, if any.
pub fn latest_forward(conn: &Connection, report_id: &str) -> Result<Option<StoredForward>> {
    Ok(conn
        .query_row(
            "SELECT evidence_seq, forward_json FROM report_forwards WHERE report_id = ?1
             ORDER BY evidence_seq DESC LIMIT 1",
            [report_id],
            stored_forward_row,
        )
        .optional()?)
}
