//! The manager's day on the dashboard, in headless Chromium against the real companion:
//! filter the list, open a report, review it, dismiss another with a reason (after the
//! companion refused it without one), add a trace with a screenshot; what the pages show,
//! and what the SQLite file holds afterwards.

use anyhow::{Context, Result, ensure};
use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::forwarding::{self, Dashboard, Setup};
use balise_e2e::{WAIT, eventually, flows, screenshots, sha256_hex};
use fantoccini::Locator;
use serde_json::json;

const REVIEW_NOTE: &str = "Je vérifie auprès de la direction de l'école.";
const DISMISS_REASON: &str = "Hors mandat : débat public légitime sur la convention.";
const TRACE_TEXT: &str = "Appel d'un parent inquiet au sujet de la publication sur la grève.";
const ERASE_REASON: &str = "Demande d'effacement de la personne signalée (Loi 25).";

async fn main_text(browser: &Browser) -> Result<String> {
    Ok(browser
        .client()
        .find(Locator::Css("main"))
        .await?
        .text()
        .await?)
}

/// The ids of the reports the list shows, in order.
async fn listed(browser: &Browser) -> Result<Vec<String>> {
    let rows = browser
        .client()
        .find_all(Locator::Css("tr[data-report-id]"))
        .await?;
    let mut ids = Vec::new();
    for row in rows {
        ids.push(row.attr("data-report-id").await?.context("row id")?);
    }
    Ok(ids)
}

async fn click(browser: &Browser, css: &str) -> Result<()> {
    browser
        .client()
        .find(Locator::Css(css))
        .await
        .with_context(|| format!("finding {css}"))?
        .click()
        .await
        .with_context(|| format!("clicking {css}"))?;
    Ok(())
}

async fn type_into(browser: &Browser, css: &str, text: &str) -> Result<()> {
    browser
        .client()
        .find(Locator::Css(css))
        .await
        .with_context(|| format!("finding {css}"))?
        .send_keys(text)
        .await?;
    Ok(())
}

async fn wait_for_url(browser: &Browser, part: &str) -> Result<String> {
    eventually(WAIT, &format!("a URL with {part}"), || async {
        let url = browser.client().current_url().await?.to_string();
        Ok(url.contains(part).then_some(url))
    })
    .await
}

fn db(dir: &std::path::Path) -> Result<rusqlite::Connection> {
    Ok(rusqlite::Connection::open(dir.join("balise.sqlite3"))?)
}

#[tokio::test]
async fn the_manager_filters_reviews_dismisses_and_adds_a_trace() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let manager = forwarding::start(
        dir.path(),
        &Setup {
            role: "manager",
            ..Setup::default()
        },
    )?;
    let companion = &manager.process;

    // Three reports: one on Facebook, one on X, and one whose fields hold markup.
    let png = forwarding::sample_png(1);
    let on_facebook = forwarding::upload(
        &manager.api,
        &forwarding::sample_report(&png, Some("negative-remark"), Some("Dénigre le syndicat.")),
        &png,
    )
    .await?;
    let png_x = forwarding::sample_png(2);
    let mut report_x = forwarding::sample_report(&png_x, Some("harassment"), None);
    report_x["site"] = json!("x");
    report_x["pageUrl"] = json!("https://x.com/quelquun/status/123");
    report_x["pageTitle"] = json!("Fil de discussion sur X");
    report_x["reporter"] = json!({"name": "Jean Roy", "email": "jean.roy@example.org"});
    let on_x = forwarding::upload(&manager.api, &report_x, &png_x).await?;
    let png_markup = forwarding::sample_png(3);
    let mut report_markup = forwarding::sample_report(
        &png_markup,
        Some("other"),
        Some("<img src=x onerror=\"document.title='pwned'\">"),
    );
    report_markup["site"] = json!("instagram");
    report_markup["pageTitle"] = json!("<script>document.title='pwned'</script><b>gras</b>");
    report_markup["reporter"] = json!({"name": "<i>Luc</i>", "email": "luc@example.org"});
    let with_markup = forwarding::upload(&manager.api, &report_markup, &png_markup).await?;

    let browser = Browser::launch(LaunchOptions::default()).await?;
    // Tall enough that the screenshots show the list, the triage form and the history.
    browser.client().set_window_size(1280, 2400).await?;
    // The manager reads the dashboard in French (the switch, remembered; the test browser
    // speaks English).
    flows::open_dashboard(&browser, companion, "/?lang=fr").await?;
    let all = listed(&browser).await?;
    ensure!(
        all == [with_markup.clone(), on_x.clone(), on_facebook.clone()],
        "{all:?}"
    );
    // Markup from reports is text: nothing ran, nothing rendered.
    let rendered = browser
        .eval(
            "return [document.title, document.querySelectorAll('main img[src=x], main b, main i, main script').length];",
            vec![],
        )
        .await?;
    ensure!(
        rendered[0].as_str().is_some_and(|t| !t.contains("pwned")),
        "{rendered}"
    );
    ensure!(rendered[1] == 0, "{rendered}");
    ensure!(
        main_text(&browser)
            .await?
            .contains("<script>document.title='pwned'</script><b>gras</b>")
    );

    // Filter: Facebook only.
    click(&browser, "select[name=site] option[value='facebook']").await?;
    click(&browser, "#filter-submit").await?;
    wait_for_url(&browser, "site=facebook").await?;
    ensure!(listed(&browser).await? == std::slice::from_ref(&on_facebook));
    screenshots::save(&browser, "dashboard-list-filtered").await?;

    // Open it and put it under review with a note.
    click(
        &browser,
        &format!("tr[data-report-id='{on_facebook}'] a[href='/reports/{on_facebook}']"),
    )
    .await?;
    wait_for_url(&browser, &format!("/reports/{on_facebook}")).await?;
    browser
        .wait_for_attribute("form[data-current-status]", "data-current-status", "new")
        .await?;
    click(&browser, "#review-status option[value='under_review']").await?;
    type_into(&browser, "#review-note", REVIEW_NOTE).await?;
    click(&browser, "#review-submit").await?;
    wait_for_url(&browser, "done=reviewed").await?;
    browser
        .wait_for_attribute(
            "form[data-current-status]",
            "data-current-status",
            "under_review",
        )
        .await?;
    let text = main_text(&browser).await?;
    ensure!(text.contains("En cours d'examen"), "{text}");
    ensure!(text.contains(REVIEW_NOTE), "{text}");
    let history = browser
        .eval(
            "return [...document.querySelectorAll('ol[data-history] li')].map(li => li.dataset.kind);",
            vec![],
        )
        .await?;
    ensure!(
        history == json!(["report_received", "report_reviewed"]),
        "{history}"
    );
    screenshots::save(&browser, "dashboard-report-page").await?;

    // Dismiss the one on X: refused without a reason, then with one.
    flows::open_dashboard(&browser, companion, &format!("/reports/{on_x}")).await?;
    click(&browser, "#review-status option[value='dismissed']").await?;
    click(&browser, "#review-submit").await?;
    browser
        .wait_for_attribute("[data-error-code]", "data-error-code", "reason_required")
        .await?;
    ensure!(
        main_text(&browser)
            .await?
            .contains("Rien n'a été enregistré.")
    );
    flows::open_dashboard(&browser, companion, &format!("/reports/{on_x}")).await?;
    click(&browser, "#review-status option[value='dismissed']").await?;
    type_into(&browser, "#review-note", DISMISS_REASON).await?;
    click(&browser, "#review-submit").await?;
    wait_for_url(&browser, "done=reviewed").await?;
    browser
        .wait_for_attribute(
            "form[data-current-status]",
            "data-current-status",
            "dismissed",
        )
        .await?;
    ensure!(main_text(&browser).await?.contains(DISMISS_REASON));

    // A trace, with a screenshot.
    flows::open_dashboard(&browser, companion, "/").await?;
    click(&browser, "details.add-trace summary").await?;
    type_into(&browser, "#trace-text", TRACE_TEXT).await?;
    type_into(&browser, "#trace-site", "Téléphone").await?;
    type_into(
        &browser,
        "#trace-url",
        "https://www.facebook.com/groups/parents/posts/42",
    )
    .await?;
    // A datetime-local field is typed differently in each locale: set its value.
    browser
        .eval(
            "document.querySelector('#trace-when').value = arguments[0]; return document.querySelector('#trace-when').value;",
            vec![json!("2026-12-04T16:45")],
        )
        .await?;
    let trace_png = forwarding::sample_png(9);
    let file = dir.path().join("appel.png");
    std::fs::write(&file, &trace_png)?;
    type_into(&browser, "#trace-screenshot", &file.to_string_lossy()).await?;
    click(&browser, "#trace-submit").await?;
    let url = wait_for_url(&browser, "done=recorded").await?;
    let trace_id = url
        .split("/traces/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .context("trace id in the URL")?
        .to_owned();
    browser
        .wait_for_attribute("[data-screenshot]", "data-screenshot", "verified")
        .await?;
    let text = main_text(&browser).await?;
    ensure!(
        text.contains(TRACE_TEXT) && text.contains("2026-12-04 16:45"),
        "{text}"
    );
    ensure!(text.contains(&sha256_hex(&trace_png)), "{text}");
    let loaded = eventually(WAIT, "the trace's screenshot to load", || async {
        let width = browser
            .eval(
                "return document.querySelector('img.shot').naturalWidth;",
                vec![],
            )
            .await?;
        Ok((width == 4).then_some(()))
    })
    .await;
    loaded?;
    screenshots::save(&browser, "dashboard-trace-page").await?;

    // The list by status now.
    flows::open_dashboard(&browser, companion, "/?status=dismissed").await?;
    ensure!(listed(&browser).await? == std::slice::from_ref(&on_x));
    flows::open_dashboard(&browser, companion, "/?status=new").await?;
    ensure!(listed(&browser).await? == std::slice::from_ref(&with_markup));
    flows::open_dashboard(&browser, companion, "/").await?;
    let trace_row = browser
        .text(&format!("tr[data-trace-id='{trace_id}']"))
        .await?;
    ensure!(trace_row.contains("Téléphone"), "{trace_row}");
    screenshots::save(&browser, "dashboard-list").await?;
    // The pages as plain HTTP, as the manager's browser reads them.
    let html = Dashboard::of(companion)?
        .page(&format!("/reports/{on_x}"))
        .await?;
    ensure!(html.contains("data-current-status=\"dismissed\""));

    // The manager erases the report with markup (privacy), with a reason, from its page.
    flows::open_dashboard(&browser, companion, &format!("/reports/{with_markup}")).await?;
    click(&browser, "details.erase summary").await?;
    type_into(&browser, "textarea[name=reason]", ERASE_REASON).await?;
    click(
        &browser,
        &format!("form[action='/reports/{with_markup}/redact'] button[type=submit]"),
    )
    .await?;
    wait_for_url(&browser, "done=redacted").await?;
    let erased = main_text(&browser).await?;
    ensure!(erased.contains("Signalement caviardé"), "{erased}");
    ensure!(!erased.contains("gras"), "its content is gone: {erased}");
    ensure!(
        browser
            .client()
            .find(Locator::Css("[data-redacted]"))
            .await
            .is_ok()
    );
    screenshots::save(&browser, "dashboard-redacted-report").await?;

    // The same pages in English, through the switch, for the person who reads them.
    flows::open_dashboard(&browser, companion, "/?lang=en").await?;
    let english = main_text(&browser).await?;
    ensure!(
        english.contains("Dashboard") && english.contains("Evidence chain"),
        "{english}"
    );
    ensure!(
        !english.contains("Chaîne de preuves"),
        "one language at a time"
    );
    screenshots::save(&browser, "dashboard-list-en").await?;
    flows::open_dashboard(&browser, companion, &format!("/reports/{on_facebook}")).await?;
    ensure!(main_text(&browser).await?.contains("History"));
    screenshots::save(&browser, "dashboard-report-page-en").await?;
    browser.close().await?;

    // What the file holds: two reviews (the refused one stored nothing), one trace and its
    // screenshot, each chained.
    let conn = db(dir.path())?;
    let mut statement = conn.prepare(
        "SELECT report_id, status, note, review_json FROM report_reviews ORDER BY evidence_seq",
    )?;
    let reviews: Vec<(String, String, String, String)> = statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    ensure!(reviews.len() == 2, "{reviews:?}");
    ensure!(
        (
            reviews[0].0.as_str(),
            reviews[0].1.as_str(),
            reviews[0].2.as_str()
        ) == (on_facebook.as_str(), "under_review", REVIEW_NOTE)
    );
    ensure!(
        (
            reviews[1].0.as_str(),
            reviews[1].1.as_str(),
            reviews[1].2.as_str()
        ) == (on_x.as_str(), "dismissed", DISMISS_REASON)
    );
    let (trace_json, trace_seq, shot): (String, i64, Vec<u8>) = conn.query_row(
        "SELECT t.trace_json, t.evidence_seq, s.bytes FROM traces t
         JOIN trace_screenshots s ON s.trace_id = t.id WHERE t.id = ?1",
        [&trace_id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    ensure!(shot == trace_png);
    let trace: serde_json::Value = serde_json::from_str(&trace_json)?;
    ensure!(trace["text"] == TRACE_TEXT && trace["site"] == "Téléphone");
    ensure!(trace["screenshot"]["sha256"] == sha256_hex(&trace_png).as_str());
    let (kind, payload): (String, String) = conn.query_row(
        "SELECT kind, payload_sha256 FROM evidence_log WHERE seq = ?1",
        [trace_seq],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    ensure!(kind == "trace_recorded" && payload == sha256_hex(trace_json.as_bytes()));
    for (_, _, _, json) in &reviews {
        let count: i64 = conn.query_row(
            "SELECT count(*) FROM evidence_log WHERE kind = 'report_reviewed' AND payload_sha256 = ?1",
            [sha256_hex(json.as_bytes())],
            |row| row.get(0),
        )?;
        ensure!(count == 1);
    }
    let redaction: String = conn.query_row(
        "SELECT redaction_json FROM report_redactions WHERE report_id = ?1",
        [&with_markup],
        |row| row.get(0),
    )?;
    ensure!(redaction.contains(ERASE_REASON), "{redaction}");
    drop(statement);
    drop(conn);
    let output = std::process::Command::new(balise_e2e::companion::companion_binary()?)
        .args(["verify", "--data-dir"])
        .arg(dir.path())
        .output()?;
    let printed = String::from_utf8_lossy(&output.stdout);
    ensure!(output.status.success(), "{printed}");
    ensure!(
        printed.contains("Evidence chain intact: 8 entries"),
        "{printed}"
    );
    ensure!(printed.contains("Reports redacted: 1"), "{printed}");
    ensure!(
        printed.contains("Trace screenshots verified: 1 of 1"),
        "{printed}"
    );
    Ok(())
}

/// Waits until the browser has finished saving `name` in `dir`, and reads it.
async fn downloaded(dir: &std::path::Path, name: &str) -> Result<Vec<u8>> {
    let path = dir.join(name);
    let partial = dir.join(format!("{name}.crdownload"));
    eventually(WAIT, &format!("the download of {name}"), || async {
        Ok((path.exists() && !partial.exists()).then_some(()))
    })
    .await?;
    Ok(std::fs::read(&path)?)
}

/// The file `name` inside the ZIP at `zip`, as `unzip -p` reads it.
fn unzipped(zip: &std::path::Path, name: &str) -> Result<Vec<u8>> {
    let output = std::process::Command::new("unzip")
        .arg("-p")
        .arg(zip)
        .arg(name)
        .output()
        .context("running unzip")?;
    ensure!(output.status.success(), "unzip -p {name}: {output:?}");
    Ok(output.stdout)
}

#[tokio::test]
async fn the_manager_exports_one_report_and_a_selection_that_the_board_can_check() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let downloads = tempfile::tempdir()?;
    let manager = forwarding::start(
        dir.path(),
        &Setup {
            role: "manager",
            ..Setup::default()
        },
    )?;
    let companion = &manager.process;
    let mut ids = Vec::new();
    for (seed, reporter, note) in [
        (1, "Marie Tremblay", "Dénigre le syndicat."),
        (
            2,
            "Jean Roy",
            "Propos <b>injurieux</b> envers une enseignante.",
        ),
        (3, "Luc Gagnon", "Hors sujet."),
    ] {
        let png = forwarding::sample_png(seed);
        let mut report = forwarding::sample_report(&png, Some("negative-remark"), Some(note));
        report["reporter"] = json!({"name": reporter, "email": "membre@example.org"});
        ids.push(forwarding::upload(&manager.api, &report, &png).await?);
    }
    let (first, second, third) = (&ids[0], &ids[1], &ids[2]);

    let browser = Browser::launch(LaunchOptions {
        download_dir: Some(downloads.path().to_path_buf()),
        ..LaunchOptions::default()
    })
    .await?;
    browser.client().set_window_size(1280, 2000).await?;

    // One report, from its page.
    flows::open_dashboard(&browser, companion, &format!("/reports/{first}?lang=fr")).await?;
    click(
        &browser,
        &format!("form[action='/reports/{first}/export'] button[type=submit]"),
    )
    .await?;
    let single = downloaded(
        downloads.path(),
        &format!("balise-preuves-evidence-{first}.zip"),
    )
    .await?;
    let package = balise_core::package::open(&single).map_err(|e| anyhow::anyhow!("{e}"))?;
    ensure!(&package.report.id == first);
    ensure!(
        package.evidence.chain_head.is_some(),
        "it carries the chain head"
    );

    // Two of the three, ticked in the list, as one ZIP.
    flows::open_dashboard(&browser, companion, "/?lang=fr").await?;
    for id in [second, third] {
        click(
            &browser,
            &format!("input[type=checkbox][form=export-selection][value='{id}']"),
        )
        .await?;
    }
    screenshots::save(&browser, "dashboard-selection-ticked").await?;
    click(&browser, "#export-selection button[type=submit]").await?;
    let selection = downloaded(downloads.path(), "balise-preuves-selection-evidence.zip").await?;
    let packages =
        balise_core::package::open_any(&selection).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut exported: Vec<&str> = packages.iter().map(|p| p.report.id.as_str()).collect();
    exported.sort_unstable();
    let mut ticked = vec![second.as_str(), third.as_str()];
    ticked.sort_unstable();
    ensure!(exported == ticked, "only the ticked reports: {exported:?}");

    // The summary the board opens: each report readable, its markup inert, its hashes.
    let zip_path = downloads
        .path()
        .join("balise-preuves-selection-evidence.zip");
    let summary = String::from_utf8(unzipped(&zip_path, "resume-summary.html")?)?;
    for package in &packages {
        ensure!(summary.contains(&package.package_sha256), "{summary}");
        ensure!(summary.contains(&package.report.reporter.name), "{summary}");
    }
    let summary_file = downloads.path().join("resume-summary.html");
    std::fs::write(&summary_file, &summary)?;
    browser
        .client()
        .goto(&format!("file://{}", summary_file.display()))
        .await?;
    let text = browser.text("body").await?;
    ensure!(
        text.contains("Propos <b>injurieux</b> envers une enseignante.")
            && text.contains("Jean Roy")
            && text.contains("What this proves")
            && text.contains("Ce que cela prouve"),
        "{text}"
    );
    let bold = browser
        .eval(
            "return document.querySelectorAll('b, script').length;",
            vec![],
        )
        .await?;
    ensure!(bold == 0, "markup from a report renders nothing: {bold}");
    screenshots::save(&browser, "export-selection-summary").await?;

    // On a phone's width the pages fit: wide tables scroll inside their own box, the page
    // itself does not scroll sideways.
    browser.client().set_window_size(390, 844).await?;
    for (path, shot) in [
        ("/?lang=fr".to_owned(), "dashboard-phone-list"),
        (
            format!("/reports/{first}?lang=fr"),
            "dashboard-phone-report",
        ),
    ] {
        flows::open_dashboard(&browser, companion, &path).await?;
        let widths = browser
            .eval(
                "return [document.documentElement.scrollWidth, window.innerWidth, [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))];",
                vec![],
            )
            .await?;
        ensure!(
            widths[0].as_i64() <= widths[1].as_i64(),
            "{path} is wider than the phone: {widths}"
        );
        screenshots::save(&browser, shot).await?;
    }
    browser.close().await?;

    // Each export is a chained entry, and the selection still agrees with the database.
    let conn = db(dir.path())?;
    let mut statement = conn.prepare(
        "SELECT x.report_id FROM report_exports x JOIN evidence_log e ON e.seq = x.evidence_seq
         WHERE e.kind = 'report_exported' ORDER BY x.evidence_seq",
    )?;
    let logged: Vec<String> = statement
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ensure!(logged.len() == 3, "{logged:?}");
    ensure!(&logged[0] == first, "{logged:?}");
    drop(statement);
    drop(conn);
    let output = std::process::Command::new(balise_e2e::companion::companion_binary()?)
        .args(["verify", "--data-dir"])
        .arg(dir.path())
        .arg("--against")
        .arg(&zip_path)
        .output()?;
    let printed = String::from_utf8_lossy(&output.stdout);
    ensure!(output.status.success(), "{printed}");
    ensure!(
        printed.contains("the database agrees with the package"),
        "{printed}"
    );
    Ok(())
}
