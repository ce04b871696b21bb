//! The evidence package: one report as a ZIP that anyone can check with `sha256sum -c`.
//!
//! A package holds, each as a file at the top of the archive:
//!
//! | file | what |
//! |---|---|
//! | `report.json` | the report exactly as the companion received it ([`ReportV1`]) |
//! | `screenshot.png` | the screenshot, byte for byte; its SHA-256 is `screenshotSha256` in `report.json` |
//! | `annotations.json` | the category and note added afterwards, oldest first ([`PackagedAnnotation`]) |
//! | `evidence.json` | the evidence-log entries about this report and the chain head ([`PackageEvidence`]) |
//! | `forward.json` | only when forwarded to the board: the manager's verified facts ([`Forward`]) |
//! | `LISEZMOI-README.txt` | how to check the package, and what a capture proves and does not |
//! | `resume-summary.html` | when the sender adds it: the report for people, French then English |
//! | `manifest.sha256` | the SHA-256 of every other file, in `sha256sum` format |
//!
//! Entries are stored uncompressed. [`open`] checks everything a recipient can check without
//! the sender's database: the manifest against every file (nothing missing, nothing extra),
//! the report's format, the screenshot against the report's `screenshotSha256`, each
//! evidence entry's own hash and that the entries record exactly this `report.json`,
//! these annotations and this forward.

use std::fmt;
use std::io::{Cursor, Read, Write};

use serde::{Deserialize, Serialize};

use crate::digest::sha256_hex;
use crate::evidence::{EvidenceEntry, KIND_ANNOTATION, KIND_FORWARD, KIND_IMPORT, KIND_REPORT};
use crate::report::{ReportAnnotation, ReportV1};
use crate::validate::is_sha256_hex;

/// The report as received.
pub const REPORT_FILE: &str = "report.json";
/// The screenshot.
pub const SCREENSHOT_FILE: &str = "screenshot.png";
/// Annotations, oldest first.
pub const ANNOTATIONS_FILE: &str = "annotations.json";
/// Evidence-log entries and chain head.
pub const EVIDENCE_FILE: &str = "evidence.json";
/// The forward to the board, if any.
pub const FORWARD_FILE: &str = "forward.json";
/// The explanation for people.
pub const README_FILE: &str = "LISEZMOI-README.txt";
/// A readable summary (HTML), when the sender adds one.
pub const SUMMARY_FILE: &str = "resume-summary.html";
/// SHA-256 of every other file.
pub const MANIFEST_FILE: &str = "manifest.sha256";

/// `format` of [`PackageEvidence`].
pub const FORMAT: &str = "balise-evidence-package-v1";

/// Largest package [`open`] reads, all files together once extracted.
pub const MAX_PACKAGE_BYTES: u64 = 64 * 1024 * 1024;
/// Most files a package may hold.
const MAX_FILES: usize = 16;

/// An annotation as packaged: what was added and when the sender's companion recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PackagedAnnotation {
    /// When the sender's companion recorded it (UTC).
    pub recorded_at: String,
    /// Its entry in the sender's evidence log.
    pub evidence_seq: i64,
    /// The annotation; its compact JSON is what the entry's `payloadSha256` covers.
    pub annotation: ReportAnnotation,
}

/// The chain head when the package was made: anchors the sender's whole log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChainHead {
    /// Sequence number of the newest entry.
    pub seq: i64,
    /// Its hash.
    pub entry_hash: String,
}

/// `evidence.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PackageEvidence {
    /// [`FORMAT`].
    pub format: String,
    /// When the package was made (UTC).
    pub generated_at: String,
    /// What made it, such as `balise-companion 0.1.0`.
    pub generator: String,
    /// The report's id.
    pub report_id: String,
    /// The sender's evidence-log entries about this report, in order.
    pub entries: Vec<EvidenceEntry>,
    /// The sender's chain head at that moment.
    pub chain_head: Option<ChainHead>,
}

/// `forward.json`: the manager's note for the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Forward {
    /// Always `board` today.
    pub to: String,
    /// The verified facts the board needs to answer.
    pub facts: String,
    /// The content manager who forwards.
    pub manager_name: String,
    /// When (UTC).
    pub forwarded_at: String,
}

/// What goes into a package.
#[derive(Debug, Clone)]
pub struct PackageContents {
    /// The report JSON exactly as received.
    pub report_json: String,
    /// The screenshot's bytes.
    pub screenshot: Vec<u8>,
    /// Annotations, oldest first.
    pub annotations: Vec<PackagedAnnotation>,
    /// Entries and chain head.
    pub evidence: PackageEvidence,
    /// The forward JSON exactly as recorded, when forwarding to the board.
    pub forward_json: Option<String>,
    /// A summary for people (HTML), if the sender adds one.
    pub summary_html: Option<String>,
}

/// Why a package cannot be made or is refused. Messages are French, then English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageError {
    /// Not a ZIP archive we can read (or a compression method other than stored).
    Archive(String),
    /// Too large once extracted, or too many files.
    TooLarge,
    /// A file name with a folder, `..` or other path characters.
    BadName(String),
    /// A file is present twice.
    Duplicate(String),
    /// A file's bytes fail the archive's own checksum: damaged or altered.
    Damaged(String),
    /// A required file is absent.
    Missing(&'static str),
    /// The manifest does not parse.
    BadManifest(String),
    /// A file's SHA-256 is not the manifest's.
    HashMismatch(String),
    /// A file the manifest does not list, or a listed file that is absent.
    NotListed(String),
    /// `report.json` is not a valid report.
    InvalidReport(String),
    /// The screenshot is not the one the report names.
    ScreenshotMismatch {
        /// `screenshotSha256` in the report.
        declared: String,
        /// The screenshot's SHA-256.
        actual: String,
    },
    /// `evidence.json`, `annotations.json` or `forward.json` is malformed or does not match.
    InvalidEvidence(String),
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Archive(detail) => write!(
                f,
                "ce fichier n'est pas un paquet de preuves lisible / this file is not a readable evidence package: {detail}"
            ),
            Self::TooLarge => write!(
                f,
                "paquet trop gros (plus de {MAX_PACKAGE_BYTES} octets ou de {MAX_FILES} fichiers) / package too large (over {MAX_PACKAGE_BYTES} bytes or {MAX_FILES} files)"
            ),
            Self::BadName(name) => write!(
                f,
                "nom de fichier refusé dans le paquet / file name refused in the package: {name:?}"
            ),
            Self::Duplicate(name) => {
                write!(f, "fichier en double / file present twice: {name}")
            }
            Self::Damaged(name) => write!(
                f,
                "{name} est endommagé ou a été modifié (sa somme de contrôle ZIP ne correspond pas) / {name} is damaged or was altered (its ZIP checksum does not match)"
            ),
            Self::Missing(name) => {
                write!(f, "fichier manquant / missing file: {name}")
            }
            Self::BadManifest(detail) => {
                write!(f, "manifeste illisible / unreadable manifest: {detail}")
            }
            Self::HashMismatch(name) => write!(
                f,
                "le SHA-256 de {name} ne correspond pas au manifeste : le fichier a été modifié / the SHA-256 of {name} does not match the manifest: the file was altered"
            ),
            Self::NotListed(name) => write!(
                f,
                "{name} n'est pas à la fois dans le paquet et dans le manifeste / {name} is not both in the package and in the manifest"
            ),
            Self::InvalidReport(detail) => {
                write!(f, "report.json invalide / invalid report.json: {detail}")
            }
            Self::ScreenshotMismatch { declared, actual } => write!(
                f,
                "la capture n'est pas celle du signalement (SHA-256 {actual}, attendu {declared}) / the screenshot is not the report's (SHA-256 {actual}, expected {declared})"
            ),
            Self::InvalidEvidence(detail) => write!(
                f,
                "preuves du paquet incohérentes / package evidence does not hold: {detail}"
            ),
        }
    }
}

impl std::error::Error for PackageError {}

/// A package whose every check passed.
#[derive(Debug, Clone)]
pub struct VerifiedPackage {
    /// The parsed report.
    pub report: ReportV1,
    /// `report.json` exactly.
    pub report_json: String,
    /// The screenshot.
    pub screenshot: Vec<u8>,
    /// Its SHA-256 (equal to the report's `screenshotSha256`).
    pub screenshot_sha256: String,
    /// Annotations, oldest first.
    pub annotations: Vec<PackagedAnnotation>,
    /// Entries and chain head.
    pub evidence: PackageEvidence,
    /// The forward, if the package was sent to the board.
    pub forward: Option<Forward>,
    /// `forward.json` exactly, if present.
    pub forward_json: Option<String>,
    /// SHA-256 of the whole package file.
    pub package_sha256: String,
}

/// The date a ZIP entry carries: `YYYY-MM-DDTHH:MM:SS…` (the stored UTC format), else 1980-01-01.
fn zip_time(stamp: &str) -> zip::DateTime {
    let number = |range: std::ops::Range<usize>| -> Option<u16> { stamp.get(range)?.parse().ok() };
    let parts = (|| {
        Some((
            number(0..4)?,
            u8::try_from(number(5..7)?).ok()?,
            u8::try_from(number(8..10)?).ok()?,
            u8::try_from(number(11..13)?).ok()?,
            u8::try_from(number(14..16)?).ok()?,
            u8::try_from(number(17..19)?).ok()?,
        ))
    })();
    parts
        .and_then(|(year, month, day, hour, minute, second)| {
            zip::DateTime::from_date_and_time(year, month, day, hour, minute, second).ok()
        })
        .unwrap_or_default()
}

/// The explanation inside every package.
fn readme(report_id: &str) -> String {
    format!(
        "\
Paquet de preuves Balise — signalement {report_id}
==================================================

Ce paquet contient un signalement fait avec Balise, l'outil du SEC-CSQ pour sa politique
d'utilisation des médias sociaux.

- report.json : le signalement tel que le compagnon Balise l'a reçu (page, date, personne
  qui signale, catégorie, note, empreinte SHA-256 de la capture).
- screenshot.png : la capture d'écran, octet pour octet.
- annotations.json : catégorie et note ajoutées ensuite.
- evidence.json : les entrées du journal de preuves enchaîné (chaque entrée contient
  l'empreinte de la précédente) et la tête de la chaîne au moment de l'envoi.
- forward.json (s'il est présent) : les faits vérifiés par la personne gestionnaire de
  contenu pour le conseil d'administration.
- manifest.sha256 : l'empreinte SHA-256 de chaque fichier.

Vérifier : décompressez le paquet, puis dans ce dossier : sha256sum -c manifest.sha256
(macOS : shasum -a 256 -c manifest.sha256). Chaque ligne doit dire « OK » (ou « Réussi »).
Le compagnon de la personne gestionnaire vérifie aussi tout cela à l'importation.

Ce que cela prouve : le fichier n'a pas changé depuis que le compagnon l'a reçu, et la
capture est bien celle que nomme le signalement. Ce que cela ne prouve pas : la capture
est faite sur l'ordinateur de la personne qui signale; une page peut avoir été modifiée
avant la capture. Vérifiez les faits à la source avant d'y répondre.


Balise evidence package — report {report_id}
=============================================

This package holds a report made with Balise, SEC-CSQ's tool for its social media policy.

- report.json: the report as the Balise companion received it (page, time, reporter,
  category, note, the screenshot's SHA-256).
- screenshot.png: the screenshot, byte for byte.
- annotations.json: category and note added afterwards.
- evidence.json: the entries of the chained evidence log (each entry holds the previous
  one's hash) and the chain head when this was sent.
- forward.json (when present): the facts the content manager verified for the board.
- manifest.sha256: the SHA-256 of every file.

To check: unzip the package, then in that folder: sha256sum -c manifest.sha256
(macOS: shasum -a 256 -c manifest.sha256). Every line must say \"OK\".
The manager's companion also checks all of this on import.

What this proves: the files have not changed since the companion received them, and the
screenshot is the one the report names. What it does not prove: the capture was made on
the reporter's own computer, and a page can be edited before it is captured. Check the
facts at their source before answering.
"
    )
}

/// Builds the ZIP: every file, then the manifest of their SHA-256.
pub fn build(contents: &PackageContents) -> Result<Vec<u8>, PackageError> {
    let annotations = serde_json::to_string_pretty(&contents.annotations)
        .map_err(|error| PackageError::InvalidEvidence(error.to_string()))?;
    let evidence = serde_json::to_string_pretty(&contents.evidence)
        .map_err(|error| PackageError::InvalidEvidence(error.to_string()))?;
    let mut files: Vec<(&str, &[u8])> = vec![
        (REPORT_FILE, contents.report_json.as_bytes()),
        (SCREENSHOT_FILE, &contents.screenshot),
        (ANNOTATIONS_FILE, annotations.as_bytes()),
        (EVIDENCE_FILE, evidence.as_bytes()),
    ];
    if let Some(forward) = &contents.forward_json {
        files.push((FORWARD_FILE, forward.as_bytes()));
    }
    let readme = readme(&contents.evidence.report_id);
    files.push((README_FILE, readme.as_bytes()));
    if let Some(summary) = &contents.summary_html {
        files.push((SUMMARY_FILE, summary.as_bytes()));
    }
    with_manifest(files, &contents.evidence.generated_at)
}

/// Stores `files`, then `manifest.sha256` listing their SHA-256, uncompressed, dated
/// `generated_at`.
fn with_manifest(files: Vec<(&str, &[u8])>, generated_at: &str) -> Result<Vec<u8>, PackageError> {
    let mut manifest = String::new();
    for (name, bytes) in &files {
        manifest.push_str(&sha256_hex(bytes));
        manifest.push_str("  ");
        manifest.push_str(name);
        manifest.push('\n');
    }
    let files = files
        .into_iter()
        .chain(std::iter::once((MANIFEST_FILE, manifest.as_bytes())));

    let archive = |error: zip::result::ZipError| PackageError::Archive(error.to_string());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip_time(generated_at))
        .unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer.start_file(name, options).map_err(archive)?;
        writer
            .write_all(bytes)
            .map_err(|error| PackageError::Archive(error.to_string()))?;
    }
    Ok(writer.finish().map_err(archive)?.into_inner())
}

/// The file name of a report's package inside a selection: `<report id>.zip`.
pub fn selection_entry(report_id: &str) -> String {
    format!("{report_id}.zip")
}

/// Several reports' packages in one ZIP: each package as `<report id>.zip` (unchanged, so
/// each still opens and verifies on its own), a README saying how to check them, a
/// readable summary (`summary_html`) and `manifest.sha256` over all of them.
pub fn build_selection(
    packages: &[(String, Vec<u8>)],
    summary_html: &str,
    generated_at: &str,
) -> Result<Vec<u8>, PackageError> {
    let names: Vec<String> = packages.iter().map(|(id, _)| selection_entry(id)).collect();
    let mut files: Vec<(&str, &[u8])> = names
        .iter()
        .zip(packages)
        .map(|(name, (_, bytes))| (name.as_str(), bytes.as_slice()))
        .collect();
    let readme = selection_readme(packages.len());
    files.push((README_FILE, readme.as_bytes()));
    files.push((SUMMARY_FILE, summary_html.as_bytes()));
    with_manifest(files, generated_at)
}

fn selection_readme(count: usize) -> String {
    format!(
        "Sélection de {count} signalement(s) exportée par Balise / A selection of {count} report(s) exported by Balise\n\
         \n\
         Chaque fichier <identifiant>.zip est le paquet de preuves d'un signalement, tel qu'il serait exporté seul : \
         décompressez-le et vérifiez-le avec « sha256sum -c manifest.sha256 ». Le manifest.sha256 de cette archive \
         donne l'empreinte de chaque paquet.\n\
         Each <id>.zip file is one report's evidence package, as it would be exported alone: unzip it and check it \
         with \"sha256sum -c manifest.sha256\". This archive's manifest.sha256 gives each package's hash.\n\
         \n\
         Une capture faite sur l'ordinateur de la personne qui signale peut avoir été précédée d'une modification \
         de la page : les empreintes prouvent que rien n'a changé depuis la réception, pas l'authenticité de la page.\n\
         A capture made on the reporter's own computer could follow an edit of the page: the hashes prove nothing \
         changed since receipt, not that the page was authentic.\n"
    )
}

fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Parses `manifest.sha256`: `<64 hex>  <name>` per line.
fn parse_manifest(text: &str) -> Result<Vec<(String, String)>, PackageError> {
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
fn read_files(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, PackageError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sample::SAMPLE_PNG as PNG;

    /// The sample package's contents, forwarded to the board, with a summary page.
    fn contents() -> PackageContents {
        let mut contents = crate::sample::package_contents(true).expect("sample contents");
        contents.summary_html = Some("<p>Résumé / Summary</p>".into());
        contents
    }

    fn rewrite(package: &[u8], name: &str, content: &[u8], fix_manifest: bool) -> Vec<u8> {
        let mut files = read_files(package).expect("read");
        let old_sha = files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| sha256_hex(c))
            .expect("file");
        for (n, c) in &mut files {
            if n == name {
                *c = content.to_vec();
            }
        }
        if fix_manifest {
            for (n, c) in &mut files {
                if n == MANIFEST_FILE {
                    let text = String::from_utf8(c.clone()).expect("utf8");
                    *c = text.replace(&old_sha, &sha256_hex(content)).into_bytes();
                }
            }
        }
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (n, c) in files {
            writer.start_file(n, options).expect("start");
            writer.write_all(&c).expect("write");
        }
        writer.finish().expect("finish").into_inner()
    }

    #[test]
    fn a_selection_holds_each_package_unchanged_with_a_manifest_over_them() {
        let first = build(&contents()).expect("build");
        let mut other = contents();
        other.summary_html = Some("<p>Autre / Other</p>".into());
        let second = build(&other).expect("build");
        let packages = vec![
            (
                "aaaaaaaa-0000-4000-8000-000000000001".to_owned(),
                first.clone(),
            ),
            (
                "aaaaaaaa-0000-4000-8000-000000000002".to_owned(),
                second.clone(),
            ),
        ];
        let bytes = build_selection(&packages, "<h1>Sélection</h1>", "2026-12-06T20:00:00Z")
            .expect("selection");
        let files = read_files(&bytes).expect("read");
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "aaaaaaaa-0000-4000-8000-000000000001.zip",
                "aaaaaaaa-0000-4000-8000-000000000002.zip",
                README_FILE,
                SUMMARY_FILE,
                MANIFEST_FILE
            ]
        );
        assert_eq!(files[0].1, first, "each package byte for byte");
        assert!(
            open(&files[1].1).is_ok(),
            "and it still verifies on its own"
        );
        let manifest = String::from_utf8(files[4].1.clone()).expect("utf8");
        assert_eq!(
            parse_manifest(&manifest).expect("manifest"),
            files[..4]
                .iter()
                .map(|(name, content)| (sha256_hex(content), name.clone()))
                .collect::<Vec<_>>()
        );
        assert!(
            String::from_utf8(files[2].1.clone())
                .expect("utf8")
                .contains("sha256sum -c manifest.sha256")
        );
    }

    #[test]
    fn a_selection_opens_into_its_packages_each_verified_and_named_after_its_report() {
        let single = build(&contents()).expect("build");
        let id = "0b9e2f9c-1f43-4f5e-9f61-6f3d6a4f2e11".to_owned();
        assert_eq!(open_any(&single).expect("a package alone").len(), 1);
        let selection = build_selection(
            &[(id.clone(), single.clone())],
            "<h1>Sélection</h1>",
            "2026-12-06T20:00:00Z",
        )
        .expect("selection");
        let opened = open_any(&selection).expect("the selection");
        assert_eq!(opened.len(), 1);
        assert_eq!(opened[0].report.id, id);
        assert_eq!(opened[0].package_sha256, sha256_hex(&single));
        // A package filed under another report's name is refused.
        let misnamed = build_selection(
            &[("aaaaaaaa-0000-4000-8000-000000000001".to_owned(), single)],
            "<h1>Sélection</h1>",
            "2026-12-06T20:00:00Z",
        )
        .expect("selection");
        assert!(matches!(
            open_any(&misnamed),
            Err(PackageError::BadName(name)) if name.starts_with("aaaaaaaa")
        ));
        // So is a selection without any package.
        let empty = build_selection(&[], "<h1>Vide</h1>", "2026-12-06T20:00:00Z").expect("empty");
        assert!(matches!(
            open_any(&empty),
            Err(PackageError::Missing(REPORT_FILE))
        ));
    }

    #[test]
    fn a_built_package_opens_and_verifies() {
        let contents = contents();
        let bytes = build(&contents).expect("build");
        let package = open(&bytes).expect("open");
        assert_eq!(package.report_json, contents.report_json);
        assert_eq!(package.screenshot, PNG);
        assert_eq!(package.annotations, contents.annotations);
        assert_eq!(package.evidence, contents.evidence);
        assert_eq!(
            package.forward.as_ref().map(|f| f.manager_name.as_str()),
            Some("Julie Gagnon")
        );
        assert_eq!(package.package_sha256, sha256_hex(&bytes));
    }

    #[test]
    fn the_manifest_lists_every_other_file_in_sha256sum_format() {
        let bytes = build(&contents()).expect("build");
        let files = read_files(&bytes).expect("read");
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                REPORT_FILE,
                SCREENSHOT_FILE,
                ANNOTATIONS_FILE,
                EVIDENCE_FILE,
                FORWARD_FILE,
                README_FILE,
                SUMMARY_FILE,
                MANIFEST_FILE
            ]
        );
        let manifest = String::from_utf8(files[7].1.clone()).expect("utf8");
        let lines: Vec<&str> = manifest.lines().collect();
        assert_eq!(lines.len(), 7);
        for ((name, content), line) in files.iter().zip(&lines) {
            assert_eq!(*line, format!("{}  {name}", sha256_hex(content)));
        }
    }

    #[test]
    fn a_changed_screenshot_byte_is_caught_by_the_manifest() {
        let bytes = build(&contents()).expect("build");
        let mut png = PNG.to_vec();
        png[20] ^= 1;
        let forged = rewrite(&bytes, SCREENSHOT_FILE, &png, false);
        assert_eq!(
            open(&forged).expect_err("forged").to_string(),
            PackageError::HashMismatch(SCREENSHOT_FILE.into()).to_string()
        );
    }

    #[test]
    fn a_byte_changed_inside_the_archive_is_caught_by_its_checksum() {
        let mut bytes = build(&contents()).expect("build");
        let at = bytes
            .windows(PNG.len())
            .position(|w| w == PNG)
            .expect("the stored screenshot");
        bytes[at + 12] ^= 1;
        assert_eq!(
            open(&bytes).expect_err("damaged"),
            PackageError::Damaged(SCREENSHOT_FILE.into())
        );
    }

    #[test]
    fn a_swapped_screenshot_with_its_manifest_line_is_caught_by_the_report() {
        let bytes = build(&contents()).expect("build");
        let other = b"\x89PNG\r\n\x1a\nanother picture";
        let forged = rewrite(&bytes, SCREENSHOT_FILE, other, true);
        assert!(matches!(
            open(&forged),
            Err(PackageError::ScreenshotMismatch { .. })
        ));
    }

    #[test]
    fn an_edited_report_with_its_manifest_line_is_caught_by_the_log() {
        let contents = contents();
        let bytes = build(&contents).expect("build");
        let edited = contents
            .report_json
            .replace("Marie Tremblay", "Quelqu'un d'autre");
        let forged = rewrite(&bytes, REPORT_FILE, edited.as_bytes(), true);
        assert!(matches!(
            open(&forged),
            Err(PackageError::InvalidEvidence(detail)) if detail.contains("another report.json")
        ));
    }

    #[test]
    fn an_edited_forward_is_caught() {
        let contents = contents();
        let bytes = build(&contents).expect("build");
        let edited = contents
            .forward_json
            .as_deref()
            .expect("forward")
            .replace("12 novembre", "13 novembre");
        let forged = rewrite(&bytes, FORWARD_FILE, edited.as_bytes(), true);
        assert!(matches!(
            open(&forged),
            Err(PackageError::InvalidEvidence(_))
        ));
    }

    #[test]
    fn anything_not_a_package_is_refused_clearly() {
        assert!(matches!(
            open(b"From: x\r\n\r\nnot a zip"),
            Err(PackageError::Archive(_))
        ));
        assert!(matches!(open(&[]), Err(PackageError::Archive(_))));
    }

    #[test]
    fn path_like_names_and_extra_files_are_refused() {
        for bad in ["../evil.txt", "dir/file", "/etc/passwd", "a\\b", ""] {
            assert!(!plain_name(bad), "{bad}");
        }
        let bytes = build(&contents()).expect("build");
        let mut files = read_files(&bytes).expect("read");
        files.push(("extra.txt".into(), b"unlisted".to_vec()));
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (n, c) in files {
            writer
                .start_file(n, zip::write::SimpleFileOptions::default())
                .expect("start");
            writer.write_all(&c).expect("write");
        }
        let extra = writer.finish().expect("finish").into_inner();
        assert_eq!(
            open(&extra).expect_err("extra"),
            PackageError::NotListed("extra.txt".into())
        );
    }

    #[test]
    fn manifest_lines_parse_as_sha256sum_writes_them() {
        let hash = sha256_hex(b"x");
        let parsed = parse_manifest(&format!("{hash}  a.txt\n{hash} *b.png\n")).expect("parse");
        assert_eq!(parsed[1].1, "b.png");
        assert!(parse_manifest(&format!("{hash} a.txt\n")).is_err());
        assert!(parse_manifest("abc  a.txt\n").is_err());
    }

    #[test]
    fn zip_times_come_from_the_stored_timestamp() {
        let at = zip_time("2026-12-02T08:09:10.000000Z");
        assert_eq!(
            (at.year(), at.month(), at.day(), at.hour(), at.minute()),
            (2026, 12, 2, 8, 9)
        );
        assert_eq!(zip_time("garbage"), zip::DateTime::default());
    }
}
