//! Benchmark: a report's time from stored (the companion's commit) to accepted by the SMTP
//! server (its 250), on loopback, for 100 reports: paced (one every 50 ms) and in a burst
//! (each sent as soon as the previous upload answered). Prints median and 95th percentile.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p balise-e2e --bench mail`; set
//! `BALISE_COMPANION_BIN` to a release build for the shipped speed).

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result};
use balise_e2e::forwarding::{self, Setup, sample_png, sample_report};
use balise_e2e::smtp::SmtpServer;
use time::format_description::well_known::Rfc3339;

const REPORTS: usize = 100;

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn instant(stamp: &str) -> Result<f64> {
    let at = time::OffsetDateTime::parse(stamp, &Rfc3339).with_context(|| stamp.to_owned())?;
    Ok(at.unix_timestamp_nanos() as f64 / 1e6)
}

async fn run(label: &str, pace: Option<Duration>) -> Result<()> {
    let smtp = SmtpServer::start()?;
    let dir = tempfile::tempdir()?;
    let member = forwarding::start(
        dir.path(),
        &Setup {
            smtp_url: Some(&smtp.url()),
            ..Setup::default()
        },
    )?;
    let png = sample_png(42);
    let mut stored_at: HashMap<String, f64> = HashMap::new();
    for _ in 0..REPORTS {
        // A category on the report: its email goes at once (no wait for the card's note).
        let report = sample_report(&png, Some("negative-remark"), None);
        let (status, receipt) = member.api.upload(&report, &png).await?;
        anyhow::ensure!(status == 201, "upload: {status} {receipt}");
        let id = receipt["id"].as_str().context("id")?.to_owned();
        stored_at.insert(
            id,
            instant(receipt["receivedAt"].as_str().context("receivedAt")?)?,
        );
        if let Some(pace) = pace {
            tokio::time::sleep(pace).await;
        }
    }
    let mails = smtp
        .wait_for_messages(REPORTS, Duration::from_secs(120))
        .await?;
    let mut latencies = Vec::new();
    for mail in &mails {
        let id = mail
            .header("X-Balise-Report-Id")
            .context("X-Balise-Report-Id")?;
        let stored = stored_at
            .get(id.trim())
            .context("an email for an unknown report")?;
        latencies.push(instant(&mail.received_at)? - stored);
    }
    anyhow::ensure!(latencies.len() == REPORTS, "{} emails", latencies.len());
    latencies.sort_by(f64::total_cmp);
    println!(
        "stored to accepted by SMTP, {REPORTS} reports, {label}: median {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        latencies.last().copied().unwrap_or_default()
    );
    member.process.terminate()?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    run("one every 50 ms", Some(Duration::from_millis(50))).await?;
    run("burst", None).await?;
    Ok(())
}
