//! The one error type of the HTTP layer: a precise status and code for the client, internals only in the log.

use std::borrow::Cow;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A boxed source error, kept for the log only.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything a handler or middleware can fail with.
///
/// Client errors carry a stable machine-readable `code` and a bilingual message (French
/// first). Server-side errors are logged with their details and answered with a generic
/// message: internals never leave the process.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request the client can fix: answered as is.
    #[error("{code}: {message}")]
    Client {
        /// HTTP status (4xx).
        status: StatusCode,
        /// Stable code, such as `sha256_mismatch`.
        code: &'static str,
        /// Bilingual message, French first.
        message: Cow<'static, str>,
    },
    /// Missing or wrong bearer token: 401 with `WWW-Authenticate: Bearer`.
    #[error("unauthorized: {message}")]
    Unauthorized {
        /// Bilingual message, French first.
        message: Cow<'static, str>,
    },
    /// Stored evidence failed its integrity check (hash mismatch): 500 `evidence_corrupted`.
    #[error("evidence corrupted for {subject}: {detail}")]
    EvidenceCorrupted {
        /// What was being read, such as a report id.
        subject: String,
        /// What did not match (logged, not returned).
        detail: String,
    },
    /// Too many writes with one token: 429 `rate_limited` with `Retry-After`.
    #[error("rate limited for {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the next write is allowed.
        retry_after_secs: u64,
    },
    /// Anything else that went wrong on our side: 500 `internal`.
    #[error("internal error: {0}")]
    Internal(#[source] BoxError),
}

impl Error {
    /// A client error with a status, a code and a message.
    pub fn client(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::Client {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 with the given code.
    pub fn bad_request(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::client(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422 with the given code.
    pub fn unprocessable(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::client(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 403 `bad_origin`.
    pub fn bad_origin() -> Self {
        Self::client(
            StatusCode::FORBIDDEN,
            "bad_origin",
            "Origine de la requête refusée. / Request origin refused.",
        )
    }

    /// 403 `bad_host` (DNS rebinding protection).
    pub fn bad_host() -> Self {
        Self::client(
            StatusCode::FORBIDDEN,
            "bad_host",
            "En-tête Host refusé : utilisez 127.0.0.1, localhost ou [::1] avec le bon port. / \
             Host header refused: use 127.0.0.1, localhost or [::1] with the right port.",
        )
    }

    /// 401 for a missing or wrong token.
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::Unauthorized {
            message: message.into(),
        }
    }

    /// 404 `not_found`.
    pub fn not_found(what: &str) -> Self {
        Self::client(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Introuvable : {what}. / Not found: {what}."),
        )
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large(limit: u64) -> Self {
        Self::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "La requête dépasse la limite de {limit} octets. / The request exceeds the {limit}-byte limit."
            ),
        )
    }

    /// 408 `body_timeout`: the body did not arrive in time (the connection is then closed).
    pub fn body_timeout() -> Self {
        Self::client(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            "Le corps de la requête n'est pas arrivé à temps. / The request body did not arrive in time.",
        )
    }

    /// 415 `unsupported_media_type`.
    pub fn unsupported_media_type(expected: &str) -> Self {
        Self::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("Content-Type attendu : {expected}. / Expected Content-Type: {expected}."),
        )
    }

    /// 500 `internal` from any error.
    pub fn internal(source: impl Into<BoxError>) -> Self {
        Self::Internal(source.into())
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Client { status, .. } => *status,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::EvidenceCorrupted { .. } | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Client { code, .. } => code,
            Self::Unauthorized { .. } => "unauthorized",
            Self::RateLimited { .. } => "rate_limited",
            Self::EvidenceCorrupted { .. } => "evidence_corrupted",
            Self::Internal(_) => "internal",
        }
    }
}

/// The one place the store's errors become HTTP answers.
impl From<crate::store::Error> for Error {
    fn from(error: crate::store::Error) -> Self {
        use crate::store::Error as Store;
        match error {
            Store::NotFound { what } => Self::not_found(what),
            Store::Conflict { code, message } => Self::client(StatusCode::CONFLICT, code, message),
            Store::Invalid { code, message } => Self::unprocessable(code, message),
            Store::Gone { code, message } => Self::client(StatusCode::GONE, code, message),
            Store::TooMany { code, message } => {
                Self::client(StatusCode::TOO_MANY_REQUESTS, code, message)
            }
            Store::WrongOrigin => Self::bad_origin(),
            Store::Corrupted { subject, detail } => Self::EvidenceCorrupted { subject, detail },
            Store::Sqlite(error) => Self::internal(error),
            Store::Json(error) => Self::internal(error),
            Store::Closed => Self::internal("database is closed"),
            Store::Other(source) => Self::Internal(source),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        Self::internal(error)
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(error: tokio::task::JoinError) -> Self {
        Self::internal(error)
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Self::internal(error)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code();
        let message: Cow<'static, str> = match &self {
            Self::Client { message, .. } | Self::Unauthorized { message } => message.clone(),
            Self::RateLimited { retry_after_secs } => Cow::Owned(format!(
                "Trop d'écritures avec ce jeton : réessayez dans {retry_after_secs} s. / \
                 Too many writes with this token: try again in {retry_after_secs} s."
            )),
            Self::EvidenceCorrupted { subject, detail } => {
                tracing::error!(%subject, %detail, "stored evidence failed its integrity check");
                Cow::Borrowed(
                    "Une preuve stockée a échoué à la vérification d'intégrité (SHA-256). / \
                     Stored evidence failed its integrity check (SHA-256).",
                )
            }
            Self::Internal(source) => {
                tracing::error!(error = %source, source = ?source, "internal error");
                Cow::Borrowed("Erreur interne du compagnon. / Internal companion error.")
            }
        };
        if status.is_client_error() {
            tracing::debug!(%status, code, "client error");
        }
        let body = json!({ "error": { "code": code, "message": message } });
        let mut response = (status, Json(body)).into_response();
        if let Self::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        if status == StatusCode::REQUEST_TIMEOUT {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if matches!(self, Self::Unauthorized { .. }) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"balise\""),
            );
        }
        response
    }
}

/// Handler result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Error as Store;

    #[test]
    fn store_errors_map_to_one_status_and_code_each() {
        let cases = [
            (Store::not_found("x"), StatusCode::NOT_FOUND, "not_found"),
            (Store::conflict("c", "m"), StatusCode::CONFLICT, "c"),
            (
                Store::invalid("i", "m"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "i",
            ),
            (Store::gone("g", "m"), StatusCode::GONE, "g"),
            (
                Store::too_many("t", "m"),
                StatusCode::TOO_MANY_REQUESTS,
                "t",
            ),
            (Store::WrongOrigin, StatusCode::FORBIDDEN, "bad_origin"),
            (
                Store::Corrupted {
                    subject: "s".into(),
                    detail: "d".into(),
                },
                StatusCode::INTERNAL_SERVER_ERROR,
                "evidence_corrupted",
            ),
            (
                Store::Sqlite(rusqlite::Error::QueryReturnedNoRows),
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
            ),
            (Store::Closed, StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            (
                Store::other("overflow"),
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
            ),
        ];
        for (store, status, code) in cases {
            assert_eq!(store.code(), code, "{store:?}");
            let error = Error::from(store);
            assert_eq!((error.status(), error.code()), (status, code), "{error:?}");
        }
        match Error::from(Store::not_found("signalement / report")) {
            Error::Client { message, .. } => assert_eq!(
                message,
                "Introuvable : signalement / report. / Not found: signalement / report."
            ),
            other => panic!("unexpected {other:?}"),
        }
    }
}
