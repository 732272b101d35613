//! Storms and leftovers: random cancellations and timeouts that must lose and leak nothing,
//! overload that must stay within the mailbox's bound, and a shutdown under load that must
//! leave no owner behind.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use statebench_core::rng::Rng;
use statebench_core::{Error, Mailbox, Service, Settings};

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

/// Thousands of async callers abandoned at random points — before their first poll, after
/// sending, while their reply is on its way — with random pauses so the owner moves on in
/// between. The owner keeps serving, nothing acknowledged is lost, and every request and reply
/// of an abandoned call is dropped (no leak). Returns how many calls had their reply before
/// they were dropped, and how many more were applied without one.
pub fn random_cancellations_leak_nothing<I: Service<Probe>>(
    calls: u64,
    seed: u64,
) -> (usize, usize) {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let (probe, _events_rx) = Probe::new(None);
    let service = I::start(probe, &Settings::default());
    let token = Token::default();
    let mut schedule = Schedule(Rng::new(seed));
    let mut context = Context::from_waker(Waker::noop());
    let mut completed = BTreeSet::new();
    for i in 0..calls {
        let op = ProbeOp::Tracked(i, token.clone(), Duration::ZERO);
        let mut call = Box::pin(service.call_async(op));
        // 0 polls: dropped unstarted; 1–3: dropped wherever the third poll left it.
        for _ in 0..schedule.below(4) {
            match call.as_mut().poll(&mut context) {
                Poll::Ready(Ok(ProbeReply::Tracked(_))) => {
                    completed.insert(i);
                    break;
                }
                Poll::Ready(other) => panic!("seed {seed}: call {i} replied {other:?}"),
                Poll::Pending => schedule.pause(),
            }
        }
        drop(call);
    }
    let unacknowledged = nothing_lost_nothing_leaked(&service, &token, calls, &completed, seed);
    (completed.len(), unacknowledged)
}

/// Thousands of blocking callers that time out at random (limits of 0–1 ms, while the owner
/// works 0–20 µs on most calls and up to 2 ms on one in four): the same guarantees as [`random_cancellations_leak_nothing`]. Returns how
/// many calls timed out.
pub fn random_timeouts_leak_nothing<I: Mailbox<Probe>>(calls: u64, seed: u64) -> usize {
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
    nothing_lost_nothing_leaked(&service, &token, calls, &completed, seed);
    timed_out
}

/// What [`overload_keeps_memory_bounded`] saw.
#[derive(Clone, Copy, Debug)]
pub struct Overload {
    /// Calls refused with `Full`.
    pub refused: u64,
    /// Calls applied.
    pub applied: u64,
    /// The most requests and replies alive at once, anywhere.
    pub peak_alive: usize,
    /// The bound they had to stay under.
    pub bound: usize,
}

/// Overload: `clients` threads (more than the 4 mailbox slots) flood an owner with `try_call`s for `duration` while it spends
/// 50 µs on each. Calls are refused with `Full` rather than queued without limit: the requests
/// and replies alive at any instant (counted by the token) never exceed the mailbox, plus the
/// one being applied, plus one request and one reply per client. Every applied call was
/// acknowledged and vice versa.
pub fn overload_keeps_memory_bounded<I: Mailbox<Probe>>(
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
                let (mut acked, mut refused) = (Vec::new(), 0u64);
                let mut i = 0;
                while Instant::now() < until {
                    let v = c << 32 | i;
                    i += 1;
                    let op = ProbeOp::Tracked(v, token.clone(), Duration::from_micros(50));
                    match service.try_call(op) {
                        Ok(_) => acked.push(v),
                        Err(Error::Full) => refused += 1,
                        Err(e) => panic!("an overloaded owner answered {e}"),
                    }
                }
                (acked, refused)
            })
        })
        .collect();
    let mut peak_alive = 0;
    while Instant::now() < until {
        // The flooders hold one clone each; the rest are requests and replies.
        peak_alive = peak_alive.max(Arc::strong_count(&token).saturating_sub(1 + clients));
        thread::sleep(Duration::from_micros(200));
    }
    let (mut acked, mut refused) = (BTreeSet::new(), 0);
    for f in flooders {
        let (a, r) = finish(f, "a flooding client");
        acked.extend(a);
        refused += r;
    }
    let last = shutdown_of(&service).expect("shutdown after the flood");
    let applied: BTreeSet<u64> = last.log.iter().copied().collect();
    assert_eq!(applied, acked, "applied exactly the acknowledged calls");
    assert_eq!(leaked(&token), 0, "requests or replies leaked");
    let bound = MAILBOX + 1 + 2 * clients;
    assert!(
        peak_alive <= bound,
        "{peak_alive} requests and replies alive at once, more than {bound}"
    );
    assert!(refused > 0, "the flood never filled the mailbox");
    Overload {
        refused,
        applied: applied.len() as u64,
        peak_alive,
        bound,
    }
}

/// Shutdown under load, for `services` owners at once (made by `start`), each hammered by 3
/// writers: every acknowledged write is in its final state, and every owner's task or thread
/// ends at once — while the writers still hold their handles — so nothing of it stays behind.
/// `count_owners`, if given, counts the owners' tasks or threads independently of
/// [`Mailbox::owner_running`] (a runtime's task count, the process's threads): it must read
/// `services` while they serve and fall to zero after. Returns the writes acknowledged and the
/// writers stopped.
pub fn shutdown_under_load_leaves_no_owner<I: Mailbox<Probe>>(
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
