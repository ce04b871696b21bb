//! The policy's whole chain in one test: a member's click in headless Chromium, the email in
//! the manager's inbox (a real SMTP server), the manager importing it on the dashboard of
//! their own companion and forwarding it with the verified facts, and the board's email.

use std::time::Duration;

use anyhow::{Context, Result};
use balise_core::package;
use balise_e2e::browser::{Browser, LaunchOptions};
use balise_e2e::companion::{CompanionApi, CompanionProcess, api_token};
use balise_e2e::fixtures::{CspMode, FixtureServer};
use balise_e2e::forwarding::{self, BOARD_EMAIL, MANAGER_EMAIL, MANAGER_NAME, Setup};
use balise_e2e::smtp::{ReceivedMail, SmtpServer};
use balise_e2e::{WAIT, eventually, flows, screenshots, sha256_hex};
use fantoccini::Locator;

const REPORTER_NAME: &str = "Marie-Ève Tremblay";
const REPORTER_EMAIL: &str = "marie-eve.tremblay@example.org";
const NOTE: &str = "Commentaire qui accuse le syndicat de mentir sur les salaires.";
const FACTS: &str = "Les échelles salariales citées sont celles de la convention 2023-2028 (annexe A), publiées par le ministère.";
const DELIVERY: Duration = Duration::from_secs(45);

fn attachment(mail: &ReceivedMail, content_type: &str) -> Result<Vec<u8>> {
    mail.attachments()
        .into_iter()
        .find(|a| a.content_type == content_type)
        .map(|a| a.bytes)
        .with_context(|| format!("no {content_type} in {}", mail.summary()))
}

async fn page_text(browser: &Browser) -> Result<String> {
    Ok(browser
        .client()
        .find(Locator::Css("main"))
        .await?
        .text()
        .await?)
}

#[tokio::test]
async fn a_members_click_reaches_the_board_through_the_manager() -> Result<()> {
    let smtp = SmtpServer::start()?;
    let fixtures = FixtureServer::start(CspMode::None).await?;

    // The member: a companion that mails every report to the manager.
    let member_dir = tempfile::tempdir()?;
    forwarding::write_settings(
        member_dir.path(),
        &Setup {
            smtp_url: Some(&smtp.url()),
            annotation_wait_secs: 60,
            ..Setup::default()
        },
    )?;
    let member = CompanionProcess::start(member_dir.path())?;
    let member_api = CompanionApi::new(&member.base_url, api_token(member_dir.path())?);
    let browser = Browser::launch(LaunchOptions::default()).await?;
    flows::save_options(&browser, &member.base_url, REPORTER_NAME, REPORTER_EMAIL).await?;
    flows::pair(&browser, &member).await?;

    // One click on the page, then a category and a note on the card.
    browser.goto(&fixtures.url("report-target.html")).await?;
    flows::click_report_button(&browser).await?;
    flows::wait_report_status(&browser, "stored").await?;
    let shadow = browser
        .client()
        .find(Locator::Css("balise-report"))
        .await?
        .shadow_root()
        .await?;
    shadow
        .find(Locator::Css(".category option[value='negative-remark']"))
        .await?
        .click()
        .await?;
    let note = shadow.find(Locator::Css(".note")).await?;
    balise_e2e::browser::type_into(&note, NOTE).await?;
    shadow.find(Locator::Css(".save")).await?.click().await?;

    // The manager's inbox: one email, with the note, the screenshot and the package.
    let inbox = smtp.wait_for_messages(1, DELIVERY).await?;
    let to_manager = &inbox[0];
    assert_eq!(to_manager.rcpt_tos, [MANAGER_EMAIL]);
    let text = to_manager.text_body().unwrap_or_default();
    assert!(text.contains(NOTE), "{text}");
    assert!(text.contains(REPORTER_NAME), "{text}");
    let reports = member_api.reports().await?;
    let id = reports[0]["id"].as_str().context("report id")?.to_owned();
    let stored_png = member_api.screenshot(&id).await?;
    let png = attachment(to_manager, "image/png")?;
    assert_eq!(sha256_hex(&png), sha256_hex(&stored_png));
    screenshots::check_report_target_evidence(&png)?;

    // The manager: their own companion, where the received email is dropped on the dashboard.
    let manager_dir = tempfile::tempdir()?;
    forwarding::write_settings(
        manager_dir.path(),
        &Setup {
            role: "manager",
            smtp_url: Some(&smtp.url()),
            ..Setup::default()
        },
    )?;
    let manager = CompanionProcess::start(manager_dir.path())?;
    let eml_dir = tempfile::tempdir()?;
    let eml = eml_dir.path().join("signalement.eml");
    std::fs::write(&eml, &to_manager.raw)?;
    // The fixture host (127.0.0.1) was enabled for the member's page; the manager's
    // dashboard, on the same host, is no compose site: the checklist has no place there.
    flows::save_extra_sites(&browser, &[]).await?;
    // The manager reads the dashboard in French (the switch; the test browser speaks English).
    flows::open_dashboard(&browser, &manager, "/?lang=fr").await?;
    browser.click("details.import summary").await?;
    browser
        .client()
        .find(Locator::Css("#import-file"))
        .await?
        .send_keys(&eml.to_string_lossy())
        .await?;
    browser.click("form.import button[type=submit]").await?;
    eventually(WAIT, "the imported report's page", || async {
        let url = browser.client().current_url().await?;
        Ok(url
            .as_str()
            .ends_with(&format!("/reports/{id}?done=imported"))
            .then_some(()))
    })
    .await?;
    let imported = page_text(&browser).await?;
    assert!(imported.contains("Signalement importé"), "{imported}");
    assert!(imported.contains(NOTE), "{imported}");
    assert!(imported.contains(REPORTER_NAME));
    assert!(
        imported.contains("vérifiée"),
        "the screenshot verifies: {imported}"
    );
    screenshots::save(&browser, "chain-manager-report-page").await?;

    // Forwarded to the board with the verified facts.
    browser
        .client()
        .find(Locator::Css("#facts"))
        .await?
        .send_keys(FACTS)
        .await?;
    browser
        .click("form[action$='/forward'] button[type=submit]")
        .await?;
    eventually(WAIT, "the forward's notice", || async {
        let url = browser.client().current_url().await?;
        Ok(url.as_str().ends_with("?done=forwarded").then_some(()))
    })
    .await?;

    let both = smtp.wait_for_messages(2, DELIVERY).await?;
    let to_board = &both[1];
    assert_eq!(to_board.rcpt_tos, [BOARD_EMAIL]);
    let text = to_board.text_body().unwrap_or_default();
    assert!(text.contains(FACTS), "{text}");
    assert!(text.contains(NOTE), "{text}");
    assert!(text.contains(MANAGER_NAME), "{text}");
    let board_png = attachment(to_board, "image/png")?;
    assert_eq!(sha256_hex(&board_png), sha256_hex(&stored_png), "intact");
    let package = package::open(&attachment(to_board, "application/zip")?)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!(package.report.id, id);
    assert_eq!(package.forward.map(|f| f.facts), Some(FACTS.to_owned()));

    // The manager's page shows the email as sent, with the board's address.
    let sent = eventually(DELIVERY, "the forward shown as sent", || async {
        browser.client().refresh().await?;
        let text = page_text(&browser).await?;
        Ok((text.contains("Envoyé") && text.contains(BOARD_EMAIL)).then_some(text))
    })
    .await?;
    assert!(
        sent.contains("Transfert → conseil d'administration"),
        "{sent}"
    );
    screenshots::save(&browser, "chain-manager-forwarded").await?;
    browser.close().await
}
