//! A hostile page against the extension, in headless Chromium with the built extension:
//! the page's own scripts click its publish control, press its shortcut, look for
//! Balise's panel and report card, and the extension's messages name a report this
//! browser never made. Only the person's trusted input counts, and Balise's controls are
//! out of the page's reach.

use anyhow::Result;
use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::{WAIT, eventually, flows, sha256_hex};
use fantoccini::Locator;
use serde_json::{Value, json};

const TYPED: &str = "Assemblée générale jeudi à 19 h, salle du conseil";

/// Sends `message` with `chrome.runtime.sendMessage` from the current extension page.
async fn send_message(browser: &Browser, message: Value) -> Result<Value> {
    let script = "const done = arguments[arguments.length - 1];
        chrome.runtime.sendMessage(arguments[0]).then(
            (reply) => done(reply === undefined ? null : reply),
            (error) => done({ type: 'send-failed', message: String(error) }));";
    Ok(browser
        .client()
        .execute_async(script, vec![message])
        .await?)
}

#[tokio::test]
async fn scripted_publish_clicks_and_keys_are_not_the_persons() -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let browser = Browser::launch(LaunchOptions::default()).await?;
    browser
        .goto(&fixtures.url("compose-signature.html"))
        .await?;
    let panel = flows::wait_for_panel(&browser).await?;
    let textarea = browser
        .client()
        .find(Locator::Css("form.compose-form textarea"))
        .await?;
    textarea.send_keys(TYPED).await?;
    eventually(WAIT, "the draft to be checked", || async {
        let sections = browser
            .shadow_anchors("balise-checklist", "section")
            .await?;
        Ok((!sections.is_empty()).then_some(()))
    })
    .await?;

    // The page's script publishes twice by itself: a click on its button, then its
    // Ctrl+Enter shortcut on an edited draft. The site publishes; Balise attests neither.
    let published = browser
        .eval(
            "const form = document.querySelector('form.compose-form');
             form.querySelector('button[type=submit]').click();
             const textarea = form.querySelector('textarea');
             textarea.value += ' (script)';
             textarea.dispatchEvent(new KeyboardEvent('keydown',
               { key: 'Enter', ctrlKey: true, bubbles: true, cancelable: true }));
             return window.published;",
            vec![],
        )
        .await?;
    assert_eq!(published, json!([TYPED]), "the page's own click published");

    // Balise's elements are out of the page's reach: their shadow roots are closed.
    let reachable = browser
        .eval(
            "return [...document.querySelectorAll('[data-balise-overlay]')]
               .map((host) => [host.localName, host.shadowRoot === null]).sort();",
            vec![],
        )
        .await?;
    assert_eq!(
        reachable,
        json!([["balise-checklist", true], ["balise-report", true]]),
        "{reachable}"
    );

    // The person's own publication, with what they typed next: the only attestation.
    textarea.send_keys(" — fin").await?;
    let draft = browser
        .eval(
            "return document.querySelector('form.compose-form textarea').value",
            vec![],
        )
        .await?;
    let draft = draft.as_str().unwrap_or_default().to_owned();
    assert!(draft.ends_with(" (script) — fin"), "{draft}");
    browser
        .client()
        .find(Locator::Css("form.compose-form button[type=submit]"))
        .await?
        .click()
        .await?;
    eventually(WAIT, "the person's attestation", || async {
        Ok(panel.attr("data-attestations").await?.map(|_| ()))
    })
    .await?;
    // What the outbox keeps (not paired: every attestation waits there), read from the
    // extension's own database.
    browser.open_extension_page("options.html").await?;
    let kept = browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const open = indexedDB.open('balise');
             open.onerror = () => done({ error: String(open.error) });
             open.onsuccess = () => {
               const all = open.result.transaction('attestations').objectStore('attestations').getAll();
               all.onsuccess = () => done(all.result.map((entry) => JSON.parse(entry.body).textSha256));
               all.onerror = () => done({ error: String(all.error) });
             };",
            vec![],
        )
        .await?;
    let digest = sha256_hex(draft.as_bytes());
    assert_eq!(
        kept,
        json!([digest]),
        "the one attestation is the person's publication"
    );
    browser.close().await
}

#[tokio::test]
async fn an_annotation_goes_only_to_a_report_this_browser_made() -> Result<()> {
    let browser = Browser::launch(LaunchOptions::default()).await?;
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#sw-status", "data-state", "ok")
        .await?;
    let reply = send_message(
        &browser,
        json!({
            "type": "annotate",
            "id": "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
            "category": null,
            "note": "Réécrit par la page / rewritten by the page",
        }),
    )
    .await?;
    assert_eq!(reply["type"], "error", "{reply}");
    let status = send_message(&browser, json!({"type": "get-status"})).await?;
    assert_eq!(status["outbox"], json!([]), "nothing kept: {status}");
    browser.close().await
}

/// A valid attestation of a publication, as the content script sends it.
fn attestation(id: &str) -> Value {
    json!({
        "id": id,
        "recordedAt": "2026-11-28T14:05:09Z",
        "site": "mastodon",
        "pageUrl": "https://mastodon.example/home",
        "textSha256": sha256_hex(id.as_bytes()),
        "checklist": [{"id": "identification", "state": "ok"}],
        "findings": [],
        "policyVersion": 1
    })
}

#[tokio::test]
async fn a_flood_of_publications_gets_a_bounded_number_of_attestations() -> Result<()> {
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let browser = Browser::launch(LaunchOptions::default()).await?;
    // Attestations come only from a compose page's content script: here, the enabled
    // fixture page's, as a page dispatching publish events in a loop would have them sent.
    let page = fixtures.url("walking-skeleton.html");
    browser.goto(&page).await?;
    browser.wait_for_content_state().await?;
    let ids: Vec<Value> = (0..200)
        .map(|i| json!(format!("7a1b2c3d-4e5f-4a6b-8c7d-{i:012}")))
        .collect();
    let attestations: Vec<Value> = ids
        .iter()
        .map(|id| attestation(id.as_str().unwrap_or_default()))
        .collect();
    let expression = format!(
        "Promise.all({}.map((attestation) =>
           chrome.runtime.sendMessage({{ type: 'record-attestation', attestation }})))
           .then((replies) => replies.map((reply) => reply.type), (error) => String(error))",
        Value::Array(attestations)
    );
    let replies =
        balise_e2e::devtools::evaluate_in_content_script(&browser, &page, &expression).await?;
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#sw-status", "data-state", "ok")
        .await?;
    let replies = replies.as_array().cloned().unwrap_or_default();
    assert_eq!(replies.len(), 200, "{replies:?}");
    let done = replies.iter().filter(|reply| *reply == "done").count();
    assert_eq!(done, 30, "one tab's share a minute: {replies:?}");
    let status = send_message(&browser, json!({"type": "get-status"})).await?;
    assert_eq!(
        status["attestations"].as_array().map(Vec::len),
        Some(30),
        "{status}"
    );
    browser.close().await
}

/// Runs `body` (an async function's body given `db`, the extension's IndexedDB database,
/// and `store`, a `chrome.storage.local` helper) on the current extension page.
async fn in_extension_page(browser: &Browser, body: &str) -> Result<Value> {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         const request = (r) => new Promise((ok, ko) => {{ r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); }});
         (async () => {{
           const db = await request(indexedDB.open('balise'));
           {body}
         }})().then(done, (error) => done({{ error: String(error) }}));"
    );
    Ok(browser.client().execute_async(&script, vec![]).await?)
}

#[tokio::test]
async fn the_pairing_token_is_kept_where_content_scripts_cannot_read_it() -> Result<()> {
    let data_dir = tempfile::tempdir()?;
    let companion = balise_e2e::companion::CompanionProcess::start(data_dir.path())?;
    let browser = Browser::launch(LaunchOptions::default()).await?;
    flows::save_options(
        &browser,
        &companion.base_url,
        "Marie-Ève Tremblay",
        "marie-eve.tremblay@example.org",
    )
    .await?;
    flows::pair(&browser, &companion).await?;
    browser.open_extension_page("options.html").await?;

    // The token is in the extension origin's database; `chrome.storage.local`, which
    // content scripts read too, has the companion's address and nothing of the token.
    let kept = in_extension_page(
        &browser,
        "const record = await request(db.transaction('pairing').objectStore('pairing').get('current'));
         const local = await chrome.storage.local.get(null);
         return { record, local: JSON.stringify(local) };",
    )
    .await?;
    let token = kept["record"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(token.len() >= 32, "a token in the database: {kept}");
    assert_eq!(kept["record"]["companionUrl"], companion.base_url);
    let local = kept["local"].as_str().unwrap_or_default();
    assert!(
        !local.contains(&token),
        "no token in storage.local: {local}"
    );
    assert!(!local.contains("\"pairing\""), "{local}");

    // A pairing kept by an earlier version in storage.local moves to the database on first
    // use, and still works.
    let moved_back = in_extension_page(
        &browser,
        "const record = await request(db.transaction('pairing').objectStore('pairing').get('current'));
         await request(db.transaction('pairing', 'readwrite').objectStore('pairing').delete('current'));
         await chrome.storage.local.remove('pairedWith');
         await chrome.storage.local.set({ pairing: { companionUrl: record.companionUrl, token: record.token } });
         return true;",
    )
    .await?;
    assert_eq!(moved_back, json!(true), "{moved_back}");
    let status = send_message(&browser, json!({"type": "get-status"})).await?;
    assert_eq!(status["paired"], json!(true), "{status}");
    let migrated = in_extension_page(
        &browser,
        "const record = await request(db.transaction('pairing').objectStore('pairing').get('current'));
         const local = await chrome.storage.local.get(null);
         return { token: record && record.token, local: JSON.stringify(local), pairedWith: local.pairedWith };",
    )
    .await?;
    assert_eq!(migrated["token"], json!(token), "{migrated}");
    assert_eq!(
        migrated["pairedWith"],
        json!(companion.base_url),
        "{migrated}"
    );
    let local = migrated["local"].as_str().unwrap_or_default();
    assert!(
        !local.contains(&token),
        "moved out of storage.local: {local}"
    );
    browser.close().await
}
