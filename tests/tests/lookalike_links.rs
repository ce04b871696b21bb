//! A look-alike domain in a draft, seen in the real panel: a link to `аррӏе.com` (all
//! Cyrillic letters, Xudong Zheng's 2017 demonstration) typed into a compose box is flagged
//! as reading "apple.com", by the wasm build and by the pure-JS build under a strict CSP,
//! which both carry the look-alike check's own Unicode tables.

use balise_e2e::browser::{Browser, Engine, LaunchOptions};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::{WAIT, eventually, flows};
use fantoccini::Locator;

const TYPED: &str = "Mise à jour de votre compte : https://аррӏе.com/connexion";

async fn panel_flags_a_cyrillic_lookalike(csp: CspMode) -> anyhow::Result<()> {
    let engine = csp.content_script_engine(Engine::Chromium);
    let fixtures = FixtureServer::start(csp).await?;
    let browser = Browser::launch(LaunchOptions::engine(Engine::Chromium)).await?;
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
    let finding = eventually(WAIT, "the look-alike finding", || async {
        for li in shadow.find_all(Locator::Css("li[data-finding]")).await? {
            let text = li.text().await?;
            if text.contains("\"apple.com\"") {
                return Ok(Some((li, text)));
            }
        }
        Ok(None)
    })
    .await?;
    let (li, text) = finding;
    assert!(
        text.contains("аррӏе.com") && text.contains("another alphabet"),
        "{text}"
    );
    assert_eq!(li.attr("data-severity").await?.as_deref(), Some("error"));
    // The finding's span (UTF-16 offsets) holds the host.
    let offset = |name: &'static str| {
        let li = li.clone();
        async move {
            let value = li.attr(name).await?.unwrap_or_default();
            anyhow::Ok(value.parse::<usize>()?)
        }
    };
    let (start, end) = (offset("data-start").await?, offset("data-end").await?);
    let utf16: Vec<u16> = TYPED.encode_utf16().collect();
    let span = String::from_utf16(utf16.get(start..end).unwrap_or_default())?;
    assert!(span.contains("аррӏе.com"), "span {start}..{end}: {span:?}");
    browser.close().await
}

#[tokio::test]
async fn panel_flags_a_cyrillic_lookalike_link_with_wasm() -> anyhow::Result<()> {
    panel_flags_a_cyrillic_lookalike(CspMode::None).await
}

#[tokio::test]
async fn panel_flags_a_cyrillic_lookalike_link_under_a_strict_csp() -> anyhow::Result<()> {
    panel_flags_a_cyrillic_lookalike(CspMode::Strict).await
}
