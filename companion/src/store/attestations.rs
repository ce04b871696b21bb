//! Attestations (a member's signed acknowledgement of the policy), each with an evidence entry.

use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

use super::evidence::{self, KIND_ATTESTATION};
use super::sha256_hex;
use crate::store::{Error, Result};

/// A validated attestation ready to store.
#[derive(Debug, Clone)]
pub struct NewAttestation {
    /// Attestation id.
    pub id: String,
    /// When the person published (as sent).
    pub recorded_at: String,
    /// Site adapter id or host.
    pub site: String,
    /// Page URL.
    pub page_url: String,
    /// SHA-256 of the draft text.
    pub text_sha256: String,
    /// The JSON exactly as received.
    pub attestation_json: String,
}

/// What `POST /api/v1/attestations` answers once committed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationReceipt {
    /// Attestation id.
    pub id: String,
    /// Evidence-log sequence number.
    pub evidence_seq: i64,
    /// Evidence-log entry hash.
    pub entry_hash: String,
    /// When the companion received it (UTC).
    pub received_at: String,
}

/// Inserts an attestation and its evidence entry. [`Error::Conflict`] `attestation_exists`
/// if the id is taken.
pub fn insert(
    tx: &Transaction<'_>,
    attestation: &NewAttestation,
    now: &str,
) -> Result<AttestationReceipt> {
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM attestations WHERE id = ?1)",
        [&attestation.id],
        |row| row.get(0),
    )?;
    if exists {
        return Err(Error::conflict(
            "attestation_exists",
            "Une attestation avec cet identifiant est déjà enregistrée. / \
             An attestation with this id is already stored.",
        ));
    }
    let entry = evidence::append(
        tx,
        now,
        KIND_ATTESTATION,
        &attestation.id,
        &sha256_hex(attestation.attestation_json.as_bytes()),
    )?;
    tx.execute(
        "INSERT INTO attestations (id, received_at, recorded_at, site, page_url, text_sha256,
                                   attestation_json, evidence_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            attestation.id,
            now,
            attestation.recorded_at,
            attestation.site,
            attestation.page_url,
            attestation.text_sha256,
            attestation.attestation_json,
            entry.seq
        ],
    )?;
    Ok(AttestationReceipt {
        id: attestation.id.clone(),
        evidence_seq: entry.seq,
        entry_hash: entry.entry_hash,
        received_at: now.to_owned(),
    })
}

/// A stored attestation as the API returns it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationRecord {
    /// Attestation id.
    pub id: String,
    /// When the companion received it (UTC).
    pub received_at: String,
    /// The JSON as received, parsed.
    pub attestation: serde_json::Value,
    /// Evidence-log sequence number.
    pub evidence_seq: i64,
    /// Evidence-log entry hash.
    pub entry_hash: String,
}

/// Stored attestations, newest first.
pub fn list(conn: &Connection, limit: i64, offset: i64) -> Result<Vec<AttestationRecord>> {
    let mut statement = conn.prepare(
        "SELECT a.id, a.received_at, a.attestation_json, a.evidence_seq, e.entry_hash
         FROM attestations a JOIN evidence_log e ON e.seq = a.evidence_seq
         ORDER BY a.evidence_seq DESC LIMIT ?1 OFFSET ?2",
    )?;
    let rows = statement
        .query_map([limit, offset], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, String>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, received_at, json, evidence_seq, entry_hash)| {
            let attestation = serde_json::from_str(&json).map_err(|error| Error::Corrupted {
                subject: id.clone(),
                detail: format!("stored attestation JSON does not parse: {error}"),
            })?;
            Ok(AttestationRecord {
                id,
                received_at,
                attestation,
                evidence_seq,
                entry_hash,
            })
        })
        .collect()
}

/// Number of stored attestations.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM attestations", [], |row| row.get(0))?)
}
