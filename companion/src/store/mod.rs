//! SQLite storage: one file, WAL, `synchronous=FULL`, writes grouped into `BEGIN IMMEDIATE`
//! transactions, each write in its own savepoint.
//!
//! Concurrency model: the store owns three connections, a writer, a reader and a
//! checkpointer, each behind a `std::sync::Mutex`, and no call runs on tokio's async worker
//! threads. [`Store::write`] queues its closure for the one writer thread
//! ([`writer`]), which runs every write waiting in its queue, in arrival order, in one
//! transaction (group commit: one `fsync` for the batch), each inside its own savepoint,
//! and answers each caller only after that transaction committed. One writer connection
//! is all a single SQLite file can use anyway (writers are serialized by the database
//! lock), and the writer holding its mutex for the whole `BEGIN IMMEDIATE … COMMIT` makes
//! "check idempotency key, insert report, screenshot, evidence entry, outgoing mail,
//! idempotency row" one atomic step with no `SQLITE_BUSY` inside the process. A closure
//! that returns `Err` (or panics) is rolled back to its savepoint: that write stores
//! nothing, and the others of its batch are unaffected. Reads run on tokio's blocking pool
//! on the reader connection; WAL lets it see a consistent snapshot while a write is in
//! progress. The writer never checkpoints inside a commit (`wal_autocheckpoint = 0`): the
//! [`checkpoint`] thread does it on its own connection.
//!
//! Errors: every function here returns [`Result`] with the store's own [`Error`], named by
//! meaning (not found, conflict, invalid, gone, corrupted…), never by HTTP status;
//! `crate::error` maps it in one place, and [`Store::read`]/[`Store::write`] let a closure
//! fail with any error a store error converts into.

pub mod appointments;
pub mod attestations;
mod checkpoint;
mod error;
pub mod evidence;
pub mod forwards;
pub mod history;
pub mod idempotency;
pub mod mail;
pub mod packages;
pub mod pairing;
pub mod policy_changes;
pub mod privacy;
pub mod report_filter;
pub mod reports;
pub mod reviews;
mod schema;
pub mod screenshot_files;
pub mod sessions;
pub mod traces;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use time::OffsetDateTime;

pub use checkpoint::{CHECKPOINT_PAGES, IDLE_TRUNCATE, WRITER_CATCH_UP_PAGES};
pub use error::{BoxError, Error, Result};
pub use writer::{MAX_BATCH, WriteStats, WriteTiming};

use checkpoint::Checkpointer;
pub use evidence::{ChainStatus, EvidenceEntry, verify_evidence_chain};
use writer::{BoxedJob, TypedJob};

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
    /// The directory of screenshot files could not be made.
    #[error("screenshot directory {path}: {source}")]
    Files {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A thread of the store could not be started.
    #[error("database {path}: cannot start a thread: {source}")]
    Thread {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
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
    /// Used by the writer thread for each batch, and directly by [`Store::write_blocking`].
    writer: Arc<Mutex<Option<Connection>>>,
    reader: Mutex<Option<Connection>>,
    /// The writer thread's queue.
    queue: Sender<BoxedJob>,
    /// What the writer thread committed.
    stats: Arc<writer::Stats>,
    checkpointer: Arc<Checkpointer>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The writer thread ends with its queue; the checkpointer must be told.
        self.checkpointer.signal_stop();
    }
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
        screenshot_files::prepare_dirs(data_dir).map_err(|source| StoreError::Files {
            path: screenshot_files::evidence_dir(data_dir),
            source,
        })?;
        let open_other = || {
            let conn = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            configure(&conn)?;
            Ok(conn)
        };
        let reader = open_other().map_err(sqlite)?;
        reader
            .pragma_update(None, "query_only", true)
            .map_err(sqlite)?;
        let checkpointer =
            Arc::new(Checkpointer::new(open_other().map_err(sqlite)?).map_err(sqlite)?);
        // Checkpoints leave the writer's commits: the WAL hook (which replaces SQLite's
        // auto-checkpoint, itself a WAL hook) only tells the checkpointer how long the log is.
        writer
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(sqlite)?;
        writer
            .pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)
            .map_err(sqlite)?;
        let hook = Arc::clone(&checkpointer);
        writer
            .wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, frames| {
                hook.note_commit(i64::from(frames));
                Ok(())
            }))
            .map_err(sqlite)?;
        let thread = |source| StoreError::Thread {
            path: path.clone(),
            source,
        };
        checkpointer.start().map_err(thread)?;
        let writer = Arc::new(Mutex::new(Some(writer)));
        let stats = Arc::new(writer::Stats::default());
        let queue = writer::spawn(
            Arc::clone(&writer),
            Arc::clone(&checkpointer),
            Arc::clone(&stats),
        )
        .map_err(thread)?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writer,
                reader: Mutex::new(Some(reader)),
                queue,
                stats,
                checkpointer,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The data directory (the database file's and `evidence/`'s).
    pub fn data_dir(&self) -> &Path {
        self.inner.path.parent().unwrap_or_else(|| Path::new("."))
    }

    /// Makes a report's screenshot durable as its file
    /// ([`screenshot_files::store_durably`]) on the blocking pool, in parallel with other
    /// uploads: the upload calls it before queueing the row that names the file.
    pub async fn store_screenshot_file(&self, sha256: String, bytes: bytes::Bytes) -> Result<()> {
        let data_dir = self.data_dir().to_path_buf();
        join(
            tokio::task::spawn_blocking(move || {
                screenshot_files::store_durably(&data_dir, &sha256, &bytes)
            })
            .await,
        )
    }

    /// After a redaction committed: removes the files of these screenshots that no row names
    /// any more, on the writer (so that no insert names one in between). How many.
    pub async fn remove_unreferenced_screenshot_files(&self, hashes: Vec<String>) -> Result<usize> {
        let data_dir = self.data_dir().to_path_buf();
        self.write(move |tx| -> Result<usize> {
            let mut removed = 0;
            for sha256 in &hashes {
                if screenshot_files::remove_if_unreferenced(tx, &data_dir, sha256)? {
                    removed += 1;
                }
            }
            Ok(removed)
        })
        .await
    }

    /// At start-up, before serving: removes temporary screenshot files and files no row
    /// names ([`screenshot_files::sweep`]), on the writer.
    pub async fn sweep_screenshot_files(&self) -> Result<screenshot_files::Swept> {
        let data_dir = self.data_dir().to_path_buf();
        self.write(move |tx| {
            screenshot_files::sweep(tx, &data_dir, screenshot_files::SWEEP_MIN_AGE)
        })
        .await
    }

    /// Queues `f` for the writer thread, which runs it in a savepoint of the next batch's
    /// `BEGIN IMMEDIATE` transaction; `Ok` only once that transaction committed. If `f`
    /// returns `Err` (or panics) its savepoint is rolled back: nothing of it is stored, and
    /// the other writes of the batch are not affected.
    ///
    /// `f` may fail with any error a store error converts into (a handler's closure returns
    /// the HTTP error and `?`s store calls); so do SQLite, the commit and a closed database.
    ///
    /// The write is queued when this is called, not when the future is first polled: calls
    /// made one after the other are run (and chained) in that order.
    pub fn write<R, E, F>(&self, f: F) -> impl Future<Output = Result<R, E>> + Send + 'static
    where
        R: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<R, E> + Send + 'static,
    {
        let timed = self.write_timed(f);
        async move { timed.await.0 }
    }

    /// As [`Store::write`], with the writer's stamps of this write when its batch committed
    /// (for [`crate::timing`]).
    pub fn write_timed<R, E, F>(
        &self,
        f: F,
    ) -> impl Future<Output = (Result<R, E>, Option<WriteTiming>)> + Send + 'static
    where
        R: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<R, E> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: BoxedJob = Box::new(TypedJob::new(f, reply));
        let queued = self.inner.queue.send(job).is_ok();
        async move {
            if !queued {
                return (Err(Error::Closed.into()), None);
            }
            answer
                .await
                .unwrap_or_else(|_| (Err(Error::other("the writer thread stopped").into()), None))
        }
    }

    /// How many transactions the writer thread committed, and how many writes they held.
    pub fn write_stats(&self) -> WriteStats {
        self.inner.stats.snapshot()
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

    /// Closes the connections (the writer's, last, checkpoints the WAL). Later calls fail.
    pub fn close(&self) -> Result<(), rusqlite::Error> {
        self.inner.checkpointer.stop()?;
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

/// The write-ahead log is cut back to this size when it starts over (bytes).
const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

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

    fn new_report(id: &str) -> reports::NewReport {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really an image";
        reports::NewReport {
            id: id.to_owned(),
            report_json: format!(r#"{{"id":"{id}"}}"#),
            captured_at: "2026-12-01T10:00:00.000Z".into(),
            page_url: "https://x.com/a".into(),
            page_title: "Titre".into(),
            site: None,
            reporter_name: "Marie".into(),
            reporter_email: "marie@example.org".into(),
            category: None,
            note: None,
            screenshot: bytes::Bytes::from_static(PNG),
            screenshot_sha256: sha256_hex(PNG),
        }
    }

    #[tokio::test]
    async fn waiting_writes_share_one_transaction_in_order_and_a_failing_one_is_refused_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open");
        let before = store.write_stats();
        // While the writer connection is held, every write below waits in the queue.
        let held = lock(&store.inner.writer);
        let writes: Vec<_> = (0..12)
            .map(|index| {
                store.write(move |tx| -> Result<i64> {
                    match index {
                        // The id of report 2: refused, rolled back to its savepoint.
                        5 => reports::insert(tx, &new_report("r2"), &now_utc())
                            .map(|r| r.evidence_seq),
                        7 => panic!("a write that panics"),
                        _ => {
                            let receipt =
                                reports::insert(tx, &new_report(&format!("r{index}")), &now_utc())?;
                            Ok(receipt.evidence_seq)
                        }
                    }
                })
            })
            .collect();
        drop(held);
        let mut results = Vec::new();
        for write in writes {
            results.push(write.await);
        }

        let after = store.write_stats();
        assert_eq!(after.writes - before.writes, 12);
        // The writer may have taken the first write alone before the others were queued;
        // every later one waited for the same transaction.
        assert!(
            after.transactions - before.transactions <= 2,
            "{before:?} then {after:?}"
        );
        assert!(matches!(
            &results[5],
            Err(Error::Conflict {
                code: "report_exists",
                ..
            })
        ));
        assert!(matches!(&results[7], Err(Error::Other(_))));
        let seqs: Vec<i64> = results
            .iter()
            .enumerate()
            .filter(|(index, _)| ![5, 7].contains(index))
            .map(|(_, result)| *result.as_ref().expect("stored"))
            .collect();
        // In the order the writes were queued, one after the other.
        assert_eq!(seqs, (1..11).collect::<Vec<i64>>());

        store.close().expect("close");
        let conn = Connection::open(dir.path().join(DB_FILE)).expect("raw");
        assert_eq!(count_rows(&conn, "reports").expect("count"), 10);
        assert_eq!(count_rows(&conn, "evidence_log").expect("count"), 10);
        let chain = verify_evidence_chain(&conn).expect("verify");
        assert!(chain.is_intact(), "{chain:?}");
        assert_eq!(chain.entries, 10);
    }

    #[tokio::test]
    async fn a_failed_commit_answers_every_write_of_the_batch_with_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open");
        // The first write leaves a deferred foreign-key violation behind: the COMMIT itself
        // fails, so the second write of the same transaction must not be reported stored.
        let held = lock(&store.inner.writer);
        let first = store.write(|tx| -> Result<()> {
            tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
            tx.execute(
                "INSERT INTO screenshots (report_id, sha256, byte_length, png) VALUES ('missing', 'x', 1, x'00')",
                [],
            )?;
            Ok(())
        });
        let second = store.write(|tx| -> Result<i64> {
            Ok(reports::insert(tx, &new_report("r1"), &now_utc())?.evidence_seq)
        });
        drop(held);
        let (first, second) = (first.await, second.await);
        store.close().expect("close");
        let conn = Connection::open(dir.path().join(DB_FILE)).expect("raw");
        let stored = count_rows(&conn, "reports").expect("count");
        // Whether the two shared a transaction or not, nothing is answered stored that is not.
        assert_eq!(second.is_ok(), stored == 1, "{second:?}");
        assert!(first.is_err());
        assert_eq!(count_rows(&conn, "screenshots").expect("count"), stored);
    }

    #[tokio::test]
    async fn a_row_is_never_committed_without_its_file_even_if_it_was_removed_after_the_upload() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open");
        let mut report = new_report("r1");
        let sha = report.screenshot_sha256.clone();
        report.report_json = format!(r#"{{"id":"r1","screenshotSha256":"{sha}"}}"#);
        let path = screenshot_files::path_of(dir.path(), &sha).expect("path");
        store
            .store_screenshot_file(sha.clone(), report.screenshot.clone())
            .await
            .expect("the upload writes the file");
        assert!(path.exists());
        // An erasure of an identical screenshot, between the upload's file and its row: no
        // row names the file yet, so it goes.
        let removed = store
            .remove_unreferenced_screenshot_files(vec![sha.clone()])
            .await
            .expect("removal");
        assert_eq!(removed, 1);
        assert!(!path.exists());
        // The insert finds it missing and writes it again before its row commits.
        store
            .write(move |tx| reports::insert(tx, &report, &now_utc()))
            .await
            .expect("stored");
        assert!(path.exists());
        // Named by a row now: a removal leaves it, and it verifies.
        let removed = store
            .remove_unreferenced_screenshot_files(vec![sha.clone()])
            .await
            .expect("removal");
        assert_eq!(removed, 0);
        let shot = store
            .read(|tx| reports::screenshot(tx, "r1"))
            .await
            .expect("verifies");
        assert_eq!(shot.sha256, sha);
        store.close().expect("close");
    }

    #[test]
    fn timestamps_are_utc_microseconds() {
        let at = OffsetDateTime::from_unix_timestamp(0).expect("epoch");
        assert_eq!(format_utc(at), "1970-01-01T00:00:00.000000Z");
    }
}
