//! Whose a starved kind is, end to end: the threads driver records each role's CPU time in
//! the window, and it tells writers that waited (the strategy kept them out) from writers
//! that ran and paid more per operation. Two planted strategies over `papaya`, on the
//! reference workload's two roles at 11 clients (10 readers, 1 writer): one whose sets sleep
//! (the writer is off the CPU, as behind a reader-preferring lock) and
//! one whose sets spin (the writer runs, each set costly, as a lock-free set that allocates and
//! retires). Over a lock the spinning writer would park too, waiting for the lock that a
//! preempted reader holds (a CI run saw it parked in 56 % of the samples over `mutex_std`):
//! the map under both must be one where no operation waits for another.

use std::time::{Duration, Instant};

use statebench_concurrent::PapayaKv;
use statebench_core::{Error, KvOp, KvReply, KvU64, Service, Settings};
use statebench_harness::mix::cpu_by_role;
use statebench_harness::results::Record;
use statebench_harness::workload::find;
use statebench_harness::{Cell, Driver, Repetition, RustDriver, fixture, run_repetition};
use statebench_locked::MutexStd;

/// How long each set sleeps before it is applied ([`Sleep`]): longer than the window, so that
/// its thread is off the CPU nearly all of it, as a writer parked behind a lock is.
const SET_SLEEP: Duration = Duration::from_millis(400);
/// How long each set spins before it is applied ([`Spin`]).
const SET_SPIN: Duration = Duration::from_micros(500);

/// What a set does before it is applied.
trait Stall: Send + Sync + 'static {
    fn stall();
}

/// Sleep [`SET_SLEEP`]: off the CPU.
struct Sleep;

impl Stall for Sleep {
    fn stall() {
        std::thread::sleep(SET_SLEEP);
    }
}

/// Spin [`SET_SPIN`]: on the CPU.
struct Spin;

impl Stall for Spin {
    fn stall() {
        let until = Instant::now() + SET_SPIN;
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    }
}

struct CostlySet<W: Stall>(PapayaKv<u64, u64>, std::marker::PhantomData<W>);

impl<W: Stall> Clone for CostlySet<W> {
    fn clone(&self) -> Self {
        CostlySet(self.0.clone(), std::marker::PhantomData)
    }
}

impl<W: Stall> Service<KvU64> for CostlySet<W> {
    const NAME: &'static str = "costly_set";
    const FAMILY: statebench_core::Family = statebench_core::Family::Concurrent;
    const ABOUT: &'static str = "papaya whose sets sleep or spin first";
    fn start(initial: KvU64, settings: &Settings) -> Self {
        CostlySet(PapayaKv::start(initial, settings), std::marker::PhantomData)
    }
    fn call(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        // The clients' sets only (the reference workload's 5 keys), not the end-of-run
        // probe's, which writes keys outside them.
        if matches!(op, KvOp::Set(k, _) if k < 5) {
            W::stall();
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
                driver: RustDriver::Threads,
                clients: 11,
                warmup: Duration::from_millis(20),
                duration: Duration::from_millis(150),
                cover: None,
                sample_every: 1,
                seed: 7 + i,
                tuning: Default::default(),
                work: Default::default(),
                pin_clients: false,
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
fn writers_that_sleep_in_their_sets_were_held_back_and_writers_that_spin_ran() {
    use statebench_harness::mix::Whose;
    let slept = writers(&record::<CostlySet<Sleep>>());
    assert_eq!(slept.windows.len(), 3, "{slept:?}");
    assert_eq!(slept.verdict(), Some(Whose::HeldBack), "{slept:?}");
    let spun = writers(&record::<CostlySet<Spin>>());
    assert_eq!(spun.verdict(), Some(Whose::Ran), "{spun:?}");
    assert!(
        slept.median_ratio() < spun.median_ratio() / 4.0,
        "{slept:?} {spun:?}"
    );
    // The states sampled through the window tell the held-back writer parked, not queued for
    // a core: it sleeps in its set. The spinning one is runnable nearly always.
    let (parked, spinning) = (slept.median_parked(), spun.median_parked());
    eprintln!("parked share: sleeping writer {parked:?}, spinning writer {spinning:?}");
    assert!(parked.is_some_and(|p| p > 0.9), "{slept:?}");
    assert!(spinning.is_some_and(|p| p < 0.25), "{spun:?}");
}

#[test]
fn a_window_waits_until_every_client_has_made_an_operation() {
    // The writer's sets sleep 400 ms: a 50 ms window that closes on time counts none of
    // them; one that waits stays open until the first completes, within its bound.
    let w = find("seed_nosleep").expect("exists");
    let run = |cover| {
        run_repetition::<KvU64, CostlySet<Sleep>>(&Cell {
            workload: &w,
            driver: RustDriver::Threads,
            clients: 11,
            warmup: Duration::from_millis(20),
            duration: Duration::from_millis(50),
            cover,
            sample_every: 1,
            seed: 7,
            tuning: Default::default(),
            work: Default::default(),
            pin_clients: false,
        })
        .expect("runs")
    };
    let ms = |rep: &Repetition| rep.elapsed_ns / 1_000_000;
    let on_time = run(None);
    // (On a loaded machine a reader may miss so short a window too.)
    assert_eq!(
        on_time.absent_by_role.get("writers"),
        Some(&1),
        "{on_time:?}"
    );
    // (The thread that closes it waits for a core too: a loose bound.)
    assert!(ms(&on_time) < 1_000, "{} ms", ms(&on_time));
    let waited = run(Some(Duration::from_secs(10)));
    assert!(waited.absent_by_role.is_empty(), "{waited:?}");
    assert!(
        waited.ops_by_kind.get("set").copied().unwrap_or(0) >= 1,
        "{waited:?}"
    );
    // Open until the set completed, some 400 ms after it began, not until the bound.
    assert!((50..5_000).contains(&ms(&waited)), "{} ms", ms(&waited));
    // A bound shorter than a set closes the window with the writer still absent.
    let bounded = run(Some(Duration::from_millis(100)));
    // (On a loaded machine a reader may miss so short a window too.)
    assert_eq!(
        bounded.absent_by_role.get("writers"),
        Some(&1),
        "{bounded:?}"
    );
    assert!((100..1_000).contains(&ms(&bounded)), "{} ms", ms(&bounded));
}

#[test]
fn the_tasks_driver_records_no_role_cpu() {
    let w = find("seed_nosleep").expect("exists");
    let rep = run_repetition::<KvU64, MutexStd<KvU64>>(&Cell {
        workload: &w,
        driver: RustDriver::Tasks,
        clients: 11,
        warmup: Duration::from_millis(5),
        duration: Duration::from_millis(20),
        cover: None,
        sample_every: 1,
        seed: 7,
        tuning: Default::default(),
        work: Default::default(),
        pin_clients: false,
    })
    .expect("runs");
    assert!(rep.cpu_ns_by_role.is_empty(), "{:?}", rep.cpu_ns_by_role);
}

fn committed(file: &str) -> statebench_harness::results::Results {
    let path = format!("{}/../../results/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the committed run");
    // (`file` is a path under results/.)
    statebench_harness::results::Results::from_json(&text).expect("reads")
}

/// A row's sets as a share of its operations, repetition by repetition: "1.13–2.52 % (median
/// 1.74 %)".
fn sets_per_repetition(file: &str, implementation: &str) -> String {
    let results = committed(file);
    let r = results
        .records
        .iter()
        .find(|r| r.implementation == implementation)
        .expect("the row");
    let shares: Vec<f64> = r
        .repetitions
        .iter()
        .map(|rep| {
            let all: u64 = rep.ops_by_kind.values().sum();
            100.0 * rep.ops_by_kind.get("set").copied().unwrap_or(0) as f64 / all as f64
        })
        .collect();
    let s = statebench_harness::results::Spread::of(&shares);
    format!("{:.2}–{:.2} % (median {:.2} %)", s.min, s.max, s.median)
}

#[test]
fn the_documented_start_order_figures_come_from_the_committed_runs() {
    use statebench_harness::mix::Whose;
    let doc = std::fs::read_to_string(format!(
        "{}/../../docs/METHODOLOGY.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the methodology")
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ");
    let line = format!(
        "{} started group after group, {} interleaved, of 9.1 % asked",
        sets_per_repetition("2026-12-04-xeon-go-order/before.json", "go_mutex"),
        sets_per_repetition("2026-12-04-xeon-go-order/after.json", "go_mutex")
    );
    assert!(doc.contains(&line), "METHODOLOGY.md should say: {line}");
    let line = format!(
        "made {} sets per repetition before and {} after",
        sets_per_repetition("2026-12-04-xeon-go-order/before.json", "go_goroutine"),
        sets_per_repetition("2026-12-04-xeon-go-order/after.json", "go_goroutine")
    );
    assert!(doc.contains(&line), "METHODOLOGY.md should say: {line}");
    // Whose each starved threads row's starvation was, window by window.
    let after = committed("2026-12-04-xeon-go-order/after.json");
    let w = find("seed_nosleep").expect("exists");
    let rows: Vec<String> = after
        .records
        .iter()
        .filter(|r| r.driver == Driver::Threads && !r.serves_mix())
        .map(|r| {
            let writers = cpu_by_role(r, &w)
                .into_iter()
                .find(|c| c.role == "writers")
                .expect("recorded");
            let ran = writers.whose().iter().filter(|x| **x == Whose::Ran).count();
            format!(
                "`{}`'s writers had at least half their CPU share in {ran} of {} windows",
                r.implementation,
                writers.windows.len()
            )
        })
        .collect();
    assert!(rows.len() >= 2, "{rows:?}");
    let line = format!("(`after.json`, 5 windows a row): {}.", rows.join("; "));
    assert!(doc.contains(&line), "METHODOLOGY.md should say: {line}");
}

/// "min–max (median m)" of whole figures.
fn range(values: &[f64]) -> String {
    let s = statebench_harness::results::Spread::of(values);
    format!("{:.0}–{:.0} (median {:.0})", s.min, s.max, s.median)
}

/// Each row of a committed run that left clients out of any window, role by role: "`dashmap`
/// readers 0–2 (median 0), writers 8–10 (median 10)", clients absent per window.
fn absent_rows(file: &str) -> Vec<String> {
    committed(file)
        .records
        .iter()
        .filter(|r| {
            r.repetitions
                .iter()
                .any(|rep| !rep.absent_by_role.is_empty())
        })
        .map(|r| {
            let roles: std::collections::BTreeSet<&String> = r
                .repetitions
                .iter()
                .flat_map(|rep| rep.absent_by_role.keys())
                .collect();
            let by_role: Vec<String> = roles
                .into_iter()
                .map(|role| {
                    let absent: Vec<f64> = r
                        .repetitions
                        .iter()
                        .map(|rep| rep.absent_by_role.get(role).copied().unwrap_or(0) as f64)
                        .collect();
                    format!("{role} {}", range(&absent))
                })
                .collect();
            format!("`{}` {}", r.implementation, by_role.join(", "))
        })
        .collect()
}

#[test]
fn the_documented_window_figures_come_from_the_committed_runs() {
    let doc = std::fs::read_to_string(format!(
        "{}/../../docs/METHODOLOGY.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the methodology")
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ");
    let says = |line: String| assert!(doc.contains(&line), "METHODOLOGY.md should say: {line}");
    let dir = "2026-12-04-xeon-wait";
    says(format!(
        "clients left out of each window, of the 100 readers and 10 writers: {}.",
        absent_rows(&format!("{dir}/on-time.json")).join("; ")
    ));
    says(format!(
        "Waiting, the windows left out clients in two rows only: {}.",
        absent_rows(&format!("{dir}/waiting.json")).join("; ")
    ));
    let waiting = committed(&format!("{dir}/waiting.json"));
    // The rows whose windows waited past their 50 ms, and how long they then lasted.
    let longer: Vec<String> = waiting
        .records
        .iter()
        .filter_map(|r| {
            let ms: Vec<f64> = r
                .repetitions
                .iter()
                .map(|rep| rep.elapsed_ns as f64 / 1e6)
                .collect();
            let s = statebench_harness::results::Spread::of(&ms);
            (s.median > 100.0).then(|| format!("`{}` {} ms", r.implementation, range(&ms)))
        })
        .collect();
    says(format!("windows lasted {}.", longer.join(", ")));
    let sets = |file: &str, rows: &[&str]| {
        rows.iter()
            .map(|row| format!("`{row}` {}", sets_per_repetition(file, row)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let plain = ["mutex_std", "mutex_handwritten"];
    says(format!(
        "sets per repetition closed on time {}; waiting {}.",
        sets(&format!("{dir}/on-time.json"), &plain),
        sets(&format!("{dir}/waiting.json"), &plain)
    ));
    let starved: Vec<&str> = waiting
        .records
        .iter()
        .filter(|r| !r.serves_mix())
        .map(|r| r.implementation.as_str())
        .collect();
    says(format!(
        "With every window waiting, these rows did not serve the mix: {}.",
        sets(&format!("{dir}/waiting.json"), &starved)
    ));
}
