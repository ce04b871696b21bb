//! The store's errors, named by meaning, never by HTTP status: `crate::error` maps them in one place.

use std::borrow::Cow;

/// A boxed source error, kept for the log only.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything a store function can fail with.
///
/// The variants a client can act on carry a stable machine-readable `code` and a bilingual
/// message (French first), passed on as they are; the others are our side's problem and
/// their details only reach the log.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What was asked for does not exist.
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for, bilingual, French first, such as `signalement / report`.
        what: &'static str,
    },
    /// The request clashes with what is already stored (an id taken, a state already reached).
    #[error("{code}: {message}")]
    Conflict {
        /// Stable code, such as `report_exists`.
        code: &'static str,
        /// Bilingual message, French first.
        message: Cow<'static, str>,
    },
    /// What the client sent breaks a rule (a missing reason, a note too long).
    #[error("{code}: {message}")]
    Invalid {
        /// Stable code, such as `reason_required`.
        code: &'static str,
        /// Bilingual message, French first.
        message: Cow<'static, str>,
    },
    /// What was asked for existed but was removed on purpose (a redacted report).
    #[error("{code}: {message}")]
    Gone {
        /// Stable code, such as `report_redacted`.
        code: &'static str,
        /// Bilingual message, French first.
        message: Cow<'static, str>,
    },
    /// Too many of something are waiting already (pending pairing requests); try later.
    #[error("{code}: {message}")]
    TooMany {
        /// Stable code, such as `too_many_pairing_requests`.
        code: &'static str,
        /// Bilingual message, French first.
        message: Cow<'static, str>,
    },
    /// Asked for from another origin than the one the record belongs to.
    #[error("wrong origin")]
    WrongOrigin,
    /// Stored evidence failed its integrity check (a hash mismatch, a record that does not parse).
    #[error("evidence corrupted for {subject}: {detail}")]
    Corrupted {
        /// What was being read, such as a report id.
        subject: String,
        /// What did not match (logged, not returned).
        detail: String,
    },
    /// SQLite refused.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A record could not be turned into JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// The database was closed (the companion is shutting down).
    #[error("database is closed")]
    Closed,
    /// Anything else that went wrong on our side (a task that panicked, a length overflow).
    #[error(transparent)]
    Other(BoxError),
}

impl Error {
    /// [`Error::NotFound`].
    pub fn not_found(what: &'static str) -> Self {
        Self::NotFound { what }
    }

    /// [`Error::Conflict`].
    pub fn conflict(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    /// [`Error::Invalid`].
    pub fn invalid(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::Invalid {
            code,
            message: message.into(),
        }
    }

    /// [`Error::Gone`].
    pub fn gone(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::Gone {
            code,
            message: message.into(),
        }
    }

    /// [`Error::TooMany`].
    pub fn too_many(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::TooMany {
            code,
            message: message.into(),
        }
    }

    /// [`Error::Other`] from any error.
    pub fn other(source: impl Into<BoxError>) -> Self {
        Self::Other(source.into())
    }

    /// The stable code a client is answered with for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::Conflict { code, .. }
            | Self::Invalid { code, .. }
            | Self::Gone { code, .. }
            | Self::TooMany { code, .. } => code,
            Self::WrongOrigin => "bad_origin",
            Self::Corrupted { .. } => "evidence_corrupted",
            Self::Sqlite(_) | Self::Json(_) | Self::Closed | Self::Other(_) => "internal",
        }
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(error: tokio::task::JoinError) -> Self {
        Self::other(error)
    }
}

/// Store result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
