//! Bringing a member's report into the manager's companion: from the received `.eml`, or
//! from the evidence package attached to it (found and verified by `balise_core::import`).
//! Everything is verified before anything is stored.

pub use balise_core::import::{
    ImportError, MAX_IMPORT_BYTES, package_from_file, packages_from_file,
};

use crate::error::{Error, Result};
use crate::store::packages::{self, ImportOutcome};
use crate::store::{Store, now_utc};

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

/// Verifies and stores a file's report (blocking work on the store's threads).
pub async fn import_file(store: &Store, bytes: Vec<u8>) -> Result<ImportOutcome> {
    let package = tokio::task::spawn_blocking(move || package_from_file(&bytes)).await??;
    Ok(store
        .write(move |tx| packages::import(tx, &package, &now_utc()))
        .await?)
}
