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

use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceEntry;
use crate::report::{ReportAnnotation, ReportV1};

mod build;
mod open;
#[cfg(test)]
mod tests;

pub use build::{build, build_selection, selection_entry};
pub use open::{open, open_any};

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
