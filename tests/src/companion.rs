//! The real companion binary, started on a free port with a temporary data directory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::workspace_root;

/// A companion process; killed on drop if the test did not stop it.
#[derive(Debug)]
pub struct CompanionProcess {
    child: Child,
    /// Base URL printed by the companion, such as `http://127.0.0.1:40123`.
    pub base_url: String,
    /// Everything the companion printed on stdout after its first line, once stopped.
    pub stdout_rest: Option<std::thread::JoinHandle<String>>,
}

/// The companion binary built by cargo for this test run.
pub fn companion_binary() -> Result<PathBuf> {
    let binary = workspace_root().join("target/debug/balise-companion");
    if !binary.exists() {
        bail!(
            "{} is missing: run `cargo build -p balise-companion` (cargo xtask test does)",
            binary.display()
        );
    }
    Ok(binary)
}

impl CompanionProcess {
    /// Starts `balise-companion serve --port 0 --data-dir DATA_DIR` and reads its address.
    pub fn start(data_dir: &Path) -> Result<Self> {
        let binary = companion_binary()?;
        let mut child = Command::new(&binary)
            .args(["serve", "--port", "0", "--data-dir"])
            .arg(data_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("companion stdout")?;
        let mut reader = BufReader::new(stdout);
        let mut first_line = String::new();
        reader.read_line(&mut first_line)?;
        let base_url = first_line
            .trim()
            .strip_prefix("Balise companion listening on ")
            .with_context(|| format!("unexpected first line from the companion: {first_line:?}"))?
            .to_owned();
        let stdout_rest = std::thread::spawn(move || {
            let mut rest = String::new();
            for line in reader.lines().map_while(Result::ok) {
                rest.push_str(&line);
                rest.push('\n');
            }
            rest
        });
        Ok(Self {
            child,
            base_url,
            stdout_rest: Some(stdout_rest),
        })
    }

    /// Sends SIGTERM and waits; returns the exit status and what the companion printed.
    pub fn terminate(mut self) -> Result<(std::process::ExitStatus, String)> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        if !status.success() {
            bail!("could not send SIGTERM to the companion");
        }
        let exit = self.child.wait()?;
        let printed = self
            .stdout_rest
            .take()
            .map(|handle| handle.join().unwrap_or_default())
            .unwrap_or_default();
        Ok((exit, printed))
    }
}

impl Drop for CompanionProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
