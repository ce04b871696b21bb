//! The policy served to extensions: `<data-dir>/policy.toml` if present (validated at start), else the SEC-CSQ default.

use std::path::Path;

use balise_core::policy::Policy;

use crate::settings::{ConfigError, read_optional};

/// Name of the optional policy file inside the data directory.
pub const POLICY_FILE: &str = "policy.toml";

/// Reads and validates `<data-dir>/policy.toml`, or returns `Policy::sec_csq_default()` if absent.
pub fn load(data_dir: &Path) -> Result<Policy, ConfigError> {
    let path = data_dir.join(POLICY_FILE);
    match read_optional(&path)? {
        None => Ok(Policy::sec_csq_default()),
        Some(text) => Policy::from_toml(&text).map_err(|error| ConfigError::Invalid {
            path,
            line: error.line.map_or(1, |line| line as usize),
            column: error.column.map_or(1, |column| column as usize),
            message: match &error.path {
                Some(field) => format!("{field}: {}", error.message),
                None => error.message.clone(),
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_file_gives_the_default() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(
            load(dir.path()).expect("default"),
            Policy::sec_csq_default()
        );
    }

    #[test]
    fn the_default_source_loads_from_a_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join(POLICY_FILE),
            balise_core::policy::SEC_CSQ_DEFAULT_TOML,
        )
        .expect("write");
        assert_eq!(load(dir.path()).expect("file"), Policy::sec_csq_default());
    }

    #[test]
    fn broken_file_names_the_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join(POLICY_FILE),
            "version = 1\nthis is not toml\n",
        )
        .expect("write");
        let error = load(dir.path()).expect_err("broken");
        assert!(error.to_string().contains("policy.toml, line 2"), "{error}");
    }
}
