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
use std::sync::atomic::{AtomicUsize, Ordering};
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
use crate::{CallStyle, Model, Step, pin, spin};

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
    /// Async calls only: whether each client runs on a runtime thread of its own (so that
    /// the clients' calls run in parallel) rather than as a task on the service's runtime.
    pub spread: bool,
}

/// Draws scenarios of 2–4 clients, 1–3 rounds, 1–16 steps per client and round, over 1, 2, 3
/// or 6 keys (mostly few, so that racing calls meet on one key).
///
/// Pauses are mostly shorter than a lock's call (under 300 ns), sometimes up to 3 µs, and
/// rarely up to 20 µs: short ones keep a fast strategy's calls overlapping (a long pause in
/// one client lets the others finish their round alone); long ones let an owner's queue
/// drain and the clients fall out of step. Async clients are spread over runtimes of their
/// own in three scenarios out of four (see [`Scenario::spread`]).
pub fn scenario<S: Model>() -> impl Strategy<Value = Scenario<S::Op>> {
    let keys = prop_oneof![2 => Just(1u64), 3 => Just(2), 2 => Just(3), 1 => Just(6)];
    let step = move |keys: u64| {
        let pause =
            |ns: std::ops::Range<u64>| ns.prop_map(|ns| Step::Pause(Duration::from_nanos(ns)));
        prop_oneof![
            20 => S::op_over(keys).prop_map(Step::Call),
            2 => Just(Step::Cleanup),
            4 => pause(0..300),
            2 => pause(300..3_000),
            1 => pause(3_000..20_000),
        ]
    };
    // The counter is one object: nothing to split by key, every history is whole.
    let whole = if S::KINDS.iter().any(|k| k.keyed) {
        prop::bool::weighted(0.25).boxed()
    } else {
        Just(true).boxed()
    };
    let spread = prop::bool::weighted(0.75);
    (2usize..=4, whole, keys, spread).prop_flat_map(move |(clients, whole, keys, spread)| {
        let round = (
            proptest::collection::vec(proptest::collection::vec(step(keys), 1..=16), clients),
            S::advance(),
        )
            .prop_map(|(clients, advance)| Round { clients, advance });
        proptest::collection::vec(round, 1..=3).prop_map(move |rounds| Scenario {
            rounds,
            whole,
            spread,
        })
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

/// One client of a scenario: its recorded calls and its first failure. Its rounds
/// ([`Client::round`]) run between meetings with the others, which it keeps attending after a
/// failure, so that nobody waits for it forever.
struct Client<S: Model> {
    id: usize,
    calls: Vec<Call<S>>,
    failure: Option<String>,
}

impl<S: Model> Client<S> {
    /// A client that will make up to `calls` calls: room for them all is made up front, so
    /// that no reallocation lands between two racing calls.
    fn new(id: usize, calls: usize) -> Self {
        Client {
            id,
            calls: Vec::with_capacity(calls),
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

    /// Makes one round's steps in call style `C`, stopping at the first failure: the one
    /// step dispatch of both call styles.
    async fn round<I: Service<S>, C: Style<S, I>>(
        &mut self,
        service: &I,
        steps: Vec<Step<S::Op>>,
        now: Instant,
    ) {
        for step in steps {
            if self.failure.is_some() {
                break;
            }
            match step {
                Step::Call(op) => {
                    let invoked = Instant::now();
                    let got = C::call(service, op.clone()).await;
                    self.record(op, now, invoked, got);
                }
                Step::Cleanup => {
                    if let Err(e) = C::cleanup(service).await {
                        self.fail(e);
                    }
                }
                Step::Pause(pause) => C::pause(pause).await,
                Step::Advance(_) => {}
            }
        }
    }
}

/// How a client makes a step: what blocking and async clients do differently.
trait Style<S: Model, I: Service<S>> {
    fn call(service: &I, op: S::Op) -> impl Future<Output = Result<S::Reply, Error>> + Send;
    fn cleanup(service: &I) -> impl Future<Output = Result<(), String>> + Send;
    fn pause(pause: Duration) -> impl Future<Output = ()> + Send;
}

/// Blocking calls from an OS thread: every step is done when its future is first polled.
struct Blocking;

impl<S: Model, I: Service<S>> Style<S, I> for Blocking {
    async fn call(service: &I, op: S::Op) -> Result<S::Reply, Error> {
        service.call(op)
    }

    async fn cleanup(service: &I) -> Result<(), String> {
        service
            .cleanup()
            .map_err(|e| format!("cleanup failed: {e}"))
    }

    async fn pause(pause: Duration) {
        spin(pause);
    }
}

/// Async calls from a tokio task.
struct Async;

impl<S: Model, I: Service<S>> Style<S, I> for Async {
    async fn call(service: &I, op: S::Op) -> Result<S::Reply, Error> {
        service.call_async(op).await
    }

    async fn cleanup(service: &I) -> Result<(), String> {
        // `cleanup` blocks (a tokio lock's blocking path even refuses to run inside a
        // runtime): off the runtime's thread, like any blocking call.
        let service = service.clone();
        match tokio::task::spawn_blocking(move || service.cleanup()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("cleanup failed: {e}")),
            Err(e) => Err(format!("cleanup panicked: {e}")),
        }
    }

    async fn pause(pause: Duration) {
        // A long pause yields too, so that tasks sharing a worker interleave. A short one
        // only spins: a trip through the scheduler takes microseconds, and would pull racing
        // calls apart.
        spin(pause);
        if pause >= YIELDING_PAUSE {
            tokio::task::yield_now().await;
        }
    }
}

/// Runs a future whose every await is ready when first polled (a [`Blocking`] client's round)
/// on this thread, to its end.
fn at_once<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::hint::spin_loop();
    }
}

/// The shortest pause after which a task yields to its worker (see [`run_tasks`]).
const YIELDING_PAUSE: Duration = Duration::from_micros(1);

/// Where a round's clients meet and leave together. A barrier wakes its waiters one by one,
/// and a wake-up reaches a thread on the other core tens of microseconds later on this
/// project's VMs (the floors' `wake` figures): longer than a whole round of lock calls lasts, so the clients of a
/// fast strategy would take turns instead of racing. After the round's barrier, each client
/// also counts itself in here and spins until every client has, so they start at once.
struct Start {
    arrived: Vec<AtomicUsize>,
    clients: usize,
}

impl Start {
    fn new(rounds: usize, clients: usize) -> Self {
        Start {
            arrived: (0..rounds).map(|_| AtomicUsize::new(0)).collect(),
            clients,
        }
    }

    /// Counts the caller in for `round`.
    fn arrive(&self, round: usize) -> &AtomicUsize {
        let arrived = &self.arrived[round];
        arrived.fetch_add(1, Ordering::AcqRel);
        arrived
    }

    fn all_in(&self, arrived: &AtomicUsize) -> bool {
        arrived.load(Ordering::Acquire) >= self.clients
    }

    /// Spins (yielding now and then, since clients may outnumber the cores) until every
    /// client of `round` has arrived; false if they did not all come within [`PATIENCE`].
    fn wait(&self, round: usize) -> bool {
        let arrived = self.arrive(round);
        let deadline = Instant::now() + PATIENCE;
        let mut spins = 0u32;
        while !self.all_in(arrived) {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(64) {
                thread::yield_now();
                if Instant::now() > deadline {
                    return false;
                }
            } else {
                std::hint::spin_loop();
            }
        }
        true
    }

    /// [`Start::wait`] for tasks: spins for up to 200 µs, then yields to the runtime, so that
    /// a client queued on the same worker gets there too. (Yielding at every turn would not
    /// do: a task then sees the last arrival only a trip through its worker's scheduler
    /// later, after the last one has run its whole round.)
    async fn wait_async(&self, round: usize) -> bool {
        let arrived = self.arrive(round);
        let deadline = Instant::now() + PATIENCE;
        loop {
            let turn = Instant::now() + Duration::from_micros(200);
            while Instant::now() < turn {
                if self.all_in(arrived) {
                    return true;
                }
                std::hint::spin_loop();
            }
            if Instant::now() > deadline {
                return false;
            }
            // The OS thread too: a client on a runtime of its own yields only this way.
            thread::yield_now();
            tokio::task::yield_now().await;
        }
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
    let mut reader = Client::<S>::new(id, S::final_reads().len());
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
    let start = Arc::new(Start::new(rounds.len(), clients));
    let workers: Vec<_> = (0..clients)
        .map(|id| {
            let (service, meet, manual) = (service.clone(), meet.clone(), manual.clone());
            let start = start.clone();
            let mine: Vec<Vec<Step<S::Op>>> = rounds.iter().map(|r| r[id].clone()).collect();
            thread::spawn(move || {
                pin::spread_over_cores(id);
                let mut client = Client::<S>::new(id, mine.iter().map(Vec::len).sum());
                for (round, steps) in mine.into_iter().enumerate() {
                    meet.wait();
                    if !start.wait(round) {
                        client.fail(format!("the others did not start round {round}"));
                    }
                    let now = manual.now();
                    at_once(client.round::<I, Blocking>(&service, steps, now));
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

/// One async client's rounds: meets the others at `meet` (and `start`) around each round and
/// makes its calls with `call_async`.
async fn task_client<S: Model, I: Service<S>>(
    id: usize,
    mine: Vec<Vec<Step<S::Op>>>,
    service: I,
    meet: Arc<tokio::sync::Barrier>,
    start: Arc<Start>,
    manual: ManualClock,
) -> Result<Vec<Call<S>>, String> {
    let mut client = Client::<S>::new(id, mine.iter().map(Vec::len).sum());
    for (round, steps) in mine.into_iter().enumerate() {
        meet.wait().await;
        if !start.wait_async(round).await {
            client.fail(format!("the others did not start round {round}"));
        }
        let now = manual.now();
        client.round::<I, Async>(&service, steps, now).await;
        meet.wait().await;
    }
    client.finish()
}

/// Runs the scenario with async calls from tokio tasks. The service starts on a two-worker
/// runtime (which hosts it when it is an owner task). With `spread` false, the clients are
/// tasks on that runtime too, sharing its workers with each other and with an owner; with
/// `spread` true, each client is a task on a single-threaded runtime of its own, on a thread
/// of its own, so that the clients' calls run in parallel as blocking threads' do. (Tokio
/// puts tasks woken together on one worker and moves them only when the other worker wakes
/// and steals, tens of microseconds later; on the shared runtime, calls that finish in their
/// first poll — a lock's, an atomic's — rarely overlap at all.)
fn run_tasks<S: Model, I: Service<S>>(
    rounds: Vec<Vec<Vec<Step<S::Op>>>>,
    advances: Vec<Duration>,
    spread: bool,
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
        let start = Arc::new(Start::new(rounds.len(), clients));
        let mut tasks = Vec::new();
        let mut threads = Vec::new();
        for id in 0..clients {
            let mine: Vec<Vec<Step<S::Op>>> = rounds.iter().map(|r| r[id].clone()).collect();
            let client = task_client::<S, I>(
                id,
                mine,
                service.clone(),
                meet.clone(),
                start.clone(),
                manual.clone(),
            );
            if spread {
                let own = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start a client's tokio runtime: {e}"))?;
                threads.push(thread::spawn(move || {
                    pin::spread_over_cores(id);
                    own.block_on(client)
                }));
            } else {
                tasks.push(tokio::spawn(client));
            }
        }
        for advance in advances {
            meet.wait().await;
            meet.wait().await;
            manual.advance(advance);
        }
        let mut history = Vec::new();
        for task in tasks {
            history.extend(
                task.await
                    .map_err(|e| format!("a client task failed: {e}"))??,
            );
        }
        // Blocking calls (joins, the final reads, the shutdown) off the runtime's workers.
        let joined = tokio::task::spawn_blocking(move || {
            let mut history = Vec::new();
            for t in threads {
                history.extend(
                    t.join()
                        .map_err(|_| "a client's runtime thread panicked".to_string())??,
                );
            }
            Ok::<_, String>(history)
        });
        history.extend(
            joined
                .await
                .map_err(|e| format!("the client threads: {e}"))??,
        );
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
    let spread = scenario.spread;
    let (done_tx, done_rx) = mpsc::channel();
    let runner = thread::spawn(move || {
        let history = match style {
            CallStyle::Blocking => run_threads::<S, I>(rounds, advances),
            CallStyle::Async => run_tasks::<S, I>(rounds, advances, spread),
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
    let (ops, advances) = (S::op_over(3), S::advance());
    let pauses = (0u64..5_000).prop_map(Duration::from_nanos).boxed();
    let mut scenario = Scenario {
        rounds: Vec::new(),
        whole: false,
        spread: false,
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

/// Two clients — one per core of a small machine — racing on one key: each makes `calls`
/// calls per round, back to back, over `rounds` rounds, started together; the clock moves
/// between rounds, and the service's periodic cleanup races them. Async clients run on
/// runtimes of their own (so their calls run in parallel). `histories` such histories are
/// recorded and checked whole.
///
/// The drawn scenarios of [`check_linearizable`] mix pauses, cleanups and up to four clients
/// over a few keys; for a strategy whose calls take tens of nanoseconds that leaves few
/// calls in flight at once. This is where such a strategy's races are pressed: two cores
/// calling into one key for thousands of calls, the pattern in which a read-then-write
/// window of a few nanoseconds is hit.
pub fn one_key_race<S: Model, I: Service<S>>(
    style: CallStyle,
    histories: u32,
    rounds: usize,
    calls: usize,
) -> Result<Linearized, String> {
    let mut runner = TestRunner::deterministic();
    let (ops, advances) = (S::op_over(1), S::advance());
    let mut total = Linearized::default();
    for history in 0..histories {
        let mut scenario = Scenario {
            rounds: Vec::new(),
            whole: true,
            spread: true,
        };
        for _ in 0..rounds {
            let mut round = Round {
                clients: Vec::new(),
                advance: draw(&advances, &mut runner)?,
            };
            for _ in 0..2 {
                let steps = (0..calls)
                    .map(|_| draw(&ops, &mut runner).map(Step::Call))
                    .collect::<Result<_, _>>()?;
                round.clients.push(steps);
            }
            scenario.rounds.push(round);
        }
        let recorded = record::<S, I>(&scenario, style)?;
        let checked = linearizability::check(S::racing, &recorded).map_err(|v| {
            format!(
                "{} ({}, {style:?} calls), two clients racing on one key, history {history}: {v}",
                I::NAME,
                S::SERVICE
            )
        })?;
        total.histories += 1;
        total.checked += checked;
    }
    Ok(total)
}

/// One value of `strategy`.
fn draw<T: Debug>(strategy: &BoxedStrategy<T>, runner: &mut TestRunner) -> Result<T, String> {
    use proptest::strategy::ValueTree;
    strategy
        .new_tree(runner)
        .map(|tree| tree.current())
        .map_err(|e| format!("cannot draw: {e}"))
}
