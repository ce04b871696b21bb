//! The toolchain the shipped wasm modules are built with: a pinned nightly that builds the
//! standard library from source (`-Zbuild-std`) with panics that trap at once.
//!
//! Why: on stable, the standard library is precompiled with panic messages, their source
//! locations and the formatting machinery they reach (`core::fmt`, `char`'s `Debug` with its
//! printable tables, reached by every `str` slice that can fail). In the extension a panic
//! traps either way (the wasm profile is `panic = "abort"`, and the JavaScript that called
//! in sees a `RuntimeError`); only the message is lost, and the loader logs the error. Built
//! this way each module is about 10 KB gzipped smaller (BENCHMARKS.md, *Shipped with a
//! pinned nightly*).
//!
//! The nightly is pinned by date, so a build does not change with the day it runs; rustup
//! installs it (with `rust-src`, which `-Zbuild-std` compiles) when missing. The unit tests,
//! clippy and the host builds stay on the stable toolchain; these builds get a target
//! directory of their own, so neither rebuilds the other's artifacts.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::shell;

/// The pinned nightly (rustc 1.101.0-nightly, 2026-10-29).
pub const TOOLCHAIN: &str = "nightly-2026-10-30";

/// Flags for every shipped wasm build. RUSTFLAGS replaces the target's `rustflags` of
/// `.cargo/config.toml`, so sha2's compact backend is asked for here too.
/// - `-Cpanic=immediate-abort`: a panic is a trap, with no message formatted;
/// - `-Zlocation-detail=none`: no file, line and column kept for `#[track_caller]`.
///
/// Not `-Zfmt-debug=none`: the extension formats JavaScript errors with `Debug` where they
/// are not strings (shown to the person in the options page).
pub const RUSTFLAGS: &str = "--cfg sha2_backend_soft=\"compact\" \
     -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none";

/// What `-Zbuild-std` compiles: `panic_abort` is the runtime `-Cpanic=immediate-abort` links.
const BUILD_STD: &str = "-Zbuild-std=std,panic_abort";

/// The standard library's features for these builds: `optimize_for_size` picks its smaller
/// code for sorting, float parsing, integer formatting, rotation and character counting
/// (measured: the service worker's module about 5 KB smaller gzipped, the content
/// module's 0.5 KB). The keystroke path sorts with its own heapsort and counts nothing
/// long, so the slower variants do not reach it.
const BUILD_STD_FEATURES: &str = "-Zbuild-std-features=optimize_for_size";

/// Installs [`TOOLCHAIN`] with `rust-src` when rustup lacks either.
pub fn ensure() -> Result<()> {
    let Some(toolchains) = shell::output("rustup", &["toolchain", "list"]) else {
        bail!(
            "rustup is needed to build the extension's wasm: it installs the pinned toolchain \
             {TOOLCHAIN} (https://rustup.rs)"
        );
    };
    let installed = toolchains
        .lines()
        .any(|line| line.starts_with(&format!("{TOOLCHAIN}-")) || line.trim() == TOOLCHAIN);
    let has_source = installed
        && shell::output(
            "rustup",
            &["component", "list", "--installed", "--toolchain", TOOLCHAIN],
        )
        .is_some_and(|list| list.lines().any(|line| line.trim() == "rust-src"));
    if has_source {
        return Ok(());
    }
    shell::run(
        Path::new("."),
        "rustup",
        &[
            "toolchain",
            "install",
            TOOLCHAIN,
            "--profile",
            "minimal",
            "--component",
            "rust-src",
        ],
    )
    .with_context(|| {
        format!(
            "the extension's wasm is built with {TOOLCHAIN} and its rust-src: install them with \
             `rustup toolchain install {TOOLCHAIN} --profile minimal --component rust-src`"
        )
    })
}

/// Builds `package` for `target` with `profile`, [`TOOLCHAIN`] and `rustflags`, into
/// `target_dir`. Returns the path of the cdylib it wrote (`<name>.wasm`).
pub fn build(
    root: &Path,
    package: &str,
    target: &str,
    profile: &str,
    target_dir: &Path,
    rustflags: &str,
) -> Result<PathBuf> {
    println!("==> cargo build --package {package} ({TOOLCHAIN}, {BUILD_STD} {BUILD_STD_FEATURES})");
    let status = Command::new("rustup")
        .args([
            "run",
            TOOLCHAIN,
            "cargo",
            "build",
            BUILD_STD,
            BUILD_STD_FEATURES,
        ])
        .args([
            "--package",
            package,
            "--target",
            target,
            "--profile",
            profile,
        ])
        .arg("--target-dir")
        .arg(target_dir)
        .env("RUSTFLAGS", rustflags)
        // Set by the cargo that runs xtask; they would point this build at the stable tools.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .env_remove("CARGO")
        .current_dir(root)
        .status()
        .context("could not start rustup")?;
    if !status.success() {
        bail!("the wasm build of {package} with {TOOLCHAIN} failed ({status})");
    }
    Ok(target_dir
        .join(target)
        .join(profile)
        .join(format!("{}.wasm", crate::extension::cdylib_name(package))))
}
