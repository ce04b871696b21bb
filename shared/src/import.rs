//! A received file to a verified evidence package: a `.zip` package, or the `.eml` email it
//! came attached to. Pure (bytes in, verified package or reason out), so that the companion's
//! import, `verify --against` and the fuzz target run the same code.

use std::fmt;

use mail_parser::{MessageParser, MimeHeaders};

use crate::package::{self, PackageError, VerifiedPackage};

/// Largest file accepted for import: a package at its limit, base64-encoded in an email.
pub const MAX_IMPORT_BYTES: usize = 96 * 1024 * 1024;

/// Why a file cannot be imported. Messages are French, then English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// Larger than [`MAX_IMPORT_BYTES`].
    TooLarge,
    /// Neither a ZIP nor an email.
    NotRecognized,
    /// An email without a package attached.
    NoPackage,
    /// The package failed a check.
    Package(PackageError),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(
                f,
                "fichier trop gros pour être importé / file too large to import (more than {MAX_IMPORT_BYTES} bytes)"
            ),
            Self::NotRecognized => f.write_str(
                "ce fichier n'est ni un courriel Balise (.eml) ni un paquet de preuves (.zip) / this file is neither a Balise email (.eml) nor an evidence package (.zip)",
            ),
            Self::NoPackage => f.write_str(
                "ce courriel ne contient pas de paquet de preuves Balise (pièce jointe .zip) / this email holds no Balise evidence package (.zip attachment)",
            ),
            Self::Package(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ImportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Package(error) => Some(error),
            _ => None,
        }
    }
}

impl From<PackageError> for ImportError {
    fn from(error: PackageError) -> Self {
        Self::Package(error)
    }
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

/// Finds and verifies the package in a `.zip` or `.eml` file.
pub fn package_from_file(bytes: &[u8]) -> Result<VerifiedPackage, ImportError> {
    opened_from_file(bytes, package::open)
}

/// Finds and verifies the packages in a `.zip` or `.eml` file: one package, or each package
/// of a selection exported from the dashboard ([`package::open_any`]).
pub fn packages_from_file(bytes: &[u8]) -> Result<Vec<VerifiedPackage>, ImportError> {
    opened_from_file(bytes, package::open_any)
}

/// `open` applied to the file itself when it is a ZIP, else to the first `.zip` attachment
/// of the email it is that opens.
fn opened_from_file<T>(
    bytes: &[u8],
    open: fn(&[u8]) -> Result<T, PackageError>,
) -> Result<T, ImportError> {
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
