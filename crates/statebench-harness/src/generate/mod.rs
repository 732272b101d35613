//! Operation generation: a seeded generator per client, keys drawn uniformly or by YCSB's
//! Zipfian, and every client's operations generated *before* the run into a buffer it cycles
//! through, so that generating them costs nothing in the measured loop.
//!
//! [`Subject`] says, per service, how to build the initial state, how to make an operation of
//! each kind, and how to check a reply — so that a fast but wrong implementation fails the run.

//!
//! One module per service holds its `Subject`; [`KeyGen`] draws keys.

mod cache;
mod counter;
mod keys;
mod kv;
mod sessions;

use std::time::Instant;

use statebench_core::{Service, StateMachine};

use crate::verify::{self, RunEnd};
use crate::workload::{Workload, WorkloadError};

pub use counter::CounterTally;
pub use keys::KeyGen;

/// How many operations each client pre-generates and then cycles through.
pub const PLAN_LEN: usize = 4096;

pub use statebench_core::rng::Rng;

/// Values written for key `k` carry `k` in their high half, so any value read can be checked
/// to have been written for that key, and their writer in bits 16–31: client `c` writes
/// `c + 1` there (as far as 16 bits hold it), the prefill 0. A client that reads a value of
/// its own can tell whether it is its latest write ([`OwnWrite`]). The low 16 bits are drawn.
pub fn tagged_value(key: u64, writer: Option<usize>, rng: &mut Rng) -> u64 {
    let writer = writer.map_or(0, |c| (c as u64 % 0xFFFF) + 1);
    (key << 32) | (writer << 16) | (rng.next_u64() & 0xFFFF)
}

/// The writer field of a tagged value (0: the prefill's).
#[inline(always)]
fn writer_of(value: u64) -> u16 {
    (value >> 16) as u16
}

/// What a client knows of a key from its own plan at one operation: its own latest write to
/// the key before it. Any reply carrying this client's writer must be exactly that write — an
/// older one of its own is a stale read — whatever other clients did meanwhile, since their
/// values carry their own writers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OwnWrite {
    /// The client's writer field; 0 when it never writes the key (nothing to expect).
    pub writer: u16,
    /// Its latest write to the key: the value, or `None` for a delete.
    pub value: Option<u64>,
    /// Whether that write is earlier in the same lap of the plan, so that the client made it
    /// before this operation even in its first lap (a write later in the plan comes before
    /// only from the second lap on).
    pub this_lap: bool,
}

impl OwnWrite {
    /// For each operation of a plan walked in order and cycled, the client's latest write to
    /// its key before it; `write` says what an operation writes where (`None`: it writes
    /// nothing), `key` which key it touches.
    pub fn of_plan<Op>(
        ops: &[Op],
        key: impl Fn(&Op) -> Option<u64>,
        write: impl Fn(&Op) -> Option<(u64, Option<u64>)>,
    ) -> Vec<OwnWrite> {
        let writer = ops
            .iter()
            .find_map(|op| write(op).and_then(|(_, v)| v))
            .map_or(0, writer_of);
        let mut out = vec![OwnWrite::default(); ops.len()];
        if writer == 0 {
            return out;
        }
        let mut latest: std::collections::HashMap<u64, Option<u64>> = Default::default();
        // The first walk fills what the lap itself wrote before each operation; the second
        // what is left from the end of the previous lap.
        for this_lap in [true, false] {
            for (i, op) in ops.iter().enumerate() {
                if let Some(k) = key(op)
                    && out[i].writer == 0
                    && let Some(&value) = latest.get(&k)
                {
                    out[i] = OwnWrite {
                        writer,
                        value,
                        this_lap,
                    };
                }
                if let Some((k, value)) = write(op) {
                    latest.insert(k, value);
                }
            }
        }
        out
    }

    /// Whether `read` (a reply's value for the key) fits this client's own latest write: a
    /// value of this client's must be that write. Anything else — another client's value,
    /// the prefill's, or nothing — is some other client's doing; when the own write came
    /// earlier in this lap it is counted in `foreign`, since a lone client can meet none.
    #[inline(always)]
    fn fits(self, read: Option<u64>, foreign: &mut u64) -> bool {
        if self.writer == 0 {
            return true;
        }
        match read {
            Some(v) if writer_of(v) == self.writer => self.value == Some(v),
            _ if read == self.value => true,
            _ => {
                *foreign += u64::from(self.this_lap);
                true
            }
        }
    }
}

/// Whether `value`, read for `key`, was written for that key.
#[inline(always)]
fn tag_ok(key: u64, value: Option<u64>) -> bool {
    value.is_none_or(|v| v >> 32 == key)
}

/// Why a tagged reply failed its check.
#[cold]
#[inline(never)]
fn explain_tagged(
    op: &dyn std::fmt::Debug,
    key: u64,
    value: Option<u64>,
    reply: &dyn std::fmt::Debug,
) -> String {
    match value {
        Some(v) if v >> 32 != key => {
            format!("{op:?} returned {v:#x}, a value never written for key {key}")
        }
        _ => format!("{op:?} got the reply {reply:?}"),
    }
}

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
    /// a stale read or a lost write ([`OwnWrite`]).
    pub foreign_after_own: u64,
}

impl Lookups {
    #[inline(always)]
    fn count(&mut self, found: bool) {
        self.made += 1;
        self.found += u64::from(found);
    }

    fn merge(&mut self, other: Lookups) {
        self.made += other.made;
        self.found += other.found;
        self.foreign_after_own += other.foreign_after_own;
    }
}

/// The final state of a keyed store of `u64` values against the clients' last writes
/// ([`verify::check_final_store`]): `write` names what an operation writes where, `get` builds a
/// read, `value` takes the value out of its reply. The initial state is read as of the start
/// (its entries' TTLs ran from then), the final one at `now`.
fn verify_final_store<S: Subject>(
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

/// One client's pre-generated operations, with the kind index of each and what the client
/// may expect of its reply.
#[derive(Debug)]
pub struct Plan<Op, Expect = ()> {
    /// The operations, cycled through.
    pub ops: Vec<Op>,
    /// The kind index (into [`StateMachine::KINDS`]) of each operation.
    pub kinds: Vec<u8>,
    /// What the client may expect of each reply ([`Subject::expectations`]).
    pub expected: Vec<Expect>,
}

/// A client's plan of service `S`.
pub type PlanOf<S> = Plan<<S as StateMachine>::Op, <S as Subject>::Expect>;

/// Generates one plan per client: `clients` split over the workload's groups, each client
/// seeded from `seed` and its index, so the same settings give the same operations.
pub fn plans<S: Subject>(
    workload: &Workload,
    clients: usize,
    seed: u64,
) -> Result<Vec<PlanOf<S>>, WorkloadError> {
    workload.validate()?;
    if S::SERVICE != workload.service {
        return Err(WorkloadError(format!(
            "workload {} drives {}, not {}",
            workload.name,
            workload.service,
            S::SERVICE
        )));
    }
    let keys = KeyGen::new(workload.keys, workload.distribution);
    // Each group's cumulative percentages: draw 0..100 and take the first entry above it.
    let cumulatives: Vec<Vec<(u32, usize)>> = workload
        .groups
        .iter()
        .map(|group| {
            let mut sum = 0;
            group
                .mix
                .iter()
                .map(|entry| {
                    sum += entry.percent;
                    // `validate` has checked that the service has every kind of the mix.
                    let kind = S::KINDS
                        .iter()
                        .position(|k| k.name == entry.op)
                        .unwrap_or(0);
                    (sum, kind)
                })
                .collect()
        })
        .collect();
    let mut plans = Vec::with_capacity(clients);
    // The groups interleaved, in the order the clients start.
    for group in workload.client_groups(clients)? {
        let cumulative = &cumulatives[group];
        let client = plans.len();
        let mut rng = Rng::new(seed ^ (client as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        let mut plan = Plan {
            ops: Vec::with_capacity(PLAN_LEN),
            kinds: Vec::with_capacity(PLAN_LEN),
            expected: Vec::new(),
        };
        for _ in 0..PLAN_LEN {
            let draw = rng.below(100) as u32;
            let kind = cumulative
                .iter()
                .find(|(upto, _)| draw < *upto)
                .map_or(0, |(_, k)| *k);
            let key = keys.key(&mut rng);
            plan.ops.push(S::op(kind, key, client, &mut rng, workload));
            plan.kinds.push(kind as u8);
        }
        plan.expected = S::expectations(&plan.ops);
        plans.push(plan);
    }
    Ok(plans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::find;
    use statebench_core::{
        CacheU64, Counter, CounterOp, CounterReply, KvOp, KvReply, KvU64, Sessions,
    };

    #[test]
    fn plans_are_reproducible_and_follow_the_mix() {
        let w = find("kv_read_heavy").expect("exists");
        let a = plans::<KvU64>(&w, 4, 7).expect("plans");
        let b = plans::<KvU64>(&w, 4, 7).expect("plans");
        assert_eq!(a.len(), 4);
        assert_eq!(a[2].ops, b[2].ops, "same seed, same operations");
        assert_ne!(a[0].ops, a[1].ops, "clients differ");
        let sets = a.iter().flat_map(|p| &p.kinds).filter(|k| **k == 1).count();
        let share = sets as f64 / (4 * PLAN_LEN) as f64;
        assert!(
            (0.04..0.06).contains(&share),
            "5 % sets expected, got {share:.3}"
        );
    }

    /// Every kind index the plans use makes an operation of that kind.
    fn ops_are_of_their_kind<S: Subject>(workload: &str) {
        let w = find(workload).expect("exists");
        let mut rng = Rng::new(5);
        for kind in 0..S::KINDS.len() {
            let op = S::op(kind, 3, 0, &mut rng, &w);
            assert_eq!(S::kind(&op), kind, "{}: {op:?}", S::SERVICE);
        }
        for plan in plans::<S>(&w, 4, 9).expect("plans") {
            for (op, kind) in plan.ops.iter().zip(&plan.kinds) {
                assert_eq!(S::kind(op), usize::from(*kind), "{op:?}");
            }
        }
    }

    #[test]
    fn every_subject_makes_operations_of_the_kind_asked() {
        ops_are_of_their_kind::<KvU64>("kv_write_heavy");
        ops_are_of_their_kind::<Counter>("counter");
        ops_are_of_their_kind::<Sessions>("sessions");
        ops_are_of_their_kind::<CacheU64>("cache");
    }

    #[test]
    fn seed_plans_give_readers_gets_and_writers_sets() {
        let w = find("seed").expect("exists");
        let p = plans::<KvU64>(&w, 110, 1).expect("plans");
        // Client by client, in the order they start: the groups interleaved.
        let groups = w.client_groups(110).expect("110 clients");
        let readers = p.iter().zip(&groups).filter(|(_, g)| **g == 0);
        let writers = p.iter().zip(&groups).filter(|(_, g)| **g == 1);
        assert_eq!(
            (readers.clone().count(), writers.clone().count()),
            (100, 10)
        );
        assert!(
            readers
                .map(|(p, _)| p)
                .all(|p| p.ops.iter().all(|op| matches!(op, KvOp::Get(k) if *k < 5)))
        );
        assert!(writers.map(|(p, _)| p).all(|p| {
            p.ops
                .iter()
                .all(|op| matches!(op, KvOp::Set(k, _) if *k < 5))
        }));
        assert_ne!(groups[100..], [1; 10], "the writers are not the last ten");
    }

    #[test]
    fn checks_catch_a_value_of_another_key_and_lost_increments() {
        let mut rng = Rng::new(1);
        let v = tagged_value(3, Some(0), &mut rng);
        let none = OwnWrite::default();
        let mut lookups = Lookups::default();
        assert!(KvU64::check(
            &KvOp::Get(3),
            &KvReply::Value(Some(v)),
            none,
            &mut lookups
        ));
        assert!(!KvU64::check(
            &KvOp::Get(4),
            &KvReply::Value(Some(v)),
            none,
            &mut lookups
        ));
        assert!(KvU64::check(
            &KvOp::Get(4),
            &KvReply::Value(None),
            none,
            &mut lookups
        ));
        assert_eq!((lookups.made, lookups.found), (3, 2), "gets are counted");
        assert!(
            KvU64::explain(&KvOp::Get(4), &KvReply::Value(Some(v)), none)
                .contains("never written for key 4")
        );
        assert!(!KvU64::check(
            &KvOp::Get(4),
            &KvReply::Len(1),
            none,
            &mut lookups
        ));
        let mut tally = CounterTally::default();
        assert!(!Counter::check(
            &CounterOp::Increment,
            &CounterReply(0),
            (),
            &mut tally
        ));
        assert!(Counter::check(
            &CounterOp::Increment,
            &CounterReply(1),
            (),
            &mut tally
        ));
        assert!(Counter::check(
            &CounterOp::Reset,
            &CounterReply(1),
            (),
            &mut tally
        ));
        assert_eq!((tally.increments, tally.reset_total), (1, 1));
        // A client alone: its own count in every reply. A get that shows 5 after the reset
        // is neither its own count nor within the increments made.
        assert_eq!(tally.not_alone, 0);
        assert!(Counter::check(
            &CounterOp::Get,
            &CounterReply(5),
            (),
            &mut tally
        ));
        assert_eq!((tally.not_alone, tally.largest), (1, 5));
    }

    #[test]
    fn a_client_expects_its_own_latest_write_to_each_key() {
        let mut rng = Rng::new(2);
        let (a1, a2, b) = (
            tagged_value(7, Some(0), &mut rng),
            tagged_value(7, Some(0), &mut rng),
            tagged_value(7, Some(1), &mut rng),
        );
        // Client 0's plan: get 7, set 7 = a1, get 7, set 7 = a2, get 7, delete 7, get 9.
        let ops = [
            KvOp::Get(7),
            KvOp::Set(7, a1),
            KvOp::Get(7),
            KvOp::Set(7, a2),
            KvOp::Get(7),
            KvOp::Delete(7),
            KvOp::Get(9),
        ];
        let own = KvU64::expectations(&ops);
        let w = own[2].writer;
        assert_eq!(w, writer_of(a1));
        // The first get: the delete at the end of the previous lap, only from lap 2 on.
        assert_eq!(
            own[0],
            OwnWrite {
                writer: w,
                value: None,
                this_lap: false
            }
        );
        assert_eq!(own[1].value, None);
        assert_eq!((own[2].value, own[2].this_lap), (Some(a1), true));
        assert_eq!((own[4].value, own[4].this_lap), (Some(a2), true));
        assert_eq!((own[5].value, own[5].this_lap), (Some(a2), true));
        assert_eq!(own[6], OwnWrite::default(), "key 9 is never written");
        let mut t = Lookups::default();
        let get = |reply: Option<u64>, own: OwnWrite, t: &mut Lookups| {
            KvU64::check(&KvOp::Get(7), &KvReply::Value(reply), own, t)
        };
        // Its latest write, another client's, or nothing: fine; an older one of its own: a
        // stale read.
        assert!(get(Some(a2), own[4], &mut t));
        assert!(get(Some(b), own[4], &mut t));
        assert!(get(None, own[4], &mut t));
        assert!(!get(Some(a1), own[4], &mut t));
        assert!(
            KvU64::explain(&KvOp::Get(7), &KvReply::Value(Some(a1)), own[4])
                .starts_with("a stale read")
        );
        // Another client's value and nothing, after its own write this lap: counted, since a
        // client alone could meet neither.
        assert_eq!(t.foreign_after_own, 2);
        // After its own delete, nothing is its own latest write.
        assert!(get(None, own[0], &mut t));
        assert!(!get(Some(a2), own[0], &mut t));
        // A prefilled value carries no client's writer.
        assert_eq!(writer_of(tagged_value(7, None, &mut rng)), 0);
    }
}
