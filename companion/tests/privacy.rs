//! Privacy (Quebec's Law 25): a report erased by the manager with a reason, and reports past
//! the retention period, are redacted: their content and screenshot bytes leave the SQLite
//! file, a chained `report_redacted` entry keeps their hashes, the chain and `verify` still
//! pass, the pages say so, exports are refused, and tampering with the redaction is caught.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_balise-companion");

/// A report whose every personal field carries `marker`, with a screenshot of its own colour.
fn marked_report(id: &str, marker: &str, screenshot: &[u8]) -> Value {
    let mut report = report_json(id, screenshot);
    report["pageUrl"] = format!("https://www.facebook.com/{marker}/posts/1").into();
    report["pageTitle"] = format!("Titre {marker}").into();
    report["note"] = format!("Note {marker}").into();
    report["selectedText"] = format!("Texte {marker}").into();
    report["reporter"]["name"] = format!("Personne {marker}").into();
    report["reporter"]["email"] = format!("{}@example.org", marker.to_lowercase()).into();
    report
}

async fn upload(server: &TestServer, token: &str, id: &str, marker: &str, screenshot: &[u8]) {
    let report = marked_report(id, marker, screenshot);
    let response = server
        .upload(token, &new_key(), report.to_string().as_bytes(), screenshot)
        .await;
    assert_eq!(response.status(), 201);
}

/// Every byte the companion keeps on disk for its database.
/// The database, its log and every screenshot file under `evidence/`, concatenated.
fn file_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(dir.join("balise.sqlite3")).unwrap();
    if let Ok(wal) = std::fs::read(dir.join("balise.sqlite3-wal")) {
        bytes.extend(wal);
    }
    for file in screenshot_files(dir) {
        bytes.extend(std::fs::read(&file).unwrap());
    }
    bytes
}

/// The screenshot files under `evidence/`.
fn screenshot_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for sub in std::fs::read_dir(dir.join("evidence")).unwrap().flatten() {
        for file in std::fs::read_dir(sub.path()).unwrap().flatten() {
            files.push(file.path());
        }
    }
    files
}

#[tokio::test]
async fn an_identical_screenshot_is_stored_once_and_its_file_goes_with_the_last_report_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let (first, second) = (new_key(), new_key());
    let screenshot = png(16, 9, [99, 1, 250]);
    upload(&server, &token, &first, "PREMIER", &screenshot).await;
    upload(&server, &token, &second, "SECOND", &screenshot).await;
    let sha = sha256_hex(&screenshot);
    let file = dir.path().join("evidence").join(&sha[..2]).join(&sha[2..]);
    assert_eq!(
        screenshot_files(dir.path()),
        vec![file.clone()],
        "one file for both"
    );
    assert_eq!(server.screenshot_bytes(&first), screenshot);

    let erase = |id: String| {
        let server = &server;
        async move {
            let report_page = page(server, &format!("/reports/{id}")).await;
            let csrf = csrf_from(&report_page);
            let response = server
                .client
                .post(server.url(&format!("/reports/{id}/redact")))
                .header("origin", server.own_origin())
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("reason", "Demande de la personne"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 303);
        }
    };
    // The second report still names the file: it stays, and still verifies.
    erase(first.clone()).await;
    assert!(file.exists());
    let response = server
        .client
        .get(server.url(&format!("/api/v1/reports/{second}/screenshot")))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap(), screenshot);
    // The last one erased: the file is gone, and its pixels from every file of the directory.
    erase(second.clone()).await;
    assert!(!file.exists());
    assert_eq!(
        screenshot_files(dir.path()),
        Vec::<std::path::PathBuf>::new()
    );
    assert!(!contains(&file_bytes(dir.path()), &screenshot[40..104]));
    server.stop().await;
    let (code, printed) = verify(dir.path(), &[]);
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("Reports redacted: 2"), "{printed}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn verify(dir: &Path, extra: &[&str]) -> (i32, String) {
    let output = Command::new(BIN)
        .args(["verify", "--data-dir"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// A page as an English browser reads it (the checks below look for its English text).
async fn page(server: &TestServer, path: &str) -> String {
    let response = server
        .client
        .get(server.url(path))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_manager_erases_a_report_with_a_reason_and_only_its_hashes_stay() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let (id, kept_id) = (new_key(), new_key());
    let screenshot = png(24, 12, [17, 201, 93]);
    upload(&server, &token, &id, "EFFACEMOI7F3A", &screenshot).await;
    upload(
        &server,
        &token,
        &kept_id,
        "GARDEMOI2B6C",
        &png(24, 12, [3, 4, 5]),
    )
    .await;
    let response = server
        .client
        .patch(server.url(&format!("/api/v1/reports/{id}")))
        .headers(extension_headers(&token))
        .json(&serde_json::json!({ "note": "Annotation ANNOTEE9D1E" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // The manager's triage note names the person too.
    let response = server
        .client
        .post(server.url(&format!("/api/v1/reports/{id}/review")))
        .headers(extension_headers(&token))
        .json(&serde_json::json!({ "status": "under_review", "note": "Revue REVUE4C8E" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // An export taken before the erasure, as the board would have received it.
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
    let earlier_export = dir.path().join("earlier.zip");
    std::fs::write(&earlier_export, response.bytes().await.unwrap()).unwrap();

    let before = file_bytes(dir.path());
    assert!(
        contains(&before, b"EFFACEMOI7F3A"),
        "the search finds the content"
    );
    assert!(
        contains(&before, &screenshot[40..104]),
        "the search finds the pixels"
    );
    let report_page = page(&server, &format!("/reports/{id}")).await;
    assert!(report_page.contains("Erase this report"), "the erase form");
    let csrf = csrf_from(&report_page);
    let erase = |reason: &str| {
        server
            .client
            .post(server.url(&format!("/reports/{id}/redact")))
            .header("origin", server.own_origin())
            .form(&[("csrf", csrf.as_str()), ("reason", reason)])
            .send()
    };
    // A reason is required: nothing is removed without one.
    expect_error(erase("   ").await.unwrap(), 422, "reason_required").await;
    assert_eq!(server.count("report_redactions"), 0);
    assert_eq!(server.count("screenshots"), 2);

    let reason = "Demande d'effacement de la personne <script>alert(1)</script>";
    let response = erase(reason).await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("/reports/{id}?done=redacted").as_str()
    );
    expect_error(erase("encore").await.unwrap(), 409, "already_redacted").await;
    // Even while the companion runs, the write-ahead log no longer holds the old rows.
    let bytes = file_bytes(dir.path());
    assert!(
        !contains(&bytes, b"EFFACEMOI7F3A"),
        "the content is in the file or its WAL"
    );
    assert!(
        !contains(&bytes, &screenshot[40..104]),
        "the pixels are in the file or its WAL"
    );

    // The redaction is a chained entry that keeps the hashes of what was removed.
    let (seq, kind, subject, payload): (i64, String, String, String) = server
        .db()
        .query_row(
            "SELECT seq, kind, subject, payload_sha256 FROM evidence_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (kind.as_str(), subject.as_str()),
        ("report_redacted", id.as_str())
    );
    let redaction_json: String = server
        .db()
        .query_row(
            "SELECT redaction_json FROM report_redactions WHERE report_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(sha256_hex(redaction_json.as_bytes()), payload);
    let redaction: Value = serde_json::from_str(&redaction_json).unwrap();
    let original = marked_report(&id, "EFFACEMOI7F3A", &screenshot).to_string();
    assert_eq!(
        redaction["removed"][0]["sha256"],
        sha256_hex(original.as_bytes())
    );
    assert_eq!(redaction["removed"][0]["kind"], "report_received");
    assert_eq!(redaction["removed"][1]["kind"], "report_annotated");
    // The review's note goes; its statuses stay in the chained redaction.
    assert_eq!(redaction["removed"][2]["kind"], "report_reviewed");
    assert_eq!(redaction["removed"][2]["review"]["status"], "under_review");
    assert_eq!(redaction["removed"][2]["review"]["previous"], "new");
    assert_eq!(redaction["status"], "under_review");
    let (review_json, review_status, review_note): (String, String, String) = server
        .db()
        .query_row(
            "SELECT review_json, status, note FROM report_reviews WHERE report_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(review_json.contains("\"redacted\""), "{review_json}");
    assert_eq!(
        (review_status.as_str(), review_note.as_str()),
        ("under_review", "")
    );
    assert_eq!(redaction["screenshotSha256"], sha256_hex(&screenshot));
    assert_eq!(redaction["reason"], reason);
    assert_eq!(redaction["by"], "manager");
    assert!(redaction["manager"].as_str().is_some_and(|m| !m.is_empty()));

    // The page says it was redacted, what is kept and why; the reason is inert text.
    let redacted_page = page(&server, &format!("/reports/{id}?done=redacted")).await;
    assert!(redacted_page.contains("data-redacted"), "{redacted_page}");
    assert!(redacted_page.contains("Redacted report"));
    assert!(
        redacted_page.contains("evidence log is chained"),
        "says why"
    );
    assert!(redacted_page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!redacted_page.contains("<script>alert(1)"));
    assert!(!redacted_page.contains("EFFACEMOI7F3A") && !redacted_page.contains("ANNOTEE9D1E"));
    assert!(!redacted_page.contains("/redact\""), "no second erase form");
    assert!(!redacted_page.contains("REVUE4C8E"));
    assert!(
        redacted_page.contains("data-status=\"under_review\""),
        "the status it had"
    );
    assert!(
        redacted_page.contains("data-note-erased"),
        "its history says the review's note was erased"
    );
    assert!(redacted_page.contains("data-kind=\"report_redacted\""));
    // The list still files it under its status, and the API says so.
    let under_review = page(&server, "/?status=under_review").await;
    assert!(under_review.contains(&format!("data-report-id=\"{id}\"")));
    let listed = server
        .client
        .get(server.url(&format!("/api/v1/reports/{id}")))
        .headers(extension_headers(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.unwrap();
    assert_eq!(listed["status"], "under_review", "{listed}");
    // A redacted report is not reviewed again.
    let response = server
        .client
        .post(server.url(&format!("/api/v1/reports/{id}/review")))
        .headers(extension_headers(&token))
        .json(&serde_json::json!({ "status": "resolved", "note": "Fermé" }))
        .send()
        .await
        .unwrap();
    expect_error(response, 410, "report_redacted").await;
    let dashboard = page(&server, "/").await;
    assert!(
        dashboard.contains(&format!("<tr data-redacted data-report-id=\"{id}\"")),
        "the list shows it as redacted"
    );
    assert!(
        dashboard.contains(&format!("data-redacted-report=\"{id}\"")),
        "the log"
    );
    assert!(
        dashboard.contains("GARDEMOI2B6C"),
        "the other report is untouched"
    );
    assert!(!dashboard.contains("EFFACEMOI7F3A"));

    // Exports, screenshots, emails and forwards of a redacted report are refused.
    let response = server
        .client
        .post(server.url(&format!("/reports/{id}/export")))
        .header("origin", server.own_origin())
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let body = expect_error(response, 410, "report_redacted").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("can no longer be exported")
    );
    let response = server
        .client
        .post(server.url(&format!("/api/v1/reports/{id}/export")))
        .headers(extension_headers(&token))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    expect_error(response, 410, "report_redacted").await;
    for path in [
        format!("/reports/{id}/screenshot.png"),
        format!("/reports/{id}/email.eml"),
    ] {
        let response = server.client.get(server.url(&path)).send().await.unwrap();
        expect_error(response, 410, "report_redacted").await;
    }
    let response = server
        .client
        .patch(server.url(&format!("/api/v1/reports/{id}")))
        .headers(extension_headers(&token))
        .json(&serde_json::json!({ "note": "après" }))
        .send()
        .await
        .unwrap();
    expect_error(response, 410, "report_redacted").await;
    // Its emails that were waiting are dropped: they can no longer be made.
    let waiting: i64 = server
        .db()
        .query_row(
            "SELECT count(*) FROM mail_queue WHERE report_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(waiting, 0);
    let status = balise_companion::verify_evidence_chain(&server.db()).unwrap();
    assert!(status.is_intact(), "{status:?}");
    server.stop().await;

    // The bytes are gone from the file, not only from the pages.
    let bytes = file_bytes(dir.path());
    for marker in ["EFFACEMOI7F3A", "effacemoi7f3a", "ANNOTEE9D1E", "REVUE4C8E"] {
        assert!(
            !contains(&bytes, marker.as_bytes()),
            "{marker} still in the file"
        );
    }
    assert!(
        !contains(&bytes, &screenshot),
        "the screenshot is still in the file"
    );
    assert!(
        !contains(&bytes, &screenshot[40..104]),
        "its pixels are still in the file"
    );
    assert!(
        contains(&bytes, b"GARDEMOI2B6C"),
        "the other report is kept"
    );

    // `verify` passes and counts the redaction; the earlier export still agrees.
    let (code, printed) = verify(dir.path(), &[]);
    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.contains("Screenshots verified: 1 of 1"),
        "{printed}"
    );
    assert!(printed.contains("Reports redacted: 1"), "{printed}");
    let (code, printed) = verify(dir.path(), &["--against", earlier_export.to_str().unwrap()]);
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("was redacted here at entry"), "{printed}");

    // Tampering with the redaction breaks the chain at its entry…
    let conn = rusqlite::Connection::open(dir.path().join("balise.sqlite3")).unwrap();
    // (a stubbed review whose status column is rewritten is caught first, at its own entry)
    let review_seq: i64 = conn
        .query_row(
            "SELECT evidence_seq FROM report_reviews WHERE report_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "UPDATE report_reviews SET status = 'resolved' WHERE report_id = ?1",
        [&id],
    )
    .unwrap();
    let (code, printed) = verify(dir.path(), &[]);
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains(&format!(
            "ALTERED: evidence-log entry {review_seq}: the review row's status or note column differs from its chained record"
        )),
        "{printed}"
    );
    conn.execute(
        "UPDATE report_reviews SET status = 'under_review' WHERE report_id = ?1",
        [&id],
    )
    .unwrap();
    conn.execute(
        "UPDATE report_redactions SET redaction_json = replace(redaction_json, 'effacement', 'oubli')",
        [],
    )
    .unwrap();
    let (code, printed) = verify(dir.path(), &[]);
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains(&format!(
            "ALTERED: evidence-log entry {seq}: the recorded row no longer matches payload_sha256"
        )),
        "{printed}"
    );
    // …and removing it leaves a stub that nothing chained explains.
    conn.execute("DELETE FROM report_redactions", []).unwrap();
    let (code, printed) = verify(dir.path(), &[]);
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains("ALTERED: evidence-log entry 2: the row was replaced by a redaction stub, but no redaction of this report is recorded"),
        "{printed}"
    );
}

#[tokio::test]
async fn reports_past_the_retention_period_are_redacted_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let (old, recent) = (new_key(), new_key());
    let old_screenshot = png(20, 10, [250, 7, 133]);
    upload(&server, &token, &old, "VIEUXA11CE", &old_screenshot).await;
    upload(
        &server,
        &token,
        &recent,
        "RECENTB0B5",
        &png(20, 10, [1, 2, 3]),
    )
    .await;

    // The manager sets 30 days on the settings page: written to balise.toml.
    let settings_page = page(&server, "/settings").await;
    assert!(settings_page.contains("name=\"retention_days\""));
    assert!(
        settings_page.contains("value=\"365\""),
        "the default is a year"
    );
    let response = server
        .client
        .post(server.url("/settings/privacy"))
        .header("origin", server.own_origin())
        .form(&[
            ("csrf", csrf_from(&settings_page).as_str()),
            ("retention_days", "30"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(page(&server, "/settings").await.contains("value=\"30\""));
    server.stop().await;
    let loaded = balise_companion::Settings::load(dir.path()).unwrap();
    assert_eq!(loaded.retention_days, Some(30));

    // One report was received 40 days ago (the test moves its receipt date in the file).
    let forty_days_ago = balise_companion::store::format_utc(
        time::OffsetDateTime::now_utc() - time::Duration::days(40),
    );
    rusqlite::Connection::open(dir.path().join("balise.sqlite3"))
        .unwrap()
        .execute(
            "UPDATE reports SET received_at = ?1 WHERE id = ?2",
            [&forty_days_ago, &old],
        )
        .unwrap();

    let server = TestServer::start_with(dir.path(), |settings| {
        settings.retention_days = loaded.retention_days;
    })
    .await;
    // The first answer comes after the start-up sweep.
    let dashboard = page(&server, "/").await;
    let (by, reason): (String, String) = server
        .db()
        .query_row(
            "SELECT redacted_by, json_extract(redaction_json, '$.reason') FROM report_redactions WHERE report_id = ?1",
            [&old],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(by, "retention");
    assert!(
        reason.contains("Retention period of 30 days passed"),
        "{reason}"
    );
    assert_eq!(server.count("report_redactions"), 1, "only the old one");
    assert_eq!(server.count("screenshots"), 1);
    assert!(
        dashboard.contains("Retention period: 30 days"),
        "{dashboard}"
    );
    assert!(dashboard.contains(&format!("data-redacted-report=\"{old}\"")));
    assert!(dashboard.contains("retention period"));
    assert!(
        page(&server, &format!("/reports/{old}"))
            .await
            .contains("retention period of 30 days")
    );
    let recent_page = page(&server, &format!("/reports/{recent}")).await;
    assert!(recent_page.contains("RECENTB0B5"));
    let due = (time::OffsetDateTime::now_utc() + time::Duration::days(30)).date();
    assert!(
        recent_page.contains(&format!(
            "Retention period of 30 days: this report will be redacted automatically on {due}"
        )),
        "{recent_page}"
    );
    server.stop().await;
    // A second start redacts nothing more.
    let server =
        TestServer::start_with(dir.path(), |settings| settings.retention_days = Some(30)).await;
    page(&server, "/").await;
    assert_eq!(server.count("report_redactions"), 1);
    server.stop().await;

    let bytes = file_bytes(dir.path());
    assert!(!contains(&bytes, b"VIEUXA11CE"));
    assert!(!contains(&bytes, &old_screenshot[40..100]));
    assert!(contains(&bytes, b"RECENTB0B5"));
    let (code, printed) = verify(dir.path(), &[]);
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("Reports redacted: 1"), "{printed}");
    assert!(
        printed.contains("Screenshots verified: 1 of 1"),
        "{printed}"
    );
}
