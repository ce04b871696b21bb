//! Sending: one attempt at one queued email through the SMTP server and its outcome in
//! the queue, the transport kept between sends, and the test email of the settings page.

use std::sync::PoisonError;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{FIRST_RETRY, MAX_RETRY, MailSettings, Mailer, Role};
use crate::error::Error;
use crate::store::mail::{self as queue, Recipient};
use crate::store::{now_ms, now_utc};

impl Mailer {
    /// One attempt at one email; the outcome is written to the queue.
    pub(super) async fn send_one(&self, id: i64) {
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
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
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

    /// Sends a test email now (not queued) and says what the server answered.
    pub async fn send_test(&self, to: Option<Mailbox>) -> Result<String, String> {
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
