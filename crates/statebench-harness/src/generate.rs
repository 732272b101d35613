//! Operation generation: a seeded generator per client, keys drawn uniformly or by YCSB's
//! Zipfian, and every client's operations generated *before* the run into a buffer it cycles
//! through, so that generating them costs nothing in the measured loop.
//!
//! [`Subject`] says, per service, how to build the initial state, how to make an operation of
//! each kind, and how to check a reply — so that a fast but wrong implementation fails the run.

use std::time::{Duration, Instant};

use statebench_core::{
    CacheOp, CacheReply, CacheU64, Counter, CounterOp, CounterReply, KvOp, KvReply, KvU64, Service,
    Sessions, SessionsOp, SessionsReply, StateMachine,
};

use crate::verify::{self, RunEnd};
use crate::workload::{KeyDistribution, Workload, WorkloadError, operations};

/// How many operations each client pre-generates and then cycles through.
pub const PLAN_LEN: usize = 4096;

pub use statebench_core::rng::Rng;

/// Draws keys in `0..n`.
#[derive(Clone, Debug)]
pub enum KeyGen {
    /// Uniform over `0..n`.
    Uniform(u64),
    /// YCSB's Zipfian generator (Gray et al., "Quickly generating billion-record synthetic
    /// databases"): rank 0 is the hottest key.
    Zipf {
        /// Key count.
        n: u64,
        /// Skew.
        theta: f64,
        /// Precomputed constants.
        alpha: f64,
        /// 1 - (2/n)^(1-theta) over 1 - zeta(2)/zeta(n).
        eta: f64,
        /// zeta(n, theta).
        zeta_n: f64,
    },
}

impl KeyGen {
    /// A key generator for `keys` keys drawn by `distribution`.
    pub fn new(keys: u64, distribution: KeyDistribution) -> KeyGen {
        match distribution {
            KeyDistribution::Uniform => KeyGen::Uniform(keys),
            KeyDistribution::Zipf { theta } => {
                let zeta = |n: u64| (1..=n).map(|i| 1.0 / (i as f64).powf(theta)).sum::<f64>();
                let zeta_n = zeta(keys);
                let zeta_2 = zeta(2.min(keys));
                let eta = (1.0 - (2.0 / keys as f64).powf(1.0 - theta)) / (1.0 - zeta_2 / zeta_n);
                KeyGen::Zipf {
                    n: keys,
                    theta,
                    alpha: 1.0 / (1.0 - theta),
                    eta,
                    zeta_n,
                }
            }
        }
    }

    /// The next key.
    pub fn key(&self, rng: &mut Rng) -> u64 {
        match *self {
            KeyGen::Uniform(n) => rng.below(n),
            KeyGen::Zipf {
                n,
                theta,
                alpha,
                eta,
                zeta_n,
            } => {
                let u = rng.unit();
                let uz = u * zeta_n;
                if uz < 1.0 {
                    0
                } else if uz < 1.0 + 0.5f64.powf(theta) {
                    1.min(n - 1)
                } else {
                    let rank = (n as f64 * (eta * u - eta + 1.0).powf(alpha)) as u64;
                    rank.min(n - 1)
                }
            }
        }
    }
}

/// Values written for key `k` carry `k` in their high half, so any value read can be checked
/// to have been written for that key.
pub fn tagged_value(key: u64, rng: &mut Rng) -> u64 {
    (key << 32) | (rng.next_u64() & 0xFFFF_FFFF)
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

    /// The initial state for `workload` (prefilled if it says so), at `now`.
    fn initial(workload: &Workload, now: Instant) -> Self;

    /// An operation of kind `kind` (an index into [`operations`]) on `key`.
    fn op(kind: usize, key: u64, rng: &mut Rng, workload: &Workload) -> Self::Op;

    /// Checks `reply` to `op` (`false`: wrong), and notes in `tally` what the end-of-run check
    /// needs. It runs on every operation, so it returns a plain `bool`; [`Subject::explain`]
    /// says what was wrong, off the measured path.
    fn check(op: &Self::Op, reply: &Self::Reply, tally: &mut Self::Tally) -> bool;

    /// Why `reply` failed [`Subject::check`].
    fn explain(op: &Self::Op, reply: &Self::Reply) -> String;

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
    }
}

impl Subject for KvU64 {
    type Tally = Lookups;

    fn initial(workload: &Workload, now: Instant) -> Self {
        let mut kv = KvU64::new();
        if workload.prefill {
            let mut rng = Rng::new(0xF111);
            for key in 0..workload.keys {
                kv.apply(KvOp::Set(key, tagged_value(key, &mut rng)), now);
            }
        }
        kv
    }

    fn op(kind: usize, key: u64, rng: &mut Rng, _: &Workload) -> KvOp<u64, u64> {
        match kind {
            0 => KvOp::Get(key),
            1 => KvOp::Set(key, tagged_value(key, rng)),
            2 => KvOp::Delete(key),
            _ => KvOp::Len,
        }
    }

    #[inline(always)]
    fn check(op: &KvOp<u64, u64>, reply: &KvReply<u64>, tally: &mut Lookups) -> bool {
        match (op, reply) {
            (KvOp::Get(k), KvReply::Value(v)) => {
                tally.count(v.is_some());
                tag_ok(*k, *v)
            }
            (KvOp::Set(k, _) | KvOp::Delete(k), KvReply::Value(v)) => tag_ok(*k, *v),
            (KvOp::Len, KvReply::Len(_)) => true,
            _ => false,
        }
    }

    fn explain(op: &KvOp<u64, u64>, reply: &KvReply<u64>) -> String {
        match (op, reply) {
            (KvOp::Get(k) | KvOp::Set(k, _) | KvOp::Delete(k), KvReply::Value(v)) => {
                explain_tagged(op, *k, *v, reply)
            }
            _ => explain_tagged(op, 0, None, reply),
        }
    }

    fn merge(into: &mut Lookups, from: Lookups) {
        into.merge(from);
    }

    /// Every key is stored before the run and nothing deletes: a get that finds nothing is a
    /// lost write. Then the probes.
    fn verify_end<I: Service<Self>>(
        end: &RunEnd<'_, KvOp<u64, u64>, Lookups>,
        service: &I,
    ) -> Result<(), String> {
        let (w, t) = (end.workload, end.tally);
        if w.prefill && !verify::deletes(w) && t.found < t.made {
            return Err(format!(
                "{} of {} gets found nothing, but every key was stored before the run and \
                 nothing deletes",
                t.made - t.found,
                t.made
            ));
        }
        verify::probe_store::<Self, I>(service, w, KvOp::Set, KvOp::Get, |r| match r {
            KvReply::Value(v) => Some(*v),
            KvReply::Len(_) => None,
        })
    }

    fn verify_final(
        end: &RunEnd<'_, KvOp<u64, u64>, Lookups>,
        state: &Self,
        now: Instant,
    ) -> Result<(), String> {
        let write = |op: &KvOp<u64, u64>| match op {
            KvOp::Set(k, v) => Some((*k, Some(*v))),
            KvOp::Delete(k) => Some((*k, None)),
            _ => None,
        };
        let value = |r: &KvReply<u64>| match r {
            KvReply::Value(v) => Some(*v),
            KvReply::Len(_) => None,
        };
        verify_final_store(end, state, now, write, KvOp::Get, value, false)
    }

    fn hits(tally: &Lookups) -> Option<(u64, u64)> {
        Some((tally.found, tally.made))
    }

    fn live_size(state: &Self, keys: u64, _: Instant) -> Option<u64> {
        Some(state.entries().filter(|(k, _)| **k < keys).count() as u64)
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
    may_expire: bool,
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

/// What a counter client saw: its increments and what its resets reported.
#[derive(Debug, Default)]
pub struct CounterTally {
    increments: u64,
    reset_total: u64,
}

impl Subject for Counter {
    type Tally = CounterTally;

    fn initial(_: &Workload, _: Instant) -> Self {
        Counter::new()
    }

    fn op(kind: usize, _: u64, _: &mut Rng, _: &Workload) -> CounterOp {
        [CounterOp::Increment, CounterOp::Get, CounterOp::Reset][kind.min(2)]
    }

    #[inline(always)]
    fn check(op: &CounterOp, reply: &CounterReply, tally: &mut CounterTally) -> bool {
        match op {
            CounterOp::Increment if reply.0 == 0 => return false,
            CounterOp::Increment => tally.increments += 1,
            CounterOp::Reset => tally.reset_total += reply.0,
            CounterOp::Get => {}
        }
        true
    }

    fn explain(op: &CounterOp, reply: &CounterReply) -> String {
        format!(
            "{op:?} returned {}: the count after an increment is at least 1",
            reply.0
        )
    }

    fn merge(into: &mut CounterTally, from: CounterTally) {
        into.increments += from.increments;
        into.reset_total += from.reset_total;
    }

    /// Every increment is accounted for: made = reported by resets + what remains. Then a
    /// probe: an increment through one handle is seen by a get through another.
    fn verify_end<I: Service<Self>>(
        end: &RunEnd<'_, CounterOp, CounterTally>,
        service: &I,
    ) -> Result<(), String> {
        let tally = end.tally;
        let CounterReply(remaining) = service.call(CounterOp::Get).map_err(|e| e.to_string())?;
        if tally.increments != tally.reset_total + remaining {
            return Err(format!(
                "lost increments: {} made, resets reported {} and {} remain",
                tally.increments, tally.reset_total, remaining
            ));
        }
        let (writer, reader) = (service.clone(), service.clone());
        let CounterReply(after) = writer
            .call(CounterOp::Increment)
            .map_err(|e| e.to_string())?;
        let CounterReply(seen) = reader.call(CounterOp::Get).map_err(|e| e.to_string())?;
        if after != remaining + 1 || seen != after {
            return Err(format!(
                "probe: {remaining} remained; an increment through one handle replied {after} \
                 and a get through another read {seen}"
            ));
        }
        Ok(())
    }

    /// The state handed back holds what the probe left.
    fn verify_final(
        end: &RunEnd<'_, CounterOp, CounterTally>,
        state: &Self,
        _: Instant,
    ) -> Result<(), String> {
        let expected = end.tally.increments - end.tally.reset_total + 1;
        if state.count() == expected {
            Ok(())
        } else {
            Err(format!(
                "the final state counts {}, but {} increments were made (the probe's included) \
                 and resets took {}",
                state.count(),
                end.tally.increments + 1,
                end.tally.reset_total
            ))
        }
    }
}

fn data_value(id: u64, rng: &mut Rng, len: usize) -> String {
    let mut value = format!("{id}:");
    while value.len() < len {
        value.push(char::from(b'a' + (rng.below(26) as u8)));
    }
    value
}

impl Subject for Sessions {
    type Tally = Lookups;

    fn initial(workload: &Workload, now: Instant) -> Self {
        let lifetime = Duration::from_millis(workload.session_lifetime_ms);
        let mut sessions =
            Sessions::new(lifetime, Duration::from_millis(workload.cleanup_every_ms));
        if workload.prefill {
            // The steady share of the sessions, created at ages spread over a lifetime so
            // that they expire at an even trickle, not all at once.
            let mut rng = Rng::new(0x5E55);
            let share = workload.live_share();
            for id in 0..workload.keys {
                if rng.unit() < share {
                    let age = lifetime.mul_f64(rng.unit());
                    let created = now.checked_sub(age).unwrap_or(now);
                    sessions.apply(SessionsOp::Create(id), created);
                }
            }
        }
        sessions
    }

    fn op(kind: usize, id: u64, rng: &mut Rng, workload: &Workload) -> SessionsOp {
        match kind {
            0 => SessionsOp::Create(id),
            1 => SessionsOp::Get(id),
            2 => SessionsOp::SetData {
                id,
                key: ["user", "cart", "theme"][rng.below(3) as usize].into(),
                value: data_value(id, rng, workload.value_bytes),
            },
            3 => SessionsOp::Touch(id),
            _ => SessionsOp::Delete(id),
        }
    }

    #[inline]
    fn check(op: &SessionsOp, reply: &SessionsReply, tally: &mut Lookups) -> bool {
        // Data values start with their session's id and a colon.
        let owned_by =
            |v: &String, id: u64| v.split(':').next().and_then(|p| p.parse().ok()) == Some(id);
        match (op, reply) {
            (SessionsOp::Create(id), SessionsReply::Session(Some(s))) => {
                s.id == *id && s.data.is_empty()
            }
            (SessionsOp::Get(_), SessionsReply::Session(None)) => {
                tally.count(false);
                true
            }
            (SessionsOp::Get(id), SessionsReply::Session(Some(s))) => {
                tally.count(true);
                s.id == *id && s.data.values().all(|v| owned_by(v, *id))
            }
            (
                SessionsOp::SetData { .. } | SessionsOp::Touch(_) | SessionsOp::Delete(_),
                SessionsReply::Live(_),
            ) => true,
            _ => false,
        }
    }

    fn explain(op: &SessionsOp, reply: &SessionsReply) -> String {
        format!("{op:?} got the reply {reply:?}, which is not a reply to it")
    }

    fn merge(into: &mut Lookups, from: Lookups) {
        into.merge(from);
    }

    /// The probes: a session created and given data through one handle is read back, data
    /// and all, through another.
    fn verify_end<I: Service<Self>>(
        end: &RunEnd<'_, SessionsOp, Lookups>,
        service: &I,
    ) -> Result<(), String> {
        let (writer, reader) = (service.clone(), service.clone());
        let call = |s: &I, op: SessionsOp| s.call(op).map_err(|e| e.to_string());
        for id in end.workload.keys..end.workload.keys + verify::PROBES {
            let value = format!("{id}:probe");
            let created = call(&writer, SessionsOp::Create(id))?;
            let set = call(
                &writer,
                SessionsOp::SetData {
                    id,
                    key: "probe".into(),
                    value: value.clone(),
                },
            )?;
            let read = call(&reader, SessionsOp::Get(id))?;
            let fine = matches!(&created, SessionsReply::Session(Some(s)) if s.id == id)
                && set == SessionsReply::Live(true)
                && matches!(&read, SessionsReply::Session(Some(s))
                    if s.data.get("probe") == Some(&value));
            if !fine {
                return Err(format!(
                    "probe: session {id} created ({created:?}) and given data ({set:?}) through \
                     one handle read back as {read:?} through another"
                ));
            }
        }
        Ok(())
    }

    /// The probe sessions are in the state handed back, with their data.
    fn verify_final(
        end: &RunEnd<'_, SessionsOp, Lookups>,
        state: &Self,
        now: Instant,
    ) -> Result<(), String> {
        for id in end.workload.keys..end.workload.keys + verify::PROBES {
            let held = state.read(&SessionsOp::Get(id), now);
            let fine = matches!(&held, Some(SessionsReply::Session(Some(s)))
                if s.data.get("probe").is_some_and(|v| *v == format!("{id}:probe")));
            if !fine {
                return Err(format!(
                    "the final state lost the probe's session {id}: it holds {held:?}"
                ));
            }
        }
        Ok(())
    }

    fn hits(tally: &Lookups) -> Option<(u64, u64)> {
        Some((tally.found, tally.made))
    }

    fn live_size(state: &Self, keys: u64, now: Instant) -> Option<u64> {
        Some(
            state
                .stored()
                .filter(|s| s.id < keys && s.is_live(now))
                .count() as u64,
        )
    }
}

impl Subject for CacheU64 {
    type Tally = Lookups;

    fn initial(workload: &Workload, now: Instant) -> Self {
        let mut cache = CacheU64::new(Duration::from_millis(workload.cleanup_every_ms));
        if workload.prefill {
            // The steady share of the keys, with TTLs spread from nothing to the longest, so
            // that entries expire at an even trickle.
            let mut rng = Rng::new(0xCAC4E);
            let share = workload.live_share();
            let longest = Duration::from_millis(workload.ttl_ms.1);
            for key in 0..workload.keys {
                if rng.unit() < share {
                    let ttl = longest.mul_f64(rng.unit()).max(Duration::from_millis(1));
                    let value = tagged_value(key, &mut rng);
                    cache.apply(CacheOp::Set { key, value, ttl }, now);
                }
            }
        }
        cache
    }

    fn op(kind: usize, key: u64, rng: &mut Rng, workload: &Workload) -> CacheOp<u64, u64> {
        match kind {
            0 => CacheOp::Get(key),
            1 => {
                let (lo, hi) = workload.ttl_ms;
                let ttl = Duration::from_millis(lo + rng.below(hi - lo + 1));
                CacheOp::Set {
                    key,
                    value: tagged_value(key, rng),
                    ttl,
                }
            }
            2 => CacheOp::Delete(key),
            _ => CacheOp::Len,
        }
    }

    #[inline(always)]
    fn check(op: &CacheOp<u64, u64>, reply: &CacheReply<u64>, tally: &mut Lookups) -> bool {
        match (op, reply) {
            (CacheOp::Get(k), CacheReply::Value(v)) => {
                tally.count(v.is_some());
                tag_ok(*k, *v)
            }
            (CacheOp::Set { key: k, .. } | CacheOp::Delete(k), CacheReply::Value(v)) => {
                tag_ok(*k, *v)
            }
            (CacheOp::Len, CacheReply::Len(_)) => true,
            _ => false,
        }
    }

    fn explain(op: &CacheOp<u64, u64>, reply: &CacheReply<u64>) -> String {
        match (op, reply) {
            (
                CacheOp::Get(k) | CacheOp::Set { key: k, .. } | CacheOp::Delete(k),
                CacheReply::Value(v),
            ) => explain_tagged(op, *k, *v, reply),
            _ => explain_tagged(op, 0, None, reply),
        }
    }

    fn merge(into: &mut Lookups, from: Lookups) {
        into.merge(from);
    }

    /// The probes, with an hour's TTL so nothing expires before they are read back.
    fn verify_end<I: Service<Self>>(
        end: &RunEnd<'_, CacheOp<u64, u64>, Lookups>,
        service: &I,
    ) -> Result<(), String> {
        verify::probe_store::<Self, I>(
            service,
            end.workload,
            |key, value| CacheOp::Set {
                key,
                value,
                ttl: Duration::from_secs(3600),
            },
            CacheOp::Get,
            |r| match r {
                CacheReply::Value(v) => Some(*v),
                CacheReply::Len(_) => None,
            },
        )
    }

    /// Every key holds a client's last write or nothing (its TTL may have run out).
    fn verify_final(
        end: &RunEnd<'_, CacheOp<u64, u64>, Lookups>,
        state: &Self,
        now: Instant,
    ) -> Result<(), String> {
        let write = |op: &CacheOp<u64, u64>| match op {
            CacheOp::Set { key, value, .. } => Some((*key, Some(*value))),
            CacheOp::Delete(k) => Some((*k, None)),
            _ => None,
        };
        let value = |r: &CacheReply<u64>| match r {
            CacheReply::Value(v) => Some(*v),
            CacheReply::Len(_) => None,
        };
        verify_final_store(end, state, now, write, CacheOp::Get, value, true)
    }

    fn hits(tally: &Lookups) -> Option<(u64, u64)> {
        Some((tally.found, tally.made))
    }

    fn live_size(state: &Self, keys: u64, now: Instant) -> Option<u64> {
        Some(
            state
                .stored()
                .filter(|(k, e)| **k < keys && e.live_value(now).is_some())
                .count() as u64,
        )
    }
}

/// One client's pre-generated operations, with the kind index of each.
#[derive(Debug)]
pub struct Plan<Op> {
    /// The operations, cycled through.
    pub ops: Vec<Op>,
    /// The kind index (into [`operations`]) of each operation.
    pub kinds: Vec<u8>,
}

/// Generates one plan per client: `clients` split over the workload's groups, each client
/// seeded from `seed` and its index, so the same settings give the same operations.
pub fn plans<S: Subject>(
    workload: &Workload,
    clients: usize,
    seed: u64,
) -> Result<Vec<Plan<S::Op>>, WorkloadError> {
    workload.validate()?;
    let kinds = operations(&workload.service).unwrap_or(&[]);
    if S::SERVICE != workload.service {
        return Err(WorkloadError(format!(
            "workload {} drives {}, not {}",
            workload.name,
            workload.service,
            S::SERVICE
        )));
    }
    let keys = KeyGen::new(workload.keys, workload.distribution);
    let per_group = workload.clients_per_group(clients)?;
    let mut plans = Vec::with_capacity(clients);
    for (group, count) in workload.groups.iter().zip(per_group) {
        // Cumulative percentages: draw 0..100 and take the first entry above it.
        let mut cumulative = Vec::new();
        let mut sum = 0;
        for entry in &group.mix {
            sum += entry.percent;
            let kind = kinds.iter().position(|k| *k == entry.op).unwrap_or(0);
            cumulative.push((sum, kind));
        }
        for _ in 0..count {
            let mut rng = Rng::new(seed ^ (plans.len() as u64).wrapping_mul(0xA24B_AED4_963E_E407));
            let mut plan = Plan {
                ops: Vec::with_capacity(PLAN_LEN),
                kinds: Vec::with_capacity(PLAN_LEN),
            };
            for _ in 0..PLAN_LEN {
                let draw = rng.below(100) as u32;
                let kind = cumulative
                    .iter()
                    .find(|(upto, _)| draw < *upto)
                    .map_or(0, |(_, k)| *k);
                let key = keys.key(&mut rng);
                plan.ops.push(S::op(kind, key, &mut rng, workload));
                plan.kinds.push(kind as u8);
            }
            plans.push(plan);
        }
    }
    Ok(plans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::find;

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

    #[test]
    fn seed_plans_give_readers_gets_and_writers_sets() {
        let w = find("seed").expect("exists");
        let p = plans::<KvU64>(&w, 110, 1).expect("plans");
        assert!(
            p[..100]
                .iter()
                .all(|p| p.ops.iter().all(|op| matches!(op, KvOp::Get(k) if *k < 5)))
        );
        assert!(p[100..].iter().all(|p| {
            p.ops
                .iter()
                .all(|op| matches!(op, KvOp::Set(k, _) if *k < 5))
        }));
    }

    #[test]
    fn zipf_makes_a_few_keys_hot_and_stays_in_range() {
        let zipf = KeyGen::new(10_000, KeyDistribution::Zipf { theta: 0.99 });
        let mut rng = Rng::new(3);
        let draws: Vec<u64> = (0..100_000).map(|_| zipf.key(&mut rng)).collect();
        assert!(draws.iter().all(|k| *k < 10_000));
        let top10 = draws.iter().filter(|k| **k < 10).count() as f64 / draws.len() as f64;
        // Under zipf(0.99) over 10 000 keys the 10 hottest take about 30 % of the draws;
        // uniform would give 0.1 %.
        assert!((0.2..0.45).contains(&top10), "top-10 share {top10:.3}");
        let uniform = KeyGen::new(10_000, KeyDistribution::Uniform);
        let top10u = (0..100_000).filter(|_| uniform.key(&mut rng) < 10).count();
        assert!(top10u < 500);
    }

    #[test]
    fn checks_catch_a_value_of_another_key_and_lost_increments() {
        let mut rng = Rng::new(1);
        let v = tagged_value(3, &mut rng);
        let mut lookups = Lookups::default();
        assert!(KvU64::check(
            &KvOp::Get(3),
            &KvReply::Value(Some(v)),
            &mut lookups
        ));
        assert!(!KvU64::check(
            &KvOp::Get(4),
            &KvReply::Value(Some(v)),
            &mut lookups
        ));
        assert!(KvU64::check(
            &KvOp::Get(4),
            &KvReply::Value(None),
            &mut lookups
        ));
        assert_eq!((lookups.made, lookups.found), (3, 2), "gets are counted");
        assert!(
            KvU64::explain(&KvOp::Get(4), &KvReply::Value(Some(v)))
                .contains("never written for key 4")
        );
        assert!(!KvU64::check(&KvOp::Get(4), &KvReply::Len(1), &mut lookups));
        let mut tally = CounterTally::default();
        assert!(!Counter::check(
            &CounterOp::Increment,
            &CounterReply(0),
            &mut tally
        ));
        assert!(Counter::check(
            &CounterOp::Increment,
            &CounterReply(1),
            &mut tally
        ));
        assert!(Counter::check(
            &CounterOp::Reset,
            &CounterReply(1),
            &mut tally
        ));
        assert_eq!((tally.increments, tally.reset_total), (1, 1));
    }
}
