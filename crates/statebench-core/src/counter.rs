//! The counter service: `increment`, `get`, `reset`.

use std::time::Instant;

use crate::{Kind, StateMachine, Work};

/// An operation on the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterOp {
    /// Adds one; replies with the new count.
    Increment,
    /// Reads the count.
    Get,
    /// Sets the count to zero; replies with the count it replaced, so that every increment is
    /// accounted for: increments = sum of reset replies + final count.
    Reset,
}

/// The reply of the counter: a count (see [`CounterOp`] for which one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterReply(pub u64);

/// The counter as a sequential state machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    count: u64,
    work: Work,
}

impl Counter {
    /// A counter at zero.
    pub fn new() -> Self {
        Counter::starting_at(0)
    }

    /// A counter at `count`.
    pub fn starting_at(count: u64) -> Self {
        Counter {
            count,
            work: Work::NONE,
        }
    }

    /// The current count.
    pub fn count(&self) -> u64 {
        self.count
    }
}

impl StateMachine for Counter {
    type Op = CounterOp;
    type Reply = CounterReply;
    type Key = ();
    const SERVICE: &'static str = "counter";
    const ABOUT: &'static str = "counter: increment, get, reset";
    const KINDS: &'static [Kind] = &[
        Kind::writer("increment").whole_state(),
        Kind::reader("get").whole_state(),
        Kind::writer("reset").whole_state(),
    ];
    const USES_CLOCK: bool = false;

    #[inline(always)]
    fn kind(op: &CounterOp) -> usize {
        match op {
            CounterOp::Increment => 0,
            CounterOp::Get => 1,
            CounterOp::Reset => 2,
        }
    }

    fn key(_: &CounterOp) -> Option<&()> {
        None
    }

    // Small enough to inline into every strategy, as the same code written by hand would be.
    #[inline(always)]
    fn apply(&mut self, op: CounterOp, _now: Instant) -> CounterReply {
        self.work.spend();
        match op {
            // Wrapping, like an AtomicU64's fetch_add, so every strategy agrees at the edge.
            CounterOp::Increment => {
                self.count = self.count.wrapping_add(1);
                CounterReply(self.count)
            }
            CounterOp::Get => CounterReply(self.count),
            CounterOp::Reset => CounterReply(std::mem::take(&mut self.count)),
        }
    }

    #[inline(always)]
    fn read(&self, op: &CounterOp, _now: Instant) -> Option<CounterReply> {
        match op {
            CounterOp::Get => {
                self.work.spend();
                Some(CounterReply(self.count))
            }
            CounterOp::Increment | CounterOp::Reset => None,
        }
    }

    fn work(&self) -> Work {
        self.work
    }

    fn set_work(&mut self, work: Work) {
        self.work = work;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::every_kind_declared;

    #[test]
    fn increment_get_reset() {
        let now = Instant::now();
        let mut c = Counter::new();
        assert_eq!(c.apply(CounterOp::Increment, now), CounterReply(1));
        assert_eq!(c.apply(CounterOp::Increment, now), CounterReply(2));
        assert_eq!(c.apply(CounterOp::Get, now), CounterReply(2));
        assert_eq!(c.apply(CounterOp::Reset, now), CounterReply(2));
        assert_eq!(c.apply(CounterOp::Get, now), CounterReply(0));
        assert_eq!(c.apply(CounterOp::Increment, now), CounterReply(1));
        let ops = vec![CounterOp::Get, CounterOp::Increment, CounterOp::Reset];
        every_kind_declared(&mut c, ops, now);
    }

    #[test]
    fn increment_wraps_like_an_atomic() {
        let mut c = Counter::starting_at(u64::MAX);
        assert_eq!(
            c.apply(CounterOp::Increment, Instant::now()),
            CounterReply(0)
        );
    }
}
