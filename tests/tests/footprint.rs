//! Balise's footprint on pages, in headless Chromium with the built extension: a plain page
//! and its three iframes see no element, attribute or resource of Balise, while the toolbar
//! report still stores the page in the real companion; a page that looks like a Mastodon
//! instance on an unknown host (at load or built late) shows nothing until the person says
//! yes in the popup, and then gets the checklist; a "no" is remembered for the host (no
//! mark, no question, nothing injected) until the person forgets it in the options.
//!
//! The look-alike tests also run in headless Firefox ESR (`…_in_firefox`, one body taking
//! the browser). Firefox has no DevTools protocol to press the toolbar button: there the
//! popup is opened as a page in a tab of its own, naming the look-alike's tab
//! (`popup.html?tab=ID`), and clicked through WebDriver (trusted clicks too); the badge is
//! read from an extension page.

use anyhow::{Context, Result, ensure};
use balise_e2e::browser::{Browser, EnabledSites, Engine, LaunchOptions};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::{CHROMIUM_EXTENSION_ID, WAIT, devtools, eventually, flows};
use fantoccini::Locator;
use fantoccini::wd::WindowHandle;
use serde_json::{Value, json};

/// Nothing but the compose sites and pairing pages gets the content script.
fn no_enabled_site() -> LaunchOptions {
    no_enabled_site_in(Engine::Chromium)
}

/// [`no_enabled_site`] in `engine`.
fn no_enabled_site_in(engine: Engine) -> LaunchOptions {
    LaunchOptions {
        enabled_sites: EnabledSites::None,
        ..LaunchOptions::engine(engine)
    }
}

/// What the page's own scripts can find of Balise, in the document and in each iframe:
/// elements and attributes named after it, attributes on `<html>` and `<body>` beyond the
/// page's own, extension addresses among the loaded resources, and extension files they
/// can fetch at a fixed address. Returns the traces found (empty when none).
async fn traces_seen_by_the_page(browser: &Browser) -> Result<Vec<String>> {
    let script = "const [id, done] = [arguments[0], arguments[arguments.length - 1]];
      const traces = [];
      const scan = (doc, where) => {
        for (const element of doc.querySelectorAll('*')) {
          if (element.tagName.toLowerCase().includes('balise')) traces.push(where + ': <' + element.tagName + '>');
          if (element.shadowRoot) traces.push(where + ': shadow root on ' + element.tagName);
          for (const attribute of element.attributes) {
            if (attribute.name.includes('balise') || attribute.value.includes('-extension://')) {
              traces.push(where + ': ' + element.tagName + '[' + attribute.name + ']');
            }
          }
        }
        const own = { HTML: ['lang'], BODY: [] };
        for (const element of [doc.documentElement, doc.body]) {
          for (const attribute of element.attributes) {
            if (!own[element.tagName].includes(attribute.name)) {
              traces.push(where + ': ' + element.tagName + ' has ' + attribute.name);
            }
          }
        }
        for (const entry of doc.defaultView.performance.getEntries()) {
          if (/^(chrome|moz)-extension:/.test(entry.name)) traces.push(where + ': resource ' + entry.name);
        }
      };
      scan(document, 'page');
      const frames = [...document.querySelectorAll('iframe')];
      frames.forEach((frame, index) => scan(frame.contentDocument, 'frame ' + (index + 1)));
      const files = ['manifest.json', 'content.js', 'detect.js', 'sw.js', 'popup.html',
        'default-policy.json', 'pkg-js/balise_content.js', 'pkg/content/balise_extension.js',
        'pkg/content/balise_extension_bg.wasm', 'pkg/worker/balise_extension_bg.wasm'];
      const probes = files.map((file) => fetch('chrome-extension://' + id + '/' + file)
        .then(() => traces.push('fetched ' + file), () => {}));
      Promise.all(probes).then(() => done({ traces, frames: frames.length }));";
    let answer = browser
        .client()
        .execute_async(script, vec![json!(CHROMIUM_EXTENSION_ID)])
        .await?;
    ensure!(
        answer["frames"] == json!(3),
        "the page has its 3 frames: {answer}"
    );
    Ok(answer["traces"]
        .as_array()
        .context("no traces list")?
        .iter()
        .map(|trace| trace.as_str().unwrap_or_default().to_owned())
        .collect())
}

/// Runs `script` (WebDriver's asynchronous kind: it answers through its last argument) in
/// the extension's `page`, opened in a tab of its own, then closes that tab and comes back
/// to the current one (Firefox: WebDriver reaches extension pages there, not the worker).
async fn eval_in_extension_tab(
    browser: &Browser,
    page: &str,
    script: &str,
    args: Vec<Value>,
) -> Result<Value> {
    let client = browser.client();
    let current = client.window().await?;
    let opened = client.new_window(true).await?;
    client.switch_to_window(opened.handle).await?;
    let answer = async {
        browser.open_extension_page(page).await?;
        Ok::<_, anyhow::Error>(client.execute_async(script, args).await?)
    }
    .await;
    client.close_window().await?;
    client.switch_to_window(current).await?;
    answer
}

/// The id of the tab showing `url` and its badge text, as `{ id, badge }` (null when no
/// tab shows it), from `chrome.tabs` and `chrome.action`.
const TAB_AND_BADGE: &str = "chrome.tabs.query({}).then((tabs) => {
       const tab = tabs.find((tab) => tab.url === URL);
       return tab ? chrome.action.getBadgeText({ tabId: tab.id })
         .then((badge) => ({ id: tab.id, badge })) : null;
     })";

/// The tab showing `url`: its id and badge text, read in the service worker (Chromium) or
/// an extension page (Firefox).
async fn tab_and_badge(browser: &Browser, url: &str) -> Result<(i64, String)> {
    let expression = TAB_AND_BADGE.replace("URL", &json!(url).to_string());
    let answer = match browser.engine() {
        Engine::Chromium => {
            let worker = devtools::service_worker(browser).await?;
            devtools::evaluate(&worker, &expression).await?
        }
        Engine::Firefox => {
            let script = format!(
                "const done = arguments[arguments.length - 1];
                 {expression}.then(done, (error) => done({{ error: String(error) }}));"
            );
            eval_in_extension_tab(browser, "options.html", &script, vec![]).await?
        }
    };
    let id = answer["id"]
        .as_i64()
        .with_context(|| format!("no tab shows {url}: {answer}"))?;
    Ok((id, answer["badge"].as_str().unwrap_or_default().to_owned()))
}

/// The tab showing `url`'s badge text.
async fn badge_of(browser: &Browser, url: &str) -> Result<String> {
    Ok(tab_and_badge(browser, url).await?.1)
}

/// Waits until the look-alike detector has marked the tab showing `url`.
async fn wait_until_marked(browser: &Browser, url: &str) -> Result<()> {
    eventually(WAIT, "the tab to be marked as a look-alike", || async {
        Ok((badge_of(browser, url).await? == "?").then_some(()))
    })
    .await
}

/// The popup over the tab showing a page: Chromium's own (the toolbar button, reached
/// through the DevTools protocol), or in Firefox the popup page in a tab of its own naming
/// the page's tab, with the page's window to come back to.
enum Popup {
    Chromium(devtools::Target),
    Firefox { page: WindowHandle },
}

impl Popup {
    /// Opens the popup over the current tab, which shows `url`.
    async fn open(browser: &Browser, url: &str) -> Result<Self> {
        match browser.engine() {
            Engine::Chromium => {
                devtools::press_toolbar_button(browser).await?;
                Ok(Popup::Chromium(devtools::popup(browser).await?))
            }
            Engine::Firefox => {
                let (tab, _) = tab_and_badge(browser, url).await?;
                let client = browser.client();
                let page = client.window().await?;
                let opened = client.new_window(true).await?;
                client.switch_to_window(opened.handle).await?;
                browser
                    .open_extension_page(&format!("popup.html?tab={tab}"))
                    .await?;
                Ok(Popup::Firefox { page })
            }
        }
    }

    /// The value of `expression` in the popup.
    async fn evaluate(&self, browser: &Browser, expression: &str) -> Result<Value> {
        match self {
            Popup::Chromium(target) => devtools::evaluate(target, expression).await,
            Popup::Firefox { .. } => browser.eval(&format!("return {expression}"), vec![]).await,
        }
    }

    /// Clicks `selector` in the popup as the person does (a trusted click).
    async fn click(&self, browser: &Browser, selector: &str) -> Result<()> {
        match self {
            Popup::Chromium(target) => devtools::click(target, selector).await,
            Popup::Firefox { .. } => {
                browser
                    .client()
                    .find(Locator::Css(selector))
                    .await?
                    .click()
                    .await?;
                Ok(())
            }
        }
    }

    /// Closes the popup and comes back to the page (Chromium's popup may have closed
    /// itself already).
    async fn leave(self, browser: &Browser) -> Result<()> {
        match self {
            Popup::Chromium(target) => {
                let _ = devtools::close_target(browser, &target).await;
            }
            Popup::Firefox { page } => {
                browser.client().close_window().await?;
                browser.client().switch_to_window(page).await?;
            }
        }
        Ok(())
    }

    /// Waits for the look-alike question (or its absence: `null`) once the popup has
    /// settled, as `[state, text, report status]`.
    async fn question(&self, browser: &Browser) -> Result<Value> {
        eventually(WAIT, "the popup's question", || async {
            let asked = self
                .evaluate(
                    browser,
                    "(() => { const status = document.getElementById('report-status');
                       if (!status || status.dataset.state === 'sending') return null;
                       const section = document.getElementById('lookalike');
                       return section ? [section.dataset.state, section.textContent,
                         status.dataset.state] : [null, null, status.dataset.state]; })()",
                )
                .await?;
            Ok((!asked.is_null()).then_some(asked))
        })
        .await
    }

    /// The look-alike section's state once it is no longer `asked`.
    async fn answered(&self, browser: &Browser) -> Result<String> {
        eventually(WAIT, "the popup's answer", || async {
            let state = self
                .evaluate(
                    browser,
                    "document.getElementById('lookalike').dataset.state",
                )
                .await?;
            Ok(state
                .as_str()
                .filter(|state| *state != "asked")
                .map(str::to_owned))
        })
        .await
    }
}

/// Checks that `asked` (from [`Popup::question`]) is the Mastodon look-alike question about
/// the fixture host, and that opening the popup reported nothing.
fn assert_asked(asked: &Value) {
    assert_eq!(asked[0], "asked", "{asked}");
    let question = asked[1].as_str().unwrap_or_default();
    assert!(
        question.contains("looks like a Mastodon instance: use the checklist here?")
            || question.contains("ressemble à une instance Mastodon"),
        "{question}"
    );
    assert!(question.contains("127.0.0.1"), "{question}");
    assert_eq!(
        asked[2], "not-reported",
        "opening the popup reported nothing"
    );
}

/// Whether the page holds any element of Balise's (report button, panel).
async fn balise_elements(browser: &Browser) -> Result<u64> {
    let count = browser
        .eval(
            "return document.querySelectorAll('balise-report, balise-checklist, [data-balise-overlay]').length",
            vec![],
        )
        .await?;
    count.as_u64().context("no count")
}

#[tokio::test]
async fn a_plain_page_and_its_frames_see_nothing_and_the_toolbar_still_reports_it() -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let data_dir = tempfile::tempdir()?;
    let companion = CompanionProcess::start(data_dir.path())?;
    let api = CompanionApi::new(&companion.base_url, api_token(data_dir.path())?);
    let browser = Browser::launch(no_enabled_site()).await?;
    // Pairing goes through the companion's /pair page, which keeps its content script.
    flows::save_options(
        &browser,
        &companion.base_url,
        "Camille Tremblay",
        "camille@example.org",
    )
    .await?;
    flows::pair(&browser, &companion).await?;

    let page_url = fixtures.url("plain-frames.html");
    browser.goto(&page_url).await?;
    eventually(WAIT, "the frames to load", || async {
        let loaded = browser
            .eval(
                "return [...document.querySelectorAll('iframe')].every((frame) =>
                   frame.contentDocument?.readyState === 'complete')",
                vec![],
            )
            .await?;
        Ok((loaded == json!(true)).then_some(()))
    })
    .await?;
    // The extension itself finds no content script in the tab: none was injected.
    assert_eq!(browser.content_state().await?, None);
    let traces = traces_seen_by_the_page(&browser).await?;
    assert!(traces.is_empty(), "the page sees Balise: {traces:?}");
    assert_eq!(
        badge_of(&browser, &page_url).await?,
        "",
        "no look-alike mark"
    );

    // The toolbar button reports the page all the same (captureVisibleTab with activeTab).
    devtools::press_toolbar_button(&browser).await?;
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
    let reports = eventually(WAIT, "the stored report", || async {
        let reports = api.reports().await?;
        Ok((!reports.is_empty()).then_some(reports))
    })
    .await?;
    assert_eq!(reports.len(), 1);
    let id = reports[0]["id"].as_str().context("report id")?;
    let stored = api.report(id).await?;
    assert_eq!(stored["report"]["pageUrl"], page_url.as_str(), "{stored}");
    // Still nothing in the page after the report.
    let traces = traces_seen_by_the_page(&browser).await?;
    assert!(
        traces.is_empty(),
        "after the report, the page sees Balise: {traces:?}"
    );
    browser.close().await
}

/// Opens the popup over the marked look-alike at `url`, checks that it asks first and
/// reported nothing, says yes with a trusted click, and waits for the panel in the page.
async fn confirm_in_the_popup_and_see_the_panel(browser: &Browser, url: &str) -> Result<()> {
    assert_eq!(
        balise_elements(browser).await?,
        0,
        "nothing in the page before"
    );
    assert_eq!(
        browser.content_state().await?,
        None,
        "no content script before"
    );
    let popup = Popup::open(browser, url).await?;
    assert_asked(&popup.question(browser).await?);
    popup.click(browser, "#lookalike-yes").await?;
    assert_eq!(popup.answered(browser).await?, "enabled");
    popup.leave(browser).await?;
    flows::wait_for_panel(browser).await?;
    assert_eq!(badge_of(browser, url).await?, "", "the mark is gone");
    Ok(())
}

#[tokio::test]
async fn a_mastodon_lookalike_shows_nothing_until_the_person_says_yes() -> Result<()> {
    lookalike_shows_nothing_until_yes(Engine::Chromium).await
}

#[tokio::test]
async fn a_mastodon_lookalike_shows_nothing_until_the_person_says_yes_in_firefox() -> Result<()> {
    lookalike_shows_nothing_until_yes(Engine::Firefox).await
}

async fn lookalike_shows_nothing_until_yes(engine: Engine) -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let browser = Browser::launch(no_enabled_site_in(engine)).await?;
    let url = fixtures.url("compose-signature.html");
    browser.goto(&url).await?;
    wait_until_marked(&browser, &url).await?;
    confirm_in_the_popup_and_see_the_panel(&browser, &url).await?;

    // The host is an enabled site from now on: the next visit gets the checklist at once,
    // and the options list it.
    browser.goto(&url).await?;
    flows::wait_for_panel(&browser).await?;
    let state = browser.wait_for_content_state().await?;
    assert_eq!(state["checklist"], true);
    browser.open_extension_page("options.html").await?;
    let sites = eventually(WAIT, "the options' enabled sites", || async {
        let value = browser
            .eval(
                "return document.getElementById('extra-sites')?.value ?? null",
                vec![],
            )
            .await?;
        Ok(value.as_str().filter(|v| !v.is_empty()).map(str::to_owned))
    })
    .await?;
    assert_eq!(sites.trim(), "127.0.0.1");
    browser.close().await
}

#[tokio::test]
async fn a_no_in_the_popup_is_remembered_until_forgotten_in_the_options() -> Result<()> {
    no_is_remembered_until_forgotten(Engine::Chromium).await
}

#[tokio::test]
async fn a_no_in_the_popup_is_remembered_until_forgotten_in_the_options_in_firefox() -> Result<()> {
    no_is_remembered_until_forgotten(Engine::Firefox).await
}

/// "No" in the popup: the host is remembered as refused (no "?" on the next visit, no
/// question, nothing injected), listed in the options, and asked about again once the
/// person forgets the refusal there.
async fn no_is_remembered_until_forgotten(engine: Engine) -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let browser = Browser::launch(no_enabled_site_in(engine)).await?;
    let url = fixtures.url("compose-signature.html");
    browser.goto(&url).await?;
    wait_until_marked(&browser, &url).await?;
    let popup = Popup::open(&browser, &url).await?;
    assert_asked(&popup.question(&browser).await?);
    popup.click(&browser, "#lookalike-no").await?;
    if engine == Engine::Firefox {
        // Chromium's toolbar popup closes once the answer is kept; this one stays.
        assert_eq!(popup.answered(&browser).await?, "declined");
    }
    popup.leave(&browser).await?;
    eventually(WAIT, "the mark to go", || async {
        Ok(badge_of(&browser, &url).await?.is_empty().then_some(()))
    })
    .await?;

    // The next visit: the detector sees the signature again, and the worker lets it be.
    // The same page under another unknown host, loaded after it in a second tab, is
    // marked: by then the refused tab's detector has spoken too.
    browser.goto(&url).await?;
    let client = browser.client();
    let refused_tab = client.window().await?;
    let control = client.new_window(true).await?;
    client.switch_to_window(control.handle).await?;
    let control_url = url.replace("127.0.0.1", "localhost");
    browser.goto(&control_url).await?;
    wait_until_marked(&browser, &control_url).await?;
    client.close_window().await?;
    client.switch_to_window(refused_tab).await?;
    assert_eq!(
        badge_of(&browser, &url).await?,
        "",
        "no mark on the refused host"
    );
    if engine == Engine::Chromium {
        // The popup asks nothing there: it reports the page at once, as on any page.
        let popup = Popup::open(&browser, &url).await?;
        let asked = popup.question(&browser).await?;
        assert_eq!(asked[0], Value::Null, "no question: {asked}");
        assert_ne!(asked[2], "not-reported", "{asked}");
    }
    assert_eq!(balise_elements(&browser).await?, 0, "nothing in the page");
    assert_eq!(browser.content_state().await?, None, "nothing injected");

    // The options list the refusal; the person forgets it, and the next visit asks again.
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#refused-sites", "data-count", "1")
        .await?;
    let listed = browser
        .eval(
            "return document.querySelector('#refused-sites li[data-host]').textContent",
            vec![],
        )
        .await?;
    let listed = listed.as_str().unwrap_or_default();
    assert!(
        listed.starts_with("127.0.0.1") && listed.contains("Mastodon"),
        "{listed}"
    );
    client
        .find(Locator::Css(
            "#refused-sites button[data-forget='127.0.0.1']",
        ))
        .await?
        .click()
        .await?;
    browser
        .wait_for_attribute("#refused-sites", "data-count", "0")
        .await?;
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#refused-sites", "data-count", "0")
        .await?;
    browser.goto(&url).await?;
    wait_until_marked(&browser, &url).await?;
    let popup = Popup::open(&browser, &url).await?;
    assert_asked(&popup.question(&browser).await?);
    popup.leave(&browser).await?;
    browser.close().await
}

#[tokio::test]
async fn a_lookalike_built_late_is_marked_too() -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let browser = Browser::launch(no_enabled_site()).await?;
    let url = fixtures.url("lookalike-late.html");
    browser.goto(&url).await?;
    eventually(WAIT, "the page to build its form", || async {
        let built = browser
            .eval("return window.builtAt ?? null", vec![])
            .await?;
        Ok((!built.is_null()).then_some(()))
    })
    .await?;
    // The detector looked once at load and uses no timer: the form built since is not seen
    // until focus moves, as when the person clicks into the compose box that appeared.
    assert_ne!(badge_of(&browser, &url).await?, "?");
    browser
        .client()
        .find(Locator::Css("form.compose-form textarea"))
        .await?
        .click()
        .await?;
    wait_until_marked(&browser, &url).await?;
    confirm_in_the_popup_and_see_the_panel(&browser, &url).await?;
    browser.close().await
}

#[tokio::test]
async fn an_enabled_site_gets_the_content_script_until_it_is_removed() -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    // The harness enables the fixture host: the content script runs there (registered).
    let browser = Browser::launch(LaunchOptions::default()).await?;
    let url = fixtures.url("walking-skeleton.html");
    browser.goto(&url).await?;
    let state = browser.wait_for_content_state().await?;
    assert_eq!(state["reportButton"], true);
    // Nothing on the page's root element, even where Balise runs.
    let root: Value = browser
        .eval(
            "return [...document.documentElement.attributes].map((a) => a.name)",
            vec![],
        )
        .await?;
    assert_eq!(root, json!(["lang"]));
    // The person removes the site: the registration goes, and the next load gets nothing.
    flows::save_extra_sites(&browser, &[]).await?;
    let worker = devtools::service_worker(&browser).await?;
    let registered =
        devtools::evaluate(&worker, "chrome.scripting.getRegisteredContentScripts()").await?;
    assert_eq!(registered, json!([]));
    browser.goto(&url).await?;
    eventually(WAIT, "the page to load", || async {
        let ready = browser.eval("return document.readyState", vec![]).await?;
        Ok((ready == json!("complete")).then_some(()))
    })
    .await?;
    assert_eq!(browser.content_state().await?, None);
    browser.close().await
}
