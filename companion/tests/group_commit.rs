//! Group commit and background checkpoints over real HTTP and a real SQLite file: concurrent
//! reports each stored once, in order, with a chain that verifies; a refused report in the
//! middle of concurrent uploads refused alone; the write-ahead log copied while writes go
//! on and truncated once they stop.

#![allow(clippy::unwrap_used)]

mod common;

use std::future::Future;
use std::time::{Duration, Instant};

use balise_companion::store::verify_evidence_chain;
use common::*;
use serde_json::Value;

/// Concurrent uploads of `reports` (id, screenshot): each one's status and body, in order.
async fn upload_all(
    server: &TestServer,
    token: &str,
    reports: &[(String, Vec<u8>)],
) -> Vec<(u16, Value)> {
    let uploads = reports.iter().map(|(id, screenshot)| async move {
        let report = report_json(id, screenshot).to_string();
        let response = server
            .upload(token, &new_key(), report.as_bytes(), screenshot)
            .await;
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.unwrap())
    });
    let tasks: Vec<_> = uploads.collect();
    join_all(tasks).await
}

/// Polls every future together (the test crate has no `futures`).
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(|output| output.unwrap()).collect()
}

fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |meta| meta.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reports_are_each_stored_once_in_order_with_a_chain_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), |settings| {
        settings.limits.write_burst = 1000;
    })
    .await;
    let token = server.pair(CHROME_ORIGIN).await;
    let before = server.count("evidence_log");
    let reports: Vec<(String, Vec<u8>)> = (0..40u8)
        .map(|shade| (new_key(), png(40, 30, [shade, 90, 200])))
        .collect();

    let answers = upload_all(&server, &token, &reports).await;

    let mut seqs = Vec::new();
    for ((id, screenshot), (status, receipt)) in reports.iter().zip(&answers) {
        assert_eq!(*status, 201, "{receipt}");
        assert_eq!(receipt["id"], *id);
        assert_eq!(receipt["screenshotSha256"], sha256_hex(screenshot));
        let seq = receipt["evidenceSeq"].as_i64().unwrap();
        // What the receipt names is what the file holds, with the exact bytes.
        let stored_seq: i64 = server
            .db()
            .query_row(
                "SELECT r.evidence_seq FROM reports r JOIN screenshots s ON s.report_id = r.id
                 WHERE r.id = ?1",
                [id],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(stored_seq, seq);
        assert_eq!(&server.screenshot_bytes(id), screenshot);
        seqs.push(seq);
    }
    // Each stored once, each with its own entry, no gap in the chain.
    assert_eq!(server.count("reports"), 40);
    assert_eq!(server.count("idempotency"), 40);
    assert_eq!(server.count("evidence_log"), before + 40);
    seqs.sort_unstable();
    assert_eq!(seqs, ((before + 1)..=(before + 40)).collect::<Vec<i64>>());
    // Chained in the order the companion received them: the entries' times never go back.
    let times: Vec<String> = server
        .db()
        .prepare("SELECT recorded_at FROM evidence_log ORDER BY seq")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]), "{times:?}");
    let chain = verify_evidence_chain(&server.db()).unwrap();
    assert!(chain.is_intact(), "{chain:?}");
    assert_eq!(chain.entries, before + 40);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_report_among_concurrent_uploads_is_refused_alone() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), |settings| {
        settings.limits.write_burst = 1000;
    })
    .await;
    let token = server.pair(CHROME_ORIGIN).await;
    let before = server.count("evidence_log");
    let mut reports: Vec<(String, Vec<u8>)> = (0..30u8)
        .map(|shade| (new_key(), png(40, 30, [shade, 10, 10])))
        .collect();
    // Report 15 reuses report 14's id (another upload, its own key and bytes): whichever of
    // the two the writer runs second is refused, in the same transaction as the others.
    reports[15].0 = reports[14].0.clone();

    let answers = upload_all(&server, &token, &reports).await;

    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(created, 29, "{answers:?}");
    let refused: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status != 201)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["error"]["code"], "report_exists");
    // Exactly one report under the shared id, with one of the two screenshots; nothing of
    // the refused one anywhere (no entry, no key, no email).
    assert_eq!(server.count("reports"), 29);
    assert_eq!(server.count("screenshots"), 29);
    assert_eq!(server.count("idempotency"), 29);
    assert_eq!(server.count("mail_queue"), 29);
    assert_eq!(server.count("evidence_log"), before + 29);
    let png = server.screenshot_bytes(&reports[14].0);
    assert!(png == reports[14].1 || png == reports[15].1);
    let chain = verify_evidence_chain(&server.db()).unwrap();
    assert!(chain.is_intact(), "{chain:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_log_is_copied_while_writes_go_on_and_truncated_once_they_stop() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), |settings| {
        settings.limits.write_burst = 1000;
    })
    .await;
    let token = server.pair(CHROME_ORIGIN).await;
    let db_file = dir.path().join("balise.sqlite3");
    let wal_file = dir.path().join("balise.sqlite3-wal");
    let db_before = file_len(&db_file);

    // Screenshots are files: the log holds only rows, about a dozen pages per report, and
    // passes the checkpoint threshold (1,000 pages, about 4 MiB) after about a hundred. Keep
    // writing until the database file itself has grown, which only a checkpoint does
    // (writes go to the log).
    let mut sent = Vec::new();
    while file_len(&db_file) <= db_before {
        assert!(
            sent.len() < 600,
            "no checkpoint copied the log into the database after {} reports",
            sent.len()
        );
        let screenshot = png(40, 30, [sent.len() as u8, (sent.len() >> 8) as u8, 60]);
        let id = new_key();
        let report = report_json(&id, &screenshot).to_string();
        let response = server
            .upload(&token, &new_key(), report.as_bytes(), &screenshot)
            .await;
        assert_eq!(response.status(), 201);
        sent.push((id, screenshot));
    }
    assert!(file_len(&wal_file) > 0, "the log holds the latest writes");

    // Once writes stop, the log is copied in full and truncated to nothing.
    let deadline = Instant::now() + Duration::from_secs(60);
    while file_len(&wal_file) > 0 {
        assert!(
            Instant::now() < deadline,
            "the write-ahead log is still {} bytes a minute after the last write",
            file_len(&wal_file)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Everything is in the database file itself now, intact.
    let db = server.db();
    for (id, screenshot) in &sent {
        assert_eq!(&server.screenshot_bytes(id), screenshot);
    }
    let chain = verify_evidence_chain(&db).unwrap();
    assert!(chain.is_intact(), "{chain:?}");
    drop(db);

    // Writes after the truncation start the log again and are stored as before.
    let id = server.store_report(&token, 7).await;
    assert!(file_len(&wal_file) > 0);
    assert_eq!(
        server
            .db()
            .query_row("SELECT count(*) FROM reports WHERE id = ?1", [&id], |row| {
                row.get::<_, i64>(0)
            })
            .unwrap(),
        1
    );
    server.stop().await;
}
