//! The append-only evidence log: a SHA-256 hash chain over every stored report, import,
//! annotation, forward, export, review (a status change), trace and attestation.
//!
//! The entry format and its canonical hash live in `balise_core::evidence`, so that an
//! evidence package received by email is checked with the same code. `payload_sha256` is
//! the SHA-256 of the exact JSON text the entry records (a report as received, an
//! annotation, a forward, an attestation, a redaction, an appointment, the policy), so
//! editing a stored row, the log, or removing an entry all break verification. A report,
//! annotation or forward whose JSON was replaced by a redaction stub verifies only when a
//! chained `report_redacted` entry keeps its original hash (`store::privacy`).

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

pub use balise_core::evidence::{
    EvidenceEntry, GENESIS_HASH, KIND_ANNOTATION, KIND_APPOINTMENT, KIND_ATTESTATION, KIND_EXPORT,
    KIND_FORWARD, KIND_IMPORT, KIND_POLICY, KIND_REDACTION, KIND_REPORT, KIND_REVIEW, KIND_TRACE,
    entry_hash,
};

use super::sha256_hex;
use crate::store::Result;

/// Appends an entry inside the caller's (immediate) transaction.
pub fn append(
    tx: &Transaction<'_>,
    recorded_at: &str,
    kind: &str,
    subject: &str,
    payload_sha256: &str,
) -> Result<EvidenceEntry> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, entry_hash FROM evidence_log ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let hash = entry_hash(seq, recorded_at, kind, subject, payload_sha256, &prev_hash);
    tx.execute(
        "INSERT INTO evidence_log (seq, recorded_at, kind, subject, payload_sha256, prev_hash, entry_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![seq, recorded_at, kind, subject, payload_sha256, prev_hash, hash],
    )?;
    Ok(EvidenceEntry {
        seq,
        recorded_at: recorded_at.to_owned(),
        kind: kind.to_owned(),
        subject: subject.to_owned(),
        payload_sha256: payload_sha256.to_owned(),
        prev_hash,
        entry_hash: hash,
    })
}

/// The entry with this sequence number.
pub fn entry(conn: &Connection, seq: i64) -> Result<Option<EvidenceEntry>> {
    Ok(conn
        .query_row(
            "SELECT seq, recorded_at, kind, subject, payload_sha256, prev_hash, entry_hash
             FROM evidence_log WHERE seq = ?1",
            [seq],
            row_to_entry,
        )
        .optional()?)
}

/// The newest entry (the chain head), if any.
pub fn head(conn: &Connection) -> Result<Option<EvidenceEntry>> {
    Ok(conn
        .query_row(
            "SELECT seq, recorded_at, kind, subject, payload_sha256, prev_hash, entry_hash
             FROM evidence_log ORDER BY seq DESC LIMIT 1",
            [],
            row_to_entry,
        )
        .optional()?)
}

fn row_to_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<EvidenceEntry> {
    Ok(EvidenceEntry {
        seq: row.get(0)?,
        recorded_at: row.get(1)?,
        kind: row.get(2)?,
        subject: row.get(3)?,
        payload_sha256: row.get(4)?,
        prev_hash: row.get(5)?,
        entry_hash: row.get(6)?,
    })
}

/// The result of [`verify_evidence_chain`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainStatus {
    /// Number of entries checked.
    pub entries: i64,
    /// Hash of the last entry (the chain head), if any.
    pub head: Option<String>,
    /// The first entry that fails, if any.
    pub first_broken_seq: Option<i64>,
    /// Why it fails (for the log and the dashboard).
    pub reason: Option<String>,
}

impl ChainStatus {
    /// True when every entry verified.
    pub fn is_intact(&self) -> bool {
        self.first_broken_seq.is_none()
    }
}

/// A chain head this process saw verified: every entry up to `seq` was intact, the last
/// with this hash. Entry hashes never change once written, so a head that no longer has
/// its hash is the evidence of a rewrite ([`verify_since`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedHead {
    /// The entry.
    pub seq: i64,
    /// Its hash when it was verified.
    pub entry_hash: String,
}

impl ChainStatus {
    /// The head to check from next time, when the chain verified and is not empty.
    pub fn verified_head(&self) -> Option<VerifiedHead> {
        match (&self.head, self.first_broken_seq) {
            (Some(hash), None) => Some(VerifiedHead {
                seq: self.entries,
                entry_hash: hash.clone(),
            }),
            _ => None,
        }
    }
}

/// Recomputes the whole chain and every recorded payload hash; reports the first broken entry.
///
/// Checks, in order of sequence: no gap, `prev_hash` links to the previous entry,
/// `entry_hash` recomputes, and the payload row the entry records still hashes to
/// `payload_sha256`. Then every stored row must point at an existing entry (a truncated
/// log is broken at the first missing sequence number).
pub fn verify_evidence_chain(conn: &Connection) -> Result<ChainStatus> {
    verify_since(conn, None)
}

/// [`verify_evidence_chain`] from a head verified earlier: that entry must still be there
/// with the same hash (else the log was rewritten or cut from there on, and the check says
/// so), then every later entry is checked in full, and the tail as always. `None` checks
/// from the first entry.
pub fn verify_since(conn: &Connection, since: Option<&VerifiedHead>) -> Result<ChainStatus> {
    let mut statement = conn.prepare_cached(
        "SELECT seq, recorded_at, kind, subject, payload_sha256, prev_hash, entry_hash
         FROM evidence_log WHERE seq >= ?1 ORDER BY seq",
    )?;
    let mut rows = statement.query([since.map_or(1, |head| head.seq)])?;
    let mut expected_seq = 1;
    let mut prev = GENESIS_HASH.to_owned();
    let mut entries = 0;
    let broken = |seq: i64, reason: String, entries: i64| ChainStatus {
        entries,
        head: None,
        first_broken_seq: Some(seq),
        reason: Some(reason),
    };
    if let Some(head) = since {
        let still = rows
            .next()?
            .map(row_to_entry)
            .transpose()?
            .filter(|entry| entry.seq == head.seq);
        match still {
            Some(entry) if entry.entry_hash == head.entry_hash => {
                prev = entry.entry_hash;
                expected_seq = head.seq + 1;
                entries = head.seq;
            }
            Some(entry) => {
                return Ok(broken(
                    head.seq,
                    format!(
                        "entry {} no longer has the hash it had when this companion verified it ({}…, now {}…): the log was rewritten",
                        head.seq,
                        head.entry_hash.get(..16).unwrap_or_default(),
                        entry.entry_hash.get(..16).unwrap_or_default()
                    ),
                    head.seq,
                ));
            }
            None => {
                return Ok(broken(
                    head.seq,
                    format!(
                        "entry {} is missing, though this companion verified it earlier",
                        head.seq
                    ),
                    head.seq,
                ));
            }
        }
    }
    while let Some(row) = rows.next()? {
        let entry = row_to_entry(row)?;
        entries += 1;
        if entry.seq != expected_seq {
            return Ok(broken(
                expected_seq,
                format!("entry {expected_seq} is missing"),
                entries,
            ));
        }
        if entry.prev_hash != prev {
            return Ok(broken(
                entry.seq,
                "prev_hash does not match the previous entry".into(),
                entries,
            ));
        }
        if let Some(reason) = entry_problem(conn, &entry)? {
            return Ok(broken(entry.seq, reason, entries));
        }
        prev = entry.entry_hash;
        expected_seq += 1;
    }
    // Rows pointing past the end of the log mean entries were removed from its tail.
    let max_referenced: Option<i64> = conn.query_row(
        "SELECT max(seq) FROM (
            SELECT evidence_seq AS seq FROM reports
            UNION ALL SELECT evidence_seq FROM report_annotations
            UNION ALL SELECT evidence_seq FROM report_forwards
            UNION ALL SELECT evidence_seq FROM report_exports
            UNION ALL SELECT evidence_seq FROM report_reviews
            UNION ALL SELECT evidence_seq FROM traces
            UNION ALL SELECT evidence_seq FROM attestations
            UNION ALL SELECT evidence_seq FROM imports
            UNION ALL SELECT evidence_seq FROM report_redactions
            UNION ALL SELECT evidence_seq FROM appointments
            UNION ALL SELECT evidence_seq FROM policy_changes)",
        [],
        |row| row.get(0),
    )?;
    if max_referenced.is_some_and(|max| max >= expected_seq) {
        return Ok(broken(
            expected_seq,
            format!("entry {expected_seq} is missing"),
            entries,
        ));
    }
    Ok(ChainStatus {
        entries,
        head: (entries > 0).then_some(prev),
        first_broken_seq: None,
        reason: None,
    })
}

/// What is wrong with one entry on its own, if anything: its hash no longer recomputes from
/// its fields, or the row it records no longer hashes to its payload.
fn entry_problem(conn: &Connection, entry: &EvidenceEntry) -> Result<Option<String>> {
    let recomputed = entry_hash(
        entry.seq,
        &entry.recorded_at,
        &entry.kind,
        &entry.subject,
        &entry.payload_sha256,
        &entry.prev_hash,
    );
    if recomputed != entry.entry_hash {
        return Ok(Some("entry_hash does not match its fields".into()));
    }
    payload_problem(conn, entry)
}

/// Checks that the row an entry records still hashes to its `payload_sha256`.
fn payload_problem(conn: &Connection, entry: &EvidenceEntry) -> Result<Option<String>> {
    let stored: Option<(String, String)> = match entry.kind.as_str() {
        KIND_REPORT | KIND_IMPORT => conn
            .query_row(
                "SELECT id, report_json FROM reports WHERE evidence_seq = ?1",
                [entry.seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?,
        KIND_ANNOTATION => conn
            .query_row(
                "SELECT report_id, annotation_json FROM report_annotations WHERE evidence_seq = ?1",
                [entry.seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?,
        KIND_FORWARD => conn
            .query_row(
                "SELECT report_id, forward_json FROM report_forwards WHERE evidence_seq = ?1",
                [entry.seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?,
        KIND_EXPORT => conn
            .query_row(
                "SELECT report_id, export_json FROM report_exports WHERE evidence_seq = ?1",
                [entry.seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?,
        KIND_ATTESTATION => conn
            .query_row(
                "SELECT id, attestation_json FROM attestations WHERE evidence_seq = ?1",
                [entry.seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?,
        KIND_REDACTION => conn
            .query_row(
                "SELECT report_id, redaction_json FROM report_redactions WHERE evidence_seq = ?1",
                [entry.seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?,
        KIND_APPOINTMENT => conn
            .query_row(
                "SELECT 'manager', appointment_json FROM appointments WHERE evidence_seq = ?1",
                [entry.seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?,
        KIND_POLICY => conn
            .query_row(
                "SELECT 'policy', policy_json FROM policy_changes WHERE evidence_seq = ?1",
                [entry.seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?,
        KIND_REVIEW => match super::reviews::row_problem(conn, entry.seq)? {
            Some((_, json, Some(problem)))
                if sha256_hex(json.as_bytes()) == entry.payload_sha256
                    || super::privacy::is_stub(&json) =>
            {
                return Ok(Some(problem));
            }
            other => other.map(|(subject, json, _)| (subject, json)),
        },
        KIND_TRACE => match super::traces::row_problem(conn, entry.seq)? {
            Some((_, json, Some(problem)))
                if sha256_hex(json.as_bytes()) == entry.payload_sha256 =>
            {
                return Ok(Some(problem));
            }
            other => other.map(|(subject, json, _)| (subject, json)),
        },
        other => return Ok(Some(format!("unknown kind {other:?}"))),
    };
    let redactable = matches!(
        entry.kind.as_str(),
        KIND_REPORT | KIND_IMPORT | KIND_ANNOTATION | KIND_FORWARD | KIND_REVIEW
    );
    Ok(match stored {
        None => Some(format!("the {} row it records is missing", entry.kind)),
        Some((subject, _)) if subject != entry.subject => {
            Some("the recorded row belongs to another subject".into())
        }
        Some((_, json)) if sha256_hex(json.as_bytes()) != entry.payload_sha256 => {
            if redactable {
                super::privacy::redacted_row_problem(conn, entry, &json)?
            } else {
                Some("the recorded row no longer matches payload_sha256".into())
            }
        }
        Some(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DB_FILE, Store};
    use std::path::Path;

    fn insert_attestation(tx: &Transaction<'_>, id: &str, json: &str) -> EvidenceEntry {
        let entry = append(
            tx,
            "2026-11-28T00:00:00.000000Z",
            KIND_ATTESTATION,
            id,
            &sha256_hex(json.as_bytes()),
        )
        .expect("append");
        tx.execute(
            "INSERT INTO attestations (id, received_at, recorded_at, site, page_url, text_sha256,
                                       attestation_json, evidence_seq)
             VALUES (?1, ?2, ?2, 'x', 'https://x.com/', ?3, ?4, ?5)",
            params![id, entry.recorded_at, entry.payload_sha256, json, entry.seq],
        )
        .expect("insert");
        entry
    }

    fn chain_of_three(dir: &Path) -> Connection {
        let store = Store::open(dir).expect("open");
        store.close().expect("close");
        let mut conn = Connection::open(dir.join(DB_FILE)).expect("raw");
        let tx = conn.transaction().expect("tx");
        let first = insert_attestation(&tx, "a1", r#"{"n":1}"#);
        assert_eq!(first.seq, 1);
        assert_eq!(first.prev_hash, GENESIS_HASH);
        let second = insert_attestation(&tx, "a2", r#"{"n":2}"#);
        assert_eq!(second.prev_hash, first.entry_hash);
        insert_attestation(&tx, "a3", r#"{"n":3}"#);
        tx.commit().expect("commit");
        conn
    }

    #[test]
    fn empty_chain_verifies() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open");
        store.close().expect("close");
        let conn = Connection::open(dir.path().join(DB_FILE)).expect("raw");
        let status = verify_evidence_chain(&conn).expect("verify");
        assert!(status.is_intact());
        assert_eq!(status.entries, 0);
    }

    #[test]
    fn intact_chain_verifies() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = chain_of_three(dir.path());
        let status = verify_evidence_chain(&conn).expect("verify");
        assert!(status.is_intact(), "{status:?}");
        assert_eq!(status.entries, 3);
        assert!(status.head.is_some());
    }

    #[test]
    fn the_log_refuses_updates_and_deletes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = chain_of_three(dir.path());
        assert!(
            conn.execute("UPDATE evidence_log SET kind = 'x' WHERE seq = 2", [])
                .is_err()
        );
        assert!(
            conn.execute("DELETE FROM evidence_log WHERE seq = 3", [])
                .is_err()
        );
    }

    #[test]
    fn tampered_entry_is_found() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = chain_of_three(dir.path());
        conn.execute_batch(
            "DROP TRIGGER evidence_log_no_update;
             UPDATE evidence_log SET recorded_at = '2020-01-01T00:00:00.000000Z' WHERE seq = 2;",
        )
        .expect("tamper");
        let status = verify_evidence_chain(&conn).expect("verify");
        assert_eq!(status.first_broken_seq, Some(2), "{status:?}");
    }

    #[test]
    fn rehashed_entry_breaks_the_next_link() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = chain_of_three(dir.path());
        // A forger who recomputes entry 2's own hash still breaks entry 3's prev_hash.
        let forged = entry_hash(
            2,
            "2020-01-01T00:00:00.000000Z",
            KIND_ATTESTATION,
            "a2",
            &sha256_hex(br#"{"n":2}"#),
            &entry(&conn, 1).expect("read").expect("entry 1").entry_hash,
        );
        conn.execute_batch("DROP TRIGGER evidence_log_no_update;")
            .expect("drop trigger");
        conn.execute(
            "UPDATE evidence_log SET recorded_at = '2020-01-01T00:00:00.000000Z', entry_hash = ?1 WHERE seq = 2",
            [forged],
        )
        .expect("tamper");
        let status = verify_evidence_chain(&conn).expect("verify");
        assert_eq!(status.first_broken_seq, Some(3), "{status:?}");
    }

    #[test]
    fn edited_payload_row_is_found() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = chain_of_three(dir.path());
        conn.execute(
            "UPDATE attestations SET attestation_json = '{\"n\":9}' WHERE id = 'a1'",
            [],
        )
        .expect("tamper");
        let status = verify_evidence_chain(&conn).expect("verify");
        assert_eq!(status.first_broken_seq, Some(1), "{status:?}");
    }

    #[test]
    fn removed_entries_are_found() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = chain_of_three(dir.path());
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF; DROP TRIGGER evidence_log_no_delete;
             DELETE FROM evidence_log WHERE seq = 3;",
        )
        .expect("tamper");
        let status = verify_evidence_chain(&conn).expect("verify");
        assert_eq!(status.first_broken_seq, Some(3), "{status:?}");
        conn.execute("DELETE FROM evidence_log WHERE seq = 2", [])
            .expect("tamper");
        let status = verify_evidence_chain(&conn).expect("verify");
        assert_eq!(status.first_broken_seq, Some(2), "{status:?}");
    }
}
