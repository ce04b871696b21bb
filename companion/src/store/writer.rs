//! Group commit: the one writer thread that runs every [`Store::write`](super::Store::write)
//! waiting in its queue in one SQLite transaction, each in its own savepoint, and answers
//! each only after that transaction committed.
//!
//! Why: with `synchronous=FULL` every commit costs an `fsync` of the write-ahead log, and a
//! report is about 300 KB. One transaction per write made concurrent uploads queue behind
//! one `fsync` each; a batch pays one `fsync` for all the writes that arrived while the
//! previous batch was committing.
//!
//! What it keeps:
//! - order: writes run in the order [`Store::write`](super::Store::write) queued them, so
//!   evidence entries are appended in arrival order, each chained to the one before;
//! - isolation: a write whose closure fails (a duplicate id, a rule broken, a panic) is
//!   rolled back to its savepoint alone; the others in its batch are committed;
//! - durability: a caller gets `Ok` only after the `COMMIT` holding its write returned; if
//!   the commit fails, or SQLite rolls the whole transaction back by itself (disk full, I/O
//!   error), every write already run in that batch gets an error and none is stored, and
//!   the writes not yet run go into a fresh transaction.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::checkpoint::Checkpointer;
use super::{Error, lock};

/// The most writes one transaction takes: a bound on the memory a batch holds and on the
/// time its first caller waits.
pub const MAX_BATCH: usize = 64;

/// Savepoint wrapped around each write of a batch.
const SAVEPOINT: &str = "SAVEPOINT balise_write";
const RELEASE: &str = "RELEASE balise_write";
const ROLLBACK: &str = "ROLLBACK TO balise_write; RELEASE balise_write";

/// When one write went through the writer: stamps taken whatever the settings (a clock
/// read costs tens of nanoseconds against a write's milliseconds), read by
/// [`crate::timing`] when the load benchmark asks for stage timing.
#[derive(Debug, Clone, Copy)]
pub struct WriteTiming {
    /// Its batch's transaction began (after `BEGIN IMMEDIATE`).
    pub batch_began: Instant,
    /// Its own savepoint began.
    pub started: Instant,
    /// Its own work ended.
    pub ran: Instant,
    /// Its batch's `COMMIT` began.
    pub commit_began: Instant,
    /// That `COMMIT` returned.
    pub committed: Instant,
    /// Its answer was sent.
    pub answered: Instant,
    /// Writes in its batch.
    pub batch_len: usize,
}

/// What the writer knows of a batch when it answers its writes.
#[derive(Debug, Clone, Copy)]
pub struct BatchTimes {
    /// After `BEGIN IMMEDIATE`.
    pub began: Instant,
    /// Before `COMMIT`.
    pub commit_began: Instant,
    /// After `COMMIT`.
    pub committed: Instant,
    /// Writes in the batch.
    pub len: usize,
}

/// A write's outcome and, when its batch committed, its [`WriteTiming`].
pub type Reply<R, E> = (Result<R, E>, Option<WriteTiming>);

/// One queued write with its caller's reply channel, its result type erased.
pub trait Job: Send {
    /// Runs the write in `tx` (inside its savepoint); `true` if it succeeded and its
    /// changes are to be kept.
    fn run(&mut self, tx: &Transaction<'_>) -> bool;
    /// Answers the caller: `committed` is the fate of the batch's transaction, `times`
    /// its stamps when it committed.
    fn answer(self: Box<Self>, committed: Result<(), Error>, times: Option<BatchTimes>);
}

/// A [`Job`] for a closure returning `Result<R, E>`.
pub struct TypedJob<R, E, F> {
    work: Option<F>,
    result: Option<Result<R, E>>,
    /// When its work started and ended.
    ran: Option<(Instant, Instant)>,
    reply: tokio::sync::oneshot::Sender<Reply<R, E>>,
}

impl<R, E, F> TypedJob<R, E, F> {
    /// A job that will send its outcome on `reply`.
    pub fn new(work: F, reply: tokio::sync::oneshot::Sender<Reply<R, E>>) -> Self {
        Self {
            work: Some(work),
            result: None,
            ran: None,
            reply,
        }
    }
}

impl<R, E, F> Job for TypedJob<R, E, F>
where
    R: Send,
    E: From<Error> + Send,
    F: FnOnce(&Transaction<'_>) -> Result<R, E> + Send,
{
    fn run(&mut self, tx: &Transaction<'_>) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let started = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| work(tx)))
            .unwrap_or_else(|_| Err(E::from(Error::other("a write panicked"))));
        self.ran = Some((started, Instant::now()));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn answer(self: Box<Self>, committed: Result<(), Error>, times: Option<BatchTimes>) {
        let timing = match (self.ran, times) {
            (Some((started, ran)), Some(times)) => Some(WriteTiming {
                batch_began: times.began,
                started,
                ran,
                commit_began: times.commit_began,
                committed: times.committed,
                answered: Instant::now(),
                batch_len: times.len,
            }),
            _ => None,
        };
        let outcome = match (self.result, committed) {
            // Its own error: its savepoint was rolled back, whatever became of the batch.
            (Some(Err(error)), _) => Err(error),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Ok(_)) | None, Err(error)) => Err(E::from(error)),
            (None, Ok(())) => Err(E::from(Error::other("the write was not run"))),
        };
        // The caller may have gone (its request was cancelled): nothing to tell then.
        let _ = self.reply.send((outcome, timing));
    }
}

/// Counters of what the writer thread committed.
#[derive(Debug, Default)]
pub struct Stats {
    transactions: AtomicU64,
    writes: AtomicU64,
}

/// What the writer thread committed since the store was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    /// Transactions committed (one `fsync` of the log each).
    pub transactions: u64,
    /// Writes those transactions held, the refused ones included.
    pub writes: u64,
}

impl Stats {
    /// The counters now.
    pub fn snapshot(&self) -> WriteStats {
        WriteStats {
            transactions: self.transactions.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }
}

/// A queued write as the writer thread receives it.
pub type BoxedJob = Box<dyn Job>;

/// Starts the writer thread on `conn`; it ends when every sender is dropped.
pub fn spawn(
    conn: Arc<Mutex<Option<Connection>>>,
    checkpointer: Arc<Checkpointer>,
    stats: Arc<Stats>,
) -> std::io::Result<Sender<BoxedJob>> {
    let (sender, receiver) = std::sync::mpsc::channel::<BoxedJob>();
    std::thread::Builder::new()
        .name("balise-writer".to_owned())
        .spawn(move || run(&conn, &checkpointer, &stats, &receiver))?;
    Ok(sender)
}

fn run(
    conn: &Mutex<Option<Connection>>,
    checkpointer: &Checkpointer,
    stats: &Stats,
    receiver: &Receiver<BoxedJob>,
) {
    let mut pending: VecDeque<BoxedJob> = VecDeque::new();
    loop {
        if pending.is_empty() {
            match receiver.recv() {
                Ok(job) => pending.push_back(job),
                Err(_) => return,
            }
        }
        while pending.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => pending.push_back(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let take = pending.len().min(MAX_BATCH);
        let batch: Vec<BoxedJob> = pending.drain(..take).collect();
        let not_run = commit_batch(conn, checkpointer, stats, batch);
        // Writes a failed transaction did not reach go first in the next one, in order.
        for job in not_run.into_iter().rev() {
            pending.push_front(job);
        }
    }
}

/// Runs `batch` in one transaction and answers it; returns the writes that were not run
/// because SQLite gave the transaction up before reaching them.
fn commit_batch(
    conn: &Mutex<Option<Connection>>,
    checkpointer: &Checkpointer,
    stats: &Stats,
    mut batch: Vec<BoxedJob>,
) -> Vec<BoxedJob> {
    let mut guard = lock(conn);
    let Some(conn) = guard.as_mut() else {
        drop(guard);
        answer_all(batch, &Error::Closed);
        return Vec::new();
    };
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(error) => {
            answer_all(batch, &Error::from(error));
            return Vec::new();
        }
    };
    let began = Instant::now();
    let mut ran = 0;
    let mut aborted: Option<Error> = None;
    for job in &mut batch {
        if let Err(error) = tx.execute_batch(SAVEPOINT) {
            aborted = Some(error.into());
            break;
        }
        let ok = job.run(&tx);
        ran += 1;
        let end = tx.execute_batch(if ok { RELEASE } else { ROLLBACK });
        if let Err(error) = end {
            aborted = Some(error.into());
            break;
        }
        // SQLite rolls a whole transaction back by itself on some errors (disk full, I/O,
        // out of memory): what ran so far is gone, and a further statement would run outside
        // any transaction.
        if tx.is_autocommit() {
            aborted = Some(Error::other(
                "SQLite rolled the transaction back (disk full or I/O error)",
            ));
            break;
        }
    }
    let not_run = batch.split_off(ran);
    let commit_began = Instant::now();
    let committed = match aborted {
        Some(error) => {
            drop(tx);
            Err(error)
        }
        None => tx.commit().map_err(Error::from),
    };
    let times = BatchTimes {
        began,
        commit_began,
        committed: Instant::now(),
        len: batch.len(),
    };
    match &committed {
        Ok(()) => {
            stats.transactions.fetch_add(1, Ordering::Relaxed);
            stats.writes.fetch_add(
                u64::try_from(batch.len()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
            for job in batch {
                job.answer(Ok(()), Some(times));
            }
        }
        Err(error) => {
            tracing::error!(%error, writes = batch.len(), "a batch of writes was not committed");
            answer_all(batch, error);
        }
    }
    if committed.is_ok() && checkpointer.writer_should_catch_up() {
        // Only after the batch was answered. The background checkpoints cannot keep up
        // under a steady stream of writes (the log only starts over when it is fully
        // copied at the start of a transaction): finish the copy here, between two
        // transactions, so the next one starts the log over. Only the frames the
        // background has not copied yet are left to copy.
        let catch_up = Instant::now();
        checkpointer.passive_on(conn);
        crate::timing::note_catch_up(catch_up.elapsed());
    }
    drop(guard);
    not_run
}

fn answer_all(batch: Vec<BoxedJob>, error: &Error) {
    for job in batch {
        job.answer(Err(copy(error)), None);
    }
}

/// The same failure for another caller of the batch (store errors are not `Clone`).
fn copy(error: &Error) -> Error {
    match error {
        Error::Closed => Error::Closed,
        other => Error::other(other.to_string()),
    }
}
