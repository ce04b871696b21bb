//! The paired browsers the API answers, in memory: each one's origin and the SHA-256 of its own token.
//!
//! Loaded from `paired_clients` at start, then changed only after a database commit
//! (approval, revocation). A browser paired before each had its own token has no token
//! hash: it is still paired (its origin passes the guard) and uses the shared API token.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError, RwLock};

use crate::store::pairing::PairedClient;
use crate::store::sha256_hex;

/// How often, at most, a client's last use is written to the database.
pub const LAST_USE_RESOLUTION_SECS: i64 = 60;

/// A paired browser whose token was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownClient {
    /// Its id (the pairing request that paired it).
    pub id: String,
    /// Its exact origin.
    pub origin: String,
}

#[derive(Debug, Default)]
struct Active {
    by_token: HashMap<String, KnownClient>,
    origins: HashSet<String>,
}

/// The paired, unrevoked browsers.
#[derive(Debug, Default)]
pub struct ClientRegistry {
    active: RwLock<Active>,
    last_written: Mutex<HashMap<String, i64>>,
}

impl ClientRegistry {
    /// The registry for these stored clients (revoked ones are left out).
    pub fn new(clients: impl IntoIterator<Item = PairedClient>) -> Self {
        let registry = Self::default();
        for client in clients {
            registry.add(&client);
        }
        registry
    }

    /// Adds (or replaces, for the same origin) a client after its approval was committed.
    pub fn add(&self, client: &PairedClient) {
        if client.revoked_at.is_some() {
            return;
        }
        let mut active = self.active.write().unwrap_or_else(PoisonError::into_inner);
        active
            .by_token
            .retain(|_, known| known.origin != client.origin);
        active.origins.insert(client.origin.clone());
        if let Some(hash) = &client.token_sha256 {
            active.by_token.insert(
                hash.clone(),
                KnownClient {
                    id: client.id.clone(),
                    origin: client.origin.clone(),
                },
            );
        }
    }

    /// Removes a client after its revocation was committed.
    pub fn remove(&self, client: &PairedClient) {
        let mut active = self.active.write().unwrap_or_else(PoisonError::into_inner);
        active.by_token.retain(|_, known| known.id != client.id);
        active.origins.remove(&client.origin);
    }

    /// Whether an origin belongs to a paired, unrevoked browser.
    pub fn is_paired(&self, origin: &str) -> bool {
        self.active
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .origins
            .contains(origin)
    }

    /// Whether any browser is paired.
    pub fn any_paired(&self) -> bool {
        !self
            .active
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .origins
            .is_empty()
    }

    /// The browser whose own token this is, if any. (Looked up by the token's SHA-256, so
    /// the lookup's timing says nothing about the token.)
    pub fn find(&self, token: &str) -> Option<KnownClient> {
        let hash = sha256_hex(token.as_bytes());
        self.active
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .by_token
            .get(&hash)
            .cloned()
    }

    /// Whether a use at `now_unix` should be written (at most once a minute per client).
    pub fn note_use(&self, id: &str, now_unix: i64) -> bool {
        let mut written = self
            .last_written
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match written.get(id) {
            Some(at) if now_unix - at < LAST_USE_RESOLUTION_SECS => false,
            _ => {
                written.insert(id.to_owned(), now_unix);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(id: &str, origin: &str, token: Option<&str>) -> PairedClient {
        PairedClient {
            id: id.into(),
            origin: origin.into(),
            label: "l".into(),
            browser: "chromium".into(),
            paired_at: "t".into(),
            token_sha256: token.map(|t| sha256_hex(t.as_bytes())),
            last_used_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn tokens_are_found_replaced_and_revoked() {
        let legacy = client("r0", "chrome-extension://legacy", None);
        let mut revoked = client("r9", "chrome-extension://gone", Some("old"));
        revoked.revoked_at = Some("t".into());
        let registry = ClientRegistry::new([
            client("r1", "chrome-extension://a", Some("token-a")),
            legacy,
            revoked,
        ]);
        assert_eq!(
            registry.find("token-a").map(|c| c.id),
            Some("r1".to_owned())
        );
        assert!(registry.is_paired("chrome-extension://legacy"));
        assert!(!registry.is_paired("chrome-extension://gone"));
        assert_eq!(registry.find("old"), None);

        // Pairing the same origin again replaces its token.
        registry.add(&client("r2", "chrome-extension://a", Some("token-b")));
        assert_eq!(registry.find("token-a"), None);
        assert_eq!(
            registry.find("token-b").map(|c| c.id),
            Some("r2".to_owned())
        );

        registry.remove(&client("r2", "chrome-extension://a", Some("token-b")));
        assert_eq!(registry.find("token-b"), None);
        assert!(!registry.is_paired("chrome-extension://a"));
        assert!(registry.any_paired(), "the legacy browser is still paired");
    }

    #[test]
    fn last_use_is_written_at_most_once_a_minute() {
        let registry = ClientRegistry::default();
        assert!(registry.note_use("r1", 1000));
        assert!(!registry.note_use("r1", 1059));
        assert!(registry.note_use("r1", 1060));
        assert!(registry.note_use("r2", 1060));
    }
}
