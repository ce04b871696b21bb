//! How long the dashboard's check of the whole evidence chain takes as the log grows:
//! `cargo run --release -p balise-companion --example chain_check [ENTRIES...]` stores that
//! many reports (1 KB of JSON and a small PNG each) in a temporary SQLite file and times
//! `verify_evidence_chain` (the check every report page and the list run), median of 5.

use std::time::Instant;

use balise_companion::store::reports::{self, NewReport};
use balise_companion::store::{Store, sha256_hex};
use balise_companion::verify_evidence_chain;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|arg| arg.parse())
        .collect::<Result<_, _>>()?;
    let sizes = if sizes.is_empty() {
        vec![100, 1_000, 10_000]
    } else {
        sizes
    };
    println!("entries  chain check (median of 5)");
    for size in sizes {
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path())?;
        let png = b"\x89PNG\r\n\x1a\nsmall stand-in image bytes".to_vec();
        let sha = sha256_hex(&png);
        store.write_blocking(|tx| -> balise_companion::store::Result<()> {
            for n in 0..size {
                let id = format!("00000000-0000-4000-8000-{n:012}");
                let note = "x".repeat(900);
                reports::insert(
                    tx,
                    &NewReport {
                        id: id.clone(),
                        report_json: format!(
                            r#"{{"id":"{id}","note":"{note}","screenshotSha256":"{sha}"}}"#
                        ),
                        captured_at: "2026-12-01T10:00:00.000Z".into(),
                        page_url: "https://www.facebook.com/groups/1/posts/2".into(),
                        page_title: "Titre".into(),
                        site: Some("facebook".into()),
                        reporter_name: "Marie".into(),
                        reporter_email: "marie@example.org".into(),
                        category: None,
                        note: Some(note),
                        screenshot: png.clone().into(),
                        screenshot_sha256: sha.clone(),
                    },
                    "2026-12-01T10:00:01.000000Z",
                )?;
            }
            Ok(())
        })?;
        store.close()?;
        let conn = rusqlite::Connection::open(dir.path().join(balise_companion::store::DB_FILE))?;
        let mut times = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let status = verify_evidence_chain(&conn)?;
            times.push(start.elapsed());
            assert!(status.is_intact(), "{status:?}");
        }
        times.sort();
        println!("{size:>7}  {:.1} ms", times[2].as_secs_f64() * 1000.0);
    }
    Ok(())
}
