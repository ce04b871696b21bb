//! Email forwarding: the worker that sends the queue through the organization's SMTP server.
//!
//! Rows are written to `mail_queue` in the same transaction as what they report
//! (`store::mail`); the [`Mailer`] sends every due row, a few at a time, with a timeout on
//! the whole exchange (lettre's own covers only the connection and each command).
//! Accepted (250): `sent`, with the address and the server's reply. Refused for good (5xx,
//! authentication): `failed`, shown on the dashboard with the server's answer, until
//! someone retries. Anything else (connection refused, timeout, 4xx): retried with
//! exponential backoff and jitter, forever. The `Message-ID` is fixed when the row is
//! queued, so an email sent again after a crash is recognizable as the same one.

pub mod config;
pub mod export;
pub mod letter;
pub mod selection;

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use balise_core::package::{self, Forward, PackagedAnnotation};
use balise_core::report::ReportV1;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::error::{Error, Result};
use crate::store::mail::{self as queue, MailKind, MailRecord, Recipient};
use crate::store::{Store, forwards, now_ms, now_utc, packages};
pub use config::{MailSettings, Role};
use letter::{Attachments, Envelope, LetterInput};

/// Emails sent at the same time, at most. lettre writes a message's final `\r\n.\r\n` as
/// a write of its own on a socket without `TCP_NODELAY`, so each message waits about 40 ms
/// for the server's delayed ACK: sending several at once keeps a burst of reports moving
/// (`cargo bench -p balise-e2e --bench mail`: 100 at once, p95 about 1 s with 4, 0.5 s with 8).
const PARALLEL_SENDS: usize = 8;
/// First retry delay; it doubles with each failure.
const FIRST_RETRY: Duration = Duration::from_secs(2);
/// Longest delay between two attempts.
const MAX_RETRY: Duration = Duration::from_secs(600);
/// How often the worker looks at the queue when nothing wakes it.
const IDLE_CHECK: Duration = Duration::from_secs(30);

/// Sends the queue; cheap to clone. The settings it reads can change while it runs (the
/// dashboard's settings page), so each send reads them afresh.
#[derive(Debug, Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    settings: RwLock<MailSettings>,
    organization: String,
    manager_name: String,
    wake: Notify,
    transport: Mutex<Option<(String, Duration, AsyncSmtpTransport<Tokio1Executor>)>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("organization", &self.organization)
            .finish_non_exhaustive()
    }
}

/// What an email says, read from the store.
struct Job {
    mail: MailRecord,
    input: LetterInput,
    attachments: Option<Attachments>,
    included_seq: Option<i64>,
}

impl Mailer {
    /// A mailer over `store` with these settings; `organization` and `manager_name` come
    /// from the policy.
    pub fn new(
        store: Store,
        settings: MailSettings,
        organization: &str,
        manager_name: &str,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                settings: RwLock::new(settings),
                organization: organization.to_owned(),
                manager_name: manager_name.to_owned(),
                wake: Notify::new(),
                transport: Mutex::new(None),
            }),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> MailSettings {
        self.inner
            .settings
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the settings (after the settings page saved them) and looks at the queue again.
    pub fn replace_settings(&self, settings: MailSettings) {
        *self
            .inner
            .settings
            .write()
            .unwrap_or_else(PoisonError::into_inner) = settings;
        self.wake();
    }

    /// The content manager's name (from the policy).
    pub fn manager_name(&self) -> &str {
        &self.inner.manager_name
    }

    /// Something was queued or changed: look at the queue now.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Sends due emails until `stopping` resolves, then lets the sends in progress finish
    /// (at most `grace`).
    pub async fn run(self, stopping: impl Future<Output = ()>, grace: Duration) {
        let mut sends: JoinSet<i64> = JoinSet::new();
        let mut busy: Vec<i64> = Vec::new();
        tokio::pin!(stopping);
        loop {
            let settings = self.settings();
            let roles = sendable_roles(&settings);
            let mut next_due = None;
            if !roles.is_empty() {
                let room = PARALLEL_SENDS.saturating_sub(busy.len());
                let (now, busy_now, roles_now) = (now_ms(), busy.clone(), roles.clone());
                let looked = self
                    .inner
                    .store
                    .read(move |tx| -> Result<_> {
                        let due = if room > 0 {
                            queue::due(tx, &roles_now, now, &busy_now, room)?
                        } else {
                            Vec::new()
                        };
                        Ok((due, queue::next_due_ms(tx, &roles_now)?))
                    })
                    .await;
                match looked {
                    Ok((due, next)) => {
                        for id in due {
                            busy.push(id);
                            let mailer = self.clone();
                            sends.spawn(async move {
                                mailer.send_one(id).await;
                                id
                            });
                        }
                        next_due = next;
                    }
                    Err(error) => tracing::warn!(%error, "reading the mail queue"),
                }
            }
            let wait = match next_due {
                Some(at) if at > now_ms() => {
                    Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)).min(IDLE_CHECK)
                }
                _ => IDLE_CHECK,
            };
            tokio::select! {
                () = &mut stopping => break,
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                Some(done) = sends.join_next(), if !sends.is_empty() => {
                    if let Ok(id) = done {
                        busy.retain(|busy_id| *busy_id != id);
                    } else {
                        busy.clear();
                    }
                }
            }
        }
        let finishing = async { while sends.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, finishing).await.is_err() {
            tracing::warn!(
                "emails still being sent at shutdown; they stay queued and will be sent again"
            );
        }
    }

    /// One attempt at one email; the outcome is written to the queue.
    async fn send_one(&self, id: i64) {
        let settings = self.settings();
        let outcome = self.attempt(id, &settings).await;
        let now = now_utc();
        let store = &self.inner.store;
        let written = match outcome {
            Attempt::Sent {
                to,
                reply,
                included_seq,
            } => {
                tracing::info!(mail = id, "email accepted by the SMTP server");
                store
                    .write(move |tx| {
                        queue::mark_sent(tx, id, &to, &reply, included_seq, &now, now_ms())
                    })
                    .await
            }
            Attempt::Permanent(error) => {
                tracing::warn!(mail = id, %error, "email refused; waiting for a retry from the dashboard");
                store
                    .write(move |tx| queue::mark_failed(tx, id, &error, &now))
                    .await
            }
            Attempt::Transient { error, attempts } => {
                let delay = retry_delay(attempts);
                tracing::warn!(mail = id, %error, retry_in_ms = delay.as_millis(), "email not sent; will retry");
                let next = now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
                store
                    .write(move |tx| queue::mark_retry(tx, id, &error, next, &now))
                    .await
            }
            Attempt::Skipped => Ok(()),
        };
        if let Err(error) = written {
            let error = Error::from(error);
            tracing::error!(mail = id, %error, "recording an email's outcome");
        }
    }

    async fn attempt(&self, id: i64, settings: &MailSettings) -> Attempt {
        let job = match self.job(id).await {
            Ok(Some(job)) => job,
            Ok(None) => return Attempt::Skipped,
            Err(error) => return Attempt::Permanent(format!("cannot build the email: {error}")),
        };
        if job.mail.status != "queued" {
            return Attempt::Skipped;
        }
        let attempts = job.mail.attempts + 1;
        let (Some(url), Some(from)) = (&settings.smtp_url, &settings.from) else {
            return Attempt::Skipped;
        };
        let to = settings.recipients(job.mail.to).to_vec();
        if to.is_empty() {
            return Attempt::Skipped;
        }
        let message = match self.build(&job, from.clone(), &to, false).await {
            Ok(message) => message,
            Err(error) => return Attempt::Permanent(format!("cannot build the email: {error}")),
        };
        let transport = match self.transport(url.expose(), settings.timeout) {
            Ok(transport) => transport,
            Err(error) => {
                return Attempt::Permanent(format!("SMTP URL refused by the transport: {error}"));
            }
        };
        // lettre's timeout covers the connection and each command, not the whole exchange.
        let limit = settings.timeout * 3;
        match tokio::time::timeout(limit, transport.send(message)).await {
            Ok(Ok(response)) => Attempt::Sent {
                to: to
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                reply: reply_text(&response),
                included_seq: job.included_seq,
            },
            Ok(Err(error)) if error.is_permanent() => Attempt::Permanent(error_text(&error)),
            Ok(Err(error)) => Attempt::Transient {
                error: error_text(&error),
                attempts,
            },
            Err(_) => Attempt::Transient {
                error: format!(
                    "le serveur SMTP n'a pas répondu en {} s / the SMTP server did not answer within {} s",
                    limit.as_secs(),
                    limit.as_secs()
                ),
                attempts,
            },
        }
    }

    fn transport(
        &self,
        url: &str,
        timeout: Duration,
    ) -> std::result::Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error>
    {
        let mut cached = self
            .inner
            .transport
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((cached_url, cached_timeout, transport)) = cached.as_ref()
            && cached_url == url
            && *cached_timeout == timeout
        {
            return Ok(transport.clone());
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
            .timeout(Some(timeout))
            .build();
        *cached = Some((url.to_owned(), timeout, transport.clone()));
        Ok(transport)
    }

    /// Reads what email `id` says.
    async fn job(&self, id: i64) -> Result<Option<Job>> {
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

    async fn build(
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

    /// Sends a test email now (not queued) and says what the server answered.
    pub async fn send_test(&self, to: Option<Mailbox>) -> std::result::Result<String, String> {
        let settings = self.settings();
        let url = settings.smtp_url.as_ref().ok_or(
            "aucun serveur SMTP n'est configuré ([smtp] url) / no SMTP server is configured ([smtp] url)",
        )?;
        let from = settings.from.clone().ok_or(
            "aucune adresse d'envoi n'est configurée ([smtp] from) / no sender address is configured ([smtp] from)",
        )?;
        let to = to
            .or_else(|| {
                settings
                    .recipients(match settings.role {
                        Role::Member => Recipient::Manager,
                        Role::Manager => Recipient::Board,
                    })
                    .first()
                    .cloned()
            })
            .or_else(|| settings.manager_email.first().cloned())
            .ok_or("aucun destinataire : indiquez une adresse / no recipient: give an address")?;
        let message = Message::builder()
            .from(from)
            .to(to.clone())
            .subject(format!(
                "[Balise {org}] Courriel d'essai / Test email",
                org = self.inner.organization
            ))
            .date_now()
            .body(format!(
                "Ce courriel d'essai confirme que le compagnon Balise peut envoyer des courriels par ce serveur.\n\n\
                 This test email confirms that the Balise companion can send email through this server.\n\n\
                 Serveur / Server: {}\n",
                url.redacted()
            ))
            .map_err(|error| error.to_string())?;
        let transport = self
            .transport(url.expose(), settings.timeout)
            .map_err(|error| error_text(&error))?;
        let limit = settings.timeout * 3;
        match tokio::time::timeout(limit, transport.send(message)).await {
            Ok(Ok(response)) => Ok(format!(
                "{to} — le serveur a répondu / the server answered: {}",
                reply_text(&response)
            )),
            Ok(Err(error)) => Err(error_text(&error)),
            Err(_) => Err(format!(
                "le serveur SMTP n'a pas répondu en {} s / the SMTP server did not answer within {} s",
                limit.as_secs(),
                limit.as_secs()
            )),
        }
    }
}

/// The recipients this companion can send to now: none without a server and a sender.
fn sendable_roles(settings: &MailSettings) -> Vec<Recipient> {
    if settings.smtp_url.is_none() || settings.from.is_none() {
        return Vec::new();
    }
    [Recipient::Manager, Recipient::Board]
        .into_iter()
        .filter(|role| !settings.recipients(*role).is_empty())
        .collect()
}

/// What an email about a report says, from the report's package contents.
pub(super) fn letter_input(
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

enum Attempt {
    Sent {
        to: String,
        reply: String,
        included_seq: Option<i64>,
    },
    Permanent(String),
    Transient {
        error: String,
        attempts: i64,
    },
    Skipped,
}

fn reply_text(response: &lettre::transport::smtp::response::Response) -> String {
    let message: Vec<&str> = response.message().collect();
    format!("{} {}", response.code(), message.join(" "))
        .trim()
        .to_owned()
}

fn error_text(error: &lettre::transport::smtp::Error) -> String {
    let text = error.to_string();
    if error.is_permanent() {
        format!("refusé par le serveur / refused by the server: {text}")
    } else if error.is_transient() {
        format!("refus temporaire du serveur / temporary refusal by the server: {text}")
    } else if error.is_timeout() {
        format!("délai dépassé / timed out: {text}")
    } else {
        format!("envoi impossible / cannot send: {text}")
    }
}

/// Exponential backoff with jitter: about 2 s, 4 s, 8 s… up to 10 minutes, each ±25 %.
fn retry_delay(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let base = FIRST_RETRY
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(MAX_RETRY);
    let mut byte = [0u8; 1];
    let jitter = if getrandom::fill(&mut byte).is_ok() {
        0.75 + f64::from(byte[0]) / 255.0 * 0.5
    } else {
        1.0
    };
    base.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_with_jitter_up_to_ten_minutes() {
        for (attempts, base) in [(1, 2.0), (2, 4.0), (3, 8.0), (10, 600.0), (40, 600.0)] {
            let delay = retry_delay(attempts).as_secs_f64();
            assert!(
                (base * 0.75..=base * 1.25).contains(&delay),
                "attempt {attempts}: {delay}"
            );
        }
    }
}
