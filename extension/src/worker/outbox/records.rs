//! The outbox's records in IndexedDB: opening the database, writing and reading reports
//! (their screenshots kept as JavaScript bytes) and attestations, and what the popup and
//! the badge show of them.

use balise_core::report::{AttestationV1, ReportAnnotation};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

use super::{
    AttestationEntry, DB_NAME, DB_VERSION, EntryState, OutboxEntry, OutboxItem, Queued, STORE,
    STORES,
};
use crate::browser;
use crate::idb::Database;
use crate::settings;

pub(super) async fn open() -> Result<Database, JsValue> {
    Database::open(DB_NAME, DB_VERSION, STORES).await
}

/// The extension origin's database (the service worker and the extension's pages only:
/// in a content script it would be the page's).
pub async fn database() -> Result<Database, JsValue> {
    open().await
}

pub(super) fn decode<T: DeserializeOwned>(value: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(JsValue::from)
}

pub(super) fn encode<T: Serialize>(entry: &T) -> Result<JsValue, JsValue> {
    // Not `json_compatible`: the screenshot must stay a Uint8Array, not an array of numbers.
    serde_wasm_bindgen::to_value(entry).map_err(JsValue::from)
}

/// Writes `entry` durably (the transaction has committed when this returns).
pub async fn put<T: Queued>(entry: &T) -> Result<(), JsValue> {
    open().await?.put(T::STORE, &encode(entry)?).await
}

/// Writes a new report's `entry` with `screenshot` as its PNG (the entry's own
/// `screenshot` is left empty): the bytes go from the capture to IndexedDB without a copy
/// through the wasm memory. The stored record is the same as [`put`]'s. `durable`: a
/// strict commit, as [`put`]'s; otherwise relaxed (written, not yet `fsync`ed).
pub async fn put_report(
    entry: &OutboxEntry,
    screenshot: &js_sys::Uint8Array,
    durable: bool,
) -> Result<(), JsValue> {
    let record = encode(entry)?;
    js_sys::Reflect::set(&record, &JsValue::from_str("screenshot"), screenshot)?;
    let db = open().await?;
    if durable {
        db.put(STORE, &record).await
    } else {
        db.put_relaxed(STORE, &record).await
    }
}

thread_local! {
    /// New reports' outbox writes still under way, by report id: the answer to a report
    /// the companion already stored does not wait for its write, but a note added to it
    /// does ([`annotate`]).
    static WRITES: std::cell::RefCell<Vec<(String, js_sys::Promise)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Records that report `id`'s outbox write is `write` until [`write_done`].
pub fn write_started(id: &str, write: &js_sys::Promise) {
    WRITES.with(|writes| writes.borrow_mut().push((id.to_owned(), write.clone())));
}

/// Report `id`'s outbox write has ended (committed or failed).
pub fn write_done(id: &str) {
    WRITES.with(|writes| writes.borrow_mut().retain(|(written, _)| written != id));
}

/// Waits for report `id`'s outbox write, if one is under way.
pub(super) async fn write_settled(id: &str) {
    let write = WRITES.with(|writes| {
        writes
            .borrow()
            .iter()
            .find(|(written, _)| written == id)
            .map(|(_, write)| write.clone())
    });
    if let Some(write) = write {
        let _ = wasm_bindgen_futures::JsFuture::from(write).await;
    }
}

/// Every record of `store`, each read by `read`, oldest first by `created_at`.
pub(super) async fn read_all<T>(
    store: &str,
    read: impl Fn(JsValue) -> Result<T, JsValue>,
    created_at: impl Fn(&T) -> &str,
) -> Result<Vec<T>, JsValue> {
    let mut records = open()
        .await?
        .get_all(store)
        .await?
        .into_iter()
        .map(read)
        .collect::<Result<Vec<_>, _>>()?;
    records.sort_by(|a, b| created_at(a).cmp(created_at(b)));
    Ok(records)
}

/// Every record of `T`'s store, oldest first.
pub(super) async fn all<T: Queued>() -> Result<Vec<T>, JsValue> {
    read_all(T::STORE, decode::<T>, T::created_at).await
}

/// A report's record as read from the outbox: its fields, and its screenshot left as the
/// JavaScript bytes IndexedDB gave (never copied into the wasm memory, which only grows:
/// a waiting report's PNG would stay there until the worker stops).
pub(super) struct StoredReport {
    /// The record's fields; `entry.screenshot` is empty.
    pub(super) entry: OutboxEntry,
    pub(super) screenshot: js_sys::Uint8Array,
}

impl StoredReport {
    /// Writes the record back durably, its screenshot's bytes as they were read.
    pub(super) async fn put(&self) -> Result<(), JsValue> {
        put_report(&self.entry, &self.screenshot, true).await
    }
}

/// Reads a report's `record` without copying its screenshot into the wasm memory.
pub(super) fn decode_report(record: JsValue) -> Result<StoredReport, JsValue> {
    let field = JsValue::from_str("screenshot");
    let value = js_sys::Reflect::get(&record, &field)?;
    if let Some(screenshot) = value.dyn_ref::<js_sys::Uint8Array>() {
        let screenshot = screenshot.clone();
        // Read the other fields only: the record is this read's own copy.
        js_sys::Reflect::set(&record, &field, &js_sys::Uint8Array::new_with_length(0))?;
        return Ok(StoredReport {
            entry: decode(record)?,
            screenshot,
        });
    }
    // Not the bytes this outbox writes (a record of another shape): read it whole.
    let mut entry: OutboxEntry = decode(record)?;
    let screenshot = js_sys::Uint8Array::from(entry.screenshot.as_slice());
    entry.screenshot = Vec::new();
    Ok(StoredReport { entry, screenshot })
}

/// Every report entry, oldest first, each with its screenshot left in JavaScript.
pub(super) async fn reports() -> Result<Vec<StoredReport>, JsValue> {
    read_all(STORE, decode_report, |report| &report.entry.created_at).await
}

/// Every attestation entry, oldest first.
pub async fn attestation_entries() -> Result<Vec<AttestationEntry>, JsValue> {
    all::<AttestationEntry>().await
}

/// What the popup shows of every report entry, oldest first: read from each record without
/// its screenshot or report (the deserializer reads only the item's own fields).
pub async fn items() -> Result<Vec<OutboxItem>, JsValue> {
    read_all(STORE, decode::<OutboxItem>, |item| &item.created_at).await
}

/// The attestations that wait, for the popup.
pub async fn attestation_items() -> Result<Vec<OutboxItem>, JsValue> {
    Ok(attestation_entries()
        .await?
        .iter()
        .map(OutboxItem::from)
        .collect())
}

/// Checks `attestation` and keeps it durably until the companion stores it (the
/// transaction has committed when this returns). Recording the same id again replaces the
/// waiting copy; the companion answers a replay of a stored one without storing it twice.
pub async fn record_attestation(attestation: &AttestationV1) -> Result<(), JsValue> {
    attestation
        .validate()
        .map_err(|error| JsValue::from_str(&format!("invalid attestation: {error}")))?;
    let entry = AttestationEntry {
        id: attestation.id.to_ascii_lowercase(),
        body: browser::to_json(attestation)?,
        site: attestation.site.clone(),
        page_url: attestation.page_url.clone(),
        created_at: browser::now_rfc3339(),
        attempts: 0,
        last_error: None,
        state: EntryState::Waiting,
    };
    put(&entry).await
}

/// Whether entry `id` still waits in the outbox.
pub async fn contains(id: &str) -> Result<bool, JsValue> {
    Ok(open().await?.get(STORE, id).await?.is_some())
}

/// Records a category or note for report `id`, whether or not the report is still waiting.
pub async fn annotate(id: &str, annotation: ReportAnnotation) -> Result<(), JsValue> {
    annotation
        .validate()
        .map_err(|error| JsValue::from_str(&error.to_string()))?;
    // A report answered as soon as the companion stored it may still be writing its
    // outbox copy, which would otherwise replace the note's record.
    write_settled(id).await;
    let db = open().await?;
    let mut report = match db.get(STORE, id).await? {
        Some(value) => decode_report(value)?,
        // Delivered already: only a report this browser made (kept among the recent ones)
        // takes a note, never an id a message names.
        None if !settings::recent_reports()
            .await
            .iter()
            .any(|recent| recent.id == id) =>
        {
            return Err(JsValue::from_str(&format!(
                "no report {id} was made in this browser / aucun signalement {id} n'a été fait dans ce navigateur"
            )));
        }
        None => StoredReport {
            entry: OutboxEntry {
                id: id.to_owned(),
                idempotency_key: browser::random_uuid(),
                report_json: String::new(),
                screenshot: Vec::new(),
                page_url: String::new(),
                page_title: String::new(),
                created_at: browser::now_rfc3339(),
                attempts: 0,
                last_error: None,
                state: EntryState::Waiting,
                report_stored: true,
                annotation: None,
                annotation_key: None,
            },
            screenshot: js_sys::Uint8Array::new_with_length(0),
        },
    };
    report.entry.annotation = Some(annotation);
    report.entry.annotation_key = Some(browser::random_uuid());
    report.put().await
}

/// Updates the toolbar badge with the number of reports and attestations that wait.
///
/// Attestations count too: like a report, an attestation waiting here is evidence that
/// exists only in this browser, and the badge is the one sign, visible without opening
/// anything, that something has not reached the companion (clearing the browser's data or
/// uninstalling would lose it). Leaving them out would show a clean badge to a content
/// manager whose companion has been down all day.
pub async fn update_badge() {
    let (Ok(entries), Ok(attestations)) = (items().await, attestation_entries().await) else {
        return;
    };
    let rejected = entries
        .iter()
        .any(|entry| entry.state == EntryState::Rejected)
        || attestations
            .iter()
            .any(|entry| entry.state == EntryState::Rejected);
    let count = entries.len() + attestations.len();
    let text = if count == 0 {
        String::new()
    } else {
        count.to_string()
    };
    let color = if rejected { "#b3261e" } else { "#0b5cad" };
    let _ = browser::set_badge(&text, color).await;
}
