//! Proves the social-network fixture pages: on each, served over TLS under the site's real
//! host name, real keyboard input reaches the real editor library's model, and the page's
//! own publish control and shortcut record the text. Does not use the extension's panel.

use anyhow::{Context, Result, bail};
use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::fixtures::CspMode;
use balise_e2e::site_server::{
    SITE_FIXTURES, Shortcut, SiteFixture, SiteServer, Target, browser_args,
};
use balise_e2e::{WAIT, eventually};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// Accents, a link and a phone number: what a union message holds.
const TYPED: &str = "Réunion des élèves à 19 h, détails : https://bit.ly/abc123 ou 418 555-0199";

/// Finds `target` (through its shadow root when it has one), waiting for it to appear.
async fn find(client: &Client, target: Target) -> Result<Element> {
    eventually(WAIT, target.selector, || async {
        let found = match target.shadow_host {
            None => client.find(Locator::Css(target.selector)).await,
            Some(host) => match client.find(Locator::Css(host)).await {
                Ok(host) => match host.shadow_root().await {
                    Ok(root) => root.find(Locator::Css(target.selector)).await,
                    Err(error) => Err(error),
                },
                Err(error) => Err(error),
            },
        };
        Ok(found.ok())
    })
    .await
}

/// Evaluates `script` (a function body) in the page and returns its result.
async fn eval(browser: &Browser, script: &str) -> Result<Value> {
    browser.eval(script, vec![]).await
}

/// Waits until `script` returns `expected`, and fails with the last value otherwise.
async fn wait_for_value(browser: &Browser, script: &str, expected: &Value) -> Result<()> {
    let result = eventually(WAIT, script, || async {
        let value = eval(browser, script).await?;
        Ok((&value == expected).then_some(()))
    })
    .await;
    if result.is_err() {
        let last = eval(browser, script).await.unwrap_or(Value::Null);
        bail!("`{script}` returned {last}, expected {expected}");
    }
    Ok(())
}

fn published(entries: &[(u64, &str)]) -> Value {
    Value::Array(
        entries
            .iter()
            .map(|(index, text)| json!({ "box": index, "text": text }))
            .collect(),
    )
}

/// Saves a screenshot when `BALISE_FIXTURE_SCREENSHOTS` names a folder.
async fn maybe_screenshot(browser: &Browser, name: &str) -> Result<()> {
    if let Some(dir) = std::env::var_os("BALISE_FIXTURE_SCREENSHOTS") {
        let png = browser.client().screenshot().await?;
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png)?;
    }
    Ok(())
}

/// Types into box 0 of one fixture, publishes by its control, then by its shortcut.
async fn exercise(
    browser: &Browser,
    server: &SiteServer,
    fixture: &SiteFixture,
    mode: CspMode,
) -> Result<()> {
    browser.goto(&server.site_url(fixture.id)).await?;
    let identity = "return window.balise_fixture ? [balise_fixture.site, balise_fixture.editor, balise_fixture.open()] : null";
    wait_for_value(
        browser,
        identity,
        &json!([fixture.id, fixture.editor, fixture.open_selector]),
    )
    .await?;
    let client = browser.client();
    if let Some(opener) = fixture.open_selector {
        wait_for_value(browser, "return balise_fixture.boxes()", &json!(0)).await?;
        find(
            client,
            Target {
                shadow_host: None,
                selector: opener,
            },
        )
        .await?
        .click()
        .await
        .context("clicking the opener")?;
    }
    let count = eval(browser, "return balise_fixture.boxes()").await?;
    if count.as_u64().unwrap_or(0) < 1 {
        bail!("no compose box mounted (boxes() = {count})");
    }
    let editor = find(client, fixture.box_selector).await?;
    editor.click().await.context("clicking the compose box")?;
    editor.send_keys(TYPED).await.context("typing")?;
    wait_for_value(browser, "return balise_fixture.text(0)", &json!(TYPED)).await?;
    maybe_screenshot(browser, &format!("{}-{mode:?}", fixture.id)).await?;

    find(client, fixture.publish_selector)
        .await?
        .click()
        .await
        .context("clicking the publish control")?;
    wait_for_value(
        browser,
        "return balise_fixture.published",
        &published(&[(0, TYPED)]),
    )
    .await?;

    if let Some(shortcut) = fixture.shortcut {
        let keys = match shortcut {
            Shortcut::Enter => Key::Enter.to_string(),
            Shortcut::CtrlEnter => format!("{}{}", Key::Control, Key::Enter),
        };
        editor
            .send_keys(&keys)
            .await
            .context("pressing the shortcut")?;
        wait_for_value(
            browser,
            "return balise_fixture.published",
            &published(&[(0, TYPED), (0, TYPED)]),
        )
        .await
        .context("publishing by the shortcut")?;
    }
    site_specific(browser, fixture).await
}

/// The variety the extension's tests rely on, beyond box 0.
async fn site_specific(browser: &Browser, fixture: &SiteFixture) -> Result<()> {
    let client = browser.client();
    match fixture.id {
        "threads" => wait_for_value(browser, "return balise_fixture.boxes()", &json!(2)).await,
        "x" => {
            // The remount gives a new, empty Draft.js editor.
            let reload = find(
                client,
                Target {
                    shadow_host: None,
                    selector: "button.reload",
                },
            )
            .await?;
            reload.click().await?;
            wait_for_value(
                browser,
                "return [balise_fixture.boxes(), balise_fixture.text(0)]",
                &json!([1, ""]),
            )
            .await
        }
        "generic" => {
            // Box 1 lives in a same-origin iframe.
            wait_for_value(browser, "return balise_fixture.boxes()", &json!(2)).await?;
            let frame = find(
                client,
                Target {
                    shadow_host: None,
                    selector: "iframe",
                },
            )
            .await?;
            frame.enter_frame().await?;
            let inner = find(
                client,
                Target {
                    shadow_host: None,
                    selector: "[contenteditable=\"true\"]",
                },
            )
            .await?;
            inner.click().await?;
            inner.send_keys(TYPED).await?;
            find(
                client,
                Target {
                    shadow_host: None,
                    selector: "#envoyer",
                },
            )
            .await?
            .click()
            .await?;
            client.enter_parent_frame().await?;
            wait_for_value(
                browser,
                "return [balise_fixture.text(1), balise_fixture.published]",
                &json!([TYPED, published(&[(0, TYPED), (1, TYPED)])]),
            )
            .await
        }
        _ => Ok(()),
    }
}

/// Visits every site fixture in one browser and reports every failure at once.
async fn all_fixtures(mode: CspMode) -> Result<()> {
    let server = SiteServer::start(mode).await?;
    let browser = Browser::launch(LaunchOptions {
        extra_args: browser_args(),
        ..LaunchOptions::default()
    })
    .await?;
    let mut failures = Vec::new();
    for fixture in SITE_FIXTURES {
        if let Err(error) = exercise(&browser, &server, fixture, mode).await {
            failures.push(format!("{} ({mode:?}): {error:#}", fixture.id));
        }
    }
    browser.close().await?;
    if !failures.is_empty() {
        bail!(
            "{} fixture(s) failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
    Ok(())
}

#[tokio::test]
async fn every_site_fixture_types_and_publishes_without_csp() -> Result<()> {
    all_fixtures(CspMode::None).await
}

#[tokio::test]
async fn every_site_fixture_types_and_publishes_under_a_strict_csp() -> Result<()> {
    all_fixtures(CspMode::Strict).await
}
