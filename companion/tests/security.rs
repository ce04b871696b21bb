//! Host, Origin, CORS, token and content-type guards over real HTTP.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn health_answers_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let response = server
        .client
        .get(server.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["paired"], false);

    // An unpaired extension may ask; it learns it is not paired.
    let response = server
        .client
        .get(server.url("/api/v1/health"))
        .header("origin", CHROME_ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        CHROME_ORIGIN
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["paired"], false);

    server.pair(CHROME_ORIGIN).await;
    let body: Value = server
        .client
        .get(server.url("/api/v1/health"))
        .header("origin", CHROME_ORIGIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["paired"], true);
    server.stop().await;
}

#[tokio::test]
async fn foreign_host_headers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.token_file();
    for host in [
        "evil.com".to_owned(),
        format!("evil.com:{}", server.port),
        format!("127.0.0.1:{}", server.port.wrapping_add(1)),
        "127.0.0.1".to_owned(),
        format!("localhost.evil.com:{}", server.port),
    ] {
        for path in ["/api/v1/health", "/", "/pair", "/api/v1/reports"] {
            let response = server
                .client
                .get(server.url(path))
                .header("host", &host)
                .header("authorization", format!("Bearer {token}"))
                .send()
                .await
                .unwrap();
            expect_error(response, 403, "bad_host").await;
        }
    }
    for host in [
        format!("localhost:{}", server.port),
        format!("[::1]:{}", server.port),
        format!("127.0.0.1:{}", server.port),
    ] {
        let response = server
            .client
            .get(server.url("/api/v1/health"))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "host {host}");
    }
    server.stop().await;
}

#[tokio::test]
async fn origins_must_be_paired_extensions_or_the_companion_itself() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;

    // A web page, even with the right token, is refused.
    for origin in ["https://evil.example", "null", "http://127.0.0.1:1"] {
        let response = server
            .client
            .get(server.url("/api/v1/reports"))
            .header("origin", origin)
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        let headers = response.headers().clone();
        expect_error(response, 403, "bad_origin").await;
        assert!(headers.get("access-control-allow-origin").is_none());
    }
    // Pages too.
    let response = server
        .client
        .get(server.url("/"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;
    // A cross-site fetch of a page (no Origin on GET, but fetch metadata says so).
    let response = server
        .client
        .get(server.url("/"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;

    // An unpaired extension is refused outside pairing and health.
    let response = server
        .client
        .get(server.url("/api/v1/reports"))
        .header("origin", OTHER_CHROME_ORIGIN)
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;

    // The companion's own origin may use its pages but not the API.
    let response = server
        .client
        .get(server.url("/api/v1/reports"))
        .header("origin", server.own_origin())
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;
    let response = server
        .client
        .get(server.url("/"))
        .header("origin", server.own_origin())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // The paired extension is served, with its exact origin echoed (never `*`).
    let response = server
        .client
        .get(server.url("/api/v1/reports"))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        CHROME_ORIGIN
    );
    assert!(
        response
            .headers()
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap().contains("Origin"))
    );
    server.stop().await;
}

#[tokio::test]
async fn cors_preflight_only_for_known_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let preflight = |origin: &'static str, path: &'static str| {
        server
            .client
            .request(reqwest::Method::OPTIONS, server.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, idempotency-key",
            )
            .send()
    };
    // Any extension may preflight the pairing endpoint.
    let response = preflight(OTHER_CHROME_ORIGIN, "/api/v1/pairing")
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        OTHER_CHROME_ORIGIN
    );
    assert!(
        response.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("idempotency-key")
    );
    // Not the report endpoint before pairing, nor a web page ever.
    let response = preflight(CHROME_ORIGIN, "/api/v1/reports").await.unwrap();
    expect_error(response, 403, "bad_origin").await;
    let response = preflight("https://evil.example", "/api/v1/pairing")
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;
    server.pair(CHROME_ORIGIN).await;
    let response = preflight(CHROME_ORIGIN, "/api/v1/reports").await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        CHROME_ORIGIN
    );
    server.stop().await;
}

#[tokio::test]
async fn the_token_is_required_from_the_authorization_header_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.token_file();
    let cases: Vec<(String, Option<String>)> = vec![
        ("/api/v1/reports".into(), None),
        ("/api/v1/reports".into(), Some("Bearer wrong".into())),
        ("/api/v1/reports".into(), Some(format!("Basic {token}"))),
        ("/api/v1/reports".into(), Some(format!("Bearer {token}x"))),
        (format!("/api/v1/reports?token={token}"), None),
        (format!("/api/v1/reports?access_token={token}"), None),
        ("/api/v1/policy".into(), None),
        ("/api/v1/attestations".into(), None),
    ];
    for (path, authorization) in cases {
        let mut request = server.client.get(server.url(&path));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"balise\""
        );
        expect_error(response, 401, "unauthorized").await;
    }
    // A script with the token and no Origin (the `token` subcommand's use) is served.
    let response = server
        .client
        .get(server.url("/api/v1/policy"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let policy: Value = response.json().await.unwrap();
    assert_eq!(policy["version"], 1);
    server.stop().await;
}

#[tokio::test]
async fn simple_form_posts_cannot_reach_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let before = server.counts();
    for content_type in ["application/x-www-form-urlencoded", "text/plain", ""] {
        for path in ["/api/v1/reports", "/api/v1/attestations", "/api/v1/pairing"] {
            let mut request = server
                .client
                .post(server.url(path))
                .headers(extension_headers(&token))
                .header("idempotency-key", new_key())
                .body("report=x");
            if !content_type.is_empty() {
                request = request.header("content-type", content_type);
            }
            let response = request.send().await.unwrap();
            expect_error(response, 415, "unsupported_media_type").await;
        }
    }
    // JSON to the multipart endpoint, and multipart to a JSON endpoint, are refused too.
    let response = server
        .client
        .post(server.url("/api/v1/reports"))
        .headers(extension_headers(&token))
        .header("idempotency-key", new_key())
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    expect_error(response, 415, "unsupported_media_type").await;
    assert_eq!(server.counts(), before);
    server.stop().await;
}

#[tokio::test]
async fn pages_carry_security_headers_and_escape_content() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    for path in ["/", "/pair"] {
        let response = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'self'")
        );
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "same-origin");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers.get("access-control-allow-origin").is_none());
        let html = response.text().await.unwrap();
        assert!(html.contains("lang=\"fr\""));
        assert!(
            !html.contains("<script"),
            "no script on the manager's pages"
        );
        assert!(html.contains("href=\"/assets/balise.css\""));
    }
    let css = server
        .client
        .get(server.url("/assets/balise.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let response = server
        .client
        .get(server.url("/nothing-here"))
        .send()
        .await
        .unwrap();
    expect_error(response, 404, "not_found").await;
    let response = server
        .client
        .get(server.url("/api/v1/pairing"))
        .send()
        .await
        .unwrap();
    expect_error(response, 405, "method_not_allowed").await;
    server.stop().await;
}
