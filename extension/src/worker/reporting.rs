//! "Report to the manager": captures the tab, builds the report and puts it in the outbox,
//! from whichever trigger the person used (page button, toolbar, context menu, shortcut).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use balise_core::report::{ReportV1, Reporter, Viewport};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::browser::{self, error_text};
use crate::messages::{PageSnapshot, TabMessage};
use crate::settings;
use crate::worker::outbox::{self, EntryState, OutboxEntry};

/// The tab being reported, as the browser describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TabInfo {
    pub id: i32,
    pub window_id: i32,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

/// What the page itself adds (from the content script), when it can.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageContext {
    pub selected_text: Option<String>,
    pub viewport: Option<Viewport>,
    /// The content script already hid Balise's elements for the capture.
    pub overlays_hidden: bool,
    /// The press that became this click, when the page asked for a capture at that press
    /// ([`capture_at_press`]): the report uses that capture.
    #[serde(default)]
    pub press: Option<String>,
}

/// Where the time of one report went in the service worker, in milliseconds (for the
/// benchmark), stage by stage from the message's arrival to the receipt. The outbox write
/// and the upload run side by side from the report built.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportTimings {
    /// The browser's capture call alone.
    pub capture_ms: f64,
    /// From the message's arrival to the capture call (a capture under way, the page's
    /// description when reported from the toolbar or the menu); for a capture made at the
    /// press before the click, from the arrival to that capture's PNG bytes (0 when it was
    /// done before the click).
    pub before_capture_ms: f64,
    /// The capture's data URL to the PNG bytes (0 for a capture made at the press: done
    /// before the click, or counted in `before_capture_ms`).
    pub decode_ms: f64,
    /// The screenshot's SHA-256.
    pub hash_ms: f64,
    /// The settings (read during the capture), the report and its outbox entry.
    pub build_ms: f64,
    /// From the report built to its outbox copy committed.
    pub outbox_ms: f64,
    /// From the report built to the companion's answer.
    pub upload_ms: f64,
    /// From the last of those the answer waits for to the receipt.
    pub answer_ms: f64,
    /// From the message's arrival to the receipt: all of the above.
    pub worker_ms: f64,
}

/// Answer to a report: it is safe in the outbox; whether it already reached the companion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportReceipt {
    pub id: String,
    pub screenshot_sha256: String,
    /// Whether the companion has already stored it (otherwise it waits in the outbox).
    pub stored: bool,
    /// The report waits for the person's name and email (options page).
    pub identity_missing: bool,
    /// Where the time went (for the benchmark).
    pub timings: ReportTimings,
    /// How the outbox's delivery went, when the report was not delivered at once.
    pub delivery: Option<outbox::FlushOutcome>,
}

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    /// Captures made at a press on a page's report button, waiting for its click (one per
    /// tab at most).
    static PRESS_CAPTURES: RefCell<Vec<PressCapture>> = const { RefCell::new(Vec::new()) };
}

/// A capture made at a press on a tab's report button ([`capture_at_press`]), and the
/// settings and pairing its report will need, read meanwhile.
struct PressCapture {
    tab_id: i32,
    press: String,
    capture: Started<Result<Captured, String>>,
    settings: Started<settings::Settings>,
    pairing: Started<Option<settings::Pairing>>,
}

/// How long a capture made at a press waits for its click before it is dropped (the page
/// gives up on the click after 1 s, and then says so with [`discard_press`]).
const PRESS_CAPTURE_KEPT: Duration = Duration::from_secs(3);

/// A future started now whose output is taken later: what the report needs besides the
/// screenshot is read while the browser captures.
struct Started<T> {
    done: js_sys::Promise,
    output: Rc<RefCell<Option<T>>>,
}

impl<T: 'static> Started<T> {
    fn new(future: impl Future<Output = T> + 'static) -> Started<T> {
        let output = Rc::new(RefCell::new(None));
        let filled = output.clone();
        let done = wasm_bindgen_futures::future_to_promise(async move {
            let value = future.await;
            *filled.borrow_mut() = Some(value);
            Ok(JsValue::UNDEFINED)
        });
        Started { done, output }
    }

    async fn output(self) -> Option<T> {
        let _ = wasm_bindgen_futures::JsFuture::from(self.done).await;
        self.output.borrow_mut().take()
    }
}

/// Chromium allows about two captures a second; concurrent calls fail with this in the message.
const RATE_LIMIT_MARKER: &str = "MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND";

/// Captures the tab with Balise's own panels hidden, one capture at a time, waiting out the
/// browser's rate limit.
/// What [`capture`] returns: the PNG bytes, and when the capture call started, returned and
/// was decoded (`performance.now()`).
struct Captured {
    png: js_sys::Uint8Array,
    /// When the browser returned the capture (RFC 3339): the report's `captured_at`.
    captured_at: String,
    called_at: f64,
    returned_at: f64,
    decoded_at: f64,
}

async fn capture(tab: &TabInfo, context: &mut PageContext) -> Result<Captured, String> {
    while CAPTURING.with(Cell::get) {
        gloo_timers::future::sleep(Duration::from_millis(10)).await;
    }
    CAPTURING.with(|flag| flag.set(true));
    let overlays_hidden = context.overlays_hidden;
    if !overlays_hidden {
        // Reported from the toolbar or the context menu: the page tells its viewport and
        // selection (a page without Balise's content script, such as one opened before
        // the extension was installed, is captured without them).
        if let Ok(answer) = browser::send_top_frame_message(tab.id, &TabMessage::DescribePage).await
            && let Ok(snapshot) = serde_wasm_bindgen::from_value::<PageSnapshot>(answer)
        {
            context.viewport = context.viewport.or(snapshot.viewport);
            context.selected_text = context.selected_text.take().or(snapshot.selected_text);
        }
        let _ =
            browser::send_tab_message(tab.id, &TabMessage::SetOverlaysVisible { visible: false })
                .await;
    }
    let mut result = Err("capture not attempted".to_owned());
    for _ in 0..8 {
        let called_at = browser::performance_now();
        match browser::capture_visible_tab(tab.window_id).await {
            Ok(data_url) => {
                let returned_at = browser::performance_now();
                let captured_at = browser::now_rfc3339();
                result = browser::data_url_bytes(&data_url)
                    .await
                    .map(|png| Captured {
                        png,
                        captured_at,
                        called_at,
                        returned_at,
                        decoded_at: browser::performance_now(),
                    })
                    .map_err(|error| error_text(&error));
                break;
            }
            Err(error) => {
                let text = error_text(&error);
                result = Err(text.clone());
                if !text.contains(RATE_LIMIT_MARKER) {
                    break;
                }
                gloo_timers::future::sleep(Duration::from_millis(300)).await;
            }
        }
    }
    CAPTURING.with(|flag| flag.set(false));
    if !overlays_hidden {
        let tab_id = tab.id;
        wasm_bindgen_futures::spawn_local(async move {
            let _ = browser::send_tab_message(
                tab_id,
                &TabMessage::SetOverlaysVisible { visible: true },
            )
            .await;
        });
    }
    result
}

/// The person pressed the report button of `tab`'s page, whose content script has painted
/// a frame without Balise's elements: captures the tab now, so that the click, which comes
/// when the press is released (80 ms or so later, longer than a capture), finds its
/// screenshot ready. The capture is only kept in memory, for the report of that press's
/// click ([`PageContext::press`]); a press that does not become a click drops it
/// ([`discard_press`], or after [`PRESS_CAPTURE_KEPT`]).
pub fn capture_at_press(tab: TabInfo, press: String) {
    if !balise_core::validate::is_http_url(tab.url.as_deref().unwrap_or_default()) {
        // Not reportable: the click's report is refused without a capture.
        return;
    }
    let tab_id = tab.id;
    let capture = Started::new(async move {
        let mut context = PageContext {
            overlays_hidden: true,
            ..PageContext::default()
        };
        capture(&tab, &mut context).await
    });
    PRESS_CAPTURES.with(|captures| {
        let mut captures = captures.borrow_mut();
        captures.retain(|capture| capture.tab_id != tab_id);
        captures.push(PressCapture {
            tab_id,
            press: press.clone(),
            capture,
            settings: Started::new(settings::load()),
            pairing: Started::new(settings::pairing()),
        });
    });
    wasm_bindgen_futures::spawn_local(async move {
        gloo_timers::future::sleep(PRESS_CAPTURE_KEPT).await;
        discard_press(tab_id, &press);
    });
}

/// Drops the capture made at the press `press` on `tab_id`'s report button, if it is still
/// kept (the press did not become a click).
pub fn discard_press(tab_id: i32, press: &str) {
    let _ = take_press_capture(tab_id, press);
}

fn take_press_capture(tab_id: i32, press: &str) -> Option<PressCapture> {
    PRESS_CAPTURES.with(|captures| {
        let mut captures = captures.borrow_mut();
        let index = captures
            .iter()
            .position(|capture| capture.tab_id == tab_id && capture.press == press)?;
        Some(captures.swap_remove(index))
    })
}

fn site_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    let host = host.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Reports `tab`: capture, then the outbox's durable write and an attempt to deliver at
/// once, side by side. `received_at` is when the request reached the worker
/// (`performance.now()`), where the receipt's timings start.
pub async fn report_tab(
    tab: TabInfo,
    context: PageContext,
    received_at: f64,
) -> Result<ReportReceipt, String> {
    let page_url = tab.url.clone().unwrap_or_default();
    if !balise_core::validate::is_http_url(&page_url) {
        // The companion would refuse it: say so now rather than keep a report that cannot go.
        return Err(
            "seules les pages web (http, https) peuvent être signalées. / \
                    only web pages (http, https) can be reported."
                .to_owned(),
        );
    }
    let mut context = context;
    // The capture made at the press that became this click, when there is one (else, or
    // if it failed, the tab is captured now: Balise's elements are hidden all the same).
    // The settings and the pairing are read while the browser captures (at the press, for
    // a capture made then).
    let (at_press, settings, pairing) = match context
        .press
        .take()
        .and_then(|press| take_press_capture(tab.id, &press))
    {
        Some(pressed) => (
            pressed.capture.output().await.and_then(Result::ok),
            pressed.settings,
            pressed.pairing,
        ),
        None => (
            None,
            Started::new(settings::load()),
            Started::new(settings::pairing()),
        ),
    };
    let from_press = at_press.is_some();
    let Captured {
        png,
        captured_at,
        called_at,
        returned_at,
        decoded_at,
    } = match at_press {
        Some(captured) => captured,
        None => capture(&tab, &mut context).await?,
    };
    let ready_at = browser::performance_now();
    let screenshot_sha256 = browser::sha256_hex(&png)
        .await
        .map_err(|error| error_text(&error))?;
    let hashed_at = browser::performance_now();
    let settings = settings.output().await.unwrap_or_default();
    let pairing = pairing.output().await.flatten();
    let report = ReportV1 {
        id: browser::random_uuid(),
        captured_at,
        page_url: truncate(&page_url, balise_core::report::MAX_PAGE_URL_LEN),
        page_title: truncate(
            tab.title.as_deref().unwrap_or_default(),
            balise_core::report::MAX_PAGE_TITLE_LEN,
        ),
        reporter: Reporter {
            name: settings.reporter_name.trim().to_owned(),
            email: settings.reporter_email.trim().to_owned(),
        },
        category: None,
        note: None,
        screenshot_sha256: screenshot_sha256.clone(),
        selected_text: context
            .selected_text
            .filter(|text| !text.trim().is_empty())
            .map(|text| truncate(&text, balise_core::report::MAX_SELECTED_TEXT_LEN)),
        site: site_of(&page_url),
        viewport: context.viewport,
        browser: Some(truncate(
            &browser::user_agent(),
            balise_core::report::MAX_BROWSER_LEN,
        )),
        extension_version: Some(browser::manifest_version()),
    };
    let report_json = browser::to_json(&report).map_err(|error| error_text(&error))?;
    let entry = OutboxEntry {
        id: report.id.clone(),
        idempotency_key: browser::random_uuid(),
        report_json,
        // The PNG is written from `png` itself (`outbox::put_report`), never copied here.
        screenshot: Vec::new(),
        page_url: report.page_url.clone(),
        page_title: report.page_title.clone(),
        created_at: report.captured_at.clone(),
        attempts: 0,
        last_error: None,
        state: EntryState::Waiting,
        report_stored: false,
        annotation: None,
        annotation_key: None,
    };
    let prepared = browser::performance_now();
    // The outbox write starts first and the upload runs beside it. The person is answered
    // "stored" as soon as the companion has stored the report: the outbox copy was only
    // the fallback, so this first write is relaxed (written by the browser, not waiting
    // for the disk's `fsync`, which would compete with the companion's), and the copy is
    // removed once written; if the worker stops before, the next delivery sends it again
    // under the same `Idempotency-Key`, which the companion answers without storing twice.
    // If the upload fails, the copy is written again with a strict commit before the
    // person is answered (or the write's error is shown). The copy the upload sends is the
    // one written: the reporter is already filled in, so the upload writes nothing of its
    // own.
    let written_at = Rc::new(Cell::new(None));
    let write = {
        let (entry, png, written_at) = (entry.clone(), png.clone(), written_at.clone());
        wasm_bindgen_futures::future_to_promise(async move {
            let written = outbox::put_report(&entry, &png, false).await;
            outbox::write_done(&entry.id);
            written?;
            written_at.set(Some(browser::performance_now()));
            Ok(JsValue::UNDEFINED)
        })
    };
    outbox::write_started(&report.id, &write);
    let delivered_at_once =
        outbox::deliver_written(&entry, &png, &settings, pairing.as_ref()).await;
    let uploaded = browser::performance_now();
    let (delivery, stored, answered_after) = if delivered_at_once {
        (None, true, uploaded)
    } else {
        // Not stored: the copy must survive the machine's crash too before the answer.
        let _ = wasm_bindgen_futures::JsFuture::from(write.clone()).await;
        outbox::put_report(&entry, &png, true)
            .await
            .map_err(|error| error_text(&error))?;
        let delivery = outbox::flush_now().await;
        let stored = !outbox::contains(&report.id).await.unwrap_or(true);
        (Some(delivery), stored, browser::performance_now())
    };
    let recent = settings::RecentReport {
        id: report.id.clone(),
        page_title: report.page_title.clone(),
        page_url: report.page_url.clone(),
        created_at: report.captured_at.clone(),
    };
    wasm_bindgen_futures::spawn_local(async move {
        // First, so that a note added at once finds the report among the recent ones.
        let _ = settings::remember_report(recent.clone()).await;
        if delivered_at_once {
            // The outbox copy is removed once written (a failed write left none).
            let _ = wasm_bindgen_futures::JsFuture::from(write).await;
            outbox::forget_delivered(&recent.id).await;
            // Whatever else waits, and the badge.
            outbox::flush().await;
        }
    });
    let done = browser::performance_now();
    Ok(ReportReceipt {
        id: report.id,
        screenshot_sha256,
        stored,
        identity_missing: !settings.has_identity(),
        timings: ReportTimings {
            capture_ms: returned_at - called_at,
            before_capture_ms: if from_press {
                (decoded_at - received_at).max(0.0)
            } else {
                called_at - received_at
            },
            decode_ms: if from_press {
                0.0
            } else {
                decoded_at - returned_at
            },
            hash_ms: hashed_at - ready_at,
            build_ms: prepared - hashed_at,
            // The first (relaxed) write, only when committed before the receipt (the
            // answer to a stored report does not wait for it).
            outbox_ms: written_at.get().map_or(0.0, |written| written - prepared),
            upload_ms: uploaded - prepared,
            answer_ms: done - answered_after,
            worker_ms: done - received_at,
        },
        delivery,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_is_the_lowercase_host_without_port_or_credentials() {
        assert_eq!(
            site_of("https://www.Facebook.com/groups/x?y=1").as_deref(),
            Some("www.facebook.com")
        );
        assert_eq!(
            site_of("http://user@127.0.0.1:8080/a").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(site_of("about:blank"), None);
    }
}
