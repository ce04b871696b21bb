//! Traces recorded by hand on the dashboard, against the real server and its SQLite file:
//! with and without a screenshot (PNG, JPEG), chained in the evidence log; refused when the
//! screenshot lies about its hash or is no image; shown escaped; and every kind of
//! tampering with a trace or its screenshot named by `verify`.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{TestServer, csrf_from, png, sha256_hex};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

/// A tiny JPEG as cameras start them (SOI, APP0 "JFIF"), ending with EOI.
fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    bytes.extend_from_slice(&[0x12, 0x34, 0x56, 0x78, 0xFF, 0xD9]);
    bytes
}

struct Trace<'a> {
    text: &'a str,
    site: &'a str,
    url: &'a str,
    occurred_at: &'a str,
    screenshot: Option<(Vec<u8>, &'a str)>,
    sha256: Option<String>,
}

impl Default for Trace<'_> {
    fn default() -> Self {
        Self {
            text: "Appel d'un parent au sujet d'une publication sur la grève.",
            site: "Facebook",
            url: "https://www.facebook.com/groups/parents/posts/42",
            occurred_at: "2026-12-04T16:45",
            screenshot: None,
            sha256: None,
        }
    }
}

async fn post_trace(server: &TestServer, csrf: &str, trace: &Trace<'_>) -> reqwest::Response {
    let mut form = Form::new()
        .text("csrf", csrf.to_owned())
        .text("text", trace.text.to_owned())
        .text("site", trace.site.to_owned())
        .text("url", trace.url.to_owned())
        .text("occurred_at", trace.occurred_at.to_owned());
    form = match &trace.screenshot {
        Some((bytes, mime)) => form.part(
            "screenshot",
            Part::bytes(bytes.clone())
                .file_name("capture")
                .mime_str(mime)
                .unwrap(),
        ),
        // What a browser sends when no file is chosen.
        None => form.part(
            "screenshot",
            Part::bytes(Vec::new())
                .file_name("")
                .mime_str("application/octet-stream")
                .unwrap(),
        ),
    };
    if let Some(sha) = &trace.sha256 {
        form = form.text("screenshot_sha256", sha.clone());
    }
    server
        .client
        .post(server.url("/traces"))
        .header("origin", server.own_origin())
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn csrf(server: &TestServer) -> String {
    let html = server.page("/").await;
    assert!(html.contains("action=\"/traces\""), "the add-a-trace form");
    csrf_from(&html)
}

/// Records a trace; returns its id (from the 303's `Location`).
async fn record(server: &TestServer, trace: &Trace<'_>) -> String {
    let response = post_trace(server, &csrf(server).await, trace).await;
    assert_eq!(response.status(), 303, "{:?}", response.text().await);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let id = location
        .strip_prefix("/traces/")
        .and_then(|rest| rest.strip_suffix("?done=recorded"))
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::try_parse(&id).is_ok());
    id
}

async fn get(server: &TestServer, path: &str) -> reqwest::Response {
    server.client.get(server.url(path)).send().await.unwrap()
}

/// The trace's row: (trace_json, evidence_seq), and its entry (kind, subject, payload).
fn stored(server: &TestServer, id: &str) -> (Value, String, i64, (String, String, String)) {
    let db = server.db();
    let (json, seq): (String, i64) = db
        .query_row(
            "SELECT trace_json, evidence_seq FROM traces WHERE id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let entry = db
        .query_row(
            "SELECT kind, subject, payload_sha256 FROM evidence_log WHERE seq = ?1",
            [seq],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    (serde_json::from_str(&json).unwrap(), json, seq, entry)
}

fn verify(dir: &Path) -> (bool, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_balise-companion"))
        .args(["verify", "--data-dir"])
        .arg(dir)
        .output()
        .unwrap();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[tokio::test]
async fn a_trace_without_a_screenshot_is_chained_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let id = record(&server, &Trace::default()).await;

    let (trace, json, seq, (kind, subject, payload)) = stored(&server, &id);
    assert_eq!(
        (kind.as_str(), subject.as_str()),
        ("trace_recorded", id.as_str())
    );
    assert_eq!(payload, sha256_hex(json.as_bytes()));
    assert_eq!(seq, 2, "after the policy in force, entry 1");
    assert_eq!(trace["text"], Trace::default().text);
    assert_eq!(trace["site"], "Facebook");
    assert_eq!(trace["url"], Trace::default().url);
    assert_eq!(trace["occurredAt"], "2026-12-04T16:45");
    assert!(trace.get("screenshot").is_none());
    assert_eq!(server.count("trace_screenshots"), 0);

    let response = get(&server, &format!("/traces/{id}?done=recorded")).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains(&Trace::default().text.replace('\'', "&#39;")));
    assert!(html.contains("href=\"https://www.facebook.com/groups/parents/posts/42\""));
    assert!(html.contains("2026-12-04 16:45"));
    assert!(!html.contains("/screenshot\""), "no screenshot to show");
    assert_eq!(
        get(&server, &format!("/traces/{id}/screenshot"))
            .await
            .status(),
        404
    );
    let dashboard = get(&server, "/").await.text().await.unwrap();
    assert!(dashboard.contains(&format!("data-trace-id=\"{id}\"")));
    assert!(verify(dir.path()).0);
    server.stop().await;
}

#[tokio::test]
async fn png_and_jpeg_screenshots_are_chained_and_served_verified() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let shot = png(5, 5, [200, 10, 10]);
    let with_png = record(
        &server,
        &Trace {
            screenshot: Some((shot.clone(), "image/png")),
            // The expected hash, given in capitals, matches.
            sha256: Some(sha256_hex(&shot).to_ascii_uppercase()),
            ..Trace::default()
        },
    )
    .await;
    let with_jpeg = record(
        &server,
        &Trace {
            screenshot: Some((jpeg(), "image/jpeg")),
            url: "",
            ..Trace::default()
        },
    )
    .await;

    for (id, bytes, media_type) in [
        (&with_png, &shot, "image/png"),
        (&with_jpeg, &jpeg(), "image/jpeg"),
    ] {
        let (trace, _, _, _) = stored(&server, id);
        assert_eq!(trace["screenshot"]["sha256"], sha256_hex(bytes));
        assert_eq!(trace["screenshot"]["mediaType"], media_type);
        assert_eq!(trace["screenshot"]["byteLength"], bytes.len());
        let response = get(&server, &format!("/traces/{id}/screenshot")).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], media_type);
        assert_eq!(
            response.headers()["x-balise-sha256"],
            sha256_hex(bytes).as_str()
        );
        assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());
        let html = get(&server, &format!("/traces/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("data-screenshot=\"verified\""));
        assert!(html.contains(&format!("src=\"/traces/{id}/screenshot\"")));
    }
    let (trace, _, _, _) = stored(&server, &with_jpeg);
    assert!(trace.get("url").is_none(), "an empty URL is no URL");
    let (ok, printed) = verify(dir.path());
    assert!(ok, "{printed}");
    assert!(
        printed.contains("Trace screenshots verified: 2 of 2"),
        "{printed}"
    );
    server.stop().await;
}

#[tokio::test]
async fn refused_traces_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = csrf(&server).await;
    let shot = png(4, 4, [1, 2, 3]);
    let cases = [
        // The screenshot lies about its hash.
        (
            Trace {
                screenshot: Some((shot.clone(), "image/png")),
                sha256: Some(sha256_hex(&png(4, 4, [9, 9, 9]))),
                ..Trace::default()
            },
            "sha256_mismatch",
        ),
        // A hash for no screenshot at all.
        (
            Trace {
                sha256: Some(sha256_hex(&shot)),
                ..Trace::default()
            },
            "sha256_mismatch",
        ),
        // Not a PNG or JPEG, whatever its declared type.
        (
            Trace {
                screenshot: Some((b"<svg onload=alert(1)></svg>".to_vec(), "image/png")),
                ..Trace::default()
            },
            "not_an_image",
        ),
        (
            Trace {
                screenshot: Some((b"GIF89a\x01\0\x01\0\0\0\0;".to_vec(), "image/jpeg")),
                ..Trace::default()
            },
            "not_an_image",
        ),
        (
            Trace {
                url: "javascript:alert(1)",
                ..Trace::default()
            },
            "invalid_trace_url",
        ),
        (
            Trace {
                text: "   ",
                ..Trace::default()
            },
            "invalid_trace_text",
        ),
        (
            Trace {
                site: "",
                ..Trace::default()
            },
            "invalid_trace_site",
        ),
        (
            Trace {
                occurred_at: "hier soir",
                ..Trace::default()
            },
            "invalid_trace_time",
        ),
    ];
    for (trace, code) in &cases {
        let response = post_trace(&server, &token, trace).await;
        assert_eq!(response.status(), 422, "{code}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!("data-error-code=\"{code}\"")),
            "{code}: {html}"
        );
    }
    // A forged CSRF token, and another origin.
    let response = post_trace(&server, "forged", &Trace::default()).await;
    assert_eq!(response.status(), 403);
    let response = server
        .client
        .post(server.url("/traces"))
        .header("origin", "http://evil.example")
        .multipart(Form::new().text("csrf", token.clone()).text("text", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // A screenshot over the size limit.
    let big = Trace {
        screenshot: Some((
            {
                let mut bytes = shot.clone();
                bytes.resize(16 * 1024 * 1024, 0);
                bytes
            },
            "image/png",
        )),
        ..Trace::default()
    };
    let response = post_trace(&server, &token, &big).await;
    assert_eq!(response.status(), 413);
    for table in ["traces", "trace_screenshots"] {
        assert_eq!(server.count(table), 0, "{table}");
    }
    assert_eq!(
        server.count("evidence_log"),
        1,
        "only the policy in force, recorded at start-up"
    );
    server.stop().await;
}

#[tokio::test]
async fn html_in_every_trace_field_is_shown_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let id = record(
        &server,
        &Trace {
            text: "<script>alert('text')</script><b>gras</b>",
            site: "<img src=x onerror=alert('site')>",
            url: "https://x.com/\"><script>alert('url')</script>",
            ..Trace::default()
        },
    )
    .await;
    for path in ["/".to_owned(), format!("/traces/{id}")] {
        let html = get(&server, &path).await.text().await.unwrap();
        for raw in ["<script>alert", "<img src=x", "<b>gras", "\"><script"] {
            assert!(!html.contains(raw), "{path} shows {raw} as markup");
        }
        assert!(
            html.contains("&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;"),
            "{path}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(&#39;site&#39;)&gt;"),
            "{path}"
        );
        assert!(
            html.contains("https://x.com/&quot;&gt;&lt;script&gt;"),
            "{path}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn tampered_traces_and_screenshots_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let first_shot = png(6, 6, [10, 200, 10]);
    let first = record(
        &server,
        &Trace {
            screenshot: Some((first_shot.clone(), "image/png")),
            ..Trace::default()
        },
    )
    .await;
    let second = record(
        &server,
        &Trace {
            text: "Deuxième trace.",
            screenshot: Some((jpeg(), "image/jpeg")),
            ..Trace::default()
        },
    )
    .await;
    let (_, _, second_seq, _) = stored(&server, &second);
    server.stop().await;
    assert!(verify(dir.path()).0);
    let db = rusqlite::Connection::open(dir.path().join("balise.sqlite3")).unwrap();

    // A screenshot byte changed: named, and the page and route refuse it.
    let mut bytes = first_shot.clone();
    let last = bytes.len() - 10;
    bytes[last] ^= 0x01;
    db.execute(
        "UPDATE trace_screenshots SET bytes = ?1 WHERE trace_id = ?2",
        rusqlite::params![bytes, first],
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok);
    assert!(
        printed.contains(&format!("ALTERED: trace {first}: screenshot SHA-256 is")),
        "{printed}"
    );
    assert!(!printed.contains(&second), "{printed}");
    {
        let server = TestServer::start(dir.path()).await;
        let response = get(&server, &format!("/traces/{first}/screenshot")).await;
        assert_eq!(response.status(), 500);
        let html = get(&server, &format!("/traces/{first}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("data-screenshot=\"altered\""));
        server.stop().await;
    }

    // Swapped for other bytes with both hash columns and the length updated: the chained
    // trace still names the original.
    let swapped = png(6, 6, [0, 0, 0]);
    db.execute(
        "UPDATE trace_screenshots SET bytes = ?1, sha256 = ?2, byte_length = ?3 WHERE trace_id = ?4",
        rusqlite::params![swapped, sha256_hex(&swapped), swapped.len() as i64, first],
    )
    .unwrap();
    db.execute(
        "UPDATE traces SET screenshot_sha256 = ?1 WHERE id = ?2",
        rusqlite::params![sha256_hex(&swapped), first],
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok);
    assert!(
        printed.contains(&format!(
            "ALTERED: trace {first}: screenshot SHA-256 is {}, but the chained trace names {}",
            sha256_hex(&swapped),
            sha256_hex(&first_shot)
        )),
        "{printed}"
    );
    // (The copy in the traces row no longer matches its JSON either: the chain says so.)
    assert!(
        printed.contains("ALTERED: evidence-log entry 2"),
        "{printed}"
    );

    // The second trace's text edited in its chained JSON: its entry is named.
    let json: String = db
        .query_row(
            "SELECT trace_json FROM traces WHERE id = ?1",
            [&second],
            |row| row.get(0),
        )
        .unwrap();
    db.execute(
        "UPDATE traces SET trace_json = ?1, body = 'Texte réécrit.' WHERE id = ?2",
        rusqlite::params![json.replace("Deuxième trace.", "Texte réécrit."), second],
    )
    .unwrap();
    db.execute(
        "UPDATE trace_screenshots SET bytes = ?1, sha256 = ?2, byte_length = ?3 WHERE trace_id = ?4",
        rusqlite::params![first_shot, sha256_hex(&first_shot), first_shot.len() as i64, first],
    )
    .unwrap();
    db.execute(
        "UPDATE traces SET screenshot_sha256 = ?1 WHERE id = ?2",
        rusqlite::params![sha256_hex(&first_shot), first],
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok);
    assert!(
        printed.contains(&format!(
            "ALTERED: evidence-log entry {second_seq}: the recorded row no longer matches payload_sha256"
        )),
        "{printed}"
    );
    assert!(
        !printed.contains(&format!("trace {first}")),
        "restored: {printed}"
    );

    // Only a copy column edited: named too.
    db.execute(
        "UPDATE traces SET trace_json = ?1, body = 'Deuxième trace.' WHERE id = ?2",
        rusqlite::params![json, second],
    )
    .unwrap();
    assert!(verify(dir.path()).0);
    db.execute(
        "UPDATE traces SET site = 'Ailleurs' WHERE id = ?1",
        [&second],
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok);
    assert!(
        printed.contains("columns differ from its chained JSON"),
        "{printed}"
    );

    // The screenshot row deleted.
    db.execute(
        "UPDATE traces SET site = 'Facebook' WHERE id = ?1",
        [&second],
    )
    .unwrap();
    db.execute(
        "DELETE FROM trace_screenshots WHERE trace_id = ?1",
        [&second],
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok);
    assert!(
        printed.contains(&format!(
            "ALTERED: trace {second}: the screenshot is missing"
        )),
        "{printed}"
    );
}
