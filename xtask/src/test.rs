//! `cargo xtask test`: every check CI runs, in order, installing what a fresh machine lacks,
//! with short versions of the crash test, the load benchmark and the fuzz targets.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::{
    api_fuzz, crash, extension, fixtures, fuzz, load, prerequisites, shell, stress_client,
};

/// Runs formatting and clippy checks, unit tests, then the end-to-end tests in headless
/// Chromium and Firefox.
pub fn test(root: &Path, args: &[String]) -> Result<()> {
    let install = !args.iter().any(|arg| arg == "--no-install");
    if let Some(unknown) = args.iter().find(|arg| *arg != "--no-install") {
        bail!("unknown option `{unknown}` for `cargo xtask test`");
    }
    let cargo = shell::cargo();

    prerequisites::ensure_wasm_target()?;
    if install {
        prerequisites::ensure_npm_packages(root)?;
    }
    let (chromium, chromedriver) = prerequisites::ensure_chromium(install)?;
    let (firefox, geckodriver) = prerequisites::ensure_firefox(root, install)?;
    let smtp_python = prerequisites::ensure_smtp_server(root, install)?;
    let schemathesis = prerequisites::ensure_schemathesis(root, install)?;
    let cargo_fuzz = fuzz::ensure_cargo_fuzz(root, install)?;

    shell::run(root, &cargo, &["fmt", "--all", "--check"])?;
    shell::run(
        root,
        &cargo,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    shell::run(
        root,
        &cargo,
        &[
            "clippy",
            "--package",
            "balise-extension",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    let mut count = shell::TestCount::default();
    shell::run_tests(
        root,
        &cargo,
        &["test", "--workspace", "--exclude", "balise-e2e"],
        &[],
        &mut count,
    )?;

    extension::build(root)?;
    let companion = stress_client::build_companion(root, false)?;
    // A short API fuzzing run: the full one is `cargo xtask api-fuzz`.
    api_fuzz::run(root, &schemathesis, api_fuzz::SHORT_MAX_EXAMPLES)?;
    stress_runs(root, &companion, &cargo_fuzz)?;
    fixtures::build(root)?;
    let chromium = chromium.to_string_lossy().into_owned();
    let chromedriver = chromedriver.to_string_lossy().into_owned();
    let firefox = firefox.to_string_lossy().into_owned();
    let geckodriver = geckodriver.to_string_lossy().into_owned();
    let smtp_python = smtp_python.to_string_lossy().into_owned();
    println!(
        "==> end-to-end tests (Chromium: {chromium}, ChromeDriver: {chromedriver}; \
         Firefox: {firefox}, geckodriver: {geckodriver}; SMTP server's Python: {smtp_python})"
    );
    let e2e_args = [
        "test",
        "--package",
        "balise-e2e",
        "--tests",
        "--no-fail-fast",
        "--",
        "--test-threads=1",
    ];
    let e2e_env = [
        ("BALISE_CHROMIUM", chromium.as_str()),
        ("BALISE_CHROMEDRIVER", chromedriver.as_str()),
        ("BALISE_FIREFOX", firefox.as_str()),
        ("BALISE_GECKODRIVER", geckodriver.as_str()),
        ("BALISE_SMTP_PYTHON", smtp_python.as_str()),
    ];
    // The first run's result is the result: a flaky test is a bug to find, not to rerun.
    let mut e2e_count = shell::TestCount::default();
    shell::run_tests(root, &cargo, &e2e_args, &e2e_env, &mut e2e_count)?;
    count.passed += e2e_count.passed;
    count.failed += e2e_count.failed;
    println!("All checks passed.");
    // The closing line CI reads.
    println!("{} passed, {} failed", count.passed, count.failed);
    Ok(())
}

/// The short versions of the crash test, the load benchmark and the fuzz targets: each
/// fails the test command on its first failure (no rerun); the load run's timings are
/// printed, never judged.
fn stress_runs(root: &Path, companion: &Path, cargo_fuzz: &Path) -> Result<()> {
    let started = Instant::now();
    crash::run(
        root,
        companion,
        crash::Options {
            reports: 300,
            kills: 5,
            clients: 8,
            seed: stress_client::Rng::clock_seed(),
        },
    )
    .context("the short crash test failed")?;
    println!(
        "(short crash test: {:.0} s)",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    load::run(
        root,
        companion,
        load::Options {
            reports: 100,
            clients: 20,
            screenshot_bytes: 300 * 1024,
        },
    )
    .context("the short load run failed")?;
    println!("(short load run: {:.0} s)", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let targets: Vec<String> = fuzz::TARGETS.iter().map(|t| (*t).to_owned()).collect();
    fuzz::run(root, cargo_fuzz, &targets, 8, fuzz::Build::Quick)
        .context("the short fuzz run failed")?;
    println!(
        "(short fuzz run, build included: {:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
