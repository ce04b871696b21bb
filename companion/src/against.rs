//! `verify --against FILE`: does the database still agree with an evidence package the
//! manager or the board received earlier?
//!
//! The package carries the entries about its report and the chain head when it was made;
//! each entry's `prev_hash` also gives the hash its predecessor had. Every one of these is
//! an anchor: an attacker who rewrote the database's chain from some entry on, recomputing
//! every hash, changed the hash of each entry from there, so the first anchor that no longer
//! matches (after the last one that does) says where the rewrite began.

use std::collections::BTreeMap;

use balise_core::package::VerifiedPackage;
use rusqlite::Connection;

use crate::store::Result;
use crate::store::evidence::{self, EvidenceEntry};
use crate::store::privacy;
use crate::store::sha256_hex;
use crate::store::{packages, reports};

/// What the comparison found. Lines are French, then English.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// What differs, each line naming the entry and the field (or where the rewrite began).
    pub differences: Vec<String>,
    /// What is worth knowing but not a difference (a redaction, an import).
    pub notes: Vec<String>,
    /// Where the rewrite began: the exact entry, or the range it lies in.
    pub rewritten_from: Option<(i64, i64)>,
}

impl Comparison {
    /// True when nothing differs.
    pub fn agrees(&self) -> bool {
        self.differences.is_empty()
    }
}

fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

fn field_differences(package: &EvidenceEntry, stored: &EvidenceEntry) -> Vec<String> {
    let fields: [(&str, &str, &str); 6] = [
        ("recorded_at", &package.recorded_at, &stored.recorded_at),
        ("kind", &package.kind, &stored.kind),
        ("subject", &package.subject, &stored.subject),
        (
            "payload_sha256",
            &package.payload_sha256,
            &stored.payload_sha256,
        ),
        ("prev_hash", &package.prev_hash, &stored.prev_hash),
        ("entry_hash", &package.entry_hash, &stored.entry_hash),
    ];
    fields
        .iter()
        .filter(|(_, ours, theirs)| ours != theirs)
        .map(|(field, ours, theirs)| {
            format!(
                "DIFFÉRENT / DIFFERS: entrée / entry {seq}: {field} — paquet / package {ours}, base / database {theirs}",
                seq = package.seq,
            )
        })
        .collect()
}

/// Compares a verified package with the database (see the module's documentation).
pub fn compare(conn: &Connection, package: &VerifiedPackage) -> Result<Comparison> {
    let mut result = Comparison::default();
    let id = package.report.id.to_ascii_lowercase();
    let head = package.evidence.chain_head.as_ref();

    // A member's package imported here: its entries are the member's log, not this one.
    if let Some(import) = packages::import_record(conn, &id)? {
        let same_head = head
            .is_some_and(|h| import.sender_head.as_ref() == Some(&(h.seq, h.entry_hash.clone())));
        if same_head || import.package_sha256 == package.package_sha256 {
            let entry = evidence::entry(conn, import.evidence_seq)?;
            let report_sha = sha256_hex(package.report_json.as_bytes());
            match entry {
                Some(entry) if entry.payload_sha256 == report_sha => result.notes.push(format!(
                    "Ce paquet vient du compagnon d'un membre et a été importé ici à l'entrée {seq}; le signalement importé est bien celui du paquet. / \
                     This package comes from a member's companion and was imported here at entry {seq}; the imported report is the package's.",
                    seq = import.evidence_seq
                )),
                Some(entry) => result.differences.push(format!(
                    "DIFFÉRENT / DIFFERS: entrée / entry {seq}: payload_sha256 — le signalement importé n'est pas celui du paquet / the imported report is not the package's (paquet / package {report_sha}, base / database {})",
                    entry.payload_sha256,
                    seq = import.evidence_seq
                )),
                None => result.differences.push(format!(
                    "DIFFÉRENT / DIFFERS: entrée / entry {seq}: absente de la base / missing from the database (the import of this package)",
                    seq = import.evidence_seq
                )),
            }
            return Ok(result);
        }
    }

    // The report itself.
    match reports::stored_hashes(conn, &id)? {
        None => result.differences.push(format!(
            "DIFFÉRENT / DIFFERS: signalement / report {id}: absent de la base / not in the database"
        )),
        Some((stored_json, stored_screenshot)) => {
            let package_sha = sha256_hex(package.report_json.as_bytes());
            if let Some(redaction) = privacy::redaction_of(conn, &id)? {
                let keeps = redaction
                    .redaction
                    .removed
                    .iter()
                    .any(|removed| removed.sha256 == package_sha);
                if keeps {
                    result.notes.push(format!(
                        "Le signalement a été caviardé ici à l'entrée {seq} (vie privée) : son contenu n'y est plus, mais l'empreinte qu'en garde la base est celle du paquet. / \
                         The report was redacted here at entry {seq} (privacy): its content is gone, but the hash the database keeps is the package's.",
                        seq = redaction.evidence_seq
                    ));
                } else {
                    result.differences.push(format!(
                        "DIFFÉRENT / DIFFERS: signalement / report {id}: le caviardage de l'entrée {seq} ne garde pas l'empreinte du report.json du paquet / the redaction at entry {seq} does not keep the package's report.json hash",
                        seq = redaction.evidence_seq
                    ));
                }
            } else if sha256_hex(stored_json.as_bytes()) != package_sha {
                result.differences.push(format!(
                    "DIFFÉRENT / DIFFERS: signalement / report {id}: report.json — paquet / package {package_sha}, base / database {}",
                    sha256_hex(stored_json.as_bytes())
                ));
            }
            if stored_screenshot != package.screenshot_sha256 {
                result.differences.push(format!(
                    "DIFFÉRENT / DIFFERS: signalement / report {id}: screenshot_sha256 — paquet / package {}, base / database {stored_screenshot}",
                    package.screenshot_sha256
                ));
            }
        }
    }

    // Every entry, field by field; and the anchors they give.
    let mut anchors: BTreeMap<i64, String> = BTreeMap::new();
    for entry in &package.evidence.entries {
        anchors.insert(entry.seq, entry.entry_hash.clone());
        if entry.seq > 1 {
            anchors
                .entry(entry.seq - 1)
                .or_insert_with(|| entry.prev_hash.clone());
        }
        match evidence::entry(conn, entry.seq)? {
            None => result.differences.push(format!(
                "DIFFÉRENT / DIFFERS: entrée / entry {seq}: absente du journal de la base / missing from the database's log ({kind})",
                seq = entry.seq,
                kind = entry.kind
            )),
            Some(stored) => result
                .differences
                .extend(field_differences(entry, &stored)),
        }
    }
    match head {
        None => result.notes.push(
            "Le paquet ne porte pas de tête de chaîne. / The package carries no chain head."
                .to_owned(),
        ),
        Some(head) => {
            anchors.insert(head.seq, head.entry_hash.clone());
            match evidence::entry(conn, head.seq)? {
                None => result.differences.push(format!(
                    "DIFFÉRENT / DIFFERS: tête de chaîne / chain head {seq}: le journal de la base s'arrête avant, des entrées ont été retirées / the database's log ends before it: entries were removed",
                    seq = head.seq
                )),
                Some(stored) if stored.entry_hash != head.entry_hash => {
                    result.differences.push(format!(
                        "DIFFÉRENT / DIFFERS: tête de chaîne / chain head {seq}: entry_hash — paquet / package {}, base / database {}",
                        head.entry_hash,
                        stored.entry_hash,
                        seq = head.seq
                    ));
                }
                Some(_) => {}
            }
        }
    }

    // Where the rewrite began: after the last anchor that still matches, at or before the
    // first that does not.
    let mut checked = Vec::with_capacity(anchors.len());
    for (seq, hash) in &anchors {
        let stored = evidence::entry(conn, *seq)?;
        checked.push((
            *seq,
            stored.is_some_and(|stored| stored.entry_hash == *hash),
        ));
    }
    if let Some((from, mismatch)) = rewrite_range(&checked) {
        result.rewritten_from = Some((from, mismatch));
        let kept = if from > 1 {
            format!(
                " (les entrées 1 à {last} sont celles que le paquet connaît / entries 1 to {last} are as the package knew them)",
                last = from - 1
            )
        } else {
            String::new()
        };
        result.differences.push(if from == mismatch {
            format!(
                "RÉÉCRITE / REWRITTEN: la chaîne de la base a été réécrite à partir de l'entrée {mismatch} / chain rewritten from entry {mismatch} on{kept}"
            )
        } else {
            format!(
                "RÉÉCRITE / REWRITTEN: la chaîne de la base a été réécrite à partir d'une entrée entre {from} et {mismatch} / chain rewritten from an entry between {from} and {mismatch} on{kept}"
            )
        });
    }
    Ok(result)
}

/// Compares each package of a selection (or the one package of a file) with the database:
/// every difference and note, and where the rewrite began as narrowed by all of them (after
/// each package's last matching anchor, at or before each one's first mismatch).
pub fn compare_all(conn: &Connection, packages: &[VerifiedPackage]) -> Result<Comparison> {
    let mut all = Comparison::default();
    for package in packages {
        let one = compare(conn, package)?;
        all.differences.extend(one.differences);
        all.notes.extend(one.notes);
        all.rewritten_from = match (all.rewritten_from, one.rewritten_from) {
            (Some((start, end)), Some((other_start, other_end)))
                if start.max(other_start) <= end.min(other_end) =>
            {
                Some((start.max(other_start), end.min(other_end)))
            }
            (kept, other) => kept.or(other),
        };
    }
    Ok(all)
}

/// Anchors in order of sequence, each with whether the database still has its hash: the
/// first entry and the last entry the rewrite may have started at, if any anchor fails.
pub fn rewrite_range(anchors: &[(i64, bool)]) -> Option<(i64, i64)> {
    let mismatch = anchors.iter().find(|(_, same)| !same)?.0;
    let last_good = anchors
        .iter()
        .filter(|(seq, same)| *same && *seq < mismatch)
        .map(|(seq, _)| *seq)
        .max()
        .unwrap_or(0);
    Some((last_good + 1, mismatch))
}

/// The one-line summary of a package that verified on its own.
pub fn package_line(package: &VerifiedPackage) -> String {
    let head = package
        .evidence
        .chain_head
        .as_ref()
        .map(|h| format!("#{} {}…", h.seq, short(&h.entry_hash)))
        .unwrap_or_else(|| "—".to_owned());
    format!(
        "Paquet vérifié / Package verified: report {}, {} entries, chain head {head}, SHA-256 {}…",
        package.report.id,
        package.evidence.entries.len(),
        short(&package.package_sha256)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rewrite_starts_after_the_last_anchor_that_still_matches() {
        assert_eq!(rewrite_range(&[(1, true), (2, true), (3, true)]), None);
        assert_eq!(
            rewrite_range(&[(1, true), (2, true), (3, false), (4, false)]),
            Some((3, 3))
        );
        assert_eq!(
            rewrite_range(&[(2, true), (5, false), (6, false)]),
            Some((3, 5))
        );
        assert_eq!(rewrite_range(&[(4, false), (9, false)]), Some((1, 4)));
    }
}
