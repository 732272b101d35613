//! Does the harness distort what it measures? Two questions, each answered by alternating
//! trials in each of several fresh processes (the processes are the samples, below):
//!
//! * **The runner's share.** Its cheapest subject is `mutex_std` on `kv_read_heavy`: a lock and
//!   a hash-map lookup, tens of nanoseconds. The runner (reply checks, counters, sampled clock
//!   reads) is compared with a bare loop applying the same pre-generated operations to the same
//!   lock — no checks, no clock, no counters — at 1 client (pinned to one core, so neither
//!   gains from the quieter core) and at 64 (threads, unpinned, as the runner's are).
//! * **The wrappers' tax.** The generic `Locked<S, L>` around the state machine against
//!   `mutex_handwritten`, the `Mutex<HashMap<u64, u64>>` a reader would write, both in the
//!   runner: 1 and 2 OS-thread clients (each pinned to a core of its own; 2: twice the pairs,
//!   as the lock's passing between the cores is the noisiest), and 1 tokio-task client; and the generic owner task
//!   (`owner_tokio`) against `owner_handwritten`, the task, enum and `oneshot` a reader would
//!   write, from 1 task (twice the pairs: the comparison nearest its line) and from 1 thread
//!   (the thread and the owners' runtime pinned to one core: a wake across the two cores
//!   moves by tens of microseconds as the hypervisor places them, which no wrapper causes).
//!   A generic wrapper must be shown to make at least
//!   [`WRAPPER_FLOOR`] of its hand-written reference's throughput.
//!
//! **The process is the unit.** Within one process the pairs agree closely, yet processes
//! of the same build differ by more than the pairs within one do (the committed runs in
//! `results/2026-12-06-epyc-overhead/` show it). What a process fixes for its lifetime (where its
//! heap, stacks and hash maps' seeds land, which thread the scheduler pairs with which) is
//! invisible to an interval over its own pairs, so [`in_processes`] runs the comparisons in
//! several fresh processes and [`judge`] takes each process's estimate (the Hodges–Lehmann
//! centre of its pairs' ratios, on their logarithms, so that one pair a disturbance threw far
//! off does not move it) as one sample: the geometric mean over the processes, with a t
//! interval whose ends are each a one-sided bound at 1 - 0.05 / 5, so that the five wrapper
//! verdicts hold together at 95 % (Bonferroni). An interval wholly under the floor says the
//! harness takes a side; one that reaches across it cannot show that it does not. Either way
//! `statebench overhead` exits 1: the check fails closed, as the floors' does. Each line also
//! gives the spread between processes beside that within one, and an A/A line (a row
//! against itself within each process, not judged) shows the resolution of one process.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use statebench_core::{KvU64, Service, Settings};
use statebench_harness::generate::{Subject, plans};
use statebench_harness::results::Spread;
use statebench_harness::workload::find;
use statebench_harness::{Cell, RustDriver, Workload, run_repetition};
use statebench_locked::{HandwrittenKv, MutexStd};
use statebench_owner_tokio::{HandwrittenOwnerKv, OwnerTokio};

const WARMUP: Duration = Duration::from_millis(100);
/// The least share of its hand-written reference's throughput a generic wrapper may make.
pub const WRAPPER_FLOOR: f64 = 0.90;
const SEED: u64 = 0x5EED;

/// The bare loop's throughput with `clients` threads, in operations per second.
fn bare_loop(workload: &Workload, clients: usize, duration: Duration) -> Result<f64, String> {
    let plans = plans::<KvU64>(workload, clients, SEED).map_err(|e| e.0)?;
    let service = MutexStd::start(
        KvU64::initial(workload, Instant::now()),
        &Settings::default(),
    );
    let (measuring, stop) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let threads: Vec<_> = plans
        .into_iter()
        .map(|plan| {
            let (service, measuring, stop) = (service.clone(), measuring.clone(), stop.clone());
            thread::spawn(move || {
                let (mut next, mut ops) = (0, 0u64);
                let mut counted = false;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..1024 {
                        let _ = black_box(service.call(plan.ops[next].clone()));
                        next = if next + 1 == plan.ops.len() {
                            0
                        } else {
                            next + 1
                        };
                    }
                    // Count whole chunks from the first one that starts inside the window.
                    counted |= measuring.load(Ordering::Relaxed);
                    if counted {
                        ops += 1024;
                    }
                }
                ops
            })
        })
        .collect();
    thread::sleep(WARMUP);
    measuring.store(true, Ordering::Relaxed);
    let start = Instant::now();
    thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    let elapsed = start.elapsed();
    let ops: u64 = threads.into_iter().map(|t| t.join().unwrap_or(0)).sum();
    let _ = service.shutdown();
    Ok(ops as f64 / elapsed.as_secs_f64())
}

fn runner<I: Service<KvU64>>(
    workload: &Workload,
    driver: RustDriver,
    clients: usize,
    duration: Duration,
    pin_clients: bool,
) -> Result<(f64, f64), String> {
    let cell = Cell {
        workload,
        driver,
        clients,
        warmup: WARMUP,
        duration,
        // Every client of a bare loop runs.
        cover: None,
        // What the runner calibrates for this cell: mutex_std costs some 30-60 ns of CPU.
        sample_every: 256,
        seed: SEED,
        tuning: Default::default(),
        work: Default::default(),
        pin_clients,
    };
    let rep = run_repetition::<KvU64, I>(&cell).map_err(|e| e.0)?;
    Ok((rep.ops_per_sec, rep.timing_share))
}

/// Whether every thread of the owners' background runtime (`statebench-owner-tokio`, which
/// `/proc` shortens to 15 bytes) may run on `core` alone; `false` when none is found or
/// `/proc` cannot say.
fn owner_runtime_on(core: usize) -> bool {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return false;
    };
    let mut found = 0;
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.trim_end().starts_with("statebench-owne") {
            continue;
        }
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        let allowed = status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .map(str::trim);
        if allowed != Some(core.to_string().as_str()) {
            return false;
        }
        found += 1;
    }
    found > 0
}

/// How many wrapper comparisons `overhead` judges: their verdicts hold together.
const JUDGED: usize = 5;

/// Each end of a judged interval is a one-sided bound at this level, so that a wrapper's
/// verdict (shown at or above the floor, shown below it, or neither) errs with at most
/// 0.05 / [`JUDGED`] and the five together with at most 5 % (Bonferroni): the printed
/// interval is a two-sided one at 1 - 0.10 / [`JUDGED`].
const BOUND: f64 = 1.0 - 0.05 / JUDGED as f64;

/// One comparison's trials in one process: `a` against `b` in alternating pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trials {
    /// What is compared, as the report names it (with how its threads were placed).
    pub what: String,
    /// The two sides' names.
    pub names: [String; 2],
    /// Whether its verdict counts: a generic wrapper against its hand-written reference.
    pub judged: bool,
    /// `a`'s throughput in each pair, operations per second.
    pub a: Vec<f64>,
    /// `b`'s, pair by pair.
    pub b: Vec<f64>,
    /// Timing's share of the runner's CPU time in each of its trials (the runner's lines).
    #[serde(default)]
    pub timing_share: Vec<f64>,
}

/// `a` against `b` in `trials` alternating pairs: each side's throughputs, pair by pair.
fn alternate(
    trials: u32,
    mut a: impl FnMut() -> Result<f64, String>,
    mut b: impl FnMut() -> Result<f64, String>,
) -> Result<(Vec<f64>, Vec<f64>), String> {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    // Each goes first in every other pair, so neither gains from the order (a warm cache, a
    // runtime's threads already awake, the host's regime drifting within a pair).
    for trial in 0..trials {
        if trial % 2 == 0 {
            xs.push(a()?);
            ys.push(b()?);
        } else {
            ys.push(b()?);
            xs.push(a()?);
        }
    }
    Ok((xs, ys))
}

fn trials_of(
    what: String,
    names: (&str, &str),
    judged: bool,
    (a, b): (Vec<f64>, Vec<f64>),
) -> Trials {
    Trials {
        what,
        names: [names.0.to_owned(), names.1.to_owned()],
        judged,
        a,
        b,
        timing_share: Vec::new(),
    }
}

/// Every comparison, measured in this process with `trials` alternating pairs of `duration`
/// windows (twice the pairs for the lock from two threads and the owner from one task), in
/// this order: the runner against a bare loop, the lock wrapper, the owner wrapper.
pub fn measure(duration: Duration, trials: u32) -> Result<Vec<Trials>, String> {
    let workload = find("kv_read_heavy").map_err(|e| e.0)?;
    // The last core this process may use (under a cpuset they need not be 0..n): the
    // one-client trials run pinned to it.
    let core = statebench_harness::machine::allowed_cores()
        .last()
        .copied()
        .ok_or_else(|| "the OS did not say which cores this process may use".to_owned())?;
    let mut out = runner_against_bare_loop(&workload, core, duration, trials)?;
    out.extend(lock_wrapper(&workload, duration, trials)?);
    out.extend(owner_wrapper(&workload, core, duration, trials)?);
    Ok(out)
}

/// `clients` clients of `driver`, in words.
fn clients_of(clients: usize, driver: RustDriver) -> String {
    format!(
        "{clients} client{} ({})",
        if clients == 1 { "" } else { "s" },
        driver.name()
    )
}

/// The runner against a bare loop, at one client (pinned to `core`) and at 64.
fn runner_against_bare_loop(
    workload: &Workload,
    core: usize,
    duration: Duration,
    trials: u32,
) -> Result<Vec<Trials>, String> {
    let mut out = Vec::new();
    // One client: on one core (the runner's threads inherit the pin from this thread, so it
    // is set on a thread of its own and does not leak into the 64-client trials).
    let one = {
        let workload = workload.clone();
        thread::spawn(move || -> Result<_, String> {
            let pinned = statebench_harness::machine::pin_current_thread(core);
            let mut share = Vec::new();
            let pairs = alternate(
                trials,
                || {
                    runner::<MutexStd<KvU64>>(&workload, RustDriver::Threads, 1, duration, false)
                        .map(|(ops, s)| {
                            share.push(s);
                            ops
                        })
                },
                || bare_loop(&workload, 1, duration),
            )?;
            Ok((pinned, pairs, share))
        })
        .join()
        .map_err(|_| "the one-client trials panicked".to_owned())??
    };
    let mut first = trials_of(
        format!(
            "1 client{}",
            if one.0 {
                format!(", pinned to core {core}")
            } else {
                ", unpinned".into()
            }
        ),
        ("runner", "bare loop"),
        false,
        one.1,
    );
    first.timing_share = one.2;
    out.push(first);
    let mut share64 = Vec::new();
    let many = alternate(
        trials,
        || {
            runner::<MutexStd<KvU64>>(workload, RustDriver::Threads, 64, duration, false).map(
                |(ops, s)| {
                    share64.push(s);
                    ops
                },
            )
        },
        || bare_loop(workload, 64, duration),
    )?;
    let mut many = trials_of("64 clients".into(), ("runner", "bare loop"), false, many);
    many.timing_share = share64;
    out.push(many);
    Ok(out)
}

/// The lock wrapper (`mutex_std` against the hand-written lock) from one and two threads and
/// one task.
fn lock_wrapper(
    workload: &Workload,
    duration: Duration,
    trials: u32,
) -> Result<Vec<Trials>, String> {
    let mut out = Vec::new();
    for (driver, clients) in [
        (RustDriver::Threads, 1),
        (RustDriver::Threads, 2),
        (RustDriver::Tasks, 1),
    ] {
        // Two clients share a lock across the two cores, and how fast it passes between them
        // moves with where the hypervisor has put the cores (single unpinned pairs read from
        // half to more than twice the reference): twice the pairs, and each thread client
        // pinned to a core of its own, so that the scheduler's placing them (both on one core
        // for a while, or moving) does not decide a window.
        let pairs = if clients == 2 { 2 * trials } else { trials };
        let pin = driver == RustDriver::Threads;
        let tax = alternate(
            pairs,
            || {
                runner::<MutexStd<KvU64>>(workload, driver, clients, duration, pin)
                    .map(|(ops, _)| ops)
            },
            || {
                runner::<HandwrittenKv>(workload, driver, clients, duration, pin)
                    .map(|(ops, _)| ops)
            },
        )?;
        out.push(trials_of(
            format!(
                "lock wrapper, {}{}",
                clients_of(clients, driver),
                if pin { ", a core per client" } else { "" }
            ),
            ("mutex_std", "mutex_handwritten"),
            true,
            tax,
        ));
    }
    Ok(out)
}

/// The owner wrapper (`owner_tokio` against the hand-written owner) from a thread (pinned to
/// `core` with the owner's runtime) and from a task, then the A/A that shows the method's
/// resolution.
fn owner_wrapper(
    workload: &Workload,
    core: usize,
    duration: Duration,
    trials: u32,
) -> Result<Vec<Trials>, String> {
    let mut out = Vec::new();
    // From a thread, each call wakes the owner's runtime and the reply wakes the caller. A
    // wake across the two cores costs one to tens of microseconds as the hypervisor places
    // them, and moves between those within a pair (pairs of one process read from a tenth to
    // more than twice the reference), so the pairs run on
    // one core: the caller pinned, and the owners' background runtime started from it, its
    // threads inheriting the pin — checked, not assumed.
    let owner_threads = {
        let workload = workload.clone();
        thread::spawn(move || -> Result<_, String> {
            let pinned = statebench_harness::machine::pin_current_thread(core);
            let tax = alternate(
                trials,
                || {
                    runner::<OwnerTokio<KvU64>>(&workload, RustDriver::Threads, 1, duration, false)
                        .map(|(ops, _)| ops)
                },
                || {
                    runner::<HandwrittenOwnerKv>(&workload, RustDriver::Threads, 1, duration, false)
                        .map(|(ops, _)| ops)
                },
            )?;
            Ok((pinned && owner_runtime_on(core), tax))
        })
        .join()
        .map_err(|_| "the owner's one-thread trials panicked".to_owned())??
    };
    out.push(trials_of(
        format!(
            "owner wrapper, {}{}",
            clients_of(1, RustDriver::Threads),
            if owner_threads.0 {
                format!(", pinned with the owner's runtime to core {core}")
            } else {
                ", unpinned".into()
            }
        ),
        ("owner_tokio", "owner_handwritten"),
        true,
        owner_threads.1,
    ));
    // The comparison nearest its line (the generic owner from a task: docs/ARCHITECTURE.md
    // and results/2026-12-06-epyc-processes have the runs): twice the pairs.
    let tax = alternate(
        2 * trials,
        || {
            runner::<OwnerTokio<KvU64>>(workload, RustDriver::Tasks, 1, duration, false)
                .map(|(ops, _)| ops)
        },
        || {
            runner::<HandwrittenOwnerKv>(workload, RustDriver::Tasks, 1, duration, false)
                .map(|(ops, _)| ops)
        },
    )?;
    out.push(trials_of(
        format!("owner wrapper, {}", clients_of(1, RustDriver::Tasks)),
        ("owner_tokio", "owner_handwritten"),
        true,
        tax,
    ));
    // The method's resolution within one process, not judged: the same row against itself,
    // from tasks, where the owner's gap is measured.
    let same = alternate(
        trials,
        || {
            runner::<HandwrittenOwnerKv>(workload, RustDriver::Tasks, 1, duration, false)
                .map(|(ops, _)| ops)
        },
        || {
            runner::<HandwrittenOwnerKv>(workload, RustDriver::Tasks, 1, duration, false)
                .map(|(ops, _)| ops)
        },
    )?;
    out.push(trials_of(
        format!("A/A, not judged, {}", clients_of(1, RustDriver::Tasks)),
        ("owner_handwritten (A)", "owner_handwritten (B)"),
        false,
        same,
    ));
    Ok(out)
}

/// The first process's comparisons, once every process is shown to have measured the same
/// ones, with the [`JUDGED`] verdicts the correction is made for.
fn alike(processes: &[Vec<Trials>]) -> Result<&[Trials], String> {
    let first = processes
        .first()
        .ok_or_else(|| "no process measured anything".to_owned())?;
    for (k, other) in processes.iter().enumerate().skip(1) {
        let names = |p: &[Trials]| p.iter().map(|t| t.what.clone()).collect::<Vec<_>>();
        if names(other) != names(first) {
            return Err(format!(
                "process {} measured {:?} where process 1 measured {:?}: the processes must be \
                 set up alike",
                k + 1,
                names(other),
                names(first)
            ));
        }
    }
    // The correction is made for JUDGED verdicts: a change in their number must change it.
    let judged = first.iter().filter(|t| t.judged).count();
    if judged != JUDGED {
        return Err(format!(
            "the processes measured {judged} judged comparisons; the verdicts are corrected for \
             {JUDGED}"
        ));
    }
    Ok(first)
}

/// Runs [`measure`] in `processes` fresh processes of `exe` (this program's hidden
/// `overhead --one-process`), one after another; `progress` hears of each as it starts.
pub fn in_processes(
    exe: &Path,
    duration: Duration,
    trials: u32,
    processes: u32,
    mut progress: impl FnMut(u32),
) -> Result<Vec<Vec<Trials>>, String> {
    // Some 10 comparisons' worth of pairs, each two windows after a warm-up; four times that
    // and a minute before a process is taken for hung.
    let expected = 2 * 10 * trials * (duration + WARMUP + Duration::from_millis(50));
    let limit = 4 * expected + Duration::from_secs(60);
    let mut all = Vec::new();
    for process in 1..=processes {
        progress(process);
        let mut command = std::process::Command::new(exe);
        command
            .arg("overhead")
            .arg("--one-process")
            .arg("--duration")
            .arg(format!("{}us", duration.as_micros()))
            .arg("--trials")
            .arg(trials.to_string());
        let (ok, out, err) = crate::go::run_bounded(command, b"", limit)?;
        if !ok {
            // Its own error line, without the program's prefix the parent adds again.
            let said = err.trim().trim_start_matches("statebench: ");
            return Err(format!(
                "process {process} of {processes} failed: {}",
                if said.is_empty() {
                    "it exited without saying why (killed?)"
                } else {
                    said
                }
            ));
        }
        let measured: Vec<Trials> = serde_json::from_str(&out).map_err(|e| {
            format!("process {process} of {processes} wrote what cannot be read: {e}")
        })?;
        all.push(measured);
    }
    Ok(all)
}

/// One comparison over the processes: each process's estimate, and the processes as the
/// samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Combined {
    /// Each process's estimate of the ratio a / b: the Hodges–Lehmann centre of its pairs'
    /// ratios, on their logarithms (a rank statistic, so that one pair the host disturbed
    /// does not move a process's estimate by itself).
    pub estimates: Vec<f64>,
    /// The estimates' geometric mean.
    pub centre: f64,
    /// The t interval of the estimates' logarithms, each end a one-sided bound at 99 %,
    /// back in ratios (`None` with fewer than two processes).
    pub interval: Option<(f64, f64)>,
    /// How far apart the processes read: the standard deviation of their estimates'
    /// logarithms (≈ a relative spread).
    pub between: f64,
    /// How closely one process reads: the median over the processes of its pairs' standard
    /// error, on the logarithms.
    pub within: f64,
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// Combines one comparison's trials, one [`Trials`] per process.
pub fn combine(processes: &[&Trials]) -> Result<Combined, String> {
    let (mut logs, mut errors) = (Vec::new(), Vec::new());
    for (k, t) in processes.iter().enumerate() {
        let ratios: Vec<f64> = t.a.iter().zip(&t.b).map(|(a, b)| (a / b).ln()).collect();
        if ratios.is_empty() || ratios.iter().any(|r| !r.is_finite()) || t.a.len() != t.b.len() {
            return Err(format!(
                "process {} measured no rate to compare for {}",
                k + 1,
                t.what
            ));
        }
        // Level 0: only the centre is wanted, which every count of pairs has.
        let (centre, _, _) = statebench_harness::stats::hodges_lehmann(&ratios, 0.0)
            .ok_or_else(|| format!("process {} has no estimate for {}", k + 1, t.what))?;
        logs.push(centre);
        errors.push(mean_sd(&ratios).1 / (ratios.len() as f64).sqrt());
    }
    let (mean, between) = mean_sd(&logs);
    let n = logs.len();
    let interval = (n >= 2).then(|| {
        let half = statebench_harness::stats::t_quantile(BOUND, (n - 1) as f64) * between
            / (n as f64).sqrt();
        ((mean - half).exp(), (mean + half).exp())
    });
    Ok(Combined {
        estimates: logs.iter().map(|l| l.exp()).collect(),
        centre: mean.exp(),
        interval,
        between,
        within: Spread::of(&errors).median,
    })
}

/// What `statebench overhead` found: its report, each wrapper comparison shown under
/// [`WRAPPER_FLOOR`], and each that cannot be shown at or above it.
#[derive(Debug)]
pub struct Overhead {
    /// The report, a line per comparison.
    pub report: String,
    /// The comparisons whose whole interval lies under the floor, each as `what: figures`.
    pub below: Vec<String>,
    /// The comparisons whose interval reaches across the floor (or that have none).
    pub unresolved: Vec<String>,
}

/// Judges the trials of several processes (as [`in_processes`] returns them), each process
/// one sample: `duration` and `trials` as they were measured with, for the report's header.
pub fn judge(
    processes: &[Vec<Trials>],
    duration: Duration,
    trials: u32,
) -> Result<Overhead, String> {
    let first = alike(processes)?;
    let n = processes.len();
    let two_sided = 100.0 * (1.0 - 2.0 * (1.0 - BOUND));
    let mut out = format!(
        "kv_read_heavy, {n} processes, each {trials} alternating trial pairs of {} ms ({} for \
         the lock from two threads and the owner from one task). A process's estimate is the \
         Hodges-Lehmann centre of its pairs' ratios; the processes are the samples: geometric \
         mean and {two_sided:.0} % t interval (each end a {:.0} % bound, so that the {JUDGED} \
         wrapper verdicts hold together at 95 %).\n",
        duration.as_millis(),
        2 * trials,
        100.0 * BOUND,
    );
    let (mut below, mut unresolved) = (Vec::new(), Vec::new());
    for (i, shown) in first.iter().enumerate() {
        let all: Vec<&Trials> = processes.iter().map(|p| &p[i]).collect();
        let c = combine(&all)?;
        let pooled = |side: usize| {
            let xs: Vec<f64> = all
                .iter()
                .flat_map(|t| if side == 0 { t.a.clone() } else { t.b.clone() })
                .collect();
            Spread::of(&xs).median / 1e6
        };
        let [a, b] = &shown.names;
        let estimates: Vec<String> = c
            .estimates
            .iter()
            .map(|e| format!("{:.1}", 100.0 * e))
            .collect();
        let interval = c.interval.map_or("no interval".to_owned(), |(low, high)| {
            format!("{two_sided:.0} % CI {:.1}-{:.1}", 100.0 * low, 100.0 * high)
        });
        let _ = writeln!(
            out,
            "  {}: {a} / {b} {:.1} % ({interval}); by process {} %; spread between processes \
             {:.1} %, within one {:.1} %; medians {a} {:.2} M ops/s, {b} {:.2} M ops/s",
            shown.what,
            100.0 * c.centre,
            estimates.join(" "),
            100.0 * c.between,
            100.0 * c.within,
            pooled(0),
            pooled(1),
        );
        if !shown.judged {
            continue;
        }
        match c.interval {
            Some((_, high)) if high < WRAPPER_FLOOR => below.push(format!(
                "{}: {:.1} % ({interval}, wholly under {:.0} %)",
                shown.what,
                100.0 * c.centre,
                100.0 * WRAPPER_FLOOR
            )),
            Some((low, _)) if low >= WRAPPER_FLOOR => {}
            Some(_) => unresolved.push(format!(
                "{}: {:.1} % ({interval}, across {:.0} %)",
                shown.what,
                100.0 * c.centre,
                100.0 * WRAPPER_FLOOR
            )),
            None => unresolved.push(format!("{}: one process gives no interval", shown.what)),
        }
    }
    let shares = |i: usize| {
        let xs: Vec<f64> = processes
            .iter()
            .flat_map(|p| p[i].timing_share.clone())
            .collect();
        100.0 * Spread::of(&xs).median
    };
    if first.len() >= 2 {
        let _ = writeln!(
            out,
            "  timing's share of the runner's CPU time (median): {:.2} % at 1 client, {:.2} % at 64",
            shares(0),
            shares(1)
        );
    }
    let _ = writeln!(
        out,
        "every generic wrapper must be shown to make {:.0} % of its hand-written reference (the \
         whole interval over the processes at or above it): {}",
        100.0 * WRAPPER_FLOOR,
        if below.is_empty() && unresolved.is_empty() {
            "all are".to_owned()
        } else {
            format!(
                "{} shown below, {} cannot be told",
                below.len(),
                unresolved.len()
            )
        }
    );
    Ok(Overhead {
        report: out,
        below,
        unresolved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process's trials of one comparison whose every pair reads `ratio`.
    fn process(what: &str, judged: bool, ratios: &[f64]) -> Trials {
        Trials {
            what: what.into(),
            names: ["a".into(), "b".into()],
            judged,
            a: ratios.iter().map(|r| r * 1e6).collect(),
            b: vec![1e6; ratios.len()],
            timing_share: Vec::new(),
        }
    }

    /// Three processes reading 95, 100 and 105 %: the geometric mean and the t interval of
    /// the logarithms, its ends one-sided 99 % bounds, against values computed apart (in
    /// Python, with t(0.99; 2) = 0.98 / sqrt(2 x 0.99 x 0.01) = 6.964557, the closed form of
    /// Student's t with two degrees of freedom).
    #[test]
    fn the_processes_are_the_samples() {
        let ps = [
            process("x", true, &[0.95, 0.95]),
            process("x", true, &[1.0, 1.0]),
            process("x", true, &[1.05, 1.05]),
        ];
        let c = combine(&ps.iter().collect::<Vec<_>>()).expect("three processes");
        let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert!(close(c.centre, 0.999_165_971), "{c:?}");
        let (low, high) = c.interval.expect("three processes");
        assert!(
            close(low, 0.817_035_624) && close(high, 1.221_896_094),
            "{c:?}"
        );
        assert!(close(c.between, 0.050_046_946), "{c:?}");
        assert!(close(c.within, 0.0), "each process's pairs agree: {c:?}");
        // A process's estimate is the centre of its pairs, which one wild pair does not move.
        let wild = process("x", true, &[1.0, 1.0, 1.0, 1.0, 0.3]);
        let one = combine(&[&wild]).expect("one process");
        assert!(close(one.estimates[0], 1.0), "{one:?}");
        assert_eq!(one.interval, None, "one process gives no interval");
    }

    /// One process's comparisons: an unjudged one, `wrapper` reading `r`, and the other
    /// [`JUDGED`] - 1 judged ones reading 100 %.
    fn one(r: f64) -> Vec<Trials> {
        let mut all = vec![
            process("runner", false, &[0.5, 0.5]),
            process("wrapper", true, &[r, r]),
        ];
        all.extend((1..JUDGED).map(|i| process(&format!("other {i}"), true, &[1.0, 1.0])));
        all
    }

    fn verdict(readings: &[f64]) -> Overhead {
        let processes: Vec<Vec<Trials>> = readings.iter().map(|r| one(*r)).collect();
        judge(&processes, Duration::from_millis(300), 2).expect("alike")
    }

    /// Shown at or above the floor, shown under it, or neither — by the processes' interval,
    /// never by one process: the unjudged line under the floor counts for nothing.
    #[test]
    fn the_verdict_is_the_interval_over_the_processes() {
        let pass = verdict(&[0.97, 0.99, 1.0, 0.98, 1.01]);
        assert!(
            pass.below.is_empty() && pass.unresolved.is_empty(),
            "{pass:?}"
        );
        assert!(pass.report.contains("all are"), "{}", pass.report);
        let under = verdict(&[0.84, 0.86, 0.85, 0.85, 0.87]);
        assert_eq!(under.below.len(), 1, "{under:?}");
        assert!(under.below[0].starts_with("wrapper: 85.4 %"), "{under:?}");
        // Four processes well above the floor and one far under it: their interval reaches
        // across the floor, though the centre is above it.
        let torn = verdict(&[1.0, 1.0, 0.99, 1.01, 0.80]);
        assert_eq!(torn.unresolved.len(), 1, "{torn:?}");
        assert!(torn.below.is_empty(), "{torn:?}");
        assert!(
            torn.report
                .contains("by process 100.0 100.0 99.0 101.0 80.0 %"),
            "{}",
            torn.report
        );
    }

    #[test]
    fn processes_set_up_differently_are_refused() {
        let a = vec![process("1 client, pinned to core 1", false, &[1.0])];
        let b = vec![process("1 client, unpinned", false, &[1.0])];
        let e = judge(&[a.clone(), b], Duration::from_millis(300), 1).expect_err("unlike");
        assert!(
            e.contains("process 2 measured") && e.contains("set up alike"),
            "{e}"
        );
        let e = judge(&[], Duration::from_millis(300), 1).expect_err("none");
        assert!(e.contains("no process"), "{e}");
        let e = judge(&[a.clone(), a], Duration::from_millis(300), 1).expect_err("none judged");
        assert!(e.contains("measured 0 judged comparisons"), "{e}");
        let mut zero = one(1.0);
        zero[1].a = vec![0.0, 0.0];
        let e = judge(&[one(1.0), zero], Duration::from_millis(300), 2).expect_err("a zero rate");
        assert!(
            e.contains("process 2 measured no rate to compare for wrapper"),
            "{e}"
        );
    }
}
