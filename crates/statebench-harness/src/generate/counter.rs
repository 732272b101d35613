//! The counter as the harness drives it.

use std::time::Instant;

use statebench_core::{Counter, CounterOp, CounterReply, Service};

use statebench_core::rng::Rng;

use super::subject::Subject;
use crate::verify::RunEnd;
use crate::workload::Workload;

/// What a counter client saw: its increments and what its resets reported, the largest count
/// any reply showed, and how many replies a client alone could not have had.
#[derive(Debug, Default)]
pub struct CounterTally {
    pub(super) increments: u64,
    pub(super) reset_total: u64,
    /// The largest count a reply showed: never above the increments made by then.
    pub(super) largest: u64,
    /// This client's increments since its own last reset: what every reply would show, were
    /// the client alone.
    own: u64,
    /// Replies that differ from `own` (an increment's from `own + 1`): other clients' doing,
    /// or — for a client alone — a stale or made-up count.
    pub(super) not_alone: u64,
}

impl Subject for Counter {
    type Tally = CounterTally;
    type Expect = ();

    fn initial(_: &Workload, _: Instant) -> Self {
        Counter::new()
    }

    fn op(kind: usize, _: u64, _: usize, _: &mut Rng, _: &Workload) -> CounterOp {
        [CounterOp::Increment, CounterOp::Get, CounterOp::Reset][kind.min(2)]
    }

    #[inline(always)]
    fn check(op: &CounterOp, reply: &CounterReply, _: (), tally: &mut CounterTally) -> bool {
        match op {
            CounterOp::Increment if reply.0 == 0 => return false,
            CounterOp::Increment => {
                tally.increments += 1;
                tally.own += 1;
            }
            CounterOp::Reset => tally.reset_total += reply.0,
            CounterOp::Get => {}
        }
        tally.largest = tally.largest.max(reply.0);
        tally.not_alone += u64::from(reply.0 != tally.own);
        if *op == CounterOp::Reset {
            tally.own = 0;
        }
        true
    }

    fn explain(op: &CounterOp, reply: &CounterReply, _: ()) -> String {
        format!(
            "{op:?} returned {}: the count after an increment is at least 1",
            reply.0
        )
    }

    fn merge(into: &mut CounterTally, from: CounterTally) {
        into.increments += from.increments;
        into.reset_total += from.reset_total;
        into.largest = into.largest.max(from.largest);
        into.not_alone += from.not_alone;
    }

    /// Every increment is accounted for: made = reported by resets + what remains. Then a
    /// probe: an increment through one handle is seen by a get through another.
    fn verify_end<I: Service<Self>>(
        end: &RunEnd<'_, CounterOp, CounterTally>,
        service: &I,
    ) -> Result<(), String> {
        let tally = end.tally;
        // No reply can show more than every increment made.
        if tally.largest > tally.increments {
            return Err(format!(
                "a reply showed a count of {}, but only {} increments were made in the run",
                tally.largest, tally.increments
            ));
        }
        // A client alone sees exactly its own count, in every reply.
        if end.clients.len() == 1 && tally.not_alone > 0 {
            return Err(format!(
                "{} replies to a lone client differed from its own count (its increments since \
                 its last reset): stale or made-up counts",
                tally.not_alone
            ));
        }
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
