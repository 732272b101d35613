//! The owner strategies, written once: the mailbox protocol ([`Request`]), the handle
//! ([`Owner`], with its `Service` and `OwnerService` impls) and an async owner's loop ([`serve`]).
//! An owner crate supplies only its channels and where its loop runs (a [`Transport`], and an
//! [`Inbox`] for an async loop): owner-tokio, owner-async-std, owner-smol and owner-thread
//! are each that and their documentation.

use std::future::Future;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use crate::{Clock, Error, Family, OwnerService, Service, Settings, StateMachine};

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
                #[cfg(feature = "calibrate")]
                crate::calibrate::delay(crate::calibrate::Site::Owners);
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
/// ([`OwnerService::owner_running`]).
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

/// What an owner crate supplies: its channels and its loop. The handle [`Owner`] — its
/// `Clone`, `Debug`, [`Service`] and [`OwnerService`] impls, every request's round trip — is
/// written once over it, as `Locked<S, L>` is written once over its locks.
///
/// A transport is a type with no values (`struct Tokio;`): it names a family of channels
/// ([`ReplyChannel`] for the replies, [`Transport::Outbox`] for the handle's side of the
/// mailbox) and starts the owner's loop.
pub trait Transport: ReplyChannel + Sized {
    /// The strategy's stable snake_case name ([`Service::NAME`]).
    const NAME: &'static str;

    /// What the owner is, in one line ([`Service::ABOUT`]).
    const ABOUT: &'static str;

    /// [`Service::RUNS_ON_CALLERS_RUNTIME`]: the owner's task joins the tokio runtime it is
    /// started from.
    const RUNS_ON_CALLERS_RUNTIME: bool = false;

    /// What a handle holds to reach the owner: the mailbox's sending half and whatever a send
    /// needs besides (a runtime to block on, an admission gate).
    type Outbox<S: StateMachine>: Clone + Send + Sync + 'static;

    /// The receiving half of a reply channel.
    type Receiver<T: Send + 'static>: Send + 'static;

    /// Starts the owner of `initial` (its task or thread), which holds `running` for as long
    /// as its loop runs, and returns the handles' side of its mailbox.
    fn start<S: StateMachine>(initial: S, settings: &Settings, running: Running)
    -> Self::Outbox<S>;

    /// A fresh one-shot reply channel.
    fn reply_channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>);

    /// Queues `request`, blocking while the mailbox is full; [`Error::Stopped`] once the owner
    /// accepts nothing more.
    fn send<S: StateMachine>(
        outbox: &Self::Outbox<S>,
        request: Request<S, Self>,
    ) -> Result<(), Error>;

    /// Queues `request` from async code, waiting while the mailbox is full.
    fn send_async<S: StateMachine>(
        outbox: &Self::Outbox<S>,
        request: Request<S, Self>,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Queues `request` only if there is room now: [`Error::Full`] otherwise.
    fn try_send<S: StateMachine>(
        outbox: &Self::Outbox<S>,
        request: Request<S, Self>,
    ) -> Result<(), Error>;

    /// Waits, blocking, for the reply to a request sent to `outbox`; [`Error::Stopped`] if
    /// the owner dropped its sender (it stopped or panicked before replying).
    fn recv<S: StateMachine, T: Send + 'static>(
        outbox: &Self::Outbox<S>,
        reply_rx: Self::Receiver<T>,
    ) -> Result<T, Error>;

    /// Waits for the reply from async code.
    fn recv_async<T: Send + 'static>(
        reply_rx: Self::Receiver<T>,
    ) -> impl Future<Output = Result<T, Error>> + Send;

    /// One call from async code: a fresh reply channel, the request queued, the reply awaited
    /// — [`Owner`]'s `call_async`. Written once here; a transport overrides it only to await
    /// its channel's own futures directly, without the [`send_async`](Transport::send_async)
    /// and [`recv_async`](Transport::recv_async) futures around them (tokio does: each layer
    /// of future moves the request once more and is polled once more per call).
    fn call_async<S: StateMachine>(
        outbox: &Self::Outbox<S>,
        op: S::Op,
    ) -> impl Future<Output = Result<S::Reply, Error>> + Send {
        async move {
            let (reply_tx, reply_rx) = Self::reply_channel();
            Self::send_async(outbox, Request::Call { op, reply_tx }).await?;
            Self::recv_async(reply_rx).await
        }
    }

    /// How many requests wait in the mailbox.
    fn queued<S: StateMachine>(outbox: &Self::Outbox<S>) -> usize;

    /// Where the owner runs, in words for labels ([`Service::placement`]).
    fn placement(started_in_tokio: bool) -> &'static str;
}

/// A handle to an owner serving state machine `S` over transport `T`: clone it for every
/// caller. Every call sends a [`Request`] carrying a fresh reply sender and waits for the
/// reply; the owner crate's documentation says where its owner runs and which call forms
/// must not be used where (a blocking call inside an async runtime, say).
pub struct Owner<S: StateMachine, T: Transport> {
    outbox: T::Outbox<S>,
    running: RunningWatch,
}

impl<S: StateMachine, T: Transport> Owner<S, T> {
    /// A handle from its parts, for a transport that starts its owner another way than
    /// [`Transport::start`] (on a runtime the caller names, say).
    pub fn from_parts(outbox: T::Outbox<S>, running: RunningWatch) -> Self {
        Owner { outbox, running }
    }

    /// Sends the request `make` builds around a fresh reply sender, and waits for the reply.
    fn request<R: Send + 'static>(
        &self,
        make: impl FnOnce(T::Sender<R>) -> Request<S, T>,
    ) -> Result<R, Error> {
        let (reply_tx, reply_rx) = T::reply_channel();
        T::send(&self.outbox, make(reply_tx))?;
        T::recv(&self.outbox, reply_rx)
    }
}

impl<S: StateMachine, T: Transport> Clone for Owner<S, T> {
    fn clone(&self) -> Self {
        Owner {
            outbox: self.outbox.clone(),
            running: self.running.clone(),
        }
    }
}

impl<S: StateMachine, T: Transport> std::fmt::Debug for Owner<S, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Owner")
            .field("strategy", &T::NAME)
            .field("service", &S::SERVICE)
            .field("queued", &T::queued(&self.outbox))
            .finish()
    }
}

impl<S: StateMachine, T: Transport> Service<S> for Owner<S, T> {
    const NAME: &'static str = T::NAME;
    const FAMILY: Family = Family::Owner;
    const ABOUT: &'static str = T::ABOUT;
    const CROSSES_THREADS: bool = true;
    const RUNS_ON_CALLERS_RUNTIME: bool = T::RUNS_ON_CALLERS_RUNTIME;

    fn start(initial: S, settings: &Settings) -> Self {
        let (token, running) = running();
        Owner {
            outbox: T::start(initial, settings, token),
            running,
        }
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        self.request(|reply_tx| Request::Call { op, reply_tx })
    }

    // Not an `async fn`: the transport's future is the call's, with no layer around it.
    fn call_async(&self, op: S::Op) -> impl Future<Output = Result<S::Reply, Error>> + Send {
        T::call_async(&self.outbox, op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.request(|done_tx| Request::Cleanup { done_tx })
    }

    fn shutdown(&self) -> Result<S, Error> {
        self.request(|state_tx| Request::Shutdown { state_tx })
    }

    fn placement(started_in_tokio: bool) -> &'static str {
        T::placement(started_in_tokio)
    }
}

impl<S: StateMachine, T: Transport> OwnerService<S> for Owner<S, T> {
    fn try_call(&self, op: S::Op) -> Result<S::Reply, Error> {
        let (reply_tx, reply_rx) = T::reply_channel();
        T::try_send(&self.outbox, Request::Call { op, reply_tx })?;
        T::recv(&self.outbox, reply_rx)
    }

    fn call_timeout(&self, op: S::Op, timeout: Duration) -> Result<S::Reply, Error> {
        // One deadline for queueing and waiting together; giving up drops the call's future,
        // and with it the reply receiver: the owner's reply then fails quietly.
        block_on_until(self.call_async(op), Instant::now() + timeout).unwrap_or(Err(Error::Timeout))
    }

    fn queued(&self) -> usize {
        T::queued(&self.outbox)
    }

    fn owner_running(&self) -> bool {
        self.running.is_running()
    }
}

/// Runs `future` on the calling thread until it finishes, or until `deadline` passes (`None`;
/// the future is dropped). The timed calls of every owner use it on the transport's async
/// operations, which need no runtime of their own, so no transport writes a timer for them.
pub fn block_on_until<F: Future>(future: F, deadline: Instant) -> Option<F::Output> {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return Some(out);
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        if left.is_zero() {
            return None;
        }
        std::thread::park_timeout(left);
    }
}

/// What an async owner's loop waits for next.
#[derive(Debug)]
pub enum Next<M> {
    /// A request arrived.
    Request(M),
    /// The periodic cleanup is due.
    Cleanup,
    /// Every handle is gone: nobody can ask for anything again.
    Closed,
}

/// An async owner's side of its mailbox, for [`serve`]: the owner crate's channel and timer.
pub trait Inbox<S: StateMachine, C: ReplyChannel> {
    /// The next request, or a cleanup tick when one is due. Cleanup must win when both are
    /// ready: under a saturating load the mailbox is never empty, and taking requests first
    /// would starve the cleanup for as long as the load lasts.
    fn next(&mut self) -> impl Future<Output = Next<Request<S, C>>> + Send;

    /// Stops accepting requests; those already accepted stay queued.
    fn close(&mut self);

    /// The next request accepted before [`close`](Inbox::close), or `None` when none is left.
    fn drain(&mut self) -> impl Future<Output = Option<Request<S, C>>> + Send;

    /// A request still queued, without waiting: what [`serve_batched`] takes behind the one it
    /// waited for, and what a loop dropped unfinished (its runtime shutting down) drops after
    /// closing the mailbox; a shutdown and a panic drain with [`drain`](Inbox::drain).
    fn try_take(&mut self) -> Option<Request<S, C>>;
}

/// Closes and empties the inbox when dropped. Some channels (async-channel, flume) keep
/// queued requests — and their reply senders — for as long as any sender lives, so after the
/// owner's death their callers would wait forever; dropping the requests here gives each one
/// [`Error::Stopped`]. After `close` no new send succeeds; but with tokio's channel a send that
/// took its permit before `close` can land after this emptied it, and stays queued while a
/// sender lives. So neither a shutdown nor a panic ends here: the shutdown drains with
/// [`Inbox::drain`], which waits for such a send, and so does a panic ([`unwound`]). This
/// `Drop` is left for a loop that is dropped unfinished — its runtime shutting down — where
/// nothing can wait (docs/ARCHITECTURE.md, "The actor framework").
struct Emptied<'a, S: StateMachine, C: ReplyChannel, I: Inbox<S, C>>(
    &'a mut I,
    PhantomData<fn() -> (S, C)>,
);

impl<S: StateMachine, C: ReplyChannel, I: Inbox<S, C>> Drop for Emptied<'_, S, C, I> {
    fn drop(&mut self) {
        self.0.close();
        while self.0.try_take().is_some() {}
    }
}

/// An async owner's loop, written once: applies requests one at a time and runs the periodic
/// cleanup in between, until every handle is gone or a shutdown arrives — then stops
/// accepting, applies what was accepted before (a second shutdown among it gets
/// [`Error::Stopped`]: its sender is dropped) and sends the final state.
pub async fn serve<S: StateMachine, C: ReplyChannel>(
    state: S,
    clock: &Clock,
    inbox: &mut impl Inbox<S, C>,
) {
    let emptied = Emptied(inbox, PhantomData);
    let inbox = &mut *emptied.0;
    let outcome = Unwinding(Box::pin(serve_loop(state, clock, &mut *inbox))).await;
    unwound(inbox, outcome).await;
}

async fn serve_loop<S: StateMachine, C: ReplyChannel>(
    mut state: S,
    clock: &Clock,
    inbox: &mut impl Inbox<S, C>,
) {
    loop {
        let request = match inbox.next().await {
            Next::Request(request) => request,
            Next::Cleanup => {
                state.cleanup(clock.now_for::<S>());
                continue;
            }
            Next::Closed => return,
        };
        if let Some(state_tx) = request.serve(&mut state, clock) {
            return stop(state, clock, inbox, state_tx).await;
        }
    }
}

/// Like [`serve`], but with each request it waits for, it also takes the requests already
/// queued behind it — up to `limit` in all — and applies them in the same pass, without
/// waiting again: one wait, one cleanup check and one poll of the mailbox per batch instead of
/// per request. Taking what is queued never yields to the runtime, so a busy owner is not sent
/// to the back of the run queue among its callers between requests. The periodic cleanup is
/// checked between batches, so `limit` bounds how late it can be.
pub async fn serve_batched<S: StateMachine, C: ReplyChannel>(
    state: S,
    clock: &Clock,
    inbox: &mut impl Inbox<S, C>,
    limit: usize,
) {
    let emptied = Emptied(inbox, PhantomData);
    let inbox = &mut *emptied.0;
    let outcome = Unwinding(Box::pin(serve_batched_loop(
        state,
        clock,
        &mut *inbox,
        limit,
    )))
    .await;
    unwound(inbox, outcome).await;
}

async fn serve_batched_loop<S: StateMachine, C: ReplyChannel>(
    mut state: S,
    clock: &Clock,
    inbox: &mut impl Inbox<S, C>,
    limit: usize,
) {
    loop {
        let mut request = match inbox.next().await {
            Next::Request(request) => Some(request),
            Next::Cleanup => {
                state.cleanup(clock.now_for::<S>());
                continue;
            }
            Next::Closed => return,
        };
        let mut taken = 1;
        while let Some(this) = request.take() {
            if let Some(state_tx) = this.serve(&mut state, clock) {
                return stop(state, clock, inbox, state_tx).await;
            }
            if taken < limit {
                request = inbox.try_take();
                taken += 1;
            }
        }
    }
}

/// A future that catches a panic of the one it polls, as `std::panic::catch_unwind` does for a
/// closure: the owner's loop is polled inside it, so that a panicking state machine ends the
/// loop's future (dropping the state, as an owner's death should) and hands the panic to
/// [`unwound`]. Boxed, so it needs no pin projection.
struct Unwinding<F>(std::pin::Pin<Box<F>>);

impl<F: Future> Future for Unwinding<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(out)) => std::task::Poll::Ready(Ok(out)),
            Err(panic) => std::task::Poll::Ready(Err(panic)),
        }
    }
}

/// After the owner's loop: if it panicked, stops accepting and drops every request accepted
/// before — waiting, as a shutdown does, for a send that took its place before the close and
/// has not landed — so each caller gets [`Error::Stopped`], then goes on unwinding.
async fn unwound<S: StateMachine, C: ReplyChannel>(
    inbox: &mut impl Inbox<S, C>,
    outcome: std::thread::Result<()>,
) {
    if let Err(panic) = outcome {
        inbox.close();
        while inbox.drain().await.is_some() {}
        std::panic::resume_unwind(panic);
    }
}

/// A shutdown's tail: stops accepting, applies what was accepted before (a second shutdown
/// among it gets [`Error::Stopped`]: its sender is dropped) and sends the final state.
async fn stop<S: StateMachine, C: ReplyChannel>(
    mut state: S,
    clock: &Clock,
    inbox: &mut impl Inbox<S, C>,
    state_tx: C::Sender<S>,
) {
    inbox.close();
    while let Some(request) = inbox.drain().await {
        let _ = request.serve(&mut state, clock);
    }
    C::reply(state_tx, state);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Counter, CounterOp};

    /// Replies over std's channels: enough to watch whether a reply sender was dropped.
    struct Std;

    impl ReplyChannel for Std {
        type Sender<T: Send + 'static> = std::sync::mpsc::Sender<T>;

        fn reply<T: Send + 'static>(tx: Self::Sender<T>, value: T) {
            let _ = tx.send(value);
        }
    }

    /// An inbox whose loop panics at once, holding a send that lands only after the close:
    /// `try_take` never sees it, `drain` does — as with tokio's channel when a send took its
    /// permit before the close.
    struct Late {
        late: Option<Request<Counter, Std>>,
        closed: bool,
    }

    impl Inbox<Counter, Std> for Late {
        async fn next(&mut self) -> Next<Request<Counter, Std>> {
            panic!("the owner's state machine panics")
        }

        fn close(&mut self) {
            self.closed = true;
        }

        fn drain(&mut self) -> impl Future<Output = Option<Request<Counter, Std>>> + Send {
            let landed = if self.closed { self.late.take() } else { None };
            async move { landed }
        }

        fn try_take(&mut self) -> Option<Request<Counter, Std>> {
            None
        }
    }

    #[test]
    fn a_panicking_owner_drops_a_request_that_lands_after_its_close() {
        for batched in [false, true] {
            let (reply_tx, reply_rx) = std::sync::mpsc::channel();
            let mut inbox = Late {
                late: Some(Request::Call {
                    op: CounterOp::Increment,
                    reply_tx,
                }),
                closed: false,
            };
            let clock = Clock::system();
            let deadline = Instant::now() + Duration::from_secs(10);
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if batched {
                    block_on_until(
                        serve_batched(Counter::new(), &clock, &mut inbox, 8),
                        deadline,
                    )
                } else {
                    block_on_until(serve(Counter::new(), &clock, &mut inbox), deadline)
                }
            }));
            assert!(ran.is_err(), "the panic goes on unwinding");
            assert!(inbox.late.is_none(), "the late request was taken");
            // Its reply sender is gone: the caller hears that the owner stopped.
            assert_eq!(
                reply_rx.try_recv(),
                Err(std::sync::mpsc::TryRecvError::Disconnected)
            );
        }
    }
}
