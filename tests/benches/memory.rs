//! Benchmark: where the extension's memory goes on one compose page. The proportional set
//! size (PSS) of each of the browser's processes, by role, in a Chromium without any
//! extension (the baseline) and with the built extension: once the compose page's panel is
//! attached, again once the service worker has stopped for being idle (what a person
//! who does not report sees most of the time), then with the worker started again alone
//! (as the browser's start or the alarm starts it: no page of the extension open), and
//! after one report from the context menu. Beside the extension's process: what its
//! worker holds (wasm memory, JavaScript heap).
//!
//! `BALISE_MEMORY_WORKER=empty` or `=instantiate` measures the floor instead of the shipped
//! worker: the built extension copied with a service worker that only listens (`empty`),
//! or that also instantiates the worker's wasm module and does nothing else
//! (`instantiate`). Those variants cannot attach the panel nor report: the content script
//! is not enabled on the fixture host, and the report step is skipped.
//!
//! Run with `cargo bench -p balise-e2e --bench memory` (about two minutes). A benchmark: it
//! prints numbers, it does not fail on them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use balise_e2e::browser::{Browser, EnabledSites, LaunchOptions};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::memory::{self, ProcessMemory};
use balise_e2e::{devtools, flows};
use fantoccini::Locator;

const COMPOSE_PAGE: &str = "compose-signature.html";
const COMPOSE_BOX: &str = "form.compose-form textarea";

/// The floor variants' service workers (`BALISE_MEMORY_WORKER`).
const EMPTY_WORKER: &str =
    "// Memory bench: a service worker that only listens (the extension process's floor).
chrome.runtime.onMessage.addListener(() => {});
";
const INSTANTIATE_WORKER: &str =
    "// Memory bench: the worker's wasm module instantiated, nothing else run.
import init from \"./pkg/worker/balise_extension.js\";
init({ module_or_path: new URL(\"./pkg/worker/balise_extension_bg.wasm\", import.meta.url) });
chrome.runtime.onMessage.addListener(() => {});
";
fn print(label: &str, processes: &[ProcessMemory]) {
    println!("{label}: {:.1} MiB", memory::total_mib(processes));
    for (role, (count, mib)) in memory::by_role(processes) {
        println!("    {role:<28} ×{count}  {mib:6.1} MiB");
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The built extension with `worker` as its service worker, in `dir`.
fn variant(dir: &Path, worker: &str) -> Result<PathBuf> {
    let built = balise_e2e::browser::chromium_extension_dir()?;
    let copy = dir.join("chromium");
    copy_dir(&built, &copy).context("copying the built extension")?;
    std::fs::write(copy.join("sw.js"), worker)?;
    Ok(copy)
}

#[tokio::main]
async fn main() -> Result<()> {
    let which = std::env::var("BALISE_MEMORY_WORKER").unwrap_or_default();
    let scratch = tempfile::tempdir()?;
    let (extension_dir, shipped) = match which.as_str() {
        "" | "shipped" => (None, true),
        "empty" => (Some(variant(scratch.path(), EMPTY_WORKER)?), false),
        "instantiate" => (Some(variant(scratch.path(), INSTANTIATE_WORKER)?), false),
        other => bail!("BALISE_MEMORY_WORKER={other}: expected empty, instantiate or shipped"),
    };
    println!(
        "service worker: {}",
        if shipped { "shipped" } else { which.as_str() }
    );
    let fixtures = FixtureServer::start(CspMode::None).await?;
    let compose = fixtures.url(COMPOSE_PAGE);

    let baseline = Browser::launch(LaunchOptions {
        without_extension: true,
        ..LaunchOptions::default()
    })
    .await?;
    baseline.goto(&compose).await?;
    baseline.client().find(Locator::Css(COMPOSE_BOX)).await?;
    let base = memory::at_rest(&baseline).await?;
    baseline.close().await?;

    let browser = Browser::launch(LaunchOptions {
        enabled_sites: if shipped {
            EnabledSites::FixtureHost
        } else {
            EnabledSites::None
        },
        // Only the shipped worker opens the welcome page (the harness closes it).
        keep_welcome_page: !shipped,
        extension_dir,
        ..LaunchOptions::default()
    })
    .await?;
    browser.goto(&compose).await?;
    if shipped {
        flows::wait_for_panel(&browser).await?;
    } else {
        browser.client().find(Locator::Css(COMPOSE_BOX)).await?;
    }
    let ready = memory::at_rest(&browser).await?;
    let others = memory::other_browser_processes(browser.driver_pid());
    let ready_heap = memory::worker_heap(&browser).await;
    let stopped = memory::worker_stopped(&browser, Duration::from_secs(90)).await?;
    let idle = memory::at_rest(&browser).await?;

    // Started again with no page of the extension open: what the browser's start and the
    // alarm cost (the worker's script and its start-up work).
    memory::start_worker_alone(&browser, &compose).await?;
    let alone = memory::at_rest(&browser).await?;
    let alone_heap = memory::worker_heap(&browser).await;

    let reported = if shipped {
        // One report, as the context menu makes it (not paired: it waits in the outbox), of
        // the page under a canvas of random pixels: a screenshot of a few MB, as a page full
        // of photos gives, where the compose page alone gives a few KB.
        browser
            .eval(
                "const canvas = document.createElement('canvas');
                 canvas.width = innerWidth; canvas.height = innerHeight;
                 canvas.style = 'position: fixed; inset: 0; z-index: 2147483646';
                 const context = canvas.getContext('2d');
                 const pixels = context.createImageData(canvas.width, canvas.height);
                 for (let at = 0; at < pixels.data.length; at += 65536) {
                   crypto.getRandomValues(pixels.data.subarray(at, at + 65536));
                 }
                 for (let at = 3; at < pixels.data.length; at += 4) pixels.data[at] = 255;
                 context.putImageData(pixels, 0, 0);
                 document.body.append(canvas);
                 return canvas.width * canvas.height;",
                vec![],
            )
            .await?;
        let worker = devtools::service_worker(&browser).await?;
        let handled = devtools::evaluate(
            &worker,
            "chrome.tabs.query({ active: true, lastFocusedWindow: true })
               .then(([tab]) => baliseForwardEvent('context-menu',
                 { info: { menuItemId: 'balise-report' }, tab }))
               .then((reply) => reply.type)",
        )
        .await?;
        if handled != serde_json::json!("reported") {
            bail!("the report from the context menu: {handled}");
        }
        Some((
            memory::at_rest(&browser).await?,
            memory::worker_heap(&browser).await,
        ))
    } else {
        None
    };
    let content = if shipped {
        Some(content_memory(&browser, &compose).await)
    } else {
        None
    };
    browser.close().await?;

    let heap_line = |heap: &Result<memory::WorkerHeap>| match heap {
        Ok(heap) => println!("    worker: {heap}"),
        Err(error) => println!("    worker: not read ({error:#})"),
    };
    print("baseline, compose page", &base);
    print(
        if shipped {
            "with the extension, panel attached"
        } else {
            "with the extension, compose page (no content script)"
        },
        &ready,
    );
    heap_line(&ready_heap);
    match stopped {
        Some(after) => print(
            &format!(
                "with the extension, service worker stopped (after {:.0} s more)",
                after.as_secs_f64() + 5.0
            ),
            &idle,
        ),
        None => print(
            "with the extension, 90 s later (service worker still running)",
            &idle,
        ),
    }
    print(
        "with the extension, worker started again alone (no extension page)",
        &alone,
    );
    heap_line(&alone_heap);
    if let Some((after_report, heap)) = &reported {
        print(
            "with the extension, after one report (context menu, not paired)",
            after_report,
        );
        heap_line(heap);
    }
    let base_total = memory::total_mib(&base);
    println!(
        "added: {:+.1} MiB panel attached, {:+.1} MiB after the worker's idle stop, {:+.1} MiB worker started alone{} (aim under 25 MiB); load average {}",
        memory::total_mib(&ready) - base_total,
        memory::total_mib(&idle) - base_total,
        memory::total_mib(&alone) - base_total,
        reported
            .as_ref()
            .map(|(after, _)| format!(
                ", {:+.1} MiB after a report",
                memory::total_mib(after) - base_total
            ))
            .unwrap_or_default(),
        balise_e2e::load_average()
    );
    println!(
        "other browser processes on the machine (they share the browser's pages, lowering every PSS): {others}"
    );
    println!(
        "extension process: {:.1} MiB panel attached, {:.1} MiB worker started alone{}",
        memory::extension_mib(&ready),
        memory::extension_mib(&alone),
        reported
            .as_ref()
            .map(|(after, _)| format!(", {:.1} MiB after a report", memory::extension_mib(after)))
            .unwrap_or_default(),
    );
    match content {
        Some(Ok((before, after))) => println!(
            "content script's wasm memory (its allocator's footprint, in whole 64 KiB pages): \
             {} panel attached, {} after a {DRAFT_CHARS}-character draft and {KEYSTROKES} keystrokes",
            memory::mib_and_pages(&before),
            memory::mib_and_pages(&after)
        ),
        Some(Err(error)) => println!("content script's wasm memory: not read ({error:#})"),
        None => {}
    }
    Ok(())
}

/// The pasted draft's length and the keys typed after it, for the content script's memory.
const DRAFT_CHARS: usize = 20_000;
const KEYSTROKES: usize = 300;

/// The content script's wasm memory with the panel attached, then after a long draft put in
/// the compose box at once (as a paste) and typed into: the allocator's work at each
/// keystroke (the analysis, the panel's update).
async fn content_memory(browser: &Browser, compose: &str) -> Result<(Vec<u64>, Vec<u64>)> {
    let before = devtools::content_script_wasm_memories(browser, compose).await?;
    let post = balise_core::sample::realistic_french_post();
    let draft: String = post.chars().cycle().take(DRAFT_CHARS).collect();
    browser
        .eval(
            "const box = document.querySelector(arguments[1]);
             box.value = arguments[0];
             box.dispatchEvent(new Event('input', { bubbles: true }));
             box.focus();
             box.setSelectionRange(box.value.length, box.value.length);",
            vec![serde_json::json!(draft), serde_json::json!(COMPOSE_BOX)],
        )
        .await?;
    let textarea = browser.client().find(Locator::Css(COMPOSE_BOX)).await?;
    let words = "Le syndicat vous informe de la rencontre. ";
    let typed: Vec<char> = words.chars().cycle().take(KEYSTROKES).collect();
    for chunk in typed.chunks(50) {
        textarea
            .send_keys(&chunk.iter().collect::<String>())
            .await?;
    }
    // Time for the last keystrokes' updates (the memory's peak came with the pasted draft).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = devtools::content_script_wasm_memories(browser, compose).await?;
    Ok((before, after))
}
