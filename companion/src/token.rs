//! The API token: 32 random bytes as hex in `<data-dir>/token` (mode 0600), compared in constant time.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use subtle::ConstantTimeEq;

/// Name of the token file inside the data directory.
pub const TOKEN_FILE: &str = "token";

/// Writes a file only its owner can read (mode 0600): a temporary file beside it, synced,
/// then renamed over it, so a crash leaves the old file or the new one, never half of one.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    restrict_permissions(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent()
        && let Ok(dir) = std::fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The bearer token extensions and scripts present. Its `Debug` output never shows it.
#[derive(Clone)]
pub struct ApiToken(String);

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

/// A problem reading or creating the token file.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The file cannot be read or written.
    #[error("token file {path}: {source}")]
    Io {
        /// The token file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file exists but does not hold 64 hex digits.
    #[error(
        "token file {0} is malformed (expected 64 hex digits); delete it to create a new token (extensions must then pair again)"
    )]
    Malformed(PathBuf),
    /// The system random generator failed.
    #[error("cannot generate a token: {0}")]
    Random(String),
}

impl ApiToken {
    /// Reads `<data-dir>/token`, creating it with a fresh random token (mode 0600) if missing.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, TokenError> {
        let path = data_dir.join(TOKEN_FILE);
        let io = |source| TokenError::Io {
            path: path.clone(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let token = text.trim();
                if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(TokenError::Malformed(path));
                }
                restrict_permissions(&path).map_err(io)?;
                Ok(Self(token.to_ascii_lowercase()))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let token = Self::generate()?;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options.open(&path).map_err(io)?;
                file.write_all(token.0.as_bytes()).map_err(io)?;
                file.write_all(b"\n").map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(token)
            }
            Err(error) => Err(io(error)),
        }
    }

    /// A fresh random token (32 bytes from the OS, hex).
    pub fn generate() -> Result<Self, TokenError> {
        Ok(Self(random_hex(32)?))
    }

    /// The token text, for the `token` subcommand and the pairing hand-out only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with a presented token.
    pub fn matches(&self, presented: &str) -> bool {
        self.0.as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

/// `n` random bytes from the OS, as lowercase hex.
pub fn random_hex(n: usize) -> Result<String, TokenError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|error| TokenError::Random(error.to_string()))?;
    Ok(balise_core::digest::to_hex(&bytes))
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = std::fs::metadata(path)?;
    if metadata.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_with_0600_and_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = ApiToken::load_or_create(dir.path()).expect("create");
        assert_eq!(first.expose().len(), 64);
        let second = ApiToken::load_or_create(dir.path()).expect("load");
        assert_eq!(first.expose(), second.expose());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(TOKEN_FILE))
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(first.matches(second.expose()));
        assert!(!first.matches("nope"));
        assert!(!format!("{first:?}").contains(first.expose()));
    }

    #[test]
    fn malformed_file_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(TOKEN_FILE), "short").expect("write");
        assert!(matches!(
            ApiToken::load_or_create(dir.path()),
            Err(TokenError::Malformed(_))
        ));
    }
}
