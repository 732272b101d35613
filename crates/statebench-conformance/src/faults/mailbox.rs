//! What only an owner's bounded mailbox does: callers that give up or are cancelled, a full
//! mailbox, an owner that panics, a shutdown with requests still queued.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use statebench_core::{Error, OwnerService, Settings};

use super::probe::{Gate, Probe, ProbeEvent, ProbeOp, ProbeReply, expect_event};
use super::{log_of, wait_queued};
use crate::wait::{PATIENCE, Pending, eventually, finish, spawn_call};

/// An owner held busy by a call blocked on `gate`, with `mailbox` slots behind it.
struct BlockedOwner<I> {
    service: I,
    gate: Gate,
    blocker: Pending<Result<ProbeReply, Error>>,
    events_rx: Receiver<ProbeEvent>,
}

fn blocked_owner<I: OwnerService<Probe>>(mailbox: usize) -> BlockedOwner<I> {
    let (probe, events_rx) = Probe::new(None);
    let settings = Settings {
        mailbox,
        ..Settings::default()
    };
    let service = I::start(probe, &settings);
    let gate = Gate::new();
    let blocker = {
        let (service, gate) = (service.clone(), gate.clone());
        spawn_call(move || service.call(ProbeOp::Block(gate)))
    };
    assert!(
        gate.wait_entered(),
        "the owner never started the blocking op"
    );
    BlockedOwner {
        service,
        gate,
        blocker,
        events_rx,
    }
}

/// Async callers dropped while they wait — queued behind a busy owner, or queued and then
/// cancelled at once — never wedge it: their replies are dropped and it goes on serving.
pub fn cancelled_async_callers_do_not_wedge_the_owner<I: OwnerService<Probe>>() {
    let BlockedOwner {
        service,
        gate,
        blocker,
        ..
    } = blocked_owner::<I>(64);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread tokio runtime starts");
    for i in 0..32 {
        // Each future sends its request, then waits for a reply that cannot come yet.
        let call = service.call_async(ProbeOp::Push(i));
        let gave_up =
            runtime.block_on(async { tokio::time::timeout(Duration::from_millis(1), call).await });
        assert!(
            gave_up.is_err(),
            "the owner is blocked: no reply can have come"
        );
    }
    gate.open();
    assert_eq!(finish(blocker, "the blocked call"), Ok(ProbeReply::Done));
    // Cancelled callers may have been applied (they were queued); the owner must serve on.
    let log = log_of(&service).expect("the owner still serves");
    assert!(log.len() <= 32, "unexpected log {log:?}");
    assert_eq!(
        service.call_timeout(ProbeOp::Push(99), PATIENCE),
        Ok(ProbeReply::Done)
    );
    runtime.block_on(async {
        for i in 100..200 {
            assert_eq!(
                service.call_async(ProbeOp::Push(i)).await,
                Ok(ProbeReply::Done)
            );
        }
    });
    let mut log = log_of(&service).expect("the owner still serves");
    log.retain(|v| *v >= 99);
    assert_eq!(
        log,
        (99..200).collect::<Vec<_>>(),
        "every later call applied, in order"
    );
}

/// A caller that times out gets `Timeout`, and the owner goes on serving.
pub fn timed_out_caller_does_not_wedge_the_owner<I: OwnerService<Probe>>() {
    let BlockedOwner {
        service,
        gate,
        blocker,
        ..
    } = blocked_owner::<I>(8);
    let started = Instant::now();
    assert_eq!(
        service.call_timeout(ProbeOp::Push(1), Duration::from_millis(50)),
        Err(Error::Timeout)
    );
    assert!(
        started.elapsed() >= Duration::from_millis(50),
        "gave up before its time"
    );
    gate.open();
    assert_eq!(finish(blocker, "the blocked call"), Ok(ProbeReply::Done));
    // The timed-out push was queued before its caller gave up, so the owner may apply it.
    let log = log_of(&service).expect("the owner still serves");
    assert!(log.is_empty() || log == [1], "unexpected log {log:?}");
    assert_eq!(
        service.call_timeout(ProbeOp::Push(2), PATIENCE),
        Ok(ProbeReply::Done)
    );
}

/// With the mailbox full, `try_call` reports `Full` at once; once it drains, it succeeds.
pub fn full_mailbox_refuses_try_call<I: OwnerService<Probe>>() {
    const CAPACITY: usize = 2;
    let BlockedOwner {
        service,
        gate,
        blocker,
        ..
    } = blocked_owner::<I>(CAPACITY);
    let queued: Vec<_> = (0..CAPACITY as u64)
        .map(|i| {
            let service = service.clone();
            spawn_call(move || service.call(ProbeOp::Push(i)))
        })
        .collect();
    wait_queued(&service, CAPACITY);
    assert_eq!(service.try_call(ProbeOp::Push(99)), Err(Error::Full));
    gate.open();
    assert_eq!(finish(blocker, "the blocked call"), Ok(ProbeReply::Done));
    for q in queued {
        assert_eq!(finish(q, "a queued call"), Ok(ProbeReply::Done));
    }
    assert_eq!(service.try_call(ProbeOp::Push(3)), Ok(ProbeReply::Done));
    let log = log_of(&service).expect("the owner still serves");
    assert_eq!(log.len(), 3, "99 was refused, the rest applied: {log:?}");
    assert!(!log.contains(&99));
}

/// An owner that panics while requests are queued: the panicking call and every one queued
/// behind it get `Stopped`, and so does every later call, in every form — nobody hangs.
pub fn panicking_owner_stops_its_callers<I: OwnerService<Probe>>() {
    let BlockedOwner {
        service,
        gate,
        blocker,
        events_rx,
    } = blocked_owner::<I>(8);
    let panicker = {
        let service = service.clone();
        spawn_call(move || service.call(ProbeOp::Panic))
    };
    wait_queued(&service, 1);
    let queued: Vec<_> = (0..2)
        .map(|i| {
            let service = service.clone();
            spawn_call(move || service.call(ProbeOp::Push(i)))
        })
        .collect();
    wait_queued(&service, 3);
    gate.open();
    assert_eq!(finish(blocker, "the blocked call"), Ok(ProbeReply::Done));
    assert_eq!(finish(panicker, "the panicking call"), Err(Error::Stopped));
    // A queued call behind the panic gets `Stopped`. One may land ahead of it: a bounded
    // channel counts a sender as queued once it holds its slot, and a sender preempted between
    // taking the slot and writing its request lets a later one write first (seen once on a
    // loaded CI machine, tokio's mailbox) — then it is served before the panic. Either way,
    // nobody hangs.
    for q in queued {
        let reply = finish(q, "a queued call");
        assert!(
            reply == Err(Error::Stopped) || reply == Ok(ProbeReply::Done),
            "{reply:?}"
        );
    }
    expect_event(&events_rx, ProbeEvent::Dropped);
    assert!(
        eventually(|| !service.owner_running()),
        "the panicked owner never ended"
    );
    assert_eq!(service.call(ProbeOp::Log), Err(Error::Stopped));
    assert_eq!(service.try_call(ProbeOp::Log), Err(Error::Stopped));
    assert_eq!(
        service.call_timeout(ProbeOp::Log, PATIENCE),
        Err(Error::Stopped)
    );
    assert_eq!(service.cleanup(), Err(Error::Stopped));
    assert!(service.shutdown().is_err());
}

/// Shutdown while requests wait behind a busy owner: the ones accepted before it are applied
/// and acknowledged, and are in the final state.
pub fn shutdown_applies_what_was_queued<I: OwnerService<Probe>>() {
    let BlockedOwner {
        service,
        gate,
        blocker,
        ..
    } = blocked_owner::<I>(8);
    let queued: Vec<_> = (0..3)
        .map(|i| {
            let service = service.clone();
            spawn_call(move || service.call(ProbeOp::Push(i)))
        })
        .collect();
    wait_queued(&service, 3);
    let stopper = {
        let service = service.clone();
        spawn_call(move || service.shutdown().map(|p| p.log.clone()))
    };
    wait_queued(&service, 4);
    gate.open();
    assert_eq!(finish(blocker, "the blocked call"), Ok(ProbeReply::Done));
    let mut log = finish(stopper, "shutdown").expect("shutdown returns the state");
    for q in queued {
        assert_eq!(finish(q, "a queued call"), Ok(ProbeReply::Done));
    }
    log.sort_unstable();
    assert_eq!(log, vec![0, 1, 2]);
    assert_eq!(service.call(ProbeOp::Log), Err(Error::Stopped));
}

/// Shutdown with requests queued behind it: the owner stops accepting only when it reaches the
/// shutdown, so the requests already in the mailbox behind it were accepted, and are applied
/// and acknowledged before the final state is sent (the drain of a shutdown's tail; the test
/// above queues its calls before the shutdown, where the plain loop serves them).
pub fn shutdown_applies_what_was_queued_behind_it<I: OwnerService<Probe>>() {
    let BlockedOwner {
        service,
        gate,
        blocker,
        ..
    } = blocked_owner::<I>(8);
    let stopper = {
        let service = service.clone();
        spawn_call(move || service.shutdown().map(|p| p.log.clone()))
    };
    wait_queued(&service, 1);
    let behind: Vec<_> = (0..3)
        .map(|i| {
            let service = service.clone();
            spawn_call(move || service.call(ProbeOp::Push(i)))
        })
        .collect();
    wait_queued(&service, 4);
    gate.open();
    assert_eq!(finish(blocker, "the blocked call"), Ok(ProbeReply::Done));
    let mut log = finish(stopper, "shutdown").expect("shutdown returns the state");
    for call in behind {
        assert_eq!(
            finish(call, "a call queued behind the shutdown"),
            Ok(ProbeReply::Done),
            "a call accepted before the shutdown took effect was refused"
        );
    }
    log.sort_unstable();
    assert_eq!(
        log,
        vec![0, 1, 2],
        "the final state holds the calls queued behind the shutdown"
    );
    assert_eq!(service.call(ProbeOp::Log), Err(Error::Stopped));
}
