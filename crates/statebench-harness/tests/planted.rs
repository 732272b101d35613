//! The run's checks catch lazy implementations: for every service, a store that drops its
//! writes, one that answers reads as if it were empty, and one that gives every handle a copy
//! of its own each fail the run — while the same wrapper, honest, passes. Each lie keeps its
//! replies well-formed, so only the checks of `statebench_harness::verify` and what each client
//! expects from its own plan can see it. Then the subtler lies, each with the check that
//! catches it: stale reads (kv, cache, and the counter from one client), a cache that loses a
//! value it overwrites as if it had expired, and sessions that skip touches or drop data
//! overwrites.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use statebench_core::{
    CacheOp, CacheReply, CacheU64, Counter, Error, KvU64, Service, Sessions, SessionsOp,
    SessionsReply, Settings, StateMachine,
};
use statebench_harness::generate::Subject;
use statebench_harness::workload::find;
use statebench_harness::{Cell, RustDriver, run_repetition};

/// The honest wrapper: one state behind a mutex.
const HONEST: u8 = 0;
/// Writes are applied to a throwaway copy: the replies look right, nothing is kept.
const DROPS_WRITES: u8 = 1;
/// Reads are answered by an empty state: every get finds nothing (the counter reads 0).
const ANSWERS_EMPTY: u8 = 2;
/// Every clone of the handle copies the state: each client sees only its own writes.
const COPY_PER_HANDLE: u8 = 3;
/// A write is kept only where it finds nothing there before (so the probes, which write
/// fresh keys, pass); overwrites are lost. Only the final-state check can see it on kv and
/// cache.
const LOSES_OVERWRITES: u8 = 4;
/// Reads are answered from a snapshot of the state taken every 64 writes: every reply is
/// well-formed and was true a moment ago.
const STALE_READS: u8 = 5;
/// The service's own lazy shortcut ([`Empty::lazy`]): a cache that, overwriting a live entry,
/// drops it as if it had expired; sessions whose touches reply truthfully but extend nothing.
const LAZY: u8 = 6;
/// Sessions whose data overwrites are dropped (the first value set stays).
const LAZY_DATA: u8 = 7;

/// A service as it would be right after it started empty, and its own lazy shortcuts.
trait Empty: StateMachine + Clone {
    fn empty() -> Self;

    /// The reply to `op` under lie `lie` where the service has a shortcut of its own for it
    /// (`None`: none, the honest path).
    fn lazy(state: &mut Self, op: &Self::Op, lie: u8, now: Instant) -> Option<Self::Reply> {
        let _ = (state, op, lie, now);
        None
    }
}

impl Empty for KvU64 {
    fn empty() -> Self {
        KvU64::new()
    }
}
impl Empty for Counter {
    fn empty() -> Self {
        Counter::new()
    }
}
impl Empty for Sessions {
    fn empty() -> Self {
        Sessions::new(Duration::from_secs(1), Duration::from_secs(1))
    }

    fn lazy(state: &mut Self, op: &SessionsOp, lie: u8, now: Instant) -> Option<SessionsReply> {
        let live = |state: &Self, id: u64| {
            matches!(
                state.read(&SessionsOp::Get(id), now),
                Some(SessionsReply::Session(Some(_)))
            )
        };
        match (lie, op) {
            // Says whether the session was live, as a touch should, and extends nothing.
            (LAZY, SessionsOp::Touch(id)) => Some(SessionsReply::Live(live(state, *id))),
            // Keeps the first value set under a data key; later ones are dropped.
            (LAZY_DATA, SessionsOp::SetData { id, key, .. }) => {
                match state.read(&SessionsOp::Get(*id), now) {
                    Some(SessionsReply::Session(Some(s))) if s.data.contains_key(key) => {
                        Some(SessionsReply::Live(true))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}
impl Empty for CacheU64 {
    fn empty() -> Self {
        CacheU64::new(Duration::from_secs(1))
    }

    fn lazy(
        state: &mut Self,
        op: &CacheOp<u64, u64>,
        lie: u8,
        now: Instant,
    ) -> Option<CacheReply<u64>> {
        match (lie, op) {
            // Overwriting a live entry: the previous value is replied, and the key ends empty,
            // as if its TTL had run out.
            (LAZY, CacheOp::Set { key, .. }) => {
                let reply = state.apply(op.clone(), now);
                if reply != CacheReply::Value(None) {
                    state.apply(CacheOp::Delete(*key), now);
                }
                Some(reply)
            }
            _ => None,
        }
    }
}

struct Planted<S, const LIE: u8> {
    state: Arc<Mutex<Option<S>>>,
    /// What reads are answered from under [`STALE_READS`], and the writes since it was taken.
    snapshot: Arc<Mutex<(Option<S>, u32)>>,
}

impl<S: Empty, const LIE: u8> Clone for Planted<S, LIE> {
    fn clone(&self) -> Self {
        if LIE == COPY_PER_HANDLE {
            let copy = self.state.lock().expect("not poisoned").clone();
            Planted {
                state: Arc::new(Mutex::new(copy)),
                snapshot: Arc::new(Mutex::new((None, 0))),
            }
        } else {
            Planted {
                state: self.state.clone(),
                snapshot: self.snapshot.clone(),
            }
        }
    }
}

impl<S: Empty, const LIE: u8> Service<S> for Planted<S, LIE> {
    const NAME: &'static str = "planted";
    const FAMILY: statebench_core::Family = statebench_core::Family::Lock;
    const ABOUT: &'static str = "a service that lies in a planted way";

    fn start(initial: S, _: &Settings) -> Self {
        Planted {
            state: Arc::new(Mutex::new(Some(initial))),
            snapshot: Arc::new(Mutex::new((None, 0))),
        }
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        let now = Instant::now();
        let mut guard = self.state.lock().expect("not poisoned");
        let state = guard.as_mut().ok_or(Error::Stopped)?;
        if LIE == ANSWERS_EMPTY
            && let Some(reply) = S::empty().read(&op, now)
        {
            return Ok(reply);
        }
        if let Some(reply) = S::lazy(state, &op, LIE, now) {
            return Ok(reply);
        }
        if LIE == STALE_READS {
            let mut snapshot = self.snapshot.lock().expect("not poisoned");
            if snapshot.0.is_none() || snapshot.1 >= 64 {
                *snapshot = (Some(state.clone()), 0);
            }
            if let Some(reply) = snapshot.0.as_ref().and_then(|s| s.read(&op, now)) {
                return Ok(reply);
            }
            snapshot.1 += 1;
        }
        if let Some(reply) = state.read(&op, now) {
            return Ok(reply);
        }
        let lost = match LIE {
            DROPS_WRITES => true,
            LOSES_OVERWRITES => {
                state.clone().apply(op.clone(), now) != S::empty().apply(op.clone(), now)
            }
            _ => false,
        };
        Ok(if lost {
            state.clone().apply(op, now)
        } else {
            state.apply(op, now)
        })
    }

    fn call_async(
        &self,
        op: S::Op,
    ) -> impl std::future::Future<Output = Result<S::Reply, Error>> + Send {
        let reply = self.call(op);
        async move { reply }
    }

    fn cleanup(&self) -> Result<(), Error> {
        let mut guard = self.state.lock().expect("not poisoned");
        guard
            .as_mut()
            .ok_or(Error::Stopped)?
            .cleanup(Instant::now());
        Ok(())
    }

    fn shutdown(&self) -> Result<S, Error> {
        self.state
            .lock()
            .expect("not poisoned")
            .take()
            .ok_or(Error::Stopped)
    }
}

fn run<S: Subject + Empty, const LIE: u8>(workload: &str) -> Result<(), String> {
    run_with::<S, LIE>(workload, 2)
}

fn run_with<S: Subject + Empty, const LIE: u8>(
    workload: &str,
    clients: usize,
) -> Result<(), String> {
    let w = find(workload).map_err(|e| e.0)?;
    let cell = Cell {
        workload: &w,
        driver: RustDriver::Threads,
        clients,
        warmup: Duration::from_millis(10),
        duration: Duration::from_millis(40),
        cover: None,
        sample_every: 64,
        seed: 9,
        tuning: Default::default(),
        work: Default::default(),
        pin_clients: false,
    };
    run_repetition::<S, Planted<S, LIE>>(&cell)
        .map(drop)
        .map_err(|e| e.0)
}

/// Every lie fails the run of `workload`, naming a check; the honest wrapper passes it.
fn every_lie_fails<S: Subject + Empty>(workload: &str) {
    run::<S, HONEST>(workload)
        .unwrap_or_else(|e| panic!("{workload}: the honest wrapper failed: {e}"));
    for (lie, outcome) in [
        ("drops writes", run::<S, DROPS_WRITES>(workload)),
        ("answers as if empty", run::<S, ANSWERS_EMPTY>(workload)),
        (
            "copies the state per handle",
            run::<S, COPY_PER_HANDLE>(workload),
        ),
        ("loses overwrites", run::<S, LOSES_OVERWRITES>(workload)),
    ] {
        let why = outcome
            .err()
            .unwrap_or_else(|| panic!("{workload}: a store that {lie} passed the run"));
        assert!(why.starts_with("planted: "), "{why}");
        println!("{workload}, a store that {lie}: {why}");
    }
}

#[test]
fn kv_runs_reject_every_lie() {
    every_lie_fails::<KvU64>("kv_read_heavy");
    every_lie_fails::<KvU64>("kv_write_heavy");
    // The subtle lie passes the probes: the final state against the clients' last writes is
    // what catches it.
    let why = run::<KvU64, LOSES_OVERWRITES>("kv_write_heavy").expect_err("caught");
    assert!(why.contains("the final state holds"), "{why}");
}

#[test]
fn counter_runs_reject_every_lie() {
    every_lie_fails::<Counter>("counter");
}

#[test]
fn sessions_runs_reject_every_lie() {
    every_lie_fails::<Sessions>("sessions");
}

#[test]
fn cache_runs_reject_every_lie() {
    every_lie_fails::<CacheU64>("cache");
    // A lost overwrite shows at the end (the final state), or before it, to the client whose
    // next read of the key still sees its earlier value (a stale read): which check fires
    // first depends on the interleaving (an optimised build catches it mid-run).
    let why = run::<CacheU64, LOSES_OVERWRITES>("cache").expect_err("caught");
    assert!(
        why.contains("the final state holds") || why.contains("a stale read"),
        "{why}"
    );
}

/// `lie` fails the run of `workload` with `clients` clients, naming `check`; the honest wrapper
/// passes the same run.
fn caught<S: Subject + Empty, const LIE: u8>(workload: &str, clients: usize, check: &str) {
    run_with::<S, HONEST>(workload, clients)
        .unwrap_or_else(|e| panic!("{workload}: the honest wrapper failed: {e}"));
    let why = run_with::<S, LIE>(workload, clients)
        .err()
        .unwrap_or_else(|| panic!("{workload} with {clients} clients: lie {LIE} passed the run"));
    assert!(why.contains(check), "{workload}: {why}");
    println!("{workload}, {clients} clients, lie {LIE}: {why}");
}

#[test]
fn stale_reads_fail_the_run() {
    // A client that reads a value of its own older than its latest write to the key.
    caught::<KvU64, STALE_READS>("kv_write_heavy", 2, "a stale read");
    caught::<CacheU64, STALE_READS>("cache", 2, "a stale read");
    // A client alone sees its own latest write, or (the counter) its own count, and nothing
    // else.
    caught::<KvU64, STALE_READS>("kv_read_heavy", 1, "");
    caught::<Counter, STALE_READS>("counter", 1, "replies to a lone client differed");
}

#[test]
fn a_cache_that_drops_what_it_overwrites_fails_the_run() {
    // The entry ends absent, as an expired one would; but no TTL can have run out yet.
    caught::<CacheU64, LAZY>("cache", 2, "the final state holds None");
}

#[test]
fn sessions_that_skip_touches_or_drop_data_fail_the_run() {
    caught::<Sessions, LAZY>("sessions", 2, "a touch was skipped");
    caught::<Sessions, LAZY_DATA>("sessions", 2, "a write was dropped");
}
