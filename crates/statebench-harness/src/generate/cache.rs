//! The TTL cache as the harness drives it.

use std::time::{Duration, Instant};

use statebench_core::{CacheOp, CacheReply, CacheU64, Service, StateMachine};

use statebench_core::rng::Rng;

use super::subject::{Lookups, Subject, verify_final_store};
use super::tagged::{OwnWrite, explain_tagged, tag_ok, tagged_value};
use crate::verify::{self, RunEnd};
use crate::workload::Workload;

fn key_of(op: &CacheOp<u64, u64>) -> Option<u64> {
    match op {
        CacheOp::Get(k) | CacheOp::Set { key: k, .. } | CacheOp::Delete(k) => Some(*k),
        CacheOp::Len => None,
    }
}

/// What an operation writes where (`None`: a delete).
fn write_of(op: &CacheOp<u64, u64>) -> Option<(u64, Option<u64>)> {
    match op {
        CacheOp::Set { key, value, .. } => Some((*key, Some(*value))),
        CacheOp::Delete(k) => Some((*k, None)),
        _ => None,
    }
}

/// Whether an entry a client wrote during the run may have expired by `now`: its shortest
/// TTL has passed since the run's state was made.
fn writes_may_expire(workload: &Workload, started: Instant, now: Instant) -> bool {
    now.saturating_duration_since(started) >= Duration::from_millis(workload.ttl_ms.0)
}

impl Subject for CacheU64 {
    type Tally = Lookups;
    type Expect = OwnWrite;

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
                    let value = tagged_value(key, None, &mut rng);
                    cache.apply(CacheOp::Set { key, value, ttl }, now);
                }
            }
        }
        cache
    }

    fn op(
        kind: usize,
        key: u64,
        client: usize,
        rng: &mut Rng,
        workload: &Workload,
    ) -> CacheOp<u64, u64> {
        match kind {
            0 => CacheOp::Get(key),
            1 => {
                let (lo, hi) = workload.ttl_ms;
                let ttl = Duration::from_millis(lo + rng.below(hi - lo + 1));
                CacheOp::Set {
                    key,
                    value: tagged_value(key, Some(client), rng),
                    ttl,
                }
            }
            2 => CacheOp::Delete(key),
            _ => CacheOp::Len,
        }
    }

    /// As the kv store's: a reply carrying this client's writer must be its latest write to
    /// the key (an expired entry reads as nothing, never as an older value).
    fn expectations(ops: &[CacheOp<u64, u64>]) -> Vec<OwnWrite> {
        OwnWrite::of_plan(ops, key_of, write_of)
    }

    #[inline(always)]
    fn check(
        op: &CacheOp<u64, u64>,
        reply: &CacheReply<u64>,
        own: OwnWrite,
        tally: &mut Lookups,
    ) -> bool {
        match (op, reply) {
            (CacheOp::Get(k), CacheReply::Value(v)) => {
                tally.count(v.is_some());
                tag_ok(*k, *v) && own.fits(*v, &mut tally.foreign_after_own)
            }
            (CacheOp::Set { key: k, .. } | CacheOp::Delete(k), CacheReply::Value(v)) => {
                tag_ok(*k, *v) && own.fits(*v, &mut tally.foreign_after_own)
            }
            (CacheOp::Len, CacheReply::Len(_)) => true,
            _ => false,
        }
    }

    fn explain(op: &CacheOp<u64, u64>, reply: &CacheReply<u64>, own: OwnWrite) -> String {
        match (op, reply) {
            (
                CacheOp::Get(k) | CacheOp::Set { key: k, .. } | CacheOp::Delete(k),
                CacheReply::Value(v),
            ) if tag_ok(*k, *v) => format!(
                "a stale read: {op:?} got {v:x?}, a value this client wrote to the key before \
                 its latest write there, {:x?}",
                own.value
            ),
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

    /// A lone client whose writes cannot have expired sees its own latest write or nothing
    /// else; then the probes, with an hour's TTL so nothing expires before they are read back.
    fn verify_end<I: Service<Self>>(
        end: &RunEnd<'_, CacheOp<u64, u64>, Lookups>,
        service: &I,
    ) -> Result<(), String> {
        let lone = end.clients.len() == 1;
        if lone
            && end.tally.foreign_after_own > 0
            && !writes_may_expire(end.workload, end.started, Instant::now())
        {
            return Err(format!(
                "{} replies to a lone client showed something other than its own latest write \
                 to the key, made earlier in the same lap and too recently to expire: stale \
                 reads or lost writes",
                end.tally.foreign_after_own
            ));
        }
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

    /// Every key holds a client's last write, or its initial entry, or nothing where that may
    /// have expired: a prefilled entry whose TTL ran out, and a client's write only when the
    /// shortest TTL has passed since the run began (so a dropped set is caught).
    fn verify_final(
        end: &RunEnd<'_, CacheOp<u64, u64>, Lookups>,
        state: &Self,
        now: Instant,
    ) -> Result<(), String> {
        let value = |r: &CacheReply<u64>| match r {
            CacheReply::Value(v) => Some(*v),
            CacheReply::Len(_) => None,
        };
        let expiry = verify::MayExpire {
            initial: true,
            written: writes_may_expire(end.workload, end.started, now),
        };
        verify_final_store(end, state, now, write_of, CacheOp::Get, value, expiry)
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
