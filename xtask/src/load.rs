//! `cargo xtask load`: reports with realistic screenshots (about 300 KB of PNG that does not
//! compress away) from concurrent clients against the real companion, in two runs on the
//! same data directory: a closed loop (each client sends its next report when the last is
//! answered: the saturation throughput and its latencies) and an open loop (reports arrive
//! at a fixed mean rate, Poisson arrivals, whatever the answers: the latency at that load).
//! Prints reports per second, latency percentiles for each, the companion's memory, the
//! disk's raw limit measured in the same run (sequential writes of the same bytes with an
//! fsync each), and the companion's own per-stage timing of each upload
//! (`BALISE_STAGE_TIMING=1`).

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use bytes::Bytes;

use crate::stress_client::{self, Client, Companion, Report, Rng};

/// How a load run is shaped.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Reports to send.
    pub reports: usize,
    /// Concurrent clients.
    pub clients: usize,
    /// Approximate size of each screenshot, in bytes.
    pub screenshot_bytes: usize,
}

/// The open-loop run that follows the closed one.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenLoop {
    /// Reports it sends (default: as many as the closed loop).
    pub reports: Option<usize>,
    /// Their mean arrival rate, reports per second (default: half the closed loop's
    /// throughput).
    pub rate: Option<f64>,
}

/// Latencies of one run, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Latencies {
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// The longest.
    pub max_ms: f64,
}

impl Latencies {
    fn of(mut latencies: Vec<Duration>) -> Self {
        latencies.sort();
        let percentile = |q: f64| -> f64 {
            let rank =
                ((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len().max(1));
            latencies
                .get(rank - 1)
                .map_or(0.0, |latency| latency.as_secs_f64() * 1000.0)
        };
        Self {
            p50_ms: percentile(0.50),
            p95_ms: percentile(0.95),
            p99_ms: percentile(0.99),
            max_ms: percentile(1.0),
        }
    }

    fn line(&self) -> String {
        format!(
            "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms (aim: p99 under 50 ms: {})",
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.max_ms,
            if self.p99_ms < 50.0 { "met" } else { "not met" }
        )
    }
}

/// What a load run measured.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// Reports stored by the closed loop (each answered 201).
    pub reports: usize,
    /// Closed loop: stored reports per second, over the whole run (the saturation throughput).
    pub per_second: f64,
    /// Closed loop: latencies, send to answer.
    pub closed: Latencies,
    /// Open loop: reports sent.
    pub open_reports: usize,
    /// Open loop: the mean arrival rate asked for, reports per second.
    pub open_rate: f64,
    /// Open loop: latencies, from each report's scheduled arrival to its answer.
    pub open: Latencies,
    /// The companion's resident memory before the run, in KiB.
    pub idle_rss_kib: u64,
    /// Its peak resident memory (VmHWM) over the closed loop, in KiB.
    pub peak_rss_kib: u64,
    /// Sequential `write` + `fdatasync` of one report's bytes per second, in the data dir.
    pub disk_writes_per_second: f64,
}

const USAGE: &str =
    "cargo xtask load [--reports N] [--clients C] [--open-reports M] [--rate R] [--debug]";

/// `cargo xtask load [--reports N] [--clients C] [--open-reports M] [--rate R] [--debug]`:
/// a release build unless `--debug`.
pub fn load(root: &Path, args: &[String]) -> Result<()> {
    let mut options = Options {
        reports: 1000,
        clients: 20,
        screenshot_bytes: 300 * 1024,
    };
    let mut open = OpenLoop::default();
    let mut release = true;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{arg} needs a value ({USAGE})"))
        };
        match arg.as_str() {
            "--reports" => options.reports = value()?.parse()?,
            "--clients" => options.clients = value()?.parse()?,
            "--open-reports" => open.reports = Some(value()?.parse()?),
            "--rate" => open.rate = Some(value()?.parse()?),
            "--debug" => release = false,
            other => bail!("unknown option `{other}` ({USAGE})"),
        }
    }
    let binary = stress_client::build_companion(root, release)?;
    run_with(root, &binary, options, open)?;
    Ok(())
}

/// Distinct pixel images the reports take turns with: encoding one per report would cost
/// more than sending it. Each report still gets bytes of its own
/// ([`stress_client::unique_png`]), so no two screenshots are identical (the companion
/// stores identical ones once).
const DISTINCT_SCREENSHOTS: usize = 8;

/// The companion's environment in these runs: its per-stage timing on.
const TIMING_ENV: &[(&str, &str)] = &[("BALISE_STAGE_TIMING", "1")];

/// Runs one load benchmark with `binary` (the open loop with its defaults); fails if a
/// report is not stored or the chain does not verify. Timings are printed, never judged.
pub fn run(root: &Path, binary: &Path, options: Options) -> Result<Summary> {
    run_with(root, binary, options, OpenLoop::default())
}

/// [`run`] with the open loop's shape.
pub fn run_with(root: &Path, binary: &Path, options: Options, open: OpenLoop) -> Result<Summary> {
    println!(
        "==> load: {} reports with ~{} KB screenshots from {} concurrent clients ({}); {}",
        options.reports,
        options.screenshot_bytes / 1024,
        options.clients,
        binary.display(),
        load_average()
    );
    let data_dir = stress_client::fresh_data_dir(root, "load")?;
    let mut rng = Rng::new(Rng::clock_seed());
    let screenshots = (0..DISTINCT_SCREENSHOTS)
        .map(|_| stress_client::screenshot_png(&mut rng, options.screenshot_bytes).map(Bytes::from))
        .collect::<Result<Vec<_>>>()?;
    let open_reports = open.reports.unwrap_or(options.reports);
    let reports: Arc<Vec<Report>> = Arc::new(
        (0..options.reports + open_reports)
            .map(|number| {
                let png =
                    stress_client::unique_png(&screenshots[number % screenshots.len()], number)?;
                Ok(Report::new(Bytes::from(png), number))
            })
            .collect::<Result<Vec<_>>>()?,
    );
    let average_bytes = reports.iter().map(Report::wire_len).sum::<usize>() / reports.len().max(1);

    let disk_writes_per_second = raw_disk_limit(&data_dir, &reports[..options.reports])?;

    let port = stress_client::free_port()?;
    let companion = Companion::start_with_env(binary, &data_dir, port, TIMING_ENV)?;
    let token = stress_client::api_token(binary, &data_dir)?;
    // Let start-up work (migrations, the policy entry, the mailer's first look) settle.
    std::thread::sleep(Duration::from_secs(1));
    let (idle_rss_kib, _) = companion.memory_kib()?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let clients = (0..options.clients)
        .map(|_| Client::new(&companion.base_url, &token, Duration::from_secs(30)))
        .collect::<Result<Vec<_>>>()?;

    // 1. Closed loop: the saturation throughput.
    let started = Instant::now();
    let latencies = runtime.block_on(closed_loop(&clients, &reports, 0..options.reports))?;
    let elapsed = started.elapsed().as_secs_f64();
    let (_, peak_rss_kib) = companion.memory_kib()?;
    let closed_timing = companion.stop_with_timing()?;
    let per_second = options.reports as f64 / elapsed;
    let closed = Latencies::of(latencies);
    let mib = |bytes: f64| bytes / (1024.0 * 1024.0);
    println!(
        "load, closed loop (each of {} clients sends its next report when the last is answered: \
         the saturation throughput; mean latency = clients / throughput):",
        options.clients
    );
    println!(
        "  {} reports stored ({} bytes each on average) in {elapsed:.2} s: {per_second:.1} reports/s \
         ({:.1} MiB/s of reports)",
        options.reports,
        average_bytes,
        mib(per_second * average_bytes as f64)
    );
    println!("  latency, send to answer: {}", closed.line());
    print_timing(&closed_timing);
    println!("  {}", load_average());

    // 2. Open loop: the latency at a fixed arrival rate below saturation.
    let open_rate = open.rate.unwrap_or(per_second / 2.0).max(0.1);
    let companion = Companion::start_with_env(binary, &data_dir, port, TIMING_ENV)?;
    std::thread::sleep(Duration::from_secs(1));
    let clients = (0..options.clients)
        .map(|_| Client::new(&companion.base_url, &token, Duration::from_secs(30)))
        .collect::<Result<Vec<_>>>()?;
    let arrivals = poisson_arrivals(&mut rng, open_reports, open_rate);
    let started = Instant::now();
    let (latencies, late) = runtime.block_on(open_loop(
        &clients,
        &reports,
        options.reports,
        Arc::new(arrivals),
    ))?;
    let open_elapsed = started.elapsed().as_secs_f64();
    let open_timing = companion.stop_with_timing()?;
    let open_latencies = Latencies::of(latencies);
    println!(
        "load, open loop ({} clients; reports arrive at {open_rate:.1} reports/s on average, Poisson, \
         whatever the answers; latency from each report's scheduled arrival, so a report waiting \
         for a free client counts its wait):",
        options.clients
    );
    println!(
        "  {open_reports} reports stored in {open_elapsed:.2} s ({:.1} reports/s); \
         arrivals that found every client busy: {late}",
        open_reports as f64 / open_elapsed
    );
    println!("  latency, arrival to answer: {}", open_latencies.line());
    print_timing(&open_timing);
    println!("  {}", load_average());

    stress_client::verify(binary, &data_dir)?;
    let db = rusqlite::Connection::open_with_flags(
        data_dir.join("balise.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    let stored: i64 = db.query_row(
        "SELECT COUNT(*) FROM reports r JOIN screenshots s ON s.report_id = r.id",
        [],
        |row| row.get(0),
    )?;
    let sent = options.reports + open_reports;
    if stored != sent as i64 {
        bail!("the database holds {stored} reports with screenshots, {sent} were stored");
    }

    let summary = Summary {
        reports: options.reports,
        per_second,
        closed,
        open_reports,
        open_rate,
        open: open_latencies,
        idle_rss_kib,
        peak_rss_kib,
        disk_writes_per_second,
    };
    println!(
        "  companion memory: idle {:.1} MiB before the run (aim: under 15 MiB), peak {:.1} MiB (closed loop)",
        summary.idle_rss_kib as f64 / 1024.0,
        summary.peak_rss_kib as f64 / 1024.0
    );
    println!(
        "  disk's raw limit, same bytes, write + fdatasync each, same filesystem: {:.1} writes/s \
         ({:.1} MiB/s); companion (closed loop) / disk = {:.2} (aim: at least 0.5)",
        summary.disk_writes_per_second,
        mib(summary.disk_writes_per_second * average_bytes as f64),
        summary.per_second / summary.disk_writes_per_second
    );
    println!(
        "  against the aim of p99 under 50 ms: closed loop (saturation, {} reports at {:.1} reports/s) \
         p99 {:.1} ms; open loop ({} reports arriving at {:.1} reports/s) p99 {:.1} ms",
        summary.reports,
        summary.per_second,
        summary.closed.p99_ms,
        summary.open_reports,
        summary.open_rate,
        summary.open.p99_ms
    );
    println!("  all {sent} reports answered 201, stored once, chain verified");
    Ok(summary)
}

/// Each client sends the next report of `range` as soon as its last one is answered:
/// the latencies, send to answer.
async fn closed_loop(
    clients: &[Client],
    reports: &Arc<Vec<Report>>,
    range: std::ops::Range<usize>,
) -> Result<Vec<Duration>> {
    let next = Arc::new(AtomicUsize::new(range.start));
    let latencies: Arc<Mutex<Vec<Duration>>> =
        Arc::new(Mutex::new(Vec::with_capacity(range.len())));
    let mut tasks = Vec::new();
    for client in clients {
        let (client, next, reports, latencies) = (
            client.clone(),
            Arc::clone(&next),
            Arc::clone(reports),
            Arc::clone(&latencies),
        );
        let end = range.end;
        tasks.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(report) = reports.get(index).filter(|_| index < end) else {
                    break;
                };
                let sent = Instant::now();
                store(&client, report).await?;
                push(&latencies, sent.elapsed())?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    take(&latencies)
}

/// Reports from `first` on arrive at `arrivals` (offsets from the start); a free client
/// takes the next one at its time. The latencies run from each report's arrival (not from
/// when a client got to it), and the count of arrivals that found no client free.
async fn open_loop(
    clients: &[Client],
    reports: &Arc<Vec<Report>>,
    first: usize,
    arrivals: Arc<Vec<Duration>>,
) -> Result<(Vec<Duration>, usize)> {
    let next = Arc::new(AtomicUsize::new(0));
    let late = Arc::new(AtomicUsize::new(0));
    let latencies: Arc<Mutex<Vec<Duration>>> =
        Arc::new(Mutex::new(Vec::with_capacity(arrivals.len())));
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::new();
    for client in clients {
        let (client, next, late, reports, latencies, arrivals) = (
            client.clone(),
            Arc::clone(&next),
            Arc::clone(&late),
            Arc::clone(reports),
            Arc::clone(&latencies),
            Arc::clone(&arrivals),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(offset) = arrivals.get(index) else {
                    break;
                };
                let report = reports
                    .get(first + index)
                    .context("fewer reports than arrivals")?;
                let arrival = start + *offset;
                if tokio::time::Instant::now() > arrival + Duration::from_millis(1) {
                    late.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep_until(arrival).await;
                store(&client, report).await?;
                push(&latencies, arrival.elapsed())?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok((take(&latencies)?, late.load(Ordering::Relaxed)))
}

/// `count` arrival times at a mean `rate` per second: exponential gaps (a Poisson process,
/// as independent people reporting would make).
fn poisson_arrivals(rng: &mut Rng, count: usize, rate: f64) -> Vec<Duration> {
    let mut at = 0.0_f64;
    (0..count)
        .map(|_| {
            // Uniform in (0, 1]: never ln(0).
            let uniform = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            at += -(1.0 - uniform).ln() / rate;
            Duration::from_secs_f64(at)
        })
        .collect()
}

/// Uploads `report`; fails unless it is answered 201.
async fn store(client: &Client, report: &Report) -> Result<()> {
    let answer = client
        .upload(report)
        .await
        .with_context(|| format!("uploading report {}", report.id))?;
    if answer.status != 201 {
        bail!(
            "report {} was not stored: HTTP {} {}",
            report.id,
            answer.status,
            answer.body
        );
    }
    Ok(())
}

fn push(latencies: &Mutex<Vec<Duration>>, latency: Duration) -> Result<()> {
    latencies
        .lock()
        .map_err(|_| anyhow::anyhow!("latencies poisoned"))?
        .push(latency);
    Ok(())
}

fn take(latencies: &Mutex<Vec<Duration>>) -> Result<Vec<Duration>> {
    Ok(latencies
        .lock()
        .map_err(|_| anyhow::anyhow!("latencies poisoned"))?
        .clone())
}

/// The companion's per-stage timing of the run's uploads, as it printed it.
fn print_timing(lines: &[String]) {
    if lines.is_empty() {
        println!("  (the companion printed no stage timing)");
    }
    for line in lines {
        println!("  {line}");
    }
}

/// The machine's load average now (`/proc/loadavg`), for the record beside the figures.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "load average unknown".to_owned(),
        |text| {
            let fields: Vec<&str> = text.split_whitespace().take(3).collect();
            format!("load average {}", fields.join(" "))
        },
    )
}

/// Sequential writes of the reports' bytes (JSON and screenshot) to one file in `dir`, with
/// an `fdatasync` after each, as a durable store at best could: writes per second.
fn raw_disk_limit(dir: &Path, reports: &[Report]) -> Result<f64> {
    let path = dir.join("raw-disk-limit.bin");
    let mut file =
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    // At most two seconds or the run's own count, whichever comes first.
    let started = Instant::now();
    let mut writes = 0usize;
    for report in reports {
        file.write_all(&report.json)?;
        file.write_all(&report.png)?;
        file.sync_data()?;
        writes += 1;
        if started.elapsed() > Duration::from_secs(2) {
            break;
        }
    }
    let per_second = writes as f64 / started.elapsed().as_secs_f64();
    drop(file);
    std::fs::remove_file(&path)?;
    Ok(per_second)
}
