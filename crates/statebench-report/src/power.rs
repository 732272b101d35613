//! How often is `statebench compare` right? Given the comparisons of many trials of one kind —
//! A/A (the same build on both sides) or with a slowdown planted on the NEW side — this counts,
//! per cell and over the whole suite, how often each verdict came out: for A/A the false-alarm
//! rate (a trial with any cell called slower), for a planted slowdown the detection rate of the
//! cells it slowed. `scripts/ci-power.sh` runs the trials and calls this.

use std::collections::BTreeMap;
use std::fmt::Write;

use statebench_harness::results::Spread;

use crate::compare::{Change, Comparison};
use crate::table::render;

/// The verdicts of one cell over the trials.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellTally {
    /// Trials that called it slower, faster, unchanged, inconclusive.
    pub slower: usize,
    /// Called faster.
    pub faster: usize,
    /// Called unchanged.
    pub unchanged: usize,
    /// Called inconclusive.
    pub inconclusive: usize,
    /// Every trial's ratio NEW/BASE.
    pub ratios: Vec<f64>,
    /// Every trial's "detects".
    pub detects: Vec<f64>,
}

impl CellTally {
    /// Trials that judged this cell.
    pub fn trials(&self) -> usize {
        self.slower + self.faster + self.unchanged + self.inconclusive
    }
}

fn median(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| Spread::of(xs).median)
}

/// The tally of a series of trials.
#[derive(Clone, Debug, PartialEq)]
pub struct Power {
    /// Trials read.
    pub trials: usize,
    /// Trials with at least one cell called slower (what fails a pipeline).
    pub trials_with_slower: usize,
    /// Per cell (`cell implementation`).
    pub cells: BTreeMap<String, CellTally>,
}

impl Power {
    /// Tallies `comparisons` (one per trial).
    pub fn of(comparisons: &[Comparison]) -> Power {
        let mut cells: BTreeMap<String, CellTally> = BTreeMap::new();
        for c in comparisons {
            for r in &c.rows {
                let t = cells
                    .entry(format!("{} {}", r.cell(), r.implementation))
                    .or_default();
                match r.change {
                    Change::Slower => t.slower += 1,
                    Change::Faster => t.faster += 1,
                    Change::Unchanged => t.unchanged += 1,
                    Change::Inconclusive => t.inconclusive += 1,
                }
                t.ratios.extend(r.ratio);
                t.detects.extend(r.detects);
            }
        }
        Power {
            trials: comparisons.len(),
            trials_with_slower: comparisons.iter().filter(|c| c.regressed(true)).count(),
            cells,
        }
    }

    /// A plain-text table: per cell the verdict counts, the median ratio and the median
    /// smallest detectable slowdown; then the share of trials with any cell called slower.
    pub fn render(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .cells
            .iter()
            .map(|(cell, t)| {
                let mut parts = cell.rsplitn(2, ' ');
                let implementation = parts.next().unwrap_or_default().to_owned();
                let cell = parts.next().unwrap_or_default().to_owned();
                vec![
                    cell,
                    implementation,
                    t.trials().to_string(),
                    t.slower.to_string(),
                    t.faster.to_string(),
                    t.unchanged.to_string(),
                    t.inconclusive.to_string(),
                    median(&t.ratios)
                        .map_or("-".into(), |r| format!("{:+.1} %", (r - 1.0) * 100.0)),
                    median(&t.detects).map_or("-".into(), |d| format!("{:.0} %", d * 100.0)),
                ]
            })
            .collect();
        let mut out = render(
            &[
                "cell",
                "implementation",
                "trials",
                "slower",
                "faster",
                "unchanged",
                "inconclusive",
                "median change",
                "median detects",
            ],
            &rows,
        );
        let _ = writeln!(
            out,
            "\n{} trials; {} with a cell called slower ({:.1} %)",
            self.trials,
            self.trials_with_slower,
            100.0 * self.trials_with_slower as f64 / self.trials.max(1) as f64
        );
        out
    }
}
