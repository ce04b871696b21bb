//! The dashboard's report list against the real server and a real SQLite file: each filter
//! (status, category, site, reporter, received dates, text) returns exactly the right
//! reports, imported ones included; paging keeps the filters; and HTML in every report
//! field (and in the filters themselves) is shown as text.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use balise_companion::Store;
use balise_companion::store::reports::{self, NewAnnotation, NewReport};
use balise_companion::store::reviews::{self, ReviewStatus, Via};
use common::{CHROME_ORIGIN, TestServer, csrf_from, extension_headers, new_key, png, sha256_hex};
use serde_json::json;

/// One report as seeded: received on `day`, with these fields.
struct Seed {
    day: &'static str,
    site: &'static str,
    category: Option<&'static str>,
    name: &'static str,
    email: &'static str,
    title: &'static str,
    url: &'static str,
    note: Option<&'static str>,
    selected: Option<&'static str>,
}

fn new_report(seed: &Seed, shade: u8) -> NewReport {
    let screenshot = png(3, 3, [shade, shade, 7]);
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    let report = json!({
        "id": id,
        "capturedAt": format!("{}T10:00:00.000Z", seed.day),
        "pageUrl": seed.url,
        "pageTitle": seed.title,
        "reporter": {"name": seed.name, "email": seed.email},
        "category": seed.category,
        "note": seed.note,
        "screenshotSha256": sha256_hex(&screenshot),
        "selectedText": seed.selected,
        "site": seed.site,
    });
    NewReport {
        id,
        report_json: report.to_string(),
        captured_at: format!("{}T10:00:00.000Z", seed.day),
        page_url: seed.url.to_owned(),
        page_title: seed.title.to_owned(),
        site: Some(seed.site.to_owned()),
        reporter_name: seed.name.to_owned(),
        reporter_email: seed.email.to_owned(),
        category: seed.category.map(str::to_owned),
        note: seed.note.map(str::to_owned),
        screenshot_sha256: sha256_hex(&screenshot),
        screenshot: screenshot.into(),
    }
}

/// Stores the reports through the store, each chained as received on its day (the
/// companion's own clock cannot be set back); returns their ids in order.
async fn seed(dir: &Path, seeds: Vec<Seed>) -> Vec<String> {
    let store = Store::open(dir).unwrap();
    let ids = store
        .write(move |tx| -> balise_companion::store::Result<_> {
            let mut ids = Vec::new();
            for (index, seed) in seeds.iter().enumerate() {
                let new = new_report(seed, u8::try_from(index % 250).unwrap());
                let now = format!("{}T12:{:02}:00.000000Z", seed.day, index % 60);
                reports::insert(tx, &new, &now)?;
                ids.push(new.id);
            }
            Ok(ids)
        })
        .await
        .unwrap();
    store.close().unwrap();
    ids
}

/// The reports a dashboard page lists, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("data-report-id=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

async fn dashboard(server: &TestServer, query: &str) -> String {
    let response = server
        .client
        .get(server.url(&format!("/?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{query}");
    response.text().await.unwrap()
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|id| (*id).clone()).collect()
}

/// Exports a report from a member's companion and imports it on `server` through the
/// dashboard's form; returns its id.
async fn import_one(server: &TestServer) -> String {
    let member_dir = tempfile::tempdir().unwrap();
    let member = TestServer::start(member_dir.path()).await;
    let token = member.pair(CHROME_ORIGIN).await;
    let screenshot = png(4, 4, [90, 90, 90]);
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    let mut report = common::report_json(&id, &screenshot);
    report["site"] = json!("tiktok");
    report["pageTitle"] = json!("Vidéo importée");
    report["reporter"] = json!({"name": "Paul Importé", "email": "paul@example.org"});
    report["category"] = json!("privacy-breach");
    let response = member
        .upload(
            &token,
            &new_key(),
            report.to_string().as_bytes(),
            &screenshot,
        )
        .await;
    assert_eq!(response.status(), 201);
    let zip = member
        .client
        .post(member.url(&format!("/api/v1/reports/{id}/export")))
        .headers(extension_headers(&token))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    member.stop().await;
    let csrf = csrf_from(&dashboard(server, "").await);
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(zip)
            .file_name("preuves.zip")
            .mime_str("application/zip")
            .unwrap(),
    );
    let response = server
        .client
        .post(server.url("/import"))
        .header("origin", server.own_origin())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    id
}

#[tokio::test]
async fn each_filter_returns_exactly_the_right_reports() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = vec![
        Seed {
            day: "2026-11-02",
            site: "facebook",
            category: Some("negative-remark"),
            name: "Marie Tremblay",
            email: "marie.tremblay@example.org",
            title: "Alpha discussion",
            url: "https://www.facebook.com/groups/a/posts/1",
            note: Some("Propos dénigrants"),
            selected: Some("Le syndicat ne fait rien"),
        },
        Seed {
            day: "2026-11-10",
            site: "x",
            category: Some("harassment"),
            name: "Jean Roy",
            email: "jean.roy@example.org",
            title: "Bravo",
            url: "https://x.com/someone/status/2",
            note: None,
            selected: Some("aiguille-sélection"),
        },
        Seed {
            day: "2026-11-20",
            site: "instagram",
            category: Some("misinformation"),
            name: "Marie Curie",
            email: "mcurie@example.org",
            title: "Charlie",
            url: "https://www.instagram.com/p/zeta-url",
            note: None,
            selected: None,
        },
        Seed {
            day: "2026-11-25",
            site: "facebook",
            category: Some("other"),
            name: "Denis Côté",
            email: "denis@example.org",
            title: "Delta",
            url: "https://www.facebook.com/groups/d/posts/4",
            note: None,
            selected: None,
        },
        Seed {
            day: "2026-12-01",
            site: "x",
            category: None,
            name: "Luc Picard",
            email: "luc@example.org",
            title: "Echo",
            url: "https://x.com/someone/status/5",
            note: None,
            selected: None,
        },
    ];
    let ids = seed(dir.path(), seeds).await;
    let [a, b, c, d, e] = [&ids[0], &ids[1], &ids[2], &ids[3], &ids[4]];
    // Annotations and reviews, chained like the server's own.
    {
        let store = Store::open(dir.path()).unwrap();
        let (b, c, d, e) = (b.clone(), c.clone(), d.clone(), e.clone());
        store
            .write(move |tx| -> balise_companion::store::Result<_> {
                let now = "2026-12-02T09:00:00.000000Z";
                let annotation = json!({"category": "harassment", "note": "aiguille-annotation"});
                reports::annotate(
                    tx,
                    &NewAnnotation {
                        report_id: d.clone(),
                        category: Some("harassment".into()),
                        note: Some("aiguille-annotation".into()),
                        annotation_json: annotation.to_string(),
                    },
                    now,
                )?;
                reviews::record(
                    tx,
                    &b,
                    ReviewStatus::UnderReview,
                    "",
                    Via::Review,
                    None,
                    now,
                )?;
                reviews::record(
                    tx,
                    &c,
                    ReviewStatus::UnderReview,
                    "",
                    Via::Review,
                    None,
                    now,
                )?;
                reviews::record(
                    tx,
                    &c,
                    ReviewStatus::Resolved,
                    "réglé",
                    Via::Review,
                    None,
                    now,
                )?;
                reviews::record(
                    tx,
                    &e,
                    ReviewStatus::Dismissed,
                    "aiguille-revue",
                    Via::Review,
                    None,
                    now,
                )?;
                Ok(())
            })
            .await
            .unwrap();
        store.close().unwrap();
    }
    let server = TestServer::start(dir.path()).await;
    let f = &import_one(&server).await;
    let all = set(&[a, b, c, d, e, f]);
    assert_eq!(
        listed(&dashboard(&server, "").await)
            .into_iter()
            .collect::<BTreeSet<_>>(),
        all
    );

    let cases: Vec<(&str, BTreeSet<String>)> = vec![
        ("status=new", set(&[a, d, f])),
        ("status=under_review", set(&[b])),
        ("status=resolved", set(&[c])),
        ("status=dismissed", set(&[e])),
        ("status=forwarded", set(&[])),
        // The newest annotation's category wins over the report's.
        ("category=harassment", set(&[b, d])),
        ("category=other", set(&[])),
        ("category=negative-remark", set(&[a])),
        ("category=privacy-breach", set(&[f])),
        ("site=facebook", set(&[a, d])),
        ("site=x", set(&[b, e])),
        ("site=tiktok", set(&[f])),
        ("reporter=marie", set(&[a, c])),
        ("reporter=JEAN.ROY%40", set(&[b])),
        ("reporter=Import%C3%A9", set(&[f])),
        // Received dates, both ends included.
        ("from=2026-11-10&to=2026-11-25", set(&[b, c, d])),
        ("from=2026-11-26", set(&[e, f])),
        ("to=2026-11-02", set(&[a])),
        ("to=2026-11-01", set(&[])),
        // Text: title, URL, notes (report, annotation, review), reporter, selected text.
        ("q=ALPHA", set(&[a])),
        ("q=zeta-url", set(&[c])),
        ("q=Propos+d%C3%A9nigrants", set(&[a])),
        ("q=aiguille-annotation", set(&[d])),
        ("q=aiguille-revue", set(&[e])),
        ("q=aiguille-s%C3%A9lection", set(&[b])),
        ("q=Picard", set(&[e])),
        ("q=aiguille", set(&[b, d, e])),
        ("q=%25", set(&[])),
        ("q=_", set(&[])),
        // Combined, and empty fields as the form sends them.
        ("site=facebook&category=harassment", set(&[d])),
        (
            "status=new&site=facebook&reporter=&q=&from=&to=",
            set(&[a, d]),
        ),
        ("status=&category=&site=", all.clone()),
    ];
    for (query, expected) in cases {
        let html = dashboard(&server, query).await;
        let got: BTreeSet<String> = listed(&html).into_iter().collect();
        assert_eq!(got, expected, "{query}");
        if !expected.is_empty() {
            assert!(
                html.contains(&format!("data-matching=\"{}\"", expected.len())),
                "{query}"
            );
        }
    }
    // The filters are shown as chosen.
    let html = dashboard(&server, "status=dismissed&site=x&q=aiguille").await;
    assert!(html.contains("<option value=\"dismissed\" selected>"));
    assert!(html.contains("<option value=\"x\" selected>"));
    assert!(html.contains("name=\"q\" value=\"aiguille\""));
    // An invalid value is ignored, and said so.
    let html = dashboard(&server, "status=bogus&from=yesterday").await;
    assert_eq!(listed(&html).len(), 6);
    assert!(html.contains("data-ignored-filters=\"status from\""));
    // Newest first.
    assert_eq!(
        listed(&dashboard(&server, "site=x").await),
        [e.clone(), b.clone()]
    );
    server.stop().await;
}

#[tokio::test]
async fn paging_keeps_the_filters() {
    let dir = tempfile::tempdir().unwrap();
    let mut seeds = Vec::new();
    for index in 0..57 {
        seeds.push(Seed {
            day: "2026-11-15",
            site: if index % 10 == 3 {
                "facebook"
            } else {
                "youtube"
            },
            category: Some("other"),
            name: "Marie Tremblay",
            email: "marie.tremblay@example.org",
            title: "Vidéo",
            url: "https://www.youtube.com/watch?v=abc",
            note: None,
            selected: None,
        });
    }
    let ids = seed(dir.path(), seeds).await;
    let youtube: BTreeSet<String> = ids
        .iter()
        .enumerate()
        .filter(|(index, _)| index % 10 != 3)
        .map(|(_, id)| id.clone())
        .collect();
    assert_eq!(youtube.len(), 51);
    let server = TestServer::start(dir.path()).await;

    let first = dashboard(&server, "site=youtube&category=other").await;
    let first_ids = listed(&first);
    assert_eq!(first_ids.len(), 50);
    assert!(first.contains("1–50 / 51"));
    let marker = "rel=\"next\" href=\"";
    let start = first.find(marker).expect("a next link") + marker.len();
    let next = first[start..start + first[start..].find('"').unwrap()].replace("&amp;", "&");
    assert_eq!(next, "/?category=other&site=youtube&offset=50#reports");
    let second = dashboard(
        &server,
        next.trim_start_matches("/?").trim_end_matches("#reports"),
    )
    .await;
    let second_ids = listed(&second);
    assert_eq!(second_ids.len(), 1);
    let both: BTreeSet<String> = first_ids.into_iter().chain(second_ids).collect();
    assert_eq!(both, youtube);
    assert!(!second.contains("rel=\"next\""));
    assert!(second.contains("rel=\"prev\" href=\"/?category=other&amp;site=youtube#reports\""));
    // Unfiltered, the second page is the rest of all 57.
    assert_eq!(listed(&dashboard(&server, "offset=50").await).len(), 7);
    server.stop().await;
}

#[tokio::test]
async fn html_in_every_report_field_is_shown_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = server.pair(CHROME_ORIGIN).await;
    let screenshot = png(4, 4, [1, 1, 1]);
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    let report = json!({
        "id": id,
        "capturedAt": "2026-11-28T14:05:09.123Z",
        "pageUrl": "https://x.com/\"><script>alert('url')</script>",
        "pageTitle": "<script>alert('title')</script>",
        "reporter": {"name": "<img src=x onerror=alert('name')>", "email": "marie@example.org"},
        "category": "other",
        "note": "<iframe src=javascript:alert('note')>",
        "screenshotSha256": sha256_hex(&screenshot),
        "selectedText": "<svg onload=alert('selected')>",
        "site": "<b>site</b>",
    });
    let response = server
        .upload(
            &token,
            &new_key(),
            report.to_string().as_bytes(),
            &screenshot,
        )
        .await;
    assert_eq!(response.status(), 201);
    // The report's own note shows until an annotation brings a newer one.
    let before = server.page(&format!("/reports/{id}")).await;
    assert!(!before.contains("<iframe"));
    assert!(before.contains("&lt;iframe src=javascript:alert(&#39;note&#39;)&gt;"));
    let response = server
        .client
        .patch(server.url(&format!("/api/v1/reports/{id}")))
        .headers(extension_headers(&token))
        .json(&json!({"note": "<script>alert('annotation')</script>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = server
        .client
        .post(server.url(&format!("/api/v1/reports/{id}/review")))
        .headers(extension_headers(&token))
        .json(&json!({"status": "dismissed", "note": "<script>alert('review')</script>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let pages = [
        "/".to_owned(),
        "/?q=%22%3E%3Cscript%3Ealert('filter')%3C%2Fscript%3E&reporter=%3Cimg%20src%3Dx%3E"
            .to_owned(),
        "/?q=alert&site=%3Cb%3Esite%3C%2Fb%3E".to_owned(),
        format!("/reports/{id}"),
    ];
    for path in &pages {
        let html = server.page(path).await;
        for raw in [
            "<script>alert",
            "<img src=x",
            "<iframe",
            "<svg onload",
            "<b>site",
            "\"><script",
            "href=\"javascript:",
        ] {
            assert!(!html.contains(raw), "{path} shows {raw} as markup");
        }
        assert!(html.contains("&lt;"), "{path}");
    }
    let report_page = server.page(&format!("/reports/{id}")).await;
    for escaped in [
        "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;",
        "&lt;img src=x onerror=alert(&#39;name&#39;)&gt;",
        "&lt;svg onload=alert(&#39;selected&#39;)&gt;",
        "&lt;b&gt;site&lt;/b&gt;",
        "&lt;script&gt;alert(&#39;annotation&#39;)&lt;/script&gt;",
        "&lt;script&gt;alert(&#39;review&#39;)&lt;/script&gt;",
        "href=\"https://x.com/&quot;&gt;&lt;script&gt;alert(&#39;url&#39;)&lt;/script&gt;\"",
    ] {
        assert!(report_page.contains(escaped), "{escaped}");
    }
    // The filtered list still finds it by its (escaped) title.
    let html = server.page("/?q=alert('title')").await;
    assert_eq!(listed(&html), vec![id]);
    server.stop().await;
}
