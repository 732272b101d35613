//! CPU work inside each operation's critical section: the knob that turns a hash lookup into
//! "state access that does real work", so that the question "when does an owner pay off?" can
//! be answered by measurement instead of advice.
//!
//! A [`Work`] is a number of rounds of a dependent chain of multiplications: it cannot be
//! vectorised, overlapped with itself or folded away by the compiler, touches no memory, and
//! costs the same on every call. The services spend it in [`apply`](crate::StateMachine::apply)
//! and [`read`](crate::StateMachine::read), so every strategy that runs the state machine (owners,
//! locks, striped and sharded forms, flat combining) pays it where the operation runs — inside
//! the lock, on the owner's thread. The concurrent structures spend it where their own critical
//! section is (a `DashMap` shard guard, an scc bucket lock, papaya's compute closure, an atomic's
//! compare-and-swap loop); each says where in its docs.
//!
//! How many rounds make a nanosecond is the machine's business: the harness calibrates it before
//! a run and records the calibration with the results.

use std::hint::black_box;

/// A fixed amount of CPU work: `rounds` rounds of a dependent multiply-xorshift chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Work {
    rounds: u32,
}

impl Work {
    /// No work: the operation is the bare state access.
    pub const NONE: Work = Work { rounds: 0 };

    /// `rounds` rounds of the chain.
    pub const fn rounds(rounds: u32) -> Work {
        Work { rounds }
    }

    /// How many rounds this is.
    pub const fn count(self) -> u32 {
        self.rounds
    }

    /// Whether this is no work at all.
    pub const fn is_none(self) -> bool {
        self.rounds == 0
    }

    /// Does the work. With [`Work::NONE`] it is one predictable branch.
    #[inline(always)]
    pub fn spend(self) {
        if self.rounds != 0 {
            black_box(chain(black_box(self.rounds)));
        }
    }
}

/// The chain itself, out of line so that its cost does not depend on what it is inlined into.
#[inline(never)]
fn chain(rounds: u32) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..rounds {
        // Each round needs the last one's result: a multiply and a shift-xor, a few cycles of
        // latency that no out-of-order core can hide.
        x = x.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ (x >> 29);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_are_kept_and_none_is_zero() {
        assert!(Work::NONE.is_none());
        assert_eq!(Work::default(), Work::NONE);
        assert_eq!(Work::rounds(7).count(), 7);
        assert!(!Work::rounds(1).is_none());
        Work::rounds(1000).spend();
    }

    #[test]
    fn the_chain_depends_on_every_round() {
        // Different round counts end in different values: the loop cannot be skipped or
        // shortened without changing its result.
        let ends: std::collections::HashSet<u64> = (0..200).map(chain).collect();
        assert_eq!(ends.len(), 200);
    }
}
