//! Companions set up for email forwarding: their settings, sample reports as the extension
//! sends them, and the dashboard's forms posted as the manager's browser would.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::companion::{CompanionApi, CompanionProcess, api_token};
use crate::sha256_hex;

/// The content manager's address in these tests.
pub const MANAGER_EMAIL: &str = "gestion@sec-csq.test.balise.ca";
/// The board's address in these tests.
pub const BOARD_EMAIL: &str = "ca@sec-csq.test.balise.ca";
/// The sender address of the companions in these tests.
pub const FROM_EMAIL: &str = "Balise SEC-CSQ <balise@sec-csq.test.balise.ca>";
/// The manager's name in the test policy.
pub const MANAGER_NAME: &str = "Julie Gagnon-Côté";

/// How a test companion is set up.
#[derive(Debug, Clone)]
pub struct Setup<'a> {
    /// `member` or `manager`.
    pub role: &'a str,
    /// `smtp://…`, or `None` for no SMTP at all.
    pub smtp_url: Option<&'a str>,
    /// How long a report's email waits for an annotation, in seconds.
    pub annotation_wait_secs: u64,
    /// SMTP timeout, in seconds.
    pub timeout_secs: u64,
}

impl Default for Setup<'_> {
    fn default() -> Self {
        Self {
            role: "member",
            smtp_url: None,
            annotation_wait_secs: 0,
            timeout_secs: 5,
        }
    }
}

/// Writes `balise.toml` and a `policy.toml` naming [`MANAGER_NAME`] and [`BOARD_EMAIL`].
pub fn write_settings(data_dir: &Path, setup: &Setup<'_>) -> Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let mut toml = String::new();
    if let Some(url) = setup.smtp_url {
        toml.push_str(&format!(
            "[smtp]\nurl = \"{url}\"\nfrom = \"{FROM_EMAIL}\"\ntimeout_secs = {}\n\n",
            setup.timeout_secs
        ));
    }
    toml.push_str(&format!(
        "[routing]\nmanager_email = \"{MANAGER_EMAIL}\"\nannotation_wait_secs = {}\n\n[identity]\nrole = \"{}\"\n",
        setup.annotation_wait_secs, setup.role
    ));
    std::fs::write(data_dir.join("balise.toml"), toml)?;
    let default =
        std::fs::read_to_string(crate::workspace_root().join("shared/policies/sec-csq.toml"))?;
    let policy = default
        .replacen(
            "name = \"À désigner par le conseil d'administration\"",
            &format!("name = \"{MANAGER_NAME}\""),
            1,
        )
        .replacen(
            "# board_email = \"ca@sec-csq.example\"",
            &format!("board_email = \"{BOARD_EMAIL}\""),
            1,
        );
    anyhow::ensure!(policy.contains(MANAGER_NAME) && policy.contains(BOARD_EMAIL));
    std::fs::write(data_dir.join("policy.toml"), policy)?;
    Ok(())
}

/// A running companion with its API client.
#[derive(Debug)]
pub struct Running {
    /// The process.
    pub process: CompanionProcess,
    /// Its API, with the token `balise-companion token` prints.
    pub api: CompanionApi,
}

/// Writes the settings and starts the companion.
pub fn start(data_dir: &Path, setup: &Setup<'_>) -> Result<Running> {
    write_settings(data_dir, setup)?;
    restart(data_dir)
}

/// Starts the companion on an existing data directory (after a kill, say).
pub fn restart(data_dir: &Path) -> Result<Running> {
    let process = CompanionProcess::start(data_dir)?;
    let api = CompanionApi::new(&process.base_url, api_token(data_dir)?);
    Ok(Running { process, api })
}

/// A small real PNG (a 4×3 image whose pixels depend on `seed`).
pub fn sample_png(seed: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, 4, 3);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let Ok(mut writer) = encoder.write_header() else {
            return bytes;
        };
        let data: Vec<u8> = (0..36u8)
            .map(|i| i.wrapping_mul(7).wrapping_add(seed))
            .collect();
        let _ = writer.write_image_data(&data);
    }
    bytes
}

/// A report as the extension sends it, for `png`, with a fresh id.
pub fn sample_report(png: &[u8], category: Option<&str>, note: Option<&str>) -> Value {
    json!({
        "id": uuid_v4(),
        "capturedAt": "2026-12-03T14:05:12.345Z",
        "pageUrl": "https://www.facebook.com/groups/enseignants/posts/1234567890",
        "pageTitle": "Groupe des parents — « La grève ? Encore ! »",
        "reporter": {"name": "Marie-Ève Tremblay", "email": "marie-eve.tremblay@csscharlevoix.test.balise.ca"},
        "category": category,
        "note": note,
        "screenshotSha256": sha256_hex(png),
        "selectedText": "Le syndicat ment sur les salaires des enseignantes.",
        "site": "facebook",
        "viewport": {"width": 1280, "height": 800},
        "browser": "Chromium 148",
        "extensionVersion": "0.1.0"
    })
}

fn uuid_v4() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// Uploads a report and returns its id (fails unless the companion answers 201).
pub async fn upload(api: &CompanionApi, report: &Value, png: &[u8]) -> Result<String> {
    let (status, body) = api.upload(report, png).await?;
    anyhow::ensure!(status == 201, "upload: HTTP {status} {body}");
    body.get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .context("receipt without id")
}

/// The dashboard in the manager's browser: pages read and forms posted from the
/// companion's own origin, with the page's CSRF token, in a session opened with a one-time
/// sign-in link on first use.
#[derive(Debug, Clone)]
pub struct Dashboard {
    base_url: String,
    sign_in_url: String,
    http: reqwest::Client,
    signed_in: std::sync::Arc<tokio::sync::OnceCell<()>>,
}

impl Dashboard {
    /// The dashboard of a running companion, as its manager sees it.
    pub fn of(companion: &CompanionProcess) -> Result<Self> {
        Ok(Self {
            base_url: companion.base_url.clone(),
            sign_in_url: companion.sign_in_url()?,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()?,
            signed_in: std::sync::Arc::default(),
        })
    }

    async fn sign_in(&self) -> Result<()> {
        self.signed_in
            .get_or_try_init(|| async {
                let response = self.http.get(&self.sign_in_url).send().await?;
                anyhow::ensure!(
                    response.status() == 303,
                    "signing in: HTTP {}: {}",
                    response.status(),
                    response.text().await?
                );
                Ok(())
            })
            .await
            .map(|_| ())
    }

    /// A page's HTML (fails unless 200).
    pub async fn page(&self, path: &str) -> Result<String> {
        self.sign_in().await?;
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        anyhow::ensure!(status == 200, "GET {path}: HTTP {status}: {text}");
        Ok(text)
    }

    /// The CSRF token in a page's forms.
    pub fn csrf(html: &str) -> Result<String> {
        let marker = "name=\"csrf\" value=\"";
        let start = html.find(marker).context("no CSRF field in the page")? + marker.len();
        let end = html[start..].find('"').context("unterminated CSRF value")? + start;
        Ok(html[start..end].to_owned())
    }

    /// Posts a form from the page at `from` (its CSRF token added); returns the status,
    /// the `Location` (after a 303) and the body.
    pub async fn post(
        &self,
        from: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Result<(u16, Option<String>, String)> {
        let csrf = Self::csrf(&self.page(from).await?)?;
        self.sign_in().await?;
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let response = self
            .http
            .post(format!("{}{action}", self.base_url))
            .header("origin", &self.base_url)
            .form(&form)
            .send()
            .await?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok((status, location, response.text().await?))
    }
}
