//! Walks the registry and checks every registered pair for linearizability under real
//! concurrency — 2 to 4 OS threads with blocking calls, and 2 to 4 tokio tasks with async
//! calls — against the sequential state machine: drawn scenarios (one test per service, in
//! `every_implementation_is_linearizable`), cleanup racing the clients (every service with a
//! periodic cleanup), and two clients racing back to back on one key (every service). The
//! tests are generated from the one list of services (`statebench_core::for_each_service!`),
//! so a new service is checked here without a line written for it. They run one at a time
//! (each needs both cores); each prints what it checked per pair (histories, calls,
//! overlapping calls, time).
//!
//! `STATEBENCH_LIN_CASES` sets the histories per (pair, call style); the `soak` test, ignored
//! by default, runs 2000 of them.

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use statebench::registry::{self, Visitor};
use statebench_conformance::concurrent::cleanup_racing_clients;
use statebench_conformance::{
    CallStyle, Linearized, Model, check_linearizable, one_key_race, startable,
};
use statebench_core::{SERVICES, Service};

/// Taken by every test here for its whole run, so that they run one at a time: the tests race
/// clients on both cores, and two tests at once would leave each half a core and few calls
/// truly in flight together (the overlap figures halve).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    // A failed test poisons the lock; the others still run (and report their own).
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether `STATEBENCH_LIN_ONLY` leaves `name` out.
fn skipped(only: &Option<Vec<String>>, name: &str) -> bool {
    only.as_ref()
        .is_some_and(|only| !only.iter().any(|n| n == name))
}

/// One line per (test, pair, call style): what was checked, and the share of calls that
/// overlapped another call on the same key (docs/RELIABILITY.md quotes these lines).
fn print_checked<S: Model, I: Service<S>>(
    test: &str,
    style: CallStyle,
    done: &Linearized,
    extra: &str,
    started: Instant,
) {
    let calls = done.checked.calls.max(1);
    println!(
        "{test}: {:<8} {:<17} {:<8} {:>4} histories {:>6} calls ({:>5} overlapping, \
         {:>4.1} %){extra} in {:>5.2} s",
        S::SERVICE,
        I::NAME,
        format!("{style:?}"),
        done.histories,
        done.checked.calls,
        done.checked.overlapping,
        100.0 * done.checked.overlapping as f64 / calls as f64,
        started.elapsed().as_secs_f64()
    );
}

/// Runs the check on every implementation it visits.
struct Linearizability {
    cases: u32,
    /// `STATEBENCH_LIN_ONLY`: the implementations to check (comma-separated), else all.
    only: Option<Vec<String>>,
    covered: Vec<&'static str>,
    failures: Vec<String>,
}

impl Linearizability {
    fn new(default_cases: u32) -> Self {
        let cases = std::env::var("STATEBENCH_LIN_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default_cases);
        let only = std::env::var("STATEBENCH_LIN_ONLY")
            .ok()
            .map(|names| names.split(',').map(|n| n.trim().to_string()).collect());
        Linearizability {
            cases,
            only,
            covered: Vec::new(),
            failures: Vec::new(),
        }
    }

    fn assert_covers(self, registered: Vec<&'static str>) {
        assert!(self.failures.is_empty(), "{}", self.failures.join("\n\n"));
        if self.only.is_none() {
            assert_eq!(self.covered, registered, "every registered pair is checked");
        }
    }
}

impl<S: Model> Visitor<S> for Linearizability {
    fn visit<I: Service<S>>(&mut self) {
        if skipped(&self.only, I::NAME) || !startable::<S, I>() {
            return;
        }
        for style in [CallStyle::Blocking, CallStyle::Async] {
            let started = Instant::now();
            match check_linearizable::<S, I>(style, self.cases) {
                Ok(done) => print_checked::<S, I>("linearizable", style, &done, "", started),
                Err(report) => self.failures.push(report),
            }
        }
        self.covered.push(I::NAME);
    }
}

const CI_CASES: u32 = 128;

/// One test per service: `every_implementation_is_linearizable::kv` and so on.
macro_rules! linearizability_tests {
    ($($name:ident = $service:ty),+) => {
        mod every_implementation_is_linearizable {
            $(
                #[test]
                fn $name() {
                    super::every_implementation_of::<$service>();
                }
            )+
        }
    };
}
statebench_core::for_each_service!(linearizability_tests);

fn every_implementation_of<S: Model + registry::Registered>() {
    let _serial = one_at_a_time();
    let mut check = Linearizability::new(CI_CASES);
    registry::walk::<S, _>(&mut check);
    check.assert_covers(registry::runnable(S::SERVICE));
}

#[test]
#[ignore = "a soak: 2000 histories per pair and call style, minutes of work"]
fn soak() {
    let _serial = one_at_a_time();
    let mut check = Linearizability::new(2000);
    registry::all(&mut check);
    assert!(check.failures.is_empty(), "{}", check.failures.join("\n\n"));
}

/// Runs [`cleanup_racing_clients`] on every implementation it visits.
struct CleanupRace {
    covered: Vec<&'static str>,
    /// The services whose racing state has a periodic cleanup: the ones raced.
    services: Vec<&'static str>,
    failures: Vec<String>,
}

impl<S: Model> Visitor<S> for CleanupRace {
    fn visit<I: Service<S>>(&mut self) {
        if S::racing().cleanup_every().is_none() {
            return;
        }
        if self.services.last() != Some(&S::SERVICE) {
            self.services.push(S::SERVICE);
        }
        if !startable::<S, I>() {
            return;
        }
        for style in [CallStyle::Blocking, CallStyle::Async] {
            let started = Instant::now();
            match cleanup_racing_clients::<S, I>(style, 8, 3, 150) {
                Ok((done, cleanups)) => print_checked::<S, I>(
                    "cleanup racing",
                    style,
                    &done,
                    &format!(" against {cleanups} cleanup passes"),
                    started,
                ),
                Err(report) => self.failures.push(report),
            }
        }
        self.covered.push(I::NAME);
    }
}

#[test]
fn cleanup_racing_clients_keeps_every_reply_right() {
    let _serial = one_at_a_time();
    let mut race = CleanupRace {
        covered: Vec::new(),
        services: Vec::new(),
        failures: Vec::new(),
    };
    registry::all(&mut race);
    assert!(race.failures.is_empty(), "{}", race.failures.join("\n\n"));
    // The sessions and the cache clean up periodically; a list that lost them raced nothing.
    assert!(
        race.services.contains(&"sessions") && race.services.contains(&"cache"),
        "the services with a periodic cleanup were not found: {:?}",
        race.services
    );
    let expected: Vec<_> = race
        .services
        .iter()
        .flat_map(|service| registry::runnable(service))
        .collect();
    assert_eq!(
        race.covered, expected,
        "every pair of those services is raced"
    );
}

/// Runs [`one_key_race`] on every implementation it visits (`STATEBENCH_LIN_ONLY` applies).
struct OneKeyRace {
    only: Option<Vec<String>>,
    /// On one core nothing races; the overlap is then only printed.
    cores: usize,
    covered: Vec<&'static str>,
    failures: Vec<String>,
}

impl<S: Model> Visitor<S> for OneKeyRace {
    fn visit<I: Service<S>>(&mut self) {
        if skipped(&self.only, I::NAME) || !startable::<S, I>() {
            return;
        }
        for style in [CallStyle::Blocking, CallStyle::Async] {
            let started = Instant::now();
            // Two pinned clients calling back to back overlap for much of the time, but on a
            // host whose cores wake slowly a round of fast blocking calls can end before the
            // other client's core is back, and the fastest rows overlap only a little over a
            // tenth of their calls. Under a tenth, the race this test exists for was not run
            // (a few hundred racing calls is a race; none is not), and saying "linearizable"
            // would mislead. A host that took a core away for the whole race (none of the
            // calls overlapped) gets two more tries; a history that is not linearizable fails
            // at once.
            let raced = |done: &statebench_conformance::Linearized| {
                self.cores <= 1 || done.checked.overlapping * 10 >= done.checked.calls
            };
            let mut outcome = one_key_race::<S, I>(style, 2, 4, 250);
            for _ in 0..2 {
                match &outcome {
                    Ok(done) if !raced(done) => outcome = one_key_race::<S, I>(style, 2, 4, 250),
                    _ => break,
                }
            }
            match outcome {
                Ok(done) if !raced(&done) => {
                    self.failures.push(format!(
                        "{} ({}, {style:?}): only {} of {} calls overlapped another in the \
                         last of three tries: the two clients did not race (is the machine \
                         busy, or down to one core?)",
                        I::NAME,
                        S::SERVICE,
                        done.checked.overlapping,
                        done.checked.calls
                    ));
                }
                Ok(done) => print_checked::<S, I>("one key raced", style, &done, "", started),
                Err(report) => self.failures.push(report),
            }
        }
        self.covered.push(I::NAME);
    }
}

#[test]
fn two_clients_racing_on_one_key_stay_linearizable() {
    let _serial = one_at_a_time();
    let mut race = OneKeyRace {
        only: Linearizability::new(0).only,
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        covered: Vec::new(),
        failures: Vec::new(),
    };
    registry::all(&mut race);
    assert!(race.failures.is_empty(), "{}", race.failures.join("\n\n"));
    if race.only.is_none() {
        let expected: Vec<_> = SERVICES
            .iter()
            .flat_map(|service| registry::runnable(service.name))
            .collect();
        assert_eq!(race.covered, expected, "every registered pair is raced");
    }
}
