//! The deterministic tier of regression tracking: instructions per operation, counted under
//! Valgrind (cachegrind without its cache simulation), for every (service, implementation)
//! pair at one client, blocking and async.
//!
//! Wall-clock throughput on a shared 2-core VM moves by tens of percent between runs of the
//! same build (docs/CI.md); an instruction count does not care who else runs. Each pair's count
//! is taken as a *difference*: the same process is run twice under Valgrind, once for `n₁` and
//! once for `n₂` operations of the workload's plan, and `(I₂ − I₁) / (n₂ − n₁)` is the cost of
//! one operation — start-up, prefill, thread and runtime creation and shutdown cancel out.
//! What remains is not perfectly deterministic where threads hand work over (an owner's wake,
//! tokio's scheduler): each pair is counted several times and its spread is recorded, so
//! `compare` judges it like any other figure.
//!
//! Why cachegrind and not gungraun (formerly iai-callgrind, used by tokio's CI): gungraun runs
//! benchmark functions it compiles itself and needs its runner binary installed at the same
//! version; statebench already has the loop (the harness's own client code,
//! [`run_counted`]), the registry to name pairs, and a results format, and needs only a count
//! per process, which cachegrind prints without extra crates.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use statebench_core::{Service, StateMachine};
use statebench_harness::driver::run_counted;
use statebench_harness::generate::Subject;
use statebench_harness::results::{Record, Summary};
use statebench_harness::workload::representative;
use statebench_harness::{Repetition, RunError, RustDriver, Workload};

use crate::registry::{self, Visitor};

/// The workload the tier counts for each service: its representative one, with its cleanup
/// moved an hour away — a sweep on a timer costs instructions in proportion to time, not
/// operations.
pub fn workloads() -> Vec<Workload> {
    representative()
        .into_iter()
        .map(|mut w| {
            w.cleanup_every_ms = 3_600_000;
            w
        })
        .collect()
}

/// Whether the tier counts `implementation` called by `driver` exactly, and so by default:
/// every call stays on the caller's thread — the locks and concurrent structures from either
/// driver, and from tasks the owners whose task joins the caller's runtime
/// ([`Service::RUNS_ON_CALLERS_RUNTIME`]: tokio's owners and ractor's actor), since the tier's
/// tasks run on a current-thread runtime ([`run_counted`]). Called from a thread, or on
/// another executor's threads (async-std, smol) or an OS thread of its own, an owner's count
/// depends on when that thread runs ([`Service::CROSSES_THREADS`]): two counts of one build,
/// one beside a compilation and one on a quiet machine, differed by 5–28 % for three owner
/// pairs, and Valgrind's fair scheduling (`--fair-sched=yes`) did not make them repeat
/// (docs/CI.md). The tier leaves such pairs out unless they are named with `--impl`.
pub fn counted_exactly(implementation: &str, driver: RustDriver) -> bool {
    statebench_core::SERVICES
        .iter()
        .filter_map(|s| registry::describe(s.name, implementation, driver))
        .all(|d| !d.crosses_threads || (driver == RustDriver::Tasks && d.runs_on_callers_runtime))
}

/// Operations counted: the difference of these two counts is what one pair costs.
pub const OPS: (u64, u64) = (2_000, 32_000);

struct Counted<'a> {
    workload: &'a Workload,
    implementation: &'a str,
    driver: RustDriver,
    ops: u64,
    seed: u64,
    outcome: Option<Result<(), RunError>>,
}

impl<S: Subject + StateMachine> Visitor<S> for Counted<'_> {
    fn visit<I: Service<S>>(&mut self) {
        if I::NAME == self.implementation && self.outcome.is_none() {
            self.outcome = Some(run_counted::<S, I>(
                self.workload,
                self.driver,
                self.ops,
                self.seed,
            ));
        }
    }
}

/// Runs `ops` operations of the tier's workload `workload` on `implementation` in this
/// process (what each Valgrind process of [`count`] runs).
pub fn run_in_process(
    workload: &str,
    implementation: &str,
    driver: RustDriver,
    ops: u64,
    seed: u64,
) -> Result<(), RunError> {
    let workloads = workloads();
    let w = workloads
        .iter()
        .find(|w| w.name == workload)
        .ok_or_else(|| RunError(format!("the instruction tier has no workload {workload:?}")))?;
    let mut counted = Counted {
        workload: w,
        implementation,
        driver,
        ops,
        seed,
        outcome: None,
    };
    registry::visit_service(&w.service, &mut counted);
    counted.outcome.unwrap_or_else(|| {
        Err(RunError(format!(
            "{implementation} does not serve {}",
            w.service
        )))
    })
}

/// Checks that Valgrind runs here, naming what to do if not.
pub fn valgrind_version() -> Result<String, String> {
    let out = Command::new("valgrind")
        .arg("--version")
        .output()
        .map_err(|e| {
            format!(
                "cannot run valgrind ({e}): the instruction tier needs it (e.g. apt install valgrind)"
            )
        })?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The instructions one process of `exe count …` executes for `ops` operations.
fn instructions(
    exe: &Path,
    workload: &str,
    implementation: &str,
    driver: RustDriver,
    ops: u64,
    seed: u64,
) -> Result<u64, String> {
    let out = Command::new("valgrind")
        .args([
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
        ])
        .arg(exe)
        .args(["count", "--workload", workload, "--impl", implementation])
        .args(["--driver", driver.name(), "--ops", &ops.to_string()])
        .args(["--seed", &seed.to_string()])
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.starts_with("=="))
            .unwrap_or("");
        return Err(format!(
            "{implementation} on {workload} ({} driver) failed under valgrind: {last}",
            driver.name()
        ));
    }
    parse_refs(&stderr).ok_or_else(|| {
        format!("valgrind printed no instruction count for {implementation} on {workload}")
    })
}

/// The `I refs:` figure of cachegrind's summary (`==123== I   refs:      1,234,567`).
pub fn parse_refs(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|line| {
        let (_, rest) = line.split_once("I")?;
        let rest = rest.trim_start();
        let digits = rest.strip_prefix("refs:")?;
        digits.trim().replace(',', "").parse().ok()
    })
}

/// What to count.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Implementations (empty: all).
    pub implementations: Vec<String>,
    /// Drivers.
    pub drivers: Vec<RustDriver>,
    /// Counts per pair: each a pair of processes.
    pub repeat: u32,
    /// Seed of the plans.
    pub seed: u64,
}

/// One pair to count: its workload, implementation and driver.
type Pair = (Workload, &'static str, RustDriver);

/// Counts every pair of `plan` with `exe` (this binary), two Valgrind processes at a time (one
/// per core; a count does not depend on what runs beside it), calling `progress` as each pair
/// completes, and returns one record per (workload, implementation, driver), its repetitions
/// holding instructions per operation.
pub fn count(
    exe: &Path,
    plan: &Plan,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<Vec<Record>, String> {
    let mut pairs: Vec<Pair> = Vec::new();
    for w in workloads() {
        for implementation in registry::implementations(&w.service) {
            for &driver in &plan.drivers {
                let chosen = if plan.implementations.is_empty() {
                    counted_exactly(implementation, driver)
                } else {
                    plan.implementations.iter().any(|i| i == implementation)
                };
                if chosen {
                    pairs.push((w.clone(), implementation, driver));
                }
            }
        }
    }
    // Every process: (pair, repetition, which count).
    let jobs: Vec<(usize, u32, u64)> = (0..pairs.len())
        .flat_map(|p| (0..plan.repeat).flat_map(move |k| [(p, k, OPS.0), (p, k, OPS.1)]))
        .collect();
    let counts: Mutex<Vec<Option<Result<u64, String>>>> = Mutex::new(vec![None; jobs.len()]);
    let next = AtomicUsize::new(0);
    let progress = Mutex::new(progress);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(p, k, n)) = jobs.get(j) else { break };
                    let (w, implementation, driver) = &pairs[p];
                    let got = instructions(exe, &w.name, implementation, *driver, n, plan.seed);
                    let failed = got.is_err();
                    counts.lock().unwrap_or_else(|e| e.into_inner())[j] = Some(got);
                    if failed {
                        // Stop handing out work; the others finish what they hold.
                        next.store(jobs.len(), Ordering::Relaxed);
                    }
                    if k + 1 == plan.repeat && n == OPS.1 {
                        let mut progress = progress.lock().unwrap_or_else(|e| e.into_inner());
                        (*progress)(&format!("{} {implementation} {}", w.name, driver.name()));
                    }
                }
            });
        }
    });
    let counts = counts.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut per_pair: Vec<Vec<(u64, u64)>> = vec![Vec::new(); pairs.len()];
    for (job, count) in jobs.iter().zip(counts) {
        let count =
            count.ok_or_else(|| "a count was not taken: an earlier one failed".to_owned())?;
        let count = count?;
        let (p, k, n) = *job;
        let slot = &mut per_pair[p];
        if slot.len() <= k as usize {
            slot.resize(k as usize + 1, (0, 0));
        }
        if n == OPS.0 {
            slot[k as usize].0 = count;
        } else {
            slot[k as usize].1 = count;
        }
    }
    pairs
        .iter()
        .zip(per_pair)
        .map(|((w, implementation, driver), taken)| record(w, implementation, *driver, &taken))
        .collect()
}

/// The record of one pair from its counts `(I₁, I₂)`, one per repetition.
fn record(
    w: &Workload,
    implementation: &str,
    driver: RustDriver,
    taken: &[(u64, u64)],
) -> Result<Record, String> {
    let (n1, n2) = OPS;
    let mut repetitions = Vec::new();
    for (k, &(i1, i2)) in taken.iter().enumerate() {
        if i2 <= i1 {
            return Err(format!(
                "{implementation} on {}: {n2} operations counted no more instructions than {n1} \
                 ({i2} against {i1})",
                w.name
            ));
        }
        let per_op = (i2 - i1) as f64 / (n2 - n1) as f64;
        repetitions.push(Repetition {
            trial: k as u32,
            pass: 0,
            at_ms: 0,
            round_trip_ns: None,
            round_trip_after_ns: None,
            ops: n2 - n1,
            elapsed_ns: 0,
            ops_per_sec: 1e9 / per_op,
            cpu_ns_per_op: 0.0,
            cpu_elsewhere_ns: None,
            timed_one_in: 0,
            timing_share: 0.0,
            ops_by_kind: Default::default(),
            latency: Default::default(),
            hit_rate: None,
            live_size: None,
            instructions_per_op: Some(per_op),
            open_loop: None,
            cpu_ns_by_role: Default::default(),
            parked_by_role: Default::default(),
            absent_by_role: Default::default(),
        });
    }
    let described = registry::describe(&w.service, implementation, driver).unwrap_or_default();
    // The counted loop calls from one task on a current-thread runtime (`run_counted`).
    let placement = described.placement.replace(
        RustDriver::Tasks.callers(),
        "one tokio task on a current-thread runtime making async calls",
    );
    Ok(Record {
        workload: w.name.clone(),
        service: w.service.clone(),
        implementation: implementation.to_owned(),
        family: described.family.to_owned(),
        about: described.about.to_owned(),
        driver: driver.into(),
        clients: 1,
        placement,
        duration_ms: 0,
        asked: w.asked_shares(1).unwrap_or_default(),
        summary: Summary::of(&repetitions),
        repetitions,
        set_aside: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cachegrinds_count() {
        let stderr = "==42== Cachegrind, a high-precision tracing profiler\n\
                      ==42== \n\
                      ==42== I   refs:      1,234,567\n";
        assert_eq!(parse_refs(stderr), Some(1_234_567));
        assert_eq!(parse_refs("==42== I refs: 12\n"), Some(12));
        assert_eq!(parse_refs("no count here\n"), None);
    }

    #[test]
    fn counts_by_default_what_stays_on_the_callers_thread() {
        for (implementation, threads, tasks) in [
            ("mutex_std", true, true),
            ("dashmap", true, true),
            ("combining", true, true),
            ("owner_tokio", false, true),
            ("owner_tokio_batch", false, true),
            ("sharded_tokio", false, true),
            ("owner_handwritten", false, true),
            ("owner_ractor", false, true),
            ("owner_thread", false, false),
            ("owner_thread_spin", false, false),
            ("sharded_thread", false, false),
            ("owner_async_std", false, false),
            ("owner_smol", false, false),
        ] {
            assert_eq!(
                counted_exactly(implementation, RustDriver::Threads),
                threads,
                "{implementation} from threads"
            );
            assert_eq!(
                counted_exactly(implementation, RustDriver::Tasks),
                tasks,
                "{implementation} from tasks"
            );
        }
    }

    #[test]
    fn counts_every_pair_in_process_and_checks_replies() {
        for w in workloads() {
            assert_eq!(w.cleanup_every_ms, 3_600_000);
            for implementation in registry::implementations(&w.service) {
                for driver in RustDriver::ALL {
                    run_in_process(&w.name, implementation, driver, 300, 7).unwrap_or_else(|e| {
                        panic!("{implementation} on {} ({driver:?}): {e}", w.name)
                    });
                }
            }
        }
        let err = run_in_process("kv_read_heavy", "atomic", RustDriver::Threads, 10, 7)
            .expect_err("atomic serves the counter only");
        assert!(err.0.contains("does not serve kv"), "{}", err.0);
    }
}
