//! The counter as one atomic.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use statebench_core::{Counter, CounterOp, CounterReply, Error, Family, Service, Settings};

use crate::Handle;

/// The counter as one `AtomicU64` (`atomic`): increment is `fetch_add`, reset is `swap(0)`, so
/// no increment is ever lost between a reset's read and its write.
#[derive(Clone)]
pub struct AtomicCounter {
    handle: Handle<AtomicU64>,
}

impl fmt::Debug for AtomicCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicCounter").finish_non_exhaustive()
    }
}

impl Service<Counter> for AtomicCounter {
    const NAME: &'static str = "atomic";
    const FAMILY: Family = Family::Concurrent;
    const ABOUT: &'static str = "one `AtomicU64`: increments and resets without a lock";

    fn start(initial: Counter, settings: &Settings) -> Self {
        AtomicCounter {
            handle: Handle::new::<Counter>(
                AtomicU64::new(initial.count()),
                settings,
                None,
                |_, _| {},
            ),
        }
    }

    #[inline]
    fn call(&self, op: CounterOp) -> Result<CounterReply, Error> {
        let count = self.handle.state()?;
        Ok(CounterReply(match op {
            CounterOp::Increment => count.fetch_add(1, Ordering::AcqRel).wrapping_add(1),
            CounterOp::Get => count.load(Ordering::Acquire),
            CounterOp::Reset => count.swap(0, Ordering::AcqRel),
        }))
    }

    async fn call_async(&self, op: CounterOp) -> Result<CounterReply, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.handle.state().map(|_| ())
    }

    fn shutdown(&self) -> Result<Counter, Error> {
        let count = self.handle.stop()?;
        Ok(Counter::starting_at(count.load(Ordering::Acquire)))
    }
}
