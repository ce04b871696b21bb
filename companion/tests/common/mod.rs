//! Test harness: a real companion on port 0 over a temporary data directory, a reqwest client,
//! a tiny PNG encoder, the HTTP pairing flow, and direct reads of the SQLite file.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use balise_companion::{Companion, Settings, serve};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A Chromium extension origin used as the paired extension.
pub const CHROME_ORIGIN: &str = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";
/// Another extension origin, never paired.
pub const OTHER_CHROME_ORIGIN: &str = "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba";
/// A Firefox extension origin.
pub const FIREFOX_ORIGIN: &str = "moz-extension://0b9e2f9c-1f43-4f5e-9f61-6f3d6a4f2e11";

/// A running in-process companion.
pub struct TestServer {
    pub base: String,
    pub port: u16,
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts a companion on port 0 over `data_dir` with default settings.
    pub async fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, |_| {}).await
    }

    /// Starts a companion after letting `tweak` change its settings.
    pub async fn start_with(data_dir: &Path, tweak: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = Settings::defaults(data_dir);
        settings.port = 0;
        tweak(&mut settings);
        let companion = Companion::open(settings).expect("companion opens");
        let sign_in_code = balise_companion::session::new_signin_code(&companion.store)
            .await
            .expect("sign-in link");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, companion, async move {
            let _ = stopped.await;
        }));
        let base = format!("http://127.0.0.1:{port}");
        let client = signed_in_client(&base, &sign_in_code).await;
        Self {
            base,
            port,
            data_dir: data_dir.to_owned(),
            client,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops gracefully and waits for the database to close.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server result");
        }
    }

    /// A client with no dashboard session (as any other local program).
    pub fn anonymous(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// A fresh one-time sign-in code, as `balise-companion open` makes.
    pub async fn sign_in_code(&self) -> String {
        let store = balise_companion::Store::open(&self.data_dir).expect("store");
        let code = balise_companion::session::new_signin_code(&store)
            .await
            .expect("code");
        store.close().expect("close");
        code
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The own origin of the companion's pages.
    pub fn own_origin(&self) -> String {
        self.base.clone()
    }

    /// Opens the SQLite file directly (as an auditor or an attacker would).
    pub fn db(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(self.data_dir.join("balise.sqlite3")).expect("db");
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        conn
    }

    /// The stored bytes of a report's screenshot, read from disk as they are kept: its file
    /// `evidence/ab/cdef…` (named by the row's hash), or the row's BLOB for rows stored
    /// before screenshots became files.
    pub fn screenshot_bytes(&self, report_id: &str) -> Vec<u8> {
        let (sha, png): (String, Option<Vec<u8>>) = self
            .db()
            .query_row(
                "SELECT sha256, png FROM screenshots WHERE report_id = ?1",
                [report_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .expect("a screenshot row");
        png.unwrap_or_else(|| {
            std::fs::read(
                self.data_dir
                    .join("evidence")
                    .join(&sha[..2])
                    .join(&sha[2..]),
            )
            .expect("the screenshot's file")
        })
    }

    /// Row count of a table, read from the file.
    pub fn count(&self, table: &str) -> i64 {
        balise_companion::store::count_rows(&self.db(), table).expect("count")
    }

    /// Counts of every evidence table, to assert that a failed request stored nothing.
    pub fn counts(&self) -> Vec<(&'static str, i64)> {
        [
            "reports",
            "screenshots",
            "evidence_log",
            "idempotency",
            "mail_queue",
            "report_forwards",
            "imports",
            "attestations",
            "report_annotations",
            "paired_clients",
        ]
        .into_iter()
        .map(|table| (table, self.count(table)))
        .collect()
    }

    /// The token the server uses, as in its file.
    pub fn token_file(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("token"))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// Runs the whole pairing flow over HTTP for `origin` and returns the handed-out token.
    pub async fn pair(&self, origin: &str) -> String {
        let browser = if origin.starts_with("moz-") {
            "firefox"
        } else {
            "chromium"
        };
        let created: Value = self
            .client
            .post(self.url("/api/v1/pairing"))
            .header("origin", origin)
            .json(&json!({ "label": "Profil de test", "browser": browser }))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["requestId"].as_str().unwrap().to_owned();
        let page = self.pair_page().await;
        assert!(page.contains(created["code"].as_str().unwrap()));
        let csrf = csrf_from(&page);
        let approved = self
            .client
            .post(self.url(&format!("/pair/{id}/approve")))
            .header("origin", self.own_origin())
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(approved.status(), 303, "approve redirects to /pair");
        let polled: Value = self.poll(&id, origin).await;
        assert_eq!(polled["status"], "approved");
        polled["token"]
            .as_str()
            .expect("token handed out")
            .to_owned()
    }

    /// A page's HTML, read as the signed-in manager's browser would (whatever its status).
    pub async fn page(&self, path: &str) -> String {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// GET /pair as the browser would (no Origin on a navigation).
    pub async fn pair_page(&self) -> String {
        let response = self.client.get(self.url("/pair")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }

    /// GET /api/v1/pairing/{id} from `origin`.
    pub async fn poll(&self, id: &str, origin: &str) -> Value {
        let response = self
            .client
            .get(self.url(&format!("/api/v1/pairing/{id}")))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Uploads a report as the extension does.
    pub async fn upload(
        &self,
        token: &str,
        key: &str,
        report: &[u8],
        screenshot: &[u8],
    ) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .part(
                "report",
                reqwest::multipart::Part::bytes(report.to_vec())
                    .mime_str("application/json")
                    .unwrap(),
            )
            .part(
                "screenshot",
                reqwest::multipart::Part::bytes(screenshot.to_vec())
                    .file_name("capture.png")
                    .mime_str("image/png")
                    .unwrap(),
            );
        self.client
            .post(self.url("/api/v1/reports"))
            .headers(extension_headers(token))
            .header("idempotency-key", key)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }
}

impl TestServer {
    /// Stores one report whose screenshot has its own `shade`, as a paired extension would;
    /// returns its id.
    pub async fn store_report(&self, token: &str, shade: u8) -> String {
        let screenshot = png(6, 4, [shade, 20, 30]);
        let id = new_key();
        let report = report_json(&id, &screenshot);
        let response = self
            .upload(
                token,
                &new_key(),
                report.to_string().as_bytes(),
                &screenshot,
            )
            .await;
        assert_eq!(response.status(), 201);
        id
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Origin + bearer token, as the paired extension's service worker sends them.
pub fn extension_headers(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("origin", HeaderValue::from_static(CHROME_ORIGIN));
    headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers
}

/// A client that keeps cookies, signed in to the dashboard with a one-time code.
pub async fn signed_in_client(base: &str, code: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let response = client
        .get(format!("{base}/signin?code={code}"))
        .send()
        .await
        .expect("sign in");
    assert_eq!(
        response.status(),
        303,
        "signing in redirects to the dashboard"
    );
    client
}

/// The CSRF token in the pairing page's forms.
pub fn csrf_from(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("csrf field") + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

pub use balise_core::digest::sha256_hex;

pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A valid report for a screenshot.
pub fn report_json(id: &str, screenshot: &[u8]) -> Value {
    json!({
        "id": id,
        "capturedAt": "2026-11-28T14:05:09.123Z",
        "pageUrl": "https://www.facebook.com/groups/123/posts/456",
        "pageTitle": "Groupe des enseignantes et enseignants <b>| Facebook",
        "reporter": { "name": "Marie Tremblay", "email": "marie.tremblay@example.org" },
        "category": "negative-remark",
        "note": "Commentaire dénigrant le syndicat.",
        "screenshotSha256": sha256_hex(screenshot),
        "selectedText": "Le syndicat ne fait rien",
        "site": "facebook",
        "viewport": { "width": 1280, "height": 800 },
        "browser": "Chromium 156",
        "extensionVersion": "0.1.0"
    })
}

/// A minimal valid PNG: 8-bit RGB, `width` x `height`, one colour, stored (uncompressed) deflate.
pub fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    // Each scanline: filter byte 0 (none), then the pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain(rgb.iter().copied().cycle().take(3 * width as usize))
        .collect();
    let raw = row.repeat(height as usize);
    let mut zlib = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (index, block) in chunks.iter().enumerate() {
        let last = u8::from(index + 1 == chunks.len());
        zlib.push(last);
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());

    let mut png = balise_companion::png::SIGNATURE.to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    for (kind, data) in [(*b"IHDR", ihdr), (*b"IDAT", zlib), (*b"IEND", Vec::new())] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(&data);
        png.extend_from_slice(&crc_input);
        png.extend_from_slice(&balise_companion::png::crc32(&crc_input).to_be_bytes());
    }
    png
}

/// Asserts an error response: status, `error.code`, and returns the body.
pub async fn expect_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "status for {code}: body {body}");
    assert_eq!(body["error"]["code"], code, "body {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    body
}
