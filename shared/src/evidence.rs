//! The evidence log's entries and their canonical hash, shared by the companion that chains
//! them and by whoever checks an evidence package received by email.
//!
//! Entry `n` stores `prev_hash` = entry `n-1`'s `entry_hash` ([`GENESIS_HASH`] for the
//! first) and `entry_hash` = SHA-256 of the compact JSON array
//! `["balise-evidence-v1", seq, "recorded_at", "kind", "subject", "payload_sha256", "prev_hash"]`.
//! `payload_sha256` is the SHA-256 of the exact JSON text the entry records.

use serde::{Deserialize, Serialize};

use crate::digest::sha256_hex;

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A received report; subject = report id; payload = the report JSON as received.
pub const KIND_REPORT: &str = "report_received";
/// A report brought in from an evidence package; subject = report id; payload = the report JSON.
pub const KIND_IMPORT: &str = "report_imported";
/// A category or note added; subject = report id; payload = the annotation JSON as stored.
pub const KIND_ANNOTATION: &str = "report_annotated";
/// A report forwarded to the board; subject = report id; payload = the forward JSON.
pub const KIND_FORWARD: &str = "report_forwarded";
/// A report's evidence package exported; subject = report id; payload = the export JSON.
pub const KIND_EXPORT: &str = "report_exported";
/// A received attestation; subject = attestation id; payload = the attestation JSON.
pub const KIND_ATTESTATION: &str = "attestation_received";
/// A report's content and screenshot removed (privacy); subject = report id; payload = the
/// redaction JSON, which keeps the SHA-256 of everything removed.
pub const KIND_REDACTION: &str = "report_redacted";
/// The board's appointment of a content manager recorded; subject = `manager`; payload =
/// the appointment JSON.
pub const KIND_APPOINTMENT: &str = "manager_appointed";
/// The policy in force changed (at start-up); subject = `policy`; payload = the policy
/// JSON, so `payload_sha256` is the policy's own SHA-256.
pub const KIND_POLICY: &str = "policy_changed";
/// A report's status changed by the manager (under review, forwarded, dismissed, resolved),
/// with a note; subject = report id; payload = the review JSON.
pub const KIND_REVIEW: &str = "report_reviewed";
/// An interaction the manager recorded by hand (a trace); subject = trace id; payload = the
/// trace JSON, which names its screenshot's SHA-256 if it has one.
pub const KIND_TRACE: &str = "trace_recorded";

/// One entry of the evidence log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EvidenceEntry {
    /// 1, 2, 3… without gaps.
    pub seq: i64,
    /// UTC, RFC 3339.
    pub recorded_at: String,
    /// What happened, such as [`KIND_REPORT`].
    pub kind: String,
    /// What it happened to (a report or attestation id).
    pub subject: String,
    /// SHA-256 of the recorded JSON.
    pub payload_sha256: String,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub entry_hash: String,
}

impl EvidenceEntry {
    /// Whether `entry_hash` is the canonical hash of the other fields.
    pub fn hash_verifies(&self) -> bool {
        entry_hash(
            self.seq,
            &self.recorded_at,
            &self.kind,
            &self.subject,
            &self.payload_sha256,
            &self.prev_hash,
        ) == self.entry_hash
    }
}

/// The canonical hash of an entry's fields.
pub fn entry_hash(
    seq: i64,
    recorded_at: &str,
    kind: &str,
    subject: &str,
    payload_sha256: &str,
    prev_hash: &str,
) -> String {
    let canonical = serde_json::json!([
        "balise-evidence-v1",
        seq,
        recorded_at,
        kind,
        subject,
        payload_sha256,
        prev_hash
    ])
    .to_string();
    sha256_hex(canonical.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_form_is_stable() {
        // Fixed so that a package made by one version verifies with the next.
        let hash = entry_hash(
            1,
            "2026-11-28T00:00:00.000000Z",
            KIND_REPORT,
            "a1",
            &sha256_hex(b"{}"),
            GENESIS_HASH,
        );
        let canonical = format!(
            "[\"balise-evidence-v1\",1,\"2026-11-28T00:00:00.000000Z\",\"report_received\",\"a1\",\"{}\",\"{GENESIS_HASH}\"]",
            sha256_hex(b"{}")
        );
        assert_eq!(hash, sha256_hex(canonical.as_bytes()));
    }

    #[test]
    fn an_edited_field_no_longer_verifies() {
        let mut entry = EvidenceEntry {
            seq: 3,
            recorded_at: "2026-11-28T00:00:00.000000Z".into(),
            kind: KIND_ANNOTATION.into(),
            subject: "r".into(),
            payload_sha256: sha256_hex(b"x"),
            prev_hash: GENESIS_HASH.into(),
            entry_hash: String::new(),
        };
        entry.entry_hash = entry_hash(
            3,
            &entry.recorded_at,
            &entry.kind,
            &entry.subject,
            &entry.payload_sha256,
            &entry.prev_hash,
        );
        assert!(entry.hash_verifies());
        entry.recorded_at = "2020-01-01T00:00:00.000000Z".into();
        assert!(!entry.hash_verifies());
    }
}
