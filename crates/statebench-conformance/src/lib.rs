//! The conformance suite of statebench, written once and instantiated by every implementation
//! crate in a line or two (like RustCrypto's `digest::dev` or papaya's `with_map`).
//!
//! * **Model-based property tests** ([`check_model`], [`conformance_tests!`]): proptest draws
//!   a starting state (empty, or the model after a few drawn operations: a strategy must serve
//!   the state it is started with, not only the empty one) and random histories — operations
//!   interleaved with manual-clock advances and cleanup passes — and applies each to the
//!   sequential state machine (the model) and to the implementation;
//!   every reply must be equal, through the blocking and the async call alike, then the final
//!   states must agree and every call after shutdown must fail with `Stopped`.
//! * **Linearizability under real concurrency** ([`check_linearizable`], [`concurrent`],
//!   [`linearizability`]): 2–4 OS threads or tokio tasks race on a fresh service; their
//!   recorded history (each call's invocation and return instants and reply) must have a
//!   real-time-respecting sequential order the model agrees with — a Wing–Gong/Lowe search,
//!   split per key.
//! * **Fault tests for owners and locks** ([`faults`], [`owner_fault_tests!`],
//!   [`lifecycle_tests!`]): graceful shutdown under load, the owner ending when its handles are
//!   dropped, timeouts, a full mailbox, an owner that panics, periodic cleanup, random
//!   cancellation and timeout storms, overload, lock poisoning — each driven by a
//!   [`Probe`](faults::Probe) state machine and every wait bounded, so a failure is an error,
//!   never a hang.
//!
//! [`Model`] says, per service, how to build a fresh model and how to draw operations;
//! [`wait`] holds the bounded waits that every test of the workspace uses.

#![deny(missing_docs)]

pub mod concurrent;
pub mod faults;
pub mod linearizability;
mod models;
mod pin;
pub mod wait;

use std::fmt::Debug;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use statebench_core::{Error, ManualClock, Service, Settings};

pub use concurrent::{Linearized, check_linearizable, one_key_race};
pub use models::Model;

/// One step of a generated history.
#[derive(Clone, Debug)]
pub enum Step<Op> {
    /// Call the service.
    Call(Op),
    /// Move the manual clock forward.
    Advance(Duration),
    /// Run a cleanup pass now.
    Cleanup,
    /// Spin for a moment before the next step (concurrent scenarios: it lets the other
    /// clients' calls land in between; the sequential suite has no use for it).
    Pause(Duration),
}

/// Which call form the suite uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallStyle {
    /// `Service::call`, from the test thread.
    Blocking,
    /// `Service::call_async`, awaited on a tokio runtime.
    Async,
}

/// Draws histories of up to `max_len` steps for service `S`.
pub fn history<S: Model>(max_len: usize) -> impl Strategy<Value = Vec<Step<S::Op>>> {
    let step = prop_oneof![
        12 => S::op().prop_map(Step::Call),
        2 => S::advance().prop_map(Step::Advance),
        1 => Just(Step::Cleanup),
    ];
    proptest::collection::vec(step, 1..max_len)
}

/// Draws the operations that make a history's starting state ([`initial`]): none a quarter of
/// the time (the empty state), else up to 15, so that the state a strategy is started with
/// holds keys, counts and sessions of its own.
pub fn start<S: Model>() -> impl Strategy<Value = Vec<S::Op>> {
    prop_oneof![
        1 => Just(Vec::new()),
        3 => proptest::collection::vec(S::op(), 1..16),
    ]
}

/// The state a history starts from: a fresh [`Model::model`] after `ops`, applied at `now`.
pub fn initial<S: Model>(ops: &[S::Op], now: std::time::Instant) -> S {
    let mut state = S::model();
    for op in ops {
        state.apply(op.clone(), now);
    }
    state
}

/// The cleanup contract of the state machine itself (`StateMachine::cleanup` never changes a
/// reply): `history` run on one fresh model with its cleanups and on another without them
/// must give the same reply at every call. The comparison with a strategy cannot see a
/// cleanup that is wrong in the model too; this can.
pub fn check_cleanup_contract<S: Model>(history: &[Step<S::Op>]) -> Result<(), TestCaseError> {
    let t0 = std::time::Instant::now();
    let mut now = t0;
    let (mut cleaned, mut plain) = (S::model(), S::model());
    for (i, step) in history.iter().enumerate() {
        match step {
            Step::Call(op) => {
                let with = cleaned.apply(op.clone(), now);
                let without = plain.apply(op.clone(), now);
                prop_assert!(
                    with == without,
                    "step {} at {:?}: {:?} replied {:?} after the cleanups, {:?} without them",
                    i,
                    now - t0,
                    op,
                    with,
                    without
                );
            }
            Step::Advance(by) => now += *by,
            Step::Cleanup => cleaned.cleanup(now),
            Step::Pause(_) => {}
        }
    }
    Ok(())
}

/// Runs `history` on the model started by `start` ([`initial`]) and on an `I` started with a
/// copy of that state, and checks that they agree throughout: every reply, the final state
/// after shutdown, and `Stopped` for every call after it. Each step done is a step of
/// `watchdog`: a call that never returns ends the process with a failure, not a hang.
pub fn check_history<S: Model, I: Service<S>>(
    start: &[S::Op],
    history: &[Step<S::Op>],
    style: CallStyle,
    runtime: &tokio::runtime::Runtime,
    watchdog: &wait::Watchdog,
) -> Result<(), TestCaseError> {
    let manual = ManualClock::new();
    let settings = Settings {
        clock: manual.clock(),
        mailbox: 16,
        ..Settings::default()
    };
    // A step on entry too: while proptest shrinks a failure, most cases fail at their first
    // call, and they are progress.
    watchdog.step();
    let mut model = initial::<S>(start, manual.now());
    let service = I::start(model.clone(), &settings);
    let call = |op: S::Op| match style {
        CallStyle::Blocking => service.call(op),
        CallStyle::Async => runtime.block_on(service.call_async(op)),
    };
    for (i, step) in history.iter().enumerate() {
        match step {
            Step::Call(op) => {
                let expected = model.apply(op.clone(), manual.now());
                let got = call(op.clone());
                prop_assert!(
                    got.as_ref() == Ok(&expected),
                    "step {}: {:?} replied {:?}, the model replied {:?}",
                    i,
                    op,
                    got,
                    expected
                );
            }
            Step::Advance(by) => manual.advance(*by),
            Step::Pause(_) => {}
            Step::Cleanup => {
                model.cleanup(manual.now());
                prop_assert_eq!(service.cleanup(), Ok(()), "step {}: cleanup", i);
            }
        }
        watchdog.step();
    }
    let mut last = service
        .shutdown()
        .map_err(|e| TestCaseError::fail(format!("shutdown: {e}")))?;
    watchdog.step();
    // Cleanup timing is invisible to replies, so compare what is live.
    last.cleanup(manual.now());
    model.cleanup(manual.now());
    prop_assert!(
        last == model,
        "final state {:?}, the model's {:?}",
        last,
        model
    );
    if let Some(op) = start.first().cloned().or_else(|| {
        history.iter().find_map(|s| match s {
            Step::Call(op) => Some(op.clone()),
            _ => None,
        })
    }) {
        prop_assert_eq!(call(op), Err(Error::Stopped), "a call after shutdown");
    }
    prop_assert_eq!(
        service.cleanup(),
        Err(Error::Stopped),
        "cleanup after shutdown"
    );
    prop_assert!(service.shutdown().is_err(), "a second shutdown must fail");
    Ok(())
}

/// Busy-waits for `pause` (a sleep would last a scheduler tick, far longer than the calls the
/// tests interleave).
pub(crate) fn spin(pause: Duration) {
    let until = std::time::Instant::now() + pause;
    while std::time::Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// The number of histories drawn per (implementation, service, call style): `PROPTEST_CASES`
/// if set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Draws `cases` random starting states and histories and checks each with
/// [`check_history`]. On failure, returns proptest's minimal failing case and what went wrong;
/// a call that does not return ends the process within one to two [`wait::PATIENCE`]
/// ([`check_model_within`]).
pub fn check_model<S: Model, I: Service<S>>(style: CallStyle, cases: u32) -> Result<(), String> {
    check_model_within::<S, I>(style, cases, wait::PATIENCE)
}

/// [`check_model`], whose watchdog ends the process with a failure when no step is done for
/// `patience` (it looks once per `patience`, so it acts within one to two of them).
pub fn check_model_within<S: Model, I: Service<S>>(
    style: CallStyle,
    cases: u32,
    patience: Duration,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let watchdog = wait::Watchdog::new(
        format!("{} ({}, {style:?} calls)", I::NAME, S::SERVICE),
        patience,
    );
    runner
        .run(&(start::<S>(), history::<S>(48)), |(start, h)| {
            check_history::<S, I>(&start, &h, style, &runtime, &watchdog)
        })
        .map_err(|e| match e {
            TestError::Fail(why, (start, history)) => format!(
                "{} ({}, {style:?} calls) differs from the model: {why}\nminimal case: started \
                 after {start:?}, then {history:?}",
                I::NAME,
                S::SERVICE
            ),
            TestError::Abort(why) => format!("{} ({}): aborted: {why}", I::NAME, S::SERVICE),
        })
}

/// Set where every strategy must be startable (`.ci/run`, which installs the Redis server
/// first): then a test fails, instead of leaving out, a strategy that is not.
pub const REQUIRE_SERVERS: &str = "STATEBENCH_REQUIRE_REDIS";

/// Whether `I` can be started here ([`Service::unavailable`]). If not, prints why the test
/// leaves it out — or panics where [`REQUIRE_SERVERS`] is set.
pub fn startable<S: statebench_core::StateMachine, I: Service<S>>() -> bool {
    match I::unavailable() {
        None => true,
        Some(why) => {
            assert!(
                std::env::var_os(REQUIRE_SERVERS).is_none(),
                "{} is required here ({REQUIRE_SERVERS} is set) but cannot start: {why}",
                I::NAME
            );
            eprintln!("SKIPPED {} ({}): {why}", I::NAME, S::SERVICE);
            false
        }
    }
}

/// [`check_model`] with the default number of cases, panicking with its report: the body of
/// every generated conformance test.
pub fn assert_conforms<S: Model, I: Service<S>>(name: &str, style: CallStyle) {
    assert_eq!(
        name,
        I::NAME,
        "the test module's name must be the strategy's registered name"
    );
    if !startable::<S, I>() {
        return;
    }
    if let Err(report) = check_model::<S, I>(style, cases(256)) {
        panic!("{report}");
    }
}

/// The counter's conservation law under real concurrency: `threads` threads each make
/// `ops_per_thread` calls, mostly increments with a reset every 16th call; afterwards the
/// increments made must equal the counts the resets reported plus the final count. A counter
/// whose reset reads and then writes in two steps loses the increments that land in between,
/// and fails. (Sequential histories cannot show that; the meta-tests show this check does.)
pub fn check_counter_conservation<I: Service<statebench_core::Counter>>(
    threads: usize,
    ops_per_thread: usize,
) -> Result<(), String> {
    use statebench_core::{Counter, CounterOp, CounterReply};
    let service = I::start(Counter::new(), &Settings::default());
    let totals = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let service = service.clone();
                scope.spawn(move || -> Result<(u64, u64), Error> {
                    let (mut increments, mut reset_total) = (0u64, 0u64);
                    for i in 1..=ops_per_thread {
                        if i % 16 == 0 {
                            reset_total += service.call(CounterOp::Reset)?.0;
                        } else {
                            service.call(CounterOp::Increment)?;
                            increments += 1;
                        }
                    }
                    Ok((increments, reset_total))
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .map_err(|_| "a counting thread panicked".to_string())
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    let (mut increments, mut reset_total) = (0, 0);
    for total in totals {
        let (i, r) = total.map_err(|e| format!("{}: a call failed: {e}", I::NAME))?;
        increments += i;
        reset_total += r;
    }
    let CounterReply(last) = service.call(CounterOp::Get).map_err(|e| e.to_string())?;
    if increments == reset_total + last {
        Ok(())
    } else {
        Err(format!(
            "{} lost increments: {increments} made, but resets reported {reset_total} and {last} remain",
            I::NAME
        ))
    }
}

/// Instantiates the model-based suite for an implementation, one test per service and call
/// style (`<name>::<service>::blocking`, `<name>::<service>::async_calls`).
///
/// For a strategy generic over the state machine, name it and say `all` (every service of
/// [`statebench_core::for_each_service!`]) or list the services:
/// ```text
/// statebench_conformance::conformance_tests!(owner_tokio = OwnerTokio; all);
/// statebench_conformance::conformance_tests!(striped = Striped; kv, cache);
/// ```
/// For implementations written per service, give each type:
/// ```text
/// statebench_conformance::conformance_tests!(dashmap; kv = DashKv<u64, u64>, cache = DashCache<u64, u64>);
/// ```
/// The name must be the registered one (`Service::NAME`); the generated tests check it. The
/// tests compile only under `cargo test`, so the strategy need not resolve here; a service
/// that does not exist is refused at compile time all the same:
///
/// ```
/// statebench_conformance::conformance_tests!(mutex_std = MutexStd; kv, cache);
/// ```
///
/// ```compile_fail
/// statebench_conformance::conformance_tests!(mutex_std = MutexStd; kv, cahce);
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($name:ident = $strategy:ident; all) => {
        $crate::__core::for_each_service!($crate::__conformance_all; $name = $strategy);
    };
    ($name:ident = $strategy:ident; $($service:ident),+ $(,)?) => {
        $crate::conformance_tests!(
            @typed $name; $($service: $crate::model_of!($service) = $strategy<$crate::model_of!($service)>),+
        );
    };
    ($name:ident; $($service:ident = $impl:ty),+ $(,)?) => {
        $crate::conformance_tests!(@typed $name; $($service: $crate::model_of!($service) = $impl),+);
    };
    // Every form lands here, with each service's model type spelt out: the tests themselves.
    (@typed $name:ident; $($service:ident: $model:ty = $impl:ty),+) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(
                mod $service {
                    #[allow(unused_imports)]
                    use super::*;
                    // The model named outside the tests, so that an unknown service is an
                    // error in every build, not only under `cargo test`.
                    const _: fn($model) = |_| {};
                    #[test]
                    fn blocking() {
                        $crate::assert_conforms::<$model, $impl>(
                            stringify!($name),
                            $crate::CallStyle::Blocking,
                        );
                    }
                    #[test]
                    fn async_calls() {
                        $crate::assert_conforms::<$model, $impl>(
                            stringify!($name),
                            $crate::CallStyle::Async,
                        );
                    }
                }
            )+
        }
    };
    ($($anything:tt)*) => {
        compile_error!(
            "conformance_tests!: write `name = Strategy; all`, `name = Strategy; kv, cache` (some \
             services) or `name; kv = TypeForKv, cache = TypeForCache` (a type per service)"
        );
    };
}

/// [`conformance_tests!`]'s `all`, called back with the list of services and their types, which
/// it hands straight to the tests (three macros from the call to a test, not five).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_all {
    ($name:ident = $strategy:ident; $($service:ident = $model:ty),+) => {
        $crate::conformance_tests!(@typed $name; $($service: $model = $strategy<$model>),+);
    };
}

/// The registered state-machine type of a service name (`kv`, `counter`, `sessions`, `cache`).
/// A service added to [`statebench_core::for_each_service!`] and not here fails to compile.
#[macro_export]
macro_rules! model_of {
    (kv) => {
        $crate::__core::KvU64
    };
    (counter) => {
        $crate::__core::Counter
    };
    (sessions) => {
        $crate::__core::Sessions
    };
    (cache) => {
        $crate::__core::CacheU64
    };
    ($other:ident) => {
        compile_error!(concat!(
            "`",
            stringify!($other),
            "` is not a service: the services are those of statebench_core::for_each_service!"
        ))
    };
}

#[doc(hidden)]
pub use statebench_core as __core;

// Every service of the one list has its arm in `model_of!`, naming the same type.
macro_rules! every_service_has_a_model {
    ($($service:ident = $model:ty),+) => {
        $(const _: fn($model) -> model_of!($service) = |model| model;)+
    };
}
statebench_core::for_each_service!(every_service_has_a_model);
