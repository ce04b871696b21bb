//! The emails themselves: subject and body in French then English, plain text with an HTML
//! alternative, the screenshot and the evidence package attached.

use std::fmt::Write;

use balise_core::package::{ChainHead, Forward, PackagedAnnotation};
use balise_core::report::{ReportCategory, ReportV1};
use lettre::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};

use crate::html::escape;
use crate::store::mail::MailKind;

/// Everything an email says.
#[derive(Debug, Clone)]
pub struct LetterInput {
    /// What the email is.
    pub kind: MailKind,
    /// The report as received.
    pub report: ReportV1,
    /// When the companion stored (or imported) it (UTC, as stored).
    pub received_at: String,
    /// Whether it was imported from a member's package.
    pub imported: bool,
    /// Annotations carried (all for a report or forward; the new one for a follow-up).
    pub annotations: Vec<PackagedAnnotation>,
    /// The manager's note for the board (forwards).
    pub forward: Option<Forward>,
    /// SHA-256 of the screenshot.
    pub screenshot_sha256: String,
    /// The report's evidence entry.
    pub evidence_seq: i64,
    /// The chain head when the email was made.
    pub chain_head: Option<ChainHead>,
    /// The organization's short name (`SEC-CSQ`).
    pub organization: String,
    /// A summary inside an exported package rather than an email.
    pub summary: bool,
}

/// A composed email, before addressing.
#[derive(Debug, Clone)]
pub struct Letter {
    /// Subject (French / English).
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML alternative.
    pub html: String,
}

/// Files attached to an email.
#[derive(Debug, Clone)]
pub struct Attachments {
    /// The screenshot PNG.
    pub screenshot: Vec<u8>,
    /// The evidence package ZIP.
    pub package: Vec<u8>,
}

pub(super) fn category_label(category: ReportCategory) -> (String, String) {
    let label = category.label();
    (label.fr.to_string(), label.en.to_string())
}

/// The latest category and note: from the newest annotation that has one, else the report's.
fn current(input: &LetterInput) -> (Option<ReportCategory>, Option<String>) {
    current_of(&input.report, &input.annotations)
}

/// A report's latest category and note, given its annotations (oldest first).
pub(super) fn current_of(
    report: &ReportV1,
    annotations: &[PackagedAnnotation],
) -> (Option<ReportCategory>, Option<String>) {
    let category = annotations
        .iter()
        .rev()
        .find_map(|a| a.annotation.category)
        .or(report.category);
    let note = annotations
        .iter()
        .rev()
        .find_map(|a| a.annotation.note.clone())
        .or_else(|| report.note.clone());
    (category, note)
}

/// The site's name: the adapter's when known, else the page's host.
pub(super) fn site_name(report: &ReportV1) -> String {
    if let Some(adapter) = report
        .site
        .as_deref()
        .and_then(balise_core::sites::by_id)
        .filter(|adapter| !adapter.is_generic())
    {
        return adapter.name.to_owned();
    }
    url::Url::parse(&report.page_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| report.page_url.clone())
}

/// An instant as people in Quebec read it, with UTC beside it.
pub fn display_instant(stamp: &str) -> (String, String) {
    let utc = crate::html::display_time(stamp);
    match eastern(stamp) {
        Some((date, offset)) => (
            format!("{date} (heure de l'Est, UTC{offset}) — {utc}"),
            format!("{date} (Eastern time, UTC{offset}) — {utc}"),
        ),
        None => (utc.clone(), utc),
    }
}

/// North American Eastern time (the Quebec offset): UTC−5, or UTC−4 from the second Sunday
/// of March 2:00 to the first Sunday of November 2:00 local.
fn eastern(stamp: &str) -> Option<(String, &'static str)> {
    use time::format_description::well_known::Rfc3339;
    let at = time::OffsetDateTime::parse(stamp, &Rfc3339).ok()?;
    let at = at.to_offset(time::UtcOffset::UTC);
    let year = at.year();
    let nth_sunday = |month: time::Month, n: u8| -> Option<time::Date> {
        let first = time::Date::from_calendar_date(year, month, 1).ok()?;
        let to_sunday = (7 - first.weekday().number_days_from_sunday()) % 7;
        first.checked_add(time::Duration::days(
            i64::from(to_sunday) + 7 * i64::from(n - 1),
        ))
    };
    // 2:00 local standard time is 7:00 UTC in March; 2:00 daylight time is 6:00 UTC in November.
    let dst_start = nth_sunday(time::Month::March, 2)?
        .with_hms(7, 0, 0)
        .ok()?
        .assume_utc();
    let dst_end = nth_sunday(time::Month::November, 1)?
        .with_hms(6, 0, 0)
        .ok()?
        .assume_utc();
    let (hours, label) = if at >= dst_start && at < dst_end {
        (-4, "−4")
    } else {
        (-5, "−5")
    };
    let local = at.to_offset(time::UtcOffset::from_hms(hours, 0, 0).ok()?);
    let text = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    );
    Some((text, label))
}

/// The subject of a report's first email, the one follow-ups answer with `Re:`.
fn report_subject(input: &LetterInput) -> String {
    let who = &input.report.reporter.name;
    let site = site_name(&input.report);
    format!(
        "[Balise {org}] Signalement de {who} ({site}) / Report from {who} ({site})",
        org = input.organization
    )
}

/// Subject, text and HTML of an email.
pub fn compose(input: &LetterInput) -> Letter {
    let subject = match input.kind {
        MailKind::Report => report_subject(input),
        MailKind::FollowUp => format!("Re: {}", report_subject(input)),
        MailKind::Forward => format!(
            "[Balise {org}] Pour le conseil d'administration : signalement de {who} ({site}) / For the board: report from {who} ({site})",
            org = input.organization,
            who = input.report.reporter.name,
            site = site_name(&input.report),
        ),
    };
    let rows = rows(input);
    Letter {
        text: text_body(input, &rows),
        html: html_body(input, &rows, &subject),
        subject,
    }
}

/// One line of the summary table: label in French, label in English, value.
struct Row {
    fr: &'static str,
    en: &'static str,
    /// The value in French.
    value_fr: String,
    /// The value in English (often the same).
    value_en: String,
    /// Shown as a link.
    link: bool,
    /// Shown in a monospace font.
    code: bool,
}

fn row(fr: &'static str, en: &'static str, value: String) -> Row {
    Row {
        fr,
        en,
        value_en: value.clone(),
        value_fr: value,
        link: false,
        code: false,
    }
}

fn rows(input: &LetterInput) -> Vec<Row> {
    let report = &input.report;
    let (category, note) = current(input);
    let (captured_fr, captured_en) = display_instant(&report.captured_at);
    let mut rows = Vec::new();
    rows.push(row(
        "Signalé par",
        "Reported by",
        format!("{} <{}>", report.reporter.name, report.reporter.email),
    ));
    rows.push(Row {
        value_fr: captured_fr,
        value_en: captured_en,
        ..row("Capturé le", "Captured", String::new())
    });
    rows.push(row("Site", "Site", site_name(report)));
    if !report.page_title.trim().is_empty() {
        rows.push(row(
            "Titre de la page",
            "Page title",
            report.page_title.clone(),
        ));
    }
    rows.push(Row {
        link: true,
        ..row("Page (URL)", "Page (URL)", report.page_url.clone())
    });
    let (category_fr, category_en) = match category {
        Some(category) => category_label(category),
        None => ("(aucune)".to_owned(), "(none)".to_owned()),
    };
    rows.push(Row {
        value_fr: category_fr,
        value_en: category_en,
        ..row("Catégorie", "Category", String::new())
    });
    match note {
        Some(note) => rows.push(row("Note", "Note", note)),
        None => rows.push(Row {
            value_fr: "(aucune)".to_owned(),
            value_en: "(none)".to_owned(),
            ..row("Note", "Note", String::new())
        }),
    }
    if let Some(selected) = report
        .selected_text
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        rows.push(row(
            "Texte sélectionné",
            "Selected text",
            selected.to_owned(),
        ));
    }
    rows.push(Row {
        code: true,
        ..row(
            "SHA-256 de la capture",
            "Screenshot SHA-256",
            input.screenshot_sha256.clone(),
        )
    });
    rows.push(Row {
        code: true,
        ..row("Identifiant du signalement", "Report id", report.id.clone())
    });
    let (received_fr, received_en) = display_instant(&input.received_at);
    rows.push(Row {
        value_fr: if input.imported {
            format!(
                "importé le {received_fr}, entrée {} du journal",
                input.evidence_seq
            )
        } else {
            format!("{received_fr}, entrée {} du journal", input.evidence_seq)
        },
        value_en: if input.imported {
            format!("imported {received_en}, log entry {}", input.evidence_seq)
        } else {
            format!("{received_en}, log entry {}", input.evidence_seq)
        },
        ..row("Enregistré", "Stored", String::new())
    });
    if let Some(head) = &input.chain_head {
        rows.push(Row {
            code: true,
            ..row(
                "Tête de la chaîne de preuves",
                "Evidence chain head",
                format!("#{} {}", head.seq, head.entry_hash),
            )
        });
    }
    rows
}

const HONEST_FR: &str = "Ce que prouve cette preuve : la capture et le signalement n'ont pas changé depuis leur \
réception par le compagnon Balise (empreintes SHA-256, journal enchaîné). Ce qu'elle ne prouve pas : la capture \
est faite sur l'ordinateur de la personne qui signale, et une page peut être modifiée avant d'être capturée. \
Vérifiez les faits à la source avant d'y répondre.";
const HONEST_EN: &str = "What this evidence proves: the screenshot and the report have not changed since the \
Balise companion received them (SHA-256 digests, chained log). What it does not prove: the capture was made on \
the reporter's own computer, and a page can be edited before it is captured. Check the facts at their source \
before answering.";
const VERIFY_FR: &str = "Pièces jointes : la capture (PNG) et le paquet de preuves (ZIP). Pour vérifier le paquet : \
décompressez-le puis, dans son dossier, « sha256sum -c manifest.sha256 ».";
const VERIFY_EN: &str = "Attached: the screenshot (PNG) and the evidence package (ZIP). To check the package: \
unzip it, then in its folder run \"sha256sum -c manifest.sha256\".";

fn intro(input: &LetterInput) -> (String, String) {
    let who = &input.report.reporter.name;
    let site = site_name(&input.report);
    if input.summary {
        return (
            format!(
                "Signalement fait par {who} sur {site}, exporté du compagnon Balise du {org} avec ses preuves.",
                org = input.organization
            ),
            format!(
                "Report made by {who} on {site}, exported from the {org} Balise companion with its evidence.",
                org = input.organization
            ),
        );
    }
    match input.kind {
        MailKind::Report => (
            format!(
                "{who} signale une publication sur {site} à la personne gestionnaire de contenu, \
                 comme le prévoit la politique d'utilisation des médias sociaux du {org}. \
                 Pour la garder dans vos traces ou la transférer au conseil d'administration, \
                 enregistrez ce courriel (.eml) et déposez-le sur le tableau de bord de votre \
                 compagnon Balise.",
                org = input.organization
            ),
            format!(
                "{who} reports a post on {site} to the content manager, as the {org} social media \
                 policy provides. To keep it in your records or forward it to the board, save \
                 this email (.eml) and drop it on the dashboard of your Balise companion.",
                org = input.organization
            ),
        ),
        MailKind::FollowUp => (
            format!("{who} a ajouté une précision à son signalement."),
            format!("{who} added to their report."),
        ),
        MailKind::Forward => {
            let manager = input
                .forward
                .as_ref()
                .map_or("La personne gestionnaire de contenu", |f| {
                    f.manager_name.as_str()
                });
            (
                format!(
                    "{manager}, gestionnaire de contenu, transmet ce signalement au conseil \
                     d'administration avec les faits vérifiés, pour qu'il puisse recadrer le débat."
                ),
                format!(
                    "{manager}, content manager, forwards this report to the board of directors \
                     with the verified facts, so that it can answer with them."
                ),
            )
        }
    }
}

fn text_body(input: &LetterInput, rows: &[Row]) -> String {
    let (intro_fr, intro_en) = intro(input);
    let mut text = String::new();
    let facts = input.forward.as_ref();
    for french in [true, false] {
        if !french {
            text.push_str("\n----------------------------------------------------------------\n");
            text.push_str("English follows the French / Le français précède l'anglais\n\n");
        }
        text.push_str(if french { &intro_fr } else { &intro_en });
        text.push_str("\n\n");
        if let Some(forward) = facts {
            let _ = writeln!(
                text,
                "{}\n{}\n",
                if french {
                    format!("Faits vérifiés par {} :", forward.manager_name)
                } else {
                    format!("Facts verified by {}:", forward.manager_name)
                },
                indent(&forward.facts)
            );
        }
        // French typography puts a space before the colon.
        let colon = if french { " :" } else { ":" };
        if input.kind == MailKind::FollowUp {
            for annotation in &input.annotations {
                if let Some(category) = annotation.annotation.category {
                    let (fr, en) = category_label(category);
                    let _ = writeln!(
                        text,
                        "{}{colon} {}",
                        if french { "Catégorie" } else { "Category" },
                        if french { fr } else { en }
                    );
                }
                if let Some(note) = &annotation.annotation.note {
                    let _ = writeln!(text, "Note{colon} {note}");
                }
            }
            text.push('\n');
        }
        for row in rows {
            let label = if french { row.fr } else { row.en };
            let value = if french { &row.value_fr } else { &row.value_en };
            if value.contains('\n') {
                let _ = writeln!(text, "{label}{colon}\n{}", indent(value));
            } else {
                let _ = writeln!(text, "{label}{colon} {value}");
            }
        }
        if input.kind != MailKind::FollowUp {
            text.push('\n');
            text.push_str(if french { VERIFY_FR } else { VERIFY_EN });
            text.push_str("\n\n");
            text.push_str(if french { HONEST_FR } else { HONEST_EN });
        }
        text.push('\n');
    }
    text.push_str("\n-- \nBalise — compagnon local / local companion\n");
    text
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// HTML for mail clients: tables and inline styles (Outlook ignores most CSS), every value escaped.
fn html_body(input: &LetterInput, rows: &[Row], subject: &str) -> String {
    let (intro_fr, intro_en) = intro(input);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"margin:0;padding:0;background:#f5f7fa;\">\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f5f7fa;\">\
         <tr><td align=\"center\" style=\"padding:16px;\">\
         <table role=\"presentation\" width=\"640\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:640px;width:100%;background:#ffffff;border:1px solid #dde2ea;font-family:Segoe UI,Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5;color:#1d2433;\">\
         <tr><td style=\"background:#13294b;color:#ffffff;padding:12px 18px;font-size:18px;font-weight:bold;\">Balise <span style=\"font-size:12px;font-weight:normal;\">{}</span></td></tr>",
        escape(subject),
        escape(&input.organization)
    );
    for french in [true, false] {
        let lang = if french { "fr" } else { "en" };
        let _ = write!(
            html,
            "<tr><td lang=\"{lang}\" style=\"padding:16px 18px 4px;{}\">",
            if french {
                ""
            } else {
                "border-top:2px solid #dde2ea;"
            }
        );
        if !french {
            html.push_str(
                "<p style=\"margin:0 0 8px;color:#5b6475;font-size:12px;\">English follows the French / Le français précède l'anglais</p>",
            );
        }
        let _ = write!(
            html,
            "<p style=\"margin:0 0 12px;\">{}</p>",
            escape(if french { &intro_fr } else { &intro_en })
        );
        if let Some(forward) = &input.forward {
            let _ = write!(
                html,
                "<div style=\"margin:0 0 14px;padding:10px 12px;background:#fff8e6;border-left:4px solid #9a6700;\">\
                 <div style=\"font-weight:bold;margin-bottom:4px;\">{}</div><div style=\"white-space:pre-wrap;\">{}</div></div>",
                escape(&if french {
                    format!("Faits vérifiés par {} :", forward.manager_name)
                } else {
                    format!("Facts verified by {}:", forward.manager_name)
                }),
                escape(&forward.facts)
            );
        }
        if input.kind == MailKind::FollowUp {
            for annotation in &input.annotations {
                html.push_str("<div style=\"margin:0 0 14px;padding:10px 12px;background:#eef4fb;border-left:4px solid #0b5cad;\">");
                if let Some(category) = annotation.annotation.category {
                    let (fr, en) = category_label(category);
                    let _ = write!(
                        html,
                        "<div><b>{}</b> {}</div>",
                        if french { "Catégorie :" } else { "Category:" },
                        escape(if french { &fr } else { &en })
                    );
                }
                if let Some(note) = &annotation.annotation.note {
                    let _ = write!(
                        html,
                        "<div style=\"white-space:pre-wrap;\"><b>Note{}</b> {}</div>",
                        if french { " :" } else { ":" },
                        escape(note)
                    );
                }
                html.push_str("</div>");
            }
        }
        html.push_str("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;\">");
        for row in rows {
            let value = if french { &row.value_fr } else { &row.value_en };
            let shown = if row.link {
                format!(
                    "<a href=\"{url}\" style=\"color:#0b5cad;word-break:break-all;\">{url}</a>",
                    url = escape(value)
                )
            } else if row.code {
                format!(
                    "<span style=\"font-family:Consolas,Menlo,monospace;font-size:12px;word-break:break-all;\">{}</span>",
                    escape(value)
                )
            } else {
                format!(
                    "<span style=\"white-space:pre-wrap;\">{}</span>",
                    escape(value)
                )
            };
            let _ = write!(
                html,
                "<tr><td valign=\"top\" style=\"padding:5px 10px 5px 0;border-bottom:1px solid #eef0f4;color:#5b6475;width:34%;\">{}</td>\
                 <td valign=\"top\" style=\"padding:5px 0;border-bottom:1px solid #eef0f4;\">{shown}</td></tr>",
                escape(if french { row.fr } else { row.en })
            );
        }
        html.push_str("</table>");
        if input.kind != MailKind::FollowUp {
            let _ = write!(
                html,
                "<p style=\"margin:12px 0 6px;\">{}</p><p style=\"margin:0 0 12px;color:#5b6475;font-size:12.5px;\">{}</p>",
                escape(if french { VERIFY_FR } else { VERIFY_EN }),
                escape(if french { HONEST_FR } else { HONEST_EN })
            );
        }
        html.push_str("</td></tr>");
    }
    html.push_str(
        "<tr><td style=\"padding:10px 18px;color:#5b6475;font-size:12px;border-top:1px solid #dde2ea;\">Balise — compagnon local / local companion</td></tr>\
         </table></td></tr></table></body></html>",
    );
    html
}

/// `X-Unsent: 1`: Outlook opens such a file as a draft to send.
#[derive(Debug, Clone, Copy)]
struct XUnsent;

impl Header for XUnsent {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Unsent")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "1".to_owned())
    }
}

/// A header with a fixed name and a text value.
macro_rules! text_header {
    ($type:ident, $name:literal) => {
        #[derive(Debug, Clone)]
        struct $type(String);

        impl Header for $type {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }
            fn parse(value: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok(Self(value.to_owned()))
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(AutoSubmitted, "Auto-Submitted");
text_header!(ReportIdHeader, "X-Balise-Report-Id");
text_header!(ChainHeadHeader, "X-Balise-Chain-Head");
text_header!(ScreenshotHeader, "X-Balise-Screenshot-Sha256");

/// Addressing of an email.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// `From`.
    pub from: Mailbox,
    /// `To`.
    pub to: &'a [Mailbox],
    /// `Reply-To`, if any (the reporter, for the manager's email).
    pub reply_to: Option<Mailbox>,
    /// `Message-ID`.
    pub message_id: &'a str,
    /// `In-Reply-To` and `References`.
    pub in_reply_to: Option<&'a str>,
    /// A draft for the person's own mail program (`X-Unsent: 1`, no `Auto-Submitted`).
    pub draft: bool,
}

/// A complete message, ready to send or to save as `.eml`.
pub fn message(
    input: &LetterInput,
    letter: &Letter,
    envelope: &Envelope<'_>,
    attachments: Option<&Attachments>,
) -> Result<Message, lettre::error::Error> {
    let mut builder = Message::builder()
        .from(envelope.from.clone())
        .subject(letter.subject.clone())
        .message_id(Some(envelope.message_id.to_owned()))
        .date_now()
        .header(ReportIdHeader(input.report.id.clone()))
        .header(ScreenshotHeader(input.screenshot_sha256.clone()));
    for to in envelope.to {
        builder = builder.to(to.clone());
    }
    if let Some(reply_to) = &envelope.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    if let Some(parent) = envelope.in_reply_to {
        builder = builder
            .in_reply_to(parent.to_owned())
            .references(parent.to_owned());
    }
    if let Some(head) = &input.chain_head {
        builder = builder.header(ChainHeadHeader(format!("{} {}", head.seq, head.entry_hash)));
    }
    builder = if envelope.draft {
        builder.header(XUnsent)
    } else {
        builder.header(AutoSubmitted("auto-generated".to_owned()))
    };
    let body = MultiPart::alternative_plain_html(letter.text.clone(), letter.html.clone());
    let short = input.report.id.get(..8).unwrap_or(&input.report.id);
    let message = match attachments {
        Some(files) => {
            let png = ContentType::parse("image/png").map_err(|_| {
                lettre::error::Error::Io(std::io::Error::other("content type image/png"))
            })?;
            let zip = ContentType::parse("application/zip").map_err(|_| {
                lettre::error::Error::Io(std::io::Error::other("content type application/zip"))
            })?;
            builder.multipart(
                MultiPart::mixed()
                    .multipart(body)
                    .singlepart(
                        Attachment::new(format!("capture-{short}.png"))
                            .body(files.screenshot.clone(), png),
                    )
                    .singlepart(
                        Attachment::new(format!("balise-preuves-evidence-{short}.zip"))
                            .body(files.package.clone(), zip),
                    ),
            )
        }
        None => builder.multipart(body),
    };
    message.map_err(|error| lettre::error::Error::Io(std::io::Error::other(error.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eastern_time_follows_daylight_saving() {
        assert_eq!(
            eastern("2026-12-03T14:05:12.000000Z"),
            Some(("2026-12-03 09:05".into(), "−5"))
        );
        assert_eq!(
            eastern("2026-07-01T14:05:12.000Z"),
            Some(("2026-07-01 10:05".into(), "−4"))
        );
        // 2026: daylight time from 8 March 07:00 UTC to 1 November 06:00 UTC.
        assert_eq!(eastern("2026-03-08T06:59:00Z").map(|e| e.1), Some("−5"));
        assert_eq!(eastern("2026-03-08T07:00:00Z").map(|e| e.1), Some("−4"));
        assert_eq!(eastern("2026-11-01T05:59:00Z").map(|e| e.1), Some("−4"));
        assert_eq!(eastern("2026-11-01T06:00:00Z").map(|e| e.1), Some("−5"));
        assert_eq!(eastern("not a time"), None);
    }
}
