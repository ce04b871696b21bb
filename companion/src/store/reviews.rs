//! A report's life as the manager triages it: new → under review → forwarded to the board |
//! dismissed | resolved, each change a chained evidence entry with its note.
//!
//! The current status is never a mutable column: it is the `status` of the newest review's
//! chained JSON (`review_json`, whose SHA-256 the evidence entry holds), or `new` when the
//! report has none. The `status` and `note` columns of `report_reviews` are copies for
//! people reading the file; `verify` checks they still agree with the JSON. Once a report is
//! redacted its reviews' JSON are stubs: their statuses are read from the chained redaction
//! record (which keeps everything but the notes), and the report is not reviewed again.
//!
//! Transition rules (checked in the write transaction, against the status read there):
//!
//! | from \ to      | under review        | forwarded     | dismissed       | resolved        |
//! |----------------|---------------------|---------------|-----------------|-----------------|
//! | new            | yes (note optional) | forward only  | reason required | note required   |
//! | under review   | —                   | forward only  | reason required | note required   |
//! | forwarded      | note required       | forward again | reason required | note required   |
//! | dismissed      | note required       | forward only  | —               | no (reopen)     |
//! | resolved       | note required       | forward only  | no (reopen)     | —               |
//!
//! Nothing goes back to `new`. "Forwarded" is only ever set by a forward to the board
//! (which asks for the verified facts, queues the email, and records the review in the
//! same transaction, the facts as its note); the review form and API refuse it.

use balise_core::evidence::KIND_REVIEW;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::{evidence, privacy, sha256_hex};
use crate::store::{Error, Result};

/// The `format` of a review's JSON.
pub const REVIEW_FORMAT: &str = "balise-review-v1";

/// Longest note (characters).
pub const MAX_NOTE_LEN: usize = 10_000;

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Received or imported, not looked at yet.
    New,
    /// The manager is looking into it.
    UnderReview,
    /// Forwarded to the board with verified facts.
    Forwarded,
    /// Dismissed, with a reason.
    Dismissed,
    /// Dealt with.
    Resolved,
}

impl ReviewStatus {
    /// Every status, in the order of a report's life.
    pub const ALL: [ReviewStatus; 5] = [
        ReviewStatus::New,
        ReviewStatus::UnderReview,
        ReviewStatus::Forwarded,
        ReviewStatus::Dismissed,
        ReviewStatus::Resolved,
    ];

    /// The wire and database name, such as `under_review`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::New => "new",
            ReviewStatus::UnderReview => "under_review",
            ReviewStatus::Forwarded => "forwarded",
            ReviewStatus::Dismissed => "dismissed",
            ReviewStatus::Resolved => "resolved",
        }
    }

    /// The status named `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// The status in words: (French, English).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            ReviewStatus::New => ("Nouveau", "New"),
            ReviewStatus::UnderReview => ("En cours d'examen", "Under review"),
            ReviewStatus::Forwarded => ("Transmis au conseil", "Forwarded to the board"),
            ReviewStatus::Dismissed => ("Classé sans suite", "Dismissed"),
            ReviewStatus::Resolved => ("Résolu", "Resolved"),
        }
    }

    /// Whether the manager has closed the report (it is reopened by going back under review).
    fn is_closed(self) -> bool {
        matches!(
            self,
            ReviewStatus::Forwarded | ReviewStatus::Dismissed | ReviewStatus::Resolved
        )
    }
}

/// How a status change is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The review form or API.
    Review,
    /// A forward to the board (the facts are the note).
    Forward,
}

/// Checks that a report may go from `from` to `to` with `note` (already trimmed).
pub fn check_transition(from: ReviewStatus, to: ReviewStatus, note: &str, via: Via) -> Result<()> {
    let refused = |code: &'static str, message: &'static str| Err(Error::conflict(code, message));
    match to {
        ReviewStatus::New => {
            return Err(Error::invalid(
                "invalid_status",
                "Un signalement ne redevient pas « nouveau » : choisissez « en cours d'examen ». / \
                 A report does not become \"new\" again: choose \"under review\".",
            ));
        }
        ReviewStatus::Forwarded if via == Via::Review => {
            return Err(Error::invalid(
                "use_forward",
                "Pour transmettre au conseil, utilisez le transfert (avec les faits vérifiés) : il envoie le courriel. / \
                 To forward to the board, use the forward (with the verified facts): it sends the email.",
            ));
        }
        ReviewStatus::Dismissed if note.is_empty() => {
            return Err(Error::invalid(
                "reason_required",
                "Indiquez la raison du classement sans suite. / Give the reason for dismissing.",
            ));
        }
        ReviewStatus::Resolved if note.is_empty() => {
            return Err(Error::invalid(
                "note_required",
                "Indiquez comment le signalement a été résolu. / Say how the report was resolved.",
            ));
        }
        _ => {}
    }
    if from == to && to != ReviewStatus::Forwarded {
        return refused(
            "same_status",
            "Le signalement a déjà ce statut. / The report already has this status.",
        );
    }
    if matches!(
        (from, to),
        (ReviewStatus::Dismissed, ReviewStatus::Resolved)
            | (ReviewStatus::Resolved, ReviewStatus::Dismissed)
    ) {
        return refused(
            "invalid_transition",
            "Rouvrez d'abord le signalement (« en cours d'examen », avec une note). / \
             Reopen the report first (\"under review\", with a note).",
        );
    }
    if to == ReviewStatus::UnderReview && from.is_closed() && note.is_empty() {
        return Err(Error::invalid(
            "note_required",
            "Pour rouvrir un signalement, dites pourquoi dans la note. / To reopen a report, say why in the note.",
        ));
    }
    Ok(())
}

/// Checks a note's form: at most [`MAX_NOTE_LEN`] characters, no control characters
/// other than line breaks and tabs. Returns it trimmed, with `\n` line breaks.
pub fn clean_note(note: &str) -> Result<String> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_LEN {
        return Err(Error::invalid(
            "invalid_note",
            format!(
                "La note dépasse {MAX_NOTE_LEN} caractères. / The note is longer than {MAX_NOTE_LEN} characters."
            ),
        ));
    }
    if balise_core::validate::has_control_chars(note) {
        return Err(Error::invalid(
            "invalid_note",
            "La note contient des caractères de contrôle. / The note holds control characters.",
        ));
    }
    Ok(note.replace("\r\n", "\n"))
}

/// The JSON a review records (and its evidence entry hashes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReviewJson {
    /// [`REVIEW_FORMAT`].
    pub format: String,
    /// The report.
    pub report_id: String,
    /// The status before.
    pub previous: ReviewStatus,
    /// The status now.
    pub status: ReviewStatus,
    /// The manager's note (the reason of a dismissal, the facts of a forward).
    pub note: String,
    /// When (UTC).
    pub reviewed_at: String,
    /// The forward's evidence entry, when the change comes from a forward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_seq: Option<i64>,
}

/// A stored review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewRecord {
    /// The status before.
    pub previous: ReviewStatus,
    /// The status set.
    pub status: ReviewStatus,
    /// The note.
    pub note: String,
    /// When (UTC).
    pub recorded_at: String,
    /// The forward that set it, if any.
    pub forward_seq: Option<i64>,
    /// Whether its note was erased with the report (redaction).
    pub note_redacted: bool,
    /// Evidence-log sequence number.
    pub evidence_seq: i64,
    /// Evidence-log entry hash.
    pub entry_hash: String,
}

pub(super) fn parse_review(report_id: &str, seq: i64, json: &str) -> Result<ReviewJson> {
    serde_json::from_str(json).map_err(|error| Error::Corrupted {
        subject: report_id.to_owned(),
        detail: format!("stored review {seq} does not parse: {error}"),
    })
}

/// A stored review row read from its chained record: its own JSON, or, when a redaction
/// replaced that by a stub, what the redaction keeps (with an empty note). The `bool` says
/// whether the note was erased.
pub fn chained(
    conn: &Connection,
    report_id: &str,
    seq: i64,
    json: &str,
) -> Result<(ReviewJson, bool)> {
    if !privacy::is_stub(json) {
        return Ok((parse_review(report_id, seq, json)?, false));
    }
    let kept = privacy::kept_review(conn, report_id, seq)?.ok_or_else(|| Error::Corrupted {
        subject: report_id.to_owned(),
        detail: format!("review {seq} was replaced by a stub its report's redaction does not name"),
    })?;
    Ok((
        ReviewJson {
            format: REVIEW_FORMAT.to_owned(),
            report_id: report_id.to_owned(),
            previous: kept.previous,
            status: kept.status,
            note: String::new(),
            reviewed_at: kept.reviewed_at,
            forward_seq: kept.forward_seq,
        },
        true,
    ))
}

/// Every review of a report, oldest first, read from their chained JSON.
pub fn for_report(conn: &Connection, report_id: &str) -> Result<Vec<ReviewRecord>> {
    let mut statement = conn.prepare_cached(
        "SELECT v.evidence_seq, v.review_json, e.entry_hash
         FROM report_reviews v JOIN evidence_log e ON e.seq = v.evidence_seq
         WHERE v.report_id = ?1 ORDER BY v.evidence_seq",
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
    rows.into_iter()
        .map(|(seq, json, entry_hash)| {
            let (review, note_redacted) = chained(conn, report_id, seq, &json)?;
            Ok(ReviewRecord {
                previous: review.previous,
                status: review.status,
                note: review.note,
                recorded_at: review.reviewed_at,
                forward_seq: review.forward_seq,
                note_redacted,
                evidence_seq: seq,
                entry_hash,
            })
        })
        .collect()
}

/// The current status of a report: the status its redaction kept, else its newest review's
/// chained status, else `new`.
pub fn current_status(conn: &Connection, report_id: &str) -> Result<ReviewStatus> {
    if let Some(redacted) = privacy::redaction_of(conn, report_id)? {
        return Ok(redacted.redaction.status.unwrap_or(ReviewStatus::New));
    }
    let latest: Option<(i64, String)> = conn
        .query_row(
            "SELECT evidence_seq, review_json FROM report_reviews WHERE report_id = ?1
             ORDER BY evidence_seq DESC LIMIT 1",
            [report_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    match latest {
        None => Ok(ReviewStatus::New),
        Some((seq, json)) => Ok(parse_review(report_id, seq, &json)?.status),
    }
}

/// Records a status change (checked against the current status) and its evidence entry,
/// in the caller's transaction. [`Error::NotFound`] if the report is unknown.
pub fn record(
    tx: &Transaction<'_>,
    report_id: &str,
    status: ReviewStatus,
    note: &str,
    via: Via,
    forward_seq: Option<i64>,
    now: &str,
) -> Result<ReviewRecord> {
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM reports WHERE id = ?1)",
        [report_id],
        |row| row.get(0),
    )?;
    if !exists {
        return Err(Error::not_found("signalement / report"));
    }
    privacy::refuse_if_redacted(tx, report_id)?;
    let note = clean_note(note)?;
    let previous = current_status(tx, report_id)?;
    check_transition(previous, status, &note, via)?;
    let review = ReviewJson {
        format: REVIEW_FORMAT.to_owned(),
        report_id: report_id.to_owned(),
        previous,
        status,
        note,
        reviewed_at: now.to_owned(),
        forward_seq,
    };
    let json = serde_json::to_string(&review)?;
    let entry = evidence::append(
        tx,
        now,
        KIND_REVIEW,
        report_id,
        &sha256_hex(json.as_bytes()),
    )?;
    tx.execute(
        "INSERT INTO report_reviews (report_id, status, note, recorded_at, review_json, evidence_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            report_id,
            status.as_str(),
            review.note,
            now,
            json,
            entry.seq
        ],
    )?;
    Ok(ReviewRecord {
        previous,
        status,
        note: review.note,
        recorded_at: now.to_owned(),
        forward_seq,
        note_redacted: false,
        evidence_seq: entry.seq,
        entry_hash: entry.entry_hash,
    })
}

/// For `verify`: the review row an entry records, with what is wrong with its copies of
/// the chained record (`status`, `note` columns), if anything. A redaction stub's columns are
/// checked against what the redaction kept (the stub itself is checked by the chain walk).
pub fn row_problem(
    conn: &Connection,
    seq: i64,
) -> Result<Option<(String, String, Option<String>)>> {
    let row: Option<(String, String, String, String)> = conn
        .query_row(
            "SELECT report_id, review_json, status, note FROM report_reviews WHERE evidence_seq = ?1",
            [seq],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    let Some((report_id, json, status, note)) = row else {
        return Ok(None);
    };
    let problem = match chained(conn, &report_id, seq, &json) {
        Err(_) => Some("the review JSON does not parse".to_owned()),
        Ok((review, _)) if review.status.as_str() != status || review.note != note => Some(
            "the review row's status or note column differs from its chained record".to_owned(),
        ),
        Ok(_) => None,
    };
    Ok(Some((report_id, json, problem)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewStatus::*;

    #[test]
    fn statuses_round_trip_by_name() {
        for status in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ReviewStatus::parse("closed"), None);
    }

    #[test]
    fn the_transition_rules_hold() {
        let code = |from, to, note: &str, via| {
            check_transition(from, to, note, via)
                .err()
                .map(|error| error.code())
        };
        assert_eq!(code(New, UnderReview, "", Via::Review), None);
        assert_eq!(
            code(New, Dismissed, "", Via::Review),
            Some("reason_required")
        );
        assert_eq!(code(New, Dismissed, "spam", Via::Review), None);
        assert_eq!(code(New, Resolved, "", Via::Review), Some("note_required"));
        assert_eq!(code(New, Forwarded, "x", Via::Review), Some("use_forward"));
        assert_eq!(code(New, Forwarded, "facts", Via::Forward), None);
        assert_eq!(code(Forwarded, Forwarded, "facts", Via::Forward), None);
        assert_eq!(
            code(UnderReview, New, "x", Via::Review),
            Some("invalid_status")
        );
        assert_eq!(
            code(UnderReview, UnderReview, "x", Via::Review),
            Some("same_status")
        );
        assert_eq!(
            code(Dismissed, UnderReview, "", Via::Review),
            Some("note_required")
        );
        assert_eq!(code(Dismissed, UnderReview, "new facts", Via::Review), None);
        assert_eq!(
            code(Dismissed, Resolved, "x", Via::Review),
            Some("invalid_transition")
        );
        assert_eq!(
            code(Resolved, Dismissed, "x", Via::Review),
            Some("invalid_transition")
        );
        assert_eq!(
            code(Resolved, UnderReview, "", Via::Review),
            Some("note_required")
        );
        assert_eq!(
            code(Forwarded, Resolved, "board answered", Via::Review),
            None
        );
        assert_eq!(code(Dismissed, Forwarded, "facts", Via::Forward), None);
    }

    #[test]
    fn notes_are_checked() {
        assert_eq!(clean_note("  a\r\nb ").expect("clean"), "a\nb");
        assert!(clean_note("a\u{7}b").is_err());
        assert!(clean_note(&"é".repeat(MAX_NOTE_LEN + 1)).is_err());
    }
}
