//! Do two runs of the same command tell the same story? Given the results of several runs,
//! this measures how much of what a reader would take from one run every other run repeats:
//!
//! * **ranking agreement** — for every cell (workload, driver, clients) and every pair of runs,
//!   Kendall's τ between the two orders of the implementations by headline throughput (1: the
//!   same order; 0: unrelated; −1: reversed);
//! * **leader agreement** — the share of cells whose leader is the same in every run,
//!   and the share where each run's leader is among every run's *leaders* (the leader and those
//!   the statistics cannot tell from it: the summary's "=" group);
//! * **claims** — what the report claims, as statements ([`crate::guide::Analysis::statements`]):
//!   how many every run makes, and how many one run's statements another contradicts;
//! * **claims that travel** — given runs of two machines or more (told apart by CPU model and
//!   core count), the claims every run of every machine makes, and those every run of one
//!   machine makes but a run of another does not: that machine's only;
//! * **swaps, told apart or not** — every pair of implementations two runs order differently,
//!   split by whether either run's statistics told the pair apart (each run's report's own
//!   judgement of the pair: its one plan and correction). Kendall's τ counts a swap
//!   of two strategies the data call tied exactly as it counts a swap of two that differ by a
//!   factor; this split says which kind the disagreement is.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use statebench_harness::Driver;
use statebench_harness::placement::{self, FAR, Placement, View};
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::{Correction, Variance, Verdict};

use crate::guide::{Analysis, DEFAULT_VARIANCE, Statement};

/// A cell: workload, driver, clients.
type CellKey = (String, Driver, usize);

fn key(r: &Record) -> CellKey {
    (r.workload.clone(), r.driver, r.clients)
}

/// Kendall's τ-a between two rankings of the same items (best first); `None` with fewer than
/// two shared items.
pub fn kendall_tau(a: &[String], b: &[String]) -> Option<f64> {
    let shared: Vec<&String> = a.iter().filter(|x| b.contains(x)).collect();
    let n = shared.len();
    if n < 2 {
        return None;
    }
    let pos = |list: &[String], x: &String| list.iter().position(|y| y == x).unwrap_or(0);
    let mut score = 0i64;
    for i in 0..n {
        for j in i + 1..n {
            let da = pos(a, shared[i]) as i64 - pos(a, shared[j]) as i64;
            let db = pos(b, shared[i]) as i64 - pos(b, shared[j]) as i64;
            score += (da * db).signum();
        }
    }
    Some(score as f64 / (n * (n - 1) / 2) as f64)
}

/// What one run says: each cell's ranking and leaders, its claims, and the pairs of each
/// cell its statistics tell apart.
struct Reading {
    rankings: BTreeMap<CellKey, Vec<String>>,
    leaders: BTreeMap<CellKey, Vec<String>>,
    claims: BTreeSet<Statement>,
    /// The claims it calls firm ([`crate::guide::Comparison::firm`]).
    firm: BTreeSet<Statement>,
    /// (cell, faster, slower) for every pair whose interval lies beyond the minimum effect.
    apart: BTreeSet<(CellKey, String, String)>,
}

impl Reading {
    /// Whether this run told `x` and `y` apart in cell `k`, either one the faster.
    fn tells_apart(&self, k: &CellKey, x: &str, y: &str) -> bool {
        let told = |fast: &str, slow: &str| {
            self.apart
                .contains(&(k.clone(), fast.to_owned(), slow.to_owned()))
        };
        told(x, y) || told(y, x)
    }

    /// Whether this run makes the claim that says `what`.
    fn makes(&self, what: &str) -> bool {
        self.claims.iter().any(|s| s.what == what)
    }

    /// The client counts this run measured `workload` at under `driver`, smallest first.
    fn client_counts(&self, workload: &str, driver: Driver) -> Vec<usize> {
        self.rankings
            .keys()
            .filter(|(kw, kd, _)| kw == workload && *kd == driver)
            .map(|k| k.2)
            .collect()
    }

    /// Whether `other` measured cell `k` as this run did: the same implementations in it, and
    /// the same client counts beside it (a change of leader compares neighbouring counts; the
    /// families are judged at the largest).
    fn measured_alike(&self, other: &Reading, k: &CellKey) -> bool {
        let sorted = |v: &Vec<String>| {
            let mut v = v.clone();
            v.sort();
            v
        };
        match (self.rankings.get(k), other.rankings.get(k)) {
            (Some(a), Some(b)) => {
                sorted(a) == sorted(b)
                    && self.client_counts(&k.0, k.1) == other.client_counts(&k.0, k.1)
            }
            _ => false,
        }
    }
}

/// Every pair of every cell of `cells` that `analysis` (the report's one plan and correction)
/// tells apart beyond the minimum effect, faster first.
fn told_apart(
    analysis: &Analysis<'_>,
    cells: &BTreeMap<CellKey, Vec<&Record>>,
) -> BTreeSet<(CellKey, String, String)> {
    let mut apart = BTreeSet::new();
    for (k, cell) in cells {
        for (i, a) in cell.iter().enumerate() {
            for b in &cell[i + 1..] {
                let (fast, slow) = match analysis.judge(a, b).verdict() {
                    Verdict::Faster => (a, b),
                    Verdict::Slower => (b, a),
                    Verdict::Same | Verdict::Unresolved => continue,
                };
                apart.insert((
                    k.clone(),
                    fast.implementation.clone(),
                    slow.implementation.clone(),
                ));
            }
        }
    }
    apart
}

fn read(results: &Results, correction: Correction, variance: Variance, view: View) -> Reading {
    // As the report reads a run: the trials of the placement asked for, and its closed-loop
    // cells, the only ones it compares.
    let results = &crate::guide::closed_loop(&placement::view(results, view));
    let analysis = Analysis::judged(results, correction, variance);
    let mut cells: BTreeMap<CellKey, Vec<&Record>> = BTreeMap::new();
    for r in &results.records {
        cells.entry(key(r)).or_default().push(r);
    }
    let apart = told_apart(&analysis, &cells);
    let mut rankings = BTreeMap::new();
    let mut leaders = BTreeMap::new();
    for (k, cell) in cells {
        let cell = crate::table::by_headline(&cell);
        rankings.insert(
            k.clone(),
            cell.iter().map(|r| r.implementation.clone()).collect(),
        );
        // Every pair of a cell is planned, so every cell's leader has its ties.
        let tied = analysis.leaders(&cell);
        leaders.insert(k, tied.iter().map(|r| r.implementation.clone()).collect());
    }
    let marked = analysis.statements_marked();
    let firm = marked
        .iter()
        .filter(|(_, firm)| *firm)
        .map(|(s, _)| s.clone())
        .collect();
    let claims = marked.into_iter().map(|(s, _)| s).collect();
    Reading {
        rankings,
        leaders,
        claims,
        firm,
        apart,
    }
}

/// The pairs `a` and `b` order differently (both lists best first, shared items only).
fn swapped(a: &[String], b: &[String]) -> Vec<(String, String)> {
    let shared: Vec<&String> = a.iter().filter(|x| b.contains(x)).collect();
    let pos = |list: &[String], x: &String| list.iter().position(|y| y == x).unwrap_or(0);
    let mut out = Vec::new();
    for (i, x) in shared.iter().enumerate() {
        for y in &shared[i + 1..] {
            let da = pos(a, x) as i64 - pos(a, y) as i64;
            let db = pos(b, x) as i64 - pos(b, y) as i64;
            if da * db < 0 {
                out.push(((*x).clone(), (*y).clone()));
            }
        }
    }
    out
}

/// The figures of agreement between runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Agreement {
    /// Runs compared.
    pub runs: usize,
    /// Kendall's τ of every (cell, pair of runs), sorted.
    pub taus: Vec<f64>,
    /// Cells present in every run.
    pub cells: usize,
    /// Cells whose leader is the same in every run.
    pub same_leader: usize,
    /// Cells where every run's leader is among every run's leaders (ties counted).
    pub leader_within_ties: usize,
    /// Claims made by at least one run.
    pub claims_any: usize,
    /// Claims made by every run.
    pub claims_all: usize,
    /// Claims some run made firm: a fresh run of the same size would make each again with a
    /// chance of at least [`statebench_harness::stats::FIRM`].
    pub firm_any: usize,
    /// Of those, the ones every run made (firm or near their line).
    pub firm_repeated: usize,
    /// The claims some run makes and another does not, each with the runs that make it.
    pub unrepeated: Vec<String>,
    /// Claims one run makes and another reverses.
    pub reversed: Vec<String>,
    /// Pairs (per cell and pair of runs) the two runs order differently.
    pub swaps: usize,
    /// Of those, the swaps of a pair one of the two runs told apart, as sentences: the
    /// disagreements that matter (the others are pairs both runs call tied or cannot resolve).
    pub swaps_told_apart: Vec<String>,
    /// Pairs (per cell) that some run tells apart.
    pub pairs_told_apart: usize,
    /// The machines the runs were made on (CPU model and cores) and how many runs each.
    pub machines: Vec<(String, usize)>,
    /// With runs of two machines or more: the claims every run of every machine makes — the
    /// ones that travel.
    pub held_everywhere: usize,
    /// With runs of two machines or more: the claims every run of some machine makes but a run
    /// of another does not, each with the machines where it held — this machine's only.
    pub machine_only: Vec<String>,
    /// Per run, in the order given: the share of its trials that ran with the machine's two
    /// cores far apart ([`Placement`]); `None` for a run whose trials were not probed. Runs
    /// that differ in it may differ in a claim for that reason alone.
    pub far_shares: Vec<Option<f64>>,
}

/// The machine a run was made on, as claims travel between them: the CPU model and the core
/// count (the host name changes with every VM of the same kind).
fn machine_of(results: &Results) -> String {
    format!(
        "{} ({} cores)",
        results.machine.cpu_model.trim(),
        results.machine.cores
    )
}

/// How the runs order the cells they all measured: the figures of ranking and leader
/// agreement, and the pairs two runs order differently.
struct Orderings {
    /// Kendall's τ of every (cell, pair of runs), sorted.
    taus: Vec<f64>,
    /// Cells whose leader is the same in every run.
    same_leader: usize,
    /// Cells where every run's leader is among every run's leaders.
    within: usize,
    /// Pairs (per cell and pair of runs) the two runs order differently.
    swaps: usize,
    /// Of those, the swaps of a pair one of the two runs told apart, as sentences.
    swaps_told_apart: Vec<String>,
}

impl Orderings {
    /// Sets every pair of `readings` side by side over each cell of `common`.
    fn of(readings: &[Reading], common: &[&CellKey]) -> Orderings {
        let mut o = Orderings {
            taus: Vec::new(),
            same_leader: 0,
            within: 0,
            swaps: 0,
            swaps_told_apart: Vec::new(),
        };
        for k in common {
            for i in 0..readings.len() {
                for j in i + 1..readings.len() {
                    let (a, b) = (&readings[i].rankings[*k], &readings[j].rankings[*k]);
                    if let Some(t) = kendall_tau(a, b) {
                        o.taus.push(t);
                    }
                    for (x, y) in swapped(a, b) {
                        o.swaps += 1;
                        if readings[i].tells_apart(k, &x, &y) || readings[j].tells_apart(k, &x, &y)
                        {
                            o.swaps_told_apart.push(format!(
                                "{} / {} / {} clients: {x} and {y} (runs {} and {})",
                                k.0,
                                k.1.name(),
                                k.2,
                                i + 1,
                                j + 1
                            ));
                        }
                    }
                }
            }
            let firsts: Vec<&String> = readings.iter().map(|r| &r.rankings[*k][0]).collect();
            if firsts.iter().all(|f| *f == firsts[0]) {
                o.same_leader += 1;
            }
            if firsts
                .iter()
                .all(|f| readings.iter().all(|r| r.leaders[*k].contains(f)))
            {
                o.within += 1;
            }
        }
        o.taus.sort_by(f64::total_cmp);
        o
    }
}

/// What the runs claim, taken together: every claim some run makes, how many every run makes,
/// the firm ones, and the claims not repeated or reversed.
struct Claims<'a> {
    /// Every claim some run makes.
    any: BTreeSet<&'a Statement>,
    /// Of those, the ones every run makes.
    all: usize,
    /// Claims some run made firm.
    firm_any: usize,
    /// Of those, the ones every run made.
    firm_repeated: usize,
    /// The claims some run makes and another does not, each with the runs that make it.
    unrepeated: Vec<String>,
    /// Claims one run makes and another reverses.
    reversed: Vec<String>,
}

impl<'a> Claims<'a> {
    /// Gathers the claims of `readings`.
    fn of(readings: &'a [Reading]) -> Claims<'a> {
        let by_all = |c: &Statement| readings.iter().all(|r| r.claims.contains(c));
        let any: BTreeSet<&Statement> = readings.iter().flat_map(|r| &r.claims).collect();
        let all = any.iter().filter(|c| by_all(c)).count();
        let firm_any: BTreeSet<&Statement> = readings.iter().flat_map(|r| &r.firm).collect();
        let firm_repeated = firm_any.iter().filter(|c| by_all(c)).count();
        let unrepeated = any
            .iter()
            .filter(|c| !by_all(c))
            .map(|c| made_by(readings, c))
            .collect();
        let said: BTreeSet<&str> = any.iter().map(|s| s.what.as_str()).collect();
        let reversed = any
            .iter()
            .filter(|s| said.contains(s.contradicts.as_str()) && s.what < s.contradicts)
            .map(|s| format!("{} — and, in another run, {}", s.what, s.contradicts))
            .collect();
        Claims {
            any,
            all,
            firm_any: firm_any.len(),
            firm_repeated,
            unrepeated,
            reversed,
        }
    }
}

/// Claim `c` with the runs (counted from 1) that make it, and those that make it firm.
fn made_by(readings: &[Reading], c: &Statement) -> String {
    let runs = |of: &dyn Fn(&Reading) -> bool| -> Vec<String> {
        readings
            .iter()
            .enumerate()
            .filter(|(_, r)| of(r))
            .map(|(i, _)| (i + 1).to_string())
            .collect()
    };
    let by = runs(&|r| r.claims.contains(c));
    let firm = runs(&|r| r.firm.contains(c));
    if firm.is_empty() {
        format!("{} (run {})", c.what, by.join(", "))
    } else {
        format!(
            "{} (run {}; firm in run {})",
            c.what,
            by.join(", "),
            firm.join(", ")
        )
    }
}

/// Each machine among `labels`, in the order first met, with how many of them name it.
fn tally<'a>(labels: impl IntoIterator<Item = &'a String>) -> Vec<(String, usize)> {
    let mut machines: Vec<(String, usize)> = Vec::new();
    for m in labels {
        match machines.iter_mut().find(|(n, _)| n == m) {
            Some((_, k)) => *k += 1,
            None => machines.push((m.clone(), 1)),
        }
    }
    machines
}

/// With runs of two machines or more (each run's machine in `labels`), how many of the claims
/// `any` every run of every machine makes, and those every run of some machine makes but a run
/// of another does not, each with the machines where it held.
fn travelling(
    any: &BTreeSet<&Statement>,
    readings: &[Reading],
    labels: &[String],
    machines: &[(String, usize)],
) -> (usize, Vec<String>) {
    // Per claim, the machines all of whose runs make it.
    let held_on = |c: &Statement| -> Vec<&str> {
        machines
            .iter()
            .filter(|(m, _)| {
                readings
                    .iter()
                    .zip(labels)
                    .filter(|(_, l)| *l == m)
                    .all(|(r, _)| r.claims.contains(c))
            })
            .map(|(m, _)| m.as_str())
            .collect()
    };
    let (mut held_everywhere, mut machine_only) = (0, Vec::new());
    if machines.len() >= 2 {
        for c in any {
            let on = held_on(c);
            if on.len() == machines.len() {
                held_everywhere += 1;
            } else if !on.is_empty() {
                machine_only.push(format!("{} (held on {})", c.what, on.join(", ")));
            }
        }
    }
    (held_everywhere, machine_only)
}

/// Pairs of a cell of `common` that some run tells apart, each pair counted once whichever
/// run told it apart and in which order.
fn pairs_told_apart(readings: &[Reading], common: &[&CellKey]) -> usize {
    readings
        .iter()
        .flat_map(|r| &r.apart)
        .filter(|(k, _, _)| common.contains(&k))
        .map(|(k, x, y)| (k, x.min(y), x.max(y)))
        .collect::<BTreeSet<_>>()
        .len()
}

impl Agreement {
    /// Compares `runs` (at least two), their claims made under `correction` from the trials
    /// the report reads ([`View::Near`]).
    pub fn of(runs: &[Results], correction: Correction) -> Result<Agreement, String> {
        Agreement::judged(runs, correction, DEFAULT_VARIANCE, View::default())
    }

    /// As [`Agreement::of`], each row's interval built from the `variance` chosen, each run
    /// read in `view` (the trials of one placement of the cores, or all).
    pub fn judged(
        runs: &[Results],
        correction: Correction,
        variance: Variance,
        view: View,
    ) -> Result<Agreement, String> {
        if runs.len() < 2 {
            return Err("agreement needs the results of at least two runs".into());
        }
        let readings: Vec<Reading> = runs
            .iter()
            .map(|r| read(r, correction, variance, view))
            .collect();
        let common: Vec<&CellKey> = readings[0]
            .rankings
            .keys()
            .filter(|k| readings.iter().all(|r| r.rankings.contains_key(*k)))
            .collect();
        if common.is_empty() {
            return Err("the runs share no cell: they did not run the same matrix".into());
        }
        let orders = Orderings::of(&readings, &common);
        let claims = Claims::of(&readings);
        let labels: Vec<String> = runs.iter().map(machine_of).collect();
        let machines = tally(&labels);
        let (held_everywhere, machine_only) =
            travelling(&claims.any, &readings, &labels, &machines);
        Ok(Agreement {
            runs: runs.len(),
            swaps: orders.swaps,
            swaps_told_apart: orders.swaps_told_apart,
            pairs_told_apart: pairs_told_apart(&readings, &common),
            taus: orders.taus,
            cells: common.len(),
            same_leader: orders.same_leader,
            leader_within_ties: orders.within,
            claims_any: claims.any.len(),
            claims_all: claims.all,
            firm_any: claims.firm_any,
            firm_repeated: claims.firm_repeated,
            unrepeated: claims.unrepeated,
            reversed: claims.reversed,
            machines,
            held_everywhere,
            machine_only,
            far_shares: runs
                .iter()
                .map(|r| Placement::of(r).map(|p| p.far_share()))
                .collect(),
        })
    }

    /// The median τ (`None` without a comparable cell).
    pub fn median_tau(&self) -> Option<f64> {
        self.taus.get(self.taus.len() / 2).copied()
    }

    /// A plain-text summary; with `details`, every claim some run did not repeat and every
    /// swap of a pair a run told apart.
    pub fn render(&self, details: bool) -> String {
        let mut out = String::new();
        let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
        let _ = writeln!(out, "{} runs, {} cells in every run", self.runs, self.cells);
        if self.far_shares.iter().any(Option::is_some) {
            let shares: Vec<String> = self
                .far_shares
                .iter()
                .enumerate()
                .map(|(i, s)| match s {
                    Some(s) => format!("run {} {:.0} %", i + 1, 100.0 * s),
                    None => format!("run {} not probed", i + 1),
                })
                .collect();
            let _ = writeln!(
                out,
                "trials run with the machine's two cores far apart (a cross-core round trip over \
                 {FAR}× the run's near one): {}",
                shares.join(", ")
            );
        }
        if let (Some(median), Some(min)) = (self.median_tau(), self.taus.first()) {
            let _ = writeln!(
                out,
                "ranking agreement (Kendall tau per cell and pair of runs): median {median:.3}, \
                 minimum {min:.3}, {:.1} % of them 1.0",
                pct(
                    self.taus.iter().filter(|t| **t >= 1.0).count(),
                    self.taus.len()
                )
            );
        }
        let _ = writeln!(
            out,
            "same leader in every run: {} of {} cells ({:.1} %); every run's leader among every \
             run's leaders (ties counted): {} ({:.1} %)",
            self.same_leader,
            self.cells,
            pct(self.same_leader, self.cells),
            self.leader_within_ties,
            pct(self.leader_within_ties, self.cells)
        );
        let _ = writeln!(
            out,
            "claims: {} made by some run, {} by every run ({:.1} %), {} reversed",
            self.claims_any,
            self.claims_all,
            pct(self.claims_all, self.claims_any),
            self.reversed.len()
        );
        let _ = writeln!(
            out,
            "firm claims (each run's chance of a fresh run repeating it, {:.0} % or more): {} \
             made firm by some run, {} of them made by every run ({:.1} %)",
            100.0 * statebench_harness::stats::FIRM,
            self.firm_any,
            self.firm_repeated,
            pct(self.firm_repeated, self.firm_any)
        );
        for r in &self.reversed {
            let _ = writeln!(out, "  reversed: {r}");
        }
        if self.machines.len() >= 2 {
            let list: Vec<String> = self
                .machines
                .iter()
                .map(|(m, k)| format!("{m}: {k} run{}", if *k == 1 { "" } else { "s" }))
                .collect();
            let _ = writeln!(
                out,
                "machines: {}. Claims that travel (every run of every machine makes them): {} of \
                 {} ({:.1} %); this machine's only (every run of one machine, not of another): \
                 {}; the rest were not repeated on one machine",
                list.join("; "),
                self.held_everywhere,
                self.claims_any,
                pct(self.held_everywhere, self.claims_any),
                self.machine_only.len()
            );
        }
        let _ = writeln!(
            out,
            "swapped pairs (per cell and pair of runs): {}, of which {} are pairs one of the two \
             runs told apart ({} pairs told apart by some run); the rest are pairs the \
             statistics call tied or cannot resolve",
            self.swaps,
            self.swaps_told_apart.len(),
            self.pairs_told_apart
        );
        if details {
            for c in &self.unrepeated {
                let _ = writeln!(out, "  not repeated by every run: {c}");
            }
            for c in &self.machine_only {
                let _ = writeln!(out, "  this machine's only: {c}");
            }
            for s in &self.swaps_told_apart {
                let _ = writeln!(out, "  swapped though told apart: {s}");
            }
        }
        out
    }
}

/// Which of one run's claims the other runs given repeat, on this run's machine and on
/// others: the report's "Which claims travel" (`statebench report --beside`).
#[derive(Clone, Debug, PartialEq)]
pub struct Travel {
    /// Every machine given and how many runs of it, this run's first and counted.
    pub machines: Vec<(String, usize)>,
    /// This run's claims.
    pub claims: usize,
    /// Made by every run given, of every machine.
    pub everywhere: usize,
    /// Made by every run of this run's machine, but not by some run of another: this machine's
    /// only, each with the machines where a run did not make it.
    pub here_only: Vec<String>,
    /// Not made by some other run of this machine: the line between a claim and "cannot tell"
    /// fell differently in another run here (each with the runs' count that made it).
    pub not_repeated_here: Vec<String>,
    /// Contradicted by some run given, each with the machines where one did.
    pub reversed: Vec<String>,
    /// About a cell some run given did not measure as this one did (not at all, with other
    /// implementations, or beside other client counts): not judged.
    pub unmeasured: usize,
    /// Each other run as given: its machine, its commit and how it measured, where that
    /// differs from this run.
    pub others: Vec<String>,
    /// Other runs of this run's machine.
    pub here_runs: usize,
}

/// Judges every claim of `this` run against `others` (runs of the same matrix, of this
/// machine or others; at least one), all read as the report reads a run under `correction`,
/// in `view`.
pub fn travel(
    this: &Results,
    others: &[Results],
    correction: Correction,
    view: View,
) -> Result<Travel, String> {
    if others.is_empty() {
        return Err("which claims travel needs at least one other run".into());
    }
    let mine = read(this, correction, DEFAULT_VARIANCE, view);
    let theirs: Vec<Reading> = others
        .iter()
        .map(|r| read(r, correction, DEFAULT_VARIANCE, view))
        .collect();
    let here = machine_of(this);
    let labels: Vec<String> = others.iter().map(machine_of).collect();
    let mut travel = Travel {
        machines: tally(std::iter::once(&here).chain(&labels)),
        claims: mine.claims.len(),
        everywhere: 0,
        here_only: Vec::new(),
        not_repeated_here: Vec::new(),
        reversed: Vec::new(),
        unmeasured: 0,
        others: others
            .iter()
            .zip(&labels)
            .map(|(r, l)| described(this, r, l))
            .collect(),
        here_runs: labels.iter().filter(|l| **l == here).count(),
    };
    let others = Others {
        readings: &theirs,
        labels: &labels,
        here: &here,
    };
    for c in &mine.claims {
        travel.judge(c, &mine, &others);
    }
    Ok(travel)
}

/// Another run set beside this one, as the section names it: its machine, its commit, when it
/// ran, and how it measured against `this` run.
fn described(this: &Results, other: &Results, label: &str) -> String {
    let commit: String = other.machine.commit.chars().take(7).collect();
    // Each run of a set has a seed of its own on purpose (a claim must hold over fresh
    // shuffles and plans): a seed alone is no difference in how it measured.
    let mut settings = other.settings.clone();
    settings.seed = this.settings.seed;
    let how = match this.settings.measurement_differs(&settings) {
        Some(what) => format!("measured differently: {what}"),
        None if (other.settings.passes, other.settings.repeat)
            != (this.settings.passes, this.settings.repeat) =>
        {
            format!(
                "measured differently: {} pass(es) of {} repetitions against {} of {}",
                other.settings.passes,
                other.settings.repeat,
                this.settings.passes,
                this.settings.repeat
            )
        }
        None if other.settings.seed != this.settings.seed => {
            "measured alike, with a seed of its own".into()
        }
        None => "measured alike".into(),
    };
    format!("{label}, commit `{commit}`, {}, {how}", other.created)
}

/// The other runs a claim is judged against: what each says, and the machine each was made on.
struct Others<'a> {
    /// Each other run's reading.
    readings: &'a [Reading],
    /// Each other run's machine, in the same order.
    labels: &'a [String],
    /// This run's machine.
    here: &'a str,
}

impl Others<'_> {
    /// The machines, each once and in order, of the other runs for which `pick` holds.
    fn on(&self, pick: impl Fn(&Reading) -> bool) -> Vec<&str> {
        let set: BTreeSet<&str> = self
            .readings
            .iter()
            .zip(self.labels)
            .filter(|(t, _)| pick(t))
            .map(|(_, l)| l.as_str())
            .collect();
        set.into_iter().collect()
    }
}

impl Travel {
    /// Counts claim `c` of this run (`mine`) where it falls: about a cell some other run did
    /// not measure alike, reversed, not repeated on this machine, this machine's only, or made
    /// everywhere.
    fn judge(&mut self, c: &Statement, mine: &Reading, others: &Others<'_>) {
        // A claim is judged only where every other run measured its cells as this one did.
        if c.cells
            .iter()
            .any(|k| others.readings.iter().any(|t| !mine.measured_alike(t, k)))
        {
            self.unmeasured += 1;
            return;
        }
        let reversed_on = others.on(|t| t.makes(&c.contradicts));
        if !reversed_on.is_empty() {
            self.reversed.push(format!(
                "{} (reversed on {})",
                c.what,
                reversed_on.join(", ")
            ));
            return;
        }
        let missed_on = others.on(|t| !t.makes(&c.what));
        if missed_on.contains(&others.here) {
            let here_runs = others.labels.iter().filter(|l| **l == others.here).count();
            let made = others
                .readings
                .iter()
                .zip(others.labels)
                .filter(|(t, l)| **l == others.here && t.makes(&c.what))
                .count();
            self.not_repeated_here.push(format!(
                "{} (made by {} of this machine's {} runs)",
                c.what,
                made + 1,
                here_runs + 1
            ));
        } else if !missed_on.is_empty() {
            self.here_only
                .push(format!("{} (not made on {})", c.what, missed_on.join(", ")));
        } else {
            self.everywhere += 1;
        }
    }

    /// The report's section, as markdown.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("{n} {one}")
            } else {
                format!("{n} {many}")
            }
        };
        let several = self.machines.len() >= 2;
        let _ = writeln!(
            out,
            "This run ({}) was set beside {} (`report --beside`), each read as this report \
             reads a run:\n",
            self.machines[0].0,
            plural(self.others.len(), "other run", "other runs")
        );
        for o in &self.others {
            let _ = writeln!(out, "- {o}");
        }
        let _ = writeln!(
            out,
            "\nWhere a run was built from another commit or measured differently, a claim it does \
             not repeat may owe that, not its machine. The claims are the decision guide's about \
             the Rust rows (Go's rows are not among them). Of this run's {}:\n",
            plural(self.claims, "claim", "claims")
        );
        let verb = |n: usize| if n == 1 { "was" } else { "were" };
        let _ = writeln!(
            out,
            "- **{}** {} made by every run given{}",
            self.everywhere,
            verb(self.everywhere),
            if several {
                ", on every machine: these travel;"
            } else {
                ", all of this machine: whether they hold on another, no run given can say;"
            }
        );
        let mut group = |n: usize, words: &str, items: &[String]| {
            let _ = writeln!(out, "- {n} {} {words}", verb(n));
            for item in items {
                let _ = writeln!(out, "  - {item}");
            }
        };
        if several {
            group(
                self.here_only.len(),
                "made by every run of this machine but not by every run of another (with one \
                 run of a machine, that may be the run's noise as much as the machine's; none \
                 of these was contradicted there);",
                &self.here_only,
            );
        }
        if self.here_runs == 0 {
            group(
                0,
                "judged on this machine beside another run of it: whether they repeat on this \
                 machine, no other run of it was given to say;",
                &[],
            );
        } else {
            group(
                self.not_repeated_here.len(),
                "not made by every run of this machine: another run here put the interval on \
                 the other side of a line (a claim against \"cannot tell\");",
                &self.not_repeated_here,
            );
        }
        group(
            self.reversed.len(),
            "reversed by a run given;",
            &self.reversed,
        );
        let _ = writeln!(
            out,
            "- {} {} about a cell some run given did not measure as this one did (not at all, \
             with other implementations, or beside other client counts), and {} not judged.",
            self.unmeasured,
            verb(self.unmeasured),
            if self.unmeasured == 1 { "is" } else { "are" }
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn kendall_tau_counts_agreeing_pairs() {
        let abc = names(&["a", "b", "c"]);
        assert_eq!(kendall_tau(&abc, &abc), Some(1.0));
        assert_eq!(kendall_tau(&abc, &names(&["c", "b", "a"])), Some(-1.0));
        // One swapped pair of three: (2 - 1) / 3.
        let t = kendall_tau(&abc, &names(&["b", "a", "c"])).expect("comparable");
        assert!((t - 1.0 / 3.0).abs() < 1e-12);
        // Only shared items count.
        assert_eq!(kendall_tau(&abc, &names(&["a", "c", "z"])), Some(1.0));
        assert_eq!(kendall_tau(&abc, &names(&["z"])), None);
    }

    /// τ against SciPy's `kendalltau` for the same rankings (the harness's
    /// `tests/reference-values.json`, written by `scripts/reference-stats.sh`).
    #[test]
    fn kendall_tau_agrees_with_scipy() {
        let reference: serde_json::Value = serde_json::from_str(include_str!(
            "../../statebench-harness/tests/reference-values.json"
        ))
        .expect("reference values");
        let ranking = |v: &serde_json::Value| -> Vec<String> {
            let list = v.as_array().expect("a ranking");
            list.iter()
                .map(|x| x.as_str().expect("a name").to_owned())
                .collect()
        };
        let cases = reference["kendall_tau"].as_array().expect("kendall_tau");
        assert!(cases.len() >= 4);
        for case in cases {
            let ours = kendall_tau(&ranking(&case["a"]), &ranking(&case["b"])).expect("shared");
            let scipy = case["tau"].as_f64().expect("τ");
            assert!(
                (ours - scipy).abs() < 1e-12,
                "τ: ours {ours}, SciPy {scipy}: {case}"
            );
        }
    }

    #[test]
    fn swapped_lists_the_pairs_ordered_differently() {
        let abc = names(&["a", "b", "c"]);
        assert!(swapped(&abc, &abc).is_empty());
        assert_eq!(
            swapped(&abc, &names(&["b", "a", "c"])),
            vec![("a".to_owned(), "b".to_owned())]
        );
        assert_eq!(swapped(&abc, &names(&["c", "b", "a"])).len(), 3);
    }
}
