//! Pairing from the companion's own page, end to end: the built extension in headless
//! Chromium and the real companion binary, with no setting touched beforehand.

use anyhow::{Result, ensure};
use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::flows;
use fantoccini::Locator;

#[tokio::test]
async fn pairing_from_the_companions_page_sets_its_address_and_reports_reach_it() -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let data_dir = tempfile::tempdir()?;
    // Any free port: not the address the extension knows by default.
    let companion = CompanionProcess::start(data_dir.path())?;
    let api = CompanionApi::new(&companion.base_url, api_token(data_dir.path())?);
    let browser = Browser::launch(LaunchOptions::default()).await?;

    let code = flows::pair_from_companion_page(&browser, &companion).await?;
    ensure!(
        code.len() == 7 && code.as_bytes()[3] == b'-',
        "code {code:?}"
    );
    balise_e2e::screenshots::save(&browser, "pairing-page-paired").await?;
    // The companion lists this browser as paired.
    let listed = browser
        .eval("return document.body.innerText", vec![])
        .await?;
    ensure!(
        listed
            .as_str()
            .is_some_and(|text| text.contains("chrome-extension://")),
        "the paired extension is listed: {listed}"
    );

    // The options now name this companion and say paired.
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#pairing-status", "data-state", "paired")
        .await?;
    let address = browser
        .client()
        .find(Locator::Css("#companion-url"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(address.as_deref(), Some(companion.base_url.as_str()));

    // A report made now reaches this companion.
    flows::save_options(
        &browser,
        &companion.base_url,
        "Marie-Ève Tremblay",
        "marie-eve.tremblay@example.org",
    )
    .await?;
    let page_url = fixtures.url("report-target.html");
    browser.goto(&page_url).await?;
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "stored").await?;
    let reports = api.reports().await?;
    assert_eq!(reports.len(), 1);
    let id = reports[0]["id"].as_str().unwrap_or_default();
    assert_eq!(api.report(id).await?["report"]["pageUrl"], page_url);

    // Back on the pairing page, it says this browser is paired here.
    flows::open_dashboard(&browser, &companion, "/pair").await?;
    flows::pairing_section_state(&browser, &["paired"]).await?;
    let button_shown = browser
        .eval(
            "return !document.getElementById('balise-pair-start').hidden",
            vec![],
        )
        .await?;
    assert_eq!(
        button_shown,
        serde_json::json!(false),
        "no pairing again with the same companion"
    );

    // The companion's own dashboard gets no "Report" button (it would report the evidence
    // to itself), once the content script has finished starting there.
    flows::open_dashboard(&browser, &companion, "/").await?;
    // (The fixture host 127.0.0.1 is an enabled site here: the content script runs.)
    browser.wait_for_content_state().await?;
    let report_button = browser
        .eval(
            "return document.querySelector('balise-report') !== null",
            vec![],
        )
        .await?;
    assert_eq!(
        report_button,
        serde_json::json!(false),
        "no report button on the companion's own pages"
    );
    browser.close().await
}

#[tokio::test]
async fn a_scripted_click_on_the_pairing_button_asks_nothing() -> Result<()> {
    let data_dir = tempfile::tempdir()?;
    let companion = CompanionProcess::start(data_dir.path())?;
    let browser = Browser::launch(LaunchOptions::default()).await?;
    flows::open_dashboard(&browser, &companion, "/pair").await?;
    flows::pairing_section_state(&browser, &["ready"]).await?;
    balise_e2e::screenshots::save(&browser, "pairing-page-ready").await?;
    let enabled = browser
        .eval(
            "const button = document.getElementById('balise-pair-start');
             button.click();
             button.dispatchEvent(new MouseEvent('click', { bubbles: true }));
             return !button.disabled;",
            vec![],
        )
        .await?;
    assert_eq!(enabled, serde_json::json!(true), "the extension enabled it");
    // Give a wrongly accepted click time to reach the companion, then look.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    flows::open_dashboard(&browser, &companion, "/pair").await?;
    let state = flows::pairing_section_state(&browser, &["ready", "pending"]).await?;
    assert_eq!(state, "ready", "an untrusted click must not ask to pair");
    let rows = browser
        .client()
        .find_all(Locator::Css("tr[data-code]"))
        .await?;
    assert!(rows.is_empty(), "no pending request");
    browser.close().await
}

#[tokio::test]
async fn the_pairing_button_is_offered_only_on_the_companions_pairing_page() -> Result<()> {
    // A page elsewhere that imitates the section: the extension leaves it alone.
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let browser = Browser::launch(LaunchOptions::default()).await?;
    browser.goto(&fixtures.url("fake-pairing.html")).await?;
    browser.wait_for_content_state().await?;
    let state = browser
        .eval(
            "const section = document.getElementById('balise-pair');
             return [section.dataset.state, document.getElementById('balise-pair-start').disabled];",
            vec![],
        )
        .await?;
    assert_eq!(state, serde_json::json!(["no-extension", true]));
    browser.close().await
}

#[tokio::test]
async fn another_companions_pairing_page_cannot_change_the_pairing() -> Result<()> {
    // The companion in the options, paired; then another program on another loopback port
    // serving a pairing page (a real companion binary plays it), where the person clicks.
    let data_dir = tempfile::tempdir()?;
    let companion = CompanionProcess::start(data_dir.path())?;
    let other_dir = tempfile::tempdir()?;
    let other = CompanionProcess::start(other_dir.path())?;
    assert_ne!(companion.base_url, other.base_url);
    let browser = Browser::launch(LaunchOptions::default()).await?;
    flows::save_options(
        &browser,
        &companion.base_url,
        "Marie-Ève Tremblay",
        "marie-eve.tremblay@example.org",
    )
    .await?;
    flows::pair(&browser, &companion).await?;

    flows::open_dashboard(&browser, &other, "/pair").await?;
    flows::pairing_section_state(&browser, &["paired-elsewhere"]).await?;
    browser.click("#balise-pair-start").await?;
    // A trusted click, and still nothing changed: the page says to confirm in the options.
    flows::pairing_section_state(&browser, &["confirm"]).await?;
    let detail = browser.text("[data-balise-pair-detail]").await?;
    assert_eq!(detail, companion.base_url, "the page names the current one");
    balise_e2e::screenshots::save(&browser, "pairing-page-confirm").await?;
    // The extension opened its options page in a tab of its own (the test confirms in its
    // own tab).
    flows::close_opened_options_tab(&browser).await?;
    flows::open_dashboard(&browser, &other, "/pair").await?;
    let rows = browser
        .client()
        .find_all(Locator::Css("tr[data-code]"))
        .await?;
    assert!(rows.is_empty(), "no request reached the other companion");

    // The popup says that a change waits, with a button to the options.
    browser.open_extension_page("popup.html").await?;
    let waiting = balise_e2e::eventually(balise_e2e::WAIT, "the popup's note", || async {
        let note = browser
            .eval(
                "const note = document.getElementById('companion-change');
                 return note && document.getElementById('open-options') ? note.textContent : null;",
                vec![],
            )
            .await?;
        Ok(note.as_str().map(str::to_owned))
    })
    .await?;
    assert!(waiting.contains(&other.base_url), "{waiting}");

    // The options page shows both addresses; the person keeps the current companion.
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#companion-change", "data-state", "asked")
        .await?;
    let shown = browser
        .eval(
            "return [document.getElementById('companion-change-current').textContent,
                     document.getElementById('companion-change-proposed').textContent]",
            vec![],
        )
        .await?;
    assert_eq!(
        shown,
        serde_json::json!([companion.base_url, other.base_url])
    );
    balise_e2e::screenshots::save(&browser, "options-companion-change").await?;
    browser.click("#companion-change-cancel").await?;
    browser
        .wait_for_attribute("#companion-change", "data-state", "none")
        .await?;
    browser
        .wait_for_attribute("#pairing-status", "data-state", "paired")
        .await?;
    let address = browser
        .client()
        .find(Locator::Css("#companion-url"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(address.as_deref(), Some(companion.base_url.as_str()));
    let status = browser.text("#pairing-status").await?;
    assert!(
        status.contains(&companion.base_url),
        "still paired with the first companion: {status}"
    );
    browser.close().await
}
