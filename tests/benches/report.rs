//! Benchmark: click-to-stored time of "report to the manager" next to the capture alone,
//! measured in the same run, in headless Chromium with the built extension and the real
//! companion. Prints median and 95th percentile of both and their ratio.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p balise-e2e --bench report`).

use anyhow::{Context, Result};
use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::{WAIT, eventually, flows, screenshots};
use fantoccini::Locator;

const CLICKS: usize = 30;

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

async fn card_attribute(browser: &Browser, name: &str) -> Result<Option<String>> {
    let host = browser.client().find(Locator::Css("balise-report")).await?;
    let card = host
        .shadow_root()
        .await?
        .find(Locator::Css(".card"))
        .await?;
    Ok(card.attr(name).await?)
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

    let mut click_to_stored = Vec::new();
    let mut capture_alone = Vec::new();
    let stages = [
        ("data-screenshot-ms", "screenshot (turn, capture, decode)"),
        ("data-prepare-ms", "hash and build the report"),
        ("data-outbox-ms", "durable write to the outbox"),
        ("data-delivery-ms", "delivery until the companion's 201"),
    ];
    let mut stage_times: Vec<Vec<f64>> = vec![Vec::new(); stages.len()];
    let mut previous_id = None;
    for _ in 0..CLICKS {
        flows::click_report_button(&browser).await?;
        let id = eventually(WAIT, "the report's receipt", || async {
            let id = card_attribute(&browser, "data-report-id").await?;
            Ok(id.filter(|id| Some(id) != previous_id.as_ref()))
        })
        .await?;
        flows::wait_report_status(&browser, "stored").await?;
        let elapsed: f64 = card_attribute(&browser, "data-elapsed-ms")
            .await?
            .context("no elapsed time")?
            .parse()?;
        let capture: f64 = card_attribute(&browser, "data-capture-ms")
            .await?
            .context("no capture time")?
            .parse()?;
        for ((attribute, _), times) in stages.iter().zip(stage_times.iter_mut()) {
            let value: f64 = card_attribute(&browser, attribute)
                .await?
                .with_context(|| format!("no {attribute}"))?
                .parse()?;
            times.push(value);
        }
        click_to_stored.push(elapsed);
        capture_alone.push(capture);
        previous_id = Some(id);
        // Stay under the browser's capture rate limit so each click measures one capture.
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    }
    let reports = api.reports().await?;
    anyhow::ensure!(
        reports.len() == CLICKS,
        "{} reports stored for {CLICKS} clicks",
        reports.len()
    );
    // Faster must not mean Balise's own button in the evidence.
    for report in &reports {
        let id = report["id"]
            .as_str()
            .context("a stored report without id")?;
        screenshots::check_report_target_evidence(&api.screenshot(id).await?)
            .with_context(|| format!("report {id}"))?;
    }
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
