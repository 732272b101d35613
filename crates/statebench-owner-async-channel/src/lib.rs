//! The owner-task transport for executors that are not tokio: requests arrive over a bounded
//! `async-channel` mailbox, each carrying a one-slot `async-channel` for the reply; cleanup
//! ticks come from an `async-io` timer. smol is built from these parts and async-std re-exports
//! them, so the two owner crates (`statebench-owner-smol`, `statebench-owner-async-std`) share
//! this transport and differ only in what they implement here: [`Executor`], where the owner
//! task is spawned. Their rows then compare executors, with the same channel on both sides.
//!
//! Blocking calls use `send_blocking`/`recv_blocking` and must not be made from inside an async
//! task (they would stall its executor thread); from async code, on any executor, use
//! [`Service::call_async`](statebench_core::Service::call_async).

#![deny(missing_docs)]

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use async_channel::{Receiver, Sender, TrySendError};
use async_io::Timer;
use futures_lite::{StreamExt, future};
use statebench_core::owner::{self, Next, ReplyChannel, Request, Running, Transport};
use statebench_core::{Error, Settings, StateMachine};

/// Where an owner task runs: the one thing an executor crate adds to [`AsyncChannel`].
pub trait Executor: 'static {
    /// The row's name (`owner_smol`).
    const NAME: &'static str;
    /// What the row is, in one line.
    const ABOUT: &'static str;
    /// Where the owner task runs, as the report says it.
    const PLACEMENT: &'static str;

    /// Spawns the owner task; it runs until its future ends.
    fn spawn(task: impl Future<Output = ()> + Send + 'static);
}

/// async-channel's mailbox and replies, the owner task spawned by executor `E`. A type with no
/// values: it names the channels and the spawn.
pub struct AsyncChannel<E>(PhantomData<fn() -> E>);

impl<E: Executor> fmt::Debug for AsyncChannel<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AsyncChannel<{}>", E::NAME)
    }
}

impl<E: Executor> ReplyChannel for AsyncChannel<E> {
    type Sender<T: Send + 'static> = Sender<T>;

    fn reply<T: Send + 'static>(tx: Sender<T>, value: T) {
        // One slot, never full: the owner never waits sending a reply.
        let _ = tx.try_send(value);
    }
}

impl<E: Executor> Transport for AsyncChannel<E> {
    const NAME: &'static str = E::NAME;
    const ABOUT: &'static str = E::ABOUT;
    type Outbox<S: StateMachine> = Sender<Request<S, Self>>;
    type Receiver<T: Send + 'static> = Receiver<T>;

    fn start<S: StateMachine>(state: S, settings: &Settings, running: Running) -> Self::Outbox<S> {
        let (tx, rx) = async_channel::bounded(settings.mailbox.max(1));
        let clock = settings.clock.clone();
        let cleanup = state.cleanup_every().map(Timer::interval);
        E::spawn(async move {
            let _running = running;
            owner::serve(state, &clock, &mut Inbox { rx, cleanup }).await;
        });
        tx
    }

    fn reply_channel<T: Send + 'static>() -> (Sender<T>, Receiver<T>) {
        async_channel::bounded(1)
    }

    fn send<S: StateMachine>(
        outbox: &Self::Outbox<S>,
        request: Request<S, Self>,
    ) -> Result<(), Error> {
        outbox.send_blocking(request).map_err(|_| Error::Stopped)
    }

    async fn send_async<S: StateMachine>(
        outbox: &Self::Outbox<S>,
        request: Request<S, Self>,
    ) -> Result<(), Error> {
        outbox.send(request).await.map_err(|_| Error::Stopped)
    }

    fn try_send<S: StateMachine>(
        outbox: &Self::Outbox<S>,
        request: Request<S, Self>,
    ) -> Result<(), Error> {
        outbox.try_send(request).map_err(|e| match e {
            TrySendError::Full(_) => Error::Full,
            TrySendError::Closed(_) => Error::Stopped,
        })
    }

    fn recv<S: StateMachine, T: Send + 'static>(
        _: &Self::Outbox<S>,
        rx: Receiver<T>,
    ) -> Result<T, Error> {
        // Closed: the owner stopped (shut down or panicked) before replying.
        rx.recv_blocking().map_err(|_| Error::Stopped)
    }

    async fn recv_async<T: Send + 'static>(rx: Receiver<T>) -> Result<T, Error> {
        rx.recv().await.map_err(|_| Error::Stopped)
    }

    fn queued<S: StateMachine>(outbox: &Self::Outbox<S>) -> usize {
        outbox.len()
    }

    fn placement(_: bool) -> &'static str {
        E::PLACEMENT
    }
}

/// The owner task's side: the receiving half of the mailbox and the cleanup timer.
struct Inbox<S: StateMachine, E: Executor> {
    rx: Receiver<Request<S, AsyncChannel<E>>>,
    cleanup: Option<Timer>,
}

impl<S: StateMachine, E: Executor> owner::Inbox<S, AsyncChannel<E>> for Inbox<S, E> {
    async fn next(&mut self) -> Next<Request<S, AsyncChannel<E>>> {
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

    async fn drain(&mut self) -> Option<Request<S, AsyncChannel<E>>> {
        self.rx.recv().await.ok()
    }

    fn try_take(&mut self) -> Option<Request<S, AsyncChannel<E>>> {
        self.rx.try_recv().ok()
    }
}
