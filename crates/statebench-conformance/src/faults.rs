//! Fault and lifecycle tests for the strategies generic over the state machine (owners and
//! locks), driven by [`Probe`]: a state machine that can block on a [`Gate`], panic on demand,
//! and report its cleanups and its own drop on a channel. Every wait is bounded by [`PATIENCE`],
//! so a broken strategy fails a test instead of hanging it.

use std::collections::BTreeSet;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use statebench_core::rng::Rng;
use statebench_core::{Error, Mailbox, Service, Settings, StateMachine};

/// The longest any fault test waits for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// What a [`Probe`] reports on its channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeEvent {
    /// A cleanup pass ran.
    Cleanup,
    /// The probe's state was dropped: its owner ended, or its last handle went.
    Dropped,
}

/// A latch the probe blocks on inside `apply`, so a test can hold the owner (or the lock) busy
/// while it queues requests behind it.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    inner: Arc<(Mutex<(bool, bool)>, Condvar)>, // (entered, open)
}

impl Gate {
    /// A closed gate.
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Opens the gate, releasing the blocked `apply`.
    pub fn open(&self) {
        let (lock, cv) = &*self.inner;
        lock.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
        cv.notify_all();
    }

    /// Waits (at most [`PATIENCE`]) until an `apply` is blocked on the gate.
    pub fn wait_entered(&self) -> bool {
        self.wait_for(|(entered, _)| *entered)
    }

    fn enter_and_wait_open(&self) -> bool {
        {
            let (lock, cv) = &*self.inner;
            lock.lock().unwrap_or_else(|p| p.into_inner()).0 = true;
            cv.notify_all();
        }
        self.wait_for(|(_, open)| *open)
    }

    fn wait_for(&self, ready: impl Fn(&(bool, bool)) -> bool) -> bool {
        let (lock, cv) = &*self.inner;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let (_guard, timeout) = cv
            .wait_timeout_while(guard, PATIENCE, |state| !ready(state))
            .unwrap_or_else(|p| p.into_inner());
        !timeout.timed_out()
    }
}

/// An operation of the probe.
#[derive(Clone, Debug)]
pub enum ProbeOp {
    /// Appends to the log.
    Push(u64),
    /// Reads the log.
    Log,
    /// Blocks until the gate opens.
    Block(Gate),
    /// Panics.
    Panic,
    /// A read-only operation that panics (in `read`, where a strategy shares reads; in
    /// `apply` otherwise).
    PanicInRead,
    /// Appends the value to the log after `busy` of work, and hands the token back in the
    /// reply: while a request or its reply is alive anywhere, the token's count shows it.
    Tracked(u64, Token, Duration),
}

/// A shared token whose strong count tells how many requests and replies carrying it exist.
pub type Token = Arc<()>;

/// A reply of the probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeReply {
    /// Done.
    Done,
    /// The log.
    Log(Vec<u64>),
    /// The token of a `Tracked` op.
    Tracked(Token),
}

/// The probe state machine: a log of pushed values plus the hooks above.
#[derive(Debug)]
pub struct Probe {
    /// Every value pushed, in the order applied.
    pub log: Vec<u64>,
    events_tx: Sender<ProbeEvent>,
    cleanup_every: Option<Duration>,
}

impl Probe {
    /// A probe cleaned up every `cleanup_every` (if given), and the channel of its events.
    pub fn new(cleanup_every: Option<Duration>) -> (Probe, Receiver<ProbeEvent>) {
        let (events_tx, events_rx) = mpsc::channel();
        let probe = Probe {
            log: Vec::new(),
            events_tx,
            cleanup_every,
        };
        (probe, events_rx)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.events_tx.send(ProbeEvent::Dropped);
    }
}

impl StateMachine for Probe {
    type Op = ProbeOp;
    type Reply = ProbeReply;
    const SERVICE: &'static str = "probe";
    const USES_CLOCK: bool = false;

    fn apply(&mut self, op: ProbeOp, _now: Instant) -> ProbeReply {
        match op {
            ProbeOp::Push(v) => {
                self.log.push(v);
                ProbeReply::Done
            }
            ProbeOp::Log => ProbeReply::Log(self.log.clone()),
            ProbeOp::Block(gate) => {
                assert!(gate.enter_and_wait_open(), "probe: the gate never opened");
                ProbeReply::Done
            }
            ProbeOp::Panic | ProbeOp::PanicInRead => {
                panic!("probe: deliberate panic (a statebench fault test)")
            }
            ProbeOp::Tracked(v, token, busy) => {
                crate::spin(busy);
                self.log.push(v);
                ProbeReply::Tracked(token)
            }
        }
    }

    fn read(&self, op: &ProbeOp, _now: Instant) -> Option<ProbeReply> {
        match op {
            ProbeOp::Log => Some(ProbeReply::Log(self.log.clone())),
            ProbeOp::PanicInRead => panic!("probe: deliberate panic in a read (a fault test)"),
            _ => None,
        }
    }

    fn cleanup(&mut self, _now: Instant) {
        let _ = self.events_tx.send(ProbeEvent::Cleanup);
    }

    fn cleanup_every(&self) -> Option<Duration> {
        self.cleanup_every
    }
}

/// Waits (at most [`PATIENCE`]) for `event`, skipping others.
pub fn expect_event(events_rx: &Receiver<ProbeEvent>, event: ProbeEvent) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events_rx.recv_timeout(left) {
            Ok(e) if e == event => return,
            Ok(_) => continue,
            Err(e) => panic!("waited {PATIENCE:?} for {event:?}: {e}"),
        }
    }
}

/// A call running on a thread of its own, so the test can wait for it with a bound.
struct Pending<T> {
    result_rx: Receiver<T>,
    thread: thread::JoinHandle<()>,
}

/// Runs `f` on a new thread.
fn spawn_call<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Pending<T> {
    let (result_tx, result_rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        let _ = result_tx.send(f());
    });
    Pending { result_rx, thread }
}

/// Waits (at most [`PATIENCE`]) for a call started with [`spawn_call`] and joins its thread.
fn finish<T>(pending: Pending<T>, what: &str) -> T {
    let result = pending
        .result_rx
        .recv_timeout(PATIENCE)
        .unwrap_or_else(|e| panic!("{what}: no result within {PATIENCE:?} ({e})"));
    pending
        .thread
        .join()
        .unwrap_or_else(|_| panic!("{what}: the calling thread panicked"));
    result
}

/// Polls `done` every millisecond until it holds (`true`), or until [`PATIENCE`] has passed
/// (`false`): every "wait until" of the fault tests, and of any strategy's own tests.
pub fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// Waits (at most [`PATIENCE`]) until `n` requests wait in the mailbox.
fn wait_queued<S: StateMachine, M: Mailbox<S>>(service: &M, n: usize) {
    assert!(
        eventually(|| service.queued() >= n),
        "{n} requests never queued"
    );
}

/// Waits (at most [`PATIENCE`], yielding rather than sleeping so that a fast service is caught
/// mid-work) until the writers have logged `n` values.
fn wait_for_writers<S: Service<Probe>>(service: &S, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    while log_of(service).map_or(0, |l| l.len()) < n {
        assert!(Instant::now() < deadline, "the writers never got going");
        thread::yield_now();
    }
}

/// Runs `f(service)` on a thread of its own and waits for it at most [`PATIENCE`]: a call on a
/// wedged service fails the test instead of hanging it.
fn bounded<I: Clone + Send + 'static, T: Send + 'static>(
    service: &I,
    what: &str,
    f: impl FnOnce(&I) -> T + Send + 'static,
) -> T {
    let service = service.clone();
    finish(spawn_call(move || f(&service)), what)
}

/// The probe's log, read with a bounded wait.
fn log_of<S: Service<Probe>>(service: &S) -> Result<Vec<u64>, Error> {
    match bounded(service, "reading the log", |s| s.call(ProbeOp::Log))? {
        ProbeReply::Log(log) => Ok(log),
        other => panic!("Log replied {other:?}"),
    }
}

/// Shuts `service` down, with a bounded wait.
fn shutdown_of<S: Service<Probe>>(service: &S) -> Result<Probe, Error> {
    bounded(service, "shutdown", |s| s.shutdown())
}

// --- lifecycle: owners and locks -------------------------------------------------------------

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
/// refused one is, calls afterwards get `Stopped`, and so does a second shutdown.
pub fn shutdown_keeps_every_acknowledged_write<I: Service<Probe>>() {
    const WRITERS: u64 = 3;
    const WRITES: u64 = 400;
    let (probe, _events_rx) = Probe::new(None);
    let service = I::start(probe, &Settings::default());
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let service = service.clone();
            spawn_call(move || {
                let (mut acked, mut refused) = (BTreeSet::new(), BTreeSet::new());
                for i in 0..WRITES {
                    let v = w * WRITES + i;
                    match service.call(ProbeOp::Push(v)) {
                        Ok(_) => acked.insert(v),
                        Err(Error::Stopped) => refused.insert(v),
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
    for w in writers {
        let (a, r) = finish(w, "a writer");
        acked.extend(a);
        refused.extend(r);
    }
    let logged: BTreeSet<u64> = last.log.iter().copied().collect();
    assert_eq!(logged.len(), last.log.len(), "a write was applied twice");
    assert_eq!(acked.len() + refused.len(), (WRITERS * WRITES) as usize);
    assert_eq!(
        logged, acked,
        "the final state must hold exactly the acknowledged writes"
    );
    assert_eq!(service.call(ProbeOp::Log), Err(Error::Stopped));
    assert!(service.shutdown().is_err(), "a second shutdown must fail");
    assert_eq!(service.cleanup(), Err(Error::Stopped));
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

// --- owners: mailbox behaviour ---------------------------------------------------------------

/// An owner held busy by a call blocked on `gate`, with `mailbox` slots behind it.
struct BlockedOwner<I> {
    service: I,
    gate: Gate,
    blocker: Pending<Result<ProbeReply, Error>>,
    events_rx: Receiver<ProbeEvent>,
}

fn blocked_owner<I: Mailbox<Probe>>(mailbox: usize) -> BlockedOwner<I> {
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
pub fn cancelled_async_callers_do_not_wedge_the_owner<I: Mailbox<Probe>>() {
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
pub fn timed_out_caller_does_not_wedge_the_owner<I: Mailbox<Probe>>() {
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
pub fn full_mailbox_refuses_try_call<I: Mailbox<Probe>>() {
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

/// An owner that panics while requests are queued: the panicking call and every queued one get
/// `Stopped`, and so does every later call, in every form — nobody hangs.
pub fn panicking_owner_stops_its_callers<I: Mailbox<Probe>>() {
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
    for q in queued {
        assert_eq!(finish(q, "a queued call"), Err(Error::Stopped));
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
pub fn shutdown_applies_what_was_queued<I: Mailbox<Probe>>() {
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

// --- leaks, overload and leftovers -----------------------------------------------------------

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

/// How many threads of this process have a name starting with `prefix` (Linux keeps the first
/// 15 bytes of a name, so give at most that), read from `/proc/self/task`; `None` where there is
/// no such file system. Counting threads by name is exact only in a test binary of its own.
pub fn threads_named(prefix: &str) -> Option<usize> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    Some(
        tasks
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
            .filter(|name| name.trim_end().starts_with(prefix))
            .count(),
    )
}

/// Waits (at most [`PATIENCE`]) until `count()` is `n`.
pub fn wait_for_count(what: &str, n: usize, count: &dyn Fn() -> usize) {
    assert!(
        eventually(|| count() == n),
        "{what}: {} after {PATIENCE:?}, not {n}",
        count()
    );
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

/// Instantiates the lifecycle tests for a strategy generic over the state machine.
/// `locks` adds the lock-only test (a panic inside the critical section stops the service).
#[macro_export]
macro_rules! lifecycle_tests {
    ($name:ident = $strategy:ident $(, $locks:ident)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::faults::{self, Probe};
            #[test]
            fn cleanup_runs_periodically() {
                faults::cleanup_runs_periodically::<$strategy<Probe>>();
            }
            #[test]
            fn dropping_every_handle_ends_the_service() {
                faults::dropping_every_handle_ends_the_service::<$strategy<Probe>>();
            }
            #[test]
            fn shutdown_keeps_every_acknowledged_write() {
                faults::shutdown_keeps_every_acknowledged_write::<$strategy<Probe>>();
            }
            #[test]
            fn random_cancellations_leak_nothing() {
                let (replied, unacknowledged) = faults::random_cancellations_leak_nothing::<
                    $strategy<Probe>,
                >($crate::faults::STORM, 0x5eed_0001);
                println!(
                    "{}: {} async calls dropped after 0-3 polls: {replied} had replied, \
                     {unacknowledged} more applied without a reply; none lost, none leaked",
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME,
                    $crate::faults::STORM
                );
            }
            $(
            #[test]
            fn panic_in_apply_stops_the_service() {
                let _ = stringify!($locks);
                let injected = faults::panic_in_apply_stops_a_lock::<$strategy<Probe>>();
                println!(
                    "{}: {injected} panics injected, every later call Stopped",
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME
                );
            }
            )?
        }
    };
}

/// Instantiates the owner fault tests (lifecycle plus mailbox behaviour) for an owner strategy.
#[macro_export]
macro_rules! owner_fault_tests {
    ($name:ident = $strategy:ident) => {
        $crate::lifecycle_tests!($name = $strategy);
        mod owner_faults {
            #[allow(unused_imports)]
            use super::*;
            use $crate::faults::{self, Probe};
            #[test]
            fn timed_out_caller_does_not_wedge_the_owner() {
                faults::timed_out_caller_does_not_wedge_the_owner::<$strategy<Probe>>();
            }
            #[test]
            fn cancelled_async_callers_do_not_wedge_the_owner() {
                faults::cancelled_async_callers_do_not_wedge_the_owner::<$strategy<Probe>>();
            }
            #[test]
            fn full_mailbox_refuses_try_call() {
                faults::full_mailbox_refuses_try_call::<$strategy<Probe>>();
            }
            #[test]
            fn panicking_owner_stops_its_callers() {
                faults::panicking_owner_stops_its_callers::<$strategy<Probe>>();
            }
            #[test]
            fn shutdown_applies_what_was_queued() {
                faults::shutdown_applies_what_was_queued::<$strategy<Probe>>();
            }
            #[test]
            fn random_timeouts_leak_nothing() {
                let calls = $crate::faults::STORM / 2;
                let timed_out =
                    faults::random_timeouts_leak_nothing::<$strategy<Probe>>(calls, 0x5eed_0002);
                println!(
                    "{}: {calls} calls with random time limits, {timed_out} timed out; none lost, none leaked",
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME
                );
            }
            #[test]
            fn overload_keeps_memory_bounded() {
                // Three times as many callers as mailbox slots.
                let seen = faults::overload_keeps_memory_bounded::<$strategy<Probe>>(
                    12,
                    std::time::Duration::from_millis(300),
                );
                println!(
                    "{}: overload {seen:?}",
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME
                );
            }
            #[test]
            fn shutdown_under_load_leaves_no_owner() {
                let start = || {
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::start(
                        Probe::new(None).0,
                        &Default::default(),
                    )
                };
                let (acked, stopped) = faults::shutdown_under_load_leaves_no_owner(start, 4, None);
                println!(
                    "{}: 4 owners shut down under load: {acked} writes kept, {stopped} writers stopped, no owner left",
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME
                );
            }
        }
    };
}
