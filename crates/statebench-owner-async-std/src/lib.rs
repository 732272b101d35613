//! The owner-task strategy on async-std: one task alone holds the state; callers send requests
//! over a bounded `async_std::channel` mailbox, each carrying a one-slot channel for the reply.
//!
//! **async-std is discontinued upstream** (RUSTSEC-2025-0052; its authors point to `smol`). It
//! is kept here only because the comparison asks how an owner task fares on it next to tokio;
//! do not pick it for new code. Its channels are `async-channel` (version 1, which async-std
//! re-exports), whose blocking `send_blocking`/`recv_blocking` let threads call the owner
//! without a runtime of their own. The handle, the protocol and the loop are
//! `statebench_core::owner`'s; what is here is the channels, the spawn and the timers.

#![deny(missing_docs)]

use async_std::channel::{self, Receiver, Sender, TrySendError};
use futures_lite::StreamExt;
use statebench_core::owner::{self, Inbox, Next, Owner, ReplyChannel, Request, Running, Transport};
use statebench_core::{Error, Settings, StateMachine};

/// A handle to an owner task on async-std serving state machine `S`. Clone it for every caller.
///
/// The owner runs on async-std's global executor. Blocking calls must not be made from inside
/// an async task (they would stall its executor thread); from async code, on any executor, use
/// [`Service::call_async`](statebench_core::Service::call_async).
pub type OwnerAsyncStd<S> = Owner<S, AsyncStd>;

/// async-std's channels and global executor.
#[derive(Debug)]
pub struct AsyncStd;

impl ReplyChannel for AsyncStd {
    type Sender<T: Send + 'static> = Sender<T>;

    fn reply<T: Send + 'static>(tx: Sender<T>, value: T) {
        // One slot, never full: the owner never waits sending a reply.
        let _ = tx.try_send(value);
    }
}

impl Transport for AsyncStd {
    const NAME: &'static str = "owner_async_std";
    const ABOUT: &'static str = "an async-std task owns the state; async-channel mailbox, a one-slot reply channel per call";
    type Mailbox<S: StateMachine> = Sender<Request<S, AsyncStd>>;
    type Receiver<T: Send + 'static> = Receiver<T>;

    fn start<S: StateMachine>(state: S, settings: &Settings, running: Running) -> Self::Mailbox<S> {
        let (tx, rx) = channel::bounded(settings.mailbox.max(1));
        let clock = settings.clock.clone();
        let cleanup = state.cleanup_every().map(async_io::Timer::interval);
        async_std::task::spawn(async move {
            let _running = running;
            owner::serve(state, &clock, &mut Mailbox { rx, cleanup }).await;
        });
        tx
    }

    fn reply_channel<T: Send + 'static>() -> (Sender<T>, Receiver<T>) {
        channel::bounded(1)
    }

    fn send<S: StateMachine>(
        tx: &Self::Mailbox<S>,
        request: Request<S, Self>,
    ) -> Result<(), Error> {
        tx.send_blocking(request).map_err(|_| Error::Stopped)
    }

    async fn send_async<S: StateMachine>(
        tx: &Self::Mailbox<S>,
        request: Request<S, Self>,
    ) -> Result<(), Error> {
        tx.send(request).await.map_err(|_| Error::Stopped)
    }

    fn try_send<S: StateMachine>(
        tx: &Self::Mailbox<S>,
        request: Request<S, Self>,
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
        "an owner task on async-std's global executor (its own threads)"
    }
}

/// The owner task's side: the mailbox and the cleanup timer.
struct Mailbox<S: StateMachine> {
    rx: Receiver<Request<S, AsyncStd>>,
    cleanup: Option<async_io::Timer>,
}

impl<S: StateMachine> Inbox<S, AsyncStd> for Mailbox<S> {
    async fn next(&mut self) -> Next<Request<S, AsyncStd>> {
        let rx = &self.rx;
        let recv = async { rx.recv().await.map_or(Next::Closed, Next::Request) };
        let Some(timer) = &mut self.cleanup else {
            return recv.await;
        };
        // The timer first, so that it wins when both are ready (an interval never ends).
        let tick = async { timer.next().await.map_or(Next::Closed, |_| Next::Cleanup) };
        futures_lite::future::or(tick, recv).await
    }

    fn close(&mut self) {
        self.rx.close();
    }

    async fn drain(&mut self) -> Option<Request<S, AsyncStd>> {
        self.rx.recv().await.ok()
    }

    fn try_take(&mut self) -> Option<Request<S, AsyncStd>> {
        self.rx.try_recv().ok()
    }
}
