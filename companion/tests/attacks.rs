//! Attacks on a running companion (real TCP, real SQLite file): each is refused with its
//! exact status and code, and nothing is stored or changed (row counts and the evidence
//! chain's head are the same before and after).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What must not change: every evidence table's row count and the chain's head.
#[derive(Debug, PartialEq)]
struct Snapshot {
    counts: Vec<(&'static str, i64)>,
    head: (i64, String),
}

fn snapshot(server: &TestServer) -> Snapshot {
    let head = server
        .db()
        .query_row(
            "SELECT seq, entry_hash FROM evidence_log ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    Snapshot {
        counts: server.counts(),
        head,
    }
}

fn attestation(id: &str) -> Value {
    json!({
        "id": id,
        "recordedAt": "2026-11-28T14:05:09Z",
        "site": "x",
        "pageUrl": "https://x.com/home",
        "textSha256": sha256_hex(b"Bonjour"),
        "checklist": [{ "id": "identification", "state": "ok" }],
        "findings": [],
        "overrideReason": null,
        "policyVersion": 1
    })
}

/// A companion with one stored report and one attestation, paired with [`CHROME_ORIGIN`].
async fn seeded(
    dir: &std::path::Path,
    tweak: impl FnOnce(&mut balise_companion::Settings),
) -> (TestServer, String, String) {
    let server = TestServer::start_with(dir, tweak).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let screenshot = png(4, 3, [200, 30, 30]);
    let report_id = new_key();
    let report = serde_json::to_vec(&report_json(&report_id, &screenshot)).unwrap();
    let response = server
        .upload(&token, &new_key(), &report, &screenshot)
        .await;
    assert_eq!(response.status(), 201);
    let response = server
        .client
        .post(server.url("/api/v1/attestations"))
        .headers(extension_headers(&token))
        .header("idempotency-key", new_key())
        .json(&attestation(&new_key()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    (server, token, report_id)
}

/// Sends `request` as raw bytes on a new connection and reads until the server closes it.
async fn raw(server: &TestServer, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    stream.write_all(request).await.unwrap();
    read_until_closed(&mut stream).await
}

/// Everything the server sends until it closes the connection (a generous bound: the
/// test fails, rather than hangs, if it never does).
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), async {
        let mut buffer = [0u8; 8192];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server never closed the connection");
    answer
}

/// Status and JSON body of a raw HTTP/1.1 answer.
fn parse(answer: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(answer);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| serde_json::from_str(body).unwrap_or(Value::Null))
        .unwrap_or(Value::Null);
    (status, body)
}

fn assert_refused(answer: &[u8], status: u16, code: &str, what: &str) {
    let (actual, body) = parse(answer);
    assert_eq!(actual, status, "{what}: {body}");
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
}

fn header(answer: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(answer);
    let head = text.split_once("\r\n\r\n")?.0;
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// Every token-protected API route, with a method and a path (ids of a stored report).
fn api_routes(report_id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GET", "/api/v1/reports".into()),
        ("POST", "/api/v1/reports".into()),
        ("GET", format!("/api/v1/reports/{report_id}")),
        ("PATCH", format!("/api/v1/reports/{report_id}")),
        ("GET", format!("/api/v1/reports/{report_id}/screenshot")),
        ("GET", format!("/api/v1/reports/{report_id}/email")),
        ("POST", format!("/api/v1/reports/{report_id}/forward")),
        ("POST", format!("/api/v1/reports/{report_id}/review")),
        ("POST", format!("/api/v1/reports/{report_id}/export")),
        ("GET", "/api/v1/mail".into()),
        ("POST", "/api/v1/mail/1/retry".into()),
        ("GET", "/api/v1/attestations".into()),
        ("POST", "/api/v1/attestations".into()),
        ("GET", "/api/v1/policy".into()),
    ]
}

#[tokio::test]
async fn dns_rebinding_hosts_are_refused_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token, report_id) = seeded(dir.path(), |_| {}).await;
    let before = snapshot(&server);
    let port = server.port;
    let mut routes = api_routes(&report_id);
    routes.extend([
        ("GET", "/api/v1/health".to_owned()),
        ("POST", "/api/v1/pairing".to_owned()),
        ("GET", "/".to_owned()),
        ("GET", "/pair".to_owned()),
        ("GET", format!("/reports/{report_id}")),
        ("POST", format!("/reports/{report_id}/redact")),
    ]);
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_owned(),
        format!("127.0.0.1.evil.example:{port}"),
        format!("localhost:{}", port.wrapping_add(1)),
        String::new(),
    ] {
        for (method, path) in &routes {
            let request = format!(
                "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
                 Origin: {CHROME_ORIGIN}\r\nContent-Type: application/json\r\n\
                 Idempotency-Key: {}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
                new_key()
            );
            let answer = raw(&server, request.as_bytes()).await;
            assert_refused(
                &answer,
                403,
                "bad_host",
                &format!("{method} {path} Host {host:?}"),
            );
        }
    }
    assert_eq!(snapshot(&server), before);
    server.stop().await;
}

#[tokio::test]
async fn web_page_origins_and_cross_site_forms_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token, report_id) = seeded(dir.path(), |_| {}).await;
    let before = snapshot(&server);
    // A web page, even holding a token (say, stolen), is refused before the token counts.
    for origin in [
        "https://evil.example",
        "null",
        "http://127.0.0.1:1",
        OTHER_CHROME_ORIGIN,
    ] {
        for (method, path) in api_routes(&report_id) {
            let response = server
                .anonymous()
                .request(method.parse().unwrap(), server.url(&path))
                .header("origin", origin)
                .header("authorization", format!("Bearer {token}"))
                .header("idempotency-key", new_key())
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let what = format!("{method} {path} from {origin}");
            let body = expect_error(response, 403, "bad_origin").await;
            assert!(body["error"]["message"].is_string(), "{what}");
        }
    }
    // The forms a web page can send without a preflight, to every writing API route.
    let form_bodies: [(&str, &[u8]); 3] = [
        (
            "application/x-www-form-urlencoded",
            b"report=x&screenshot=y",
        ),
        ("text/plain", b"{\"id\":\"x\"}"),
        (
            "multipart/form-data; boundary=b",
            b"--b\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n{}\r\n--b--\r\n",
        ),
    ];
    for (content_type, body) in form_bodies {
        for (method, path) in api_routes(&report_id) {
            if method == "GET" {
                continue;
            }
            // From a page: its Origin is refused.
            let response = server
                .anonymous()
                .request(method.parse().unwrap(), server.url(&path))
                .header("origin", "https://evil.example")
                .header("content-type", content_type)
                .body(body.to_vec())
                .send()
                .await
                .unwrap();
            expect_error(response, 403, "bad_origin").await;
            // Without an Origin (a local program), no token: 401, or 415 before it for a
            // simple form's content type.
            let response = server
                .anonymous()
                .request(method.parse().unwrap(), server.url(&path))
                .header("content-type", content_type)
                .body(body.to_vec())
                .send()
                .await
                .unwrap();
            let what = format!("{method} {path} as {content_type}");
            if content_type.starts_with("multipart/") {
                let status = response.status().as_u16();
                assert_eq!(status, 401, "{what}");
            } else {
                assert_eq!(response.status().as_u16(), 415, "{what}");
            }
        }
    }
    assert_eq!(snapshot(&server), before);
    server.stop().await;
}

#[tokio::test]
async fn missing_wrong_and_query_string_tokens_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token, report_id) = seeded(dir.path(), |_| {}).await;
    let before = snapshot(&server);
    let shared = server.token_file();
    for (method, path) in api_routes(&report_id) {
        let separator = if path.contains('?') { '&' } else { '?' };
        let cases: Vec<(String, Option<String>)> = vec![
            (path.clone(), None),
            (path.clone(), Some("Bearer ".into())),
            (path.clone(), Some("Bearer wrong".into())),
            (path.clone(), Some(format!("Bearer {token}0"))),
            (path.clone(), Some(format!("Basic {token}"))),
            (path.clone(), Some(token.clone())),
            (format!("{path}{separator}token={token}"), None),
            (format!("{path}{separator}access_token={shared}"), None),
            (
                format!("{path}{separator}token={token}"),
                Some("Bearer wrong".into()),
            ),
        ];
        for (url, authorization) in cases {
            let mut request = server
                .anonymous()
                .request(method.parse().unwrap(), server.url(&url))
                .header("origin", CHROME_ORIGIN)
                .header("idempotency-key", new_key())
                .json(&attestation(&new_key()));
            if let Some(value) = &authorization {
                request = request.header("authorization", value);
            }
            let response = request.send().await.unwrap();
            assert_eq!(
                response.headers()["www-authenticate"],
                "Bearer realm=\"balise\"",
                "{method} {url}"
            );
            expect_error(response, 401, "unauthorized").await;
        }
    }
    assert_eq!(snapshot(&server), before);
    server.stop().await;
}

#[tokio::test]
async fn oversized_and_truncated_bodies_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let upload_limit = 64 * 1024;
    let (server, token, report_id) = seeded(dir.path(), |settings| {
        settings.max_screenshot_bytes = upload_limit
    })
    .await;
    let before = snapshot(&server);

    // A screenshot over the upload limit, declared (Content-Length) and streamed (chunked).
    let big = png(200, 200, [1, 2, 3]);
    assert!(big.len() > upload_limit);
    let report = serde_json::to_vec(&report_json(&new_key(), &big)).unwrap();
    let response = server.upload(&token, &new_key(), &report, &big).await;
    expect_error(response, 413, "payload_too_large").await;
    let boundary = "balise-attack";
    let mut multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\n\
         Content-Type: application/json\r\n\r\n"
    )
    .into_bytes();
    multipart.extend_from_slice(&report);
    multipart.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"screenshot\"; \
             filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    multipart.extend_from_slice(&big);
    multipart.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut chunked = format!(
        "POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {token}\r\n\
         Origin: {CHROME_ORIGIN}\r\nIdempotency-Key: {}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.port,
        new_key()
    )
    .into_bytes();
    for chunk in multipart.chunks(8192) {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = raw(&server, &chunked).await;
    assert_refused(
        &answer,
        413,
        "payload_too_large",
        "chunked upload over the limit",
    );

    // An attestation over its own limit (8 MiB), declared and streamed.
    let mut huge = attestation(&new_key());
    huge["overrideReason"] = json!("a".repeat(9 * 1024 * 1024));
    let response = server
        .client
        .post(server.url("/api/v1/attestations"))
        .headers(extension_headers(&token))
        .header("idempotency-key", new_key())
        .json(&huge)
        .send()
        .await
        .unwrap();
    expect_error(response, 413, "payload_too_large").await;
    // A JSON body over the limit on every other JSON route.
    for path in [
        format!("/api/v1/reports/{report_id}/review"),
        format!("/api/v1/reports/{report_id}/forward"),
    ] {
        let response = server
            .client
            .post(server.url(&path))
            .headers(extension_headers(&token))
            .json(&json!({ "status": "resolved", "note": "n".repeat(9 * 1024 * 1024) }))
            .send()
            .await
            .unwrap();
        expect_error(response, 413, "payload_too_large").await;
    }
    let response = server
        .client
        .post(server.url("/api/v1/pairing"))
        .header("origin", OTHER_CHROME_ORIGIN)
        .json(&json!({ "label": "l".repeat(64 * 1024), "browser": "chromium" }))
        .send()
        .await
        .unwrap();
    expect_error(response, 413, "payload_too_large").await;

    // Truncated: the body announces more than it sends, then the client stops writing.
    let body = serde_json::to_vec(&attestation(&new_key())).unwrap();
    let truncated = |method: &str, path: &str, content_type: &str, body: &[u8]| {
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {token}\r\n\
             Origin: {CHROME_ORIGIN}\r\nIdempotency-Key: {}\r\nContent-Type: {content_type}\r\n\
             Content-Length: {}\r\n\r\n",
            server.port,
            new_key(),
            body.len() + 1000
        )
        .into_bytes();
        request.extend_from_slice(body);
        request
    };
    let cases = [
        truncated("POST", "/api/v1/attestations", "application/json", &body),
        truncated(
            "POST",
            "/api/v1/reports",
            &format!("multipart/form-data; boundary={boundary}"),
            &multipart[..multipart.len() / 2],
        ),
        truncated(
            "PATCH",
            &format!("/api/v1/reports/{report_id}"),
            "application/json",
            br#"{"category":"other","note":"x"}"#,
        ),
    ];
    for request in cases {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port))
            .await
            .unwrap();
        stream.write_all(&request).await.unwrap();
        stream.shutdown().await.unwrap();
        let answer = read_until_closed(&mut stream).await;
        let (status, body) = parse(&answer);
        assert_eq!(status, 400, "{body}");
        assert!(
            ["invalid_body", "invalid_multipart"]
                .contains(&body["error"]["code"].as_str().unwrap()),
            "{body}"
        );
    }
    assert_eq!(snapshot(&server), before);
    server.stop().await;
}

#[tokio::test]
async fn lying_screenshots_huge_strings_and_invalid_utf8_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token, report_id) = seeded(dir.path(), |_| {}).await;
    let before = snapshot(&server);

    // A PNG whose bytes do not match the declared SHA-256.
    let screenshot = png(4, 3, [1, 2, 3]);
    let other = png(4, 3, [3, 2, 1]);
    let report = serde_json::to_vec(&report_json(&new_key(), &other)).unwrap();
    let response = server
        .upload(&token, &new_key(), &report, &screenshot)
        .await;
    expect_error(response, 422, "sha256_mismatch").await;
    // Bytes that are no PNG at all, declared by their own hash.
    let fake = b"\x89PNG\r\n\x1a\nnot really".to_vec();
    let report = serde_json::to_vec(&report_json(&new_key(), &fake)).unwrap();
    let response = server.upload(&token, &new_key(), &report, &fake).await;
    expect_error(response, 422, "not_png").await;

    // A 5 MB reporter name, note, page title; a 5 MB attestation reason; a 5 MB note.
    let five_mb = "é".repeat(5 * 1024 * 1024 / 2);
    for (field, value) in [
        ("/reporter/name", json!(five_mb)),
        ("/note", json!(five_mb)),
        ("/pageTitle", json!(five_mb)),
        ("/pageUrl", json!(format!("https://x.com/{five_mb}"))),
    ] {
        let mut report = report_json(&new_key(), &screenshot);
        *report.pointer_mut(field).unwrap() = value;
        let response = server
            .upload(
                &token,
                &new_key(),
                &serde_json::to_vec(&report).unwrap(),
                &screenshot,
            )
            .await;
        let body = expect_error(response, 422, "invalid_report").await;
        assert!(
            body.to_string().len() < 10_000,
            "the answer does not echo the string"
        );
    }
    let mut reason = attestation(&new_key());
    reason["overrideReason"] = json!(five_mb);
    let response = server
        .client
        .post(server.url("/api/v1/attestations"))
        .headers(extension_headers(&token))
        .header("idempotency-key", new_key())
        .json(&reason)
        .send()
        .await
        .unwrap();
    expect_error(response, 422, "invalid_attestation").await;
    let response = server
        .client
        .patch(server.url(&format!("/api/v1/reports/{report_id}")))
        .headers(extension_headers(&token))
        .json(&json!({ "category": "other", "note": five_mb }))
        .send()
        .await
        .unwrap();
    expect_error(response, 422, "invalid_annotation").await;

    // Invalid UTF-8 inside a JSON string, on every JSON route.
    let attestation_bytes = serde_json::to_vec(&attestation(&new_key()))
        .unwrap()
        .iter()
        .flat_map(|&byte| {
            if byte == b'x' {
                vec![0xff, 0xfe]
            } else {
                vec![byte]
            }
        })
        .collect::<Vec<u8>>();
    let response = server
        .client
        .post(server.url("/api/v1/attestations"))
        .headers(extension_headers(&token))
        .header("idempotency-key", new_key())
        .header("content-type", "application/json")
        .body(attestation_bytes)
        .send()
        .await
        .unwrap();
    expect_error(response, 422, "invalid_attestation").await;
    let mut report = serde_json::to_vec(&report_json(&new_key(), &screenshot)).unwrap();
    let at = report.windows(5).position(|w| w == b"Marie").unwrap();
    report[at] = 0xc3; // a lead byte followed by ASCII: not UTF-8
    let response = server
        .upload(&token, &new_key(), &report, &screenshot)
        .await;
    expect_error(response, 422, "invalid_report").await;
    for (method, path, body, code) in [
        (
            "PATCH",
            format!("/api/v1/reports/{report_id}"),
            &b"{\"category\":\"other\",\"note\":\"\xff\"}"[..],
            "invalid_annotation",
        ),
        (
            "POST",
            format!("/api/v1/reports/{report_id}/review"),
            b"{\"status\":\"under_review\",\"note\":\"\xc0\xaf\"}",
            "invalid_review",
        ),
        (
            "POST",
            format!("/api/v1/reports/{report_id}/forward"),
            b"{\"to\":\"board\",\"facts\":\"\xed\xa0\x80\"}",
            "invalid_forward",
        ),
    ] {
        let response = server
            .client
            .request(method.parse().unwrap(), server.url(&path))
            .headers(extension_headers(&token))
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        expect_error(response, 422, code).await;
    }
    let response = server
        .client
        .post(server.url("/api/v1/pairing"))
        .header("origin", OTHER_CHROME_ORIGIN)
        .header("content-type", "application/json")
        .body(&b"{\"label\":\"\xff\",\"browser\":\"chromium\"}"[..])
        .send()
        .await
        .unwrap();
    expect_error(response, 422, "invalid_pairing_request").await;
    assert_eq!(snapshot(&server), before);
    server.stop().await;
}

/// A session cookie for raw requests, from a fresh one-time sign-in link.
async fn session_cookie(server: &TestServer) -> String {
    let code = server.sign_in_code().await;
    let answer = raw(
        server,
        format!(
            "GET /signin?code={code} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            server.port
        )
        .as_bytes(),
    )
    .await;
    let cookie = header(&answer, "set-cookie").expect("a session cookie");
    cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn path_like_ids_are_not_found_on_every_route_with_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token, report_id) = seeded(dir.path(), |_| {}).await;
    let cookie = session_cookie(&server).await;
    let page = server.page(&format!("/reports/{report_id}")).await;
    let csrf = csrf_from(&page);
    let before = snapshot(&server);
    let port = server.port;
    let ids = [
        "..".to_owned(),
        "%2e%2e".to_owned(),
        "..%2f..%2fbalise.sqlite3".to_owned(),
        "%2e%2e%2f%2e%2e%2ftoken".to_owned(),
        "..%5c..%5ctoken".to_owned(),
        "%2fetc%2fpasswd".to_owned(),
        "%2Froot%2F.ssh%2Fid_rsa".to_owned(),
        "C:%5CWindows".to_owned(),
        "%00".to_owned(),
        format!("{report_id}%00"),
        format!("{report_id}%00.png"),
        format!("{report_id}%2f..%2f..%2ftoken"),
        "-1".to_owned(),
        "1e3".to_owned(),
        "99999999999999999999999".to_owned(),
    ];
    // (method, route with {id}, token API or session page, body)
    let routes: [(&str, &str, bool, &str); 21] = [
        ("GET", "/api/v1/reports/{id}", true, ""),
        (
            "PATCH",
            "/api/v1/reports/{id}",
            true,
            r#"{"category":"other","note":"x"}"#,
        ),
        ("GET", "/api/v1/reports/{id}/screenshot", true, ""),
        ("GET", "/api/v1/reports/{id}/email", true, ""),
        (
            "POST",
            "/api/v1/reports/{id}/forward",
            true,
            r#"{"to":"board","facts":"x"}"#,
        ),
        (
            "POST",
            "/api/v1/reports/{id}/review",
            true,
            r#"{"status":"under_review","note":"x"}"#,
        ),
        ("POST", "/api/v1/reports/{id}/export", true, "{}"),
        ("POST", "/api/v1/mail/{id}/retry", true, "{}"),
        ("GET", "/api/v1/pairing/{id}", false, ""),
        ("POST", "/api/v1/pairing/{id}", false, "{}"),
        ("POST", "/pair/{id}/approve", false, "csrf={csrf}"),
        ("POST", "/pair/{id}/reject", false, "csrf={csrf}"),
        ("POST", "/clients/{id}/revoke", false, "csrf={csrf}"),
        ("GET", "/reports/{id}", false, ""),
        ("GET", "/reports/{id}/screenshot.png", false, ""),
        ("GET", "/reports/{id}/email.eml", false, ""),
        (
            "POST",
            "/reports/{id}/redact",
            false,
            "csrf={csrf}&reason=x",
        ),
        (
            "POST",
            "/reports/{id}/review",
            false,
            "csrf={csrf}&status=under_review&note=x",
        ),
        ("GET", "/traces/{id}", false, ""),
        ("GET", "/traces/{id}/screenshot", false, ""),
        ("POST", "/mail/{id}/retry", false, "csrf={csrf}"),
    ];
    for (method, route, api, body) in routes {
        for id in &ids {
            let path = route.replace("{id}", id);
            let body = body.replace("{csrf}", &csrf);
            let (origin, content_type, auth) = if route.starts_with("/api/v1/pairing") {
                (CHROME_ORIGIN.to_owned(), "application/json", String::new())
            } else if api {
                (
                    CHROME_ORIGIN.to_owned(),
                    "application/json",
                    format!("Authorization: Bearer {token}\r\n"),
                )
            } else {
                (
                    format!("http://127.0.0.1:{port}"),
                    "application/x-www-form-urlencoded",
                    format!("Cookie: {cookie}\r\n"),
                )
            };
            let request = format!(
                "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Origin: {origin}\r\n\
                 Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let answer = raw(&server, request.as_bytes()).await;
            let what = format!("{method} {path}");
            let (status, json) = parse(&answer);
            assert_eq!(status, 404, "{what}: {}", String::from_utf8_lossy(&answer));
            if route.starts_with("/api/") {
                assert_eq!(json["error"]["code"], "not_found", "{what}: {json}");
            }
        }
    }
    // Raw dot segments and absolute paths in the request line never leave the routes.
    for target in [
        "/api/v1/reports/../../../../etc/passwd".to_owned(),
        format!("/api/v1/reports/{report_id}/../../../token"),
        "/reports/..%2f..%2fbalise.sqlite3/screenshot.png".to_owned(),
        "//etc/passwd".to_owned(),
        "/api/v1/reports/%2e%2e/%2e%2e/token".to_owned(),
    ] {
        let request = format!(
            "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
             Cookie: {cookie}\r\nConnection: close\r\n\r\n"
        );
        let answer = raw(&server, request.as_bytes()).await;
        let (status, _) = parse(&answer);
        assert_eq!(
            status,
            404,
            "{target}: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    // A NUL byte in the request line itself is not HTTP.
    let answer = raw(
        &server,
        format!(
            "GET /api/v1/reports/\0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await;
    assert!(answer.is_empty() || parse(&answer).0 == 400, "{answer:?}");
    assert_eq!(snapshot(&server), before);
    server.stop().await;
}

#[tokio::test]
async fn writes_past_the_burst_are_answered_429_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token, report_id) = seeded(dir.path(), |settings| {
        settings.limits.write_burst = 5;
        settings.limits.writes_per_minute = 1;
    })
    .await;
    // The seeding spent 2 of this browser's 5 writes.
    let post = |token: String| {
        server
            .client
            .post(server.url("/api/v1/attestations"))
            .headers(extension_headers(&token))
            .header("idempotency-key", new_key())
            .json(&attestation(&new_key()))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(post(token.clone()).await.unwrap().status(), 201);
    }
    let before = snapshot(&server);
    let response = post(token.clone()).await.unwrap();
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    expect_error(response, 429, "rate_limited").await;
    let response = server
        .client
        .patch(server.url(&format!("/api/v1/reports/{report_id}")))
        .headers(extension_headers(&token))
        .json(&json!({ "category": "other", "note": "x" }))
        .send()
        .await
        .unwrap();
    expect_error(response, 429, "rate_limited").await;
    let screenshot = png(2, 2, [0, 0, 0]);
    let report = serde_json::to_vec(&report_json(&new_key(), &screenshot)).unwrap();
    let response = server
        .upload(&token, &new_key(), &report, &screenshot)
        .await;
    expect_error(response, 429, "rate_limited").await;
    assert_eq!(snapshot(&server), before);
    // Reading is not limited.
    let response = server
        .client
        .get(server.url(&format!("/api/v1/reports/{report_id}")))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // The shared token (scripts) has a bucket of its own.
    let shared = server.token_file();
    let response = server
        .client
        .post(server.url("/api/v1/attestations"))
        .header("authorization", format!("Bearer {shared}"))
        .header("idempotency-key", new_key())
        .json(&attestation(&new_key()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    server.stop().await;
}

#[tokio::test]
async fn the_default_burst_takes_the_outbox_after_downtime() {
    // The extension's outbox resends everything that waited: 150 reports at once pass.
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let screenshot = png(2, 2, [9, 9, 9]);
    // One after the other, as the outbox's one delivery loop sends them, as fast as it can.
    for _ in 0..150 {
        let report = serde_json::to_vec(&report_json(&new_key(), &screenshot)).unwrap();
        let response = server
            .upload(&token, &new_key(), &report, &screenshot)
            .await;
        assert_eq!(response.status(), 201);
    }
    assert_eq!(server.count("reports"), 150);
    server.stop().await;
}

#[tokio::test]
async fn slowloris_headers_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), |settings| {
        settings.limits.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    let before = server.counts();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    // Headers one byte at a time, 100 ms apart: 20 s for the whole head, if allowed.
    let head = format!(
        "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Slow: {}\r\n\r\n",
        server.port,
        "z".repeat(150)
    );
    let mut sent = 0;
    let mut closed = false;
    for byte in head.as_bytes() {
        if stream.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        sent += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The server may have closed without our write failing yet: peek.
        let mut buffer = [0u8; 1];
        if let Ok(read) =
            tokio::time::timeout(Duration::from_millis(1), stream.peek(&mut buffer)).await
        {
            if matches!(read, Ok(0) | Err(_)) {
                closed = true;
                break;
            }
            panic!("the server answered a request whose head never ended");
        }
    }
    assert!(
        closed,
        "the connection was still open after the whole head ({sent} bytes)"
    );
    assert!(sent < head.len(), "cut off before the head was complete");
    // Nothing stored; the companion still answers everyone else.
    let response = server
        .client
        .get(server.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.counts(), before);
    server.stop().await;
}

#[tokio::test]
async fn slowloris_bodies_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token, _) = seeded(dir.path(), |settings| {
        settings.limits.body_read_timeout = Duration::from_secs(1);
    })
    .await;
    let before = snapshot(&server);
    let body = serde_json::to_vec(&attestation(&new_key())).unwrap();
    let boundary = "slow";
    let screenshot = png(2, 2, [5, 5, 5]);
    let report = serde_json::to_vec(&report_json(&new_key(), &screenshot)).unwrap();
    let mut multipart =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n")
            .into_bytes();
    multipart.extend_from_slice(&report);
    multipart.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    for (path, content_type, body, code) in [
        (
            "/api/v1/attestations",
            "application/json".to_owned(),
            body,
            "body_timeout",
        ),
        (
            "/api/v1/reports",
            format!("multipart/form-data; boundary={boundary}"),
            multipart,
            "body_timeout",
        ),
    ] {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port))
            .await
            .unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {token}\r\n\
             Origin: {CHROME_ORIGIN}\r\nIdempotency-Key: {}\r\nContent-Type: {content_type}\r\n\
             Content-Length: {}\r\n\r\n",
            server.port,
            new_key(),
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // The body one byte every 100 ms: minutes in all, if allowed.
        let mut answer = Vec::new();
        let mut sent = 0;
        for byte in &body {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            sent += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
            let mut buffer = [0u8; 4096];
            if let Ok(Ok(read)) =
                tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buffer)).await
            {
                answer.extend_from_slice(&buffer[..read]);
                break;
            }
        }
        assert!(sent < body.len(), "{path}: the whole body went through");
        answer.extend(read_until_closed(&mut stream).await);
        assert_refused(&answer, 408, code, path);
        assert_eq!(header(&answer, "connection").as_deref(), Some("close"));
    }
    assert_eq!(snapshot(&server), before);
    server.stop().await;
}

#[tokio::test]
async fn connections_over_the_cap_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), |settings| {
        settings.limits.max_connections = 8;
        settings.limits.header_read_timeout = Duration::from_secs(2);
    })
    .await;
    // Nine connections that send nothing. The accept loop takes them in order, so the
    // ninth finds the eight permits taken (by the first eight, or by seven of them and the
    // test client's pooled connection, whose place one of ours then gets refused).
    let mut idle = Vec::new();
    for _ in 0..9 {
        idle.push(
            TcpStream::connect(("127.0.0.1", server.port))
                .await
                .unwrap(),
        );
    }
    let mut extra = idle.pop().unwrap();
    let answer = read_until_closed(&mut extra).await;
    assert_refused(&answer, 503, "too_many_connections", "ninth connection");
    // The idle ones are closed by the server once the header read timeout passes...
    for stream in &mut idle {
        let rest = read_until_closed(stream).await;
        if !rest.is_empty() {
            assert_refused(&rest, 503, "too_many_connections", "an idle connection");
        }
    }
    // ...and their places are free again.
    let answer = raw(
        &server,
        format!(
            "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            server.port
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(parse(&answer).0, 200);
    server.stop().await;
}
