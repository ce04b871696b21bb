//! A sliding-window rate limit: at most `max` events in any `window_ms` milliseconds, for
//! what a page can make the extension do by itself (attestations of publications).

use std::collections::VecDeque;

/// At most `max` events accepted in any window of `window_ms` milliseconds; the refused
/// ones do not count.
#[derive(Debug, Clone)]
pub struct RateLimit {
    max: usize,
    window_ms: f64,
    accepted: VecDeque<f64>,
}

impl RateLimit {
    /// A limit of `max` events per `window_ms` milliseconds.
    pub fn new(max: usize, window_ms: f64) -> RateLimit {
        RateLimit {
            max,
            window_ms,
            accepted: VecDeque::with_capacity(max),
        }
    }

    /// Whether an event at `now_ms` is accepted; if it is, it counts from then on. A clock
    /// that goes back (a changed system time) restarts the window rather than blocking.
    pub fn allow(&mut self, now_ms: f64) -> bool {
        if self.accepted.back().is_some_and(|last| *last > now_ms) {
            self.accepted.clear();
        }
        while self
            .accepted
            .front()
            .is_some_and(|first| now_ms - first >= self.window_ms)
        {
            self.accepted.pop_front();
        }
        if self.accepted.len() >= self.max {
            return false;
        }
        self.accepted.push_back(now_ms);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_gets_the_limit_and_no_more() {
        let mut limit = RateLimit::new(10, 60_000.0);
        let accepted = (0..5_000)
            .filter(|i| limit.allow(f64::from(*i) * 0.1))
            .count();
        assert_eq!(accepted, 10);
    }

    #[test]
    fn the_window_slides() {
        let mut limit = RateLimit::new(2, 1_000.0);
        assert!(limit.allow(0.0));
        assert!(limit.allow(100.0));
        assert!(!limit.allow(999.0));
        // The first one leaves the window: one more, not two.
        assert!(limit.allow(1_000.0));
        assert!(!limit.allow(1_050.0));
        assert!(limit.allow(1_100.0));
    }

    #[test]
    fn refused_events_do_not_count() {
        let mut limit = RateLimit::new(1, 1_000.0);
        assert!(limit.allow(0.0));
        for t in 1..100 {
            assert!(!limit.allow(f64::from(t)));
        }
        assert!(limit.allow(1_000.0));
    }

    #[test]
    fn a_clock_going_back_restarts_the_window() {
        let mut limit = RateLimit::new(1, 1_000.0);
        assert!(limit.allow(50_000.0));
        assert!(limit.allow(10.0));
        assert!(!limit.allow(20.0));
    }
}
