//! Whose a starved kind is, end to end: the threads driver records each role's CPU time in
//! the window, and it tells writers that waited (the strategy kept them out) from writers
//! that ran and paid more per operation. Two planted strategies over `mutex_std`, on the
//! reference workload's two roles at 11 clients (10 readers, 1 writer): one whose sets sleep
//! (the writer waits off the CPU, as behind a reader-preferring lock) and one whose sets spin
//! (the writer runs, each set costly, as a lock-free set that allocates and retires).

use std::time::{Duration, Instant};

use statebench_core::{Error, KvOp, KvReply, KvU64, Service, Settings};
use statebench_harness::mix::cpu_by_role;
use statebench_harness::results::Record;
use statebench_harness::workload::find;
use statebench_harness::{Cell, Driver, Repetition, fixture, run_repetition};
use statebench_locked::MutexStd;

/// How long each set waits (`SLEEPS`) or spins (`!SLEEPS`) before it is applied.
const SET_COST: Duration = Duration::from_micros(500);

#[derive(Clone)]
struct CostlySet<const SLEEPS: bool>(MutexStd<KvU64>);

impl<const SLEEPS: bool> Service<KvU64> for CostlySet<SLEEPS> {
    const NAME: &'static str = "costly_set";
    const FAMILY: statebench_core::Family = statebench_core::Family::Lock;
    const ABOUT: &'static str = "mutex_std whose sets sleep or spin first";
    fn start(initial: KvU64, settings: &Settings) -> Self {
        CostlySet(MutexStd::start(initial, settings))
    }
    fn call(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        if matches!(op, KvOp::Set(..)) {
            if SLEEPS {
                std::thread::sleep(SET_COST);
            } else {
                let until = Instant::now() + SET_COST;
                while Instant::now() < until {
                    std::hint::spin_loop();
                }
            }
        }
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

/// Three repetitions of `seed_nosleep` / threads / 11 clients on `I`, as one record.
fn record<I: Service<KvU64>>() -> Record {
    let w = find("seed_nosleep").expect("exists");
    let reps: Vec<Repetition> = (0..3)
        .map(|i| {
            run_repetition::<KvU64, I>(&Cell {
                workload: &w,
                driver: Driver::Threads,
                clients: 11,
                warmup: Duration::from_millis(20),
                duration: Duration::from_millis(150),
                sample_every: 1,
                seed: 7 + i,
                tuning: Default::default(),
                work: Default::default(),
            })
            .expect("runs")
        })
        .collect();
    for rep in &reps {
        assert_eq!(
            rep.cpu_ns_by_role.keys().collect::<Vec<_>>(),
            ["readers", "writers"],
            "every repetition of the threads driver on two roles records both"
        );
    }
    fixture::record(
        "seed_nosleep",
        I::NAME,
        I::FAMILY,
        Driver::Threads,
        11,
        reps,
    )
}

fn writers(r: &Record) -> statebench_harness::mix::RoleCpu {
    let w = find("seed_nosleep").expect("exists");
    let roles = cpu_by_role(r, &w);
    assert_eq!(roles.len(), 2, "{roles:?}");
    assert!((roles[1].clients - 1.0 / 11.0).abs() < 1e-9, "{roles:?}");
    roles[1].clone()
}

#[test]
fn writers_that_sleep_in_their_sets_waited_and_writers_that_spin_ran() {
    let slept = writers(&record::<CostlySet<true>>());
    assert!(slept.waited(), "the sleeping writer had {slept:?}");
    let spun = writers(&record::<CostlySet<false>>());
    assert!(!spun.waited(), "the spinning writer had {spun:?}");
}

#[test]
fn the_tasks_driver_records_no_role_cpu() {
    let w = find("seed_nosleep").expect("exists");
    let rep = run_repetition::<KvU64, MutexStd<KvU64>>(&Cell {
        workload: &w,
        driver: Driver::Tasks,
        clients: 11,
        warmup: Duration::from_millis(5),
        duration: Duration::from_millis(20),
        sample_every: 1,
        seed: 7,
        tuning: Default::default(),
        work: Default::default(),
    })
    .expect("runs");
    assert!(rep.cpu_ns_by_role.is_empty(), "{:?}", rep.cpu_ns_by_role);
}

/// A Go row's sets as a share of its operations, and its gets' served-over-asked ratio, over
/// every repetition of `file`.
fn go_shares(file: &str, implementation: &str) -> (String, String) {
    let path = format!(
        "{}/../../results/2026-12-04-xeon-go-order/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("the committed run");
    let results = statebench_harness::results::Results::from_json(&text).expect("reads");
    let r = results
        .records
        .iter()
        .find(|r| r.implementation == implementation)
        .expect("the row");
    let kinds = r.kinds_served();
    let set = kinds.iter().find(|k| k.kind == "set").expect("sets");
    let get = kinds.iter().find(|k| k.kind == "get").expect("gets");
    (
        format!("{:.2} %", 100.0 * set.served),
        format!("{:.2}", get.ratio()),
    )
}

#[test]
fn the_documented_start_order_figures_come_from_the_committed_runs() {
    let doc = std::fs::read_to_string(format!(
        "{}/../../docs/METHODOLOGY.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the methodology")
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ");
    let (before, _) = go_shares("before.json", "go_mutex");
    let (after, _) = go_shares("after.json", "go_mutex");
    let line = format!("`go_mutex` {before} sets of 9.1 % asked before and {after} after");
    assert!(doc.contains(&line), "METHODOLOGY.md should say: {line}");
    let (before, gets_before) = go_shares("before.json", "go_goroutine");
    let (after, gets_after) = go_shares("after.json", "go_goroutine");
    let line = format!(
        "made {before} sets before and {after} after, of 9.1 % asked (its gets {gets_before} \
         and {gets_after} of their share"
    );
    assert!(doc.contains(&line), "METHODOLOGY.md should say: {line}");
}
