//! The TTL cache as the harness drives it.

use std::time::{Duration, Instant};

use statebench_core::{CacheOp, CacheReply, CacheU64, Service, StateMachine};

use super::{Lookups, Rng, Subject, explain_tagged, tag_ok, tagged_value, verify_final_store};
use crate::verify::{self, RunEnd};
use crate::workload::Workload;

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
