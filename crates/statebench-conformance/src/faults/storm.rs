//! Storms and leftovers: random cancellations and timeouts that must lose and leak nothing,
//! overload that must stay within the mailbox's bound, and a shutdown under load that must
//! leave no owner behind.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use statebench_core::rng::Rng;
use statebench_core::{Error, Family, OwnerService, Service, Settings};

use super::probe::{Probe, ProbeOp, ProbeReply, Token};
use super::{log_of, shutdown_of, wait_for_writers};
use crate::wait::{PATIENCE, eventually, finish, spawn_call, wait_for_count};

/// How many calls the random cancellation storms abandon.
pub const STORM: u64 = 4000;

/// The random fault schedules, from the seed printed with every failure, so that a failing
/// schedule can be replayed.
struct Schedule(Rng);

impl Schedule {
    fn below(&mut self, n: u64) -> u64 {
        self.0.below(n)
    }

    /// Spins for a random moment (0–20 µs), so that the owner moves on meanwhile.
    fn pause(&mut self) {
        crate::spin(Duration::from_nanos(self.below(20_000)));
    }
}

/// Waits (at most [`PATIENCE`]) until nothing but the test holds `token`: every request and
/// reply that carried it has been dropped. Returns how many were still alive at the end.
fn leaked(token: &Token) -> usize {
    eventually(|| Arc::strong_count(token) == 1);
    Arc::strong_count(token) - 1
}

/// After a storm of abandoned calls numbered `0..calls`, of which `completed` got their reply:
/// the service still serves, applied each call at most once, applied every completed one, and
/// keeps nothing of the others. Returns how many of the abandoned calls were applied anyway.
fn nothing_lost_nothing_leaked<I: Service<Probe>>(
    service: &I,
    token: &Token,
    calls: u64,
    completed: &BTreeSet<u64>,
    seed: u64,
) -> usize {
    // A call queued behind the abandoned ones: it answers only once they have all been served.
    let log = log_of(service).unwrap_or_else(|e| panic!("seed {seed}: no longer serves: {e}"));
    let applied: BTreeSet<u64> = log.iter().copied().collect();
    assert_eq!(
        applied.len(),
        log.len(),
        "seed {seed}: a call applied twice"
    );
    assert!(
        applied.iter().all(|v| *v < calls),
        "seed {seed}: unknown values applied"
    );
    let lost: Vec<_> = completed.difference(&applied).collect();
    assert!(
        lost.is_empty(),
        "seed {seed}: acknowledged but not applied: {lost:?}"
    );
    let left = leaked(token);
    assert_eq!(left, 0, "seed {seed}: {left} requests or replies leaked");
    let last = shutdown_of(service).expect("shutdown after the storm");
    assert_eq!(last.log, log, "seed {seed}: the final state is the log");
    applied.len() - completed.len()
}

/// What [`random_cancellations_leak_nothing`] did.
#[derive(Clone, Copy, Debug)]
pub struct Cancellations {
    /// Calls that had their reply before they were dropped.
    pub replied: usize,
    /// Calls dropped before their first poll.
    pub unstarted: usize,
    /// Calls dropped mid-call: polled, still pending.
    pub mid_call: usize,
    /// Calls applied although their caller dropped them (mid-call) before the reply.
    pub applied_unacknowledged: usize,
}

impl std::fmt::Display for Cancellations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} dropped unstarted, {} dropped mid-call ({} of those applied anyway), {} had replied",
            self.unstarted, self.mid_call, self.applied_unacknowledged, self.replied
        )?;
        if self.mid_call == 0 {
            f.write_str(" (every call finished in its first poll: nowhere to cancel it mid-call)")?;
        }
        Ok(())
    }
}

/// Thousands of async callers abandoned at random points — before their first poll, after
/// sending, while their reply is on its way — with random pauses so the owner moves on in
/// between. The owner keeps serving, nothing acknowledged is lost, and every request and reply
/// of an abandoned call is dropped (no leak).
///
/// The faults must have happened: calls were dropped unstarted, and the counts say how many
/// were dropped mid-call and applied anyway (the drop landed between the owner taking the
/// request and the caller taking the reply). An owner with a mailbox must show both
/// (`owner_fault_tests!` asserts it, or `lifecycle_tests!(…, owner)` for an owner without a
/// bounded mailbox); a lock's call may finish in its first poll, and then the report says that
/// there was nowhere to cancel it, never a silent pass.
pub fn random_cancellations_leak_nothing<I: Service<Probe>>(
    calls: u64,
    seed: u64,
) -> Cancellations {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let (probe, _events_rx) = Probe::new(None);
    let service = I::start(probe, &Settings::default());
    let token = Token::default();
    let mut schedule = Schedule(Rng::new(seed));
    let mut context = Context::from_waker(Waker::noop());
    let mut completed = BTreeSet::new();
    let (mut unstarted, mut mid_call) = (0, 0);
    for i in 0..calls {
        let op = ProbeOp::Tracked(i, token.clone(), Duration::ZERO);
        let mut call = Box::pin(service.call_async(op));
        // 0 polls: dropped unstarted; 1–3: dropped wherever the third poll left it.
        let polls = schedule.below(4);
        let mut ready = false;
        for _ in 0..polls {
            match call.as_mut().poll(&mut context) {
                Poll::Ready(Ok(ProbeReply::Tracked(_))) => {
                    completed.insert(i);
                    ready = true;
                    break;
                }
                Poll::Ready(other) => panic!("seed {seed}: call {i} replied {other:?}"),
                Poll::Pending => schedule.pause(),
            }
        }
        match (polls, ready) {
            (0, _) => unstarted += 1,
            (_, false) => mid_call += 1,
            _ => {}
        }
        drop(call);
    }
    let applied_unacknowledged =
        nothing_lost_nothing_leaked(&service, &token, calls, &completed, seed);
    let storm = Cancellations {
        replied: completed.len(),
        unstarted,
        mid_call,
        applied_unacknowledged,
    };
    assert!(
        unstarted > 0,
        "seed {seed}: no call was dropped unstarted: {storm}"
    );
    if I::FAMILY == Family::Owner && mid_call == 0 {
        // An owner that answered every call in its first poll (a combining lock, whose caller
        // may serve itself, can): then there was nowhere to cancel, and the report says so.
        // Owners with a mailbox are held to more by `owner_fault_tests!` (or `lifecycle_tests!(…, owner)`).
        assert_eq!(applied_unacknowledged, 0, "seed {seed}: {storm}");
    }
    storm
}

/// Thousands of blocking callers that time out at random (limits of 0–1 ms, while the owner
/// works 0–20 µs on most calls and up to 2 ms on one in four): the same guarantees as
/// [`random_cancellations_leak_nothing`]. The faults must have happened: some calls timed out
/// (and some did not), and some that timed out were applied anyway — their caller gave up
/// while the owner held the request, the case where a reply is left with nobody to take it.
/// Returns how many calls timed out, and how many of those were applied.
pub fn random_timeouts_leak_nothing<I: OwnerService<Probe>>(
    calls: u64,
    seed: u64,
) -> (usize, usize) {
    let (probe, _events_rx) = Probe::new(None);
    let service = I::start(probe, &Settings::default());
    let token = Token::default();
    let mut schedule = Schedule(Rng::new(seed));
    let mut completed = BTreeSet::new();
    let mut timed_out = 0;
    for i in 0..calls {
        // Mostly quick calls, one in four long; limits up to 1 ms (tokio's timer ticks in
        // milliseconds, so shorter limits alone would never fire there).
        let busy = match schedule.below(4) {
            0 => Duration::from_nanos(schedule.below(2_000_000)),
            _ => Duration::from_nanos(schedule.below(20_000)),
        };
        let limit = Duration::from_nanos(schedule.below(1_000_000));
        match service.call_timeout(ProbeOp::Tracked(i, token.clone(), busy), limit) {
            Ok(ProbeReply::Tracked(_)) => {
                completed.insert(i);
            }
            Err(Error::Timeout) => timed_out += 1,
            other => panic!("seed {seed}: call {i} replied {other:?}"),
        }
    }
    let applied = nothing_lost_nothing_leaked(&service, &token, calls, &completed, seed);
    assert!(
        timed_out > 0 && !completed.is_empty(),
        "seed {seed}: {} of {calls} calls timed out: the storm did not mix both outcomes",
        timed_out
    );
    assert!(
        applied > 0,
        "seed {seed}: none of the {timed_out} timed-out calls was applied: no caller gave up \
         while the owner held its request"
    );
    (timed_out, applied)
}

/// What [`overload_keeps_memory_bounded`] saw.
#[derive(Clone, Copy, Debug)]
pub struct Overload {
    /// Calls refused with `Full`.
    pub refused: u64,
    /// Timed calls whose callers gave up (their requests may still wait in the mailbox).
    pub abandoned: u64,
    /// Calls applied.
    pub applied: u64,
    /// The most requests and replies alive at once, anywhere.
    pub peak_alive: usize,
    /// The bound they had to stay under.
    pub bound: usize,
}

/// Overload: `clients` threads (more than the 4 mailbox slots) flood an owner for `duration`
/// while it spends 50 µs on each call: half with `try_call`, half with `call_timeout`s of
/// 20 µs, which give up and leave their requests behind. Calls are refused with `Full` rather
/// than queued without limit: the requests and replies alive at any instant (counted by the
/// token) never exceed the mailbox, plus the one being applied, plus one request and one reply
/// per client. The bound bites: each timed caller abandons a request every 20 µs or so, while
/// the owner takes one every 50 µs, so an unbounded mailbox would pass it within a
/// millisecond. Every acknowledged call was applied, and nothing else but abandoned ones.
pub fn overload_keeps_memory_bounded<I: OwnerService<Probe>>(
    clients: usize,
    duration: Duration,
) -> Overload {
    const MAILBOX: usize = 4;
    let (probe, _events_rx) = Probe::new(None);
    let settings = Settings {
        mailbox: MAILBOX,
        ..Settings::default()
    };
    let service = I::start(probe, &settings);
    let token = Token::default();
    let until = Instant::now() + duration;
    let flooders: Vec<_> = (0..clients as u64)
        .map(|c| {
            let (service, token) = (service.clone(), token.clone());
            spawn_call(move || {
                let (mut acked, mut refused, mut abandoned) = (Vec::new(), 0u64, Vec::new());
                let mut i = 0;
                while Instant::now() < until {
                    let v = c << 32 | i;
                    i += 1;
                    let op = ProbeOp::Tracked(v, token.clone(), Duration::from_micros(50));
                    let got = if c % 2 == 0 {
                        service.try_call(op)
                    } else {
                        service.call_timeout(op, Duration::from_micros(20))
                    };
                    match got {
                        Ok(_) => acked.push(v),
                        Err(Error::Full) => refused += 1,
                        Err(Error::Timeout) => abandoned.push(v),
                        Err(e) => panic!("an overloaded owner answered {e}"),
                    }
                }
                (acked, refused, abandoned)
            })
        })
        .collect();
    let mut peak_alive = 0;
    while Instant::now() < until {
        // The flooders hold one clone each; the rest are requests and replies.
        peak_alive = peak_alive.max(Arc::strong_count(&token).saturating_sub(1 + clients));
        thread::sleep(Duration::from_micros(200));
    }
    let (mut acked, mut refused, mut abandoned) = (BTreeSet::new(), 0, BTreeSet::new());
    for f in flooders {
        let (a, r, gave_up) = finish(f, "a flooding client");
        acked.extend(a);
        refused += r;
        abandoned.extend(gave_up);
    }
    let last = shutdown_of(&service).expect("shutdown after the flood");
    let applied: BTreeSet<u64> = last.log.iter().copied().collect();
    assert!(
        acked.is_subset(&applied),
        "an acknowledged call was not applied"
    );
    assert!(
        applied.difference(&acked).all(|v| abandoned.contains(v)),
        "a call was applied that nobody made, or that was refused"
    );
    assert!(
        !abandoned.is_empty(),
        "no timed caller gave up: nothing was left behind"
    );
    assert_eq!(leaked(&token), 0, "requests or replies leaked");
    let bound = MAILBOX + 1 + 2 * clients;
    assert!(
        peak_alive <= bound,
        "{peak_alive} requests and replies alive at once, more than {bound}"
    );
    assert!(refused > 0, "the flood never filled the mailbox");
    // The bound was pressed: at some sample the mailbox was full with one more being
    // applied, so an owner that queued without limit would have shown more.
    assert!(
        peak_alive > MAILBOX,
        "at most {peak_alive} requests and replies were seen alive at once: the flood never \
         filled the {MAILBOX}-slot mailbox while one was applied, so the bound was not pressed"
    );
    Overload {
        refused,
        abandoned: abandoned.len() as u64,
        applied: applied.len() as u64,
        peak_alive,
        bound,
    }
}

/// Shutdown under load, for `services` owners at once (made by `start`), each hammered by 3
/// writers: every acknowledged write is in its final state, and every owner's task or thread
/// ends at once — while the writers still hold their handles — so nothing of it stays behind.
/// `count_owners`, if given, counts the owners' tasks or threads independently of
/// [`OwnerService::owner_running`] (a runtime's task count, the process's threads): it must read
/// `services` while they serve and fall to zero after. Returns the writes acknowledged and the
/// writers stopped.
pub fn shutdown_under_load_leaves_no_owner<I: OwnerService<Probe>>(
    start: impl Fn() -> I,
    services: usize,
    count_owners: Option<&dyn Fn() -> usize>,
) -> (usize, usize) {
    let (mut acked_total, mut stopped_total) = (0, 0);
    let started: Vec<I> = (0..services).map(|_| start()).collect();
    if let Some(count) = count_owners {
        // A new thread names itself as it starts: give the count a moment to see them all.
        wait_for_count("owners counted while serving", services, count);
    }
    let writers: Vec<Vec<_>> = started
        .iter()
        .map(|service| {
            (0..3u64)
                .map(|w| {
                    let service = service.clone();
                    spawn_call(move || {
                        let mut acked = BTreeSet::new();
                        for i in 0.. {
                            match service.call(ProbeOp::Push(w << 32 | i)) {
                                Ok(_) => acked.insert(w << 32 | i),
                                Err(Error::Stopped) => return (acked, service),
                                Err(e) => panic!("unexpected {e}"),
                            };
                        }
                        unreachable!()
                    })
                })
                .collect()
        })
        .collect();
    for service in &started {
        wait_for_writers(service, 30);
    }
    let finals: Vec<Probe> = started
        .iter()
        .map(|s| shutdown_of(s).expect("the first shutdown returns the state"))
        .collect();
    for ((service, last), writers) in started.iter().zip(finals).zip(writers) {
        let (mut acked, mut handles) = (BTreeSet::new(), Vec::new());
        for w in writers {
            let (a, handle) = finish(w, "a writer");
            acked.extend(a);
            handles.push(handle);
        }
        let logged: BTreeSet<u64> = last.log.iter().copied().collect();
        assert_eq!(
            logged, acked,
            "the final state holds the acknowledged writes"
        );
        assert_eq!(log_of(service), Err(Error::Stopped));
        // The handles are all still alive here: the owner must end anyway.
        assert!(
            eventually(|| !service.owner_running() && !handles.iter().any(|h| h.owner_running())),
            "the owner still runs {PATIENCE:?} after its shutdown"
        );
        acked_total += acked.len();
        stopped_total += handles.len();
    }
    if let Some(count) = count_owners {
        wait_for_count("owners counted after shutdown", 0, count);
    }
    (acked_total, stopped_total)
}
