//! `cargo xtask bench`: the numbers the README quotes, each from a command in this repository.

use std::path::Path;

use anyhow::Result;

use crate::{extension, shell};

/// Runs the draft-analysis benchmark (criterion's wall-clock, then CPU time per analysis),
/// then in headless Chromium issue 12's speed table (every row beside the same pages in a
/// Chromium without the extension), the memory by process role (worker running, then
/// stopped), the report click-to-stored benchmark and the
/// checklist's keystroke and start-up benchmark, then the email stored-to-accepted
/// benchmark against a real SMTP server, and reports the shipped wasm size. With `--quick`:
/// the speed table alone, with fewer samples.
pub fn bench(root: &Path, args: &[String]) -> Result<()> {
    let quick = match args {
        [] => false,
        [flag] if flag == "--quick" => true,
        _ => anyhow::bail!("usage: cargo xtask bench [--quick]"),
    };
    if quick {
        extension::build(root)?;
        let companion = release_companion(root)?;
        return run_e2e_bench(root, "speed", &companion, &["--quick"]);
    }
    shell::run(
        root,
        &shell::cargo(),
        &["bench", "--package", "balise-core", "--bench", "analyze"],
    )?;
    // The same analysis in CPU time, which the neighbours of a shared machine do not inflate.
    shell::run(
        root,
        &shell::cargo(),
        &[
            "run",
            "--release",
            "--package",
            "balise-core",
            "--example",
            "analysis_cost",
        ],
    )?;
    let built = extension::build(root)?;
    let companion = release_companion(root)?;
    for bench in ["speed", "memory", "report", "checklist", "mail"] {
        run_e2e_bench(root, bench, &companion, &[])?;
    }
    println!("Shipped wasm, one module per context:");
    built.print_sizes();
    Ok(())
}

/// Builds the companion as it ships, a release build, and returns its path.
fn release_companion(root: &Path) -> Result<std::path::PathBuf> {
    shell::run(
        root,
        &shell::cargo(),
        &["build", "--release", "--package", "balise-companion"],
    )?;
    Ok(shell::target_dir(root).join("release/balise-companion"))
}

/// Runs the end-to-end crate's benchmark `bench` with the release companion.
fn run_e2e_bench(root: &Path, bench: &str, companion: &Path, bench_args: &[&str]) -> Result<()> {
    let mut args = vec!["bench", "--package", "balise-e2e", "--bench", bench];
    if !bench_args.is_empty() {
        args.push("--");
        args.extend_from_slice(bench_args);
    }
    shell::run_tests(
        root,
        &shell::cargo(),
        &args,
        &[("BALISE_COMPANION_BIN", &companion.to_string_lossy())],
        &mut shell::TestCount::default(),
    )
}
