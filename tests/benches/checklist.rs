//! Benchmark: from inside the browser, the time from a keystroke to the updated checklist
//! panel on a 5,000-character draft (median, 95th percentile), and the content script's
//! start-up cost on a page, with WebAssembly and with the pure-JS build that runs on pages
//! whose CSP forbids WebAssembly.
//!
//! The content script starts the clock when the page receives the `keydown` and
//! stops the clock when the panel shows the new analysis; start-up runs from the loader's
//! first line to the panel attached. Run with `cargo xtask bench` (or
//! `cargo bench -p balise-e2e --bench checklist`).

use anyhow::{Context, Result};
use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::flows;
use fantoccini::Locator;

/// Characters typed one key at a time after the draft is in place.
const KEYSTROKES: usize = 300;
/// Page loads for the start-up measurement.
const LOADS: usize = 20;
/// The draft's length before typing.
const DRAFT_CHARS: usize = 5_000;

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn summary(name: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    if samples.is_empty() {
        println!("{name}: no samples");
        return;
    }
    println!(
        "{name}: n={} median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.95),
        samples[samples.len() - 1]
    );
}

async fn keystroke_samples(browser: &Browser, url: &str) -> Result<Vec<f64>> {
    browser.goto(url).await?;
    flows::wait_for_panel(browser).await?;
    let draft: String = balise_core::sample::realistic_french_post()
        .chars()
        .take(DRAFT_CHARS)
        .collect();
    // The long draft is put in place at once (as a paste would), then typed into.
    browser
        .eval(
            "const box = document.querySelector('form.compose-form textarea');
             box.value = arguments[0];
             box.dispatchEvent(new Event('input', { bubbles: true }));
             box.focus();
             box.setSelectionRange(box.value.length, box.value.length);",
            vec![serde_json::json!(draft)],
        )
        .await?;
    let textarea = browser
        .client()
        .find(Locator::Css("form.compose-form textarea"))
        .await?;
    let words = "Le syndicat vous informe de la rencontre. ";
    let typed: String = words.chars().cycle().take(KEYSTROKES).collect();
    for chunk in typed.chars().collect::<Vec<_>>().chunks(50) {
        textarea
            .send_keys(&chunk.iter().collect::<String>())
            .await?;
    }
    let length = browser
        .eval(
            "return document.querySelector('form.compose-form textarea').value.length",
            vec![],
        )
        .await?;
    println!("draft length after typing: {length} characters");
    browser
        .eval(
            "document.dispatchEvent(new CustomEvent('balise:dump-timings'))",
            vec![],
        )
        .await?;
    let host = browser
        .client()
        .find(Locator::Css("balise-checklist"))
        .await?;
    let samples = host
        .attr("data-keystroke-samples")
        .await?
        .context("the content script wrote no samples")?;
    Ok(samples
        .split_whitespace()
        .filter_map(|sample| sample.parse().ok())
        .collect())
}

/// Start-up times (loader to panel attached) and, within them, each step's times
/// (loading the Rust code, reading the settings, the policy, attaching the panels).
async fn startup_samples(
    browser: &Browser,
    url: &str,
) -> Result<(Vec<f64>, Vec<(String, Vec<f64>)>)> {
    let mut samples = Vec::new();
    let mut steps: Vec<(String, Vec<f64>)> = Vec::new();
    for _ in 0..LOADS {
        browser.goto(url).await?;
        // The content script tells the extension its start-up time (nothing is on the page).
        let state = browser.wait_for_content_state().await?;
        let value = state["startupMs"]
            .as_f64()
            .context("the content script gave no start-up time")?;
        samples.push(value);
        let recorded = state["steps"].as_str().unwrap_or_default().to_owned();
        for step in recorded.split_whitespace() {
            let Some((name, ms)) = step.split_once('=') else {
                continue;
            };
            let ms: f64 = ms.parse()?;
            match steps.iter_mut().find(|(known, _)| known == name) {
                Some((_, times)) => times.push(ms),
                None => steps.push((name.to_owned(), vec![ms])),
            }
        }
    }
    Ok((samples, steps))
}

#[tokio::main]
async fn main() -> Result<()> {
    let browser = Browser::launch(LaunchOptions::default()).await?;
    for (csp, engine) in [
        (CspMode::None, "wasm"),
        (CspMode::Strict, "pure JS (strict CSP)"),
    ] {
        let fixtures = FixtureServer::start(csp).await?;
        let url = fixtures.url("compose-signature.html");
        let keystrokes = keystroke_samples(&browser, &url).await?;
        summary(
            &format!("keystroke to updated panel, 5,000-character draft, {engine}"),
            keystrokes,
        );
        let (startup, steps) = startup_samples(&browser, &url).await?;
        summary(
            &format!("content script start-up (loader to panel attached), {engine}"),
            startup,
        );
        for (name, times) in steps {
            summary(&format!("  step {name}, {engine}"), times);
        }
    }
    browser.close().await
}
