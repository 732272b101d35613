//! The decision guide, generated from the data: statements about where state should live, each
//! citing the cells it rests on and printing its interval.
//!
//! Every comparison the report makes is planned first, from the medians alone (which records
//! lead, which lead changes with the client count); then all are corrected together for their
//! number ([`statebench_harness::stats`]): by default Benjamini–Hochberg selects the
//! comparisons whose ratio is beyond the minimum effect and their intervals are widened to
//! match (Benjamini–Yekutieli), so that on average at most 5 % of the claims are false;
//! `Correction::Bonferroni` makes every interval hold at once instead. A difference is claimed
//! only when its whole interval lies beyond ±10 %; strategies that cannot be told apart are
//! named together as tied, and no claim rests on a record whose clients starved an operation
//! kind.

use std::collections::BTreeSet;
use std::fmt::Write;

use statebench_core::Family;
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::{
    ALPHA, Correction, MIN_EFFECT, RatioInterval, Verdict, Welch, levels,
};
use statebench_harness::{Driver, Workload};

use crate::table::{by_median, human_rate};

/// The family of a record's strategy in the guide's words, one and many. Records carry it
/// (older files are filled from the registry when loaded); one that does not is named as such.
fn family(r: &Record) -> (&'static str, &'static str) {
    match r.family() {
        Some(Family::Owner) => ("owner", "owners"),
        Some(Family::Lock) => ("lock", "locks"),
        Some(Family::Concurrent) => ("concurrent map", "concurrent maps"),
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

/// Welch's test of `a / b` on their headline rates, for the sections that compare rows of
/// their own choosing (owners, picks, crossover, reference): none when either row did not
/// serve the mix asked for — such a row wins and loses no comparison — or has fewer than two
/// repetitions.
pub(crate) fn welch(a: &Record, b: &Record) -> Option<Welch> {
    if a.serves_mix() && b.serves_mix() {
        Welch::of(&rates(a), &rates(b))
    } else {
        None
    }
}

/// Every comparison the report makes, planned before any is tested, and the level they are
/// all tested at.
#[derive(Debug)]
pub struct Analysis<'a> {
    results: &'a Results,
    pairs: Vec<(&'a Record, &'a Record)>,
    correction: Correction,
    /// The level each planned comparison is judged at (`None`: not selected, no claim).
    levels: Vec<Option<f64>>,
    /// The level of the intervals printed for comparisons that make no claim.
    fallback: f64,
}

/// One thing the report claims, and the claim that would contradict it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Statement {
    /// The claim, e.g. "`kv_read_heavy` / threads / 8 clients: `owner_tokio` trails the
    /// leaders".
    pub what: String,
    /// The claim that would say the opposite.
    pub contradicts: String,
}

/// The outcome of one comparison `a` against `b`.
#[derive(Clone, Copy, Debug)]
pub struct Comparison {
    /// The interval of `a / b` (`None`: fewer than two repetitions on a side).
    pub interval: Option<RatioInterval>,
    /// What may be said (`Unresolved` without an interval).
    pub verdict: Verdict,
    /// `a` or `b` did not serve the mix asked for ([`Record::serves_mix`]): no claim is made.
    pub starved: bool,
}

impl<'a> Analysis<'a> {
    /// Plans every comparison of the summary and the guide for `results`, corrected with
    /// [`DEFAULT_CORRECTION`].
    pub fn new(results: &'a Results) -> Analysis<'a> {
        Analysis::with(results, DEFAULT_CORRECTION)
    }

    /// Plans every comparison of the summary and the guide for `results`, and sets the level
    /// each is judged at under `correction`.
    pub fn with(results: &'a Results, correction: Correction) -> Analysis<'a> {
        let mut analysis = Analysis {
            results,
            pairs: Vec::new(),
            correction,
            levels: Vec::new(),
            fallback: 0.0,
        };
        for w in &results.settings.workloads {
            // Go's rows have a summary line of their own (leaders among Go's programs); the
            // guide's family and crossover statements are about the Rust strategies.
            let go = analysis.cells(w, Driver::Goroutines);
            if let Some(cell) = summary_cell(&go) {
                analysis.plan_leaders(cell);
            }
            for driver in Driver::ALL {
                let cells = analysis.cells(w, driver);
                // The summary's leader against every other record of its cell, to name ties.
                if let Some(cell) = summary_cell(&cells) {
                    analysis.plan_leaders(cell);
                }
                // Owner, lock or concurrent map, at the largest client count.
                if let Some((_, cell)) = cells.last() {
                    for members in families(cell) {
                        analysis.plan_leaders(&members);
                    }
                    let leads: Vec<&Record> =
                        families(cell).iter().map(|members| members[0]).collect();
                    for (i, a) in leads.iter().enumerate() {
                        for b in &leads[i + 1..] {
                            analysis.plan(a, b);
                        }
                    }
                }
                // Crossovers: where the median leader changes between adjacent client counts.
                for pair in cells.windows(2) {
                    if let Some((l1, before, l2, after)) = crossover(&pair[0].1, &pair[1].1) {
                        analysis.plan(l1, before);
                        analysis.plan(l2, after);
                    }
                }
            }
        }
        let tests: Vec<Option<Welch>> = analysis
            .pairs
            .iter()
            .map(|(a, b)| Welch::of(&rates(a), &rates(b)))
            .collect();
        analysis.levels = levels(&tests, correction, ALPHA, MIN_EFFECT);
        let m = analysis.pairs.len().max(1) as f64;
        let selected = analysis.levels.iter().flatten().count().max(1) as f64;
        analysis.fallback = 1.0 - selected * ALPHA / m;
        analysis
    }

    /// How many comparisons, how many of them may claim (all, under Bonferroni), and the
    /// confidence level of their intervals.
    pub fn size(&self) -> (usize, usize, f64) {
        let selected = self.levels.iter().flatten().count();
        (self.pairs.len(), selected, self.fallback)
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

    fn plan(&mut self, a: &'a Record, b: &'a Record) {
        if !self.planned(a, b) {
            self.pairs.push((a, b));
        }
    }

    /// The median leader of `cell` against every other record.
    fn plan_leaders(&mut self, cell: &[&'a Record]) {
        let sorted = by_median(cell);
        if let Some((top, rest)) = sorted.split_first() {
            for r in rest {
                self.plan(top, r);
            }
        }
    }

    /// `a` against `b`, tested at the corrected level. Panics in debug builds if the pair was
    /// not planned: every tested comparison must be counted in the correction.
    pub fn compare(&self, a: &Record, b: &Record) -> Comparison {
        debug_assert!(
            self.planned(a, b),
            "an unplanned comparison: {} vs {}",
            a.implementation,
            b.implementation
        );
        let starved = !a.serves_mix() || !b.serves_mix();
        let level = self
            .pairs
            .iter()
            .position(|(x, y)| (same(x, a) && same(y, b)) || (same(x, b) && same(y, a)))
            .and_then(|i| self.levels[i]);
        let interval =
            Welch::of(&rates(a), &rates(b)).map(|w| w.interval(level.unwrap_or(self.fallback)));
        let verdict = match (interval.map(|i| i.verdict(MIN_EFFECT)), level) {
            (None, _) => Verdict::Unresolved,
            // Not selected by the correction: no difference is claimed.
            (Some(Verdict::Faster | Verdict::Slower), None) => Verdict::Unresolved,
            (Some(v), _) => v,
        };
        Comparison {
            interval,
            verdict,
            starved,
        }
    }

    /// What the report claims, as a reader would take it away: "`x` trails the leaders" and
    /// "`x` leads alone" (the summary's cells), "the locks beat the owners" (the families at
    /// the largest client count), "`a` leads at 1 client, `b` at 2" (the crossovers). Each
    /// names the statement that would contradict it. Statements, not pairs of records: when
    /// the median leader of a tied group changes between runs, what the report claims does not.
    pub fn statements(&self) -> Vec<Statement> {
        let claimed = |a: &Record, b: &Record| {
            let c = self.compare(a, b);
            !c.starved && c.verdict == Verdict::Faster
        };
        let mut out = Vec::new();
        for w in &self.results.settings.workloads {
            for driver in Driver::ALL {
                let cells = self.cells(w, driver);
                if let Some(cell) = summary_cell(&cells) {
                    let sorted = by_median(cell);
                    if let Some((top, rest)) = sorted.split_first() {
                        let at = cell_name(&w.name, driver, top.clients);
                        let trails = |x: &str| format!("{at}: `{x}` trails the leaders");
                        let alone = |x: &str| format!("{at}: `{x}` leads alone");
                        let mut all_beaten = !rest.is_empty();
                        for r in rest {
                            if claimed(top, r) {
                                out.push(Statement {
                                    what: trails(&r.implementation),
                                    contradicts: alone(&r.implementation),
                                });
                            } else {
                                all_beaten = false;
                            }
                        }
                        if all_beaten {
                            out.push(Statement {
                                what: alone(&top.implementation),
                                contradicts: trails(&top.implementation),
                            });
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
                                out.push(Statement {
                                    what: format!("{at}: the {fa} beat the {fb}"),
                                    contradicts: format!("{at}: the {fb} beat the {fa}"),
                                });
                            }
                        }
                    }
                }
                for pair in cells.windows(2) {
                    let ((c1, cell1), (c2, cell2)) = (&pair[0], &pair[1]);
                    if let Some((l1, before, l2, after)) = crossover(cell1, cell2) {
                        if claimed(l1, before) && claimed(l2, after) {
                            let at = format!("`{}` / {}", w.name, driver.name());
                            let (x, y) = (&l1.implementation, &l2.implementation);
                            out.push(Statement {
                                what: format!("{at}: `{x}` leads at {c1} clients, `{y}` at {c2}"),
                                contradicts: format!(
                                    "{at}: `{y}` leads at {c1} clients, `{x}` at {c2}"
                                ),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// Whether `a` against `b` is one of the planned comparisons.
    fn planned(&self, a: &Record, b: &Record) -> bool {
        self.pairs
            .iter()
            .any(|(x, y)| (same(x, a) && same(y, b)) || (same(x, b) && same(y, a)))
    }

    /// The leaders of `cell`: the median leader and every record not shown slower than it.
    /// Ties are tested only where they were planned (the summary's cells and each family at
    /// the largest client count); elsewhere the median leader stands alone.
    /// A row that did not serve the mix asked for is never among them, and leads only a cell
    /// in which no row served it.
    pub fn leaders(&self, cell: &[&'a Record]) -> Vec<&'a Record> {
        let sorted = by_median(cell);
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

fn same(a: &Record, b: &Record) -> bool {
    std::ptr::eq(a, b)
}

/// The correction the report uses unless told otherwise: false-discovery control. Measured on
/// three runs of the main job on one machine (docs/METHODOLOGY.md), it made 128 claims of which
/// 102 (79.7 %) every run repeated, against Bonferroni's 77 and 50 (64.9 %), and neither
/// reversed a claim: Bonferroni's very wide intervals at five repetitions leave many claims
/// on the edge, where they flicker between runs.
pub const DEFAULT_CORRECTION: Correction = Correction::FalseDiscovery;

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
    for r in by_median(cell) {
        match groups.iter_mut().find(|g| family(g[0]) == family(r)) {
            Some(g) => g.push(r),
            None => groups.push(vec![r]),
        }
    }
    groups
}

/// Where the median leader changes from `cell1` to `cell2`: (leader at 1, the later leader's
/// record at 1, leader at 2, the earlier leader's record at 2).
fn crossover<'a>(
    cell1: &[&'a Record],
    cell2: &[&'a Record],
) -> Option<(&'a Record, &'a Record, &'a Record, &'a Record)> {
    let l1 = *by_median(cell1).first()?;
    let l2 = *by_median(cell2).first()?;
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

/// `the lock `rwlock_std`` or `the locks `rwlock_std` and `mutex_std` (tied)`.
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
        format!("the {kinds} {} (tied)", names.join(" and "))
    }
}

/// One sentence comparing family leads `a` and `b` (a's median is the higher).
fn versus(analysis: &Analysis<'_>, a: (&Record, &str), b: (&Record, &str)) -> String {
    let c = analysis.compare(a.0, b.0);
    if c.starved {
        return format!(
            "{} and {}: no claim, a compared row did not serve the mix asked for ({})",
            a.1,
            b.1,
            interval_words(&c)
        );
    }
    match c.verdict {
        Verdict::Faster => format!(
            "{} {} {} the throughput of {} (CI {})",
            a.1,
            if a.1.ends_with("(tied)") {
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
        ),
        Verdict::Same => format!(
            "{} and {} are the same within {:.0} % ({})",
            a.1,
            b.1,
            100.0 * MIN_EFFECT,
            interval_words(&c)
        ),
        // The leads were ordered by median, so a verdict of "slower" cannot happen here; it
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
                "{name} rows {:.0} % (median of {})",
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

/// The guide as markdown, under [`DEFAULT_CORRECTION`].
pub fn decision_guide(results: &Results) -> String {
    decision_guide_with(results, DEFAULT_CORRECTION)
}

/// The guide as markdown, under `correction`.
pub fn decision_guide_with(results: &Results, correction: Correction) -> String {
    let analysis = Analysis::with(results, correction);
    let (m, selected, level) = analysis.size();
    let mut out = String::new();
    let method = match analysis.correction() {
        Correction::Bonferroni => format!(
            "at {:.3} % confidence, so that all {m} intervals hold together with 95 % \
             probability (Bonferroni)",
            100.0 * level
        ),
        Correction::FalseDiscovery => format!(
            "under false-discovery control: Benjamini–Hochberg selects {selected} comparisons \
             whose ratio is beyond the minimum effect, and their intervals are at {:.3} % \
             confidence (Benjamini–Yekutieli), so that on average at most 5 % of the claims \
             are false",
            100.0 * level
        ),
    };
    let _ = writeln!(
        out,
        "Generated from this run. The report makes {m} comparisons in all (the summary's leaders \
         and the claims below); each is tested with Welch's t on log throughput {}, {method}. A \
         difference is claimed only when its whole interval lies beyond ±{:.0} %; otherwise the \
         strategies are named together as tied. Each claim cites its cell (workload / driver / \
         clients), the medians, the ratio and its interval.\n",
        samples_words(results),
        100.0 * MIN_EFFECT
    );
    let mut families_out = String::new();
    let mut crossovers = String::new();
    let mut starved = String::new();
    // (the role overtaken, the strategy) → the cells; and how many cells of workloads with
    // more than one group of clients each strategy ran.
    let mut overtaken: std::collections::BTreeMap<(&str, &String), Vec<String>> =
        Default::default();
    let mut judged: std::collections::BTreeMap<&String, usize> = Default::default();
    for w in &results.settings.workloads {
        for driver in Driver::ALL {
            let cells = analysis.cells(w, driver);
            if let Some((c, cell)) = cells.last() {
                let groups = families(cell);
                if groups.len() >= 2 {
                    let words: Vec<String> =
                        groups.iter().map(|g| family_words(&analysis, g)).collect();
                    let mut claims = Vec::new();
                    for i in 0..groups.len() - 1 {
                        claims.push(versus(
                            &analysis,
                            (groups[i][0], &words[i]),
                            (groups[i + 1][0], &words[i + 1]),
                        ));
                    }
                    let cited: Vec<String> = groups.iter().map(|g| cite(g[0])).collect();
                    let _ = writeln!(
                        families_out,
                        "- On `{}` {} with {c} clients: {}. ({}: {}.)",
                        w.name,
                        driver_words(driver),
                        claims.join("; "),
                        cell_name(&w.name, driver, *c),
                        cited.join(", ")
                    );
                }
            }
            for pair in cells.windows(2) {
                let ((c1, cell1), (c2, cell2)) = (&pair[0], &pair[1]);
                let Some((l1, before, l2, after)) = crossover(cell1, cell2) else {
                    continue;
                };
                let (x, y) = (analysis.compare(l1, before), analysis.compare(l2, after));
                let claimed = |c: &Comparison| !c.starved && c.verdict == Verdict::Faster;
                if claimed(&x) && claimed(&y) {
                    let _ = writeln!(
                        crossovers,
                        "- On `{}` {}, `{}` leads at {c1} client{} ({} vs {}: {}) but `{}` leads at {c2} ({} vs {}: {}) — cells {} and {}.",
                        w.name,
                        driver_words(driver),
                        l1.implementation,
                        if *c1 == 1 { "" } else { "s" },
                        cite(l1),
                        cite(before),
                        interval_words(&x),
                        l2.implementation,
                        cite(l2),
                        cite(after),
                        interval_words(&y),
                        cell_name(&w.name, driver, *c1),
                        cell_name(&w.name, driver, *c2)
                    );
                }
            }
            for (c, cell) in &cells {
                for r in cell {
                    let under = r.under_served();
                    if under.is_empty() {
                        continue;
                    }
                    let kinds: Vec<String> = under
                        .iter()
                        .map(|k| format!("{}{}", role_of(w, &k.kind), k.describe()))
                        .collect();
                    let _ = writeln!(
                        starved,
                        "- `{}` on `{}` {} with {c} clients: {}; it served the asked mix at \
                         {} ops/s, raw {} ops/s ({}).",
                        r.implementation,
                        w.name,
                        driver_words(driver),
                        kinds.join(", "),
                        human_rate(r.headline()),
                        human_rate(r.summary.ops_per_sec.median),
                        cell_name(&w.name, driver, *c)
                    );
                    if w.groups.len() > 1 {
                        let roles: BTreeSet<&str> =
                            under.iter().filter_map(|k| group_of(w, &k.kind)).collect();
                        for role in roles {
                            let e = overtaken.entry((role, &r.implementation)).or_default();
                            e.push(cell_name(&w.name, driver, *c));
                        }
                    }
                }
            }
            if w.groups.len() > 1 {
                for (_, cell) in &cells {
                    for r in cell {
                        *judged.entry(&r.implementation).or_default() += 1;
                    }
                }
            }
        }
    }
    out += "### Owner, lock or concurrent map?\n\n";
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
    let work = crate::crossover::guide(results);
    if !work.is_empty() {
        out += "\n### When each operation does work while it holds the state\n\n";
        out += "From the critical-section sweep (its section has the method, every ratio and the \
                plots): the cost from which the best owner is no more than 10 % slower than \
                the best of a rival family (the ratio's whole interval above 0.91), bracketed by \
                the last cost where it was still resolved slower, each cell cited. The best \
                owner is the fastest owner form at each cost, flat combining included.\n\n";
        out += &work;
    }
    out += "\n### Rows that did not serve the mix asked for\n\n";
    let _ = writeln!(
        out,
        "A row under-served an operation kind when that kind took less than {:.0} % of its \
         asked share of the operations: its clients of that kind were overtaken by the others \
         (readers keeping a reader-preferring lock from its waiting writers, say). Its raw \
         throughput is then mostly the other kinds' and measures a workload nobody asked for, \
         so such a row is ranked, compared and plotted by the rate at which it served the \
         asked mix (its slowest kind's rate over that kind's share), marked in its table with \
         the raw rate beside it, never leads a cell and wins no comparison.\n",
        100.0 * statebench_harness::mix::SERVED_AT_LEAST
    );
    if starved.is_empty() {
        out += "Every row served every kind at half its share or more, in every cell.\n";
        return out;
    }
    out += &starved;
    if !overtaken.is_empty() {
        out += "\nWhere clients of one role compete with another's (the workloads with more \
                than one group of clients), these strategies left a group under-served:\n\n";
        for ((role, name), cells) in &overtaken {
            let _ = writeln!(
                out,
                "- `{name}` left the {role} under-served in {} of the {} such cells it ran: {}.",
                cells.len(),
                judged.get(name).copied().unwrap_or(cells.len()),
                cells.join(", ")
            );
        }
        out += "\nEvery strategy not named served each group at least half its share in \
                every such cell.\n";
    }
    out
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

/// "the writers' " before a kind held by one group of several, else nothing.
fn role_of(w: &Workload, kind: &str) -> String {
    match group_of(w, kind) {
        Some(role) if w.groups.len() > 1 && role.ends_with('s') => format!("the {role}' "),
        Some(role) if w.groups.len() > 1 => format!("the {role}'s "),
        _ => String::new(),
    }
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
        assert!(welch(&fair, &other).is_some());
        assert!(welch(&fair, &starving).is_none());
        assert!(welch(&starving, &fair).is_none());
    }
}
