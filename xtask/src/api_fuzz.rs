//! `cargo xtask api-fuzz [--max-examples N] [--no-install]`: schemathesis (PyPI, in a venv
//! under `<target>/tools`) against the real companion binary over a fresh data directory,
//! with a valid token, driven by the companion's own OpenAPI document.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::{prerequisites, shell};

/// Examples per operation of `cargo xtask api-fuzz` without `--max-examples`.
const DEFAULT_MAX_EXAMPLES: u32 = 100;
/// Examples per operation of the short run in `cargo xtask test`.
pub const SHORT_MAX_EXAMPLES: u32 = 10;

/// The command: parses its options, then [`run`].
pub fn api_fuzz(root: &Path, args: &[String]) -> Result<()> {
    let mut max_examples = DEFAULT_MAX_EXAMPLES;
    let mut install = true;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-install" => install = false,
            "--max-examples" => {
                let value = args.next().context("--max-examples needs a number")?;
                max_examples = value
                    .parse()
                    .with_context(|| format!("--max-examples {value}: not a number"))?;
            }
            other => bail!("unknown option `{other}` for `cargo xtask api-fuzz`"),
        }
    }
    let schemathesis = prerequisites::ensure_schemathesis(root, install)?;
    shell::run(
        root,
        &shell::cargo(),
        &["build", "--package", "balise-companion"],
    )?;
    run(root, &schemathesis, max_examples)
}

/// Starts the built companion over a fresh data directory, runs schemathesis against it
/// with `max_examples` per operation, and stops it. Fails unless schemathesis finds nothing.
pub fn run(root: &Path, schemathesis: &Path, max_examples: u32) -> Result<()> {
    let target = shell::target_dir(root);
    let binary = target.join("debug").join("balise-companion");
    let data_dir = target
        .join("tools")
        .join(format!("api-fuzz-data-{}", std::process::id()));
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir)?;
    }
    std::fs::create_dir_all(&data_dir)?;
    let result = fuzz_companion(root, &binary, &data_dir, schemathesis, max_examples);
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

/// The companion process, stopped when dropped.
struct Companion(Child);

impl Drop for Companion {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn fuzz_companion(
    root: &Path,
    binary: &Path,
    data_dir: &Path,
    schemathesis: &Path,
    max_examples: u32,
) -> Result<()> {
    let data = data_dir.to_string_lossy().into_owned();
    let mut child = Command::new(binary)
        .args(["serve", "--data-dir", &data, "--port", "0"])
        // Fuzzing writes far more than a person: the write rate must not hide the handlers.
        .env("BALISE_WRITE_BURST", "1000000")
        .env("BALISE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let stdout = child.stdout.take().context("the companion's stdout")?;
    let companion = Companion(child);
    let mut first = String::new();
    let mut lines = BufReader::new(stdout);
    lines.read_line(&mut first)?;
    let Some(base) = first
        .trim()
        .strip_prefix("Balise companion listening on ")
        .map(str::to_owned)
    else {
        bail!("the companion did not start: {first:?}");
    };
    // Keep reading its stdout so that it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while lines.read_line(&mut sink).is_ok_and(|read| read > 0) {
            sink.clear();
        }
    });
    let token = Command::new(binary)
        .args(["token", "--data-dir", &data])
        .output()
        .context("balise-companion token")?;
    if !token.status.success() {
        bail!("balise-companion token failed");
    }
    let token = String::from_utf8(token.stdout)?.trim().to_owned();
    let config = root
        .join("companion")
        .join("tests")
        .join("schemathesis.toml");
    let max_examples = max_examples.to_string();
    let schema = format!("{base}/api/openapi.json");
    println!("==> schemathesis against {schema} ({max_examples} examples per operation)");
    let status = Command::new(schemathesis)
        // Its cache (`.schemathesis/`) goes with the data directory, not into the repository.
        .current_dir(data_dir)
        .env("BALISE_API_TOKEN", &token)
        .args(["--config-file"])
        .arg(&config)
        .args([
            "run",
            &schema,
            "--url",
            &base,
            "--max-examples",
            &max_examples,
            "--seed",
            "1",
        ])
        .status()
        .context("running schemathesis")?;
    drop(companion);
    if !status.success() {
        bail!("schemathesis found failures (above)");
    }
    Ok(())
}
