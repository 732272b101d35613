//! A linearizability checker: given a concurrent history — every call with the real instants
//! it was invoked and returned, and the reply it got — it decides whether the calls can be put
//! in one sequential order that respects real time (a call that returned before another was
//! invoked comes first) and in which the sequential state machine gives every recorded reply.
//!
//! The search is Wing & Gong's, with Lowe's memoization (as in porcupine and knossos): walk the
//! events in time order, try to linearize any call that is pending, backtrack when a return is
//! reached whose call could not be placed, and never revisit a (set of linearized calls, state)
//! pair. The history is first split by key (P-compositionality, Horn & Kroening): calls on
//! different keys of a keyed service never interact, so each key's sub-history is checked on
//! its own and long histories stay cheap. A history with an operation that spans keys (`Len`)
//! is checked whole; the counter is one object.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::time::Instant;

use crate::Model;

/// One completed call of a concurrent history.
#[derive(Clone, Debug)]
pub struct Call<S: Model> {
    /// Who made it (a thread or a task).
    pub client: usize,
    /// The operation.
    pub op: S::Op,
    /// The reply it got.
    pub reply: S::Reply,
    /// The manual clock's instant while the call ran (tests only advance it between rounds,
    /// when no call is in flight).
    pub now: Instant,
    /// Real instant just before the call was made.
    pub invoked: Instant,
    /// Real instant just after it returned.
    pub returned: Instant,
}

/// The most calls [`check`] explores before it gives up on one partition; a give-up is a
/// failure, never a pass.
pub const STEP_BUDGET: u64 = 20_000_000;

/// What a successful check looked at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Calls checked.
    pub calls: usize,
    /// Sub-histories checked separately (keys, or 1 for a whole history).
    pub partitions: usize,
    /// Calls whose real-time interval overlapped another call's on the same partition: the
    /// calls whose order the checker had to search for.
    pub overlapping: usize,
}

impl std::ops::AddAssign for Checked {
    fn add_assign(&mut self, other: Checked) {
        self.calls += other.calls;
        self.partitions += other.partitions;
        self.overlapping += other.overlapping;
    }
}

/// Why a history is not linearizable (or could not be decided).
#[derive(Clone, Debug)]
pub struct Violation {
    /// What went wrong, in one line.
    pub why: String,
    /// The offending sub-history, one call a line, times relative to its first invocation.
    pub calls: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n{}", self.why, self.calls)
    }
}

/// Checks `history` against the model started by `initial`, key by key when every operation
/// names a key ([`statebench_core::StateMachine::key`]), else whole.
pub fn check<S: Model>(initial: impl Fn() -> S, history: &[Call<S>]) -> Result<Checked, Violation> {
    let mut partitions: BTreeMap<Option<&S::Key>, Vec<&Call<S>>> = BTreeMap::new();
    if history.iter().all(|c| S::key(&c.op).is_some()) {
        for call in history {
            partitions.entry(S::key(&call.op)).or_default().push(call);
        }
    } else {
        partitions.insert(None, history.iter().collect());
    }
    let mut checked = Checked::default();
    for (key, calls) in &partitions {
        linearize(initial(), calls).map_err(|why| Violation {
            why: match key {
                Some(k) => format!("key {k:?}: {why}"),
                None => why,
            },
            calls: describe(calls),
        })?;
        checked += Checked {
            calls: calls.len(),
            partitions: 1,
            overlapping: overlapping(calls),
        };
    }
    Ok(checked)
}

/// How many of `calls` overlap another in real time.
fn overlapping<S: Model>(calls: &[&Call<S>]) -> usize {
    let mut by_start: Vec<(Instant, Instant)> =
        calls.iter().map(|c| (c.invoked, c.returned)).collect();
    by_start.sort();
    let mut overlaps = vec![false; by_start.len()];
    // Sweep: a call overlaps the one with the latest return among those invoked before it.
    let mut latest: Option<(Instant, usize)> = None;
    for (i, &(start, end)) in by_start.iter().enumerate() {
        if let Some((until, j)) = latest
            && start <= until
        {
            overlaps[i] = true;
            overlaps[j] = true;
        }
        if latest.is_none_or(|(until, _)| end > until) {
            latest = Some((end, i));
        }
    }
    overlaps.iter().filter(|o| **o).count()
}

fn describe<S: Model>(calls: &[&Call<S>]) -> String {
    let Some(origin) = calls.iter().map(|c| c.invoked).min() else {
        return String::new();
    };
    let mut sorted = calls.to_vec();
    sorted.sort_by_key(|c| c.invoked);
    let mut out = String::new();
    for c in sorted {
        let _ = writeln!(
            out,
            "  client {} [{:>9.1} µs .. {:>9.1} µs] {:?} -> {:?}",
            c.client,
            (c.invoked - origin).as_secs_f64() * 1e6,
            (c.returned - origin).as_secs_f64() * 1e6,
            c.op,
            c.reply
        );
    }
    out
}

/// Wing–Gong search with Lowe's memo over one partition. The events live in a doubly linked
/// list (indices; node 0 is the head, node `2n + 1` the tail); linearizing a call unlinks its
/// call and return events, backtracking links them back in reverse order.
fn linearize<S: Model>(initial: S, calls: &[&Call<S>]) -> Result<(), String> {
    let n = calls.len();
    // (instant, is_return, call index); on equal instants calls sort first, which treats the
    // two as concurrent — the permissive reading, so a tie never produces a false violation.
    let mut events: Vec<(Instant, bool, usize)> = Vec::with_capacity(2 * n);
    for (i, c) in calls.iter().enumerate() {
        events.push((c.invoked, false, i));
        events.push((c.returned, true, i));
    }
    events.sort();
    let (head, tail) = (0, 2 * n + 1);
    let mut next: Vec<usize> = (1..=2 * n + 1).chain([tail]).collect();
    let mut prev: Vec<usize> = [0].into_iter().chain(0..=2 * n).collect();
    let mut node_of_return = vec![0; n];
    for (k, &(_, is_return, i)) in events.iter().enumerate() {
        if is_return {
            node_of_return[i] = k + 1;
        }
    }
    let unlink = |next: &mut Vec<usize>, prev: &mut Vec<usize>, x: usize| {
        next[prev[x]] = next[x];
        prev[next[x]] = prev[x];
    };
    let relink = |next: &mut Vec<usize>, prev: &mut Vec<usize>, x: usize| {
        next[prev[x]] = x;
        prev[next[x]] = x;
    };

    let words = n.div_ceil(64);
    let mut linearized = vec![0u64; words];
    let mut seen: HashMap<Vec<u64>, Vec<S>> = HashMap::new();
    let mut stack: Vec<(usize, S)> = Vec::new();
    let mut state = initial;
    let mut deepest = 0;
    let mut steps = 0u64;
    let mut node = next[head];
    while next[head] != tail {
        steps += 1;
        if steps > STEP_BUDGET {
            return Err(format!(
                "undecided after {STEP_BUDGET} steps ({deepest} of {n} calls placed)"
            ));
        }
        let (_, is_return, i) = events[node - 1];
        if !is_return {
            let call = calls[i];
            let mut candidate = state.clone();
            let reply = candidate.apply(call.op.clone(), call.now);
            let mut placed = false;
            if reply == call.reply {
                // Cleanup never changes a reply; applying it makes equal states compare equal.
                candidate.cleanup(call.now);
                linearized[i / 64] |= 1 << (i % 64);
                let states = seen.entry(linearized.clone()).or_default();
                if !states.contains(&candidate) {
                    states.push(candidate.clone());
                    stack.push((node, std::mem::replace(&mut state, candidate)));
                    deepest = deepest.max(stack.len());
                    unlink(&mut next, &mut prev, node);
                    unlink(&mut next, &mut prev, node_of_return[i]);
                    placed = true;
                } else {
                    linearized[i / 64] &= !(1 << (i % 64));
                }
            }
            node = if placed { next[head] } else { next[node] };
        } else {
            // A call returned before any order could place it: undo the last placement.
            let Some((call_node, before)) = stack.pop() else {
                return Err(format!(
                    "not linearizable: no order of these {n} calls gives every recorded reply \
                     (at most {deepest} could be placed)"
                ));
            };
            let (_, _, j) = events[call_node - 1];
            state = before;
            linearized[j / 64] &= !(1 << (j % 64));
            relink(&mut next, &mut prev, node_of_return[j]);
            relink(&mut next, &mut prev, call_node);
            node = next[call_node];
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use statebench_core::{Counter, CounterOp, CounterReply, KvOp, KvReply, KvU64};

    use super::*;

    /// A call of client `client` over [from, to] µs after a common origin.
    fn at<S: Model>(
        origin: Instant,
        client: usize,
        (from, to): (u64, u64),
        op: S::Op,
        reply: S::Reply,
    ) -> Call<S> {
        Call {
            client,
            op,
            reply,
            now: origin,
            invoked: origin + Duration::from_micros(from),
            returned: origin + Duration::from_micros(to),
        }
    }

    /// (client, (invoked, returned) in µs, op, reply)
    type KvCall = (usize, (u64, u64), KvOp<u64, u64>, KvReply<u64>);

    fn kv(calls: &[KvCall]) -> Vec<Call<KvU64>> {
        let origin = Instant::now();
        calls
            .iter()
            .map(|(c, t, op, r)| at(origin, *c, *t, op.clone(), r.clone()))
            .collect()
    }

    fn counter(calls: &[(usize, (u64, u64), CounterOp, u64)]) -> Vec<Call<Counter>> {
        let origin = Instant::now();
        calls
            .iter()
            .map(|(c, t, op, r)| at(origin, *c, *t, *op, CounterReply(*r)))
            .collect()
    }

    #[test]
    fn a_read_that_misses_a_write_completed_before_it_is_rejected() {
        // Sequentially consistent (the read could be ordered first) but not linearizable.
        let h = kv(&[
            (0, (0, 10), KvOp::Set(1, 7), KvReply::Value(None)),
            (1, (20, 30), KvOp::Get(1), KvReply::Value(None)),
        ]);
        let v = check(KvU64::new, &h).unwrap_err();
        assert!(v.why.contains("key 1: not linearizable"), "{v}");
    }

    #[test]
    fn a_read_overlapping_a_write_may_see_either_value() {
        for seen in [None, Some(7)] {
            let h = kv(&[
                (0, (0, 30), KvOp::Set(1, 7), KvReply::Value(None)),
                (1, (10, 20), KvOp::Get(1), KvReply::Value(seen)),
            ]);
            assert_eq!(
                check(KvU64::new, &h).unwrap(),
                Checked {
                    calls: 2,
                    partitions: 1,
                    overlapping: 2
                }
            );
        }
    }

    #[test]
    fn keys_are_checked_apart_and_len_forces_a_whole_check() {
        let keyed = kv(&[
            (0, (0, 10), KvOp::Set(1, 7), KvReply::Value(None)),
            (1, (20, 30), KvOp::Set(2, 8), KvReply::Value(None)),
            (0, (40, 50), KvOp::Get(1), KvReply::Value(Some(7))),
        ]);
        assert_eq!(check(KvU64::new, &keyed).unwrap().partitions, 2);
        let mut whole = keyed.clone();
        whole.push(at(
            keyed[0].invoked,
            1,
            (60, 70),
            KvOp::Len,
            KvReply::Len(2),
        ));
        assert_eq!(check(KvU64::new, &whole).unwrap().partitions, 1);
        // A Len that counts a key deleted before it began is caught by the whole check.
        whole.push(at(
            keyed[0].invoked,
            0,
            (80, 90),
            KvOp::Delete(2),
            KvReply::Value(Some(8)),
        ));
        whole.push(at(
            keyed[0].invoked,
            1,
            (100, 110),
            KvOp::Len,
            KvReply::Len(2),
        ));
        assert!(check(KvU64::new, &whole).is_err());
    }

    #[test]
    fn a_lost_increment_is_rejected_and_a_reordered_one_accepted() {
        // Two overlapping increments may reply 1 then 2 in either order...
        let ok = counter(&[
            (0, (0, 30), CounterOp::Increment, 2),
            (1, (10, 20), CounterOp::Increment, 1),
            (0, (40, 50), CounterOp::Get, 2),
        ]);
        assert!(check(Counter::new, &ok).is_ok());
        // ...but both replying 1 is the read-then-write race.
        let lost = counter(&[
            (0, (0, 30), CounterOp::Increment, 1),
            (1, (10, 20), CounterOp::Increment, 1),
        ]);
        let v = check(Counter::new, &lost).unwrap_err();
        assert!(v.why.starts_with("not linearizable"), "{v}");
        assert!(v.calls.contains("Increment -> CounterReply(1)"), "{v}");
    }

    #[test]
    fn backtracking_finds_the_one_order_that_works() {
        // Three overlapping writes and a read that pins which write went last; the search must
        // backtrack past its first guesses to find set(3) before set(1) before set(2).
        let h = kv(&[
            (0, (0, 100), KvOp::Set(1, 1), KvReply::Value(Some(3))),
            (1, (0, 100), KvOp::Set(1, 2), KvReply::Value(Some(1))),
            (2, (0, 100), KvOp::Set(1, 3), KvReply::Value(None)),
            (0, (200, 210), KvOp::Get(1), KvReply::Value(Some(2))),
        ]);
        assert!(check(KvU64::new, &h).is_ok());
        let mut wrong = h.clone();
        wrong[3].reply = KvReply::Value(Some(3));
        assert!(check(KvU64::new, &wrong).is_err());
    }

    #[test]
    fn many_concurrent_calls_stay_cheap() {
        // 4 clients x 60 increments, each overlapping its neighbours: the memo keeps it small.
        let origin = Instant::now();
        let mut h = Vec::new();
        for round in 0..60u64 {
            for client in 0..4u64 {
                let n = round * 4 + client + 1;
                h.push(at::<Counter>(
                    origin,
                    client as usize,
                    (round * 10, round * 10 + 15),
                    CounterOp::Increment,
                    CounterReply(n),
                ));
            }
        }
        let checked = check(Counter::new, &h).unwrap();
        assert_eq!(checked.calls, 240);
        assert_eq!(checked.overlapping, 240);
    }
}
