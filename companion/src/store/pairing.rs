//! Pairing requests from extensions and the paired clients the person approved.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::sha256_hex;
use crate::store::{Error, Result};

/// How long a pairing request waits for approval.
pub const PAIRING_TTL_SECS: i64 = 10 * 60;

/// At most this many pending requests at once (a flood of requests is refused: [`Error::TooMany`]).
pub const MAX_PENDING: i64 = 20;

/// A pairing request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingRequest {
    /// Request id (UUID).
    pub id: String,
    /// The extension origin that asked.
    pub origin: String,
    /// Label the extension gave (browser profile name or similar).
    pub label: String,
    /// `chromium` or `firefox`.
    pub browser: String,
    /// The short code shown on both sides, such as `123-456`.
    pub code: String,
    /// When it was made (UTC).
    pub created_at: String,
    /// Expiry, Unix seconds.
    pub expires_at_unix: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
}

/// A paired extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PairedClient {
    /// Its id: the pairing request that paired it.
    pub id: String,
    /// Its exact origin.
    pub origin: String,
    /// Label given at pairing.
    pub label: String,
    /// `chromium` or `firefox`.
    pub browser: String,
    /// When it was approved (UTC).
    pub paired_at: String,
    /// SHA-256 of its own token; `None` for a browser paired before each had its own, which
    /// uses the shared API token.
    #[serde(skip)]
    pub token_sha256: Option<String>,
    /// When its token was last used (UTC), as last recorded.
    pub last_used_at: Option<String>,
    /// When it was revoked (UTC); a revoked browser's token is refused.
    pub revoked_at: Option<String>,
}

/// What polling a request tells the extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// Not decided yet.
    Pending,
    /// Approved; the browser's own token is handed out until the request expires.
    Approved {
        /// The token to include in this answer, if it is still handed out.
        token: Option<String>,
    },
    /// Refused by the person.
    Rejected,
    /// Not decided within the time limit.
    Expired,
}

/// Stores a new request. [`Error::TooMany`] if too many are pending.
pub fn create(tx: &Transaction<'_>, request: &PairingRequest, now_unix: i64) -> Result<()> {
    forget_expired_tokens(tx, now_unix)?;
    let pending: i64 = tx.query_row(
        "SELECT count(*) FROM pairing_requests WHERE status = 'pending' AND expires_at_unix > ?1",
        [now_unix],
        |row| row.get(0),
    )?;
    if pending >= MAX_PENDING {
        return Err(Error::too_many(
            "too_many_pairing_requests",
            "Trop de demandes de jumelage en attente ; réessayez dans quelques minutes. / \
             Too many pending pairing requests; try again in a few minutes.",
        ));
    }
    tx.execute(
        "INSERT INTO pairing_requests (id, origin, label, browser, code, created_at, expires_at_unix, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending')",
        params![
            request.id,
            request.origin,
            request.label,
            request.browser,
            request.code,
            request.created_at,
            request.expires_at_unix
        ],
    )?;
    Ok(())
}

fn row_to_request(row: &rusqlite::Row<'_>) -> rusqlite::Result<PairingRequest> {
    Ok(PairingRequest {
        id: row.get(0)?,
        origin: row.get(1)?,
        label: row.get(2)?,
        browser: row.get(3)?,
        code: row.get(4)?,
        created_at: row.get(5)?,
        expires_at_unix: row.get(6)?,
        status: row.get(7)?,
    })
}

const REQUEST_COLUMNS: &str =
    "id, origin, label, browser, code, created_at, expires_at_unix, status";

/// One request by id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<PairingRequest>> {
    Ok(conn
        .query_row(
            &format!("SELECT {REQUEST_COLUMNS} FROM pairing_requests WHERE id = ?1"),
            [id],
            row_to_request,
        )
        .optional()?)
}

/// Requests still waiting for a decision, oldest first.
pub fn pending(conn: &Connection, now_unix: i64) -> Result<Vec<PairingRequest>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {REQUEST_COLUMNS} FROM pairing_requests
         WHERE status = 'pending' AND expires_at_unix > ?1 ORDER BY created_at"
    ))?;
    let rows = statement
        .query_map([now_unix], row_to_request)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A decision on a pairing request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'a> {
    /// Approved: the browser gets this token of its own (handed out on its polls until
    /// the request expires; only its SHA-256 is kept after that).
    Approve {
        /// The new token.
        token: &'a str,
    },
    /// Rejected.
    Reject,
}

/// Approves or rejects a pending request; on approval records (or refreshes, with a new
/// token that replaces the old one) the paired client.
/// [`Error::NotFound`] if unknown, [`Error::Conflict`] `pairing_not_pending` if already
/// decided or expired.
pub fn decide(
    tx: &Transaction<'_>,
    id: &str,
    decision: Decision<'_>,
    now: &str,
    now_unix: i64,
) -> Result<PairingRequest> {
    forget_expired_tokens(tx, now_unix)?;
    let Some(request) = get(tx, id)? else {
        return Err(Error::not_found("demande de jumelage / pairing request"));
    };
    if request.status != "pending" || request.expires_at_unix <= now_unix {
        return Err(Error::conflict(
            "pairing_not_pending",
            "Cette demande de jumelage est déjà traitée ou expirée. / \
             This pairing request was already decided or has expired.",
        ));
    }
    let (status, token) = match decision {
        Decision::Approve { token } => ("approved", Some(token)),
        Decision::Reject => ("rejected", None),
    };
    tx.execute(
        "UPDATE pairing_requests SET status = ?2, decided_at = ?3, token = ?4 WHERE id = ?1",
        params![id, status, now, token],
    )?;
    if let Some(token) = token {
        tx.execute(
            "INSERT INTO paired_clients (origin, label, browser, paired_at, request_id, token_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (origin) DO UPDATE SET label = excluded.label, browser = excluded.browser,
                 paired_at = excluded.paired_at, request_id = excluded.request_id,
                 token_sha256 = excluded.token_sha256, last_used_at = NULL, revoked_at = NULL",
            params![
                request.origin,
                request.label,
                request.browser,
                now,
                request.id,
                sha256_hex(token.as_bytes())
            ],
        )?;
    }
    Ok(PairingRequest {
        status: status.to_owned(),
        ..request
    })
}

/// The state of a request for its origin; marks the token as handed out the first time.
/// [`Error::NotFound`] if unknown; [`Error::WrongOrigin`] if asked from another origin.
pub fn poll(
    tx: &Transaction<'_>,
    id: &str,
    origin: &str,
    now: &str,
    now_unix: i64,
) -> Result<PollOutcome> {
    let Some(request) = get(tx, id)? else {
        return Err(Error::not_found("demande de jumelage / pairing request"));
    };
    if request.origin != origin {
        return Err(Error::WrongOrigin);
    }
    Ok(match request.status.as_str() {
        "approved" => {
            tx.execute(
                "UPDATE pairing_requests SET token_delivered_at = ?2
                 WHERE id = ?1 AND token_delivered_at IS NULL",
                params![id, now],
            )?;
            // Handed out again until the request expires, to the origin that asked for it
            // (and knows the request's id): an answer lost on the way (a service worker
            // stopped mid-fetch) must not leave the extension unpaired after approval.
            let token = if request.expires_at_unix > now_unix {
                tx.query_row(
                    "SELECT token FROM pairing_requests WHERE id = ?1",
                    [id],
                    |row| row.get(0),
                )?
            } else {
                None
            };
            PollOutcome::Approved { token }
        }
        "rejected" => PollOutcome::Rejected,
        _ if request.expires_at_unix <= now_unix => PollOutcome::Expired,
        _ => PollOutcome::Pending,
    })
}

const CLIENT_COLUMNS: &str =
    "request_id, origin, label, browser, paired_at, token_sha256, last_used_at, revoked_at";

fn row_to_client(row: &rusqlite::Row<'_>) -> rusqlite::Result<PairedClient> {
    Ok(PairedClient {
        id: row.get(0)?,
        origin: row.get(1)?,
        label: row.get(2)?,
        browser: row.get(3)?,
        paired_at: row.get(4)?,
        token_sha256: row.get(5)?,
        last_used_at: row.get(6)?,
        revoked_at: row.get(7)?,
    })
}

/// All paired clients, revoked ones included, most recent first.
pub fn clients(conn: &Connection) -> Result<Vec<PairedClient>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {CLIENT_COLUMNS} FROM paired_clients ORDER BY paired_at DESC"
    ))?;
    let rows = statement
        .query_map([], row_to_client)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// How many browsers are paired and not revoked.
pub fn active_count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM paired_clients WHERE revoked_at IS NULL",
        [],
        |row| row.get(0),
    )?)
}

/// Revokes a paired client: its token is refused from now on. [`Error::NotFound`] if
/// unknown, [`Error::Conflict`] `already_revoked` if it was.
pub fn revoke(tx: &Transaction<'_>, id: &str, now: &str) -> Result<PairedClient> {
    let client = tx
        .query_row(
            &format!("SELECT {CLIENT_COLUMNS} FROM paired_clients WHERE request_id = ?1"),
            [id],
            row_to_client,
        )
        .optional()?
        .ok_or_else(|| Error::not_found("extension jumelée / paired extension"))?;
    if client.revoked_at.is_some() {
        return Err(Error::conflict(
            "already_revoked",
            "Cette extension est déjà révoquée. / This extension is already revoked.",
        ));
    }
    tx.execute(
        "UPDATE paired_clients SET revoked_at = ?2 WHERE request_id = ?1",
        params![id, now],
    )?;
    Ok(PairedClient {
        revoked_at: Some(now.to_owned()),
        ..client
    })
}

/// Records when a client's token was last used.
pub fn touch(tx: &Transaction<'_>, id: &str, at: &str) -> Result<()> {
    tx.execute(
        "UPDATE paired_clients SET last_used_at = ?2 WHERE request_id = ?1",
        params![id, at],
    )?;
    Ok(())
}

/// Erases the tokens of requests that expired: after that only their SHA-256 remains.
fn forget_expired_tokens(tx: &Transaction<'_>, now_unix: i64) -> Result<()> {
    tx.execute(
        "UPDATE pairing_requests SET token = NULL
         WHERE token IS NOT NULL AND expires_at_unix <= ?1",
        [now_unix],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    const ORIGIN: &str = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";

    fn request(created_unix: i64) -> PairingRequest {
        PairingRequest {
            id: "6f1c1f0e-8d4e-4c3a-9d7e-2b1a0c9e8f71".into(),
            origin: ORIGIN.into(),
            label: "Balise test".into(),
            browser: "chromium".into(),
            code: "123-456".into(),
            created_at: "2026-11-28T12:00:00Z".into(),
            expires_at_unix: created_unix + PAIRING_TTL_SECS,
            status: "pending".into(),
        }
    }

    async fn poll_at(
        store: &Store,
        id: &str,
        origin: &'static str,
        at: i64,
    ) -> Result<PollOutcome> {
        let id = id.to_owned();
        store
            .write(move |tx| poll(tx, &id, origin, "2026-11-28T12:02:00Z", at))
            .await
    }

    #[tokio::test]
    async fn the_token_is_handed_out_again_until_the_request_expires_then_only_its_hash_remains() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open");
        let created = 1_000_000;
        let stored = request(created);
        let id = stored.id.clone();
        let approved = id.clone();
        store
            .write(move |tx| -> Result<_> {
                create(tx, &stored, created)?;
                decide(
                    tx,
                    &approved,
                    Decision::Approve { token: "own-token" },
                    "2026-11-28T12:01:00Z",
                    created + 60,
                )?;
                Ok(())
            })
            .await
            .expect("approve");
        let handed = PollOutcome::Approved {
            token: Some("own-token".into()),
        };
        let poll_ok = async |at| poll_at(&store, &id, ORIGIN, at).await.expect("poll");
        assert_eq!(poll_ok(created + 61).await, handed, "first poll");
        assert_eq!(
            poll_ok(created + 62).await,
            handed,
            "a lost answer is made good"
        );
        assert_eq!(
            poll_ok(created + PAIRING_TTL_SECS + 1).await,
            PollOutcome::Approved { token: None },
            "not after the request expired"
        );
        let other = poll_at(
            &store,
            &id,
            "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba",
            created + 62,
        )
        .await;
        assert!(other.is_err(), "another origin gets nothing");

        // Once a later request comes, the expired request's token is erased from the file;
        // the client keeps only its SHA-256.
        let mut later = request(created + PAIRING_TTL_SECS + 5);
        later.id = "7f1c1f0e-8d4e-4c3a-9d7e-2b1a0c9e8f72".into();
        let (kept, clients) = store
            .write(move |tx| -> Result<_> {
                create(tx, &later, created + PAIRING_TTL_SECS + 5)?;
                let kept: Option<String> = tx.query_row(
                    "SELECT token FROM pairing_requests WHERE id = ?1",
                    [&id],
                    |row| row.get(0),
                )?;
                Ok((kept, clients(tx)?))
            })
            .await
            .expect("later request");
        assert_eq!(kept, None);
        assert_eq!(
            clients[0].token_sha256.as_deref(),
            Some(sha256_hex(b"own-token").as_str())
        );
    }

    #[tokio::test]
    async fn a_revoked_client_is_marked_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open");
        let stored = request(1_000_000);
        let id = stored.id.clone();
        let result = store
            .write(move |tx| -> Result<_> {
                create(tx, &stored, 1_000_000)?;
                decide(
                    tx,
                    &id,
                    Decision::Approve { token: "t" },
                    "2026-11-28T12:01:00Z",
                    1_000_060,
                )?;
                let revoked = revoke(tx, &id, "2026-11-28T12:05:00Z")?;
                let again = revoke(tx, &id, "2026-11-28T12:06:00Z").err();
                Ok((revoked, again.map(|e| e.code())))
            })
            .await
            .expect("revoke");
        assert_eq!(result.0.revoked_at.as_deref(), Some("2026-11-28T12:05:00Z"));
        assert_eq!(result.1, Some("already_revoked"));
    }
}
