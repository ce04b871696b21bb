//! What the crash test and the load benchmark share: the real companion binary started on a
//! data directory, reports built as the extension builds them (JSON and a PNG), and their
//! upload over real TCP with the token and an `Idempotency-Key`, as the extension's outbox
//! sends them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use balise_core::digest::sha256_hex;
use bytes::Bytes;
use reqwest::multipart::Part;

use crate::shell;

/// Builds the companion (`--release` when `release`) and returns the binary's path;
/// `BALISE_COMPANION_BIN`, when set, names a binary to use instead (nothing is built).
pub fn build_companion(root: &Path, release: bool) -> Result<PathBuf> {
    if let Some(binary) = std::env::var_os("BALISE_COMPANION_BIN").filter(|path| !path.is_empty()) {
        return Ok(PathBuf::from(binary));
    }
    let mut args = vec!["build", "--package", "balise-companion"];
    if release {
        args.push("--release");
    }
    shell::run(root, &shell::cargo(), &args)?;
    let profile = if release { "release" } else { "debug" };
    Ok(shell::target_dir(root)
        .join(profile)
        .join("balise-companion"))
}

/// A fresh, empty data directory `<target>/stress/<name>` (on the disk the target
/// directory is on, not a tmpfs), with settings that keep email off (a member's companion
/// without SMTP queues each report's email and sends nothing) and lift the per-token write
/// rate, which would otherwise answer a flood from one token with 429s: these runs measure
/// storage, not the limiter (the attack suite tests that).
pub fn fresh_data_dir(root: &Path, name: &str) -> Result<PathBuf> {
    let dir = shell::target_dir(root).join("stress").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(
        dir.join("balise.toml"),
        "[routing]\nmanager_email = \"gestion@sec-csq.test.balise.ca\"\n\n[identity]\nrole = \"member\"\n\n\
         [limits]\nwrite_burst = 1000000\nwrites_per_minute = 1000000\n",
    )?;
    Ok(dir)
}

/// A loopback port free right now (the companion is restarted on the same one after a kill).
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A running `balise-companion serve`; killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct Companion {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The lines of its standard output after the first that start with `stage-timing:`.
    timing_lines: Arc<Mutex<Vec<String>>>,
    /// The thread reading its standard output (ends when the companion exits).
    reader: Option<JoinHandle<()>>,
}

impl Companion {
    /// Starts `binary serve --port PORT --data-dir DIR` and waits for its first line (it
    /// prints it once it listens).
    pub fn start(binary: &Path, data_dir: &Path, port: u16) -> Result<Self> {
        Self::start_with_env(binary, data_dir, port, &[])
    }

    /// As [`Companion::start`], with more environment variables (`BALISE_STAGE_TIMING`).
    pub fn start_with_env(
        binary: &Path,
        data_dir: &Path,
        port: u16,
        env: &[(&str, &str)],
    ) -> Result<Self> {
        let mut child = Command::new(binary)
            .args(["serve", "--port", &port.to_string(), "--data-dir"])
            .arg(data_dir)
            .envs(env.iter().copied())
            .env("BALISE_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("the companion's stdout")?;
        let mut reader = BufReader::new(stdout);
        let mut first_line = String::new();
        reader.read_line(&mut first_line)?;
        let Some(base_url) = first_line
            .trim()
            .strip_prefix("Balise companion listening on ")
            .map(str::to_owned)
        else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the companion did not start: its first line was {first_line:?}");
        };
        // Keep reading so that the companion never blocks on a full pipe.
        let timing_lines = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&timing_lines);
        let reader = std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                if line.starts_with("stage-timing:")
                    && let Ok(mut lines) = kept.lock()
                {
                    lines.push(line);
                }
            }
        });
        Ok(Self {
            child,
            base_url,
            timing_lines,
            reader: Some(reader),
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, as a power cut or the OOM killer would: nothing gets to finish.
    pub fn kill(mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// SIGTERM, and waits for the companion to finish what it is writing and exit.
    pub fn stop(self) -> Result<()> {
        self.stop_with_timing().map(drop)
    }

    /// As [`Companion::stop`]; returns the `stage-timing:` lines it printed on its way out.
    pub fn stop_with_timing(mut self) -> Result<Vec<String>> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        if !status.success() {
            bail!("could not send SIGTERM to the companion");
        }
        let exit = self.child.wait()?;
        if !exit.success() {
            bail!("the companion exited with {exit} after SIGTERM");
        }
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let lines = self
            .timing_lines
            .lock()
            .map_err(|_| anyhow::anyhow!("the companion's output poisoned"))?
            .clone();
        Ok(lines)
    }

    /// `(VmRSS, VmHWM)` in KiB from `/proc/PID/status`: resident memory now and its peak.
    pub fn memory_kib(&self) -> Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kib| kib.parse::<u64>().ok())
                .with_context(|| format!("no {name} in /proc/{}/status", self.pid()))
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }
}

impl Drop for Companion {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The API token (`balise-companion token --data-dir DIR`, as a script gets it).
pub fn api_token(binary: &Path, data_dir: &Path) -> Result<String> {
    let output = Command::new(binary)
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

/// `balise-companion verify --data-dir DIR`: fails unless it exits 0; returns what it printed.
pub fn verify(binary: &Path, data_dir: &Path) -> Result<String> {
    let output = Command::new(binary)
        .args(["verify", "--data-dir"])
        .arg(data_dir)
        .output()?;
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !output.status.success() {
        bail!(
            "balise-companion verify failed ({}):\n{printed}",
            output.status
        );
    }
    Ok(printed)
}

/// A small, fast pseudo-random generator (xorshift64*): noise for screenshots and random
/// kill times, reproducible from its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced, xorshift needs a non-zero state).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// A seed from the clock, printed by the runs so that one can be replayed.
    pub fn clock_seed() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(0x5eed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `low..high` (`low` when the range is empty).
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            low
        } else {
            low + self.next_u64() % (high - low)
        }
    }
}

/// A screenshot-like PNG of about `target_bytes`: a 1280-pixel-wide RGB image whose rows
/// are mostly flat page colour with bands of noise (text, photos), so that deflate cannot
/// shrink it to nothing. The noise is what keeps it near `target_bytes`.
pub fn screenshot_png(rng: &mut Rng, target_bytes: usize) -> Result<Vec<u8>> {
    const WIDTH: u32 = 1280;
    const HEIGHT: u32 = 800;
    let row_bytes = WIDTH as usize * 3;
    // Measured: the PNG comes out about 1.45 times the noise's bytes (filters and deflate
    // cannot shrink noise, and spread noisy rows cost their flat neighbours too).
    let noisy_rows = (target_bytes * 2 / 3 / row_bytes).clamp(1, HEIGHT as usize);
    let every = (HEIGHT as usize / noisy_rows).max(1);
    let mut pixels = vec![0xf0_u8; row_bytes * HEIGHT as usize];
    let mut noisy = 0;
    for (index, row) in pixels.chunks_mut(row_bytes).enumerate() {
        if index % every == 0 && noisy < noisy_rows {
            noisy += 1;
            for chunk in row.chunks_mut(8) {
                let bits = rng.next_u64().to_le_bytes();
                chunk.copy_from_slice(&bits[..chunk.len()]);
            }
        }
    }
    let mut png = Vec::with_capacity(target_bytes + 4096);
    {
        let mut encoder = png::Encoder::new(&mut png, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
        writer.finish()?;
    }
    Ok(png)
}

/// `png` with a `tEXt` chunk naming `number` inserted before `IEND`: a screenshot of its
/// own for each report (the same pixels, other bytes and another SHA-256) without encoding
/// one per report. The companion stores identical screenshots once, so a benchmark of
/// reports that share screenshots would measure less than the disk work of real ones.
pub fn unique_png(png: &[u8], number: usize) -> Result<Vec<u8>> {
    const IEND_CHUNK: usize = 12;
    if png.len() < 8 + IEND_CHUNK || &png[png.len() - 8..png.len() - 4] != b"IEND" {
        bail!("the generated PNG does not end with IEND");
    }
    let text = format!("Comment\0balise load report {number}");
    let mut chunk = Vec::with_capacity(12 + text.len());
    chunk.extend_from_slice(&u32::try_from(text.len())?.to_be_bytes());
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(text.as_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&chunk[4..]);
    chunk.extend_from_slice(&crc.sum().to_be_bytes());
    let split = png.len() - IEND_CHUNK;
    let mut unique = Vec::with_capacity(png.len() + chunk.len());
    unique.extend_from_slice(&png[..split]);
    unique.extend_from_slice(&chunk);
    unique.extend_from_slice(&png[split..]);
    Ok(unique)
}

/// One report as the extension's outbox keeps it: the exact bytes it sends each time.
#[derive(Debug, Clone)]
pub struct Report {
    /// Its id, also its `Idempotency-Key`.
    pub id: String,
    /// The `report` part: the report's JSON.
    pub json: Bytes,
    /// The `screenshot` part (shared by the reports that take turns with it: each upload
    /// sends it without a copy).
    pub png: Bytes,
    /// SHA-256 of the screenshot, as the report declares it.
    pub screenshot_sha256: String,
}

impl Report {
    /// A report of `png` with a fresh id, as the extension builds it.
    pub fn new(png: Bytes, number: usize) -> Self {
        let id = uuid::Uuid::new_v4().hyphenated().to_string();
        let screenshot_sha256 = sha256_hex(&png);
        let json = serde_json::json!({
            "id": id,
            "capturedAt": "2026-12-06T23:05:12.345Z",
            "pageUrl": format!("https://www.facebook.com/groups/enseignants/posts/{number}"),
            "pageTitle": "Groupe des parents — « La grève ? Encore ! »",
            "reporter": {"name": "Marie-Ève Tremblay", "email": "marie-eve.tremblay@csscharlevoix.test.balise.ca"},
            "category": null,
            "note": null,
            "screenshotSha256": screenshot_sha256,
            "selectedText": "Le syndicat ment sur les salaires des enseignantes.",
            "site": "facebook",
            "viewport": {"width": 1280, "height": 800},
            "browser": "Chromium 148",
            "extensionVersion": "0.1.0"
        });
        Self {
            id,
            json: Bytes::from(json.to_string().into_bytes()),
            png,
            screenshot_sha256,
        }
    }

    /// Bytes on the wire, about: the two parts.
    pub fn wire_len(&self) -> usize {
        self.json.len() + self.png.len()
    }
}

/// What the companion answered to one upload.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The JSON body (`Null` when it was not JSON).
    pub body: serde_json::Value,
}

/// An HTTP client of the companion's report API, with the token.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    token: String,
}

impl Client {
    /// A client for the companion at `base_url`; each request times out after `timeout`.
    pub fn new(base_url: &str, token: &str, timeout: Duration) -> Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(Duration::from_secs(2))
                .build()?,
            base_url: base_url.to_owned(),
            token: token.to_owned(),
        })
    }

    /// `POST /api/v1/reports` as the extension sends it: multipart `report` + `screenshot`,
    /// the token, `Idempotency-Key` = the report's id. An error means no answer arrived
    /// (connection refused or reset, timeout): the report is not acknowledged.
    pub async fn upload(&self, report: &Report) -> Result<Answer> {
        // `Bytes` bodies: the parts go out without copying the screenshot (the client shares
        // the machine's cores with the companion it measures).
        let part = |bytes: &Bytes, mime: &str| {
            Part::stream_with_length(reqwest::Body::from(bytes.clone()), bytes.len() as u64)
                .mime_str(mime)
        };
        let form = reqwest::multipart::Form::new()
            .part("report", part(&report.json, "application/json")?)
            .part("screenshot", part(&report.png, "image/png")?);
        let response = self
            .http
            .post(format!("{}/api/v1/reports", self.base_url))
            .bearer_auth(&self.token)
            .header("idempotency-key", &report.id)
            .multipart(form)
            .send()
            .await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Ok(Answer { status, body })
    }
}
