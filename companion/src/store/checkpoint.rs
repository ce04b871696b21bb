//! Checkpoints of the write-ahead log off the request path: a background thread with its
//! own connection copies committed pages into the database file (`PASSIVE`, which never
//! waits for or blocks a writer) once enough have piled up, and truncates the log
//! (`TRUNCATE`) once writes have stopped for a moment.
//!
//! The writer connection runs with `wal_autocheckpoint = 0`, so no request's commit pays
//! for a checkpoint any more. Durability is not touched: a page is in the log, made durable
//! by its commit's `fsync`, before any checkpoint copies it, and a checkpoint `fsync`s the
//! database file before the log may start over. The writer learns how long the log is from
//! SQLite's WAL hook after each commit ([`Checkpointer::note_commit`]).

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// Frames (pages) committed but not yet copied that start a background `PASSIVE`
/// checkpoint: SQLite's own auto-checkpoint threshold, about 4 MiB.
pub const CHECKPOINT_PAGES: i64 = 1000;

/// A log this long (frames, about 32 MiB) makes the writer finish the copy itself between
/// two transactions: under a steady stream of writes the background checkpoint is always a
/// little behind, and the log only starts over from its beginning when a transaction starts
/// with every frame copied.
pub const WRITER_CATCH_UP_PAGES: i64 = 8192;

/// How long writes must have stopped before the log is truncated to zero bytes.
pub const IDLE_TRUNCATE: Duration = Duration::from_secs(1);

/// How long the background waits after a `PASSIVE` checkpoint that could not copy
/// everything (a reader on an older snapshot) before trying again.
const RETRY: Duration = Duration::from_millis(100);

/// How long the checkpoint connection waits for a lock (a `TRUNCATE` waits for the writer
/// to finish its transaction).
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// The background checkpointer and what it knows of the log.
#[derive(Debug)]
pub struct Checkpointer {
    state: Mutex<State>,
    wake: Condvar,
    conn: Mutex<Option<Connection>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Debug, Default)]
struct State {
    /// Frames in the log after the last commit (the WAL hook's count).
    wal_frames: i64,
    /// Frames the last checkpoint had copied.
    backfilled: i64,
    /// Commits seen, to tell whether one happened during a `TRUNCATE`.
    commits: u64,
    /// The number of commits the last successful `TRUNCATE` had seen.
    truncated_at: u64,
    /// When the last commit happened.
    last_commit: Option<Instant>,
    /// No background `PASSIVE` before this.
    not_before: Option<Instant>,
    /// The store is closing.
    stop: bool,
}

impl State {
    /// Frames committed and not yet copied into the database file.
    fn pending(&self) -> i64 {
        if self.wal_frames < self.backfilled {
            // The log started over since the last checkpoint.
            self.wal_frames
        } else {
            self.wal_frames - self.backfilled
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Passive,
    Truncate { commits: u64 },
}

impl Checkpointer {
    /// A checkpointer on `conn` (its own connection to the database); [`Checkpointer::start`] runs it.
    pub fn new(conn: Connection) -> rusqlite::Result<Self> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(Self {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            conn: Mutex::new(Some(conn)),
            thread: Mutex::new(None),
        })
    }

    /// Starts the background thread.
    pub fn start(self: &Arc<Self>) -> std::io::Result<()> {
        let this = Arc::clone(self);
        let handle = std::thread::Builder::new()
            .name("balise-checkpoint".to_owned())
            .spawn(move || this.run())?;
        *guard(&self.thread) = Some(handle);
        Ok(())
    }

    /// Called from the writer's WAL hook after each commit: the log now holds `frames`.
    pub fn note_commit(&self, frames: i64) {
        let mut state = guard(&self.state);
        state.wal_frames = frames;
        state.commits = state.commits.wrapping_add(1);
        state.last_commit = Some(Instant::now());
        drop(state);
        self.wake.notify_one();
    }

    /// Whether the log is so long that the writer should finish the copy itself.
    pub fn writer_should_catch_up(&self) -> bool {
        guard(&self.state).wal_frames >= WRITER_CATCH_UP_PAGES
    }

    /// A `PASSIVE` checkpoint on the writer's connection, between two of its transactions.
    pub fn passive_on(&self, writer: &Connection) {
        // A checkpoint already running holds SQLite's checkpoint lock, and a second one
        // would give up at once (`PASSIVE` does not wait): wait for the background's to end
        // and keep it from starting another meanwhile.
        let _background = guard(&self.conn);
        match checkpoint(writer, "PASSIVE") {
            Ok((_, log, copied)) => self.copied(log, copied),
            Err(error) => tracing::warn!(%error, "checkpoint on the writer failed"),
        }
    }

    /// Stops the background thread, waits for it, and closes its connection.
    pub fn stop(&self) -> Result<(), rusqlite::Error> {
        self.signal_stop();
        let handle = guard(&self.thread).take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
        let conn = guard(&self.conn).take();
        if let Some(conn) = conn {
            conn.close().map_err(|(_, error)| error)?;
        }
        Ok(())
    }

    /// Tells the background thread to end, without waiting for it.
    pub fn signal_stop(&self) {
        guard(&self.state).stop = true;
        self.wake.notify_one();
    }

    fn run(&self) {
        while let Some(mode) = self.next() {
            let conn = guard(&self.conn);
            let Some(conn) = conn.as_ref() else {
                return;
            };
            match mode {
                Mode::Passive => match checkpoint(conn, "PASSIVE") {
                    Ok((_, log, copied)) => self.copied(log, copied),
                    Err(error) => {
                        tracing::warn!(%error, "background checkpoint failed");
                        guard(&self.state).not_before = Some(Instant::now() + RETRY);
                    }
                },
                Mode::Truncate { commits } => match checkpoint(conn, "TRUNCATE") {
                    Ok((0, _, _)) => {
                        let mut state = guard(&self.state);
                        state.truncated_at = commits;
                        if state.commits == commits {
                            state.wal_frames = 0;
                            state.backfilled = 0;
                        }
                    }
                    // A reader or the writer was busy: try again after another idle moment.
                    Ok(_) => guard(&self.state).last_commit = Some(Instant::now()),
                    Err(error) => {
                        tracing::warn!(%error, "truncating the write-ahead log failed");
                        guard(&self.state).last_commit = Some(Instant::now());
                    }
                },
            }
        }
    }

    /// Waits for something to do; `None` once stopped.
    fn next(&self) -> Option<Mode> {
        let mut state = guard(&self.state);
        loop {
            if state.stop {
                return None;
            }
            let now = Instant::now();
            let mut wait: Option<Duration> = None;
            if state.pending() >= CHECKPOINT_PAGES {
                match state.not_before {
                    Some(at) if at > now => wait = Some(at - now),
                    _ => return Some(Mode::Passive),
                }
            }
            if state.commits != state.truncated_at
                && let Some(last) = state.last_commit
            {
                let idle = now.saturating_duration_since(last);
                if idle >= IDLE_TRUNCATE {
                    return Some(Mode::Truncate {
                        commits: state.commits,
                    });
                }
                let left = IDLE_TRUNCATE - idle;
                wait = Some(wait.map_or(left, |other| other.min(left)));
            }
            state = match wait {
                Some(timeout) => {
                    self.wake
                        .wait_timeout(state, timeout)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }

    /// Records what a `PASSIVE` checkpoint copied.
    fn copied(&self, log: i64, copied: i64) {
        let mut state = guard(&self.state);
        if log >= 0 && copied >= 0 {
            state.backfilled = copied;
        }
        state.not_before = (copied < log).then(|| Instant::now() + RETRY);
    }
}

/// `PRAGMA wal_checkpoint(MODE)`: (busy, frames in the log, frames copied).
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
    })
}

fn guard<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
