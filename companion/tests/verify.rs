//! `balise-companion verify`: the whole chain and every screenshot, checked on a real SQLite
//! file that an attacker then edits in each way a tamperer would; each is named.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{CHROME_ORIGIN, TestServer, new_key, png, report_json, sha256_hex};

const BIN: &str = env!("CARGO_BIN_EXE_balise-companion");

/// Three stored reports (and one annotation) in `dir`; returns their ids.
async fn three_reports(dir: &Path) -> Vec<String> {
    let server = TestServer::start(dir).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let mut ids = Vec::new();
    for shade in [10u8, 120, 240] {
        let screenshot = png(8, 6, [shade, 80, 160]);
        let id = uuid::Uuid::new_v4().hyphenated().to_string();
        let report = report_json(&id, &screenshot);
        let response = server
            .upload(
                &token,
                &new_key(),
                report.to_string().as_bytes(),
                &screenshot,
            )
            .await;
        assert_eq!(response.status(), 201);
        ids.push(id);
    }
    let response = server
        .client
        .patch(server.url(&format!("/api/v1/reports/{}", ids[1])))
        .headers(common::extension_headers(&token))
        .header("content-type", "application/json")
        .body(r#"{"note":"Ajout."}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.stop().await;
    ids
}

fn verify(dir: &Path) -> (bool, String) {
    let output = Command::new(BIN)
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

fn raw(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("balise.sqlite3")).unwrap()
}

#[tokio::test]
async fn an_intact_store_verifies() {
    let dir = tempfile::tempdir().unwrap();
    three_reports(dir.path()).await;
    let (ok, printed) = verify(dir.path());
    assert!(ok, "{printed}");
    assert!(
        printed.contains("Evidence chain intact: 4 entries"),
        "{printed}"
    );
    assert!(
        printed.contains("Screenshots verified: 3 of 3"),
        "{printed}"
    );
}

#[tokio::test]
async fn a_changed_screenshot_byte_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let ids = three_reports(dir.path()).await;
    let conn = raw(dir.path());
    let mut bytes: Vec<u8> = conn
        .query_row(
            "SELECT png FROM screenshots WHERE report_id = ?1",
            [&ids[0]],
            |r| r.get(0),
        )
        .unwrap();
    let last = bytes.len() - 20;
    bytes[last] ^= 0x40;
    conn.execute(
        "UPDATE screenshots SET png = ?1 WHERE report_id = ?2",
        rusqlite::params![bytes, ids[0]],
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains(&format!(
            "ALTERED: report {}: screenshot SHA-256 is",
            ids[0]
        )),
        "{printed}"
    );
    assert!(
        !printed.contains(&ids[1]) && !printed.contains(&ids[2]),
        "{printed}"
    );
}

#[tokio::test]
async fn a_screenshot_swapped_with_both_hash_columns_updated_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let ids = three_reports(dir.path()).await;
    let conn = raw(dir.path());
    let other = png(8, 6, [1, 2, 3]);
    let sha = sha256_hex(&other);
    conn.execute(
        "UPDATE screenshots SET png = ?1, sha256 = ?2, byte_length = ?3 WHERE report_id = ?4",
        rusqlite::params![other, sha, other.len() as i64, ids[2]],
    )
    .unwrap();
    conn.execute(
        "UPDATE reports SET screenshot_sha256 = ?1 WHERE id = ?2",
        rusqlite::params![sha, ids[2]],
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains(&format!(
            "ALTERED: report {}: screenshot SHA-256 is {sha}, but the chained report names",
            ids[2]
        )),
        "{printed}"
    );
}

#[tokio::test]
async fn an_edited_log_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    three_reports(dir.path()).await;
    let conn = raw(dir.path());
    conn.execute_batch(
        "DROP TRIGGER evidence_log_no_update;
         UPDATE evidence_log SET recorded_at = '2020-01-01T00:00:00.000000Z' WHERE seq = 2;",
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains("ALTERED: evidence-log entry 2: entry_hash does not match its fields"),
        "{printed}"
    );
}

#[tokio::test]
async fn an_edited_report_is_named_by_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    let ids = three_reports(dir.path()).await;
    let conn = raw(dir.path());
    conn.execute(
        "UPDATE reports SET report_json = replace(report_json, 'Marie', 'Mario') WHERE id = ?1",
        [&ids[1]],
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains(
            "ALTERED: evidence-log entry 2: the recorded row no longer matches payload_sha256"
        ),
        "{printed}"
    );
}

#[tokio::test]
async fn a_deleted_row_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let ids = three_reports(dir.path()).await;
    let conn = raw(dir.path());
    conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
    conn.execute("DELETE FROM screenshots WHERE report_id = ?1", [&ids[1]])
        .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains(&format!(
            "ALTERED: report {}: the screenshot is missing",
            ids[1]
        )),
        "{printed}"
    );
    conn.execute_batch(
        "DROP TRIGGER evidence_log_no_delete; DELETE FROM evidence_log WHERE seq = 4;",
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains("ALTERED: evidence-log entry 4"),
        "{printed}"
    );
}

#[test]
fn a_directory_without_a_database_is_an_error_not_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok);
    assert!(printed.contains("no Balise database"), "{printed}");
    assert!(!dir.path().join("balise.sqlite3").exists());
}

#[tokio::test]
async fn an_export_is_a_verified_package_anchored_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let ids = three_reports(dir.path()).await;
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let response = server
        .client
        .post(server.url(&format!("/api/v1/reports/{}/export", ids[1])))
        .headers(common::extension_headers(&token))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let zip = response.bytes().await.unwrap().to_vec();
    let package = balise_core::package::open(&zip).unwrap();
    assert_eq!(package.report.id, ids[1]);
    let kinds: Vec<&str> = package
        .evidence
        .entries
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["report_received", "report_annotated", "report_exported"]
    );
    let head = package.evidence.chain_head.clone().unwrap();
    let export = package.evidence.entries.last().unwrap();
    assert_eq!(
        (head.seq, head.entry_hash.as_str()),
        (export.seq, export.entry_hash.as_str())
    );
    assert_eq!(package.annotations.len(), 1);
    server.stop().await;
    // The export is in the log, and the log still verifies.
    let (ok, printed) = verify(dir.path());
    assert!(ok, "{printed}");
    assert!(
        printed.contains("Evidence chain intact: 5 entries"),
        "{printed}"
    );
    // A reader with standard tools checks every file, the readable summary included.
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("p.zip"), &zip).unwrap();
    assert!(
        Command::new("unzip")
            .arg("-q")
            .arg(out.path().join("p.zip"))
            .arg("-d")
            .arg(out.path().join("x"))
            .status()
            .unwrap()
            .success()
    );
    let check = Command::new("sha256sum")
        .args(["-c", "manifest.sha256"])
        .current_dir(out.path().join("x"))
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{printed}");
    assert!(printed.contains("resume-summary.html: OK"), "{printed}");
    let summary = std::fs::read_to_string(out.path().join("x/resume-summary.html")).unwrap();
    assert!(
        summary.contains("Marie Tremblay") && summary.contains("exporté du compagnon Balise"),
        "{summary}"
    );
}
