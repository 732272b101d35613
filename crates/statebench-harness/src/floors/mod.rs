//! The *floors*: what the primitives every strategy is built from cost on this machine, now,
//! each measured where its name says — threads pinned to named cores, the other core idle or
//! kept busy — in several trials, at the start of a run and again at its end.
//!
//! Why the placement matters: on a virtual machine an idle virtual CPU halts, and waking a
//! thread on it goes through the hypervisor. On the 2-core VMs of this project that has cost
//! tens of microseconds each way, against about a microsecond when the other core is busy and a
//! few for a switch on one core — a spread of an order of magnitude that an unpinned
//! measurement lands anywhere in (each run's report has its own figures). An OS-thread owner
//! called from one thread pays exactly this wake, so the report quotes all three placements.
//!
//! Why start and end: a shared machine can change under a run (a neighbour arrives, the host
//! migrates the VM). A floor whose trials at the end differ from those at the start by more
//! than [`MOVED`] (beyond their spread) marks the run as disturbed.
//!
//! This module holds the record of the floors and how a run judges them; `probes` measures
//! each one.

mod probes;

use std::thread;

use serde::{Deserialize, Serialize};

use crate::stats::{RatioInterval, Verdict, Welch};
pub use probes::{ROUNDS_PER_TRIAL, probe_round_trip, round_trial};
use probes::{
    Workers, cache_line_round_trip, mutex_uncontended, on_core, tcp_loopback_round_trip,
    thread_sleep_1ms, tokio_round_trip, tokio_sleep_1ms, wake_round_trip,
};

/// Trials of every floor.
pub const TRIALS: usize = 5;

/// How far a floor may move between the start and the end of a run before the run is called
/// disturbed: the whole 99 % interval of the end/start ratio beyond ±25 %. Floors are noisier
/// than the cells (a wake through the hypervisor varies by tens of percent), so the bar is
/// higher than the guide's 10 %.
pub const MOVED: f64 = 0.25;

/// One floor: every trial, in nanoseconds, and their median and range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Floor {
    /// Median of the trials.
    pub median: f64,
    /// Fastest trial.
    pub min: f64,
    /// Slowest trial.
    pub max: f64,
    /// Every trial, in the order measured.
    pub trials: Vec<f64>,
}

impl Floor {
    /// The floor of `trials` (at least one).
    pub fn of(trials: Vec<f64>) -> Floor {
        let mut sorted = trials.clone();
        sorted.sort_by(f64::total_cmp);
        Floor {
            median: sorted[sorted.len() / 2],
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            trials,
        }
    }

    fn measure(mut trial: impl FnMut() -> f64) -> Floor {
        Floor::of((0..TRIALS).map(|_| trial()).collect())
    }

    fn try_measure(mut trial: impl FnMut() -> Option<f64>) -> Option<Floor> {
        let trials: Option<Vec<f64>> = (0..TRIALS).map(|_| trial()).collect();
        trials.map(Floor::of)
    }
}

/// The floors of one moment of a run. Those that need two cores, or pinning, are `None` where
/// the machine has one core or refuses to pin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Floors {
    /// Round trip of a cache line between threads pinned to cores 0 and 1, both spinning.
    pub cache_line_round_trip_ns: Option<Floor>,
    /// Park/unpark round trip between threads pinned to cores 0 and 1, nothing else running:
    /// each wake lands on an idle (halted) core. What a blocking call to an idle OS-thread
    /// owner pays on a quiet machine.
    pub wake_cross_core_idle_ns: Option<Floor>,
    /// The same, with a lowest-priority (`SCHED_IDLE`) spinner on each core, so neither ever
    /// halts and a woken thread takes its core at once.
    pub wake_cross_core_busy_ns: Option<Floor>,
    /// The same round trip with both threads pinned to core 0: two context switches.
    pub wake_same_core_ns: Option<Floor>,
    /// A tokio `mpsc` request carrying a `oneshot` reply to an owner task and back, both
    /// tasks on one current-thread runtime pinned to core 0: the channels alone.
    pub tokio_same_worker_ns: Floor,
    /// The same on a two-worker multi-thread runtime (workers pinned to cores 0 and 1), like
    /// the tasks driver's: where the scheduler puts the two tasks is its choice.
    pub tokio_two_workers_ns: Floor,
    /// Lock and unlock of an uncontended `std::sync::Mutex`, on core 0.
    pub mutex_uncontended_ns: Floor,
    /// How long `std::thread::sleep(1 ms)` really sleeps.
    pub thread_sleep_1ms_ns: Floor,
    /// How long `tokio::time::sleep(1 ms)` really sleeps.
    pub tokio_sleep_1ms_ns: Floor,
    /// How long Go's `time.Sleep(1 ms)` really sleeps (the mean of ten in a Go contender
    /// process), when the run had Go: the floor under the Go rows of the reference program.
    /// [`Floors::measure`] leaves it empty; the `statebench` binary measures it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_sleep_1ms_ns: Option<Floor>,
    /// One round of the critical-section work chain ([`statebench_core::Work`]), on core 0:
    /// what the workloads' `work_ns` is calibrated from ([`crate::work`]). Absent from runs
    /// made before it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_round_ns: Option<Floor>,
    /// Round trip of one byte over a loopback TCP connection (Nagle off) between a client
    /// thread pinned to core 0 and an echo thread pinned to core 1, each blocking in `read`:
    /// the socket and the two wakes a call to another process on this machine pays with nothing
    /// else to do — the floor under the Redis rows from one client. Absent from runs made
    /// before it was measured, and where pinning is refused or there is one core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_loopback_ns: Option<Floor>,
}

impl Floors {
    /// Measures every floor, about a second in all. Fails only if a tokio runtime cannot start
    /// — and then the tasks driver could not run either.
    pub fn measure() -> Result<Floors, String> {
        let two_cores = thread::available_parallelism().map_or(1, |n| n.get()) >= 2;
        let cross = |busy: bool| {
            two_cores
                .then(|| Floor::try_measure(|| wake_round_trip(0, 1, busy, 500)))
                .flatten()
        };
        Ok(Floors {
            cache_line_round_trip_ns: two_cores
                .then(|| Floor::try_measure(|| cache_line_round_trip(20_000, 0.5)))
                .flatten(),
            wake_cross_core_idle_ns: cross(false),
            wake_cross_core_busy_ns: cross(true),
            wake_same_core_ns: Floor::try_measure(|| wake_round_trip(0, 0, false, 1000)),
            tokio_same_worker_ns: try_floor(|| tokio_round_trip(Workers::One, 20_000))?,
            tokio_two_workers_ns: try_floor(|| tokio_round_trip(Workers::Two, 20_000))?,
            mutex_uncontended_ns: Floor::measure(|| mutex_uncontended(1_000_000)),
            thread_sleep_1ms_ns: Floor::measure(|| thread_sleep_1ms(10)),
            tokio_sleep_1ms_ns: try_floor(|| tokio_sleep_1ms(10))?,
            go_sleep_1ms_ns: None,
            work_round_ns: Floor::try_measure(|| on_core(0, round_trial)),
            tcp_loopback_ns: two_cores
                .then(|| Floor::try_measure(|| tcp_loopback_round_trip(0, 1, 500)))
                .flatten(),
        })
    }

    /// Made-up floors of plausible size (each five trials within ±2 %), for tests of code
    /// that reads results: not a measurement. Built only for tests, as [`crate::fixture`] is.
    #[cfg(any(test, feature = "fixture"))]
    pub fn fixture() -> Floors {
        let floor = |ns: f64| Floor::of(vec![ns, ns * 1.02, ns * 0.98, ns * 1.01, ns * 0.99]);
        Floors {
            cache_line_round_trip_ns: Some(floor(74.0)),
            wake_cross_core_idle_ns: Some(floor(40_000.0)),
            wake_cross_core_busy_ns: Some(floor(2_000.0)),
            wake_same_core_ns: Some(floor(5_000.0)),
            tokio_same_worker_ns: floor(300.0),
            tokio_two_workers_ns: floor(500.0),
            mutex_uncontended_ns: floor(10.0),
            thread_sleep_1ms_ns: floor(1_080_000.0),
            tokio_sleep_1ms_ns: floor(2_120_000.0),
            go_sleep_1ms_ns: None,
            // Binary fractions: a nanosecond's fraction must survive the JSON round trip.
            work_round_ns: Some(Floor::of(vec![
                1.25, 1.265625, 1.234375, 1.2578125, 1.2421875,
            ])),
            tcp_loopback_ns: Some(floor(60_000.0)),
        }
    }

    /// Every floor with a name for people, in the order the report lists them.
    pub fn named(&self) -> Vec<(&'static str, Option<&Floor>)> {
        vec![
            (
                "cache-line round trip, cores 0 ↔ 1, spinning",
                self.cache_line_round_trip_ns.as_ref(),
            ),
            (
                "thread wake round trip, cores 0 ↔ 1, other core idle",
                self.wake_cross_core_idle_ns.as_ref(),
            ),
            (
                "thread wake round trip, cores 0 ↔ 1, other core busy",
                self.wake_cross_core_busy_ns.as_ref(),
            ),
            (
                "thread wake round trip, both on core 0",
                self.wake_same_core_ns.as_ref(),
            ),
            (
                "tokio mpsc + oneshot round trip, one worker",
                Some(&self.tokio_same_worker_ns),
            ),
            (
                "tokio mpsc + oneshot round trip, two workers",
                Some(&self.tokio_two_workers_ns),
            ),
            (
                "uncontended std Mutex lock + unlock",
                Some(&self.mutex_uncontended_ns),
            ),
            (
                "`std::thread::sleep(1 ms)` really takes",
                Some(&self.thread_sleep_1ms_ns),
            ),
            (
                "`tokio::time::sleep(1 ms)` really takes",
                Some(&self.tokio_sleep_1ms_ns),
            ),
            (
                "Go's `time.Sleep(1 ms)` really takes",
                self.go_sleep_1ms_ns.as_ref(),
            ),
            (
                "one round of the critical-section work, core 0",
                self.work_round_ns.as_ref(),
            ),
            (
                "loopback TCP round trip, cores 0 ↔ 1, both blocking",
                self.tcp_loopback_ns.as_ref(),
            ),
        ]
    }

    /// The floors that moved from `before` to `self`: those whose ratio `self / before` has a
    /// 99 % interval wholly beyond ±[`MOVED`] — each with its name, both floors and the interval.
    pub fn moved_from<'a>(
        &'a self,
        before: &'a Floors,
    ) -> Vec<(&'static str, &'a Floor, &'a Floor, RatioInterval)> {
        self.changes_from(before)
            .into_iter()
            .filter_map(|(name, b, a, interval)| {
                let i = interval?;
                matches!(i.verdict(MOVED), Verdict::Faster | Verdict::Slower)
                    .then_some((name, b, a, i))
            })
            .collect()
    }

    /// Every floor measured on both sides, with the 99 % interval of `self / before` (`None`
    /// when the trials give none).
    fn changes_from<'a>(
        &'a self,
        before: &'a Floors,
    ) -> Vec<(&'static str, &'a Floor, &'a Floor, Option<RatioInterval>)> {
        before
            .named()
            .into_iter()
            .zip(self.named())
            .filter_map(|((name, before), (_, after))| {
                let (before, after) = (before?, after?);
                let interval = Welch::of(&after.trials, &before.trials).map(|w| w.interval(0.99));
                Some((name, before, after, interval))
            })
            .collect()
    }

    /// What the floors say of the machine between `start` and `self` (the end of a run). It
    /// fails closed: the machine *held still* only when every floor's 99 % interval lies
    /// within ±[`MOVED`]; it *moved* when some floor's lies wholly beyond; otherwise the trials
    /// *cannot tell*, and the floors whose intervals straddle the line are named, with their
    /// figures — five trials of a noisy floor are not evidence of a steady machine.
    pub fn steadiness_since(&self, start: &Floors) -> Steadiness {
        let moved = self.moved_since(start);
        if !moved.is_empty() {
            return Steadiness::Moved(moved);
        }
        let unsettled: Vec<String> = self
            .changes_from(start)
            .into_iter()
            .filter_map(|(name, before, after, interval)| match interval {
                Some(i) if i.verdict(MOVED) == Verdict::Same => None,
                Some(i) => Some(format!(
                    "{name}: median {:.0} ns at the start, {:.0} ns at the end (×{:.2}, 99 % CI \
                     {:.2}–{:.2})",
                    before.median, after.median, i.ratio, i.low, i.high
                )),
                None => Some(format!(
                    "{name}: median {:.0} ns at the start, {:.0} ns at the end (no interval)",
                    before.median, after.median
                )),
            })
            .collect();
        if unsettled.is_empty() {
            Steadiness::HeldStill
        } else {
            Steadiness::CannotTell(unsettled)
        }
    }

    /// The floors that moved from `start` to `self` (the end of a run), each as a sentence
    /// (see [`Floors::moved_from`]).
    pub fn moved_since(&self, start: &Floors) -> Vec<String> {
        self.moved_from(start)
            .into_iter()
            .map(|(name, before, after, interval)| {
                format!(
                    "{name}: median {:.0} ns at the start, {:.0} ns at the end (×{:.2}, 99 % CI {:.2}–{:.2})",
                    before.median, after.median, interval.ratio, interval.low, interval.high
                )
            })
            .collect()
    }
}

/// What a run's floors at its start and end say of the machine ([`Floors::steadiness_since`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Steadiness {
    /// Every floor's change lies within ±[`MOVED`].
    HeldStill,
    /// These floors moved by more than ±[`MOVED`] (one sentence each): the run was disturbed.
    Moved(Vec<String>),
    /// No floor is shown to have moved, but these could not be shown to have held still.
    CannotTell(Vec<String>),
}

fn try_floor(mut trial: impl FnMut() -> Result<f64, String>) -> Result<Floor, String> {
    let trials: Result<Vec<f64>, String> = (0..TRIALS).map(|_| trial()).collect();
    trials.map(Floor::of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_that_moved_is_named_and_one_that_did_not_is_not() {
        let floor = |ns: f64| Floor::of(vec![ns, ns * 1.02, ns * 0.98, ns * 1.01, ns * 0.99]);
        let start = Floors::fixture();
        assert!(start.moved_since(&start).is_empty());
        let mut end = start.clone();
        end.wake_cross_core_idle_ns = Some(floor(2_500.0));
        end.mutex_uncontended_ns = floor(10.5);
        let moved = end.moved_since(&start);
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert!(
            moved[0].starts_with("thread wake round trip, cores 0 ↔ 1, other core idle"),
            "{moved:?}"
        );
        assert!(matches!(end.steadiness_since(&start), Steadiness::Moved(m) if m.len() == 1));
    }

    #[test]
    fn held_still_only_when_every_interval_says_so() {
        let start = Floors::fixture();
        // The same trials: every interval is a point at 1.
        assert_eq!(start.steadiness_since(&start), Steadiness::HeldStill);
        // 76 → 34 ns in five trials that spread from a third to three times: the median fell
        // by more than half, but the trials cannot tell it from noise, nor from a steady
        // machine. Before, "no floor moved" read as "held still" here.
        let mut end = start.clone();
        end.cache_line_round_trip_ns = Some(Floor::of(vec![34.0, 12.0, 100.0, 30.0, 60.0]));
        let mut noisy = start.clone();
        noisy.cache_line_round_trip_ns = Some(Floor::of(vec![76.0, 25.0, 220.0, 70.0, 130.0]));
        assert!(
            end.moved_since(&noisy).is_empty(),
            "not shown to have moved"
        );
        match end.steadiness_since(&noisy) {
            Steadiness::CannotTell(floors) => {
                assert_eq!(floors.len(), 1, "{floors:?}");
                assert!(floors[0].starts_with("cache-line round trip"), "{floors:?}");
            }
            other => panic!("five scattered trials held still? {other:?}"),
        }
    }
}
