//! The accept loop: HTTP/1.1 connections served by hyper with a header read timeout, a
//! deadline on each request's body, a cap on open connections, and a graceful shutdown.
//!
//! `axum::serve` sets no timer, so a client sending its headers a byte at a time would hold
//! a connection for ever. Here each connection holds a permit of a semaphore of
//! `max_connections`; one more is answered `503 too_many_connections` and closed at once,
//! never queued.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::limits::{DeadlineBody, Limits};

/// What a connection over the cap is answered before it is closed: the error format of
/// every other answer.
fn too_many_connections() -> Vec<u8> {
    let body = serde_json::json!({
        "error": {
            "code": "too_many_connections",
            "message": "Trop de connexions ouvertes : réessayez plus tard. / \
                        Too many open connections: try again later.",
        }
    })
    .to_string();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their requests (the caller bounds how long).
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Some(limits.header_read_timeout))
        // A client that stops writing (a truncated body) still reads why it was refused.
        .half_close(true)
        .keep_alive(true);
    let http = Arc::new(http);
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a little, never spin.
                    tracing::warn!(%error, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            refuse(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let body_timeout = limits.body_read_timeout;
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(|body| Body::new(DeadlineBody::new(body, body_timeout)));
            if crate::timing::enabled() {
                request
                    .extensions_mut()
                    .insert(crate::timing::Arrived(std::time::Instant::now()));
            }
            let app = app.clone();
            async move {
                let Ok(response) = app.oneshot(request).await;
                Ok::<_, Infallible>(response)
            }
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = watched.await {
                tracing::debug!(%error, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Answers a connection over the cap without waiting for it, and closes it.
fn refuse(stream: TcpStream) {
    tracing::warn!("too many open connections: one refused");
    // A fresh socket's send buffer takes these few bytes at once; if not, the client just
    // sees the connection closed.
    let _ = stream.try_write(&too_many_connections());
    drop(stream);
}
