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

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

use statebench_core::owner::{self, ReplyChannel, Request, Running, RunningWatch};
use statebench_core::{Clock, Error, Mailbox, Service, Settings, StateMachine};

/// Replies travel over flume channels of one slot (the owner never blocks sending one).
struct OneSlot;

impl ReplyChannel for OneSlot {
    type Sender<T: Send + 'static> = flume::Sender<T>;

    fn reply<T: Send + 'static>(tx: flume::Sender<T>, value: T) {
        let _ = tx.try_send(value);
    }
}

type Message<S> = Request<S, OneSlot>;

/// A handle to an owner thread serving state machine `S`. Clone it for every caller.
///
/// Both call forms work anywhere: blocking calls park the calling thread (do not make them from
/// inside an async runtime's worker, where they would stall the worker), and
/// [`Service::call_async`] awaits with flume's `send_async`/`recv_async` on any executor.
///
/// Shutdown: flume cannot close a channel from the receiving side, so the handles pass an
/// admission gate before they send, and the owner closes the gate and drains until no
/// admitted sender is left; then the thread ends. A call that races the shutdown is either
/// refused at the gate ([`Error::Stopped`]) or admitted, applied and in the final state.
pub struct OwnerThread<S: StateMachine> {
    mailbox_tx: flume::Sender<Message<S>>,
    admission: Arc<Admission>,
    running: RunningWatch,
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

impl<S: StateMachine> Clone for OwnerThread<S> {
    fn clone(&self) -> Self {
        OwnerThread {
            mailbox_tx: self.mailbox_tx.clone(),
            admission: self.admission.clone(),
            running: self.running.clone(),
        }
    }
}

impl<S: StateMachine> fmt::Debug for OwnerThread<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnerThread")
            .field("service", &S::SERVICE)
            .field("queued", &self.queued())
            .finish()
    }
}

impl<S: StateMachine> OwnerThread<S> {
    fn send(&self, message: Message<S>) -> Result<(), Error> {
        let _admitted = self.admission.enter()?;
        self.mailbox_tx.send(message).map_err(|_| Error::Stopped)
    }

    fn request<T>(&self, make: impl FnOnce(flume::Sender<T>) -> Message<S>) -> Result<T, Error> {
        let (reply_tx, reply_rx) = flume::bounded(1);
        self.send(make(reply_tx))?;
        // Disconnected: the owner stopped (shut down or panicked) before replying.
        reply_rx.recv().map_err(|_| Error::Stopped)
    }
}

impl<S: StateMachine> Service<S> for OwnerThread<S> {
    fn placement(_: bool) -> &'static str {
        "an owner OS thread of its own"
    }

    const NAME: &'static str = "owner_thread";

    /// Starts the owner thread.
    ///
    /// # Panics
    /// If the OS cannot start a thread, like `std::thread::spawn`.
    fn start(initial: S, settings: &Settings) -> Self {
        let (mailbox_tx, mailbox_rx) = flume::bounded(settings.mailbox.max(1));
        let admission = Arc::new(Admission::default());
        let (token, running) = owner::running();
        let (clock, owner_admission) = (settings.clock.clone(), admission.clone());
        thread::Builder::new()
            .name(format!("statebench-owner-{}", S::SERVICE))
            .spawn(move || run(initial, mailbox_rx, clock, owner_admission, token))
            .unwrap_or_else(|e| panic!("statebench: the OS refused an owner thread: {e}"));
        OwnerThread {
            mailbox_tx,
            admission,
            running,
        }
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        self.request(|reply_tx| Message::Call { op, reply_tx })
    }

    async fn call_async(&self, op: S::Op) -> Result<S::Reply, Error> {
        let (reply_tx, reply_rx) = flume::bounded(1);
        {
            let _admitted = self.admission.enter()?;
            self.mailbox_tx
                .send_async(Message::Call { op, reply_tx })
                .await
                .map_err(|_| Error::Stopped)?;
        }
        reply_rx.recv_async().await.map_err(|_| Error::Stopped)
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.request(|done_tx| Message::Cleanup { done_tx })
    }

    fn shutdown(&self) -> Result<S, Error> {
        self.request(|state_tx| Message::Shutdown { state_tx })
    }
}

impl<S: StateMachine> Mailbox<S> for OwnerThread<S> {
    fn try_call(&self, op: S::Op) -> Result<S::Reply, Error> {
        let (reply_tx, reply_rx) = flume::bounded(1);
        {
            let _admitted = self.admission.enter()?;
            self.mailbox_tx
                .try_send(Message::Call { op, reply_tx })
                .map_err(|e| match e {
                    flume::TrySendError::Full(_) => Error::Full,
                    flume::TrySendError::Disconnected(_) => Error::Stopped,
                })?;
        }
        reply_rx.recv().map_err(|_| Error::Stopped)
    }

    fn call_timeout(&self, op: S::Op, timeout: Duration) -> Result<S::Reply, Error> {
        let deadline = Instant::now() + timeout;
        let (reply_tx, reply_rx) = flume::bounded(1);
        {
            let _admitted = self.admission.enter()?;
            self.mailbox_tx
                .send_deadline(Message::Call { op, reply_tx }, deadline)
                .map_err(|e| match e {
                    flume::SendTimeoutError::Timeout(_) => Error::Timeout,
                    flume::SendTimeoutError::Disconnected(_) => Error::Stopped,
                })?;
        }
        // Giving up drops `reply_rx`; the owner's one-slot reply then fails quietly.
        reply_rx.recv_deadline(deadline).map_err(|e| match e {
            flume::RecvTimeoutError::Timeout => Error::Timeout,
            flume::RecvTimeoutError::Disconnected => Error::Stopped,
        })
    }

    fn queued(&self) -> usize {
        self.mailbox_tx.len()
    }

    fn owner_running(&self) -> bool {
        self.running.is_running()
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
            OneSlot::reply(state_tx, state);
            return;
        }
    }
}
