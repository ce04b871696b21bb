//! Automatic redaction of reports past the retention period (`[privacy] retention_days`):
//! once when the companion starts, then every day while it runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use time::OffsetDateTime;

use crate::error::Result;
use crate::store::privacy::{self, RedactedBy, RedactionRequest};
use crate::store::{Store, format_utc, now_utc};

/// How often the retention period is applied while the companion runs.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// The reason recorded for a redaction by retention, French then English.
pub fn retention_reason(days: u32) -> String {
    format!(
        "Délai de conservation de {days} jours dépassé (réglage [privacy] retention_days) / \
         Retention period of {days} days passed ([privacy] retention_days setting)"
    )
}

/// Redacts every report received more than `retention_days` before `now`, in one
/// transaction; returns their ids (oldest first) and logs each.
pub async fn sweep(store: &Store, retention_days: u32, now: OffsetDateTime) -> Result<Vec<String>> {
    let cutoff = format_utc(now - time::Duration::days(i64::from(retention_days)));
    let redacted = store
        .write(move |tx| -> crate::store::Result<_> {
            let ids = privacy::received_before(tx, &cutoff)?;
            let recorded_at = now_utc();
            let mut hashes = Vec::with_capacity(ids.len());
            for id in &ids {
                let stored = privacy::redact(
                    tx,
                    &RedactionRequest {
                        report_id: id.clone(),
                        reason: retention_reason(retention_days),
                        by: RedactedBy::Retention,
                        manager: None,
                        retention_days: Some(retention_days),
                    },
                    &recorded_at,
                )?;
                hashes.push(stored.redaction.screenshot_sha256);
            }
            Ok((ids, hashes))
        })
        .await?;
    let (redacted, hashes) = redacted;
    if !hashes.is_empty() {
        // Committed: their screenshots' files go too (those no other report shares; if this
        // fails, the sweep at the next start removes them).
        if let Err(error) = store.remove_unreferenced_screenshot_files(hashes).await {
            tracing::warn!(%error, "redacted reports' screenshot files are left until the next start");
        }
    }
    for id in &redacted {
        tracing::info!(report = %id, retention_days, "report redacted: its retention period had passed");
    }
    if !redacted.is_empty() {
        store.checkpoint_truncate().await?;
    }
    Ok(redacted)
}

/// Applies the retention period now and then every [`SWEEP_INTERVAL`] until `stop`
/// completes; the period is read each time (the settings page may change it).
pub async fn run(
    store: Store,
    retention_days: Arc<AtomicU32>,
    stop: impl Future<Output = ()> + Send,
) {
    tokio::pin!(stop);
    loop {
        let days = retention_days.load(Ordering::Relaxed);
        if days > 0
            && let Err(error) = sweep(&store, days, OffsetDateTime::now_utc()).await
        {
            tracing::error!(%error, "applying the retention period failed; retrying tomorrow");
        }
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(SWEEP_INTERVAL) => {}
        }
    }
}
