//! The owner-thread strategy: one OS thread alone holds the state and serves requests that
//! arrive over a bounded `flume` mailbox, each carrying a one-slot flume channel for the reply.
//!
//! flume is chosen because one channel serves both worlds: threads use `send`/`recv`, async code
//! uses `send_async`/`recv_async`, with no runtime of its own. The price is the OS thread: a
//! caller on another core waits for the owner to be woken, which on some virtual machines costs
//! tens of microseconds — the benchmarks measure it. The protocol is the shared
//! `statebench_core::owner::Request`; the thread ends on shutdown, when every handle is dropped,
//! or when it panics (callers then get [`Error::Stopped`]).

#![deny(missing_docs)]

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

use statebench_core::owner::{Owner, ReplyChannel, Request, Running, Transport};
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

/// flume channels, an owner thread of its own.
#[derive(Debug)]
pub struct Thread;

impl ReplyChannel for Thread {
    type Sender<T: Send + 'static> = flume::Sender<T>;

    fn reply<T: Send + 'static>(tx: flume::Sender<T>, value: T) {
        // One slot, never full: the owner never blocks sending a reply.
        let _ = tx.try_send(value);
    }
}

type Message<S> = Request<S, Thread>;

/// The handles' side of the mailbox: the sending half and the admission gate.
#[derive(Debug)]
pub struct Sender<S: StateMachine> {
    tx: flume::Sender<Message<S>>,
    admission: Arc<Admission>,
}

impl<S: StateMachine> Clone for Sender<S> {
    fn clone(&self) -> Self {
        Sender {
            tx: self.tx.clone(),
            admission: self.admission.clone(),
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
    fn close_and_drain<M>(&self, mailbox_rx: &flume::Receiver<M>, mut each: impl FnMut(M)) {
        self.closed.store(true, SeqCst);
        let mut pause = Duration::from_micros(1);
        loop {
            mailbox_rx.try_iter().for_each(&mut each);
            if self.sending.load(SeqCst) == 0 {
                // Everyone admitted has finished sending: what they sent is queued now.
                mailbox_rx.try_iter().for_each(&mut each);
                return;
            }
            thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(1));
        }
    }
}

impl Transport for Thread {
    const NAME: &'static str = "owner_thread";
    const ABOUT: &'static str =
        "an OS thread owns the state; flume mailbox, a one-slot flume reply per call";
    type Mailbox<S: StateMachine> = Sender<S>;
    type Receiver<T: Send + 'static> = flume::Receiver<T>;

    /// Starts the owner thread.
    ///
    /// # Panics
    /// If the OS cannot start a thread, like `std::thread::spawn`.
    fn start<S: StateMachine>(initial: S, settings: &Settings, running: Running) -> Sender<S> {
        let (tx, rx) = flume::bounded(settings.mailbox.max(1));
        let admission = Arc::new(Admission::default());
        let (clock, owner_admission) = (settings.clock.clone(), admission.clone());
        thread::Builder::new()
            .name(format!("statebench-owner-{}", S::SERVICE))
            .spawn(move || run(initial, rx, clock, owner_admission, running))
            .unwrap_or_else(|e| panic!("statebench: the OS refused an owner thread: {e}"));
        Sender { tx, admission }
    }

    fn reply_channel<T: Send + 'static>() -> (flume::Sender<T>, flume::Receiver<T>) {
        flume::bounded(1)
    }

    fn send<S: StateMachine>(mailbox: &Sender<S>, request: Message<S>) -> Result<(), Error> {
        let _admitted = mailbox.admission.enter()?;
        mailbox.tx.send(request).map_err(|_| Error::Stopped)
    }

    async fn send_async<S: StateMachine>(
        mailbox: &Sender<S>,
        request: Message<S>,
    ) -> Result<(), Error> {
        let _admitted = mailbox.admission.enter()?;
        mailbox
            .tx
            .send_async(request)
            .await
            .map_err(|_| Error::Stopped)
    }

    fn try_send<S: StateMachine>(mailbox: &Sender<S>, request: Message<S>) -> Result<(), Error> {
        let _admitted = mailbox.admission.enter()?;
        mailbox.tx.try_send(request).map_err(|e| match e {
            flume::TrySendError::Full(_) => Error::Full,
            flume::TrySendError::Disconnected(_) => Error::Stopped,
        })
    }

    fn recv<T: Send + 'static>(reply_rx: flume::Receiver<T>) -> Result<T, Error> {
        // Disconnected: the owner stopped (shut down or panicked) before replying.
        reply_rx.recv().map_err(|_| Error::Stopped)
    }

    async fn recv_async<T: Send + 'static>(reply_rx: flume::Receiver<T>) -> Result<T, Error> {
        reply_rx.recv_async().await.map_err(|_| Error::Stopped)
    }

    fn queued<S: StateMachine>(mailbox: &Sender<S>) -> usize {
        mailbox.tx.len()
    }

    fn placement(_: bool) -> &'static str {
        "an owner OS thread of its own"
    }
}

/// The owner thread: serves until shut down, until every handle is dropped, or until the
/// state machine panics, then ends. After a panic it closes the gate and drops what is still
/// queued or being sent, so every waiting caller gets `Stopped` (flume keeps queued messages,
/// with their reply senders, while any sender lives: without the drain those callers would wait
/// forever — the fault tests caught exactly that). `_running` drops as the thread ends.
fn run<S: StateMachine>(
    state: S,
    mailbox_rx: flume::Receiver<Message<S>>,
    clock: Clock,
    admission: Arc<Admission>,
    _running: Running,
) {
    // `serve` owns the state, so a panic drops it while unwinding, as an owner's death should.
    let _ = panic::catch_unwind(AssertUnwindSafe(|| {
        serve(state, &mailbox_rx, &clock, &admission)
    }));
    admission.close_and_drain(&mailbox_rx, drop);
}

/// Applies requests one at a time until shut down or until every handle is dropped, and runs
/// the state's periodic cleanup when it falls due.
fn serve<S: StateMachine>(
    mut state: S,
    mailbox_rx: &flume::Receiver<Message<S>>,
    clock: &Clock,
    admission: &Admission,
) {
    let every = state.cleanup_every();
    let mut next_cleanup = every.map(|every| Instant::now() + every);
    loop {
        // Cleanup is checked before each request, so a saturating load cannot starve it.
        if let (Some(due), Some(every)) = (next_cleanup, every) {
            if Instant::now() >= due {
                state.cleanup(clock.now());
                next_cleanup = Some(Instant::now() + every);
            }
        }
        let message = match next_cleanup {
            Some(due) => match mailbox_rx.recv_deadline(due) {
                Ok(message) => message,
                Err(flume::RecvTimeoutError::Timeout) => continue,
                Err(flume::RecvTimeoutError::Disconnected) => return,
            },
            None => match mailbox_rx.recv() {
                Ok(message) => message,
                // Every handle is gone: nobody can ask for anything again.
                Err(flume::RecvError::Disconnected) => return,
            },
        };
        if let Some(state_tx) = message.serve(&mut state, clock) {
            // Stop admitting, then apply everything admitted before the close; a second
            // shutdown among them gets no state (its sender drops): Stopped.
            admission.close_and_drain(mailbox_rx, |message| {
                let _ = message.serve(&mut state, clock);
            });
            Thread::reply(state_tx, state);
            return;
        }
    }
}
