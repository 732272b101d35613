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
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use statebench_core::owner::{ReplyChannel, Request};
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
/// Shutdown: flume cannot close a channel while its receiver lives, so the handles share a
/// `closed` flag. A call that races with a shutdown and slips in after the owner drained its
/// mailbox is dropped unapplied, and its caller gets [`Error::Stopped`]: nothing acknowledged
/// is ever lost. After a shutdown or a panic the thread lingers, idle, until the last handle
/// is dropped (see `run`).
pub struct OwnerThread<S: StateMachine> {
    mailbox_tx: flume::Sender<Message<S>>,
    closed: Arc<AtomicBool>,
}

impl<S: StateMachine> Clone for OwnerThread<S> {
    fn clone(&self) -> Self {
        OwnerThread {
            mailbox_tx: self.mailbox_tx.clone(),
            closed: self.closed.clone(),
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
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Stopped);
        }
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
    const NAME: &'static str = "owner_thread";

    /// Starts the owner thread.
    ///
    /// # Panics
    /// If the OS cannot start a thread, like `std::thread::spawn`.
    fn start(initial: S, settings: &Settings) -> Self {
        let (mailbox_tx, mailbox_rx) = flume::bounded(settings.mailbox.max(1));
        let closed = Arc::new(AtomicBool::new(false));
        let clock = settings.clock.clone();
        let owner_closed = closed.clone();
        thread::Builder::new()
            .name(format!("statebench-owner-{}", S::SERVICE))
            .spawn(move || run(initial, mailbox_rx, clock, owner_closed))
            .unwrap_or_else(|e| panic!("statebench: the OS refused an owner thread: {e}"));
        OwnerThread { mailbox_tx, closed }
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        self.request(|reply_tx| Message::Call { op, reply_tx })
    }

    async fn call_async(&self, op: S::Op) -> Result<S::Reply, Error> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Stopped);
        }
        let (reply_tx, reply_rx) = flume::bounded(1);
        self.mailbox_tx
            .send_async(Message::Call { op, reply_tx })
            .await
            .map_err(|_| Error::Stopped)?;
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
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Stopped);
        }
        let (reply_tx, reply_rx) = flume::bounded(1);
        self.mailbox_tx
            .try_send(Message::Call { op, reply_tx })
            .map_err(|e| match e {
                flume::TrySendError::Full(_) => Error::Full,
                flume::TrySendError::Disconnected(_) => Error::Stopped,
            })?;
        reply_rx.recv().map_err(|_| Error::Stopped)
    }

    fn call_timeout(&self, op: S::Op, timeout: Duration) -> Result<S::Reply, Error> {
        let deadline = Instant::now() + timeout;
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Stopped);
        }
        let (reply_tx, reply_rx) = flume::bounded(1);
        self.mailbox_tx
            .send_deadline(Message::Call { op, reply_tx }, deadline)
            .map_err(|e| match e {
                flume::SendTimeoutError::Timeout(_) => Error::Timeout,
                flume::SendTimeoutError::Disconnected(_) => Error::Stopped,
            })?;
        // Giving up drops `reply_rx`; the owner's one-slot reply then fails quietly.
        reply_rx.recv_deadline(deadline).map_err(|e| match e {
            flume::RecvTimeoutError::Timeout => Error::Timeout,
            flume::RecvTimeoutError::Disconnected => Error::Stopped,
        })
    }

    fn queued(&self) -> usize {
        self.mailbox_tx.len()
    }
}

/// The owner thread: serves until shut down, until every handle is dropped, or until the
/// state machine panics; then, if handles remain, stays as a tombstone that drops whatever
/// still arrives.
///
/// Why a tombstone: flume cannot be closed from the receiving side, and dropping the receiver
/// leaves messages already queued in the channel — with their reply senders — for as long as a
/// sender lives, so their callers would wait forever (the fault tests caught exactly that).
/// Receiving and dropping each late message until the last handle goes gives every caller
/// `Stopped`, without a race: the `closed` flag keeps new calls from even sending.
fn run<S: StateMachine>(
    state: S,
    mailbox_rx: flume::Receiver<Message<S>>,
    clock: Clock,
    closed: Arc<AtomicBool>,
) {
    // `serve` owns the state, so a panic drops it while unwinding, as an owner's death should.
    let _ = panic::catch_unwind(AssertUnwindSafe(|| {
        serve(state, &mailbox_rx, &clock, &closed)
    }));
    closed.store(true, Ordering::Release);
    for late in mailbox_rx.iter() {
        drop(late);
    }
}

/// Applies requests one at a time until shut down or until every handle is dropped, and runs
/// the state's periodic cleanup when it falls due.
fn serve<S: StateMachine>(
    mut state: S,
    mailbox_rx: &flume::Receiver<Message<S>>,
    clock: &Clock,
    closed: &AtomicBool,
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
            // Stop accepting, then apply what was accepted before the close. A call that
            // checked the flag just before it was set is dropped by the tombstone: Stopped.
            closed.store(true, Ordering::Release);
            for message in mailbox_rx.try_iter() {
                let _ = message.serve(&mut state, clock);
            }
            OneSlot::reply(state_tx, state);
            return;
        }
    }
}
