//! The rows readers would pick instead: four questions the library rows of `--all` answer, each
//! answered cell by cell with an interval, and only as far as the intervals go.
//!
//! 1. **The best concurrent map** (`dashmap`, `papaya`, `scc`, and `moka` for the cache): per
//!    cell, the leader against the runner-up.
//! 2. **The price of an actor framework**: `owner_ractor` against the plain owner task
//!    `owner_tokio`, per cell and as a geometric mean over the cells.
//! 3. **An async lock from tasks**: the faster of tokio's `Mutex` and `RwLock` against the
//!    fastest blocking lock (`mutex_std`, `rwlock_std`, `mutex_parking_lot`), in every tasks cell.
//! 4. **What striping buys a plain lock**: `striped` (N `parking_lot` mutexes by key) against
//!    one `mutex_parking_lot`.
//!
//! As in every section, each ratio is one of the report's planned comparisons, its interval
//! Welch's on log throughput at the report's one level ([`crate::guide::Analysis`]). A row is
//! *faster* or *slower* when its
//! whole interval lies beyond ±10 % ([`MIN_EFFECT`]), *the same* when it lies within, and
//! otherwise this run *cannot tell*.

use std::fmt::Write;

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::{MIN_EFFECT, Verdict};

use crate::guide::{Analysis, Judgement, Pooled};

use crate::owners::{client_counts, find, grid, ratio_words};
use crate::roles::PLAIN;
use crate::table::by_headline;

pub(crate) use crate::guide::{mark, mark_legend};
pub(crate) use crate::table::not_judged;

pub use crate::roles::{ACTOR, ASYNC_LOCKS, MAPS, STRIPED, SYNC_LOCKS};

/// One planned ratio `a / b` and the cell it belongs to (that of `a`; `b` may be another
/// driver's).
pub(crate) struct Pair<'a> {
    pub(crate) workload: &'a str,
    pub(crate) driver: Driver,
    pub(crate) clients: usize,
    pub(crate) a: &'a Record,
    pub(crate) b: &'a Record,
}

/// The fastest of `names` in the cell.
pub(crate) fn fastest<'a>(
    results: &'a Results,
    names: &[&str],
    workload: &str,
    driver: Driver,
    clients: usize,
) -> Option<&'a Record> {
    let rows: Vec<&Record> = names
        .iter()
        .filter_map(|n| find(results, workload, n, driver, clients))
        .collect();
    by_headline(&rows).first().copied()
}

/// Every cell of the run, workload by workload.
fn cells(results: &Results) -> Vec<(&str, Driver, usize)> {
    let mut out = Vec::new();
    for w in &results.settings.workloads {
        for driver in Driver::ALL {
            for c in client_counts(results, &w.name, driver) {
                out.push((w.name.as_str(), driver, c));
            }
        }
    }
    out
}

/// The section's ratios, planned before any is tested.
struct Plan<'a> {
    /// Question 1: per cell, the leading map and the runner-up.
    maps: Vec<Pair<'a>>,
    /// Question 2: `owner_ractor` and `owner_tokio`.
    actor: Vec<Pair<'a>>,
    /// Question 3: the faster async lock and the fastest blocking lock, from tasks.
    locks: Vec<Pair<'a>>,
    /// Question 4: `striped` and `mutex_parking_lot`.
    striped: Vec<Pair<'a>>,
}

impl<'a> Plan<'a> {
    fn of(results: &'a Results) -> Plan<'a> {
        let mut plan = Plan {
            maps: Vec::new(),
            actor: Vec::new(),
            locks: Vec::new(),
            striped: Vec::new(),
        };
        for (workload, driver, clients) in cells(results) {
            let pair = |a, b| Pair {
                workload,
                driver,
                clients,
                a,
                b,
            };
            let maps: Vec<&Record> = MAPS
                .iter()
                .filter_map(|n| find(results, workload, n, driver, clients))
                .filter(|r| r.family() == Some(Family::Concurrent))
                .collect();
            if let [leader, runner_up, ..] = by_headline(&maps)[..] {
                plan.maps.push(pair(leader, runner_up));
            }
            let one = |name| find(results, workload, name, driver, clients);
            if let (Some(a), Some(b)) = (one(ACTOR), one(PLAIN)) {
                plan.actor.push(pair(a, b));
            }
            if driver == Driver::Tasks {
                if let (Some(a), Some(b)) = (
                    fastest(results, &ASYNC_LOCKS, workload, driver, clients),
                    fastest(results, &SYNC_LOCKS, workload, driver, clients),
                ) {
                    plan.locks.push(pair(a, b));
                }
            }
            if let (Some(a), Some(b)) = (one(STRIPED.0), one(STRIPED.1)) {
                plan.striped.push(pair(a, b));
            }
        }
        plan
    }

    /// The actor's cells called by `driver`'s clients.
    fn actor_from(&self, driver: Driver) -> Vec<&Pair<'a>> {
        self.actor.iter().filter(|p| p.driver == driver).collect()
    }

    /// Every ratio, and the actor's pooled one per driver with two cells or more.
    fn tests(&self) -> usize {
        let pooled = Driver::ALL
            .into_iter()
            .filter(|d| self.actor_from(*d).len() >= 2)
            .count();
        self.maps.len() + self.actor.len() + pooled + self.locks.len() + self.striped.len()
    }
}

/// `a / b` as the report judges it.
pub(crate) fn judged(analysis: &Analysis<'_>, p: &Pair<'_>) -> Judgement {
    analysis.judge(p.a, p.b)
}

/// A judgement's verdict, `None` without an interval.
pub(crate) fn verdict_of(j: &Judgement) -> Option<Verdict> {
    j.interval.map(|_| j.verdict())
}

fn verdict_word(j: &Judgement) -> &'static str {
    match verdict_of(j) {
        Some(Verdict::Faster) => "**faster**",
        Some(Verdict::Slower) => "**slower**",
        Some(Verdict::Same) => "**the same**",
        Some(Verdict::Unresolved) => "cannot tell",
        None => "no interval",
    }
}

/// `faster in 3 of 12 cells, slower in 5, the same in 2, cannot tell in 2`, and how many of
/// these claims lie near their line.
fn tally(verdicts: &[Option<Verdict>], near_line: usize) -> String {
    let count = |v: Option<Verdict>| verdicts.iter().filter(|x| **x == v).count();
    let mut out = format!(
        "faster in {} of {} cells, slower in {}, the same in {}, cannot tell in {}",
        count(Some(Verdict::Faster)),
        verdicts.len(),
        count(Some(Verdict::Slower)),
        count(Some(Verdict::Same)),
        count(Some(Verdict::Unresolved)),
    );
    if count(None) > 0 {
        let _ = write!(out, ", no interval in {}", count(None));
    }
    if near_line > 0 {
        let _ = write!(out, " ({near_line} of these claims near their line, ‡)");
    }
    out
}

/// The cells where the verdict is `v`, e.g. `` `kv_read_heavy` / tasks / 64 ``.
fn where_verdict(pairs: &[Pair<'_>], verdicts: &[Option<Verdict>], v: Verdict) -> Vec<String> {
    pairs
        .iter()
        .zip(verdicts)
        .filter(|(_, x)| **x == Some(v))
        .map(|(p, _)| format!("`{}` / {} / {}", p.workload, p.driver.name(), p.clients))
        .collect()
}

/// A ratio question: its grid of cells, the tally, and the cells of each verdict. `a_is` names
/// the row measured (`a`) in the sentence: "`owner_ractor` is faster …".
fn ratio_question(out: &mut String, analysis: &Analysis<'_>, pairs: &[Pair<'_>], a_is: &str) {
    let mut verdicts = Vec::new();
    let mut near_line = 0;
    let entries: Vec<(String, usize, String)> = pairs
        .iter()
        .map(|p| {
            let j = judged(analysis, p);
            verdicts.push(verdict_of(&j));
            near_line += usize::from(j.near_line());
            (
                format!("`{}` / {}", p.workload, p.driver.name()),
                p.clients,
                format!(
                    "{} {}{}",
                    ratio_words(j.interval),
                    verdict_word(&j),
                    mark(&j)
                ),
            )
        })
        .collect();
    *out += &grid(&entries);
    let _ = write!(out, "\n{a_is}: {}.", tally(&verdicts, near_line));
    for (v, word) in [(Verdict::Faster, "faster"), (Verdict::Slower, "slower")] {
        let cells = where_verdict(pairs, &verdicts, v);
        if !cells.is_empty() && cells.len() <= 12 {
            let _ = write!(out, " {} in {}.", capitalised(word), cells.join(", "));
        }
    }
    out.push('\n');
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The section as markdown (empty when the run has none of the rows it is about).
pub fn section(results: &Results) -> String {
    let plan = Plan::of(results);
    if plan.tests() == 0 {
        return String::new();
    }
    let analysis = Analysis::new(results);
    let mut out = format!(
        "Four questions a reader choosing a library asks, answered by the rows of `--all`. Each \
         ratio's interval is one of the report's planned comparisons, at its level ({}). A row \
         is *faster* or *slower* when its whole interval lies beyond ±{:.0} %, *the same* when \
         it lies within, and otherwise this run *cannot tell* — as for every comparison the \
         correction did not select. {}\n\n",
        crate::guide::level_words(&analysis),
        100.0 * MIN_EFFECT,
        mark_legend()
    );

    // Questions this run cannot answer leave no heading behind: one line names them after.
    let mut skipped: Vec<u8> = Vec::new();
    // 1. The best concurrent map.
    let heading_at = out.len();
    out += "**1. Which concurrent map?** Per cell, the fastest map against the \
            runner-up (`dashmap`, `papaya`, `scc`; `moka` too for the cache).\n\n";
    if plan.maps.is_empty() {
        out.truncate(heading_at);
        skipped.push(1);
    } else {
        let mut leads: Vec<(&str, usize)> = Vec::new();
        let mut ties = 0;
        let mut unresolved = 0;
        let mut near_line = 0;
        let entries: Vec<(String, usize, String)> = plan
            .maps
            .iter()
            .map(|p| {
                let j = judged(&analysis, p);
                let i = j.interval;
                near_line += usize::from(j.near_line());
                let text = match verdict_of(&j) {
                    Some(Verdict::Faster) => {
                        match leads.iter_mut().find(|(n, _)| *n == p.a.implementation) {
                            Some((_, k)) => *k += 1,
                            None => leads.push((&p.a.implementation, 1)),
                        }
                        format!(
                            "**`{}`** over `{}` {}",
                            p.a.implementation,
                            p.b.implementation,
                            ratio_words(i)
                        )
                    }
                    Some(Verdict::Same) => {
                        ties += 1;
                        format!(
                            "`{}` = `{}` {}",
                            p.a.implementation,
                            p.b.implementation,
                            ratio_words(i)
                        )
                    }
                    _ => {
                        unresolved += 1;
                        format!(
                            "`{}` ? `{}` {}",
                            p.a.implementation,
                            p.b.implementation,
                            ratio_words(i)
                        )
                    }
                };
                (
                    format!("`{}` / {}", p.workload, p.driver.name()),
                    p.clients,
                    text + mark(&j),
                )
            })
            .collect();
        out += &grid(&entries);
        leads.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let led = if leads.is_empty() {
            "no map leads its runner-up beyond 10 % in any cell".to_owned()
        } else {
            leads
                .iter()
                .map(|(n, k)| format!("`{n}` leads in {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let near = if near_line > 0 {
            format!(" ({near_line} of these claims near their line, ‡)")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "\n**bold** leads its runner-up beyond 10 %; `=` the same within 10 %; `?` this run \
             cannot tell. Of {} cells: {led}; the leader and the runner-up are the same in \
             {ties}; cannot tell in {unresolved}{near}.\n",
            plan.maps.len()
        );
    }

    // 2. The actor framework's price.
    let heading_at = out.len();
    let _ = writeln!(
        out,
        "**2. What does an actor framework cost over a plain owner task?** `{ACTOR}` (ractor's \
         `call`) / `{PLAIN}` (an `mpsc` mailbox and a `oneshot` reply), per cell.\n"
    );
    if plan.actor.is_empty() {
        out.truncate(heading_at);
        skipped.push(2);
    } else {
        ratio_question(&mut out, &analysis, &plan.actor, &format!("`{ACTOR}`"));
        for driver in Driver::ALL {
            let cells = plan.actor_from(driver);
            let pooled = analysis.pooled(Pooled {
                a: ACTOR,
                b: PLAIN,
                driver: Some(driver),
            });
            if let Some(j) = pooled.filter(|j| j.interval.is_some() && cells.len() >= 2) {
                let _ = writeln!(
                    out,
                    "\nFrom {}, over their {} cells: the geometric mean ratio is {} at the same \
                     confidence (the cells taken as the sample): {}{}.",
                    driver.name(),
                    cells.len(),
                    ratio_words(j.interval),
                    verdict_word(&j).trim_matches('*'),
                    mark(&j)
                );
            }
        }
        out.push('\n');
    }

    // 3. Async locks from tasks.
    let heading_at = out.len();
    out += "**3. Is an async lock ever the right lock from tasks?** In every tasks cell, the \
            faster of `mutex_tokio` and `rwlock_tokio` / the fastest of `mutex_std`, \
            `rwlock_std` and `mutex_parking_lot`. No operation holds a lock across an `.await` \
            here — the case an async lock exists for — so this is what it costs when it is not \
            needed.\n\n";
    if plan.locks.is_empty() {
        out.truncate(heading_at);
        skipped.push(3);
    } else {
        ratio_question(&mut out, &analysis, &plan.locks, "The async lock");
        out.push('\n');
    }

    // 4. Striping.
    let heading_at = out.len();
    let _ = writeln!(
        out,
        "**4. What does striping buy a plain lock?** `{}` (N `parking_lot` mutexes, an entry's by \
         its key's hash) / `{}` (one around the whole state), per cell.\n",
        STRIPED.0, STRIPED.1
    );
    if plan.striped.is_empty() {
        out.truncate(heading_at);
        skipped.push(4);
    } else {
        ratio_question(
            &mut out,
            &analysis,
            &plan.striped,
            &format!("`{}`", STRIPED.0),
        );
        out.push('\n');
    }
    out += &not_judged("Question", "Questions", &skipped);
    out
}
