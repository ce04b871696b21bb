//! `cargo xtask fixtures`: bundles the site fixture pages' scripts (the real editor
//! libraries) with esbuild into `<target>/fixtures/sites/`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::{prerequisites, shell};

/// The fixture scripts' sources: every `*.js` / `*.jsx` directly in this folder is an entry.
const SOURCES: &str = "tests/fixtures/sites/src";

/// The cargo target directory: `CARGO_TARGET_DIR` when set (relative to `root` if relative),
/// else `<root>/target`. The end-to-end tests look for the bundles at the same place.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

/// Bundles every fixture entry script into `<target>/fixtures/sites/<name>.js` (plus a
/// `<name>.css` when the script imports a stylesheet).
pub fn build(root: &Path) -> Result<()> {
    prerequisites::ensure_npm_packages(root)?;
    let esbuild = root.join("node_modules").join(".bin").join("esbuild");
    if !esbuild.exists() {
        bail!(
            "{} is missing: run `npm ci` in {}",
            esbuild.display(),
            root.display()
        );
    }
    let sources = root.join(SOURCES);
    let mut entries = Vec::new();
    for entry in
        std::fs::read_dir(&sources).with_context(|| format!("reading {}", sources.display()))?
    {
        let path = entry?.path();
        let is_script = matches!(
            path.extension().and_then(|ext| ext.to_str()),
            Some("js") | Some("jsx")
        );
        if path.is_file() && is_script {
            entries.push(path.to_string_lossy().into_owned());
        }
    }
    if entries.is_empty() {
        bail!("no fixture scripts in {}", sources.display());
    }
    entries.sort();
    let out_dir = target_dir(root).join("fixtures").join("sites");
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let out_arg = format!("--outdir={}", out_dir.display());
    let mut args: Vec<&str> = entries.iter().map(String::as_str).collect();
    args.extend([
        "--bundle",
        "--format=iife",
        "--minify",
        "--target=chrome120",
        "--jsx=automatic",
        "--conditions=production",
        "--define:process.env.NODE_ENV=\"production\"",
        "--define:global=globalThis",
        "--log-level=warning",
        &out_arg,
    ]);
    let esbuild = esbuild.to_string_lossy().into_owned();
    shell::run(root, &esbuild, &args)?;
    println!(
        "==> {} fixture scripts bundled into {}",
        entries.len(),
        out_dir.display()
    );
    Ok(())
}
