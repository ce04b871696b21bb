//! Builds the extension: one wasm module per context (content script, service worker,
//! extension pages: one cdylib crate each under `extension/contexts/`, over the extension
//! library with that context's feature), bindgen, wasm-opt, manifest and static shell, into
//! `target/extension/{chromium,firefox}/`, plus a zip file for each.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use balise_core::policy::Policy;

use crate::manifest::{self, Browser};
use crate::stamp::Stamp;
use crate::{content_script, js_fallback, prerequisites, shell, wasm_names, wasm_toolchain};

/// Each context's cdylib package is this followed by `-<context>`.
const CRATE_PREFIX: &str = "balise-extension";
/// The name the JS loaders import (`pkg/<context>/balise_extension.js`), whatever the context.
const WASM_NAME: &str = "balise_extension";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const WASM_PROFILE: &str = "wasm-release";
/// The target directory of the shipped modules' builds (`wasm_toolchain`), under `target/`.
const SHIPPED_TARGET_DIR: &str = "wasm-shipped";
/// Where the pure-JS copy for strict-CSP pages goes, beside `pkg/`.
const JS_FALLBACK_DIR: &str = "pkg-js";
/// The note a stamp keeps when `wasm-opt` ran on the wasm it stands for.
const OPTIMIZED: &str = "optimized";
/// The extension's contexts: each is a cargo feature of the extension library, a cdylib
/// package of its own (`balise-extension-<context>`) and a module in `pkg/<context>/`,
/// holding only that context's entry points.
pub const CONTEXTS: [&str; 3] = ["content", "worker", "pages"];
/// The context whose module also ships as pure JS (`pkg-js/`), for strict-CSP pages.
const JS_FALLBACK_CONTEXT: &str = "content";
/// The content script's context: its glue and wasm ship inside `content.js`, not in `pkg/`.
const CONTENT_CONTEXT: &str = "content";

/// One context's shipped module.
#[derive(Debug)]
pub struct ModuleSize {
    pub context: &'static str,
    pub wasm_bytes: u64,
    pub wasm_gzip_bytes: u64,
    pub js_glue_bytes: u64,
}

/// What a build produced, for the summary and for the callers (run, test, bench).
#[derive(Debug)]
pub struct BuildOutput {
    pub chromium_dir: PathBuf,
    pub firefox_dir: PathBuf,
    pub modules: Vec<ModuleSize>,
    /// The content script's pure-JS build (`pkg-js/`), gzipped.
    pub js_content_gzip_bytes: u64,
    /// The injected `content.js` (loader, glue and the module in base64), raw and gzipped.
    pub content_script_bytes: u64,
    pub content_script_gzip_bytes: u64,
}

impl BuildOutput {
    /// Prints each module's size, raw and gzipped.
    pub fn print_sizes(&self) {
        for module in &self.modules {
            println!(
                "  {:<8} wasm {:>7} bytes, {:>6} bytes gzipped ({:.1} KB); JS glue {} bytes",
                module.context,
                module.wasm_bytes,
                module.wasm_gzip_bytes,
                module.wasm_gzip_bytes as f64 / 1024.0,
                module.js_glue_bytes
            );
        }
        println!(
            "  content.js (loader, glue and the content module in base64): {} bytes, {} bytes gzipped",
            self.content_script_bytes, self.content_script_gzip_bytes
        );
        println!(
            "  content, pure-JS build (strict-CSP pages): {} bytes gzipped ({:.1} KB)",
            self.js_content_gzip_bytes,
            self.js_content_gzip_bytes as f64 / 1024.0
        );
    }
}

/// Version of the extension, the workspace's.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Builds both extensions and prints where they are.
pub fn build(root: &Path) -> Result<BuildOutput> {
    prerequisites::ensure_wasm_target()?;
    wasm_toolchain::ensure()?;
    let target_dir = shell::target_dir(root);
    let work = target_dir.join("extension").join(".work");
    let pkg = work.join("pkg");
    fs::create_dir_all(&pkg)?;
    let mut modules = Vec::new();
    let mut all_optimized = true;
    for context in CONTEXTS {
        let (module, optimized) = build_module(root, &work, context)?;
        all_optimized &= optimized;
        modules.push(module);
    }
    let pkg_js = work.join(JS_FALLBACK_DIR);
    let js_bundle = js_fallback::build(
        root,
        &context_package(JS_FALLBACK_CONTEXT),
        WASM_NAME,
        WASM_TARGET,
        WASM_PROFILE,
        &pkg_js,
    )?;

    let policy_json = default_policy_json()?;
    let out_root = target_dir.join("extension");
    for browser in Browser::ALL {
        assemble(root, &pkg, &out_root, browser, &policy_json)?;
    }

    let content_script = fs::read(
        out_root
            .join(Browser::Chromium.dir_name())
            .join(manifest::CONTENT_SCRIPT),
    )?;
    let output = BuildOutput {
        content_script_bytes: content_script.len() as u64,
        content_script_gzip_bytes: gzip_len(&content_script)?,
        chromium_dir: out_root.join(Browser::Chromium.dir_name()),
        firefox_dir: out_root.join(Browser::Firefox.dir_name()),
        modules,
        js_content_gzip_bytes: gzip_len(&fs::read(&js_bundle)?)?,
    };
    println!(
        "Extension built (v{}){}, one wasm module per context:",
        version(),
        if all_optimized {
            " (wasm-opt -Oz)"
        } else {
            " (NOT optimized: wasm-opt missing)"
        },
    );
    output.print_sizes();
    println!("  Chromium: {}", output.chromium_dir.display());
    println!("  Firefox:  {}", output.firefox_dir.display());
    Ok(output)
}

/// The cdylib package of `context`.
fn context_package(context: &str) -> String {
    format!("{CRATE_PREFIX}-{context}")
}

/// The file name (without `.wasm`) cargo gives the cdylib of `package`.
pub fn cdylib_name(package: &str) -> String {
    package.replace('-', "_")
}

/// Builds one context's module into `pkg/<context>/`: its cdylib package (the extension
/// library with that context's feature only), then bindgen and wasm-opt unless the wasm is
/// the one they last ran on. Cargo is run for one package at a time: built together, the
/// packages' features would be unified into one build of the library.
/// Returns its size and whether it is optimized.
fn build_module(root: &Path, work: &Path, context: &'static str) -> Result<(ModuleSize, bool)> {
    let package = context_package(context);
    let target_dir = shell::target_dir(root);
    let raw_wasm = wasm_toolchain::build(
        root,
        &package,
        WASM_TARGET,
        WASM_PROFILE,
        &target_dir.join(SHIPPED_TARGET_DIR),
        wasm_toolchain::RUSTFLAGS,
    )?;
    let pkg = work.join("pkg").join(context);
    let bindgen_wasm = pkg.join(format!("{WASM_NAME}_bg.wasm"));
    let glue = pkg.join(format!("{WASM_NAME}.js"));
    // Bindgen and wasm-opt take most of a build: they run again only for another wasm.
    let stamp = Stamp::new(
        work.join(format!("pkg-{context}.stamp")),
        &raw_wasm,
        concat!(include_str!("extension.rs"), include_str!("wasm_names.rs")),
    )?;
    let optimized = match stamp.fresh(&[&bindgen_wasm, &glue]) {
        Some(note) => {
            println!("==> wasm-bindgen and wasm-opt ({context}): the wasm is unchanged, kept");
            note == OPTIMIZED
        }
        None => {
            stamp.clear()?;
            recreate_dir(&pkg)?;
            println!(
                "==> wasm-bindgen ({context}; library, version-locked to the wasm-bindgen crate)"
            );
            let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
            bindgen.input_path(&raw_wasm).out_name(WASM_NAME);
            if context == CONTENT_CONTEXT {
                // A classic script's glue, defining one global, which `content.js` carries
                // (see `content_script`): nothing imported at run time.
                bindgen
                    .no_modules(true)
                    .and_then(|bindgen| bindgen.no_modules_global(content_script::GLUE_GLOBAL))
                    .map_err(|error| anyhow::anyhow!("{error:#}"))?;
            } else {
                bindgen
                    .web(true)
                    .map_err(|error| anyhow::anyhow!("{error:#}"))?;
            }
            bindgen
                .typescript(false)
                .generate(&pkg)
                .map_err(|error| anyhow::anyhow!("wasm-bindgen failed: {error:#}"))?;
            shorten_names(&bindgen_wasm, &glue)?;
            let optimized = optimize_wasm(root, &bindgen_wasm)?;
            stamp.record(if optimized { OPTIMIZED } else { "" })?;
            optimized
        }
    };
    let wasm = fs::read(&bindgen_wasm).context("reading the optimized wasm")?;
    let module = ModuleSize {
        context,
        wasm_bytes: wasm.len() as u64,
        wasm_gzip_bytes: gzip_len(&wasm)?,
        js_glue_bytes: fs::metadata(&glue)?.len(),
    };
    Ok((module, optimized))
}

fn recreate_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

/// Gives the imports and exports between `wasm` and its `glue` short names, in place (see
/// [`wasm_names`]).
fn shorten_names(wasm: &Path, glue: &Path) -> Result<()> {
    let bytes = fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let text = fs::read_to_string(glue).with_context(|| format!("reading {}", glue.display()))?;
    let (bytes, text) = wasm_names::shorten(&bytes, &text).with_context(|| {
        format!(
            "shortening the import and export names of {}",
            wasm.display()
        )
    })?;
    fs::write(wasm, bytes).with_context(|| format!("writing {}", wasm.display()))?;
    fs::write(glue, text).with_context(|| format!("writing {}", glue.display()))
}

/// Runs binaryen's `wasm-opt -Oz` in place. Returns whether it ran.
fn optimize_wasm(root: &Path, wasm: &Path) -> Result<bool> {
    let Some(wasm_opt) = prerequisites::wasm_opt(root)? else {
        eprintln!(
            "xtask: warning: wasm-opt not found (npm packages not installed); shipping unoptimized wasm. \
             Install Node.js and npm, then run `npm ci` in {}.",
            root.display()
        );
        return Ok(false);
    };
    let optimized = wasm.with_extension("opt.wasm");
    let wasm_arg = wasm.to_string_lossy();
    let out_arg = optimized.to_string_lossy();
    shell::run(
        root,
        &wasm_opt.to_string_lossy(),
        &[
            "-Oz",
            "--converge",
            // The features rustc enables by default for wasm32-unknown-unknown.
            "--enable-bulk-memory",
            "--enable-bulk-memory-opt",
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-reference-types",
            "--enable-multivalue",
            // Addresses 0..1023 are the deepest kilobyte of Rust's 1 MiB stack (rustc links
            // the stack first, data from 1 MiB): never reached, so `x + C` may be folded into
            // a load's offset even where `x + C` could wrap (Emscripten's default). About
            // 0.7 KB gzipped of the content module.
            "--low-memory-unused",
            "--strip-debug",
            "--strip-producers",
            &wasm_arg,
            "-o",
            &out_arg,
        ],
    )?;
    fs::rename(&optimized, wasm)?;
    Ok(true)
}

/// The built-in policy as JSON, for the extension to use until a companion provides one.
fn default_policy_json() -> Result<String> {
    let policy = Policy::sec_csq_default();
    Ok(serde_json::to_string_pretty(&policy)?)
}

fn assemble(
    root: &Path,
    pkg: &Path,
    out_root: &Path,
    browser: Browser,
    policy_json: &str,
) -> Result<()> {
    let dir = out_root.join(browser.dir_name());
    recreate_dir(&dir)?;
    copy_tree(&root.join("extension").join("static"), &dir)?;
    for context in CONTEXTS
        .into_iter()
        .filter(|context| *context != CONTENT_CONTEXT)
    {
        copy_tree(&pkg.join(context), &dir.join("pkg").join(context))?;
    }
    // The content script: the loader with the content module's glue and bytes, one file.
    let content_pkg = pkg.join(CONTENT_CONTEXT);
    let script = content_script::assemble(
        &fs::read_to_string(content_pkg.join(format!("{WASM_NAME}.js")))?,
        &fs::read(content_pkg.join(format!("{WASM_NAME}_bg.wasm")))?,
        &fs::read_to_string(
            root.join("extension")
                .join("static")
                .join(manifest::CONTENT_SCRIPT),
        )?,
    );
    fs::write(dir.join(manifest::CONTENT_SCRIPT), script)?;
    copy_tree(
        &pkg.with_file_name(JS_FALLBACK_DIR),
        &dir.join(JS_FALLBACK_DIR),
    )?;
    let manifest = manifest::manifest(browser, version());
    fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    fs::write(dir.join("default-policy.json"), policy_json)?;
    fs::write(
        dir.join(manifest::DETECTOR_SCRIPT),
        manifest::detector_script(),
    )?;
    let zip_path = out_root.join(format!("balise-{}-{}.zip", browser.dir_name(), version()));
    zip_dir(&dir, &zip_path)?;
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Every file under `dir`, sorted, as paths relative to it with `/` separators.
fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)?
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                files.push((relative, path));
            }
        }
    }
    files.sort();
    Ok(files)
}

fn zip_dir(dir: &Path, zip_path: &Path) -> Result<()> {
    let file = fs::File::create(zip_path)?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, path) in files_under(dir)? {
        zip.start_file(name, options)?;
        zip.write_all(&fs::read(&path)?)?;
    }
    zip.finish()?;
    Ok(())
}

/// Size of `bytes` once gzipped at the best level, as a web server would send them.
pub fn gzip_len(bytes: &[u8]) -> Result<u64> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len() as u64)
}
