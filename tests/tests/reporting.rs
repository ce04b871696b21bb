//! "Report to the manager" end to end: the built extension in headless Chromium, the real
//! companion binary, a click on the page's report button, and what the companion stored.
//! The companion-downtime and browser-restart tests run in headless Firefox ESR too
//! (`…_in_firefox`: one body, taking the browser).

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use balise_e2e::browser::{Browser, Engine, LaunchOptions};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::flows;
use balise_e2e::screenshots;
use balise_e2e::{WAIT, devtools, eventually};
use fantoccini::Locator;

const REPORTER_NAME: &str = "Marie-Ève Tremblay";
const REPORTER_EMAIL: &str = "marie-eve.tremblay@example.org";
/// Reports may wait for a retry with a growing delay; this bounds the wait.
const DELIVERY_WAIT: Duration = Duration::from_secs(45);

async fn wait_for_reports(api: &CompanionApi, count: usize) -> Result<Vec<serde_json::Value>> {
    eventually(
        DELIVERY_WAIT,
        &format!("{count} stored report(s)"),
        || async {
            let reports = api.reports().await?;
            ensure!(
                reports.len() <= count,
                "more reports than clicks: {}",
                reports.len()
            );
            Ok((reports.len() == count).then_some(reports))
        },
    )
    .await
}

fn report_id(summary: &serde_json::Value) -> Result<String> {
    summary["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no id in {summary}"))
}

/// Checks one stored report against the page it came from, and its screenshot's integrity.
async fn check_stored_report(api: &CompanionApi, id: &str, page_url: &str) -> Result<()> {
    let stored = api.report(id).await?;
    let report = &stored["report"];
    assert_eq!(report["pageUrl"], page_url);
    assert_eq!(report["pageTitle"], "Balise fixture: report target");
    assert_eq!(report["reporter"]["name"], REPORTER_NAME);
    assert_eq!(report["reporter"]["email"], REPORTER_EMAIL);
    assert_eq!(report["site"], "127.0.0.1");
    assert_eq!(report["extensionVersion"], env!("CARGO_PKG_VERSION"));
    assert!(
        report["capturedAt"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
    let viewport = &report["viewport"];
    assert_eq!(viewport["width"], 1280, "viewport: {viewport}");

    let png = api.screenshot(id).await?;
    let sha = balise_e2e::sha256_hex(&png);
    assert_eq!(
        report["screenshotSha256"], sha,
        "the stored bytes are the captured bytes"
    );
    assert_eq!(stored["screenshotSha256"], sha);

    screenshots::check_report_target_evidence(&png)?;
    Ok(())
}

struct Setup {
    fixtures: FixtureServer,
    data_dir: tempfile::TempDir,
    companion: CompanionProcess,
    api: CompanionApi,
}

async fn setup() -> Result<Setup> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let data_dir = tempfile::tempdir()?;
    let companion = CompanionProcess::start(data_dir.path())?;
    let api = CompanionApi::new(&companion.base_url, api_token(data_dir.path())?);
    Ok(Setup {
        fixtures,
        data_dir,
        companion,
        api,
    })
}

/// A browser with the reporter's name and email, paired with the setup's companion, on
/// the report-target fixture; returns it and the page's URL.
async fn on_report_target(setup: &Setup, options: LaunchOptions) -> Result<(Browser, String)> {
    let browser = Browser::launch(options).await?;
    flows::save_options(
        &browser,
        &setup.companion.base_url,
        REPORTER_NAME,
        REPORTER_EMAIL,
    )
    .await?;
    flows::pair(&browser, &setup.companion).await?;
    let page_url = setup.fixtures.url("report-target.html");
    browser.goto(&page_url).await?;
    Ok((browser, page_url))
}

#[tokio::test]
async fn a_click_stores_a_report_whose_screenshot_shows_the_page() -> Result<()> {
    let setup = setup().await?;
    let (browser, page_url) = on_report_target(&setup, LaunchOptions::default()).await?;
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "stored").await?;

    let reports = wait_for_reports(&setup.api, 1).await?;
    check_stored_report(&setup.api, &report_id(&reports[0])?, &page_url).await?;
    browser.close().await
}

/// Turns the report-target page green 150 ms into a press (pointer down or key down, at
/// `window`): a screenshot taken at a click that ends a longer press shows green, one
/// taken at the press the page's own colour.
const GREEN_DURING_THE_PRESS: &str = "const green = () => setTimeout(() => {
    for (const element of [document.documentElement, document.body]) {
        element.style.setProperty('background', 'rgb(0, 128, 0)', 'important');
    }
}, 150);
window.addEventListener('pointerdown', green, true);
window.addEventListener('keydown', green, true);";

#[tokio::test]
async fn a_held_press_reports_the_screen_at_the_press() -> Result<()> {
    held_press_reports_the_screen_at_the_press(Engine::Chromium).await
}

#[tokio::test]
async fn a_held_press_reports_the_screen_at_the_press_in_firefox() -> Result<()> {
    held_press_reports_the_screen_at_the_press(Engine::Firefox).await
}

async fn held_press_reports_the_screen_at_the_press(engine: Engine) -> Result<()> {
    let setup = setup().await?;
    let (browser, page_url) = on_report_target(&setup, LaunchOptions::engine(engine)).await?;
    browser.eval(GREEN_DURING_THE_PRESS, Vec::new()).await?;
    flows::press_report_button(&browser, flows::Press::Held(Duration::from_millis(400))).await?;
    flows::wait_report_status(&browser, "stored").await?;

    let reports = wait_for_reports(&setup.api, 1).await?;
    // The page's colour without Balise's elements: the capture made at the press, once
    // they were painted out, not one at the click (the page was green 250 ms before).
    check_stored_report(&setup.api, &report_id(&reports[0])?, &page_url).await?;
    let green = browser
        .eval(
            "return getComputedStyle(document.body).backgroundColor;",
            Vec::new(),
        )
        .await?;
    assert_eq!(green, "rgb(0, 128, 0)", "the page changed during the press");
    browser.close().await
}

#[tokio::test]
async fn a_press_released_off_the_button_reports_nothing_and_shows_balise_again() -> Result<()> {
    use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
    let setup = setup().await?;
    let (browser, page_url) = on_report_target(&setup, LaunchOptions::default()).await?;
    let button = flows::report_button(&browser).await?;
    // Pressed long enough for the capture at the press, then dragged off and released on
    // the page: no click.
    let actions = MouseActions::new("press-off".to_owned())
        .then(PointerAction::MoveToElement {
            element: button,
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Pause {
            duration: Duration::from_millis(200),
        })
        .then(PointerAction::MoveTo {
            duration: None,
            x: 100.0,
            y: 100.0,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    browser.client().perform_actions(actions).await?;
    // After the press's time-out (1 s), Balise's elements (transparent since the press)
    // show again, and nothing was reported.
    let transparent = "return document.querySelector('balise-report').style.opacity;";
    eventually(WAIT, "Balise's button shown again", || async {
        let opacity = browser.eval(transparent, Vec::new()).await?;
        Ok((opacity == "").then_some(()))
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        setup.api.reports().await?.len(),
        0,
        "a press is not a report"
    );
    let card_hidden = flows::report_card_attribute(&browser, "hidden").await?;
    assert!(card_hidden.is_some(), "no report card opened");

    // The next click reports once, with the screen at that click.
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "stored").await?;
    let reports = wait_for_reports(&setup.api, 1).await?;
    check_stored_report(&setup.api, &report_id(&reports[0])?, &page_url).await?;
    browser.close().await
}

#[tokio::test]
async fn the_report_button_reports_from_the_keyboard_with_enter_and_a_held_space() -> Result<()> {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let setup = setup().await?;
    let (browser, page_url) = on_report_target(&setup, LaunchOptions::default()).await?;
    let button = flows::report_button(&browser).await?;
    browser
        .client()
        .execute(
            "arguments[0].focus();",
            vec![serde_json::to_value(&button)?],
        )
        .await?;
    // Enter clicks at its `keydown`: the capture is made at that click.
    let enter = KeyActions::new("report-enter".to_owned())
        .then(KeyAction::Down { value: '\u{E007}' })
        .then(KeyAction::Up { value: '\u{E007}' });
    browser.client().perform_actions(enter).await?;
    flows::wait_report_status(&browser, "stored").await?;
    let first = wait_for_reports(&setup.api, 1).await?;
    check_stored_report(&setup.api, &report_id(&first[0])?, &page_url).await?;
    let first_id = flows::report_card_attribute(&browser, "data-report-id").await?;
    // Space clicks at its `keyup`: held, the capture is made at the press.
    tokio::time::sleep(Duration::from_millis(600)).await;
    browser.eval(GREEN_DURING_THE_PRESS, Vec::new()).await?;
    browser
        .client()
        .execute(
            "arguments[0].focus();",
            vec![serde_json::to_value(&button)?],
        )
        .await?;
    let space = KeyActions::new("report-space".to_owned())
        .then(KeyAction::Down { value: ' ' })
        .then(KeyAction::Pause {
            duration: Duration::from_millis(400),
        })
        .then(KeyAction::Up { value: ' ' });
    browser.client().perform_actions(space).await?;
    eventually(WAIT, "the second report's receipt", || async {
        let id = flows::report_card_attribute(&browser, "data-report-id").await?;
        Ok((id.is_some() && id != first_id).then_some(()))
    })
    .await?;
    flows::wait_report_status(&browser, "stored").await?;
    // The held key's report shows the page at the press: it turned green 150 ms into the
    // press, before the click.
    let reports = wait_for_reports(&setup.api, 2).await?;
    for summary in &reports {
        check_stored_report(&setup.api, &report_id(summary)?, &page_url).await?;
    }
    browser.close().await
}

#[tokio::test]
async fn a_report_made_before_pairing_waits_says_why_and_goes_once_paired() -> Result<()> {
    let setup = setup().await?;
    let browser = Browser::launch(LaunchOptions::default()).await?;
    flows::save_options(
        &browser,
        &setup.companion.base_url,
        REPORTER_NAME,
        REPORTER_EMAIL,
    )
    .await?;
    let page_url = setup.fixtures.url("report-target.html");
    browser.goto(&page_url).await?;
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "waiting").await?;
    let status = browser
        .eval(
            "return arguments[0].getRootNode().querySelector('.status').textContent",
            vec![browser.shadow_anchor("balise-report", ".card").await?],
        )
        .await?;
    ensure!(
        status
            .as_str()
            .is_some_and(|text| text.contains("not paired")),
        "the page says the report waits for pairing: {status}"
    );
    // The popup lists it as waiting.
    browser.open_extension_page("popup.html").await?;
    browser
        .wait_for_attribute("#outbox", "data-count", "1")
        .await?;
    assert_eq!(setup.api.reports().await?.len(), 0);

    // Paired: it goes, once.
    flows::pair_from_companion_page(&browser, &setup.companion).await?;
    let reports = wait_for_reports(&setup.api, 1).await?;
    check_stored_report(&setup.api, &report_id(&reports[0])?, &page_url).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(setup.api.reports().await?.len(), 1);
    browser.close().await
}

#[tokio::test]
async fn a_report_made_while_the_companion_is_down_is_delivered_once_it_is_back() -> Result<()> {
    report_waits_while_the_companion_is_down(Engine::Chromium).await
}

#[tokio::test]
async fn a_report_made_while_the_companion_is_down_is_delivered_once_it_is_back_in_firefox()
-> Result<()> {
    report_waits_while_the_companion_is_down(Engine::Firefox).await
}

async fn report_waits_while_the_companion_is_down(engine: Engine) -> Result<()> {
    let setup = setup().await?;
    let (browser, page_url) = on_report_target(&setup, LaunchOptions::engine(engine)).await?;

    let port = setup.companion.port()?;
    let (exit, _) = setup.companion.terminate()?;
    assert!(exit.success());
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "waiting").await?;

    let companion = CompanionProcess::start_on_port(setup.data_dir.path(), port)?;
    let reports = wait_for_reports(&setup.api, 1).await?;
    check_stored_report(&setup.api, &report_id(&reports[0])?, &page_url).await?;
    // Still exactly one a while later: the retries did not store it twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(setup.api.reports().await?.len(), 1);
    browser.close().await?;
    drop(companion);
    Ok(())
}

#[tokio::test]
async fn a_report_waiting_when_the_browser_closes_is_delivered_after_it_reopens() -> Result<()> {
    report_waits_while_the_browser_is_closed(Engine::Chromium).await
}

#[tokio::test]
async fn a_report_waiting_when_the_browser_closes_is_delivered_after_it_reopens_in_firefox()
-> Result<()> {
    report_waits_while_the_browser_is_closed(Engine::Firefox).await
}

async fn report_waits_while_the_browser_is_closed(engine: Engine) -> Result<()> {
    let setup = setup().await?;
    let profile = tempfile::tempdir()?;
    let with_profile = || LaunchOptions {
        profile_dir: Some(profile.path().to_path_buf()),
        ..LaunchOptions::engine(engine)
    };
    let (browser, page_url) = on_report_target(&setup, with_profile()).await?;

    let port = setup.companion.port()?;
    let (exit, _) = setup.companion.terminate()?;
    assert!(exit.success());
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "waiting").await?;
    browser.close().await?;

    let companion = CompanionProcess::start_on_port(setup.data_dir.path(), port)?;
    // Nothing arrives while the browser is closed…
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(setup.api.reports().await?.len(), 0);
    // …and the report goes as soon as the same profile opens again.
    let browser = Browser::launch(with_profile()).await?;
    let reports = wait_for_reports(&setup.api, 1).await?;
    check_stored_report(&setup.api, &report_id(&reports[0])?, &page_url).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(setup.api.reports().await?.len(), 1);
    browser.close().await?;
    drop(companion);
    Ok(())
}

#[tokio::test]
async fn four_quick_clicks_store_four_reports() -> Result<()> {
    let setup = setup().await?;
    let (browser, page_url) = on_report_target(&setup, LaunchOptions::default()).await?;
    for _ in 0..4 {
        flows::click_report_button(&browser).await?;
    }
    let reports = wait_for_reports(&setup.api, 4).await?;
    let mut ids = Vec::new();
    for summary in &reports {
        let id = report_id(summary)?;
        check_stored_report(&setup.api, &id, &page_url).await?;
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "four distinct reports");
    browser.close().await
}

async fn annotations(api: &CompanionApi, id: &str, count: usize) -> Result<Vec<serde_json::Value>> {
    eventually(DELIVERY_WAIT, &format!("{count} annotation(s)"), || async {
        let stored = api.report(id).await?;
        let list = stored["annotations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        Ok((list.len() == count).then_some(list))
    })
    .await
}

#[tokio::test]
async fn a_category_and_note_can_be_added_after_the_report_and_later_from_the_popup() -> Result<()>
{
    let setup = setup().await?;
    let (browser, _) = on_report_target(&setup, LaunchOptions::default()).await?;
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "stored").await?;
    let id = report_id(&wait_for_reports(&setup.api, 1).await?[0])?;

    // Right after the report, on the page: a category and a note.
    let shadow = browser
        .client()
        .find(Locator::Css("balise-report"))
        .await?
        .shadow_root()
        .await?;
    shadow
        .find(Locator::Css(".category option[value='harassment']"))
        .await?
        .click()
        .await?;
    let note = shadow.find(Locator::Css(".note")).await?;
    balise_e2e::browser::type_into(&note, "Propos répétés envers une enseignante.").await?;
    shadow.find(Locator::Css(".save")).await?.click().await?;
    let first = annotations(&setup.api, &id, 1).await?;
    assert_eq!(first[0]["category"], "harassment");
    assert_eq!(first[0]["note"], "Propos répétés envers une enseignante.");

    // Later, from the extension's popup: another note on the same report. (Opened in a
    // tab, the popup cannot report its own page, and says so.)
    browser.open_extension_page("popup.html").await?;
    browser
        .wait_for_attribute("#report-status", "data-state", "error")
        .await?;
    // The list of recent reports comes after the report's status.
    let choice = eventually(WAIT, "the popup's recent reports", || async {
        let Ok(choice) = browser.client().find(Locator::Css("#report-choice")).await else {
            return Ok(None);
        };
        Ok(Some(choice.prop("value").await?))
    })
    .await?;
    assert_eq!(
        choice.as_deref(),
        Some(id.as_str()),
        "the recent report is offered"
    );
    browser
        .client()
        .find(Locator::Css("#note"))
        .await?
        .send_keys("Capture d'écran transmise au conseil d'administration.")
        .await?;
    browser
        .client()
        .find(Locator::Css("#details button[type=submit]"))
        .await?
        .click()
        .await?;
    let both = annotations(&setup.api, &id, 2).await?;
    assert_eq!(
        both[1]["note"],
        "Capture d'écran transmise au conseil d'administration."
    );
    // The report itself is kept exactly as captured.
    let stored = setup.api.report(&id).await?;
    assert!(stored["report"]["note"].is_null());
    // Nothing else was stored (the popup's own page was not reported).
    assert_eq!(setup.api.reports().await?.len(), 1);
    browser.close().await
}

/// How the person opens the extension's popup, which reports the page at once.
#[derive(Debug, Clone, Copy)]
enum PopupOpener {
    ToolbarButton,
    KeyboardShortcut,
}

/// Opens the popup over the fixture page with some text selected, and checks what the
/// popup says and what the companion stored.
async fn report_from_the_popup(opener: PopupOpener) -> Result<()> {
    let setup = setup().await?;
    let (browser, page_url, selected) = on_report_target_with_selection(&setup).await?;

    match opener {
        PopupOpener::ToolbarButton => devtools::press_toolbar_button(&browser).await?,
        // The manifest's suggested shortcut for the toolbar button.
        PopupOpener::KeyboardShortcut => {
            devtools::press_alt_shift(&browser, &page_url, 's').await?
        }
    }
    let popup = devtools::popup(&browser).await?;
    let state = eventually(WAIT, "the popup's report status", || async {
        let state = devtools::evaluate(
            &popup,
            "document.getElementById('report-status')?.dataset.state ?? null",
        )
        .await?;
        Ok(state
            .as_str()
            .filter(|state| *state != "sending")
            .map(str::to_owned))
    })
    .await?;
    assert_eq!(state, "stored", "the popup says the report is stored");

    let reports = wait_for_reports(&setup.api, 1).await?;
    let id = report_id(&reports[0])?;
    check_stored_report(&setup.api, &id, &page_url).await?;
    // The page told the worker its selection (and its viewport, checked above).
    let stored = setup.api.report(&id).await?;
    assert_eq!(stored["report"]["selectedText"], selected.as_str());
    browser.close().await
}

#[tokio::test]
async fn the_toolbar_button_reports_the_page_at_once() -> Result<()> {
    report_from_the_popup(PopupOpener::ToolbarButton).await
}

#[tokio::test]
async fn the_keyboard_shortcut_reports_the_page_at_once() -> Result<()> {
    report_from_the_popup(PopupOpener::KeyboardShortcut).await
}

/// A paired browser on the report-target fixture, its content script started (its button
/// is there: captures must hide it all the same) and the remark selected, as a person
/// would before reporting. Returns the browser, the page's URL and the selection.
async fn on_report_target_with_selection(setup: &Setup) -> Result<(Browser, String, String)> {
    let (browser, page_url) = on_report_target(setup, LaunchOptions::default()).await?;
    flows::wait_for_report_button(&browser).await?;
    let selected = select_remark(&browser).await?;
    Ok((browser, page_url, selected))
}

/// Selects the fixture's remark in the page, as a person would before reporting.
async fn select_remark(browser: &Browser) -> Result<String> {
    let selected = browser
        .eval(
            "const remark = document.getElementById('remark');
             window.getSelection().selectAllChildren(remark);
             return window.getSelection().toString();",
            vec![],
        )
        .await?;
    selected
        .as_str()
        .map(str::to_owned)
        .context("nothing selected")
}

#[tokio::test]
async fn the_context_menu_reports_the_page_with_its_selection_and_confirms_in_the_page()
-> Result<()> {
    let setup = setup().await?;
    let (browser, page_url, selected) = on_report_target_with_selection(&setup).await?;

    // "Signaler au gestionnaire" in the context menu: the browser hands the worker the
    // tab and the selection, as here.
    let worker = devtools::service_worker(&browser).await?;
    let selected_json = serde_json::to_string(&selected)?;
    let handled = devtools::evaluate(
        &worker,
        &format!(
            "chrome.tabs.query({{ active: true, lastFocusedWindow: true }})
               .then(([tab]) => baliseForwardEvent('context-menu',
                 {{ info: {{ menuItemId: 'balise-report', selectionText: {selected_json} }}, tab }}))
               .then((reply) => reply.type)"
        ),
    )
    .await?;
    assert_eq!(handled, serde_json::json!("reported"));

    // The page's card confirms, and takes a category and a note for this report.
    flows::wait_report_status(&browser, "stored").await?;
    let reports = wait_for_reports(&setup.api, 1).await?;
    let id = report_id(&reports[0])?;
    check_stored_report(&setup.api, &id, &page_url).await?;
    let stored = setup.api.report(&id).await?;
    assert_eq!(stored["report"]["selectedText"], selected.as_str());
    let card_id = browser
        .eval(
            "return arguments[0].dataset.reportId",
            vec![browser.shadow_anchor("balise-report", ".card").await?],
        )
        .await?;
    assert_eq!(card_id, serde_json::json!(id));
    browser.close().await
}

/// A TCP relay from `[::1]:port` to the companion on `127.0.0.1:port` (the companion
/// answers to both names), which can hold back the answer to a report's upload: the
/// companion stores the report, and the extension never hears of it.
struct HoldingRelay {
    hold: std::sync::Arc<std::sync::atomic::AtomicBool>,
    held: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl HoldingRelay {
    async fn start(port: u16) -> Result<HoldingRelay> {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind(("::1", port)).await?;
        let hold = Arc::new(AtomicBool::new(false));
        let held = Arc::new(AtomicUsize::new(0));
        let (relay_hold, relay_held) = (hold.clone(), held.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(upstream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
                    continue;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut upstream_read, mut upstream_write) = upstream.into_split();
                let upload = Arc::new(AtomicBool::new(false));
                let seen = upload.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 64 * 1024];
                    while let Ok(read) = client_read.read(&mut buffer).await {
                        if read == 0 {
                            break;
                        }
                        if buffer[..read].starts_with(b"POST /api/v1/reports ") {
                            seen.store(true, Ordering::SeqCst);
                        }
                        if upstream_write.write_all(&buffer[..read]).await.is_err() {
                            break;
                        }
                    }
                });
                let (hold, held) = (relay_hold.clone(), relay_held.clone());
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 64 * 1024];
                    while let Ok(read) = upstream_read.read(&mut buffer).await {
                        if read == 0 {
                            break;
                        }
                        if upload.load(Ordering::SeqCst) && hold.load(Ordering::SeqCst) {
                            // The answer is lost: keep the connection open, silent.
                            held.fetch_add(1, Ordering::SeqCst);
                            std::future::pending::<()>().await;
                        }
                        if client_write.write_all(&buffer[..read]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Ok(HoldingRelay { hold, held, task })
    }

    fn set_hold(&self, hold: bool) {
        self.hold.store(hold, std::sync::atomic::Ordering::SeqCst);
    }

    fn held(&self) -> usize {
        self.held.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for HoldingRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn a_report_stored_whose_answer_was_lost_is_not_refused_after_the_name_changes() -> Result<()>
{
    let setup = setup().await?;
    let port = setup.companion.port()?;
    let relay = HoldingRelay::start(port).await?;
    let relay_url = format!("http://[::1]:{port}");
    let profile = tempfile::tempdir()?;
    let with_profile = || LaunchOptions {
        profile_dir: Some(profile.path().to_path_buf()),
        ..LaunchOptions::default()
    };
    // Paired through the relay, with no name or email yet: the report waits for them.
    let browser = Browser::launch(with_profile()).await?;
    flows::save_options(&browser, &relay_url, "", "").await?;
    flows::pair(&browser, &setup.companion).await?;
    let page_url = setup.fixtures.url("report-target.html");
    browser.goto(&page_url).await?;
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "waiting").await?;

    // The name and email come; the report goes with them, the companion stores it, and
    // its answer is lost on the way back.
    relay.set_hold(true);
    // As the options page saves them, without waiting for the delivery it starts (whose
    // answer never comes).
    browser.open_extension_page("options.html").await?;
    let saved = browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];
             (async () => {
               const { settings } = await chrome.storage.local.get('settings');
               settings.reporterName = arguments[0];
               settings.reporterEmail = arguments[1];
               await chrome.storage.local.set({ settings });
               chrome.runtime.sendMessage({ type: 'flush' });
               return true;
             })().then(done, (error) => done(String(error)));",
            vec![
                serde_json::json!(REPORTER_NAME),
                serde_json::json!(REPORTER_EMAIL),
            ],
        )
        .await?;
    assert_eq!(saved, serde_json::json!(true), "{saved}");
    let reports = wait_for_reports(&setup.api, 1).await?;
    let id = report_id(&reports[0])?;
    eventually(WAIT, "the companion's answer to be held", || async {
        Ok((relay.held() > 0).then_some(()))
    })
    .await?;
    // Before any retry, the person corrects their name; then the browser closes, with the
    // upload still unanswered.
    flows::save_options(
        &browser,
        &relay_url,
        "Marie-Ève Tremblay-Roy",
        REPORTER_EMAIL,
    )
    .await?;
    browser.close().await?;
    relay.set_hold(false);

    // Reopened, the extension sends the report again: the same bytes, which the companion
    // answers as the replay of what it stored, and the outbox lets it go.
    let browser = Browser::launch(with_profile()).await?;
    browser.open_extension_page("options.html").await?;
    let outbox = eventually(DELIVERY_WAIT, "the report to leave the outbox", || async {
        let status = browser
            .client()
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 chrome.runtime.sendMessage({ type: 'get-status' }).then(done, (e) => done(String(e)));",
                vec![],
            )
            .await?;
        let outbox = status["outbox"].clone();
        let settled = outbox
            .as_array()
            .is_some_and(|items| items.iter().all(|item| item["state"] != "waiting"));
        Ok(settled.then_some(outbox))
    })
    .await?;
    assert_eq!(outbox, serde_json::json!([]), "delivered, not refused");
    let stored = setup.api.report(&id).await?;
    assert_eq!(stored["report"]["reporter"]["name"], REPORTER_NAME);
    assert_eq!(setup.api.reports().await?.len(), 1);
    browser.close().await
}
