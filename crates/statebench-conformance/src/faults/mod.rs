//! Fault and lifecycle tests for the strategies generic over the state machine (owners and
//! locks), driven by [`Probe`]: a state machine that can block on a [`Gate`], panic on demand,
//! and report its cleanups and its own drop on a channel. Every wait is bounded by
//! [`PATIENCE`], so a broken strategy fails a test instead of hanging it.
//!
//! [`probe`]: the probe; [`lifecycle`]: owners and locks alike (cleanup, drop, shutdown,
//! panics); [`mailbox`]: owners only (timeouts, a full mailbox, a dying owner); [`storm`]:
//! random cancellations and timeouts, overload, and what a shutdown leaves behind. The macros
//! [`lifecycle_tests!`](crate::lifecycle_tests) and [`owner_fault_tests!`](crate::owner_fault_tests)
//! instantiate them.

pub mod lifecycle;
mod macros;
pub mod mailbox;
pub mod probe;
pub mod storm;

pub use lifecycle::*;
pub use mailbox::*;
pub use probe::*;
pub use storm::*;

use std::thread;
use std::time::Instant;

use statebench_core::{Error, OwnerService, Service, StateMachine};

use crate::wait::{PATIENCE, bounded, eventually};

/// Waits (at most [`PATIENCE`]) until `n` requests wait in the mailbox.
fn wait_queued<S: StateMachine, M: OwnerService<S>>(service: &M, n: usize) {
    assert!(
        eventually(|| service.queued() >= n),
        "{n} requests never queued"
    );
}

/// Waits (at most [`PATIENCE`], yielding rather than sleeping so that a fast service is caught
/// mid-work) until the writers have logged `n` values.
fn wait_for_writers<S: Service<Probe>>(service: &S, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    while log_of(service).map_or(0, |l| l.len()) < n {
        assert!(Instant::now() < deadline, "the writers never got going");
        thread::yield_now();
    }
}

/// The probe's log, read with a bounded wait.
fn log_of<S: Service<Probe>>(service: &S) -> Result<Vec<u64>, Error> {
    match bounded(service, "reading the log", |s| s.call(ProbeOp::Log))? {
        ProbeReply::Log(log) => Ok(log),
        other => panic!("Log replied {other:?}"),
    }
}

/// Shuts `service` down, with a bounded wait.
fn shutdown_of<S: Service<Probe>>(service: &S) -> Result<Probe, Error> {
    bounded(service, "shutdown", |s| s.shutdown())
}
