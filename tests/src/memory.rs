//! The browser's memory for the benchmarks: the proportional set size (PSS) of each
//! process under the browser's driver, named by its role (browser, GPU, utility, the
//! extension's process, a page's renderer), from `/proc/PID/smaps_rollup` and `cmdline`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Result;

/// One browser process and its PSS.
#[derive(Debug, Clone)]
pub struct ProcessMemory {
    pub pid: u32,
    /// What the process is for: `browser`, `gpu-process`, `utility`, `zygote`,
    /// `extension` (a renderer with `--extension-process`), `renderer`, ...
    pub role: String,
    /// Proportional set size in KiB: shared pages split among the processes sharing them.
    pub pss_kib: u64,
}

/// The parent of each process on the machine, from `/proc/PID/stat`.
fn parents() -> Result<Vec<(u32, u32)>> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let entry = entry?;
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        // `pid (comm) state ppid …`; the command may hold spaces and parentheses.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some(after) = stat.rfind(')').map(|at| &stat[at + 1..]) else {
            continue;
        };
        if let Some(ppid) = after
            .split_whitespace()
            .nth(1)
            .and_then(|ppid| ppid.parse::<u32>().ok())
        {
            parents.push((pid, ppid));
        }
    }
    Ok(parents)
}

/// A process's role from its command line (Chromium's `--type=` and
/// `--extension-process`; Firefox's `-contentproc` with its kind last).
fn role(pid: u32) -> String {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return "gone".to_owned();
    };
    // Chromium rewrites its processes' titles: the arguments are then one space-separated
    // string rather than NUL-separated ones.
    let args: Vec<String> = String::from_utf8_lossy(&cmdline)
        .split(['\0', ' '])
        .filter(|arg| !arg.is_empty())
        .map(str::to_owned)
        .collect();
    let kind = args
        .iter()
        .find_map(|arg| arg.strip_prefix("--type="))
        .map(str::to_owned);
    match kind.as_deref() {
        Some("renderer") if args.iter().any(|arg| arg == "--extension-process") => {
            "extension".to_owned()
        }
        Some("utility") => args
            .iter()
            .find_map(|arg| arg.strip_prefix("--utility-sub-type="))
            .map_or_else(|| "utility".to_owned(), |sub| format!("utility {sub}")),
        Some(kind) => kind.to_owned(),
        None if args.iter().any(|arg| arg == "-contentproc") => {
            format!("content {}", args.last().cloned().unwrap_or_default())
        }
        None => args
            .first()
            .and_then(|program| program.rsplit('/').next())
            .map_or_else(|| "?".to_owned(), |name| format!("{name} (main)")),
    }
}

fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find_map(|line| line.strip_prefix("Pss:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Every process under `root` (the browser's driver, itself excluded) with its role and PSS.
pub fn process_tree(root: u32) -> Result<Vec<ProcessMemory>> {
    let parents = parents()?;
    let mut tree = vec![root];
    let mut index = 0;
    while index < tree.len() {
        let parent = tree[index];
        tree.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        index += 1;
    }
    Ok(tree
        .into_iter()
        .skip(1)
        .filter_map(|pid| {
            Some(ProcessMemory {
                pid,
                pss_kib: pss_kib(pid)?,
                role: role(pid),
            })
        })
        .collect())
}

/// The PSS of every process under `root`, in MiB.
pub fn total_mib(processes: &[ProcessMemory]) -> f64 {
    processes.iter().map(|process| process.pss_kib).sum::<u64>() as f64 / 1024.0
}

/// The PSS by role, in MiB, with the number of processes of each role.
pub fn by_role(processes: &[ProcessMemory]) -> BTreeMap<String, (usize, f64)> {
    let mut roles = BTreeMap::new();
    for process in processes {
        let entry = roles.entry(process.role.clone()).or_insert((0, 0.0));
        entry.0 += 1;
        entry.1 += process.pss_kib as f64 / 1024.0;
    }
    roles
}

/// One line per role: `role ×count: MiB`.
pub fn describe(processes: &[ProcessMemory]) -> String {
    by_role(processes)
        .into_iter()
        .map(|(role, (count, mib))| format!("{role} ×{count}: {mib:.1} MiB"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The browser's processes once at rest: two seconds' wait, then three readings a second
/// apart; the reading whose total is the median.
pub async fn at_rest(browser: &crate::browser::Browser) -> Result<Vec<ProcessMemory>> {
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut readings = Vec::new();
    for _ in 0..3 {
        readings.push(process_tree(browser.driver_pid())?);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    readings.sort_by(|a, b| total_mib(a).total_cmp(&total_mib(b)));
    Ok(readings.swap_remove(1))
}

/// Waits up to `limit` for the extension's service worker to stop (no longer a DevTools
/// target; Chromium stops an idle one after about 30 s), and says after how long.
pub async fn worker_stopped(
    browser: &crate::browser::Browser,
    limit: Duration,
) -> Result<Option<Duration>> {
    let started = Instant::now();
    let prefix = format!("chrome-extension://{}/", crate::CHROMIUM_EXTENSION_ID);
    while started.elapsed() < limit {
        let running = crate::devtools::targets(browser)
            .await?
            .into_iter()
            .any(|target| target.kind == "service_worker" && target.url.starts_with(&prefix));
        if !running {
            return Ok(Some(started.elapsed()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(None)
}

/// The PSS of every process under the browser's driver once the extension's service
/// worker has stopped for being idle (waiting up to 90 s for it), in MiB, and how long the
/// stop took; `None` for the time when it did not stop.
pub async fn after_worker_stop(
    browser: &crate::browser::Browser,
) -> Result<(f64, Option<Duration>)> {
    let stopped = worker_stopped(browser, Duration::from_secs(90)).await?;
    Ok((total_mib(&at_rest(browser).await?), stopped))
}

/// Starts the extension's stopped service worker without any event or page of the
/// extension (the DevTools protocol's `ServiceWorker.startWorker`, from the page at
/// `page_url`): its script runs, and nothing else of the extension is in its process.
pub async fn start_worker_alone(browser: &crate::browser::Browser, page_url: &str) -> Result<()> {
    let page = crate::devtools::wait_for_target(browser, "page", page_url).await?;
    let mut session = crate::devtools::Session::open(&page).await?;
    let started = async {
        session
            .call("ServiceWorker.enable", serde_json::json!({}))
            .await?;
        session
            .call(
                "ServiceWorker.startWorker",
                serde_json::json!({
                    "scopeURL": format!("chrome-extension://{}/", crate::CHROMIUM_EXTENSION_ID)
                }),
            )
            .await
    }
    .await;
    session.close().await;
    started?;
    crate::devtools::wait_for_target(
        browser,
        "service_worker",
        &format!("chrome-extension://{}/", crate::CHROMIUM_EXTENSION_ID),
    )
    .await?;
    Ok(())
}

/// What the running service worker holds, as its own V8 sees it.
#[derive(Debug, Clone, Default)]
pub struct WorkerHeap {
    /// The byte length of each WebAssembly memory alive in the worker (its module's
    /// linear memory; none for a worker without wasm).
    pub wasm_memories: Vec<u64>,
    /// The JavaScript heap: used and total bytes (`Runtime.getHeapUsage`).
    pub js_used: u64,
    pub js_total: u64,
}

/// Sizes in bytes of wasm memories as `1.12 MiB (18 pages)`, comma-separated; `none` when
/// there is none.
pub fn mib_and_pages(sizes: &[u64]) -> String {
    if sizes.is_empty() {
        return "none".to_owned();
    }
    sizes
        .iter()
        .map(|bytes| {
            format!(
                "{:.2} MiB ({} pages)",
                *bytes as f64 / 1048576.0,
                bytes / 65536
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for WorkerHeap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let memories = mib_and_pages(&self.wasm_memories);
        write!(
            f,
            "wasm memory {memories}; JS heap {:.2} MiB used of {:.2} MiB",
            self.js_used as f64 / 1048576.0,
            self.js_total as f64 / 1048576.0
        )
    }
}

/// The running service worker's wasm memories and JS heap (DevTools: every
/// `WebAssembly.Memory` found on its heap, `Runtime.queryObjects`).
pub async fn worker_heap(browser: &crate::browser::Browser) -> Result<WorkerHeap> {
    let worker = crate::devtools::service_worker(browser).await?;
    let mut session = crate::devtools::Session::open(&worker).await?;
    let heap = async {
        let wasm_memories = session.wasm_memory_sizes(None).await?;
        let usage = session
            .call("Runtime.getHeapUsage", serde_json::json!({}))
            .await?;
        Ok::<_, anyhow::Error>(WorkerHeap {
            wasm_memories,
            js_used: usage["usedSize"].as_f64().unwrap_or(0.0) as u64,
            js_total: usage["totalSize"].as_f64().unwrap_or(0.0) as u64,
        })
    }
    .await;
    session.close().await;
    heap
}

/// The PSS of the extension's own process (the renderer where its service worker and
/// pages run), in MiB; 0 when it has none.
pub fn extension_mib(processes: &[ProcessMemory]) -> f64 {
    by_role(processes)
        .get("extension")
        .map_or(0.0, |&(_, mib)| mib)
}

/// How many Chromium or Firefox processes run on the machine outside the tree of `root`
/// (other engineers' browsers, other tests): their shared pages (the browser's own code)
/// are split with them in every PSS, so readings taken beside them are lower and are not
/// comparable with readings taken alone.
pub fn other_browser_processes(root: u32) -> usize {
    let ours: std::collections::HashSet<u32> = process_tree(root)
        .map(|tree| tree.into_iter().map(|process| process.pid).collect())
        .unwrap_or_default();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != root && !ours.contains(pid))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| {
                let comm = comm.trim();
                comm == "chromium" || comm == "chrome" || comm.starts_with("firefox")
            })
        })
        .count()
}
