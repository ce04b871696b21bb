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
        ids.push(server.store_report(&token, shade).await);
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
        printed.contains("Evidence chain intact: 5 entries"),
        "{printed}"
    );
    assert!(
        printed.contains("Screenshots verified: 3 of 3"),
        "{printed}"
    );
}

/// The screenshot file of a stored report: `evidence/ab/cdef…` under the data directory.
fn screenshot_file(dir: &Path, id: &str) -> std::path::PathBuf {
    let sha: String = raw(dir)
        .query_row(
            "SELECT sha256 FROM screenshots WHERE report_id = ?1 AND png IS NULL",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    dir.join("evidence").join(&sha[..2]).join(&sha[2..])
}

/// The screenshot's name under `evidence/` as its path says it: `ab` and `cdef…` joined
/// by `separator`.
fn evidence_name(path: &Path, separator: &str) -> String {
    let part = |path: &Path| path.file_name().unwrap().to_string_lossy().into_owned();
    format!("{}{separator}{}", part(path.parent().unwrap()), part(path))
}

#[tokio::test]
async fn screenshots_are_files_named_by_their_hash_and_the_rows_keep_no_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let ids = three_reports(dir.path()).await;
    for id in &ids {
        let path = screenshot_file(dir.path(), id);
        let bytes = std::fs::read(&path).unwrap();
        let name = evidence_name(&path, "");
        assert_eq!(sha256_hex(&bytes), name, "{}", path.display());
    }
    let blobs: i64 = raw(dir.path())
        .query_row(
            "SELECT count(*) FROM screenshots WHERE png IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(blobs, 0);
}

#[tokio::test]
async fn a_changed_screenshot_byte_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let ids = three_reports(dir.path()).await;
    let path = screenshot_file(dir.path(), &ids[0]);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 20;
    bytes[last] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains(&format!(
            "ALTERED: report {}: screenshot SHA-256 is {} (file evidence/",
            ids[0],
            sha256_hex(&bytes)
        )),
        "{printed}"
    );
    assert!(
        !printed.contains(&ids[1]) && !printed.contains(&ids[2]),
        "{printed}"
    );
}

#[tokio::test]
async fn a_missing_screenshot_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let ids = three_reports(dir.path()).await;
    let path = screenshot_file(dir.path(), &ids[1]);
    std::fs::remove_file(&path).unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok, "{printed}");
    let sha = evidence_name(&path, "/");
    assert!(
        printed.contains(&format!(
            "ALTERED: report {}: the screenshot file evidence/{sha} is missing",
            ids[1]
        )),
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
    // The tamperer writes the other image under its own hash and points both rows at it.
    let path = dir.path().join("evidence").join(&sha[..2]).join(&sha[2..]);
    std::fs::write(&path, &other).unwrap();
    conn.execute(
        "UPDATE screenshots SET sha256 = ?1, byte_length = ?2 WHERE report_id = ?3",
        rusqlite::params![sha, other.len() as i64, ids[2]],
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
            "ALTERED: report {}: screenshot SHA-256 is {sha} (file evidence/",
            ids[2]
        )) && printed.contains("but the chained report names"),
        "{printed}"
    );
    // The same swap as a BLOB in the row (the layout before files) is named too.
    conn.execute(
        "UPDATE screenshots SET png = ?1 WHERE report_id = ?2",
        rusqlite::params![other, ids[2]],
    )
    .unwrap();
    std::fs::remove_file(&path).unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains(&format!(
            "ALTERED: report {}: screenshot SHA-256 is {sha} (row), but the chained report names",
            ids[2]
        )),
        "{printed}"
    );
}

#[tokio::test]
async fn an_orphan_file_is_reported_as_harmless_and_swept_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    three_reports(dir.path()).await;
    // A crash between a file and its row: a complete file no row names, and a temporary one.
    let orphan = png(5, 5, [7, 7, 7]);
    let sha = sha256_hex(&orphan);
    let path = dir.path().join("evidence").join(&sha[..2]).join(&sha[2..]);
    std::fs::write(&path, &orphan).unwrap();
    let temporary = path.with_file_name(".tmp-1-2-3");
    std::fs::write(&temporary, b"half").unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(ok, "{printed}");
    assert!(
        printed
            .contains("Screenshot files no report names (ignored, removed at the next start): 1"),
        "{printed}"
    );
    // Younger than the sweep's minimum age: left alone (another process might be about to
    // name it); older: removed when the companion starts.
    let server = TestServer::start(dir.path()).await;
    server.stop().await;
    assert!(path.exists() && temporary.exists());
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for file in [&path, &temporary] {
        std::fs::File::options()
            .write(true)
            .open(file)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let server = TestServer::start(dir.path()).await;
    server.stop().await;
    assert!(!path.exists() && !temporary.exists());
    let (ok, printed) = verify(dir.path());
    assert!(ok, "{printed}");
    assert!(!printed.contains("no report names"), "{printed}");
    assert!(
        printed.contains("Screenshots verified: 3 of 3"),
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
         UPDATE evidence_log SET recorded_at = '2020-01-01T00:00:00.000000Z' WHERE seq = 3;",
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains("ALTERED: evidence-log entry 3: entry_hash does not match its fields"),
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
            "ALTERED: evidence-log entry 3: the recorded row no longer matches payload_sha256"
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
        "DROP TRIGGER evidence_log_no_delete; DELETE FROM evidence_log WHERE seq = 5;",
    )
    .unwrap();
    let (ok, printed) = verify(dir.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains("ALTERED: evidence-log entry 5"),
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
        printed.contains("Evidence chain intact: 6 entries"),
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

/// `verify --against FILE`: (exit code, everything printed).
fn verify_against(dir: &Path, file: &Path) -> (i32, String) {
    let output = Command::new(BIN)
        .args(["verify", "--data-dir"])
        .arg(dir)
        .arg("--against")
        .arg(file)
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

/// Exports a report's evidence package (as the manager sends it to the board) into a file.
async fn export_to_file(dir: &Path, id: &str, file: &Path) {
    let server = TestServer::start(dir).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let response = server
        .client
        .post(server.url(&format!("/api/v1/reports/{id}/export")))
        .headers(common::extension_headers(&token))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    std::fs::write(file, response.bytes().await.unwrap()).unwrap();
    server.stop().await;
}

/// What a determined attacker with the file does: edits a stored report, then recomputes
/// its entry's payload hash and every entry hash from there on, triggers dropped.
fn rewrite_chain_from(dir: &Path, report_id: &str) -> i64 {
    let conn = raw(dir);
    conn.execute_batch("DROP TRIGGER evidence_log_no_update;")
        .unwrap();
    conn.execute(
        "UPDATE reports SET report_json = replace(report_json, 'Marie', 'Mario'),
                            reporter_name = 'Mario Tremblay' WHERE id = ?1",
        [report_id],
    )
    .unwrap();
    let (from, json): (i64, String) = conn
        .query_row(
            "SELECT evidence_seq, report_json FROM reports WHERE id = ?1",
            [report_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.execute(
        "UPDATE evidence_log SET payload_sha256 = ?1 WHERE seq = ?2",
        rusqlite::params![sha256_hex(json.as_bytes()), from],
    )
    .unwrap();
    conn.execute(
        "UPDATE reports SET report_json_sha256 = ?1 WHERE id = ?2",
        rusqlite::params![sha256_hex(json.as_bytes()), report_id],
    )
    .unwrap();
    let mut prev: String = conn
        .query_row(
            "SELECT entry_hash FROM evidence_log WHERE seq = ?1",
            [from - 1],
            |r| r.get(0),
        )
        .unwrap();
    let last: i64 = conn
        .query_row("SELECT max(seq) FROM evidence_log", [], |r| r.get(0))
        .unwrap();
    for seq in from..=last {
        let (recorded_at, kind, subject, payload): (String, String, String, String) = conn
            .query_row(
                "SELECT recorded_at, kind, subject, payload_sha256 FROM evidence_log WHERE seq = ?1",
                [seq],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        let hash =
            balise_core::evidence::entry_hash(seq, &recorded_at, &kind, &subject, &payload, &prev);
        conn.execute(
            "UPDATE evidence_log SET prev_hash = ?1, entry_hash = ?2 WHERE seq = ?3",
            rusqlite::params![prev, hash, seq],
        )
        .unwrap();
        prev = hash;
    }
    from
}

#[tokio::test]
async fn an_earlier_export_agrees_with_an_unchanged_database() {
    let dir = tempfile::tempdir().unwrap();
    let ids = three_reports(dir.path()).await;
    let out = tempfile::tempdir().unwrap();
    let package = out.path().join("export.zip");
    export_to_file(dir.path(), &ids[1], &package).await;
    // More evidence after the export does not matter: the package's entries are unchanged.
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let screenshot = png(8, 6, [5, 5, 5]);
    let id = uuid::Uuid::new_v4().to_string();
    let report = report_json(&id, &screenshot).to_string();
    let response = server
        .upload(&token, &new_key(), report.as_bytes(), &screenshot)
        .await;
    assert_eq!(response.status(), 201);
    server.stop().await;
    let (code, printed) = verify_against(dir.path(), &package);
    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.contains(&format!(
            "Package verified: report {}, 3 entries, chain head #6",
            ids[1]
        )),
        "{printed}"
    );
    assert!(
        printed.contains("the database agrees with the package (entries and chain head unchanged)"),
        "{printed}"
    );
    assert!(!printed.contains("DIFFERS"), "{printed}");
}

#[tokio::test]
async fn a_chain_rewritten_after_an_export_passes_verify_but_not_verify_against_it() {
    let dir = tempfile::tempdir().unwrap();
    let ids = three_reports(dir.path()).await;
    let out = tempfile::tempdir().unwrap();
    let package = out.path().join("export.zip");
    export_to_file(dir.path(), &ids[1], &package).await;
    // Entries: 1 policy, 2-4 the reports, 5 the annotation of ids[1], 6 its export. The
    // attacker rewrites the third report (entry 4) and every hash after it.
    let from = rewrite_chain_from(dir.path(), &ids[2]);
    assert_eq!(from, 4);
    let (ok, printed) = verify(dir.path());
    assert!(
        ok,
        "the rewritten chain is consistent on its own: {printed}"
    );
    assert!(
        printed.contains("Evidence chain intact: 6 entries"),
        "{printed}"
    );

    let (code, printed) = verify_against(dir.path(), &package);
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains("chain rewritten from entry 4 on"),
        "names where the rewrite began: {printed}"
    );
    assert!(
        printed.contains("DIFFÉRENT / DIFFERS: entrée / entry 5: prev_hash"),
        "{printed}"
    );
    assert!(
        printed.contains("entrée / entry 6: entry_hash"),
        "{printed}"
    );
    assert!(printed.contains("chain head 6: entry_hash"), "{printed}");
    // What the package recorded of the report itself (entry 3) is still there.
    assert!(!printed.contains("entry 3:"), "{printed}");
    assert!(
        printed.contains("the database no longer agrees with the package"),
        "{printed}"
    );
}

#[tokio::test]
async fn an_edited_package_fails_on_its_own_and_garbage_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let ids = three_reports(dir.path()).await;
    let out = tempfile::tempdir().unwrap();
    let package = out.path().join("export.zip");
    export_to_file(dir.path(), &ids[0], &package).await;

    // An entry's hash edited inside the package (stored uncompressed, so in place).
    let mut bytes = std::fs::read(&package).unwrap();
    let marker = b"\"entryHash\": \"";
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap()
        + marker.len();
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    let edited = out.path().join("edited.zip");
    std::fs::write(&edited, &bytes).unwrap();
    let (code, printed) = verify_against(dir.path(), &edited);
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains("the package itself does not verify:")
            && printed.contains("evidence.json is damaged or was altered"),
        "{printed}"
    );

    // A careful forger edits an entry, fixes the manifest and the archive's checksums.
    let mut files = read_stored_zip(&std::fs::read(&package).unwrap());
    let evidence = files
        .iter()
        .position(|(n, _)| n == "evidence.json")
        .unwrap();
    let mut value: serde_json::Value = serde_json::from_slice(&files[evidence].1).unwrap();
    let seq = value["entries"][0]["seq"].as_i64().unwrap();
    value["entries"][0]["recordedAt"] = "2020-01-01T00:00:00.000000Z".into();
    let old_sha = sha256_hex(&files[evidence].1);
    files[evidence].1 = serde_json::to_vec_pretty(&value).unwrap();
    let new_sha = sha256_hex(&files[evidence].1);
    let manifest = files
        .iter()
        .position(|(n, _)| n == "manifest.sha256")
        .unwrap();
    let text = String::from_utf8(files[manifest].1.clone()).unwrap();
    files[manifest].1 = text.replace(&old_sha, &new_sha).into_bytes();
    let forged = out.path().join("forged.zip");
    std::fs::write(&forged, write_stored_zip(&files)).unwrap();
    let (code, printed) = verify_against(dir.path(), &forged);
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains(&format!("entry {seq} does not hash to its entryHash")),
        "names the edited entry: {printed}"
    );

    // Garbage, an empty file and a missing one: unreadable input, exit 2.
    let garbage = out.path().join("garbage.zip");
    std::fs::write(&garbage, b"PK\x03\x04 this is not an archive at all").unwrap();
    let (code, printed) = verify_against(dir.path(), &garbage);
    assert_eq!(code, 2, "{printed}");
    assert!(
        printed.contains("not a readable evidence package"),
        "{printed}"
    );
    let text = out.path().join("notes.txt");
    std::fs::write(&text, b"bonjour").unwrap();
    let (code, printed) = verify_against(dir.path(), &text);
    assert_eq!(code, 2, "{printed}");
    let (code, printed) = verify_against(dir.path(), &out.path().join("absent.zip"));
    assert_eq!(code, 2, "{printed}");
    assert!(printed.contains("cannot read"), "{printed}");
    // A good package against a directory without a database: 2 as well.
    let empty = tempfile::tempdir().unwrap();
    let (code, printed) = verify_against(empty.path(), &package);
    assert_eq!(code, 2, "{printed}");
    assert!(printed.contains("no Balise database"), "{printed}");
}

/// The files of a ZIP whose entries are stored (as packages are), from their local headers.
fn read_stored_zip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize;
    let u32_at = |at: usize| {
        u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
    };
    let mut files = Vec::new();
    let mut at = 0;
    while bytes[at..].starts_with(b"PK\x03\x04") {
        assert_eq!(u16_at(at + 8), 0, "stored");
        let size = u32_at(at + 18);
        let name_len = u16_at(at + 26);
        let extra_len = u16_at(at + 28);
        let name = String::from_utf8(bytes[at + 30..at + 30 + name_len].to_vec()).unwrap();
        let start = at + 30 + name_len + extra_len;
        files.push((name, bytes[start..start + size].to_vec()));
        at = start + size;
    }
    files
}

/// A ZIP of stored entries with correct CRC-32s, as any archiver writes it.
fn write_stored_zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, content) in files {
        let crc = balise_companion::png::crc32(content);
        let offset = out.len() as u32;
        let mut header = Vec::new();
        header.extend_from_slice(&20u16.to_le_bytes()); // version needed
        header.extend_from_slice(&0u16.to_le_bytes()); // flags
        header.extend_from_slice(&0u16.to_le_bytes()); // stored
        header.extend_from_slice(&0u16.to_le_bytes()); // time
        header.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
        header.extend_from_slice(&crc.to_le_bytes());
        header.extend_from_slice(&(content.len() as u32).to_le_bytes());
        header.extend_from_slice(&(content.len() as u32).to_le_bytes());
        header.extend_from_slice(&(name.len() as u16).to_le_bytes());
        header.extend_from_slice(&0u16.to_le_bytes()); // extra
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&header);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(content);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        central.extend_from_slice(&header);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[tokio::test]
async fn the_email_a_manager_received_checks_against_the_members_and_the_managers_database() {
    let member = tempfile::tempdir().unwrap();
    let ids = three_reports(member.path()).await;
    let server = TestServer::start(member.path()).await;
    let response = server
        .client
        .get(server.url(&format!("/reports/{}/email.eml", ids[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let out = tempfile::tempdir().unwrap();
    let eml = out.path().join("recu.eml");
    std::fs::write(&eml, response.bytes().await.unwrap()).unwrap();
    server.stop().await;
    // Against the member's own database: its entries and head are there.
    let (code, printed) = verify_against(member.path(), &eml);
    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.contains("the database agrees with the package"),
        "{printed}"
    );

    // The manager imported it: the package's entries are the member's log, so the manager's
    // database is checked for the import of exactly this report.
    let manager = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["import", "--data-dir"])
        .arg(manager.path())
        .arg(&eml)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let (code, printed) = verify_against(manager.path(), &eml);
    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.contains("was imported here at entry 2; the imported report is the package's"),
        "{printed}"
    );
    // A manager's database that never imported it does not agree.
    let other = tempfile::tempdir().unwrap();
    three_reports(other.path()).await;
    let (code, printed) = verify_against(other.path(), &eml);
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains(&format!(
            "report {}: absent de la base / not in the database",
            ids[0]
        )),
        "{printed}"
    );
}

#[tokio::test]
async fn the_dashboard_remembers_the_head_it_verified_and_catches_a_rewrite_under_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let mut ids = Vec::new();
    for shade in [10u8, 120, 240] {
        ids.push(server.store_report(&token, shade).await);
    }
    // Each load checks the whole chain and remembers its head; a report added since keeps
    // it intact.
    assert!(server.page("/").await.contains("data-chain=\"intact\""));
    server.store_report(&token, 1).await;
    assert!(server.page("/").await.contains("data-chain=\"intact\""));

    // An old report edited in place: its page says so.
    let conn = raw(dir.path());
    conn.execute(
        "UPDATE reports SET report_json = report_json || ' ' WHERE id = ?1",
        [&ids[0]],
    )
    .unwrap();
    let page = server.page(&format!("/reports/{}", ids[0])).await;
    assert!(page.contains("data-chain=\"broken\""), "{page}");
    assert!(page.contains("no longer matches payload_sha256"), "{page}");
    conn.execute(
        "UPDATE reports SET report_json = rtrim(report_json) WHERE id = ?1",
        [&ids[0]],
    )
    .unwrap();
    assert!(
        server
            .page(&format!("/reports/{}", ids[0]))
            .await
            .contains("data-chain=\"intact\"")
    );

    // The chain rewritten from the second report on, every hash recomputed: a full check
    // from the start passes, but the head this companion verified no longer has its hash.
    let from = rewrite_chain_from(dir.path(), &ids[1]);
    let last: i64 = conn
        .query_row("SELECT max(seq) FROM evidence_log", [], |r| r.get(0))
        .unwrap();
    assert!(
        balise_companion::verify_evidence_chain(&conn)
            .unwrap()
            .is_intact()
    );
    let list = server.page("/").await;
    assert!(
        list.contains(&format!("data-chain=\"broken\" data-broken-seq=\"{last}\"")),
        "{list}"
    );
    assert!(list.contains("the log was rewritten"), "{list}");
    assert!(from < last);
    // It stays caught: the remembered head is kept while the chain does not verify from it.
    assert!(server.page("/").await.contains("data-chain=\"broken\""));
    server.stop().await;
}
