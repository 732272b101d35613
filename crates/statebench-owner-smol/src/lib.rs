//! The owner-task strategy on smol: one task alone holds the state, on an `async-executor` (the
//! executor `smol` re-exports) run by one thread per core, as tokio's runtime is; callers send
//! requests over a bounded `async-channel` mailbox, each carrying a one-slot channel for the
//! reply. smol is async-std's successor, built from the same parts; this crate uses those parts
//! directly rather than the `smol` facade, which would add file, network and process crates.
//!
//! The handle, the protocol and the loop are `statebench_core::owner`'s; the channels and timers
//! are `statebench_owner_async_channel`'s, shared with the async-std owner. What is here is the
//! executor. Blocking calls must not be made from inside an async task; from async code, on any
//! executor, use [`Service::call_async`](statebench_core::Service::call_async).

#![deny(missing_docs)]

use std::future::Future;
use std::sync::{Once, OnceLock};

use async_executor::Executor as AsyncExecutor;
use futures_lite::future;
use statebench_core::owner::Owner;
use statebench_owner_async_channel::{AsyncChannel, Executor};

/// A handle to an owner task on smol's executor serving state machine `S`.
pub type OwnerSmol<S> = Owner<S, AsyncChannel<Smol>>;

/// Owner tasks on [`executor`].
#[derive(Debug)]
pub struct Smol;

/// The executor owner tasks run on: started on first use, with one thread per core.
pub fn executor() -> &'static AsyncExecutor<'static> {
    static EXECUTOR: OnceLock<AsyncExecutor<'static>> = OnceLock::new();
    static THREADS: Once = Once::new();
    let executor = EXECUTOR.get_or_init(AsyncExecutor::new);
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

impl Executor for Smol {
    const NAME: &'static str = "owner_smol";
    const ABOUT: &'static str = "a task on a smol executor owns the state; async-channel mailbox, a one-slot reply channel per call";
    const PLACEMENT: &'static str =
        "an owner task on a smol executor of its own (one thread per core)";

    fn spawn(task: impl Future<Output = ()> + Send + 'static) {
        executor().spawn(task).detach();
    }
}
