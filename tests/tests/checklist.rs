//! The checklist panel on a page recognized by its DOM signature (a Mastodon-like form on
//! an unknown host), typed into through real keyboard input: findings with their spans,
//! with and without a Content-Security-Policy that forbids WebAssembly; strict mode holding
//! and releasing the publish control; attestations reaching the companion.
//!
//! The strict-CSP and strict-mode tests run in headless Chromium and, as `…_in_firefox`,
//! in headless Firefox ESR: one body, taking the browser.

use std::time::Duration;

use balise_e2e::browser::{Browser, Engine, LaunchOptions};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token, write_strict_test_policy};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::{WAIT, eventually, flows};
use fantoccini::Locator;
use fantoccini::key::Key;

/// Attestations may wait for a retry with a growing delay; this bounds the wait.
const DELIVERY_WAIT: Duration = Duration::from_secs(45);

const TYPED: &str = "Appelez-moi au 418 555-0199 ou lisez https://bit.ly/abc123 — équipe";

async fn panel_lists_findings(browser: Engine, csp: CspMode) -> anyhow::Result<()> {
    let engine = csp.content_script_engine(browser);
    let screenshot = match browser {
        Engine::Chromium => format!("checklist-signature-{engine}"),
        Engine::Firefox => format!("firefox-checklist-signature-{engine}"),
    };
    let fixtures = FixtureServer::start(csp).await?;
    let browser = Browser::launch(LaunchOptions::engine(browser)).await?;
    browser
        .goto(&fixtures.url("compose-signature.html"))
        .await?;
    let state = browser.wait_for_content_state().await?;
    assert_eq!(state["engine"], engine);
    let host = flows::wait_for_panel(&browser).await?;
    let textarea = browser
        .client()
        .find(Locator::Css("form.compose-form textarea"))
        .await?;
    textarea.send_keys(TYPED).await?;
    let shadow = host.shadow_root().await?;
    let phone_start = TYPED
        .encode_utf16()
        .take(TYPED.find("418").unwrap_or(0))
        .count();
    let finding = eventually(WAIT, "the phone finding", || async {
        for li in shadow.find_all(Locator::Css("li[data-finding]")).await? {
            if li.text().await?.contains("418 555-0199") {
                return Ok(Some(li));
            }
        }
        Ok(None)
    })
    .await?;
    assert_eq!(
        finding.attr("data-start").await?,
        Some(phone_start.to_string())
    );
    assert_eq!(
        finding.attr("data-end").await?,
        Some((phone_start + 12).to_string())
    );
    let value = browser
        .eval(
            "return document.querySelector('form.compose-form textarea').value",
            vec![],
        )
        .await?;
    assert_eq!(value, serde_json::json!(TYPED));
    balise_e2e::screenshots::save(&browser, &screenshot).await?;
    browser.close().await
}

#[tokio::test]
async fn panel_lists_findings_with_wasm() -> anyhow::Result<()> {
    panel_lists_findings(Engine::Chromium, CspMode::None).await
}

#[tokio::test]
async fn panel_lists_findings_under_a_strict_csp() -> anyhow::Result<()> {
    panel_lists_findings(Engine::Chromium, CspMode::Strict).await
}

/// Unlike Chromium, Firefox lets the content script compile WebAssembly on such a page.
#[tokio::test]
async fn panel_lists_findings_under_a_strict_csp_in_firefox() -> anyhow::Result<()> {
    panel_lists_findings(Engine::Firefox, CspMode::Strict).await
}

/// Clicks the fixture's "Publier" and returns what the page published so far.
async fn publish(browser: &Browser) -> anyhow::Result<serde_json::Value> {
    browser
        .client()
        .find(Locator::Css("form.compose-form button[type=submit]"))
        .await?
        .click()
        .await?;
    // The site's own handler runs in the same task as the click, if it runs at all.
    browser.eval("return window.published", vec![]).await
}

#[tokio::test]
async fn strict_mode_holds_publication_until_the_checklist_is_satisfied_or_overridden()
-> anyhow::Result<()> {
    strict_mode_holds_publication(Engine::Chromium).await
}

#[tokio::test]
async fn strict_mode_holds_publication_until_the_checklist_is_satisfied_or_overridden_in_firefox()
-> anyhow::Result<()> {
    strict_mode_holds_publication(Engine::Firefox).await
}

/// Strict mode in `engine`: a click and the site's shortcut held, then released once with a
/// written reason and once by a clean draft with every item ticked, each publication
/// attested to the companion.
async fn strict_mode_holds_publication(engine: Engine) -> anyhow::Result<()> {
    let data_dir = tempfile::tempdir()?;
    write_strict_test_policy(data_dir.path())?;
    let companion = CompanionProcess::start(data_dir.path())?;
    let api = CompanionApi::new(&companion.base_url, api_token(data_dir.path())?);
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let browser = Browser::launch(LaunchOptions::engine(engine)).await?;
    flows::save_options(
        &browser,
        &companion.base_url,
        "Gestionnaire",
        "gestion@example.org",
    )
    .await?;
    flows::pair(&browser, &companion).await?;
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#policy-status", "data-source", "companion")
        .await?;

    browser
        .goto(&fixtures.url("compose-signature.html"))
        .await?;
    let host = flows::wait_for_panel(&browser).await?;
    let textarea = browser
        .client()
        .find(Locator::Css("form.compose-form textarea"))
        .await?;
    textarea.send_keys(TYPED).await?;

    // Held: the site's handler never sees the click, and the panel says why.
    assert_eq!(publish(&browser).await?, serde_json::json!([]));
    browser
        .wait_for_attribute("balise-checklist", "data-held", "true")
        .await?;
    let shadow = host.shadow_root().await?;
    let hold = shadow
        .find(Locator::Css("[data-balise-hold] [role=alert]"))
        .await?;
    let reason_shown = hold.text().await?;
    assert!(reason_shown.contains("Publication held"), "{reason_shown}");
    // Ctrl+Enter, the site's shortcut, is held too.
    textarea
        .send_keys(&format!("{}{}", Key::Control, Key::Enter))
        .await?;
    assert_eq!(
        browser.eval("return window.published", vec![]).await?,
        serde_json::json!([])
    );
    assert_eq!(host.attr("data-held-count").await?.as_deref(), Some("2"));

    // Released with a written reason: published once, attested with the reason.
    let reason = "Numéro public du bureau syndical, lien demandé par le CA.";
    flows::allow_with_reason(&host, reason).await?;
    assert_eq!(publish(&browser).await?, serde_json::json!([TYPED]));
    let stored = api.wait_for_attestations(1, DELIVERY_WAIT).await?;
    let attestation = &stored[0]["attestation"];
    assert_eq!(attestation["overrideReason"], reason, "{attestation}");
    assert_eq!(attestation["site"], "mastodon");
    assert_eq!(
        attestation["textSha256"],
        balise_e2e::sha256_hex(TYPED.as_bytes())
    );
    assert!(
        attestation["findings"]
            .as_array()
            .is_some_and(|findings| findings.iter().any(|f| f["kind"] == "phone")),
        "{attestation}"
    );

    // Released by satisfying every required item: a clean draft, every manual item ticked.
    let clean = "Rencontre des enseignantes et enseignants jeudi à 19 h. — Personnel du SEC-CSQ";
    textarea.clear().await?;
    textarea.send_keys(clean).await?;
    for checkbox in shadow.find_all(Locator::Css("input[data-confirm]")).await? {
        checkbox.click().await?;
    }
    browser
        .wait_for_attribute("balise-checklist", "data-remaining", "0")
        .await?;
    assert_eq!(publish(&browser).await?, serde_json::json!([TYPED, clean]));
    let stored = api.wait_for_attestations(2, DELIVERY_WAIT).await?;
    let attestation = &stored[0]["attestation"];
    assert_eq!(attestation["overrideReason"], serde_json::Value::Null);
    assert_eq!(
        attestation["textSha256"],
        balise_e2e::sha256_hex(clean.as_bytes())
    );
    assert!(
        attestation["checklist"]
            .as_array()
            .is_some_and(|items| items.iter().all(|item| item["state"] != "fail")),
        "{attestation}"
    );
    // The panel never wrote into the site's editor.
    assert_eq!(
        browser
            .eval(
                "return document.querySelector('form.compose-form textarea').value",
                vec![]
            )
            .await?,
        serde_json::json!(clean)
    );
    browser.close().await?;
    drop(companion);
    Ok(())
}

/// The panel's and the box's rectangles as `[panel left, panel top, box right, box top]`.
const GEOMETRY: &str = "
const panel = document.querySelector('balise-checklist').getBoundingClientRect();
const box = document.querySelector('form.compose-form textarea').getBoundingClientRect();
return [panel.left, panel.top, box.right, box.top];";

#[tokio::test]
async fn panel_follows_its_box_and_goes_with_it() -> anyhow::Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let browser = Browser::launch(LaunchOptions::default()).await?;
    browser
        .goto(&fixtures.url("compose-signature.html"))
        .await?;
    let first = flows::wait_for_panel(&browser).await?;
    let first_box = first.attr("data-balise-box").await?;

    // Beside the box, and still beside it after the page scrolls and the box grows.
    let beside = |geometry: serde_json::Value| -> anyhow::Result<()> {
        let [panel_left, panel_top, box_right, box_top] =
            serde_json::from_value::<[f64; 4]>(geometry.clone())?;
        anyhow::ensure!(
            panel_left >= box_right
                && panel_left - box_right < 40.0
                && (panel_top - box_top.max(4.0)).abs() < 2.0,
            "the panel is not beside its box: {geometry}"
        );
        Ok(())
    };
    beside(browser.eval(GEOMETRY, vec![]).await?)?;
    browser.eval("window.scrollBy(0, 30)", vec![]).await?;
    eventually(WAIT, "the panel to follow the scroll", || async {
        Ok(beside(browser.eval(GEOMETRY, vec![]).await?).ok())
    })
    .await?;
    browser
        .eval(
            "document.querySelector('form.compose-form textarea').style.width = '70%'",
            vec![],
        )
        .await?;
    eventually(WAIT, "the panel to follow the resize", || async {
        Ok(beside(browser.eval(GEOMETRY, vec![]).await?).ok())
    })
    .await?;

    // A single-page navigation replaces the form: the old panel goes, a new one comes.
    browser
        .eval(
            "const form = document.getElementById('compose');
             const copy = form.cloneNode(true);
             history.pushState({}, '', '?page=2');
             form.remove();
             setTimeout(() => document.querySelector('main').prepend(copy), 50);",
            vec![],
        )
        .await?;
    eventually(WAIT, "a new panel for the new box", || async {
        let panels = browser
            .client()
            .find_all(Locator::Css("balise-checklist"))
            .await?;
        if panels.len() != 1 {
            return Ok(None);
        }
        let id = panels[0].attr("data-balise-box").await?;
        Ok((id.is_some() && id != first_box).then_some(()))
    })
    .await?;
    // With no box left, no panel is left.
    browser
        .eval("document.getElementById('compose').remove()", vec![])
        .await?;
    eventually(WAIT, "the panel to go with its box", || async {
        Ok(browser
            .client()
            .find_all(Locator::Css("balise-checklist"))
            .await?
            .is_empty()
            .then_some(()))
    })
    .await?;
    browser.close().await
}

#[tokio::test]
async fn publications_on_a_plain_http_page_are_recorded() -> anyhow::Result<()> {
    // A union forum on plain HTTP under its own name: not a secure context, so no
    // `crypto.randomUUID` there; the attestation still gets its id.
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let browser = Browser::launch(LaunchOptions {
        extra_args: vec!["--host-resolver-rules=MAP forum-syndical.test 127.0.0.1".to_owned()],
        ..LaunchOptions::default()
    })
    .await?;
    flows::save_extra_sites(&browser, &["forum-syndical.test"]).await?;
    let url = fixtures
        .url("compose-signature.html")
        .replace("127.0.0.1", "forum-syndical.test");
    browser.goto(&url).await?;
    let host = flows::wait_for_panel(&browser).await?;
    assert_eq!(
        browser
            .eval("return window.isSecureContext", vec![])
            .await?,
        serde_json::json!(false)
    );
    browser
        .client()
        .find(Locator::Css("form.compose-form textarea"))
        .await?
        .send_keys(TYPED)
        .await?;
    // The built-in policy is not strict: the publication goes through and is recorded.
    assert_eq!(publish(&browser).await?, serde_json::json!([TYPED]));
    eventually(WAIT, "the attestation to be kept", || async {
        Ok((host.attr("data-attestations").await?.as_deref() == Some("1")).then_some(()))
    })
    .await?;
    browser.close().await
}
