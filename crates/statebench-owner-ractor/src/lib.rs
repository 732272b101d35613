//! The owner as an actor of an actor framework: [ractor](https://docs.rs/ractor)'s actor holds
//! the state, and each call is ractor's `call` — a message carrying an `RpcReplyPort`, answered
//! by the actor's `handle`. The same protocol as `owner_tokio` (one task alone holds the
//! state; a request carries its reply channel), written the way a ractor user writes it, so
//! the ratio of the two rows is what the framework costs over a plain owner task.
//!
//! **Why ractor, not kameo.** Of the two frameworks the issue names, ractor has the larger user
//! base by the public counts we know of (GitHub stars and downloads from Rust's package registry,
//! as of 2025; this machine cannot query them) and is the older project (2022); and its newest
//! release builds with this workspace's minimum Rust (1.85), where kameo's newest needs 1.88. Its
//! default features are kept, as a user gets them: the tokio runtime and per-message tracing-span
//! propagation.
//!
//! **How it differs from `owner_tokio`**, all of it ractor's design:
//! * the mailbox is unbounded (ractor has no bounded mailbox), so `Settings::mailbox` is
//!   not used, a caller never waits for room, and there is no `try_call`;
//! * the actor ends when it is told to stop, not when its references go: the handle stops
//!   it when the last clone is dropped, as every owner here ends;
//! * a panic in `handle` is caught by ractor, which stops the actor; the panicking call's
//!   reply port and every queued one are dropped, so their callers get
//!   [`Error::Stopped`];
//! * periodic cleanup is a `Cleanup` message that ractor's `send_interval` task sends; the
//!   task is aborted when the actor stops.
//!
//! **A call that races the actor's end.** ractor (0.16.5) hands each message to a tokio
//! unbounded channel, and when the actor ends it drops that channel's receiver, dropping what
//! is queued (so those callers get `Stopped`). A send that had begun before the receiver closed
//! but lands after it drained is kept by the channel until the last `ActorRef` goes: its reply
//! port stays alive, and a plain `call` waits for ever. The conformance suite met it about once
//! in 300 runs — a call just after a shutdown, or just after a call that panicked the actor.
//! (ractor drains with `try_recv`, which does not wait for a send in progress; tokio's `recv`
//! would.) This handle keeps ractor's `call` and watches it: the first time the sent call
//! waits, it looks (two loads) whether the actor had begun to end — ractor's status past
//! `Running`, or a flag `handle` raises while a panic unwinds, since on that path ractor drops
//! the receiver before it changes the status. Only then does the call also wait for the actor
//! to stop, and a message that was never answered gets `Stopped`. The common call pays the two
//! loads and a flag; no extra poll.
//!
//! **Where it runs, and blocking calls.** As `owner_tokio`: the actor is spawned on the tokio
//! runtime `start` is called from, or outside any runtime on a background runtime this crate
//! starts on first use. Blocking calls (`call`, `cleanup`, `shutdown`) wait on ractor's reply
//! port with a plain `block_on` and must not be made from inside an async context.

#![deny(missing_docs)]

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::Poll;

use futures_lite::future::{or, poll_once};
use ractor::concurrency::JoinHandle;
use ractor::rpc::CallResult;
use ractor::{Actor, ActorProcessingErr, ActorRef, ActorStatus, RpcReplyPort};
use statebench_core::{Clock, Error, Family, Service, Settings, StateMachine};
use tokio::runtime::{Handle, Runtime};

/// A handle to a ractor actor serving state machine `S` (`owner_ractor`). Clone it for every
/// caller; the actor stops when the last clone is dropped.
pub struct OwnerRactor<S: StateMachine> {
    actor: Arc<Running<S>>,
}

/// The actor's reference, stopping the actor when the last handle lets go of it, and the flag
/// its `handle` raises when a panic ends it.
struct Running<S: StateMachine> {
    actor: ActorRef<Msg<S>>,
    panicked: Arc<AtomicBool>,
}

impl<S: StateMachine> Drop for Running<S> {
    fn drop(&mut self) {
        self.actor.stop(None);
    }
}

impl<S: StateMachine> Running<S> {
    /// Whether the actor had begun to end: a message sent before this said `false` is answered
    /// or dropped by the actor (module doc).
    fn ending(&self) -> bool {
        self.panicked.load(Ordering::SeqCst) || self.actor.get_status() > ActorStatus::Running
    }
}

/// Raises the flag if it is dropped while a panic unwinds out of `handle`.
struct RaiseOnPanic<'a>(&'a AtomicBool);

impl Drop for RaiseOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

impl<S: StateMachine> Clone for OwnerRactor<S> {
    fn clone(&self) -> Self {
        OwnerRactor {
            actor: self.actor.clone(),
        }
    }
}

impl<S: StateMachine> fmt::Debug for OwnerRactor<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnerRactor")
            .field("service", &S::SERVICE)
            .finish_non_exhaustive()
    }
}

/// What the actor is sent.
enum Msg<S: StateMachine> {
    /// Apply an operation and reply.
    Call(S::Op, RpcReplyPort<Result<S::Reply, Error>>),
    /// A cleanup pass: from the interval timer (no reply) or from `cleanup` (a reply).
    Cleanup(Option<RpcReplyPort<Result<(), Error>>>),
    /// Hand the state back and stop.
    Shutdown(RpcReplyPort<Result<S, Error>>),
}

/// The actor: the state machine, its clock and its cleanup timer.
struct Owner<S>(std::marker::PhantomData<fn() -> S>);

/// The actor's state: the state machine until shutdown, the cleanup timer's task, and the flag
/// raised when a panic ends the actor.
struct State<S> {
    state: Option<S>,
    clock: Clock,
    timer: Option<JoinHandle<()>>,
    panicked: Arc<AtomicBool>,
}

impl<S: StateMachine> Actor for Owner<S> {
    type Msg = Msg<S>;
    type State = State<S>;
    type Arguments = (S, Clock, Arc<AtomicBool>);

    async fn pre_start(
        &self,
        myself: ActorRef<Msg<S>>,
        (initial, clock, panicked): (S, Clock, Arc<AtomicBool>),
    ) -> Result<State<S>, ActorProcessingErr> {
        let timer = initial
            .cleanup_every()
            .map(|every| myself.send_interval(every, || Msg::Cleanup(None)));
        Ok(State {
            state: Some(initial),
            clock,
            timer,
            panicked,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Msg<S>>,
        msg: Msg<S>,
        actor: &mut State<S>,
    ) -> Result<(), ActorProcessingErr> {
        let _raise = RaiseOnPanic(&actor.panicked);
        let now = actor.clock.now_for::<S>();
        // A reply that cannot be sent went to a caller that gave up: nothing to do.
        match msg {
            Msg::Call(op, reply) => {
                let answer = match actor.state.as_mut() {
                    Some(state) => Ok(state.apply(op, now)),
                    None => Err(Error::Stopped),
                };
                let _ = reply.send(answer);
            }
            Msg::Cleanup(reply) => {
                let done = match actor.state.as_mut() {
                    Some(state) => {
                        state.cleanup(now);
                        Ok(())
                    }
                    None => Err(Error::Stopped),
                };
                if let Some(reply) = reply {
                    let _ = reply.send(done);
                }
            }
            Msg::Shutdown(reply) => {
                let _ = reply.send(actor.state.take().ok_or(Error::Stopped));
                myself.stop(None);
            }
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Msg<S>>,
        actor: &mut State<S>,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(timer) = actor.timer.take() {
            timer.abort();
        }
        Ok(())
    }
}

/// The runtime that hosts actors started outside any tokio runtime.
fn background_runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("statebench-owner-ractor")
            .build()
            .unwrap_or_else(|e| panic!("statebench: cannot start the ractor runtime: {e}"))
    })
}

/// What a call's result says, in this workspace's terms: a reply port dropped unanswered, or a
/// message the actor could not take, means the actor stopped (shut down or panicked).
fn answer<T, M>(called: Result<CallResult<Result<T, Error>>, M>) -> Result<T, Error> {
    match called {
        Ok(CallResult::Success(answer)) => answer,
        Ok(CallResult::SenderError | CallResult::Timeout) | Err(_) => Err(Error::Stopped),
    }
}

impl<S: StateMachine> OwnerRactor<S> {
    /// ractor's `call`, with the watch of the module doc: the first poll sends, and the first
    /// time the call waits, it looks whether the actor had begun to end; only then does it also
    /// wait for the actor to stop, and poll once more for an answer sent in time.
    async fn ask<T: Send + 'static>(
        &self,
        msg: impl FnOnce(RpcReplyPort<Result<T, Error>>) -> Msg<S>,
    ) -> Result<T, Error> {
        let running = &self.actor;
        let mut call = pin!(async { answer(running.actor.call(msg, None).await) });
        let mut looked = false;
        let first = poll_fn(|cx| match call.as_mut().poll(cx) {
            Poll::Ready(answer) => Poll::Ready(Some(answer)),
            Poll::Pending if looked => Poll::Pending,
            Poll::Pending => {
                looked = true;
                if running.ending() {
                    Poll::Ready(None)
                } else {
                    Poll::Pending
                }
            }
        })
        .await;
        if let Some(answer) = first {
            return answer;
        }
        let answered = or(async { Some(call.as_mut().await) }, async {
            running.actor.wait(None).await.ok();
            None
        })
        .await;
        match answered {
            Some(answer) => answer,
            // Every reply the actor sends, it sends before it stops. Unconstrained, so that a
            // task whose tokio budget ran out still sees a reply that is there.
            None => poll_once(tokio::task::unconstrained(call))
                .await
                .unwrap_or(Err(Error::Stopped)),
        }
    }
}

impl<S: StateMachine> Service<S> for OwnerRactor<S> {
    const NAME: &'static str = "owner_ractor";
    const FAMILY: Family = Family::Owner;
    const ABOUT: &'static str =
        "a ractor actor owns the state; each call is ractor's `call` (an `RpcReplyPort` per call)";
    const CROSSES_THREADS: bool = true;
    const RUNS_ON_CALLERS_RUNTIME: bool = true;

    fn start(initial: S, settings: &Settings) -> Self {
        let owner = Owner(std::marker::PhantomData);
        let panicked = Arc::new(AtomicBool::new(false));
        let args = (initial, settings.clock.clone(), panicked.clone());
        // `spawn_instant`: the reference now, `pre_start` on the runtime; messages sent before
        // it finishes wait in the mailbox.
        let spawned = match Handle::try_current() {
            Ok(_) => ractor::ActorRuntime::spawn_instant(None, owner, args),
            Err(_) => {
                let _in_runtime = background_runtime().enter();
                ractor::ActorRuntime::spawn_instant(None, owner, args)
            }
        };
        let (actor, _) = spawned
            .unwrap_or_else(|e| panic!("statebench: ractor refused to spawn the owner: {e}"));
        OwnerRactor {
            actor: Arc::new(Running { actor, panicked }),
        }
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        futures_lite::future::block_on(self.call_async(op))
    }

    async fn call_async(&self, op: S::Op) -> Result<S::Reply, Error> {
        self.ask(|reply| Msg::Call(op, reply)).await
    }

    fn cleanup(&self) -> Result<(), Error> {
        futures_lite::future::block_on(self.ask(|reply| Msg::Cleanup(Some(reply))))
    }

    fn shutdown(&self) -> Result<S, Error> {
        futures_lite::future::block_on(self.ask(Msg::Shutdown))
    }

    fn placement(started_in_tokio: bool) -> &'static str {
        if started_in_tokio {
            "a ractor actor on the callers' tokio runtime (one worker per core)"
        } else {
            "a ractor actor on a background tokio runtime (one worker per core), called from outside it"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statebench_core::KvU64;
    use statebench_core::ext::KvExt;

    #[test]
    fn a_store_answers_from_threads_and_stops_once() {
        let store = OwnerRactor::start(KvU64::new(), &Settings::default());
        assert_eq!(store.set(1, 10), Ok(None));
        assert_eq!(store.get(&1), Ok(Some(10)));
        let last = store.shutdown().expect("the first shutdown");
        assert_eq!(last.entries().count(), 1);
        assert_eq!(store.get(&1), Err(Error::Stopped));
        assert!(store.shutdown().is_err());
    }
    /// A shutdown ends the actor itself, while a handle is still held: an actor left running
    /// would answer `Stopped` correctly and still be a task left behind for good.
    #[test]
    fn shutdown_ends_the_actor_while_handles_remain() {
        let store = OwnerRactor::start(KvU64::new(), &Settings::default());
        let kept = store.clone();
        store.shutdown().expect("the first shutdown");
        assert!(
            statebench_conformance::wait::eventually(|| {
                kept.actor.actor.get_status() == ractor::ActorStatus::Stopped
            }),
            "the actor still runs {:?} after its shutdown",
            statebench_conformance::wait::PATIENCE
        );
    }
}
