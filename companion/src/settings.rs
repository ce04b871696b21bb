//! Settings: defaults, then `<data-dir>/balise.toml`, then `BALISE_*` environment variables.
//!
//! The server's own settings (`port`, `bind`, `max_screenshot_bytes`) must be right for it
//! to start; the email settings (`[smtp]`, `[routing]`, `[identity]`, see `mail::config`)
//! never stop it: their problems are reported and forwarding waits. `[privacy]
//! retention_days` is how long reports keep their content (365 days when absent, 0: kept
//! until the manager erases them).

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::limits::Limits;
use crate::mail::config::{FileTables, MailSettings};

/// Name of the optional settings file inside the data directory.
pub const SETTINGS_FILE: &str = "balise.toml";

/// Default TCP port.
pub const DEFAULT_PORT: u16 = 7878;

/// Default retention period of reports, in days (`[privacy] retention_days`): a year.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;

/// Default upload limit for `POST /api/v1/reports` (screenshot, report JSON and framing): 15 MiB.
pub const DEFAULT_MAX_SCREENSHOT_BYTES: usize = 15 * 1024 * 1024;

/// Everything the companion is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where the database, the token and the optional `balise.toml` / `policy.toml` live.
    pub data_dir: PathBuf,
    /// TCP port (0 picks a free one).
    pub port: u16,
    /// Loopback address to bind.
    pub bind: IpAddr,
    /// Largest accepted report upload, in bytes: the request body limit of `POST /api/v1/reports`.
    pub max_screenshot_bytes: usize,
    /// Email: server, addresses, role (problems included, never fatal).
    pub mail: MailSettings,
    /// How long a report keeps its content, in days (`[privacy] retention_days`); past it,
    /// the companion redacts it (at start-up and daily). `None` (`retention_days = 0`):
    /// reports are kept until the manager erases them.
    pub retention_days: Option<u32>,
    /// Read timeouts, the connection cap and the write rate (`[limits]`).
    pub limits: Limits,
}

/// A settings problem, reported before anything is stored or opened.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The settings file (or the policy file) exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}, line {line}, column {column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// An environment variable has a value that does not parse.
    #[error("environment variable {var}={value:?} is invalid: {message}")]
    Env {
        /// Variable name.
        var: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        message: String,
    },
    /// A setting has an unacceptable value.
    #[error("{0}")]
    Value(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    port: Option<u16>,
    bind: Option<IpAddr>,
    max_screenshot_bytes: Option<usize>,
    smtp: Option<toml::Table>,
    routing: Option<toml::Table>,
    identity: Option<toml::Table>,
    privacy: Option<PrivacyFile>,
    limits: Option<LimitsFile>,
}

/// `[limits]` in `balise.toml`: the connection cap and the write rate per token.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    max_connections: Option<usize>,
    write_burst: Option<u32>,
    writes_per_minute: Option<u32>,
}

/// `[privacy]` in `balise.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivacyFile {
    /// Days; 0 keeps reports until the manager erases them. Absent: [`DEFAULT_RETENTION_DAYS`].
    retention_days: Option<u32>,
}

/// `retention_days` as configured: 0 means no automatic redaction.
pub fn retention_from(days: u32) -> Option<u32> {
    (days > 0).then_some(days)
}

impl Settings {
    /// The defaults for a data directory.
    pub fn defaults(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            port: DEFAULT_PORT,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            max_screenshot_bytes: DEFAULT_MAX_SCREENSHOT_BYTES,
            mail: MailSettings::default(),
            retention_days: Some(DEFAULT_RETENTION_DAYS),
            limits: Limits::default(),
        }
    }

    /// Defaults, then `<data-dir>/balise.toml` if present, then the process environment.
    pub fn load(data_dir: &Path) -> Result<Self, ConfigError> {
        Self::load_with_env(data_dir, |name| std::env::var(name).ok())
    }

    /// As [`Settings::load`], reading environment variables through `env`.
    pub fn load_with_env(
        data_dir: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut settings = Self::defaults(data_dir);
        let path = data_dir.join(SETTINGS_FILE);
        let mut tables = FileTables::default();
        if let Some(text) = read_optional(&path)? {
            let file: FileSettings =
                toml::from_str(&text).map_err(|error| toml_error(&path, &text, &error))?;
            tables = FileTables {
                smtp: file.smtp,
                routing: file.routing,
                identity: file.identity,
            };
            if let Some(port) = file.port {
                settings.port = port;
            }
            if let Some(bind) = file.bind {
                settings.bind = bind;
            }
            if let Some(max) = file.max_screenshot_bytes {
                settings.max_screenshot_bytes = max;
            }
            if let Some(days) = file.privacy.and_then(|privacy| privacy.retention_days) {
                settings.retention_days = retention_from(days);
            }
            if let Some(limits) = file.limits {
                let current = &mut settings.limits;
                current.max_connections = limits.max_connections.unwrap_or(current.max_connections);
                current.write_burst = limits.write_burst.unwrap_or(current.write_burst);
                current.writes_per_minute = limits
                    .writes_per_minute
                    .unwrap_or(current.writes_per_minute);
            }
        }
        if let Some(port) = env_value::<u16>(&env, "BALISE_PORT")? {
            settings.port = port;
        }
        if let Some(bind) = env_value::<IpAddr>(&env, "BALISE_BIND")? {
            settings.bind = bind;
        }
        if let Some(max) = env_value::<usize>(&env, "BALISE_MAX_SCREENSHOT_BYTES")? {
            settings.max_screenshot_bytes = max;
        }
        if let Some(max) = env_value::<usize>(&env, "BALISE_MAX_CONNECTIONS")? {
            settings.limits.max_connections = max;
        }
        if let Some(burst) = env_value::<u32>(&env, "BALISE_WRITE_BURST")? {
            settings.limits.write_burst = burst;
        }
        if let Some(rate) = env_value::<u32>(&env, "BALISE_WRITES_PER_MINUTE")? {
            settings.limits.writes_per_minute = rate;
        }
        settings.mail = MailSettings::from_sources(&tables, &env);
        if settings.mail.sources.smtp_url == crate::mail::config::Source::File
            && settings
                .mail
                .smtp_url
                .as_ref()
                .and_then(crate::mail::config::SmtpUrl::password)
                .is_some()
        {
            // The file holds a password: only its owner may read it, as with the token.
            restrict_to_owner(&path);
        }
        settings.check()?;
        Ok(settings)
    }

    /// Rejects values the companion must never run with (a non-loopback address above all).
    pub fn check(&self) -> Result<(), ConfigError> {
        if !self.bind.is_loopback() {
            return Err(ConfigError::Value(format!(
                "refusing to bind {}: the companion only listens on a loopback address \
                 (127.0.0.1 or ::1) / adresse refusée : le compagnon n'écoute que sur la boucle locale",
                self.bind
            )));
        }
        if self.max_screenshot_bytes < 1024 {
            return Err(ConfigError::Value(format!(
                "max_screenshot_bytes = {} is too small (at least 1024)",
                self.max_screenshot_bytes
            )));
        }
        let limits = &self.limits;
        if limits.max_connections < 8 || limits.write_burst < 1 || limits.writes_per_minute < 1 {
            return Err(ConfigError::Value(format!(
                "[limits] too low: max_connections = {} (at least 8), write_burst = {} and \
                 writes_per_minute = {} (at least 1)",
                limits.max_connections, limits.write_burst, limits.writes_per_minute
            )));
        }
        Ok(())
    }
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let private = std::fs::Permissions::from_mode(0o600);
    let already = std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 == 0);
    if !already && let Err(error) = std::fs::set_permissions(path, private) {
        tracing::warn!(%error, path = %path.display(), "cannot restrict the settings file, which holds the SMTP password");
    }
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &Path) {}

/// Reads a file that may be absent.
pub(crate) fn read_optional(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Turns a TOML error into one naming the file, line and column.
pub(crate) fn toml_error(path: &Path, text: &str, error: &toml::de::Error) -> ConfigError {
    let offset = error.span().map_or(0, |span| span.start);
    let (line, column) = line_column(text, offset);
    ConfigError::Invalid {
        path: path.to_owned(),
        line,
        column,
        message: error.message().trim().to_owned(),
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit_once('\n')
        .map_or(before, |(_, last)| last)
        .chars()
        .count()
        + 1;
    (line, column)
}

fn env_value<T: std::str::FromStr>(
    env: &impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<T>, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match env(var) {
        None => Ok(None),
        Some(value) if value.trim().is_empty() => Ok(None),
        Some(value) => value
            .trim()
            .parse()
            .map(Some)
            .map_err(|error: T::Err| ConfigError::Env {
                var,
                value,
                message: error.to_string(),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(files: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let dir = tempfile::tempdir().expect("temp dir");
        if !files.is_empty() {
            std::fs::write(dir.path().join(SETTINGS_FILE), files).expect("write");
        }
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::load_with_env(dir.path(), |name| env.get(name).cloned())
    }

    #[test]
    fn defaults_are_loopback_7878_and_15_mib() {
        let settings = load("", &[]).expect("defaults");
        assert_eq!(settings.port, 7878);
        assert_eq!(settings.bind, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(settings.max_screenshot_bytes, 15 * 1024 * 1024);
    }

    #[test]
    fn retention_is_a_year_by_default_and_0_keeps_reports() {
        assert_eq!(load("", &[]).expect("defaults").retention_days, Some(365));
        let settings = load("[privacy]\nretention_days = 30\n", &[]).expect("30 days");
        assert_eq!(settings.retention_days, Some(30));
        let settings = load("[privacy]\nretention_days = 0\n", &[]).expect("keep");
        assert_eq!(settings.retention_days, None);
        let error = load("[privacy]\nretention_days = -1\n", &[]).expect_err("negative");
        assert!(error.to_string().contains("line 2"), "{error}");
    }

    #[test]
    fn file_then_environment() {
        let settings = load(
            "port = 9000\nmax_screenshot_bytes = 2048\n",
            &[("BALISE_PORT", "9100")],
        )
        .expect("settings");
        assert_eq!(settings.port, 9100);
        assert_eq!(settings.max_screenshot_bytes, 2048);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_holding_an_smtp_password_is_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(SETTINGS_FILE);
        std::fs::write(
            &path,
            "[smtp]\nurl = \"smtp://u:secret@mail.example.org:587\"\n",
        )
        .expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        Settings::load_with_env(dir.path(), |_| None).expect("settings");
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn broken_file_names_the_line() {
        let error = load("port = 9000\nport = = 3\n", &[]).expect_err("broken");
        match &error {
            ConfigError::Invalid { line, .. } => assert_eq!(*line, 2),
            other => panic!("unexpected {other:?}"),
        }
        assert!(error.to_string().contains("balise.toml, line 2"), "{error}");
    }

    #[test]
    fn unknown_key_is_an_error() {
        let error = load("\nprot = 9000\n", &[]).expect_err("unknown key");
        assert!(error.to_string().contains("line 2"), "{error}");
    }

    #[test]
    fn non_loopback_is_refused() {
        let error = load("bind = \"0.0.0.0\"\n", &[]).expect_err("refused");
        assert!(error.to_string().contains("refusing to bind 0.0.0.0"));
        let error = load("", &[("BALISE_BIND", "192.168.1.2")]).expect_err("refused");
        assert!(error.to_string().contains("loopback"));
        assert!(load("bind = \"::1\"\n", &[]).is_ok());
    }

    #[test]
    fn bad_environment_value_names_the_variable() {
        let error = load("", &[("BALISE_PORT", "seventy")]).expect_err("bad env");
        assert!(error.to_string().contains("BALISE_PORT"));
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("ab", 0), (1, 1));
    }
}
