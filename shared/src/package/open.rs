//! Reading packages: the archive's files, the manifest, and every check a recipient can make.

use std::io::{Cursor, Read};

use super::*;
use crate::digest::sha256_hex;
use crate::evidence::{KIND_ANNOTATION, KIND_FORWARD, KIND_IMPORT, KIND_REPORT};
use crate::validate::is_sha256_hex;

pub(super) fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Parses `manifest.sha256`: `<64 hex>  <name>` per line.
pub(super) fn parse_manifest(text: &str) -> Result<Vec<(String, String)>, PackageError> {
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || PackageError::BadManifest(format!("line {}: {line:?}", index + 1));
        let (hash, name) = line.split_once(' ').ok_or_else(bad)?;
        // `sha256sum` writes two spaces (text mode) or a space and `*` (binary mode).
        let name = name
            .strip_prefix(' ')
            .or_else(|| name.strip_prefix('*'))
            .ok_or_else(bad)?;
        if !is_sha256_hex(hash) || !plain_name(name) {
            return Err(bad());
        }
        if lines.iter().any(|(_, listed)| listed == name) {
            return Err(PackageError::Duplicate(name.to_owned()));
        }
        lines.push((hash.to_owned(), name.to_owned()));
    }
    Ok(lines)
}

/// Reads every file of the archive, bounded in count and size.
pub(super) fn read_files(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, PackageError> {
    let archive_error = |error: zip::result::ZipError| PackageError::Archive(error.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(archive_error)?;
    if archive.len() > MAX_FILES {
        return Err(PackageError::TooLarge);
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let file = archive.by_index(index).map_err(archive_error)?;
        let name = file.name().to_owned();
        if !plain_name(&name) {
            return Err(PackageError::BadName(name));
        }
        if files.iter().any(|(seen, _)| *seen == name) {
            return Err(PackageError::Duplicate(name));
        }
        let mut content = Vec::new();
        // The declared size is not trusted: read at most what is left of the budget, plus one.
        let budget = MAX_PACKAGE_BYTES - total;
        file.take(budget + 1)
            .read_to_end(&mut content)
            .map_err(|_| PackageError::Damaged(name.clone()))?;
        total += content.len() as u64;
        if total > MAX_PACKAGE_BYTES {
            return Err(PackageError::TooLarge);
        }
        files.push((name, content));
    }
    Ok(files)
}

fn utf8(name: &'static str, bytes: Vec<u8>) -> Result<String, PackageError> {
    String::from_utf8(bytes)
        .map_err(|_| PackageError::InvalidEvidence(format!("{name} is not UTF-8")))
}

/// Reads an archive and checks every file against its `manifest.sha256`: the files, without
/// the manifest, once each listed file is present and hashes as listed.
fn checked_files(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, PackageError> {
    if bytes.len() as u64 > MAX_PACKAGE_BYTES {
        return Err(PackageError::TooLarge);
    }
    let mut files = read_files(bytes)?;
    let manifest_at = files
        .iter()
        .position(|(name, _)| name == MANIFEST_FILE)
        .ok_or(PackageError::Missing(MANIFEST_FILE))?;
    let (_, manifest) = files.remove(manifest_at);
    let manifest = parse_manifest(
        std::str::from_utf8(&manifest)
            .map_err(|_| PackageError::BadManifest("not UTF-8".into()))?,
    )?;
    for (name, content) in &files {
        let listed = manifest
            .iter()
            .find(|(_, listed)| listed == name)
            .ok_or_else(|| PackageError::NotListed(name.clone()))?;
        if sha256_hex(content) != listed.0 {
            return Err(PackageError::HashMismatch(name.clone()));
        }
    }
    if let Some((_, absent)) = manifest
        .iter()
        .find(|(_, listed)| !files.iter().any(|(name, _)| name == listed))
    {
        return Err(PackageError::NotListed(absent.clone()));
    }
    Ok(files)
}

/// Opens a package or a selection of packages ([`build_selection`]) and checks it: the
/// packages it holds, each verified as by [`open`].
pub fn open_any(bytes: &[u8]) -> Result<Vec<VerifiedPackage>, PackageError> {
    let files = checked_files(bytes)?;
    if files.iter().any(|(name, _)| name == REPORT_FILE) {
        return Ok(vec![verified(files, bytes)?]);
    }
    let mut packages = Vec::new();
    for (name, content) in &files {
        if name == README_FILE || name == SUMMARY_FILE {
            continue;
        }
        if !name.ends_with(".zip") {
            return Err(PackageError::BadName(name.clone()));
        }
        let package = open(content)?;
        // Each package is named after its report, so a package swapped for another shows.
        if *name != selection_entry(&package.report.id) {
            return Err(PackageError::BadName(name.clone()));
        }
        packages.push(package);
    }
    if packages.is_empty() {
        return Err(PackageError::Missing(REPORT_FILE));
    }
    Ok(packages)
}

/// Opens a package and checks it (see the module's documentation); nothing is trusted before.
pub fn open(bytes: &[u8]) -> Result<VerifiedPackage, PackageError> {
    verified(checked_files(bytes)?, bytes)
}

/// One package's files (already checked against its manifest) verified as a report.
fn verified(
    mut files: Vec<(String, Vec<u8>)>,
    bytes: &[u8],
) -> Result<VerifiedPackage, PackageError> {
    let mut take = |wanted: &'static str| {
        files
            .iter()
            .position(|(name, _)| name == wanted)
            .map(|at| files.swap_remove(at).1)
    };
    let report_json = utf8(
        REPORT_FILE,
        take(REPORT_FILE).ok_or(PackageError::Missing(REPORT_FILE))?,
    )?;
    let screenshot = take(SCREENSHOT_FILE).ok_or(PackageError::Missing(SCREENSHOT_FILE))?;
    let annotations_json = take(ANNOTATIONS_FILE).ok_or(PackageError::Missing(ANNOTATIONS_FILE))?;
    let evidence_json = take(EVIDENCE_FILE).ok_or(PackageError::Missing(EVIDENCE_FILE))?;
    let forward_json = take(FORWARD_FILE)
        .map(|bytes| utf8(FORWARD_FILE, bytes))
        .transpose()?;

    let report: ReportV1 = serde_json::from_str(&report_json)
        .map_err(|error| PackageError::InvalidReport(error.to_string()))?;
    report
        .validate()
        .map_err(|error| PackageError::InvalidReport(error.to_string()))?;
    let screenshot_sha256 = sha256_hex(&screenshot);
    if screenshot_sha256 != report.screenshot_sha256 {
        return Err(PackageError::ScreenshotMismatch {
            declared: report.screenshot_sha256.clone(),
            actual: screenshot_sha256,
        });
    }
    let annotations: Vec<PackagedAnnotation> = serde_json::from_slice(&annotations_json)
        .map_err(|error| PackageError::InvalidEvidence(format!("{ANNOTATIONS_FILE}: {error}")))?;
    let evidence: PackageEvidence = serde_json::from_slice(&evidence_json)
        .map_err(|error| PackageError::InvalidEvidence(format!("{EVIDENCE_FILE}: {error}")))?;
    let forward = forward_json
        .as_deref()
        .map(serde_json::from_str::<Forward>)
        .transpose()
        .map_err(|error| PackageError::InvalidEvidence(format!("{FORWARD_FILE}: {error}")))?;
    check_evidence(
        &report,
        &report_json,
        &annotations,
        &evidence,
        forward_json.as_deref(),
    )?;
    Ok(VerifiedPackage {
        report,
        report_json,
        screenshot,
        screenshot_sha256,
        annotations,
        evidence,
        forward,
        forward_json,
        package_sha256: sha256_hex(bytes),
    })
}

/// The entries must verify one by one and record exactly this report, these annotations
/// and this forward.
fn check_evidence(
    report: &ReportV1,
    report_json: &str,
    annotations: &[PackagedAnnotation],
    evidence: &PackageEvidence,
    forward_json: Option<&str>,
) -> Result<(), PackageError> {
    let invalid = |detail: String| Err(PackageError::InvalidEvidence(detail));
    if evidence.format != FORMAT {
        return invalid(format!("unknown format {:?}", evidence.format));
    }
    if !evidence.report_id.eq_ignore_ascii_case(&report.id) {
        return invalid("evidence.json names another report".into());
    }
    for entry in &evidence.entries {
        if !entry.hash_verifies() {
            return invalid(format!(
                "entry {} does not hash to its entryHash",
                entry.seq
            ));
        }
        if !entry.subject.eq_ignore_ascii_case(&report.id) {
            return invalid(format!("entry {} is about another subject", entry.seq));
        }
    }
    let report_sha = sha256_hex(report_json.as_bytes());
    let recorded = evidence
        .entries
        .iter()
        .find(|entry| matches!(entry.kind.as_str(), KIND_REPORT | KIND_IMPORT));
    match recorded {
        Some(entry) if entry.payload_sha256 == report_sha => {}
        Some(entry) => {
            return invalid(format!(
                "entry {} records another report.json than this one",
                entry.seq
            ));
        }
        None => return invalid("no entry records the report".into()),
    }
    for annotation in annotations {
        let json = serde_json::to_string(&annotation.annotation)
            .map_err(|error| PackageError::InvalidEvidence(error.to_string()))?;
        let sha = sha256_hex(json.as_bytes());
        let entry = evidence
            .entries
            .iter()
            .find(|entry| entry.seq == annotation.evidence_seq);
        match entry {
            Some(entry) if entry.kind == KIND_ANNOTATION && entry.payload_sha256 == sha => {}
            _ => {
                return invalid(format!(
                    "the annotation of entry {} does not match the log",
                    annotation.evidence_seq
                ));
            }
        }
    }
    if let Some(forward_json) = forward_json {
        let sha = sha256_hex(forward_json.as_bytes());
        if !evidence
            .entries
            .iter()
            .any(|entry| entry.kind == KIND_FORWARD && entry.payload_sha256 == sha)
        {
            return invalid("no entry records forward.json".into());
        }
    }
    Ok(())
}
