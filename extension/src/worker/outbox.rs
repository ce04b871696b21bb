//! The durable outbox: every report, and every publication's attestation, is written to
//! IndexedDB (a new report's write starts before its first upload, which runs beside it),
//! and stays there until the companion answers that it is stored.
//!
//! Reports and attestations live in two object stores of one database and go through one
//! delivery loop ([`flush`]): one guard against concurrent runs, one retry backoff, one
//! way of setting aside what the companion refuses for good ([`Queued`]).

use std::cell::Cell;

use balise_core::report::{AttestationV1, ReportAnnotation, ReportV1, Reporter};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::browser;
use crate::idb::Database;
use crate::settings;
use crate::worker::companion_client::{self, DeliveryFailure};

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

async fn open() -> Result<Database, JsValue> {
    Database::open(DB_NAME, DB_VERSION, STORES).await
}

/// The extension origin's database (the service worker and the extension's pages only:
/// in a content script it would be the page's).
pub async fn database() -> Result<Database, JsValue> {
    open().await
}

fn decode<T: DeserializeOwned>(value: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(JsValue::from)
}

fn encode<T: Serialize>(entry: &T) -> Result<JsValue, JsValue> {
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
async fn write_settled(id: &str) {
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
async fn read_all<T>(
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
async fn all<T: Queued>() -> Result<Vec<T>, JsValue> {
    read_all(T::STORE, decode::<T>, T::created_at).await
}

/// A report's record as read from the outbox: its fields, and its screenshot left as the
/// JavaScript bytes IndexedDB gave (never copied into the wasm memory, which only grows:
/// a waiting report's PNG would stay there until the worker stops).
struct StoredReport {
    /// The record's fields; `entry.screenshot` is empty.
    entry: OutboxEntry,
    screenshot: js_sys::Uint8Array,
}

impl StoredReport {
    /// Writes the record back durably, its screenshot's bytes as they were read.
    async fn put(&self) -> Result<(), JsValue> {
        put_report(&self.entry, &self.screenshot, true).await
    }
}

/// Reads a report's `record` without copying its screenshot into the wasm memory.
fn decode_report(record: JsValue) -> Result<StoredReport, JsValue> {
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
async fn reports() -> Result<Vec<StoredReport>, JsValue> {
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

/// Delivers now, waiting for a delivery already under way to finish first.
pub async fn flush_now() -> FlushOutcome {
    for _ in 0..600 {
        match flush().await {
            FlushOutcome::Busy => {
                gloo_timers::future::sleep(std::time::Duration::from_millis(25)).await
            }
            outcome => return outcome,
        }
    }
    FlushOutcome::Busy
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

thread_local! {
    static FLUSHING: Cell<bool> = const { Cell::new(false) };
    /// Delay before the next retry while the worker lives (the alarm covers a stopped worker).
    static RETRY_DELAY_MS: Cell<u32> = const { Cell::new(0) };
    static RETRY_SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

/// First and longest delay between retries while the service worker stays alive.
const FIRST_RETRY_MS: u32 = 1_000;
const MAX_RETRY_MS: u32 = 30_000;

/// Tries again after a growing delay (1 s, 2 s, 4 s … 30 s) while the companion is down.
fn schedule_retry() {
    if RETRY_SCHEDULED.with(Cell::get) {
        return;
    }
    RETRY_SCHEDULED.with(|flag| flag.set(true));
    let delay = RETRY_DELAY_MS.with(|delay| {
        let next = match delay.get() {
            0 => FIRST_RETRY_MS,
            current => (current * 2).min(MAX_RETRY_MS),
        };
        delay.set(next);
        next
    });
    wasm_bindgen_futures::spawn_local(async move {
        gloo_timers::future::sleep(std::time::Duration::from_millis(u64::from(delay))).await;
        RETRY_SCHEDULED.with(|flag| flag.set(false));
        flush().await;
    });
}

/// Why delivery stopped, for the popup and options page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum FlushOutcome {
    /// Everything that could be sent was sent.
    Done { delivered: u32, waiting: u32 },
    /// Not paired with a companion yet: reports and attestations wait.
    NotPaired { waiting: u32 },
    /// The companion could not be reached; retried later.
    CompanionDown { waiting: u32, error: String },
    /// Another delivery is running.
    Busy,
}

/// Fills in the reporter from the settings on a report that was never sent without one.
fn with_identity(report_json: &str, settings: &settings::Settings) -> Option<String> {
    let mut report: ReportV1 = browser::from_json(report_json).ok()?;
    if !report.reporter.name.is_empty() && !report.reporter.email.is_empty() {
        return Some(report_json.to_owned());
    }
    if !settings.has_identity() {
        return None;
    }
    report.reporter = Reporter {
        name: settings.reporter_name.trim().to_owned(),
        email: settings.reporter_email.trim().to_owned(),
    };
    browser::to_json(&report).ok()
}

/// What the delivery loop does after an attempt that stored nothing.
enum AfterFailure {
    /// This entry is set aside (refused for good); go on with the next.
    NextEntry,
    /// Stop delivering for now.
    Stop(FlushOutcome),
}

/// Notes in `entry` (a report or an attestation) why it was not stored, and says whether to
/// go on; the caller writes it back.
async fn note_failure<T: Queued>(
    entry: &mut T,
    failure: DeliveryFailure,
    waiting: u32,
) -> AfterFailure {
    match failure {
        DeliveryFailure::Unauthorized => {
            let _ = settings::forget_pairing().await;
            *entry.last_error_mut() = Some("unauthorized".to_owned());
            AfterFailure::Stop(FlushOutcome::NotPaired { waiting })
        }
        DeliveryFailure::Rejected(error) => {
            *entry.state_mut() = EntryState::Rejected;
            *entry.last_error_mut() = Some(error);
            AfterFailure::NextEntry
        }
        DeliveryFailure::Retry(error) => {
            *entry.last_error_mut() = Some(error.clone());
            AfterFailure::Stop(FlushOutcome::CompanionDown { waiting, error })
        }
    }
}

/// Delivers `entry`, a report whose outbox write has started, without reading the outbox back:
/// the person's click is answered as soon as the companion has stored it. Returns whether
/// it was stored; the caller then removes its outbox copy with [`forget_delivered`]. On any
/// failure the entry stays as written, and the caller runs the regular [`flush`], which
/// records why and schedules the retry.
pub async fn deliver_written(
    entry: &OutboxEntry,
    screenshot: &js_sys::Uint8Array,
    settings: &settings::Settings,
    pairing: Option<&settings::Pairing>,
) -> bool {
    // Not paired: nothing to send to (the caller's flush records why).
    let Some(pairing) = pairing else {
        return false;
    };
    // One delivery at a time: a flush under way may hold older entries.
    for _ in 0..600 {
        if !FLUSHING.with(Cell::get) {
            break;
        }
        gloo_timers::future::sleep(std::time::Duration::from_millis(10)).await;
    }
    if FLUSHING.with(Cell::get) {
        return false;
    }
    FLUSHING.with(|flag| flag.set(true));
    let stored = send_written(entry, screenshot, settings, pairing).await;
    FLUSHING.with(|flag| flag.set(false));
    stored
}

async fn send_written(
    entry: &OutboxEntry,
    screenshot: &js_sys::Uint8Array,
    settings: &settings::Settings,
    pairing: &settings::Pairing,
) -> bool {
    let Some(report_json) = with_identity(&entry.report_json, settings) else {
        return false;
    };
    if report_json != entry.report_json {
        // As in the delivery loop: the exact bytes are kept before they are first sent.
        let mut filled = entry.clone();
        filled.report_json = report_json.clone();
        if put_report(&filled, screenshot, true).await.is_err() {
            return false;
        }
    }
    let delivery =
        companion_client::send_report(pairing, &entry.idempotency_key, &report_json, screenshot)
            .await;
    delivery.is_ok()
}

/// Removes report `id`'s outbox copy once [`deliver_written`] got it stored, unless a
/// category or note was added meanwhile, which then waits alone. Done after the person is
/// answered; until then a flush would only replay the report's idempotency key.
pub async fn forget_delivered(id: &str) {
    let Ok(db) = open().await else {
        return;
    };
    match db
        .get(STORE, id)
        .await
        .map(|value| value.map(decode_report))
    {
        Ok(Some(Ok(mut current))) if current.entry.annotation.is_some() => {
            current.entry.report_stored = true;
            current.entry.report_json.clear();
            current.screenshot = js_sys::Uint8Array::new_with_length(0);
            let _ = current.put().await;
        }
        _ => {
            let _ = db.delete(STORE, id).await;
        }
    }
}

/// Sends what waits, reports first (a person may be watching for their report's receipt),
/// then attestations, oldest first; deletes each entry only once the companion stored it.
pub async fn flush() -> FlushOutcome {
    if FLUSHING.with(Cell::get) {
        return FlushOutcome::Busy;
    }
    FLUSHING.with(|flag| flag.set(true));
    let outcome = flush_all().await;
    FLUSHING.with(|flag| flag.set(false));
    match outcome {
        FlushOutcome::CompanionDown { .. } => schedule_retry(),
        FlushOutcome::Done { .. } => RETRY_DELAY_MS.with(|delay| delay.set(0)),
        FlushOutcome::NotPaired { .. } | FlushOutcome::Busy => {}
    }
    update_badge().await;
    // Every 30 s while something waits, else every ten minutes.
    super::schedule_alarm().await;
    outcome
}

/// Whether a report, a note or an attestation waits for the companion (those it refused
/// for good are kept but no longer retried).
pub async fn waits() -> bool {
    let (Ok(entries), Ok(attestations)) = (items().await, attestation_entries().await) else {
        // Unreadable: keep retrying rather than risk leaving something behind.
        return true;
    };
    entries
        .iter()
        .any(|entry| entry.state == EntryState::Waiting)
        || attestations
            .iter()
            .any(|entry| entry.state == EntryState::Waiting)
}

async fn flush_all() -> FlushOutcome {
    let Ok(db) = open().await else {
        return FlushOutcome::CompanionDown {
            waiting: 0,
            error: "IndexedDB unavailable".to_owned(),
        };
    };
    let (Ok(all), Ok(attestations)) = (reports().await, attestation_entries().await) else {
        return FlushOutcome::CompanionDown {
            waiting: 0,
            error: "outbox unreadable".to_owned(),
        };
    };
    let mut waiting = (all.len() + attestations.len()) as u32;
    let Some(pairing) = settings::pairing().await else {
        return FlushOutcome::NotPaired { waiting };
    };
    let settings = settings::load().await;
    let mut delivered = 0;
    for mut report in all
        .into_iter()
        .filter(|report| report.entry.state == EntryState::Waiting)
    {
        let entry = &mut report.entry;
        if !entry.report_stored {
            let Some(report_json) = with_identity(&entry.report_json, &settings) else {
                entry.last_error = Some("identity-missing".to_owned());
                let _ = report.put().await;
                continue;
            };
            if report_json != entry.report_json {
                // The bytes are kept before they are first sent: if the companion stores
                // them and its answer is lost (the browser closes meanwhile), the retry
                // sends them again, which the companion takes as the same report, and
                // not a report rebuilt from a name edited since, which it would refuse.
                entry.report_json = report_json;
                if report.put().await.is_err() {
                    continue;
                }
            }
            let entry = &mut report.entry;
            entry.attempts += 1;
            let delivery = companion_client::send_report(
                &pairing,
                &entry.idempotency_key,
                &entry.report_json,
                &report.screenshot,
            )
            .await;
            if let Err(failure) = delivery {
                let after = note_failure(entry, failure, waiting).await;
                let _ = report.put().await;
                match after {
                    AfterFailure::NextEntry => continue,
                    AfterFailure::Stop(outcome) => return outcome,
                }
            }
            entry.report_stored = true;
            entry.report_json.clear();
            report.screenshot = js_sys::Uint8Array::new_with_length(0);
        }
        let entry = &mut report.entry;
        if let (Some(annotation), Some(key)) =
            (entry.annotation.clone(), entry.annotation_key.clone())
        {
            let delivery =
                companion_client::send_annotation(&pairing, &key, &entry.id, &annotation).await;
            if let Err(failure) = delivery {
                let after = note_failure(entry, failure, waiting).await;
                let _ = report.put().await;
                match after {
                    AfterFailure::NextEntry => continue,
                    AfterFailure::Stop(outcome) => return outcome,
                }
            }
            entry.annotation = None;
            entry.annotation_key = None;
        }
        if db.delete(STORE, &report.entry.id).await.is_ok() {
            delivered += 1;
            waiting = waiting.saturating_sub(1);
        }
    }
    for mut entry in attestations
        .into_iter()
        .filter(|entry| entry.state == EntryState::Waiting)
    {
        entry.attempts += 1;
        let delivery = companion_client::send_attestation(&pairing, &entry.id, &entry.body).await;
        if let Err(failure) = delivery {
            let after = note_failure(&mut entry, failure, waiting).await;
            let _ = put(&entry).await;
            match after {
                AfterFailure::NextEntry => continue,
                AfterFailure::Stop(outcome) => return outcome,
            }
        }
        if db.delete(ATTESTATION_STORE, &entry.id).await.is_ok() {
            delivered += 1;
            waiting = waiting.saturating_sub(1);
        }
    }
    FlushOutcome::Done { delivered, waiting }
}
