//! One cell as run, and how often its operations are timed.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::callers::RustDriver;
use crate::generate::PLAN_LEN;
use crate::measure::Latencies;
use crate::workload::Workload;

/// One cell of the matrix, as run.
#[derive(Clone, Debug)]
pub struct Cell<'a> {
    /// The workload.
    pub workload: &'a Workload,
    /// Who calls: the harness runs Rust strategies only (Go's rows are run by the binary).
    pub driver: RustDriver,
    /// How many clients.
    pub clients: usize,
    /// Time the clients run before the measured window opens.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
    /// In a closed loop, how long the window may stay open past `duration` for every client
    /// to complete an operation in it: at most this long after it opened (the main job's is
    /// [`COVER_WITHIN`](super::COVER_WITHIN)). `None`: it closes at `duration`, as every window did before
    /// 2026-12-04. An open loop's window always closes at `duration`.
    pub cover: Option<Duration>,
    /// Time one operation in every `sample_every` (rounded up to a power of two, at most
    /// [`PLAN_LEN`]), the same for every client; the runner gives every implementation of a
    /// cell the same interval ([`interval_for`]). With think time every operation is timed.
    pub sample_every: u32,
    /// Seed of the operation generators.
    pub seed: u64,
    /// The knobs of the strategies that have them.
    pub tuning: Tuning,
    /// The workload's `work_ns` as calibrated on this machine ([`crate::work`]): the work the
    /// state spends in each critical section. It must be set exactly when `work_ns` is.
    pub work: statebench_core::Work,
    /// OS-thread clients only: client `i` pinned to the `i`-th of the cores this process may
    /// use (modulo their count), so that where
    /// the scheduler puts the clients does not decide a window (`statebench overhead`'s lock
    /// from two threads). A client the OS refuses to pin fails the repetition. `false` in the
    /// runner: its clients go where the scheduler puts them, as a service's threads would.
    pub pin_clients: bool,
}

/// The share of the CPU time that timing operations may take: the runner picks each cell's
/// sampling interval to stay within it for the cheapest implementation of the cell.
pub const TIMING_BUDGET: f64 = 0.01;

pub(super) fn mask_of(every: u32) -> usize {
    (every.clamp(1, PLAN_LEN as u32).next_power_of_two() as usize) - 1
}

/// What timing one operation costs: two clock reads and a histogram record, measured once.
pub fn timing_cost() -> Duration {
    static COST: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *COST.get_or_init(|| {
        let mut latencies = Latencies::new(1);
        let rounds = 20_000u32;
        let start = Instant::now();
        for _ in 0..rounds {
            let t = Instant::now();
            latencies.record(0, t.elapsed());
        }
        start.elapsed() / rounds
    })
}

/// The sampling interval that keeps timing within [`TIMING_BUDGET`] of the CPU time of an
/// implementation that spends `cpu_ns_per_op` per operation (a power of two, 1 to
/// [`PLAN_LEN`]). Chosen from CPU time, not wall time: 64 clients on 2 cores wait most of
/// their wall time, but every clock read still costs CPU the implementation could have used.
pub fn interval_for(cpu_ns_per_op: f64) -> u32 {
    if cpu_ns_per_op.is_nan() || cpu_ns_per_op <= 0.0 {
        return PLAN_LEN as u32;
    }
    let interval = timing_cost().as_nanos() as f64 / (TIMING_BUDGET * cpu_ns_per_op);
    (interval.ceil().clamp(1.0, PLAN_LEN as f64) as u32).next_power_of_two()
}

/// The knobs of the strategies that have them, as a run set them: how many owners a sharded
/// owner runs, and how long a spinning owner thread and its blocking callers poll before they
/// park ([`statebench_core::Settings`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tuning {
    /// Owners per sharded owner; 0: one per core.
    pub shards: usize,
    /// How long a spinning owner polls its empty mailbox before it parks, in microseconds.
    pub owner_spin_us: u64,
    /// How long a spinning owner's blocking caller polls for its reply, in microseconds.
    pub caller_spin_us: u64,
}

impl Default for Tuning {
    fn default() -> Self {
        let d = statebench_core::Settings::default();
        Tuning {
            shards: d.shards,
            owner_spin_us: u64::try_from(d.owner_spin.as_micros()).unwrap_or(u64::MAX),
            caller_spin_us: u64::try_from(d.caller_spin.as_micros()).unwrap_or(u64::MAX),
        }
    }
}

impl Tuning {
    /// The settings a strategy starts with under this tuning (the system clock, the default
    /// mailbox).
    pub fn settings(&self) -> statebench_core::Settings {
        statebench_core::Settings {
            shards: self.shards,
            owner_spin: std::time::Duration::from_micros(self.owner_spin_us),
            caller_spin: std::time::Duration::from_micros(self.caller_spin_us),
            ..statebench_core::Settings::default()
        }
    }

    /// In words, for a report: `sharded owners: one per core; spinning owner thread: polls
    /// 100 µs, its blocking callers 20 µs`.
    pub fn describe(&self) -> String {
        let shards = match self.shards {
            0 => "one per core".to_owned(),
            1 => "1 shard".to_owned(),
            n => format!("{n} shards"),
        };
        format!(
            "sharded owners: {shards}; spinning owner thread: polls {} µs before it parks, its \
             blocking callers {} µs",
            self.owner_spin_us, self.caller_spin_us
        )
    }
}
