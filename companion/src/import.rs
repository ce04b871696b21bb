//! Bringing a member's report into the manager's companion: from the received `.eml`, or
//! from the evidence package attached to it. Everything is verified before anything is stored.

use balise_core::package::{self, PackageError, VerifiedPackage};
use mail_parser::{MessageParser, MimeHeaders};

use crate::error::{Error, Result};
use crate::store::reports::{self, ImportOutcome};
use crate::store::{Store, now_utc};

/// Largest file accepted for import: a package at its limit, base64-encoded in an email.
pub const MAX_IMPORT_BYTES: usize = 96 * 1024 * 1024;

/// Why a file cannot be imported. Messages are French, then English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Larger than [`MAX_IMPORT_BYTES`].
    #[error(
        "fichier trop gros pour être importé / file too large to import (more than {MAX_IMPORT_BYTES} bytes)"
    )]
    TooLarge,
    /// Neither a ZIP nor an email.
    #[error(
        "ce fichier n'est ni un courriel Balise (.eml) ni un paquet de preuves (.zip) / this file is neither a Balise email (.eml) nor an evidence package (.zip)"
    )]
    NotRecognized,
    /// An email without a package attached.
    #[error(
        "ce courriel ne contient pas de paquet de preuves Balise (pièce jointe .zip) / this email holds no Balise evidence package (.zip attachment)"
    )]
    NoPackage,
    /// The package failed a check.
    #[error("{0}")]
    Package(#[from] PackageError),
}

impl ImportError {
    /// Whether the file is not a package at all (rather than a package that fails a check).
    pub fn is_unreadable(&self) -> bool {
        matches!(
            self,
            Self::TooLarge
                | Self::NotRecognized
                | Self::NoPackage
                | Self::Package(PackageError::Archive(_) | PackageError::TooLarge)
        )
    }
}

impl From<ImportError> for Error {
    fn from(error: ImportError) -> Self {
        let code = match &error {
            ImportError::TooLarge => "payload_too_large",
            ImportError::NotRecognized | ImportError::NoPackage => "not_a_package",
            ImportError::Package(_) => "package_refused",
        };
        Error::unprocessable(code, error.to_string())
    }
}

/// Finds and verifies the package in a `.zip` or `.eml` file.
pub fn package_from_file(bytes: &[u8]) -> std::result::Result<VerifiedPackage, ImportError> {
    opened_from_file(bytes, package::open)
}

/// Finds and verifies the packages in a `.zip` or `.eml` file: one package, or each package
/// of a selection exported from the dashboard.
pub fn packages_from_file(bytes: &[u8]) -> std::result::Result<Vec<VerifiedPackage>, ImportError> {
    opened_from_file(bytes, package::open_any)
}

/// `open` applied to the file itself when it is a ZIP, else to the first `.zip` attachment
/// of the email it is that opens.
fn opened_from_file<T>(
    bytes: &[u8],
    open: fn(&[u8]) -> std::result::Result<T, PackageError>,
) -> std::result::Result<T, ImportError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(open(bytes)?);
    }
    let message = MessageParser::default()
        .parse(bytes)
        .filter(|message| {
            message.headers().iter().any(|h| {
                h.name().eq_ignore_ascii_case("from") || h.name().eq_ignore_ascii_case("message-id")
            })
        })
        .ok_or(ImportError::NotRecognized)?;
    let mut first_error = None;
    for part in message.attachments() {
        let is_zip = part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("application")
                && ct
                    .subtype()
                    .is_some_and(|sub| sub.eq_ignore_ascii_case("zip"))
        }) || part
            .attachment_name()
            .is_some_and(|name| name.to_ascii_lowercase().ends_with(".zip"));
        if !is_zip {
            continue;
        }
        match open(part.contents()) {
            Ok(opened) => return Ok(opened),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    Err(first_error.map_or(ImportError::NoPackage, ImportError::Package))
}

/// Verifies and stores a file's report (blocking work on the store's threads).
pub async fn import_file(store: &Store, bytes: Vec<u8>) -> Result<ImportOutcome> {
    let package = tokio::task::spawn_blocking(move || package_from_file(&bytes)).await??;
    Ok(store
        .write(move |tx| reports::import(tx, &package, &now_utc()))
        .await?)
}
