//! The reference row for the owner's generic machinery: the owner task a reader would write by
//! hand for the key-value store — a `HashMap<u64, u64>` in a task, an enum of messages over a
//! bounded `mpsc`, a `oneshot` per reply — with no state machine, no `Request` protocol, no
//! cleanup timer and no clock. The report shows what [`crate::OwnerTokio`] costs over it,
//! measured in the same run, as `mutex_handwritten` does for the locks.

use std::collections::HashMap;

use statebench_core::{Error, Family, KvOp, KvReply, KvU64, Service, Settings, StateMachine, Work};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};

/// What the handles send the task.
enum Message {
    Call(KvOp<u64, u64>, oneshot::Sender<KvReply<u64>>),
    Cleanup(oneshot::Sender<()>),
    Shutdown(oneshot::Sender<HashMap<u64, u64>>),
}

/// A tokio task owning a `HashMap<u64, u64>`, written by hand (`owner_handwritten`). It runs
/// where [`crate::OwnerTokio`] would, and its calls are used the same way (no blocking call
/// from inside a runtime). The task ends after a shutdown, having applied what was queued
/// before it, or when every handle is dropped.
#[derive(Clone, Debug)]
pub struct HandwrittenOwnerKv {
    tx: mpsc::Sender<Message>,
    /// The state machine's work, which the task spends per call as `Kv::apply` would.
    work: Work,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Call(op, _) => f.debug_tuple("Call").field(op).finish(),
            Message::Cleanup(_) => f.write_str("Cleanup"),
            Message::Shutdown(_) => f.write_str("Shutdown"),
        }
    }
}

#[inline]
fn apply(map: &mut HashMap<u64, u64>, work: Work, op: KvOp<u64, u64>) -> KvReply<u64> {
    work.spend();
    match op {
        KvOp::Get(k) => KvReply::Value(map.get(&k).copied()),
        KvOp::Set(k, v) => KvReply::Value(map.insert(k, v)),
        KvOp::Delete(k) => KvReply::Value(map.remove(&k)),
        KvOp::Len => KvReply::Len(map.len()),
    }
}

/// Handles one message; a shutdown's sender is handed back.
fn handle(
    map: &mut HashMap<u64, u64>,
    work: Work,
    message: Message,
) -> Option<oneshot::Sender<HashMap<u64, u64>>> {
    match message {
        Message::Call(op, reply) => {
            let _ = reply.send(apply(map, work, op));
        }
        Message::Cleanup(done) => {
            let _ = done.send(());
        }
        Message::Shutdown(state) => return Some(state),
    }
    None
}

async fn run(mut map: HashMap<u64, u64>, work: Work, mut rx: mpsc::Receiver<Message>) {
    while let Some(message) = rx.recv().await {
        if let Some(state) = handle(&mut map, work, message) {
            // Apply what was accepted before the shutdown; a second shutdown among it is
            // dropped, so its caller gets `Stopped`.
            rx.close();
            while let Some(message) = rx.recv().await {
                let _ = handle(&mut map, work, message);
            }
            let _ = state.send(map);
            return;
        }
    }
}

impl HandwrittenOwnerKv {
    /// Sends what `make` builds around a fresh reply sender and waits, blocking, for the reply.
    fn request<R>(&self, make: impl FnOnce(oneshot::Sender<R>) -> Message) -> Result<R, Error> {
        let (reply_tx, reply_rx) = oneshot::channel();
        self.tx
            .blocking_send(make(reply_tx))
            .map_err(|_| Error::Stopped)?;
        reply_rx.blocking_recv().map_err(|_| Error::Stopped)
    }
}

impl Service<KvU64> for HandwrittenOwnerKv {
    const NAME: &'static str = "owner_handwritten";
    const FAMILY: Family = Family::Owner;
    const CROSSES_THREADS: bool = true;
    const RUNS_ON_CALLERS_RUNTIME: bool = true;
    const ABOUT: &'static str =
        "a hand-written tokio task owning a `HashMap`: what the generic owner costs";

    fn start(initial: KvU64, settings: &Settings) -> Self {
        let (tx, rx) = mpsc::channel(settings.mailbox.max(1));
        let runtime =
            Handle::try_current().unwrap_or_else(|_| crate::background_runtime().handle().clone());
        let work = initial.work();
        runtime.spawn(run(initial.into_entries(), work, rx));
        HandwrittenOwnerKv { tx, work }
    }

    fn call(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        self.request(|reply| Message::Call(op, reply))
    }

    async fn call_async(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        let (reply_tx, reply_rx) = oneshot::channel();
        self.tx
            .send(Message::Call(op, reply_tx))
            .await
            .map_err(|_| Error::Stopped)?;
        reply_rx.await.map_err(|_| Error::Stopped)
    }

    /// The store never expires anything; the task only says it is there.
    fn cleanup(&self) -> Result<(), Error> {
        self.request(Message::Cleanup)
    }

    fn shutdown(&self) -> Result<KvU64, Error> {
        let mut state = self.request(Message::Shutdown).map(KvU64::from_entries)?;
        state.set_work(self.work);
        Ok(state)
    }

    fn placement(started_in_tokio: bool) -> &'static str {
        <crate::Tokio as statebench_core::owner::Transport>::placement(started_in_tokio)
    }
}
