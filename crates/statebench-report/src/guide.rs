//! The decision guide, generated from the data: statements about where state should live, each
//! citing the cells it rests on and printing its interval.
//!
//! Every comparison the whole report can make is planned first, from the cells the run
//! planned before it measured ([`Analysis`]): every pair of rows within a cell, Go's programs
//! against their Rust counterparts, the pooled ratios. All are corrected together for their
//! number ([`statebench_harness::stats`]), once for the report: by default Benjamini–Hochberg
//! selects the comparisons whose interval can claim a difference or sameness and every
//! interval is printed at Benjamini–Yekutieli's level, so that on average at most 5 % of the
//! claims are false; `Correction::Bonferroni` makes every interval hold at once instead. Every
//! section (owners, picks, reference, crossover) reads its ratios from the same [`Analysis`].
//! A difference is claimed only when its whole interval lies beyond ±10 %; strategies that
//! cannot be told apart are named together, not told apart, and no claim rests on a record whose
//! clients starved an operation kind.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use statebench_harness::placement::{FAR, Placement, View, Viewed};
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::{
    ALPHA, Correction, FIRM, LogSample, MIN_EFFECT, Prior, RatioInterval, Variance, Verdict, Welch,
    levels,
};
use statebench_harness::{Driver, Workload};

use crate::table::{by_headline, human_rate};

/// How the guide names rows this run cannot tell apart, together.
const NOT_TOLD_APART: &str = "not told apart";

/// The family of a record's strategy in the guide's words, one and many. Records carry it
/// (older files are filled from the registry when loaded); one that does not is named as such.
fn family(r: &Record) -> (&'static str, &'static str) {
    match r.family() {
        Some(f) => (f.noun(), f.plural()),
        None => (
            "strategy of no known family",
            "strategies of no known family",
        ),
    }
}

fn driver_words(driver: Driver) -> &'static str {
    match driver {
        Driver::Threads => "called from OS threads",
        Driver::Tasks => "called from tokio tasks",
        Driver::Goroutines => "called from Go's goroutines",
    }
}

/// The records of one cell: one workload, driver and client count.
pub(crate) type Cell<'a> = Vec<&'a Record>;

/// The samples a record's comparisons are made on ([`Record::samples`]): each pass's mean of
/// its headline rates in a run of several passes, else each repetition's headline rate — its
/// throughput, or the rate at which it served the asked mix when it did not serve it.
pub(crate) fn rates(r: &Record) -> Vec<f64> {
    r.samples()
}

/// Welch's test of `a / b` on their headline rates, each row's variance moderated towards
/// `prior` ([`LogSample::moderated`]): none when either row did not serve the mix asked for —
/// such a row wins and loses no comparison — or has fewer than two samples.
pub(crate) fn welch(a: &Record, b: &Record, prior: Option<Prior>) -> Option<Welch> {
    welch_of(Metric::Throughput, a, b, prior)
}

/// What a comparison tests: `a / b` of their headline rates, or of their p99 latencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// The headline rate ([`Record::samples`]): above 1, `a` is faster.
    Throughput,
    /// The p99 latency over every kind of operation ([`Record::p99_samples`]): above 1, `a`'s
    /// tail is longer.
    P99,
}

impl Metric {
    /// A record's samples of this figure.
    pub fn samples(self, r: &Record) -> Vec<f64> {
        match self {
            Metric::Throughput => rates(r),
            Metric::P99 => r.p99_samples(),
        }
    }
}

/// [`welch`] of `metric`'s samples. A starved row makes no latency claim either: its p99 is of
/// operations other than the ones asked for.
fn welch_of(metric: Metric, a: &Record, b: &Record, prior: Option<Prior>) -> Option<Welch> {
    if a.serves_mix() && b.serves_mix() {
        Some(Welch::between(
            LogSample::of(&metric.samples(a))?.moderated(prior),
            LogSample::of(&metric.samples(b))?.moderated(prior),
        ))
    } else {
        None
    }
}

/// The prior each row's variance is moderated towards, per workload ([`Prior::fit`]): fitted
/// to the variances of the logs of the samples of every row of that workload that served its
/// mix. Per workload because the noise is the workload's: a row of the sleeping reference
/// workload varies by a few percent and one of `sessions` by ten or more, and one prior for
/// both took every "the same" claim from the quiet workload.
/// Workloads with too few rows to fit are absent: their rows keep their own variance.
pub fn priors(results: &Results) -> BTreeMap<String, Prior> {
    priors_of(Metric::Throughput, results)
}

/// [`priors`] of `metric`'s samples.
fn priors_of(metric: Metric, results: &Results) -> BTreeMap<String, Prior> {
    let mut samples: BTreeMap<String, Vec<LogSample>> = Default::default();
    for r in results.records.iter().filter(|r| r.serves_mix()) {
        if let Some(s) = LogSample::of(&metric.samples(r)) {
            samples.entry(r.workload.clone()).or_default().push(s);
        }
    }
    samples
        .into_iter()
        .filter_map(|(w, s)| Some((w, Prior::fit(&s)?)))
        .collect()
}

/// A planned cell, as the plan names it: (workload, implementation, driver, clients).
type Key<'a> = (&'a str, &'a str, Driver, usize);

fn key(r: &Record) -> Key<'_> {
    (&r.workload, &r.implementation, r.driver, r.clients)
}

/// The comparisons whose rows run in different cells, by role: Go's programs against the Rust
/// strategies the reference text's idioms are ([`crate::reference`]). (Go row, Rust row, the
/// Rust row's driver.)
pub const ACROSS_DRIVERS: [(&str, &str, Driver); 4] = [
    (crate::roles::GO_OWNER, crate::roles::PLAIN, Driver::Tasks),
    (crate::roles::GO_OWNER, "mutex_std", Driver::Threads),
    (crate::roles::GO_MUTEX, crate::roles::PLAIN, Driver::Tasks),
    (crate::roles::GO_MUTEX, "mutex_std", Driver::Threads),
];

/// A ratio over cells rather than within one: the geometric mean of `a / b` over every cell
/// the plan has both in (of one driver, or of all), the cells taken as the sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pooled {
    /// The numerator's implementation.
    pub a: &'static str,
    /// The denominator's implementation.
    pub b: &'static str,
    /// The driver whose cells are pooled; `None`: every driver's.
    pub driver: Option<Driver>,
}

/// Every pooled ratio a report can print, by role: the generic owner against the hand-written
/// one over all cells ([`crate::owners`]), and the actor framework against the plain owner
/// per driver ([`crate::picks`]).
pub const POOLED: [Pooled; 3] = [
    Pooled {
        a: crate::roles::PLAIN,
        b: crate::roles::HANDWRITTEN,
        driver: None,
    },
    Pooled {
        a: crate::roles::ACTOR,
        b: crate::roles::PLAIN,
        driver: Some(Driver::Threads),
    },
    Pooled {
        a: crate::roles::ACTOR,
        b: crate::roles::PLAIN,
        driver: Some(Driver::Tasks),
    },
];

/// Every comparison the report can make, enumerated from the run's plan before any is tested
/// — every pair of rows in every planned cell, Go's rows against their Rust counterparts
/// ([`ACROSS_DRIVERS`]), and the pooled ratios ([`POOLED`]) — and the one level they are all
/// judged at. Which of them a section prints is chosen from the data (the leader, each
/// family's best, the closest cell); the family the correction counts is every candidate, so
/// that choice cannot shrink it.
#[derive(Debug)]
pub struct Analysis<'a> {
    results: &'a Results,
    /// Every candidate pair, `(a, b)` with `a < b`, and its index into `tests`.
    pairs: std::collections::HashMap<(Key<'a>, Key<'a>), usize>,
    /// Every pooled ratio's index into `tests`.
    pooled: Vec<(Pooled, usize)>,
    /// Every candidate's test (`None`: a row did not serve the mix, measured nothing, or has
    /// fewer than two samples), pairs oriented as stored.
    tests: Vec<Option<Welch>>,
    correction: Correction,
    /// The level each candidate is judged at (`None`: not selected, no claim).
    levels: Vec<Option<f64>>,
    /// The level of the intervals printed for comparisons that make no claim.
    fallback: f64,
    /// Why each comparison without a test has none.
    untested: Vec<Untested>,
    /// Whether rows' variances were moderated ([`priors`]; not when told not to, or when no
    /// workload had rows enough to fit a prior).
    moderated: bool,
    /// What its comparisons test.
    metric: Metric,
}

/// Why a planned comparison has no test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Untested {
    /// Both rows served the mix and each has two samples or more: it has a test.
    No,
    /// A row did not serve the mix asked for: it is compared with nothing.
    Starved,
    /// A row was not measured (a cell the run planned and did not finish) or has one sample.
    NoData,
}

/// How the report's planned comparisons came out: what they claim, and why the rest claim
/// nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcomes {
    /// Claims of a difference beyond the minimum effect.
    pub differ: usize,
    /// Claims that two rows are the same within it.
    pub same: usize,
    /// Of the claims, those near their line: a fresh run would make each again with a chance
    /// under [`FIRM`].
    pub near_line: usize,
    /// No claim: the interval reaches across the minimum effect's line (the run cannot tell).
    pub cannot_tell: usize,
    /// No claim: a compared row did not serve the mix asked for.
    pub starved: usize,
    /// No claim: a row was not measured, or has a single sample.
    pub no_data: usize,
}

/// One comparison as the report judges it: its interval, and whether the correction lets it
/// claim anything.
#[derive(Clone, Copy, Debug)]
pub struct Judgement {
    /// The interval of `a / b` at the report's level (`None`: no test could be made).
    pub interval: Option<RatioInterval>,
    /// Selected by the correction: the interval may be read as a claim.
    pub claims: bool,
    /// The chance a fresh run of the same size makes the claim again ([`Welch::p_repeat`]; 0
    /// when it makes none).
    pub repeat: f64,
}

impl Judgement {
    /// What may be said at the minimum effect: `Unresolved` unless selected.
    pub fn verdict(&self) -> Verdict {
        match self.interval {
            Some(i) if self.claims => i.verdict(MIN_EFFECT),
            _ => Verdict::Unresolved,
        }
    }

    /// A claim (a difference or sameness) that is not firm: a fresh run of the same size
    /// would make it again with a chance under [`FIRM`].
    pub fn near_line(&self) -> bool {
        self.verdict() != Verdict::Unresolved && self.repeat < FIRM
    }
}

/// One thing the report claims, and the claim that would contradict it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Statement {
    /// The claim, e.g. "`kv_read_heavy` / threads / 8 clients: `owner_tokio` trails the
    /// leaders".
    pub what: String,
    /// The claim that would say the opposite.
    pub contradicts: String,
    /// The cells it is about (workload, driver, clients): one, or the two of a change of
    /// leader.
    pub cells: Vec<(String, Driver, usize)>,
}

/// The outcome of one comparison `a` against `b`.
#[derive(Clone, Copy, Debug)]
pub struct Comparison {
    /// The interval of `a / b` (`None`: fewer than two repetitions on a side, or a side whose
    /// rate is 0, as a row's that served none of a kind).
    pub interval: Option<RatioInterval>,
    /// What may be said (`Unresolved` without an interval).
    pub verdict: Verdict,
    /// `a` or `b` did not serve the mix asked for ([`Record::serves_mix`]): no claim is made.
    pub starved: bool,
    /// A claim a fresh run of the same size would make again with a chance of at least
    /// [`FIRM`] ([`Welch::p_repeat`]); a claim that is not firm lies near its line.
    pub firm: bool,
    /// That chance ([`Judgement::repeat`]).
    pub repeat: f64,
}

impl<'a> Analysis<'a> {
    /// Plans every comparison of the summary and the guide for `results`, corrected with
    /// [`DEFAULT_CORRECTION`].
    pub fn new(results: &'a Results) -> Analysis<'a> {
        Analysis::with(results, DEFAULT_CORRECTION)
    }

    /// Plans every comparison the report can make for `results`, and sets the level each is
    /// judged at under `correction`, each row's variance moderated ([`DEFAULT_VARIANCE`]).
    pub fn with(results: &'a Results, correction: Correction) -> Analysis<'a> {
        Analysis::judged(results, correction, DEFAULT_VARIANCE)
    }

    /// As [`Analysis::with`], each row's interval built from the `variance` chosen.
    pub fn judged(
        results: &'a Results,
        correction: Correction,
        variance: Variance,
    ) -> Analysis<'a> {
        Analysis::plan_with(results, correction, variance, Metric::Throughput)
    }

    /// The latency claims a report makes beside its throughput claims: every pair of rows
    /// within a cell and Go's rows against their Rust counterparts, as [`Analysis::new`]
    /// plans them, tested on their p99 latencies ([`Metric::P99`]) and corrected among
    /// themselves — a family of its own, as a trial's second endpoint is, so that adding
    /// them takes no claim from the throughput. No pooled ratios: those ask about throughput.
    pub fn latency(results: &'a Results) -> Analysis<'a> {
        Analysis::plan_with(results, DEFAULT_CORRECTION, DEFAULT_VARIANCE, Metric::P99)
    }

    /// What its comparisons test.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    fn plan_with(
        results: &'a Results,
        correction: Correction,
        variance: Variance,
        metric: Metric,
    ) -> Analysis<'a> {
        let planned = planned_keys(results);
        let records: std::collections::HashMap<Key<'a>, &'a Record> =
            results.records.iter().map(|r| (key(r), r)).collect();
        let fitted = match variance {
            Variance::Moderated => priors_of(metric, results),
            Variance::Own => Default::default(),
        };
        let prior = |k: &Key<'_>| fitted.get(k.0).copied();
        let candidates = candidates(&planned);
        let pairs: std::collections::HashMap<(Key<'a>, Key<'a>), usize> = candidates
            .iter()
            .enumerate()
            .map(|(i, pair)| (*pair, i))
            .collect();
        // Why a test is missing: a row that starved a kind, else one without samples.
        let why = |test: &Option<Welch>, keys: &[&Key<'a>]| {
            let starved = keys
                .iter()
                .any(|k| records.get(*k).is_some_and(|r| !r.serves_mix()));
            match test {
                Some(_) => Untested::No,
                None if starved => Untested::Starved,
                None => Untested::NoData,
            }
        };
        let mut tests: Vec<Option<Welch>> = candidates
            .iter()
            .map(|(a, b)| match (records.get(a), records.get(b)) {
                // Both rows of a pair are of one workload.
                (Some(ra), Some(rb)) => welch_of(metric, ra, rb, prior(a)),
                _ => None,
            })
            .collect();
        let mut untested: Vec<Untested> = candidates
            .iter()
            .zip(&tests)
            .map(|((a, b), t)| why(t, &[a, b]))
            .collect();
        let mut pooled = Vec::new();
        for p in POOLED.into_iter().filter(|_| metric == Metric::Throughput) {
            let cells = pooled_cells(&planned, p);
            if cells.len() < 2 {
                continue;
            }
            let ratios: Option<Vec<f64>> = cells
                .iter()
                .map(|(a, b)| Some(welch(records.get(a)?, records.get(b)?, prior(a))?.ratio))
                .collect();
            pooled.push((p, tests.len()));
            let test = ratios.and_then(|r| pooled_test(&r));
            let keys: Vec<&Key<'a>> = cells.iter().flat_map(|(a, b)| [a, b]).collect();
            untested.push(why(&test, &keys));
            tests.push(test);
        }
        let levels = levels(&tests, correction, ALPHA, MIN_EFFECT);
        let m = tests.len().max(1) as f64;
        let selected = levels.iter().flatten().count().max(1) as f64;
        let fallback = match correction {
            Correction::Bonferroni => 1.0 - ALPHA / m,
            Correction::FalseDiscovery => 1.0 - selected * ALPHA / m,
        };
        Analysis {
            results,
            pairs,
            pooled,
            tests,
            correction,
            levels,
            fallback,
            untested,
            moderated: !fitted.is_empty(),
            metric,
        }
    }

    /// Whether any row's variance was moderated ([`priors`]).
    pub fn moderated(&self) -> bool {
        self.moderated
    }

    /// How every planned comparison came out.
    pub fn outcomes(&self) -> Outcomes {
        let mut out = Outcomes::default();
        for i in 0..self.tests.len() {
            let j = self.judgement(i, false);
            if self.untested[i] == Untested::No && j.near_line() {
                out.near_line += 1;
            }
            match (self.untested[i], j.verdict()) {
                (Untested::Starved, _) => out.starved += 1,
                (Untested::NoData, _) => out.no_data += 1,
                (Untested::No, Verdict::Faster | Verdict::Slower) => out.differ += 1,
                (Untested::No, Verdict::Same) => out.same += 1,
                (Untested::No, Verdict::Unresolved) => out.cannot_tell += 1,
            }
        }
        out
    }

    /// The judgement of candidate `i`, its ratio inverted when `flip`.
    fn judgement(&self, i: usize, flip: bool) -> Judgement {
        let level = self.levels[i];
        let interval = self.tests[i].map(|w| {
            let i = w.interval(level.unwrap_or(self.fallback));
            if flip {
                RatioInterval {
                    ratio: 1.0 / i.ratio,
                    low: 1.0 / i.high,
                    high: 1.0 / i.low,
                    level: i.level,
                }
            } else {
                i
            }
        });
        let claims = level.is_some() && interval.is_some();
        let repeat = match self.tests[i] {
            Some(w) if claims => w.p_repeat(level.unwrap_or(self.fallback), MIN_EFFECT),
            _ => 0.0,
        };
        Judgement {
            interval,
            claims,
            repeat,
        }
    }

    /// `a / b` as the report judges it. A pair the plan does not hold (a debug build panics:
    /// every comparison must be counted in the correction) makes no claim.
    pub fn judge(&self, a: &Record, b: &Record) -> Judgement {
        let (ka, kb) = (key(a), key(b));
        let found = self
            .pairs
            .get(&(ka, kb))
            .map(|i| (*i, false))
            .or_else(|| self.pairs.get(&(kb, ka)).map(|i| (*i, true)));
        debug_assert!(
            found.is_some(),
            "an unplanned comparison: {:?} vs {:?}",
            ka,
            kb
        );
        match found {
            Some((i, flip)) => self.judgement(i, flip),
            None => Judgement {
                interval: None,
                claims: false,
                repeat: 0.0,
            },
        }
    }

    /// The pooled ratio `p`, as the report judges it (`None`: fewer than two cells planned).
    pub fn pooled(&self, p: Pooled) -> Option<Judgement> {
        self.pooled
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, i)| self.judgement(*i, false))
    }

    /// How many comparisons the report could make, how many of them may claim, and the
    /// confidence level of their intervals.
    pub fn size(&self) -> (usize, usize, f64) {
        let selected = self.levels.iter().flatten().count();
        (self.tests.len(), selected, self.fallback)
    }

    /// The run the comparisons are of.
    pub fn results(&self) -> &'a Results {
        self.results
    }

    /// The correction in use.
    pub fn correction(&self) -> Correction {
        self.correction
    }

    /// The cells of workload `w` under `driver`, by client count.
    pub(crate) fn cells(&self, w: &Workload, driver: Driver) -> Vec<(usize, Cell<'a>)> {
        let records: Vec<&'a Record> = self
            .results
            .records
            .iter()
            .filter(|r| r.workload == w.name && r.driver == driver)
            .collect();
        let clients: BTreeSet<usize> = records.iter().map(|r| r.clients).collect();
        clients
            .into_iter()
            .map(|c| {
                (
                    c,
                    records.iter().copied().filter(|r| r.clients == c).collect(),
                )
            })
            .collect()
    }

    /// `a` against `b`, tested at the report's level: a verdict only when the correction
    /// selected the pair and both rows served the mix asked for.
    pub fn compare(&self, a: &Record, b: &Record) -> Comparison {
        let starved = !a.serves_mix() || !b.serves_mix();
        let j = self.judge(a, b);
        Comparison {
            interval: j.interval,
            verdict: j.verdict(),
            starved,
            firm: j.repeat >= FIRM,
            repeat: j.repeat,
        }
    }

    /// What the report claims, as a reader would take it away: "`x` trails the leaders" and
    /// "`x` leads alone" (the summary's cells), "the locks beat the owners" (the families at
    /// the largest client count), "`b` trails at 1 client, leads at 2" (the crossovers). Each
    /// names the statement that would contradict it. Statements, not pairs of records: when
    /// the leader of a tied group changes between runs, what the report claims does not.
    pub fn statements(&self) -> Vec<Statement> {
        self.statements_marked()
            .into_iter()
            .map(|(s, _)| s)
            .collect()
    }

    /// [`Analysis::statements`], each with whether it is firm: every comparison it rests on
    /// is ([`Comparison::firm`]).
    pub fn statements_marked(&self) -> Vec<(Statement, bool)> {
        let claimed = |a: &Record, b: &Record| {
            let c = self.compare(a, b);
            !c.starved && c.verdict == Verdict::Faster
        };
        let firm = |a: &Record, b: &Record| self.compare(a, b).firm;
        let mut out = Vec::new();
        for w in &self.results.settings.workloads {
            for driver in Driver::RUST {
                let cells = self.cells(w, driver);
                if let Some(cell) = summary_cell(&cells) {
                    let sorted = by_headline(cell);
                    if let Some((top, rest)) = sorted.split_first() {
                        let at = cell_name(&w.name, driver, top.clients);
                        let trails = |x: &str| format!("{at}: `{x}` trails the leaders");
                        let alone = |x: &str| format!("{at}: `{x}` leads alone");
                        let mut all_beaten = !rest.is_empty();
                        for r in rest {
                            if claimed(top, r) {
                                let statement = Statement {
                                    what: trails(&r.implementation),
                                    contradicts: alone(&r.implementation),
                                    cells: vec![(w.name.clone(), driver, top.clients)],
                                };
                                out.push((statement, firm(top, r)));
                            } else {
                                all_beaten = false;
                            }
                        }
                        if all_beaten {
                            let statement = Statement {
                                what: alone(&top.implementation),
                                contradicts: trails(&top.implementation),
                                cells: vec![(w.name.clone(), driver, top.clients)],
                            };
                            out.push((statement, rest.iter().all(|r| firm(top, r))));
                        }
                    }
                }
                if let Some((c, cell)) = cells.last() {
                    let at = cell_name(&w.name, driver, *c);
                    let groups = families(cell);
                    for (i, a) in groups.iter().enumerate() {
                        for b in &groups[i + 1..] {
                            if claimed(a[0], b[0]) {
                                let (fa, fb) = (family(a[0]).1, family(b[0]).1);
                                let statement = Statement {
                                    what: format!("{at}: the {fa} beat the {fb}"),
                                    contradicts: format!("{at}: the {fb} beat the {fa}"),
                                    cells: vec![(w.name.clone(), driver, *c)],
                                };
                                out.push((statement, firm(a[0], b[0])));
                            }
                        }
                    }
                }
                for pair in cells.windows(2) {
                    let ((c1, cell1), (c2, cell2)) = (&pair[0], &pair[1]);
                    if let Some((l1, before, l2, after)) = crossover(cell1, cell2)
                        && claimed(l1, before)
                        && claimed(l2, after)
                    {
                        let at = format!("`{}` / {}", w.name, driver.name());
                        // Of the new leader: which of the rows tied at the lead before it
                        // tops the medians is no claim, and changes from run to run.
                        let y = &l2.implementation;
                        let statement = Statement {
                            what: format!("{at}: `{y}` trails at {c1} clients, leads at {c2}"),
                            contradicts: format!(
                                "{at}: `{y}` leads at {c1} clients, trails at {c2}"
                            ),
                            cells: vec![
                                (w.name.clone(), driver, *c1),
                                (w.name.clone(), driver, *c2),
                            ],
                        };
                        out.push((statement, firm(l1, before) && firm(l2, after)));
                    }
                }
            }
        }
        out
    }

    /// Whether `a` against `b` is one of the planned comparisons.
    pub(crate) fn planned(&self, a: &Record, b: &Record) -> bool {
        let (ka, kb) = (key(a), key(b));
        self.pairs.contains_key(&(ka, kb)) || self.pairs.contains_key(&(kb, ka))
    }

    /// The leaders of `cell`: its fastest record and every record not shown slower than it
    /// (every pair of a cell is planned).
    /// A row that did not serve the mix asked for is never among them, and leads only a cell
    /// in which no row served it.
    pub fn leaders(&self, cell: &[&'a Record]) -> Vec<&'a Record> {
        debug_assert_eq!(
            self.metric,
            Metric::Throughput,
            "leaders rank by throughput"
        );
        let sorted = by_headline(cell);
        let Some((top, rest)) = sorted.split_first() else {
            return Vec::new();
        };
        let mut tied = vec![*top];
        tied.extend(rest.iter().filter(|r| {
            r.serves_mix()
                && self.planned(top, r)
                && self.compare(top, r).verdict != Verdict::Faster
        }));
        tied
    }
}

/// The cells the run planned before it measured, sorted; for a file written before runs
/// recorded their plan, the cells that have records.
fn planned_keys(results: &Results) -> Vec<Key<'_>> {
    let mut planned: Vec<Key<'_>> = if results.settings.planned.is_empty() {
        results.records.iter().map(key).collect()
    } else {
        results
            .settings
            .planned
            .iter()
            .map(|k| {
                (
                    k.workload.as_str(),
                    k.implementation.as_str(),
                    k.driver,
                    k.clients,
                )
            })
            .collect()
    };
    planned.sort_unstable();
    planned.dedup();
    planned
}

/// Every comparison within or across cells that the plan holds: each pair of rows within a
/// cell, and Go's rows against their Rust counterparts ([`ACROSS_DRIVERS`]), each pair
/// ordered.
fn candidates<'a>(planned: &[Key<'a>]) -> Vec<(Key<'a>, Key<'a>)> {
    let mut candidates: Vec<(Key<'a>, Key<'a>)> = Vec::new();
    for (i, a) in planned.iter().enumerate() {
        for b in &planned[i + 1..] {
            if (a.0, a.2, a.3) == (b.0, b.2, b.3) {
                candidates.push((*a, *b));
            }
        }
    }
    for a in planned.iter().filter(|k| k.2 == Driver::Goroutines) {
        for (go, rust, driver) in ACROSS_DRIVERS {
            if a.1 == go
                && let Some(b) = planned.iter().find(|b| **b == (a.0, rust, driver, a.3))
            {
                candidates.push((*a.min(b), *a.max(b)));
            }
        }
    }
    candidates
}

/// The cells a pooled ratio pools: every planned cell of `p.a` (from `p.driver`, or any) with
/// `p.b` planned beside it.
fn pooled_cells<'a>(planned: &[Key<'a>], p: Pooled) -> Vec<(Key<'a>, Key<'a>)> {
    planned
        .iter()
        .filter(|k| k.1 == p.a && p.driver.is_none_or(|d| d == k.2))
        .filter_map(|a| {
            planned
                .iter()
                .find(|b| (b.0, b.1, b.2, b.3) == (a.0, p.b, a.2, a.3))
                .map(|b| (*a, *b))
        })
        .collect()
}

/// The test of a pooled ratio: Student's t on the logs of per-cell ratios, the cells taken as
/// the sample (`None` with fewer than two, or one that is not positive).
pub(crate) fn pooled_test(ratios: &[f64]) -> Option<Welch> {
    if ratios.len() < 2 || ratios.iter().any(|r| !r.is_finite() || *r <= 0.0) {
        return None;
    }
    let logs: Vec<f64> = ratios.iter().map(|r| r.ln()).collect();
    let n = logs.len() as f64;
    let mean = logs.iter().sum::<f64>() / n;
    let var = logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some(Welch {
        ratio: mean.exp(),
        se: (var / n).sqrt(),
        df: n - 1.0,
        n: (ratios.len(), ratios.len()),
    })
}

/// The correction the report uses unless told otherwise: false-discovery control. Measured on
/// three runs of the main job on one machine (docs/METHODOLOGY.md), it made 128 claims of which
/// 102 (79.7 %) every run repeated, against Bonferroni's 77 and 50 (64.9 %), and neither
/// reversed a claim: Bonferroni's very wide intervals at five repetitions leave many claims
/// on the edge, where they flicker between runs.
pub const DEFAULT_CORRECTION: Correction = Correction::FalseDiscovery;

/// The variance the report builds each row's interval from: its own moderated towards the
/// typical one of its workload's rows. Measured on the three committed sets of three runs of
/// the main job (docs/METHODOLOGY.md, "Judged with moderated variances"), every set's runs
/// repeated more of each other's claims than with each row's own variance, and made more of
/// them.
pub const DEFAULT_VARIANCE: Variance = Variance::Moderated;

/// The cell the summary compares at: 8 clients if the workload ran at 8, else its largest.
pub fn summary_cell<'c, 'a>(cells: &'c [(usize, Cell<'a>)]) -> Option<&'c Cell<'a>> {
    cells
        .iter()
        .find(|(c, _)| *c == 8)
        .or_else(|| cells.last())
        .map(|(_, cell)| cell)
}

/// The records of `cell` grouped by family, each group fastest first, the groups ordered by
/// their fastest.
fn families<'a>(cell: &[&'a Record]) -> Vec<Vec<&'a Record>> {
    let mut groups: Vec<Vec<&'a Record>> = Vec::new();
    for r in by_headline(cell) {
        match groups.iter_mut().find(|g| family(g[0]) == family(r)) {
            Some(g) => g.push(r),
            None => groups.push(vec![r]),
        }
    }
    groups
}

/// Where the leader changes from `cell1` to `cell2`: (leader at 1, the later leader's
/// record at 1, leader at 2, the earlier leader's record at 2).
fn crossover<'a>(
    cell1: &[&'a Record],
    cell2: &[&'a Record],
) -> Option<(&'a Record, &'a Record, &'a Record, &'a Record)> {
    let l1 = *by_headline(cell1).first()?;
    let l2 = *by_headline(cell2).first()?;
    if l1.implementation == l2.implementation {
        return None;
    }
    let before = cell1
        .iter()
        .find(|r| r.implementation == l2.implementation)?;
    let after = cell2
        .iter()
        .find(|r| r.implementation == l1.implementation)?;
    Some((l1, before, l2, after))
}

fn times(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}×")
    } else {
        format!("{x:.0}×")
    }
}

/// ` — near its ±10 % line: …` after a claim that is not firm ([`Comparison::firm`]), else nothing.
fn near_line_words(c: &Comparison) -> String {
    if c.firm || c.verdict == Verdict::Unresolved {
        return String::new();
    }
    format!(
        " — near its ±{:.0} % line: a fresh run would make this claim again {}",
        100.0 * MIN_EFFECT,
        times_in_hundred(c.repeat)
    )
}

/// A chance under [`FIRM`] in words, rounded down so that it never reads as firm: `about 97
/// times in 100`, `about once in 100`, `less than once in 100`.
pub(crate) fn times_in_hundred(p: f64) -> String {
    match (100.0 * p).floor() as u32 {
        0 => "less than once in 100".into(),
        1 => "about once in 100".into(),
        n => format!("about {n} times in 100"),
    }
}

/// `ratio 1.52×, CI 1.31–1.77×`.
fn interval_words(c: &Comparison) -> String {
    match c.interval {
        Some(i) => format!(
            "ratio {}, CI {}–{}",
            times(i.ratio),
            times(i.low).trim_end_matches('×'),
            times(i.high)
        ),
        None => "fewer than two repetitions: no interval".into(),
    }
}

fn cite(r: &Record) -> String {
    format!("`{}` {}", r.implementation, human_rate(r.headline()))
}

fn cell_name(workload: &str, driver: Driver, clients: usize) -> String {
    format!(
        "`{workload}` / {} / {clients} client{}",
        driver.name(),
        if clients == 1 { "" } else { "s" }
    )
}

/// `the lock `rwlock_std`` or `the locks `rwlock_std` and `mutex_std` (not told apart)`.
fn family_words(analysis: &Analysis<'_>, members: &[&Record]) -> String {
    let leaders = analysis.leaders(members);
    let (kind, kinds) = family(members[0]);
    let names: Vec<String> = leaders
        .iter()
        .map(|r| format!("`{}`", r.implementation))
        .collect();
    if leaders.len() == 1 {
        if members.len() == 1 {
            format!("the {kind} {}", names[0])
        } else {
            format!("the best {kind}, {}", names[0])
        }
    } else {
        format!("the {kinds} {} ({NOT_TOLD_APART})", names.join(" and "))
    }
}

/// One sentence comparing family leads `a` and `b` (a's headline is the higher).
fn versus(analysis: &Analysis<'_>, a: (&Record, &str), b: (&Record, &str)) -> String {
    let c = analysis.compare(a.0, b.0);
    if c.starved {
        // With no interval (a row that served none of a kind has a mix-conformant rate of 0,
        // whose logarithm no interval can hold; or too few repetitions), say nothing of one:
        // the reason given is the starvation.
        return format!(
            "{} and {}: no claim, a compared row did not serve the mix asked for{}",
            a.1,
            b.1,
            c.interval
                .map_or(String::new(), |_| format!(" ({})", interval_words(&c)))
        );
    }
    match c.verdict {
        Verdict::Faster => {
            format!(
                "{} {} {} the throughput of {} (CI {})",
                a.1,
                if a.1.ends_with(&format!("({NOT_TOLD_APART})")) {
                    "make"
                } else {
                    "makes"
                },
                times(c.interval.map_or(0.0, |i| i.ratio)),
                b.1,
                c.interval.map_or(String::new(), |i| format!(
                    "{}–{}",
                    times(i.low).trim_end_matches('×'),
                    times(i.high)
                ))
            ) + &near_line_words(&c)
        }
        Verdict::Same => format!(
            "{} and {} are the same within {:.0} % ({}{})",
            a.1,
            b.1,
            100.0 * MIN_EFFECT,
            interval_words(&c),
            near_line_words(&c)
        ),
        // The leads are ordered by the ratio's own statistic, so "slower" cannot happen here; it
        // would read as unresolved, which is the safe side.
        Verdict::Slower | Verdict::Unresolved => format!(
            "{} and {}: no difference beyond {:.0} % is shown in this run ({})",
            a.1,
            b.1,
            100.0 * MIN_EFFECT,
            interval_words(&c)
        ),
    }
}

/// What a comparison's samples are, in words: the passes' means, or the repetitions of one
/// process (and what that leaves out).
pub(crate) fn samples_words(results: &Results) -> String {
    match results.settings.passes {
        0 | 1 => "over the repetitions of this run's one process (a run of one pass: its \
                  intervals leave out how runs differ, and may be too narrow; `report` runs \
                  three passes)"
            .to_owned(),
        n => format!(
            "over the geometric means of the run's {n} passes, each a fresh process with a seed \
             of its own, so that every interval holds how runs differ{}",
            between_pass_words(results).map_or(String::new(), |w| format!(" ({w})"))
        ),
    }
}

/// How each row's variance entered its intervals, as a clause after "Welch's t on log
/// throughput …": moderated towards its workload's prior ([`priors`]), with each prior's
/// typical spread and weight.
pub(crate) fn variance_words(results: &Results) -> String {
    let priors = priors(results);
    if priors.is_empty() {
        return ", each row on its own variance (too few rows to fit a prior to)".to_owned();
    }
    let spread = |p: &Prior| 100.0 * (p.var.sqrt().exp() - 1.0);
    let worth = |p: &Prior| {
        if p.df >= statebench_harness::stats::MAX_DF {
            "unboundedly many".to_owned()
        } else {
            format!("{:.1}", p.df)
        }
    };
    let own: Vec<String> = results
        .records
        .iter()
        .map(|r| r.workload.as_str())
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .filter(|w| !priors.contains_key(*w))
        .map(|w| format!("`{w}`"))
        .collect();
    let each: Vec<String> = priors
        .iter()
        .map(|(w, p)| format!("`{w}` {:.1} % ({})", spread(p), worth(p)))
        .collect();
    format!(
        ", each row's variance moderated towards the typical one of its workload's rows as \
         limma does (empirical Bayes, Smyth 2004; docs/METHODOLOGY.md, \"How a comparison is \
         decided\"). A sample's typical spread (one standard deviation of its log) and the \
         degrees of freedom that prior counts for beside the row's own, per workload: {}{}",
        each.join(", "),
        if own.is_empty() {
            String::new()
        } else {
            format!(
                "; the rows of {} keep their own (too few rows to fit a prior to)",
                own.join(", ")
            )
        }
    )
}

/// How much of the spread of log throughput lies between passes, per strategy family: the
/// median over the family's records of the between-pass share of the one-way model's
/// variance ([`statebench_harness::passes::Components`]). `None` without records that can
/// tell.
pub(crate) fn between_pass_words(results: &Results) -> Option<String> {
    let mut by_family: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for r in &results.records {
        if let Some(c) = r.variance_components() {
            by_family
                .entry(r.family.as_str())
                .or_default()
                .push(c.between_share());
        }
    }
    if by_family.is_empty() {
        return None;
    }
    let parts: Vec<String> = by_family
        .into_iter()
        .map(|(family, mut shares)| {
            shares.sort_by(f64::total_cmp);
            let name = if family.is_empty() { "unnamed" } else { family };
            format!(
                "{name} rows {:.0} % (median of {} rows)",
                100.0 * shares[shares.len() / 2],
                shares.len()
            )
        })
        .collect();
    Some(format!(
        "the share of the variance that lies between passes rather than between repetitions \
         of one pass: {}",
        parts.join(", ")
    ))
}

/// The report's one error-rate control in a few words, for the sections to cite: the level
/// of every printed interval and how many comparisons it covers (the decision guide states it
/// in full).
pub(crate) fn level_words(analysis: &Analysis<'_>) -> String {
    let (m, selected, level) = analysis.size();
    match analysis.correction() {
        Correction::Bonferroni => format!(
            "{:.3} % confidence, Bonferroni over the report's {m} planned comparisons",
            100.0 * level
        ),
        Correction::FalseDiscovery => format!(
            "{:.3} % confidence; {selected} of the report's {m} planned comparisons selected to \
             claim, under the one false-discovery control the decision guide states",
            100.0 * level
        ),
    }
}

/// The guide as markdown, under [`DEFAULT_CORRECTION`].
pub fn decision_guide(results: &Results) -> String {
    decision_guide_with(results, DEFAULT_CORRECTION)
}

/// Which trials the report reads, for the report's first paragraph and the guide's: when some
/// of the run's trials ran with the cores far apart ([`Placement`]), the placement it reads and
/// what it set aside; empty when none ran far or none was probed.
pub(crate) fn view_words(results: &Results) -> String {
    let Some(p) = Placement::of(results).filter(|p| p.far + p.moved > 0) else {
        return String::new();
    };
    let far = format!(
        "{} of this run's {} probed trials ({:.0} %) ran with the machine's two cores far apart \
         (a cross-core round trip over {FAR:.0}× the near {}; the machine section says when, \
         pass by pass, and what it did to the rows){}",
        p.far,
        p.probed,
        100.0 * p.far_share(),
        crate::table::human_ns(p.near_ns),
        moved_words(&p)
    );
    let emptied = |v: &Viewed| {
        if v.emptied.is_empty() {
            String::new()
        } else {
            format!(
                " No trial of {} ran so; {} absent.",
                v.emptied.join(", "),
                if v.emptied.len() == 1 {
                    "it is"
                } else {
                    "they are"
                }
            )
        }
    };
    match &results.viewed {
        Some(v) if v.view == View::Near => format!(
            " **Every figure and claim here is of the trials run with the cores near each \
             other**: {far}, and they are set aside — the rows that share data change speed \
             there, each by its own factor, so a figure over both placements would measure how \
             much of the run was far. (`statebench report --from …/results.json --placement \
             far --out DIR` reads those trials alone; `--placement all`, every trial.){}",
            emptied(v)
        ),
        Some(v) if v.view == View::Far => format!(
            " **Every figure and claim here is of the trials run with the cores far apart** \
             (`--placement far`): {far}; the {} others are set aside.{}",
            v.set_aside,
            emptied(v)
        ),
        Some(v) => format!(
            " **Every figure and claim here mixes the two placements of the cores**: {far}, and \
             the near trials alone would have left no trial of {} — so the run is read whole. The \
             rows that share data change speed there, each by its own factor, so a claim near \
             its line may owe its side to how much of the run was far.",
            v.emptied.join(", ")
        ),
        None => format!(
            " **Every figure and claim here mixes the two placements of the cores** \
             (`--placement all`): {far}. The rows that share data change speed there, each by \
             its own factor, so a claim near its line may owe its side to how much of the run \
             was far."
        ),
    }
}

/// `, and 3 moved between placements while they ran (…)`, or nothing.
pub(crate) fn moved_words(p: &Placement) -> String {
    match p.moved {
        0 => String::new(),
        1 => ", and 1 moved between placements while it ran (its probes before and after \
              disagree: a mix of the two, read only with `--placement all`)"
            .into(),
        n => format!(
            ", and {n} moved between placements while they ran (their probes before and after \
             disagree: a mix of the two, read only with `--placement all`)"
        ),
    }
}

/// [`view_words`] in a clause, for the guide's first paragraph (the report's says it whole).
fn view_brief(results: &Results) -> String {
    if Placement::of(results).is_none_or(|p| p.far + p.moved == 0) {
        return String::new();
    }
    match results.viewed.as_ref().map(|v| v.view) {
        Some(View::Near) => {
            " Every claim compares the trials run with the machine's two cores near \
                              each other; the report's first paragraph says how many ran far and \
                              were set aside."
                .into()
        }
        Some(View::Far) => " Every claim compares the trials run with the machine's two cores far \
                            apart (`--placement far`; the report's first paragraph has the count)."
            .into(),
        _ => " Every claim mixes the trials of both placements of the machine's two cores \
                 (the report's first paragraph says how many ran far, and why)."
            .into(),
    }
}

/// The guide as markdown, under `correction`.
pub fn decision_guide_with(results: &Results, correction: Correction) -> String {
    let analysis = Analysis::with(results, correction);
    let mut out = preamble(results, &analysis);
    let mut families_out = String::new();
    let mut crossovers = String::new();
    let mut starved = Starved::default();
    for w in &results.settings.workloads {
        // Go's rows are judged for the mix as the Rust rows are; the families are Rust's.
        for driver in [Driver::Threads, Driver::Tasks, Driver::Goroutines] {
            let cells = analysis.cells(w, driver);
            if driver != Driver::Goroutines {
                if let Some((c, cell)) = cells.last() {
                    families_out += &families_line(&analysis, w, driver, *c, cell);
                }
                // As the families: Rust's (the statements `agreement` checks are these).
                for pair in cells.windows(2) {
                    crossovers += &crossover_line(&analysis, w, driver, &pair[0], &pair[1]);
                }
            }
            starved.read(results, w, driver, &cells);
        }
    }
    out += "### Owner, lock or concurrent structure?\n\n";
    out += if families_out.is_empty() {
        "No cell ran more than one family.\n"
    } else {
        &families_out
    };
    out += "\n### Where the ranking changes with the number of clients\n\n";
    out += if crossovers.is_empty() {
        "No leader changes beyond noise in this run.\n"
    } else {
        &crossovers
    };
    out += &starved.section();
    out
}

/// The guide's opening paragraph: how its comparisons were planned, tested and corrected, and
/// how they came out.
fn preamble(results: &Results, analysis: &Analysis<'_>) -> String {
    let (m, selected, level) = analysis.size();
    let method = match analysis.correction() {
        Correction::Bonferroni => format!(
            "at {:.3} % confidence, so that all {m} intervals hold together with 95 % \
             probability (Bonferroni)",
            100.0 * level
        ),
        Correction::FalseDiscovery => format!(
            "under one false-discovery control for the whole report: Benjamini–Hochberg selects \
             the {selected} comparisons whose interval can make a claim — a difference beyond \
             ±{:.0} %, or sameness within it — and every interval is printed at {:.3} % \
             confidence (Benjamini–Yekutieli's intervals for selected comparisons), so that on \
             average at most 5 % of the claims are false; the other {} claim nothing",
            100.0 * MIN_EFFECT,
            100.0 * level,
            m - selected
        ),
    };
    let o = analysis.outcomes();
    let outcomes = if m == 0 {
        String::new()
    } else {
        format!(
            "Of the {m} planned comparisons, {} claim a difference and {} sameness ({} of these \
             claims near their line: a fresh run of the same size would make each again with a \
             chance under {:.0} %; the report marks those it states, ‡ or \"near its line\"); {} \
             claim \
             nothing: {} because their interval reaches across the ±{:.0} % line (this run \
             cannot tell them; another run may resolve some either way, and \
             docs/METHODOLOGY.md measures how often a claim repeats), {} because a compared row \
             did not serve the mix asked for, and {} because a row was not measured or has a \
             single sample.",
            o.differ,
            o.same,
            o.near_line,
            100.0 * FIRM,
            o.cannot_tell + o.starved + o.no_data,
            o.cannot_tell,
            100.0 * MIN_EFFECT,
            o.starved,
            o.no_data
        )
    };
    let moderation = if analysis.moderated() {
        "each row's variance moderated towards the typical one of its workload's rows (the \
         methodology in DETAILS.md gives the priors)"
    } else {
        "each row on its own variance (too few rows to fit a prior to)"
    };
    format!(
        "Generated from this run. Before any figure is read, the report plans every comparison \
         it could make — each pair of rows in every cell the run planned, Go's programs against \
         their Rust counterparts, and the pooled ratios of the owner and library sections: {m} \
         in all, however few of them a section prints. Rows are ranked by their headline \
         figure, the geometric mean of their samples, which is also what every test compares. \
         Each comparison is Welch's t on log throughput {}, {moderation}, {method}. Which \
         comparisons a section prints (the leader, each family's best, the closest cell) is \
         chosen from the same data; the correction counts every candidate, so that choice \
         cannot shrink the family. A difference is claimed only when its whole interval lies \
         beyond ±{:.0} %; otherwise the strategies are named together, not told apart. Each claim cites its cell \
         (workload / driver / clients), the figures, the ratio and its interval. {outcomes}{}\n\n",
        samples_words(results),
        100.0 * MIN_EFFECT,
        view_brief(results)
    )
}

/// The families' line for the largest cell of `w` from `driver` (with `c` clients): each
/// family's best against the next, or nothing when the cell ran one family.
fn families_line(
    analysis: &Analysis<'_>,
    w: &Workload,
    driver: Driver,
    c: usize,
    cell: &[&Record],
) -> String {
    let groups = families(cell);
    if groups.len() < 2 {
        return String::new();
    }
    let words: Vec<String> = groups.iter().map(|g| family_words(analysis, g)).collect();
    let claims: Vec<String> = (0..groups.len() - 1)
        .map(|i| {
            versus(
                analysis,
                (groups[i][0], &words[i]),
                (groups[i + 1][0], &words[i + 1]),
            )
        })
        .collect();
    let cited: Vec<String> = groups.iter().map(|g| cite(g[0])).collect();
    format!(
        "- On `{}` {} with {}: {}. ({}: {}.)\n",
        w.name,
        driver_words(driver),
        crate::table::clients_words(c),
        claims.join("; "),
        cell_name(&w.name, driver, c),
        cited.join(", ")
    )
}

/// The crossover line between two neighbouring client counts of `w` from `driver`: where one
/// row leads at the smaller count and another at the larger, each lead a claim; nothing
/// otherwise.
fn crossover_line(
    analysis: &Analysis<'_>,
    w: &Workload,
    driver: Driver,
    (c1, cell1): &(usize, Cell<'_>),
    (c2, cell2): &(usize, Cell<'_>),
) -> String {
    let Some((l1, before, l2, after)) = crossover(cell1, cell2) else {
        return String::new();
    };
    let (x, y) = (analysis.compare(l1, before), analysis.compare(l2, after));
    let claimed = |c: &Comparison| !c.starved && c.verdict == Verdict::Faster;
    if !(claimed(&x) && claimed(&y)) {
        return String::new();
    }
    // Rows tied with a leader: which of them tops the medians is no claim.
    let tied = |cell: &[&Record], leader: &Record| {
        let names: Vec<String> = analysis
            .leaders(cell)
            .iter()
            .filter(|r| r.implementation != leader.implementation)
            .map(|r| format!("`{}`", r.implementation))
            .collect();
        if names.is_empty() {
            String::new()
        } else {
            format!(" (tied with {})", names.join(" and "))
        }
    };
    format!(
        "- On `{}` {}, `{}`{} leads at {c1} client{} ({} vs {}: {}) but `{}`{} leads at {c2} ({} vs {}: {}) — cells {} and {}.\n",
        w.name,
        driver_words(driver),
        l1.implementation,
        tied(cell1, l1),
        if *c1 == 1 { "" } else { "s" },
        cite(l1),
        cite(before),
        interval_words(&x) + &near_line_words(&x),
        l2.implementation,
        tied(cell2, l2),
        cite(l2),
        cite(after),
        interval_words(&y) + &near_line_words(&y),
        cell_name(&w.name, driver, *c1),
        cell_name(&w.name, driver, *c2)
    )
}

/// The rows that did not serve the mix asked for, gathered cell by cell: a line per row, and
/// per strategy the cells where it left a group of clients under-served.
#[derive(Default)]
struct Starved<'a> {
    /// A line per row, in the order read.
    lines: String,
    /// (the role overtaken, the strategy) → the cells.
    overtaken: BTreeMap<(&'a str, &'a String), Vec<String>>,
    /// How many cells of workloads with more than one group of clients each strategy ran.
    judged: BTreeMap<&'a String, usize>,
}

impl<'a> Starved<'a> {
    /// Reads the cells of `w` from `driver`.
    fn read(
        &mut self,
        results: &Results,
        w: &'a Workload,
        driver: Driver,
        cells: &[(usize, Cell<'a>)],
    ) {
        for (c, cell) in cells {
            for r in cell {
                let under = r.under_served();
                if under.is_empty() {
                    continue;
                }
                self.lines += &starved_line(results, w, driver, *c, r, &under);
                if w.groups.len() > 1 {
                    let roles: BTreeSet<&str> =
                        under.iter().filter_map(|k| group_of(w, &k.kind)).collect();
                    for role in roles {
                        let e = self.overtaken.entry((role, &r.implementation)).or_default();
                        e.push(cell_name(&w.name, driver, *c));
                    }
                }
            }
        }
        if w.groups.len() > 1 {
            for (_, cell) in cells {
                for r in cell {
                    *self.judged.entry(&r.implementation).or_default() += 1;
                }
            }
        }
    }

    /// The guide's section on them.
    fn section(&self) -> String {
        let mut out = String::from("\n### Rows that did not serve the mix asked for\n\n");
        let _ = writeln!(
            out,
            "A row under-served an operation kind when that kind took less than {:.0} % of its \
             asked share of the operations — or, in a run of several passes, when the passes \
             disagreed on it (under the line in some, over it in others: whether it was served \
             cannot be told, and the check fails closed): its clients of that kind were overtaken \
             by the others \
             (readers keeping a reader-preferring lock from its waiting writers, say). Its raw \
             throughput is then mostly the other kinds' and measures a workload nobody asked for, \
             so such a row is ranked, compared and plotted by the rate at which it served the \
             asked mix (its slowest kind's rate over that kind's share), marked in its table with \
             the raw rate beside it, never leads a cell and wins no comparison.\n",
            100.0 * statebench_harness::mix::SERVED_AT_LEAST
        );
        if self.lines.is_empty() {
            out += "Every row served every kind at half its share or more, in every cell (and in \
                    every pass).\n";
            return out;
        }
        out += &self.lines;
        if !self.overtaken.is_empty() {
            out += "\nWhere clients of one role compete with another's (the workloads with more \
                    than one group of clients), these strategies left a group under-served:\n\n";
            for ((role, name), cells) in &self.overtaken {
                let _ = writeln!(
                    out,
                    "- `{name}` left the {role} under-served in {} of the {} such cells it ran: {}.",
                    cells.len(),
                    self.judged.get(name).copied().unwrap_or(cells.len()),
                    cells.join(", ")
                );
            }
            out += "\nEvery strategy not named served each group at least half its share in \
                    every such cell.\n";
        }
        out
    }
}

/// The line of a row `r` of `w` from `driver` with `c` clients that under-served the kinds
/// `under`: each kind, whose clients it was and what they waited for, and the rate it served
/// the asked mix at.
fn starved_line(
    results: &Results,
    w: &Workload,
    driver: Driver,
    c: usize,
    r: &Record,
    under: &[statebench_harness::mix::KindServed],
) -> String {
    let cpu = statebench_harness::mix::cpu_by_role(r, w);
    let kinds: Vec<String> = under
        .iter()
        .map(|k| {
            let absent = group_of(w, &k.kind)
                .map(|role| absent_words(r, w, role, results.settings.cover_ms))
                .unwrap_or_default();
            let whose = group_of(w, &k.kind)
                .and_then(|role| cpu.iter().find(|c| c.role == role))
                .map(|c| {
                    // A per-operation cost only where the role makes this kind alone.
                    let alone = w
                        .groups
                        .iter()
                        .any(|g| g.role == c.role && g.mix.iter().all(|m| m.op == k.kind));
                    whose_words(c, k, alone)
                })
                .unwrap_or_else(|| {
                    if driver == Driver::Goroutines && group_of(w, &k.kind).is_some() {
                        "; Go's runtime gives no goroutine's CPU time, so whether they waited \
                         or paid more per operation cannot be told"
                            .into()
                    } else {
                        String::new()
                    }
                });
            format!("{}{}{absent}{whose}", role_of(w, &k.kind), k.describe())
        })
        .collect();
    format!(
        "- `{}` on `{}` {} with {}: {}; it served the asked mix at {} ops/s, raw {} ops/s \
         ({}).\n",
        r.implementation,
        w.name,
        driver_words(driver),
        crate::table::clients_words(c),
        kinds.join(", "),
        human_rate(r.headline()),
        human_rate(r.summary.ops_per_sec.median),
        cell_name(&w.name, driver, c)
    )
}

/// The role of the group of `w` whose mix holds `kind` ("readers"), if one group alone does.
fn group_of<'w>(w: &'w Workload, kind: &str) -> Option<&'w str> {
    let mut holding = w
        .groups
        .iter()
        .filter(|g| g.mix.iter().any(|m| m.op == kind));
    match (holding.next(), holding.next()) {
        (Some(g), None) => Some(g.role.as_str()),
        _ => None,
    }
}

/// Whose a starved kind is, from its role's share of the clients' CPU time in each window
/// ([`statebench_harness::mix::Whose`]): " — the writers had 0.00 of their share of the
/// clients' CPU time (median of 9 windows), under half of it in every window: held back by the
/// others …". `alone`: the role makes this kind only, so a cost per operation can be read off.
fn whose_words(
    c: &statebench_harness::mix::RoleCpu,
    k: &statebench_harness::mix::KindServed,
    alone: bool,
) -> String {
    use statebench_harness::mix::Whose;
    let n = c.windows.len();
    let had = format!(
        " — the {} had {:.2} of their share of the clients' CPU time (median of {n} window{})",
        c.role,
        c.median_ratio(),
        if n == 1 { "" } else { "s" }
    );
    match c.verdict() {
        Some(Whose::Ran) => {
            let cpu = c.windows.iter().sum::<f64>() / n.max(1) as f64;
            let cost = if alone && k.served > 0.0 && cpu < 1.0 && k.served < 1.0 {
                // CPU per operation, this role's against the rest's.
                let cost = (cpu / k.served) / ((1.0 - cpu) / (1.0 - k.served));
                format!(
                    ", and each {} took about {cost:.0}× the CPU of the others' operations",
                    k.kind
                )
            } else {
                String::new()
            };
            format!(
                "{had}, at least half of it in every window: they ran, working or spinning{cost} \
                 (the strategy's cost)"
            )
        }
        Some(Whose::HeldBack) => {
            let not_harness = "(the strategy's starvation under this load, not the harness's: \
                               every client had begun and all are treated alike)";
            match c.median_parked() {
                Some(parked) => format!(
                    "{had}, under half of it in every window; their threads' states, sampled \
                     every {} ms, found them parked in {:.0} % of the samples (median of {} \
                     window{}): {} {not_harness}",
                    statebench_harness::driver::STATE_EVERY.as_millis(),
                    100.0 * parked,
                    c.parked.len(),
                    if c.parked.len() == 1 { "" } else { "s" },
                    if parked >= 0.5 {
                        "held back while parked — blocked inside the strategy's calls (a \
                         lock's wait queue, say) — rather than waiting for a core"
                    } else {
                        "runnable but queued for a core behind clients that never block, more \
                         than parked in the strategy"
                    }
                ),
                None => format!(
                    "{had}, under half of it in every window: held back by the others, parked \
                     in the lock or woken and queued for a core behind clients that never block \
                     {not_harness}"
                ),
            }
        }
        None => {
            let ran = c.whose().iter().filter(|w| **w == Whose::Ran).count();
            format!(
                "{had}, at least half of it in {ran} of the {n} windows and under half in the \
                 others: whose it is differs between windows"
            )
        }
    }
}

/// Whether the clients of `role` were all measured: " — every one of the 10 writers made
/// operations in every window" or " — in 3 of the 9 windows up to 10 of the 10 writers made no
/// operation, though the windows stayed open up to 1004 ms waiting for every client"
/// (`Repetition::absent_by_role`). `cover_ms`: whether the run's windows waited; a run whose
/// windows closed on time (files before 2026-12-04) records no absence, so nothing is said
/// unless some was.
fn absent_words(r: &Record, w: &Workload, role: &str, cover_ms: Option<u64>) -> String {
    let Some(members) = w
        .clients_per_group(r.clients)
        .ok()
        .and_then(|counts| w.groups.iter().zip(counts).find(|(g, _)| g.role == role))
        .map(|(_, n)| n)
    else {
        return String::new();
    };
    // "the 10 writers", or "the 1 client of role `writer`" where the plural cannot be read off.
    let who = if members > 1 && role.ends_with('s') {
        format!("the {members} {role}")
    } else {
        format!(
            "the {members} client{} of role `{role}`",
            if members == 1 { "" } else { "s" }
        )
    };
    let n = r.repetitions.len();
    let absent: Vec<u64> = r
        .repetitions
        .iter()
        .map(|rep| rep.absent_by_role.get(role).copied().unwrap_or(0))
        .filter(|a| *a > 0)
        .collect();
    let most = absent.iter().copied().max().unwrap_or(0);
    let longest = r
        .repetitions
        .iter()
        .map(|rep| rep.elapsed_ns)
        .max()
        .unwrap_or(0)
        / 1_000_000;
    match (absent.len(), cover_ms) {
        (0, None) => String::new(),
        (0, Some(_)) => format!(" — each of {who} made operations in every window"),
        (k, Some(_)) => format!(
            " — in {k} of the {n} windows up to {most} of {who} made no operation, though the \
             windows stayed open up to {longest} ms waiting for every client"
        ),
        (k, None) => format!(
            " — in {k} of the {n} windows up to {most} of {who} made no operation; the window \
             closed on time, so which clients it measured was the scheduler's pick"
        ),
    }
}

/// "the writers' " before a kind held by one group of several, else nothing.
fn role_of(w: &Workload, kind: &str) -> String {
    match group_of(w, kind) {
        Some(role) if w.groups.len() > 1 && role.ends_with('s') => format!("the {role}' "),
        Some(role) if w.groups.len() > 1 => format!("the {role}'s "),
        _ => String::new(),
    }
}

/// `results` without its open-loop workloads and records: the throughput sections (summary,
/// guide, picks, owners, crossover, reference) compare what clients in a closed loop got done,
/// and an open loop's throughput is what it was offered. Its own section reads them.
pub(crate) fn closed_loop(results: &Results) -> Results {
    let open: BTreeSet<&str> = results
        .settings
        .workloads
        .iter()
        .filter(|w| w.open_loop())
        .map(|w| w.name.as_str())
        .collect();
    let mut closed = results.clone();
    closed
        .records
        .retain(|r| !open.contains(r.workload.as_str()));
    closed.settings.workloads.retain(|w| !w.open_loop());
    // The plan too: an open loop's cells are not compared, so they are not candidates.
    closed
        .settings
        .planned
        .retain(|k| !open.contains(k.workload.as_str()));
    closed
}

/// `‡` after a claim near its line ([`Judgement::near_line`]), else nothing.
pub(crate) fn mark(j: &Judgement) -> &'static str {
    if j.near_line() { " ‡" } else { "" }
}

/// The legend of [`mark`].
pub(crate) fn mark_legend() -> String {
    format!(
        "‡ marks a claim near its ±{:.0} % line: a fresh run of the same size would make it \
         again with a chance under {:.0} %.",
        100.0 * MIN_EFFECT,
        100.0 * FIRM
    )
}

#[cfg(test)]
mod tests {
    use statebench_core::Family;
    use statebench_harness::{Driver, fixture};

    use super::welch;

    #[test]
    fn a_row_that_did_not_serve_the_mix_is_compared_with_nothing() {
        let row = |name: &str, sets: u64| {
            let reps = [0.9, 1.0, 1.1]
                .iter()
                .map(|s| fixture::repetition(1e6 * s, &[("get", 1_000_000), ("set", sets)]))
                .collect();
            fixture::record(
                "seed_nosleep",
                name,
                Family::Lock,
                Driver::Threads,
                110,
                reps,
            )
        };
        let (fair, other, starving) = (row("a", 100_000), row("b", 90_000), row("c", 10));
        assert!(welch(&fair, &other, None).is_some());
        assert!(welch(&fair, &starving, None).is_none());
        assert!(welch(&starving, &fair, None).is_none());
    }

    /// Each workload's rows are moderated towards their own prior: a noisy workload beside a
    /// quiet one does not widen the quiet one's intervals.
    #[test]
    fn every_workload_has_a_prior_of_its_own() {
        let quiet = |name: &str, rate: f64| {
            fixture::steady("seed", name, Family::Lock, Driver::Threads, 110, rate)
        };
        let noisy = |name: &str, spread: &[f64]| {
            let reps = spread
                .iter()
                .map(|s| fixture::served("sessions", 8, 1e6 * s))
                .collect();
            fixture::record("sessions", name, Family::Lock, Driver::Threads, 8, reps)
        };
        let records = vec![
            quiet("a", 100_000.0),
            quiet("b", 102_000.0),
            quiet("c", 150_000.0),
            noisy("x", &[0.5, 1.0, 1.6, 0.7, 1.3]),
            noisy("y", &[0.4, 1.2, 1.5, 0.8, 1.1]),
            noisy("z", &[0.6, 0.9, 1.7, 0.5, 1.4]),
        ];
        let results = fixture::results(&["seed", "sessions"], records);
        let priors = super::priors(&results);
        let (seed, sessions) = (priors["seed"], priors["sessions"]);
        assert!(seed.var < 1e-3 && sessions.var > 0.05, "{priors:?}");
        let analysis = super::Analysis::new(&results);
        assert!(analysis.moderated());
        let row = |name: &str| {
            results
                .records
                .iter()
                .find(|r| r.implementation == name)
                .expect("a row")
        };
        // The quiet pair's interval is built on the quiet workload's prior, not on one fitted
        // to every row of the run (which the noisy rows would widen).
        let (a, b) = (row("a"), row("b"));
        let built = |prior: Option<statebench_harness::stats::Prior>| {
            let of = |r: &statebench_harness::results::Record| {
                statebench_harness::stats::LogSample::of(&super::rates(r))
                    .expect("samples")
                    .moderated(prior)
            };
            statebench_harness::stats::Welch::between(of(b), of(a))
        };
        let every: Vec<_> = results
            .records
            .iter()
            .filter_map(|r| statebench_harness::stats::LogSample::of(&super::rates(r)))
            .collect();
        let pooled = statebench_harness::stats::Prior::fit(&every).expect("six rows");
        let judged = analysis.judge(b, a).interval.expect("an interval");
        let level = judged.level;
        assert_eq!(judged, built(Some(seed)).interval(level));
        assert!(built(Some(pooled)).interval(level).high > judged.high);
        // 2 % apart on ±1 % rows: the same, as on their own variances.
        let same = analysis.compare(row("b"), row("a"));
        assert_eq!(
            same.verdict,
            statebench_harness::stats::Verdict::Same,
            "{same:?}"
        );
        let own = super::Analysis::judged(
            &results,
            super::DEFAULT_CORRECTION,
            statebench_harness::stats::Variance::Own,
        );
        assert!(!own.moderated());
        assert_eq!(
            own.compare(row("b"), row("a")).verdict,
            statebench_harness::stats::Verdict::Same
        );
    }
}
