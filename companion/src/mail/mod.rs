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
mod job;
pub mod letter;
pub mod selection;
mod send;

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use lettre::{AsyncSmtpTransport, Tokio1Executor};
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::error::Result;
use crate::store::mail::{self as queue, Recipient};
use crate::store::{Store, now_ms};
pub use config::{MailSettings, Role};
pub(crate) use job::letter_input;

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
