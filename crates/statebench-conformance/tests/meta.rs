//! Meta-tests: the suite must reject deliberately wrong implementations, and accept a correct
//! one built the same way — so a passing conformance test means something.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use statebench_conformance::{
    CallStyle, Model, check_counter_conservation, check_linearizable, check_model,
};
use statebench_core::{
    CacheOp, CacheReply, CacheU64, Clock, Counter, CounterOp, CounterReply, Error, KvOp, KvReply,
    KvU64, Service, Settings, StateMachine,
};

/// How a test implementation answers one operation (the bug lives here).
trait Rule<S: StateMachine>: Send + Sync + 'static {
    fn apply(state: &mut S, op: S::Op, now: Instant) -> S::Reply;
}

/// The model behind a mutex, with its replies chosen by `R`.
struct Mock<S, R> {
    state: Arc<Mutex<Option<S>>>,
    clock: Clock,
    _rule: PhantomData<fn() -> R>,
}

impl<S, R> Clone for Mock<S, R> {
    fn clone(&self) -> Self {
        Mock {
            state: self.state.clone(),
            clock: self.clock.clone(),
            _rule: PhantomData,
        }
    }
}

impl<S: StateMachine, R: Rule<S>> Service<S> for Mock<S, R> {
    const NAME: &'static str = "mock";
    const FAMILY: statebench_core::Family = statebench_core::Family::Lock;
    const ABOUT: &'static str = "a mutex around the model, with a planted fault";

    fn start(initial: S, settings: &Settings) -> Self {
        Mock {
            state: Arc::new(Mutex::new(Some(initial))),
            clock: settings.clock.clone(),
            _rule: PhantomData,
        }
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        let mut state = self.state.lock().map_err(|_| Error::Stopped)?;
        let state = state.as_mut().ok_or(Error::Stopped)?;
        Ok(R::apply(state, op, self.clock.now()))
    }

    async fn call_async(&self, op: S::Op) -> Result<S::Reply, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        let mut state = self.state.lock().map_err(|_| Error::Stopped)?;
        state
            .as_mut()
            .ok_or(Error::Stopped)?
            .cleanup(self.clock.now());
        Ok(())
    }

    fn shutdown(&self) -> Result<S, Error> {
        self.state
            .lock()
            .map_err(|_| Error::Stopped)?
            .take()
            .ok_or(Error::Stopped)
    }
}

/// The correct rule: the control every meta-test compares against.
struct Correct;
impl<S: StateMachine> Rule<S> for Correct {
    fn apply(state: &mut S, op: S::Op, now: Instant) -> S::Reply {
        state.apply(op, now)
    }
}

/// A cache whose `get` ignores expiry: stale values are served until a cleanup drops them.
struct IgnoresExpiry;
impl Rule<CacheU64> for IgnoresExpiry {
    fn apply(state: &mut CacheU64, op: CacheOp<u64, u64>, now: Instant) -> CacheReply<u64> {
        match op {
            CacheOp::Get(key) => CacheReply::Value(
                state
                    .stored()
                    .find(|(k, _)| **k == key)
                    .map(|(_, e)| e.value),
            ),
            op => state.apply(op, now),
        }
    }
}

/// A store whose `set` replies with the value it wrote instead of the one it replaced.
struct WrongPrevious;
impl Rule<KvU64> for WrongPrevious {
    fn apply(state: &mut KvU64, op: KvOp<u64, u64>, now: Instant) -> KvReply<u64> {
        match op {
            KvOp::Set(k, v) => {
                state.apply(KvOp::Set(k, v), now);
                KvReply::Value(Some(v))
            }
            op => state.apply(op, now),
        }
    }
}

/// A counter that batches increments in groups of four and whose `reset` forgets the batch
/// still pending: those increments vanish from the count the reset reports.
struct LosesIncrementsOnReset;
impl Rule<Counter> for LosesIncrementsOnReset {
    fn apply(state: &mut Counter, op: CounterOp, now: Instant) -> CounterReply {
        match op {
            CounterOp::Reset => {
                let CounterReply(count) = state.apply(CounterOp::Reset, now);
                CounterReply(count - count % 4)
            }
            op => state.apply(op, now),
        }
    }
}

fn rejects<S: Model, R: Rule<S>>(style: CallStyle, mentions: &str) {
    let report = check_model::<S, Mock<S, R>>(style, 256)
        .expect_err("the suite must reject this implementation");
    assert!(report.contains("differs from the model"), "{report}");
    assert!(report.contains("minimal case"), "{report}");
    assert!(
        report.contains(mentions),
        "the minimal history should involve {mentions}: {report}"
    );
}

/// A service whose every call takes a minute: a wedged strategy.
#[derive(Clone)]
struct Wedged;

impl Service<Counter> for Wedged {
    const NAME: &'static str = "wedged";
    const FAMILY: statebench_core::Family = statebench_core::Family::Lock;
    const ABOUT: &'static str = "never answers in time";

    fn start(_: Counter, _: &Settings) -> Self {
        Wedged
    }

    fn call(&self, _: CounterOp) -> Result<CounterReply, Error> {
        std::thread::sleep(Duration::from_secs(60));
        Err(Error::Stopped)
    }

    async fn call_async(&self, op: CounterOp) -> Result<CounterReply, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        Ok(())
    }

    fn shutdown(&self) -> Result<Counter, Error> {
        Err(Error::Stopped)
    }
}

/// The child half of the next test: runs the suite on [`Wedged`] with a 300 ms watchdog. Run
/// alone (without the parent's variable) it does nothing.
#[test]
#[ignore = "run by a_wedged_strategy_fails_the_suite_instead_of_hanging, in a process of its own"]
fn wedged_child() {
    if std::env::var_os("STATEBENCH_WEDGED_CHILD").is_none() {
        return;
    }
    let _ = statebench_conformance::check_model_within::<Counter, Wedged>(
        CallStyle::Blocking,
        4,
        Duration::from_millis(300),
    );
    panic!("the watchdog let a wedged call last a minute");
}

/// A strategy whose call never returns fails the model-based suite in a bounded time: the
/// watchdog ends the test process with libtest's failure status and says what it watched.
/// (The suite runs in a child process, since ending the process is what is tested.)
#[test]
fn a_wedged_strategy_fails_the_suite_instead_of_hanging() {
    let started = std::time::Instant::now();
    let mut child = std::process::Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--exact", "wedged_child", "--ignored", "--nocapture"])
        .env("STATEBENCH_WEDGED_CHILD", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the child test");
    let done = statebench_conformance::wait::eventually(|| matches!(child.try_wait(), Ok(Some(_))));
    if !done {
        let _ = child.kill();
    }
    let output = child.wait_with_output().expect("the child's output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        done,
        "the child still ran after {:?}: {stderr}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(101), "{stderr}");
    assert!(
        stderr.contains("wedged (counter, Blocking calls): no progress for 300ms"),
        "{stderr}"
    );
}

#[test]
fn a_correct_implementation_passes() {
    for style in [CallStyle::Blocking, CallStyle::Async] {
        check_model::<KvU64, Mock<KvU64, Correct>>(style, 64).expect("kv");
        check_model::<Counter, Mock<Counter, Correct>>(style, 64).expect("counter");
        check_model::<CacheU64, Mock<CacheU64, Correct>>(style, 64).expect("cache");
        check_model::<statebench_core::Sessions, Mock<_, Correct>>(style, 64).expect("sessions");
    }
}

/// A correct implementation that starts from an empty state, whatever it is given: the bug a
/// suite whose histories all start empty cannot see.
struct ForgetsStart<S: StateMachine>(Mock<S, Correct>);

impl<S: StateMachine> Clone for ForgetsStart<S> {
    fn clone(&self) -> Self {
        ForgetsStart(self.0.clone())
    }
}

impl<S: Model> Service<S> for ForgetsStart<S> {
    const NAME: &'static str = "forgets_start";
    const FAMILY: statebench_core::Family = statebench_core::Family::Lock;
    const ABOUT: &'static str = "the model behind a mutex, started empty whatever it is given";

    fn start(_: S, settings: &Settings) -> Self {
        ForgetsStart(Mock::start(S::model(), settings))
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        self.0.call(op)
    }

    async fn call_async(&self, op: S::Op) -> Result<S::Reply, Error> {
        self.0.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.0.cleanup()
    }

    fn shutdown(&self) -> Result<S, Error> {
        self.0.shutdown()
    }
}

#[test]
fn rejects_a_strategy_that_ignores_the_state_it_is_started_with() {
    for style in [CallStyle::Blocking, CallStyle::Async] {
        for report in [
            check_model::<KvU64, ForgetsStart<KvU64>>(style, 256).err(),
            check_model::<Counter, ForgetsStart<Counter>>(style, 256).err(),
            check_model::<CacheU64, ForgetsStart<CacheU64>>(style, 256).err(),
            check_model::<statebench_core::Sessions, ForgetsStart<_>>(style, 256).err(),
        ] {
            let report = report.expect("the suite must reject a strategy that forgets its start");
            // The minimal case starts from a state that holds something.
            assert!(report.contains("started after ["), "{report}");
            assert!(!report.contains("started after []"), "{report}");
        }
    }
}

#[test]
fn rejects_a_cache_that_ignores_expiry() {
    rejects::<CacheU64, IgnoresExpiry>(CallStyle::Blocking, "Get");
    rejects::<CacheU64, IgnoresExpiry>(CallStyle::Async, "Get");
}

#[test]
fn rejects_a_store_whose_set_returns_the_wrong_previous_value() {
    rejects::<KvU64, WrongPrevious>(CallStyle::Blocking, "Set");
    rejects::<KvU64, WrongPrevious>(CallStyle::Async, "Set");
}

#[test]
fn rejects_a_counter_that_loses_increments_under_reset() {
    rejects::<Counter, LosesIncrementsOnReset>(CallStyle::Blocking, "Reset");
    rejects::<Counter, LosesIncrementsOnReset>(CallStyle::Async, "Reset");
}

/// A counter over an atomic whose reset reads, then writes zero, as two steps: increments that
/// land in between are lost. To make the loss certain rather than lucky, the reset waits (at
/// most 5 ms) for another thread's increment to land in its window.
#[derive(Clone)]
struct TwoStepReset(Arc<std::sync::atomic::AtomicU64>);

impl Service<Counter> for TwoStepReset {
    const NAME: &'static str = "two_step_reset";
    const FAMILY: statebench_core::Family = statebench_core::Family::Concurrent;
    const ABOUT: &'static str = "an atomic counter whose reset takes two steps (not linearizable)";

    fn start(initial: Counter, _: &Settings) -> Self {
        TwoStepReset(Arc::new(initial.count().into()))
    }

    fn call(&self, op: CounterOp) -> Result<CounterReply, Error> {
        use std::sync::atomic::Ordering::SeqCst;
        Ok(CounterReply(match op {
            CounterOp::Increment => self.0.fetch_add(1, SeqCst) + 1,
            CounterOp::Get => self.0.load(SeqCst),
            CounterOp::Reset => {
                let seen = self.0.load(SeqCst);
                let deadline = Instant::now() + std::time::Duration::from_millis(5);
                while self.0.load(SeqCst) == seen && Instant::now() < deadline {
                    std::thread::yield_now();
                }
                self.0.store(0, SeqCst);
                seen
            }
        }))
    }

    async fn call_async(&self, op: CounterOp) -> Result<CounterReply, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        Ok(())
    }

    fn shutdown(&self) -> Result<Counter, Error> {
        Ok(Counter::starting_at(
            self.0.load(std::sync::atomic::Ordering::SeqCst),
        ))
    }
}

#[test]
fn conservation_rejects_a_counter_whose_reset_loses_concurrent_increments() {
    let report = check_counter_conservation::<TwoStepReset>(3, 3000)
        .expect_err("the conservation check must catch the lost increments");
    assert!(report.contains("lost increments"), "{report}");
    // The control: a correct counter built the same way passes the concurrent check.
    check_counter_conservation::<Mock<Counter, Correct>>(3, 3000).expect("correct counter");
}

// --- the linearizability check ---------------------------------------------------------------

/// A counter whose increment reads, then writes, as two steps: correct one call at a time, but
/// two increments that race both reply the same count and one is lost. The yield between the
/// steps widens the window without waiting for a collision: the check must find one by itself.
#[derive(Clone)]
struct ReadThenWrite {
    count: Arc<std::sync::atomic::AtomicU64>,
    stopped: Arc<std::sync::atomic::AtomicBool>,
}

impl Service<Counter> for ReadThenWrite {
    const NAME: &'static str = "read_then_write";
    const FAMILY: statebench_core::Family = statebench_core::Family::Concurrent;
    const ABOUT: &'static str =
        "an atomic counter whose increment reads, then writes (loses updates)";

    fn start(initial: Counter, _: &Settings) -> Self {
        ReadThenWrite {
            count: Arc::new(initial.count().into()),
            stopped: Arc::default(),
        }
    }

    fn call(&self, op: CounterOp) -> Result<CounterReply, Error> {
        use std::sync::atomic::Ordering::SeqCst;
        if self.stopped.load(SeqCst) {
            return Err(Error::Stopped);
        }
        Ok(CounterReply(match op {
            CounterOp::Increment => {
                let seen = self.count.load(SeqCst);
                std::thread::yield_now();
                self.count.store(seen + 1, SeqCst);
                seen + 1
            }
            CounterOp::Get => self.count.load(SeqCst),
            CounterOp::Reset => self.count.swap(0, SeqCst),
        }))
    }

    async fn call_async(&self, op: CounterOp) -> Result<CounterReply, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.call(CounterOp::Get).map(drop)
    }

    fn shutdown(&self) -> Result<Counter, Error> {
        use std::sync::atomic::Ordering::SeqCst;
        if self.stopped.swap(true, SeqCst) {
            return Err(Error::Stopped);
        }
        Ok(Counter::starting_at(self.count.load(SeqCst)))
    }
}

/// A store where each handle remembers what it last wrote or read per key and answers later
/// reads of that key from its copy: every client reads its own writes, so one caller alone
/// sees a correct store, but a client misses the other clients' writes.
struct StaleCopy {
    shared: Arc<Mutex<Option<KvU64>>>,
    copy: Mutex<std::collections::HashMap<u64, Option<u64>>>,
}

impl Clone for StaleCopy {
    fn clone(&self) -> Self {
        StaleCopy {
            shared: self.shared.clone(),
            copy: Mutex::default(),
        }
    }
}

impl Service<KvU64> for StaleCopy {
    const NAME: &'static str = "stale_copy";
    const FAMILY: statebench_core::Family = statebench_core::Family::Lock;
    const ABOUT: &'static str = "a store that answers reads from a stale copy";

    fn start(initial: KvU64, _: &Settings) -> Self {
        StaleCopy {
            shared: Arc::new(Mutex::new(Some(initial))),
            copy: Mutex::default(),
        }
    }

    fn call(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        let mut copy = self.copy.lock().map_err(|_| Error::Stopped)?;
        let mut shared = self.shared.lock().map_err(|_| Error::Stopped)?;
        let state = shared.as_mut().ok_or(Error::Stopped)?;
        if let KvOp::Get(k) = op
            && let Some(v) = copy.get(&k)
        {
            return Ok(KvReply::Value(*v));
        }
        let reply = state.apply(op.clone(), Instant::now());
        match (op, &reply) {
            (KvOp::Get(k), KvReply::Value(v)) => copy.insert(k, *v),
            (KvOp::Set(k, v), _) => copy.insert(k, Some(v)),
            (KvOp::Delete(k), _) => copy.insert(k, None),
            _ => None,
        };
        Ok(reply)
    }

    async fn call_async(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.call(KvOp::Len).map(drop)
    }

    fn shutdown(&self) -> Result<KvU64, Error> {
        self.shared
            .lock()
            .map_err(|_| Error::Stopped)?
            .take()
            .ok_or(Error::Stopped)
    }
}

/// How many concurrent histories the meta-tests allow the check to find the bug in; it needs
/// far fewer (the test prints how many).
const LIN_CASES: u32 = 256;

fn not_linearizable<S: Model, I: Service<S>>(style: CallStyle, mentions: &str) {
    // One caller at a time, the broken implementation is right: only concurrency shows it.
    check_model::<S, I>(style, 64).expect("sequentially, the bug is invisible");
    let report = check_linearizable::<S, I>(style, LIN_CASES)
        .expect_err("the linearizability check must reject this implementation");
    assert!(report.contains("is not linearizable"), "{report}");
    assert!(report.contains(mentions), "{report}");
    println!("{style:?}: rejected\n{report}");
}

#[test]
fn linearizability_rejects_a_counter_whose_increment_reads_then_writes() {
    not_linearizable::<Counter, ReadThenWrite>(CallStyle::Blocking, "Increment");
    not_linearizable::<Counter, ReadThenWrite>(CallStyle::Async, "Increment");
}

#[test]
fn linearizability_rejects_a_store_that_answers_reads_from_a_stale_copy() {
    not_linearizable::<KvU64, StaleCopy>(CallStyle::Blocking, "Get");
    not_linearizable::<KvU64, StaleCopy>(CallStyle::Async, "Get");
}

#[test]
fn linearizability_accepts_a_correct_implementation() {
    for style in [CallStyle::Blocking, CallStyle::Async] {
        let counter = check_linearizable::<Counter, Mock<Counter, Correct>>(style, LIN_CASES)
            .expect("a correct counter is linearizable");
        let kv = check_linearizable::<KvU64, Mock<KvU64, Correct>>(style, LIN_CASES)
            .expect("a correct store is linearizable");
        assert_eq!((counter.histories, kv.histories), (LIN_CASES, LIN_CASES));
        assert!(counter.checked.overlapping > 0, "no call ever overlapped");
    }
}

/// Every planted bug of `scripts/mutants.sh` still applies to the code. The script measures
/// what the suites catch and fails on a patch that no longer applies, but it is not part of
/// CI (a quarter of an hour): a move or a rename that leaves a plant behind fails here instead.
#[test]
fn every_planted_bug_still_applies_to_the_code() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut patches: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("scripts/mutants"))
        .expect("scripts/mutants")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "patch"))
        .collect();
    patches.sort();
    assert!(patches.len() >= 20, "{patches:?}");
    for patch in &patches {
        let out = std::process::Command::new("git")
            .args(["apply", "--check"])
            .arg(patch)
            .current_dir(&root)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "{} no longer applies (rewrite it against the code): {}",
            patch.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// docs/RELIABILITY.md's rows for the plants rewritten after issue 33 are those of the
/// committed `--only` run that tried them.
#[test]
fn the_rewritten_plants_rows_come_from_their_committed_run() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = |path: &str| std::fs::read_to_string(root.join(path)).expect(path);
    let table = read("results/2026-12-06-epyc-mutants/mutants.md");
    let doc = read("docs/RELIABILITY.md");
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("| 1") || l.starts_with("| 2"))
        .collect();
    assert_eq!(rows.len(), 6, "{table}");
    for row in rows {
        assert!(
            doc.lines().any(|l| l == row),
            "docs/RELIABILITY.md lacks the run's row {row:?}"
        );
    }
}
