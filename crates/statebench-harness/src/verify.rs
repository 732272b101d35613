//! The end-of-run checks: after the clients stop, each repetition proves that the work it
//! counted was really done, so a fast implementation that drops writes, answers "absent" to
//! every read, or gives each handle a stale copy of its own fails the run instead of topping
//! the table.
//!
//! Three checks, each cheap beside the run:
//!
//! * **Probes through two handles** (service still running): write through one clone of the
//!   handle, read back through another, on keys the clients never touch (`keys..keys + 16`).
//!   A store that drops writes, answers `None`, or keeps a copy per handle fails here.
//! * **The final state against the clients' last writes.** Every client walks its plan in
//!   order, so from where it stopped the harness knows the last write it made to every key —
//!   without recording anything in the measured loop. In any linearizable run the final value
//!   of a key is the last write of *some* client (or the prefilled value if nobody wrote it), so
//!   the state handed back by `shutdown` is checked key by key against those candidates (kv:
//!   exactly; cache: or expired, since a TTL may have run out).
//! * **Counts only the service can explain**: gets that find nothing on a prefilled store that
//!   nobody deletes from (kv), increments conserved across resets (counter).

use std::collections::HashMap;
use std::time::Instant;

use crate::workload::Workload;

/// How many keys the probes write and read back, above the workload's key range.
pub const PROBES: u64 = 16;

/// What one client did, as the end-of-run checks see it.
#[derive(Debug)]
pub struct ClientEnd<'a, Op> {
    /// Its plan's operations, walked in order from position 0 and cycled.
    pub ops: &'a [Op],
    /// How many operations it applied in all (warm-up, window and the one it finished as the
    /// run stopped).
    pub applied: u64,
}

/// Everything the end-of-run checks of one repetition see.
#[derive(Debug)]
pub struct RunEnd<'a, Op, Tally> {
    /// The workload run.
    pub workload: &'a Workload,
    /// Every client.
    pub clients: Vec<ClientEnd<'a, Op>>,
    /// The clients' merged tally.
    pub tally: &'a Tally,
    /// When the repetition's initial state was made.
    pub started: Instant,
}

impl<Op, Tally> RunEnd<'_, Op, Tally> {
    /// For every key some client wrote, each writing client's last write to it, found by
    /// walking each plan backwards from where the client stopped. `write` says whether an
    /// operation writes, and to which key what.
    pub fn last_writes<W>(&self, write: impl Fn(&Op) -> Option<(u64, W)>) -> HashMap<u64, Vec<W>> {
        let mut last: HashMap<u64, Vec<W>> = HashMap::new();
        for client in &self.clients {
            let len = client.ops.len() as u64;
            if len == 0 || client.applied == 0 {
                continue;
            }
            // The client applied positions 0, 1, …, len - 1, 0, 1, … : `applied` of them. Walk
            // back from the last one over at most one lap; the first write seen to a key is the
            // client's last write to it.
            let end = client.applied % len;
            let mut seen: std::collections::HashSet<u64> = std::collections::HashSet::new();
            for back in 1..=client.applied.min(len) {
                let position = ((end + len - back) % len) as usize;
                if let Some((key, w)) = write(&client.ops[position])
                    && seen.insert(key)
                {
                    last.entry(key).or_default().push(w);
                }
            }
        }
        last
    }
}

/// Whether the workload's clients ever delete.
pub fn deletes(workload: &Workload) -> bool {
    workload
        .groups
        .iter()
        .any(|g| g.mix.iter().any(|m| m.op == "delete" && m.percent > 0))
}

/// The value a probe writes to `key`: tagged with the key like every value in a run, with a
/// low half no client's generator is likely to produce.
pub fn probe_value(key: u64) -> u64 {
    (key << 32) | 0x0DD_BA11
}

/// The probe of a keyed store of `u64` values: for each probe key, `set` through one clone
/// of the handle must find nothing there before, and `get` through another must read the
/// value back. `value` takes the `Option<u64>` out of a reply.
pub fn probe_store<S, I>(
    service: &I,
    workload: &Workload,
    set: impl Fn(u64, u64) -> S::Op,
    get: impl Fn(u64) -> S::Op,
    value: impl Fn(&S::Reply) -> Option<Option<u64>>,
) -> Result<(), String>
where
    S: statebench_core::StateMachine,
    I: statebench_core::Service<S>,
{
    let (writer, reader) = (service.clone(), service.clone());
    for key in workload.keys..workload.keys + PROBES {
        let expected = probe_value(key);
        let before = writer.call(set(key, expected)).map_err(|e| e.to_string())?;
        if value(&before) != Some(None) {
            return Err(format!(
                "probe: a set of key {key}, which no client touches, replied {before:?}, not \
                 \"nothing there before\""
            ));
        }
        let read = reader.call(get(key)).map_err(|e| e.to_string())?;
        if value(&read) != Some(Some(expected)) {
            return Err(format!(
                "probe: a value set through one handle was not read back through another: key \
                 {key} read {read:?}, not {expected:#x}"
            ));
        }
    }
    Ok(())
}

/// Which entries of a store may have expired by the end of a run, and so may be absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MayExpire {
    /// Entries no client wrote (the initial state's).
    pub initial: bool,
    /// Entries a client wrote during the run.
    pub written: bool,
}

impl MayExpire {
    /// Nothing expires (the kv store).
    pub const NEVER: MayExpire = MayExpire {
        initial: false,
        written: false,
    };
}

/// The final state of a keyed store against the clients' last writes: for every key of the
/// workload, `read(key)` (the final state's value) must be some client's last write to it
/// (`last`), or the initial value if nobody wrote it — or absent, where `may_expire` allows.
/// The probe keys must hold the probes' values.
pub fn check_final_store(
    workload: &Workload,
    last: &HashMap<u64, Vec<Option<u64>>>,
    read: impl Fn(u64) -> Option<u64>,
    initial: impl Fn(u64) -> Option<u64>,
    may_expire: MayExpire,
) -> Result<(), String> {
    for key in 0..workload.keys {
        let got = read(key);
        let fine = match last.get(&key) {
            Some(candidates) => candidates.contains(&got) || (may_expire.written && got.is_none()),
            None => got == initial(key) || (may_expire.initial && got.is_none()),
        };
        if !fine {
            let expected = match last.get(&key) {
                Some(candidates) => format!("the clients' last writes to it were {candidates:x?}"),
                None => format!("no client wrote it and it started as {:x?}", initial(key)),
            };
            let expired = match last.get(&key) {
                Some(_) => may_expire.written,
                None => may_expire.initial,
            };
            return Err(format!(
                "the final state holds {got:x?} for key {key}, but {expected}{}",
                if expired {
                    " (or nothing, expired)"
                } else {
                    ""
                }
            ));
        }
    }
    for key in workload.keys..workload.keys + PROBES {
        if read(key) != Some(probe_value(key)) {
            return Err(format!(
                "the final state lost the probe's write to key {key}: it holds {:x?}",
                read(key)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::find;

    #[test]
    fn last_writes_follow_each_plan_to_where_its_client_stopped() {
        // Ops are (key, value) writes; 0 means a read.
        let ops = [(1, 10), (2, 20), (0, 0), (1, 11)];
        let w = find("kv_write_heavy").expect("exists");
        let end = |applied| RunEnd {
            workload: &w,
            clients: vec![ClientEnd { ops: &ops, applied }],
            tally: &(),
            started: Instant::now(),
        };
        let writes = |e: &RunEnd<'_, (u64, u64), ()>| {
            let mut v: Vec<(u64, Vec<u64>)> = e
                .last_writes(|&(k, v)| (k != 0).then_some((k, v)))
                .into_iter()
                .collect();
            v.sort();
            v
        };
        assert_eq!(writes(&end(0)), vec![]);
        assert_eq!(writes(&end(1)), vec![(1, vec![10])]);
        assert_eq!(writes(&end(3)), vec![(1, vec![10]), (2, vec![20])]);
        assert_eq!(writes(&end(4)), vec![(1, vec![11]), (2, vec![20])]);
        // Into the second lap: position 0 was applied again after position 3.
        assert_eq!(writes(&end(5)), vec![(1, vec![10]), (2, vec![20])]);
        assert_eq!(
            writes(&end(4 * 1000 + 2)),
            vec![(1, vec![10]), (2, vec![20])]
        );
    }
}
