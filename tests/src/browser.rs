//! A headless Chromium (through ChromeDriver) or Firefox (through geckodriver) with the
//! built Balise extension, behind one `Browser` type so a test can run in either.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fantoccini::wd::{WebDriverCompatibleCommand, WindowHandle};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::{WAIT, eventually, target_dir};

/// Which browser a test drives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Engine {
    /// Headless Chromium through ChromeDriver, the extension loaded with `--load-extension`.
    #[default]
    Chromium,
    /// Headless Firefox through geckodriver, the extension installed as a temporary add-on.
    Firefox,
}

/// Which sites the harness enables in the options right after launch (the person's
/// "other sites where the checklist shows"), so that they get the content script.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum EnabledSites {
    /// The fixture servers' host, `127.0.0.1` ([`crate::fixtures::FixtureServer`]): the
    /// test pages get the content script as a site the person enabled does.
    #[default]
    FixtureHost,
    /// None: only the compose sites (and the companion's pairing pages) get it.
    None,
}

/// The host that [`EnabledSites::FixtureHost`] enables.
pub const FIXTURE_HOST: &str = "127.0.0.1";

/// Options for one browser.
#[derive(Debug, Default)]
pub struct LaunchOptions {
    /// The sites enabled in the options once the browser runs.
    pub enabled_sites: EnabledSites,
    /// The browser to start.
    pub browser: Engine,
    /// Extra command-line arguments: Chromium switches such as `--host-resolver-rules=…`,
    /// or Firefox arguments.
    pub extra_args: Vec<String>,
    /// A profile directory that outlives the browser (to reopen the same profile);
    /// a fresh temporary one when `None`. Reopened, Firefox gets its temporary add-on
    /// installed again under the same ID, and it finds its `storage.local`, its IndexedDB
    /// outbox and its `moz-extension://` UUID (which the companion recorded at pairing) as
    /// it left them: seen with Firefox ESR 153 without any preference (quitting does not
    /// run an uninstall's clean-up; `extensions.webextensions.keepStorageOnUninstall` and
    /// `keepUuidOnUninstall` would keep them through a real uninstall).
    pub profile_dir: Option<PathBuf>,
    /// Firefox preferences on top of the harness's own, such as
    /// [`crate::site_server::firefox_prefs`] (Chromium ignores them).
    pub firefox_prefs: serde_json::Map<String, serde_json::Value>,
    /// Leaves open the welcome page that the extension opens when it is installed (the test
    /// finds it with [`Browser::wait_for_welcome_tab`]). Otherwise the harness waits for
    /// that tab and closes it, so that every test starts on the browser's first tab, active
    /// (reports capture the active tab) and current.
    pub keep_welcome_page: bool,
    /// Where Chromium saves downloads, without asking (the browser's default otherwise).
    pub download_dir: Option<PathBuf>,
    /// The languages the browser asks pages for, most wanted first, such as `fr-CA`
    /// (Chromium's `--lang` and `--accept-lang`, Firefox's `intl.accept_languages`); the
    /// browser's own otherwise.
    pub language: Option<String>,
    /// Starts Chromium without the extension (the benchmark's baseline: the same pages with
    /// no Balise); no welcome page to wait for and no sites to enable then. Firefox ignores it.
    pub without_extension: bool,
    /// The unpacked extension to load instead of the built one (Chromium only): the memory
    /// benchmark's variants of the service worker, copied beside the built extension.
    pub extension_dir: Option<PathBuf>,
}

impl LaunchOptions {
    /// The default options for `engine`.
    pub fn engine(engine: Engine) -> Self {
        Self {
            browser: engine,
            ..Self::default()
        }
    }
}

impl Engine {
    /// The browser's name in lowercase, for test and file names.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
        }
    }
}

/// A running headless browser with the extension loaded; killed and its profile deleted on drop.
pub struct Browser {
    client: Option<Client>,
    engine: Engine,
    driver: Child,
    profile: PathBuf,
    /// Deletes the profile on drop when it is the browser's own.
    _temporary_profile: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("engine", &self.engine)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// The unpacked Chromium extension built by `cargo xtask build`, under the target
/// directory (`CARGO_TARGET_DIR` when set).
pub fn chromium_extension_dir() -> Result<PathBuf> {
    built_extension_dir("chromium")
}

/// The unpacked extension for `browser` (`chromium` or `firefox`) under the target directory.
fn built_extension_dir(browser: &str) -> Result<PathBuf> {
    let dir = target_dir().join("extension").join(browser);
    if !dir.join("manifest.json").exists() {
        bail!(
            "the {browser} extension is not built ({} is missing): run `cargo xtask build`, or `cargo xtask test`",
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

/// The unpacked Firefox extension built by `cargo xtask build`, under the target directory.
pub fn firefox_extension_dir() -> Result<PathBuf> {
    built_extension_dir("firefox")
}

/// Firefox and geckodriver: `BALISE_FIREFOX` and `BALISE_GECKODRIVER` (set by `cargo xtask
/// test`), else Debian's Firefox ESR and a geckodriver installed by the xtask or on PATH.
fn firefox_paths() -> Result<(String, String)> {
    let firefox = std::env::var("BALISE_FIREFOX").ok().or_else(|| {
        ["/usr/bin/firefox-esr", "/usr/lib/firefox-esr/firefox-esr"]
            .iter()
            .find(|path| std::path::Path::new(path).exists())
            .map(|path| (*path).to_owned())
    });
    let driver = std::env::var("BALISE_GECKODRIVER").ok().or_else(|| {
        let installed = target_dir().join("tools/bin/geckodriver");
        let on_path = std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("geckodriver"))
                .find(|candidate| candidate.is_file())
        });
        std::iter::once(installed)
            .chain(on_path)
            .find(|path| path.is_file())
            .map(|path| path.to_string_lossy().into_owned())
    });
    match (firefox, driver) {
        (Some(firefox), Some(driver)) => Ok((firefox, driver)),
        _ => bail!(
            "Firefox or geckodriver not found: run `cargo xtask test` (installs Firefox ESR as \
             root and geckodriver into the target directory's tools/) or set BALISE_FIREFOX \
             and BALISE_GECKODRIVER"
        ),
    }
}

/// Firefox preferences every test browser gets: no first-run pages, no network traffic of
/// Firefox's own (updates, telemetry, connectivity checks), plain `http:` pages left alone.
fn firefox_base_prefs() -> serde_json::Map<String, serde_json::Value> {
    let prefs = json!({
        "app.normandy.enabled": false,
        "app.update.auto": false,
        "app.update.enabled": false,
        "browser.aboutwelcome.enabled": false,
        "browser.newtabpage.enabled": false,
        "browser.region.network.url": "",
        "browser.safebrowsing.downloads.remote.enabled": false,
        "browser.safebrowsing.malware.enabled": false,
        "browser.safebrowsing.phishing.enabled": false,
        "browser.search.update": false,
        "browser.shell.checkDefaultBrowser": false,
        "browser.startup.homepage_override.mstone": "ignore",
        "browser.startup.page": 0,
        "datareporting.healthreport.uploadEnabled": false,
        "datareporting.policy.dataSubmissionEnabled": false,
        "dom.security.https_first": false,
        "dom.security.https_first_schemeless": false,
        "extensions.getAddons.cache.enabled": false,
        "extensions.update.enabled": false,
        "network.captive-portal-service.enabled": false,
        "network.connectivity-service.enabled": false,
        "network.dns.disablePrefetch": true,
        "network.http.speculative-parallel-limit": 0,
        "network.prefetch-next": false,
        "toolkit.telemetry.enabled": false,
        "toolkit.telemetry.server": ""
    });
    match prefs {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// One of geckodriver's own commands, `POST /session/{id}/moz/{command}` with a JSON body:
/// `addon/install` (an unpacked extension from a folder as a temporary add-on, removed when
/// the browser exits) or `context` (later commands run in the browser's own window,
/// `chrome`, or in the page, `content`).
#[derive(Debug)]
struct GeckoCommand {
    command: &'static str,
    body: serde_json::Value,
}

impl WebDriverCompatibleCommand for GeckoCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        // fantoccini passes the session's id to every command after the session started.
        let session = session_id.ok_or(url::ParseError::EmptyHost)?;
        base_url.join(&format!("session/{session}/moz/{}", self.command))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// geckodriver's command that runs later commands in `context` (`chrome` or `content`).
fn set_context(context: &str) -> GeckoCommand {
    GeckoCommand {
        command: "context",
        body: json!({ "context": context }),
    }
}

/// Loads one of the extension's pages into the selected tab from Firefox's own window,
/// with the system's authority, and answers the page's URL (its host is this install's
/// UUID) once the new document has replaced the tab's previous one: when the tab already
/// shows that page, its URL and `readyState` alone would let a test run its next script
/// in the old document, which the load then unloads.
const FIREFOX_OPEN_EXTENSION_PAGE: &str = "
    const done = arguments[arguments.length - 1];
    const policy = WebExtensionPolicy.getByID(arguments[0]);
    const url = policy.getURL(arguments[1]);
    const browser = gBrowser.selectedBrowser;
    const current = () => browser.browsingContext.currentWindowGlobal;
    const before = current()?.innerWindowId;
    browser.fixupAndLoadURIString(url, {
      triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal(),
    });
    const check = () => {
      const now = current();
      if (now && now.innerWindowId !== before && now.documentURI?.spec === url) {
        done(url);
      } else {
        setTimeout(check, 20);
      }
    };
    check();";

/// The page the extension opens when it is installed.
pub const WELCOME_PAGE: &str = "welcome.html";

/// A tab showing the extension's welcome page, which the extension opened itself.
#[derive(Debug, Clone)]
pub enum WelcomeTab {
    /// In Chromium, a DevTools target: ChromeDriver does not list such a tab.
    Chromium(crate::devtools::Target),
    /// In Firefox, a WebDriver window.
    Firefox(WindowHandle),
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The profile to use: the one asked for, or a fresh temporary one deleted with the browser.
fn profile_dir(asked: Option<PathBuf>) -> Result<(PathBuf, Option<tempfile::TempDir>)> {
    Ok(match asked {
        Some(dir) => (dir, None),
        None => {
            let temporary = tempfile::Builder::new()
                .prefix("balise-profile-")
                .tempdir()?;
            (temporary.path().to_path_buf(), Some(temporary))
        }
    })
}

/// Where a driver's output goes: appended to the file `BALISE_BROWSER_LOG` names, else dropped.
fn driver_output() -> Result<(Stdio, Stdio)> {
    match std::env::var_os("BALISE_BROWSER_LOG") {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("opening BALISE_BROWSER_LOG {}", path.display()))?;
            Ok((Stdio::from(file.try_clone()?), Stdio::from(file)))
        }
        None => Ok((Stdio::null(), Stdio::null())),
    }
}

/// Opens a WebDriver session on the driver at `url`, retrying while the driver starts.
async fn connect(url: &str, capabilities: serde_json::Value, driver_name: &str) -> Result<Client> {
    let serde_json::Value::Object(capabilities) = capabilities else {
        bail!("WebDriver capabilities must be a JSON object");
    };
    let what = format!("{driver_name} to accept a session");
    eventually(WAIT, &what, || {
        let capabilities = capabilities.clone();
        async move {
            match ClientBuilder::native()
                .capabilities(capabilities)
                .connect(url)
                .await
            {
                Ok(client) => Ok(Some(client)),
                Err(fantoccini::error::NewSessionError::Lost(_)) => Ok(None),
                Err(error) => Err(anyhow::Error::new(error)),
            }
        }
    })
    .await
}

impl Browser {
    /// Starts the browser `options.browser` with the extension and a fresh profile.
    pub async fn launch(options: LaunchOptions) -> Result<Self> {
        match options.browser {
            Engine::Chromium => Self::launch_chromium(options).await,
            Engine::Firefox => Self::launch_firefox(options).await,
        }
    }

    /// Starts ChromeDriver and a headless Chromium with the extension and a fresh profile.
    pub async fn launch_chromium(options: LaunchOptions) -> Result<Self> {
        let extension = if options.without_extension {
            None
        } else if let Some(dir) = options.extension_dir.clone() {
            Some(dir)
        } else {
            Some(chromium_extension_dir()?)
        };
        let (chromium, driver_path) = chromium_paths()?;
        let keep_welcome_page = options.keep_welcome_page;
        let enabled_sites = options.enabled_sites;
        let (profile, temporary_profile) = profile_dir(options.profile_dir)?;
        let port = free_port()?;
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {driver_path}"))?;
        let mut browser = Self {
            client: None,
            engine: Engine::Chromium,
            driver,
            profile,
            _temporary_profile: temporary_profile,
        };
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
        ];
        match &extension {
            Some(extension) => {
                let extension = extension.to_string_lossy();
                args.push(format!("--load-extension={extension}"));
                args.push(format!("--disable-extensions-except={extension}"));
            }
            None => args.push("--disable-extensions".to_owned()),
        }
        if let Some(language) = &options.language {
            args.push(format!("--lang={language}"));
            args.push(format!("--accept-lang={language}"));
        }
        args.extend(options.extra_args);
        let mut chrome_options = json!({ "binary": chromium, "args": args });
        if let Some(dir) = &options.download_dir {
            chrome_options["prefs"] = json!({
                "download.default_directory": dir,
                "download.prompt_for_download": false,
            });
        }
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": chrome_options,
            "webSocketUrl": false
        });
        let url = format!("http://127.0.0.1:{port}");
        browser.client = Some(connect(&url, capabilities, "ChromeDriver").await?);
        if extension.is_none() {
            return Ok(browser);
        }
        // Chromium installs an extension named by `--load-extension` anew at each start,
        // even in a profile used before (`runtime.onInstalled` says "install" each time), so
        // it opens its welcome page each time.
        browser.settle_windows(keep_welcome_page).await?;
        browser.enable_sites(enabled_sites).await?;
        Ok(browser)
    }

    /// Enables `sites` in the options, as the person would (the current tab shows the
    /// options page afterwards).
    async fn enable_sites(&self, sites: EnabledSites) -> Result<()> {
        match sites {
            EnabledSites::FixtureHost => crate::flows::save_extra_sites(self, &[FIXTURE_HOST])
                .await
                .context("enabling the fixture host in the options"),
            EnabledSites::None => Ok(()),
        }
    }

    /// What the content script of the current tab's top frame says of itself (version,
    /// engine, start-up times, whether the checklist and report button started), asked
    /// from an extension page in a window of its own, as the extension would: nothing of it
    /// is in the page. `None` when no content script answers there.
    pub async fn content_state(&self) -> Result<Option<serde_json::Value>> {
        let client = self.client();
        let url = client.current_url().await?.to_string();
        if self.engine == Engine::Chromium {
            // From the service worker, through the DevTools protocol: the page's tab stays
            // the active one (a background tab would start more slowly).
            let worker = crate::devtools::service_worker(self).await?;
            let expression = format!(
                "chrome.tabs.query({{}}).then((tabs) => {{
                   const tab = tabs.find((tab) => tab.url === {url});
                   if (!tab) return {{ missing: 'tab' }};
                   return chrome.tabs.sendMessage(tab.id, {{ type: 'describe-content' }}, {{ frameId: 0 }})
                     .then((state) => state ?? null, () => null);
                 }})",
                url = json!(url)
            );
            let answer = crate::devtools::evaluate(&worker, &expression).await?;
            if answer.get("missing").is_some() {
                bail!("no tab shows {url}");
            }
            return Ok((!answer.is_null()).then_some(answer));
        }
        let current = client.window().await?;
        let opened = client.new_window(true).await?;
        client.switch_to_window(opened.handle.clone()).await?;
        let answer = async {
            self.open_extension_page("options.html").await?;
            let script = "const [url, done] = [arguments[0], arguments[arguments.length - 1]];
                chrome.tabs.query({}).then((tabs) => {
                  const tab = tabs.find((tab) => tab.url === url);
                  if (!tab) { done({ missing: 'tab' }); return; }
                  chrome.tabs.sendMessage(tab.id, { type: 'describe-content' }, { frameId: 0 })
                    .then((state) => done(state ?? null), () => done(null));
                });";
            Ok::<_, anyhow::Error>(client.execute_async(script, vec![json!(url)]).await?)
        }
        .await;
        client.close_window().await?;
        client.switch_to_window(current).await?;
        let answer = answer?;
        if answer.get("missing").is_some() {
            bail!("no tab shows {url}");
        }
        Ok((!answer.is_null()).then_some(answer))
    }

    /// Waits until the current tab's content script has started (its checklist and
    /// report button set up) and returns what it says of itself.
    pub async fn wait_for_content_state(&self) -> Result<serde_json::Value> {
        eventually(WAIT, "the content script to start", || async {
            Ok(self
                .content_state()
                .await?
                .filter(|state| !state["startupMs"].is_null()))
        })
        .await
    }

    /// Starts geckodriver and a headless Firefox with a fresh profile, then installs the
    /// extension as a temporary add-on (as `about:debugging` does).
    ///
    /// geckodriver runs in its own process group, with Firefox and its content processes,
    /// so that dropping the browser kills them all.
    pub async fn launch_firefox(options: LaunchOptions) -> Result<Self> {
        let extension = firefox_extension_dir()?;
        let (firefox, driver_path) = firefox_paths()?;
        let keep_welcome_page = options.keep_welcome_page;
        let enabled_sites = options.enabled_sites;
        let (profile, temporary_profile) = profile_dir(options.profile_dir)?;
        let port = free_port()?;
        // Each geckodriver gets its own WebDriver BiDi port, so that browsers started at
        // the same time (tests run in parallel) do not compete for the default one.
        let websocket_port = free_port()?;
        let (stdout, stderr) = driver_output()?;
        let driver = Command::new(&driver_path)
            .args(["--host", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .arg("--websocket-port")
            .arg(websocket_port.to_string())
            // For the browser's own (chrome) context, where the tests open the extension's
            // pages: WebDriver may not navigate to `moz-extension://` URLs.
            .arg("--allow-system-access")
            .process_group(0)
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("starting {driver_path}"))?;
        let mut browser = Self {
            client: None,
            engine: Engine::Firefox,
            driver,
            profile,
            _temporary_profile: temporary_profile,
        };
        let mut args = vec![
            "-headless".to_owned(),
            "-profile".to_owned(),
            browser.profile.display().to_string(),
        ];
        args.extend(options.extra_args);
        let mut prefs = firefox_base_prefs();
        if let Some(language) = &options.language {
            prefs.insert("intl.accept_languages".to_owned(), language.as_str().into());
        }
        prefs.extend(options.firefox_prefs);
        let capabilities = json!({
            "browserName": "firefox",
            // The fixture servers' certificates are self-signed, made at test time.
            "acceptInsecureCerts": true,
            "moz:firefoxOptions": { "binary": firefox, "args": args, "prefs": prefs }
        });
        let url = format!("http://127.0.0.1:{port}");
        let client = connect(&url, capabilities, "geckodriver").await?;
        browser.client = Some(client);
        browser
            .client()
            .set_window_size(1280, 943)
            .await
            .context("setting the Firefox window's size")?;
        let install = GeckoCommand {
            command: "addon/install",
            body: json!({ "path": extension.to_string_lossy(), "temporary": true }),
        };
        browser
            .client()
            .issue_cmd(install)
            .await
            .with_context(|| format!("installing {} as a temporary add-on", extension.display()))?;
        // A temporary add-on is installed anew each time, so it opens its welcome page.
        browser.settle_windows(keep_welcome_page).await?;
        browser.enable_sites(enabled_sites).await?;
        Ok(browser)
    }

    /// Right after launch, when the extension has just been installed: waits for the
    /// welcome page it opens and closes it, unless `keep_welcome_page`. The current window
    /// stays the browser's first tab.
    async fn settle_windows(&self, keep_welcome_page: bool) -> Result<()> {
        if keep_welcome_page {
            return Ok(());
        }
        let welcome = self
            .wait_for_welcome_tab()
            .await
            .context("the welcome page the extension opens at install")?;
        self.close_welcome_tab(welcome).await
    }

    /// Waits until a tab other than the current window shows the extension's welcome page;
    /// the current window stays the current one.
    pub async fn wait_for_welcome_tab(&self) -> Result<WelcomeTab> {
        eventually(WAIT, "a tab with the welcome page", || async {
            Ok(self.welcome_tabs().await?.into_iter().next())
        })
        .await
    }

    /// The tabs other than the current window that show the extension's welcome page; the
    /// current window stays the current one.
    pub async fn welcome_tabs(&self) -> Result<Vec<WelcomeTab>> {
        self.extension_tabs(WELCOME_PAGE).await
    }

    /// The tabs other than the current window that show the extension's `page` (such as
    /// the options page it opens for a change of companion); the current window stays the
    /// current one. [`Browser::close_welcome_tab`] closes any of them.
    pub async fn extension_tabs(&self, page: &str) -> Result<Vec<WelcomeTab>> {
        let client = self.client();
        let current = client.window().await?;
        match self.engine {
            // ChromeDriver lists no tab that the extension itself opened on one of its
            // pages; the DevTools protocol does (a window handle is a target's id).
            Engine::Chromium => {
                let url = format!("chrome-extension://{}/{page}", crate::CHROMIUM_EXTENSION_ID);
                let current = String::from(current);
                Ok(crate::devtools::targets(self)
                    .await?
                    .into_iter()
                    .filter(|target| {
                        target.kind == "page" && target.url == url && target.id != current
                    })
                    .map(WelcomeTab::Chromium)
                    .collect())
            }
            Engine::Firefox => {
                let mut found = Vec::new();
                for handle in client.windows().await? {
                    if handle == current {
                        continue;
                    }
                    client.switch_to_window(handle.clone()).await?;
                    let url = client.current_url().await;
                    client.switch_to_window(current.clone()).await?;
                    // Firefox gives each install a random UUID as its host.
                    if url.is_ok_and(|url| {
                        url.scheme() == "moz-extension" && url.path() == format!("/{page}")
                    }) {
                        found.push(WelcomeTab::Firefox(handle));
                    }
                }
                Ok(found)
            }
        }
    }

    /// Runs `script` (a function body that returns a value) in the welcome page's tab once
    /// its document has loaded, and returns the value; the current window stays the current one.
    pub async fn eval_in_welcome_tab(
        &self,
        tab: &WelcomeTab,
        script: &str,
    ) -> Result<serde_json::Value> {
        match tab {
            WelcomeTab::Chromium(target) => {
                let expression = format!(
                    "new Promise((resolve) => document.readyState === 'complete' ? resolve() \
                       : addEventListener('load', () => resolve(), {{ once: true }}))
                       .then(() => (() => {{ {script} }})())"
                );
                crate::devtools::evaluate(target, &expression).await
            }
            WelcomeTab::Firefox(handle) => {
                let client = self.client();
                let current = client.window().await?;
                client.switch_to_window(handle.clone()).await?;
                let value = eventually(WAIT, "the welcome page to load", || async {
                    let ready = client.execute("return document.readyState", vec![]).await?;
                    if ready != json!("complete") {
                        return Ok(None);
                    }
                    Ok(Some(client.execute(script, vec![]).await?))
                })
                .await;
                client.switch_to_window(current).await?;
                value
            }
        }
    }

    /// Closes the welcome page's tab and waits until it is gone; the current window stays
    /// the current one (and its tab the active one, the only one left).
    pub async fn close_welcome_tab(&self, tab: WelcomeTab) -> Result<()> {
        match tab {
            WelcomeTab::Chromium(target) => {
                crate::devtools::close_target(self, &target).await?;
                eventually(WAIT, "the welcome page's tab to close", || async {
                    let open = crate::devtools::targets(self).await?;
                    Ok((!open.iter().any(|other| other.id == target.id)).then_some(()))
                })
                .await
            }
            WelcomeTab::Firefox(handle) => {
                let client = self.client();
                let current = client.window().await?;
                client.switch_to_window(handle.clone()).await?;
                client.close_window().await?;
                client.switch_to_window(current).await?;
                eventually(WAIT, "the welcome page's tab to close", || async {
                    Ok((!client.windows().await?.contains(&handle)).then_some(()))
                })
                .await
            }
        }
    }

    /// The browser this is.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Opens one of the extension's own pages (`options.html`, `popup.html`) in the
    /// current tab, as the person does from the browser's menus.
    pub async fn open_extension_page(&self, page: &str) -> Result<()> {
        match self.engine {
            Engine::Chromium => {
                self.goto(&format!(
                    "chrome-extension://{}/{page}",
                    crate::CHROMIUM_EXTENSION_ID
                ))
                .await
            }
            Engine::Firefox => {
                let client = self.client();
                client
                    .issue_cmd(set_context("chrome"))
                    .await
                    .context("switching to Firefox's own window")?;
                let opened = client
                    .execute_async(
                        FIREFOX_OPEN_EXTENSION_PAGE,
                        vec![json!(crate::FIREFOX_ADDON_ID), json!(page)],
                    )
                    .await;
                client
                    .issue_cmd(set_context("content"))
                    .await
                    .context("switching back to the page")?;
                let url = opened
                    .with_context(|| format!("opening the extension's {page}"))?
                    .as_str()
                    .map(str::to_owned)
                    .context("no URL for the extension's page")?;
                eventually(WAIT, &format!("{url} to load"), || async {
                    let current = client.current_url().await?;
                    if current.as_str() != url {
                        return Ok(None);
                    }
                    let ready = client.execute("return document.readyState", vec![]).await?;
                    Ok((ready == json!("complete")).then_some(()))
                })
                .await
            }
        }
    }

    /// The process id of the browser's driver (ChromeDriver or geckodriver), whose
    /// descendants are the browser's processes.
    pub fn driver_pid(&self) -> u32 {
        self.driver.id()
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

    /// Clicks (a WebDriver click: a trusted one) the element `css` matches in the page.
    pub async fn click(&self, css: &str) -> Result<()> {
        self.client()
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("no {css} to click"))?
            .click()
            .await?;
        Ok(())
    }

    /// The rendered text of the element `css` matches in the page.
    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self
            .client()
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("no {css} to read"))?
            .text()
            .await?)
    }

    /// Waits until `css` matches an element whose `attribute` equals `value`.
    pub async fn wait_for_attribute(&self, css: &str, attribute: &str, value: &str) -> Result<()> {
        self.wait_for_attribute_within(WAIT, css, attribute, value)
            .await
    }

    /// Waits up to `within` until `css` matches an element whose `attribute` equals `value`.
    pub async fn wait_for_attribute_within(
        &self,
        within: Duration,
        css: &str,
        attribute: &str,
        value: &str,
    ) -> Result<()> {
        let what = format!("{css} with {attribute}={value:?}");
        eventually(within, &what, || async {
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
        let pattern = self.profile_pattern();
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

    /// Clicks the element matching `inner` inside the shadow root (open or closed) of the
    /// element `host`, with a real, trusted click.
    pub async fn click_in_shadow(&self, host: &str, inner: &str) -> Result<()> {
        let host_element = self.client().find(Locator::Css(host)).await?;
        let shadow = host_element.shadow_root().await?;
        shadow.find(Locator::Css(inner)).await?.click().await?;
        Ok(())
    }

    /// For each element matching `host`, the first element matching `inner` in its shadow
    /// root, as script arguments. Balise's shadow roots are closed: a page's script gets
    /// `null` from `host.shadowRoot`, but WebDriver reaches closed roots (the standard's
    /// "get element shadow root"), and a script given an element inside one gets the root
    /// back with `arguments[0].getRootNode()`.
    pub async fn shadow_anchors(&self, host: &str, inner: &str) -> Result<Vec<serde_json::Value>> {
        let mut anchors = Vec::new();
        for host_element in self.client().find_all(Locator::Css(host)).await? {
            let shadow = host_element.shadow_root().await?;
            let element = shadow.find(Locator::Css(inner)).await?;
            anchors.push(serde_json::to_value(&element)?);
        }
        Ok(anchors)
    }

    /// The first element matching `inner` in the shadow root of the first `host`, as a
    /// script argument (see [`Browser::shadow_anchors`]).
    pub async fn shadow_anchor(&self, host: &str, inner: &str) -> Result<serde_json::Value> {
        let host_element = self.client().find(Locator::Css(host)).await?;
        let element = host_element
            .shadow_root()
            .await?
            .find(Locator::Css(inner))
            .await?;
        Ok(serde_json::to_value(&element)?)
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

/// Types `text` into `element`, which may sit in a closed shadow root: a real click gives
/// it the focus, then trusted key actions type. (ChromeDriver's "element send keys"
/// answers "element not interactable" for an element in a closed shadow root: it does not
/// see the focus there.)
pub async fn type_into(element: &fantoccini::elements::Element, text: &str) -> Result<()> {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    element.click().await?;
    let mut keys = KeyActions::new("keyboard".to_owned());
    for value in text.chars() {
        keys = keys
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
    }
    let client = element.clone().client();
    client.perform_actions(keys).await?;
    client.release_actions().await?;
    Ok(())
}

impl Browser {
    /// What the browser's main process has on its command line, and no other process.
    fn profile_pattern(&self) -> String {
        match self.engine {
            Engine::Chromium => format!("--user-data-dir={}", self.profile.display()),
            Engine::Firefox => format!("-profile {}", self.profile.display()),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A failed test may skip `close`: kill what it left so no browser outlives the test.
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", "--", &self.profile_pattern()])
            .status();
        if self.engine == Engine::Firefox {
            // geckodriver leads its own process group, which holds Firefox's content processes.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.driver.id())])
                .status();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        std::thread::sleep(Duration::from_millis(50));
    }
}
