//! `cargo xtask load`: reports with realistic screenshots (about 300 KB of PNG that does not
//! compress away) from concurrent clients against the real companion; prints reports per
//! second, latency percentiles, the companion's memory, and the disk's raw limit measured
//! in the same run (sequential writes of the same bytes with an fsync each).

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

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

/// What a load run measured.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// Reports stored (each answered 201).
    pub reports: usize,
    /// Stored reports per second, over the whole run.
    pub per_second: f64,
    /// Latency percentiles, in milliseconds.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// The companion's resident memory before the run, in KiB.
    pub idle_rss_kib: u64,
    /// Its peak resident memory (VmHWM), in KiB.
    pub peak_rss_kib: u64,
    /// Sequential `write` + `fdatasync` of one report's bytes per second, in the data dir.
    pub disk_writes_per_second: f64,
}

const USAGE: &str = "cargo xtask load [--reports N] [--clients C] [--debug]";

/// `cargo xtask load [--reports N] [--clients C] [--debug]`: a release build unless `--debug`.
pub fn load(root: &Path, args: &[String]) -> Result<()> {
    let mut options = Options {
        reports: 1000,
        clients: 20,
        screenshot_bytes: 300 * 1024,
    };
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
            "--debug" => release = false,
            other => bail!("unknown option `{other}` ({USAGE})"),
        }
    }
    let binary = stress_client::build_companion(root, release)?;
    run(root, &binary, options)?;
    Ok(())
}

/// Distinct screenshots the reports take turns with: generating one per report would cost
/// more than sending it. Each report still has its own id, JSON and stored copy.
const DISTINCT_SCREENSHOTS: usize = 8;

/// Runs one load benchmark with `binary`; fails if a report is not stored or the chain
/// does not verify. Timings are printed, never judged.
pub fn run(root: &Path, binary: &Path, options: Options) -> Result<Summary> {
    println!(
        "==> load: {} reports with ~{} KB screenshots from {} concurrent clients ({})",
        options.reports,
        options.screenshot_bytes / 1024,
        options.clients,
        binary.display()
    );
    let data_dir = stress_client::fresh_data_dir(root, "load")?;
    let mut rng = Rng::new(Rng::clock_seed());
    let screenshots = (0..DISTINCT_SCREENSHOTS)
        .map(|_| stress_client::screenshot_png(&mut rng, options.screenshot_bytes).map(Arc::new))
        .collect::<Result<Vec<_>>>()?;
    let reports: Arc<Vec<Report>> = Arc::new(
        (0..options.reports)
            .map(|number| Report::new(Arc::clone(&screenshots[number % screenshots.len()]), number))
            .collect(),
    );
    let average_bytes = reports.iter().map(Report::wire_len).sum::<usize>() / reports.len().max(1);

    let disk_writes_per_second = raw_disk_limit(&data_dir, &reports)?;

    let port = stress_client::free_port()?;
    let companion = Companion::start(binary, &data_dir, port)?;
    let token = stress_client::api_token(binary, &data_dir)?;
    // Let start-up work (migrations, the policy entry, the mailer's first look) settle.
    std::thread::sleep(Duration::from_secs(1));
    let (idle_rss_kib, _) = companion.memory_kib()?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let latencies: Arc<Mutex<Vec<Duration>>> =
        Arc::new(Mutex::new(Vec::with_capacity(options.reports)));
    let started = Instant::now();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..options.clients {
            let client = Client::new(&companion.base_url, &token, Duration::from_secs(30))?;
            let (next, reports, latencies) = (
                Arc::clone(&next),
                Arc::clone(&reports),
                Arc::clone(&latencies),
            );
            tasks.push(tokio::spawn(async move {
                while let Some(report) = reports.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let sent = Instant::now();
                    let answer = client
                        .upload(report)
                        .await
                        .with_context(|| format!("uploading report {}", report.id))?;
                    let latency = sent.elapsed();
                    if answer.status != 201 {
                        bail!(
                            "report {} was not stored: HTTP {} {}",
                            report.id,
                            answer.status,
                            answer.body
                        );
                    }
                    latencies
                        .lock()
                        .map_err(|_| anyhow::anyhow!("latencies poisoned"))?
                        .push(latency);
                }
                anyhow::Ok(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        anyhow::Ok(())
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    let (_, peak_rss_kib) = companion.memory_kib()?;
    companion.stop()?;

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
    if stored != options.reports as i64 {
        bail!(
            "the database holds {stored} reports with screenshots, {} were stored",
            options.reports
        );
    }

    let mut latencies = latencies
        .lock()
        .map_err(|_| anyhow::anyhow!("latencies poisoned"))?
        .clone();
    latencies.sort();
    let percentile = |q: f64| -> f64 {
        let rank = ((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len().max(1));
        latencies
            .get(rank - 1)
            .map_or(0.0, |latency| latency.as_secs_f64() * 1000.0)
    };
    let summary = Summary {
        reports: options.reports,
        per_second: options.reports as f64 / elapsed,
        p50_ms: percentile(0.50),
        p95_ms: percentile(0.95),
        p99_ms: percentile(0.99),
        idle_rss_kib,
        peak_rss_kib,
        disk_writes_per_second,
    };
    let mib = |bytes: f64| bytes / (1024.0 * 1024.0);
    println!(
        "load: {} reports stored ({} bytes each on average) in {elapsed:.2} s, by {} clients",
        summary.reports, average_bytes, options.clients
    );
    println!(
        "  throughput: {:.1} reports/s ({:.1} MiB/s of reports)",
        summary.per_second,
        mib(summary.per_second * average_bytes as f64)
    );
    println!(
        "  latency: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms (aim: p99 under 50 ms)",
        summary.p50_ms,
        summary.p95_ms,
        summary.p99_ms,
        percentile(1.0)
    );
    println!(
        "  companion memory: idle {:.1} MiB before the run (aim: under 15 MiB), peak {:.1} MiB",
        summary.idle_rss_kib as f64 / 1024.0,
        summary.peak_rss_kib as f64 / 1024.0
    );
    println!(
        "  disk's raw limit, same bytes, write + fdatasync each, same filesystem: {:.1} writes/s \
         ({:.1} MiB/s); companion / disk = {:.2} (aim: at least 0.5)",
        summary.disk_writes_per_second,
        mib(summary.disk_writes_per_second * average_bytes as f64),
        summary.per_second / summary.disk_writes_per_second
    );
    Ok(summary)
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
