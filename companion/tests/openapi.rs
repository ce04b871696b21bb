//! The OpenAPI document at `/api/openapi.json`: every API route of the router is in it
//! (and each route it lists is served), with the bearer token's security scheme.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::Value;

/// Every `/api` route the companion serves, as the README's API table lists them.
const API_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/openapi.json"),
    ("get", "/api/v1/health"),
    ("post", "/api/v1/pairing"),
    ("get", "/api/v1/pairing/{id}"),
    ("post", "/api/v1/pairing/{id}"),
    ("get", "/api/v1/reports"),
    ("post", "/api/v1/reports"),
    ("get", "/api/v1/reports/{id}"),
    ("patch", "/api/v1/reports/{id}"),
    ("get", "/api/v1/reports/{id}/screenshot"),
    ("get", "/api/v1/reports/{id}/email"),
    ("post", "/api/v1/reports/{id}/forward"),
    ("post", "/api/v1/reports/{id}/review"),
    ("post", "/api/v1/reports/{id}/export"),
    ("get", "/api/v1/mail"),
    ("post", "/api/v1/mail/{id}/retry"),
    ("get", "/api/v1/attestations"),
    ("post", "/api/v1/attestations"),
    ("get", "/api/v1/policy"),
];

/// The routes that need no token.
const OPEN: &[&str] = &[
    "/api/openapi.json",
    "/api/v1/health",
    "/api/v1/pairing",
    "/api/v1/pairing/{id}",
];

#[tokio::test]
async fn the_document_lists_every_api_route_and_the_token_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let response = server
        .anonymous()
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));

    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = API_ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(documented, expected);

    let scheme = &document["components"]["securitySchemes"]["token"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    for (method, path) in API_ROUTES {
        let operation = &document["paths"][path][method];
        let security = operation["security"].as_array();
        let needs_token =
            security.is_some_and(|list| list.iter().any(|s| s.get("token").is_some()));
        assert_eq!(
            needs_token,
            !OPEN.contains(path),
            "{method} {path}: {operation}"
        );
        assert!(
            operation["responses"].as_object().unwrap().len() >= 2,
            "{method} {path}: its refusals are documented"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.token_file();
    let document: Value = server
        .client
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let url = server.url(&path.replace("{id}", "1"));
            let response = server
                .client
                .request(method.to_uppercase().parse().unwrap(), url)
                // No Origin: the guard lets it through to the router.
                .header("authorization", format!("Bearer {token}"))
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            // The router's own fallbacks: no such route, or not this method.
            assert_ne!(status, 405, "{method} {path}: {body}");
            assert!(
                !(status == 404 && body.contains("Not found: route")),
                "{method} {path} is documented but not routed: {body}"
            );
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn the_document_keeps_the_host_and_origin_checks() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let response = server
        .anonymous()
        .get(server.url("/api/openapi.json"))
        .header("host", format!("evil.example:{}", server.port))
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_host").await;
    let response = server
        .anonymous()
        .get(server.url("/api/openapi.json"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;
    server.stop().await;
}

#[tokio::test]
async fn a_method_a_route_lacks_is_405_whatever_the_body() {
    // Found by schemathesis: a PUT or a POST without a JSON body used to be answered 415
    // by the guard before the router could say the method is not allowed.
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.token_file();
    for (method, path) in [
        ("PUT", "/api/v1/attestations"),
        ("DELETE", "/api/v1/reports"),
        ("POST", "/api/v1/health"),
        ("POST", "/api/v1/policy"),
        ("PATCH", "/api/v1/attestations"),
    ] {
        let response = server
            .anonymous()
            .request(method.parse().unwrap(), server.url(path))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        expect_error(response, 405, "method_not_allowed").await;
    }
    server.stop().await;
}
