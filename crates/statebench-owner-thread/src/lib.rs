//! The owner-thread strategy: one OS thread alone holds the state and serves requests that
//! arrive over a bounded `flume` mailbox, each carrying a one-slot flume channel for the reply.
//!
//! flume is chosen because one channel serves both worlds: threads use `send`/`recv`, async code
//! uses `send_async`/`recv_async`, with no runtime of its own. The price is the OS thread: a
//! caller on another core waits for the owner to be woken, which on some virtual machines costs
//! tens of microseconds — the benchmarks measure it. The protocol is the shared
//! `statebench_core::owner::Request`; the thread ends on shutdown, when every handle is dropped,
//! or when it panics (callers then get [`Error::Stopped`]).
//!
//! [`OwnerThreadSpin`] is the same owner in the spirit of ffwd (Roghanchi et al., SOSP 2017):
//! the owner polls its empty mailbox for [`Settings::owner_spin`] before it parks, and a
//! blocking caller polls for its reply for [`Settings::caller_spin`] before it parks — trading
//! CPU time for the cross-core wakes that dominate a parked owner's round trip.

#![deny(missing_docs)]

use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

use statebench_core::owner::{Owner, ReplyChannel, Request, Running, Transport};
use statebench_core::sharded::{ShardNames, Sharded};
use statebench_core::{Clock, Error, Settings, StateMachine};

/// A handle to an owner thread serving state machine `S`. Clone it for every caller.
///
/// Both call forms work anywhere: blocking calls park the calling thread (do not make them from
/// inside an async runtime's worker, where they would stall the worker), and
/// [`Service::call_async`](statebench_core::Service::call_async) awaits with flume's
/// `send_async`/`recv_async` on any executor.
///
/// Shutdown: flume cannot close a channel from the receiving side, so the handles pass an
/// admission gate before they send, and the owner closes the gate and drains until no
/// admitted sender is left; then the thread ends. A call that races the shutdown is either
/// refused at the gate ([`Error::Stopped`]) or admitted, applied and in the final state.
pub type OwnerThread<S> = Owner<S, Thread>;

/// [`OwnerThread`] whose owner and blocking callers spin before they park: the owner polls
/// its empty mailbox for [`Settings::owner_spin`], a caller its reply for
/// [`Settings::caller_spin`] (async callers await as before: spinning would stall their
/// executor). Both budgets are settings; the runner's CPU time per operation shows what the
/// spinning costs.
pub type OwnerThreadSpin<S> = Owner<S, Thread<Spin>>;

/// One owner thread per shard ([`Settings::shards`], one per core by default), each owning the
/// keys that hash to it ([`statebench_core::sharded`]): for the services whose operations name
/// keys.
pub type ShardedThread<S> = Sharded<S, Thread>;

impl ShardNames for Thread {
    const SHARDED_NAME: &'static str = "sharded_thread";
    const SHARDED_ABOUT: &'static str =
        "one owner_thread per core, each owning the keys that hash to it";
}

/// flume channels, an owner thread of its own; `W` says how the owner and its blocking callers
/// wait: [`Park`] at once, or [`Spin`] first. A type with no values.
pub struct Thread<W: Wait = Park>(PhantomData<fn() -> W>);

impl<W: Wait> std::fmt::Debug for Thread<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Thread<{}>", W::NAME)
    }
}

/// How an owner thread and its blocking callers wait for work and replies: the one thing
/// `owner_thread` and `owner_thread_spin` do differently.
pub trait Wait: 'static {
    /// The row's name.
    const NAME: &'static str;
    /// What the row is, in one line.
    const ABOUT: &'static str;
    /// Where the owner runs, as the report says it.
    const PLACEMENT: &'static str;

    /// How long the owner polls its empty mailbox, and a blocking caller its reply, before
    /// each parks.
    fn budgets(settings: &Settings) -> (Duration, Duration);
}

/// Park at once: the owner sleeps on its empty mailbox, a caller on its reply.
#[derive(Debug)]
pub struct Park;

impl Wait for Park {
    const NAME: &'static str = "owner_thread";
    const ABOUT: &'static str =
        "an OS thread owns the state; flume mailbox, a one-slot flume reply per call";
    const PLACEMENT: &'static str = "an owner OS thread of its own";

    fn budgets(_: &Settings) -> (Duration, Duration) {
        (Duration::ZERO, Duration::ZERO)
    }
}

/// Poll first ([`Settings::owner_spin`], [`Settings::caller_spin`]), then park.
#[derive(Debug)]
pub struct Spin;

impl Wait for Spin {
    const NAME: &'static str = "owner_thread_spin";
    const ABOUT: &'static str =
        "owner_thread whose owner and callers poll before they park (ffwd-style delegation)";
    const PLACEMENT: &'static str = "an owner OS thread of its own, polling before it parks";

    fn budgets(settings: &Settings) -> (Duration, Duration) {
        (settings.owner_spin, settings.caller_spin)
    }
}

impl<W: Wait> ReplyChannel for Thread<W> {
    type Sender<T: Send + 'static> = flume::Sender<T>;

    fn reply<T: Send + 'static>(tx: flume::Sender<T>, value: T) {
        // One slot, never full: the owner never blocks sending a reply.
        let _ = tx.try_send(value);
    }
}

type Message<S, W> = Request<S, Thread<W>>;

/// The handles' side of the mailbox: the sending half, the admission gate, and how long a
/// blocking caller polls for its reply before it parks (zero: it parks at once).
#[derive(Debug)]
pub struct Outbox<S: StateMachine, W: Wait = Park> {
    tx: flume::Sender<Message<S, W>>,
    admission: Arc<Admission>,
    caller_spin: Duration,
}

impl<S: StateMachine, W: Wait> Clone for Outbox<S, W> {
    fn clone(&self) -> Self {
        Outbox {
            tx: self.tx.clone(),
            admission: self.admission.clone(),
            caller_spin: self.caller_spin,
        }
    }
}

/// Polls `poll` until it yields, for at most `budget` (checking the clock every 64 polls);
/// `None` once the budget is spent, and at once for a zero budget.
fn spin<T>(budget: Duration, mut poll: impl FnMut() -> Option<T>) -> Option<T> {
    if budget.is_zero() {
        return None;
    }
    let started = Instant::now();
    loop {
        for _ in 0..64 {
            if let Some(value) = poll() {
                return Some(value);
            }
            std::hint::spin_loop();
        }
        if started.elapsed() >= budget {
            return None;
        }
    }
}

/// Who may still send to the owner. A sender counts itself in, then checks the flag; the owner
/// sets the flag, then drains its mailbox until the count is zero. Both sides use `SeqCst`, so
/// either the sender sees the flag (and backs out) or the owner sees the sender (and waits for
/// its message): every admitted message is received, and none can arrive after the owner ends
/// — which is what lets the thread end at once instead of lingering to answer late messages.
#[derive(Debug, Default)]
struct Admission {
    closed: AtomicBool,
    sending: AtomicUsize,
}

/// A sender inside the gate; leaving it (even by a dropped future) counts the sender out.
struct Admitted<'a>(&'a Admission);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.sending.fetch_sub(1, SeqCst);
    }
}

impl Admission {
    fn enter(&self) -> Result<Admitted<'_>, Error> {
        self.sending.fetch_add(1, SeqCst);
        let admitted = Admitted(self);
        if self.closed.load(SeqCst) {
            return Err(Error::Stopped);
        }
        Ok(admitted)
    }

    /// Closes the gate and hands `each` every message still queued or in flight, until no
    /// admitted sender is left. A sender blocked on a full mailbox is unblocked by the
    /// draining; the wait backs off to a millisecond, so a sender that is never resumed (a
    /// leaked, unpolled future) costs an idle thread rather than a spinning one.
    fn close_and_drain<M>(&self, inbox: &flume::Receiver<M>, mut each: impl FnMut(M)) {
        self.closed.store(true, SeqCst);
        let mut pause = Duration::from_micros(1);
        loop {
            inbox.try_iter().for_each(&mut each);
            if self.sending.load(SeqCst) == 0 {
                // Everyone admitted has finished sending: what they sent is queued now.
                inbox.try_iter().for_each(&mut each);
                return;
            }
            thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(1));
        }
    }
}

impl<W: Wait> Transport for Thread<W> {
    const NAME: &'static str = W::NAME;
    const ABOUT: &'static str = W::ABOUT;
    type Outbox<S: StateMachine> = Outbox<S, W>;
    type Receiver<T: Send + 'static> = flume::Receiver<T>;

    /// Starts the owner thread.
    ///
    /// # Panics
    /// If the OS cannot start a thread, like `std::thread::spawn`.
    fn start<S: StateMachine>(initial: S, settings: &Settings, running: Running) -> Outbox<S, W> {
        let (tx, rx) = flume::bounded(settings.mailbox.max(1));
        let admission = Arc::new(Admission::default());
        let (clock, owner_admission) = (settings.clock.clone(), admission.clone());
        let (owner_spin, caller_spin) = W::budgets(settings);
        thread::Builder::new()
            .name(format!("statebench-owner-{}", S::SERVICE))
            .spawn(move || run(initial, rx, clock, owner_admission, owner_spin, running))
            .unwrap_or_else(|e| panic!("statebench: the OS refused an owner thread: {e}"));
        Outbox {
            tx,
            admission,
            caller_spin,
        }
    }

    fn reply_channel<T: Send + 'static>() -> (flume::Sender<T>, flume::Receiver<T>) {
        flume::bounded(1)
    }

    fn send<S: StateMachine>(outbox: &Outbox<S, W>, request: Message<S, W>) -> Result<(), Error> {
        let _admitted = outbox.admission.enter()?;
        outbox.tx.send(request).map_err(|_| Error::Stopped)
    }

    async fn send_async<S: StateMachine>(
        outbox: &Outbox<S, W>,
        request: Message<S, W>,
    ) -> Result<(), Error> {
        let _admitted = outbox.admission.enter()?;
        outbox
            .tx
            .send_async(request)
            .await
            .map_err(|_| Error::Stopped)
    }

    fn try_send<S: StateMachine>(
        outbox: &Outbox<S, W>,
        request: Message<S, W>,
    ) -> Result<(), Error> {
        let _admitted = outbox.admission.enter()?;
        outbox.tx.try_send(request).map_err(|e| match e {
            flume::TrySendError::Full(_) => Error::Full,
            flume::TrySendError::Disconnected(_) => Error::Stopped,
        })
    }

    fn recv<S: StateMachine, T: Send + 'static>(
        outbox: &Outbox<S, W>,
        reply_rx: flume::Receiver<T>,
    ) -> Result<T, Error> {
        if let Some(reply) = spin(outbox.caller_spin, || reply_rx.try_recv().ok()) {
            return Ok(reply);
        }
        // Disconnected: the owner stopped (shut down or panicked) before replying.
        reply_rx.recv().map_err(|_| Error::Stopped)
    }

    async fn recv_async<T: Send + 'static>(reply_rx: flume::Receiver<T>) -> Result<T, Error> {
        reply_rx.recv_async().await.map_err(|_| Error::Stopped)
    }

    fn queued<S: StateMachine>(outbox: &Outbox<S, W>) -> usize {
        outbox.tx.len()
    }

    fn placement(_: bool) -> &'static str {
        W::PLACEMENT
    }
}

/// The owner thread: serves until shut down, until every handle is dropped, or until the
/// state machine panics, then ends. After a panic it closes the gate and drops what is still
/// queued or being sent, so every waiting caller gets `Stopped` (flume keeps queued messages,
/// with their reply senders, while any sender lives: without the drain those callers would wait
/// forever — the fault tests caught exactly that). `_running` drops as the thread ends.
fn run<S: StateMachine, W: Wait>(
    state: S,
    inbox: flume::Receiver<Message<S, W>>,
    clock: Clock,
    admission: Arc<Admission>,
    owner_spin: Duration,
    _running: Running,
) {
    // `serve` owns the state, so a panic drops it while unwinding, as an owner's death should.
    let _ = panic::catch_unwind(AssertUnwindSafe(|| {
        serve(state, &inbox, &clock, &admission, owner_spin)
    }));
    admission.close_and_drain(&inbox, drop);
}

/// Applies requests one at a time until shut down or until every handle is dropped, and runs
/// the state's periodic cleanup when it falls due; polls an empty mailbox for `owner_spin`
/// before it parks (a due cleanup waits for the polling to end: at most `owner_spin` late).
fn serve<S: StateMachine, W: Wait>(
    mut state: S,
    inbox: &flume::Receiver<Message<S, W>>,
    clock: &Clock,
    admission: &Admission,
    owner_spin: Duration,
) {
    let every = state.cleanup_every();
    let mut next_cleanup = every.map(|every| Instant::now() + every);
    loop {
        // Cleanup is checked before each request, so a saturating load cannot starve it.
        if let (Some(due), Some(every)) = (next_cleanup, every)
            && Instant::now() >= due
        {
            state.cleanup(clock.now());
            next_cleanup = Some(Instant::now() + every);
        }
        let polled = spin(owner_spin, || inbox.try_recv().ok());
        let message = match (polled, next_cleanup) {
            (Some(message), _) => message,
            (None, Some(due)) => match inbox.recv_deadline(due) {
                Ok(message) => message,
                Err(flume::RecvTimeoutError::Timeout) => continue,
                Err(flume::RecvTimeoutError::Disconnected) => return,
            },
            (None, None) => match inbox.recv() {
                Ok(message) => message,
                // Every handle is gone: nobody can ask for anything again.
                Err(flume::RecvError::Disconnected) => return,
            },
        };
        if let Some(state_tx) = message.serve(&mut state, clock) {
            // Stop admitting, then apply everything admitted before the close; a second
            // shutdown among them gets no state (its sender drops): Stopped.
            admission.close_and_drain(inbox, |message| {
                let _ = message.serve(&mut state, clock);
            });
            Thread::<W>::reply(state_tx, state);
            return;
        }
    }
}
