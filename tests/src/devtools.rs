//! The Chrome DevTools Protocol, for what WebDriver cannot reach: code run in the
//! extension's service worker (to press the toolbar button) and its popup, and keys the
//! browser itself handles (the extension's shortcut).
//!
//! ChromeDriver starts Chromium with `--remote-debugging-port=0`; Chromium writes the port
//! it chose into `DevToolsActivePort` in the profile directory.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::browser::Browser;
use crate::{CHROMIUM_EXTENSION_ID, WAIT, eventually};

/// One DevTools target (a page, a worker) as `/json/list` describes it.
#[derive(Debug, Clone)]
pub struct Target {
    /// The target's id (for a page, ChromeDriver's window handle).
    pub id: String,
    pub kind: String,
    pub url: String,
    web_socket_url: String,
}

fn devtools_port(profile: &Path) -> Result<u16> {
    let file = profile.join("DevToolsActivePort");
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("reading {} (is remote debugging on?)", file.display()))?;
    text.lines()
        .next()
        .context("DevToolsActivePort is empty")?
        .trim()
        .parse()
        .context("DevToolsActivePort does not start with a port")
}

/// The browser's DevTools targets.
pub async fn targets(browser: &Browser) -> Result<Vec<Target>> {
    let port = devtools_port(browser.profile_dir())?;
    let list: Vec<Value> = reqwest::get(format!("http://127.0.0.1:{port}/json/list"))
        .await?
        .json()
        .await?;
    Ok(list
        .into_iter()
        .filter_map(|target| {
            Some(Target {
                id: target["id"].as_str()?.to_owned(),
                kind: target["type"].as_str()?.to_owned(),
                url: target["url"].as_str()?.to_owned(),
                web_socket_url: target["webSocketDebuggerUrl"].as_str()?.to_owned(),
            })
        })
        .collect())
}

/// Closes `target` (a page's tab), as `/json/close` does.
pub async fn close_target(browser: &Browser, target: &Target) -> Result<()> {
    let port = devtools_port(browser.profile_dir())?;
    let response =
        reqwest::get(format!("http://127.0.0.1:{port}/json/close/{}", target.id)).await?;
    if !response.status().is_success() {
        bail!(
            "closing the tab at {}: HTTP {}",
            target.url,
            response.status()
        );
    }
    Ok(())
}

/// Waits for the target of `kind` whose URL starts with `url_prefix`.
pub async fn wait_for_target(browser: &Browser, kind: &str, url_prefix: &str) -> Result<Target> {
    eventually(
        WAIT,
        &format!("a {kind} target at {url_prefix}"),
        || async {
            Ok(targets(browser)
                .await?
                .into_iter()
                .find(|target| target.kind == kind && target.url.starts_with(url_prefix)))
        },
    )
    .await
}

/// The extension's service worker, started if the browser had stopped it for being idle
/// (after about 30 s without an event; nothing restarts it until the next event).
pub async fn service_worker(browser: &Browser) -> Result<Target> {
    let prefix = format!("chrome-extension://{CHROMIUM_EXTENSION_ID}/");
    let running = eventually(Duration::from_secs(2), "the service worker", || async {
        Ok(targets(browser)
            .await?
            .into_iter()
            .find(|target| target.kind == "service_worker" && target.url.starts_with(&prefix)))
    })
    .await;
    if let Ok(worker) = running {
        return Ok(worker);
    }
    wake_service_worker(browser).await?;
    wait_for_target(browser, "service_worker", &prefix).await
}

/// Starts the extension's stopped service worker as an event would: its options page,
/// loaded in a background tab (the active tab stays the same), asks it for its status;
/// the tab is closed once the worker runs.
async fn wake_service_worker(browser: &Browser) -> Result<()> {
    let port = devtools_port(browser.profile_dir())?;
    let version: Value = reqwest::get(format!("http://127.0.0.1:{port}/json/version"))
        .await?
        .json()
        .await?;
    let browser_target = Target {
        id: "browser".to_owned(),
        kind: "browser".to_owned(),
        url: "the browser".to_owned(),
        web_socket_url: version["webSocketDebuggerUrl"]
            .as_str()
            .context("no browser target in /json/version")?
            .to_owned(),
    };
    let mut session = Session::open(&browser_target).await?;
    let created = session
        .call(
            "Target.createTarget",
            json!({
                "url": format!("chrome-extension://{CHROMIUM_EXTENSION_ID}/options.html"),
                "background": true,
            }),
        )
        .await?;
    let started = wait_for_target(
        browser,
        "service_worker",
        &format!("chrome-extension://{CHROMIUM_EXTENSION_ID}/"),
    )
    .await;
    if let Some(id) = created["targetId"].as_str() {
        let _ = session
            .call("Target.closeTarget", json!({ "targetId": id }))
            .await;
    }
    session.close().await;
    started.map(|_| ())
}

/// Sends one DevTools command to `target` and returns its result.
pub async fn call(target: &Target, method: &str, params: Value) -> Result<Value> {
    let mut session = Session::open(target).await?;
    let result = session.call(method, params).await;
    session.close().await;
    result
}

/// One DevTools connection to a target: a domain enabled in it (such as
/// `Performance.enable`) stays enabled for its later commands.
pub struct Session {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    next_id: u64,
    url: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Connects to `target`.
    pub async fn open(target: &Target) -> Result<Session> {
        let (socket, _) = tokio_tungstenite::connect_async(target.web_socket_url.as_str())
            .await
            .with_context(|| format!("connecting to the DevTools of {}", target.url))?;
        Ok(Session {
            socket,
            next_id: 1,
            url: target.url.clone(),
        })
    }

    /// Sends one command and returns its result (events in between are skipped).
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({ "id": id, "method": method, "params": params });
        self.socket.send(Message::text(request.to_string())).await?;
        let socket = &mut self.socket;
        let answer = tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(message) = socket.next().await {
                let Message::Text(text) = message? else {
                    continue;
                };
                let value: Value = serde_json::from_str(text.as_str())?;
                if value["id"] == id {
                    return Ok(value);
                }
            }
            bail!("DevTools closed the connection")
        })
        .await
        .with_context(|| format!("no answer to {method} from {} within 20 s", self.url))??;
        if let Some(error) = answer.get("error") {
            bail!("{method} failed: {error}");
        }
        Ok(answer["result"].clone())
    }

    /// The size in bytes of every `WebAssembly.Memory` on this target's heap (objects whose
    /// prototype is `WebAssembly.Memory.prototype` of execution context `context`, or of the
    /// default one, found by `Runtime.queryObjects`).
    pub async fn wasm_memory_sizes(&mut self, context: Option<i64>) -> Result<Vec<u64>> {
        let mut params = json!({ "expression": "WebAssembly.Memory.prototype" });
        if let Some(context) = context {
            params["contextId"] = json!(context);
        }
        let prototype = self.call("Runtime.evaluate", params).await?;
        let prototype_id = prototype["result"]["objectId"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("no WebAssembly.Memory.prototype in {}", self.url))?
            .to_owned();
        let found = self
            .call(
                "Runtime.queryObjects",
                json!({ "prototypeObjectId": prototype_id }),
            )
            .await?;
        let array_id = found["objects"]["objectId"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("Runtime.queryObjects returned no array"))?
            .to_owned();
        let lengths = self
            .call(
                "Runtime.callFunctionOn",
                json!({
                    "objectId": array_id,
                    "functionDeclaration": "function () { return this.map((memory) => memory.buffer.byteLength); }",
                    "returnByValue": true,
                }),
            )
            .await?;
        Ok(lengths["result"]["value"]
            .as_array()
            .map(|values| values.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default())
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// Evaluates `expression` in `target` (awaiting a promise) and returns its value.
pub async fn evaluate(target: &Target, expression: &str) -> Result<Value> {
    let result = call(
        target,
        "Runtime.evaluate",
        json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
    )
    .await?;
    if let Some(exception) = result.get("exceptionDetails") {
        bail!("{expression} threw: {exception}");
    }
    Ok(result["result"]["value"].clone())
}

/// Presses Alt+Shift+`key` (a letter) in the page at `page_url`, as the person's keyboard
/// would: the browser sees it before the page, so the extension's shortcuts work.
pub async fn press_alt_shift(browser: &Browser, page_url: &str, key: char) -> Result<()> {
    let page = wait_for_target(browser, "page", page_url).await?;
    let upper = key.to_ascii_uppercase();
    let code = u32::from(upper);
    const ALT: u32 = 1;
    const SHIFT: u32 = 8;
    for kind in ["rawKeyDown", "keyUp"] {
        call(
            &page,
            "Input.dispatchKeyEvent",
            json!({
                "type": kind,
                "modifiers": ALT | SHIFT,
                "key": upper.to_string(),
                "code": format!("Key{upper}"),
                "windowsVirtualKeyCode": code,
                "nativeVirtualKeyCode": code,
            }),
        )
        .await?;
    }
    Ok(())
}

/// Presses the toolbar button as the person would: the extension's popup opens over the
/// active tab (`chrome.action.openPopup`, run in the service worker).
pub async fn press_toolbar_button(browser: &Browser) -> Result<()> {
    let worker = service_worker(browser).await?;
    let opened = evaluate(
        &worker,
        "chrome.action.openPopup().then(() => 'opened', (error) => 'failed: ' + error.message)",
    )
    .await?;
    if opened != json!("opened") {
        bail!("the toolbar popup did not open: {opened}");
    }
    Ok(())
}

/// The open toolbar popup.
pub async fn popup(browser: &Browser) -> Result<Target> {
    wait_for_target(
        browser,
        "page",
        &format!("chrome-extension://{CHROMIUM_EXTENSION_ID}/popup.html"),
    )
    .await
}

/// Clicks the element matching `selector` in `target` (a page, such as the popup) with the
/// mouse, through the DevTools protocol: a trusted click, as the person's.
pub async fn click(target: &Target, selector: &str) -> Result<()> {
    let center = evaluate(
        target,
        &format!(
            "(() => {{ const element = document.querySelector({selector});
                if (!element) return null;
                const box = element.getBoundingClientRect();
                return [box.x + box.width / 2, box.y + box.height / 2]; }})()",
            selector = json!(selector)
        ),
    )
    .await?;
    let (Some(x), Some(y)) = (center[0].as_f64(), center[1].as_f64()) else {
        bail!("no {selector} to click in {}", target.url);
    };
    for kind in ["mousePressed", "mouseReleased"] {
        call(
            target,
            "Input.dispatchMouseEvent",
            json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
        )
        .await?;
    }
    Ok(())
}

/// A DevTools session on the page at `page_url`, with the id of this extension's content
/// script's execution context in its top frame (its isolated world).
async fn content_script_session(browser: &Browser, page_url: &str) -> Result<(Session, i64)> {
    let page = eventually(WAIT, &format!("the page {page_url}"), || async {
        Ok(targets(browser)
            .await?
            .into_iter()
            .find(|target| target.kind == "page" && target.url == page_url))
    })
    .await?;
    let mut session = Session::open(&page).await?;
    let enable = json!({ "id": session.next_id, "method": "Runtime.enable" });
    session.next_id += 1;
    session
        .socket
        .send(Message::text(enable.to_string()))
        .await?;
    let origin = format!("chrome-extension://{CHROMIUM_EXTENSION_ID}");
    let socket = &mut session.socket;
    // The contexts that exist are announced before `Runtime.enable` answers.
    let context = tokio::time::timeout(Duration::from_secs(20), async {
        let mut context = None;
        while let Some(message) = socket.next().await {
            let Message::Text(text) = message? else {
                continue;
            };
            let value: Value = serde_json::from_str(text.as_str())?;
            if value["method"] == "Runtime.executionContextCreated" {
                let created = &value["params"]["context"];
                let isolated = created["auxData"]["type"] == "isolated";
                let top = created["auxData"]["frameId"] == page.id.as_str();
                if isolated && top && created["origin"].as_str() == Some(origin.as_str()) {
                    context = created["id"].as_i64();
                }
            }
            if value["id"] == enable["id"] {
                return context.ok_or_else(|| {
                    anyhow::anyhow!("no content script of this extension in {page_url}")
                });
            }
        }
        bail!("DevTools closed the connection")
    })
    .await
    .context("no answer to Runtime.enable within 20 s")?;
    match context {
        Ok(context) => Ok((session, context)),
        Err(error) => {
            session.close().await;
            Err(error)
        }
    }
}

/// The size in bytes of every `WebAssembly.Memory` on the heap of this extension's content
/// script in the top frame of the page at `page_url`: its wasm module's memory, which only
/// grows.
pub async fn content_script_wasm_memories(browser: &Browser, page_url: &str) -> Result<Vec<u64>> {
    let (mut session, context) = content_script_session(browser, page_url).await?;
    let memories = session.wasm_memory_sizes(Some(context)).await;
    session.close().await;
    memories
}

/// Evaluates `expression` (awaiting a promise) in this extension's content script of the
/// top frame of the page at `page_url`, in the content script's own isolated world: what
/// the content script itself can do there (such as its `chrome.runtime.sendMessage`, which
/// the service worker sees as coming from that page's content script).
pub async fn evaluate_in_content_script(
    browser: &Browser,
    page_url: &str,
    expression: &str,
) -> Result<Value> {
    let (mut session, context) = content_script_session(browser, page_url).await?;
    let result = session
        .call(
            "Runtime.evaluate",
            json!({ "expression": expression, "contextId": context,
                    "awaitPromise": true, "returnByValue": true }),
        )
        .await;
    session.close().await;
    let result = result.context("evaluating in the content script failed")?;
    if let Some(exception) = result.get("exceptionDetails") {
        bail!("{expression} threw: {exception}");
    }
    Ok(result["result"]["value"].clone())
}
