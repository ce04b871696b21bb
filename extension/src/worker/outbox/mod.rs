//! The durable outbox: every report, and every publication's attestation, is written to
//! IndexedDB (a new report's write starts before its first upload, which runs beside it),
//! and stays there until the companion answers that it is stored.
//!
//! Reports and attestations live in two object stores of one database and go through one
//! delivery loop ([`flush`]): one guard against concurrent runs, one retry backoff, one
//! way of setting aside what the companion refuses for good ([`Queued`]).

//!
//! - [`records`]: the database, its records and the reads and writes of them;
//! - [`delivery`]: the delivery loop, its retries, and a new report's first upload.

mod delivery;
mod records;

use balise_core::report::ReportAnnotation;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use delivery::{FlushOutcome, deliver_written, flush, flush_now, forget_delivered, waits};
pub use records::{
    annotate, attestation_items, contains, database, items, put_report, record_attestation,
    update_badge, write_done, write_started,
};

const DB_NAME: &str = "balise";
/// Version 1 had the `outbox` store only; version 2 adds `attestations`; version 3 adds
/// `pairing`. The upgrade ([`Database::open`]) creates the stores that are missing and
/// leaves the others, and their records, as they are.
const DB_VERSION: u32 = 3;
/// Reports (and annotations of reports).
const STORE: &str = "outbox";
/// Attestations of publications.
const ATTESTATION_STORE: &str = "attestations";
/// The pairing with the companion, its token included: in the extension origin's
/// database, which content scripts (running in the page's origin) cannot open, unlike
/// `chrome.storage.local`.
pub const PAIRING_STORE: &str = "pairing";
const STORES: &[&str] = &[STORE, ATTESTATION_STORE, PAIRING_STORE];

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryState {
    /// Waits for the companion (down, not paired yet, or identity missing).
    Waiting,
    /// The companion refused it for good; kept so nothing is lost, shown to the person.
    Rejected,
}

/// One report (or a later annotation of one) waiting for the companion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// The report's id.
    pub id: String,
    pub idempotency_key: String,
    /// The report exactly as it will be sent (empty once stored).
    pub report_json: String,
    /// The PNG bytes whose SHA-256 the report carries.
    #[serde(with = "serde_bytes")]
    pub screenshot: Vec<u8>,
    pub page_url: String,
    pub page_title: String,
    pub created_at: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub state: EntryState,
    /// Whether the companion has stored the report itself.
    pub report_stored: bool,
    /// A category or note the person added after the report, still to send.
    pub annotation: Option<ReportAnnotation>,
    pub annotation_key: Option<String>,
}

/// What the popup and the badge show.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItem {
    pub id: String,
    pub page_url: String,
    pub page_title: String,
    pub created_at: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub state: EntryState,
}

/// One publication's attestation waiting for the companion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationEntry {
    /// The attestation's id, also its `Idempotency-Key`.
    pub id: String,
    /// The attestation exactly as it is sent (JSON), so every retry sends the same bytes.
    pub body: String,
    pub site: String,
    pub page_url: String,
    /// When it entered the outbox.
    pub created_at: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub state: EntryState,
}

/// A record that waits in one object store until the companion stores it.
pub trait Queued: Serialize + DeserializeOwned {
    /// The object store that keeps it.
    const STORE: &'static str;
    fn created_at(&self) -> &str;
    fn state_mut(&mut self) -> &mut EntryState;
    fn last_error_mut(&mut self) -> &mut Option<String>;
}

/// Makes `$entry` a [`Queued`] record of `$store` and reads it as the popup's
/// [`OutboxItem`] (its `$title` field as the item's title): the one reader of both kinds
/// of records, whose common fields share their names.
macro_rules! queued_record {
    ($entry:ty, $store:expr, $title:ident) => {
        impl Queued for $entry {
            const STORE: &'static str = $store;
            fn created_at(&self) -> &str {
                &self.created_at
            }
            fn state_mut(&mut self) -> &mut EntryState {
                &mut self.state
            }
            fn last_error_mut(&mut self) -> &mut Option<String> {
                &mut self.last_error
            }
        }

        impl From<&$entry> for OutboxItem {
            fn from(entry: &$entry) -> Self {
                Self {
                    id: entry.id.clone(),
                    page_url: entry.page_url.clone(),
                    page_title: entry.$title.clone(),
                    created_at: entry.created_at.clone(),
                    attempts: entry.attempts,
                    last_error: entry.last_error.clone(),
                    state: entry.state,
                }
            }
        }
    };
}

queued_record!(OutboxEntry, STORE, page_title);
queued_record!(AttestationEntry, ATTESTATION_STORE, site);
