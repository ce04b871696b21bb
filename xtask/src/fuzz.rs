//! `cargo xtask fuzz`: runs each cargo-fuzz target of `fuzz/` (libFuzzer, nightly, address
//! sanitizer, debug assertions on) for a set time, from seed corpora written from the
//! repository's own samples; a crash, panic, timeout or OOM fails the run with its input.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use balise_core::policy::Policy;

use crate::shell;
use crate::stress_client::{Report, Rng};

/// The targets in `fuzz/fuzz_targets/`, in the order they run.
pub const TARGETS: &[&str] = &[
    "analyze",
    "policy_toml",
    "policy_json",
    "report",
    "package_import",
];

/// The cargo-fuzz release installed into `<target>/tools` (pinned: every machine fuzzes alike).
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// The toolchain cargo-fuzz needs for `-Zsanitizer`.
const NIGHTLY: &str = "nightly";

const USAGE: &str = "cargo xtask fuzz [--seconds N] [TARGET...]";

/// What one target's run did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The target.
    pub target: String,
    /// Inputs libFuzzer ran (its `Done N runs` line).
    pub runs: u64,
    /// Seconds it ran.
    pub seconds: f64,
}

/// `cargo xtask fuzz [--seconds N] [TARGET...]`: every target (or those named) for N seconds
/// each (default 60).
pub fn fuzz(root: &Path, args: &[String]) -> Result<()> {
    let mut seconds = 60;
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .with_context(|| format!("--seconds needs a value ({USAGE})"))?
                    .parse()?
            }
            target if TARGETS.contains(&target) => targets.push(target.to_owned()),
            other => bail!(
                "unknown option or target `{other}` ({USAGE}; targets: {})",
                TARGETS.join(", ")
            ),
        }
    }
    if targets.is_empty() {
        targets = TARGETS.iter().map(|t| (*t).to_owned()).collect();
    }
    let cargo_fuzz = ensure_cargo_fuzz(root, true)?;
    run(root, &cargo_fuzz, &targets, seconds, Build::Optimized)?;
    Ok(())
}

/// How the targets are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// Optimized, with debug assertions: many more inputs a second (`cargo xtask fuzz`).
    Optimized,
    /// Unoptimized (`--dev`): builds in a fraction of the time, for the test command's short
    /// run, where the build costs more than the seconds of fuzzing.
    Quick,
}

/// Builds the targets, writes the seeds, and runs each target for `seconds`.
pub fn run(
    root: &Path,
    cargo_fuzz: &Path,
    targets: &[String],
    seconds: u64,
    how: Build,
) -> Result<Vec<Outcome>> {
    let work = shell::target_dir(root).join("fuzz");
    let build_dir = work.join("build");
    let started = Instant::now();
    let mut build = fuzz_command(root, cargo_fuzz, "build", &build_dir, how);
    println!("==> cargo +{NIGHTLY} fuzz build ({how:?}, all targets)");
    let status = build.status().context("starting cargo-fuzz")?;
    if !status.success() {
        bail!("building the fuzz targets failed ({status})");
    }
    println!(
        "fuzz targets built in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    write_seeds(root, &work.join("seeds"))?;
    let mut outcomes = Vec::new();
    for target in targets {
        outcomes.push(run_target(root, cargo_fuzz, &work, target, seconds, how)?);
    }
    for outcome in &outcomes {
        println!(
            "fuzz {}: {} inputs in {:.0} s, no crash",
            outcome.target, outcome.runs, outcome.seconds
        );
    }
    Ok(outcomes)
}

/// `cargo fuzz SUBCOMMAND` on the nightly toolchain, from `fuzz/`, building into `build_dir`.
fn fuzz_command(
    root: &Path,
    cargo_fuzz: &Path,
    subcommand: &str,
    build_dir: &Path,
    how: Build,
) -> Command {
    let mut command = Command::new(cargo_fuzz);
    command.args(["fuzz", subcommand]);
    match how {
        Build::Optimized => command.arg("--debug-assertions"),
        Build::Quick => command.arg("--dev"),
    };
    command
        .arg("--target-dir")
        .arg(build_dir)
        .current_dir(root.join("fuzz"))
        // cargo-fuzz runs `cargo`: the rustup proxy, told to use nightly.
        .env("RUSTUP_TOOLCHAIN", NIGHTLY)
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR");
    command
}

/// Runs one target for `seconds` from its seeds; fails with the finding if libFuzzer does.
fn run_target(
    root: &Path,
    cargo_fuzz: &Path,
    work: &Path,
    target: &str,
    seconds: u64,
    how: Build,
) -> Result<Outcome> {
    let corpus = work.join("corpus").join(target);
    let seeds = work.join("seeds").join(target);
    let artifacts = work.join("artifacts").join(target);
    let logs = work.join("logs");
    for dir in [&corpus, &artifacts, &logs] {
        std::fs::create_dir_all(dir)?;
    }
    let log_path = logs.join(format!("{target}.log"));
    println!(
        "==> cargo fuzz run {target} for {seconds} s (log: {})",
        log_path.display()
    );
    let mut command = fuzz_command(root, cargo_fuzz, "run", &work.join("build"), how);
    command
        .arg(target)
        .arg(&corpus)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-timeout=10")
        .arg("-rss_limit_mb=2048")
        .arg("-print_final_stats=1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().context("starting cargo-fuzz")?;
    let mut log = std::fs::File::create(&log_path)?;
    let mut tail: Vec<String> = Vec::new();
    let mut runs = None;
    // libFuzzer writes to stderr; cargo-fuzz's own messages go to stdout.
    let stdout = child.stdout.take();
    let stdout_thread = std::thread::spawn(move || {
        let mut lines = Vec::new();
        if let Some(stdout) = stdout {
            lines.extend(BufReader::new(stdout).lines().map_while(Result::ok));
        }
        lines
    });
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            writeln!(log, "{line}")?;
            if let Some(done) = line.strip_prefix("Done ") {
                runs = done.split_whitespace().next().and_then(|n| n.parse().ok());
            }
            tail.push(line);
            if tail.len() > 60 {
                tail.remove(0);
            }
        }
    }
    let status = child.wait()?;
    let stdout_lines = stdout_thread.join().unwrap_or_default();
    for line in &stdout_lines {
        writeln!(log, "{line}")?;
    }
    let seconds_run = started.elapsed().as_secs_f64();
    if !status.success() {
        let found: Vec<PathBuf> = std::fs::read_dir(&artifacts)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .collect();
        bail!(
            "fuzz target `{target}` failed ({status}): a crash, panic, timeout or OOM. Its last \
             lines:\n{}\n{}\nInputs that reproduce it: {:?}\n(reproduce with `cargo +nightly fuzz run \
             {target} FILE` in fuzz/, then make it a regression test in `cargo test`)",
            tail.join("\n"),
            stdout_lines.join("\n"),
            found
        );
    }
    let runs = runs.with_context(|| {
        format!(
            "fuzz target `{target}` printed no `Done N runs` line; see {}",
            log_path.display()
        )
    })?;
    Ok(Outcome {
        target: target.to_owned(),
        runs,
        seconds: seconds_run,
    })
}

/// cargo-fuzz from `<target>/tools/bin`, installed there with `cargo install --locked` when
/// missing (and allowed), with the nightly toolchain it needs added by rustup.
pub fn ensure_cargo_fuzz(root: &Path, install: bool) -> Result<PathBuf> {
    let tools = shell::target_dir(root).join("tools");
    let binary = tools.join("bin").join("cargo-fuzz");
    let has_nightly = shell::output("rustup", &["toolchain", "list"])
        .is_some_and(|list| list.lines().any(|line| line.starts_with(NIGHTLY)));
    if !has_nightly {
        if !install {
            bail!(
                "fuzzing needs the nightly toolchain: `rustup toolchain install {NIGHTLY} --profile minimal`"
            );
        }
        shell::run(
            root,
            "rustup",
            &["toolchain", "install", NIGHTLY, "--profile", "minimal"],
        )?;
    }
    if binary.exists() {
        return Ok(binary);
    }
    if !install {
        bail!(
            "cargo-fuzz is missing: `cargo install --locked cargo-fuzz --version {CARGO_FUZZ_VERSION} \
             --root {}` (cargo xtask test does it without --no-install)",
            tools.display()
        );
    }
    std::fs::create_dir_all(&tools)?;
    let tools_arg = tools.to_string_lossy().into_owned();
    let args = [
        "install",
        "--locked",
        "cargo-fuzz",
        "--version",
        CARGO_FUZZ_VERSION,
        "--root",
        tools_arg.as_str(),
    ];
    println!(
        "==> cargo {} (about two minutes, once per target directory)",
        args.join(" ")
    );
    // From outside the workspace so that its configuration does not apply.
    let status = Command::new(shell::cargo())
        .args(args)
        .current_dir(&tools)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .status()
        .context("starting cargo to install cargo-fuzz")?;
    if !status.success() {
        bail!("installing cargo-fuzz failed ({status})");
    }
    Ok(binary)
}

/// Seeds for each target, from the repository's own samples: the realistic French post and
/// the check corpora (drafts), the built-in policy (TOML and JSON), a report, annotation and
/// attestation as the extension sends them, and a verifying evidence package (`.zip`, and
/// attached to an email as the companion mails it).
fn write_seeds(root: &Path, seeds: &Path) -> Result<()> {
    let write = |target: &str, name: &str, bytes: &[u8]| -> Result<()> {
        let dir = seeds.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), bytes)?;
        Ok(())
    };
    // Drafts.
    let post = balise_core::sample::realistic_french_post();
    write("analyze", "realistic-french-post.txt", post.as_bytes())?;
    let draft = serde_json::json!({
        "text": "Voir https://bit.ly/3xYz9Ab ou écrire à jean@example.org",
        "links": [{"href": "https://bit.ly/3xYz9Ab", "text": "bit.ly/3xYz9Ab", "span": {"start": 5, "end": 27}}]
    });
    write(
        "analyze",
        "draft-with-link.json",
        draft.to_string().as_bytes(),
    )?;
    for corpus in ["links.txt", "personal.txt"] {
        let text = std::fs::read_to_string(root.join("shared/tests/corpus").join(corpus))?;
        for (index, line) in text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .enumerate()
        {
            write("analyze", &format!("{corpus}-{index}"), line.as_bytes())?;
        }
    }
    // Policies.
    let toml = std::fs::read_to_string(root.join("shared/policies/sec-csq.toml"))?;
    write("policy_toml", "sec-csq.toml", toml.as_bytes())?;
    let policy = Policy::from_toml(&toml).map_err(|error| anyhow::anyhow!("{error}"))?;
    write(
        "policy_json",
        "sec-csq.json",
        serde_json::to_string_pretty(&policy)?.as_bytes(),
    )?;
    // The wire format.
    let mut rng = Rng::new(7);
    let png = crate::stress_client::screenshot_png(&mut rng, 1024)?;
    let report = Report::new(bytes::Bytes::from(png), 1);
    write("report", "report.json", &report.json)?;
    write(
        "report",
        "annotation.json",
        r#"{"category":"negativeRemark","note":"Propos faux sur la négociation."}"#.as_bytes(),
    )?;
    // An attestation of the realistic post, with its findings, as the extension makes it.
    let text_sha256 = balise_core::digest::sha256_hex(post.as_bytes());
    let analysis = balise_core::analyze(&policy, &balise_core::Draft::from_text(post));
    let attestation = balise_core::report::AttestationV1::of_publication(
        balise_core::report::Publication {
            id: "5f0c6d2e-8a7b-4c1d-9e2f-3a4b5c6d7e8f",
            recorded_at: "2026-12-06T23:05:12.345Z",
            site: "facebook",
            page_url: "https://www.facebook.com/groups/enseignants",
            text_sha256: &text_sha256,
            policy_version: Some(policy.version),
        },
        &analysis,
        Some("Urgence : la séance commence dans dix minutes."),
    );
    let attestation = serde_json::to_value(&attestation)?;
    write(
        "report",
        "attestation.json",
        attestation.to_string().as_bytes(),
    )?;
    // Evidence packages.
    let package = balise_core::sample::evidence_package()
        .map_err(|error| anyhow::anyhow!("building the sample package: {error}"))?;
    write("package_import", "package.zip", &package)?;
    write("package_import", "package.eml", &email_with(&package))?;
    Ok(())
}

/// A minimal email carrying `zip` as a base64 attachment, as a forwarded report arrives.
fn email_with(zip: &[u8]) -> Vec<u8> {
    use crate::content_script::base64 as encode;
    let mut eml = String::from(
        "From: Balise SEC-CSQ <balise@sec-csq.test.balise.ca>\r\n\
         To: gestion@sec-csq.test.balise.ca\r\n\
         Message-ID: <report.0b9e2f9c@balise>\r\n\
         Subject: Signalement / Report\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nUn signalement.\r\n\
         --b\r\nContent-Type: application/zip; name=\"report.zip\"\r\n\
         Content-Disposition: attachment; filename=\"report.zip\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n",
    );
    let encoded = encode(zip);
    for line in encoded.as_bytes().chunks(76) {
        eml.push_str(&String::from_utf8_lossy(line));
        eml.push_str("\r\n");
    }
    eml.push_str("--b--\r\n");
    eml.into_bytes()
}
