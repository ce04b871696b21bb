//! The checklist beside the compose box of every social-network fixture (the real editor
//! library of each site, served over TLS under the site's real host name), with the built
//! extension and the real companion serving a strict policy, once without a CSP and once
//! under a CSP that forbids WebAssembly. For each fixture: the panel appears; the phone
//! number, the shortened link and the unknown source are flagged at their places in the
//! text; the editor holds exactly what was typed; the publish control and its shortcut are
//! held, then released with a written reason; the attestation reaches the companion. Plus
//! what each fixture adds: several boxes, a remount, a box in a same-origin iframe.
//!
//! The run under the strict CSP happens in headless Firefox ESR too (`…_in_firefox`), where
//! the content script keeps WebAssembly.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use balise_e2e::browser::{Browser, Engine};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token, write_strict_test_policy};
use balise_e2e::fixtures::CspMode;
use balise_e2e::site_server::{
    SITE_FIXTURES, Shortcut, SiteFixture, SiteServer, Target, fail_on_any, find, launch_options,
};
use balise_e2e::{WAIT, eventually, flows};
use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::{Value, json};

/// A draft with a phone number, a shortened link and a source the policy does not know.
const TYPED: &str = "Réunion des élèves à 19 h, appelez le 418 555-0199, détails https://bit.ly/abc123 et https://nouvelles-douteuses.example/article";
const PHONE: &str = "418 555-0199";
const SHORT_LINK: &str = "https://bit.ly/abc123";
const UNKNOWN_SOURCE: &str = "https://nouvelles-douteuses.example/article";
const OVERRIDE_REASON: &str = "Message validé par le conseil d'administration.";
/// Attestations may wait for a retry with a growing delay; this bounds the wait.
const DELIVERY_WAIT: Duration = Duration::from_secs(45);
/// Fixtures whose panel is photographed (and looked at) on every run.
const PHOTOGRAPHED: &[&str] = &["facebook", "x", "linkedin"];

/// `needle`'s span in `TYPED`, in UTF-16 code units as the browser counts.
fn utf16_span(needle: &str) -> Result<(u64, u64)> {
    let start = TYPED.find(needle).context("needle not in the draft")?;
    let start = TYPED[..start].encode_utf16().count() as u64;
    Ok((start, start + needle.encode_utf16().count() as u64))
}

/// Every panel in the current document: its box number, state and findings. The panels'
/// shadow roots are closed; `arguments[0]` holds each panel's `section`, reached through
/// WebDriver.
const PANELS: &str = r#"
return arguments[0].map((section) => {
  const root = section.getRootNode();
  const host = root.host;
  return {
  box: host.dataset.baliseBox,
  held: host.dataset.held || null,
  heldCount: host.dataset.heldCount || null,
  remaining: host.dataset.remaining || null,
  hidden: host.hidden,
  lang: section.getAttribute('lang'),
  rect: (() => { const r = host.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })(),
  items: [...root.querySelectorAll('li[data-item-id]')].map((li) => [li.dataset.itemId, li.dataset.state]),
  findings: [...root.querySelectorAll('li[data-finding]')].map((li) => ({
    item: li.parentElement.closest('li[data-item-id]').dataset.itemId,
    start: li.dataset.start === undefined ? null : Number(li.dataset.start),
    end: li.dataset.end === undefined ? null : Number(li.dataset.end),
    text: li.textContent,
  })),
  };
});
"#;

async fn panels(browser: &Browser) -> Result<Vec<Value>> {
    let sections = browser
        .shadow_anchors("balise-checklist[data-balise-overlay]", "section")
        .await?;
    let value = browser.eval(PANELS, vec![Value::Array(sections)]).await?;
    Ok(value.as_array().cloned().unwrap_or_default())
}

/// The panel whose findings mention the phone number (the box that was typed into).
async fn typed_panel(browser: &Browser) -> Result<Value> {
    eventually(WAIT, "the panel of the typed box", || async {
        Ok(panels(browser).await?.into_iter().find(|panel| {
            panel["findings"].as_array().is_some_and(|findings| {
                findings
                    .iter()
                    .any(|f| f["text"].as_str().is_some_and(|t| t.contains(PHONE)))
            })
        }))
    })
    .await
}

fn finding<'a>(panel: &'a Value, item: &str, text: &str) -> Result<&'a Value> {
    panel["findings"]
        .as_array()
        .and_then(|findings| {
            findings
                .iter()
                .find(|f| f["item"] == item && f["text"].as_str().is_some_and(|t| t.contains(text)))
        })
        .with_context(|| format!("no finding of `{item}` about {text:?} in {panel}"))
}

fn assert_span(finding: &Value, needle: &str) -> Result<()> {
    let (start, end) = utf16_span(needle)?;
    ensure!(
        finding["start"] == start && finding["end"] == end,
        "{needle:?} is at {start}..{end}, the panel says {}..{}",
        finding["start"],
        finding["end"]
    );
    Ok(())
}

async fn published(browser: &Browser) -> Result<Value> {
    browser
        .eval("return balise_fixture.published", vec![])
        .await
}

async fn panel_attribute(browser: &Browser, box_id: &str, name: &str) -> Result<Option<String>> {
    let host = browser
        .client()
        .find(Locator::Css(&format!(
            "balise-checklist[data-balise-box=\"{box_id}\"]"
        )))
        .await?;
    Ok(host.attr(name).await?)
}

struct Run<'a> {
    browser: &'a Browser,
    server: &'a SiteServer,
    api: &'a CompanionApi,
    mode: CspMode,
    engine: Engine,
}

impl Run<'_> {
    async fn exercise(&self, fixture: &SiteFixture) -> Result<()> {
        let browser = self.browser;
        let client = browser.client();
        browser.goto(&self.server.site_url(fixture.id)).await?;
        let engine = self.mode.content_script_engine(self.engine);
        let state = browser.wait_for_content_state().await?;
        assert_eq!(state["engine"], engine, "{}", fixture.id);
        if let Some(opener) = fixture.open_selector {
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
        let editor = find(client, fixture.box_selector).await?;
        editor.click().await.context("clicking the compose box")?;
        if self.engine == Engine::Firefox && fixture.editor == "lexical" {
            // geckodriver's "element send keys" types only the first character into a
            // Lexical editor (Facebook, Instagram, Threads, Reddit), which rebuilds its
            // DOM after each input; trusted key actions type it all, as Chromium's does.
            balise_e2e::browser::type_into(&editor, TYPED)
                .await
                .context("typing")?;
        } else {
            editor.send_keys(TYPED).await.context("typing")?;
        }

        // The panel appears with the findings at their places.
        let panel = typed_panel(browser).await?;
        assert_span(finding(&panel, "vie-privee", PHONE)?, PHONE)?;
        assert_span(finding(&panel, "liens-complets", SHORT_LINK)?, SHORT_LINK)?;
        assert_span(
            finding(
                &panel,
                "credibilite-des-liens",
                "nouvelles-douteuses.example",
            )?,
            UNKNOWN_SOURCE,
        )?;
        ensure!(panel["hidden"] == false, "the panel is hidden: {panel}");
        let expected_lang = match self.mode {
            CspMode::None => "fr",
            CspMode::Strict => "en",
        };
        ensure!(
            panel["lang"] == expected_lang,
            "the panel speaks {} instead of {expected_lang}",
            panel["lang"]
        );
        let box_id = panel["box"]
            .as_str()
            .context("panel without a box id")?
            .to_owned();
        // The panel took nothing: the focus is still in the editor (through shadow roots).
        let focused = browser
            .eval(
                "let active = document.activeElement;
                 while (active && active.shadowRoot && active.shadowRoot.activeElement) {
                   active = active.shadowRoot.activeElement;
                 }
                 return active === arguments[0] || arguments[0].contains(active);",
                vec![serde_json::to_value(&editor)?],
            )
            .await?;
        ensure!(focused == json!(true), "the editor lost the focus");
        // The editor's own model holds exactly what was typed.
        let text = browser
            .eval("return balise_fixture.text(0)", vec![])
            .await?;
        ensure!(text == json!(TYPED), "the editor holds {text}");
        if PHOTOGRAPHED.contains(&fixture.id) {
            let name = match self.engine {
                Engine::Chromium => format!("panel-{}-{engine}", fixture.id),
                Engine::Firefox => format!("firefox-panel-{}-{engine}", fixture.id),
            };
            balise_e2e::screenshots::save(browser, &name).await?;
        }

        // Strict mode: the publish control is held, and so is the shortcut.
        let control = find(client, fixture.publish_selector).await?;
        control.click().await.context("clicking publish")?;
        ensure!(
            published(browser).await? == json!([]),
            "published despite the hold"
        );
        browser
            .wait_for_attribute(
                &format!("balise-checklist[data-balise-box=\"{box_id}\"]"),
                "data-held",
                "true",
            )
            .await?;
        let mut holds = 1;
        if let Some(shortcut) = fixture.shortcut {
            let keys = match shortcut {
                Shortcut::Enter => Key::Enter.to_string(),
                Shortcut::CtrlEnter => format!("{}{}", Key::Control, Key::Enter),
            };
            editor.send_keys(&keys).await?;
            holds += 1;
            ensure!(
                published(browser).await? == json!([]),
                "published by the shortcut despite the hold"
            );
        }
        ensure!(
            panel_attribute(browser, &box_id, "data-held-count").await? == Some(holds.to_string()),
            "expected {holds} holds"
        );
        let text = browser
            .eval("return balise_fixture.text(0)", vec![])
            .await?;
        ensure!(
            text == json!(TYPED),
            "after the holds the editor holds {text}"
        );

        // Released with a written reason: published once, attested.
        let before = self.api.attestations().await?.len();
        let host = client
            .find(Locator::Css(&format!(
                "balise-checklist[data-balise-box=\"{box_id}\"]"
            )))
            .await?;
        flows::allow_with_reason(&host, OVERRIDE_REASON).await?;
        find(client, fixture.publish_selector)
            .await?
            .click()
            .await?;
        let after = published(browser).await?;
        ensure!(
            after == json!([{ "box": 0, "text": TYPED }]),
            "after the override the page published {after}"
        );
        let stored = self
            .api
            .wait_for_attestations(before + 1, DELIVERY_WAIT)
            .await?;
        let attestation = &stored[0]["attestation"];
        ensure!(
            attestation["site"] == fixture.id && attestation["overrideReason"] == OVERRIDE_REASON,
            "unexpected attestation {attestation}"
        );
        self.site_specific(fixture, &box_id).await
    }

    /// What a fixture adds beyond its first box.
    async fn site_specific(&self, fixture: &SiteFixture, box_id: &str) -> Result<()> {
        let browser = self.browser;
        let client = browser.client();
        match fixture.id {
            "threads" => {
                // One panel per box.
                eventually(WAIT, "two panels", || async {
                    Ok((panels(browser).await?.len() == 2).then_some(()))
                })
                .await
            }
            "x" => {
                // The editor remounts: its panel goes with it, a new one comes with the new box.
                find(
                    client,
                    Target {
                        shadow_host: None,
                        selector: "button.reload",
                    },
                )
                .await?
                .click()
                .await?;
                let old = box_id.to_owned();
                eventually(WAIT, "the remounted box's panel", || async {
                    let now = panels(browser).await?;
                    Ok((now.len() == 1 && now[0]["box"] != old.as_str()).then_some(()))
                })
                .await
            }
            "generic" => {
                // The box in the same-origin iframe has its own panel in the frame.
                find(
                    client,
                    Target {
                        shadow_host: None,
                        selector: "iframe",
                    },
                )
                .await?
                .enter_frame()
                .await?;
                let found = eventually(WAIT, "the panel in the iframe", || async {
                    Ok((!panels(browser).await?.is_empty()).then_some(()))
                })
                .await;
                client.enter_parent_frame().await?;
                found
            }
            _ => Ok(()),
        }
    }
}

async fn every_fixture(engine: Engine, mode: CspMode) -> Result<()> {
    let data_dir = tempfile::tempdir()?;
    write_strict_test_policy(data_dir.path())?;
    let companion = CompanionProcess::start(data_dir.path())?;
    let api = CompanionApi::new(&companion.base_url, api_token(data_dir.path())?);
    let server = SiteServer::start(mode).await?;
    // One run in a French browser, one in an English one: the panel speaks the browser's
    // language (the options can override it).
    let lang = match mode {
        CspMode::None => "fr-CA",
        CspMode::Strict => "en-US",
    };
    let mut options = launch_options(engine);
    options.language = Some(lang.to_owned());
    let browser = Browser::launch(options).await?;
    flows::save_options(
        &browser,
        &companion.base_url,
        "Gestionnaire",
        "gestion@example.org",
    )
    .await?;
    flows::save_extra_sites(&browser, &["exemple-syndicat.test"]).await?;
    flows::pair(&browser, &companion).await?;
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#policy-status", "data-source", "companion")
        .await?;

    let run = Run {
        browser: &browser,
        server: &server,
        api: &api,
        mode,
        engine,
    };
    let mut failures = Vec::new();
    for fixture in SITE_FIXTURES {
        if let Err(error) = run.exercise(fixture).await {
            failures.push(format!("{} ({mode:?}, {engine:?}): {error:#}", fixture.id));
        }
    }
    browser.close().await?;
    drop(companion);
    fail_on_any(&failures)
}

#[tokio::test]
async fn checklist_on_every_site_fixture() -> Result<()> {
    every_fixture(Engine::Chromium, CspMode::None).await
}

#[tokio::test]
async fn checklist_on_every_site_fixture_under_a_strict_csp() -> Result<()> {
    every_fixture(Engine::Chromium, CspMode::Strict).await
}

#[tokio::test]
async fn checklist_on_every_site_fixture_under_a_strict_csp_in_firefox() -> Result<()> {
    every_fixture(Engine::Firefox, CspMode::Strict).await
}
