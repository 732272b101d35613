//! The counter as one atomic.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use statebench_core::{
    Counter, CounterOp, CounterReply, Error, Family, Service, Settings, StateMachine, Work,
};

use crate::Handle;

/// The counter as one `AtomicU64` (`atomic`): increment is `fetch_add`, reset is `swap(0)`, so
/// no increment is ever lost between a reset's read and its write.
///
/// An atomic has no critical section to hold work in. With [`Work`] the counter is written the
/// lock-free way instead: a write loads the count, does the work, and installs its result with
/// a compare-and-swap, starting again (work included) when another write got in between; a
/// `get` does its work after its load. That is what the work costs without a lock.
#[derive(Clone)]
pub struct AtomicCounter {
    handle: Handle<AtomicU64>,
    work: Work,
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
            work: initial.work(),
        }
    }

    #[inline]
    fn call(&self, op: CounterOp) -> Result<CounterReply, Error> {
        let count = self.handle.state()?;
        if !self.work.is_none() {
            return Ok(CounterReply(self.worked(count, op)));
        }
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
        let mut state = Counter::starting_at(count.load(Ordering::Acquire));
        state.set_work(self.work);
        Ok(state)
    }
}

impl AtomicCounter {
    /// `op` with the work done between reading the count and writing it back.
    #[inline]
    fn worked(&self, count: &AtomicU64, op: CounterOp) -> u64 {
        let mut seen = count.load(Ordering::Acquire);
        loop {
            self.work.spend();
            let (new, reply) = match op {
                CounterOp::Get => return seen,
                CounterOp::Increment => (seen.wrapping_add(1), seen.wrapping_add(1)),
                CounterOp::Reset => (0, seen),
            };
            match count.compare_exchange_weak(seen, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return reply,
                Err(now) => seen = now,
            }
        }
    }
}
