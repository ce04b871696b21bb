//! Reports and attestations over real HTTP: stored in one transaction, idempotent, every error storing nothing,
//! evidence verified on read, tampering detected, everything kept across a restart.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};

use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

fn form(parts: &[(&str, &[u8])]) -> Form {
    parts.iter().fold(Form::new(), |form, (name, bytes)| {
        form.part(name.to_string(), Part::bytes(bytes.to_vec()))
    })
}

#[tokio::test]
async fn a_report_is_stored_and_served_back_verified() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let screenshot = png(4, 3, [200, 30, 30]);
    let id = new_key();
    let report = report_json(&id, &screenshot);
    let report_bytes = serde_json::to_vec(&report).unwrap();

    let response = server
        .upload(&token, &new_key(), &report_bytes, &screenshot)
        .await;
    assert_eq!(response.status(), 201);
    let receipt: Value = response.json().await.unwrap();
    assert_eq!(receipt["id"], id);
    assert_eq!(receipt["screenshotSha256"], sha256_hex(&screenshot));
    assert_eq!(receipt["evidenceSeq"], 2);
    assert_eq!(receipt["entryHash"].as_str().unwrap().len(), 64);

    // Everything committed together: report, screenshot, evidence entry, outgoing mail, key.
    for table in ["reports", "screenshots", "mail_queue", "idempotency"] {
        assert_eq!(server.count(table), 1, "{table}");
    }
    // The log's first entry records the policy in force at start-up.
    assert_eq!(server.count("evidence_log"), 2);
    let (role, status, message_id): (String, String, String) = server
        .db()
        .query_row(
            "SELECT recipient_role, status, message_id FROM mail_queue WHERE report_id = ?1",
            [&id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert_eq!((role.as_str(), status.as_str()), ("manager", "queued"));
    assert_eq!(message_id, format!("<report-{id}.manager@balise.local>"));

    // Metadata.
    let stored: Value = server
        .client
        .get(server.url(&format!("/api/v1/reports/{id}")))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored["report"], report);
    assert_eq!(stored["evidenceSeq"], 2);
    assert_eq!(stored["entryHash"], receipt["entryHash"]);
    assert_eq!(stored["screenshotBytes"], screenshot.len());
    assert_eq!(stored["mailStatus"], "queued");
    assert_eq!(stored["mail"][0]["kind"], "report");
    assert_eq!(stored["mail"][0]["to"], "manager");
    assert_eq!(stored["mail"][0]["status"], "queued");
    assert!(stored["receivedAt"].as_str().unwrap().ends_with('Z'));

    // Screenshot bytes, verified.
    let response = server
        .client
        .get(server.url(&format!("/api/v1/reports/{id}/screenshot")))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(
        response.headers()["x-balise-sha256"],
        sha256_hex(&screenshot).as_str()
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(sha256_hex(&bytes), sha256_hex(&screenshot));
    assert_eq!(bytes.as_ref(), screenshot.as_slice());

    // List.
    let list: Value = server
        .client
        .get(server.url("/api/v1/reports?limit=10"))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["reports"][0]["id"], id);

    // Dashboard: escaped, with the chain verified and the thumbnail served.
    let html = server.page("/").await;
    assert!(html.contains("Marie Tremblay"));
    assert!(html.contains("&lt;b&gt;| Facebook"));
    assert!(!html.contains("<b>| Facebook"));
    assert!(html.contains(&sha256_hex(&screenshot)[..16]));
    assert!(html.contains("Vérifiée"));
    assert!(html.contains("Propos négatifs envers le syndicat"));
    let thumb = server
        .client
        .get(server.url(&format!("/reports/{id}/screenshot.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.status(), 200);
    assert_eq!(thumb.bytes().await.unwrap().as_ref(), screenshot.as_slice());
    server.stop().await;
}

#[tokio::test]
async fn replays_are_idempotent_and_conflicts_precise() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let screenshot = png(2, 2, [1, 2, 3]);
    let id = new_key();
    let report = serde_json::to_vec(&report_json(&id, &screenshot)).unwrap();
    let key = new_key();

    let first = server.upload(&token, &key, &report, &screenshot).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_body = first.text().await.unwrap();
    let after_first = server.counts();

    // The same request again (a new multipart boundary, as a retry from the outbox makes).
    for _ in 0..2 {
        let again = server.upload(&token, &key, &report, &screenshot).await;
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(again.text().await.unwrap(), first_body);
    }
    assert_eq!(server.counts(), after_first, "stored once");

    // Same key, different body.
    let other_png = png(2, 2, [9, 9, 9]);
    let other = serde_json::to_vec(&report_json(&new_key(), &other_png)).unwrap();
    let response = server.upload(&token, &key, &other, &other_png).await;
    expect_error(response, 422, "idempotency_key_reused").await;

    // Same report id, different key.
    let response = server
        .upload(&token, &new_key(), &report, &screenshot)
        .await;
    expect_error(response, 409, "report_exists").await;
    // Upper-case id is the same report.
    let upper = serde_json::to_vec(&report_json(&id.to_uppercase(), &screenshot)).unwrap();
    let response = server.upload(&token, &new_key(), &upper, &screenshot).await;
    expect_error(response, 409, "report_exists").await;
    assert_eq!(server.counts(), after_first);
    server.stop().await;
}

#[tokio::test]
async fn every_rejected_upload_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let before = server.counts();
    let screenshot = png(3, 3, [0, 128, 255]);
    let good = report_json(&new_key(), &screenshot);
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut report = good.clone();
        edit(&mut report);
        serde_json::to_vec(&report).unwrap()
    };
    let good_bytes = serde_json::to_vec(&good).unwrap();
    let gif = {
        let mut bytes = b"GIF89a".to_vec();
        bytes.resize(100, 7);
        bytes
    };
    let gif_report = with(&|r| r["screenshotSha256"] = sha256_hex(&gif).into());
    let mut bad_crc = screenshot.clone();
    bad_crc[20] ^= 0xff;
    let bad_crc_report = with(&|r| r["screenshotSha256"] = sha256_hex(&bad_crc).into());

    struct Case {
        name: &'static str,
        parts: Vec<(&'static str, Vec<u8>)>,
        status: u16,
        code: &'static str,
    }
    let case = |name, parts: Vec<(&'static str, Vec<u8>)>, status, code| Case {
        name,
        parts,
        status,
        code,
    };
    let cases = vec![
        case(
            "not a png",
            vec![("report", gif_report), ("screenshot", gif.clone())],
            422,
            "not_png",
        ),
        case(
            "bad IHDR checksum",
            vec![("report", bad_crc_report), ("screenshot", bad_crc)],
            422,
            "not_png",
        ),
        case(
            "sha256 mismatch",
            vec![
                (
                    "report",
                    with(&|r| r["screenshotSha256"] = sha256_hex(b"other").into()),
                ),
                ("screenshot", screenshot.clone()),
            ],
            422,
            "sha256_mismatch",
        ),
        case(
            "unknown field",
            vec![
                ("report", with(&|r| r["isAdmin"] = true.into())),
                ("screenshot", screenshot.clone()),
            ],
            422,
            "invalid_report",
        ),
        case(
            "unknown nested field",
            vec![
                ("report", with(&|r| r["reporter"]["phone"] = "418".into())),
                ("screenshot", screenshot.clone()),
            ],
            422,
            "invalid_report",
        ),
        case(
            "javascript url",
            vec![
                (
                    "report",
                    with(&|r| r["pageUrl"] = "javascript:alert(1)".into()),
                ),
                ("screenshot", screenshot.clone()),
            ],
            422,
            "invalid_page_url",
        ),
        case(
            "file url",
            vec![
                (
                    "report",
                    with(&|r| r["pageUrl"] = "file:///etc/passwd".into()),
                ),
                ("screenshot", screenshot.clone()),
            ],
            422,
            "invalid_page_url",
        ),
        case(
            "bad email",
            vec![
                ("report", with(&|r| r["reporter"]["email"] = "marie".into())),
                ("screenshot", screenshot.clone()),
            ],
            422,
            "invalid_report",
        ),
        case(
            "bad id",
            vec![
                ("report", with(&|r| r["id"] = "42".into())),
                ("screenshot", screenshot.clone()),
            ],
            422,
            "invalid_report",
        ),
        case(
            "not json",
            vec![
                ("report", b"{not json".to_vec()),
                ("screenshot", screenshot.clone()),
            ],
            422,
            "invalid_report",
        ),
        case(
            "missing report",
            vec![("screenshot", screenshot.clone())],
            400,
            "missing_part",
        ),
        case(
            "missing screenshot",
            vec![("report", good_bytes.clone())],
            400,
            "missing_part",
        ),
        case(
            "extra part",
            vec![
                ("report", good_bytes.clone()),
                ("screenshot", screenshot.clone()),
                ("comment", b"x".to_vec()),
            ],
            400,
            "unexpected_part",
        ),
        case(
            "repeated part",
            vec![
                ("report", good_bytes.clone()),
                ("report", good_bytes.clone()),
                ("screenshot", screenshot.clone()),
            ],
            400,
            "duplicate_part",
        ),
    ];
    for case in cases {
        let parts: Vec<(&str, &[u8])> =
            case.parts.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let response = server
            .client
            .post(server.url("/api/v1/reports"))
            .headers(extension_headers(&token))
            .header("idempotency-key", new_key())
            .multipart(form(&parts))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            (status, body["error"]["code"].as_str().unwrap()),
            (case.status, case.code),
            "case {}: {body}",
            case.name
        );
        assert_eq!(
            server.counts(),
            before,
            "case {} stored something",
            case.name
        );
    }

    let valid = || form(&[("report", &good_bytes), ("screenshot", &screenshot)]);
    // Missing / invalid Idempotency-Key.
    let response = server
        .client
        .post(server.url("/api/v1/reports"))
        .headers(extension_headers(&token))
        .multipart(valid())
        .send()
        .await
        .unwrap();
    expect_error(response, 400, "missing_idempotency_key").await;
    let response = server
        .client
        .post(server.url("/api/v1/reports"))
        .headers(extension_headers(&token))
        .header("idempotency-key", "not-a-uuid")
        .multipart(valid())
        .send()
        .await
        .unwrap();
    expect_error(response, 400, "invalid_idempotency_key").await;
    // Missing / wrong token.
    for authorization in [None, Some("Bearer nope")] {
        let mut request = server
            .client
            .post(server.url("/api/v1/reports"))
            .header("origin", CHROME_ORIGIN)
            .header("idempotency-key", new_key())
            .multipart(valid());
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
    // Wrong content type.
    let response = server
        .client
        .post(server.url("/api/v1/reports"))
        .headers(extension_headers(&token))
        .header("idempotency-key", new_key())
        .header("content-type", "text/plain")
        .body(good_bytes.clone())
        .send()
        .await
        .unwrap();
    expect_error(response, 415, "unsupported_media_type").await;
    assert_eq!(server.counts(), before);

    // And the valid upload still works afterwards.
    let response = server
        .client
        .post(server.url("/api/v1/reports"))
        .headers(extension_headers(&token))
        .header("idempotency-key", new_key())
        .multipart(valid())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    server.stop().await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), |settings| {
        settings.max_screenshot_bytes = 64 * 1024;
    })
    .await;
    let token = server.pair(CHROME_ORIGIN).await;
    let before = server.counts();
    let big = png(200, 120, [10, 20, 30]); // about 72 KB
    assert!(big.len() > 64 * 1024);
    let report = serde_json::to_vec(&report_json(&new_key(), &big)).unwrap();
    let response = server.upload(&token, &new_key(), &report, &big).await;
    expect_error(response, 413, "payload_too_large").await;
    assert_eq!(server.counts(), before);

    // Without Content-Length (chunked), the limit still holds while reading.
    let boundary = "XbaliseX";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(&report);
    body.extend_from_slice(
        format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"screenshot\"\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(&big);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let port = server.port;
    let token_for_raw = token.clone();
    let reply = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let head = format!(
            "POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {CHROME_ORIGIN}\r\n\
             Authorization: Bearer {token_for_raw}\r\nIdempotency-Key: {}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            new_key()
        );
        let _ = stream.write_all(head.as_bytes());
        for chunk in body.chunks(8192) {
            let _ = stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes());
            let _ = stream.write_all(chunk);
            let _ = stream.write_all(b"\r\n");
        }
        let _ = stream.write_all(b"0\r\n\r\n");
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        reply
    })
    .await
    .unwrap();
    assert!(reply.starts_with("HTTP/1.1 413"), "reply: {reply}");
    assert!(reply.contains("payload_too_large"));
    assert_eq!(server.counts(), before);

    // Under the limit is fine.
    let small = png(8, 8, [1, 1, 1]);
    let report = serde_json::to_vec(&report_json(&new_key(), &small)).unwrap();
    let response = server.upload(&token, &new_key(), &report, &small).await;
    assert_eq!(response.status(), 201);
    server.stop().await;
}

#[tokio::test]
async fn annotations_add_evidence_and_keep_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let screenshot = png(2, 2, [5, 5, 5]);
    let id = new_key();
    let report = report_json(&id, &screenshot);
    let response = server
        .upload(
            &token,
            &new_key(),
            &serde_json::to_vec(&report).unwrap(),
            &screenshot,
        )
        .await;
    assert_eq!(response.status(), 201);

    let patch = |body: Value| {
        server
            .client
            .patch(server.url(&format!("/api/v1/reports/{id}")))
            .headers(extension_headers(&token))
            .json(&body)
            .send()
    };
    let response = patch(json!({ "category": "harassment", "note": "Vu aussi sur X." }))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let annotated: Value = response.json().await.unwrap();
    assert_eq!(annotated["evidenceSeq"], 3);
    assert_eq!(annotated["category"], "harassment");

    let before = server.counts();
    for (body, code) in [
        (json!({}), "invalid_annotation"),
        (json!({ "note": "x", "by": "me" }), "invalid_annotation"),
        (json!({ "category": "spam" }), "invalid_annotation"),
    ] {
        expect_error(patch(body).await.unwrap(), 422, code).await;
    }
    let response = server
        .client
        .patch(server.url(&format!("/api/v1/reports/{}", new_key())))
        .headers(extension_headers(&token))
        .json(&json!({ "note": "x" }))
        .send()
        .await
        .unwrap();
    expect_error(response, 404, "not_found").await;
    assert_eq!(server.counts(), before);

    let stored: Value = server
        .client
        .get(server.url(&format!("/api/v1/reports/{id}")))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored["report"], report, "the original JSON is untouched");
    assert_eq!(stored["report"]["category"], "negative-remark");
    assert_eq!(stored["annotations"][0]["category"], "harassment");
    assert_eq!(stored["annotations"][0]["note"], "Vu aussi sur X.");
    assert_eq!(stored["annotations"][0]["evidenceSeq"], 3);
    let chain = balise_companion::verify_evidence_chain(&server.db()).unwrap();
    assert!(chain.is_intact());
    assert_eq!(chain.entries, 3);
    let html = server.page("/").await;
    assert!(html.contains("Harcèlement ou attaque personnelle"));
    server.stop().await;
}

#[tokio::test]
async fn tampering_in_the_file_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let mut ids = Vec::new();
    for colour in [[1, 0, 0], [0, 1, 0], [0, 0, 1]] {
        let screenshot = png(2, 2, colour);
        let id = new_key();
        let report = serde_json::to_vec(&report_json(&id, &screenshot)).unwrap();
        let response = server
            .upload(&token, &new_key(), &report, &screenshot)
            .await;
        assert_eq!(response.status(), 201);
        ids.push(id);
    }
    let db = server.db();
    let status = balise_companion::verify_evidence_chain(&db).unwrap();
    assert!(status.is_intact(), "{status:?}");
    assert_eq!(status.entries, 4);
    let report_page = |id: String| {
        let client = server.client.clone();
        let url = server.url(&format!("/reports/{id}"));
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(
        report_page(ids[0].clone())
            .await
            .contains("data-chain=\"intact\"")
    );

    // Someone edits the second report's note directly in the file.
    db.execute(
        "UPDATE reports SET report_json = replace(report_json, 'dénigrant', 'élogieux') WHERE id = ?1",
        [&ids[1]],
    )
    .unwrap();
    let status = balise_companion::verify_evidence_chain(&db).unwrap();
    assert_eq!(status.first_broken_seq, Some(3), "{status:?}");
    let html = server.page("/").await;
    assert!(
        html.contains("Rompue à l&#39;entrée"),
        "dashboard shows the break"
    );
    assert!(
        html.contains("Rompue à l&#39;entrée 3"),
        "at entry 3: {html}"
    );
    // Every report's page says so too, not only the tampered one's.
    let page = report_page(ids[0].clone()).await;
    assert!(page.contains("data-chain=\"broken\""), "{page}");
    assert!(page.contains("rompue à l&#39;entrée 3"), "{page}");

    // Someone swaps a screenshot's bytes: reading it is an integrity error, not the bytes.
    db.execute(
        "UPDATE screenshots SET png = ?2 WHERE report_id = ?1",
        rusqlite::params![&ids[0], png(2, 2, [9, 9, 9])],
    )
    .unwrap();
    let response = server
        .client
        .get(server.url(&format!("/api/v1/reports/{}/screenshot", ids[0])))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap();
    let body = expect_error(response, 500, "evidence_corrupted").await;
    assert!(!body.to_string().contains("stored"), "no internals: {body}");
    let response = server
        .client
        .get(server.url(&format!("/reports/{}/screenshot.png", ids[0])))
        .send()
        .await
        .unwrap();
    expect_error(response, 500, "evidence_corrupted").await;
    // An untouched one still reads.
    let response = server
        .client
        .get(server.url(&format!("/api/v1/reports/{}/screenshot", ids[2])))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.stop().await;
}

fn attestation(id: &str) -> Value {
    json!({
        "id": id,
        "recordedAt": "2026-11-28T14:05:09Z",
        "site": "x",
        "pageUrl": "https://x.com/home",
        "textSha256": sha256_hex(b"Bonjour"),
        "checklist": [
            { "id": "identification", "state": "ok" },
            { "id": "vie-privee", "state": "ok" }
        ],
        "findings": [],
        "overrideReason": "Numéro public du bureau syndical.",
        "policyVersion": 1
    })
}

#[tokio::test]
async fn attestations_are_stored_once_with_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let id = new_key();
    let key = new_key();
    let post = |body: Value, key: Option<String>| {
        let mut request = server
            .client
            .post(server.url("/api/v1/attestations"))
            .headers(extension_headers(&token))
            .json(&body);
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        request.send()
    };
    let first = post(attestation(&id), Some(key.clone())).await.unwrap();
    assert_eq!(first.status(), 201);
    let first_body: Value = first.json().await.unwrap();
    assert_eq!(first_body["id"], id);
    assert_eq!(first_body["evidenceSeq"], 2);
    let again = post(attestation(&id), Some(key.clone())).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    assert_eq!(server.count("attestations"), 1);
    assert_eq!(server.count("evidence_log"), 2);

    let before = server.counts();
    let mut other = attestation(&id);
    other["site"] = "facebook".into();
    expect_error(
        post(other, Some(key.clone())).await.unwrap(),
        422,
        "idempotency_key_reused",
    )
    .await;
    expect_error(
        post(attestation(&id), Some(new_key())).await.unwrap(),
        409,
        "attestation_exists",
    )
    .await;
    expect_error(
        post(attestation(&new_key()), None).await.unwrap(),
        400,
        "missing_idempotency_key",
    )
    .await;
    let mut unknown = attestation(&new_key());
    unknown["draft"] = "texte".into();
    expect_error(
        post(unknown, Some(new_key())).await.unwrap(),
        422,
        "invalid_attestation",
    )
    .await;
    let mut bad_url = attestation(&new_key());
    bad_url["pageUrl"] = "chrome://settings".into();
    expect_error(
        post(bad_url, Some(new_key())).await.unwrap(),
        422,
        "invalid_attestation",
    )
    .await;
    assert_eq!(server.counts(), before);

    let list: Value = server
        .client
        .get(server.url("/api/v1/attestations"))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["attestations"][0]["attestation"], attestation(&id));
    let html = server.page("/").await;
    assert!(html.contains("Numéro public du bureau syndical."));
    server.stop().await;
}

#[tokio::test]
async fn a_restart_on_the_same_data_dir_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let screenshot = png(6, 6, [42, 42, 42]);
    let id = new_key();
    let key = new_key();
    let report = serde_json::to_vec(&report_json(&id, &screenshot)).unwrap();
    let response = server.upload(&token, &key, &report, &screenshot).await;
    assert_eq!(response.status(), 201);
    let receipt = response.text().await.unwrap();
    let shared = server.token_file();
    server.stop().await;

    let server = TestServer::start(dir.path()).await;
    assert_eq!(server.token_file(), shared, "same shared token");
    // The browser's own token still works (below). Still paired (origin accepted), same report and bytes, chain intact, key remembered.
    let health: Value = server
        .client
        .get(server.url("/api/v1/health"))
        .header("origin", CHROME_ORIGIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["paired"], true);
    let bytes = server
        .client
        .get(server.url(&format!("/api/v1/reports/{id}/screenshot")))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), screenshot.as_slice());
    let replay = server.upload(&token, &key, &report, &screenshot).await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.text().await.unwrap(), receipt);
    assert_eq!(server.count("reports"), 1);
    assert!(
        balise_companion::verify_evidence_chain(&server.db())
            .unwrap()
            .is_intact()
    );
    // The WAL was checkpointed on the clean stop: the main file alone holds the data.
    server.stop().await;
    assert!(
        !dir.path().join("balise.sqlite3-wal").exists()
            || std::fs::metadata(dir.path().join("balise.sqlite3-wal"))
                .unwrap()
                .len()
                == 0
    );
}

#[tokio::test]
async fn concurrent_retries_with_one_key_store_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let screenshot = png(16, 16, [7, 8, 9]);
    let report = serde_json::to_vec(&report_json(&new_key(), &screenshot)).unwrap();
    let key = new_key();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (client, url) = (server.client.clone(), server.url("/api/v1/reports"));
        let (token, key, report, screenshot) = (
            token.clone(),
            key.clone(),
            report.clone(),
            screenshot.clone(),
        );
        tasks.spawn(async move {
            let form = form(&[("report", &report), ("screenshot", &screenshot)]);
            let response = client
                .post(url)
                .headers(extension_headers(&token))
                .header("idempotency-key", key)
                .multipart(form)
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        });
    }
    let mut bodies = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (status, body) = joined.unwrap();
        assert_eq!(status, 201, "{body}");
        bodies.push(body);
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(server.count("reports"), 1);
    assert_eq!(server.count("evidence_log"), 2);
    assert_eq!(server.count("mail_queue"), 1);
    server.stop().await;
}

#[tokio::test]
async fn the_list_is_newest_first_with_limit_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let mut ids = Vec::new();
    for shade in 0..5u8 {
        let screenshot = png(1, 1, [shade, shade, shade]);
        let id = new_key();
        let report = serde_json::to_vec(&report_json(&id, &screenshot)).unwrap();
        assert_eq!(
            server
                .upload(&token, &new_key(), &report, &screenshot)
                .await
                .status(),
            201
        );
        ids.push(id);
    }
    let list: Value = server
        .client
        .get(server.url("/api/v1/reports?limit=2&offset=1"))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 5);
    let listed: Vec<&str> = list["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![ids[3].as_str(), ids[2].as_str()]);
    let response = server
        .client
        .get(server.url("/api/v1/reports?limit=many"))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap();
    expect_error(response, 400, "invalid_query").await;
    server.stop().await;
}
