//! The content script, on compose sites, enabled sites and the companion's pairing page
//! only: shows the one-click "report to the manager" button (or, on the pairing page, the
//! "pair this browser" button) and starts the checklist. It writes nothing on the page's
//! root element: how it runs and how long it took to start are answered to the extension
//! (`TabMessageView::DescribeContent`), never shown to the page.

pub(crate) mod compose;
pub(crate) mod pairing_page;
pub(crate) mod panel;

use balise_core::i18n::Lang;
use balise_core::report::{ReportCategory, Viewport};
use balise_core::text::fixed_decimals;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::browser;
use crate::dom::element;
use crate::messages::{self, ContentReply, PageSnapshot, ReceiptView, Request, TabMessageView};
use crate::policy_store;
use crate::settings;
use crate::ui_text::{self as t};

thread_local! {
    /// How this content script runs and how long it took to start, for the extension.
    static STATE: std::cell::RefCell<ContentState> = std::cell::RefCell::new(ContentState::default());
    /// Reports from this page not yet answered by the service worker.
    static REPORTS_IN_FLIGHT: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// The report button's shadow root and language, once mounted (top frame).
    static REPORT_CARD: std::cell::RefCell<Option<(ShadowRoot, Lang)>> =
        const { std::cell::RefCell::new(None) };
    /// A press on the report button that has not become a click yet (see [`pressed`]).
    static PRESS: std::cell::RefCell<Option<Press>> = const { std::cell::RefCell::new(None) };
    /// Numbers the presses, so that a press's time-out leaves a later press alone.
    static PRESSES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// The start-up's clock while the content script starts (see [`startup_step`]).
    static CLOCK: std::cell::RefCell<Option<StartupClock>> = const { std::cell::RefCell::new(None) };
    /// The loader's first line (`performance.now()`), until the panels' first placement.
    static LOADER_START: std::cell::Cell<Option<f64>> = const { std::cell::Cell::new(None) };
}

/// Records the panels' first placement (in the frame's callback after the start-up,
/// before that frame is painted) for the extension's `describe-content`; nothing after.
pub(crate) fn panels_placed() {
    if let Some(start) = LOADER_START.with(std::cell::Cell::take) {
        let placed = round2(performance_now() - start);
        STATE.with(|state| state.borrow_mut().placed_ms = Some(placed));
    }
}

/// Records the time since the start-up's previous step as `name`, while the content
/// script starts (nothing after): the checklist's parts name their own steps.
pub(crate) fn startup_step(name: &str) {
    CLOCK.with(|clock| {
        if let Some(clock) = clock.borrow_mut().as_mut() {
            clock.step(name);
        }
    });
}

/// A press on the report button (its `pointerdown`, or Enter or Space pressed on it): by
/// the time it becomes a click, a frame without Balise's elements is usually painted
/// already, and the capture need not wait for one.
struct Press {
    number: u32,
    /// Resolves once a frame without Balise's elements has been painted (at once, for a
    /// click after that frame).
    painted: js_sys::Promise,
    /// Names this press to the service worker, which captures the tab once that frame is
    /// painted if the click has not come yet ([`Request::CaptureAtPress`]).
    id: String,
    /// Whether that capture was asked for: the click's report then uses it.
    capture_asked: bool,
}

/// How long a press may wait for its click before Balise's elements show again (a press
/// dragged off the button, or held and released elsewhere, never clicks).
const PRESS_TIMEOUT_MS: i32 = 1_000;

/// Tag of the report button's host element.
const REPORT_HOST_TAG: &str = "balise-report";

const STYLE: &str = "
:host { all: initial; }
.wrap { position: fixed; right: 16px; bottom: 16px; z-index: 2147483646; font: 14px/1.4 system-ui, sans-serif; display: grid; justify-items: end; gap: 8px; }
button { font: inherit; border: 0; border-radius: 999px; padding: 8px 14px; background: #0b5cad; color: #fff; cursor: pointer; box-shadow: 0 2px 8px rgba(0,0,0,.25); }
button:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.card { background: #fff; color: #1d1d1f; border-radius: 10px; padding: 12px; width: 300px; box-shadow: 0 4px 16px rgba(0,0,0,.25); display: grid; gap: 8px; }
.card[hidden], .card button[hidden] { display: none; }
.card .setup { justify-self: start; }
select, textarea { font: inherit; border: 1px solid #8a8f98; border-radius: 6px; padding: 4px 6px; }
textarea { min-height: 60px; resize: vertical; }
.status[data-state=stored] { color: #1b7a3a; }
.status[data-state=waiting] { color: #8a5a00; }
.status[data-state=error] { color: #b3261e; }
";

/// Times the steps of the start-up.
struct StartupClock {
    last: f64,
    steps: Vec<String>,
}

impl StartupClock {
    fn new(start: f64) -> StartupClock {
        StartupClock {
            last: start,
            steps: Vec::new(),
        }
    }

    /// Records the time since the previous step as `name`.
    fn step(&mut self, name: &str) {
        let now = performance_now();
        self.steps
            .push(format!("{name}={}", fixed_decimals(now - self.last, 2)));
        self.last = now;
    }
}

/// Starts the content script: adds the report button (top frame) and the checklist
/// beside compose boxes (every frame, where enabled). `stored` is the loader's
/// `storage.local.get` of [`settings::CONTENT_START_KEYS`], started at its first line
/// beside the module's compile (read here when it is not a promise).
pub fn start(
    engine: &str,
    loader_start: f64,
    loader_steps: &str,
    stored: JsValue,
) -> Result<(), JsValue> {
    let document = browser::document()?;
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.version = crate::VERSION.to_owned();
        state.engine = engine.to_owned();
        state.load_ms = Some(round2(performance_now() - loader_start));
    });
    if document.content_type() == "text/html" {
        let top = is_top_frame();
        LOADER_START.with(|cell| cell.set(Some(loader_start)));
        let mut clock = StartupClock::new(loader_start);
        clock.step("load");
        // The loader's own steps, within `load`.
        clock
            .steps
            .extend(loader_steps.split_whitespace().map(str::to_owned));
        CLOCK.with(|cell| *cell.borrow_mut() = Some(clock));
        wasm_bindgen_futures::spawn_local(async move {
            // One read of everything the start needs (settings and policy), asked for by
            // the loader before it compiled the module: usually answered by now.
            let items = match stored.dyn_into::<js_sys::Promise>() {
                Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await,
                Err(_) => browser::storage_get_items(&settings::CONTENT_START_KEYS).await,
            }
            .unwrap_or_else(|error| {
                web_sys::console::warn_2(&JsValue::from_str("Balise:"), &error);
                js_sys::Object::new().into()
            });
            startup_step("storage");
            let settings = settings::from_items(&items);
            let lang =
                t::resolve_language(settings.language, browser::browser_language().as_deref());
            let href = web_sys::window().and_then(|window| window.location().href().ok());
            let pairing_page = href
                .as_deref()
                .and_then(balise_core::companion_page::pairing_page_companion);
            // The companion's own pages (its dashboard) get no report button.
            let own_companion = href.as_deref().is_some_and(|href| {
                balise_core::companion_page::is_companion_page(href, &settings.companion_url)
            });
            let checklist = match start_checklist(&document, &settings, lang, &items).await {
                Ok(started) => started,
                Err(error) => {
                    web_sys::console::warn_2(&JsValue::from_str("Balise:"), &error);
                    false
                }
            };
            // The panel first: the report button (or the pairing page's) follows it.
            let ready_at = performance_now();
            let attached = match pairing_page {
                Some(companion) if top => pairing_page::attach(&document, companion),
                // A pairing page's address on another page (`/pair…` of any loopback
                // port, matched by the manifest) that is not one: nothing to show.
                None if top && !own_companion && !pairing_match_only(&settings) => {
                    mount_report_button(lang)
                }
                _ => Ok(()),
            };
            if let Err(error) = attached {
                web_sys::console::warn_2(&JsValue::from_str("Balise:"), &error);
            }
            startup_step("report-button");
            let steps = CLOCK
                .with(|clock| clock.borrow_mut().take())
                .map(|clock| clock.steps.join(" "))
                .unwrap_or_default();
            STATE.with(|state| {
                let mut state = state.borrow_mut();
                state.startup_ms = Some(round2(ready_at - loader_start));
                state.ready_at = Some(round2(ready_at));
                state.steps = steps;
                state.checklist = checklist;
                state.report_button = report_card().is_some();
            });
        });
    }
    Ok(())
}

/// Whether this page got the content script only because its address looks like a
/// companion's pairing page (`http://127.0.0.1/pair*` in the manifest) while its host is
/// neither a compose site nor one the person enabled: then it shows nothing.
fn pairing_match_only(settings: &settings::Settings) -> bool {
    let host = web_sys::window()
        .and_then(|window| window.location().host().ok())
        .unwrap_or_default();
    !balise_core::sites::is_checklist_site(&host, &settings.extra_sites)
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// How this content script runs, for the extension (the tests and the benchmark read it
/// through a [`TabMessageView::DescribeContent`]).
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentState {
    /// The extension's version.
    pub version: String,
    /// How the Rust code runs: `wasm`, or `js` (its pure-JS build, under a strict CSP).
    pub engine: String,
    /// Milliseconds from the loader's first line to the Rust code running.
    pub load_ms: Option<f64>,
    /// Milliseconds from the loader's first line to the checklist ready (settings and
    /// policy read, the boxes there attached with their panels placed; the report button
    /// is mounted right after); `None` while it starts (set once the report button is
    /// mounted too).
    pub startup_ms: Option<f64>,
    /// Milliseconds from the loader's first line to the panels' first placement beside
    /// their boxes: in the next frame's callback after the start-up (with the publish
    /// controls' search, which reads the page's layout), before that frame is painted.
    pub placed_ms: Option<f64>,
    /// When the checklist was ready (as `startup_ms`), in milliseconds since the page's
    /// navigation started (`performance.now()`, the page's own clock).
    pub ready_at: Option<f64>,
    /// Where the start-up time went, step by step (`load=5.70 decode=0.40 … storage=0.20
    /// report-button=2.10 …`).
    pub steps: String,
    /// Whether the checklist watches this frame's compose boxes.
    pub checklist: bool,
    /// Whether the report button is in this frame.
    pub report_button: bool,
}

/// Starts the checklist beside compose boxes when this person sees it on this site;
/// returns whether it did. `items` holds what the loader read of `storage.local`.
async fn start_checklist(
    document: &web_sys::Document,
    settings: &settings::Settings,
    lang: Lang,
    items: &JsValue,
) -> Result<bool, JsValue> {
    let host = web_sys::window()
        .and_then(|window| window.location().hostname().ok())
        .unwrap_or_default();
    let adapter = compose::adapter_for_page(document, &host, &settings.extra_sites);
    startup_step("adapter");
    // Read from storage rather than asked of the service worker, which may be asleep:
    // waking it would delay the checklist on every first page after a pause.
    let (policy, _from_companion) = policy_store::load_from(items).await?;
    startup_step("policy");
    if !settings::checklist_enabled(settings, &policy, &host, adapter) {
        return Ok(false);
    }
    compose::start(document, adapter, policy, lang)?;
    startup_step("checklist");
    Ok(true)
}

fn performance_now() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

fn is_top_frame() -> bool {
    web_sys::window()
        .and_then(|window| window.top().ok().flatten().map(|top| top == window))
        .unwrap_or(true)
}

/// Answers a message from the service worker.
pub async fn handle_tab_message(message: JsValue) -> Result<JsValue, JsValue> {
    match TabMessageView::read(&message)? {
        TabMessageView::SetOverlaysVisible { visible } => {
            set_overlays_visible(visible)?;
            if !visible {
                // Let the page repaint without Balise's elements before the capture.
                after_next_paint().await?;
            }
        }
        TabMessageView::DescribePage => return browser::to_js(&page_snapshot()),
        TabMessageView::DescribeContent => {
            return browser::to_js(&STATE.with(|state| state.borrow().clone()));
        }
        TabMessageView::ShowReceipt(receipt) => {
            if let Some((shadow, lang)) = report_card() {
                open_card(&shadow);
                show_receipt(&shadow, &receipt, lang);
            }
        }
        TabMessageView::ShowReportError { message } => {
            if let Some((shadow, lang)) = report_card() {
                open_card(&shadow);
                show_setup_button(&shadow, None, lang);
                set_status(
                    &shadow,
                    "error",
                    &format!("{}{message}", t::REPORT_FAILED.get(lang)),
                );
            }
        }
    }
    Ok(JsValue::TRUE)
}

/// What a report records of this page besides its screenshot: the selection and the
/// viewport's size.
fn page_snapshot() -> PageSnapshot {
    let window = web_sys::window();
    let selected_text = window
        .as_ref()
        .and_then(|window| window.get_selection().ok().flatten())
        .and_then(|selection| selection.to_string().as_string());
    let viewport = window.as_ref().and_then(|window| {
        let width = window.inner_width().ok()?.as_f64()?;
        let height = window.inner_height().ok()?.as_f64()?;
        Some(Viewport {
            width: width as u32,
            height: height as u32,
        })
    });
    PageSnapshot {
        selected_text,
        viewport,
    }
}

/// A promise that resolves just after the page's next paint: a task queued from the next
/// frame's callback runs once that frame is painted and handed to the compositor, so a
/// capture asked for then shows what changed before.
fn next_paint() -> Result<js_sys::Promise, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    Ok(js_sys::Promise::new(&mut |resolve, _reject| {
        let timer_window = window.clone();
        let after_frame = Closure::once_into_js(move || {
            let _ = timer_window.set_timeout_with_callback(resolve.unchecked_ref());
        });
        let _ = window.request_animation_frame(after_frame.unchecked_ref());
    }))
}

/// Resolves just after the page's next paint (see [`next_paint`]).
async fn after_next_paint() -> Result<(), JsValue> {
    wasm_bindgen_futures::JsFuture::from(next_paint()?)
        .await
        .map(|_| ())
}

/// Hides or shows every element Balise added to the page. Shown again, they also lose the
/// transparency a press gave them ([`set_overlays_transparent`]).
fn set_overlays_visible(visible: bool) -> Result<(), JsValue> {
    for host in overlay_hosts()? {
        if visible {
            host.style().remove_property("visibility")?;
            host.style().remove_property("opacity")?;
        } else {
            host.style()
                .set_property_with_priority("visibility", "hidden", "important")?;
        }
    }
    Ok(())
}

/// Makes every element Balise added to the page transparent: painted as nothing, but still
/// under the pointer, so that the press that caused it still ends in a click on the
/// report button (a hidden button would pass the release to the page beneath it).
fn set_overlays_transparent() -> Result<(), JsValue> {
    for host in overlay_hosts()? {
        host.style()
            .set_property_with_priority("opacity", "0", "important")?;
    }
    Ok(())
}

fn overlay_hosts() -> Result<Vec<HtmlElement>, JsValue> {
    let hosts = browser::document()?.query_selector_all("[data-balise-overlay]")?;
    Ok((0..hosts.length())
        .filter_map(|index| hosts.item(index))
        .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
        .collect())
}

/// The person pressed the report button (pointer down, or Enter or Space on it): the
/// service worker is woken, and Balise's elements turn transparent now, so a frame without
/// them is painted while the button is still held; once it is, the worker captures the tab
/// (a person's press lasts longer than a capture), and the click's report uses that
/// capture, or, when the click came first (WebDriver's, or Enter's, which clicks at once),
/// the click's own capture need not wait for a frame. Without a click within
/// [`PRESS_TIMEOUT_MS`], they show again and the press's capture is dropped.
fn pressed() {
    // Starts the service worker if the browser stopped it for being idle, while the button
    // is still held: the click's report then finds it running.
    wasm_bindgen_futures::spawn_local(async {
        let _ = browser::send_raw(&Request::Ping).await;
    });
    if set_overlays_transparent().is_err() {
        return;
    }
    let Ok(painted) = next_paint() else {
        return;
    };
    let number = PRESSES.with(|presses| {
        presses.set(presses.get().wrapping_add(1));
        presses.get()
    });
    let id = browser::random_uuid();
    PRESS.with(|press| {
        *press.borrow_mut() = Some(Press {
            number,
            painted: painted.clone(),
            id: id.clone(),
            capture_asked: false,
        });
    });
    // The capture at the press, once the frame without Balise's elements is painted, if
    // the press is still waiting for its click then (the click takes the press first).
    wasm_bindgen_futures::spawn_local(async move {
        if wasm_bindgen_futures::JsFuture::from(painted).await.is_err() {
            return;
        }
        let waiting = PRESS.with(|press| match press.borrow_mut().as_mut() {
            Some(press) if press.number == number => {
                press.capture_asked = true;
                true
            }
            _ => false,
        });
        if waiting {
            let _ = browser::send_raw(&Request::CaptureAtPress { press: id }).await;
        }
    });
    let timeout = Closure::once_into_js(move || {
        let abandoned = PRESS.with(|press| {
            let mut press = press.borrow_mut();
            if press.as_ref().is_some_and(|press| press.number == number) {
                press.take()
            } else {
                None
            }
        });
        let Some(abandoned) = abandoned else {
            return;
        };
        if abandoned.capture_asked {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = browser::send_raw(&Request::DiscardPress {
                    press: abandoned.id,
                })
                .await;
            });
        }
        if REPORTS_IN_FLIGHT.with(std::cell::Cell::get) == 0 {
            let _ = set_overlays_visible(true);
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            timeout.unchecked_ref(),
            PRESS_TIMEOUT_MS,
        );
    }
}

/// How a click's capture is made, once Balise's elements are hidden for it.
enum Hidden {
    /// The worker captured the tab at the press that became this click (named here),
    /// after a frame without Balise's elements was painted.
    AtPress(String),
    /// A frame without Balise's elements is painted: the worker captures now.
    Painted,
    /// Hiding failed: the worker hides them itself before capturing.
    Failed,
}

/// Hides Balise's elements for a capture and resolves once a frame without them has been
/// painted: at once when the press before this click already painted one (and then the
/// capture made at that press, if it was asked for, is the report's).
async fn hide_for_capture() -> Hidden {
    let press = PRESS.with(|press| press.borrow_mut().take());
    if set_overlays_visible(false).is_err() {
        return Hidden::Failed;
    }
    let painted = match press {
        Some(press) if press.capture_asked => return Hidden::AtPress(press.id),
        Some(press) => wasm_bindgen_futures::JsFuture::from(press.painted)
            .await
            .is_ok(),
        None => after_next_paint().await.is_ok(),
    };
    if painted {
        Hidden::Painted
    } else {
        Hidden::Failed
    }
}

fn mount_report_button(lang: Lang) -> Result<(), JsValue> {
    let document = browser::document()?;
    let host: HtmlElement = document.create_element(REPORT_HOST_TAG)?.dyn_into()?;
    host.set_attribute("data-balise-overlay", "report")?;
    let init = ShadowRootInit::new(ShadowRootMode::Closed);
    let shadow = host.attach_shadow(&init)?;
    let style = element(&document, "style", Some(STYLE))?;
    shadow.append_child(&style)?;
    let wrap = element(&document, "div", None)?;
    wrap.set_class_name("wrap");

    let card = element(&document, "div", None)?;
    card.set_class_name("card");
    card.set_attribute("hidden", "")?;
    card.set_attribute("role", "dialog")?;
    card.set_attribute("aria-label", t::REPORT_CONFIRMATION.get(lang))?;
    let status = element(&document, "p", None)?;
    status.set_class_name("status");
    status.set_attribute("role", "status")?;
    status.set_attribute("aria-live", "polite")?;
    card.append_child(&status)?;
    // Shown when the report waits for the person's name and email (or for pairing): leads
    // to the welcome page, where they are filled in.
    let setup = element(&document, "button", None)?;
    setup.set_class_name("setup");
    setup.set_attribute("type", "button")?;
    setup.set_attribute("hidden", "")?;
    card.append_child(&setup)?;
    let category = element(&document, "select", None)?;
    category.set_class_name("category");
    category.set_attribute("aria-label", t::CATEGORY.get(lang))?;
    let none = element(&document, "option", Some(t::CATEGORY_NONE.get(lang)))?;
    none.set_attribute("value", "")?;
    category.append_child(&none)?;
    for choice in ReportCategory::ALL {
        let option = element(&document, "option", Some(choice.label().get(lang)))?;
        option.set_attribute("value", choice.as_str())?;
        category.append_child(&option)?;
    }
    card.append_child(&category)?;
    let note = element(&document, "textarea", None)?;
    note.set_class_name("note");
    note.set_attribute("aria-label", t::NOTE.get(lang))?;
    note.set_attribute("placeholder", t::NOTE.get(lang))?;
    note.set_attribute("maxlength", "5000")?;
    card.append_child(&note)?;
    let save = element(&document, "button", Some(t::ADD_DETAILS.get(lang)))?;
    save.set_class_name("save");
    save.set_attribute("type", "button")?;
    card.append_child(&save)?;
    wrap.append_child(&card)?;

    let button = element(&document, "button", Some(t::REPORT_BUTTON.get(lang)))?;
    button.set_class_name("report");
    button.set_attribute("type", "button")?;
    button.set_attribute("title", t::REPORT_TITLE.get(lang))?;
    button.set_attribute("aria-label", t::REPORT_TITLE.get(lang))?;
    wrap.append_child(&button)?;
    shadow.append_child(&wrap)?;

    REPORT_CARD.with(|card| *card.borrow_mut() = Some((shadow.clone(), lang)));
    // A press turns Balise's elements transparent before its click (see `pressed`).
    gloo_events::EventListener::new(&button, "pointerdown", |event| {
        if event.is_trusted() {
            pressed();
        }
    })
    .forget();
    gloo_events::EventListener::new(&button, "keydown", |event| {
        let Some(key) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
            return;
        };
        // A key held down repeats its `keydown`: the first is the press.
        if event.is_trusted() && !key.repeat() && matches!(key.key().as_str(), "Enter" | " ") {
            pressed();
        }
    })
    .forget();
    let report_shadow = shadow.clone();
    gloo_events::EventListener::new(&button, "click", move |event| {
        // Only the person's own click reports: a script's synthetic click does nothing.
        if !event.is_trusted() {
            return;
        }
        let shadow = report_shadow.clone();
        let event_time = event.time_stamp();
        wasm_bindgen_futures::spawn_local(async move {
            report_clicked(&shadow, lang, event_time).await;
        });
    })
    .forget();
    let setup_shadow = shadow.clone();
    gloo_events::EventListener::new(&setup, "click", move |event| {
        // The person's own click only: a page's script cannot open tabs through Balise.
        if !event.is_trusted() {
            return;
        }
        let shadow = setup_shadow.clone();
        if let Some(button) = shadow_part(&shadow, ".setup") {
            let _ = button.set_attribute("data-state", "opening");
        }
        wasm_bindgen_futures::spawn_local(async move {
            open_welcome(&shadow, lang).await;
        });
    })
    .forget();
    let save_shadow = shadow.clone();
    gloo_events::EventListener::new(&save, "click", move |event| {
        if !event.is_trusted() {
            return;
        }
        let shadow = save_shadow.clone();
        wasm_bindgen_futures::spawn_local(async move {
            save_details(&shadow, lang).await;
        });
    })
    .forget();

    document
        .document_element()
        .ok_or_else(|| JsValue::from_str("page has no root element"))?
        .append_child(&host)?;
    Ok(())
}

fn shadow_part(shadow: &ShadowRoot, selector: &str) -> Option<Element> {
    shadow.query_selector(selector).ok().flatten()
}

fn set_status(shadow: &ShadowRoot, state: &str, text: &str) {
    if let Some(status) = shadow_part(shadow, ".status") {
        status.set_text_content(Some(text));
        let _ = status.set_attribute("data-state", state);
    }
}

/// The report card's attributes for the worker's timings (`ReceiptView::timings`, in
/// that order), which the benchmark reads.
const TIMING_ATTRIBUTES: [&str; 9] = [
    "data-capture-ms",
    "data-before-capture-ms",
    "data-decode-ms",
    "data-hash-ms",
    "data-build-ms",
    "data-outbox-ms",
    "data-upload-ms",
    "data-answer-ms",
    "data-worker-ms",
];

/// Sets a timing attribute of the report card, in milliseconds with one decimal.
fn set_timing(card: &Element, name: &str, ms: f64) {
    let _ = card.set_attribute(name, &fixed_decimals(ms.max(0.0), 1));
}

async fn report_clicked(shadow: &ShadowRoot, lang: Lang, event_time: f64) {
    let clicked_at = performance_now();
    let PageSnapshot {
        selected_text,
        viewport,
    } = page_snapshot();
    open_card(shadow);
    show_setup_button(shadow, None, lang);
    set_status(shadow, "sending", t::REPORT_SENDING.get(lang));
    // Balise's own elements stay out of the evidence: hide them and let the page repaint
    // (already done when the press before the click painted a frame without them). They
    // stay hidden while any report from this page is in flight.
    REPORTS_IN_FLIGHT.with(|count| count.set(count.get() + 1));
    let (overlays_hidden, press) = match hide_for_capture().await {
        Hidden::AtPress(press) => (true, Some(press)),
        Hidden::Painted => (true, None),
        Hidden::Failed => (false, None),
    };
    let hidden_at = performance_now();
    let reply = messages::ask(&Request::ReportPage {
        selected_text,
        viewport,
        overlays_hidden,
        press,
    })
    .await;
    let answered_at = performance_now();
    let remaining = REPORTS_IN_FLIGHT.with(|count| {
        count.set(count.get().saturating_sub(1));
        count.get()
    });
    if remaining == 0 {
        let _ = set_overlays_visible(true);
    }
    match reply {
        Ok(ContentReply::Reported(receipt)) => {
            if let Some(card) = shadow_part(shadow, ".card") {
                // Timings for the benchmark: click to answer, the page's stages, and the
                // worker's (the messages both ways are what the worker did not count).
                set_timing(&card, "data-elapsed-ms", answered_at - clicked_at);
                set_timing(&card, "data-click-ms", clicked_at - event_time);
                set_timing(&card, "data-hide-ms", hidden_at - clicked_at);
                let worker_ms = receipt.timings[TIMING_ATTRIBUTES.len() - 1];
                set_timing(
                    &card,
                    "data-messages-ms",
                    answered_at - hidden_at - worker_ms,
                );
                for (name, value) in TIMING_ATTRIBUTES.into_iter().zip(receipt.timings) {
                    set_timing(&card, name, value);
                }
            }
            show_receipt(shadow, &receipt, lang);
        }
        Ok(ContentReply::Error { message }) => {
            set_status(
                shadow,
                "error",
                &format!("{}{message}", t::REPORT_FAILED.get(lang)),
            );
        }
        Ok(_) => set_status(shadow, "error", t::REPORT_FAILED.get(lang)),
        Err(error) => {
            let detail = error.as_string().unwrap_or_default();
            set_status(
                shadow,
                "error",
                &format!("{}{detail}", t::REPORT_FAILED.get(lang)),
            );
        }
    }
}

/// Shows the report card (its status, category and note).
fn open_card(shadow: &ShadowRoot) {
    if let Some(card) = shadow_part(shadow, ".card") {
        let _ = card.remove_attribute("hidden");
    }
}

/// Shows where a report stands in the card, which then adds a category or note to it.
fn show_receipt(shadow: &ShadowRoot, receipt: &ReceiptView, lang: Lang) {
    if let Some(card) = shadow_part(shadow, ".card") {
        let _ = card.set_attribute("data-report-id", &receipt.id);
    }
    let (state, text, setup) = if receipt.stored {
        ("stored", t::REPORT_STORED, None)
    } else if receipt.identity_missing {
        (
            "waiting",
            t::REPORT_WAITING_IDENTITY,
            Some(t::OPEN_WELCOME_IDENTITY),
        )
    } else if receipt.not_paired {
        (
            "waiting",
            t::REPORT_WAITING_PAIRING,
            Some(t::OPEN_WELCOME_PAIRING),
        )
    } else {
        ("waiting", t::REPORT_WAITING_COMPANION, None)
    };
    set_status(shadow, state, text.get(lang));
    show_setup_button(shadow, setup, lang);
}

/// Shows the card's button to the welcome page with `label`, or hides it (`None`).
fn show_setup_button(shadow: &ShadowRoot, label: Option<t::UiText>, lang: Lang) {
    let Some(button) = shadow_part(shadow, ".setup") else {
        return;
    };
    match label {
        Some(label) => {
            button.set_text_content(Some(label.get(lang)));
            let _ = button.remove_attribute("data-state");
            let _ = button.remove_attribute("hidden");
        }
        None => {
            let _ = button.set_attribute("hidden", "");
        }
    }
}

/// Asks the service worker to open the welcome page (a content script cannot open the
/// extension's pages itself).
async fn open_welcome(shadow: &ShadowRoot, lang: Lang) {
    let reply = messages::ask(&Request::OpenWelcome).await;
    let failure = match reply {
        Ok(ContentReply::Done) => None,
        Ok(ContentReply::Error { message }) => Some(message),
        Ok(_) => Some(String::new()),
        Err(error) => Some(browser::error_text(&error)),
    };
    let button = shadow_part(shadow, ".setup");
    match failure {
        None => {
            if let Some(button) = button {
                let _ = button.set_attribute("data-state", "opened");
            }
        }
        Some(message) => {
            if let Some(button) = button {
                let _ = button.set_attribute("data-state", "error");
            }
            set_status(
                shadow,
                "error",
                &format!("{}{message}", t::OPEN_WELCOME_FAILED.get(lang)),
            );
        }
    }
}

/// The page's report card (its shadow root) and the language it speaks, once mounted.
fn report_card() -> Option<(ShadowRoot, Lang)> {
    REPORT_CARD.with(|card| card.borrow().clone())
}

async fn save_details(shadow: &ShadowRoot, lang: Lang) {
    let Some(id) =
        shadow_part(shadow, ".card").and_then(|card| card.get_attribute("data-report-id"))
    else {
        return;
    };
    let category = shadow_part(shadow, ".category")
        .and_then(|select| select.dyn_into::<web_sys::HtmlSelectElement>().ok())
        .map(|select| select.value())
        .and_then(|value| {
            ReportCategory::ALL
                .into_iter()
                .find(|category| category.as_str() == value)
        });
    let note = shadow_part(shadow, ".note")
        .and_then(|area| area.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        .map(|area| area.value())
        .filter(|note| !note.trim().is_empty());
    let reply = messages::ask(&Request::Annotate { id, category, note }).await;
    match reply {
        Ok(ContentReply::Done) => set_status(shadow, "stored", t::DETAILS_SAVED.get(lang)),
        Ok(ContentReply::Error { message }) => set_status(
            shadow,
            "error",
            &format!("{}{message}", t::REPORT_FAILED.get(lang)),
        ),
        _ => set_status(shadow, "error", t::REPORT_FAILED.get(lang)),
    }
}
