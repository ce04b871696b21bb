//! Pairing requests from extensions and the paired clients the person approved.

use axum::http::StatusCode;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::error::{Error, Result};

/// How long a pairing request waits for approval.
pub const PAIRING_TTL_SECS: i64 = 10 * 60;

/// At most this many pending requests at once (a flood of requests is refused with 429).
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
    /// Its exact origin.
    pub origin: String,
    /// Label given at pairing.
    pub label: String,
    /// `chromium` or `firefox`.
    pub browser: String,
    /// When it was approved (UTC).
    pub paired_at: String,
}

/// What polling a request tells the extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollOutcome {
    /// Not decided yet.
    Pending,
    /// Approved; `hand_out_token` is true the first time, and again until the request
    /// expires.
    Approved {
        /// Whether to include the token in this answer.
        hand_out_token: bool,
    },
    /// Refused by the person.
    Rejected,
    /// Not decided within the time limit.
    Expired,
}

/// Stores a new request. 429 if too many are pending.
pub fn create(tx: &Transaction<'_>, request: &PairingRequest, now_unix: i64) -> Result<()> {
    let pending: i64 = tx.query_row(
        "SELECT count(*) FROM pairing_requests WHERE status = 'pending' AND expires_at_unix > ?1",
        [now_unix],
        |row| row.get(0),
    )?;
    if pending >= MAX_PENDING {
        return Err(Error::client(
            StatusCode::TOO_MANY_REQUESTS,
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

/// Approves or rejects a pending request; on approval records (or refreshes) the paired client.
/// 404 if unknown, 409 `pairing_not_pending` if already decided or expired.
pub fn decide(
    tx: &Transaction<'_>,
    id: &str,
    approve: bool,
    now: &str,
    now_unix: i64,
) -> Result<PairingRequest> {
    let Some(request) = get(tx, id)? else {
        return Err(Error::not_found("demande de jumelage / pairing request"));
    };
    if request.status != "pending" || request.expires_at_unix <= now_unix {
        return Err(Error::client(
            StatusCode::CONFLICT,
            "pairing_not_pending",
            "Cette demande de jumelage est déjà traitée ou expirée. / \
             This pairing request was already decided or has expired.",
        ));
    }
    let status = if approve { "approved" } else { "rejected" };
    tx.execute(
        "UPDATE pairing_requests SET status = ?2, decided_at = ?3 WHERE id = ?1",
        params![id, status, now],
    )?;
    if approve {
        tx.execute(
            "INSERT INTO paired_clients (origin, label, browser, paired_at, request_id)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (origin) DO UPDATE SET label = excluded.label, browser = excluded.browser,
                 paired_at = excluded.paired_at, request_id = excluded.request_id",
            params![
                request.origin,
                request.label,
                request.browser,
                now,
                request.id
            ],
        )?;
    }
    Ok(PairingRequest {
        status: status.to_owned(),
        ..request
    })
}

/// The state of a request for its origin; marks the token as handed out the first time.
/// 404 if unknown; 403 `bad_origin` if asked from another origin.
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
        return Err(Error::bad_origin());
    }
    Ok(match request.status.as_str() {
        "approved" => {
            let changed = tx.execute(
                "UPDATE pairing_requests SET token_delivered_at = ?2
                 WHERE id = ?1 AND token_delivered_at IS NULL",
                params![id, now],
            )?;
            // Handed out again until the request expires, to the origin that asked for it
            // (and knows the request's id): an answer lost on the way (a service worker
            // stopped mid-fetch) must not leave the extension unpaired after approval.
            PollOutcome::Approved {
                hand_out_token: changed == 1 || request.expires_at_unix > now_unix,
            }
        }
        "rejected" => PollOutcome::Rejected,
        _ if request.expires_at_unix <= now_unix => PollOutcome::Expired,
        _ => PollOutcome::Pending,
    })
}

/// All paired clients, most recent first.
pub fn clients(conn: &Connection) -> Result<Vec<PairedClient>> {
    let mut statement = conn.prepare(
        "SELECT origin, label, browser, paired_at FROM paired_clients ORDER BY paired_at DESC",
    )?;
    let rows = statement
        .query_map([], |row| {
            Ok(PairedClient {
                origin: row.get(0)?,
                label: row.get(1)?,
                browser: row.get(2)?,
                paired_at: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
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
    async fn the_token_is_handed_out_again_until_the_request_expires() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open");
        let created = 1_000_000;
        let stored = request(created);
        let id = stored.id.clone();
        let approved = id.clone();
        store
            .write(move |tx| {
                create(tx, &stored, created)?;
                decide(tx, &approved, true, "2026-11-28T12:01:00Z", created + 60)?;
                Ok(())
            })
            .await
            .expect("approve");
        let handed = PollOutcome::Approved {
            hand_out_token: true,
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
            PollOutcome::Approved {
                hand_out_token: false
            },
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
    }
}
