//! Idempotency keys: a retried request with the same key and body gets the stored answer again.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::store::{Error, Result};

/// A response as stored for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body, byte for byte.
    pub body: String,
    /// True when this is a replay of an earlier answer.
    pub replayed: bool,
}

impl StoredResponse {
    /// A fresh answer.
    pub fn new(status: impl Into<u16>, body: String) -> Self {
        Self {
            status: status.into(),
            body,
            replayed: false,
        }
    }
}

/// What identifies a request for idempotency.
#[derive(Debug, Clone)]
pub struct IdempotentRequest {
    /// The `Idempotency-Key` header (a UUID, lowercase).
    pub key: String,
    /// SHA-256 of the endpoint name and the request content.
    pub request_sha256: String,
}

/// The stored answer for this key, if any; [`Error::Invalid`] `idempotency_key_reused` if the
/// key came with another body.
pub fn lookup(tx: &Transaction<'_>, request: &IdempotentRequest) -> Result<Option<StoredResponse>> {
    let row: Option<(String, u16, String)> = tx
        .query_row(
            "SELECT request_sha256, response_status, response_body FROM idempotency WHERE key = ?1",
            [&request.key],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((hash, status, body)) if hash == request.request_sha256 => Ok(Some(StoredResponse {
            status,
            body,
            replayed: true,
        })),
        Some(_) => Err(Error::invalid(
            "idempotency_key_reused",
            "Cette clé Idempotency-Key a déjà servi pour une autre requête. / \
             This Idempotency-Key was already used for a different request.",
        )),
    }
}

/// Records the answer for this key (in the same transaction as the work it answers for).
pub fn record(
    tx: &Transaction<'_>,
    request: &IdempotentRequest,
    endpoint: &str,
    response: &StoredResponse,
    now: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO idempotency (key, endpoint, request_sha256, response_status, response_body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            request.key,
            endpoint,
            request.request_sha256,
            response.status,
            response.body,
            now
        ],
    )?;
    Ok(())
}
