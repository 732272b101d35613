//! The drivers end to end, on small runs: figures come out, replies are checked, and a fast but
//! wrong implementation fails the run.

use std::time::Duration;

use statebench_core::{Counter, Error, KvOp, KvReply, KvU64, Service, Settings};
use statebench_harness::workload::find;
use statebench_harness::{Cell, RustDriver, run_repetition};
use statebench_locked::MutexStd;
use statebench_owner_tokio::OwnerTokio;

fn cell(workload: &statebench_harness::Workload, driver: RustDriver, clients: usize) -> Cell<'_> {
    Cell {
        workload,
        driver,
        clients,
        warmup: Duration::from_millis(20),
        duration: Duration::from_millis(100),
        cover: None,
        sample_every: 64,
        seed: 42,
        tuning: Default::default(),
        work: Default::default(),
        pin_clients: false,
    }
}

#[test]
fn both_drivers_measure_every_operation_kind() {
    let w = find("kv_write_heavy").expect("exists");
    for driver in RustDriver::ALL {
        let rep = run_repetition::<KvU64, MutexStd<KvU64>>(&cell(&w, driver, 2)).expect("runs");
        assert!(rep.ops > 0 && rep.ops_per_sec > 0.0, "{rep:?}");
        let by_kind: u64 = rep.ops_by_kind.values().sum();
        assert_eq!(by_kind, rep.ops);
        for kind in ["get", "set", "all"] {
            let l = rep
                .latency
                .get(kind)
                .unwrap_or_else(|| panic!("{kind} latency missing: {rep:?}"));
            assert!(l.p50_ns <= l.p99_ns && l.p99_ns <= l.max_ns);
        }
        assert!(rep.cpu_ns_per_op > 0.0);
    }
}

#[test]
fn the_counter_run_checks_conservation_on_an_owner() {
    let w = find("counter").expect("exists");
    let rep = run_repetition::<Counter, OwnerTokio<Counter>>(&cell(&w, RustDriver::Tasks, 3))
        .expect("runs");
    assert!(rep.ops_by_kind.contains_key("reset"));
}

#[test]
fn seed_runs_its_readers_and_writers_with_the_think_time() {
    let w = find("seed").expect("exists");
    let rep =
        run_repetition::<KvU64, MutexStd<KvU64>>(&cell(&w, RustDriver::Threads, 11)).expect("runs");
    let (reads, writes) = (rep.ops_by_kind["get"], rep.ops_by_kind["set"]);
    // 10 readers and 1 writer, each at most one op per 1 ms sleep over the window as it was
    // measured (about 100 ms; it closes when its thread wakes, later on a loaded machine).
    assert!(reads > writes, "{reads} reads, {writes} writes");
    let ms = rep.elapsed_ns / 1_000_000 + 1;
    assert!(
        reads <= 10 * ms && writes <= ms,
        "the sleep bounds the rate: {reads} reads, {writes} writes in {ms} ms"
    );
    // With think time every operation is timed.
    assert_eq!(rep.latency["all"].count, rep.ops);
}

/// A store that answers every get with the value of key 0: fast, and wrong.
#[derive(Clone)]
struct WrongKey(MutexStd<KvU64>);

impl Service<KvU64> for WrongKey {
    const NAME: &'static str = "wrong_key";
    const FAMILY: statebench_core::Family = statebench_core::Family::Lock;
    const ABOUT: &'static str = "mutex_std answering a get with another key's value";
    fn start(initial: KvU64, settings: &Settings) -> Self {
        WrongKey(MutexStd::start(initial, settings))
    }
    fn call(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        match op {
            KvOp::Get(_) => self.0.call(KvOp::Get(0)),
            op => self.0.call(op),
        }
    }
    async fn call_async(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        self.call(op)
    }
    fn cleanup(&self) -> Result<(), Error> {
        self.0.cleanup()
    }
    fn shutdown(&self) -> Result<KvU64, Error> {
        self.0.shutdown()
    }
}

/// `mutex_std`, noting the cores each calling thread may run on, beside the thread's name.
#[derive(Clone)]
struct WhereCalled(MutexStd<KvU64>);

type Called = std::collections::BTreeSet<(Option<String>, Vec<usize>)>;

static CALLED_ON: std::sync::Mutex<Called> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

impl Service<KvU64> for WhereCalled {
    const NAME: &'static str = "where_called";
    const FAMILY: statebench_core::Family = statebench_core::Family::Lock;
    const ABOUT: &'static str = "mutex_std noting where its callers may run";
    fn start(initial: KvU64, settings: &Settings) -> Self {
        WhereCalled(MutexStd::start(initial, settings))
    }
    fn call(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        let cores = statebench_harness::machine::allowed_cores();
        let name = std::thread::current().name().map(str::to_owned);
        CALLED_ON
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((name, cores));
        self.0.call(op)
    }
    async fn call_async(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        self.call(op)
    }
    fn cleanup(&self) -> Result<(), Error> {
        self.0.cleanup()
    }
    fn shutdown(&self) -> Result<KvU64, Error> {
        self.0.shutdown()
    }
}

/// `pin_clients` puts OS-thread client i on the i-th core the process may use, alone; without
/// it the clients may run wherever the process may. (The runner's own calls, from the thread
/// that runs the repetition, before and after the window, are not the clients'.)
#[test]
fn pinned_clients_run_on_a_core_each() {
    let w = find("kv_read_heavy").expect("exists");
    let cores = statebench_harness::machine::allowed_cores();
    let runner = std::thread::current().name().map(str::to_owned);
    let seen = |pin_clients| -> Vec<Vec<usize>> {
        CALLED_ON.lock().unwrap_or_else(|p| p.into_inner()).clear();
        let spec = Cell {
            pin_clients,
            ..cell(&w, RustDriver::Threads, 2)
        };
        run_repetition::<KvU64, WhereCalled>(&spec).expect("runs");
        let called = std::mem::take(&mut *CALLED_ON.lock().unwrap_or_else(|p| p.into_inner()));
        let mut clients: Vec<Vec<usize>> = called
            .into_iter()
            .filter(|(name, _)| *name != runner)
            .map(|(_, cores)| cores)
            .collect();
        clients.sort_unstable();
        clients.dedup();
        clients
    };
    let pinned = seen(true);
    let expected: std::collections::BTreeSet<Vec<usize>> =
        (0..2).map(|i| vec![cores[i % cores.len()]]).collect();
    assert_eq!(pinned, expected.into_iter().collect::<Vec<_>>());
    assert_eq!(seen(false), [cores]);
}

#[test]
fn a_fast_wrong_implementation_fails_the_run() {
    let w = find("kv_read_heavy").expect("exists");
    for driver in RustDriver::ALL {
        let err = run_repetition::<KvU64, WrongKey>(&cell(&w, driver, 2)).expect_err("must fail");
        assert!(
            err.0.contains("wrong_key") && err.0.contains("never written for key"),
            "{err}"
        );
    }
}

#[test]
fn sessions_and_cache_serve_their_steady_state_whatever_the_throughput() {
    // A strategy some hundred times slower than another serves a map of the same size: the
    // prefill starts at the mix's steady state and nothing expires in bulk during a window.
    use statebench_core::{CacheU64, Sessions};
    fn live<S: statebench_harness::Subject, I: Service<S>>(name: &str) -> (f64, f64) {
        let w = find(name).expect("exists");
        let rep = run_repetition::<S, I>(&cell(&w, RustDriver::Threads, 1)).expect("runs");
        let expected = w.live_share() * w.keys as f64;
        let live = rep.live_size.expect("recorded") as f64;
        (live / expected, rep.hit_rate.expect("recorded"))
    }
    for (fast, slow) in [
        (
            live::<Sessions, MutexStd<Sessions>>("sessions"),
            live::<Sessions, OwnerTokio<Sessions>>("sessions"),
        ),
        (
            live::<CacheU64, MutexStd<CacheU64>>("cache"),
            live::<CacheU64, OwnerTokio<CacheU64>>("cache"),
        ),
    ] {
        for (share, hits) in [fast, slow] {
            assert!(
                (0.95..1.05).contains(&share),
                "live {share:.3} of the steady state"
            );
            assert!((0.55..0.85).contains(&hits), "hit rate {hits:.3}");
        }
    }
}
