//! The store's clock. The store never reads the time itself: every `*_at_us` it writes (log
//! entries, month closes, registrations, API keys) comes from the clock it was opened with, so
//! tests can fix it and check exactly what was stored.

use std::sync::atomic::{AtomicI64, Ordering};

/// Where the store gets the time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in microseconds since the Unix epoch, UTC.
    fn now_us(&self) -> i64;
}

/// The system's wall clock: the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> i64 {
        chrono::Utc::now().timestamp_micros()
    }
}

/// A clock that says what it is told (tests, replays): a fixed time until set again.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(now_us: i64) -> FixedClock {
        FixedClock(AtomicI64::new(now_us))
    }

    pub fn set(&self, now_us: i64) {
        self.0.store(now_us, Ordering::Relaxed);
    }

    /// Move the clock on by `us` microseconds.
    pub fn advance(&self, us: i64) {
        self.0.fetch_add(us, Ordering::Relaxed);
    }
}

impl Clock for FixedClock {
    fn now_us(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_says_what_it_is_told() {
        let c = FixedClock::new(5);
        assert_eq!(c.now_us(), 5);
        c.advance(10);
        assert_eq!(c.now_us(), 15);
        c.set(-1);
        assert_eq!(c.now_us(), -1);
        assert!(SystemClock.now_us() > 1_700_000_000_000_000);
    }
}
