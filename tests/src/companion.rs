//! The real companion binary, started on a free port with a temporary data directory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::target_dir;

/// A companion process; killed on drop if the test did not stop it.
#[derive(Debug)]
pub struct CompanionProcess {
    child: Child,
    /// Base URL printed by the companion, such as `http://127.0.0.1:40123`.
    pub base_url: String,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// Everything the companion printed on stdout after its first line, once stopped.
    pub stdout_rest: Option<std::thread::JoinHandle<String>>,
}

/// The companion binary: `BALISE_COMPANION_BIN` (the benchmark uses a release build),
/// else the debug build in the target directory (`CARGO_TARGET_DIR` is honoured).
pub fn companion_binary() -> Result<PathBuf> {
    let binary = std::env::var_os("BALISE_COMPANION_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug/balise-companion"));
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
        Self::start_on_port(data_dir, 0)
    }

    /// Starts the companion on `port` (0 for any free port).
    pub fn start_on_port(data_dir: &Path, port: u16) -> Result<Self> {
        let binary = companion_binary()?;
        let mut child = Command::new(&binary)
            .args(["serve", "--port", &port.to_string(), "--data-dir"])
            .arg(data_dir)
            .env(
                "BALISE_LOG",
                std::env::var("BALISE_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
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
            data_dir: data_dir.to_owned(),
            stdout_rest: Some(stdout_rest),
        })
    }

    /// The port the companion listens on.
    pub fn port(&self) -> Result<u16> {
        self.base_url
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .with_context(|| format!("no port in {}", self.base_url))
    }

    /// Kills the process with SIGKILL (no chance to finish anything), as a power cut would.
    pub fn kill(mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
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

impl CompanionProcess {
    /// A fresh one-time link that signs a browser in to this companion's dashboard
    /// (`balise-companion open --no-browser`, as its owner would run it).
    pub fn sign_in_url(&self) -> Result<String> {
        let output = Command::new(companion_binary()?)
            .args(["open", "--no-browser", "--data-dir"])
            .arg(&self.data_dir)
            .output()?;
        let printed = String::from_utf8(output.stdout)?;
        if !output.status.success() {
            bail!(
                "balise-companion open failed: {}{printed}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        printed
            .lines()
            .find_map(|line| line.strip_prefix("Tableau de bord / Dashboard: "))
            .map(|url| url.trim().to_owned())
            .with_context(|| format!("no sign-in link in: {printed}"))
    }
}

/// The API token of the companion whose data directory is `data_dir`
/// (`balise-companion token --data-dir DIR`, as a script would get it).
pub fn api_token(data_dir: &Path) -> Result<String> {
    let output = Command::new(companion_binary()?)
        .args(["token", "--data-dir"])
        .arg(data_dir)
        .output()?;
    if !output.status.success() {
        bail!(
            "balise-companion token failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// A client of the companion's HTTP API, authenticated with its token.
#[derive(Debug, Clone)]
pub struct CompanionApi {
    base_url: String,
    token: String,
    http: reqwest::Client,
}

impl CompanionApi {
    /// A client for the companion at `base_url`.
    pub fn new(base_url: &str, token: String) -> Self {
        Self {
            base_url: base_url.to_owned(),
            token,
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str) -> Result<reqwest::Response> {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .bearer_auth(&self.token)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("GET {path}: HTTP {}", response.status());
        }
        Ok(response)
    }

    /// The stored reports, newest first.
    pub async fn reports(&self) -> Result<Vec<serde_json::Value>> {
        let body: serde_json::Value = self.get("/api/v1/reports?limit=100").await?.json().await?;
        let list = body
            .get("reports")
            .or_else(|| body.get("items"))
            .unwrap_or(&body)
            .as_array()
            .cloned()
            .with_context(|| format!("unexpected report list: {body}"))?;
        Ok(list)
    }

    /// The stored attestations, newest first (each with `id`, `receivedAt` and the
    /// `attestation` as received).
    pub async fn attestations(&self) -> Result<Vec<serde_json::Value>> {
        let body: serde_json::Value = self
            .get("/api/v1/attestations?limit=100")
            .await?
            .json()
            .await?;
        body.get("attestations")
            .and_then(serde_json::Value::as_array)
            .cloned()
            .with_context(|| format!("unexpected attestation list: {body}"))
    }

    /// Waits up to `within` until the companion holds exactly `count` attestations, newest
    /// first; fails at once if it ever holds more.
    pub async fn wait_for_attestations(
        &self,
        count: usize,
        within: std::time::Duration,
    ) -> Result<Vec<serde_json::Value>> {
        crate::eventually(
            within,
            &format!("{count} stored attestation(s)"),
            || async {
                let stored = self.attestations().await?;
                anyhow::ensure!(
                    stored.len() <= count,
                    "more attestations than recorded: {}",
                    stored.len()
                );
                Ok((stored.len() == count).then_some(stored))
            },
        )
        .await
    }

    /// One stored report's metadata.
    pub async fn report(&self, id: &str) -> Result<serde_json::Value> {
        Ok(self
            .get(&format!("/api/v1/reports/{id}"))
            .await?
            .json()
            .await?)
    }

    /// `POST /api/v1/reports` as the extension does: multipart `report` + `screenshot`, an
    /// `Idempotency-Key`; returns the HTTP status and the JSON answer.
    pub async fn upload(
        &self,
        report: &serde_json::Value,
        png: &[u8],
    ) -> Result<(u16, serde_json::Value)> {
        let form = reqwest::multipart::Form::new()
            .part(
                "report",
                reqwest::multipart::Part::bytes(report.to_string().into_bytes())
                    .mime_str("application/json")?,
            )
            .part(
                "screenshot",
                reqwest::multipart::Part::bytes(png.to_vec()).mime_str("image/png")?,
            );
        let key = report
            .get("id")
            .and_then(serde_json::Value::as_str)
            .context("report without id")?
            .to_owned();
        let response = self
            .http
            .post(format!("{}/api/v1/reports", self.base_url))
            .bearer_auth(&self.token)
            .header("idempotency-key", key)
            .multipart(form)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await?))
    }

    /// A JSON request with the token; returns the status and the JSON answer.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<(u16, serde_json::Value)> {
        let response = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await?))
    }

    /// Adds a category and/or note to a report (`PATCH /api/v1/reports/{id}`).
    pub async fn annotate(&self, id: &str, annotation: &serde_json::Value) -> Result<()> {
        let (status, body) = self
            .send_json(
                reqwest::Method::PATCH,
                &format!("/api/v1/reports/{id}"),
                annotation,
            )
            .await?;
        anyhow::ensure!(status == 200, "annotate: HTTP {status} {body}");
        Ok(())
    }

    /// `GET /api/v1/mail`: whether forwarding is on, problems, the queue's figures.
    pub async fn mail_status(&self) -> Result<serde_json::Value> {
        Ok(self.get("/api/v1/mail").await?.json().await?)
    }

    /// The emails of a report (`mail` of `GET /api/v1/reports/{id}`).
    pub async fn report_mail(&self, id: &str) -> Result<Vec<serde_json::Value>> {
        let report = self.report(id).await?;
        report
            .get("mail")
            .and_then(serde_json::Value::as_array)
            .cloned()
            .with_context(|| format!("no mail in {report}"))
    }

    /// Waits until the report's email of `kind` satisfies `done` and returns it.
    pub async fn wait_for_mail(
        &self,
        id: &str,
        kind: &str,
        within: std::time::Duration,
        what: &str,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> Result<serde_json::Value> {
        crate::eventually(within, what, || async {
            let mail = self.report_mail(id).await?;
            Ok(mail.into_iter().find(|m| {
                m.get("kind").and_then(serde_json::Value::as_str) == Some(kind) && done(m)
            }))
        })
        .await
    }

    /// A raw GET with the token (for downloads such as the `.eml` draft).
    pub async fn get_bytes(&self, path: &str) -> Result<(String, Vec<u8>)> {
        let response = self.get(path).await?;
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok((content_type, response.bytes().await?.to_vec()))
    }

    /// One stored report's screenshot bytes.
    pub async fn screenshot(&self, id: &str) -> Result<Vec<u8>> {
        Ok(self
            .get(&format!("/api/v1/reports/{id}/screenshot"))
            .await?
            .bytes()
            .await?
            .to_vec())
    }
}

/// The organization of the policy a test companion serves, unlike the built-in one.
pub const TEST_ORGANIZATION: &str = "Syndicat témoin des essais de Balise";
/// The built-in policy's organization.
pub const DEFAULT_ORGANIZATION: &str = "Syndicat de l'enseignement de Charlevoix";

/// Writes, as the companion's `policy.toml` in `data_dir`, the built-in policy with strict
/// mode on and [`TEST_ORGANIZATION`] as its name.
pub fn write_strict_test_policy(data_dir: &Path) -> Result<()> {
    let default =
        std::fs::read_to_string(crate::workspace_root().join("shared/policies/sec-csq.toml"))?;
    anyhow::ensure!(default.contains("strict_mode = false"));
    anyhow::ensure!(default.contains(DEFAULT_ORGANIZATION));
    let policy = default
        .replacen("strict_mode = false", "strict_mode = true", 1)
        .replacen(
            &format!("name = \"{DEFAULT_ORGANIZATION}\""),
            &format!("name = \"{TEST_ORGANIZATION}\""),
            1,
        );
    std::fs::write(data_dir.join("policy.toml"), policy)?;
    Ok(())
}
