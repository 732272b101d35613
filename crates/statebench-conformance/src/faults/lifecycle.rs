//! Lifecycle tests for owners and locks alike: periodic cleanup, the end of a service whose
//! handles are dropped, what a shutdown keeps, a panic inside a lock, a sweeper's end.

use std::collections::BTreeSet;
use std::thread;
use std::time::Duration;

use statebench_core::{Error, Service, Settings, StateMachine};

use super::probe::{Probe, ProbeEvent, ProbeOp, ProbeReply, expect_event};
use super::{log_of, shutdown_of, wait_for_writers};
use crate::wait::{bounded, finish, spawn_call, wait_for_count};

/// Periodic cleanup runs by itself (inside the owner's loop, or on the lock's sweeper).
pub fn cleanup_runs_periodically<I: Service<Probe>>() {
    let (probe, events_rx) = Probe::new(Some(Duration::from_millis(5)));
    let service = I::start(probe, &Settings::default());
    for _ in 0..3 {
        expect_event(&events_rx, ProbeEvent::Cleanup);
    }
    drop(service);
    expect_event(&events_rx, ProbeEvent::Dropped);
}

/// Dropping every handle ends the owner (or the sweeper) and drops the state.
pub fn dropping_every_handle_ends_the_service<I: Service<Probe>>() {
    let (probe, events_rx) = Probe::new(Some(Duration::from_secs(3600)));
    let service = I::start(probe, &Settings::default());
    let clones: Vec<I> = (0..3).map(|_| service.clone()).collect();
    for (i, c) in clones.iter().enumerate() {
        assert_eq!(c.call(ProbeOp::Push(i as u64)), Ok(ProbeReply::Done));
    }
    drop(service);
    assert_eq!(
        log_of(&clones[0]),
        Ok(vec![0, 1, 2]),
        "a clone keeps the service alive"
    );
    drop(clones);
    expect_event(&events_rx, ProbeEvent::Dropped);
}

/// Shutdown while several threads write: every acknowledged write is in the final state, no
/// refused one is, calls afterwards get `Stopped`, and so does a second shutdown. Each writer
/// writes until it is refused, so the shutdown provably lands while all of them are still
/// writing (a writer that ran out of writes first fails the test). Returns the writes kept.
pub fn shutdown_keeps_every_acknowledged_write<I: Service<Probe>>() -> usize {
    const WRITERS: u64 = 3;
    // A cap, far beyond what a writer makes before the shutdown reaches it (a few thousand).
    const WRITES: u64 = 1 << 24;
    let (probe, _events_rx) = Probe::new(None);
    let service = I::start(probe, &Settings::default());
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let service = service.clone();
            spawn_call(move || {
                let (mut acked, mut refused) = (BTreeSet::new(), None);
                for i in 0..WRITES {
                    let v = w * WRITES + i;
                    match service.call(ProbeOp::Push(v)) {
                        Ok(_) => acked.insert(v),
                        Err(Error::Stopped) => {
                            refused = Some(v);
                            break;
                        }
                        Err(e) => panic!("unexpected {e}"),
                    };
                }
                (acked, refused)
            })
        })
        .collect();
    // Let the writers get going, so the shutdown lands in the middle of their work.
    wait_for_writers(&service, 50);
    let last = shutdown_of(&service).expect("the first shutdown returns the state");
    let (mut acked, mut refused) = (BTreeSet::new(), BTreeSet::new());
    for (w, writer) in writers.into_iter().enumerate() {
        let (a, r) = finish(writer, "a writer");
        let r = r.unwrap_or_else(|| {
            panic!("writer {w} made all its {WRITES} writes before the shutdown reached it")
        });
        acked.extend(a);
        refused.insert(r);
    }
    let logged: BTreeSet<u64> = last.log.iter().copied().collect();
    assert_eq!(logged.len(), last.log.len(), "a write was applied twice");
    assert_eq!(refused.len(), WRITERS as usize, "every writer was refused");
    assert!(
        refused.is_disjoint(&logged),
        "a refused write is in the final state"
    );
    assert_eq!(
        logged, acked,
        "the final state must hold exactly the acknowledged writes"
    );
    assert_eq!(service.call(ProbeOp::Log), Err(Error::Stopped));
    assert!(service.shutdown().is_err(), "a second shutdown must fail");
    assert_eq!(service.cleanup(), Err(Error::Stopped));
    acked.len()
}

/// Lock poisoning: a caller whose operation panics while it holds the lock — in `apply`, or
/// in `read` under a shared lock, from a thread or from a task — unwinds with its panic, and
/// the service is stopped for everyone after it, in every call form: `Stopped`, never a panic
/// cascade. Returns how many panics were injected.
pub fn panic_in_apply_stops_a_lock<I: Service<Probe>>() -> usize {
    let mut injected = 0;
    for (panic_op, from_task) in [
        (ProbeOp::Panic, false),
        (ProbeOp::PanicInRead, false),
        (ProbeOp::Panic, true),
        (ProbeOp::PanicInRead, true),
    ] {
        let (probe, events_rx) = Probe::new(None);
        let service = I::start(probe, &Settings::default());
        assert_eq!(service.call(ProbeOp::Push(1)), Ok(ProbeReply::Done));
        let panicker = service.clone();
        let what = format!(
            "{panic_op:?} from a {}",
            if from_task { "task" } else { "thread" }
        );
        let outcome = thread::spawn(move || {
            if from_task {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .expect("a current-thread runtime starts");
                let task = runtime.spawn(async move { panicker.call_async(panic_op).await });
                runtime.block_on(task).map_err(|e| e.is_panic())
            } else {
                thread::spawn(move || panicker.call(panic_op))
                    .join()
                    .map_err(|_| true)
            }
        })
        .join()
        .expect("the test's own thread does not panic");
        injected += 1;
        assert_eq!(
            outcome.err(),
            Some(true),
            "{what}: the caller carries the panic"
        );
        assert_eq!(
            service.call(ProbeOp::Push(2)),
            Err(Error::Stopped),
            "{what}"
        );
        assert_eq!(service.call(ProbeOp::Log), Err(Error::Stopped), "{what}");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime starts");
        assert_eq!(
            runtime.block_on(service.call_async(ProbeOp::Log)),
            Err(Error::Stopped),
            "{what}"
        );
        assert_eq!(service.cleanup(), Err(Error::Stopped), "{what}");
        assert!(service.shutdown().is_err(), "{what}");
        drop(service);
        expect_event(&events_rx, ProbeEvent::Dropped);
    }
    injected
}

/// Shutdown ends a lock's (or map's) sweeper thread at once, while handles are still held:
/// `start` makes a service with periodic cleanup, and `sweepers` counts the sweeper threads.
pub fn shutdown_stops_the_sweeper<S: StateMachine, I: Service<S>>(
    start: impl Fn() -> I,
    services: usize,
    sweepers: &dyn Fn() -> usize,
) {
    let started: Vec<I> = (0..services).map(|_| start()).collect();
    wait_for_count("sweepers while serving", services, sweepers);
    let clones: Vec<I> = started.to_vec();
    for service in &started {
        let stopped = bounded(service, "shutdown", |s| s.shutdown().is_ok());
        assert!(stopped, "the first shutdown succeeds");
    }
    wait_for_count("sweepers after shutdown, handles held", 0, sweepers);
    drop(clones);
}
