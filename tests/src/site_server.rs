//! The social-network fixture pages (`tests/fixtures/sites/`) served over HTTPS for any host
//! name, with a certificate made at test time, plus the table describing each fixture.
//!
//! Chromium reaches the server under the sites' real host names through [`browser_args`]
//! (`--host-resolver-rules` and `--ignore-certificate-errors`), Firefox through
//! [`firefox_prefs`] (`network.dns.localDomains`; the harness accepts the certificate), so
//! the extension's host matching is exercised as on the real sites.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::browser::{Engine, LaunchOptions};
use crate::fixtures::{CspMode, serve_from};
use crate::{target_dir, workspace_root};

/// A keyboard shortcut that publishes from a compose box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    /// Enter alone (TikTok, Instagram comments).
    Enter,
    /// Ctrl+Enter (Cmd+Enter on macOS).
    CtrlEnter,
}

/// An element a test must reach: a CSS selector, searched inside the open shadow root of
/// `shadow_host` when there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Selector of the element whose open shadow root holds the element, if any.
    pub shadow_host: Option<&'static str>,
    /// Selector of the element (inside the shadow root when `shadow_host` is set).
    pub selector: &'static str,
}

const fn light(selector: &'static str) -> Target {
    Target {
        shadow_host: None,
        selector,
    }
}

const fn shadow(host: &'static str, selector: &'static str) -> Target {
    Target {
        shadow_host: Some(host),
        selector,
    }
}

/// One fixture page and how a test drives its first compose box (box 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteFixture {
    /// The site adapter id (`shared/src/sites.rs`), also `balise_fixture.site`.
    pub id: &'static str,
    /// The real host name the page is served under.
    pub host: &'static str,
    /// The page's file name.
    pub page: &'static str,
    /// What to click to mount the box when it mounts lazily.
    pub open_selector: Option<&'static str>,
    /// The compose box (the element that takes keyboard input).
    pub box_selector: Target,
    /// The publish control of that box.
    pub publish_selector: Target,
    /// The keyboard shortcut that publishes from that box, if the site has one.
    pub shortcut: Option<Shortcut>,
    /// The editor library, also `balise_fixture.editor`.
    pub editor: &'static str,
}

/// Every site fixture page.
pub const SITE_FIXTURES: &[SiteFixture] = &[
    SiteFixture {
        id: "facebook",
        host: "www.facebook.com",
        page: "facebook.html",
        open_selector: Some("div[role=\"button\"][data-pagelet=\"composer-opener\"]"),
        box_selector: light(
            "div[role=\"dialog\"] div[role=\"textbox\"][contenteditable=\"true\"][data-lexical-editor=\"true\"]",
        ),
        publish_selector: light(
            "div[role=\"dialog\"] div[role=\"button\"][aria-label=\"Publier\"]",
        ),
        shortcut: None,
        editor: "lexical",
    },
    SiteFixture {
        id: "instagram",
        host: "www.instagram.com",
        page: "instagram.html",
        open_selector: None,
        box_selector: light("[aria-label^=\"Écrivez une légende\"][contenteditable=\"true\"]"),
        publish_selector: light("section[role=\"dialog\"] div[role=\"button\"]"),
        shortcut: None,
        editor: "lexical",
    },
    SiteFixture {
        id: "threads",
        host: "www.threads.net",
        page: "threads.html",
        open_selector: None,
        box_selector: light(
            "[data-fixture-box=\"0\"] div[role=\"textbox\"][contenteditable=\"true\"][data-lexical-editor=\"true\"]",
        ),
        publish_selector: light("[data-fixture-box=\"0\"] div[role=\"button\"]"),
        shortcut: None,
        editor: "lexical",
    },
    SiteFixture {
        id: "x",
        host: "x.com",
        page: "x.html",
        open_selector: None,
        box_selector: light(
            "[data-testid=\"tweetTextarea_0\"].public-DraftEditor-content[contenteditable=\"true\"]",
        ),
        publish_selector: light("[data-testid=\"tweetButtonInline\"]"),
        shortcut: Some(Shortcut::CtrlEnter),
        editor: "draft-js",
    },
    SiteFixture {
        id: "linkedin",
        host: "www.linkedin.com",
        page: "linkedin.html",
        open_selector: None,
        box_selector: shadow("#interop-outlet", ".ql-editor[contenteditable=\"true\"]"),
        publish_selector: shadow("#interop-outlet", "button.share-actions__primary-action"),
        shortcut: None,
        editor: "quill",
    },
    SiteFixture {
        id: "bluesky",
        host: "bsky.app",
        page: "bluesky.html",
        open_selector: None,
        box_selector: light(".ProseMirror[contenteditable=\"true\"][role=\"textbox\"]"),
        publish_selector: light("[data-testid=\"composerPublishBtn\"]"),
        shortcut: Some(Shortcut::CtrlEnter),
        editor: "tiptap",
    },
    SiteFixture {
        id: "mastodon",
        host: "mastodon.social",
        page: "mastodon.html",
        open_selector: None,
        box_selector: light("form.compose-form textarea"),
        publish_selector: light("form.compose-form button[type=\"submit\"]"),
        shortcut: Some(Shortcut::CtrlEnter),
        editor: "textarea",
    },
    SiteFixture {
        id: "reddit",
        host: "www.reddit.com",
        page: "reddit.html",
        open_selector: None,
        box_selector: shadow(
            "shreddit-composer",
            "div[role=\"textbox\"][contenteditable=\"true\"][data-lexical-editor=\"true\"]",
        ),
        publish_selector: light("shreddit-composer button[slot=\"submit-button\"]"),
        shortcut: None,
        editor: "lexical",
    },
    SiteFixture {
        id: "youtube",
        host: "www.youtube.com",
        page: "youtube.html",
        open_selector: Some("ytd-comment-simplebox-renderer #simplebox-placeholder"),
        box_selector: light("ytd-commentbox #contenteditable-root"),
        publish_selector: light("ytd-commentbox #submit-button button"),
        shortcut: None,
        editor: "contenteditable",
    },
    SiteFixture {
        id: "tiktok",
        host: "www.tiktok.com",
        page: "tiktok.html",
        open_selector: None,
        box_selector: light("[data-e2e=\"comment-input\"] .public-DraftEditor-content"),
        publish_selector: light("[data-e2e=\"comment-post\"]"),
        shortcut: Some(Shortcut::Enter),
        editor: "draft-js",
    },
    SiteFixture {
        id: "generic",
        host: "exemple-syndicat.test",
        page: "generic.html",
        open_selector: None,
        box_selector: light("textarea"),
        publish_selector: light("#publier"),
        shortcut: None,
        editor: "textarea",
    },
];

/// Finds `target` (through its shadow root when it has one), waiting for it to appear.
pub async fn find(
    client: &fantoccini::Client,
    target: Target,
) -> Result<fantoccini::elements::Element> {
    use fantoccini::Locator;
    crate::eventually(crate::WAIT, target.selector, || async {
        let found = match target.shadow_host {
            None => client.find(Locator::Css(target.selector)).await,
            Some(host) => match client.find(Locator::Css(host)).await {
                Ok(host) => match host.shadow_root().await {
                    Ok(root) => root.find(Locator::Css(target.selector)).await,
                    Err(error) => Err(error),
                },
                Err(error) => Err(error),
            },
        };
        Ok(found.ok())
    })
    .await
}

/// Fails with every fixture's failure, one per line, when there is any.
pub fn fail_on_any(failures: &[String]) -> Result<()> {
    if failures.is_empty() {
        return Ok(());
    }
    bail!(
        "{} fixture(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    )
}

/// The fixture with this adapter id.
pub fn site_fixture(id: &str) -> Option<&'static SiteFixture> {
    SITE_FIXTURES.iter().find(|fixture| fixture.id == id)
}

/// Chromium switches that send every fixture host to 127.0.0.1 and accept the server's
/// self-signed certificate.
pub fn browser_args() -> Vec<String> {
    let rules = SITE_FIXTURES
        .iter()
        .map(|fixture| format!("MAP {} 127.0.0.1", fixture.host))
        .collect::<Vec<_>>()
        .join(",");
    vec![
        format!("--host-resolver-rules={rules}"),
        "--ignore-certificate-errors".to_owned(),
    ]
}

/// Options for a browser of `engine` that reaches the fixture sites under their real host
/// names: [`browser_args`] for Chromium, [`firefox_prefs`] for Firefox.
pub fn launch_options(engine: Engine) -> LaunchOptions {
    let mut options = LaunchOptions::engine(engine);
    match engine {
        Engine::Chromium => options.extra_args = browser_args(),
        Engine::Firefox => options.firefox_prefs = firefox_prefs(),
    }
    options
}

/// Firefox preferences that resolve every fixture host to this machine, as `localhost`
/// (IPv4 only: the server listens on 127.0.0.1). Firefox has no `--host-resolver-rules`;
/// the self-signed certificate is accepted through the session's `acceptInsecureCerts`.
pub fn firefox_prefs() -> serde_json::Map<String, serde_json::Value> {
    let hosts = SITE_FIXTURES
        .iter()
        .map(|fixture| fixture.host)
        .collect::<Vec<_>>()
        .join(",");
    let mut prefs = serde_json::Map::new();
    prefs.insert("network.dns.localDomains".to_owned(), hosts.into());
    prefs.insert("network.dns.disableIPv6".to_owned(), true.into());
    prefs
}

#[derive(Debug, Clone)]
struct SiteConfig {
    /// Folders searched in order for a requested file: the pages, then the bundles.
    roots: Arc<[PathBuf]>,
    csp: CspMode,
}

/// A running HTTPS server for the site fixtures on `127.0.0.1:<port>`; stopped on drop.
#[derive(Debug)]
pub struct SiteServer {
    port: u16,
    tasks: Vec<JoinHandle<()>>,
}

/// The folder of the bundled fixture scripts (`cargo xtask fixtures`).
pub fn bundles_dir() -> PathBuf {
    target_dir().join("fixtures").join("sites")
}

impl SiteServer {
    /// Serves the site fixtures over TLS on a free loopback port, for any Host header.
    pub async fn start(csp: CspMode) -> Result<Self> {
        let pages = workspace_root()
            .join("tests")
            .join("fixtures")
            .join("sites");
        let bundles = bundles_dir();
        if !bundles.join("facebook.js").exists() {
            bail!(
                "the fixture scripts are not built ({} is missing): run `cargo xtask fixtures`",
                bundles.join("facebook.js").display()
            );
        }
        let config = SiteConfig {
            roots: Arc::from(vec![pages, bundles]),
            csp,
        };
        let app = Router::new().fallback(serve_site_file).with_state(config);
        let tcp = TcpListener::bind("127.0.0.1:0").await?;
        let port = tcp.local_addr()?.port();
        let acceptor = TlsAcceptor::from(Arc::new(tls_config()?));
        let (sender, receiver) = mpsc::channel(64);
        // Handshakes run in their own tasks so that one slow client blocks no other.
        let accept_task = tokio::spawn(async move {
            loop {
                let Ok((stream, address)) = tcp.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let sender = sender.clone();
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        let _ = sender.send((tls, address)).await;
                    }
                });
            }
        });
        let listener = TlsListener {
            receiver,
            local: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let serve_task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            port,
            tasks: vec![accept_task, serve_task],
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of a site's fixture page under its real host name, e.g.
    /// `https://www.facebook.com:PORT/facebook.html`.
    pub fn site_url(&self, site: &str) -> String {
        match site_fixture(site) {
            Some(fixture) => format!("https://{}:{}/{}", fixture.host, self.port, fixture.page),
            None => format!("https://exemple-syndicat.test:{}/{site}.html", self.port),
        }
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A self-signed certificate for every fixture host, made now.
fn tls_config() -> Result<rustls::ServerConfig> {
    let mut names: Vec<String> = SITE_FIXTURES
        .iter()
        .map(|fixture| fixture.host.to_owned())
        .collect();
    names.push("localhost".to_owned());
    let certified =
        rcgen::generate_simple_self_signed(names).context("making a self-signed certificate")?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Hands axum the connections whose TLS handshake succeeded.
struct TlsListener {
    receiver: mpsc::Receiver<(TlsStream<tokio::net::TcpStream>, std::net::SocketAddr)>,
    local: std::net::SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.receiver.recv().await {
            Some(connection) => connection,
            // The accept task ended (server dropped): wait forever, axum is being aborted.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

async fn serve_site_file(State(config): State<SiteConfig>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    serve_from(&config.roots, "generic.html", config.csp, &path).await
}
