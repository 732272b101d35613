//! The conformance suite and the lifecycle tests, instantiated for `owner_ractor`.
//!
//! Not the mailbox fault tests (`owner_fault_tests!`): ractor's mailbox is unbounded, so
//! there is no full mailbox to refuse a call, no depth to bound, and no `try_call`; a
//! caller's time limit is ractor's own (`call`'s timeout), not this handle's.

use statebench_owner_ractor::OwnerRactor;

statebench_conformance::conformance_tests!(owner_ractor = OwnerRactor; all);
statebench_conformance::lifecycle_tests!(lifecycle = OwnerRactor, owner);

use statebench_conformance::faults::{Probe, ProbeOp, ProbeReply};
use statebench_core::{Error, Service, Settings};

/// ractor catches a panic in `handle` and stops the actor: the panicking call, and every call
/// after it, gets `Stopped` — no caller hangs.
#[test]
fn a_panicking_actor_stops_its_callers() {
    let owner = OwnerRactor::start(Probe::new(None).0, &Settings::default());
    assert_eq!(owner.call(ProbeOp::Push(1)), Ok(ProbeReply::Done));
    assert_eq!(owner.call(ProbeOp::Panic), Err(Error::Stopped));
    assert_eq!(owner.call(ProbeOp::Push(2)), Err(Error::Stopped));
    assert_eq!(owner.cleanup(), Err(Error::Stopped));
    assert!(owner.shutdown().is_err(), "the state went with the actor");
}
