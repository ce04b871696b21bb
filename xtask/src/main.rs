//! `cargo xtask`: what cargo alone cannot do: build the extension, run Balise, run every test.

mod api_fuzz;
mod area_codes;
mod bench;
mod content_script;
mod crash;
mod extension;
mod fixtures;
mod fuzz;
mod js_fallback;
mod load;
mod manifest;
mod prerequisites;
mod run;
mod shell;
mod shorteners;
mod stamp;
mod stress_client;
mod test;
mod wasm_names;
mod wasm_toolchain;

use std::path::PathBuf;

use anyhow::{Result, bail};

const USAGE: &str = "\
Usage: cargo xtask <command>

Commands:
  build                 Build the extension into target/extension/{chromium,firefox} and zip files
  run [--data-dir DIR] [--port PORT]
                        Build the extension, then start the companion on http://127.0.0.1:7878
  test [--no-install]   Formatting, clippy, unit tests and end-to-end tests in headless Chromium
                        and Firefox; installs what is missing (Debian packages as root,
                        geckodriver from crates.io) unless --no-install
  api-fuzz [--max-examples N] [--no-install]
                        schemathesis (PyPI, in a venv under target/tools) against the real
                        companion with a valid token, from its /api/openapi.json (100 examples
                        per operation unless N)
  fixtures              Bundle the site fixture pages' editor scripts into target/fixtures/sites
  bench [--quick]       Benchmarks: draft analysis (criterion), issue 12's speed table (in
                        headless Chromium, beside the same pages without the extension), the
                        report, checklist and email benchmarks, and the shipped wasm size;
                        --quick runs the speed table alone with fewer samples
  crash [--reports N] [--kills K] [--clients C] [--seed S]
                        Crash test: reports sent concurrently to the real companion while it is
                        killed with SIGKILL and restarted; checks every acknowledged report
  fuzz [--seconds N] [TARGET...]
                        Runs each cargo-fuzz target (analyze, policy_toml, policy_json, report,
                        package_import) for N seconds (default 60); installs cargo-fuzz
  load [--reports N] [--clients C] [--debug]
                        Load benchmark: reports with ~300 KB screenshots from concurrent clients
                        against a release companion; throughput, latency, memory, the disk's limit
  area-codes --from FILE
                        Rewrite shared/data/nanp-area-codes/list from libphonenumber's
                        resources/geocoding/en/1.txt (the area codes in service)
  shorteners --from FILE
                        Rewrite shared/data/url-shorteners/list from a downloaded copy of
                        PeterDaveHello/url-shorteners' `list` (normalized, sorted)
";

fn main() {
    if let Err(error) = run_command() {
        eprintln!("xtask: error: {error:#}");
        std::process::exit(1);
    }
}

fn run_command() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    let rest: Vec<String> = args.collect();
    match command.as_deref() {
        Some("build") | Some("dist") => {
            extension::build(&workspace_root())?;
            Ok(())
        }
        Some("fixtures") => fixtures::build(&workspace_root()),
        Some("api-fuzz") => api_fuzz::api_fuzz(&workspace_root(), &rest),
        Some("run") => run::run(&workspace_root(), &rest),
        Some("test") => test::test(&workspace_root(), &rest),
        Some("bench") => bench::bench(&workspace_root(), &rest),
        Some("crash") => crash::crash(&workspace_root(), &rest),
        Some("load") => load::load(&workspace_root(), &rest),
        Some("fuzz") => fuzz::fuzz(&workspace_root(), &rest),
        Some("area-codes") => area_codes::area_codes(&workspace_root(), &rest),
        Some("shorteners") => shorteners::shorteners(&workspace_root(), &rest),
        Some("help") | Some("--help") | Some("-h") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
