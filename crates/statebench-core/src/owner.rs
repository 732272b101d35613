//! The mailbox protocol shared by the owner strategies: what a handle can ask of the task or
//! thread that owns the state, and how the owner answers. Each owner crate supplies only its
//! channel types (a [`ReplyChannel`]) and its loop; the protocol is written once, here.

use crate::{Clock, StateMachine};

/// A family of one-shot reply senders (tokio `oneshot`, a flume or async-channel of one slot…).
pub trait ReplyChannel: 'static {
    /// The sending half for a reply of type `T`.
    type Sender<T: Send + 'static>: Send + 'static;

    /// Sends `value`. The caller may have given up (timed out, dropped its future); the reply is
    /// then dropped and the owner goes on — a caller that left can never wedge the owner.
    fn reply<T: Send + 'static>(tx: Self::Sender<T>, value: T);
}

/// One request in an owner's mailbox.
pub enum Request<S: StateMachine, C: ReplyChannel> {
    /// Apply `op` and send the reply.
    Call {
        /// The operation.
        op: S::Op,
        /// Where the reply goes.
        reply_tx: C::Sender<S::Reply>,
    },
    /// Run a cleanup pass now and say when done.
    Cleanup {
        /// Told when the pass is done.
        done_tx: C::Sender<()>,
    },
    /// Stop: the owner applies what it has accepted, then sends its final state here.
    Shutdown {
        /// Where the final state goes.
        state_tx: C::Sender<S>,
    },
}

impl<S: StateMachine, C: ReplyChannel> std::fmt::Debug for Request<S, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Request::Call { op, .. } => f.debug_tuple("Call").field(op).finish(),
            Request::Cleanup { .. } => f.write_str("Cleanup"),
            Request::Shutdown { .. } => f.write_str("Shutdown"),
        }
    }
}

impl<S: StateMachine, C: ReplyChannel> Request<S, C> {
    /// Serves this request on `state` at `clock`'s now. A shutdown request is handed back (its
    /// state sender), for the owner's loop to stop accepting, drain and reply with the state.
    pub fn serve(self, state: &mut S, clock: &Clock) -> Option<C::Sender<S>> {
        match self {
            Request::Call { op, reply_tx } => {
                C::reply(reply_tx, state.apply(op, clock.now_for::<S>()))
            }
            Request::Cleanup { done_tx } => {
                state.cleanup(clock.now_for::<S>());
                C::reply(done_tx, ());
            }
            Request::Shutdown { state_tx } => return Some(state_tx),
        }
        None
    }
}

/// Held by an owner's loop for as long as it runs — moved into its task's future or its
/// thread's closure, so it drops exactly when the owner ends — and watched by the handles
/// ([`Mailbox::owner_running`](crate::Mailbox::owner_running)).
#[derive(Debug)]
pub struct Running {
    _token: std::sync::Arc<()>,
}

/// Tells whether the owner holding the matching [`Running`] still runs.
#[derive(Clone, Debug)]
pub struct RunningWatch(std::sync::Weak<()>);

/// A new pair: give the [`Running`] to the owner's loop, keep the watch in the handles.
pub fn running() -> (Running, RunningWatch) {
    let token = std::sync::Arc::new(());
    let watch = RunningWatch(std::sync::Arc::downgrade(&token));
    (Running { _token: token }, watch)
}

impl RunningWatch {
    /// `true` until the owner's loop has ended.
    pub fn is_running(&self) -> bool {
        self.0.strong_count() > 0
    }
}
