//! The manager's appointment and the policy in force as evidence: the dashboard's warning
//! before and after a mandate ends (a policy with dates relative to today), the board's new
//! appointment recorded from `/appointment` as a `manager_appointed` entry, and a
//! `policy_changed` entry at start-up once per change of the policy.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use balise_core::policy::SEC_CSQ_DEFAULT_TOML;
use common::*;

fn day(offset: i64) -> String {
    let date = time::OffsetDateTime::now_utc().date() + time::Duration::days(offset);
    date.format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap()
}

/// The built-in policy with a mandate from `start` to `end` days from today.
fn write_policy(dir: &Path, start: i64, end: i64, strict: bool) {
    let text = SEC_CSQ_DEFAULT_TOML
        .replace(
            "mandate_start = \"2026-07-01\"",
            &format!("mandate_start = \"{}\"", day(start)),
        )
        .replace(
            "mandate_end = \"2027-06-30\"",
            &format!("mandate_end = \"{}\"", day(end)),
        )
        .replace("strict_mode = false", &format!("strict_mode = {strict}"));
    std::fs::write(dir.join("policy.toml"), text).unwrap();
}

async fn dashboard(server: &TestServer) -> String {
    // These checks read the English page (the language an English browser asks for).
    let response = server
        .client
        .get(server.url("/"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

fn kinds(server: &TestServer) -> Vec<String> {
    let db = server.db();
    let mut statement = db
        .prepare("SELECT kind FROM evidence_log ORDER BY seq")
        .unwrap();
    statement
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[tokio::test]
async fn the_dashboard_warns_30_days_before_the_mandate_ends_and_after() {
    let dir = tempfile::tempdir().unwrap();
    for (end, state, warning) in [
        (200, "in-force", None),
        (31, "in-force", None),
        (
            10,
            "ending-soon",
            Some(format!("The mandate ends in 10 day(s), on {}.", day(10))),
        ),
        (
            0,
            "ending-soon",
            Some(format!("The mandate ends in 0 day(s), on {}.", day(0))),
        ),
        (
            -3,
            "ended",
            Some(format!("The mandate ended on {} (3 day(s) ago)", day(-3))),
        ),
    ] {
        write_policy(dir.path(), -300, end, false);
        let server = TestServer::start(dir.path()).await;
        let html = dashboard(&server).await;
        assert!(
            html.contains(&format!("data-mandate=\"{state}\"")),
            "{end}: {html}"
        );
        assert!(html.contains(&format!("until {}", day(end))), "{end}");
        match warning {
            None => assert!(!html.contains("data-mandate-warning"), "{end}"),
            Some(text) => {
                assert!(html.contains("data-mandate-warning"), "{end}");
                assert!(html.contains(&text), "{end}: {text}");
                assert!(
                    html.contains("The board appoints a content manager every year: record its new appointment here."),
                    "says what to do"
                );
            }
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn the_boards_new_appointment_is_recorded_as_evidence_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    write_policy(dir.path(), -360, -5, false);
    let server = TestServer::start(dir.path()).await;
    assert!(dashboard(&server).await.contains("data-mandate=\"ended\""));
    let form_page = server
        .client
        .get(server.url("/appointment"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&form_page);
    let post = |fields: Vec<(&'static str, String)>| {
        let mut form = vec![("csrf", csrf.clone())];
        form.extend(fields);
        server
            .client
            .post(server.url("/appointment"))
            .header("accept-language", "en")
            .header("origin", server.own_origin())
            .form(&form)
            .send()
    };
    let entries_before = server.count("evidence_log");

    // The end must come after the start; the form comes back with what to fix.
    let response = post(vec![
        ("name", "Julie <b>Gagnon</b>".into()),
        ("email", "julie.gagnon@example.org".into()),
        ("from", day(-4)),
        ("until", day(-4)),
        ("resolution", String::new()),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("must come after its start"), "{html}");
    assert!(
        html.contains("value=\"Julie &lt;b&gt;Gagnon&lt;/b&gt;\""),
        "keeps what was typed"
    );
    let response = post(vec![
        ("name", String::new()),
        ("email", "pas-une-adresse".into()),
        ("from", "2027-13-01".into()),
        ("until", day(300)),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-problems=\"3\""), "{html}");
    assert_eq!(server.count("appointments"), 0);
    assert_eq!(server.count("evidence_log"), entries_before);

    let response = post(vec![
        ("name", "Julie <b>Gagnon</b>".into()),
        ("email", "julie.gagnon@example.org".into()),
        ("from", day(-4)),
        ("until", day(360)),
        ("resolution", "CA-2027-014".into()),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/appointment?done=recorded");
    assert_eq!(server.count("appointments"), 1);
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
        ("manager_appointed", "manager")
    );
    let json: String = server
        .db()
        .query_row("SELECT appointment_json FROM appointments", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(sha256_hex(json.as_bytes()), payload);
    let recorded: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(recorded["name"], "Julie <b>Gagnon</b>");
    assert_eq!(recorded["until"], day(360));
    assert_eq!(recorded["resolution"], "CA-2027-014");

    // The dashboard now shows the recorded appointment (newer than the policy's), no warning.
    let html = dashboard(&server).await;
    assert!(html.contains("data-mandate=\"in-force\""), "{html}");
    assert!(html.contains("Julie &lt;b&gt;Gagnon&lt;/b&gt;") && !html.contains("<b>Gagnon"));
    assert!(
        html.contains(&format!("entry #{seq} · CA-2027-014")),
        "{html}"
    );
    assert!(!html.contains("data-mandate-warning"));
    let page = server
        .client
        .get(server.url("/appointment?done=recorded"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("data-appointment-seq=\"{seq}\"")));
    assert!(page.contains("Appointment recorded in the evidence log."));
    let status = balise_companion::verify_evidence_chain(&server.db()).unwrap();
    assert!(status.is_intact(), "{status:?}");

    // An edited appointment no longer verifies.
    server
        .db()
        .execute(
            "UPDATE appointments SET appointment_json = replace(appointment_json, 'Julie', 'Jules')",
            [],
        )
        .unwrap();
    let status = balise_companion::verify_evidence_chain(&server.db()).unwrap();
    assert_eq!(status.first_broken_seq, Some(seq), "{status:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_policy_change_is_recorded_once_per_change() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    assert_eq!(kinds(&server), ["policy_changed"]);
    let (source, json, payload): (String, String, String) = server
        .db()
        .query_row(
            "SELECT p.source, p.policy_json, e.payload_sha256 FROM policy_changes p
             JOIN evidence_log e ON e.seq = p.evidence_seq",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(source, "built-in");
    assert_eq!(sha256_hex(json.as_bytes()), payload);
    let policy: balise_core::policy::Policy = serde_json::from_str(&json).unwrap();
    assert_eq!(policy, balise_core::policy::Policy::sec_csq_default());
    server.stop().await;

    // The same policy again, even written out as a file: nothing new.
    std::fs::write(dir.path().join("policy.toml"), SEC_CSQ_DEFAULT_TOML).unwrap();
    let server = TestServer::start(dir.path()).await;
    assert_eq!(kinds(&server), ["policy_changed"]);
    server.stop().await;

    // A changed policy.toml: one new entry, then none on the next start.
    write_policy(dir.path(), -10, 300, true);
    for _ in 0..2 {
        let server = TestServer::start(dir.path()).await;
        assert_eq!(kinds(&server), ["policy_changed", "policy_changed"]);
        let (source, strict): (String, bool) = server
            .db()
            .query_row(
                "SELECT source, json_extract(policy_json, '$.strict_mode') FROM policy_changes
                 ORDER BY evidence_seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((source.as_str(), strict), ("policy.toml", true));
        let status = balise_companion::verify_evidence_chain(&server.db()).unwrap();
        assert!(status.is_intact(), "{status:?}");
        server.stop().await;
    }

    // An edited policy row is caught.
    let conn = rusqlite::Connection::open(dir.path().join("balise.sqlite3")).unwrap();
    conn.execute(
        "UPDATE policy_changes SET policy_json = replace(policy_json, '\"strict_mode\":true', '\"strict_mode\":false')
         WHERE evidence_seq = 2",
        [],
    )
    .unwrap();
    let status = balise_companion::verify_evidence_chain(&conn).unwrap();
    assert_eq!(status.first_broken_seq, Some(2), "{status:?}");
}
