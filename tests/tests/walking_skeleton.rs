//! The walking skeleton, end to end in a real headless Chromium: the built extension loads,
//! its wasm content script runs on a page, its service worker answers, its options page
//! opens; the companion answers its health check in the browser and stops cleanly.

use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::companion::CompanionProcess;
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::{WAIT, eventually};
use fantoccini::Locator;

#[tokio::test]
async fn content_script_runs_wasm_on_a_fixture_page() -> anyhow::Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let browser = Browser::launch(LaunchOptions::default()).await?;
    browser.goto(&fixtures.url("walking-skeleton.html")).await?;
    // The Rust content script tells the extension (never the page) its version once its
    // wasm has started on this enabled site.
    let state = browser.wait_for_content_state().await?;
    assert_eq!(state["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(state["engine"], "wasm");
    assert_eq!(state["reportButton"], true);
    browser.close().await
}

fn browser_language(tag: &str) -> LaunchOptions {
    LaunchOptions {
        extra_args: vec![format!("--lang={tag}"), format!("--accept-lang={tag}")],
        ..LaunchOptions::default()
    }
}

/// Opens the options page and returns the service worker's status line once it answered.
async fn service_worker_status(browser: &Browser) -> anyhow::Result<String> {
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#sw-status", "data-state", "ok")
        .await?;
    Ok(browser
        .client()
        .find(Locator::Css("#sw-status"))
        .await?
        .text()
        .await?)
}

/// The `lang` of the page's root element.
async fn page_language(browser: &Browser) -> anyhow::Result<serde_json::Value> {
    browser
        .eval("return document.documentElement.lang", vec![])
        .await
}

#[tokio::test]
async fn options_page_opens_and_service_worker_answers_with_the_policy() -> anyhow::Result<()> {
    let browser = Browser::launch(browser_language("fr-CA")).await?;
    let status = service_worker_status(&browser).await?;
    // French for a French browser; the service worker ran Rust and loaded the built-in policy.
    assert!(status.contains("actif"), "status: {status}");
    assert!(
        status.contains(&format!("v{}", env!("CARGO_PKG_VERSION"))),
        "status: {status}"
    );
    assert!(
        status.contains("SEC-CSQ") || status.contains("Charlevoix"),
        "status: {status}"
    );
    let lang = page_language(&browser).await?;
    assert_eq!(lang, "fr");
    // The form the person fills in is there, with the companion's default address.
    let url = browser
        .client()
        .find(Locator::Css("#companion-url"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(url.as_deref(), Some("http://127.0.0.1:7878"));
    browser.close().await
}

#[tokio::test]
async fn options_page_speaks_english_to_an_english_browser() -> anyhow::Result<()> {
    let browser = Browser::launch(browser_language("en-US")).await?;
    let status = service_worker_status(&browser).await?;
    assert!(
        status.starts_with("Extension service: running"),
        "status: {status}"
    );
    let lang = page_language(&browser).await?;
    assert_eq!(lang, "en");
    browser.close().await
}

#[tokio::test]
async fn companion_answers_health_in_the_browser_and_stops_on_sigterm() -> anyhow::Result<()> {
    let data_dir = tempfile::tempdir()?;
    let companion = CompanionProcess::start(data_dir.path())?;
    let browser = Browser::launch(LaunchOptions::default()).await?;
    let health_url = format!("{}/api/v1/health", companion.base_url);
    browser.goto(&health_url).await?;
    let body: serde_json::Value = eventually(WAIT, "the health JSON", || async {
        let text = browser
            .eval(
                "return document.body ? document.body.innerText : ''",
                vec![],
            )
            .await?;
        Ok(text
            .as_str()
            .and_then(|text| serde_json::from_str(text).ok()))
    })
    .await?;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    browser.close().await?;

    let (exit, printed) = companion.terminate()?;
    assert!(exit.success(), "companion exit status: {exit}");
    assert!(
        printed.contains("Balise companion stopped"),
        "printed: {printed}"
    );
    // The database was created in the data directory the test chose.
    assert!(data_dir.path().join("balise.sqlite3").exists());
    Ok(())
}
