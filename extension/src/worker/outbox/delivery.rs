//! Delivery to the companion: one loop over what waits ([`flush`]) with one guard against
//! concurrent runs and one retry backoff, and a new report's first upload
//! ([`deliver_written`]), which runs beside its outbox write.

use std::cell::Cell;

use balise_core::report::{ReportV1, Reporter};
use serde::{Deserialize, Serialize};

use super::records::{
    StoredReport, attestation_entries, decode_report, items, open, put, put_report, reports,
    update_badge,
};
use super::{ATTESTATION_STORE, EntryState, OutboxEntry, Queued, STORE};
use crate::browser;
use crate::settings;
use crate::worker::companion_client::{self, DeliveryFailure};

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
    crate::worker::schedule_alarm().await;
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
        match deliver_stored(&mut report, &pairing, &settings, waiting).await {
            Ok(()) => {}
            Err(AfterFailure::NextEntry) => continue,
            Err(AfterFailure::Stop(outcome)) => return outcome,
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

/// Sends one waiting report, then the category or note added to it, as far as the
/// companion has not stored them yet. On a failure the entry is written back with why, and
/// the error says whether the loop goes on.
async fn deliver_stored(
    report: &mut StoredReport,
    pairing: &settings::Pairing,
    settings: &settings::Settings,
    waiting: u32,
) -> Result<(), AfterFailure> {
    let entry = &mut report.entry;
    if !entry.report_stored {
        let Some(report_json) = with_identity(&entry.report_json, settings) else {
            entry.last_error = Some("identity-missing".to_owned());
            let _ = report.put().await;
            return Err(AfterFailure::NextEntry);
        };
        if report_json != entry.report_json {
            // The bytes are kept before they are first sent: if the companion stores them
            // and its answer is lost (the browser closes meanwhile), the retry sends them
            // again, which the companion takes as the same report, and not a report
            // rebuilt from a name edited since, which it would refuse.
            entry.report_json = report_json;
            if report.put().await.is_err() {
                return Err(AfterFailure::NextEntry);
            }
        }
        let entry = &mut report.entry;
        entry.attempts += 1;
        let delivery = companion_client::send_report(
            pairing,
            &entry.idempotency_key,
            &entry.report_json,
            &report.screenshot,
        )
        .await;
        if let Err(failure) = delivery {
            let after = note_failure(entry, failure, waiting).await;
            let _ = report.put().await;
            return Err(after);
        }
        entry.report_stored = true;
        entry.report_json.clear();
        report.screenshot = js_sys::Uint8Array::new_with_length(0);
    }
    let entry = &mut report.entry;
    if let (Some(annotation), Some(key)) = (entry.annotation.clone(), entry.annotation_key.clone())
    {
        let delivery =
            companion_client::send_annotation(pairing, &key, &entry.id, &annotation).await;
        if let Err(failure) = delivery {
            let after = note_failure(entry, failure, waiting).await;
            let _ = report.put().await;
            return Err(after);
        }
        entry.annotation = None;
        entry.annotation_key = None;
    }
    Ok(())
}
