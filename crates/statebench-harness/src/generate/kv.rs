//! The key-value store as the harness drives it.

use std::time::Instant;

use statebench_core::{KvOp, KvReply, KvU64, Service, StateMachine};

use statebench_core::rng::Rng;

use super::subject::{Lookups, Subject, verify_final_store};
use super::tagged::{OwnWrite, explain_tagged, tag_ok, tagged_value};
use crate::verify::{self, RunEnd};
use crate::workload::Workload;

/// The key an operation touches and what it writes there (`None`: a delete).
fn key_of(op: &KvOp<u64, u64>) -> Option<u64> {
    match op {
        KvOp::Get(k) | KvOp::Set(k, _) | KvOp::Delete(k) => Some(*k),
        KvOp::Len => None,
    }
}

fn write_of(op: &KvOp<u64, u64>) -> Option<(u64, Option<u64>)> {
    match op {
        KvOp::Set(k, v) => Some((*k, Some(*v))),
        KvOp::Delete(k) => Some((*k, None)),
        _ => None,
    }
}

impl Subject for KvU64 {
    type Tally = Lookups;
    type Expect = OwnWrite;

    fn initial(workload: &Workload, now: Instant) -> Self {
        let mut kv = KvU64::new();
        if workload.prefill {
            let mut rng = Rng::new(0xF111);
            for key in 0..workload.keys {
                kv.apply(KvOp::Set(key, tagged_value(key, None, &mut rng)), now);
            }
        }
        kv
    }

    fn op(kind: usize, key: u64, client: usize, rng: &mut Rng, _: &Workload) -> KvOp<u64, u64> {
        match kind {
            0 => KvOp::Get(key),
            1 => KvOp::Set(key, tagged_value(key, Some(client), rng)),
            2 => KvOp::Delete(key),
            _ => KvOp::Len,
        }
    }

    /// For every get, set and delete, the client's own latest write to its key: a reply
    /// (a get's value, or the previous value a set or delete returns) that carries this
    /// client's writer must be exactly that write.
    fn expectations(ops: &[KvOp<u64, u64>]) -> Vec<OwnWrite> {
        OwnWrite::of_plan(ops, key_of, write_of)
    }

    #[inline(always)]
    fn check(
        op: &KvOp<u64, u64>,
        reply: &KvReply<u64>,
        own: OwnWrite,
        tally: &mut Lookups,
    ) -> bool {
        match (op, reply) {
            (KvOp::Get(k), KvReply::Value(v)) => {
                tally.count(v.is_some());
                tag_ok(*k, *v) && own.fits(*v, &mut tally.foreign_after_own)
            }
            (KvOp::Set(k, _) | KvOp::Delete(k), KvReply::Value(v)) => {
                tag_ok(*k, *v) && own.fits(*v, &mut tally.foreign_after_own)
            }
            (KvOp::Len, KvReply::Len(_)) => true,
            _ => false,
        }
    }

    fn explain(op: &KvOp<u64, u64>, reply: &KvReply<u64>, own: OwnWrite) -> String {
        match (op, reply) {
            (KvOp::Get(k) | KvOp::Set(k, _) | KvOp::Delete(k), KvReply::Value(v))
                if tag_ok(*k, *v) =>
            {
                format!(
                    "a stale read: {op:?} got {v:x?}, a value this client wrote to the key \
                     before its latest write there, {:x?}",
                    own.value
                )
            }
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
        // A client alone sees its own latest write to a key or nothing else.
        if end.clients.len() == 1 && t.foreign_after_own > 0 {
            return Err(format!(
                "{} replies to a lone client showed something other than its own latest write \
                 to the key, made earlier in the same lap: stale reads or lost writes",
                t.foreign_after_own
            ));
        }
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
        let write = write_of;
        let value = |r: &KvReply<u64>| match r {
            KvReply::Value(v) => Some(*v),
            KvReply::Len(_) => None,
        };
        verify_final_store(
            end,
            state,
            now,
            write,
            KvOp::Get,
            value,
            verify::MayExpire::NEVER,
        )
    }

    fn hits(tally: &Lookups) -> Option<(u64, u64)> {
        Some((tally.found, tally.made))
    }

    fn live_size(state: &Self, keys: u64, _: Instant) -> Option<u64> {
        Some(state.entries().filter(|(k, _)| **k < keys).count() as u64)
    }
}
