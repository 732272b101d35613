//! The owner-task strategy on async-std: one task alone holds the state, spawned on async-std's
//! global executor; callers send requests over a bounded `async-channel` mailbox, each carrying
//! a one-slot channel for the reply.
//!
//! **async-std is discontinued upstream** (RUSTSEC-2025-0052; its authors point to `smol`). It
//! is kept here only because the comparison asks how an owner task fares on it next to tokio;
//! do not pick it for new code. Its own channels are `async-channel` (it re-exports version 1);
//! this crate uses the transport it shares with the smol owner
//! (`statebench_owner_async_channel`, on the workspace's async-channel), so that the two rows
//! differ only in the executor. The handle, the protocol and the loop are
//! `statebench_core::owner`'s; what is here is the spawn.
//!
//! The owner runs on async-std's global executor. Blocking calls must not be made from inside
//! an async task (they would stall its executor thread); from async code, on any executor, use
//! [`Service::call_async`](statebench_core::Service::call_async).

#![deny(missing_docs)]

use std::future::Future;

use statebench_core::owner::Owner;
use statebench_owner_async_channel::{AsyncChannel, Executor};

/// A handle to an owner task on async-std serving state machine `S`. Clone it for every caller.
pub type OwnerAsyncStd<S> = Owner<S, AsyncChannel<AsyncStd>>;

/// Owner tasks on async-std's global executor.
#[derive(Debug)]
pub struct AsyncStd;

impl Executor for AsyncStd {
    const NAME: &'static str = "owner_async_std";
    const ABOUT: &'static str = "an async-std task owns the state; async-channel mailbox, a one-slot reply channel per call";
    const PLACEMENT: &'static str =
        "an owner task on async-std's global executor (its own threads)";

    fn spawn(task: impl Future<Output = ()> + Send + 'static) {
        async_std::task::spawn(task);
    }
}
