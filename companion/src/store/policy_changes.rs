//! The policy in force, recorded in the evidence log each time it changes (`policy_changed`).

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::evidence::{self, EvidenceEntry, KIND_POLICY};
use super::sha256_hex;
use crate::store::Result;

/// Subject of every `policy_changed` entry.
pub const SUBJECT: &str = "policy";

/// Where the policy in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySource {
    /// `<data-dir>/policy.toml`.
    File,
    /// The SEC-CSQ policy built into Balise.
    BuiltIn,
}

impl PolicySource {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "policy.toml",
            Self::BuiltIn => "built-in",
        }
    }
}

/// The last recorded policy: its SHA-256 and its entry.
pub fn latest_sha256(conn: &Connection) -> Result<Option<(String, i64)>> {
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT policy_json, evidence_seq FROM policy_changes ORDER BY evidence_seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(json, seq)| (sha256_hex(json.as_bytes()), seq)))
}

/// Records `policy_json` as the policy in force unless it is already the last one
/// recorded; returns the new entry, if one was appended.
pub fn record_if_changed(
    tx: &Transaction<'_>,
    policy_json: &str,
    source: PolicySource,
    now: &str,
) -> Result<Option<EvidenceEntry>> {
    let sha = sha256_hex(policy_json.as_bytes());
    if latest_sha256(tx)?.is_some_and(|(last, _)| last == sha) {
        return Ok(None);
    }
    let entry = evidence::append(tx, now, KIND_POLICY, SUBJECT, &sha)?;
    tx.execute(
        "INSERT INTO policy_changes (recorded_at, source, policy_json, evidence_seq)
         VALUES (?1, ?2, ?3, ?4)",
        params![now, source.as_str(), policy_json, entry.seq],
    )?;
    Ok(Some(entry))
}
