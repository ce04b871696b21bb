//! `cargo xtask crash`: reports sent concurrently to the real companion while it is killed
//! with SIGKILL at random moments and restarted on the same data directory; clients resend
//! what was not acknowledged (same key, same bytes). Afterwards every acknowledged report is
//! stored exactly once with its screenshot and receipt, and `verify` finds the chain intact.
//!
//! The kills are spread over the run by progress (kill `k` of `K` once about `k/(K+1)` of
//! the reports are acknowledged, then a random 0–20 ms later), so each lands while reports
//! are in flight however fast the companion stores them; a run in which a kill did not
//! land fails rather than passing without crashes.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::stress_client::{self, Client, Companion, Report, Rng};

/// How a crash run is shaped.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Reports to store.
    pub reports: usize,
    /// SIGKILLs to deliver while they are sent.
    pub kills: usize,
    /// Concurrent clients.
    pub clients: usize,
    /// Seed of the screenshots and kill times.
    pub seed: u64,
}

/// What a crash run did, for the summary and BENCHMARKS.md.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    /// Reports acknowledged (201 or 200) and found intact afterwards.
    pub reports: usize,
    /// Requests sent, resends included.
    pub requests: u64,
    /// Requests that got no answer (killed companion, reset connection).
    pub unanswered: u64,
    /// Answers `200`: a replay of a report whose `201` was lost.
    pub replays: u64,
    /// SIGKILLs delivered (each followed by a restart).
    pub kills: usize,
    /// Wall time.
    pub seconds: f64,
}

const USAGE: &str = "cargo xtask crash [--reports N] [--kills K] [--clients C] [--seed S]";

/// `cargo xtask crash [--reports N] [--kills K] [--clients C] [--seed S]`, on a debug build.
pub fn crash(root: &Path, args: &[String]) -> Result<()> {
    let mut options = Options {
        reports: 400,
        kills: 20,
        clients: 16,
        seed: Rng::clock_seed(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{arg} needs a value ({USAGE})"))
        };
        match arg.as_str() {
            "--reports" => options.reports = value()?.parse()?,
            "--kills" => options.kills = value()?.parse()?,
            "--clients" => options.clients = value()?.parse()?,
            "--seed" => options.seed = value()?.parse()?,
            other => bail!("unknown option `{other}` ({USAGE})"),
        }
    }
    let binary = stress_client::build_companion(root, false)?;
    run(root, &binary, options)?;
    Ok(())
}

/// The acknowledged receipt of one report: what the `201` (or its replay) said.
#[derive(Debug, Clone)]
struct Receipt {
    evidence_seq: i64,
    entry_hash: String,
}

/// Runs one crash test with `binary` and checks the data directory afterwards.
pub fn run(root: &Path, binary: &Path, options: Options) -> Result<Summary> {
    println!(
        "==> crash test: {} reports, {} concurrent clients, {} SIGKILLs spread over the run at random moments (seed {})",
        options.reports, options.clients, options.kills, options.seed
    );
    let data_dir = stress_client::fresh_data_dir(root, "crash")?;
    let port = stress_client::free_port()?;
    let started = Instant::now();
    let companion = Companion::start(binary, &data_dir, port)?;
    let token = stress_client::api_token(binary, &data_dir)?;
    let mut rng = Rng::new(options.seed);
    // Small but real screenshots, taken in turns: the crash test is about the moments, not
    // the bytes. Each report has its own id, JSON and stored copy.
    let screenshots = (0..16)
        .map(|_| stress_client::screenshot_png(&mut rng, 20 * 1024).map(bytes::Bytes::from))
        .collect::<Result<Vec<_>>>()?;
    let queue: VecDeque<Report> = (0..options.reports)
        .map(|number| Report::new(screenshots[number % screenshots.len()].clone(), number))
        .collect();
    let reports: Vec<Report> = queue.iter().cloned().collect();
    let queue = Arc::new(Mutex::new(queue));
    let acks: Arc<Mutex<HashMap<String, Receipt>>> = Arc::default();
    // Reports acknowledged so far, for the killer's schedule.
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(AtomicU64::new(0));
    let unanswered = Arc::new(AtomicU64::new(0));
    let replays = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    // Set when the killer fails (a restart that does not come up): clients stop waiting.
    let abort = Arc::new(AtomicBool::new(false));

    let killer = {
        let (done, abort) = (Arc::clone(&done), Arc::clone(&abort));
        let acknowledged = Arc::clone(&acknowledged);
        let binary = binary.to_owned();
        let data_dir = data_dir.clone();
        let mut rng = Rng::new(options.seed ^ 0x6b69_6c6c);
        let (kills, reports) = (options.kills, options.reports);
        std::thread::spawn(move || -> Result<(Companion, usize)> {
            let mut companion = companion;
            let mut delivered = 0;
            while delivered < kills {
                // Kill number `delivered + 1` once its share of the reports is acknowledged.
                let due = reports * (delivered + 1) / (kills + 1);
                while acknowledged.load(Ordering::SeqCst) < due && !done.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                std::thread::sleep(Duration::from_millis(rng.range(0, 20)));
                if done.load(Ordering::SeqCst) {
                    break;
                }
                companion.kill()?;
                delivered += 1;
                // Down for a moment, as a person restarting it would leave it.
                std::thread::sleep(Duration::from_millis(rng.range(0, 150)));
                match Companion::start(&binary, &data_dir, port) {
                    Ok(restarted) => companion = restarted,
                    Err(error) => {
                        abort.store(true, Ordering::SeqCst);
                        return Err(error.context(format!(
                            "restarting the companion after SIGKILL number {delivered}"
                        )));
                    }
                }
            }
            Ok((companion, delivered))
        })
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let base_url = format!("http://127.0.0.1:{port}");
    let sent = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..options.clients {
            let client = Client::new(&base_url, &token, Duration::from_secs(10))?;
            let (queue, acks, abort) = (Arc::clone(&queue), Arc::clone(&acks), Arc::clone(&abort));
            let acknowledged = Arc::clone(&acknowledged);
            let (requests, unanswered, replays) = (
                Arc::clone(&requests),
                Arc::clone(&unanswered),
                Arc::clone(&replays),
            );
            tasks.push(tokio::spawn(async move {
                loop {
                    let next = queue
                        .lock()
                        .map_err(|_| anyhow::anyhow!("queue poisoned"))?
                        .pop_front();
                    let Some(report) = next else {
                        return anyhow::Ok(());
                    };
                    let give_up = Instant::now() + Duration::from_secs(120);
                    // The outbox's loop: the same bytes again until the companion acknowledges.
                    let receipt = loop {
                        requests.fetch_add(1, Ordering::Relaxed);
                        match client.upload(&report).await {
                            Ok(answer) if answer.status == 201 || answer.status == 200 => {
                                if answer.status == 200 {
                                    replays.fetch_add(1, Ordering::Relaxed);
                                }
                                break receipt_of(&report, &answer.body)?;
                            }
                            Ok(answer) => bail!(
                                "report {} was refused: HTTP {} {}",
                                report.id,
                                answer.status,
                                answer.body
                            ),
                            Err(_) if abort.load(Ordering::SeqCst) => {
                                bail!("stopped: the companion could not be restarted")
                            }
                            Err(_) if Instant::now() < give_up => {
                                unanswered.fetch_add(1, Ordering::Relaxed);
                                tokio::time::sleep(Duration::from_millis(25)).await;
                            }
                            Err(error) => bail!(
                                "report {} got no answer for two minutes: {error:#}",
                                report.id
                            ),
                        }
                    };
                    acks.lock()
                        .map_err(|_| anyhow::anyhow!("acknowledgements poisoned"))?
                        .insert(report.id.clone(), receipt);
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                }
            }));
        }
        let mut first_error = None;
        for task in tasks {
            let outcome = task.await.map_err(anyhow::Error::from).and_then(|r| r);
            if let Err(error) = outcome {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    });
    done.store(true, Ordering::SeqCst);
    let killed = killer
        .join()
        .map_err(|_| anyhow::anyhow!("the killer thread panicked"))?;
    let (companion, kills) = killed?;
    sent?;
    if kills < options.kills {
        bail!(
            "only {kills} of the {} SIGKILLs landed while reports were in flight: \
             the run did not test what it should",
            options.kills
        );
    }
    companion.stop()?;
    let seconds = started.elapsed().as_secs_f64();

    let verify_output = stress_client::verify(binary, &data_dir)?;
    let acks = acks
        .lock()
        .map_err(|_| anyhow::anyhow!("acknowledgements poisoned"))?
        .clone();
    check_store(&data_dir, &reports, &acks)?;
    let summary = Summary {
        reports: acks.len(),
        requests: requests.load(Ordering::Relaxed),
        unanswered: unanswered.load(Ordering::Relaxed),
        replays: replays.load(Ordering::Relaxed),
        kills,
        seconds,
    };
    println!(
        "crash test passed: {} reports acknowledged and each stored once with its screenshot; \
         {} requests sent ({} unanswered, {} replays answered 200); {} SIGKILLs survived; \
         {:.1} s; verify: {}",
        summary.reports,
        summary.requests,
        summary.unanswered,
        summary.replays,
        summary.kills,
        summary.seconds,
        verify_output.lines().next().unwrap_or_default()
    );
    Ok(summary)
}

/// The receipt in a `201` (or its `200` replay), which must name the report.
fn receipt_of(report: &Report, body: &serde_json::Value) -> Result<Receipt> {
    let field = |name: &str| {
        body.get(name)
            .with_context(|| format!("receipt of {} without {name}: {body}", report.id))
    };
    if field("id")?.as_str() != Some(report.id.as_str()) {
        bail!("receipt of {} names another report: {body}", report.id);
    }
    if field("screenshotSha256")?.as_str() != Some(report.screenshot_sha256.as_str()) {
        bail!(
            "receipt of {} has another screenshot hash: {body}",
            report.id
        );
    }
    Ok(Receipt {
        evidence_seq: field("evidenceSeq")?
            .as_i64()
            .with_context(|| format!("evidenceSeq is not a number: {body}"))?,
        entry_hash: field("entryHash")?
            .as_str()
            .with_context(|| format!("entryHash is not a string: {body}"))?
            .to_owned(),
    })
}

/// Reads the SQLite file: every report acknowledged once, its screenshot's bytes hashing
/// to what was sent, one `report_received` entry, the one its receipt named, and nothing else.
fn check_store(data_dir: &Path, reports: &[Report], acks: &HashMap<String, Receipt>) -> Result<()> {
    let path = data_dir.join("balise.sqlite3");
    let db =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("opening {}", path.display()))?;
    if acks.len() != reports.len() {
        bail!(
            "{} of {} reports were acknowledged",
            acks.len(),
            reports.len()
        );
    }
    let stored: i64 = db.query_row("SELECT COUNT(*) FROM reports", [], |row| row.get(0))?;
    if stored != reports.len() as i64 {
        bail!(
            "the database holds {stored} reports, {} were sent",
            reports.len()
        );
    }
    for report in reports {
        let receipt = acks
            .get(&report.id)
            .with_context(|| format!("report {} was never acknowledged", report.id))?;
        let mut rows = db.prepare_cached(
            "SELECT r.screenshot_sha256, s.sha256, s.png FROM reports r \
             JOIN screenshots s ON s.report_id = r.id WHERE r.id = ?1",
        )?;
        let found: Vec<(String, String, Option<Vec<u8>>)> = rows
            .query_map([&report.id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let [(declared, recorded, png)] = found.as_slice() else {
            bail!(
                "report {} is stored {} times with its screenshot, not once",
                report.id,
                found.len()
            );
        };
        // The screenshot's file, named by the row's hash (a row without bytes names one).
        let png = match png {
            Some(png) => png.clone(),
            None => screenshot_file(data_dir, recorded)
                .with_context(|| format!("report {}'s screenshot file is missing", report.id))?,
        };
        let actual = balise_core::digest::sha256_hex(&png);
        if actual != report.screenshot_sha256
            || *declared != report.screenshot_sha256
            || *recorded != report.screenshot_sha256
            || png.as_slice() != &report.png[..]
        {
            bail!("report {}'s stored screenshot does not verify", report.id);
        }
        let entries: i64 = db.query_row(
            "SELECT COUNT(*) FROM evidence_log WHERE kind = 'report_received' AND subject = ?1",
            [&report.id],
            |row| row.get(0),
        )?;
        if entries != 1 {
            bail!("report {} has {entries} report_received entries", report.id);
        }
        let (subject, entry_hash): (String, String) = db.query_row(
            "SELECT subject, entry_hash FROM evidence_log WHERE seq = ?1",
            [receipt.evidence_seq],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        if subject != report.id || entry_hash != receipt.entry_hash {
            bail!(
                "report {}'s receipt named entry {} ({}), which the log holds for {subject} ({entry_hash})",
                report.id,
                receipt.evidence_seq,
                receipt.entry_hash
            );
        }
        let keys: i64 = db.query_row(
            "SELECT COUNT(*) FROM idempotency WHERE key = ?1",
            [&report.id],
            |row| row.get(0),
        )?;
        if keys != 1 {
            bail!(
                "report {}'s Idempotency-Key is stored {keys} times",
                report.id
            );
        }
    }
    Ok(())
}

/// The bytes of the screenshot file `evidence/ab/cdef…` named by `sha256`.
fn screenshot_file(data_dir: &Path, sha256: &str) -> Result<Vec<u8>> {
    if sha256.len() != 64 || !sha256.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        bail!("{sha256:?} is not a SHA-256");
    }
    let path = data_dir
        .join("evidence")
        .join(&sha256[..2])
        .join(&sha256[2..]);
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}
