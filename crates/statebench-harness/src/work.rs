//! Calibrating the critical-section work ([`Work`]) on this machine: how many rounds of the
//! chain make the nanoseconds a workload asks for (its `work_ns`), and what those rounds then
//! really cost.
//!
//! One round's cost is a floor ([`Floors::work_round_ns`](crate::floors::Floors)), measured on
//! core 0 at the start and the end of every run like the others, so a machine whose speed moved
//! under the run is flagged the same way. From its fastest trial each swept cost gets its
//! rounds ([`work_for`]); then each is measured on its own, spent back to back on core 0 in
//! [`crate::floors::TRIALS`] trials ([`WorkCost`]), and a cost whose fastest trial misses its
//! target by more than [`TOLERANCE`] is reported as such — the run says so, the report prints
//! it beside the crossover. The results record all of it.
//!
//! **Why the fastest trial, not the median.** The chain is pure arithmetic on one core: what
//! disturbs a trial (a neighbour on the host, an interrupt, the other vCPU's work) only ever
//! adds time, so the fastest trial is the work's own cost and the others are it plus noise: a
//! median over trials of which one or two were disturbed reads the disturbance as the cost.
//! The floors' start/end comparison, on every trial, is what catches a machine that really
//! slowed.

use std::hint::black_box;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use statebench_core::Work;

use crate::floors::{Floor, TRIALS};

/// How far a calibrated cost's measured median may stray from its target: ±10 %, the guide's
/// smallest effect worth naming.
pub const TOLERANCE: f64 = 0.10;

/// Time spent per trial of a calibrated cost: the work is repeated until it fills this.
const TRIAL_BUDGET_NS: u64 = 2_000_000;

/// The largest cost a workload may ask for: one second of work inside a critical section is
/// no longer a service.
pub const MAX_WORK_NS: u64 = 1_000_000_000;

/// The work that costs `target_ns` when one round costs `round_ns`: at least one round for
/// any cost above zero, none for zero.
pub fn work_for(target_ns: u64, round_ns: f64) -> Work {
    if target_ns == 0 || round_ns.is_nan() || round_ns <= 0.0 {
        return Work::NONE;
    }
    let rounds = (target_ns as f64 / round_ns)
        .round()
        .clamp(1.0, f64::from(u32::MAX));
    Work::rounds(rounds as u32)
}

/// A swept cost as calibrated for a run: the rounds it was given and what it measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkCost {
    /// The cost asked for (a workload's `work_ns`), in nanoseconds.
    pub target_ns: u64,
    /// The rounds of the chain that make it, from the round floor's fastest trial at the start.
    pub rounds: u32,
    /// What one spend of those rounds took, in nanoseconds: each trial the mean of a
    /// back-to-back batch on core 0.
    pub measured_ns: Floor,
}

impl WorkCost {
    /// The fastest measured trial against the target: `0.03` is 3 % over (the module says why
    /// the fastest).
    pub fn error(&self) -> f64 {
        self.measured_ns.min / self.target_ns as f64 - 1.0
    }

    /// Whether the fastest trial is within [`TOLERANCE`] of the target.
    pub fn within_tolerance(&self) -> bool {
        self.error().abs() <= TOLERANCE
    }

    /// The [`Work`] these rounds are.
    pub fn work(&self) -> Work {
        Work::rounds(self.rounds)
    }

    /// Calibrates `target_ns` from `round_ns`, timing each trial with `time`, which returns
    /// the nanoseconds `spends` back-to-back spends of the work took (the tests pass a model
    /// of a machine; [`calibrate`] passes the clock).
    pub fn measure_with(
        target_ns: u64,
        round_ns: f64,
        mut time: impl FnMut(Work, u64) -> f64,
    ) -> WorkCost {
        let work = work_for(target_ns, round_ns);
        let spends = (TRIAL_BUDGET_NS / target_ns.max(1)).clamp(1, 100_000);
        let trials = (0..TRIALS)
            .map(|_| time(work, spends) / spends as f64)
            .collect();
        WorkCost {
            target_ns,
            rounds: work.count(),
            measured_ns: Floor::of(trials),
        }
    }
}

/// Times `spends` back-to-back spends of `work`, in nanoseconds.
fn time_spends(work: Work, spends: u64) -> f64 {
    work.spend();
    let started = Instant::now();
    for _ in 0..spends {
        black_box(work).spend();
    }
    started.elapsed().as_nanos() as f64
}

/// Calibrates every cost of `targets_ns` (zero skipped) from the round floor `round_ns`, on a
/// thread pinned to core 0 where the machine allows it (as the floors are measured).
pub fn calibrate(targets_ns: &[u64], round_ns: f64) -> Vec<WorkCost> {
    let mut targets: Vec<u64> = targets_ns.iter().copied().filter(|t| *t > 0).collect();
    targets.sort_unstable();
    targets.dedup();
    std::thread::spawn(move || {
        crate::os::pin_to_core(0);
        targets
            .into_iter()
            .map(|t| WorkCost::measure_with(t, round_ns, time_spends))
            .collect()
    })
    .join()
    .unwrap_or_default()
}

/// `ns` as a workload name's suffix and a label: `100ns`, `1us`, `10us`, `2ms`; a count that
/// is no whole number of the larger unit stays in the smaller one (`1500ns`).
pub fn label(ns: u64) -> String {
    match ns {
        0 => "0".into(),
        n if n % 1_000_000 == 0 => format!("{}ms", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{}us", n / 1_000),
        n => format!("{n}ns"),
    }
}

/// Reads a cost as `--work` writes it: a whole number with a unit — `ns`, `us` (or `µs`),
/// `ms`, `s` — or `0`; at most [`MAX_WORK_NS`].
pub fn parse_ns(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(0);
    }
    let (number, scale) = [
        ("ns", 1),
        ("us", 1_000),
        ("µs", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
    ]
    .into_iter()
    .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n, scale)))
    .ok_or_else(|| {
        format!("{text:?} is not a cost: write a number with a unit, as 0, 100ns, 1us or 2ms")
    })?;
    let n: u64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a cost: {number:?} is not a whole number"))?;
    let ns = n
        .checked_mul(scale)
        .filter(|ns| *ns <= MAX_WORK_NS)
        .ok_or_else(|| format!("{text:?} is more than the most a cost may be, 1 s"))?;
    Ok(ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A machine whose spends cost `overhead_ns` each plus `round_ns` a round, exactly.
    fn model(round_ns: f64, overhead_ns: f64) -> impl FnMut(Work, u64) -> f64 {
        move |work, spends| spends as f64 * (overhead_ns + f64::from(work.count()) * round_ns)
    }

    #[test]
    fn a_linear_machine_is_calibrated_within_tolerance_at_every_swept_cost() {
        // Rounds of 1.7 ns and 2 ns of call overhead: the linear calibration lands within
        // 3 % of 100 ns and closer above it.
        for target in [100, 1_000, 10_000, 100_000] {
            let cost = WorkCost::measure_with(target, 1.7, model(1.7, 2.0));
            assert!(cost.within_tolerance(), "{cost:?}");
            assert!(cost.error().abs() < 0.03, "{target}: {}", cost.error());
            assert_eq!(cost.work().count(), cost.rounds);
            assert_eq!(cost.measured_ns.trials.len(), TRIALS);
        }
    }

    #[test]
    fn a_cost_the_rounds_cannot_make_is_flagged() {
        // 40 ns of overhead per spend: 100 ns asked, 140 ns given — outside the tolerance,
        // while 100 µs is still right.
        let short = WorkCost::measure_with(100, 2.0, model(2.0, 40.0));
        assert!(!short.within_tolerance(), "{short:?}");
        assert!((short.error() - 0.40).abs() < 1e-9);
        let long = WorkCost::measure_with(100_000, 2.0, model(2.0, 40.0));
        assert!(long.within_tolerance(), "{long:?}");
        // A round floor that was measured on a faster moment: every cost comes out long.
        let drifted = WorkCost::measure_with(10_000, 1.0, model(1.3, 0.0));
        assert!(!drifted.within_tolerance(), "{drifted:?}");
        // Noise only adds time: two disturbed trials of five move the median, not the verdict.
        let mut trial = 0;
        let noisy = WorkCost::measure_with(10_000, 2.0, |work, spends| {
            trial += 1;
            let disturbed = if trial == 2 || trial == 4 { 1.7 } else { 1.0 };
            spends as f64 * f64::from(work.count()) * 2.0 * disturbed
        });
        assert!(noisy.within_tolerance(), "{noisy:?}");
        assert!(noisy.measured_ns.max > 16_000.0);
    }

    #[test]
    fn work_for_rounds_and_never_gives_nothing_for_something() {
        assert_eq!(work_for(0, 2.0), Work::NONE);
        assert_eq!(work_for(1, 2.0), Work::rounds(1));
        assert_eq!(work_for(1_000, 2.0), Work::rounds(500));
        assert_eq!(work_for(1_001, 2.0), Work::rounds(501));
        assert_eq!(work_for(1_000, 0.0), Work::NONE);
        assert_eq!(work_for(1_000, f64::NAN), Work::NONE);
    }

    #[test]
    fn costs_read_and_label_in_one_format() {
        for (text, ns) in [
            ("0", 0),
            ("100ns", 100),
            ("1us", 1_000),
            ("1µs", 1_000),
            ("10us", 10_000),
            ("2ms", 2_000_000),
            (" 1500ns ", 1_500),
        ] {
            assert_eq!(parse_ns(text), Ok(ns), "{text}");
        }
        for ns in [0, 100, 1_500, 1_000, 10_000, 2_000_000] {
            assert_eq!(parse_ns(&label(ns)), Ok(ns), "{ns}");
        }
        assert_eq!(label(100_000), "100us");
        assert_eq!(parse_ns("1s"), Ok(1_000_000_000));
        for bad in ["", "1", "2s", "us", "-1us", "1.5us", "2000ms", "1 parsec"] {
            let e = parse_ns(bad).expect_err(bad);
            assert!(e.contains("cost"), "{bad}: {e}");
        }
    }
}
