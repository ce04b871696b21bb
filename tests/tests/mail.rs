//! Email forwarding against a real SMTP server (aiosmtpd over TCP) and the real companion
//! binary: what the manager and the board receive, and that no report is lost when the
//! server is down, refuses, never answers, or the companion is killed.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use balise_core::package;
use balise_e2e::companion::{CompanionApi, CompanionProcess, companion_binary};
use balise_e2e::forwarding::{
    self, BOARD_EMAIL, Dashboard, MANAGER_EMAIL, MANAGER_NAME, Setup, sample_png, sample_report,
    upload,
};
use balise_e2e::sha256_hex;
use balise_e2e::smtp::{BlackHoleSmtp, ReceivedMail, SmtpOptions, SmtpServer, free_port};
use serde_json::{Value, json};

/// Long enough for a few retries with backoff (2 s, 4 s, 8 s…).
const DELIVERY: Duration = Duration::from_secs(30);

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A member's companion sending to `url`, everything else as by default.
fn member_sending_to(dir: &Path, url: &str) -> Result<forwarding::Running> {
    forwarding::start(
        dir,
        &Setup {
            smtp_url: Some(url),
            ..Setup::default()
        },
    )
}

/// Waits until the report's email to the manager is marked sent, and returns it.
async fn sent(api: &CompanionApi, id: &str) -> Result<Value> {
    api.wait_for_mail(id, "report", DELIVERY, "the email marked sent", |m| {
        str_of(m, "status") == "sent"
    })
    .await
}

/// The attachment whose content type is `content_type`.
fn attachment(mail: &ReceivedMail, content_type: &str) -> Result<Vec<u8>> {
    mail.attachments()
        .into_iter()
        .find(|a| a.content_type == content_type)
        .map(|a| a.bytes)
        .with_context(|| format!("no {content_type} attachment in {}", mail.summary()))
}

/// Unzips the package with the system's `unzip` and checks it with `sha256sum -c`, as a
/// board member would.
fn check_with_sha256sum(zip: &[u8]) -> Result<String> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("package.zip");
    std::fs::write(&path, zip)?;
    let unzip = std::process::Command::new("unzip")
        .arg("-q")
        .arg(&path)
        .arg("-d")
        .arg(dir.path().join("out"))
        .status()
        .context("running unzip")?;
    anyhow::ensure!(unzip.success(), "unzip failed");
    let check = std::process::Command::new("sha256sum")
        .args(["-c", "manifest.sha256"])
        .current_dir(dir.path().join("out"))
        .output()
        .context("running sha256sum")?;
    let printed = String::from_utf8_lossy(&check.stdout).into_owned();
    anyhow::ensure!(check.status.success(), "sha256sum -c failed: {printed}");
    Ok(printed)
}

#[tokio::test]
async fn a_members_report_reaches_the_managers_inbox_with_everything_it_needs() -> Result<()> {
    let smtp = SmtpServer::start()?;
    let dir = tempfile::tempdir()?;
    let member = member_sending_to(dir.path(), &smtp.url())?;
    let png = sample_png(1);
    let report = sample_report(
        &png,
        Some("negative-remark"),
        Some("Propos faux sur la négociation : « le syndicat ment ».\nVoir le 2e commentaire."),
    );
    let id = upload(&member.api, &report, &png).await?;

    let mails = smtp.wait_for_messages(1, DELIVERY).await?;
    let mail = &mails[0];
    assert_eq!(mail.rcpt_tos, [MANAGER_EMAIL]);
    assert_eq!(
        mail.message_id().as_deref(),
        Some(format!("report-{id}.manager@balise.local").as_str()),
        "{}",
        mail.summary()
    );
    let subject = mail.subject().unwrap_or_default();
    assert!(
        subject.contains("Signalement de Marie-Ève Tremblay (Facebook)")
            && subject.contains("Report from Marie-Ève Tremblay (Facebook)"),
        "{subject}"
    );
    assert_eq!(
        mail.reply_to().first().map(|a| a.address.as_str()),
        Some("marie-eve.tremblay@csscharlevoix.test.balise.ca")
    );
    assert_eq!(
        mail.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let text = mail.text_body().context("no text body")?;
    let html = mail.html_body().context("no HTML body")?;
    for expected in [
        "Marie-Ève Tremblay",
        "https://www.facebook.com/groups/enseignants/posts/1234567890",
        "Propos négatifs envers le syndicat",
        "Negative remarks about the union",
        "le syndicat ment",
        "Le syndicat ment sur les salaires",
        report["screenshotSha256"].as_str().unwrap_or("?"),
        "2026-12-03 09:05 (heure de l'Est, UTC−5)",
        "sha256sum -c manifest.sha256",
    ] {
        assert!(text.contains(expected), "text lacks {expected:?}:\n{text}");
    }
    assert!(
        text.find("Signalé par").unwrap_or(usize::MAX) < text.find("Reported by").unwrap_or(0),
        "French comes first"
    );
    assert!(html.contains("Marie-Ève Tremblay"));
    assert!(html.contains("« le syndicat ment »"), "{html}");
    assert!(html.contains(report["screenshotSha256"].as_str().unwrap_or("?")));

    // The screenshot, byte for byte, and the package that verifies.
    let attached = attachment(mail, "image/png")?;
    assert_eq!(sha256_hex(&attached), sha256_hex(&png));
    let zip = attachment(mail, "application/zip")?;
    let opened = package::open(&zip).map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!(opened.report.id, id);
    assert_eq!(opened.screenshot, png);
    assert_eq!(opened.evidence.entries[0].kind, "report_received");
    let checked = check_with_sha256sum(&zip)?;
    for file in ["report.json: OK", "screenshot.png: OK", "evidence.json: OK"] {
        assert!(checked.contains(file), "{checked}");
    }

    // The API says it was sent, where, and what the server answered.
    let sent = sent(&member.api, &id).await?;
    assert_eq!(str_of(&sent, "sentTo"), MANAGER_EMAIL);
    assert!(str_of(&sent, "smtpReply").starts_with("250"), "{sent}");
    assert_eq!(member.api.report(&id).await?["mailStatus"], "sent");
    // Exactly one message for one report.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages()?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn a_note_added_within_the_wait_goes_in_the_email_and_a_later_one_follows_in_its_thread()
-> Result<()> {
    let smtp = SmtpServer::start()?;
    let dir = tempfile::tempdir()?;
    let member = forwarding::start(
        dir.path(),
        &Setup {
            smtp_url: Some(&smtp.url()),
            annotation_wait_secs: 120,
            ..Setup::default()
        },
    )?;
    let png = sample_png(2);
    let id = upload(&member.api, &sample_report(&png, None, None), &png).await?;
    // Held for the member's card: queued, due two minutes from now.
    let queued = member.api.report_mail(&id).await?;
    assert_eq!(str_of(&queued[0], "status"), "queued");
    let due = queued[0]["nextAttemptMs"].as_i64().unwrap_or(0);
    let now_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis(),
    )?;
    assert!(due > now_ms + 60_000, "due {due}, now {now_ms}");

    member
        .api
        .annotate(
            &id,
            &json!({"category": "harassment", "note": "Attaque contre une collègue nommée."}),
        )
        .await?;
    let first = smtp.wait_for_messages(1, DELIVERY).await?;
    let text = first[0].text_body().unwrap_or_default();
    assert!(
        text.contains("Attaque contre une collègue nommée."),
        "{text}"
    );
    assert!(
        text.contains("Harcèlement ou attaque personnelle"),
        "{text}"
    );
    let first_id = first[0].message_id().context("message id")?;
    sent(&member.api, &id).await?;

    member
        .api
        .annotate(
            &id,
            &json!({"note": "Elle a aussi été nommée dans un 2e message."}),
        )
        .await?;
    let both = smtp.wait_for_messages(2, DELIVERY).await?;
    let follow_up = &both[1];
    assert_eq!(follow_up.in_reply_to().as_deref(), Some(first_id.as_str()));
    assert_eq!(follow_up.references(), std::slice::from_ref(&first_id));
    assert!(
        follow_up
            .subject()
            .unwrap_or_default()
            .starts_with("Re: [Balise SEC-CSQ] Signalement de Marie-Ève Tremblay"),
        "{}",
        follow_up.summary()
    );
    assert!(
        follow_up
            .text_body()
            .unwrap_or_default()
            .contains("Elle a aussi été nommée dans un 2e message.")
    );
    assert!(
        follow_up.attachments().is_empty(),
        "a follow-up is short: no attachments"
    );
    assert_ne!(follow_up.message_id(), Some(first_id));
    Ok(())
}

#[tokio::test]
async fn smtp_down_when_the_report_is_stored_then_up_delivers_it_once() -> Result<()> {
    let port = free_port()?;
    let dir = tempfile::tempdir()?;
    let url = format!("smtp://127.0.0.1:{port}");
    let member = member_sending_to(dir.path(), &url)?;
    let png = sample_png(3);
    let id = upload(&member.api, &sample_report(&png, Some("other"), None), &png).await?;
    let failing = member
        .api
        .wait_for_mail(&id, "report", DELIVERY, "a failed attempt recorded", |m| {
            m["attempts"].as_i64() >= Some(1)
        })
        .await?;
    assert_eq!(str_of(&failing, "status"), "queued", "{failing}");
    assert!(!str_of(&failing, "lastError").is_empty(), "{failing}");
    let status = member.api.mail_status().await?;
    assert_eq!(status["counts"]["retrying"], 1, "{status}");

    let smtp = SmtpServer::start_on_port(port)?;
    smtp.wait_for_messages(1, DELIVERY).await?;
    sent(&member.api, &id).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(smtp.messages()?.len(), 1, "delivered once");
    Ok(())
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_and_delivered_once() -> Result<()> {
    let smtp = SmtpServer::start()?;
    smtp.set_mode("451 1")?;
    let dir = tempfile::tempdir()?;
    let member = member_sending_to(dir.path(), &smtp.url())?;
    let png = sample_png(4);
    let id = upload(&member.api, &sample_report(&png, Some("other"), None), &png).await?;
    smtp.wait_for_messages(1, DELIVERY).await?;
    let sent = sent(&member.api, &id).await?;
    assert_eq!(sent["attempts"], 2, "one 451, then 250: {sent}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(smtp.messages()?.len(), 1, "delivered once");
    Ok(())
}

#[tokio::test]
async fn a_permanent_refusal_stops_is_shown_and_is_retried_from_the_dashboard() -> Result<()> {
    let smtp = SmtpServer::start()?;
    smtp.set_mode("550")?;
    let dir = tempfile::tempdir()?;
    let member = member_sending_to(dir.path(), &smtp.url())?;
    let png = sample_png(5);
    let id = upload(&member.api, &sample_report(&png, Some("other"), None), &png).await?;
    let failed = member
        .api
        .wait_for_mail(&id, "report", DELIVERY, "the email marked failed", |m| {
            str_of(m, "status") == "failed"
        })
        .await?;
    assert!(str_of(&failed, "lastError").contains("550"), "{failed}");
    assert!(
        str_of(&failed, "lastError").contains("Rejected (test)"),
        "{failed}"
    );
    assert_eq!(failed["attempts"], 1, "a 5xx is not retried by itself");
    let dashboard = Dashboard::of(&member.process)?;
    let home = dashboard.page("/").await?;
    assert!(home.contains("data-mail-count=\"failed\""), "{home}");
    assert!(
        home.contains("Rejected (test)"),
        "the server's answer is shown"
    );
    assert!(home.contains(">Réessayer<"));
    // Nothing more is tried meanwhile.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(member.api.report_mail(&id).await?[0]["attempts"], 1);
    assert!(smtp.messages()?.is_empty());

    smtp.set_mode("ok")?;
    let mail_id = failed["id"].as_i64().context("mail id")?.to_string();
    let (status, location, body) = dashboard
        .post(
            "/",
            &format!("/mail/{mail_id}/retry"),
            &[("back", &format!("/reports/{id}"))],
        )
        .await?;
    assert_eq!(status, 303, "{body}");
    assert_eq!(
        location.as_deref(),
        Some(format!("/reports/{id}?done=retried").as_str())
    );
    smtp.wait_for_messages(1, DELIVERY).await?;
    member
        .api
        .wait_for_mail(
            &id,
            "report",
            DELIVERY,
            "the email sent after the retry",
            |m| str_of(m, "status") == "sent",
        )
        .await?;
    // A retry button pressed by a page elsewhere is refused.
    let (status, _) = member
        .api
        .send_json(
            reqwest::Method::POST,
            "/api/v1/mail/999999/retry",
            &json!({}),
        )
        .await?;
    assert_eq!(status, 404);
    Ok(())
}

#[tokio::test]
async fn a_server_that_accepts_and_never_answers_is_timed_out_and_retried() -> Result<()> {
    let hole = BlackHoleSmtp::start()?;
    let port = hole.port();
    let dir = tempfile::tempdir()?;
    let url = format!("smtp://127.0.0.1:{port}");
    let member = forwarding::start(
        dir.path(),
        &Setup {
            smtp_url: Some(&url),
            timeout_secs: 1,
            ..Setup::default()
        },
    )?;
    let png = sample_png(6);
    let id = upload(&member.api, &sample_report(&png, Some("other"), None), &png).await?;
    let failing = member
        .api
        .wait_for_mail(&id, "report", DELIVERY, "a timed-out attempt", |m| {
            m["attempts"].as_i64() >= Some(1)
        })
        .await?;
    assert_eq!(str_of(&failing, "status"), "queued");
    let error = str_of(&failing, "lastError").to_lowercase();
    assert!(
        error.contains("timed out") || error.contains("délai") || error.contains("n'a pas répondu"),
        "{failing}"
    );
    assert!(hole.connections() >= 1);
    // The queue is not held: the same port now answers, and the email goes.
    drop(hole);
    let smtp = SmtpServer::start_on_port(port)?;
    smtp.wait_for_messages(1, DELIVERY).await?;
    sent(&member.api, &id).await?;
    Ok(())
}

#[tokio::test]
async fn sigkill_right_after_the_201_loses_nothing() -> Result<()> {
    let port = free_port()?;
    let dir = tempfile::tempdir()?;
    let url = format!("smtp://127.0.0.1:{port}");
    let member = member_sending_to(dir.path(), &url)?;
    let png = sample_png(7);
    let id = upload(&member.api, &sample_report(&png, Some("other"), None), &png).await?;
    member.process.kill()?;

    let smtp = SmtpServer::start_on_port(port)?;
    let member = forwarding::restart(dir.path())?;
    let mails = smtp.wait_for_messages(1, DELIVERY).await?;
    assert_eq!(
        mails[0].message_id().as_deref(),
        Some(format!("report-{id}.manager@balise.local").as_str())
    );
    sent(&member.api, &id).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(smtp.messages()?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn sigkill_during_a_send_delivers_after_restart_with_the_same_message_id() -> Result<()> {
    let smtp = SmtpServer::start()?;
    smtp.set_mode("delay 3000")?;
    let dir = tempfile::tempdir()?;
    let member = forwarding::start(
        dir.path(),
        &Setup {
            smtp_url: Some(&smtp.url()),
            timeout_secs: 10,
            ..Setup::default()
        },
    )?;
    let png = sample_png(8);
    let id = upload(&member.api, &sample_report(&png, Some("other"), None), &png).await?;
    // The companion is in the middle of DATA (the server waits 3 s before answering).
    tokio::time::sleep(Duration::from_millis(1200)).await;
    member.process.kill()?;
    smtp.set_mode("ok")?;
    let member = forwarding::restart(dir.path())?;
    member
        .api
        .wait_for_mail(
            &id,
            "report",
            DELIVERY,
            "the email sent after restart",
            |m| str_of(m, "status") == "sent",
        )
        .await?;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mails = smtp.messages()?;
    assert!(!mails.is_empty());
    let expected = format!("report-{id}.manager@balise.local");
    for mail in &mails {
        assert_eq!(
            mail.message_id().as_deref(),
            Some(expected.as_str()),
            "a duplicate carries the same Message-ID"
        );
    }
    assert!(mails.len() <= 2, "{} copies", mails.len());
    Ok(())
}

#[tokio::test]
async fn credentials_in_the_url_are_used_and_a_wrong_password_is_shown() -> Result<()> {
    let smtp = SmtpServer::start_with(SmtpOptions {
        port: 0,
        auth: Some(("balise".into(), "s3cret pass@word".into())),
    })?;
    let dir = tempfile::tempdir()?;
    let member = forwarding::start(
        dir.path(),
        &Setup {
            smtp_url: Some(&smtp.url_with_credentials()),
            ..Setup::default()
        },
    )?;
    let png = sample_png(9);
    let id = upload(&member.api, &sample_report(&png, Some("other"), None), &png).await?;
    let mails = smtp.wait_for_messages(1, DELIVERY).await?;
    assert_eq!(mails[0].auth_login.as_deref(), Some("balise"));
    sent(&member.api, &id).await?;
    // The password never leaves: not on the settings page, not in the API.
    let settings = Dashboard::of(&member.process)?.page("/settings").await?;
    assert!(!settings.contains("s3cret"), "{settings}");
    let status = member.api.mail_status().await?;
    assert!(!status.to_string().contains("s3cret"), "{status}");
    member.process.terminate()?;

    // A wrong password: refused for good, with the server's answer.
    let wrong = smtp
        .url_with_credentials()
        .replace("s3cret%20pass%40word", "wrong");
    assert_ne!(wrong, smtp.url_with_credentials());
    let dir = tempfile::tempdir()?;
    let member = forwarding::start(
        dir.path(),
        &Setup {
            smtp_url: Some(&wrong),
            ..Setup::default()
        },
    )?;
    let id = upload(&member.api, &sample_report(&png, Some("other"), None), &png).await?;
    let failed = member
        .api
        .wait_for_mail(&id, "report", DELIVERY, "the email refused", |m| {
            str_of(m, "status") == "failed"
        })
        .await?;
    assert!(str_of(&failed, "lastError").contains("535"), "{failed}");
    assert!(!str_of(&failed, "lastError").contains("wrong"));
    Ok(())
}

#[tokio::test]
async fn with_forwarding_off_nothing_is_lost_and_the_settings_page_turns_it_on() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let member = forwarding::start(dir.path(), &Setup::default())?;
    let png = sample_png(10);
    let report = sample_report(&png, Some("misinformation"), Some("Chiffres inventés."));
    let id = upload(&member.api, &report, &png).await?;
    let status = member.api.mail_status().await?;
    assert_eq!(status["forwarding"], false, "{status}");
    assert!(
        status["missing"].to_string().contains("[smtp] url"),
        "{status}"
    );
    let dashboard = Dashboard::of(&member.process)?;
    let home = dashboard.page("/").await?;
    assert!(home.contains("data-forwarding=\"off\""));
    assert!(home.contains("Le transfert par courriel est désactivé"));

    // The report's email downloads as a draft with everything attached.
    let (content_type, eml) = member
        .api
        .get_bytes(&format!("/api/v1/reports/{id}/email"))
        .await?;
    assert_eq!(content_type, "message/rfc822");
    let draft = ReceivedMail::from_parts(1, String::new(), Vec::new(), eml.clone())?;
    assert_eq!(draft.header("X-Unsent").as_deref(), Some("1"));
    assert_eq!(
        draft.to().first().map(|a| a.address.as_str()),
        Some(MANAGER_EMAIL)
    );
    assert_eq!(
        draft.from().map(|a| a.address),
        Some("marie-eve.tremblay@csscharlevoix.test.balise.ca".to_owned())
    );
    assert_eq!(
        sha256_hex(&attachment(&draft, "image/png")?),
        sha256_hex(&png)
    );
    package::open(&attachment(&draft, "application/zip")?).map_err(|e| anyhow::anyhow!("{e}"))?;
    let page = dashboard.page(&format!("/reports/{id}")).await?;
    assert!(page.contains(&format!("/reports/{id}/email.eml")));

    // The manager's IT person sets the server on the settings page: the waiting email goes.
    let smtp = SmtpServer::start()?;
    let (code, location, body) = dashboard
        .post(
            "/settings",
            "/settings",
            &[
                ("role", "member"),
                ("smtp_url", &smtp.url()),
                ("smtp_password", ""),
                ("from", "Balise <balise@sec-csq.test.balise.ca>"),
                ("manager_email", MANAGER_EMAIL),
                ("board_email", ""),
            ],
        )
        .await?;
    assert_eq!(
        (code, location.as_deref()),
        (303, Some("/settings?done=saved")),
        "{body}"
    );
    let saved = std::fs::read_to_string(dir.path().join("balise.toml"))?;
    assert!(
        saved.contains(&smtp.url()) && saved.contains("annotation_wait_secs"),
        "{saved}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("balise.toml"))?
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let mails = smtp.wait_for_messages(1, DELIVERY).await?;
    assert_eq!(mails[0].rcpt_tos, [MANAGER_EMAIL]);
    assert_eq!(member.api.mail_status().await?["forwarding"], true);

    // The test button says what the server answered, and so does a refusal.
    let (code, _, page) = dashboard
        .post("/settings", "/settings/test", &[("to", "")])
        .await?;
    assert_eq!(code, 200);
    assert!(page.contains("data-test-result=\"ok\""), "{page}");
    assert!(page.contains("250"), "{page}");
    smtp.wait_for_messages(2, DELIVERY).await?;
    smtp.set_mode("550")?;
    let (_, _, page) = dashboard
        .post(
            "/settings",
            "/settings/test",
            &[("to", "quelquun@sec-csq.test.balise.ca")],
        )
        .await?;
    assert!(page.contains("data-test-result=\"error\""), "{page}");
    assert!(page.contains("550"), "{page}");
    Ok(())
}

#[tokio::test]
async fn wrong_settings_are_reported_and_reports_are_still_stored() -> Result<()> {
    let dir = tempfile::tempdir()?;
    forwarding::write_settings(dir.path(), &Setup::default())?;
    std::fs::write(
        dir.path().join("balise.toml"),
        "[smtp]\nurl = \"htp://mail.sec-csq.ca\"\nfrom = \"pas-une-adresse\"\n[identity]\nrole = \"chef\"\n",
    )?;
    let process = CompanionProcess::start(dir.path())?;
    let api = CompanionApi::new(
        &process.base_url,
        balise_e2e::companion::api_token(dir.path())?,
    );
    let png = sample_png(11);
    upload(&api, &sample_report(&png, None, None), &png).await?;
    let status = api.mail_status().await?;
    assert_eq!(
        status["problems"].as_array().map(Vec::len),
        Some(3),
        "{status}"
    );
    let home = Dashboard::of(&process)?.page("/").await?;
    assert!(home.contains("[smtp] url / BALISE_SMTP_URL"), "{home}");
    assert!(home.contains("smtp://hôte:port"), "the fix is named");
    assert!(home.contains("[identity] role / BALISE_ROLE"));
    let (_, printed) = process.terminate()?;
    assert!(
        printed.contains("Setting problem / Problème de réglage: [smtp] url"),
        "{printed}"
    );
    assert!(
        printed.contains("Email forwarding / Transfert par courriel: off"),
        "{printed}"
    );
    Ok(())
}

/// Runs `balise-companion import --data-dir DIR FILE`.
fn import(data_dir: &Path, file: &Path) -> Result<(bool, String)> {
    let output = std::process::Command::new(companion_binary()?)
        .args(["import", "--data-dir"])
        .arg(data_dir)
        .arg(file)
        .output()?;
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok((output.status.success(), printed))
}

#[tokio::test]
async fn the_manager_imports_a_members_email_once_and_forwards_it_to_the_board() -> Result<()> {
    // The member's companion mails the report to the manager.
    let smtp = SmtpServer::start()?;
    let member_dir = tempfile::tempdir()?;
    let member = member_sending_to(member_dir.path(), &smtp.url())?;
    let png = sample_png(12);
    let report = sample_report(
        &png,
        Some("negative-remark"),
        Some("À vérifier avant de répondre."),
    );
    let id = upload(&member.api, &report, &png).await?;
    let received = smtp.wait_for_messages(1, DELIVERY).await?;
    let eml_dir = tempfile::tempdir()?;
    let eml = eml_dir.path().join("signalement.eml");
    std::fs::write(&eml, &received[0].raw)?;

    // The manager's companion: nothing is mailed by itself.
    let manager_dir = tempfile::tempdir()?;
    forwarding::write_settings(
        manager_dir.path(),
        &Setup {
            role: "manager",
            smtp_url: Some(&smtp.url()),
            ..Setup::default()
        },
    )?;
    // A tampered package is refused and stores nothing.
    let mut zip = attachment(&received[0], "application/zip")?;
    let at = zip
        .windows(4)
        .position(|w| w == b"IDAT")
        .context("the PNG's IDAT in the stored ZIP")?;
    zip[at + 6] ^= 0x01;
    let tampered = eml_dir.path().join("altere.zip");
    std::fs::write(&tampered, &zip)?;
    let (ok, printed) = import(manager_dir.path(), &tampered)?;
    assert!(!ok, "{printed}");
    assert!(printed.contains("screenshot.png"), "{printed}");
    assert!(printed.contains("altered"), "{printed}");
    let (ok, printed) = import(manager_dir.path(), &eml)?;
    assert!(ok, "{printed}");
    assert!(
        printed.contains(&format!("Report imported: {id}")),
        "{printed}"
    );
    let (ok, printed) = import(manager_dir.path(), &eml)?;
    assert!(ok, "{printed}");
    assert!(printed.contains("Already imported"), "{printed}");

    let manager = forwarding::restart(manager_dir.path())?;
    let imported = manager.api.report(&id).await?;
    assert_eq!(imported["source"], "import");
    assert_eq!(imported["report"]["capturedAt"], report["capturedAt"]);
    assert_eq!(imported["report"]["reporter"], report["reporter"]);
    assert_eq!(imported["mail"], json!([]), "never mailed by itself");
    assert_eq!(manager.api.reports().await?.len(), 1);

    // Forwarded to the board with the verified facts.
    let facts = "Les salaires publiés par le syndicat sont ceux de la convention 2023-2028, art. 6-4.00.\nRéponse proposée : lien vers la convention.";
    let (status, body) = manager
        .api
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/forward"),
            &json!({"to": "board", "facts": facts}),
        )
        .await?;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "queued");
    let mails = smtp.wait_for_messages(2, DELIVERY).await?;
    let board = &mails[1];
    assert_eq!(board.rcpt_tos, [BOARD_EMAIL]);
    assert_eq!(
        board.message_id().as_deref(),
        body["messageId"]
            .as_str()
            .map(|m| m.trim_matches(|c| c == '<' || c == '>'))
    );
    let subject = board.subject().unwrap_or_default();
    assert!(
        subject.contains("Pour le conseil d'administration") && subject.contains("For the board"),
        "{subject}"
    );
    let text = board.text_body().unwrap_or_default();
    assert!(text.contains("art. 6-4.00"), "{text}");
    assert!(
        text.contains(&format!("Faits vérifiés par {MANAGER_NAME}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("Facts verified by {MANAGER_NAME}")),
        "{text}"
    );
    assert!(
        board
            .html_body()
            .unwrap_or_default()
            .contains("art. 6-4.00")
    );
    assert_eq!(
        sha256_hex(&attachment(board, "image/png")?),
        sha256_hex(&png)
    );
    let package = package::open(&attachment(board, "application/zip")?)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let forward = package
        .forward
        .context("forward.json in the board's package")?;
    assert_eq!(forward.manager_name, MANAGER_NAME);
    assert!(forward.facts.contains("art. 6-4.00"));
    let kinds: Vec<&str> = package
        .evidence
        .entries
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds, ["report_imported", "report_forwarded"]);
    assert!(board.header("X-Balise-Chain-Head").is_some());

    // A member's companion does not forward to the board.
    let (status, body) = member
        .api
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/forward"),
            &json!({"to": "board", "facts": "x"}),
        )
        .await?;
    assert_eq!(
        (status, str_of(&body["error"], "code")),
        (409, "not_manager")
    );
    // Facts are required.
    let (status, body) = manager
        .api
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/forward"),
            &json!({"to": "board", "facts": "  "}),
        )
        .await?;
    assert_eq!(
        (status, str_of(&body["error"], "code")),
        (422, "invalid_forward")
    );
    Ok(())
}
