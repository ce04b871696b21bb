//! A report's life as the manager triages it, against the real server and its SQLite file:
//! each status change chained in the evidence log with its note, the rules of the
//! transitions, a forward setting "forwarded", the history on the report's page, and a
//! tampered review named by the chain's verification.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use balise_companion::Settings;
use common::{CHROME_ORIGIN, TestServer, csrf_from, expect_error, extension_headers, sha256_hex};
use serde_json::{Value, json};

/// A manager's companion (forwards to the board allowed) over `dir`.
async fn manager(dir: &Path) -> TestServer {
    std::fs::write(
        dir.join("balise.toml"),
        "[routing]\nboard_email = \"ca@sec-csq.example.org\"\n\n[identity]\nrole = \"manager\"\n",
    )
    .unwrap();
    let loaded = Settings::load(dir).unwrap();
    TestServer::start_with(dir, move |settings| settings.mail = loaded.mail).await
}

async fn page(server: &TestServer, path: &str) -> String {
    let response = server.client.get(server.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.unwrap()
}

/// Posts the report page's review form as the manager's browser does.
async fn review_form(server: &TestServer, id: &str, status: &str, note: &str) -> reqwest::Response {
    let csrf = csrf_from(&page(server, &format!("/reports/{id}")).await);
    server
        .client
        .post(server.url(&format!("/reports/{id}/review")))
        .header("origin", server.own_origin())
        .form(&[("csrf", csrf.as_str()), ("status", status), ("note", note)])
        .send()
        .await
        .unwrap()
}

async fn review_api(server: &TestServer, token: &str, id: &str, body: &Value) -> reqwest::Response {
    server
        .client
        .post(server.url(&format!("/api/v1/reports/{id}/review")))
        .headers(extension_headers(token))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn api_report(server: &TestServer, token: &str, id: &str) -> Value {
    server
        .client
        .get(server.url(&format!("/api/v1/reports/{id}")))
        .headers(extension_headers(token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The review rows of a report, read from the file: (status, note, review_json, seq).
fn review_rows(server: &TestServer, id: &str) -> Vec<(String, String, String, i64)> {
    let db = server.db();
    let mut statement = db
        .prepare(
            "SELECT status, note, review_json, evidence_seq FROM report_reviews
             WHERE report_id = ?1 ORDER BY evidence_seq",
        )
        .unwrap();
    statement
        .query_map([id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// The evidence entry at `seq`: (kind, subject, payload_sha256).
fn entry(server: &TestServer, seq: i64) -> (String, String, String) {
    server
        .db()
        .query_row(
            "SELECT kind, subject, payload_sha256 FROM evidence_log WHERE seq = ?1",
            [seq],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap()
}

fn status_on_page(html: &str) -> String {
    let marker = "data-current-status=\"";
    let start = html.find(marker).expect("the review form") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn each_status_change_is_chained_with_its_note_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let id = server.store_report(&token, 10).await;

    assert_eq!(api_report(&server, &token, &id).await["status"], "new");
    let html = page(&server, &format!("/reports/{id}")).await;
    assert_eq!(status_on_page(&html), "new");
    let listed = page(&server, "/").await;
    assert!(listed.contains(&format!("data-report-id=\"{id}\" data-status=\"new\"")));

    // The form: under review (a note is optional here), answered 303 to the page.
    let response = review_form(&server, &id, "under_review", "").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("/reports/{id}?done=reviewed").as_str()
    );
    let html = page(&server, &format!("/reports/{id}?done=reviewed")).await;
    assert_eq!(status_on_page(&html), "under_review");
    assert!(html.contains("data-notice=\"reviewed\""));
    assert_eq!(
        api_report(&server, &token, &id).await["status"],
        "under_review"
    );

    // The API: resolved with a note.
    let response = review_api(
        &server,
        &token,
        &id,
        &json!({"status": "resolved", "note": "Réponse publiée par le syndicat."}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let receipt: Value = response.json().await.unwrap();
    assert_eq!(
        (receipt["status"].as_str(), receipt["previous"].as_str()),
        (Some("resolved"), Some("under_review"))
    );
    // Reopening needs a note; then dismissing needs a reason.
    let response = review_form(&server, &id, "under_review", "  ").await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("data-error-code=\"note_required\"")
    );
    assert_eq!(
        review_form(&server, &id, "under_review", "Nouvelle capture reçue.")
            .await
            .status(),
        303
    );
    let response = review_api(
        &server,
        &token,
        &id,
        &json!({"status": "dismissed", "note": "Doublon du signalement précédent."}),
    )
    .await;
    assert_eq!(response.status(), 200);

    // In the file: four reviews, each its own chained entry hashing its JSON.
    let rows = review_rows(&server, &id);
    let statuses: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        statuses,
        ["under_review", "resolved", "under_review", "dismissed"]
    );
    let mut previous = "new".to_owned();
    for (status, note, json, seq) in &rows {
        let (kind, subject, payload) = entry(&server, *seq);
        assert_eq!(
            (kind.as_str(), subject.as_str()),
            ("report_reviewed", id.as_str())
        );
        assert_eq!(payload, sha256_hex(json.as_bytes()));
        let review: Value = serde_json::from_str(json).unwrap();
        assert_eq!(review["status"], status.as_str());
        assert_eq!(review["previous"], previous.as_str());
        assert_eq!(review["note"], note.as_str());
        assert_eq!(review["reportId"], id.as_str());
        previous = status.clone();
    }
    assert_eq!(rows[3].1, "Doublon du signalement précédent.");
    let chain = balise_companion::verify_evidence_chain(&server.db()).unwrap();
    assert!(chain.is_intact(), "{chain:?}");
    assert_eq!(
        chain.entries, 6,
        "the policy in force, the report, four reviews"
    );

    // Shown: the status on the page, the list and the API, and every note in the history.
    let stored = api_report(&server, &token, &id).await;
    assert_eq!(stored["status"], "dismissed");
    assert_eq!(stored["reviews"].as_array().unwrap().len(), 4);
    let html = page(&server, &format!("/reports/{id}")).await;
    assert_eq!(status_on_page(&html), "dismissed");
    let history = &html[html.find("data-history").unwrap()..];
    let first = history.find("Réponse publiée par le syndicat.").unwrap();
    let second = history.find("Nouvelle capture reçue.").unwrap();
    let third = history.find("Doublon du signalement précédent.").unwrap();
    assert!(first < second && second < third);
    let listed = page(&server, "/").await;
    assert!(listed.contains(&format!(
        "data-report-id=\"{id}\" data-status=\"dismissed\""
    )));
    server.stop().await;
}

#[tokio::test]
async fn refused_changes_store_nothing_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let id = server.store_report(&token, 30).await;
    let before = server.counts();

    // A dismissal without a reason, by the form and by the API.
    let response = review_form(&server, &id, "dismissed", " \n ").await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("data-error-code=\"reason_required\""),
        "{body}"
    );
    expect_error(
        review_api(&server, &token, &id, &json!({"status": "dismissed"})).await,
        422,
        "reason_required",
    )
    .await;
    // "forwarded" only comes from a forward; "new" never comes back; unknown statuses.
    expect_error(
        review_api(
            &server,
            &token,
            &id,
            &json!({"status": "forwarded", "note": "x"}),
        )
        .await,
        422,
        "use_forward",
    )
    .await;
    expect_error(
        review_api(&server, &token, &id, &json!({"status": "new", "note": "x"})).await,
        422,
        "invalid_status",
    )
    .await;
    expect_error(
        review_api(
            &server,
            &token,
            &id,
            &json!({"status": "closed", "note": "x"}),
        )
        .await,
        422,
        "invalid_status",
    )
    .await;
    expect_error(
        review_api(&server, &token, &id, &json!({"status": "resolved"})).await,
        422,
        "note_required",
    )
    .await;
    // Without the token, without the page's CSRF token, from another origin.
    let response = server
        .client
        .post(server.url(&format!("/api/v1/reports/{id}/review")))
        .header("origin", CHROME_ORIGIN)
        .json(&json!({"status": "under_review"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = server
        .client
        .post(server.url(&format!("/reports/{id}/review")))
        .header("origin", server.own_origin())
        .form(&[("csrf", "forged"), ("status", "under_review"), ("note", "")])
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_csrf").await;
    let csrf = csrf_from(&page(&server, "/").await);
    let response = server
        .client
        .post(server.url(&format!("/reports/{id}/review")))
        .header("origin", "http://evil.example")
        .form(&[
            ("csrf", csrf.as_str()),
            ("status", "under_review"),
            ("note", ""),
        ])
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "bad_origin").await;
    // An unknown report.
    expect_error(
        review_api(
            &server,
            &token,
            &uuid::Uuid::new_v4().to_string(),
            &json!({"status": "under_review"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(server.counts(), before);
    assert_eq!(server.count("report_reviews"), 0);

    // The same status twice, and dismissed → resolved without reopening: 409.
    assert_eq!(
        review_api(&server, &token, &id, &json!({"status": "under_review"}))
            .await
            .status(),
        200
    );
    expect_error(
        review_api(
            &server,
            &token,
            &id,
            &json!({"status": "under_review", "note": "x"}),
        )
        .await,
        409,
        "same_status",
    )
    .await;
    assert_eq!(
        review_api(
            &server,
            &token,
            &id,
            &json!({"status": "dismissed", "note": "Hors mandat."})
        )
        .await
        .status(),
        200
    );
    expect_error(
        review_api(
            &server,
            &token,
            &id,
            &json!({"status": "resolved", "note": "x"}),
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;
    assert_eq!(server.count("report_reviews"), 2);
    assert_eq!(
        api_report(&server, &token, &id).await["status"],
        "dismissed"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_forward_to_the_board_sets_forwarded_in_the_same_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let server = manager(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let by_page = server.store_report(&token, 50).await;
    let by_api = server.store_report(&token, 60).await;
    assert_eq!(
        review_form(&server, &by_page, "under_review", "À vérifier.")
            .await
            .status(),
        303
    );

    // From the report page's form.
    let csrf = csrf_from(&page(&server, &format!("/reports/{by_page}")).await);
    let response = server
        .client
        .post(server.url(&format!("/reports/{by_page}/forward")))
        .header("origin", server.own_origin())
        .form(&[
            ("csrf", csrf.as_str()),
            ("facts", "Faits vérifiés : publication du 3 décembre."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    // From the API.
    let response = server
        .client
        .post(server.url(&format!("/api/v1/reports/{by_api}/forward")))
        .headers(extension_headers(&token))
        .json(&json!({"to": "board", "facts": "Faits vérifiés par l'API."}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let forward: Value = response.json().await.unwrap();

    for (id, previous, facts) in [
        (
            &by_page,
            "under_review",
            "Faits vérifiés : publication du 3 décembre.",
        ),
        (&by_api, "new", "Faits vérifiés par l'API."),
    ] {
        let forward_seq: i64 = server
            .db()
            .query_row(
                "SELECT evidence_seq FROM report_forwards WHERE report_id = ?1",
                [id],
                |row| row.get(0),
            )
            .unwrap();
        let rows = review_rows(&server, id);
        let (status, note, json, seq) = rows.last().unwrap();
        assert_eq!((status.as_str(), note.as_str()), ("forwarded", facts));
        assert_eq!(*seq, forward_seq + 1, "the review follows its forward");
        let review: Value = serde_json::from_str(json).unwrap();
        assert_eq!(review["previous"], previous);
        assert_eq!(review["forwardSeq"], forward_seq);
        assert_eq!(entry(&server, *seq).0, "report_reviewed");
        assert_eq!(api_report(&server, &token, id).await["status"], "forwarded");
        let html = page(&server, &format!("/reports/{id}")).await;
        assert_eq!(status_on_page(&html), "forwarded");
    }
    assert_eq!(
        forward["evidenceSeq"].as_i64().unwrap() + 1,
        review_rows(&server, &by_api)[0].3
    );
    assert_eq!(server.count("mail_queue"), 2);
    // A forwarded report may be resolved (the board answered), then reopened with a note.
    assert_eq!(
        review_api(
            &server,
            &token,
            &by_api,
            &json!({"status": "resolved", "note": "Le conseil a répondu."})
        )
        .await
        .status(),
        200
    );
    // A failed forward (no facts) stores no review either.
    let before = server.count("report_reviews");
    let response = server
        .client
        .post(server.url(&format!("/api/v1/reports/{by_api}/forward")))
        .headers(extension_headers(&token))
        .json(&json!({"to": "board", "facts": "  "}))
        .send()
        .await
        .unwrap();
    expect_error(response, 422, "invalid_forward").await;
    assert_eq!(server.count("report_reviews"), before);
    let chain = balise_companion::verify_evidence_chain(&server.db()).unwrap();
    assert!(chain.is_intact(), "{chain:?}");
    server.stop().await;
}

#[tokio::test]
async fn the_history_lists_every_entry_about_the_report_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let server = manager(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let id = server.store_report(&token, 70).await;
    let other = server.store_report(&token, 80).await;
    let response = server
        .client
        .patch(server.url(&format!("/api/v1/reports/{id}")))
        .headers(extension_headers(&token))
        .json(&json!({"note": "Précision du membre."}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        review_form(&server, &id, "under_review", "Je regarde.")
            .await
            .status(),
        303
    );
    assert_eq!(
        review_form(&server, &other, "under_review", "Autre.")
            .await
            .status(),
        303
    );
    let response = server
        .client
        .post(server.url(&format!("/api/v1/reports/{id}/forward")))
        .headers(extension_headers(&token))
        .json(&json!({"to": "board", "facts": "Les faits."}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let response = server
        .client
        .post(server.url(&format!("/api/v1/reports/{id}/export")))
        .headers(extension_headers(&token))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let html = page(&server, &format!("/reports/{id}")).await;
    let history = &html[html.find("data-history").unwrap()..];
    let history = &history[..history.find("</ol>").unwrap()];
    let kinds: Vec<&str> = history
        .split("data-kind=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert_eq!(
        kinds,
        [
            "report_received",
            "report_annotated",
            "report_reviewed",
            "report_forwarded",
            "report_reviewed",
            "report_exported"
        ]
    );
    // Each line names its entry and hash as in the log; the other report's review is not here.
    let db = server.db();
    let mut statement = db
        .prepare("SELECT seq, entry_hash FROM evidence_log WHERE subject = ?1 ORDER BY seq")
        .unwrap();
    let entries: Vec<(i64, String)> = statement
        .query_map([&id], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(entries.len(), 6);
    for (seq, hash) in &entries {
        assert!(history.contains(&format!("data-seq=\"{seq}\"")), "{seq}");
        assert!(history.contains(&format!("title=\"{hash}\"")), "{hash}");
    }
    assert!(history.contains("Précision du membre."));
    assert!(history.contains("Je regarde."));
    assert!(history.contains("Les faits."));
    assert!(!history.contains("Autre."));
    server.stop().await;
}

#[tokio::test]
async fn a_tampered_review_row_is_named_by_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let id = server.store_report(&token, 90).await;
    for body in [
        json!({"status": "under_review", "note": "Examen."}),
        json!({"status": "dismissed", "note": "Raison d'origine."}),
    ] {
        assert_eq!(review_api(&server, &token, &id, &body).await.status(), 200);
    }
    let dismissed_seq = review_rows(&server, &id)[1].3;
    server.stop().await;
    let db = rusqlite::Connection::open(dir.path().join("balise.sqlite3")).unwrap();
    assert!(
        balise_companion::verify_evidence_chain(&db)
            .unwrap()
            .is_intact()
    );

    // Only the status column: the page would read the JSON, and verify names the row.
    db.execute(
        "UPDATE report_reviews SET status = 'resolved' WHERE evidence_seq = ?1",
        [dismissed_seq],
    )
    .unwrap();
    let chain = balise_companion::verify_evidence_chain(&db).unwrap();
    assert_eq!(chain.first_broken_seq, Some(dismissed_seq), "{chain:?}");
    assert!(chain.reason.unwrap().contains("status or note column"));
    db.execute(
        "UPDATE report_reviews SET status = 'dismissed' WHERE evidence_seq = ?1",
        [dismissed_seq],
    )
    .unwrap();
    assert!(
        balise_companion::verify_evidence_chain(&db)
            .unwrap()
            .is_intact()
    );

    // The chained JSON (and the copies with it): the payload hash no longer matches.
    let json: String = db
        .query_row(
            "SELECT review_json FROM report_reviews WHERE evidence_seq = ?1",
            [dismissed_seq],
            |row| row.get(0),
        )
        .unwrap();
    db.execute(
        "UPDATE report_reviews SET review_json = ?1, note = 'Raison réécrite.' WHERE evidence_seq = ?2",
        rusqlite::params![json.replace("Raison d'origine.", "Raison réécrite."), dismissed_seq],
    )
    .unwrap();
    let chain = balise_companion::verify_evidence_chain(&db).unwrap();
    assert_eq!(chain.first_broken_seq, Some(dismissed_seq), "{chain:?}");
    assert!(chain.reason.unwrap().contains("payload_sha256"));

    // A deleted review row.
    db.execute(
        "DELETE FROM report_reviews WHERE evidence_seq = ?1",
        [dismissed_seq],
    )
    .unwrap();
    let chain = balise_companion::verify_evidence_chain(&db).unwrap();
    assert_eq!(chain.first_broken_seq, Some(dismissed_seq), "{chain:?}");
    assert!(chain.reason.unwrap().contains("missing"));
    drop(db);

    // The command line names the same entry.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_balise-companion"))
        .args(["verify", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    assert!(
        printed.contains(&format!("ALTERED: evidence-log entry {dismissed_seq}")),
        "{printed}"
    );
}
