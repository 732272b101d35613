//! The end-of-run checks catch lazy implementations: for every service, a store that drops its
//! writes, one that answers reads as if it were empty, and one that gives every handle a copy
//! of its own each fail the run — while the same wrapper, honest, passes. Each lie keeps its
//! replies well-formed, so only the checks of `statebench_harness::verify` can see it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use statebench_core::{CacheU64, Counter, Error, KvU64, Service, Sessions, Settings, StateMachine};
use statebench_harness::generate::Subject;
use statebench_harness::workload::find;
use statebench_harness::{Cell, Driver, run_repetition};

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

/// A service as it would be right after it started empty.
trait Empty: StateMachine + Clone {
    fn empty() -> Self;
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
}
impl Empty for CacheU64 {
    fn empty() -> Self {
        CacheU64::new(Duration::from_secs(1))
    }
}

struct Planted<S, const LIE: u8> {
    state: Arc<Mutex<Option<S>>>,
}

impl<S: Empty, const LIE: u8> Clone for Planted<S, LIE> {
    fn clone(&self) -> Self {
        if LIE == COPY_PER_HANDLE {
            let copy = self.state.lock().expect("not poisoned").clone();
            Planted {
                state: Arc::new(Mutex::new(copy)),
            }
        } else {
            Planted {
                state: self.state.clone(),
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
        }
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        let now = Instant::now();
        let mut guard = self.state.lock().expect("not poisoned");
        let state = guard.as_mut().ok_or(Error::Stopped)?;
        if LIE == ANSWERS_EMPTY {
            if let Some(reply) = S::empty().read(&op, now) {
                return Ok(reply);
            }
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
    let w = find(workload).map_err(|e| e.0)?;
    let cell = Cell {
        workload: &w,
        driver: Driver::Threads,
        clients: 2,
        warmup: Duration::from_millis(10),
        duration: Duration::from_millis(40),
        sample_every: 64,
        seed: 9,
        tuning: Default::default(),
        work: Default::default(),
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
    let why = run::<CacheU64, LOSES_OVERWRITES>("cache").expect_err("caught");
    assert!(why.contains("the final state holds"), "{why}");
}
