//! The emails themselves: subject and body in French then English, plain text with an HTML
//! alternative, the screenshot and the evidence package attached.

use balise_core::package::{ChainHead, Forward, PackagedAnnotation};
use balise_core::report::{ReportCategory, ReportV1};

use crate::store::mail::MailKind;

mod html;
mod instant;
mod message;
mod text;

pub use instant::display_instant;
pub use message::{Envelope, message};

use html::html_body;
use text::text_body;

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
pub(super) struct Row {
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

pub(super) fn intro(input: &LetterInput) -> (String, String) {
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
