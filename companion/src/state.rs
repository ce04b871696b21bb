//! What the companion opens at start (`Companion`) and what every handler shares (`AppState`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use balise_core::policy::Policy;

use crate::clients::ClientRegistry;
use crate::limits::WriteLimiter;
use crate::mail::Mailer;
use crate::policy_file;
use crate::security::Site;
use crate::settings::{ConfigError, Settings};
use crate::store::evidence::{self, ChainStatus, VerifiedHead};
use crate::store::pairing::PairedClient;
use crate::store::policy_changes::{self, PolicySource};
use crate::store::{Store, StoreError, now_utc};
use crate::token::{ApiToken, TokenError, random_hex};

/// Why the companion cannot start. Nothing is written before settings and policy are valid.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// Settings or policy file problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Token file problem.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Database problem.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The policy in force could not be recorded in the evidence log.
    #[error("cannot record the policy in the evidence log: {0}")]
    Record(#[from] crate::Error),
    /// The data directory cannot be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Everything opened from the data directory, ready to serve.
#[derive(Debug)]
pub struct Companion {
    /// Effective settings.
    pub settings: Settings,
    /// The database.
    pub store: Store,
    /// The API token.
    pub token: ApiToken,
    /// The policy served to extensions.
    pub policy: Policy,
    /// Sends the email queue.
    pub mailer: Mailer,
    /// The retention period in days, 0 for none (changed from the settings page).
    pub retention_days: Arc<AtomicU32>,
}

impl Companion {
    /// Validates settings and `policy.toml`, then creates the token, opens the database and
    /// records the policy in force in the evidence log if it is not the last one recorded.
    ///
    /// Blocking (file and SQLite I/O): call it before starting the runtime or through
    /// `spawn_blocking`. The data directory must exist ([`ensure_data_dir`]).
    pub fn open(settings: Settings) -> Result<Self, StartupError> {
        settings.check()?;
        let policy = policy_file::load(&settings.data_dir)?;
        let token = ApiToken::load_or_create(&settings.data_dir)?;
        let store = Store::open(&settings.data_dir)?;
        let source = if settings.data_dir.join(policy_file::POLICY_FILE).exists() {
            PolicySource::File
        } else {
            PolicySource::BuiltIn
        };
        let policy_json = serde_json::to_string(&policy).map_err(crate::Error::from)?;
        let recorded = store
            .write_blocking(|tx| {
                policy_changes::record_if_changed(tx, &policy_json, source, &now_utc())
            })
            .map_err(crate::Error::from)?;
        if let Some(entry) = recorded {
            tracing::info!(
                seq = entry.seq,
                source = source.as_str(),
                "policy in force recorded in the evidence log"
            );
        }
        let mut mail = settings.mail.clone();
        mail.apply_policy(&policy);
        let mailer = Mailer::new(
            store.clone(),
            mail,
            &policy.organization.short_name,
            &policy.manager.name,
        );
        let retention_days = Arc::new(AtomicU32::new(settings.retention_days.unwrap_or(0)));
        Ok(Self {
            settings,
            store,
            token,
            policy,
            mailer,
            retention_days,
        })
    }
}

/// Creates the data directory (mode 0700 on Unix) if it is missing.
pub fn ensure_data_dir(path: &std::path::Path) -> Result<(), StartupError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .map_err(|source| StartupError::DataDir {
            path: path.to_owned(),
            source,
        })
}

/// Shared by all handlers. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    companion: Companion,
    site: Site,
    csrf: String,
    clients: ClientRegistry,
    /// The chain head this process last saw verified (see [`AppState::check_chain`]).
    verified_head: Mutex<Option<VerifiedHead>>,
    /// The token buckets of authenticated writes.
    writes: WriteLimiter,
}

impl AppState {
    /// State for a companion bound to `addr`, knowing the already paired browsers.
    pub fn new(companion: Companion, addr: SocketAddr, paired: Vec<PairedClient>) -> Self {
        // A per-process CSRF token for the pairing page's forms. Falls back to a UUID v4
        // (also from the OS generator) if getrandom fails.
        let csrf = random_hex(32).unwrap_or_else(|_| uuid::Uuid::new_v4().simple().to_string());
        let limits = &companion.settings.limits;
        let writes = WriteLimiter::new(limits.write_burst, limits.writes_per_minute);
        Self {
            inner: Arc::new(Inner {
                writes,
                companion,
                site: Site::new(addr),
                csrf,
                clients: ClientRegistry::new(paired),
                verified_head: Mutex::new(None),
            }),
        }
    }

    /// The token buckets of authenticated writes.
    pub fn writes(&self) -> &WriteLimiter {
        &self.inner.writes
    }

    /// The bound address' names.
    pub fn site(&self) -> &Site {
        &self.inner.site
    }

    /// Effective settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.companion.settings
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.inner.companion.store
    }

    /// The API token.
    pub fn token(&self) -> &ApiToken {
        &self.inner.companion.token
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.inner.companion.policy
    }

    /// The email sender (and the email settings in force).
    pub fn mailer(&self) -> &Mailer {
        &self.inner.companion.mailer
    }

    /// The retention period in days, `None` when reports are kept until erased.
    pub fn retention_days(&self) -> Option<u32> {
        crate::settings::retention_from(self.inner.companion.retention_days.load(Ordering::Relaxed))
    }

    /// Changes the retention period (after `balise.toml` was saved).
    pub fn set_retention_days(&self, days: Option<u32>) {
        self.inner
            .companion
            .retention_days
            .store(days.unwrap_or(0), Ordering::Relaxed);
    }

    /// This process' CSRF token for the pairing forms.
    pub fn csrf(&self) -> &str {
        &self.inner.csrf
    }

    /// The paired browsers and their tokens (an in-memory copy of `paired_clients`).
    pub fn clients(&self) -> &ClientRegistry {
        &self.inner.clients
    }

    /// Whether an origin belongs to a paired, unrevoked browser.
    pub fn is_paired(&self, origin: &str) -> bool {
        self.inner.clients.is_paired(origin)
    }

    /// Whether any extension is paired.
    pub fn any_paired(&self) -> bool {
        self.inner.clients.any_paired()
    }

    /// The evidence chain's check for a page: the whole chain, every entry and the row it
    /// records, then the head this process last saw verified, which must still carry its
    /// hash: a chain rewritten consistently under the running companion (every hash
    /// recomputed) passes the first check but not the second. A broken chain leaves the
    /// remembered head as it was, so a rewrite stays reported.
    pub fn check_chain(&self, conn: &rusqlite::Connection) -> crate::store::Result<ChainStatus> {
        let since = self
            .inner
            .verified_head
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let status = evidence::verify_evidence_chain(conn)?;
        if !status.is_intact() {
            return Ok(status);
        }
        if let Some(head) = &since {
            let from_head = evidence::verify_since(conn, Some(head))?;
            if !from_head.is_intact() {
                return Ok(from_head);
            }
        }
        if let Some(head) = status.verified_head() {
            *self
                .inner
                .verified_head
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(head);
        }
        Ok(status)
    }
}
