//! Dashboard sign-in: one-time sign-in links and the sessions they open, kept as SHA-256 only.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::store::Result;

/// What redeeming a sign-in link found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redeemed {
    /// The link was valid: the session is stored.
    SignedIn,
    /// No such link.
    Unknown,
    /// The link was already used.
    AlreadyUsed,
    /// The link expired before it was used.
    Expired,
}

/// Stores a new sign-in link (its code's SHA-256), and forgets links and sessions that expired.
pub fn create_link(
    tx: &Transaction<'_>,
    code_sha256: &str,
    now: &str,
    now_unix: i64,
    expires_at_unix: i64,
) -> Result<()> {
    forget_expired(tx, now_unix)?;
    tx.execute(
        "INSERT INTO signin_links (code_sha256, created_at, expires_at_unix) VALUES (?1, ?2, ?3)",
        params![code_sha256, now, expires_at_unix],
    )?;
    Ok(())
}

/// Uses a sign-in link once: on success, marks it used and stores the session.
pub fn redeem_link(
    tx: &Transaction<'_>,
    code_sha256: &str,
    session_sha256: &str,
    now: &str,
    now_unix: i64,
    session_expires_at_unix: i64,
) -> Result<Redeemed> {
    let link: Option<(i64, Option<String>)> = tx
        .query_row(
            "SELECT expires_at_unix, used_at FROM signin_links WHERE code_sha256 = ?1",
            [code_sha256],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let outcome = match link {
        None => Redeemed::Unknown,
        Some((_, Some(_))) => Redeemed::AlreadyUsed,
        Some((expires, None)) if expires <= now_unix => Redeemed::Expired,
        Some(_) => {
            tx.execute(
                "UPDATE signin_links SET used_at = ?2 WHERE code_sha256 = ?1",
                params![code_sha256, now],
            )?;
            tx.execute(
                "INSERT INTO dashboard_sessions (id_sha256, created_at, expires_at_unix)
                 VALUES (?1, ?2, ?3)",
                params![session_sha256, now, session_expires_at_unix],
            )?;
            Redeemed::SignedIn
        }
    };
    Ok(outcome)
}

/// Whether a session exists and has not expired.
pub fn is_valid(conn: &Connection, session_sha256: &str, now_unix: i64) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM dashboard_sessions WHERE id_sha256 = ?1 AND expires_at_unix > ?2)",
        params![session_sha256, now_unix],
        |row| row.get(0),
    )?)
}

/// Ends a session (signing out).
pub fn end(tx: &Transaction<'_>, session_sha256: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM dashboard_sessions WHERE id_sha256 = ?1",
        [session_sha256],
    )?;
    Ok(())
}

fn forget_expired(tx: &Transaction<'_>, now_unix: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM signin_links WHERE expires_at_unix <= ?1",
        [now_unix],
    )?;
    tx.execute(
        "DELETE FROM dashboard_sessions WHERE expires_at_unix <= ?1",
        [now_unix],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[tokio::test]
    async fn a_link_opens_one_session_once_and_only_before_it_expires() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open");
        let outcome = store
            .write(|tx| -> Result<_> {
                create_link(tx, "code-a", "t", 100, 200)?;
                create_link(tx, "code-b", "t", 100, 150)?;
                Ok((
                    redeem_link(tx, "code-a", "session-1", "t", 120, 1000)?,
                    redeem_link(tx, "code-a", "session-2", "t", 121, 1000)?,
                    redeem_link(tx, "code-b", "session-3", "t", 150, 1000)?,
                    redeem_link(tx, "nope", "session-4", "t", 120, 1000)?,
                ))
            })
            .await
            .expect("redeem");
        assert_eq!(
            outcome,
            (
                Redeemed::SignedIn,
                Redeemed::AlreadyUsed,
                Redeemed::Expired,
                Redeemed::Unknown
            )
        );
        let valid = store
            .read(|tx| -> Result<_> {
                Ok([
                    is_valid(tx, "session-1", 999)?,
                    is_valid(tx, "session-1", 1000)?,
                    is_valid(tx, "session-2", 500)?,
                    is_valid(tx, "session-3", 500)?,
                ])
            })
            .await
            .expect("read");
        assert_eq!(valid, [true, false, false, false]);
        store
            .write(|tx| end(tx, "session-1"))
            .await
            .expect("sign out");
        let after = store
            .read(|tx| is_valid(tx, "session-1", 500))
            .await
            .expect("read");
        assert!(!after, "a session ended by signing out is gone");
    }
}
