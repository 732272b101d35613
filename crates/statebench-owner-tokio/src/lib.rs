//! The owner-task strategy on tokio: one task alone holds the state; callers send it requests
//! over a bounded `tokio::sync::mpsc` mailbox, each carrying a `oneshot` sender for the reply.
//!
//! This is Go's "stateful goroutine" (and mini-redis's buffered client, and Alice Ryhl's
//! "actors with tokio") written once for every [`StateMachine`]: [`OwnerTokio`] is the cloneable
//! handle, `run` is the owner's loop, and `statebench_core::owner::Request` is the mailbox protocol shared with the other owners.
//! The owner ends when its state is shut down ([`Service::shutdown`]) or when every handle is
//! dropped; if it panics, callers get [`Error::Stopped`] instead of hanging, because the panic
//! drops the mailbox and every pending reply sender.

#![deny(missing_docs)]

use std::fmt;
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use statebench_core::owner::{self, ReplyChannel, Request, Running, RunningWatch};
use statebench_core::{Clock, Error, Mailbox, Service, Settings, StateMachine};
use tokio::runtime::{Handle, Runtime};
use tokio::sync::{mpsc, oneshot};

/// Replies travel over tokio `oneshot` channels.
struct Oneshot;

impl ReplyChannel for Oneshot {
    type Sender<T: Send + 'static> = oneshot::Sender<T>;

    fn reply<T: Send + 'static>(tx: oneshot::Sender<T>, value: T) {
        let _ = tx.send(value);
    }
}

type Message<S> = Request<S, Oneshot>;

/// A handle to an owner task on tokio serving state machine `S`. Clone it for every caller.
///
/// * **Where the owner runs.** [`Service::start`] spawns the owner on the tokio runtime it is
///   called from, or — outside any runtime — on a shared background runtime that this crate
///   starts on first use. [`OwnerTokio::spawn_on`] picks the runtime explicitly.
/// * **Blocking calls** ([`Service::call`], [`Mailbox::try_call`], [`Mailbox::call_timeout`],
///   [`Service::cleanup`], [`Service::shutdown`]) use `blocking_send`/`blocking_recv` and must
///   not be made from inside an async context (tokio panics if they are); from async code use
///   [`Service::call_async`], and `tokio::time::timeout` around it for a bounded wait.
/// * [`Mailbox::call_timeout`] drives its timer on the owner's runtime, which must have the time
///   driver enabled (the background runtime has).
pub struct OwnerTokio<S: StateMachine> {
    mailbox_tx: mpsc::Sender<Message<S>>,
    runtime: Handle,
    running: RunningWatch,
}

impl<S: StateMachine> Clone for OwnerTokio<S> {
    fn clone(&self) -> Self {
        OwnerTokio {
            mailbox_tx: self.mailbox_tx.clone(),
            runtime: self.runtime.clone(),
            running: self.running.clone(),
        }
    }
}

impl<S: StateMachine> fmt::Debug for OwnerTokio<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnerTokio")
            .field("service", &S::SERVICE)
            .field("queued", &self.queued())
            .finish()
    }
}

/// The runtime that hosts owners started outside any tokio runtime.
fn background_runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("statebench-owner-tokio")
            .build()
            .unwrap_or_else(|e| panic!("statebench: cannot start the owner runtime: {e}"))
    })
}

impl<S: StateMachine> OwnerTokio<S> {
    /// Spawns the owner of `initial` on the runtime `runtime`.
    pub fn spawn_on(initial: S, settings: &Settings, runtime: &Handle) -> Self {
        // A zero-capacity mailbox would make tokio panic; one slot is the smallest honest bound.
        let (mailbox_tx, mailbox_rx) = mpsc::channel(settings.mailbox.max(1));
        let (token, running) = owner::running();
        runtime.spawn(run(initial, mailbox_rx, settings.clock.clone(), token));
        OwnerTokio {
            mailbox_tx,
            runtime: runtime.clone(),
            running,
        }
    }

    /// Sends the message `make` builds around a fresh reply sender, and waits for the reply.
    fn request<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Message<S>) -> Result<T, Error> {
        let (reply_tx, reply_rx) = oneshot::channel();
        self.mailbox_tx
            .blocking_send(make(reply_tx))
            .map_err(|_| Error::Stopped)?;
        // A dropped reply sender means the owner stopped (shut down or panicked) before replying.
        reply_rx.blocking_recv().map_err(|_| Error::Stopped)
    }

    async fn request_async<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Message<S>,
    ) -> Result<T, Error> {
        let (reply_tx, reply_rx) = oneshot::channel();
        self.mailbox_tx
            .send(make(reply_tx))
            .await
            .map_err(|_| Error::Stopped)?;
        reply_rx.await.map_err(|_| Error::Stopped)
    }
}

impl<S: StateMachine> Service<S> for OwnerTokio<S> {
    fn placement(started_in_tokio: bool) -> &'static str {
        if started_in_tokio {
            "an owner task on the callers' tokio runtime (one worker per core)"
        } else {
            "an owner task on a background tokio runtime (one worker per core), called from outside it"
        }
    }

    const NAME: &'static str = "owner_tokio";

    fn start(initial: S, settings: &Settings) -> Self {
        let runtime =
            Handle::try_current().unwrap_or_else(|_| background_runtime().handle().clone());
        Self::spawn_on(initial, settings, &runtime)
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        self.request(|reply_tx| Message::Call { op, reply_tx })
    }

    fn call_async(&self, op: S::Op) -> impl Future<Output = Result<S::Reply, Error>> + Send {
        self.request_async(|reply_tx| Message::Call { op, reply_tx })
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.request(|done_tx| Message::Cleanup { done_tx })
    }

    fn shutdown(&self) -> Result<S, Error> {
        self.request(|state_tx| Message::Shutdown { state_tx })
    }
}

impl<S: StateMachine> Mailbox<S> for OwnerTokio<S> {
    fn try_call(&self, op: S::Op) -> Result<S::Reply, Error> {
        let (reply_tx, reply_rx) = oneshot::channel();
        self.mailbox_tx
            .try_send(Message::Call { op, reply_tx })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => Error::Full,
                mpsc::error::TrySendError::Closed(_) => Error::Stopped,
            })?;
        reply_rx.blocking_recv().map_err(|_| Error::Stopped)
    }

    fn call_timeout(&self, op: S::Op, timeout: Duration) -> Result<S::Reply, Error> {
        // Dropping the timed-out future drops its reply receiver: the owner's reply to it fails
        // quietly and the owner goes on serving.
        // Built inside `block_on`: a tokio timer needs the runtime's context to be created.
        let call = async { tokio::time::timeout(timeout, self.call_async(op)).await };
        self.runtime.block_on(call).unwrap_or(Err(Error::Timeout))
    }

    fn queued(&self) -> usize {
        self.mailbox_tx.max_capacity() - self.mailbox_tx.capacity()
    }

    fn owner_running(&self) -> bool {
        self.running.is_running()
    }
}

/// The owner's loop: applies messages one at a time until shut down or until every handle is
/// dropped, and runs the state's periodic cleanup in between.
async fn run<S: StateMachine>(
    mut state: S,
    mut mailbox_rx: mpsc::Receiver<Message<S>>,
    clock: Clock,
    _running: Running,
) {
    let mut cleanup = state.cleanup_every().map(|every| {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval
    });
    loop {
        let message = tokio::select! {
            // Cleanup first: under a saturating load the mailbox is never empty, and polling it
            // first would starve the cleanup for as long as the load lasts.
            biased;
            _ = tick(&mut cleanup) => {
                state.cleanup(clock.now());
                continue;
            }
            message = mailbox_rx.recv() => message,
        };
        // `None`: every handle is gone, nobody can ask for anything again.
        let Some(message) = message else { return };
        if let Some(state_tx) = message.serve(&mut state, &clock) {
            // Stop accepting, then apply what was accepted before the close.
            mailbox_rx.close();
            while let Some(message) = mailbox_rx.recv().await {
                // A second shutdown request gets Stopped: its sender is dropped here.
                let _ = message.serve(&mut state, &clock);
            }
            let _ = state_tx.send(state);
            return;
        }
    }
}

async fn tick(cleanup: &mut Option<tokio::time::Interval>) {
    match cleanup {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}
