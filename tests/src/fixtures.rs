//! A local web server for the fixture pages under `tests/fixtures/`, optionally under a strict CSP.

use std::path::{Component, Path, PathBuf};

use anyhow::Result;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::task::JoinHandle;

use crate::browser::Engine;
use crate::workspace_root;

/// The Content-Security-Policy that forbids WebAssembly in the page (no `'wasm-unsafe-eval'`).
pub const STRICT_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

/// How fixture pages are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CspMode {
    /// No Content-Security-Policy header.
    None,
    /// Every page carries [`STRICT_CSP`].
    Strict,
}

impl CspMode {
    /// What the content script runs on a page served this way in `browser` (its
    /// `engine` in the content state): Chromium applies the page's CSP to content scripts
    /// (Chromium bug 1385796), so under [`STRICT_CSP`] it runs the pure-JS build, `js`;
    /// Firefox lets content scripts compile WebAssembly whatever the page's CSP, `wasm`.
    pub fn content_script_engine(self, browser: Engine) -> &'static str {
        match (self, browser) {
            (CspMode::Strict, Engine::Chromium) => "js",
            _ => "wasm",
        }
    }
}

#[derive(Debug, Clone)]
struct FixtureConfig {
    root: PathBuf,
    csp: CspMode,
}

/// A running fixture server on `127.0.0.1:<port>`; stopped on drop.
#[derive(Debug)]
pub struct FixtureServer {
    port: u16,
    task: JoinHandle<()>,
}

impl FixtureServer {
    /// Serves `tests/fixtures/` on a free loopback port.
    pub async fn start(csp: CspMode) -> Result<Self> {
        let config = FixtureConfig {
            root: workspace_root().join("tests").join("fixtures"),
            csp,
        };
        let app = Router::new().fallback(serve_file).with_state(config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { port, task })
    }

    /// The URL of the fixture at `path` (such as `"walking-skeleton.html"`).
    pub fn url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.port,
            path.trim_start_matches('/')
        )
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The `Content-Type` of a fixture file, from its extension.
pub(crate) fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|ext| ext.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

async fn serve_file(State(config): State<FixtureConfig>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    serve_from(
        std::slice::from_ref(&config.root),
        "index.html",
        config.csp,
        &path,
    )
    .await
}

/// Serves the file at the request's URL `path` from the first of `roots` that holds it
/// (`index` for `/`), with its content type, no caching, and [`STRICT_CSP`] when `csp`
/// asks for it. Only plain path segments are accepted: no `..`, no absolute paths.
pub async fn serve_from(roots: &[PathBuf], index: &str, csp: CspMode, path: &str) -> Response {
    let relative = path.trim_start_matches('/');
    let relative = Path::new(if relative.is_empty() { index } else { relative });
    if !relative
        .components()
        .all(|part| matches!(part, Component::Normal(_)))
    {
        return StatusCode::BAD_REQUEST.into_response();
    }
    for root in roots {
        let path = root.join(relative);
        let Ok(bytes) = tokio::fs::read(&path).await else {
            continue;
        };
        let mut response = bytes.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(&path)),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if csp == CspMode::Strict {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(STRICT_CSP),
            );
        }
        return response;
    }
    StatusCode::NOT_FOUND.into_response()
}
