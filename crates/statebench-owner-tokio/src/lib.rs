//! The owner-task strategy on tokio: one task alone holds the state; callers send it requests
//! over a bounded `tokio::sync::mpsc` mailbox, each carrying a `oneshot` sender for the reply.
//!
//! This is Go's "stateful goroutine" (and mini-redis's buffered client, and Alice Ryhl's
//! "actors with tokio") for every [`StateMachine`]. The handle, the protocol and the loop are
//! `statebench_core::owner`'s; this crate supplies tokio's channels ([`Tokio`]) and says where
//! the task runs. The owner ends when its state is shut down or when every handle is dropped;
//! if it panics, callers get [`Error::Stopped`] instead of hanging, because the panicking loop
//! closes its mailbox and drains it — waiting for a send already under way — dropping every
//! pending reply sender before it unwinds.
//!
//! [`OwnerTokioBatch`] is the same owner taking, with each request it waits for, every request
//! already queued behind it ([`owner::serve_batched`]). [`HandwrittenOwnerKv`] is the reference
//! the generic owner is measured against: the same owner task written by hand for the
//! key-value store.

#![deny(missing_docs)]

mod handwritten;

pub use handwritten::HandwrittenOwnerKv;

use std::future::Future;
use std::marker::PhantomData;
use std::sync::OnceLock;
use std::task::Poll;

use statebench_core::owner::{self, Next, Owner, ReplyChannel, Request, Running, Transport};
use statebench_core::sharded::{ShardNames, Sharded};
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
pub type OwnerTokio<S> = Owner<S, Tokio>;

/// [`OwnerTokio`] whose task, with each request it waits for, takes up to [`BATCH`] requests
/// already queued and applies them in one pass ([`owner::serve_batched`]): the same channels,
/// handle and calls, a different loop.
pub type OwnerTokioBatch<S> = Owner<S, Tokio<Batched>>;

/// One tokio owner task per shard ([`Settings::shards`], one per core by default), each owning
/// the keys that hash to it ([`statebench_core::sharded`]): for the services whose operations
/// name keys. Its shards are `owner_tokio`s of a type of their own ([`Shard`]), so that no
/// row's code is shared with another's.
pub type ShardedTokio<S> = Sharded<S, Tokio<Shard>>;

impl ShardNames for Tokio<Shard> {
    const SHARDED_NAME: &'static str = "sharded_tokio";
    const SHARDED_ABOUT: &'static str =
        "one owner_tokio per core, each owning the keys that hash to it";
}

/// The most requests the batching owner applies between two waits. Its cleanup is checked
/// between batches, so at most this many operations can delay a due cleanup; at a few hundred
/// nanoseconds each that is tens of microseconds, against cleanup intervals of milliseconds.
pub const BATCH: usize = 256;

/// tokio's channels: a bounded `mpsc` mailbox, `oneshot` replies; the form `F` ([`Plain`],
/// [`Batched`], [`Shard`]) names the row and picks the owner's loop. A type with no values.
///
/// [`Shard`] serves as [`Plain`] does and differs only in being a type of its own: the shards
/// of [`ShardedTokio`] are owners of their own type, so that the plain owner's mailbox, its
/// send and its loop are compiled for the plain owner alone. Where two rows share such an
/// instance the compiler calls it as a function rather than inlining it into each, and a
/// generic row would pay for that where a hand-written one, whose types no other row uses,
/// does not (docs/ARCHITECTURE.md, "The owner forms: what each part bought").
pub struct Tokio<F: Form = Plain>(PhantomData<fn() -> F>);

impl<F: Form> std::fmt::Debug for Tokio<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokio<{}>", F::NAME)
    }
}

/// Which owner a [`Tokio`] transport serves: its row and its loop.
pub trait Form: Send + Sync + 'static {
    /// The row's name.
    const NAME: &'static str;
    /// What the row is, in one line.
    const ABOUT: &'static str;
    /// The loop the owner task runs.
    const LOOP: Loop;
}

/// The owner task's loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loop {
    /// One request per wait ([`owner::serve`]).
    OneAtATime,
    /// With each request waited for, up to [`BATCH`] already queued ([`owner::serve_batched`]).
    Batched,
}

/// `owner_tokio`: one request per wait.
#[derive(Debug)]
pub struct Plain;

impl Form for Plain {
    const NAME: &'static str = "owner_tokio";
    const ABOUT: &'static str =
        "a tokio task owns the state; `mpsc` mailbox, a `oneshot` reply per call";
    const LOOP: Loop = Loop::OneAtATime;
}

/// `owner_tokio_batch`: everything queued, up to [`BATCH`], between two waits.
#[derive(Debug)]
pub struct Batched;

impl Form for Batched {
    const NAME: &'static str = "owner_tokio_batch";
    const ABOUT: &'static str =
        "owner_tokio whose task applies everything queued (up to 256) between two waits";
    const LOOP: Loop = Loop::Batched;
}

/// A shard of `sharded_tokio`: [`Plain`]'s loop in a type of its own.
#[derive(Debug)]
pub struct Shard;

impl Form for Shard {
    const NAME: &'static str = "owner_tokio";
    const ABOUT: &'static str = Plain::ABOUT;
    const LOOP: Loop = Loop::OneAtATime;
}

impl<F: Form> ReplyChannel for Tokio<F> {
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

fn start_on<S: StateMachine, F: Form>(
    initial: S,
    settings: &Settings,
    running: Running,
    runtime: &Handle,
) -> Outbox<S, F> {
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
        let inbox = &mut Inbox { rx, cleanup };
        match F::LOOP {
            Loop::Batched => owner::serve_batched(initial, &clock, inbox, BATCH).await,
            Loop::OneAtATime => owner::serve(initial, &clock, inbox).await,
        }
    });
    tx
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

impl<F: Form> Transport for Tokio<F> {
    const NAME: &'static str = F::NAME;
    const ABOUT: &'static str = F::ABOUT;
    const RUNS_ON_CALLERS_RUNTIME: bool = true;
    type Outbox<S: StateMachine> = Outbox<S, F>;
    type Receiver<T: Send + 'static> = oneshot::Receiver<T>;

    fn start<S: StateMachine>(initial: S, settings: &Settings, running: Running) -> Outbox<S, F> {
        let runtime =
            Handle::try_current().unwrap_or_else(|_| background_runtime().handle().clone());
        start_on(initial, settings, running, &runtime)
    }

    fn reply_channel<T: Send + 'static>() -> (oneshot::Sender<T>, oneshot::Receiver<T>) {
        oneshot::channel()
    }

    fn send<S: StateMachine>(
        outbox: &Outbox<S, F>,
        request: Request<S, Self>,
    ) -> Result<(), Error> {
        outbox.blocking_send(request).map_err(|_| Error::Stopped)
    }

    async fn send_async<S: StateMachine>(
        outbox: &Outbox<S, F>,
        request: Request<S, Self>,
    ) -> Result<(), Error> {
        outbox.send(request).await.map_err(|_| Error::Stopped)
    }

    fn try_send<S: StateMachine>(
        outbox: &Outbox<S, F>,
        request: Request<S, Self>,
    ) -> Result<(), Error> {
        outbox.try_send(request).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => Error::Full,
            mpsc::error::TrySendError::Closed(_) => Error::Stopped,
        })
    }

    fn recv<S: StateMachine, T: Send + 'static>(
        _: &Outbox<S, F>,
        reply_rx: oneshot::Receiver<T>,
    ) -> Result<T, Error> {
        // A dropped reply sender means the owner stopped (shut down or panicked) first.
        reply_rx.blocking_recv().map_err(|_| Error::Stopped)
    }

    async fn recv_async<T: Send + 'static>(reply_rx: oneshot::Receiver<T>) -> Result<T, Error> {
        reply_rx.await.map_err(|_| Error::Stopped)
    }

    // The hand-written owner's shape — the reply's future awaited in this one — except that
    // the request is queued with `try_send` while the mailbox has room, and only a full
    // mailbox waits in tokio's `send` future. With that future the generic owner fell short
    // of the hand-written one from one task: the compiler inlines it where one row uses the
    // type and calls it where several do. `try_send` is a plain function, and cheaper in
    // itself too: it skips the cooperative budget's charge that `send`'s permit takes (the
    // reply's await still takes one, so a caller still yields in time). How much of the gain
    // is which was not separated. tokio hands released permits to queued senders first, so a
    // `try_send` never overtakes one waiting (docs/ARCHITECTURE.md, "The owner forms: what
    // each part bought").
    async fn call_async<S: StateMachine>(
        outbox: &Outbox<S, F>,
        op: S::Op,
    ) -> Result<S::Reply, Error> {
        let (reply_tx, reply_rx) = oneshot::channel();
        match outbox.try_send(Request::Call { op, reply_tx }) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(request)) => {
                outbox.send(request).await.map_err(|_| Error::Stopped)?
            }
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(Error::Stopped),
        }
        reply_rx.await.map_err(|_| Error::Stopped)
    }

    fn queued<S: StateMachine>(outbox: &Outbox<S, F>) -> usize {
        outbox.max_capacity() - outbox.capacity()
    }

    fn placement(started_in_tokio: bool) -> &'static str {
        if started_in_tokio {
            "an owner task on the callers' tokio runtime (one worker per core)"
        } else {
            "an owner task on a background tokio runtime (one worker per core), called from outside it"
        }
    }
}

/// The handles' side of the mailbox.
pub type Outbox<S, F = Plain> = mpsc::Sender<Request<S, Tokio<F>>>;

/// The owner task's side: the receiving half of the mailbox and the cleanup timer.
struct Inbox<S: StateMachine, F: Form> {
    rx: mpsc::Receiver<Request<S, Tokio<F>>>,
    cleanup: Option<tokio::time::Interval>,
}

impl<S: StateMachine, F: Form> owner::Inbox<S, Tokio<F>> for Inbox<S, F> {
    // Polled by hand rather than through `recv()` and `select!`: each of those is a future
    // of its own around the same two polls, and a `select!` costs instructions on every call
    // even when its other branch is never ready (the instruction tier shows it). The timer
    // is polled first, so cleanup wins when both are ready.
    fn next(&mut self) -> impl Future<Output = Next<Request<S, Tokio<F>>>> + Send {
        std::future::poll_fn(|cx| {
            if let Some(cleanup) = &mut self.cleanup
                && cleanup.poll_tick(cx).is_ready()
            {
                return Poll::Ready(Next::Cleanup);
            }
            self.rx
                .poll_recv(cx)
                .map(|request| request.map_or(Next::Closed, Next::Request))
        })
    }

    fn close(&mut self) {
        self.rx.close();
    }

    fn drain(&mut self) -> impl Future<Output = Option<Request<S, Tokio<F>>>> + Send {
        self.rx.recv()
    }

    fn try_take(&mut self) -> Option<Request<S, Tokio<F>>> {
        self.rx.try_recv().ok()
    }
}
