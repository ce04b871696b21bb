//! Per-stage timing of report uploads, for the load benchmark (`cargo xtask load`): off
//! unless the companion starts with `BALISE_STAGE_TIMING=1`; then each upload's time is
//! split into stages (before the handler, body, JSON, PNG check, hashing, the writer's
//! queue and batch, the commit, the wake-up) kept in memory, and a summary is printed on
//! standard output, lines starting with `stage-timing:`, when the server stops.
//!
//! Off, it costs one relaxed atomic load per upload: no clock is read and nothing is kept.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::store::WriteTiming;

/// The environment variable that turns the timing on (`1`).
pub const ENV: &str = "BALISE_STAGE_TIMING";

/// The stages of one upload, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// From the request's arrival (headers read) to the handler: routing, Host, Origin and
    /// token checks, the write-rate bucket.
    BeforeHandler,
    /// Receiving the body and splitting its multipart parts (and, since the screenshot is
    /// hashed while it arrives, its SHA-256).
    Body,
    /// Parsing and validating the report's JSON.
    Json,
    /// The PNG check.
    Png,
    /// SHA-256 of the screenshot, when it is not hashed while it arrives.
    ScreenshotHash,
    /// The idempotency hash and the row to insert.
    Prepare,
    /// Writing the screenshot's file and its `fsync`s (file and directory), before the row
    /// is queued.
    ScreenshotFile,
    /// In the writer's queue while the batches before its own ran (with their checkpoints).
    Queue,
    /// In its own batch, while the writes before it in that batch ran.
    BatchBefore,
    /// Its own statements (the evidence entry, the rows, the screenshot, the idempotency row).
    Statements,
    /// The writes after it in its batch.
    BatchAfter,
    /// `COMMIT`: the log's `fsync`.
    Commit,
    /// The writer answering the writes before it in the batch.
    Answer,
    /// From the writer's answer to the handler running again.
    Wakeup,
    /// Building the response.
    Respond,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 15] = [
        Stage::BeforeHandler,
        Stage::Body,
        Stage::Json,
        Stage::Png,
        Stage::ScreenshotHash,
        Stage::Prepare,
        Stage::ScreenshotFile,
        Stage::Queue,
        Stage::BatchBefore,
        Stage::Statements,
        Stage::BatchAfter,
        Stage::Commit,
        Stage::Answer,
        Stage::Wakeup,
        Stage::Respond,
    ];

    /// Its name in the summary.
    pub fn name(self) -> &'static str {
        match self {
            Stage::BeforeHandler => "before handler",
            Stage::Body => "body (receive + multipart)",
            Stage::Json => "report JSON",
            Stage::Png => "PNG check",
            Stage::ScreenshotHash => "screenshot SHA-256",
            Stage::Prepare => "idempotency hash + row",
            Stage::ScreenshotFile => "screenshot file (write + fsyncs)",
            Stage::Queue => "writer queue",
            Stage::BatchBefore => "batch: writes before",
            Stage::Statements => "own statements",
            Stage::BatchAfter => "batch: writes after",
            Stage::Commit => "COMMIT (fsync)",
            Stage::Answer => "batch: answers before",
            Stage::Wakeup => "wake-up",
            Stage::Respond => "response",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

const STAGES: usize = Stage::ALL.len();

/// When a request arrived, put in its extensions by the accept loop when timing is on.
#[derive(Debug, Clone, Copy)]
pub struct Arrived(pub Instant);

/// One upload's stages and its write batch's size.
#[derive(Debug, Clone, Copy)]
struct Record {
    stages: [Duration; STAGES],
    batch_len: usize,
}

/// What the writer did besides batches: its catch-up checkpoints.
#[derive(Debug, Default)]
struct CatchUps {
    count: u64,
    total: Duration,
    longest: Duration,
}

static ENABLED: OnceLock<bool> = OnceLock::new();
static ON: AtomicBool = AtomicBool::new(false);
static RECORDS: Mutex<Vec<Record>> = Mutex::new(Vec::new());
static CATCH_UPS: Mutex<CatchUps> = Mutex::new(CatchUps {
    count: 0,
    total: Duration::ZERO,
    longest: Duration::ZERO,
});

/// Reads [`ENV`] once (at start-up); later calls change nothing.
pub fn init_from_env() {
    let on = *ENABLED.get_or_init(|| std::env::var(ENV).is_ok_and(|value| value == "1"));
    ON.store(on, Ordering::Relaxed);
}

/// Whether timing is on.
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The clock of one upload: each [`UploadClock::mark`] closes a stage.
#[derive(Debug)]
pub struct UploadClock {
    last: Option<Instant>,
    record: Record,
}

impl UploadClock {
    /// Starts at the handler's entry; `arrived` is the request's [`Arrived`] stamp, if any.
    pub fn start(arrived: Option<Arrived>) -> Self {
        let mut clock = Self {
            last: None,
            record: Record {
                stages: [Duration::ZERO; STAGES],
                batch_len: 0,
            },
        };
        if enabled() {
            let now = Instant::now();
            if let Some(Arrived(at)) = arrived {
                clock.record.stages[Stage::BeforeHandler.index()] =
                    now.saturating_duration_since(at);
            }
            clock.last = Some(now);
        }
        clock
    }

    /// Ends `stage` now.
    pub fn mark(&mut self, stage: Stage) {
        if let Some(last) = self.last {
            let now = Instant::now();
            self.record.stages[stage.index()] += now.saturating_duration_since(last);
            self.last = Some(now);
        }
    }

    /// The writer's stages of this upload's write, ending now (the handler runs again).
    pub fn write(&mut self, timing: Option<WriteTiming>) {
        let (Some(last), Some(timing)) = (self.last, timing) else {
            return;
        };
        let now = Instant::now();
        let span = |from: Instant, to: Instant| to.saturating_duration_since(from);
        let stages = &mut self.record.stages;
        stages[Stage::Queue.index()] += span(last, timing.batch_began);
        stages[Stage::BatchBefore.index()] += span(timing.batch_began, timing.started);
        stages[Stage::Statements.index()] += span(timing.started, timing.ran);
        stages[Stage::BatchAfter.index()] += span(timing.ran, timing.commit_began);
        stages[Stage::Commit.index()] += span(timing.commit_began, timing.committed);
        stages[Stage::Answer.index()] += span(timing.committed, timing.answered);
        stages[Stage::Wakeup.index()] += span(timing.answered, now);
        self.record.batch_len = timing.batch_len;
        self.last = Some(now);
    }

    /// Ends the last stage ([`Stage::Respond`]) and keeps the record.
    pub fn finish(mut self) {
        if self.last.is_none() {
            return;
        }
        self.mark(Stage::Respond);
        RECORDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(self.record);
    }
}

/// The writer finished a catch-up checkpoint that took `took`.
pub fn note_catch_up(took: Duration) {
    if !enabled() {
        return;
    }
    let mut catch_ups = CATCH_UPS.lock().unwrap_or_else(PoisonError::into_inner);
    catch_ups.count += 1;
    catch_ups.total += took;
    catch_ups.longest = catch_ups.longest.max(took);
}

/// The summary's lines (empty when timing is off or nothing was uploaded).
pub fn summary() -> Vec<String> {
    if !enabled() {
        return Vec::new();
    }
    let records = RECORDS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    if records.is_empty() {
        return Vec::new();
    }
    let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
    let total = |record: &Record| record.stages.iter().sum::<Duration>();
    let mut totals: Vec<Duration> = records.iter().map(total).collect();
    totals.sort();
    let p99_total = percentile(&totals, 0.99);
    let slowest: Vec<&Record> = records
        .iter()
        .filter(|record| total(record) >= p99_total)
        .collect();
    let mut lines = vec![format!(
        "stage-timing: {} uploads; ms per stage: mean, p50, p95, p99, max | mean over the slowest {} (server total >= its p99)",
        records.len(),
        slowest.len()
    )];
    for stage in Stage::ALL {
        let mut values: Vec<Duration> = records
            .iter()
            .map(|record| record.stages[stage.index()])
            .collect();
        values.sort();
        let slow_mean = ms(slowest
            .iter()
            .map(|record| record.stages[stage.index()])
            .sum::<Duration>())
            / slowest.len().max(1) as f64;
        lines.push(format!(
            "stage-timing: {:<28} {:8.2} {:8.2} {:8.2} {:8.2} {:8.2} | {:8.2}",
            stage.name(),
            ms(mean(&values)),
            ms(percentile(&values, 0.50)),
            ms(percentile(&values, 0.95)),
            ms(percentile(&values, 0.99)),
            ms(percentile(&values, 1.0)),
            slow_mean
        ));
    }
    let slow_total = ms(slowest.iter().map(|record| total(record)).sum::<Duration>())
        / slowest.len().max(1) as f64;
    lines.push(format!(
        "stage-timing: {:<28} {:8.2} {:8.2} {:8.2} {:8.2} {:8.2} | {:8.2}",
        "server total",
        ms(mean(&totals)),
        ms(percentile(&totals, 0.50)),
        ms(percentile(&totals, 0.95)),
        p99_total.as_secs_f64() * 1000.0,
        ms(percentile(&totals, 1.0)),
        slow_total
    ));
    let mut batches: Vec<usize> = records.iter().map(|record| record.batch_len).collect();
    batches.sort_unstable();
    let slow_batch = slowest.iter().map(|record| record.batch_len).sum::<usize>() as f64
        / slowest.len().max(1) as f64;
    lines.push(format!(
        "stage-timing: write batch size (writes per transaction, seen by each upload): mean {:.1}, p50 {}, max {} | {:.1}",
        batches.iter().sum::<usize>() as f64 / batches.len() as f64,
        batches[batches.len() / 2],
        batches[batches.len() - 1],
        slow_batch
    ));
    let catch_ups = CATCH_UPS.lock().unwrap_or_else(PoisonError::into_inner);
    lines.push(format!(
        "stage-timing: writer catch-up checkpoints (writes waiting): {}, {:.1} ms in all, longest {:.1} ms",
        catch_ups.count,
        ms(catch_ups.total),
        ms(catch_ups.longest)
    ));
    lines
}

fn mean(values: &[Duration]) -> Duration {
    let count = u32::try_from(values.len()).unwrap_or(u32::MAX).max(1);
    values.iter().sum::<Duration>() / count
}

/// The `q` quantile of sorted `values` (nearest rank).
fn percentile(values: &[Duration], q: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&values, 0.50), Duration::from_millis(50));
        assert_eq!(percentile(&values, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&values, 1.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn a_clock_reads_nothing_while_timing_is_off() {
        // The environment variable is not set in tests.
        init_from_env();
        let mut clock = UploadClock::start(Some(Arrived(Instant::now())));
        clock.mark(Stage::Body);
        assert!(clock.last.is_none());
        assert_eq!(clock.record.stages[Stage::Body.index()], Duration::ZERO);
    }
}
