//! The email queue: one row per email to send, written in the same transaction as what it reports.
//!
//! A row is `queued` until the SMTP server accepts it (`sent`, with the address and the
//! server's reply) or refuses it for good (`failed`, with the server's answer; the manager
//! may retry it). Transient failures keep it `queued` with a later `not_before_ms`. Nothing
//! marks a row as "being sent": after a crash every `queued` row is sent again, with the
//! same `Message-ID`, so a duplicate is recognizable.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::store::Result;

/// What an email is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// A stored report, to the manager.
    Report,
    /// A later annotation of a report already mailed, in the same thread.
    FollowUp,
    /// A report forwarded to the board with the manager's verified facts.
    Forward,
}

impl MailKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::FollowUp => "follow_up",
            Self::Forward => "forward",
        }
    }

    fn parse(value: &str) -> Self {
        match value {
            "follow_up" => Self::FollowUp,
            "forward" => Self::Forward,
            _ => Self::Report,
        }
    }
}

/// Who an email goes to; the address comes from the settings when it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The content manager.
    Manager,
    /// The board of directors.
    Board,
}

impl Recipient {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manager => "manager",
            Self::Board => "board",
        }
    }

    fn parse(value: &str) -> Self {
        if value == "board" {
            Self::Board
        } else {
            Self::Manager
        }
    }
}

/// The `Message-ID` of a report's email to a recipient: stable, so a repeated delivery is recognizable.
pub fn report_message_id(report_id: &str, to: Recipient) -> String {
    format!("<report-{report_id}.{}@balise.local>", to.as_str())
}

/// The `Message-ID` of the follow-up for the annotation at evidence entry `seq`.
pub fn follow_up_message_id(report_id: &str, to: Recipient, seq: i64) -> String {
    format!(
        "<report-{report_id}.{}.note-{seq}@balise.local>",
        to.as_str()
    )
}

/// The `Message-ID` of the forward recorded at evidence entry `seq`.
pub fn forward_message_id(report_id: &str, seq: i64) -> String {
    format!("<report-{report_id}.board.forward-{seq}@balise.local>")
}

/// An email to queue.
#[derive(Debug, Clone)]
pub struct NewMail {
    /// The report it is about.
    pub report_id: String,
    /// What it is.
    pub kind: MailKind,
    /// Who it goes to.
    pub to: Recipient,
    /// The annotation or forward entry it carries, if any.
    pub about_seq: Option<i64>,
    /// Its `Message-ID`.
    pub message_id: String,
    /// The `Message-ID` it answers (follow-ups).
    pub in_reply_to: Option<String>,
    /// Not sent before this instant (Unix milliseconds).
    pub not_before_ms: i64,
}

/// Queues an email in the caller's transaction; returns its row id.
pub fn enqueue(tx: &Transaction<'_>, mail: &NewMail, now: &str) -> Result<i64> {
    tx.execute(
        "INSERT INTO mail_queue (report_id, kind, recipient_role, about_seq, message_id, in_reply_to,
                                 status, created_at, not_before_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8)",
        params![
            mail.report_id,
            mail.kind.as_str(),
            mail.to.as_str(),
            mail.about_seq,
            mail.message_id,
            mail.in_reply_to,
            now,
            mail.not_before_ms
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The state of one email, as the API and the dashboard show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MailRecord {
    /// Row id (the dashboard's retry button names it).
    pub id: i64,
    /// The report.
    #[serde(skip)]
    pub report_id: String,
    /// What it is.
    pub kind: MailKind,
    /// Who it goes to.
    pub to: Recipient,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    /// Its `Message-ID`.
    pub message_id: String,
    /// The `Message-ID` it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    /// The annotation or forward entry it carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about_seq: Option<i64>,
    /// When it was queued (UTC).
    pub queued_at: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Last attempt (UTC).
    pub last_attempt_at: Option<String>,
    /// Why the last attempt failed (the server's answer or the connection problem).
    pub last_error: Option<String>,
    /// Next attempt, for a queued email (Unix milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_ms: Option<i64>,
    /// When the server accepted it (UTC).
    pub sent_at: Option<String>,
    /// The address it was sent to.
    pub sent_to: Option<String>,
    /// The server's reply when it accepted it.
    pub smtp_reply: Option<String>,
    /// Evidence entries up to this one were included in the email.
    #[serde(skip)]
    pub included_seq: Option<i64>,
}

const COLUMNS: &str =
    "id, report_id, kind, recipient_role, status, message_id, in_reply_to, about_seq,
     created_at, attempts, last_attempt_at, last_error, not_before_ms, sent_at, sent_to,
     smtp_reply, included_seq";

fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<MailRecord> {
    let status: String = row.get(4)?;
    let not_before: i64 = row.get(12)?;
    Ok(MailRecord {
        id: row.get(0)?,
        report_id: row.get(1)?,
        kind: MailKind::parse(&row.get::<_, String>(2)?),
        to: Recipient::parse(&row.get::<_, String>(3)?),
        next_attempt_ms: (status == "queued").then_some(not_before),
        status,
        message_id: row.get(5)?,
        in_reply_to: row.get(6)?,
        about_seq: row.get(7)?,
        queued_at: row.get(8)?,
        attempts: row.get(9)?,
        last_attempt_at: row.get(10)?,
        last_error: row.get(11)?,
        sent_at: row.get(13)?,
        sent_to: row.get(14)?,
        smtp_reply: row.get(15)?,
        included_seq: row.get(16)?,
    })
}

/// One email by row id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<MailRecord>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM mail_queue WHERE id = ?1"),
            [id],
            row_to_record,
        )
        .optional()?)
}

/// Every email about a report, oldest first.
pub fn for_report(conn: &Connection, report_id: &str) -> Result<Vec<MailRecord>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM mail_queue WHERE report_id = ?1 ORDER BY id"
    ))?;
    Ok(statement
        .query_map([report_id], row_to_record)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Queued emails for `to` whose time has come, oldest first, skipping `busy` ones.
pub fn due(
    conn: &Connection,
    roles: &[Recipient],
    now_ms: i64,
    busy: &[i64],
    limit: usize,
) -> Result<Vec<i64>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, recipient_role FROM mail_queue
         WHERE status = 'queued' AND not_before_ms <= ?1 ORDER BY not_before_ms, id",
    )?;
    let mut ids = Vec::new();
    let mut rows = statement.query([now_ms])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let role = Recipient::parse(&row.get::<_, String>(1)?);
        if roles.contains(&role) && !busy.contains(&id) {
            ids.push(id);
            if ids.len() == limit {
                break;
            }
        }
    }
    Ok(ids)
}

/// The earliest time a queued email for one of `roles` becomes due (Unix milliseconds).
pub fn next_due_ms(conn: &Connection, roles: &[Recipient]) -> Result<Option<i64>> {
    let mut earliest: Option<i64> = None;
    for role in roles {
        let at: Option<i64> = conn.query_row(
            "SELECT min(not_before_ms) FROM mail_queue WHERE status = 'queued' AND recipient_role = ?1",
            [role.as_str()],
            |row| row.get(0),
        )?;
        earliest = match (earliest, at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(earliest)
}

/// Records that the server accepted the email. For a report's email, annotations recorded
/// after what it included get their own follow-up, in the same transaction.
pub fn mark_sent(
    tx: &Transaction<'_>,
    id: i64,
    sent_to: &str,
    reply: &str,
    included_seq: Option<i64>,
    now: &str,
    now_ms: i64,
) -> Result<()> {
    let changed = tx.execute(
        "UPDATE mail_queue SET status = 'sent', sent_at = ?2, sent_to = ?3, smtp_reply = ?4,
                attempts = attempts + 1, last_attempt_at = ?2, last_error = NULL, included_seq = ?5
         WHERE id = ?1 AND status = 'queued'",
        params![id, now, sent_to, reply, included_seq],
    )?;
    if changed == 0 {
        return Ok(());
    }
    let Some(mail) = get(tx, id)? else {
        return Ok(());
    };
    if mail.kind != MailKind::Report {
        return Ok(());
    }
    let later: Vec<i64> = {
        let mut statement = tx.prepare_cached(
            "SELECT evidence_seq FROM report_annotations WHERE report_id = ?1 AND evidence_seq > ?2
             ORDER BY evidence_seq",
        )?;
        statement
            .query_map(params![mail.report_id, included_seq.unwrap_or(0)], |row| {
                row.get(0)
            })?
            .collect::<rusqlite::Result<_>>()?
    };
    for seq in later {
        queue_follow_up(tx, &mail, seq, now, now_ms)?;
    }
    Ok(())
}

fn queue_follow_up(
    tx: &Transaction<'_>,
    report_mail: &MailRecord,
    seq: i64,
    now: &str,
    now_ms: i64,
) -> Result<()> {
    enqueue(
        tx,
        &NewMail {
            report_id: report_mail.report_id.clone(),
            kind: MailKind::FollowUp,
            to: report_mail.to,
            about_seq: Some(seq),
            message_id: follow_up_message_id(&report_mail.report_id, report_mail.to, seq),
            in_reply_to: Some(report_mail.message_id.clone()),
            not_before_ms: now_ms,
        },
        now,
    )?;
    Ok(())
}

/// A report was annotated (entry `seq`): its email, still waiting, goes now and carries the
/// annotation; one already sent gets a follow-up in its thread.
pub fn on_annotation(
    tx: &Transaction<'_>,
    report_id: &str,
    seq: i64,
    now: &str,
    now_ms: i64,
) -> Result<()> {
    let mails = for_report(tx, report_id)?;
    for mail in mails.iter().filter(|mail| mail.kind == MailKind::Report) {
        match mail.status.as_str() {
            "queued" => {
                tx.execute(
                    "UPDATE mail_queue SET not_before_ms = min(not_before_ms, ?2) WHERE id = ?1",
                    params![mail.id, now_ms],
                )?;
            }
            "sent" => queue_follow_up(tx, mail, seq, now, now_ms)?,
            // A refused email carries every annotation when the manager retries it.
            _ => {}
        }
    }
    Ok(())
}

/// A transient failure: try again at `next_ms`.
pub fn mark_retry(
    tx: &Transaction<'_>,
    id: i64,
    error: &str,
    next_ms: i64,
    now: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE mail_queue SET attempts = attempts + 1, last_attempt_at = ?2, last_error = ?3,
                not_before_ms = ?4
         WHERE id = ?1 AND status = 'queued'",
        params![id, now, error, next_ms],
    )?;
    Ok(())
}

/// A permanent failure: stop until someone retries.
pub fn mark_failed(tx: &Transaction<'_>, id: i64, error: &str, now: &str) -> Result<()> {
    tx.execute(
        "UPDATE mail_queue SET status = 'failed', attempts = attempts + 1, last_attempt_at = ?2,
                last_error = ?3
         WHERE id = ?1 AND status = 'queued'",
        params![id, now, error],
    )?;
    Ok(())
}

/// Queues a failed or waiting email again, due now. False if there is no such unsent email.
pub fn retry(tx: &Transaction<'_>, id: i64, now_ms: i64) -> Result<bool> {
    Ok(tx.execute(
        "UPDATE mail_queue SET status = 'queued', not_before_ms = ?2
         WHERE id = ?1 AND status IN ('queued', 'failed')",
        params![id, now_ms],
    )? == 1)
}

/// The queue's figures for the dashboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MailCounts {
    /// Waiting to be sent (including those retrying).
    pub queued: i64,
    /// Of those, how many failed at least once and are retrying.
    pub retrying: i64,
    /// Accepted by the server.
    pub sent: i64,
    /// Refused for good, waiting for someone to retry.
    pub failed: i64,
}

/// Counts the queue by state.
pub fn counts(conn: &Connection) -> Result<MailCounts> {
    Ok(conn.query_row(
        "SELECT coalesce(sum(status = 'queued'), 0), coalesce(sum(status = 'queued' AND attempts > 0), 0),
                coalesce(sum(status = 'sent'), 0), coalesce(sum(status = 'failed'), 0)
         FROM mail_queue",
        [],
        |row| {
            Ok(MailCounts {
                queued: row.get(0)?,
                retrying: row.get(1)?,
                sent: row.get(2)?,
                failed: row.get(3)?,
            })
        },
    )?)
}

/// Emails that need attention (failed, or retrying), newest first, for the dashboard.
pub fn troubled(conn: &Connection, limit: i64) -> Result<Vec<MailRecord>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM mail_queue
         WHERE status = 'failed' OR (status = 'queued' AND attempts > 0)
         ORDER BY id DESC LIMIT ?1"
    ))?;
    Ok(statement
        .query_map([limit], row_to_record)?
        .collect::<rusqlite::Result<_>>()?)
}
