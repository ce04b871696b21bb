//! Exporting a selection of reports from the dashboard: one ZIP of their packages, each
//! unchanged and verifiable, each export recorded in the evidence log.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{CHROME_ORIGIN, TestServer, csrf_from, new_key, sha256_hex};

#[tokio::test]
async fn the_ticked_reports_leave_as_one_zip_of_verifiable_packages() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let first = server.store_report(&token, 10).await;
    let second = server.store_report(&token, 90).await;
    let third = server.store_report(&token, 170).await;

    let page = server.page("/").await;
    for id in [&first, &second, &third] {
        assert!(
            page.contains(&format!(
                "name=\"id\" value=\"{id}\" form=\"export-selection\""
            )),
            "a checkbox for {id}"
        );
    }
    assert!(page.contains("id=\"export-selection\""));
    let csrf = csrf_from(&page);
    let exports_before = server.count("report_exports");
    let post = |fields: Vec<(&'static str, String)>| {
        server
            .client
            .post(server.url("/export"))
            .header("origin", server.own_origin())
            .form(&fields)
            .send()
    };

    // Nothing ticked, a made-up id, a wrong form token: refused, nothing recorded.
    let empty = post(vec![("csrf", csrf.clone())]).await.unwrap();
    common::expect_error(empty, 400, "empty_selection").await;
    let unknown = post(vec![("csrf", csrf.clone()), ("id", new_key())])
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let forged = post(vec![("csrf", "0".repeat(64)), ("id", first.clone())])
        .await
        .unwrap();
    common::expect_error(forged, 403, "bad_csrf").await;
    assert_eq!(server.count("report_exports"), exports_before);

    // Two of the three (one ticked twice).
    let response = post(vec![
        ("csrf", csrf.clone()),
        ("id", third.clone()),
        ("id", first.clone()),
        ("id", first.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let zip = response.bytes().await.unwrap();
    assert_eq!(server.count("report_exports"), exports_before + 2);

    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("selection.zip");
    std::fs::write(&archive, &zip).unwrap();
    let unzip = Command::new("unzip")
        .arg("-q")
        .arg(&archive)
        .arg("-d")
        .arg(out.path().join("x"))
        .status()
        .unwrap();
    assert!(unzip.success());
    let check = Command::new("sha256sum")
        .args(["-c", "manifest.sha256"])
        .current_dir(out.path().join("x"))
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
    let mut names: Vec<String> = std::fs::read_dir(out.path().join("x"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected = vec![
        format!("{first}.zip"),
        format!("{third}.zip"),
        "LISEZMOI-README.txt".to_owned(),
        "manifest.sha256".to_owned(),
        "resume-summary.html".to_owned(),
    ];
    expected.sort();
    assert_eq!(names, expected, "only the ticked reports");
    for id in [&first, &third] {
        let inner = std::fs::read(out.path().join("x").join(format!("{id}.zip"))).unwrap();
        let package = balise_core::package::open(&inner).expect("each package verifies alone");
        assert_eq!(&package.report.id, id);
        let summary = std::fs::read_to_string(out.path().join("x/resume-summary.html")).unwrap();
        assert!(
            summary.contains(&sha256_hex(&inner)),
            "the summary names its hash"
        );
        // Its export is in the log, and the package's chain head anchors it.
        let seq: i64 = server
            .db()
            .query_row(
                "SELECT evidence_seq FROM report_exports WHERE report_id = ?1",
                [id],
                |row| row.get(0),
            )
            .unwrap();
        let head = package.evidence.chain_head.as_ref().unwrap().seq;
        assert!(head >= seq, "head {head} covers the export {seq}");
    }
    assert!(
        balise_companion::verify_evidence_chain(&server.db())
            .unwrap()
            .is_intact()
    );
    server.stop().await;

    // The selection anchors the chain like a package does: `verify --against` reads each of
    // its packages and agrees, until a report it holds is rewritten in the database.
    let verify = || {
        let output = Command::new(env!("CARGO_BIN_EXE_balise-companion"))
            .args(["verify", "--data-dir"])
            .arg(dir.path())
            .arg("--against")
            .arg(&archive)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, printed) = verify();
    assert_eq!(code, Some(0), "{printed}");
    for id in [&first, &third] {
        assert!(
            printed.contains(&format!("Package verified: report {id}")),
            "{printed}"
        );
    }
    assert!(
        printed.contains("the database agrees with the package"),
        "{printed}"
    );
    let conn = rusqlite::Connection::open(dir.path().join("balise.sqlite3")).unwrap();
    conn.execute(
        "UPDATE reports SET report_json = report_json || ' ' WHERE id = ?1",
        [&third],
    )
    .unwrap();
    let (code, printed) = verify();
    assert_eq!(code, Some(1), "{printed}");
    assert!(printed.contains("ALTERED"), "{printed}");
}
