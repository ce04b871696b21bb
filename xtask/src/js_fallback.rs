//! Builds the pure-JavaScript copy of the extension's Rust code, for the content script on
//! pages whose Content-Security-Policy forbids WebAssembly.
//!
//! Chromium applies the page's CSP to a content script's `WebAssembly.compile`, so a page
//! sending `script-src 'self'` without `'wasm-unsafe-eval'` cannot run the wasm build. The
//! same crate is compiled for the WebAssembly MVP (so wasm-bindgen emits no `externref`
//! table), with the shipped modules' toolchain (`wasm_toolchain`: the standard library is
//! built from source for the MVP too), its `target_features` section is dropped (a
//! precompiled standard library declares reference types, which would turn the externref
//! pass back on; kept as a safeguard), bindgen
//! writes bundler-style glue, and binaryen's `wasm2js` turns the module into an ES module
//! that the glue imports instead of the `.wasm` file. esbuild then bundles glue and module
//! into one classic script ([`BUNDLE`]) defining the global [`GLOBAL`]: the service worker
//! runs it in a content script's frame on request (`scripting.executeScript`), so it needs
//! no web-accessible address that a page could probe.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::stamp::Stamp;
use crate::{prerequisites, shell, wasm_toolchain};

/// Features the MVP build enables: only those wasm2js can lower. Not `nontrapping-fptoint`:
/// wasm2js leaves `i64.trunc_sat_f64_s` unlowered and its output fails validation. It is
/// turned off by name too: `target-cpu=mvp` alone left it on once the content module
/// became a cdylib crate over the extension library (its code then reaches the linker as
/// bitcode only, and LTO's code generation enabled the feature). Added to the shipped
/// modules' flags (`wasm_toolchain::RUSTFLAGS`): with `-Zbuild-std` the standard library is
/// compiled for the MVP too.
const MVP_RUSTFLAGS: &str = "-C target-cpu=mvp \
     -C target-feature=+mutable-globals,+bulk-memory,+sign-ext,-nontrapping-fptoint";

const BINARYEN_FEATURES: [&str; 4] = [
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
];

/// The one file the build leaves in its output directory (the worker's `SCRIPT_ENGINE`
/// names it too).
pub const BUNDLE: &str = "balise_content.js";
/// The global the bundle defines in the isolated world it runs in, which the content
/// script loader (`extension/static/content.js`) reads.
const GLOBAL: &str = "baliseContentEngine";

/// Builds the JS copy of the cdylib `package` (the content script's) into `out_dir` as one
/// classic script, [`BUNDLE`], and returns its path.
pub fn build(
    root: &Path,
    package: &str,
    wasm_name: &str,
    wasm_target: &str,
    profile: &str,
    out_dir: &Path,
) -> Result<PathBuf> {
    let Some(wasm_opt) = prerequisites::wasm_opt(root)? else {
        bail!(
            "wasm-opt and wasm2js are needed for the strict-CSP build: run `npm ci` in {}",
            root.display()
        );
    };
    let wasm2js = wasm_opt.with_file_name("wasm2js");
    // A target directory of its own: other RUSTFLAGS would otherwise rebuild the shipped one.
    let target_dir = shell::target_dir(root).join("wasm-mvp");
    println!("==> the WebAssembly MVP build, for the pure-JS content script");
    let rustflags = format!("{MVP_RUSTFLAGS} {}", wasm_toolchain::RUSTFLAGS);
    let raw = wasm_toolchain::build(root, package, wasm_target, profile, &target_dir, &rustflags)?;
    let work = shell::target_dir(root).join("extension").join(".work-js");
    fs::create_dir_all(&work)?;
    // The ES modules (glue and wasm2js output) that the bundle is made of.
    let modules = work.join("modules");
    let glue = modules.join(format!("{wasm_name}.js"));
    let bg_glue = modules.join(format!("{wasm_name}_bg.js"));
    let bg_js = modules.join(format!("{wasm_name}_bg.wasm.js"));
    let bundle = out_dir.join(BUNDLE);
    // wasm2js takes about a minute: it runs again only for another wasm.
    let stamp = Stamp::new(
        work.join("pkg-js.stamp"),
        &raw,
        include_str!("js_fallback.rs"),
    )?;
    if stamp.fresh(&[&bundle]).is_some() {
        println!("==> wasm2js: the MVP wasm is unchanged, kept");
        return Ok(bundle);
    }
    stamp.clear()?;
    let stripped = work.join(format!("{wasm_name}.wasm"));
    run_npm_tool(
        root,
        &wasm_opt,
        &[
            path_arg(&raw),
            "--strip-target-features".into(),
            "--enable-reference-types".into(),
            "-o".into(),
            path_arg(&stripped),
        ],
    )?;

    for dir in [&modules, out_dir] {
        if dir.exists() {
            fs::remove_dir_all(dir)?;
        }
        fs::create_dir_all(dir)?;
    }
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&stripped)
        .out_name(wasm_name)
        .bundler(true)
        .map_err(|error| anyhow::anyhow!("{error:#}"))?
        .typescript(false)
        .generate(&modules)
        .map_err(|error| anyhow::anyhow!("wasm-bindgen (bundler) failed: {error:#}"))?;

    let bg_wasm = modules.join(format!("{wasm_name}_bg.wasm"));
    let mut args = vec![
        path_arg(&bg_wasm),
        "-Oz".into(),
        "-o".into(),
        path_arg(&bg_js),
    ];
    args.extend(BINARYEN_FEATURES.iter().map(|flag| (*flag).to_owned()));
    run_npm_tool(root, &wasm2js, &args)?;
    fs::remove_file(&bg_wasm)?;

    // Point the glue at the JS module instead of the `.wasm` file.
    let text = fs::read_to_string(&glue)?;
    let from = format!("\"./{wasm_name}_bg.wasm\"");
    if !text.contains(&from) {
        bail!("the bundler glue no longer imports {from}: the wasm2js step needs updating");
    }
    fs::write(
        &glue,
        text.replace(&from, &format!("\"./{wasm_name}_bg.wasm.js\"")),
    )?;

    // The glue notices a grown memory by its old views becoming detached, which is true of
    // WebAssembly memory only: wasm2js's memory grows into a new ArrayBuffer and leaves the
    // old one intact, so stale views would read freed bytes. Compare the buffers instead.
    // (Browsers that know `ArrayBuffer.prototype.detached` skip the glue's own buffer
    // comparison for its DataView, so that check is replaced too.)
    let mut text = fs::read_to_string(&bg_glue)?;
    let fresh = "X.buffer !== wasm.memory.buffer";
    for (stale, view) in [
        (
            "cachedUint8ArrayMemory0.byteLength === 0",
            "cachedUint8ArrayMemory0",
        ),
        (
            "cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)",
            "cachedDataViewMemory0",
        ),
    ] {
        if !text.contains(stale) {
            bail!("the glue no longer checks `{stale}`: the wasm2js memory fix needs updating");
        }
        text = text.replace(stale, &fresh.replace('X', view));
    }
    if text.contains(".byteLength === 0") || text.contains("detached === true") {
        bail!("the glue has a memory view this build does not fix: update the wasm2js step");
    }
    fs::write(&bg_glue, text)?;
    bundle_classic_script(root, &glue, &bundle)?;
    stamp.record("")?;
    Ok(bundle)
}

/// Bundles the ES module `entry` and what it imports into `out`, one minified classic
/// script that defines [`GLOBAL`] (its exports) where it runs.
fn bundle_classic_script(root: &Path, entry: &Path, out: &Path) -> Result<()> {
    let esbuild = root.join("node_modules").join(".bin").join("esbuild");
    if !esbuild.exists() {
        bail!(
            "esbuild is needed for the strict-CSP build: run `npm ci` in {}",
            root.display()
        );
    }
    println!("==> esbuild (the pure-JS content script, one classic script)");
    run_npm_tool(
        root,
        &esbuild,
        &[
            path_arg(entry),
            "--bundle".into(),
            "--format=iife".into(),
            format!("--global-name={GLOBAL}"),
            "--minify".into(),
            "--target=chrome120,firefox115".into(),
            "--log-level=warning".into(),
            format!("--outfile={}", out.display()),
        ],
    )
}

/// Runs one of the npm tools (binaryen's, esbuild) with `args`.
fn run_npm_tool(root: &Path, program: &Path, args: &[String]) -> Result<()> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    shell::run(root, &program.to_string_lossy(), &args)
}

fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
