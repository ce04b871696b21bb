//! Benchmark: every row of issue 12's "How fast" table in one run, each measured from
//! inside headless Chromium with the built extension and beside the same pages in a
//! Chromium without any extension (the baseline). Prints one table: row, with the
//! extension, baseline, added, aim, met.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p balise-e2e --bench speed`, and
//! `-- --quick` for fewer samples, `-- --typing` for the typing rows alone, `-- --startup` for
//! the two start-up rows alone, wasm and pure JS, `-- --other` for the other pages' two
//! rows). A benchmark: it prints numbers, it does not fail on them.

use std::time::Duration;

use anyhow::{Context, Result};
use balise_e2e::browser::{Browser, EnabledSites, LaunchOptions};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::{WAIT, devtools, eventually, flows, load_average, memory};
use fantoccini::Locator;
use serde_json::json;

/// The draft's length before typing.
const DRAFT_CHARS: usize = 5_000;
/// The compose page: a textarea (Mastodon-like) on the fixture host, which the harness
/// enables in the options.
const COMPOSE_PAGE: &str = "compose-signature.html";
const COMPOSE_BOX: &str = "form.compose-form textarea";

/// How many samples each measurement takes.
struct Sizes {
    loads: usize,
    keystrokes: usize,
    other_page_loads: usize,
    report_clicks: usize,
}

impl Sizes {
    fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                loads: 8,
                keystrokes: 60,
                other_page_loads: 5,
                report_clicks: 6,
            }
        } else {
            Sizes {
                loads: 20,
                keystrokes: 200,
                other_page_loads: 12,
                report_clicks: 20,
            }
        }
    }
}

fn percentile(samples: &[f64], fraction: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn median(samples: &[f64]) -> f64 {
    percentile(samples, 0.5)
}

/// The pages' host under another name: `localhost` is neither a compose site nor the
/// enabled fixture host (`127.0.0.1`), so it is an "other page" for the extension.
fn other_host(url: &str) -> String {
    url.replacen("127.0.0.1", "localhost", 1)
}

/// Proportional set size (PSS) of every process under `root` (the browser's driver,
/// itself excluded), in MiB: shared pages are split among the processes that share them,
/// so the sum is the tree's own memory.
fn process_tree_pss_mib(root: u32) -> Result<f64> {
    Ok(memory::total_mib(&memory::process_tree(root)?))
}

/// The DevTools target of the browser's current tab.
async fn current_page(browser: &Browser) -> Result<devtools::Target> {
    let handle = String::from(browser.client().window().await?);
    devtools::targets(browser)
        .await?
        .into_iter()
        .find(|target| target.id == handle)
        .context("no DevTools target for the current tab")
}

/// Main-thread script time (`Performance.getMetrics` `ScriptDuration`, every frame of the
/// tab's renderer) of a fresh load of `url` in a new tab, in milliseconds: the metrics are
/// enabled on the blank tab, the page loaded through the same DevTools session, and read
/// once it has loaded and stood idle for a second.
async fn script_time(browser: &Browser, url: &str) -> Result<f64> {
    let client = browser.client();
    let previous = client.window().await?;
    let opened = client.new_window(true).await?;
    client.switch_to_window(opened.handle.clone()).await?;
    let measured = async {
        let page = current_page(browser).await?;
        let mut session = devtools::Session::open(&page).await?;
        session.call("Performance.enable", json!({})).await?;
        session.call("Page.navigate", json!({ "url": url })).await?;
        eventually(WAIT, "the page to load", || async {
            let state = browser.eval("return document.readyState", vec![]).await?;
            let here = client.current_url().await?;
            Ok((state == "complete" && here.as_str() == url).then_some(()))
        })
        .await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let metrics = session.call("Performance.getMetrics", json!({})).await?;
        session.close().await;
        let seconds = metrics["metrics"]
            .as_array()
            .context("no metrics")?
            .iter()
            .find(|metric| metric["name"] == "ScriptDuration")
            .and_then(|metric| metric["value"].as_f64())
            .context("no ScriptDuration")?;
        Ok::<_, anyhow::Error>(seconds * 1000.0)
    }
    .await;
    client.close_window().await?;
    client.switch_to_window(previous).await?;
    measured
}

/// The numbers the page collected in `window[name]` (milliseconds).
async fn page_samples(browser: &Browser, name: &str) -> Result<Vec<f64>> {
    Ok(browser
        .eval("return window[arguments[0]]", vec![json!(name)])
        .await?
        .as_array()
        .with_context(|| format!("the page collected no {name}"))?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect())
}

async fn script_times(browser: &Browser, url: &str, loads: usize) -> Result<Vec<f64>> {
    let mut samples = Vec::with_capacity(loads);
    for load in 0..loads {
        let separator = if url.contains('?') { '&' } else { '?' };
        samples.push(script_time(browser, &format!("{url}{separator}load={load}")).await?);
    }
    Ok(samples)
}

/// Loads the compose page, waits until it is ready (the panel, with the extension), and
/// returns the browser's memory: the median of three readings a second apart, after two
/// seconds' rest.
async fn compose_page_memory(browser: &Browser, url: &str, with_extension: bool) -> Result<f64> {
    browser.goto(url).await?;
    if with_extension {
        flows::wait_for_panel(browser).await?;
    } else {
        browser.client().find(Locator::Css(COMPOSE_BOX)).await?;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut readings = Vec::new();
    for _ in 0..3 {
        readings.push(process_tree_pss_mib(browser.driver_pid())?);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(median(&readings))
}

/// What typing into the 5,000-character draft measured.
struct Typing {
    /// From the keydown to the panel showing the new analysis (the content script's clock).
    keystroke_to_panel: Vec<f64>,
    /// From each `input` event (its time stamp: when the browser created it) to the end of
    /// the next frame, seen by the page's own script.
    input_to_frame: Vec<f64>,
    /// From each keydown to its `input` event, seen by the page's own script (listeners
    /// added after the content script's: with the extension, its update is inside).
    keydown_to_input: Vec<f64>,
    /// From each keydown to its `keypress`, seen by the page's own script: WebDriver sends
    /// a key's down and its character as two input events, one after the other's answer.
    keydown_to_keypress: Vec<f64>,
    /// Where the keystrokes' time went (the content script's phases: wait, read, analyze,
    /// view, render), each with its samples.
    phases: Vec<(String, Vec<f64>)>,
    /// The tab's main-thread time per keystroke while typing, by kind (DevTools
    /// `Performance.getMetrics`: every task, script, style recalculation, layout, in ms),
    /// and the style recalculations and layouts per keystroke.
    main_thread: Vec<(&'static str, f64)>,
}

/// The renderer's metrics `TYPING_METRICS` names, read through `session`.
async fn typing_metrics(session: &mut devtools::Session) -> Result<Vec<f64>> {
    let metrics = session.call("Performance.getMetrics", json!({})).await?;
    let metrics = metrics["metrics"].as_array().context("no metrics")?;
    TYPING_METRICS
        .iter()
        .map(|(name, _)| {
            metrics
                .iter()
                .find(|metric| metric["name"] == *name)
                .and_then(|metric| metric["value"].as_f64())
                .with_context(|| format!("no {name}"))
        })
        .collect()
}

/// The main-thread metrics compared per keystroke, and how each is printed (durations are
/// in seconds, counts are counts).
const TYPING_METRICS: [(&str, &str); 6] = [
    ("TaskDuration", "all tasks (ms)"),
    ("ScriptDuration", "script (ms)"),
    ("RecalcStyleDuration", "style recalculation (ms)"),
    ("LayoutDuration", "layout (ms)"),
    ("RecalcStyleCount", "style recalculations"),
    ("LayoutCount", "layouts"),
];

/// Puts the 5,000-character draft in the compose box at once (as a paste would), then types
/// `keystrokes` characters one key per WebDriver call (about as spaced as a fast typist's).
async fn type_into_draft(
    browser: &Browser,
    url: &str,
    keystrokes: usize,
    with_extension: bool,
) -> Result<Typing> {
    browser.goto(url).await?;
    if with_extension {
        flows::wait_for_panel(browser).await?;
    }
    let draft: String = balise_core::sample::realistic_french_post()
        .chars()
        .take(DRAFT_CHARS)
        .collect();
    // The page's own script: the time from each `input` event to the end of the next frame
    // (a task queued from the frame's animation callback runs once the frame is drawn).
    // Counted from the event's own time stamp (when the browser created it), not from when
    // this listener runs: the content script's listener on the box was added first and
    // runs before it, and its time must count.
    browser
        .eval(
            "const box = document.querySelector(arguments[1]);
             box.value = arguments[0];
             box.dispatchEvent(new Event('input', { bubbles: true }));
             box.focus();
             box.setSelectionRange(box.value.length, box.value.length);
             window.benchFrames = [];
             window.benchEdits = [];
             window.benchPresses = [];
             let down;
             box.addEventListener('keydown', () => { down = performance.now(); }, true);
             box.addEventListener('keypress', () => {
               if (down !== undefined) window.benchPresses.push(performance.now() - down);
             }, true);
             box.addEventListener('input', (event) => {
               if (down !== undefined) window.benchEdits.push(performance.now() - down);
               down = undefined;
               const start = event.timeStamp;
               requestAnimationFrame(() => {
                 const channel = new MessageChannel();
                 channel.port1.onmessage = () => window.benchFrames.push(performance.now() - start);
                 channel.port2.postMessage(null);
               });
             });",
            vec![json!(draft), json!(COMPOSE_BOX)],
        )
        .await?;
    let textarea = browser.client().find(Locator::Css(COMPOSE_BOX)).await?;
    let words = "Le syndicat vous informe de la rencontre. ";
    // The tab's main-thread time while typing (its renderer's metrics, read before the
    // first key and after the last one has had its frame).
    let mut session = devtools::Session::open(&current_page(browser).await?).await?;
    session.call("Performance.enable", json!({})).await?;
    let before = typing_metrics(&mut session).await?;
    for key in words.chars().cycle().take(keystrokes) {
        textarea.send_keys(&key.to_string()).await?;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = typing_metrics(&mut session).await?;
    session.close().await;
    let main_thread = TYPING_METRICS
        .iter()
        .zip(before.iter().zip(&after))
        .map(|((name, label), (before, after))| {
            let scale = if name.ends_with("Duration") {
                1000.0
            } else {
                1.0
            };
            (*label, (after - before) * scale / keystrokes as f64)
        })
        .collect();
    let length = browser
        .eval(
            "return document.querySelector(arguments[0]).value.length",
            vec![json!(COMPOSE_BOX)],
        )
        .await?;
    anyhow::ensure!(
        length.as_u64() == Some((draft.encode_utf16().count() + keystrokes) as u64),
        "the draft has {length} characters after typing"
    );
    let frames = page_samples(browser, "benchFrames").await?;
    let keydown_to_input = page_samples(browser, "benchEdits").await?;
    let keydown_to_keypress = page_samples(browser, "benchPresses").await?;
    let mut keystroke_to_panel = Vec::new();
    let mut phases = Vec::new();
    if with_extension {
        browser
            .eval(
                "document.dispatchEvent(new CustomEvent('balise:dump-timings'))",
                vec![],
            )
            .await?;
        let samples = browser
            .client()
            .find(Locator::Css("balise-checklist"))
            .await?
            .attr("data-keystroke-samples")
            .await?
            .context("the content script wrote no samples")?;
        keystroke_to_panel = samples
            .split_whitespace()
            .filter_map(|sample| sample.parse().ok())
            .collect();
        let described = browser
            .client()
            .find(Locator::Css("balise-checklist"))
            .await?
            .attr("data-keystroke-phases")
            .await?
            .unwrap_or_default();
        for phase in described.split_whitespace() {
            let Some((name, samples)) = phase.split_once('=') else {
                continue;
            };
            let samples = samples
                .split(',')
                .filter_map(|sample| sample.parse().ok())
                .collect();
            phases.push((name.to_owned(), samples));
        }
    }
    Ok(Typing {
        keystroke_to_panel,
        input_to_frame: frames,
        keydown_to_input,
        keydown_to_keypress,
        phases,
        main_thread,
    })
}

/// The content script's start-up, one sample per load of the compose page.
struct Startup {
    /// From the loader's first line to the panel attached.
    loader_to_panel: Vec<f64>,
    /// The same without the loader's wait for the page's parse (its `parsed` step): the
    /// loader runs at `document_start`, so the first row also holds the page's own parse.
    own_work: Vec<f64>,
    /// From navigation start to the panel, minus the page's DOMContentLoaded (the end of
    /// its handlers).
    after_dom_loaded: Vec<f64>,
}

/// Prints the start-up samples, each row's label after `prefix`.
fn describe_startup(prefix: &str, start: &Startup) {
    describe(
        &format!("{prefix}loader to panel (ms)"),
        &start.loader_to_panel,
    );
    describe(
        &format!("{prefix}loader to panel without the wait for the page's parse (ms)"),
        &start.own_work,
    );
    describe(
        &format!("{prefix}navigation start to panel minus DOMContentLoaded (ms)"),
        &start.after_dom_loaded,
    );
}

/// The content script's start-up on `loads` fresh loads of the compose page.
async fn startup(browser: &Browser, url: &str, loads: usize) -> Result<Startup> {
    let mut loader_to_panel = Vec::new();
    let mut own_work = Vec::new();
    let mut after_dom_loaded = Vec::new();
    let mut steps: Vec<(String, Vec<f64>)> = Vec::new();
    // The panels' first placement, in the frame after the start-up (before its paint).
    let mut placed_ms = Vec::new();
    // The page's own DOMContentLoaded (navigation start to the end of its handlers): what
    // a content script that starts with the page may delay.
    let mut dom_loaded_ms = Vec::new();
    for _ in 0..loads {
        browser.goto(url).await?;
        let state = browser.wait_for_content_state().await?;
        let startup_ms = state["startupMs"].as_f64().context("no start-up time")?;
        loader_to_panel.push(startup_ms);
        let mut parse_wait = 0.0;
        for step in state["steps"]
            .as_str()
            .unwrap_or_default()
            .split_whitespace()
        {
            let Some((name, ms)) = step.split_once('=') else {
                continue;
            };
            let ms: f64 = ms.parse()?;
            if name == "parsed" {
                parse_wait = ms;
            }
            match steps.iter_mut().find(|(known, _)| known == name) {
                Some((_, times)) => times.push(ms),
                None => steps.push((name.to_owned(), vec![ms])),
            }
        }
        own_work.push(startup_ms - parse_wait);
        if let Some(placed) = state["placedMs"].as_f64() {
            placed_ms.push(placed);
        }
        let ready_at = state["readyAt"].as_f64().context("no ready time")?;
        let dom_loaded = browser
            .eval(
                "return performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd",
                vec![],
            )
            .await?
            .as_f64()
            .context("no DOMContentLoaded time")?;
        after_dom_loaded.push(ready_at - dom_loaded);
        dom_loaded_ms.push(dom_loaded);
    }
    for (name, times) in steps {
        describe(&format!("start-up step {name} (ms)"), &times);
    }
    describe(
        "loader to panels placed, in the next frame before its paint, with the publish controls' search (ms)",
        &placed_ms,
    );
    describe(
        "the page's own DOMContentLoaded, from navigation start (ms)",
        &dom_loaded_ms,
    );
    Ok(Startup {
        loader_to_panel,
        own_work,
        after_dom_loaded,
    })
}

/// `--startup`: the two start-up rows alone (wasm), then the pure-JS build's start-up under
/// a strict CSP, each with its steps.
async fn startup_rows(compose: &str, strict_compose: &str, loads: usize) -> Result<()> {
    let browser = Browser::launch(LaunchOptions {
        enabled_sites: EnabledSites::FixtureHost,
        ..LaunchOptions::default()
    })
    .await?;
    // One load first: the very first page after the options may still find the worker
    // writing its copies.
    browser.goto(compose).await?;
    browser.wait_for_content_state().await?;
    println!("wasm:");
    let wasm = startup(&browser, compose, loads).await?;
    println!("pure JS (strict CSP):");
    let pure_js = startup(&browser, strict_compose, loads).await?;
    browser.close().await?;
    describe_startup("", &wasm);
    describe_startup("pure JS: ", &pure_js);
    println!("\nstart-up rows only, load average {}:", load_average());
    print_table(&startup_table_rows(&wasm));
    Ok(())
}

/// Report to the manager `clicks` times with each kind of press: click to stored and the
/// capture alone, medians, for a press held 80 ms (a person's click: the capture is made
/// at the press), then for WebDriver's click (down and up at once: the capture is made at
/// the click).
async fn report_ratio(
    browser: &Browser,
    fixtures: &FixtureServer,
    clicks: usize,
) -> Result<[(f64, f64); 2]> {
    let data_dir = tempfile::tempdir()?;
    let companion = CompanionProcess::start(data_dir.path())?;
    let api = CompanionApi::new(&companion.base_url, api_token(data_dir.path())?);
    flows::save_options(browser, &companion.base_url, "Bench", "bench@example.org").await?;
    flows::pair(browser, &companion).await?;
    browser.goto(&fixtures.url("report-target.html")).await?;
    let mut ratios = [(0.0, 0.0); 2];
    let presses = [
        flows::Press::Held(Duration::from_millis(80)),
        flows::Press::Click,
    ];
    for (ratio, press) in ratios.iter_mut().zip(presses) {
        let measured = flows::timed_report_clicks(
            browser,
            &api,
            clicks,
            press,
            &["data-elapsed-ms", "data-capture-ms"],
        )
        .await?;
        let click_to_stored: Vec<f64> = measured.iter().map(|times| times[0]).collect();
        let capture_alone: Vec<f64> = measured.iter().map(|times| times[1]).collect();
        *ratio = (median(&click_to_stored), median(&capture_alone));
    }
    Ok(ratios)
}

/// One row of the table.
struct Row {
    what: &'static str,
    with_extension: f64,
    /// The same measure without the extension, where the row compares with it.
    baseline: Option<f64>,
    unit: &'static str,
    /// The aim, on "added" when there is a baseline, on the figure itself otherwise.
    aim: f64,
}

impl Row {
    fn judged(&self) -> f64 {
        match self.baseline {
            Some(baseline) => self.with_extension - baseline,
            None => self.with_extension,
        }
    }
}

fn print_table(rows: &[Row]) {
    println!();
    println!("| what | with extension | baseline | added | aim | met? |");
    println!("|---|---|---|---|---|---|");
    for row in rows {
        let unit = row.unit;
        let (baseline, added) = match row.baseline {
            Some(baseline) => (
                format!("{baseline:.2} {unit}"),
                format!("{:+.2} {unit}", row.with_extension - baseline),
            ),
            None => ("—".to_owned(), "—".to_owned()),
        };
        let met = if row.judged() < row.aim { "yes" } else { "no" };
        println!(
            "| {} | {:.2} {unit} | {baseline} | {added} | under {} {unit} | {met} |",
            row.what, row.with_extension, row.aim
        );
    }
}

/// The typing rows: keystroke to panel (wasm, pure JS) and input to next frame.
/// The two start-up rows of issue 12's table.
fn startup_table_rows(start: &Startup) -> [Row; 3] {
    [
        Row {
            what: "compose page: loader's first line to panel attached, median (holds the page's parse: the loader runs at document_start)",
            with_extension: median(&start.loader_to_panel),
            baseline: None,
            unit: "ms",
            aim: 15.0,
        },
        Row {
            what: "same, without the loader's wait for the page's parse (Balise's own start-up)",
            with_extension: median(&start.own_work),
            baseline: None,
            unit: "ms",
            aim: 15.0,
        },
        Row {
            what: "compose page: navigation start to panel, minus DOMContentLoaded, median",
            with_extension: median(&start.after_dom_loaded),
            baseline: None,
            unit: "ms",
            aim: 15.0,
        },
    ]
}

fn typing_rows(typing: &Typing, pure_js: &Typing, base_typing: &Typing) -> [Row; 3] {
    [
        Row {
            what: "keystroke to updated panel, p95 (wasm)",
            with_extension: percentile(&typing.keystroke_to_panel, 0.95),
            baseline: None,
            unit: "ms",
            aim: 2.0,
        },
        Row {
            what: "same, pure-JS build under a strict CSP, p95",
            with_extension: percentile(&pure_js.keystroke_to_panel, 0.95),
            baseline: None,
            unit: "ms",
            aim: 4.0,
        },
        Row {
            what: "input event to next frame, median",
            with_extension: median(&typing.input_to_frame),
            baseline: Some(median(&base_typing.input_to_frame)),
            unit: "ms",
            aim: 0.5,
        },
    ]
}

/// Prints the typing samples and, for each engine, where the keystrokes' time went.
fn describe_typing(typing: &Typing, pure_js: &Typing) {
    for (engine, measured) in [("wasm", typing), ("pure JS", pure_js)] {
        describe(
            &format!("keystroke to panel, {engine} (ms)"),
            &measured.keystroke_to_panel,
        );
        for (phase, samples) in &measured.phases {
            describe(&format!("  phase {phase}, {engine} (ms)"), samples);
        }
    }
    describe("input to next frame (ms)", &typing.input_to_frame);
    describe(
        "keydown to input event, seen by the page (ms)",
        &typing.keydown_to_input,
    );
    describe(
        "keydown to keypress, seen by the page (ms)",
        &typing.keydown_to_keypress,
    );
}

/// Prints the tab's main-thread time per keystroke while typing, without the extension
/// and with it (wasm, pure JS): what Balise adds to the browser's own work (script, style,
/// layout), and in all.
fn describe_main_thread(base: &Typing, typing: &Typing, pure_js: &Typing) {
    println!(
        "  main thread per keystroke (DevTools metrics): baseline | wasm (added) | pure JS (added)"
    );
    for (index, (label, base_value)) in base.main_thread.iter().enumerate() {
        let with = |measured: &Typing| {
            measured
                .main_thread
                .get(index)
                .map_or(f64::NAN, |(_, value)| *value)
        };
        let (wasm, js) = (with(typing), with(pure_js));
        println!(
            "    {label}: {base_value:.3} | {wasm:.3} ({:+.3}) | {js:.3} ({:+.3})",
            wasm - base_value,
            js - base_value
        );
    }
}

/// Prints a row's samples. Pages' clocks (`performance.now()`) count in steps of 0.1 ms
/// here (no cross-origin isolation), so medians move by whole steps; the mean shows the
/// smaller differences between two builds.
fn describe(name: &str, samples: &[f64]) {
    let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
    println!(
        "  {name}: n={} median {:.2}, mean {mean:.3}, p95 {:.2}, max {:.2}",
        samples.len(),
        median(samples),
        percentile(samples, 0.95),
        percentile(samples, 1.0)
    );
}

/// The other pages' two rows: a plain page, and one with three iframes.
fn other_page_table_rows(
    other: &[f64],
    base_other: &[f64],
    framed: &[f64],
    base_framed: &[f64],
) -> [Row; 2] {
    [
        Row {
            what: "other page: added main-thread script time per frame, median",
            with_extension: median(other),
            baseline: Some(median(base_other)),
            unit: "ms",
            aim: 0.5,
        },
        Row {
            what: "plain page with 3 iframes: main-thread script time, median",
            with_extension: median(framed),
            baseline: Some(median(base_framed)),
            unit: "ms",
            aim: 1.0,
        },
    ]
}

/// `--other`: only the other pages' two rows (a plain page, and one with three iframes),
/// beside the baseline.
async fn other_page_rows(other_page: &str, framed_page: &str, loads: usize) -> Result<()> {
    let baseline = Browser::launch(LaunchOptions {
        without_extension: true,
        ..LaunchOptions::default()
    })
    .await?;
    let base_other = script_times(&baseline, other_page, loads).await?;
    let base_framed = script_times(&baseline, framed_page, loads).await?;
    baseline.close().await?;
    let browser = Browser::launch(LaunchOptions {
        enabled_sites: EnabledSites::FixtureHost,
        ..LaunchOptions::default()
    })
    .await?;
    let other = script_times(&browser, other_page, loads).await?;
    let framed = script_times(&browser, framed_page, loads).await?;
    browser.close().await?;
    describe("other page, script time, baseline (ms)", &base_other);
    describe(
        "page with 3 iframes, script time, baseline (ms)",
        &base_framed,
    );
    describe("other page, script time (ms)", &other);
    describe("page with 3 iframes, script time (ms)", &framed);
    println!("\nother pages' rows only, load average {}:", load_average());
    print_table(&other_page_table_rows(
        &other,
        &base_other,
        &framed,
        &base_framed,
    ));
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let quick = std::env::args().any(|arg| arg == "--quick");
    // `--typing`: only the three typing rows (keystroke to panel, input to next frame).
    let typing_only = std::env::args().any(|arg| arg == "--typing");
    // `--startup`: only the two start-up rows, and the same for the pure-JS build.
    let startup_only = std::env::args().any(|arg| arg == "--startup");
    let sizes = Sizes::new(quick);
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let strict = FixtureServer::start(CspMode::Strict).await?;
    let compose = fixtures.url(COMPOSE_PAGE);
    if startup_only {
        return startup_rows(&compose, &strict.url(COMPOSE_PAGE), sizes.loads).await;
    }
    let other_page = other_host(&fixtures.url("plain-frame.html?n=0"));
    let framed_page = other_host(&fixtures.url("plain-frames.html"));
    if std::env::args().any(|arg| arg == "--other") {
        return other_page_rows(&other_page, &framed_page, sizes.other_page_loads).await;
    }

    // The baseline: the same pages in a Chromium without any extension.
    println!("baseline: Chromium without the extension");
    let baseline = Browser::launch(LaunchOptions {
        without_extension: true,
        ..LaunchOptions::default()
    })
    .await?;
    if typing_only {
        let base_typing = type_into_draft(&baseline, &compose, sizes.keystrokes, false).await?;
        baseline.close().await?;
        let browser = Browser::launch(LaunchOptions {
            enabled_sites: EnabledSites::FixtureHost,
            ..LaunchOptions::default()
        })
        .await?;
        let typing = type_into_draft(&browser, &compose, sizes.keystrokes, true).await?;
        let pure_js =
            type_into_draft(&browser, &strict.url(COMPOSE_PAGE), sizes.keystrokes, true).await?;
        browser.close().await?;
        describe(
            "input to next frame, baseline (ms)",
            &base_typing.input_to_frame,
        );
        describe(
            "keydown to input event, seen by the page, baseline (ms)",
            &base_typing.keydown_to_input,
        );
        describe(
            "keydown to keypress, seen by the page, baseline (ms)",
            &base_typing.keydown_to_keypress,
        );
        describe_typing(&typing, &pure_js);
        describe_main_thread(&base_typing, &typing, &pure_js);
        println!("\ntyping rows only, load average {}:", load_average());
        print_table(&typing_rows(&typing, &pure_js, &base_typing));
        return Ok(());
    }
    let base_memory = compose_page_memory(&baseline, &compose, false).await?;
    let base_typing = type_into_draft(&baseline, &compose, sizes.keystrokes, false).await?;
    let base_other = script_times(&baseline, &other_page, sizes.other_page_loads).await?;
    let base_framed = script_times(&baseline, &framed_page, sizes.other_page_loads).await?;
    let base_compose_script = script_times(&baseline, &compose, sizes.other_page_loads).await?;
    baseline.close().await?;
    describe("input to next frame (ms)", &base_typing.input_to_frame);
    describe(
        "keydown to input event, seen by the page (ms)",
        &base_typing.keydown_to_input,
    );
    describe(
        "keydown to keypress, seen by the page (ms)",
        &base_typing.keydown_to_keypress,
    );
    describe("other page, script time (ms)", &base_other);
    describe("page with 3 iframes, script time (ms)", &base_framed);
    describe("compose page, script time (ms)", &base_compose_script);

    println!("with the extension");
    let browser = Browser::launch(LaunchOptions {
        enabled_sites: EnabledSites::FixtureHost,
        ..LaunchOptions::default()
    })
    .await?;
    let memory = compose_page_memory(&browser, &compose, true).await?;
    let (idle_memory, worker_stop) = memory::after_worker_stop(&browser).await?;
    // The worker as it runs on any other day (at the browser's start, after a report, at
    // its alarm): started again alone, without the options page's leftovers.
    memory::start_worker_alone(&browser, &compose).await?;
    let worker_alone_memory = memory::total_mib(&memory::at_rest(&browser).await?);
    let start = startup(&browser, &compose, sizes.loads).await?;
    let typing = type_into_draft(&browser, &compose, sizes.keystrokes, true).await?;
    let pure_js =
        type_into_draft(&browser, &strict.url(COMPOSE_PAGE), sizes.keystrokes, true).await?;
    let other = script_times(&browser, &other_page, sizes.other_page_loads).await?;
    let framed = script_times(&browser, &framed_page, sizes.other_page_loads).await?;
    let compose_script = script_times(&browser, &compose, sizes.other_page_loads).await?;
    let [(stored, capture), (clicked_stored, clicked_capture)] =
        report_ratio(&browser, &fixtures, sizes.report_clicks).await?;
    browser.close().await?;
    describe_startup("", &start);
    describe_typing(&typing, &pure_js);
    describe_main_thread(&base_typing, &typing, &pure_js);
    describe("other page, script time (ms)", &other);
    describe("page with 3 iframes, script time (ms)", &framed);
    describe("compose page, script time (ms)", &compose_script);
    println!(
        "  report, press held 80 ms: click to stored median {stored:.0} ms, capture alone median {capture:.0} ms"
    );
    println!(
        "  report, WebDriver click: click to stored median {clicked_stored:.0} ms, capture alone median {clicked_capture:.0} ms"
    );
    println!(
        "  memory (PSS, all browser processes): {memory:.1} MiB, baseline {base_memory:.1} MiB"
    );
    println!("  memory with the service worker started again alone: {worker_alone_memory:.1} MiB");
    println!(
        "  memory once the service worker stopped ({}): {idle_memory:.1} MiB",
        worker_stop.map_or("it had not after 90 s".to_owned(), |after| format!(
            "{:.0} s later",
            after.as_secs_f64()
        ))
    );

    let [keystroke_row, pure_js_row, frame_row] = typing_rows(&typing, &pure_js, &base_typing);
    let [loader_row, own_work_row, dom_loaded_row] = startup_table_rows(&start);
    let [other_row, framed_row] = other_page_table_rows(&other, &base_other, &framed, &base_framed);
    let rows = [
        loader_row,
        own_work_row,
        dom_loaded_row,
        other_row,
        keystroke_row,
        pure_js_row,
        frame_row,
        Row {
            what: "memory, all browser processes (PSS), one compose page, just after the options page (worker running)",
            with_extension: memory,
            baseline: Some(base_memory),
            unit: "MiB",
            aim: 25.0,
        },
        Row {
            what: "same, the service worker started again alone (browser start, a report, its alarm)",
            with_extension: worker_alone_memory,
            baseline: Some(base_memory),
            unit: "MiB",
            aim: 25.0,
        },
        Row {
            what: "same, once the idle service worker stopped (what a person sees; compared to the aim)",
            with_extension: idle_memory,
            baseline: Some(base_memory),
            unit: "MiB",
            aim: 25.0,
        },
        framed_row,
        Row {
            what: "report: click to stored / capture alone (medians), press held 80 ms",
            with_extension: stored / capture,
            baseline: None,
            unit: "",
            aim: 1.3,
        },
        Row {
            what: "same, WebDriver's click (down and up at once)",
            with_extension: clicked_stored / clicked_capture,
            baseline: None,
            unit: "",
            aim: 1.3,
        },
    ];
    println!(
        "\nissue 12's table, {} run, load average {}:",
        if quick { "quick" } else { "full" },
        load_average()
    );
    print_table(&rows);
    Ok(())
}
