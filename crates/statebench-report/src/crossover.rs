//! The critical-section crossover: throughput against the work done inside each operation's
//! critical section (a workload swept with `--work`), family by family, and the cost at which
//! the best owner form *meets* the best lock and the best concurrent structure — per driver and
//! client count, with the uncertainty the sweep leaves.
//!
//! **Meets** means the statistics no longer call the owner slower: the ratio best owner / best
//! rival has its whole interval above `1 / (1 + MIN_EFFECT)` — at most [`MIN_EFFECT`] slower,
//! perhaps faster (a one-sided, non-inferiority reading; [`Standing`]).
//! The crossover is the smallest swept cost from which on it meets at every larger cost; it lies
//! between the last cost where the owner was still resolved slower and that one — the bracket
//! is the uncertainty, and the estimate inside it is where the ratio of the headline figures
//! (geometric means, what the tests compare), interpolated on a
//! log–log scale between the two, reaches `1 / (1 + MIN_EFFECT)`. "The best" of a family is
//! its fastest row at that cost (a different row may lead at another cost); each ratio is one of
//! the report's planned comparisons at its one level ([`crate::guide::Analysis`]), and one the
//! correction did not select stands nowhere.
//!
//! A sweep is a set of the run's workloads that differ in nothing but their work (and the name
//! and description the sweep gave them): `kv_write_heavy`, `kv_write_heavy_work_1us`, ….

use std::fmt::Write;

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::{MIN_EFFECT, RatioInterval};

use crate::guide::{Analysis, Judgement};
use statebench_harness::work;
use statebench_harness::workload::Workload;

use crate::questions::ratio_words;
use crate::table::{by_headline, human_ns};

/// One workload swept over critical-section costs.
#[derive(Debug)]
pub struct Sweep<'a> {
    /// The name of its cost-free member, or of the first member without its `_work_` suffix.
    pub name: String,
    /// Its members, cheapest first.
    pub points: Vec<&'a Workload>,
}

/// The run's sweeps: workloads alike but for their work, at two costs or more.
pub fn sweeps(results: &Results) -> Vec<Sweep<'_>> {
    alike(results.settings.workloads.iter(), |w| Workload {
        work_ns: 0,
        ..w.clone()
    })
    .into_iter()
    .filter_map(|mut points| {
        points.sort_by_key(|w| w.work_ns);
        points.dedup_by_key(|w| w.work_ns);
        if points.len() < 2 {
            return None;
        }
        let first = points[0];
        let name = if first.work_ns == 0 {
            first.name.clone()
        } else {
            let suffix = format!("_work_{}", work::label(first.work_ns));
            first
                .name
                .strip_suffix(&suffix)
                .unwrap_or(&first.name)
                .to_owned()
        };
        Some(Sweep { name, points })
    })
    .collect()
}

/// `workloads` grouped by what `key` leaves of them with the name and description cleared:
/// the members of a sweep differ in the swept field alone. In first-seen order.
pub fn alike<'a>(
    workloads: impl Iterator<Item = &'a Workload>,
    key: impl Fn(&Workload) -> Workload,
) -> Vec<Vec<&'a Workload>> {
    let mut groups: Vec<(Workload, Vec<&'a Workload>)> = Vec::new();
    for w in workloads {
        let k = Workload {
            name: String::new(),
            about: String::new(),
            ..key(w)
        };
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, members)) => members.push(w),
            None => groups.push((k, vec![w])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

/// The fastest row of `family` in a cell.
fn best<'a>(
    results: &'a Results,
    workload: &str,
    family: Family,
    driver: Driver,
    clients: usize,
) -> Option<&'a Record> {
    let rows: Vec<&Record> = results
        .records
        .iter()
        .filter(|r| {
            r.workload == workload
                && r.driver == driver
                && r.clients == clients
                && r.family() == Some(family)
        })
        .collect();
    by_headline(&rows).first().copied()
}

/// The best owner against the best of a rival family at one cost.
struct Point<'a> {
    cost_ns: u64,
    owner: &'a Record,
    rival: &'a Record,
}

/// The points of one (sweep, driver, clients, rival) line, cheapest first: one per cost where
/// both families ran.
struct Line<'a> {
    driver: Driver,
    clients: usize,
    rival: Family,
    points: Vec<Point<'a>>,
}

/// Where a line's owner meets its rival.
#[derive(Clone, Debug, PartialEq)]
pub enum Crossing {
    /// Not slower at the cheapest cost swept, nor at any above it.
    Already {
        /// The cheapest cost.
        at_ns: u64,
    },
    /// Meets from `above_ns` on; resolved slower at `below_ns` (if any cost below was).
    Between {
        /// The last cost where the owner was resolved slower (`None`: none was, but a cost
        /// below `above_ns` could not be told).
        below_ns: Option<u64>,
        /// The first cost from which on it meets.
        above_ns: u64,
        /// Where the ratio of the headlines reaches `1 / (1 + MIN_EFFECT)`, interpolated (log–log)
        /// between the two, when both are swept and the medians bracket it.
        estimate_ns: Option<f64>,
    },
    /// Still resolved slower at the largest cost swept.
    Beyond {
        /// The largest cost.
        largest_ns: u64,
    },
    /// The largest costs cannot be told (an interval across the margin): no crossing claimed.
    CannotTell,
}

/// Where the owner stands against its rival at one cost: a one-sided reading of the ratio's
/// interval against the margin `1 / (1 + MIN_EFFECT)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// The whole interval below the margin: slower by more than the minimum effect.
    Slower,
    /// The whole interval above the margin: at most the minimum effect slower, perhaps faster
    /// (non-inferior, as a trial would say).
    Meets,
    /// The interval across the margin, or no interval: no claim.
    Unclear,
}

/// The standing a ratio interval gives.
pub fn standing(interval: Option<RatioInterval>) -> Standing {
    let margin = 1.0 / (1.0 + MIN_EFFECT);
    match interval {
        Some(i) if i.high < margin => Standing::Slower,
        Some(i) if i.low >= margin => Standing::Meets,
        _ => Standing::Unclear,
    }
}

/// The crossing of a line of standings and median ratios at `costs` (ascending).
pub fn crossing(costs: &[u64], verdicts: &[Standing], medians: &[f64]) -> Crossing {
    let n = costs.len();
    let mut k = n;
    while k > 0 && verdicts[k - 1] == Standing::Meets {
        k -= 1;
    }
    if n == 0 || k == n {
        return if verdicts.last() == Some(&Standing::Slower) {
            Crossing::Beyond {
                largest_ns: costs[n - 1],
            }
        } else {
            Crossing::CannotTell
        };
    }
    if k == 0 {
        return Crossing::Already { at_ns: costs[0] };
    }
    let below = (0..k).rev().find(|&j| verdicts[j] == Standing::Slower);
    let target = 1.0 / (1.0 + MIN_EFFECT);
    // Between the bracket's ends, the first step where the headlines' ratio climbs past the
    // target.
    let estimate_ns = below.and_then(|j| {
        let m = (j..k).find(|&m| medians[m] < target && medians[m + 1] >= target)?;
        let (c0, c1, r0, r1) = (costs[m], costs[m + 1], medians[m], medians[m + 1]);
        if r0 <= 0.0 {
            return None;
        }
        // Log of the ratio against log of the cost; a cost of zero has no logarithm, so from
        // zero the cost is interpolated linearly.
        let t = (target.ln() - r0.ln()) / (r1.ln() - r0.ln());
        Some(if c0 == 0 {
            t * c1 as f64
        } else {
            ((c0 as f64).ln() + t * ((c1 as f64).ln() - (c0 as f64).ln())).exp()
        })
    });
    Crossing::Between {
        below_ns: below.map(|j| costs[j]),
        above_ns: costs[k],
        estimate_ns,
    }
}

/// A cost as the report writes it: `0`, `100 ns`, `10.00 µs`.
fn cost(ns: u64) -> String {
    if ns == 0 {
        "0".into()
    } else {
        human_ns(ns as f64)
    }
}

impl Crossing {
    /// The crossing in words, e.g. "between 1.00 µs and 10.00 µs (≈ 3.16 µs)".
    pub fn words(&self) -> String {
        match self {
            Crossing::Already { at_ns } => format!("already at {} (never slower)", cost(*at_ns)),
            Crossing::Between {
                below_ns: Some(b),
                above_ns,
                estimate_ns,
            } => {
                let mut s = format!("between {} and {}", cost(*b), cost(*above_ns));
                if let Some(e) = estimate_ns {
                    let _ = write!(s, " (≈ {})", human_ns(*e));
                }
                s
            }
            Crossing::Between {
                below_ns: None,
                above_ns,
                ..
            } => format!("by {} (not resolved slower below it)", cost(*above_ns)),
            Crossing::Beyond { largest_ns } => {
                format!("beyond {}: still slower there", cost(*largest_ns))
            }
            Crossing::CannotTell => "cannot tell".into(),
        }
    }
}

/// Every line of `sweep`: per driver, client count and rival family, the costs where the
/// owner family and the rival both ran.
fn lines<'a>(results: &'a Results, sweep: &Sweep<'_>) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    for driver in Driver::RUST {
        let mut counts: Vec<usize> = results
            .records
            .iter()
            .filter(|r| r.driver == driver && sweep.points.iter().any(|w| w.name == r.workload))
            .map(|r| r.clients)
            .collect();
        counts.sort_unstable();
        counts.dedup();
        for clients in counts {
            for rival in [Family::Lock, Family::Concurrent] {
                let points: Vec<Point<'a>> = sweep
                    .points
                    .iter()
                    .filter_map(|w| {
                        let owner = best(results, &w.name, Family::Owner, driver, clients)?;
                        let rival = best(results, &w.name, rival, driver, clients)?;
                        Some(Point {
                            cost_ns: w.work_ns,
                            owner,
                            rival,
                        })
                    })
                    .collect();
                if points.len() >= 2 {
                    out.push(Line {
                        driver,
                        clients,
                        rival,
                        points,
                    });
                }
            }
        }
    }
    out
}

/// The crossing of every line, with its points' intervals.
struct Judged<'a> {
    line: Line<'a>,
    intervals: Vec<Option<RatioInterval>>,
    crossing: Crossing,
}

fn judge<'a>(analysis: &Analysis<'_>, lines: Vec<Line<'a>>) -> Vec<Judged<'a>> {
    lines
        .into_iter()
        .map(|line| {
            let judgements: Vec<Judgement> = line
                .points
                .iter()
                .map(|p| analysis.judge(p.owner, p.rival))
                .collect();
            let intervals: Vec<Option<RatioInterval>> =
                judgements.iter().map(|j| j.interval).collect();
            let costs: Vec<u64> = line.points.iter().map(|p| p.cost_ns).collect();
            // A comparison the correction did not select stands nowhere.
            let verdicts: Vec<Standing> = judgements
                .iter()
                .map(|j| standing(j.interval.filter(|_| j.claims)))
                .collect();
            let medians: Vec<f64> = line
                .points
                .iter()
                .map(|p| p.owner.headline() / p.rival.headline())
                .collect();
            let crossing = crossing(&costs, &verdicts, &medians);
            Judged {
                line,
                intervals,
                crossing,
            }
        })
        .collect()
}

fn rival_name(f: Family) -> &'static str {
    match f {
        Family::Lock => "best lock",
        Family::Concurrent => "best concurrent structure",
        Family::Owner => "best owner",
        Family::OutOfProcess => "best out-of-process store",
    }
}

/// The calibration of the run's work, as a table.
fn calibration(results: &Results) -> String {
    let mut out = String::new();
    if results.settings.work.is_empty() {
        out += "The run records no calibration of its work.\n";
        return out;
    }
    let round = results
        .floors
        .work_round_ns
        .as_ref()
        .map_or("-".to_owned(), |f| format!("{:.3} ns", f.min));
    let _ = writeln!(
        out,
        "The work is a chain of dependent multiplications, {round} a round on this machine (the \
         round floor's fastest trial, core 0). Each swept cost was given its rounds from it and \
         then measured on its own in {} trials of back-to-back spends; the fastest trial — noise \
         only adds time to pure arithmetic — must land within ±{:.0} % of its target:\n",
        statebench_harness::floors::TRIALS,
        100.0 * work::TOLERANCE
    );
    let rows: Vec<Vec<String>> = results
        .settings
        .work
        .iter()
        .map(|c| {
            vec![
                cost(c.target_ns),
                c.rounds.to_string(),
                human_ns(c.measured_ns.min),
                human_ns(c.measured_ns.median),
                format!("{:+.1} %", 100.0 * c.error()),
                if c.within_tolerance() {
                    "yes".into()
                } else {
                    "**no**: its cells measure another cost".into()
                },
            ]
        })
        .collect();
    out += &crate::table::markdown_table(
        &[
            "cost",
            "rounds",
            "fastest trial",
            "median trial",
            "off by",
            "within tolerance",
        ],
        "rrrrrl",
        &rows,
    );
    out
}

/// Every sweep's lines, judged as the report's planned comparisons: the sweeps, each line
/// with the index of its sweep, and how many ratios the section prints.
fn judged_all<'a>(analysis: &Analysis<'a>) -> (Vec<Sweep<'a>>, Vec<(usize, Judged<'a>)>, usize) {
    let results = analysis.results();
    let sweeps = sweeps(results);
    let all: Vec<(usize, Line<'_>)> = sweeps
        .iter()
        .enumerate()
        .flat_map(|(i, s)| lines(results, s).into_iter().map(move |l| (i, l)))
        .collect();
    let tests: usize = all.iter().map(|(_, l)| l.points.len()).sum();
    let mut by_sweep: Vec<Vec<Line<'_>>> = (0..sweeps.len()).map(|_| Vec::new()).collect();
    for (i, l) in all {
        by_sweep[i].push(l);
    }
    let mut judged = Vec::new();
    for (i, lines) in by_sweep.into_iter().enumerate() {
        judged.extend(judge(analysis, lines).into_iter().map(|j| (i, j)));
    }
    (sweeps, judged, tests)
}

/// A point as the guide cites it: `` `kv_write_heavy_work_1us` / threads / 2: `combining`
/// 775 k vs `rwlock_std` 683 k, ×1.13 (0.95–1.35) ``.
fn cite(j: &Judged<'_>, cost_ns: u64) -> Option<String> {
    let (p, i) = j
        .line
        .points
        .iter()
        .zip(&j.intervals)
        .find(|(p, _)| p.cost_ns == cost_ns)?;
    Some(format!(
        "`{}` / {} / {}: `{}` {} vs `{}` {}, ×{}",
        p.owner.workload,
        j.line.driver.name(),
        j.line.clients,
        p.owner.implementation,
        crate::table::human_rate(p.owner.headline()),
        p.rival.implementation,
        crate::table::human_rate(p.rival.headline()),
        ratio_words(*i)
    ))
}

/// The decision guide's lines on critical-section cost: per sweep, driver and client count,
/// where the best owner meets each rival, citing the cells that bracket it (or the largest
/// cost, where it does not meet). Empty without a sweep.
pub fn guide(analysis: &Analysis<'_>) -> String {
    let (sweeps, judged, _) = judged_all(analysis);
    let mut out = String::new();
    for (i, sweep) in sweeps.iter().enumerate() {
        for (_, j) in judged.iter().filter(|(s, _)| *s == i) {
            let rival = rival_name(j.line.rival);
            let cited: Vec<String> = match &j.crossing {
                Crossing::Between {
                    below_ns, above_ns, ..
                } => below_ns
                    .iter()
                    .chain([above_ns])
                    .filter_map(|c| cite(j, *c))
                    .collect(),
                Crossing::Already { at_ns } => cite(j, *at_ns).into_iter().collect(),
                Crossing::Beyond { largest_ns } => cite(j, *largest_ns).into_iter().collect(),
                Crossing::CannotTell => j
                    .line
                    .points
                    .last()
                    .and_then(|p| cite(j, p.cost_ns))
                    .into_iter()
                    .collect(),
            };
            let claim = match &j.crossing {
                Crossing::Already { at_ns } => format!(
                    "is no more than {:.0} % slower than the {rival} already at {} of work per operation",
                    100.0 * MIN_EFFECT,
                    cost(*at_ns)
                ),
                Crossing::Between { .. } => format!(
                    "meets the {rival} {} of work per operation",
                    j.crossing.words()
                ),
                Crossing::Beyond { largest_ns } => format!(
                    "is still slower than the {rival} at {} of work per operation, the most swept",
                    cost(*largest_ns)
                ),
                Crossing::CannotTell => format!(
                    "cannot be told from the {rival} at the largest costs swept: no crossing claimed"
                ),
            };
            let _ = writeln!(
                out,
                "- On `{}` from {} with {} clients, the best owner {claim}. ({}.)",
                sweep.name,
                j.line.driver.name(),
                j.line.clients,
                cited.join("; ")
            );
        }
    }
    out
}

/// The best owner against the best lock over every sweep of the run, counted for the reference
/// text's advice on complex state: lines where it meets the lock (from some cost on), lines
/// where it is still slower at the largest cost, lines that cannot tell — and a sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct AgainstLocks {
    /// Lines (sweep × driver × clients) where the owner meets the best lock.
    pub met: usize,
    /// Lines where it is still slower at the largest cost swept.
    pub still_slower: usize,
    /// Lines that cannot tell.
    pub unclear: usize,
    /// What was measured, in a sentence.
    pub words: String,
}

/// [`AgainstLocks`] for the run, if it swept any workload's work.
pub fn against_locks(results: &Results) -> Option<AgainstLocks> {
    let analysis = Analysis::new(results);
    let (sweeps, judged, _) = judged_all(&analysis);
    let lines: Vec<&Judged<'_>> = judged
        .iter()
        .map(|(_, j)| j)
        .filter(|j| j.line.rival == Family::Lock)
        .collect();
    if sweeps.is_empty() || lines.is_empty() {
        return None;
    }
    let (mut met, mut still_slower, mut unclear) = (0, 0, 0);
    let (mut lowest, mut highest) = (u64::MAX, 0);
    let mut estimates: Vec<f64> = Vec::new();
    for j in &lines {
        match &j.crossing {
            Crossing::Already { at_ns } => {
                met += 1;
                lowest = lowest.min(*at_ns);
                highest = highest.max(*at_ns);
            }
            Crossing::Between {
                below_ns,
                above_ns,
                estimate_ns,
            } => {
                met += 1;
                lowest = lowest.min(below_ns.unwrap_or(0));
                highest = highest.max(*above_ns);
                estimates.extend(estimate_ns);
            }
            Crossing::Beyond { .. } => still_slower += 1,
            Crossing::CannotTell => unclear += 1,
        }
    }
    let names: Vec<String> = sweeps.iter().map(|s| format!("`{}`", s.name)).collect();
    let mut words = format!(
        "With work inside each critical section swept ({}; the section *Critical-section \
         cost*), the best owner meets the best lock — at most {:.0} % slower from some cost \
         on — in {met} of {} lines (driver × clients), is still slower at the largest cost \
         in {still_slower}, cannot tell in {unclear}",
        names.join(", "),
        100.0 * MIN_EFFECT,
        lines.len()
    );
    if met > 0 {
        let _ = write!(
            words,
            "; the crossings lie between {} and {}",
            cost(lowest),
            cost(highest)
        );
        estimates.sort_by(f64::total_cmp);
        if let (Some(lo), Some(hi)) = (estimates.first(), estimates.last()) {
            let _ = write!(
                words,
                ", the ratio passing 0.91 at {}–{}",
                human_ns(*lo),
                human_ns(*hi)
            );
        }
    }
    words.push('.');
    Some(AgainstLocks {
        met,
        still_slower,
        unclear,
        words,
    })
}

/// The section as markdown, and its plots (file name, SVG); empty when the run swept no
/// workload's work.
pub fn section(results: &Results) -> Result<(String, Vec<(String, String)>), String> {
    let analysis = Analysis::new(results);
    let (sweeps, judged, tests) = judged_all(&analysis);
    if sweeps.is_empty() {
        return Ok((String::new(), Vec::new()));
    }
    let mut out = intro(&analysis, tests);
    out += &calibration(results);
    let mut files = Vec::new();
    for (i, sweep) in sweeps.iter().enumerate() {
        let mine: Vec<&Judged<'_>> = judged
            .iter()
            .filter(|(s, _)| *s == i)
            .map(|(_, j)| j)
            .collect();
        let costs: Vec<String> = sweep.points.iter().map(|w| cost(w.work_ns)).collect();
        let _ = writeln!(
            out,
            "\n### `{}` swept over {}\n\n{}.\n",
            sweep.name,
            costs.join(", "),
            sweep.points[0].about.split("; ").next().unwrap_or_default(),
        );
        out += &crossings(&mine);
        out += &ratios_behind(sweep, &costs, &mine);
        out.push('\n');
        out += &plots(results, sweep, &costs, &mine, &mut files)?;
    }
    Ok((out, files))
}

/// How to read the section: what is swept, when the owner *meets* a rival, and how many
/// ratios it tests at which level.
fn intro(analysis: &Analysis<'_>, tests: usize) -> String {
    format!(
        "What an operation does while it holds the state, swept: the same workload with a \
         calibrated amount of CPU work inside every critical section — under the lock, on the \
         owner's thread, inside a concurrent map's per-entry section (papaya reruns it when it \
         loses a race; the atomic counter does it in a compare-and-swap loop). The owner *meets* \
         a rival from the cost where the ratio best owner / best rival is no more than {:.0} % \
         slower: its whole interval above {:.2}. The crossing lies between the last cost \
         resolved slower and that one; ≈ marks where the ratio of the rows' figures, \
         interpolated between them, reaches {:.2}. {tests} ratios, each one of the report's \
         planned comparisons at its level ({}); one the correction did not select stands \
         nowhere.\n\n",
        100.0 * MIN_EFFECT,
        1.0 / (1.0 + MIN_EFFECT),
        1.0 / (1.0 + MIN_EFFECT),
        crate::guide::level_words(analysis)
    )
}

/// A sweep's crossings as a table: a row per driver and client count, a column per rival.
fn crossings(mine: &[&Judged<'_>]) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for j in mine {
        let key = [j.line.driver.name().to_owned(), j.line.clients.to_string()];
        let column = if j.line.rival == Family::Lock { 2 } else { 3 };
        let row = match rows.iter_mut().find(|r| r[..2] == key) {
            Some(r) => r,
            None => {
                rows.push(vec![key[0].clone(), key[1].clone(), "·".into(), "·".into()]);
                rows.last_mut().expect("just pushed")
            }
        };
        row[column] = j.crossing.words();
    }
    let mut out = "Where the best owner meets the best lock and the best concurrent structure:\n\n"
        .to_owned();
    out += &crate::table::markdown_table(
        &[
            "driver",
            "clients",
            "owner meets the best lock",
            "owner meets the best concurrent structure",
        ],
        "lrll",
        &rows,
    );
    out
}

/// The ratios behind a sweep's crossings, cost by cost (its `costs` in words): each line's
/// interval at every cost, and which rows were the best there.
fn ratios_behind(sweep: &Sweep<'_>, costs: &[String], mine: &[&Judged<'_>]) -> String {
    let mut out = "\nThe ratios behind them — best owner / best rival (95 % family-wise \
                   interval), and which rows were the best:\n\n"
        .to_owned();
    let mut header = vec!["driver", "clients", "against"];
    header.extend(costs.iter().map(String::as_str));
    let detail: Vec<Vec<String>> = mine
        .iter()
        .map(|j| {
            let mut row = vec![
                j.line.driver.name().to_owned(),
                j.line.clients.to_string(),
                rival_name(j.line.rival).to_owned(),
            ];
            for w in &sweep.points {
                let entry = j
                    .line
                    .points
                    .iter()
                    .zip(&j.intervals)
                    .find(|(p, _)| p.cost_ns == w.work_ns)
                    .map_or("·".to_owned(), |(p, i)| {
                        format!(
                            "{} `{}`/`{}`",
                            ratio_words(*i),
                            p.owner.implementation,
                            p.rival.implementation
                        )
                    });
                row.push(entry);
            }
            row
        })
        .collect();
    let align = format!("lrl{}", "r".repeat(costs.len()));
    out += &crate::table::markdown_table(&header, &align, &detail);
    out
}

/// A plot per driver and client count of the sweep: every row's throughput against the cost.
/// The links to them, and each plot (file name, SVG) pushed onto `files`.
fn plots(
    results: &Results,
    sweep: &Sweep<'_>,
    costs: &[String],
    mine: &[&Judged<'_>],
    files: &mut Vec<(String, String)>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut cells: Vec<(Driver, usize)> = mine
        .iter()
        .map(|j| (j.line.driver, j.line.clients))
        .collect();
    cells.dedup();
    for (driver, clients) in cells {
        let names: Vec<&str> = sweep.points.iter().map(|w| w.name.as_str()).collect();
        if let Some(svg) = crate::plots::work_sweep(results, &names, costs, driver, clients)? {
            let file = format!("{}-work-{}-{clients}.svg", sweep.name, driver.name());
            let _ = writeln!(
                out,
                "![{}: throughput against critical-section work, {} driver, {clients} \
                 clients]({file})",
                sweep.name,
                driver.name()
            );
            files.push((file, svg));
        }
    }
    Ok(out)
}

/// The decision guide's subsection on the critical-section sweep — the heading, how to read
/// it, and [`guide`]'s lines — or nothing when the run swept no cost. Rendered after the guide
/// (`markdown`), so that the guide need not know this section.
pub fn guide_section(results: &Results) -> String {
    let analysis = Analysis::new(results);
    let mut out = String::new();
    let work = guide(&analysis);
    if !work.is_empty() {
        out += "\n### When each operation does work while it holds the state\n\n";
        out += "From the critical-section sweep (its section has the method, every ratio and the \
                plots): the cost from which the best owner is no more than 10 % slower than \
                the best of a rival family (the ratio's whole interval above 0.91), bracketed by \
                the last cost where it was still resolved slower, each cell cited. The best \
                owner is the fastest owner task or thread at each cost (flat combining, a lock \
                technique, counts among the locks).\n\n";
        out += &work;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Standing = Standing::Slower;
    const E: Standing = Standing::Meets;
    const F: Standing = Standing::Meets;
    const U: Standing = Standing::Unclear;

    #[test]
    fn a_point_meets_when_its_whole_interval_clears_the_margin() {
        let at = |ratio: f64, low: f64, high: f64| {
            standing(Some(RatioInterval {
                ratio,
                low,
                high,
                level: 0.95,
            }))
        };
        assert_eq!(at(1.12, 1.00, 1.26), Standing::Meets, "faster, loosely");
        assert_eq!(at(0.95, 0.92, 0.98), Standing::Meets, "within the margin");
        assert_eq!(at(0.80, 0.70, 0.90), Standing::Slower);
        assert_eq!(at(0.95, 0.85, 1.05), Standing::Unclear);
        assert_eq!(standing(None), Standing::Unclear);
    }

    #[test]
    fn the_crossing_is_bracketed_by_the_last_slower_and_the_first_cost_that_stays_met() {
        let costs = [0, 100, 1_000, 10_000, 100_000];
        let c = crossing(&costs, &[S, S, S, E, E], &[0.1, 0.2, 0.5, 0.95, 0.99]);
        let Crossing::Between {
            below_ns: Some(1_000),
            above_ns: 10_000,
            estimate_ns: Some(e),
        } = c
        else {
            panic!("{c:?}")
        };
        // log–log between (1 µs, 0.5) and (10 µs, 0.95): 0.909 is reached at about 8.5 µs.
        assert!((8_400.0..8_700.0).contains(&e), "{e}");
        assert!(
            c.words().starts_with("between 1.00 µs and 10.00 µs (≈ 8."),
            "{}",
            c.words()
        );
        // A met cost followed by a slower one does not count: it must stay met.
        assert_eq!(
            crossing(&costs, &[S, E, S, E, F], &[0.1, 0.95, 0.5, 0.95, 1.3]),
            Crossing::Between {
                below_ns: Some(1_000),
                above_ns: 10_000,
                estimate_ns: Some(
                    (1_000f64.ln()
                        + ((1.0 / 1.1f64).ln() - 0.5f64.ln()) / (0.95f64.ln() - 0.5f64.ln())
                            * (10_000f64.ln() - 1_000f64.ln()))
                    .exp()
                ),
            }
        );
        // An unclear cost below the crossing widens the bracket to the last slower one, and
        // the estimate sits on the step where the median passes 0.91: here from 1 µs (0.85)
        // to 10 µs (0.95), not from the bracket's end at 0.
        let c = crossing(&costs, &[S, U, U, E, E], &[0.1, 0.8, 0.85, 0.95, 1.0]);
        let Crossing::Between {
            below_ns: Some(0),
            above_ns: 10_000,
            estimate_ns: Some(e),
        } = c
        else {
            panic!("{c:?}")
        };
        assert!((1_000.0..10_000.0).contains(&e), "{e}");
        // The median past 0.91 already at an unclear cost: the estimate is on that step.
        let c = crossing(&costs, &[S, S, U, E, E], &[0.2, 0.4, 1.1, 1.1, 1.1]);
        let Crossing::Between {
            estimate_ns: Some(e),
            ..
        } = c
        else {
            panic!("{c:?}")
        };
        assert!((100.0..1_000.0).contains(&e), "{e}");
    }

    #[test]
    fn no_crossing_is_claimed_where_the_sweep_does_not_show_one() {
        let costs = [0, 1_000, 10_000];
        assert_eq!(
            crossing(&costs, &[S, S, S], &[0.1, 0.3, 0.6]),
            Crossing::Beyond { largest_ns: 10_000 }
        );
        assert_eq!(
            crossing(&costs, &[S, S, U], &[0.1, 0.3, 0.88]),
            Crossing::CannotTell
        );
        assert_eq!(
            crossing(&costs, &[S, E, U], &[0.1, 0.95, 0.9]),
            Crossing::CannotTell
        );
        assert_eq!(
            crossing(&costs, &[E, F, F], &[1.0, 1.2, 1.3]),
            Crossing::Already { at_ns: 0 }
        );
        assert_eq!(
            crossing(&costs, &[U, E, E], &[0.9, 1.0, 1.0]),
            Crossing::Between {
                below_ns: None,
                above_ns: 1_000,
                estimate_ns: None
            }
        );
    }
}
