//! The checklist panel on a page recognized by its DOM signature, typed into through real
//! keyboard input, with and without a Content-Security-Policy that forbids WebAssembly.

use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::{WAIT, eventually};
use fantoccini::Locator;

const TYPED: &str = "Appelez-moi au 418 555-0199 ou lisez https://bit.ly/abc123 — équipe";

async fn panel_lists_findings(csp: CspMode, engine: &str) -> anyhow::Result<()> {
    let fixtures = FixtureServer::start(csp).await?;
    let browser = Browser::launch(LaunchOptions::default()).await?;
    browser
        .goto(&fixtures.url("compose-signature.html"))
        .await?;
    browser
        .wait_for_attribute("html", "data-balise-engine", engine)
        .await?;
    let host = eventually(WAIT, "the checklist panel", || async {
        Ok(browser
            .client()
            .find(Locator::Css("balise-checklist[data-balise-overlay]"))
            .await
            .ok())
    })
    .await?;
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
    let png = browser.client().screenshot().await?;
    let dir = balise_e2e::workspace_root()
        .join("target")
        .join("screenshots");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(format!("checklist-signature-{engine}.png")), png)?;
    browser.close().await
}

#[tokio::test]
async fn panel_lists_findings_with_wasm() -> anyhow::Result<()> {
    panel_lists_findings(CspMode::None, "wasm").await
}

#[tokio::test]
async fn panel_lists_findings_under_a_strict_csp() -> anyhow::Result<()> {
    panel_lists_findings(CspMode::Strict, "js").await
}
