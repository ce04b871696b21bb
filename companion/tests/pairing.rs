//! The pairing flow end to end over HTTP: request, approval form (Origin + CSRF checked), token handed out while the request is fresh.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::{Value, json};

async fn request_pairing(server: &TestServer, origin: &str, browser: &str) -> Value {
    let response = server
        .client
        .post(server.url("/api/v1/pairing"))
        .header("origin", origin)
        .json(&json!({ "label": "Chromium <script>alert(1)</script>", "browser": browser }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

#[tokio::test]
async fn pairing_end_to_end_hands_the_token_to_the_asking_origin() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let created = request_pairing(&server, CHROME_ORIGIN, "chromium").await;
    let id = created["requestId"].as_str().unwrap();
    let code = created["code"].as_str().unwrap();
    assert_eq!(code.len(), 7);
    assert_eq!(&code[3..4], "-");
    assert!(code.chars().filter(char::is_ascii_digit).count() == 6);

    assert_eq!(server.poll(id, CHROME_ORIGIN).await["status"], "pending");

    // The page lists it, escaped, with its origin, browser, code and both buttons.
    let page = server.pair_page().await;
    assert!(page.contains(code));
    assert!(page.contains(CHROME_ORIGIN));
    assert!(page.contains("chromium"));
    assert!(page.contains(">Approuver<"));
    assert!(page.contains(">Refuser<"));
    // The section where the extension offers to pair, and the row it marks by its code.
    assert!(page.contains(r#"<section id="balise-pair""#));
    assert!(page.contains(r#"id="balise-pair-start" disabled"#));
    assert!(page.contains(&format!(r#"<tr data-code="{code}">"#)));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<script>alert(1)"));
    let csrf = csrf_from(&page);

    // Another extension cannot read this request's state.
    let response = server
        .client
        .get(server.url(&format!("/api/v1/pairing/{id}")))
        .header("origin", OTHER_CHROME_ORIGIN)
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;

    // Approval needs the companion's own Origin and the CSRF token.
    let approve = server.url(&format!("/pair/{id}/approve"));
    let response = server
        .client
        .post(&approve)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;
    let response = server
        .client
        .post(&approve)
        .header("origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;
    let response = server
        .client
        .post(&approve)
        .header("origin", CHROME_ORIGIN)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;
    let response = server
        .client
        .post(&approve)
        .header("origin", server.own_origin())
        .form(&[("csrf", "0".repeat(64).as_str())])
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_csrf").await;
    assert_eq!(server.count("paired_clients"), 0);
    assert_eq!(server.poll(id, CHROME_ORIGIN).await["status"], "pending");

    let response = server
        .client
        .post(&approve)
        .header("origin", server.own_origin())
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/pair?done=approved");
    assert_eq!(server.count("paired_clients"), 1);

    let first = server.poll(id, CHROME_ORIGIN).await;
    assert_eq!(first["status"], "approved");
    let token = first["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert_ne!(
        token,
        server.token_file(),
        "each browser gets a token of its own, not the shared API token"
    );
    let second = server.poll(id, CHROME_ORIGIN).await;
    assert_eq!(
        second,
        json!({ "status": "approved", "token": token }),
        "the token is handed out again while the request is fresh (a lost answer must not lose the pairing)"
    );
    let other_origin = server
        .client
        .post(server.url(&format!("/api/v1/pairing/{id}")))
        .header("origin", FIREFOX_ORIGIN)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(other_origin.status(), 403, "only the asking origin gets it");

    // Deciding twice is refused; the page now lists the paired extension.
    let response = server
        .client
        .post(&approve)
        .header("origin", server.own_origin())
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    expect_error(response, 409, "pairing_not_pending").await;
    let page = server.pair_page().await;
    assert!(page.contains("Extensions jumelées"));
    assert!(page.contains(CHROME_ORIGIN));

    // The token works from the paired origin.
    let response = server
        .client
        .get(server.url("/api/v1/reports"))
        .headers(extension_headers(token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn rejected_and_expired_requests() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let created = request_pairing(&server, FIREFOX_ORIGIN, "firefox").await;
    let id = created["requestId"].as_str().unwrap();
    let csrf = csrf_from(&server.pair_page().await);
    let response = server
        .client
        .post(server.url(&format!("/pair/{id}/reject")))
        .header("origin", format!("http://localhost:{}", server.port))
        .header("host", format!("localhost:{}", server.port))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        server.poll(id, FIREFOX_ORIGIN).await,
        json!({ "status": "rejected" })
    );
    assert_eq!(server.count("paired_clients"), 0);

    // A request nobody decides on expires after ten minutes.
    let created = request_pairing(&server, FIREFOX_ORIGIN, "firefox").await;
    let id = created["requestId"].as_str().unwrap();
    server
        .db()
        .execute(
            "UPDATE pairing_requests SET expires_at_unix = expires_at_unix - 601 WHERE id = ?1",
            [id],
        )
        .unwrap();
    assert_eq!(
        server.poll(id, FIREFOX_ORIGIN).await,
        json!({ "status": "expired" })
    );
    assert!(!server.pair_page().await.contains(id));
    let response = server
        .client
        .post(server.url(&format!("/pair/{id}/approve")))
        .header("origin", server.own_origin())
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    expect_error(response, 409, "pairing_not_pending").await;
    assert_eq!(server.count("paired_clients"), 0);
    server.stop().await;
}

#[tokio::test]
async fn invalid_pairing_requests() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    // No Origin (a local script or a page's no-cors request): refused.
    let response = server
        .client
        .post(server.url("/api/v1/pairing"))
        .json(&json!({ "label": "x", "browser": "chromium" }))
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "origin_required").await;
    // A web page.
    let response = server
        .client
        .post(server.url("/api/v1/pairing"))
        .header("origin", "https://evil.example")
        .json(&json!({ "label": "x", "browser": "chromium" }))
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;
    for body in [
        json!({ "label": "x", "browser": "safari" }),
        json!({ "label": "x", "browser": "firefox" }),
        json!({ "label": "", "browser": "chromium" }),
        json!({ "label": "x", "browser": "chromium", "admin": true }),
        json!({ "browser": "chromium" }),
    ] {
        let response = server
            .client
            .post(server.url("/api/v1/pairing"))
            .header("origin", CHROME_ORIGIN)
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_error(response, 422, "invalid_pairing_request").await;
    }
    assert_eq!(server.count("pairing_requests"), 0);
    // Unknown request ids.
    let response = server
        .client
        .get(server.url(&format!("/api/v1/pairing/{}", new_key())))
        .header("origin", CHROME_ORIGIN)
        .send()
        .await
        .unwrap();
    expect_error(response, 404, "not_found").await;
    server.stop().await;
}
