//! `cargo xtask bench`: the numbers the README quotes, each from a command in this repository.

use std::path::Path;

use anyhow::Result;

use crate::{extension, shell};

/// Runs the draft-analysis benchmark (criterion's wall-clock, then CPU time per analysis), then in headless Chromium the report click-to-stored
/// benchmark and the checklist's keystroke and start-up benchmark, then the email
/// stored-to-accepted benchmark against a real SMTP server, and reports the shipped wasm size.
pub fn bench(root: &Path) -> Result<()> {
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
    // The companion as it ships: a release build.
    shell::run(
        root,
        &shell::cargo(),
        &["build", "--release", "--package", "balise-companion"],
    )?;
    let companion = shell::target_dir(root).join("release/balise-companion");
    for bench in ["report", "checklist", "mail"] {
        shell::run_tests(
            root,
            &shell::cargo(),
            &["bench", "--package", "balise-e2e", "--bench", bench],
            &[("BALISE_COMPANION_BIN", &companion.to_string_lossy())],
            &mut shell::TestCount::default(),
        )?;
    }
    println!("Shipped wasm, one module per context:");
    built.print_sizes();
    Ok(())
}
