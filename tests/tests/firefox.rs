//! The built Firefox extension in a real headless Firefox (ESR, through geckodriver, installed
//! as a temporary add-on): its wasm content script runs on a page, and the checklist panel
//! beside a compose box lists the findings of what is typed, on a plain `http:` fixture page
//! and on social-network fixtures served over TLS under the sites' real host names.
//!
//! Reports too: the options filled in, pairing from the companion's own page, a click on the
//! report button, and what the real companion stored.
//!
//! WebDriver may not navigate to `moz-extension://` pages; the harness opens the options
//! from Firefox's own window (`Browser::open_extension_page`).
//!
//! The suites that run in both browsers have their Firefox runs beside the Chromium ones
//! (`…_in_firefox`): strict CSP and strict mode in `checklist.rs` and `compose_sites.rs`,
//! attestations in `attestations.rs` (made by real publications in Firefox), the
//! look-alike question and a remembered "no" in `footprint.rs`, companion downtime and
//! browser restart in `reporting.rs`.

use anyhow::{Context, Result, ensure};
use balise_e2e::browser::{Browser, Engine, LaunchOptions};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::site_server::{self, SiteServer, find, site_fixture};
use balise_e2e::{WAIT, eventually, flows, screenshots};
use fantoccini::Locator;
use fantoccini::elements::Element;

/// A draft with a phone number and a shortened link.
const TYPED: &str = "Appelez-moi au 418 555-0199 ou lisez https://bit.ly/abc123 — équipe";
const PHONE: &str = "418 555-0199";

fn firefox() -> LaunchOptions {
    LaunchOptions {
        browser: Engine::Firefox,
        ..LaunchOptions::default()
    }
}

/// `needle`'s span in [`TYPED`], in UTF-16 code units as the browser counts.
fn utf16_span(needle: &str) -> Result<(usize, usize)> {
    let start = TYPED.find(needle).context("needle not in the draft")?;
    let start = TYPED[..start].encode_utf16().count();
    Ok((start, start + needle.encode_utf16().count()))
}

/// Waits for the finding about the phone number in `panel`'s shadow root and checks its
/// place in the text.
async fn assert_phone_finding(panel: &Element) -> Result<()> {
    let shadow = panel.shadow_root().await?;
    let finding = eventually(WAIT, "the phone finding in the panel", || async {
        for li in shadow.find_all(Locator::Css("li[data-finding]")).await? {
            if li.text().await?.contains(PHONE) {
                return Ok(Some(li));
            }
        }
        Ok(None)
    })
    .await?;
    let (start, end) = utf16_span(PHONE)?;
    let shown = (
        finding.attr("data-start").await?,
        finding.attr("data-end").await?,
    );
    ensure!(
        shown == (Some(start.to_string()), Some(end.to_string())),
        "{PHONE:?} is at {start}..{end}, the panel says {shown:?}"
    );
    Ok(())
}

#[tokio::test]
async fn firefox_content_script_runs_wasm_on_a_fixture_page() -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let browser = Browser::launch(firefox()).await?;
    browser.goto(&fixtures.url("walking-skeleton.html")).await?;
    // The Rust content script tells the extension its version once it has started.
    let state = browser.wait_for_content_state().await?;
    assert_eq!(state["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(state["engine"], "wasm");
    browser.close().await
}

#[tokio::test]
async fn firefox_panel_lists_findings_beside_a_textarea() -> Result<()> {
    // A Mastodon-like form on 127.0.0.1, recognized by its DOM signature, in a French Firefox.
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let mut options = firefox();
    options
        .firefox_prefs
        .insert("intl.accept_languages".to_owned(), "fr-CA, fr".into());
    let browser = Browser::launch(options).await?;
    browser
        .goto(&fixtures.url("compose-signature.html"))
        .await?;
    let panel = flows::wait_for_panel(&browser).await?;
    assert_eq!(browser.wait_for_content_state().await?["engine"], "wasm");
    let textarea = browser
        .client()
        .find(Locator::Css("form.compose-form textarea"))
        .await?;
    textarea.send_keys(TYPED).await?;
    assert_phone_finding(&panel).await?;
    let lang = browser
        .eval(
            "return arguments[0].lang",
            vec![browser.shadow_anchor("balise-checklist", "section").await?],
        )
        .await?;
    assert_eq!(lang, "fr", "the panel follows the browser's language");
    // Balise never writes into the box.
    let value = browser
        .eval(
            "return document.querySelector('form.compose-form textarea').value",
            vec![],
        )
        .await?;
    assert_eq!(value, serde_json::json!(TYPED));
    screenshots::save(&browser, "firefox-checklist-signature").await?;
    browser.close().await
}

#[tokio::test]
async fn firefox_panel_on_social_network_fixtures_under_their_real_host_names() -> Result<()> {
    let sites = SiteServer::start(CspMode::None).await?;
    let browser = Browser::launch(LaunchOptions {
        firefox_prefs: site_server::firefox_prefs(),
        ..firefox()
    })
    .await?;
    // A textarea (Mastodon) and a contenteditable run by a real editor library (X, Draft.js).
    for id in ["mastodon", "x"] {
        let fixture = site_fixture(id).context("no such fixture")?;
        browser.goto(&sites.site_url(id)).await?;
        let panel = flows::wait_for_panel(&browser)
            .await
            .with_context(|| format!("{id}: the panel"))?;
        let compose_box = find(browser.client(), fixture.box_selector).await?;
        compose_box.click().await?;
        compose_box.send_keys(TYPED).await?;
        assert_phone_finding(&panel)
            .await
            .with_context(|| format!("{id}: the finding"))?;
        // The editor's own model holds exactly what was typed.
        let text = browser
            .eval("return balise_fixture.text(0)", vec![])
            .await?;
        ensure!(text == TYPED, "{id}: the editor holds {text}");
        screenshots::save(&browser, &format!("firefox-checklist-{id}")).await?;
    }
    browser.close().await
}

#[tokio::test]
async fn firefox_pairs_from_the_companions_page_and_a_click_stores_the_report() -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let data_dir = tempfile::tempdir()?;
    let companion = CompanionProcess::start(data_dir.path())?;
    let api = CompanionApi::new(&companion.base_url, api_token(data_dir.path())?);
    let browser = Browser::launch(firefox()).await?;

    // The person's name and email, in the extension's options; then pairing, from the
    // companion's own page.
    flows::save_options(
        &browser,
        &companion.base_url,
        "Marie-Ève Tremblay",
        "marie-eve.tremblay@example.org",
    )
    .await?;
    flows::pair_from_companion_page(&browser, &companion).await?;
    let listed = browser
        .eval("return document.body.innerText", vec![])
        .await?;
    ensure!(
        listed
            .as_str()
            .is_some_and(|text| text.contains("moz-extension://") && text.contains("firefox")),
        "the companion lists this Firefox as paired: {listed}"
    );

    let page_url = fixtures.url("report-target.html");
    browser.goto(&page_url).await?;
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "stored").await?;
    let reports = api.reports().await?;
    ensure!(reports.len() == 1, "{} reports stored", reports.len());
    let id = reports[0]["id"].as_str().context("a report without id")?;
    let stored = api.report(id).await?;
    let report = &stored["report"];
    assert_eq!(report["pageUrl"], page_url.as_str());
    assert_eq!(report["reporter"]["name"], "Marie-Ève Tremblay");
    assert_eq!(report["viewport"]["width"], 1280);
    ensure!(
        report["browser"]
            .as_str()
            .is_some_and(|agent| agent.contains("Firefox")),
        "the browser is recorded: {}",
        report["browser"]
    );
    let png = api.screenshot(id).await?;
    let sha = balise_e2e::sha256_hex(&png);
    assert_eq!(report["screenshotSha256"], sha.as_str());
    screenshots::check_report_target_evidence(&png)?;
    browser.close().await
}
