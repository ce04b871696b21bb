//! Only the owner gets in: dashboard sessions from one-time links, pairing approval behind a
//! session, and a token of its own for each paired browser, revocable.

#![allow(clippy::unwrap_used)]

mod common;

use common::{
    CHROME_ORIGIN, FIREFOX_ORIGIN, OTHER_CHROME_ORIGIN, TestServer, csrf_from, expect_error,
    new_key, png, report_json, signed_in_client,
};
use serde_json::json;

/// Every page, screenshot, draft and form of the dashboard, for one stored report.
fn dashboard_paths(id: &str) -> Vec<String> {
    [
        "/",
        "/pair",
        "/settings",
        "/signout",
        "/reports/{id}",
        "/reports/{id}/screenshot.png",
        "/reports/{id}/email.eml",
    ]
    .iter()
    .map(|path| path.replace("{id}", id))
    .collect()
}

fn dashboard_forms(id: &str, request: &str) -> Vec<String> {
    [
        "/pair/{request}/approve",
        "/pair/{request}/reject",
        "/clients/{request}/revoke",
        "/reports/{id}/forward",
        "/reports/{id}/export",
        "/mail/1/retry",
        "/settings",
        "/settings/test",
        "/signout",
    ]
    .iter()
    .map(|path| path.replace("{id}", id).replace("{request}", request))
    .collect()
}

#[tokio::test]
async fn without_a_session_every_page_and_form_is_refused_and_shows_no_report_data() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let marker = "Marqueur-secret-7f3a";
    let id = new_key();
    let screenshot = png(4, 3, [200, 30, 30]);
    let mut report = report_json(&id, &screenshot);
    report["note"] = json!(marker);
    let stored = server
        .upload(
            &token,
            &new_key(),
            report.to_string().as_bytes(),
            &screenshot,
        )
        .await;
    assert_eq!(stored.status(), 201);
    // A pairing request a local program would like approved.
    let request: serde_json::Value = server
        .client
        .post(server.url("/api/v1/pairing"))
        .header("origin", OTHER_CHROME_ORIGIN)
        .json(&json!({ "label": "Intrus", "browser": "chromium" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let request_id = request["requestId"].as_str().unwrap().to_owned();
    // The legitimate page (signed in) holds a form token a program would love to read.
    let csrf = csrf_from(&server.pair_page().await);
    let before = server.counts();

    let anonymous = server.anonymous();
    for path in dashboard_paths(&id) {
        let response = anonymous.get(server.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 401, "GET {path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("data-signin-help"), "GET {path}: {html}");
        assert!(html.contains("balise-companion open"), "GET {path}");
        assert!(!html.contains(marker), "GET {path} leaks the report");
        assert!(
            !html.contains("name=\"csrf\""),
            "GET {path} leaks a form token"
        );
    }
    // A local program that fetched /pair gets no form token; even with the real one, its
    // own-origin form posts fail without the session.
    for path in dashboard_forms(&id, &request_id) {
        let response = anonymous
            .post(server.url(&path))
            .header("origin", server.own_origin())
            .form(&[("csrf", csrf.as_str()), ("to", "board"), ("facts", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "POST {path}");
    }
    let polled = server.poll(&request_id, OTHER_CHROME_ORIGIN).await;
    assert_eq!(
        polled["status"], "pending",
        "the intruder's request is not approved"
    );
    assert_eq!(server.counts(), before, "nothing changed");

    // A session cookie that was never issued is no better than none.
    let forged = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(server.url("/"))
        .header(
            "cookie",
            format!("balise_session_{}={}", server.port, "a".repeat(64)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn a_sign_in_link_opens_one_strict_http_only_session_once_and_signing_out_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let code = server.sign_in_code().await;
    let browser = server.anonymous();
    let response = browser
        .get(server.url(&format!("/signin?code={code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let name = format!("balise_session_{}=", server.port);
    assert!(cookie.starts_with(&name), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let session = cookie[name.len()..].split(';').next().unwrap().to_owned();
    assert_eq!(session.len(), 64);
    // The database keeps only its SHA-256 (beside the harness' own session).
    let stored_hash = balise_core::digest::sha256_hex(session.as_bytes());
    let count_session = |hash: &str| -> i64 {
        server
            .db()
            .query_row(
                "SELECT count(*) FROM dashboard_sessions WHERE id_sha256 = ?1",
                [hash],
                |row| row.get(0),
            )
            .unwrap()
    };
    assert_eq!(count_session(&stored_hash), 1);
    assert_eq!(count_session(&session), 0, "never the session id itself");

    // The same link again: refused, and it says why.
    let again = browser
        .get(server.url(&format!("/signin?code={code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);
    assert!(again.headers().get("set-cookie").is_none());
    let html = again.text().await.unwrap();
    assert!(html.contains("data-signin-refused"), "{html}");
    assert!(html.contains("déjà servi"), "{html}");
    let garbage = browser
        .get(server.url(&format!("/signin?code={}", "0".repeat(64))))
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 401);

    // With the cookie: the dashboard.
    let with_cookie = |path: &str| {
        browser
            .get(server.url(path))
            .header("cookie", format!("{name}{session}"))
            .send()
    };
    let home = with_cookie("/").await.unwrap();
    assert_eq!(home.status(), 200);
    let page = home.text().await.unwrap();
    assert!(page.contains("href=\"/signout\""), "a way to sign out");

    // Signing out: a form with the page's token, from the companion's own origin.
    let confirm = with_cookie("/signout").await.unwrap().text().await.unwrap();
    let csrf = csrf_from(&confirm);
    let out = browser
        .post(server.url("/signout"))
        .header("cookie", format!("{name}{session}"))
        .header("origin", server.own_origin())
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()["location"], "/signin?done=signed_out");
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(with_cookie("/").await.unwrap().status(), 401);
    assert_eq!(count_session(&stored_hash), 0, "the session is gone");
    server.stop().await;
}

#[tokio::test]
async fn each_paired_browser_gets_its_own_token_bound_to_its_origin_and_revocable() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let shared = server.token_file();
    let chrome = server.pair(CHROME_ORIGIN).await;
    let firefox = server.pair(FIREFOX_ORIGIN).await;
    assert_eq!(chrome.len(), 64);
    assert_ne!(chrome, firefox, "one token per browser");
    assert_ne!(chrome, shared, "not the shared API token");
    assert_ne!(firefox, shared);
    // Only hashes stay in the file once the requests expire; while they wait, the plain
    // token is kept for the browser's next poll only.
    let hashes: Vec<Option<String>> = server
        .db()
        .prepare("SELECT token_sha256 FROM paired_clients ORDER BY paired_at")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(hashes.contains(&Some(balise_core::digest::sha256_hex(chrome.as_bytes()))));

    let policy = |token: &str, origin: Option<&str>| {
        let mut request = server
            .anonymous()
            .get(server.url("/api/v1/policy"))
            .header("authorization", format!("Bearer {token}"));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    assert_eq!(
        policy(&chrome, Some(CHROME_ORIGIN)).await.unwrap().status(),
        200
    );
    assert_eq!(policy(&chrome, None).await.unwrap().status(), 200);
    assert_eq!(
        policy(&firefox, Some(FIREFOX_ORIGIN))
            .await
            .unwrap()
            .status(),
        200
    );
    expect_error(
        policy(&chrome, Some(FIREFOX_ORIGIN)).await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(
        policy(&shared, None).await.unwrap().status(),
        200,
        "scripts"
    );

    // The last use is recorded (written in the background, at most once a minute).
    let mut last_use: Option<String> = None;
    for _ in 0..50 {
        last_use = server
            .db()
            .query_row(
                "SELECT last_used_at FROM paired_clients WHERE origin = ?1",
                [CHROME_ORIGIN],
                |row| row.get(0),
            )
            .unwrap();
        if last_use.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(last_use.is_some(), "the last use is recorded");

    // Revoking Chromium from the pairing page: its token is refused at once, Firefox's is not.
    let page = server.pair_page().await;
    assert!(page.contains("data-clients"));
    let client_id: String = server
        .db()
        .query_row(
            "SELECT request_id FROM paired_clients WHERE origin = ?1",
            [CHROME_ORIGIN],
            |row| row.get(0),
        )
        .unwrap();
    assert!(page.contains(&format!("/clients/{client_id}/revoke")));
    let revoked = server
        .client
        .post(server.url(&format!("/clients/{client_id}/revoke")))
        .header("origin", server.own_origin())
        .form(&[("csrf", csrf_from(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 303);
    assert_eq!(revoked.headers()["location"], "/pair?done=revoked");
    expect_error(
        policy(&chrome, Some(CHROME_ORIGIN)).await.unwrap(),
        403,
        "bad_origin",
    )
    .await;
    expect_error(policy(&chrome, None).await.unwrap(), 401, "unauthorized").await;
    assert_eq!(
        policy(&firefox, Some(FIREFOX_ORIGIN))
            .await
            .unwrap()
            .status(),
        200
    );
    let page = server.pair_page().await;
    assert!(
        page.contains(&format!(
            "data-client=\"{client_id}\" data-revoked=\"true\""
        )),
        "{page}"
    );
    let revoked_at: Option<String> = server
        .db()
        .query_row(
            "SELECT revoked_at FROM paired_clients WHERE origin = ?1",
            [CHROME_ORIGIN],
            |row| row.get(0),
        )
        .unwrap();
    assert!(revoked_at.is_some());

    // Revoked stays revoked after a restart; pairing again gives a new token that works.
    let data_dir = server.data_dir.clone();
    server.stop().await;
    let server = TestServer::start(&data_dir).await;
    expect_error(policy_at(&server, &chrome).await, 401, "unauthorized").await;
    let again = server.pair(CHROME_ORIGIN).await;
    assert_ne!(again, chrome);
    assert_eq!(policy_at(&server, &again).await.status(), 200);
    server.stop().await;
}

async fn policy_at(server: &TestServer, token: &str) -> reqwest::Response {
    server
        .anonymous()
        .get(server.url("/api/v1/policy"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_test_harness_client_is_a_signed_in_browser() {
    // The other tests read pages through `server.client`; make sure that is a real session
    // and not an open door.
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let code = server.sign_in_code().await;
    let client = signed_in_client(&server.base, &code).await;
    assert_eq!(
        client.get(server.url("/")).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        server
            .anonymous()
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    server.stop().await;
}
