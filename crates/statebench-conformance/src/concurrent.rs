//! Concurrent histories, recorded from real threads or real tokio tasks and checked for
//! linearizability against the sequential state machine.
//!
//! A [`Scenario`] is a few rounds; in each, 2–4 clients run their own list of calls (and
//! cleanup passes) at the same time, over a handful of keys so that they collide, while the
//! service's periodic cleanup runs every few milliseconds. Between rounds, when no call is in
//! flight, the manual clock moves forward, so sessions and cache entries expire mid-scenario.
//! (The clock only moves between rounds because a strategy reads it somewhere inside a call,
//! not necessarily at the instant the call takes effect: a sharded map reads it before locking
//! its shard. Time is checked against the model; the order of time reads is not.) After the
//! last round every key is read once more, so a lost write shows in the history.

use std::cell::Cell;
use std::fmt::Debug;
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use statebench_core::{Error, ManualClock, Service, Settings};

use crate::linearizability::{self, Call, Checked};
use crate::wait::PATIENCE;
use crate::{CallStyle, Model, Step, spin};

/// One round: what each client does, then how far the clock moves once they are all done.
#[derive(Clone, Debug)]
pub struct Round<Op> {
    /// Per client, its calls and cleanup passes, in order.
    pub clients: Vec<Vec<Step<Op>>>,
    /// The clock advance after the round.
    pub advance: Duration,
}

/// A concurrent scenario: rounds of clients racing each other.
#[derive(Clone, Debug)]
pub struct Scenario<Op> {
    /// The rounds, in order.
    pub rounds: Vec<Round<Op>>,
    /// Whether operations on the whole state (`Len`) are kept; without them a keyed service's
    /// history is checked key by key, which keeps long histories cheap.
    pub whole: bool,
}

/// Draws scenarios of 2–4 clients, 1–3 rounds, 1–12 steps per client and round.
pub fn scenario<S: Model>() -> impl Strategy<Value = Scenario<S::Op>> {
    let step = prop_oneof![
        10 => S::op().prop_map(Step::Call),
        1 => Just(Step::Cleanup),
        3 => (0u64..20_000).prop_map(|ns| Step::Pause(Duration::from_nanos(ns))),
    ];
    // The counter is one object: nothing to split by key, every history is whole.
    let whole = if S::KINDS.iter().any(|k| k.keyed) {
        prop::bool::weighted(0.25).boxed()
    } else {
        Just(true).boxed()
    };
    (2usize..=4, whole).prop_flat_map(move |(clients, whole)| {
        let round = (
            proptest::collection::vec(proptest::collection::vec(step.clone(), 1..=12), clients),
            S::advance(),
        )
            .prop_map(|(clients, advance)| Round { clients, advance });
        proptest::collection::vec(round, 1..=3).prop_map(move |rounds| Scenario { rounds, whole })
    })
}

/// The steps of `scenario` that `I` promises to be linearizable (and, unless the scenario is
/// `whole`, only those on one key).
fn admitted<S: Model, I: Service<S>>(scenario: &Scenario<S::Op>) -> Vec<Vec<Vec<Step<S::Op>>>> {
    let admit = |step: &Step<S::Op>| match step {
        Step::Call(op) => I::linearizable(op) && (scenario.whole || S::key(op).is_some()),
        Step::Cleanup | Step::Pause(_) => true,
        Step::Advance(_) => false,
    };
    scenario
        .rounds
        .iter()
        .map(|r| {
            r.clients
                .iter()
                .map(|steps| steps.iter().filter(|s| admit(s)).cloned().collect())
                .collect()
        })
        .collect()
}

/// Runs one client's rounds, meeting the others at `meet` before and after each round.
/// `call` makes one call; the client keeps meeting the others after a failure, so that nobody
/// waits for it forever.
struct Client<S: Model> {
    id: usize,
    calls: Vec<Call<S>>,
    failure: Option<String>,
}

impl<S: Model> Client<S> {
    fn new(id: usize) -> Self {
        Client {
            id,
            calls: Vec::new(),
            failure: None,
        }
    }

    /// Records the outcome of `op`, invoked at `invoked` and returned now.
    fn record(&mut self, op: S::Op, now: Instant, invoked: Instant, got: Result<S::Reply, Error>) {
        let returned = Instant::now();
        match got {
            Ok(reply) => self.calls.push(Call {
                client: self.id,
                op,
                reply,
                now,
                invoked,
                returned,
            }),
            Err(e) => self.fail(format!("{op:?} failed: {e}")),
        }
    }

    fn fail(&mut self, why: String) {
        self.failure
            .get_or_insert(format!("client {}: {why}", self.id));
    }

    fn finish(self) -> Result<Vec<Call<S>>, String> {
        self.failure.map_or(Ok(self.calls), Err)
    }
}

/// The settings of a scenario's service: the manual clock and a small mailbox.
fn settings(manual: &ManualClock) -> Settings {
    Settings {
        clock: manual.clock(),
        mailbox: 16,
        ..Settings::default()
    }
}

/// Reads every key once the clients are done, as client `id`, and shuts the service down.
fn final_reads<S: Model, I: Service<S>>(
    service: &I,
    id: usize,
    now: Instant,
) -> Result<Vec<Call<S>>, String> {
    let mut reader = Client::<S>::new(id);
    for op in S::final_reads() {
        let invoked = Instant::now();
        let got = service.call(op.clone());
        reader.record(op, now, invoked, got);
    }
    service
        .shutdown()
        .map_err(|e| format!("shutdown after the scenario: {e}"))?;
    reader.finish()
}

/// Runs the scenario with one OS thread per client and blocking calls.
fn run_threads<S: Model, I: Service<S>>(
    rounds: Vec<Vec<Vec<Step<S::Op>>>>,
    advances: Vec<Duration>,
) -> Result<Vec<Call<S>>, String> {
    let manual = ManualClock::new();
    let service = I::start(S::racing(), &settings(&manual));
    let clients = rounds.first().map_or(0, Vec::len);
    let meet = Arc::new(Barrier::new(clients + 1));
    let workers: Vec<_> = (0..clients)
        .map(|id| {
            let (service, meet, manual) = (service.clone(), meet.clone(), manual.clone());
            let mine: Vec<Vec<Step<S::Op>>> = rounds.iter().map(|r| r[id].clone()).collect();
            thread::spawn(move || {
                let mut client = Client::<S>::new(id);
                for steps in mine {
                    meet.wait();
                    let now = manual.now();
                    for step in steps {
                        if client.failure.is_some() {
                            break;
                        }
                        match step {
                            Step::Call(op) => {
                                let invoked = Instant::now();
                                let got = service.call(op.clone());
                                client.record(op, now, invoked, got);
                            }
                            Step::Cleanup => {
                                if let Err(e) = service.cleanup() {
                                    client.fail(format!("cleanup failed: {e}"));
                                }
                            }
                            Step::Pause(pause) => spin(pause),
                            Step::Advance(_) => {}
                        }
                    }
                    meet.wait();
                }
                client.finish()
            })
        })
        .collect();
    for advance in advances {
        meet.wait(); // the round starts
        meet.wait(); // every client is done with it
        manual.advance(advance);
    }
    let mut history = Vec::new();
    for w in workers {
        history.extend(
            w.join()
                .map_err(|_| "a client thread panicked".to_string())??,
        );
    }
    history.extend(final_reads::<S, I>(&service, clients, manual.now())?);
    Ok(history)
}

/// Runs the scenario with one tokio task per client (on a two-worker runtime, which also
/// hosts the service when it is an owner task) and async calls.
fn run_tasks<S: Model, I: Service<S>>(
    rounds: Vec<Vec<Vec<Step<S::Op>>>>,
    advances: Vec<Duration>,
) -> Result<Vec<Call<S>>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    runtime.block_on(async move {
        let manual = ManualClock::new();
        let service = I::start(S::racing(), &settings(&manual));
        let clients = rounds.first().map_or(0, Vec::len);
        let meet = Arc::new(tokio::sync::Barrier::new(clients + 1));
        let workers: Vec<_> = (0..clients)
            .map(|id| {
                let (service, meet, manual) = (service.clone(), meet.clone(), manual.clone());
                let mine: Vec<Vec<Step<S::Op>>> = rounds.iter().map(|r| r[id].clone()).collect();
                tokio::spawn(async move {
                    let mut client = Client::<S>::new(id);
                    for steps in mine {
                        meet.wait().await;
                        let now = manual.now();
                        for step in steps {
                            if client.failure.is_some() {
                                break;
                            }
                            match step {
                                Step::Call(op) => {
                                    let invoked = Instant::now();
                                    let got = service.call_async(op.clone()).await;
                                    client.record(op, now, invoked, got);
                                }
                                Step::Cleanup => {
                                    // `cleanup` blocks: off the workers, like any blocking call.
                                    let service = service.clone();
                                    match tokio::task::spawn_blocking(move || service.cleanup())
                                        .await
                                    {
                                        Ok(Ok(())) => {}
                                        Ok(Err(e)) => client.fail(format!("cleanup failed: {e}")),
                                        Err(e) => client.fail(format!("cleanup panicked: {e}")),
                                    }
                                }
                                Step::Pause(pause) => {
                                    // Yield too, so tasks sharing a worker interleave.
                                    spin(pause);
                                    tokio::task::yield_now().await;
                                }
                                Step::Advance(_) => {}
                            }
                        }
                        meet.wait().await;
                    }
                    client.finish()
                })
            })
            .collect();
        for advance in advances {
            meet.wait().await;
            meet.wait().await;
            manual.advance(advance);
        }
        let mut history = Vec::new();
        for w in workers {
            history.extend(
                w.await
                    .map_err(|e| format!("a client task failed: {e}"))??,
            );
        }
        // Blocking calls (the final reads, the shutdown) off the runtime's workers.
        let reads = tokio::task::spawn_blocking(move || {
            final_reads::<S, I>(&service, clients, manual.now())
        });
        history.extend(reads.await.map_err(|e| format!("the final reads: {e}"))??);
        Ok(history)
    })
}

/// Runs `scenario` on a fresh `I` in `style` and returns its history. The run happens on a
/// thread of its own and is awaited at most [`PATIENCE`], so a call that hangs fails the
/// check instead of hanging it.
pub fn record<S: Model, I: Service<S>>(
    scenario: &Scenario<S::Op>,
    style: CallStyle,
) -> Result<Vec<Call<S>>, String> {
    let rounds = admitted::<S, I>(scenario);
    let advances = scenario.rounds.iter().map(|r| r.advance).collect();
    let (done_tx, done_rx) = mpsc::channel();
    let runner = thread::spawn(move || {
        let history = match style {
            CallStyle::Blocking => run_threads::<S, I>(rounds, advances),
            CallStyle::Async => run_tasks::<S, I>(rounds, advances),
        };
        let _ = done_tx.send(history);
    });
    let history = done_rx
        .recv_timeout(PATIENCE)
        .map_err(|_| format!("the scenario did not finish within {PATIENCE:?}: a call hangs"))?;
    runner
        .join()
        .map_err(|_| "the scenario's thread panicked".to_string())?;
    history
}

/// What [`check_linearizable`] checked.
#[derive(Clone, Copy, Debug, Default)]
pub struct Linearized {
    /// Histories recorded and checked (shrinking included).
    pub histories: u32,
    /// Their calls, partitions and overlapping calls, summed.
    pub checked: Checked,
}

/// Draws `cases` concurrent scenarios, runs each on a fresh `I` in `style`, and checks every
/// history for linearizability against the model. On failure, returns the smallest failing
/// scenario proptest found and the offending sub-history.
pub fn check_linearizable<S: Model, I: Service<S>>(
    style: CallStyle,
    cases: u32,
) -> Result<Linearized, String> {
    let config = Config {
        cases,
        failure_persistence: None,
        // Each history runs real threads; a short shrink keeps a failure's report quick.
        max_shrink_iters: 64,
        ..Config::default()
    };
    let total = Cell::new(Linearized::default());
    // How many histories passed before the first failure (shrinking runs more afterwards).
    let passed_before_failure = Cell::new(None);
    let failed = |why: String| {
        if passed_before_failure.get().is_none() {
            passed_before_failure.set(Some(total.get().histories));
        }
        TestCaseError::fail(why)
    };
    let mut runner = TestRunner::new(config);
    runner
        .run(&scenario::<S>(), |scenario| {
            let history = record::<S, I>(&scenario, style).map_err(failed)?;
            let checked =
                linearizability::check(S::racing, &history).map_err(|v| failed(v.to_string()))?;
            let mut t = total.get();
            t.histories += 1;
            t.checked += checked;
            total.set(t);
            Ok(())
        })
        .map_err(|e| match e {
            TestError::Fail(why, scenario) => format!(
                "{} ({}, {style:?} calls) is not linearizable (found after {} linearizable \
                 histories): {why}\nscenario: {scenario:?}",
                I::NAME,
                S::SERVICE,
                passed_before_failure.get().unwrap_or(0)
            ),
            TestError::Abort(why) => format!("{} ({}): aborted: {why}", I::NAME, S::SERVICE),
        })?;
    Ok(total.get())
}

/// Cleanup racing a hammering load: `clients` clients make `calls` calls per round over
/// `rounds` rounds while one more client does nothing but run cleanup passes, on top of the
/// service's own periodic cleanup every few milliseconds; the clock moves between rounds so
/// entries keep expiring. The whole history (thousands of calls) is checked for
/// linearizability, key by key. Returns what was checked and how many cleanup passes raced.
pub fn cleanup_racing_clients<S: Model, I: Service<S>>(
    style: CallStyle,
    rounds: usize,
    clients: usize,
    calls: usize,
) -> Result<(Linearized, usize), String> {
    let mut runner = TestRunner::deterministic();
    let (ops, advances) = (S::op(), S::advance());
    let pauses = (0u64..5_000).prop_map(Duration::from_nanos).boxed();
    let mut scenario = Scenario {
        rounds: Vec::new(),
        whole: false,
    };
    for _ in 0..rounds {
        let mut round = Round {
            clients: vec![
                (0..calls)
                    .flat_map(|_| [Step::Cleanup, Step::Pause(Duration::from_micros(2))])
                    .collect(),
            ],
            advance: draw(&advances, &mut runner)?,
        };
        for _ in 0..clients {
            let mut steps = Vec::with_capacity(2 * calls);
            for _ in 0..calls {
                steps.push(Step::Call(draw(&ops, &mut runner)?));
                steps.push(Step::Pause(draw(&pauses, &mut runner)?));
            }
            round.clients.push(steps);
        }
        scenario.rounds.push(round);
    }
    let cleanups = rounds * calls;
    let history = record::<S, I>(&scenario, style)?;
    let checked = linearizability::check(S::racing, &history).map_err(|v| {
        format!(
            "{} ({}, {style:?} calls) with cleanup racing: {v}",
            I::NAME,
            S::SERVICE
        )
    })?;
    Ok((
        Linearized {
            histories: 1,
            checked,
        },
        cleanups,
    ))
}

/// One value of `strategy`.
fn draw<T: Debug>(strategy: &BoxedStrategy<T>, runner: &mut TestRunner) -> Result<T, String> {
    use proptest::strategy::ValueTree;
    strategy
        .new_tree(runner)
        .map(|tree| tree.current())
        .map_err(|e| format!("cannot draw: {e}"))
}
