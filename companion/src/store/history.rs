//! A report's history: every evidence-log entry about it, in order, with what each
//! recorded (read from the chained rows).

use balise_core::report::ReportAnnotation;
use rusqlite::{Connection, OptionalExtension};

use super::evidence::{EvidenceEntry, KIND_ANNOTATION, KIND_FORWARD, KIND_REDACTION, KIND_REVIEW};
use super::privacy;
use super::reviews::{self, ReviewJson};
use crate::store::Result;

/// What an entry recorded, as far as a person needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// Nothing more than its kind (received, imported, exported).
    None,
    /// An annotation: the category code and note it added.
    Annotation {
        /// Category code.
        category: Option<String>,
        /// Note.
        note: Option<String>,
    },
    /// A review: the status change and its note.
    Review {
        /// The chained review (its note empty once erased).
        review: ReviewJson,
        /// Whether its note was erased with the report.
        note_erased: bool,
    },
    /// A forward: the facts sent to the board.
    Forward {
        /// The verified facts.
        facts: String,
    },
    /// The report's redaction: why.
    Redaction {
        /// The reason given (or the retention period's).
        reason: String,
    },
    /// What the entry recorded was erased with the report (its hash stays).
    Erased,
    /// The row the entry records is missing or does not parse (`verify` says more).
    Unreadable,
}

/// One line of a report's history.
#[derive(Debug, Clone)]
pub struct HistoryItem {
    /// The evidence entry.
    pub entry: EvidenceEntry,
    /// What it recorded.
    pub detail: Detail,
}

fn json_of(conn: &Connection, sql: &str, seq: i64) -> Result<Option<String>> {
    Ok(conn.query_row(sql, [seq], |row| row.get(0)).optional()?)
}

/// Every evidence entry whose subject is `report_id`, oldest first.
pub fn for_report(conn: &Connection, report_id: &str) -> Result<Vec<HistoryItem>> {
    let mut statement = conn.prepare_cached(
        "SELECT seq, recorded_at, kind, subject, payload_sha256, prev_hash, entry_hash
         FROM evidence_log WHERE subject = ?1 ORDER BY seq",
    )?;
    let entries = statement
        .query_map([report_id], |row| {
            Ok(EvidenceEntry {
                seq: row.get(0)?,
                recorded_at: row.get(1)?,
                kind: row.get(2)?,
                subject: row.get(3)?,
                payload_sha256: row.get(4)?,
                prev_hash: row.get(5)?,
                entry_hash: row.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut items = Vec::with_capacity(entries.len());
    for entry in entries {
        let detail = match entry.kind.as_str() {
            KIND_ANNOTATION => json_of(
                conn,
                "SELECT annotation_json FROM report_annotations WHERE evidence_seq = ?1",
                entry.seq,
            )?
            .map_or(Detail::Unreadable, |json| {
                if privacy::is_stub(&json) {
                    return Detail::Erased;
                }
                serde_json::from_str::<ReportAnnotation>(&json).map_or(
                    Detail::Unreadable,
                    |annotation| Detail::Annotation {
                        category: annotation.category.map(|c| c.as_str().to_owned()),
                        note: annotation.note,
                    },
                )
            }),
            KIND_REVIEW => match json_of(
                conn,
                "SELECT review_json FROM report_reviews WHERE evidence_seq = ?1",
                entry.seq,
            )? {
                Some(json) => reviews::chained(conn, &entry.subject, entry.seq, &json).map_or(
                    Detail::Unreadable,
                    |(review, note_erased)| Detail::Review {
                        review,
                        note_erased,
                    },
                ),
                None => Detail::Unreadable,
            },
            KIND_FORWARD => json_of(
                conn,
                "SELECT forward_json FROM report_forwards WHERE evidence_seq = ?1",
                entry.seq,
            )?
            .map_or(Detail::Unreadable, |json| {
                if privacy::is_stub(&json) {
                    return Detail::Erased;
                }
                serde_json::from_str::<balise_core::package::Forward>(&json).map_or(
                    Detail::Unreadable,
                    |forward| Detail::Forward {
                        facts: forward.facts,
                    },
                )
            }),
            KIND_REDACTION => privacy::redaction_of(conn, &entry.subject)?
                .filter(|stored| stored.evidence_seq == entry.seq)
                .map_or(Detail::Unreadable, |stored| Detail::Redaction {
                    reason: stored.redaction.reason,
                }),
            _ => Detail::None,
        };
        items.push(HistoryItem { entry, detail });
    }
    Ok(items)
}
