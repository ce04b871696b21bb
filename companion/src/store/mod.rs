//! SQLite storage: one file, WAL, `synchronous=FULL`, every write in one `BEGIN IMMEDIATE` transaction.
//!
//! Concurrency model: the store owns exactly two connections, a writer and a reader, each
//! behind a `std::sync::Mutex`, and every call runs on tokio's blocking pool
//! (`spawn_blocking`), never on the async worker threads. One writer connection is all a
//! single SQLite file can use anyway (writers are serialized by the database lock), and
//! holding the mutex for the whole `BEGIN IMMEDIATE … COMMIT` makes "check idempotency key,
//! insert report, screenshot, evidence entry, outgoing mail, idempotency row" one atomic
//! step with no `SQLITE_BUSY` inside the process. WAL lets the reader connection see a
//! consistent snapshot while a write is in progress. A closure that returns `Err` drops the
//! transaction, which rolls everything back: an error stores nothing.
//!
//! Errors: every function here returns [`Result`] with the store's own [`Error`], named by
//! meaning (not found, conflict, invalid, gone, corrupted…), never by HTTP status;
//! `crate::error` maps it in one place, and [`Store::read`]/[`Store::write`] let a closure
//! fail with any error a store error converts into.

pub mod appointments;
pub mod attestations;
mod error;
pub mod evidence;
pub mod history;
pub mod idempotency;
pub mod mail;
pub mod pairing;
pub mod policy_changes;
pub mod privacy;
pub mod report_filter;
pub mod reports;
pub mod reviews;
mod schema;
pub mod sessions;
pub mod traces;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use time::OffsetDateTime;

pub use error::{BoxError, Error, Result};
pub use evidence::{ChainStatus, EvidenceEntry, verify_evidence_chain};

/// Name of the database file inside the data directory.
pub const DB_FILE: &str = "balise.sqlite3";

/// How long a connection waits for a lock held by another process before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A problem opening the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused.
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The file was written by a newer companion.
    #[error(
        "database {path} has schema version {found}, newer than this companion knows ({known}); upgrade Balise"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// `user_version` in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// WAL could not be enabled.
    #[error("database {path}: journal_mode is {mode}, expected wal")]
    NotWal {
        /// The database file.
        path: PathBuf,
        /// What SQLite answered.
        mode: String,
    },
}

/// The companion's database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    writer: Mutex<Option<Connection>>,
    reader: Mutex<Option<Connection>>,
}

impl Store {
    /// Opens (creating if needed) `<data-dir>/balise.sqlite3` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let path = data_dir.join(DB_FILE);
        let sqlite = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let mut writer = Connection::open(&path).map_err(sqlite)?;
        configure(&writer).map_err(sqlite)?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(sqlite)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NotWal { path, mode });
        }
        schema::migrate(&mut writer, &path)?;
        restrict_permissions(&path);
        let reader = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite)?;
        configure(&reader).map_err(sqlite)?;
        reader
            .pragma_update(None, "query_only", true)
            .map_err(sqlite)?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(Some(writer)),
                reader: Mutex::new(Some(reader)),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction on the blocking pool; commits if it returns `Ok`.
    ///
    /// `f` may fail with any error a store error converts into (a handler's closure returns
    /// the HTTP error and `?`s store calls); so do SQLite, the task and a closed database.
    pub async fn write<R, E, F>(&self, f: F) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<R, E> + Send + 'static,
    {
        let store = self.clone();
        join(tokio::task::spawn_blocking(move || store.write_blocking(f)).await)
    }

    /// As [`Store::write`], on the calling thread: for start-up, before serving.
    pub fn write_blocking<R, E, F>(&self, f: F) -> Result<R, E>
    where
        E: From<Error>,
        F: FnOnce(&Transaction<'_>) -> Result<R, E>,
    {
        let mut guard = lock(&self.inner.writer);
        let conn = guard.as_mut().ok_or(Error::Closed)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(Error::from)?;
        let value = f(&tx)?;
        tx.commit().map_err(Error::from)?;
        Ok(value)
    }

    /// Truncates the write-ahead log after its pages are copied into the database, so that
    /// the old versions of redacted rows do not stay in `balise.sqlite3-wal`. Best effort:
    /// a reader in the middle of a transaction makes it partial (the next one completes it).
    pub async fn checkpoint_truncate(&self) -> Result<()> {
        let inner = Arc::clone(&self.inner);
        join(
            tokio::task::spawn_blocking(move || {
                let guard = lock(&inner.writer);
                let conn = guard.as_ref().ok_or(Error::Closed)?;
                let busy: i64 =
                    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
                if busy != 0 {
                    tracing::warn!(
                        "the write-ahead log could not be truncated yet (a reader was active)"
                    );
                }
                Ok(())
            })
            .await,
        )
    }

    /// Runs `f` in a read transaction (one consistent snapshot) on the blocking pool; `f`'s
    /// error type is free as in [`Store::write`].
    pub async fn read<R, E, F>(&self, f: F) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<R, E> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        join(
            tokio::task::spawn_blocking(move || {
                let mut guard = lock(&inner.reader);
                let conn = guard.as_mut().ok_or(Error::Closed)?;
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Deferred)
                    .map_err(Error::from)?;
                let value = f(&tx)?;
                tx.finish().map_err(Error::from)?;
                Ok(value)
            })
            .await,
        )
    }

    /// Closes both connections (the last close checkpoints the WAL). Later calls fail.
    pub fn close(&self) -> Result<(), rusqlite::Error> {
        let reader = lock(&self.inner.reader).take();
        if let Some(reader) = reader {
            reader.close().map_err(|(_, error)| error)?;
        }
        let writer = lock(&self.inner.writer).take();
        if let Some(writer) = writer {
            writer.close().map_err(|(_, error)| error)?;
        }
        Ok(())
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Deleted content (a redacted report, its screenshot) is overwritten with zeros
    // instead of lingering in free pages until a VACUUM.
    conn.pragma_update(None, "secure_delete", true)?;
    Ok(())
}

/// Locks a connection. A panic inside an earlier closure poisons the mutex, but its
/// transaction was rolled back when it unwound, so the connection is still usable.
fn lock(mutex: &Mutex<Option<Connection>>) -> MutexGuard<'_, Option<Connection>> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The result of a blocking task: its own, or the store error its panic becomes.
fn join<R, E: From<Error>>(
    joined: std::result::Result<Result<R, E>, tokio::task::JoinError>,
) -> Result<R, E> {
    joined.unwrap_or_else(|error| Err(Error::from(error).into()))
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Err(error) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
        tracing::warn!(%error, path = %path.display(), "cannot restrict database permissions");
    }
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

pub use balise_core::digest::sha256_hex;

/// Current UTC time as stored everywhere: RFC 3339 with microseconds and `Z`.
pub fn now_utc() -> String {
    format_utc(OffsetDateTime::now_utc())
}

/// Current time as Unix milliseconds (the mail queue's clock).
pub fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Formats a UTC instant the way the store does.
pub fn format_utc(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    at.format(&format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Counts the rows of a table (tests and the dashboard use it).
pub fn count_rows(conn: &Connection, table: &str) -> rusqlite::Result<i64> {
    const TABLES: [&str; 20] = [
        "reports",
        "screenshots",
        "evidence_log",
        "idempotency",
        "mail_queue",
        "report_forwards",
        "report_exports",
        "imports",
        "paired_clients",
        "pairing_requests",
        "attestations",
        "report_annotations",
        "signin_links",
        "dashboard_sessions",
        "report_redactions",
        "appointments",
        "policy_changes",
        "report_reviews",
        "traces",
        "trace_screenshots",
    ];
    if !TABLES.contains(&table) {
        return Err(rusqlite::Error::InvalidParameterName(table.to_owned()));
    }
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
        row.get(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_wal_with_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open");
        let guard = store.inner.writer.lock().expect("lock");
        let conn = guard.as_ref().expect("open");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .expect("sync");
        assert_eq!(sync, 2, "FULL");
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .expect("fk");
        assert_eq!(fk, 1);
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version, schema::LATEST);
    }

    #[test]
    fn reopening_keeps_the_schema() {
        let dir = tempfile::tempdir().expect("temp dir");
        Store::open(dir.path())
            .expect("open")
            .close()
            .expect("close");
        Store::open(dir.path())
            .expect("reopen")
            .close()
            .expect("close");
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        Store::open(dir.path())
            .expect("open")
            .close()
            .expect("close");
        let conn = Connection::open(dir.path().join(DB_FILE)).expect("open raw");
        conn.pragma_update(None, "user_version", 999).expect("bump");
        drop(conn);
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::TooNew { found: 999, .. })
        ));
    }

    #[test]
    fn timestamps_are_utc_microseconds() {
        let at = OffsetDateTime::from_unix_timestamp(0).expect("epoch");
        assert_eq!(format_utc(at), "1970-01-01T00:00:00.000000Z");
    }
}
