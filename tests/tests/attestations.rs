//! Attestations and the companion's policy end to end: the built extension in headless
//! Chromium and, as `…_in_firefox`, in headless Firefox ESR (one body per test, taking the
//! browser), runtime messages sent from its options page, attestations from the content
//! script of an enabled fixture compose page (the only sender the worker takes them from),
//! and the real companion binary.
//!
//! How the attestations are made depends on the browser. In Chromium they are crafted
//! (exact ids, invalid ones, replays) and sent from the content script's isolated world
//! through the DevTools protocol. Firefox offers no such way in (and the worker refuses
//! attestations from extension pages), so there they come from real publications: text
//! typed in the fixture's compose box, the checklist's boxes ticked and "Publier" clicked,
//! all through WebDriver (trusted input). The crafted-only checks (an invalid attestation,
//! a replay, another attestation under a used id) run in Chromium.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use balise_e2e::browser::{Browser, Engine, LaunchOptions};
use balise_e2e::companion::{
    CompanionApi, CompanionProcess, DEFAULT_ORGANIZATION, TEST_ORGANIZATION, api_token,
    write_strict_test_policy,
};
use balise_e2e::{WAIT, eventually, flows};
use fantoccini::Locator;
use fantoccini::wd::WindowHandle;
use serde_json::{Value, json};

const REPORTER_NAME: &str = "Marie-Ève Tremblay";
const REPORTER_EMAIL: &str = "marie-eve.tremblay@example.org";
/// Deliveries may wait for a retry with a growing delay; this bounds the wait.
const DELIVERY_WAIT: Duration = Duration::from_secs(45);
/// The alarm is set to fire at once; allow for a late one.
const POLICY_CHECK_WAIT: Duration = Duration::from_secs(75);

/// A valid `AttestationV1` as the content script sends it.
fn attestation(id: &str) -> Value {
    json!({
        "id": id,
        "recordedAt": "2026-11-28T14:05:09Z",
        "site": "facebook",
        "pageUrl": "https://www.facebook.com/groups/sec-csq",
        "textSha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "checklist": [
            {"id": "identification", "state": "ok"},
            {"id": "vie-privee", "state": "warn"}
        ],
        "findings": [
            {"itemId": "vie-privee", "kind": "phone", "severity": "warning", "excerpt": "•••-•••-••34"}
        ],
        "overrideReason": "Numéro public du bureau syndical.",
        "policyVersion": 1
    })
}

/// Sends `message` with `chrome.runtime.sendMessage` and returns the service worker's
/// reply: an attestation from the content script of the fixture page that
/// [`paired_browser`] opened (compose pages send them), anything else from the current
/// extension page.
async fn send_message(browser: &Browser, message: Value) -> Result<Value> {
    if message["type"] == "record-attestation" {
        let page = PAGE.with(|page| page.borrow().clone());
        let expression = format!(
            "chrome.runtime.sendMessage({message}).then(
               (reply) => reply === undefined ? null : reply,
               (error) => ({{ type: 'send-failed', message: String(error) }}))"
        );
        return balise_e2e::devtools::evaluate_in_content_script(browser, &page, &expression).await;
    }
    let script = "const done = arguments[arguments.length - 1];
        chrome.runtime.sendMessage(arguments[0]).then(
            (reply) => done(reply === undefined ? null : reply),
            (error) => done({ type: 'send-failed', message: String(error) }));";
    let what = format!("sending {message} from the extension's page");
    browser
        .client()
        .execute_async(script, vec![message])
        .await
        .context(what)
}

struct Setup {
    fixtures: balise_e2e::fixtures::FixtureServer,
    data_dir: tempfile::TempDir,
    companion: CompanionProcess,
    api: CompanionApi,
}

async fn setup_with(prepare: impl FnOnce(&Path) -> Result<()>) -> Result<Setup> {
    let fixtures =
        balise_e2e::fixtures::FixtureServer::start(balise_e2e::fixtures::CspMode::None).await?;
    let data_dir = tempfile::tempdir()?;
    prepare(data_dir.path())?;
    let companion = CompanionProcess::start(data_dir.path())?;
    let api = CompanionApi::new(&companion.base_url, api_token(data_dir.path())?);
    Ok(Setup {
        fixtures,
        data_dir,
        companion,
        api,
    })
}

/// Opens the enabled fixture compose page in a second tab, waits for its content script
/// and checklist, and comes back to the current tab.
async fn open_content_script_tab(
    browser: &Browser,
    fixtures: &balise_e2e::fixtures::FixtureServer,
) -> Result<()> {
    let page = fixtures.url("compose-signature.html");
    PAGE.with(|cell| *cell.borrow_mut() = page.clone());
    let current = browser.client().window().await?;
    let opened = browser.client().new_window(true).await?;
    browser
        .client()
        .switch_to_window(opened.handle.clone())
        .await?;
    COMPOSE_TAB.with(|cell| *cell.borrow_mut() = Some(opened.handle));
    browser.goto(&page).await?;
    browser.wait_for_content_state().await?;
    flows::wait_for_panel(browser).await?;
    browser.client().switch_to_window(current).await?;
    Ok(())
}

thread_local! {
    /// The fixture page whose content script sends this test's attestations.
    static PAGE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    /// The tab showing it.
    static COMPOSE_TAB: std::cell::RefCell<Option<WindowHandle>> =
        const { std::cell::RefCell::new(None) };
}

/// An attestation the test made: its id when the test chose it (crafted), and what the
/// companion must store.
struct Recorded {
    id: Option<String>,
    /// The SHA-256 of the published text.
    text_sha256: String,
    /// The checklist's items and states as the panel showed them when published (real
    /// publications only).
    checklist: Option<Value>,
}

/// Records one attestation in `engine`'s way: in Chromium the crafted [`attestation`]
/// `id`, sent from the content script's world; in Firefox a real publication of `text` in
/// the compose tab (see [`publish`]).
async fn record(browser: &Browser, engine: Engine, id: &str, text: &str) -> Result<Recorded> {
    match engine {
        Engine::Chromium => {
            let crafted = attestation(id);
            let reply = send_message(
                browser,
                json!({"type": "record-attestation", "attestation": crafted}),
            )
            .await?;
            assert_eq!(reply, json!({"type": "done"}));
            Ok(Recorded {
                id: Some(id.to_owned()),
                text_sha256: crafted["textSha256"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                checklist: None,
            })
        }
        Engine::Firefox => publish(browser, text).await,
    }
}

/// Publishes `text` as a person does, in the compose tab: typed in the box, every box of
/// the checklist ticked, "Publier" clicked (WebDriver input: trusted events); waits until
/// the panel counts the attestation kept, and comes back to the current tab.
async fn publish(browser: &Browser, text: &str) -> Result<Recorded> {
    let client = browser.client();
    let back = client.window().await?;
    let tab = COMPOSE_TAB
        .with(|cell| cell.borrow().clone())
        .context("no compose tab is open")?;
    client.switch_to_window(tab).await?;
    let published = async {
        let panel = flows::wait_for_panel(browser).await?;
        let kept = |value: Option<String>| {
            value
                .and_then(|count| count.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let before = kept(panel.attr("data-attestations").await?);
        let textarea = client
            .find(Locator::Css("form.compose-form textarea"))
            .await?;
        textarea.clear().await?;
        textarea.send_keys(text).await?;
        let shadow = panel.shadow_root().await?;
        for checkbox in shadow.find_all(Locator::Css("input[data-confirm]")).await? {
            if !checkbox.is_selected().await? {
                checkbox.click().await?;
            }
        }
        // What the panel shows as published: each item and its state, once the draft is
        // checked (no item still waits for its first check).
        let checklist = eventually(WAIT, "the checklist of the typed draft", || async {
            let mut items = Vec::new();
            for item in shadow.find_all(Locator::Css("[data-item-id]")).await? {
                let (Some(id), Some(state)) = (
                    item.attr("data-item-id").await?,
                    item.attr("data-state").await?,
                ) else {
                    return Ok(None);
                };
                items.push(json!({"id": id, "state": state}));
            }
            Ok((!items.is_empty()).then_some(Value::Array(items)))
        })
        .await?;
        client
            .find(Locator::Css("form.compose-form button[type=submit]"))
            .await?
            .click()
            .await?;
        let site = browser.eval("return window.published", vec![]).await?;
        anyhow::ensure!(
            site.as_array().and_then(|all| all.last()) == Some(&json!(text)),
            "the site published {site}"
        );
        eventually(WAIT, "the panel to keep the attestation", || async {
            Ok((kept(panel.attr("data-attestations").await?) == before + 1).then_some(()))
        })
        .await?;
        Ok::<_, anyhow::Error>(Recorded {
            id: None,
            text_sha256: balise_e2e::sha256_hex(text.as_bytes()),
            checklist: Some(checklist),
        })
    }
    .await;
    client.switch_to_window(back).await?;
    published
}

/// Checks that `stored` (an attestation as the companion lists it) is `recorded`.
fn assert_stored(stored: &Value, recorded: &Recorded) {
    let attestation = &stored["attestation"];
    match &recorded.id {
        Some(id) => {
            assert_eq!(stored["id"], id.as_str());
            assert_eq!(*attestation, self::attestation(id));
        }
        None => {
            let page = PAGE.with(|page| page.borrow().clone());
            assert_eq!(attestation["site"], "mastodon", "{attestation}");
            assert_eq!(attestation["pageUrl"], page.as_str(), "{attestation}");
            assert_eq!(attestation["overrideReason"], Value::Null, "{attestation}");
        }
    }
    assert_eq!(
        attestation["textSha256"],
        recorded.text_sha256.as_str(),
        "{attestation}"
    );
    if let Some(checklist) = &recorded.checklist {
        assert_eq!(attestation["checklist"], *checklist, "{attestation}");
    }
}

/// A clean draft, signed (what a real publication attests in Firefox).
const DRAFT: &str =
    "Rencontre des enseignantes et enseignants jeudi à 19 h. — Personnel du SEC-CSQ";
const SECOND_DRAFT: &str =
    "Assemblée générale mardi à 18 h au local syndical. — Personnel du SEC-CSQ";

/// A browser whose options point at the test companion, paired with it, left on the
/// options page, with a second tab on an enabled fixture page whose content script runs.
async fn paired_browser(setup: &Setup, engine: Engine) -> Result<Browser> {
    let browser = Browser::launch(LaunchOptions::engine(engine)).await?;
    open_content_script_tab(&browser, &setup.fixtures).await?;
    flows::save_options(
        &browser,
        &setup.companion.base_url,
        REPORTER_NAME,
        REPORTER_EMAIL,
    )
    .await?;
    flows::pair(&browser, &setup.companion).await?;
    browser.open_extension_page("options.html").await?;
    Ok(browser)
}

#[tokio::test]
async fn a_recorded_attestation_is_stored_by_the_companion_exactly_once() -> Result<()> {
    recorded_attestation_stored_exactly_once(Engine::Chromium).await
}

#[tokio::test]
async fn a_recorded_attestation_is_stored_by_the_companion_exactly_once_in_firefox() -> Result<()> {
    recorded_attestation_stored_exactly_once(Engine::Firefox).await
}

async fn recorded_attestation_stored_exactly_once(engine: Engine) -> Result<()> {
    let setup = setup_with(|_| Ok(())).await?;
    let browser = paired_browser(&setup, engine).await?;
    let id = "0b5c8a52-9f0e-4c4e-8f0a-3d2b1c0e9f7b";
    let recorded = record(&browser, engine, id, DRAFT).await?;
    let stored = setup.api.wait_for_attestations(1, DELIVERY_WAIT).await?;
    assert_stored(&stored[0], &recorded);

    if engine == Engine::Chromium {
        // An invalid attestation is refused at once, and nothing is kept or sent.
        let mut invalid = attestation("8c2d6a1e-3b4f-4d5e-9a6b-7c8d9e0f1a2b");
        invalid["textSha256"] = json!("not a hash");
        let reply = send_message(
            &browser,
            json!({"type": "record-attestation", "attestation": invalid}),
        )
        .await?;
        assert_eq!(reply["type"], "error", "{reply}");
        assert!(
            reply["message"]
                .as_str()
                .is_some_and(|message| message.contains("textSha256")),
            "{reply}"
        );
    }

    // Still exactly one a while later: no retry stored it twice, and nothing waits.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(setup.api.attestations().await?.len(), 1);
    let status = send_message(&browser, json!({"type": "get-status"})).await?;
    assert_eq!(status["attestations"], json!([]), "{status}");

    match engine {
        Engine::Chromium => crafted_replay_and_reuse(&browser, &setup, id).await?,
        Engine::Firefox => {
            // A second publication is a second attestation, stored once too.
            let second = record(&browser, engine, id, SECOND_DRAFT).await?;
            let stored = setup.api.wait_for_attestations(2, DELIVERY_WAIT).await?;
            assert_stored(&stored[0], &second);
            assert_ne!(stored[0]["id"], stored[1]["id"], "two ids");
            tokio::time::sleep(Duration::from_secs(3)).await;
            assert_eq!(setup.api.attestations().await?.len(), 2);
            let status = send_message(&browser, json!({"type": "get-status"})).await?;
            assert_eq!(status["attestations"], json!([]), "{status}");
        }
    }
    browser.close().await
}

/// Crafted only (Chromium): the stored attestation `id` sent again is a replay the outbox
/// lets go without a second copy; another attestation under the same id is refused for
/// good, kept as refused with the companion's reason, shown, and not retried.
async fn crafted_replay_and_reuse(browser: &Browser, setup: &Setup, id: &str) -> Result<()> {
    // The same attestation again: the companion answers with what it stored (a replay),
    // and the outbox lets it go without a second copy.
    let reply = send_message(
        browser,
        json!({"type": "record-attestation", "attestation": attestation(id)}),
    )
    .await?;
    assert_eq!(reply, json!({"type": "done"}));
    eventually(DELIVERY_WAIT, "the replay to leave the outbox", || async {
        let status = send_message(browser, json!({"type": "get-status"})).await?;
        Ok((status["attestations"] == json!([])).then_some(()))
    })
    .await?;
    assert_eq!(setup.api.attestations().await?.len(), 1);

    // Another attestation under the same id: the companion refuses it for good (422). It
    // is kept, marked refused with the companion's reason, shown, and not retried.
    let mut other = attestation(id);
    other["site"] = json!("x");
    let reply = send_message(
        browser,
        json!({"type": "record-attestation", "attestation": other}),
    )
    .await?;
    assert_eq!(reply, json!({"type": "done"}));
    let refused = eventually(DELIVERY_WAIT, "the attestation to be refused", || async {
        let status = send_message(browser, json!({"type": "get-status"})).await?;
        let first = status["attestations"][0].clone();
        Ok((first["state"] == "rejected").then_some(first))
    })
    .await?;
    assert_eq!(refused["id"], id);
    assert!(
        refused["lastError"]
            .as_str()
            .is_some_and(|error| error.contains("422") && error.contains("idempotency_key_reused")),
        "{refused}"
    );
    let flushed = send_message(browser, json!({"type": "flush"})).await?;
    assert_eq!(flushed["type"], "flushed", "{flushed}");
    let status = send_message(browser, json!({"type": "get-status"})).await?;
    assert_eq!(
        status["attestations"][0]["attempts"], 1,
        "not retried: {status}"
    );
    browser.open_extension_page("popup.html").await?;
    browser
        .wait_for_attribute("#attestations", "data-count", "1")
        .await?;
    let shown = browser
        .eval(
            "return document.querySelector('#attestations-refused li').textContent",
            vec![],
        )
        .await?;
    assert!(
        shown
            .as_str()
            .is_some_and(|text| text.contains("idempotency_key_reused")),
        "{shown}"
    );
    assert_eq!(setup.api.attestations().await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn an_attestation_recorded_while_the_companion_is_down_is_delivered_once_it_is_back()
-> Result<()> {
    attestation_waits_while_the_companion_is_down(Engine::Chromium).await
}

#[tokio::test]
async fn an_attestation_recorded_while_the_companion_is_down_is_delivered_once_it_is_back_in_firefox()
-> Result<()> {
    attestation_waits_while_the_companion_is_down(Engine::Firefox).await
}

async fn attestation_waits_while_the_companion_is_down(engine: Engine) -> Result<()> {
    let setup = setup_with(|_| Ok(())).await?;
    let browser = paired_browser(&setup, engine).await?;
    let port = setup.companion.port()?;
    let (exit, _) = setup.companion.terminate()?;
    assert!(exit.success());

    let id = "5d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a";
    let recorded = record(&browser, engine, id, DRAFT).await?;

    // It waits, and the popup says so (opened in a tab, the popup cannot report its own
    // page: it says so, then lists what waits).
    browser.open_extension_page("popup.html").await?;
    browser
        .wait_for_attribute("#attestations", "data-count", "1")
        .await?;
    browser.open_extension_page("options.html").await?;
    let status = send_message(&browser, json!({"type": "get-status"})).await?;
    let waiting = status["attestations"]
        .as_array()
        .context("attestations in the status")?;
    assert_eq!(waiting.len(), 1, "{status}");
    if let Some(id) = &recorded.id {
        assert_eq!(waiting[0]["id"], id.as_str());
    }
    assert_eq!(waiting[0]["state"], "waiting");
    let waiting_id = waiting[0]["id"].clone();

    let companion = CompanionProcess::start_on_port(setup.data_dir.path(), port)?;
    let stored = setup.api.wait_for_attestations(1, DELIVERY_WAIT).await?;
    assert_stored(&stored[0], &recorded);
    assert_eq!(stored[0]["id"], waiting_id, "the one that waited");
    // Still exactly one a while later, and the outbox is empty.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(setup.api.attestations().await?.len(), 1);
    eventually(DELIVERY_WAIT, "the outbox to be empty", || async {
        let status = send_message(&browser, json!({"type": "get-status"})).await?;
        Ok((status["attestations"] == json!([])).then_some(()))
    })
    .await?;
    browser.close().await?;
    drop(companion);
    Ok(())
}

#[tokio::test]
async fn the_paired_companions_policy_is_in_force_and_the_default_otherwise() -> Result<()> {
    companion_policy_or_default(Engine::Chromium).await
}

#[tokio::test]
async fn the_paired_companions_policy_is_in_force_and_the_default_otherwise_in_firefox()
-> Result<()> {
    companion_policy_or_default(Engine::Firefox).await
}

async fn companion_policy_or_default(engine: Engine) -> Result<()> {
    let setup = setup_with(write_strict_test_policy).await?;
    let browser = Browser::launch(LaunchOptions::engine(engine)).await?;
    flows::save_options(
        &browser,
        &setup.companion.base_url,
        REPORTER_NAME,
        REPORTER_EMAIL,
    )
    .await?;

    // Not paired: the built-in default.
    let reply = send_message(&browser, json!({"type": "get-policy"})).await?;
    assert_eq!(reply["type"], "policy", "{reply}");
    assert_eq!(reply["fromCompanion"], false);
    assert_eq!(
        reply["policy"]["organization"]["name"],
        DEFAULT_ORGANIZATION
    );
    assert_eq!(reply["policy"]["strict_mode"], false);
    browser
        .wait_for_attribute("#policy-status", "data-source", "default")
        .await?;

    // Paired: the companion's.
    flows::pair(&browser, &setup.companion).await?;
    browser.open_extension_page("options.html").await?;
    let reply = send_message(&browser, json!({"type": "get-policy"})).await?;
    assert_eq!(reply["type"], "policy", "{reply}");
    assert_eq!(reply["fromCompanion"], true, "{reply}");
    assert_eq!(reply["policy"]["organization"]["name"], TEST_ORGANIZATION);
    assert_eq!(reply["policy"]["strict_mode"], true);
    browser
        .wait_for_attribute("#policy-status", "data-source", "companion")
        .await?;
    let shown = browser
        .eval(
            "return document.getElementById('policy-status').textContent",
            vec![],
        )
        .await?;
    assert!(
        shown
            .as_str()
            .is_some_and(|text| text.contains(TEST_ORGANIZATION)),
        "{shown}"
    );

    // The companion stops; when the extension next asks it for its policy (at its alarm,
    // every 10 minutes when nothing waits, once the last request is 10 minutes old: both
    // made so here, the alarm set to fire now), in vain, the last good policy stays in force.
    let (exit, _) = setup.companion.terminate()?;
    assert!(exit.success());
    browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];
             chrome.storage.local.set({ companionPolicyCheckedAt: 1 })
               .then(() => { chrome.alarms.create('balise-retry', { when: Date.now() + 100 }); })
               .then(() => done(null));",
            vec![],
        )
        .await?;
    let what = "the extension to ask the stopped companion for its policy";
    eventually(POLICY_CHECK_WAIT, what, || async {
        Ok((last_policy_check(&browser).await? > 1.0).then_some(()))
    })
    .await?;
    let reply = send_message(&browser, json!({"type": "get-policy"})).await?;
    assert_eq!(reply["fromCompanion"], true, "{reply}");
    assert_eq!(reply["policy"]["organization"]["name"], TEST_ORGANIZATION);
    browser.close().await
}

/// When the extension last asked the companion for its policy (milliseconds), read from
/// an extension page.
async fn last_policy_check(browser: &Browser) -> Result<f64> {
    let script = "const done = arguments[arguments.length - 1];
        chrome.storage.local.get('companionPolicyCheckedAt').then(
            (items) => done(items.companionPolicyCheckedAt ?? 0),
            () => done(0));";
    let value = browser.client().execute_async(script, vec![]).await?;
    value
        .as_f64()
        .with_context(|| format!("unexpected time: {value}"))
}

#[tokio::test]
async fn extra_sites_are_checked_when_the_options_are_saved() -> Result<()> {
    extra_sites_checked(Engine::Chromium).await
}

#[tokio::test]
async fn extra_sites_are_checked_when_the_options_are_saved_in_firefox() -> Result<()> {
    extra_sites_checked(Engine::Firefox).await
}

async fn extra_sites_checked(engine: Engine) -> Result<()> {
    let browser = Browser::launch(LaunchOptions::engine(engine)).await?;
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#sw-status", "data-state", "ok")
        .await?;
    let set_sites = |text: &'static str| {
        let browser = &browser;
        async move {
            browser
                .eval(
                    "document.getElementById('extra-sites').value = arguments[0];
                     document.querySelector('#settings button[type=submit]').click();",
                    vec![json!(text)],
                )
                .await
        }
    };
    // A web address is refused, with the site name to type instead.
    set_sites("forum.example.org\nhttps://www.lacsq.org/nouvelles").await?;
    browser
        .wait_for_attribute("#save-status", "data-state", "error")
        .await?;
    let message = browser
        .eval(
            "return document.getElementById('save-status').textContent",
            vec![],
        )
        .await?;
    let message = message.as_str().unwrap_or_default().to_owned();
    assert!(message.contains("www.lacsq.org"), "{message}");
    assert!(message.contains('2'), "names the line: {message}");

    // Host names are kept, normalized.
    set_sites("Forum.Example.org\n\n*.lacsq.org").await?;
    browser
        .wait_for_attribute("#save-status", "data-state", "saved")
        .await?;
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#sw-status", "data-state", "ok")
        .await?;
    let kept = browser
        .eval(
            "return document.getElementById('extra-sites').value",
            vec![],
        )
        .await?;
    assert_eq!(kept, json!("forum.example.org\n*.lacsq.org"));
    browser.close().await
}

/// Replaces the extension's IndexedDB database with a version-1 one (the `outbox` store
/// only) holding one waiting report, as an extension from before attestations left it.
const MAKE_VERSION_1_DATABASE: &str = "const done = arguments[arguments.length - 1];
    const record = arguments[0];
    record.screenshot = new Uint8Array([137, 80, 78, 71]);
    const deletion = indexedDB.deleteDatabase('balise');
    deletion.onerror = () => done('delete failed: ' + deletion.error);
    deletion.onsuccess = () => {
        const open = indexedDB.open('balise', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('outbox', { keyPath: 'id' });
        open.onerror = () => done('open failed: ' + open.error);
        open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction('outbox', 'readwrite');
            tx.objectStore('outbox').put(record);
            tx.oncomplete = () => { db.close(); done('ok'); };
            tx.onerror = () => done('write failed: ' + tx.error);
        };
    };";

#[tokio::test]
async fn the_database_upgrade_keeps_the_reports_that_waited() -> Result<()> {
    database_upgrade_keeps_waiting_reports(Engine::Chromium).await
}

#[tokio::test]
async fn the_database_upgrade_keeps_the_reports_that_waited_in_firefox() -> Result<()> {
    database_upgrade_keeps_waiting_reports(Engine::Firefox).await
}

async fn database_upgrade_keeps_waiting_reports(engine: Engine) -> Result<()> {
    let browser = Browser::launch(LaunchOptions::engine(engine)).await?;
    // The popup page: an extension page that asks the service worker once, then stays idle.
    browser.open_extension_page("popup.html").await?;
    browser
        .wait_for_attribute("#outbox", "data-count", "0")
        .await?;
    let report_id = "3f2e1d0c-9b8a-4765-8432-10fedcba9876";
    let waiting_report = json!({
        "id": report_id,
        "idempotencyKey": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
        "reportJson": "{}",
        "pageUrl": "https://www.facebook.com/groups/exemple",
        "pageTitle": "Avant la mise à jour",
        "createdAt": "2026-11-27T10:00:00.000Z",
        "attempts": 2,
        "lastError": "companion unreachable",
        "state": "waiting",
        "reportStored": false,
        "annotation": null,
        "annotationKey": null
    });
    let made = browser
        .client()
        .execute_async(MAKE_VERSION_1_DATABASE, vec![waiting_report])
        .await?;
    assert_eq!(made, json!("ok"));
    let fixtures =
        balise_e2e::fixtures::FixtureServer::start(balise_e2e::fixtures::CspMode::None).await?;
    open_content_script_tab(&browser, &fixtures).await?;

    // The service worker opens the current version: the report is still there, and
    // attestations have a store of their own.
    let id = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b";
    let recorded = record(&browser, engine, id, DRAFT).await?;
    let status = send_message(&browser, json!({"type": "get-status"})).await?;
    let reports = status["outbox"]
        .as_array()
        .context("outbox in the status")?;
    assert_eq!(reports.len(), 1, "{status}");
    assert_eq!(reports[0]["id"], report_id);
    assert_eq!(reports[0]["pageTitle"], "Avant la mise à jour");
    let attestations = status["attestations"]
        .as_array()
        .context("attestations in the status")?;
    assert_eq!(attestations.len(), 1, "{status}");
    if let Some(id) = &recorded.id {
        assert_eq!(attestations[0]["id"], id.as_str(), "{status}");
    }
    browser.close().await
}
