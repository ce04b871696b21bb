//! The pure-JS build (for pages whose CSP forbids WebAssembly) gives exactly the analyses
//! of the wasm build, on drafts long enough to grow its memory (a stale memory view once
//! corrupted every draft over about 1,500 characters there).

use std::process::Command;

use anyhow::{Context, Result, ensure};
use balise_e2e::browser::chromium_extension_dir;
use balise_e2e::workspace_root;

#[test]
fn pure_js_build_analyzes_like_the_wasm_build() -> Result<()> {
    let extension = chromium_extension_dir()?;
    let sample = balise_core::sample::realistic_french_post();
    let mut drafts: Vec<String> = [100, 1_000, 1_500, 2_500, 5_000, 20_000]
        .into_iter()
        .map(|chars| sample.chars().cycle().take(chars).collect())
        .collect();
    drafts.push("Appelez-moi au 418 555-0199 ou lisez https://bit.ly/abc123 — équipe".into());
    let work = tempfile::tempdir()?;
    let drafts_path = work.path().join("drafts.json");
    std::fs::write(&drafts_path, serde_json::to_string(&drafts)?)?;
    let output = Command::new("node")
        .arg("--disable-warning=MODULE_TYPELESS_PACKAGE_JSON")
        .arg(workspace_root().join("tests/js/compare-engines.mjs"))
        .arg(&extension)
        .arg(extension.join("default-policy.json"))
        .arg(&drafts_path)
        .output()
        .context("running node (Node.js is needed for the fixtures anyway)")?;
    ensure!(
        output.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(lines.len(), drafts.len());
    for (line, draft) in lines.iter().zip(&drafts) {
        let wasm = &line["wasm"];
        assert!(wasm.get("error").is_none(), "wasm build failed: {wasm}");
        assert!(
            wasm["findings"].as_array().is_some_and(|f| !f.is_empty()),
            "the draft of {} characters has findings",
            draft.chars().count()
        );
        assert_eq!(
            &line["js"],
            wasm,
            "the pure-JS build differs on a draft of {} characters",
            draft.chars().count()
        );
    }
    Ok(())
}
