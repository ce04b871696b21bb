//! Harness for Balise's end-to-end tests: a headless Chromium or Firefox with the built
//! extension (driven through ChromeDriver or geckodriver), local fixture-page servers, the
//! real companion binary, and a real SMTP server.

pub mod browser;
pub mod companion;
pub mod devtools;
pub mod fixtures;
pub mod flows;
pub mod forwarding;
pub mod memory;
pub mod screenshots;
pub mod site_server;
pub mod smtp;

use std::path::PathBuf;
use std::time::Duration;

/// The SHA-256 of `bytes`, as lowercase hex (as reports and attestations carry it).
pub use balise_core::digest::sha256_hex;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set (relative to the workspace root
/// if relative), else `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// The machine's load averages over 1, 5 and 15 minutes (`/proc/loadavg`), printed beside
/// a benchmark's figures: on a shared machine they say how much to trust them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// How long a test waits for something the browser should do quickly.
pub const WAIT: Duration = Duration::from_secs(15);

/// The Chromium extension ID fixed by the manifest's key (see `xtask/src/manifest.rs`).
pub const CHROMIUM_EXTENSION_ID: &str = "kaniddlkjgbdhfciogjcpokgklcannmp";

/// The Firefox add-on ID the manifest declares (`browser_specific_settings.gecko.id`).
pub const FIREFOX_ADDON_ID: &str = "balise@sec-csq.example";

/// Polls `check` every 50 ms until it returns `Some`, or fails after `timeout` with `what`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last_error = None;
    loop {
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(error) => last_error = Some(error),
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(match last_error {
                Some(error) => error.context(format!("timed out waiting for {what}")),
                None => anyhow::anyhow!("timed out after {timeout:?} waiting for {what}"),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
