//! The owner-task strategy on smol: one task alone holds the state, on an `async-executor` (the
//! executor `smol` re-exports) run by one thread per core, as tokio's runtime is; callers send
//! requests over a bounded `async-channel` mailbox, each carrying a one-slot channel for the
//! reply. smol is async-std's successor, built from the same parts; this crate uses those parts
//! directly rather than the `smol` facade, which would add file, network and process crates.
//!
//! The handle, the protocol and the loop are `statebench_core::owner`'s; what is here is the
//! channels, the executor and the timers. Blocking calls use `send_blocking`/`recv_blocking`
//! and must not be made from inside an async task; from async code, on any executor, use
//! [`Service::call_async`](statebench_core::Service::call_async).

#![deny(missing_docs)]

use std::sync::{Once, OnceLock};

use async_channel::{Receiver, Sender, TrySendError};
use async_executor::Executor;
use async_io::Timer;
use futures_lite::{StreamExt, future};
use statebench_core::owner::{self, Inbox, Next, Owner, ReplyChannel, Request, Running, Transport};
use statebench_core::{Error, Settings, StateMachine};

/// A handle to an owner task on smol's executor serving state machine `S`.
pub type OwnerSmol<S> = Owner<S, Smol>;

/// async-channel mailbox and replies, owner tasks on [`executor`].
#[derive(Debug)]
pub struct Smol;

/// The executor owner tasks run on: started on first use, with one thread per core.
pub fn executor() -> &'static Executor<'static> {
    static EXECUTOR: OnceLock<Executor<'static>> = OnceLock::new();
    static THREADS: Once = Once::new();
    let executor = EXECUTOR.get_or_init(Executor::new);
    THREADS.call_once(|| {
        for i in 0..std::thread::available_parallelism().map_or(1, |n| n.get()) {
            std::thread::Builder::new()
                .name(format!("statebench-owner-smol-{i}"))
                .spawn(|| async_io::block_on(executor.run(future::pending::<()>())))
                .unwrap_or_else(|e| panic!("statebench: the OS refused a smol thread: {e}"));
        }
    });
    executor
}

impl ReplyChannel for Smol {
    type Sender<T: Send + 'static> = Sender<T>;

    fn reply<T: Send + 'static>(tx: Sender<T>, value: T) {
        let _ = tx.try_send(value);
    }
}

impl Transport for Smol {
    const NAME: &'static str = "owner_smol";
    const ABOUT: &'static str = "a task on a smol executor owns the state; async-channel mailbox, a one-slot reply channel per call";
    type Mailbox<S: StateMachine> = Sender<Request<S, Smol>>;
    type Receiver<T: Send + 'static> = Receiver<T>;

    fn start<S: StateMachine>(state: S, settings: &Settings, running: Running) -> Self::Mailbox<S> {
        let (tx, rx) = async_channel::bounded(settings.mailbox.max(1));
        let clock = settings.clock.clone();
        let cleanup = state.cleanup_every().map(Timer::interval);
        executor()
            .spawn(async move {
                let _running = running;
                owner::serve(state, &clock, &mut Mailbox { rx, cleanup }).await;
            })
            .detach();
        tx
    }

    fn reply_channel<T: Send + 'static>() -> (Sender<T>, Receiver<T>) {
        async_channel::bounded(1)
    }

    fn send<S: StateMachine>(
        tx: &Self::Mailbox<S>,
        request: Request<S, Smol>,
    ) -> Result<(), Error> {
        tx.send_blocking(request).map_err(|_| Error::Stopped)
    }

    async fn send_async<S: StateMachine>(
        tx: &Self::Mailbox<S>,
        request: Request<S, Smol>,
    ) -> Result<(), Error> {
        tx.send(request).await.map_err(|_| Error::Stopped)
    }

    fn try_send<S: StateMachine>(
        tx: &Self::Mailbox<S>,
        request: Request<S, Smol>,
    ) -> Result<(), Error> {
        tx.try_send(request).map_err(|e| match e {
            TrySendError::Full(_) => Error::Full,
            TrySendError::Closed(_) => Error::Stopped,
        })
    }

    fn recv<S: StateMachine, T: Send + 'static>(
        _: &Self::Mailbox<S>,
        rx: Receiver<T>,
    ) -> Result<T, Error> {
        // Closed: the owner stopped (shut down or panicked) before replying.
        rx.recv_blocking().map_err(|_| Error::Stopped)
    }

    async fn recv_async<T: Send + 'static>(rx: Receiver<T>) -> Result<T, Error> {
        rx.recv().await.map_err(|_| Error::Stopped)
    }

    fn queued<S: StateMachine>(tx: &Self::Mailbox<S>) -> usize {
        tx.len()
    }

    fn placement(_: bool) -> &'static str {
        "an owner task on a smol executor of its own (one thread per core)"
    }
}

/// The owner task's side: the mailbox and the cleanup timer.
struct Mailbox<S: StateMachine> {
    rx: Receiver<Request<S, Smol>>,
    cleanup: Option<Timer>,
}

impl<S: StateMachine> Inbox<S, Smol> for Mailbox<S> {
    async fn next(&mut self) -> Next<Request<S, Smol>> {
        let rx = &self.rx;
        let recv = async { rx.recv().await.map_or(Next::Closed, Next::Request) };
        let Some(timer) = &mut self.cleanup else {
            return recv.await;
        };
        // The timer first, so that it wins when both are ready (an interval never ends).
        let tick = async { timer.next().await.map_or(Next::Closed, |_| Next::Cleanup) };
        future::or(tick, recv).await
    }

    fn close(&mut self) {
        self.rx.close();
    }

    async fn drain(&mut self) -> Option<Request<S, Smol>> {
        self.rx.recv().await.ok()
    }

    fn try_take(&mut self) -> Option<Request<S, Smol>> {
        self.rx.try_recv().ok()
    }
}
