//! Where strategies read the time. State machines never do: they are handed `now`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A source of `Instant`s: the system's monotonic clock, or a [`ManualClock`] that moves only
/// when a test advances it. Cloning is cheap; clones of a manual clock share its time.
#[derive(Clone, Debug)]
pub struct Clock {
    manual: Option<Arc<Manual>>,
    /// Handed to services that never read the time (see `StateMachine::USES_CLOCK`).
    fixed: Instant,
}

#[derive(Debug)]
struct Manual {
    start: Instant,
    elapsed_nanos: AtomicU64,
}

impl Clock {
    /// The system's monotonic clock (`Instant::now`).
    pub fn system() -> Clock {
        Clock {
            manual: None,
            fixed: Instant::now(),
        }
    }

    /// The current instant.
    #[inline]
    pub fn now(&self) -> Instant {
        match &self.manual {
            None => Instant::now(),
            Some(manual) => {
                manual.start + Duration::from_nanos(manual.elapsed_nanos.load(Ordering::Acquire))
            }
        }
    }

    /// The instant to hand to state machine `S`: the current one if `S` uses the clock, else a
    /// fixed instant that costs nothing to read.
    #[inline]
    pub fn now_for<S: crate::StateMachine>(&self) -> Instant {
        if S::USES_CLOCK {
            self.now()
        } else {
            self.fixed
        }
    }

    /// `true` for a manual clock.
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }
}

/// A clock that stands still until [`advance`](ManualClock::advance) is called, so tests of
/// expiry neither sleep nor race the real clock.
#[derive(Clone, Debug)]
pub struct ManualClock {
    manual: Arc<Manual>,
}

impl ManualClock {
    /// A manual clock standing at the current real instant.
    pub fn new() -> ManualClock {
        ManualClock {
            manual: Arc::new(Manual {
                start: Instant::now(),
                elapsed_nanos: AtomicU64::new(0),
            }),
        }
    }

    /// A [`Clock`] that reads this manual clock; hand it to a strategy through `Settings`.
    pub fn clock(&self) -> Clock {
        Clock {
            manual: Some(self.manual.clone()),
            fixed: self.manual.start,
        }
    }

    /// Moves time forward by `by` for every clone of this clock.
    pub fn advance(&self, by: Duration) {
        // Saturate rather than wrap: 584 years of manual time is enough for any test.
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .manual
            .elapsed_nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_add(nanos))
            });
    }

    /// The current instant of this clock.
    pub fn now(&self) -> Instant {
        self.clock().now()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced_and_clones_share_it() {
        let manual = ManualClock::new();
        let clock = manual.clock();
        let t0 = clock.now();
        assert_eq!(clock.now(), t0);
        manual.advance(Duration::from_secs(3));
        assert_eq!(clock.now(), t0 + Duration::from_secs(3));
        assert_eq!(manual.clone().now(), t0 + Duration::from_secs(3));
        assert!(clock.is_manual());
        assert!(!Clock::system().is_manual());
    }

    #[test]
    fn system_clock_is_monotonic() {
        let clock = Clock::system();
        let a = clock.now();
        let b = clock.now();
        assert!(b >= a);
    }
}
