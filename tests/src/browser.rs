//! A headless Chromium with the built Balise extension, driven through ChromeDriver.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::{WAIT, eventually, target_dir};

/// Options for one browser.
#[derive(Debug, Default)]
pub struct LaunchOptions {
    /// Extra command-line switches, such as `--host-resolver-rules=…`.
    pub extra_args: Vec<String>,
    /// A profile directory that outlives the browser (to reopen the same profile);
    /// a fresh temporary one when `None`.
    pub profile_dir: Option<PathBuf>,
}

/// A running headless Chromium with the extension loaded; killed and its profile deleted on drop.
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    profile: PathBuf,
    /// Deletes the profile on drop when it is the browser's own.
    _temporary_profile: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// The unpacked Chromium extension built by `cargo xtask build`, under the target
/// directory (`CARGO_TARGET_DIR` when set).
pub fn chromium_extension_dir() -> Result<PathBuf> {
    let dir = target_dir().join("extension/chromium");
    if !dir.join("manifest.json").exists() {
        bail!(
            "the extension is not built ({} is missing): run `cargo xtask build`, or `cargo xtask test`",
            dir.display()
        );
    }
    Ok(dir)
}

fn chromium_paths() -> Result<(String, String)> {
    let pick = |var: &str, candidates: &[&str]| {
        std::env::var(var).ok().or_else(|| {
            candidates
                .iter()
                .find(|path| std::path::Path::new(path).exists())
                .map(|path| (*path).to_owned())
        })
    };
    let chromium = pick(
        "BALISE_CHROMIUM",
        &["/usr/lib/chromium/chromium", "/usr/bin/chromium"],
    );
    let driver = pick("BALISE_CHROMEDRIVER", &["/usr/bin/chromedriver"]);
    match (chromium, driver) {
        (Some(chromium), Some(driver)) => Ok((chromium, driver)),
        _ => bail!(
            "Chromium or ChromeDriver not found: run `cargo xtask test` (installs them as root) \
             or set BALISE_CHROMIUM and BALISE_CHROMEDRIVER"
        ),
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium with the extension and a fresh profile.
    pub async fn launch(options: LaunchOptions) -> Result<Self> {
        let extension = chromium_extension_dir()?;
        let (chromium, driver_path) = chromium_paths()?;
        let (profile, temporary_profile) = match options.profile_dir {
            Some(dir) => (dir, None),
            None => {
                let temporary = tempfile::Builder::new()
                    .prefix("balise-profile-")
                    .tempdir()?;
                (temporary.path().to_path_buf(), Some(temporary))
            }
        };
        let port = free_port()?;
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {driver_path}"))?;
        let mut browser = Self {
            client: None,
            driver,
            profile,
            _temporary_profile: temporary_profile,
        };
        let extension = extension.to_string_lossy().into_owned();
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1280,943".to_owned(),
            format!("--user-data-dir={}", browser.profile.display()),
            format!("--load-extension={extension}"),
            format!("--disable-extensions-except={extension}"),
        ];
        args.extend(options.extra_args);
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
            "webSocketUrl": false
        });
        let capabilities = match capabilities {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("a JSON object literal"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let client = eventually(WAIT, "ChromeDriver to accept a session", || {
            let capabilities = capabilities.clone();
            let url = url.clone();
            async move {
                match ClientBuilder::native()
                    .capabilities(capabilities)
                    .connect(&url)
                    .await
                {
                    Ok(client) => Ok(Some(client)),
                    Err(fantoccini::error::NewSessionError::Lost(_)) => Ok(None),
                    Err(error) => Err(anyhow::Error::new(error)),
                }
            }
        })
        .await?;
        browser.client = Some(client);
        Ok(browser)
    }

    /// The browser's profile directory.
    pub fn profile_dir(&self) -> &std::path::Path {
        &self.profile
    }

    /// The WebDriver client.
    pub fn client(&self) -> &Client {
        // Set in `launch` before the browser is handed out.
        self.client.as_ref().expect("client is set at launch")
    }

    /// Opens `url` in the current tab.
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.client()
            .goto(url)
            .await
            .with_context(|| format!("navigating to {url}"))
    }

    /// Waits until `css` matches an element whose `attribute` equals `value`.
    pub async fn wait_for_attribute(&self, css: &str, attribute: &str, value: &str) -> Result<()> {
        let what = format!("{css} with {attribute}={value:?}");
        eventually(WAIT, &what, || async {
            let Ok(element) = self.client().find(Locator::Css(css)).await else {
                return Ok(None);
            };
            let current = element.attr(attribute).await?;
            Ok((current.as_deref() == Some(value)).then_some(()))
        })
        .await
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns its result.
    pub async fn eval(
        &self,
        script: &str,
        args: Vec<serde_json::Value>,
    ) -> Result<serde_json::Value> {
        Ok(self.client().execute(script, args).await?)
    }

    /// Ends the session and the browser, and waits until no process uses the profile.
    pub async fn close(mut self) -> Result<()> {
        if let Some(client) = self.client.take() {
            client.close().await?;
        }
        let pattern = format!("--user-data-dir={}", self.profile.display());
        eventually(WAIT, "the browser processes to exit", || {
            let pattern = pattern.clone();
            async move {
                let running = Command::new("pgrep")
                    .args(["-f", "--", &pattern])
                    .stdout(Stdio::null())
                    .status()?
                    .success();
                Ok((!running).then_some(()))
            }
        })
        .await
    }

    /// Clicks the element matching `inner` inside the open shadow root of the element `host`.
    pub async fn click_in_shadow(&self, host: &str, inner: &str) -> Result<()> {
        let host_element = self.client().find(Locator::Css(host)).await?;
        let shadow = host_element.shadow_root().await?;
        shadow.find(Locator::Css(inner)).await?.click().await?;
        Ok(())
    }

    /// Waits until an element matching `inner` in the shadow root of `host` has `attribute` = `value`.
    pub async fn wait_for_shadow_attribute(
        &self,
        host: &str,
        inner: &str,
        attribute: &str,
        value: &str,
    ) -> Result<()> {
        let what = format!("{host} >>> {inner} with {attribute}={value:?}");
        eventually(WAIT, &what, || async {
            let Ok(host_element) = self.client().find(Locator::Css(host)).await else {
                return Ok(None);
            };
            let shadow = host_element.shadow_root().await?;
            let Ok(element) = shadow.find(Locator::Css(inner)).await else {
                return Ok(None);
            };
            Ok((element.attr(attribute).await?.as_deref() == Some(value)).then_some(()))
        })
        .await
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A failed test may skip `close`: kill what it left so no browser outlives the test.
        let profile = self.profile.display().to_string();
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", "--", &format!("--user-data-dir={profile}")])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        std::thread::sleep(Duration::from_millis(50));
    }
}
