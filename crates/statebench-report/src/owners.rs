//! The owner's best shot: how far each owner form goes against the plain one, judged against
//! four targets set before the forms were built, each with its interval or its spread.
//!
//! 1. The generic owner (`owner_tokio`) makes at least 90 % of the throughput of the same owner
//!    written by hand (`owner_handwritten`), cell by cell.
//! 2. On `seed_nosleep` from tasks, at its largest client count, the best owner form makes at
//!    least twice the plain `owner_tokio`'s throughput.
//! 3. At 64 clients, the best owner running on an OS thread of its own makes at least three
//!    times the plain `owner_thread`'s throughput.
//! 4. From one OS thread, the spinning owner's round trip (the median latency of a call) is at
//!    most 2 µs.
//!
//! Then each owner form in the cell where it comes closest to the best lock, against that lock
//! and the cell's best concurrent structure: where the owner idea does best here.
//!
//! The targets name the strategies they are about, so this module names them too. Each ratio
//! is one of the report's planned comparisons, judged at its one level
//! ([`crate::guide::Analysis`]); one the correction did not select tells nothing. A target is
//! *met* when the
//! whole interval lies on its side, *missed* when the whole interval lies on the other, and
//! otherwise this run *cannot tell*. Where a target is missed, the floors that bound it are
//! printed beside it, from the same run.

use std::fmt::Write;

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::floors::Floor;
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::{MIN_EFFECT, RatioInterval, Verdict};

use crate::guide::{Analysis, Judgement, Pooled};
use crate::questions::{client_counts, find, grid, ratio_words};
use crate::table::markdown_table;
use crate::table::{by_headline, human_ns, human_rate};

pub use crate::roles::{HANDWRITTEN, PLAIN, SPIN, THREAD, THREAD_FORMS};
/// The workload of target 2: the reference program without its sleep.
pub const NOSLEEP: &str = "seed_nosleep";

/// Target 1: the generic owner's share of the hand-written one's throughput.
pub const GENERIC_SHARE: f64 = 0.90;
/// Target 2: the best owner form over the plain `owner_tokio`, from tasks.
pub const BEST_OVER_PLAIN: f64 = 2.0;
/// Target 3: the best OS-thread owner over the plain `owner_thread` at 64 clients.
pub const THREAD_OVER_PLAIN: f64 = 3.0;
/// Target 4: the spinning owner's median round trip from one thread, in nanoseconds.
pub const SPIN_ROUND_TRIP_NS: f64 = 2_000.0;

/// What one ratio says of its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judged {
    /// The whole interval is at or beyond the target.
    Met,
    /// The whole interval falls short of it.
    Missed,
    /// The interval straddles the target.
    CannotTell,
    /// Fewer than two repetitions on a side: no interval.
    NoInterval,
}

impl Judged {
    fn word(self) -> &'static str {
        match self {
            Judged::Met => "**met**",
            Judged::Missed => "**missed**",
            Judged::CannotTell => "cannot tell",
            Judged::NoInterval => "no interval",
        }
    }
}

/// `a / b` against `target`, as the report judges it.
fn judge(
    analysis: &Analysis<'_>,
    a: &Record,
    b: &Record,
    target: f64,
) -> (Option<RatioInterval>, Judged) {
    let j = analysis.judge(a, b);
    (j.interval, against(&j, target))
}

/// What judgement `j` says of `target`: met when its interval is wholly at or past it, missed
/// when wholly short; nothing when the correction did not select it.
fn against(j: &Judgement, target: f64) -> Judged {
    let Some(i) = j.interval else {
        return Judged::NoInterval;
    };
    if !j.claims {
        Judged::CannotTell
    } else if i.low >= target {
        Judged::Met
    } else if i.high < target {
        Judged::Missed
    } else {
        Judged::CannotTell
    }
}

/// Every ratio the section tests, planned before any is judged, so that the level can count
/// them all.
struct Plan<'a> {
    /// Target 1: (workload, driver, clients, generic, hand-written).
    generic: Vec<(&'a str, Driver, usize, &'a Record, &'a Record)>,
    /// Target 2: the plain owner and every other owner form of its cell, fastest first.
    nosleep: Option<(&'a Record, Vec<&'a Record>)>,
    /// Target 3: (workload, driver, plain owner thread, the fastest OS-thread form).
    thread: Vec<(&'a str, Driver, &'a Record, &'a Record)>,
    /// Every owner form in the cell where it comes closest to the best lock (by headlines), with
    /// that lock and the cell's best concurrent structure if it has one.
    closest: Vec<(&'a Record, &'a Record, Option<&'a Record>)>,
}

/// The fastest record of `family` in the cell of `r`.
fn best_of<'a>(results: &'a Results, r: &Record, family: Family) -> Option<&'a Record> {
    let cell: Vec<&Record> = results
        .records
        .iter()
        .filter(|x| {
            x.workload == r.workload
                && x.driver == r.driver
                && x.clients == r.clients
                && x.family() == Some(family)
        })
        .collect();
    by_headline(&cell).first().copied()
}

impl<'a> Plan<'a> {
    fn of(results: &'a Results) -> Plan<'a> {
        let mut plan = Plan {
            generic: Vec::new(),
            nosleep: None,
            thread: Vec::new(),
            closest: Vec::new(),
        };
        for w in &results.settings.workloads {
            for driver in Driver::ALL {
                for c in client_counts(results, &w.name, driver) {
                    if let (Some(a), Some(b)) = (
                        find(results, &w.name, PLAIN, driver, c),
                        find(results, &w.name, HANDWRITTEN, driver, c),
                    ) {
                        plan.generic.push((&w.name, driver, c, a, b));
                    }
                }
                let forms: Vec<&Record> = THREAD_FORMS
                    .iter()
                    .filter_map(|name| find(results, &w.name, name, driver, 64))
                    .collect();
                if let (Some(plain), Some(best)) = (
                    find(results, &w.name, THREAD, driver, 64),
                    by_headline(&forms).first(),
                ) {
                    plan.thread.push((&w.name, driver, plain, best));
                }
            }
        }
        if let Some(&clients) = client_counts(results, NOSLEEP, Driver::Tasks).last() {
            if let Some(plain) = find(results, NOSLEEP, PLAIN, Driver::Tasks, clients) {
                let others: Vec<&Record> = results
                    .records
                    .iter()
                    .filter(|r| {
                        r.workload == NOSLEEP
                            && r.driver == Driver::Tasks
                            && r.clients == clients
                            && r.family() == Some(Family::Owner)
                            && r.implementation != PLAIN
                    })
                    .collect();
                plan.nosleep = Some((plain, by_headline(&others)));
            }
        }
        let mut forms: Vec<&str> = Vec::new();
        // Rust's owner forms: Go's stateful goroutine has its own section (`reference`).
        for r in results
            .records
            .iter()
            .filter(|r| r.driver != Driver::Goroutines)
        {
            if r.family() == Some(Family::Owner) && !forms.contains(&r.implementation.as_str()) {
                forms.push(&r.implementation);
            }
        }
        for form in forms {
            // Workloads with think time are left out: there the timer bounds every strategy
            // alike (the reference program), and every form ties with the locks for that
            // reason alone.
            let thinks = |r: &Record| {
                results
                    .settings
                    .workloads
                    .iter()
                    .any(|w| w.name == r.workload && w.think_us > 0)
            };
            let closest = results
                .records
                .iter()
                .filter(|r| r.implementation == form && !thinks(r))
                .filter_map(|r| best_of(results, r, Family::Lock).map(|lock| (r, lock)))
                .filter(|(r, lock)| r.headline() > 0.0 && lock.headline() > 0.0)
                .max_by(|(a, la), (b, lb)| {
                    let share = |r: &Record, l: &Record| r.headline() / l.headline();
                    share(a, la).total_cmp(&share(b, lb))
                });
            if let Some((r, lock)) = closest {
                plan.closest
                    .push((r, lock, best_of(results, r, Family::Concurrent)));
            }
        }
        plan
    }

    fn tests(&self) -> usize {
        // Target 1's cells, and their pooled ratio when there are two or more.
        let pooled = usize::from(self.generic.len() >= 2);
        self.generic.len()
            + pooled
            + self.nosleep.as_ref().map_or(0, |(_, o)| o.len())
            + self.thread.len()
            + self
                .closest
                .iter()
                .map(|(_, _, map)| 1 + usize::from(map.is_some()))
                .sum::<usize>()
    }
}

/// A floor's median at the start and at the end of the run, e.g. `52.40 µs (end 48.10 µs)`.
fn floor_words(start: Option<&Floor>, end: Option<&Floor>) -> String {
    match (start, end) {
        (Some(s), Some(e)) => format!("{} (end of run {})", human_ns(s.median), human_ns(e.median)),
        (Some(s), None) => human_ns(s.median),
        _ => "not measured".into(),
    }
}

/// The tally of a list of judgements: `met in 3 of 8, missed in 2, cannot tell in 3`.
fn tally(judged: &[Judged]) -> String {
    let count = |j: Judged| judged.iter().filter(|x| **x == j).count();
    let mut out = format!(
        "met in {} of {}, missed in {}, cannot tell in {}",
        count(Judged::Met),
        judged.len(),
        count(Judged::Missed),
        count(Judged::CannotTell)
    );
    if count(Judged::NoInterval) > 0 {
        let _ = write!(out, ", no interval in {}", count(Judged::NoInterval));
    }
    out
}

/// The section as markdown (empty when the run has none of the owners it is about).
pub fn section(results: &Results) -> String {
    let plan = Plan::of(results);
    let spin_cells: Vec<&Record> = results
        .records
        .iter()
        .filter(|r| r.implementation == SPIN && r.driver == Driver::Threads && r.clients == 1)
        .collect();
    if plan.tests() == 0 && spin_cells.is_empty() {
        return String::new();
    }
    let analysis = Analysis::new(results);
    let (f, e) = (&results.floors, results.floors_end.as_ref());
    let mut out = format!(
        "Four targets, set before the owner forms were built, judged where this run has their rows. Each \
         ratio's interval is the decision guide's: one of the report's planned comparisons, \
         at its level ({}). A target is *met* when the whole interval lies on its side, \
         *missed* when the whole interval falls short, and otherwise this run *cannot tell* — \
         as for every comparison the correction did not select.\n\n",
        crate::guide::level_words(&analysis)
    );
    let tokio_floors = format!(
        "a tokio `mpsc` + `oneshot` round trip takes {} on one worker and {} on two",
        floor_words(
            Some(&f.tokio_same_worker_ns),
            e.map(|e| &e.tokio_same_worker_ns)
        ),
        floor_words(
            Some(&f.tokio_two_workers_ns),
            e.map(|e| &e.tokio_two_workers_ns)
        ),
    );
    let wake_floors = format!(
        "a thread wake round trip between the cores takes {} when the other core is idle and \
         {} when it is busy, {} on one core",
        floor_words(
            f.wake_cross_core_idle_ns.as_ref(),
            e.and_then(|e| e.wake_cross_core_idle_ns.as_ref())
        ),
        floor_words(
            f.wake_cross_core_busy_ns.as_ref(),
            e.and_then(|e| e.wake_cross_core_busy_ns.as_ref())
        ),
        floor_words(
            f.wake_same_core_ns.as_ref(),
            e.and_then(|e| e.wake_same_core_ns.as_ref())
        ),
    );

    let c = Context {
        results,
        analysis,
        plan,
        tokio_floors,
        wake_floors,
        f,
        e,
        spin_cells,
    };
    // Targets this run cannot judge leave no heading behind: one line names them after.
    let mut skipped: Vec<u8> = Vec::new();
    let targets: [fn(&Context<'_>, &mut String) -> bool; 4] =
        [target_generic, target_nosleep, target_thread, target_spin];
    for (n, target) in (1u8..).zip(targets) {
        if !target(&c, &mut out) {
            skipped.push(n);
        }
    }
    out += &crate::table::not_judged("Target", "Targets", &skipped);

    closest(&c, &mut out);
    out
}

/// What every part of the section reads: the run, its analysis and plan, the floors in words.
struct Context<'a> {
    results: &'a Results,
    analysis: Analysis<'a>,
    plan: Plan<'a>,
    tokio_floors: String,
    wake_floors: String,
    f: &'a statebench_harness::floors::Floors,
    e: Option<&'a statebench_harness::floors::Floors>,
    spin_cells: Vec<&'a Record>,
}

/// Target 1: the generic owner task against the same task written by hand.
/// Writes it into `out`; false, with `out` as it was, when this run cannot judge it.
fn target_generic(c: &Context<'_>, out: &mut String) -> bool {
    let Context {
        analysis,
        plan,
        tokio_floors,
        ..
    } = c;
    let heading_at = out.len();
    let _ = writeln!(
        out,
        "**1. `{PLAIN}` makes at least {:.0} % of `{HANDWRITTEN}`'s throughput** (the same \
         owner task written by hand for the store): the ratio `{PLAIN}` / `{HANDWRITTEN}` per \
         cell, with its interval.\n",
        100.0 * GENERIC_SHARE
    );
    if plan.generic.is_empty() {
        out.truncate(heading_at);
        return false;
    } else {
        let mut judged = Vec::new();
        let mut ratios = Vec::new();
        let mut entries = Vec::new();
        for &(workload, driver, c, a, b) in &plan.generic {
            let (i, j) = judge(analysis, a, b, GENERIC_SHARE);
            judged.push(j);
            ratios.extend(i.map(|i| i.ratio));
            entries.push((
                format!("`{workload}` / {}", driver.name()),
                c,
                format!("{} {}", ratio_words(i), j.word()),
            ));
        }
        *out += &grid(&entries);
        let pooled = analysis.pooled(Pooled {
            a: PLAIN,
            b: HANDWRITTEN,
            driver: None,
        });
        let over_cells = match pooled {
            Some(p) if p.interval.is_some() && ratios.len() == plan.generic.len() => {
                format!(
                    " Over all {} cells, the geometric mean ratio is {} at the same confidence \
                     (the cells taken as the sample): {}.",
                    ratios.len(),
                    ratio_words(p.interval),
                    against(&p, GENERIC_SHARE).word()
                )
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "\nTarget 1, cell by cell: {}.{over_cells} Both rows pay the same channels \
             ({tokio_floors}); what separates them is the generic layers alone.\n",
            tally(&judged)
        );
    }

    true
}

/// Target 2: the best owner form from tasks on the reference program without its sleep.
/// Writes it into `out`; false, with `out` as it was, when this run cannot judge it.
fn target_nosleep(c: &Context<'_>, out: &mut String) -> bool {
    let Context {
        analysis,
        plan,
        tokio_floors,
        ..
    } = c;
    let heading_at = out.len();
    let _ = writeln!(
        out,
        "**2. On `{NOSLEEP}` from tasks, the best owner form makes at least {BEST_OVER_PLAIN:.0}× \
         `{PLAIN}`'s throughput**: every owner form against `{PLAIN}` in that cell.\n"
    );
    match &plan.nosleep {
        None => {
            out.truncate(heading_at);
            return false;
        }
        Some((plain, others)) => {
            let mut rows = vec![vec![
                format!("`{PLAIN}`"),
                human_rate(plain.headline()),
                "1".into(),
                String::new(),
            ]];
            let mut best = None;
            for r in others {
                let (i, j) = judge(analysis, r, plain, BEST_OVER_PLAIN);
                best.get_or_insert((r, i, j));
                rows.push(vec![
                    format!("`{}`", r.implementation),
                    human_rate(r.headline()),
                    ratio_words(i),
                    j.word().into(),
                ]);
            }
            *out += &markdown_table(
                &[
                    "owner form",
                    "ops/s",
                    &format!("over `{PLAIN}`"),
                    &format!("≥ {BEST_OVER_PLAIN:.0}×"),
                ],
                "lrrl",
                &rows,
            );
            match best {
                Some((r, i, j)) => {
                    let _ = writeln!(
                        out,
                        "\nTarget 2 (`{NOSLEEP}` / tasks / {} clients): the best owner form \
                         is `{}`, {} `{PLAIN}`'s throughput: {}. For scale: {}× `{PLAIN}` \
                         would be {} ops/s, {} an operation for the whole machine, while {tokio_floors}.\n",
                        plain.clients,
                        r.implementation,
                        ratio_words(i).replacen(' ', "× ", 1),
                        j.word(),
                        BEST_OVER_PLAIN,
                        human_rate(BEST_OVER_PLAIN * plain.headline()),
                        human_ns(1e9 / (BEST_OVER_PLAIN * plain.headline())),
                    );
                }
                None => *out += "\nNo other owner form ran in that cell.\n\n",
            }
        }
    }

    true
}

/// Target 3: the best owner on an OS thread of its own at 64 clients.
/// Writes it into `out`; false, with `out` as it was, when this run cannot judge it.
fn target_thread(c: &Context<'_>, out: &mut String) -> bool {
    let Context {
        results,
        analysis,
        plan,
        wake_floors,
        f,
        ..
    } = c;
    let heading_at = out.len();
    let _ = writeln!(
        out,
        "**3. At 64 clients, the best owner on an OS thread of its own makes at least \
         {THREAD_OVER_PLAIN:.0}× `{THREAD}`'s throughput**: the fastest of {}, against \
         `{THREAD}`.\n",
        THREAD_FORMS
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" and ")
    );
    if plan.thread.is_empty() {
        out.truncate(heading_at);
        return false;
    } else {
        let mut rows = Vec::new();
        let mut judged = Vec::new();
        for &(workload, driver, plain, best) in &plan.thread {
            let (i, j) = judge(analysis, best, plain, THREAD_OVER_PLAIN);
            judged.push(j);
            rows.push(vec![
                format!("`{workload}` / {}", driver.name()),
                human_rate(plain.headline()),
                format!("`{}`", best.implementation),
                human_rate(best.headline()),
                ratio_words(i),
                j.word().into(),
            ]);
        }
        *out += &markdown_table(
            &[
                "workload / driver",
                &format!("`{THREAD}`"),
                "best OS-thread owner",
                "ops/s",
                "ratio",
                &format!("≥ {THREAD_OVER_PLAIN:.0}×"),
            ],
            "lrlrrl",
            &rows,
        );
        // A blocking caller that parks on every call needs a switch out and a switch back in:
        // the same-core wake round trip is those two switches, so it bounds what the cores can
        // complete of such calls, whatever owner serves them.
        let ceiling = f.wake_same_core_ns.as_ref().map(|w| {
            let cores = results.machine.cores.max(1) as f64;
            cores * 1e9 / w.median
        });
        let wanted: Vec<f64> = plan
            .thread
            .iter()
            .filter(|t| t.1 == Driver::Threads)
            .map(|t| THREAD_OVER_PLAIN * t.2.headline())
            .collect();
        let bound = match (ceiling, wanted.iter().copied().reduce(f64::min)) {
            (Some(ceiling), Some(least)) => format!(
                " From threads, a caller that parks on every call costs two context switches, \
                 the same-core wake round trip: {} cores complete at most {} such calls a second, \
                 against the {}–{} ops/s that {THREAD_OVER_PLAIN:.0}× `{THREAD}` would be in \
                 these rows.",
                results.machine.cores,
                human_rate(ceiling),
                human_rate(least),
                human_rate(wanted.iter().copied().fold(least, f64::max)),
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "\nTarget 3: {}. What bounds an owner thread is the wake: {wake_floors}.{bound}\n",
            tally(&judged)
        );
    }

    true
}

/// Target 4: the spinning owner's round trip from one OS thread.
/// Writes it into `out`; false, with `out` as it was, when this run cannot judge it.
fn target_spin(c: &Context<'_>, out: &mut String) -> bool {
    let Context {
        results,
        wake_floors,
        f,
        e,
        spin_cells,
        ..
    } = c;
    let heading_at = out.len();
    let _ = writeln!(
        out,
        "**4. From one OS thread, `{SPIN}`'s round trip is at most {}**: the median latency of \
         a call (p50) in each repetition, its median and range over the repetitions, beside \
         `{THREAD}`'s. *Met* when every repetition's p50 is within the target, *missed* when \
         none is.\n",
        human_ns(SPIN_ROUND_TRIP_NS)
    );
    if spin_cells.is_empty() {
        out.truncate(heading_at);
        return false;
    } else {
        let mut rows = Vec::new();
        let mut judged = Vec::new();
        for r in spin_cells.iter() {
            let p50s: Vec<f64> = r
                .repetitions
                .iter()
                .filter_map(|rep| rep.latency.get("all").map(|s| s.p50_ns as f64))
                .collect();
            let within = p50s.iter().filter(|x| **x <= SPIN_ROUND_TRIP_NS).count();
            let j = if p50s.is_empty() {
                Judged::NoInterval
            } else if within == p50s.len() {
                Judged::Met
            } else if within == 0 {
                Judged::Missed
            } else {
                Judged::CannotTell
            };
            judged.push(j);
            let plain = find(results, &r.workload, THREAD, Driver::Threads, 1)
                .map_or("·".into(), |p| human_ns(p.summary.p50_ns.median));
            rows.push(vec![
                format!("`{}`", r.workload),
                human_ns(r.summary.p50_ns.median),
                format!(
                    "{} – {}",
                    human_ns(r.summary.p50_ns.min),
                    human_ns(r.summary.p50_ns.max)
                ),
                human_ns(r.summary.cpu_ns_per_op.median),
                plain,
                j.word().into(),
            ]);
        }
        *out += &markdown_table(
            &[
                "workload",
                "p50",
                "range",
                "CPU/op",
                &format!("`{THREAD}` p50"),
                &format!("≤ {}", human_ns(SPIN_ROUND_TRIP_NS)),
            ],
            "lrrrrl",
            &rows,
        );
        let _ = writeln!(
            out,
            "\nTarget 4: {}. Spinning trades the wake ({wake_floors}) for a cache line's round \
             trip between the cores ({}) and a core kept busy: its CPU/op counts both threads.\n",
            tally(&judged),
            floor_words(
                f.cache_line_round_trip_ns.as_ref(),
                e.and_then(|e| e.cache_line_round_trip_ns.as_ref())
            )
        );
    }

    true
}

/// Each owner form where it comes closest to the best lock, against that lock and the cell's
/// best concurrent structure.
fn closest(c: &Context<'_>, out: &mut String) {
    let Context { analysis, plan, .. } = c;
    if !plan.closest.is_empty() {
        let _ = writeln!(
            out,
            "**Each owner form at its best.** The cell where each owner form comes closest to \
             the best lock (by their headline figures, picked after the fact from every cell, each pair of which the report's correction counts; \
             workloads with think time left out, since their timer bounds every strategy alike), \
             against that lock and the cell's best concurrent structure: the owner form is *faster* \
             or *slower* when the whole interval lies beyond ±{:.0} %, *the same* when it lies \
             within, else this run *cannot tell*. {}\n",
            100.0 * MIN_EFFECT,
            crate::guide::mark_legend()
        );
        let versus = |r: &Record, other: Option<&Record>| -> String {
            let Some(other) = other else {
                return "·".into();
            };
            let j = analysis.judge(r, other);
            let i = j.interval;
            let word = match (i, j.verdict()) {
                (None, _) => "no interval",
                (_, Verdict::Faster) => "**faster**",
                (_, Verdict::Slower) => "**slower**",
                (_, Verdict::Same) => "**the same**",
                (_, Verdict::Unresolved) => "cannot tell",
            };
            format!(
                "`{}` {}: {} {word}{}",
                other.implementation,
                human_rate(other.headline()),
                ratio_words(i),
                crate::guide::mark(&j)
            )
        };
        let rows: Vec<Vec<String>> = plan
            .closest
            .iter()
            .map(|&(r, lock, map)| {
                vec![
                    format!("`{}`", r.implementation),
                    format!("`{}` / {} / {}", r.workload, r.driver.name(), r.clients),
                    human_rate(r.headline()),
                    versus(r, Some(lock)),
                    versus(r, map),
                ]
            })
            .collect();
        *out += &markdown_table(
            &[
                "owner form",
                "its closest cell",
                "ops/s",
                "against the best lock",
                "against the best concurrent structure",
            ],
            "llrll",
            &rows,
        );
        out.push('\n');
    }
}
