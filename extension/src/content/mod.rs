//! The content script, on compose sites, enabled sites and the companion's pairing page
//! only: shows the one-click "report to the manager" button (or, on the pairing page, the
//! "pair this browser" button) and starts the checklist. It writes nothing on the page's
//! root element: how it runs and how long it took to start are answered to the extension
//! (`TabMessageView::DescribeContent`), never shown to the page.

mod capture;
pub(crate) mod compose;
pub(crate) mod pairing_page;
pub(crate) mod panel;
mod report_button;

use balise_core::i18n::Lang;
use balise_core::report::Viewport;
use balise_core::text::{fixed_decimals, push_word};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::browser;
use crate::browser::performance_now;
use crate::lean_write;
use crate::messages::{PageSnapshot, TabMessageView};
use crate::policy_store;
use crate::settings;
use crate::ui_text::{self as t};

thread_local! {
    /// How this content script runs and how long it took to start, for the extension.
    static STATE: std::cell::RefCell<ContentState> = std::cell::RefCell::new(ContentState::default());
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

/// Times the steps of the start-up.
struct StartupClock {
    last: f64,
    /// `name=ms` separated by spaces.
    steps: String,
}

impl StartupClock {
    fn new(start: f64) -> StartupClock {
        StartupClock {
            last: start,
            steps: String::new(),
        }
    }

    /// Records the time since the previous step as `name`.
    fn step(&mut self, name: &str) {
        let now = performance_now();
        push_word(
            &mut self.steps,
            &format!("{name}={}", fixed_decimals(now - self.last, 2)),
        );
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
        for step in loader_steps.split_whitespace() {
            push_word(&mut clock.steps, step);
        }
        CLOCK.with(|cell| *cell.borrow_mut() = Some(clock));
        wasm_bindgen_futures::spawn_local(async move {
            // One read of everything the start needs (settings and policy), asked for by
            // the loader before it compiled the module: usually answered by now.
            let items = match stored.dyn_into::<js_sys::Promise>() {
                Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await,
                Err(_) => browser::storage_get_items(&settings::CONTENT_START_KEYS).await,
            }
            .unwrap_or_else(|error| {
                warn(&error);
                js_sys::Object::new().into()
            });
            startup_step("storage");
            let startup = Startup::read(&document, &items);
            // Read from storage rather than asked of the service worker, which may be
            // asleep: waking it would delay the checklist on every first page after a
            // pause. Only the very first page after an install waits for it.
            let policy = match policy_store::kept_in(&items) {
                Some(kept) => Ok(kept),
                None => policy_store::ask_worker().await,
            };
            startup.finish(&document, top, loader_start, policy);
        });
    }
    Ok(())
}

/// Logs `error` in the console, after "Balise:".
fn warn(error: &JsValue) {
    web_sys::console::warn_2(&JsValue::from_str("Balise:"), error);
}

/// What the start-up read before the policy (synchronous work, kept out of its future).
struct Startup {
    settings: settings::Settings,
    lang: Lang,
    /// The companion whose pairing page this is, if it is one.
    pairing_page: Option<String>,
    /// Whether this is one of the companion's own pages (its dashboard).
    own_companion: bool,
    /// The page's host name.
    host: String,
    adapter: &'static balise_core::sites::SiteAdapter,
}

impl Startup {
    /// Reads the settings among `items`, the language and the page's address and site.
    #[inline(never)]
    fn read(document: &web_sys::Document, items: &JsValue) -> Startup {
        let settings = settings::from_items(items);
        let lang = t::resolve_language(settings.language, browser::browser_language().as_deref());
        let href = web_sys::window().and_then(|window| window.location().href().ok());
        let pairing_page = href
            .as_deref()
            .and_then(balise_core::companion_page::pairing_page_companion);
        // The companion's own pages (its dashboard) get no report button.
        let own_companion = href.as_deref().is_some_and(|href| {
            balise_core::companion_page::is_companion_page(href, &settings.companion_url)
        });
        let host = web_sys::window()
            .and_then(|window| window.location().hostname().ok())
            .unwrap_or_default();
        let adapter = compose::adapter_for_page(document, &host, &settings.extra_sites);
        startup_step("adapter");
        Startup {
            settings,
            lang,
            pairing_page,
            own_companion,
            host,
            adapter,
        }
    }

    /// Starts the checklist (with `policy`, the one in force) where this person sees it,
    /// then the report button (or the pairing page's), and records the start-up.
    #[inline(never)]
    fn finish(
        self,
        document: &web_sys::Document,
        top: bool,
        loader_start: f64,
        policy: Result<(balise_core::policy::Policy, bool), JsValue>,
    ) {
        let checklist = match self.start_checklist(document, policy) {
            Ok(started) => started,
            Err(error) => {
                warn(&error);
                false
            }
        };
        // The panel first: the report button (or the pairing page's) follows it.
        let ready_at = performance_now();
        let attached = match self.pairing_page {
            Some(companion) if top => pairing_page::attach(document, companion),
            // A pairing page's address on another page (`/pair…` of any loopback
            // port, matched by the manifest) that is not one: nothing to show.
            None if top && !self.own_companion && !pairing_match_only(&self.settings) => {
                report_button::mount(self.lang)
            }
            _ => Ok(()),
        };
        if let Err(error) = attached {
            warn(&error);
        }
        startup_step("report-button");
        let steps = CLOCK
            .with(|clock| clock.borrow_mut().take())
            .map(|clock| clock.steps)
            .unwrap_or_default();
        STATE.with(|state| {
            let mut state = state.borrow_mut();
            state.startup_ms = Some(round2(ready_at - loader_start));
            state.ready_at = Some(round2(ready_at));
            state.steps = steps;
            state.checklist = checklist;
            state.report_button = report_button::report_card().is_some();
        });
    }

    /// Starts the checklist beside compose boxes when this person sees it on this site;
    /// returns whether it did.
    fn start_checklist(
        &self,
        document: &web_sys::Document,
        policy: Result<(balise_core::policy::Policy, bool), JsValue>,
    ) -> Result<bool, JsValue> {
        let (policy, _from_companion) = policy?;
        startup_step("policy");
        if !settings::checklist_enabled(&self.settings, &policy, &self.host, self.adapter) {
            return Ok(false);
        }
        compose::start(document, self.adapter, policy, self.lang)?;
        startup_step("checklist");
        Ok(true)
    }
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

/// `value` rounded to two decimals.
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

/// Whether this frame is the tab's top frame.
fn is_top_frame() -> bool {
    web_sys::window()
        .and_then(|window| window.top().ok().flatten().map(|top| top == window))
        .unwrap_or(true)
}

/// Answers a message from the service worker.
pub async fn handle_tab_message(message: JsValue) -> Result<JsValue, JsValue> {
    match TabMessageView::read(&message)? {
        TabMessageView::SetOverlaysVisible { visible } => {
            capture::set_overlays_visible(visible)?;
            if !visible {
                // Let the page repaint without Balise's elements before the capture.
                capture::after_next_paint().await?;
            }
        }
        TabMessageView::DescribePage => {
            return browser::parse_json(&lean_write::page_snapshot(&page_snapshot()));
        }
        TabMessageView::DescribeContent => {
            return browser::parse_json(
                &STATE.with(|state| lean_write::content_state(&state.borrow())),
            );
        }
        TabMessageView::ShowReceipt(receipt) => report_button::show_worker_receipt(&receipt),
        TabMessageView::ShowReportError { message } => {
            report_button::show_worker_error(&message);
        }
    }
    Ok(JsValue::TRUE)
}

/// What a report records of this page besides its screenshot: the selection and the
/// viewport's size.
pub(super) fn page_snapshot() -> PageSnapshot {
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
