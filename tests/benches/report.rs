//! Benchmark: click-to-stored time of "report to the manager" next to the capture alone,
//! measured in the same run, in headless Chromium with the built extension and the real
//! companion. Prints median and 95th percentile of both, their ratio, and where the time
//! goes, for two kinds of click: WebDriver's (pointer down and up at once: the capture is
//! made at the click) and a press held 80 ms as a person's click is (Balise's elements
//! turn transparent at the press, and once a frame without them is painted the service
//! worker captures the tab, so the click finds its screenshot made: click to stored is
//! then shorter than the capture alone), and a few such presses each after the service
//! worker stopped for being idle (the press wakes it).
//!
//! Run with `cargo xtask bench` (or `cargo bench -p balise-e2e --bench report`; add
//! `-- --quick` for 12 clicks of each kind and none after an idle stop; with
//! `BALISE_STAGE_TIMING=1` it also prints the companion's own stages of the uploads).

use std::time::Duration;

use anyhow::{Context, Result};
use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::flows::{self, Press};
use balise_e2e::memory;

const CLICKS: usize = 30;
/// Reports made after the service worker's idle stop (each waits about 30 s for it).
const IDLE_CLICKS: usize = 3;
/// With `-- --quick`: fewer clicks, and none after an idle stop.
const QUICK_CLICKS: usize = 12;

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// The stages of one report, as the report card's attributes name them (milliseconds,
/// one decimal), from the click to "stored" shown: the page's, then the messages between
/// page and service worker, then the worker's (from the request's arrival to its receipt).
/// Click to stored is the sum of "hidden", "messages" and "in the service worker".
const STAGES: [(&str, &str); 12] = [
    (
        "data-click-ms",
        "page: click event created to its handler (not in click to stored)",
    ),
    (
        "data-hide-ms",
        "page: handler to Balise's elements hidden and painted",
    ),
    (
        "data-messages-ms",
        "messages page -> worker -> page (both ways, with their (de)serialization)",
    ),
    (
        "data-before-capture-ms",
        "worker: request's arrival to the capture call (capture at the press: to its PNG bytes)",
    ),
    (
        "data-capture-ms",
        "worker: capture call (captureVisibleTab; at the press, before the click, when held)",
    ),
    (
        "data-decode-ms",
        "worker: data URL to PNG bytes (0 for a capture at the press)",
    ),
    ("data-hash-ms", "worker: SHA-256 of the PNG"),
    (
        "data-build-ms",
        "worker: settings, report JSON and outbox entry",
    ),
    (
        "data-outbox-ms",
        "worker: outbox copy committed (IndexedDB, beside the upload)",
    ),
    (
        "data-upload-ms",
        "worker: upload until the companion's answer (beside the write)",
    ),
    (
        "data-answer-ms",
        "worker: from what the answer waits for to the receipt",
    ),
    (
        "data-worker-ms",
        "worker: request's arrival to receipt (all of the above)",
    ),
];

/// Measures `clicks` reports pressed as `press` says, each after the service worker's
/// idle stop when `after_idle_stop`.
async fn measure(
    browser: &Browser,
    api: &CompanionApi,
    clicks: usize,
    press: Press,
    after_idle_stop: bool,
    label: &str,
) -> Result<()> {
    let mut timings = vec!["data-elapsed-ms", "data-capture-ms"];
    // The capture is both the ratio's denominator and one of the stages.
    timings.extend(STAGES.iter().map(|(attribute, _)| *attribute));
    let clicks = if after_idle_stop {
        let mut measured = Vec::new();
        for _ in 0..clicks {
            memory::worker_stopped(browser, Duration::from_secs(90))
                .await?
                .context("the service worker did not stop within 90 s")?;
            measured.extend(flows::timed_report_clicks(browser, api, 1, press, &timings).await?);
        }
        measured
    } else {
        flows::timed_report_clicks(browser, api, clicks, press, &timings).await?
    };
    let count = clicks.len();
    let column = |index: usize| -> Vec<f64> {
        let mut times: Vec<f64> = clicks.iter().map(|times| times[index]).collect();
        times.sort_by(f64::total_cmp);
        times
    };
    let click_to_stored = column(0);
    let capture_alone = column(1);
    let (stored_median, stored_p95) = (
        percentile(&click_to_stored, 0.5),
        percentile(&click_to_stored, 0.95),
    );
    let (capture_median, capture_p95) = (
        percentile(&capture_alone, 0.5),
        percentile(&capture_alone, 0.95),
    );
    println!("report to the manager, {count} clicks on a 1280x800 page, {label}:");
    println!("  click to stored:  median {stored_median:.0} ms, p95 {stored_p95:.0} ms");
    println!("  capture alone:    median {capture_median:.0} ms, p95 {capture_p95:.0} ms");
    println!("  ratio (medians):  {:.2}", stored_median / capture_median);
    println!("  where the time goes (medians of each stage):");
    for (stage, (_, label)) in STAGES.iter().enumerate() {
        println!("    {label}: {:.1} ms", percentile(&column(2 + stage), 0.5));
    }
    println!("  load average: {}", balise_e2e::load_average());
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let data_dir = tempfile::tempdir()?;
    let companion = CompanionProcess::start(data_dir.path())?;
    let api = CompanionApi::new(&companion.base_url, api_token(data_dir.path())?);
    let browser = Browser::launch(LaunchOptions::default()).await?;
    flows::save_options(&browser, &companion.base_url, "Bench", "bench@example.org").await?;
    flows::pair(&browser, &companion).await?;
    browser.goto(&fixtures.url("report-target.html")).await?;

    let quick = std::env::args().any(|arg| arg == "--quick");
    let clicks = if quick { QUICK_CLICKS } else { CLICKS };
    let measured = async {
        let held = Press::Held(Duration::from_millis(80));
        measure(
            &browser,
            &api,
            clicks,
            Press::Click,
            false,
            "WebDriver click (down and up at once)",
        )
        .await?;
        measure(&browser, &api, clicks, held, false, "press held 80 ms").await?;
        if quick {
            return Ok(());
        }
        measure(
            &browser,
            &api,
            IDLE_CLICKS,
            held,
            true,
            "press held 80 ms, each after the service worker's idle stop",
        )
        .await
    }
    .await;
    browser.close().await?;
    measured?;
    // The companion's own share of the uploads, when it was started with
    // `BALISE_STAGE_TIMING=1` (it prints the summary as it stops).
    let (_, printed) = companion.terminate()?;
    let stages: Vec<&str> = printed
        .lines()
        .filter(|line| line.starts_with("stage-timing:"))
        .collect();
    if stages.is_empty() {
        println!("(run with BALISE_STAGE_TIMING=1 for the companion's own stages of the uploads)");
    } else {
        println!("the companion's own stages of these uploads:");
        for line in stages {
            println!("  {line}");
        }
    }
    Ok(())
}
