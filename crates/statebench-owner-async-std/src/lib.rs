//! The owner-task strategy on async-std: one task alone holds the state; callers send requests
//! over a bounded `async_std::channel` mailbox, each carrying a one-slot channel for the reply.
//!
//! **async-std is discontinued upstream** (RUSTSEC-2025-0052; its authors point to `smol`). It
//! is kept here only because the comparison asks how an owner task fares on it next to tokio;
//! do not pick it for new code. Its channels are `async-channel`, which also offers blocking
//! `send_blocking`/`recv_blocking`, so threads can call the owner without a runtime of their own.
//! The protocol is the shared `statebench_core::owner::Request`.

#![deny(missing_docs)]

use std::fmt;
use std::future::Future;
use std::time::Duration;

use async_std::channel::{self, Receiver, Sender, TrySendError};
use futures_lite::StreamExt;
use statebench_core::owner::{self, ReplyChannel, Request, Running, RunningWatch};
use statebench_core::{Clock, Error, Mailbox, Service, Settings, StateMachine};

/// Replies travel over async-std channels of one slot (the owner never waits sending one).
struct OneSlot;

impl ReplyChannel for OneSlot {
    type Sender<T: Send + 'static> = Sender<T>;

    fn reply<T: Send + 'static>(tx: Sender<T>, value: T) {
        let _ = tx.try_send(value);
    }
}

type Message<S> = Request<S, OneSlot>;

/// A handle to an owner task on async-std serving state machine `S`. Clone it for every caller.
///
/// The owner runs on async-std's global executor. Blocking calls use async-channel's
/// `send_blocking`/`recv_blocking` and must not be made from inside an async task (they would
/// stall its executor thread); from async code, on any executor, use [`Service::call_async`].
pub struct OwnerAsyncStd<S: StateMachine> {
    mailbox_tx: Sender<Message<S>>,
    running: RunningWatch,
}

impl<S: StateMachine> Clone for OwnerAsyncStd<S> {
    fn clone(&self) -> Self {
        OwnerAsyncStd {
            mailbox_tx: self.mailbox_tx.clone(),
            running: self.running.clone(),
        }
    }
}

impl<S: StateMachine> fmt::Debug for OwnerAsyncStd<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnerAsyncStd")
            .field("service", &S::SERVICE)
            .field("queued", &self.queued())
            .finish()
    }
}

impl<S: StateMachine> OwnerAsyncStd<S> {
    fn request<T>(&self, make: impl FnOnce(Sender<T>) -> Message<S>) -> Result<T, Error> {
        let (reply_tx, reply_rx) = channel::bounded(1);
        self.mailbox_tx
            .send_blocking(make(reply_tx))
            .map_err(|_| Error::Stopped)?;
        // Closed: the owner stopped (shut down or panicked) before replying.
        reply_rx.recv_blocking().map_err(|_| Error::Stopped)
    }

    async fn request_async<T>(
        &self,
        make: impl FnOnce(Sender<T>) -> Message<S>,
    ) -> Result<T, Error> {
        let (reply_tx, reply_rx) = channel::bounded(1);
        self.mailbox_tx
            .send(make(reply_tx))
            .await
            .map_err(|_| Error::Stopped)?;
        reply_rx.recv().await.map_err(|_| Error::Stopped)
    }
}

impl<S: StateMachine> Service<S> for OwnerAsyncStd<S> {
    fn placement(_: bool) -> &'static str {
        "an owner task on async-std's global executor (its own threads)"
    }

    const NAME: &'static str = "owner_async_std";

    fn start(initial: S, settings: &Settings) -> Self {
        let (mailbox_tx, mailbox_rx) = channel::bounded(settings.mailbox.max(1));
        let (token, running) = owner::running();
        async_std::task::spawn(run(initial, mailbox_rx, settings.clock.clone(), token));
        OwnerAsyncStd {
            mailbox_tx,
            running,
        }
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

impl<S: StateMachine> Mailbox<S> for OwnerAsyncStd<S> {
    fn try_call(&self, op: S::Op) -> Result<S::Reply, Error> {
        let (reply_tx, reply_rx) = channel::bounded(1);
        self.mailbox_tx
            .try_send(Message::Call { op, reply_tx })
            .map_err(|e| match e {
                TrySendError::Full(_) => Error::Full,
                TrySendError::Closed(_) => Error::Stopped,
            })?;
        reply_rx.recv_blocking().map_err(|_| Error::Stopped)
    }

    fn call_timeout(&self, op: S::Op, timeout: Duration) -> Result<S::Reply, Error> {
        // Dropping the timed-out future drops its reply receiver; the owner's reply then fails
        // quietly and the owner goes on serving.
        let call = async_std::future::timeout(timeout, self.call_async(op));
        async_std::task::block_on(call).unwrap_or(Err(Error::Timeout))
    }

    fn queued(&self) -> usize {
        self.mailbox_tx.len()
    }

    fn owner_running(&self) -> bool {
        self.running.is_running()
    }
}

/// The owner's loop: applies requests one at a time until shut down or until every handle is
/// dropped, and runs the state's periodic cleanup in between.
async fn run<S: StateMachine>(
    mut state: S,
    mailbox_rx: Receiver<Message<S>>,
    clock: Clock,
    _running: Running,
) {
    let _drain = DrainOnExit(mailbox_rx.clone());
    let mut cleanup = state.cleanup_every().map(async_io::Timer::interval);
    loop {
        let next = async { Next::Request(mailbox_rx.recv().await.ok()) };
        let message = match &mut cleanup {
            None => next.await,
            // Cleanup first: under a saturating load the mailbox is never empty, and polling it
            // first would starve the cleanup for as long as the load lasts.
            Some(timer) => {
                let tick = async {
                    // An interval timer is an endless stream: `next` always yields.
                    timer.next().await;
                    Next::Cleanup
                };
                futures_lite::future::or(tick, next).await
            }
        };
        let message = match message {
            Next::Cleanup => {
                state.cleanup(clock.now());
                continue;
            }
            Next::Request(Some(message)) => message,
            // Every handle is gone: nobody can ask for anything again.
            Next::Request(None) => return,
        };
        if let Some(state_tx) = message.serve(&mut state, &clock) {
            // Stop accepting, then apply what was accepted before the close.
            mailbox_rx.close();
            while let Ok(message) = mailbox_rx.recv().await {
                // A second shutdown request gets Stopped: its sender is dropped here.
                let _ = message.serve(&mut state, &clock);
            }
            OneSlot::reply(state_tx, state);
            return;
        }
    }
}

enum Next<M> {
    Cleanup,
    Request(Option<M>),
}

/// Closes and empties the mailbox when the owner's loop ends, however it ends (a panic
/// included). Dropping an async-channel receiver leaves queued messages in the channel for as
/// long as a sender lives, and with them their reply senders: queued callers would wait forever
/// (the fault tests caught this). Dropping the messages here gives each caller `Stopped`.
struct DrainOnExit<M>(Receiver<M>);

impl<M> Drop for DrainOnExit<M> {
    fn drop(&mut self) {
        self.0.close();
        while self.0.try_recv().is_ok() {}
    }
}
