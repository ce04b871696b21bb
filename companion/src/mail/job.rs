//! What an email says: a queued email's report, evidence and attachments read from the
//! store, built into a message, and the `.eml` draft a person sends from their own mail
//! program.

use balise_core::package::{self, Forward, PackagedAnnotation};
use balise_core::report::ReportV1;
use lettre::Message;
use lettre::message::Mailbox;

use super::letter::{self, Attachments, Envelope, LetterInput};
use super::{Mailer, Role};
use crate::error::{Error, Result};
use crate::store::mail::{self as queue, MailKind, MailRecord, Recipient};
use crate::store::{forwards, now_utc, packages};

/// What an email says, read from the store.
pub(super) struct Job {
    /// The queue's row.
    pub(super) mail: MailRecord,
    input: LetterInput,
    attachments: Option<Attachments>,
    /// The latest annotation the email includes (a report's first email only).
    pub(super) included_seq: Option<i64>,
}

impl Mailer {
    /// Reads what email `id` says.
    pub(super) async fn job(&self, id: i64) -> Result<Option<Job>> {
        let organization = self.inner.organization.clone();
        self.inner
            .store
            .read(move |tx| {
                let Some(mail) = queue::get(tx, id)? else {
                    return Ok(None);
                };
                let now = now_utc();
                let forward_seq = (mail.kind == MailKind::Forward)
                    .then_some(mail.about_seq)
                    .flatten();
                let contents = packages::package_contents(tx, &mail.report_id, forward_seq, &now)?;
                let (received_at, imported) = packages::provenance(tx, &mail.report_id)?;
                Ok(Some(job_from(
                    mail,
                    contents,
                    received_at,
                    imported,
                    organization,
                )?))
            })
            .await
    }

    pub(super) async fn build(
        &self,
        job: &Job,
        from: Mailbox,
        to: &[Mailbox],
        draft: bool,
    ) -> std::result::Result<Message, String> {
        let input = job.input.clone();
        let attachments = job.attachments.clone();
        let message_id = job.mail.message_id.clone();
        let in_reply_to = job.mail.in_reply_to.clone();
        let to = to.to_vec();
        let reply_to = match job.mail.to {
            Recipient::Manager => format!(
                "{} <{}>",
                input.report.reporter.name, input.report.reporter.email
            )
            .parse::<Mailbox>()
            .ok(),
            Recipient::Board => None,
        };
        tokio::task::spawn_blocking(move || {
            let letter = letter::compose(&input);
            letter::message(
                &input,
                &letter,
                &Envelope {
                    from,
                    to: &to,
                    reply_to,
                    message_id: &message_id,
                    in_reply_to: in_reply_to.as_deref(),
                    draft,
                },
                attachments.as_ref(),
            )
            .map_err(|error| error.to_string())
        })
        .await
        .map_err(|error| error.to_string())?
    }

    /// A report's email as a `.eml` draft to send from one's own mail program: to the
    /// manager on a member's companion, to the board (with the latest forward) on the manager's.
    pub async fn draft(&self, report_id: &str, policy_manager_email: &str) -> Result<Vec<u8>> {
        let settings = self.settings();
        let organization = self.inner.organization.clone();
        let id = report_id.to_owned();
        let role = settings.role;
        let job = self
            .inner
            .store
            .read(move |tx| {
                let now = now_utc();
                let (received_at, imported) = packages::provenance(tx, &id)?;
                let forward = match role {
                    Role::Manager => forwards::latest_forward(tx, &id)?,
                    Role::Member => None,
                };
                let (kind, to, about_seq, message_id) = match &forward {
                    Some(forward) => (
                        MailKind::Forward,
                        Recipient::Board,
                        Some(forward.evidence_seq),
                        queue::forward_message_id(&id, forward.evidence_seq),
                    ),
                    None => (
                        MailKind::Report,
                        match role {
                            Role::Member => Recipient::Manager,
                            Role::Manager => Recipient::Board,
                        },
                        None,
                        queue::report_message_id(&id, Recipient::Manager),
                    ),
                };
                let mail = MailRecord {
                    id: 0,
                    report_id: id.clone(),
                    kind,
                    to,
                    status: "queued".into(),
                    message_id,
                    in_reply_to: None,
                    about_seq,
                    queued_at: now.clone(),
                    attempts: 0,
                    last_attempt_at: None,
                    last_error: None,
                    next_attempt_ms: None,
                    sent_at: None,
                    sent_to: None,
                    smtp_reply: None,
                    included_seq: None,
                };
                let contents = packages::package_contents(tx, &id, about_seq, &now)?;
                job_from(mail, contents, received_at, imported, organization)
            })
            .await?;
        let mut to = settings.recipients(job.mail.to).to_vec();
        if to.is_empty()
            && let Ok(fallback) = policy_manager_email.parse::<Mailbox>()
        {
            // A template address the person will correct in their mail program.
            to.push(fallback);
        }
        let from = match (role, &settings.from) {
            (Role::Member, _) => format!(
                "{} <{}>",
                job.input.report.reporter.name, job.input.report.reporter.email
            )
            .parse::<Mailbox>()
            .ok(),
            (Role::Manager, Some(from)) => Some(from.clone()),
            (Role::Manager, None) => policy_manager_email.parse::<Mailbox>().ok(),
        };
        let from = from.ok_or_else(|| Error::internal("no sender address for the draft"))?;
        if to.is_empty() {
            to.push(from.clone());
        }
        let message = self
            .build(&job, from, &to, true)
            .await
            .map_err(Error::internal)?;
        Ok(message.formatted())
    }
}

/// What an email about a report says, from the report's package contents.
pub(crate) fn letter_input(
    kind: MailKind,
    about_seq: Option<i64>,
    contents: &package::PackageContents,
    received_at: String,
    imported: bool,
    organization: String,
) -> Result<LetterInput> {
    let corrupted = |detail: String| Error::EvidenceCorrupted {
        subject: contents.evidence.report_id.clone(),
        detail,
    };
    let report: ReportV1 = serde_json::from_str(&contents.report_json)
        .map_err(|error| corrupted(format!("stored report JSON does not parse: {error}")))?;
    let forward: Option<Forward> = contents
        .forward_json
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|error| corrupted(format!("stored forward does not parse: {error}")))?;
    let annotations: Vec<PackagedAnnotation> = match kind {
        MailKind::FollowUp => contents
            .annotations
            .iter()
            .filter(|a| Some(a.evidence_seq) == about_seq)
            .cloned()
            .collect(),
        _ => contents.annotations.clone(),
    };
    let evidence_seq = contents
        .evidence
        .entries
        .first()
        .map_or(0, |entry| entry.seq);
    Ok(LetterInput {
        kind,
        screenshot_sha256: report.screenshot_sha256.clone(),
        report,
        received_at,
        imported,
        annotations,
        forward,
        evidence_seq,
        chain_head: contents.evidence.chain_head.clone(),
        organization,
        summary: false,
    })
}

fn job_from(
    mail: MailRecord,
    contents: package::PackageContents,
    received_at: String,
    imported: bool,
    organization: String,
) -> Result<Job> {
    let input = letter_input(
        mail.kind,
        mail.about_seq,
        &contents,
        received_at,
        imported,
        organization,
    )?;
    let included_seq = contents.annotations.iter().map(|a| a.evidence_seq).max();
    let attachments = match mail.kind {
        MailKind::FollowUp => None,
        _ => Some(Attachments {
            package: package::build(&contents)
                .map_err(|error| Error::internal(error.to_string()))?,
            screenshot: contents.screenshot.clone(),
        }),
    };
    Ok(Job {
        included_seq: (mail.kind == MailKind::Report)
            .then_some(included_seq)
            .flatten(),
        mail,
        input,
        attachments,
    })
}
