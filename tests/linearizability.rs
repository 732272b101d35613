//! Walks the registry and checks every registered pair for linearizability under real
//! concurrency — 2 to 4 OS threads with blocking calls, and 2 to 4 tokio tasks with async
//! calls — against the sequential state machine. One test per service, so they run in
//! parallel; each prints what it checked (histories, calls, overlapping calls, time).
//!
//! `STATEBENCH_LIN_CASES` sets the histories per (pair, call style); the `soak` test, ignored
//! by default, runs 2000 of them.

use std::time::Instant;

use statebench::registry::{self, Visitor};
use statebench_conformance::concurrent::cleanup_racing_clients;
use statebench_conformance::{CallStyle, Model, check_linearizable};
use statebench_core::{CacheU64, Counter, KvU64, Service, Sessions};

/// Runs the check on every implementation it visits.
struct Linearizability {
    cases: u32,
    covered: Vec<&'static str>,
    failures: Vec<String>,
}

impl Linearizability {
    fn new(default_cases: u32) -> Self {
        let cases = std::env::var("STATEBENCH_LIN_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default_cases);
        Linearizability {
            cases,
            covered: Vec::new(),
            failures: Vec::new(),
        }
    }

    fn assert_covers(self, registered: Vec<&'static str>) {
        assert!(self.failures.is_empty(), "{}", self.failures.join("\n\n"));
        assert_eq!(self.covered, registered, "every registered pair is checked");
    }
}

impl<S: Model> Visitor<S> for Linearizability {
    fn visit<I: Service<S>>(&mut self) {
        for style in [CallStyle::Blocking, CallStyle::Async] {
            let started = Instant::now();
            match check_linearizable::<S, I>(style, self.cases) {
                Ok(done) => println!(
                    "linearizable: {:<8} {:<17} {:<8} {:>4} histories {:>6} calls \
                     ({:>5} overlapping, {:>4} partitions) in {:>6.2} s",
                    S::SERVICE,
                    I::NAME,
                    format!("{style:?}"),
                    done.histories,
                    done.checked.calls,
                    done.checked.overlapping,
                    done.checked.partitions,
                    started.elapsed().as_secs_f64()
                ),
                Err(report) => self.failures.push(report),
            }
        }
        self.covered.push(I::NAME);
    }
}

const CI_CASES: u32 = 128;

#[test]
fn every_kv_store_is_linearizable() {
    let mut check = Linearizability::new(CI_CASES);
    registry::walk::<KvU64, _>(&mut check);
    check.assert_covers(registry::implementations("kv"));
}

#[test]
fn every_counter_is_linearizable() {
    let mut check = Linearizability::new(CI_CASES);
    registry::walk::<Counter, _>(&mut check);
    check.assert_covers(registry::implementations("counter"));
}

#[test]
fn every_session_manager_is_linearizable() {
    let mut check = Linearizability::new(CI_CASES);
    registry::walk::<Sessions, _>(&mut check);
    check.assert_covers(registry::implementations("sessions"));
}

#[test]
fn every_cache_is_linearizable() {
    let mut check = Linearizability::new(CI_CASES);
    registry::walk::<CacheU64, _>(&mut check);
    check.assert_covers(registry::implementations("cache"));
}

#[test]
#[ignore = "a soak: 2000 histories per pair and call style, minutes of work"]
fn soak() {
    let mut check = Linearizability::new(2000);
    registry::all(&mut check);
    assert!(check.failures.is_empty(), "{}", check.failures.join("\n\n"));
}

/// Runs [`cleanup_racing_clients`] on every implementation it visits.
struct CleanupRace {
    covered: Vec<&'static str>,
    failures: Vec<String>,
}

impl<S: Model> Visitor<S> for CleanupRace {
    fn visit<I: Service<S>>(&mut self) {
        for style in [CallStyle::Blocking, CallStyle::Async] {
            let started = Instant::now();
            match cleanup_racing_clients::<S, I>(style, 8, 3, 150) {
                Ok((done, cleanups)) => println!(
                    "cleanup racing: {:<8} {:<17} {:<8} {:>6} calls ({:>5} overlapping) \
                     against {cleanups} cleanup passes in {:>5.2} s",
                    S::SERVICE,
                    I::NAME,
                    format!("{style:?}"),
                    done.checked.calls,
                    done.checked.overlapping,
                    started.elapsed().as_secs_f64()
                ),
                Err(report) => self.failures.push(report),
            }
        }
        self.covered.push(I::NAME);
    }
}

#[test]
fn cleanup_racing_clients_keeps_every_reply_right() {
    let mut race = CleanupRace {
        covered: Vec::new(),
        failures: Vec::new(),
    };
    registry::walk::<CacheU64, _>(&mut race);
    registry::walk::<Sessions, _>(&mut race);
    assert!(race.failures.is_empty(), "{}", race.failures.join("\n\n"));
    let mut expected = registry::implementations("cache");
    expected.extend(registry::implementations("sessions"));
    assert_eq!(race.covered, expected);
}
