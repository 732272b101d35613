//! Do two runs of the same command tell the same story? Given the results of several runs,
//! this measures how much of what a reader would take from one run every other run repeats:
//!
//! * **ranking agreement** — for every cell (workload, driver, clients) and every pair of runs,
//!   Kendall's τ between the two orders of the implementations by median throughput (1: the
//!   same order; 0: unrelated; −1: reversed);
//! * **leader agreement** — the share of cells whose median leader is the same in every run,
//!   and the share where each run's leader is among every run's *leaders* (the leader and those
//!   the statistics cannot tell from it: the summary's "=" group);
//! * **claims** — what the report claims, as statements ([`crate::guide::Analysis::statements`]):
//!   how many every run makes, and how many one run's statements another contradicts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use statebench_harness::Driver;
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::Correction;

use crate::guide::{Analysis, Statement};

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

/// What one run says: each cell's ranking and leaders, and its claims.
struct Reading {
    rankings: BTreeMap<CellKey, Vec<String>>,
    leaders: BTreeMap<CellKey, Vec<String>>,
    claims: BTreeSet<Statement>,
}

fn read(results: &Results, correction: Correction) -> Reading {
    let analysis = Analysis::with(results, correction);
    let mut cells: BTreeMap<CellKey, Vec<&Record>> = BTreeMap::new();
    for r in &results.records {
        cells.entry(key(r)).or_default().push(r);
    }
    let mut rankings = BTreeMap::new();
    let mut leaders = BTreeMap::new();
    for (k, mut cell) in cells {
        cell.sort_by(|a, b| {
            b.summary
                .ops_per_sec
                .median
                .total_cmp(&a.summary.ops_per_sec.median)
        });
        rankings.insert(
            k.clone(),
            cell.iter().map(|r| r.implementation.clone()).collect(),
        );
        // Only the summary's cells have their ties planned; elsewhere the leader stands alone.
        let tied = analysis.leaders(&cell);
        leaders.insert(k, tied.iter().map(|r| r.implementation.clone()).collect());
    }
    let claims = analysis.statements().into_iter().collect();
    Reading {
        rankings,
        leaders,
        claims,
    }
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
    /// Cells whose median leader is the same in every run.
    pub same_leader: usize,
    /// Cells where every run's leader is among every run's leaders (ties counted).
    pub leader_within_ties: usize,
    /// Claims made by at least one run.
    pub claims_any: usize,
    /// Claims made by every run.
    pub claims_all: usize,
    /// Claims one run makes and another reverses.
    pub reversed: Vec<String>,
}

impl Agreement {
    /// Compares `runs` (at least two), their claims made under `correction`.
    pub fn of(runs: &[Results], correction: Correction) -> Result<Agreement, String> {
        if runs.len() < 2 {
            return Err("agreement needs the results of at least two runs".into());
        }
        let readings: Vec<Reading> = runs.iter().map(|r| read(r, correction)).collect();
        let common: Vec<&CellKey> = readings[0]
            .rankings
            .keys()
            .filter(|k| readings.iter().all(|r| r.rankings.contains_key(*k)))
            .collect();
        if common.is_empty() {
            return Err("the runs share no cell: they did not run the same matrix".into());
        }
        let mut taus = Vec::new();
        let (mut same_leader, mut within) = (0, 0);
        for k in &common {
            for i in 0..readings.len() {
                for j in i + 1..readings.len() {
                    if let Some(t) =
                        kendall_tau(&readings[i].rankings[*k], &readings[j].rankings[*k])
                    {
                        taus.push(t);
                    }
                }
            }
            let firsts: Vec<&String> = readings.iter().map(|r| &r.rankings[*k][0]).collect();
            if firsts.iter().all(|f| *f == firsts[0]) {
                same_leader += 1;
            }
            if firsts
                .iter()
                .all(|f| readings.iter().all(|r| r.leaders[*k].contains(f)))
            {
                within += 1;
            }
        }
        taus.sort_by(f64::total_cmp);
        let any: BTreeSet<&Statement> = readings.iter().flat_map(|r| &r.claims).collect();
        let all = any
            .iter()
            .filter(|c| readings.iter().all(|r| r.claims.contains(**c)))
            .count();
        let said: BTreeSet<&str> = any.iter().map(|s| s.what.as_str()).collect();
        let reversed = any
            .iter()
            .filter(|s| said.contains(s.contradicts.as_str()) && s.what < s.contradicts)
            .map(|s| format!("{} — and, in another run, {}", s.what, s.contradicts))
            .collect();
        Ok(Agreement {
            runs: runs.len(),
            taus,
            cells: common.len(),
            same_leader,
            leader_within_ties: within,
            claims_any: any.len(),
            claims_all: all,
            reversed,
        })
    }

    /// The median τ (`None` without a comparable cell).
    pub fn median_tau(&self) -> Option<f64> {
        self.taus.get(self.taus.len() / 2).copied()
    }

    /// A plain-text summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
        let _ = writeln!(out, "{} runs, {} cells in every run", self.runs, self.cells);
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
        for r in &self.reversed {
            let _ = writeln!(out, "  reversed: {r}");
        }
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
}
