//! Benchmark: where the extension's memory goes on one compose page. The proportional set
//! size (PSS) of each of the browser's processes, by role, in a Chromium without any
//! extension (the baseline) and with the built extension: once the compose page's panel is
//! attached, and again once the service worker has stopped for being idle (what a person
//! who does not report sees most of the time).
//!
//! Run with `cargo bench -p balise-e2e --bench memory` (about a minute). A benchmark: it
//! prints numbers, it does not fail on them.

use std::time::Duration;

use anyhow::Result;
use balise_e2e::browser::{Browser, EnabledSites, LaunchOptions};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::flows;
use balise_e2e::memory::{self, ProcessMemory};
use fantoccini::Locator;

const COMPOSE_PAGE: &str = "compose-signature.html";
const COMPOSE_BOX: &str = "form.compose-form textarea";

fn print(label: &str, processes: &[ProcessMemory]) {
    println!("{label}: {:.1} MiB", memory::total_mib(processes));
    for (role, (count, mib)) in memory::by_role(processes) {
        println!("    {role:<28} ×{count}  {mib:6.1} MiB");
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let compose = fixtures.url(COMPOSE_PAGE);

    let baseline = Browser::launch(LaunchOptions {
        without_extension: true,
        ..LaunchOptions::default()
    })
    .await?;
    baseline.goto(&compose).await?;
    baseline.client().find(Locator::Css(COMPOSE_BOX)).await?;
    let base = memory::at_rest(&baseline).await?;
    baseline.close().await?;

    let browser = Browser::launch(LaunchOptions {
        enabled_sites: EnabledSites::FixtureHost,
        ..LaunchOptions::default()
    })
    .await?;
    browser.goto(&compose).await?;
    flows::wait_for_panel(&browser).await?;
    let ready = memory::at_rest(&browser).await?;
    let stopped = memory::worker_stopped(&browser, Duration::from_secs(90)).await?;
    let idle = memory::at_rest(&browser).await?;
    browser.close().await?;

    print("baseline, compose page", &base);
    print("with the extension, panel attached", &ready);
    match stopped {
        Some(after) => print(
            &format!(
                "with the extension, service worker stopped (after {:.0} s more)",
                after.as_secs_f64() + 5.0
            ),
            &idle,
        ),
        None => print(
            "with the extension, 90 s later (service worker still running)",
            &idle,
        ),
    }
    let base_total = memory::total_mib(&base);
    println!(
        "added: {:+.1} MiB panel attached, {:+.1} MiB after the worker's idle stop (aim under 25 MiB); load average {}",
        memory::total_mib(&ready) - base_total,
        memory::total_mib(&idle) - base_total,
        balise_e2e::load_average()
    );
    Ok(())
}
