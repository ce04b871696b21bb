//! Balise's local companion server, as a library; `main.rs` is a thin binary over it.
//!
//! The companion listens on loopback only, stores reports and attestations from paired
//! browser extensions as evidence (SQLite, a hash-chained evidence log, screenshots
//! re-verified on every read), serves the manager's dashboard and pairing page, and
//! forwards reports by email (member → manager, manager → board) through the
//! organization's SMTP server, from a durable queue.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use balise_companion::{Companion, Settings, serve};
//! let settings = Settings::load(std::path::Path::new("/tmp/balise"))?;
//! let companion = Companion::open(settings)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! serve(listener, companion, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

pub mod accept;
pub mod against;
pub mod check;
pub mod clients;
pub mod error;
pub mod handlers;
pub mod html;
pub mod import;
pub mod lang;
pub mod limits;
pub mod mail;
pub mod openapi;
pub mod png;
pub mod policy_file;
pub mod privacy;
pub mod router;
pub mod security;
pub mod session;
pub mod settings;
pub mod state;
pub mod store;
pub mod timing;
pub mod token;

use std::future::Future;
use std::time::Duration;

pub use error::Error;
pub use settings::Settings;
pub use state::{AppState, Companion, StartupError, ensure_data_dir};
pub use store::{ChainStatus, Store, verify_evidence_chain};
pub use token::ApiToken;

/// After the shutdown signal, how long in-flight requests get before the server stops anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves the companion on `listener` until `shutdown` completes, then finishes in-flight
/// requests (at most [`SHUTDOWN_GRACE`]) and closes the database. Reports past the retention
/// period are redacted before the first request is answered, then daily.
pub async fn serve(
    listener: tokio::net::TcpListener,
    companion: Companion,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    let store = companion.store.clone();
    let paired = store
        .read(|tx| store::pairing::clients(tx))
        .await
        .map_err(|error| std::io::Error::other(Error::from(error)))?;
    let mailer = companion.mailer.clone();
    let retention_days = std::sync::Arc::clone(&companion.retention_days);
    let days = retention_days.load(std::sync::atomic::Ordering::Relaxed);
    if days > 0 {
        // Before serving, so that no page shows a report the retention period has expired.
        if let Err(error) = privacy::sweep(&store, days, time::OffsetDateTime::now_utc()).await {
            tracing::error!(%error, "applying the retention period at start-up failed");
        }
    }
    // Before serving (no upload of this process is in flight): temporary and orphan
    // screenshot files left by a crash, and files of erased screenshots not yet removed.
    match store.sweep_screenshot_files().await {
        Ok(swept) if swept.temporary + swept.orphans > 0 => tracing::info!(
            temporary = swept.temporary,
            orphans = swept.orphans,
            "screenshot files no report names were removed"
        ),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "sweeping the screenshot files failed"),
    }
    let limits = companion.settings.limits.clone();
    let state = AppState::new(companion, addr, paired);
    let app = router::router(state);

    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let (mail_stop_tx, mail_stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (retention_stop_tx, retention_stop_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = stopping_tx.send(());
        let _ = mail_stop_tx.send(());
        let _ = retention_stop_tx.send(());
    };
    let retention_worker = tokio::spawn({
        let store = store.clone();
        async move {
            // The start-up sweep just ran: the daily one starts a day later.
            tokio::select! {
                _ = retention_stop_rx => {}
                () = async {
                    tokio::time::sleep(privacy::SWEEP_INTERVAL).await;
                    privacy::run(store, retention_days, std::future::pending()).await;
                } => {}
            }
        }
    });
    let mail_worker = tokio::spawn(mailer.run(
        async move {
            let _ = mail_stop_rx.await;
        },
        SHUTDOWN_GRACE,
    ));
    let server = accept::serve_connections(listener, app, limits, signal);
    let deadline = async move {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let result = tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!("in-flight requests did not finish in time; stopping anyway");
            Ok(())
        }
    };
    // The mail worker stops taking new emails at the signal and finishes those in flight.
    if let Err(error) = mail_worker.await {
        tracing::warn!(%error, "mail worker");
    }
    retention_worker.abort();
    let _ = retention_worker.await;
    // Every handler has returned (or been dropped): close the connections, checkpointing the WAL.
    let closing = store.clone();
    let closed = tokio::task::spawn_blocking(move || closing.close()).await;
    match closed {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "closing the database"),
        Err(error) => tracing::warn!(%error, "closing the database"),
    }
    result
}
