//! Benchmark: click-to-stored time of "report to the manager" next to the capture alone,
//! measured in the same run, in headless Chromium with the built extension and the real
//! companion. Prints median and 95th percentile of both and their ratio.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p balise-e2e --bench report`).

use anyhow::Result;
use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::flows;

const CLICKS: usize = 30;

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
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

    let stages = [
        ("data-screenshot-ms", "screenshot (turn, capture, decode)"),
        ("data-prepare-ms", "hash and build the report"),
        ("data-outbox-ms", "durable write to the outbox"),
        ("data-delivery-ms", "delivery until the companion's 201"),
    ];
    let mut timings = vec!["data-elapsed-ms", "data-capture-ms"];
    timings.extend(stages.iter().map(|(attribute, _)| *attribute));
    let clicks = flows::timed_report_clicks(&browser, &api, CLICKS, &timings).await?;
    let column = |index: usize| -> Vec<f64> { clicks.iter().map(|times| times[index]).collect() };
    let mut click_to_stored = column(0);
    let mut capture_alone = column(1);
    let stage_times: Vec<Vec<f64>> = (0..stages.len()).map(|stage| column(2 + stage)).collect();
    browser.close().await?;

    click_to_stored.sort_by(f64::total_cmp);
    capture_alone.sort_by(f64::total_cmp);
    let (stored_median, stored_p95) = (
        percentile(&click_to_stored, 0.5),
        percentile(&click_to_stored, 0.95),
    );
    let (capture_median, capture_p95) = (
        percentile(&capture_alone, 0.5),
        percentile(&capture_alone, 0.95),
    );
    println!("report to the manager, {CLICKS} clicks on a 1280x800 page:");
    println!("  click to stored:  median {stored_median:.0} ms, p95 {stored_p95:.0} ms");
    println!("  capture alone:    median {capture_median:.0} ms, p95 {capture_p95:.0} ms");
    println!("  ratio (medians):  {:.2}", stored_median / capture_median);
    println!("  where the time goes (medians, in the service worker):");
    for ((_, label), mut times) in stages.iter().zip(stage_times) {
        times.sort_by(f64::total_cmp);
        println!("    {label}: {:.1} ms", percentile(&times, 0.5));
    }
    Ok(())
}
