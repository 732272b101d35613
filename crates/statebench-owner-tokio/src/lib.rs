//! The owner-task strategy on tokio: one task alone holds the state; callers send it requests
//! over a bounded `tokio::sync::mpsc` mailbox, each carrying a `oneshot` sender for the reply.
//!
//! This is Go's "stateful goroutine" (and mini-redis's buffered client, and Alice Ryhl's
//! "actors with tokio") for every [`StateMachine`]. The handle, the protocol and the loop are
//! `statebench_core::owner`'s; this crate supplies tokio's channels ([`Tokio`]) and says where
//! the task runs. The owner ends when its state is shut down or when every handle is dropped;
//! if it panics, callers get [`Error::Stopped`] instead of hanging, because the panic drops
//! the mailbox and every pending reply sender.

#![deny(missing_docs)]

use std::future::Future;
use std::sync::OnceLock;
use std::time::Instant;

use statebench_core::owner::{self, Inbox, Next, Owner, ReplyChannel, Request, Running, Transport};
use statebench_core::{Error, Settings, StateMachine};
use tokio::runtime::{Handle, Runtime};
use tokio::sync::{mpsc, oneshot};

/// A handle to an owner task on tokio serving state machine `S`. Clone it for every caller.
///
/// * **Where the owner runs.** `start` spawns the owner on the tokio runtime it is called
///   from, or — outside any runtime — on a shared background runtime that this crate starts
///   on first use. [`spawn_on`] picks the runtime explicitly.
/// * **Blocking calls** (`call`, `try_call`, `call_timeout`, `cleanup`, `shutdown`) use
///   `blocking_send`/`blocking_recv` and must not be made from inside an async context (tokio
///   panics if they are); from async code use `call_async`, and `tokio::time::timeout`
///   around it for a bounded wait.
/// * `call_timeout` drives its timer on the owner's runtime, which must have the time driver
///   enabled (the background runtime has).
pub type OwnerTokio<S> = Owner<S, Tokio>;

/// tokio's channels: a bounded `mpsc` mailbox, `oneshot` replies.
#[derive(Debug)]
pub struct Tokio;

/// The handles' side of the mailbox, with the runtime the owner runs on (for timed calls).
#[derive(Debug)]
pub struct Sender<S: StateMachine> {
    tx: mpsc::Sender<Request<S, Tokio>>,
    runtime: Handle,
}

impl<S: StateMachine> Clone for Sender<S> {
    fn clone(&self) -> Self {
        Sender {
            tx: self.tx.clone(),
            runtime: self.runtime.clone(),
        }
    }
}

impl ReplyChannel for Tokio {
    type Sender<T: Send + 'static> = oneshot::Sender<T>;

    fn reply<T: Send + 'static>(tx: oneshot::Sender<T>, value: T) {
        let _ = tx.send(value);
    }
}

/// Spawns the owner of `initial` on the runtime `runtime`.
pub fn spawn_on<S: StateMachine>(
    initial: S,
    settings: &Settings,
    runtime: &Handle,
) -> OwnerTokio<S> {
    let (token, running) = owner::running();
    Owner::from_parts(start_on(initial, settings, token, runtime), running)
}

fn start_on<S: StateMachine>(
    initial: S,
    settings: &Settings,
    running: Running,
    runtime: &Handle,
) -> Sender<S> {
    // A zero-capacity mailbox would make tokio panic; one slot is the smallest honest bound.
    let (tx, rx) = mpsc::channel(settings.mailbox.max(1));
    let clock = settings.clock.clone();
    runtime.spawn(async move {
        let _running = running;
        // Made in the task: a tokio timer needs its runtime's context.
        let cleanup = initial.cleanup_every().map(|every| {
            let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            interval
        });
        owner::serve(initial, &clock, &mut Mailbox { rx, cleanup }).await;
    });
    Sender {
        tx,
        runtime: runtime.clone(),
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

impl Transport for Tokio {
    const NAME: &'static str = "owner_tokio";
    const ABOUT: &'static str =
        "a tokio task owns the state; `mpsc` mailbox, a `oneshot` reply per call";
    type Mailbox<S: StateMachine> = Sender<S>;
    type Receiver<T: Send + 'static> = oneshot::Receiver<T>;

    fn start<S: StateMachine>(initial: S, settings: &Settings, running: Running) -> Sender<S> {
        let runtime =
            Handle::try_current().unwrap_or_else(|_| background_runtime().handle().clone());
        start_on(initial, settings, running, &runtime)
    }

    fn reply_channel<T: Send + 'static>() -> (oneshot::Sender<T>, oneshot::Receiver<T>) {
        oneshot::channel()
    }

    fn send<S: StateMachine>(mailbox: &Sender<S>, request: Request<S, Tokio>) -> Result<(), Error> {
        mailbox
            .tx
            .blocking_send(request)
            .map_err(|_| Error::Stopped)
    }

    async fn send_async<S: StateMachine>(
        mailbox: &Sender<S>,
        request: Request<S, Tokio>,
    ) -> Result<(), Error> {
        mailbox.tx.send(request).await.map_err(|_| Error::Stopped)
    }

    fn try_send<S: StateMachine>(
        mailbox: &Sender<S>,
        request: Request<S, Tokio>,
    ) -> Result<(), Error> {
        mailbox.tx.try_send(request).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => Error::Full,
            mpsc::error::TrySendError::Closed(_) => Error::Stopped,
        })
    }

    fn send_deadline<S: StateMachine>(
        mailbox: &Sender<S>,
        request: Request<S, Tokio>,
        deadline: Instant,
    ) -> Result<(), Error> {
        // Built inside `block_on`: a tokio timer needs the runtime's context to be created.
        let send = async {
            let deadline = tokio::time::Instant::from_std(deadline);
            tokio::time::timeout_at(deadline, mailbox.tx.send(request)).await
        };
        match mailbox.runtime.block_on(send) {
            Ok(sent) => sent.map_err(|_| Error::Stopped),
            Err(_) => Err(Error::Timeout),
        }
    }

    fn recv<T: Send + 'static>(reply_rx: oneshot::Receiver<T>) -> Result<T, Error> {
        // A dropped reply sender means the owner stopped (shut down or panicked) first.
        reply_rx.blocking_recv().map_err(|_| Error::Stopped)
    }

    async fn recv_async<T: Send + 'static>(reply_rx: oneshot::Receiver<T>) -> Result<T, Error> {
        reply_rx.await.map_err(|_| Error::Stopped)
    }

    fn recv_deadline<S: StateMachine, T: Send + 'static>(
        mailbox: &Sender<S>,
        reply_rx: oneshot::Receiver<T>,
        deadline: Instant,
    ) -> Result<T, Error> {
        let recv = async {
            let deadline = tokio::time::Instant::from_std(deadline);
            tokio::time::timeout_at(deadline, reply_rx).await
        };
        match mailbox.runtime.block_on(recv) {
            Ok(reply) => reply.map_err(|_| Error::Stopped),
            Err(_) => Err(Error::Timeout),
        }
    }

    fn queued<S: StateMachine>(mailbox: &Sender<S>) -> usize {
        mailbox.tx.max_capacity() - mailbox.tx.capacity()
    }

    fn placement(started_in_tokio: bool) -> &'static str {
        if started_in_tokio {
            "an owner task on the callers' tokio runtime (one worker per core)"
        } else {
            "an owner task on a background tokio runtime (one worker per core), called from outside it"
        }
    }
}

/// The owner task's side: the mailbox and the cleanup timer.
struct Mailbox<S: StateMachine> {
    rx: mpsc::Receiver<Request<S, Tokio>>,
    cleanup: Option<tokio::time::Interval>,
}

impl<S: StateMachine> Inbox<S, Tokio> for Mailbox<S> {
    async fn next(&mut self) -> Next<Request<S, Tokio>> {
        let cleanup = &mut self.cleanup;
        tokio::select! {
            biased;
            _ = tick(cleanup) => Next::Cleanup,
            request = self.rx.recv() => request.map_or(Next::Closed, Next::Request),
        }
    }

    fn close(&mut self) {
        self.rx.close();
    }

    fn drain(&mut self) -> impl Future<Output = Option<Request<S, Tokio>>> + Send {
        self.rx.recv()
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
