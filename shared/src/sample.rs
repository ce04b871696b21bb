//! A realistic French post for benchmarks (Rust's and the extension's in the browser), and
//! sample evidence for tests and fuzzing.

/// A post of about 5,000 characters as a union officer would write it: accents, emoji,
/// links (trusted, unknown, a shortener), phone numbers, an email and a postal code.
pub fn realistic_french_post() -> &'static str {
    include_str!("../benches/sample-post-fr.txt")
}

/// [`realistic_french_post`] as a draft, with the one link its editor would report (a
/// trusted source behind the words "bilan de la négociation").
pub fn realistic_french_draft() -> crate::analysis::Draft {
    crate::analysis::Draft {
        text: realistic_french_post().to_owned(),
        links: vec![crate::analysis::DraftLink {
            href: "https://www.lacsq.org/nouvelles/bilan-de-la-negociation-2026/".into(),
            text: "bilan de la négociation".into(),
            span: None,
        }],
    }
}

/// A small real PNG (1×1, grey) for samples.
#[cfg(feature = "package")]
pub(crate) const SAMPLE_PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
    0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0x3a, 0x7e, 0x9b, 0x55, 0, 0, 0, 10, b'I', b'D', b'A', b'T',
    0x78, 0x9c, 0x63, 0x68, 0, 0, 0, 0x82, 0, 0x81, 0x77, 0xcd, 0x72, 0xb6, 0, 0, 0, 0, b'I', b'E',
    b'N', b'D', 0xae, 0x42, 0x60, 0x82,
];

/// The contents of a complete, verifying evidence package: a report with its screenshot,
/// one annotation and, when `forwarded`, the manager's forward to the board, each recorded
/// by an evidence entry chained from the genesis hash, and the chain head.
#[cfg(feature = "package")]
pub fn package_contents(
    forwarded: bool,
) -> Result<crate::package::PackageContents, crate::package::PackageError> {
    use crate::digest::sha256_hex;
    use crate::evidence::{
        EvidenceEntry, GENESIS_HASH, KIND_ANNOTATION, KIND_FORWARD, KIND_REPORT, entry_hash,
    };
    use crate::package::{
        ChainHead, FORMAT, Forward, PackageContents, PackageError, PackageEvidence,
        PackagedAnnotation,
    };
    use crate::report::{ReportAnnotation, ReportCategory};

    let entry = |seq: i64, kind: &str, subject: &str, payload: &str, prev: &str| {
        let recorded_at = "2026-12-01T10:00:00.000000Z".to_owned();
        let payload_sha256 = sha256_hex(payload.as_bytes());
        EvidenceEntry {
            entry_hash: entry_hash(seq, &recorded_at, kind, subject, &payload_sha256, prev),
            seq,
            recorded_at,
            kind: kind.to_owned(),
            subject: subject.to_owned(),
            payload_sha256,
            prev_hash: prev.to_owned(),
        }
    };
    let json_error = |error: serde_json::Error| PackageError::InvalidEvidence(error.to_string());
    let id = "0b9e2f9c-1f43-4f5e-9f61-6f3d6a4f2e11";
    let report_json = serde_json::json!({
        "id": id,
        "capturedAt": "2026-12-01T09:59:58.123Z",
        "pageUrl": "https://www.facebook.com/groups/1/posts/2",
        "pageTitle": "Un fil / A thread",
        "reporter": {"name": "Marie Tremblay", "email": "marie@example.org"},
        "category": null,
        "note": null,
        "screenshotSha256": sha256_hex(SAMPLE_PNG),
        "selectedText": "Le syndicat ment sur les salaires.",
        "site": "facebook",
        "viewport": {"width": 1280, "height": 800},
        "browser": "Chromium 148",
        "extensionVersion": "0.1.0"
    })
    .to_string();
    let annotation = ReportAnnotation {
        category: Some(ReportCategory::NegativeRemark),
        note: Some("Propos faux sur la négociation « locale ».".into()),
    };
    let annotation_json = serde_json::to_string(&annotation).map_err(json_error)?;
    let first = entry(7, KIND_REPORT, id, &report_json, GENESIS_HASH);
    let second = entry(9, KIND_ANNOTATION, id, &annotation_json, &first.entry_hash);
    let annotations = vec![PackagedAnnotation {
        recorded_at: second.recorded_at.clone(),
        evidence_seq: second.seq,
        annotation,
    }];
    let mut entries = vec![first, second];
    let forward_json = if forwarded {
        let forward_json = serde_json::to_string(&Forward {
            to: "board".into(),
            facts: "La négociation a eu lieu le 12 novembre.".into(),
            manager_name: "Julie Gagnon".into(),
            forwarded_at: "2026-12-02T08:00:00.000000Z".into(),
        })
        .map_err(json_error)?;
        let prev = entries
            .last()
            .map(|e| e.entry_hash.clone())
            .unwrap_or_default();
        entries.push(entry(12, KIND_FORWARD, id, &forward_json, &prev));
        Some(forward_json)
    } else {
        None
    };
    let chain_head = entries.last().map(|last| ChainHead {
        seq: last.seq,
        entry_hash: last.entry_hash.clone(),
    });
    Ok(PackageContents {
        report_json,
        screenshot: SAMPLE_PNG.to_vec(),
        annotations,
        evidence: PackageEvidence {
            format: FORMAT.into(),
            generated_at: "2026-12-02T08:00:01.000000Z".into(),
            generator: "balise-core sample".into(),
            report_id: id.into(),
            entries,
            chain_head,
        },
        forward_json,
        summary_html: None,
    })
}

/// A complete, verifying evidence package ([`package_contents`] without a forward, built):
/// a seed for the import's fuzz target and a sample for tests.
#[cfg(feature = "package")]
pub fn evidence_package() -> Result<Vec<u8>, crate::package::PackageError> {
    crate::package::build(&package_contents(false)?)
}

#[cfg(all(test, feature = "package"))]
mod tests {
    #[test]
    fn the_sample_package_verifies() {
        let bytes = super::evidence_package().expect("the sample package builds");
        let package = crate::import::package_from_file(&bytes).expect("and verifies");
        assert_eq!(package.report.id, "0b9e2f9c-1f43-4f5e-9f61-6f3d6a4f2e11");
    }
}
