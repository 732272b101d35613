//! The state machines' own cleanup contract: a history with cleanups interleaved gives the same
//! replies as without them, on histories whose clock stops on, just before and just after
//! expiry instants. The strategy suites compare against the model; a cleanup wrong in the
//! model itself (dropping entries a moment early, say) is only visible here.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use statebench_conformance::{Model, cases, check_cleanup_contract, history};
use statebench_core::{CacheU64, Counter, KvU64, Sessions};

fn holds<S: Model>() {
    let mut runner = TestRunner::new(Config {
        cases: cases(512),
        failure_persistence: None,
        ..Config::default()
    });
    if let Err(e) = runner.run(&history::<S>(60), |h| check_cleanup_contract::<S>(&h)) {
        panic!("{}: {e}", std::any::type_name::<S>());
    }
}

#[test]
fn the_cache_cleanup_never_changes_a_reply() {
    holds::<CacheU64>();
}

#[test]
fn the_sessions_cleanup_never_changes_a_reply() {
    holds::<Sessions>();
}

#[test]
fn the_store_and_counter_cleanups_never_change_a_reply() {
    holds::<KvU64>();
    holds::<Counter>();
}

#[test]
fn advances_stop_on_just_before_and_just_after_whole_seconds() {
    let mut runner = TestRunner::deterministic();
    let strategy = <CacheU64 as Model>::advance();
    let mut seen = [false; 3];
    for _ in 0..2000 {
        let d = strategy.new_tree(&mut runner).expect("draws").current();
        let sub = d.subsec_nanos();
        seen[0] |= sub == 0;
        seen[1] |= sub == 999_999_999 || sub == 999_500_000;
        seen[2] |= sub == 1 || sub == 500_000;
    }
    assert_eq!(seen, [true; 3], "on, before and after an instant");
}
