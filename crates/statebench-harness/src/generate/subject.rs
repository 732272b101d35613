//! What the harness needs of a service to drive it: [`Subject`], and what the keyed services'
//! checks share.

use std::time::Instant;

use statebench_core::rng::Rng;
use statebench_core::{Service, StateMachine};

use crate::verify::{self, RunEnd};
use crate::workload::Workload;

/// A service the harness can drive.
pub trait Subject: StateMachine + Sized {
    /// Per-client record of what the client saw, for checks at the end of a run.
    type Tally: Default + Send + 'static;

    /// What a client may expect of one reply beyond its form, from its own plan: known before
    /// the run, one per planned operation ([`Subject::expectations`]), handed to
    /// [`Subject::check`] with the reply. `()` where the service checks nothing of the kind.
    type Expect: Copy + Default + Send + Sync + std::fmt::Debug + 'static;

    /// The initial state for `workload` (prefilled if it says so), at `now`.
    fn initial(workload: &Workload, now: Instant) -> Self;

    /// An operation of kind `kind` (an index into [`StateMachine::KINDS`]) on `key`, made by
    /// client number `client` (values it writes may say whose they are);
    /// [`StateMachine::kind`] of it is `kind` (the tests check it for every kind).
    fn op(kind: usize, key: u64, client: usize, rng: &mut Rng, workload: &Workload) -> Self::Op;

    /// What the client whose plan is `ops` (walked in order and cycled) may expect of each
    /// reply: one [`Subject::Expect`] per operation. By default nothing.
    fn expectations(ops: &[Self::Op]) -> Vec<Self::Expect> {
        vec![Self::Expect::default(); ops.len()]
    }

    /// Checks `reply` to `op` against its form and what the plan let the client expect of it
    /// (`expect`; `false`: wrong), and notes in `tally` what the end-of-run check needs. It runs
    /// on every operation, so it returns a plain `bool`; [`Subject::explain`] says what was
    /// wrong, off the measured path.
    fn check(
        op: &Self::Op,
        reply: &Self::Reply,
        expect: Self::Expect,
        tally: &mut Self::Tally,
    ) -> bool;

    /// Why `reply` failed [`Subject::check`] with `expect`.
    fn explain(op: &Self::Op, reply: &Self::Reply, expect: Self::Expect) -> String;

    /// Adds one client's tally to another.
    fn merge(into: &mut Self::Tally, from: Self::Tally);

    /// The end-of-run checks with every client stopped and the service still running: probes
    /// through two handles and the merged tally ([`crate::verify`]).
    fn verify_end<I: Service<Self>>(
        end: &RunEnd<'_, Self::Op, Self::Tally>,
        service: &I,
    ) -> Result<(), String>;

    /// The final state, as `shutdown` handed it back, against what the clients wrote; `now`
    /// was read after the probes and before the shutdown.
    fn verify_final(
        end: &RunEnd<'_, Self::Op, Self::Tally>,
        state: &Self,
        now: Instant,
    ) -> Result<(), String>;

    /// Reads that may find nothing, from the tally: (found, looked up).
    fn hits(tally: &Self::Tally) -> Option<(u64, u64)> {
        let _ = tally;
        None
    }

    /// How many of the workload's `keys` hold a live entry in `state` at `now`.
    fn live_size(state: &Self, keys: u64, now: Instant) -> Option<u64> {
        let _ = (state, keys, now);
        None
    }
}

/// What a client saw of its lookups: how many, and how many found something.
#[derive(Debug, Default)]
pub struct Lookups {
    /// Gets made.
    pub made: u64,
    /// Gets that found a value (or a live session).
    pub found: u64,
    /// Replies (kv) that showed something other than the client's own latest write to the
    /// key, made earlier in the same lap: other clients' doing, or — for a client alone —
    /// a stale read or a lost write ([`OwnWrite`](super::OwnWrite)).
    pub foreign_after_own: u64,
}

impl Lookups {
    #[inline(always)]
    pub(super) fn count(&mut self, found: bool) {
        self.made += 1;
        self.found += u64::from(found);
    }

    pub(super) fn merge(&mut self, other: Lookups) {
        self.made += other.made;
        self.found += other.found;
        self.foreign_after_own += other.foreign_after_own;
    }
}

/// The final state of a keyed store of `u64` values against the clients' last writes
/// ([`verify::check_final_store`]): `write` names what an operation writes where, `get` builds a
/// read, `value` takes the value out of its reply. The initial state is read as of the start
/// (its entries' TTLs ran from then), the final one at `now`.
pub(super) fn verify_final_store<S: Subject>(
    end: &RunEnd<'_, S::Op, S::Tally>,
    state: &S,
    now: Instant,
    write: impl Fn(&S::Op) -> Option<(u64, Option<u64>)>,
    get: impl Fn(u64) -> S::Op,
    value: impl Fn(&S::Reply) -> Option<Option<u64>>,
    may_expire: verify::MayExpire,
) -> Result<(), String> {
    let last = end.last_writes(write);
    let initial = S::initial(end.workload, end.started);
    let read = |s: &S, key, at| s.read(&get(key), at).as_ref().and_then(&value).flatten();
    verify::check_final_store(
        end.workload,
        &last,
        |k| read(state, k, now),
        |k| read(&initial, k, end.started),
        may_expire,
    )
}
