//! Proves the social-network fixture pages: on each, served over TLS under the site's real
//! host name, real keyboard input reaches the real editor library's model, and the page's
//! own publish control and shortcut record the text. Does not use the extension's panel.

use anyhow::{Context, Result, bail};
use balise_core::sites;
use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::fixtures::CspMode;
use balise_e2e::site_server::{
    SITE_FIXTURES, Shortcut, SiteFixture, SiteServer, Target, browser_args, fail_on_any, find,
};
use balise_e2e::{WAIT, eventually};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use serde_json::{Value, json};

/// Accents, a link and a phone number: what a union message holds.
const TYPED: &str = "Réunion des élèves à 19 h, détails : https://bit.ly/abc123 ou 418 555-0199";

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

/// Finds, in the page and the open shadow roots of its `shadow_hosts`, what the site's
/// adapter in `shared/src/sites.rs` matches, and checks that it includes the fixture's box
/// and its publish control (by selector and label), as the extension will look for them.
const ADAPTER_FINDS: &str = r#"
const [compose, shadowHosts, submit, labels, box, control] = arguments;
const roots = [document];
for (const selector of shadowHosts) {
  for (const host of document.querySelectorAll(selector)) {
    if (host.shadowRoot) roots.push(host.shadowRoot);
  }
}
const all = (selectors) =>
  roots.flatMap((root) => selectors.flatMap((selector) => [...root.querySelectorAll(selector)]));
const wanted = labels.map((label) => label.toLowerCase());
const labelled = (element) =>
  [element.textContent, element.getAttribute("aria-label")]
    .some((label) => label != null && wanted.includes(label.trim().toLowerCase()));
const controls = all(submit);
return [all(compose).includes(box), controls.includes(control), labelled(control)];
"#;

async fn adapter_finds(
    browser: &Browser,
    site: &str,
    editor: &Element,
    control: &Element,
) -> Result<()> {
    let adapter = sites::by_id(site).with_context(|| format!("no adapter `{site}`"))?;
    let found = browser
        .eval(
            ADAPTER_FINDS,
            vec![
                json!(adapter.compose_selectors),
                json!(adapter.shadow_hosts),
                json!(adapter.submit_selectors),
                json!(adapter.submit_labels),
                serde_json::to_value(editor)?,
                serde_json::to_value(control)?,
            ],
        )
        .await?;
    if found != json!([true, true, true]) {
        bail!(
            "the `{site}` adapter does not find the fixture's box, control, control label: {found}"
        );
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

    let control = find(client, fixture.publish_selector).await?;
    adapter_finds(browser, fixture.id, &editor, &control).await?;
    control
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

/// A CSS selector in the page's light DOM.
fn css(selector: &'static str) -> Target {
    Target {
        shadow_host: None,
        selector,
    }
}

/// How a test publishes a box.
enum Publish {
    Click(Target),
    Key(Shortcut),
}

/// Types into the box `index` found by `target`, publishes it, and checks the page's own
/// model and its last publication.
async fn type_and_publish(
    browser: &Browser,
    index: u64,
    target: Target,
    publish: Publish,
) -> Result<()> {
    let client = browser.client();
    let editor = find(client, target).await?;
    editor.click().await?;
    editor.send_keys(TYPED).await?;
    wait_for_value(
        browser,
        &format!("return balise_fixture.text({index})"),
        &json!(TYPED),
    )
    .await?;
    match publish {
        Publish::Click(control) => find(client, control).await?.click().await?,
        Publish::Key(shortcut) => editor.send_keys(&shortcut_keys(shortcut)).await?,
    }
    wait_for_value(
        browser,
        "return balise_fixture.published.at(-1)",
        &json!({ "box": index, "text": TYPED }),
    )
    .await
}

fn shortcut_keys(shortcut: Shortcut) -> String {
    match shortcut {
        Shortcut::Enter => Key::Enter.to_string(),
        Shortcut::CtrlEnter => format!("{}{}", Key::Control, Key::Enter),
    }
}

/// The variety the extension's tests rely on, beyond box 0.
async fn site_specific(browser: &Browser, fixture: &SiteFixture) -> Result<()> {
    let client = browser.client();
    match fixture.id {
        "threads" => {
            // Two boxes, each with its own "Publier".
            wait_for_value(browser, "return balise_fixture.boxes()", &json!(2)).await?;
            type_and_publish(
                browser,
                1,
                css("[data-fixture-box=\"1\"] div[role=\"textbox\"][data-lexical-editor=\"true\"]"),
                Publish::Click(css("[data-fixture-box=\"1\"] div[role=\"button\"]")),
            )
            .await
        }
        "instagram" => {
            // The comment textarea publishes on Enter.
            type_and_publish(
                browser,
                1,
                css("textarea[aria-label^=\"Ajoutez un commentaire\"]"),
                Publish::Key(Shortcut::Enter),
            )
            .await
        }
        "linkedin" => {
            // The comment box is TipTap, in the light DOM.
            type_and_publish(
                browser,
                1,
                css("#comment-editor .ProseMirror[contenteditable=\"true\"]"),
                Publish::Click(css("button.comments-comment-box__submit-button")),
            )
            .await
        }
        "x" => {
            // The remount gives a new, empty Draft.js editor.
            find(client, css("button.reload")).await?.click().await?;
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
            find(client, css("iframe")).await?.enter_frame().await?;
            let inner = find(client, css("[contenteditable=\"true\"]")).await?;
            inner.click().await?;
            inner.send_keys(TYPED).await?;
            find(client, css("#envoyer")).await?.click().await?;
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
    fail_on_any(&failures)
}

#[tokio::test]
async fn every_site_fixture_types_and_publishes_without_csp() -> Result<()> {
    all_fixtures(CspMode::None).await
}

#[tokio::test]
async fn every_site_fixture_types_and_publishes_under_a_strict_csp() -> Result<()> {
    all_fixtures(CspMode::Strict).await
}
