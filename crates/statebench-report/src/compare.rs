//! Did a change make anything slower or faster? `statebench compare BASE NEW` answers per
//! record with the ratio NEW/BASE of the throughputs, its confidence interval and a verdict a
//! pipeline can gate on.
//!
//! **The verdict** follows criterion's rule, with the interval of the trust issue's statistics
//! ([`statebench_harness::stats`]: Welch on the logs of the repetitions' throughputs): *slower*
//! or *faster* only when the whole interval lies beyond the threshold (by default ±5 %),
//! *unchanged* when the whole interval lies within it, and otherwise *inconclusive — rerun*:
//! the measurement could not tell. The intervals are Bonferroni-corrected for the number of
//! records compared, so the chance that an A/A comparison (the same build on both sides) calls
//! any record slower is at most `alpha` (5 %). False-discovery control, which the report uses
//! for its many claims, bounds the *share* of false claims instead; a gate needs the
//! family-wise bound, since one false "slower" fails the pipeline.
//!
//! **Power.** Each record also says how large a slowdown it could have caught: the slowdown
//! whose interval, at the spread this record measured, would lie wholly beyond the threshold 95
//! times in 100 ([`Row::detects`]). A record that could not catch a slowdown of
//! [`Options::power_effect`] (10 %) says *low power*, so an "inconclusive" or "unchanged" there
//! is read as the weak statement it is.
//!
//! **Two modes.** When both sides ran on the same host with their runs interleaved in time (as
//! `scripts/ci-regress.sh` does: A B B A …), the machine's drift falls on both sides alike. A
//! comparison against a stored baseline (another day, another machine) cannot separate the
//! change from the machine, and says so.

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use statebench_harness::Driver;
use statebench_harness::floors::{Floors, Steadiness};
use statebench_harness::placement::{self, Placement, View};
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::{self, Welch};

use crate::table::{human_ns, human_rate, markdown_table, render};

/// How a comparison decides.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// The smallest change called a change: a record is slower only when its whole interval
    /// lies below `1 / (1 + threshold)`.
    pub threshold: f64,
    /// The chance, over all records together, that an interval misses its ratio.
    pub alpha: f64,
    /// Whether the intervals are corrected for the number of records (Bonferroni).
    pub corrected: bool,
    /// The slowdown every record should be able to catch; a record that could not is marked
    /// low power.
    pub power_effect: f64,
    /// Which trials of each run are compared: those of one placement of the cores, or all
    /// ([`placement::view`]). Comparisons written before it was an option read every trial.
    #[serde(default = "every_trial")]
    pub view: View,
}

fn every_trial() -> View {
    View::All
}

impl Default for Options {
    fn default() -> Options {
        Options {
            threshold: 0.05,
            alpha: stats::ALPHA,
            corrected: true,
            power_effect: 0.10,
            view: View::Near,
        }
    }
}

/// What a record did between BASE and NEW.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The whole interval lies below `1 / (1 + threshold)`: NEW is slower.
    Slower,
    /// The whole interval lies above `1 + threshold`: NEW is faster.
    Faster,
    /// The interval reaches across the threshold: the data cannot tell; rerun, or run longer.
    Inconclusive,
    /// The whole interval lies within the threshold.
    Unchanged,
}

impl Change {
    /// The verdict in words.
    pub fn words(self) -> &'static str {
        match self {
            Change::Slower => "slower",
            Change::Faster => "faster",
            Change::Inconclusive => "inconclusive — rerun",
            Change::Unchanged => "unchanged",
        }
    }
}

/// One record's figures on one side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// Median throughput over the repetitions, operations per second.
    pub median_ops_per_sec: f64,
    /// Repetitions measured.
    pub repetitions: usize,
    /// Runs (processes) the repetitions came from.
    pub runs: usize,
}

/// What the interval of a record treats as its independent samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Each run's geometric mean, a run of several passes counting each pass as a run (both
    /// sides have at least [`MIN_RUNS`] runs or passes of the record).
    Runs,
    /// Each repetition (fewer runs): repetitions of one process share its state, so the
    /// interval may be too narrow if the runs differ.
    Repetitions,
    /// Each repetition, every one its own processes (the instruction tier).
    Processes,
}

/// Runs each side needs for the run to be the unit of a record's interval. Repetitions within
/// one run are not independent: measured on this project's VM, a cell's throughput moved by up
/// to ×1.5 between two runs of the same build while its repetitions within each run agreed, so
/// an interval over repetitions called an A/A difference "slower" (docs/CI.md).
pub const MIN_RUNS: usize = 3;

/// One record compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Workload name.
    pub workload: String,
    /// Implementation name.
    pub implementation: String,
    /// Driver.
    pub driver: Driver,
    /// Clients.
    pub clients: usize,
    /// BASE's figures.
    pub base: Side,
    /// NEW's figures.
    pub new: Side,
    /// NEW/BASE: the ratio of the geometric means of the repetitions' throughputs (`None`
    /// with fewer than two repetitions on a side).
    pub ratio: Option<f64>,
    /// Lower bound of the ratio's interval.
    pub low: Option<f64>,
    /// Upper bound of the ratio's interval.
    pub high: Option<f64>,
    /// Confidence of the interval (e.g. 0.998 for 25 records under Bonferroni).
    pub level: Option<f64>,
    /// The samples the interval was built on.
    pub unit: Unit,
    /// The verdict.
    pub change: Change,
    /// The slowdown this record would call slower 95 times in 100, given the spread it
    /// measured (0.12: a 12 % loss of throughput); `None` without an interval.
    pub detects: Option<f64>,
    /// Whether `detects` is larger than [`Options::power_effect`].
    pub low_power: bool,
}

impl Row {
    /// The cell, as `workload threads×8`.
    pub fn cell(&self) -> String {
        format!("{} {}×{}", self.workload, self.driver.name(), self.clients)
    }
}

/// How BASE and NEW were made relative to each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Same host, runs interleaved in time: drift falls on both sides alike.
    SameJob,
    /// Measured apart (another time or machine): a difference may be the machine's.
    StoredBaseline,
}

/// What one side is: where and when it ran, from which build.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct About {
    /// Commit the side was built from.
    pub commit: String,
    /// Host name.
    pub hostname: String,
    /// CPU model.
    pub cpu_model: String,
    /// rustc version.
    pub rustc: String,
    /// When its first run started.
    pub first: String,
    /// When its last run started.
    pub last: String,
    /// Runs pooled into this side.
    pub runs: usize,
}

impl About {
    /// Describes `runs` (all of one side; at least one).
    pub fn of(runs: &[Results]) -> About {
        let first = &runs[0];
        let starts = runs.iter().map(|r| r.created.clone());
        About {
            commit: first.machine.commit.clone(),
            hostname: first.machine.hostname.clone(),
            cpu_model: first.machine.cpu_model.clone(),
            rustc: first.machine.rustc.clone(),
            first: starts.clone().min().unwrap_or_default(),
            last: starts.max().unwrap_or_default(),
            runs: runs.len(),
        }
    }
}

/// A whole comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// How the verdicts were decided.
    pub options: Options,
    /// The mode: same job, or against a stored baseline.
    pub mode: Mode,
    /// BASE.
    pub base: About,
    /// NEW.
    pub new: About,
    /// What the records measure: `None` for wall-clock throughput, `"instructions"` for the
    /// instruction tier (whose ratios are of operations per instruction).
    #[serde(default)]
    pub metric: Option<String>,
    /// What differs between the sides besides the code: machine, toolchain, floors.
    pub differences: Vec<String>,
    /// Every record both sides measured, slower first.
    pub rows: Vec<Row>,
    /// Cells only BASE measured.
    pub only_base: Vec<String>,
    /// Cells only NEW measured.
    pub only_new: Vec<String>,
}

fn cell_of(r: &Record) -> String {
    format!(
        "{} {} {}×{}",
        r.workload,
        r.implementation,
        r.driver.name(),
        r.clients
    )
}

/// One side's throughputs of one record: each run's geometric mean, and every repetition.
struct Samples {
    per_run: Vec<f64>,
    all: Vec<f64>,
    /// The runs and passes the record ran in before a view of one placement set some aside
    /// ([`placement::view`]).
    ran_in: usize,
}

impl Samples {
    fn of(runs: &[Results], cell: &Record) -> Samples {
        let mut out = Samples {
            per_run: Vec::new(),
            all: Vec::new(),
            ran_in: 0,
        };
        for run in runs {
            let Some(r) = run.records.iter().find(|r| r.same_cell(cell)) else {
                continue;
            };
            out.ran_in += r.set_aside.map_or_else(|| r.passes(), |s| s.passes);
            let x = r.headline_rates();
            if x.iter().any(|v| !(v.is_finite() && *v > 0.0)) || x.is_empty() {
                // Welch refuses such figures; keep them where it will see them.
                out.all.extend(&x);
                continue;
            }
            // Each pass of a run is a fresh process, as a run is: one sample each.
            out.per_run.extend(r.pass_means());
            out.all.extend(x);
        }
        out
    }
}

/// The floors that differ between the sides, by the rule that marks a run disturbed
/// ([`Floors::steadiness_since`]), which fails closed: a floor whose interval straddles the
/// line is listed as one that cannot be told to have held still.
fn floors_moved(base: &Floors, new: &Floors) -> Vec<String> {
    match new.steadiness_since(base) {
        Steadiness::HeldStill => Vec::new(),
        Steadiness::Moved(moved) => moved
            .into_iter()
            .map(|m| format!("floor moved, BASE → NEW: {m}"))
            .collect(),
        Steadiness::CannotTell(unsettled) => unsettled
            .into_iter()
            .map(|m| format!("floor not shown to hold still, BASE → NEW: {m}"))
            .collect(),
    }
}

/// How far apart the two cores stood in each side's trials, when the sides differ by more than
/// [`PLACEMENT_DIFFERS`] in the share of trials run far ([`Placement`]): the rows that share
/// data between their clients change speed there, so such a difference can look like a change
/// of code.
fn placement_differs(base: &Results, new: &Results) -> Option<String> {
    let (b, n) = (Placement::of(base)?, Placement::of(new)?);
    let (bs, ns) = (b.far_share(), n.far_share());
    ((bs - ns).abs() > PLACEMENT_DIFFERS).then(|| {
        format!(
            "cores' placement: {:.0} % of BASE's trials ran with the cores far apart (cross-core \
             round trip median {}), {:.0} % of NEW's ({}); rows that share data change speed there",
            100.0 * bs,
            human_ns(b.median_ns),
            100.0 * ns,
            human_ns(n.median_ns)
        )
    })
}

/// How much the shares of trials run with the cores far apart may differ between the sides
/// before `compare` names it as a difference: a tenth of the trials.
pub const PLACEMENT_DIFFERS: f64 = 0.1;

/// Each cell `side` measured that `other` did not, over every trial: a cell the view of one
/// placement empties on a side was measured there all the same.
fn only_in(side: &Results, other: &Results) -> Vec<String> {
    side.records
        .iter()
        .filter(|r| !other.records.iter().any(|o| o.same_cell(r)))
        .map(cell_of)
        .collect()
}

/// What differs between the whole runs of the sides besides the code: how they measured, a
/// planted slowdown, the machine, its floors and the cores' placement. Refuses when they
/// measured differently, unless `allow_settings` lets the difference be listed instead.
fn differences(base: &Results, new: &Results, allow_settings: bool) -> Result<Vec<String>, String> {
    let mut differences = Vec::new();
    if let Some(what) = base.settings.measurement_differs(&new.settings) {
        if !allow_settings {
            return Err(format!(
                "BASE and NEW measured differently: {what}; a ratio would measure the \
                 settings, not the change (pass --allow-settings-change to compare anyway)"
            ));
        }
        differences.push(format!("settings: {what}"));
    }
    if base.settings.planted != new.settings.planted {
        let words = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".into());
        differences.push(format!(
            "planted slowdown (calibration): {} in BASE, {} in NEW",
            words(&base.settings.planted),
            words(&new.settings.planted)
        ));
    }
    let (bm, nm) = (&base.machine, &new.machine);
    for (what, b, n) in [
        ("host", &bm.hostname, &nm.hostname),
        ("CPU", &bm.cpu_model, &nm.cpu_model),
        ("kernel", &bm.kernel, &nm.kernel),
        ("toolchain", &bm.rustc, &nm.rustc),
        ("profile", &bm.profile, &nm.profile),
    ] {
        if b != n {
            differences.push(format!("{what}: {b} in BASE, {n} in NEW"));
        }
    }
    if bm.cores != nm.cores {
        differences.push(format!("cores: {} in BASE, {} in NEW", bm.cores, nm.cores));
    }
    differences.extend(floors_moved(&base.floors, &new.floors));
    differences.extend(placement_differs(base, new));
    Ok(differences)
}

impl Mode {
    /// A same job when both sides ran on one host with their runs overlapping in time; else a
    /// stored baseline.
    fn of(base: &About, new: &About) -> Mode {
        let overlap = base.first <= new.last && new.first <= base.last;
        if base.hostname == new.hostname && overlap {
            Mode::SameJob
        } else {
            Mode::StoredBaseline
        }
    }
}

/// The note for the cells both sides measured that the view of one placement left without a
/// trial on a side (`measured_both` less `paired`): they are not compared.
fn unread(measured_both: &[String], paired: &[String], view: View) -> Option<String> {
    let unread: Vec<&String> = measured_both
        .iter()
        .filter(|c| !paired.contains(c))
        .collect();
    if unread.is_empty() {
        return None;
    }
    Some(format!(
        "{} both sides measured {} no trial run with the cores {} on one side or both, and {} \
         not compared: {}",
        match unread.len() {
            1 => "1 cell".to_owned(),
            n => format!("{n} cells"),
        },
        if unread.len() == 1 { "has" } else { "have" },
        view.name(),
        if unread.len() == 1 { "is" } else { "are" },
        unread
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The test of one record from its samples on each side, and the samples it treats as
/// independent: every process for the instruction tier, each run when both sides have
/// [`MIN_RUNS`], else each repetition.
fn test(b: &Samples, n: &Samples, instructions: bool) -> (Unit, Option<Welch>) {
    if instructions {
        (Unit::Processes, Welch::of(&n.all, &b.all))
    } else if b.per_run.len() >= MIN_RUNS && n.per_run.len() >= MIN_RUNS {
        (Unit::Runs, Welch::of(&n.per_run, &b.per_run))
    } else if b.ran_in >= MIN_RUNS && n.ran_in >= MIN_RUNS {
        // Runs enough, until the view set whole passes aside: no verdict, rather than one
        // from repetitions that would fail no gate.
        (Unit::Runs, None)
    } else {
        (Unit::Repetitions, Welch::of(&n.all, &b.all))
    }
}

/// Both sides' runs read in the placement asked for, each run alone and each side pooled: what
/// the records are compared on, once the whole runs have been set side by side.
struct Viewed {
    /// BASE's runs, each read in the view.
    base_runs: Vec<Results>,
    /// NEW's runs, each read in the view.
    new_runs: Vec<Results>,
    /// BASE's viewed runs, pooled.
    base: Results,
    /// NEW's viewed runs, pooled.
    new: Results,
}

impl Viewed {
    /// Reads every run of both sides in `view` and pools each side.
    fn of(base_runs: &[Results], new_runs: &[Results], view: View) -> Result<Viewed, String> {
        let viewed = |runs: &[Results]| -> Vec<Results> {
            runs.iter().map(|r| placement::view(r, view)).collect()
        };
        let (base_runs, new_runs) = (viewed(base_runs), viewed(new_runs));
        let base = Results::pool(base_runs.clone()).map_err(|e| format!("BASE: {e}"))?;
        let new = Results::pool(new_runs.clone()).map_err(|e| format!("NEW: {e}"))?;
        Ok(Viewed {
            base_runs,
            new_runs,
            base,
            new,
        })
    }

    /// Every record of BASE with NEW's of the same cell, in BASE's order; refuses when there is
    /// none, saying whether the view set trials aside.
    fn pairs(&self, view: View) -> Result<Vec<(&Record, &Record)>, String> {
        let pairs: Vec<(&Record, &Record)> = self
            .base
            .records
            .iter()
            .filter_map(|b| {
                let n = self.new.records.iter().find(|n| n.same_cell(b));
                n.map(|n| (b, n))
            })
            .collect();
        if !pairs.is_empty() {
            return Ok(pairs);
        }
        let set_aside = |runs: &[Results]| -> usize {
            runs.iter()
                .filter_map(|r| r.viewed.as_ref())
                .map(|v| v.set_aside)
                .sum()
        };
        let (b, n) = (set_aside(&self.base_runs), set_aside(&self.new_runs));
        if b + n > 0 {
            return Err(format!(
                "BASE and NEW share no record in their trials run with the cores {} ({b} \
                 trials of BASE and {n} of NEW set aside as run in the other placement or \
                 moved between the two): --placement all compares every trial",
                view.name()
            ));
        }
        Err("BASE and NEW share no record: they did not run the same cells".into())
    }

    /// Judges every pair: each side's samples, the test on the unit they allow, at one level
    /// for all the tests together (Bonferroni when `options` asks); slower first.
    fn rows(&self, pairs: &[(&Record, &Record)], options: &Options) -> Vec<Row> {
        let samples: Vec<(Samples, Samples)> = pairs
            .iter()
            .map(|(b, _)| {
                (
                    Samples::of(&self.base_runs, b),
                    Samples::of(&self.new_runs, b),
                )
            })
            .collect();
        let instructions = self.base.settings.metric.as_deref() == Some("instructions");
        let tests: Vec<(Unit, Option<Welch>)> = samples
            .iter()
            .map(|(b, n)| test(b, n, instructions))
            .collect();
        let m = tests.iter().filter(|(_, t)| t.is_some()).count();
        let level = if options.corrected {
            stats::bonferroni_level(options.alpha, m)
        } else {
            1.0 - options.alpha
        };
        let mut rows: Vec<Row> = pairs
            .iter()
            .zip(&tests)
            .zip(&samples)
            .map(|(((b, n), (unit, test)), (sb, sn))| {
                let mut r = row(b, n, *test, level, options);
                r.unit = *unit;
                r.base.runs = sb.per_run.len();
                r.new.runs = sn.per_run.len();
                r
            })
            .collect();
        rows.sort_by(|a, b| {
            a.change
                .cmp(&b.change)
                .then(a.ratio.unwrap_or(1.0).total_cmp(&b.ratio.unwrap_or(1.0)))
                .then(a.cell().cmp(&b.cell()))
                .then(a.implementation.cmp(&b.implementation))
        });
        rows
    }
}

impl Comparison {
    /// Compares NEW against BASE, each the pool of one or more runs (see
    /// [`Results::pool`]). Refuses, naming the difference, when the sides measured
    /// differently (warm-up, window, seed, sampling, a workload's definition) unless
    /// `allow_settings` is set, or when they share no record.
    pub fn of(
        base_runs: Vec<Results>,
        new_runs: Vec<Results>,
        options: Options,
        allow_settings: bool,
    ) -> Result<Comparison, String> {
        if base_runs.is_empty() || new_runs.is_empty() {
            return Err("compare needs the results of at least one run on each side".into());
        }
        let (base_about, new_about) = (About::of(&base_runs), About::of(&new_runs));
        let base = Results::pool(base_runs.clone()).map_err(|e| format!("BASE: {e}"))?;
        let new = Results::pool(new_runs.clone()).map_err(|e| format!("NEW: {e}"))?;
        let (only_base, only_new) = (only_in(&base, &new), only_in(&new, &base));
        let measured_both: Vec<String> = base
            .records
            .iter()
            .filter(|r| new.records.iter().any(|o| o.same_cell(r)))
            .map(cell_of)
            .collect();
        let mut differences = differences(&base, &new, allow_settings)?;
        let mode = Mode::of(&base_about, &new_about);
        // Each run read in the placement asked for, after the whole runs were compared above.
        let viewed = Viewed::of(&base_runs, &new_runs, options.view)?;
        let pairs = viewed.pairs(options.view)?;
        let paired: Vec<String> = pairs.iter().map(|(b, _)| cell_of(b)).collect();
        differences.extend(unread(&measured_both, &paired, options.view));
        let rows = viewed.rows(&pairs, &options);
        Ok(Comparison {
            options,
            metric: viewed.base.settings.metric.clone(),
            mode,
            base: base_about,
            new: new_about,
            differences,
            only_base,
            only_new,
            rows,
        })
    }

    /// Whether any record got slower beyond the threshold with an interval that may gate: its
    /// unit the run or the process, or — only when `gate_on_repetitions` is asked for — the
    /// repetition. What fails a pipeline.
    pub fn regressed(&self, gate_on_repetitions: bool) -> bool {
        self.rows.iter().any(|r| {
            r.change == Change::Slower && (gate_on_repetitions || r.unit != Unit::Repetitions)
        })
    }

    fn count(&self, change: Change) -> usize {
        self.rows.iter().filter(|r| r.change == change).count()
    }

    /// One line: how many records did what.
    pub fn headline(&self) -> String {
        let low = self.rows.iter().filter(|r| r.low_power).count();
        let mut line = format!(
            "{} records: {} slower, {} faster, {} unchanged, {} inconclusive",
            self.rows.len(),
            self.count(Change::Slower),
            self.count(Change::Faster),
            self.count(Change::Unchanged),
            self.count(Change::Inconclusive)
        );
        if low > 0 {
            let _ = write!(
                line,
                " ({low} with low power: could not catch a {:.0} % slowdown)",
                self.options.power_effect * 100.0
            );
        }
        let by_reps = self
            .rows
            .iter()
            .filter(|r| r.unit == Unit::Repetitions && r.ratio.is_some())
            .count();
        if by_reps > 0 {
            let _ = write!(
                line,
                "; {by_reps} compared over repetitions, with fewer than {MIN_RUNS} runs a side: \
                 their intervals leave out how runs differ and may be too narrow, so a slower \
                 one among them fails no gate unless --gate-on-repetitions is given"
            );
        }
        line
    }

    fn mode_words(&self) -> String {
        if self.counts_instructions() {
            let same = self.base.hostname == self.new.hostname
                && self.base.rustc == self.new.rustc
                && self.base.cpu_model == self.new.cpu_model;
            return if same {
                format!(
                    "Instruction counts, on one host ({}) with one toolchain: they do not depend \
                     on the machine's load, so when each side ran does not matter.",
                    self.new.hostname
                )
            } else {
                "Instruction counts from different hosts or toolchains: the load does not move \
                 them, but the CPU's code paths and the compiler do."
                    .into()
            };
        }
        match self.mode {
            Mode::SameJob => format!(
                "Same job: BASE ({} run(s)) and NEW ({} run(s)) ran interleaved on {}, so the \
                 machine's drift falls on both sides alike.",
                self.base.runs, self.new.runs, self.new.hostname
            ),
            Mode::StoredBaseline => format!(
                "Stored baseline — the weaker mode: BASE ran {} on {}, NEW {} on {}. A \
                 difference may be the machine's rather than the change's; \
                 scripts/ci-regress.sh measures both sides interleaved in one job.",
                self.base.first, self.base.hostname, self.new.first, self.new.hostname
            ),
        }
    }

    fn method_words(&self) -> String {
        let o = &self.options;
        let level = self.rows.iter().find_map(|r| r.level);
        let tier = if self.counts_instructions() {
            "Instruction tier: each figure is instructions per operation counted under Valgrind, \
             and each ratio is of operations per instruction. "
        } else {
            ""
        };
        let samples = if self.counts_instructions() {
            "Welch's t on the logs of the counts, each its own processes".to_owned()
        } else {
            format!(
                "Welch's t on the logs of each run's (or pass's) geometric mean where both sides \
                 have {MIN_RUNS} runs or passes or more, else of the repetitions"
            )
        };
        let Some(level) = level else {
            return format!(
                "{tier}Each ratio is NEW/BASE of the geometric-mean throughput. No record had the \
                 repetitions an interval needs (two a side at least), so every verdict is \
                 inconclusive: rerun with more repetitions or runs."
            );
        };
        format!(
            "{tier}Each ratio is NEW/BASE of the geometric-mean throughput, with a {} interval \
             ({samples}{}). Slower or faster: the whole interval beyond ±{} %; unchanged: the \
             whole interval within it; otherwise inconclusive. \"Detects\": the slowdown the \
             record would call slower 95 times in 100 at the spread it measured.{}",
            level_words(level),
            if o.corrected {
                format!(
                    ", Bonferroni-corrected for {} records: at most a {} % chance that any \
                     interval misses",
                    self.rows.iter().filter(|r| r.level.is_some()).count(),
                    percent(o.alpha)
                )
            } else {
                ", not corrected for the number of records".into()
            },
            percent(o.threshold),
            match o.view {
                View::Near => " Each run's trials run with the machine's two cores near each \
                               other (`--placement near`; a run not probed, every trial)."
                    .to_owned(),
                View::Far => " Each run's trials run with the machine's two cores far apart \
                              (`--placement far`)."
                    .to_owned(),
                View::All =>
                    " Every trial, whichever the placement of the machine's two cores.".to_owned(),
            }
        )
    }

    fn counts_instructions(&self) -> bool {
        self.metric.as_deref() == Some("instructions")
    }

    fn cells(&self, r: &Row) -> Vec<String> {
        let pct = |x: f64| format!("{:+.1} %", (x - 1.0) * 100.0);
        let figure = |ops_per_sec: f64| {
            if self.counts_instructions() {
                format!("{:.1}", 1e9 / ops_per_sec)
            } else {
                human_rate(ops_per_sec)
            }
        };
        vec![
            r.cell(),
            r.implementation.clone(),
            figure(r.base.median_ops_per_sec),
            figure(r.new.median_ops_per_sec),
            r.ratio.map_or("-".into(), pct),
            match (r.low, r.high) {
                (Some(l), Some(h)) => format!("{} … {}", pct(l), pct(h)),
                _ if r.unit == Unit::Runs => "runs set aside (placement)".into(),
                _ => "fewer than 2 repetitions".into(),
            },
            r.detects.map_or("-".into(), |d| {
                format!(
                    "{:.0} %{}",
                    d * 100.0,
                    if r.low_power { " (low power)" } else { "" }
                )
            }),
            r.change.words().into(),
        ]
    }

    /// The table's header: throughputs, or instructions per operation for the instruction
    /// tier (where "change" is still of throughput: −2 % means 2 % fewer operations per
    /// instruction).
    fn header(&self) -> [&'static str; 8] {
        let (base, new) = if self.counts_instructions() {
            ("BASE instr/op", "NEW instr/op")
        } else {
            ("BASE ops/s", "NEW ops/s")
        };
        [
            "cell",
            "implementation",
            base,
            new,
            "change",
            "interval",
            "detects",
            "verdict",
        ]
    }

    /// A terminal table, with the mode, the differences and the method.
    pub fn render_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "BASE {} ({}), NEW {} ({})",
            short(&self.base.commit),
            self.base.first,
            short(&self.new.commit),
            self.new.first
        );
        let _ = writeln!(out, "{}", self.mode_words());
        for d in &self.differences {
            let _ = writeln!(out, "differs: {d}");
        }
        out.push('\n');
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| self.cells(r)).collect();
        out += &render(&self.header(), &rows);
        out.push('\n');
        for (side, cells) in [("BASE", &self.only_base), ("NEW", &self.only_new)] {
            if !cells.is_empty() {
                // A stored baseline of a whole matrix against a suite leaves hundreds: the
                // count, and the first few (the JSON has them all).
                const SHOWN: usize = 12;
                let more = cells.len().saturating_sub(SHOWN);
                let _ = writeln!(
                    out,
                    "only in {side}, not compared ({}): {}{}",
                    cells.len(),
                    cells[..cells.len().min(SHOWN)].join(", "),
                    if more > 0 {
                        format!(", and {more} more")
                    } else {
                        String::new()
                    }
                );
            }
        }
        let _ = writeln!(out, "{}", self.method_words());
        let _ = writeln!(out, "{}", self.headline());
        out
    }

    /// Markdown fit for a pull-request comment: the headline, the records that changed or
    /// could not tell, then every record folded away.
    pub fn render_markdown(&self) -> String {
        let mut out = String::new();
        // ⚠️: slower over repetitions only, which fails no gate unless asked.
        let mark = if self.regressed(false) {
            "❌"
        } else if self.regressed(true) {
            "⚠️"
        } else {
            "✅"
        };
        let _ = writeln!(out, "### statebench compare {mark} {}\n", self.headline());
        let _ = writeln!(
            out,
            "BASE `{}` · NEW `{}` · {}\n",
            short(&self.base.commit),
            short(&self.new.commit),
            self.mode_words()
        );
        for d in &self.differences {
            let _ = writeln!(out, "- differs: {d}");
        }
        if !self.differences.is_empty() {
            out.push('\n');
        }
        let align = "llrrrrrl";
        let notable: Vec<Vec<String>> = self
            .rows
            .iter()
            .filter(|r| r.change != Change::Unchanged)
            .map(|r| self.cells(r))
            .collect();
        if notable.is_empty() {
            out += "Every record is unchanged.\n\n";
        } else {
            out += &markdown_table(&self.header(), align, &notable);
            out.push('\n');
        }
        let all: Vec<Vec<String>> = self.rows.iter().map(|r| self.cells(r)).collect();
        let _ = writeln!(
            out,
            "<details><summary>All {} records</summary>\n",
            self.rows.len()
        );
        out += &markdown_table(&self.header(), align, &all);
        out += "\n</details>\n\n";
        for (side, cells) in [("BASE", &self.only_base), ("NEW", &self.only_new)] {
            if !cells.is_empty() {
                let _ = writeln!(out, "Only in {side}, not compared: {}.\n", cells.join(", "));
            }
        }
        let _ = writeln!(out, "{}", self.method_words());
        out
    }

    /// The comparison as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| unreachable!("a comparison always serializes: {e}"))
    }

    /// Reads a comparison written by [`Comparison::to_json`].
    pub fn from_json(text: &str) -> Result<Comparison, String> {
        serde_json::from_str(text).map_err(|e| format!("not a statebench comparison: {e}"))
    }
}

/// A confidence level with the digits that tell it from 100 %: 0.9984 → "99.84 %",
/// 0.999983 → "99.9983 %".
fn level_words(level: f64) -> String {
    let miss = ((1.0 - level) * 100.0).max(1e-12);
    let decimals = ((-miss.log10()).floor() as usize + 1).max(2);
    format!("{:.*} %", decimals, level * 100.0)
}

/// A share as a percentage with no more digits than it needs: 0.05 → "5", 0.001 → "0.1".
fn percent(share: f64) -> String {
    let p = share * 100.0;
    let text = format!("{p:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn row(base: &Record, new: &Record, test: Option<Welch>, level: f64, o: &Options) -> Row {
    let side = |r: &Record| Side {
        median_ops_per_sec: r.summary.ops_per_sec.median,
        repetitions: r.repetitions.len(),
        runs: 1,
    };
    let (interval, detects) = match test {
        Some(w) => {
            let i = w.interval(level);
            // Slower needs high < 1/(1+t); the upper bound sits half·e above the ratio, and
            // with probability 95 % the estimate falls no more than t₀.₉₅·se above the truth.
            let half = i.high.ln() - i.ratio.ln();
            let reach = half + stats::t_quantile(0.95, w.df) * w.se;
            (Some(i), Some(1.0 - (-reach).exp() / (1.0 + o.threshold)))
        }
        None => (None, None),
    };
    let change = match interval.map(|i| i.verdict(o.threshold)) {
        Some(stats::Verdict::Slower) => Change::Slower,
        Some(stats::Verdict::Faster) => Change::Faster,
        Some(stats::Verdict::Same) => Change::Unchanged,
        Some(stats::Verdict::Unresolved) | None => Change::Inconclusive,
    };
    Row {
        workload: base.workload.clone(),
        implementation: base.implementation.clone(),
        driver: base.driver,
        clients: base.clients,
        base: side(base),
        new: side(new),
        ratio: interval.map(|i| i.ratio),
        low: interval.map(|i| i.low),
        high: interval.map(|i| i.high),
        level: interval.map(|i| i.level),
        unit: Unit::Repetitions,
        change,
        detects,
        low_power: detects.is_none_or(|d| d > o.power_effect),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_shares_print_the_digits_they_need() {
        assert_eq!(level_words(0.95), "95.00 %");
        assert_eq!(level_words(1.0 - 0.05 / 31.0), "99.84 %");
        assert_eq!(level_words(1.0 - 0.001 / 58.0), "99.998 %");
        assert_eq!(percent(0.05), "5");
        assert_eq!(percent(0.001), "0.1");
        assert_eq!(percent(0.125), "12.5");
    }
}
