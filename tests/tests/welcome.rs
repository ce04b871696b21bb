//! The first run, end to end: the welcome page the built extension opens by itself when it
//! is installed (in the browser's language), set up there (name, email, role, pairing with
//! the real companion), and the report card's and popup's way back to it when a report
//! waits for the name and email.
//!
//! ChromeDriver does not list a tab that the extension opened on one of its own pages, so
//! the harness reads that tab through the DevTools protocol (`Browser::eval_in_welcome_tab`);
//! the form is then filled in as a person would, on the same page in the test's tab.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use balise_e2e::browser::{Browser, Engine, LaunchOptions, WelcomeTab};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::{WAIT, eventually, flows};
use fantoccini::Locator;
use serde_json::Value;

const REPORTER_NAME: &str = "Marie-Ève Tremblay";
const REPORTER_EMAIL: &str = "marie-eve.tremblay@example.org";
/// A waiting report goes at the extension's next delivery; this bounds the wait.
const DELIVERY_WAIT: Duration = Duration::from_secs(45);

struct Setup {
    fixtures: FixtureServer,
    _data_dir: tempfile::TempDir,
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
        _data_dir: data_dir,
        companion,
        api,
    })
}

/// A browser of `engine` whose language is `tag` (`fr-CA`, `en-US`), as a fresh install.
fn browser_in(engine: Engine, tag: &str, keep_welcome_page: bool) -> LaunchOptions {
    let mut options = LaunchOptions {
        browser: engine,
        keep_welcome_page,
        ..LaunchOptions::default()
    };
    match engine {
        Engine::Chromium => {
            options.extra_args = vec![format!("--lang={tag}"), format!("--accept-lang={tag}")];
        }
        Engine::Firefox => {
            let primary = tag.split('-').next().unwrap_or(tag);
            options.firefox_prefs.insert(
                "intl.accept_languages".to_owned(),
                format!("{tag}, {primary}").into(),
            );
        }
    }
    options
}

/// What the welcome page shows, once it knows where the person stands.
const WELCOME_SHOWN: &str = "
    const progress = document.getElementById('welcome-progress');
    if (!progress || !progress.dataset.state) return null;
    const step = (name) => progress.querySelector(`li[data-step=${name}]`);
    return {
      lang: document.documentElement.lang,
      title: document.title,
      heading: document.querySelector('h1').textContent,
      state: progress.dataset.state,
      identity: step('identity').textContent,
      identityDone: step('identity').dataset.done,
      pairing: step('pairing').textContent,
      pairingDone: step('pairing').dataset.done,
      summary: document.getElementById('welcome-summary').textContent,
      fields: ['reporter-name', 'reporter-email', 'role', 'companion-url', 'pair-button']
        .filter((id) => document.getElementById(id)),
    };";

/// Reads [`WELCOME_SHOWN`] in the welcome page's tab, once the page has rendered it.
async fn welcome_shown(browser: &Browser, tab: &WelcomeTab) -> Result<Value> {
    eventually(WAIT, "the welcome page's content", || async {
        let shown = browser.eval_in_welcome_tab(tab, WELCOME_SHOWN).await?;
        Ok((!shown.is_null()).then_some(shown))
    })
    .await
}

/// The text of `css` on the page in the current tab.
async fn text_of(browser: &Browser, css: &str) -> Result<String> {
    Ok(browser
        .client()
        .find(Locator::Css(css))
        .await?
        .text()
        .await?)
}

async fn wait_for_reports(api: &CompanionApi, count: usize) -> Result<Vec<Value>> {
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

/// The one stored report, which must come from `page_url` and carry the person's name
/// and email.
async fn check_single_report(api: &CompanionApi, page_url: &str) -> Result<()> {
    let reports = wait_for_reports(api, 1).await?;
    let id = reports[0]["id"].as_str().context("a report without id")?;
    let stored = api.report(id).await?;
    let report = &stored["report"];
    assert_eq!(report["pageUrl"], page_url);
    assert_eq!(report["reporter"]["name"], REPORTER_NAME);
    assert_eq!(report["reporter"]["email"], REPORTER_EMAIL);
    Ok(())
}

/// The language a welcome page is expected in, and its strings the tests check.
struct Expected {
    tag: &'static str,
    lang: &'static str,
    title: &'static str,
    identity_todo: &'static str,
    pairing_todo: &'static str,
    not_ready: &'static str,
    ready: &'static str,
}

const FRENCH: Expected = Expected {
    tag: "fr-CA",
    lang: "fr",
    title: "Bienvenue dans Balise",
    identity_todo: "À faire : indiquer votre nom et votre courriel",
    pairing_todo: "À faire : jumeler ce navigateur au compagnon",
    not_ready: "Balise n'est pas encore prêt",
    ready: "Balise est prêt.",
};

const ENGLISH: Expected = Expected {
    tag: "en-US",
    lang: "en",
    title: "Welcome to Balise",
    identity_todo: "To do: enter your name and email",
    pairing_todo: "To do: pair this browser with the companion",
    not_ready: "Balise is not ready yet",
    ready: "Balise is ready.",
};

/// A fresh install in a browser speaking `expected`'s language: the welcome page opens by
/// itself, in that language, with everything to do; the person fills it in (as `role`) and
/// pairs from it, it says Balise is ready, and a report then reaches the companion with
/// their name and email.
async fn welcome_at_install(engine: Engine, expected: &Expected, role: &str) -> Result<()> {
    let setup = setup().await?;
    let browser = Browser::launch(browser_in(engine, expected.tag, true)).await?;

    let tab = browser.wait_for_welcome_tab().await?;
    let shown = welcome_shown(&browser, &tab).await?;
    assert_eq!(shown["lang"], expected.lang, "{shown}");
    assert_eq!(shown["title"], expected.title);
    assert_eq!(shown["heading"], expected.title);
    assert_eq!(shown["state"], "incomplete");
    assert_eq!(shown["identityDone"], "false");
    assert_eq!(shown["pairingDone"], "false");
    ensure!(
        shown["identity"]
            .as_str()
            .is_some_and(|text| text.starts_with(expected.identity_todo)),
        "the identity step: {shown}"
    );
    ensure!(
        shown["pairing"]
            .as_str()
            .is_some_and(|text| text.starts_with(expected.pairing_todo)),
        "the pairing step: {shown}"
    );
    ensure!(
        shown["summary"]
            .as_str()
            .is_some_and(|text| text.starts_with(expected.not_ready)),
        "the summary: {shown}"
    );
    // One screen: identity, role and pairing.
    assert_eq!(
        shown["fields"],
        serde_json::json!([
            "reporter-name",
            "reporter-email",
            "role",
            "companion-url",
            "pair-button"
        ])
    );
    browser.close_welcome_tab(tab).await?;

    // The same page, filled in as a person would.
    assert_eq!(flows::open_welcome_page(&browser).await?, "incomplete");
    flows::fill_welcome_page(
        &browser,
        &setup.companion.base_url,
        REPORTER_NAME,
        REPORTER_EMAIL,
        role,
    )
    .await?;
    browser
        .wait_for_attribute("li[data-step=identity]", "data-done", "true")
        .await?;
    assert_eq!(
        flows::pair_from_welcome_page(&browser, &setup.companion).await?,
        "ready"
    );
    let summary = text_of(&browser, "#welcome-summary").await?;
    ensure!(
        summary.starts_with(expected.ready),
        "the welcome page says Balise is ready: {summary:?}"
    );
    let pairing = text_of(&browser, "li[data-step=pairing]").await?;
    ensure!(
        pairing.contains(&setup.companion.base_url),
        "the pairing step names the companion: {pairing:?}"
    );
    balise_e2e::screenshots::save(
        &browser,
        &format!("welcome-ready-{}-{engine:?}", expected.lang).to_lowercase(),
    )
    .await?;

    // The role is the one chosen, as the options show it.
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#sw-status", "data-state", "ok")
        .await?;
    let chosen = browser
        .client()
        .find(Locator::Css("#role"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(chosen.as_deref(), Some(role));

    let page_url = setup.fixtures.url("report-target.html");
    browser.goto(&page_url).await?;
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "stored").await?;
    check_single_report(&setup.api, &page_url).await?;
    browser.close().await
}

#[tokio::test]
async fn a_french_browser_gets_the_welcome_page_in_french_and_is_ready_after_filling_it_in()
-> Result<()> {
    welcome_at_install(Engine::Chromium, &FRENCH, "member").await
}

#[tokio::test]
async fn an_english_browser_gets_the_welcome_page_in_english_and_is_ready_after_filling_it_in()
-> Result<()> {
    welcome_at_install(Engine::Chromium, &ENGLISH, "manager").await
}

#[tokio::test]
async fn firefox_opens_the_welcome_page_at_install_and_is_ready_after_filling_it_in() -> Result<()>
{
    welcome_at_install(Engine::Firefox, &FRENCH, "member").await
}

/// Clicks the card's button to the welcome page (a real, trusted click) and waits for the
/// service worker's answer.
async fn click_card_setup_button(browser: &Browser) -> Result<()> {
    browser
        .click_in_shadow("balise-report", "button.setup")
        .await?;
    browser
        .wait_for_shadow_attribute("balise-report", "button.setup", "data-state", "opened")
        .await
}

/// A report made before the name and email are known: the card says so and offers a
/// button; a script's click on it does nothing, the person's opens the welcome page (once:
/// a second click brings the same tab forward). Filled in there, the report goes.
async fn card_leads_to_the_welcome_page(engine: Engine) -> Result<()> {
    let setup = setup().await?;
    let browser = Browser::launch(browser_in(engine, ENGLISH.tag, false)).await?;
    // Paired, but no name or email yet.
    flows::pair_from_companion_page(&browser, &setup.companion).await?;
    let page_url = setup.fixtures.url("report-target.html");
    browser.goto(&page_url).await?;
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "waiting").await?;
    let card = browser
        .eval(
            "const card = arguments[0].getRootNode();
             const button = card.querySelector('button.setup');
             return { status: card.querySelector('.status').textContent,
                      button: button.textContent, hidden: button.hidden };",
            vec![browser.shadow_anchor("balise-report", ".card").await?],
        )
        .await?;
    ensure!(
        card["status"]
            .as_str()
            .is_some_and(|text| text.contains("as soon as you have entered your name and email")),
        "the card says the report waits for the name and email: {card}"
    );
    assert_eq!(card["button"], "Add my name and email", "{card}");
    assert_eq!(card["hidden"], false, "{card}");
    balise_e2e::screenshots::save(
        &browser,
        &format!("welcome-card-button-{engine:?}").to_lowercase(),
    )
    .await?;

    // A script's click is not the person's: the button does not even start. (A page
    // cannot reach the button in the closed shadow root; the test hands it the button.)
    let scripted = browser
        .eval(
            "const button = arguments[0];
             button.click();
             button.dispatchEvent(new MouseEvent('click', { bubbles: true }));
             return button.dataset.state ?? null;",
            vec![
                browser
                    .shadow_anchor("balise-report", "button.setup")
                    .await?,
            ],
        )
        .await?;
    assert_eq!(scripted, Value::Null, "an untrusted click was ignored");

    click_card_setup_button(&browser).await?;
    let tab = browser.wait_for_welcome_tab().await?;
    let shown = welcome_shown(&browser, &tab).await?;
    assert_eq!(shown["lang"], "en");
    assert_eq!(shown["identityDone"], "false", "{shown}");
    assert_eq!(shown["pairingDone"], "true", "{shown}");
    // Again: the open welcome page comes forward, no second one.
    click_card_setup_button(&browser).await?;
    assert_eq!(browser.welcome_tabs().await?.len(), 1);
    browser.close_welcome_tab(tab).await?;
    assert_eq!(
        setup.api.reports().await?.len(),
        0,
        "the report still waits"
    );

    // Filled in: the waiting report goes, with the name and email.
    flows::open_welcome_page(&browser).await?;
    flows::fill_welcome_page(
        &browser,
        &setup.companion.base_url,
        REPORTER_NAME,
        REPORTER_EMAIL,
        "member",
    )
    .await?;
    assert_eq!(flows::welcome_state(&browser).await?, "ready");
    check_single_report(&setup.api, &page_url).await?;
    browser.close().await
}

#[tokio::test]
async fn the_report_cards_button_opens_the_welcome_page_and_the_waiting_report_goes_once_filled_in()
-> Result<()> {
    card_leads_to_the_welcome_page(Engine::Chromium).await
}

#[tokio::test]
async fn firefox_the_report_cards_button_opens_the_welcome_page() -> Result<()> {
    card_leads_to_the_welcome_page(Engine::Firefox).await
}

#[tokio::test]
async fn the_popup_leads_to_the_welcome_page_while_the_name_and_email_are_missing() -> Result<()> {
    let browser = Browser::launch(browser_in(Engine::Chromium, FRENCH.tag, false)).await?;
    // Opened in a tab, the popup cannot report its own page; it still says what is missing.
    browser.open_extension_page("popup.html").await?;
    browser
        .wait_for_attribute("#report-status", "data-state", "error")
        .await?;
    let button = eventually(WAIT, "the popup's button to the welcome page", || async {
        Ok(browser
            .client()
            .find(Locator::Css("#open-welcome"))
            .await
            .ok())
    })
    .await?;
    assert_eq!(button.text().await?, "Indiquer mon nom et mon courriel");
    button.click().await?;
    browser
        .wait_for_attribute("#open-welcome", "data-state", "opened")
        .await?;
    let tab = browser.wait_for_welcome_tab().await?;
    let shown = welcome_shown(&browser, &tab).await?;
    assert_eq!(shown["lang"], "fr");
    assert_eq!(shown["title"], FRENCH.title);
    browser.close_welcome_tab(tab).await?;
    browser.close().await
}
