//! Limits against slow and flooding clients: how long a request's head and body may take,
//! how many connections are open at once, and how fast one token may write (a token bucket).
//!
//! A local program can open connections to the companion and send a byte now and then
//! (slowloris), or send writes as fast as it can. The accept loop (`accept.rs`) applies the
//! connection cap and the read timeouts; `security::require_token` takes one write from the
//! caller's bucket before any state-changing API call, so an excess answers 429 before its
//! body is read and stores nothing. The defaults never hurt real use: the extension's
//! outbox may resend hundreds of waiting reports at once after downtime.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};

/// Default time a client has to send a request's whole head (request line and headers),
/// counted from the first byte of the request or from the end of the previous response on
/// a kept-alive connection (an idle connection is closed after it too).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a client has to send a request's whole body, counted from its head.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(20);
/// Default cap on open connections; the next ones are answered 503 and closed at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Default burst of authenticated writes per token: a full bucket.
pub const DEFAULT_WRITE_BURST: u32 = 1000;
/// Default steady rate of authenticated writes per token, once the burst is spent.
pub const DEFAULT_WRITES_PER_MINUTE: u32 = 600;

/// The limits the server runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// See [`DEFAULT_HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// See [`DEFAULT_BODY_READ_TIMEOUT`].
    pub body_read_timeout: Duration,
    /// See [`DEFAULT_MAX_CONNECTIONS`] (`[limits] max_connections`).
    pub max_connections: usize,
    /// See [`DEFAULT_WRITE_BURST`] (`[limits] write_burst`).
    pub write_burst: u32,
    /// See [`DEFAULT_WRITES_PER_MINUTE`] (`[limits] writes_per_minute`).
    pub writes_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            write_burst: DEFAULT_WRITE_BURST,
            writes_per_minute: DEFAULT_WRITES_PER_MINUTE,
        }
    }
}

/// One token bucket per caller (the shared token, each paired browser's own).
#[derive(Debug)]
pub struct WriteLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl WriteLimiter {
    /// A limiter allowing `burst` writes at once, then `per_minute` a minute.
    pub fn new(burst: u32, per_minute: u32) -> Self {
        Self {
            capacity: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one write for `caller` at `now`: `Ok(())`, or `Err(seconds)` to wait before
    /// the next one is allowed (at least 1).
    pub fn take(&self, caller: &str, now: Instant) -> Result<(), u64> {
        let mut buckets = match self.buckets.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let bucket = buckets.entry(caller.to_owned()).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_second;
            // A whole number of seconds, rounded up, as Retry-After wants.
            Err((wait.ceil() as u64).max(1))
        }
    }
}

/// A request body that fails with [`BodyTimeout`] once its deadline has passed.
#[derive(Debug)]
pub struct DeadlineBody<B> {
    inner: B,
    sleep: Pin<Box<tokio::time::Sleep>>,
    expired: bool,
}

impl<B> DeadlineBody<B> {
    /// `inner`, which must be read completely within `timeout` from now.
    pub fn new(inner: B, timeout: Duration) -> Self {
        Self {
            inner,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            expired: false,
        }
    }
}

/// The client did not send the request's body in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body was not received in time")]
pub struct BodyTimeout;

/// Whether an error (or one of its sources) is a [`BodyTimeout`].
pub fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<BodyTimeout>() {
            return true;
        }
        current = error.source();
    }
    false
}

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.expired {
            return Poll::Ready(Some(Err(Box::new(BodyTimeout))));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|frame| frame.map_err(Into::into))),
            Poll::Pending => {
                if this.sleep.as_mut().poll(cx).is_ready() {
                    this.expired = true;
                    Poll::Ready(Some(Err(Box::new(BodyTimeout))))
                } else {
                    Poll::Pending
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_steady_rate() {
        let limiter = WriteLimiter::new(3, 60);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take("a", start), Ok(()));
        }
        assert_eq!(limiter.take("a", start), Err(1));
        // Another caller has a bucket of its own.
        assert_eq!(limiter.take("b", start), Ok(()));
        // One a second comes back.
        assert_eq!(
            limiter.take("a", start + Duration::from_millis(1100)),
            Ok(())
        );
        assert_eq!(
            limiter.take("a", start + Duration::from_millis(1100)),
            Err(1)
        );
        // Never more than the burst, however long the wait.
        let later = start + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(limiter.take("a", later), Ok(()));
        }
        assert!(limiter.take("a", later).is_err());
    }

    #[test]
    fn retry_after_counts_whole_seconds() {
        let limiter = WriteLimiter::new(1, 6);
        let start = Instant::now();
        assert_eq!(limiter.take("a", start), Ok(()));
        assert_eq!(limiter.take("a", start), Err(10));
    }
}
