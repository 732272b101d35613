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
use statebench_harness::stats::MIN_EFFECT;

use crate::guide::{Analysis, Judgement, Pooled};
use crate::questions::{
    Answer, Cell, Pair, Question, client_counts, find, ratio_words, verdict_word,
};
use crate::table::{by_headline, human_ns, human_rate, markdown_table};

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

/// What each of `answer`'s cells says of `target`.
fn targets(answer: &Answer<'_>, target: f64) -> Vec<Judged> {
    answer
        .cells
        .iter()
        .map(|c| against(&c.judgement, target))
        .collect()
}

/// Every ratio the section tests, planned before any is judged, so that the level can count
/// them all.
struct Plan<'a> {
    /// Target 1: the generic owner / the hand-written one, per cell.
    generic: Question<'a>,
    /// Target 2: the plain owner, and every other owner form of its cell / it, fastest first.
    nosleep: Option<(&'a Record, Question<'a>)>,
    /// Target 3: the fastest OS-thread form / the plain owner thread, per cell at 64 clients.
    thread: Question<'a>,
    /// Every owner form in the cell where it comes closest to the best lock (by headlines),
    /// against that lock and against the cell's best concurrent structure if it has one.
    closest: Vec<(Pair<'a>, Option<Pair<'a>>)>,
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
        let mut generic = Question::default();
        let mut thread = Question::default();
        for w in &results.settings.workloads {
            for driver in Driver::RUST {
                for c in client_counts(results, &w.name, driver) {
                    if let (Some(a), Some(b)) = (
                        find(results, &w.name, PLAIN, driver, c),
                        find(results, &w.name, HANDWRITTEN, driver, c),
                    ) {
                        generic.push(Pair::of(a, b));
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
                    thread.push(Pair::of(best, plain));
                }
            }
        }
        Plan {
            generic,
            nosleep: nosleep(results),
            thread,
            closest: closest_cells(results),
        }
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
                .map(|(_, map)| 1 + usize::from(map.is_some()))
                .sum::<usize>()
    }
}

/// Target 2's ratios: on `seed_nosleep` from tasks at its largest client count, every owner
/// form but the plain one, fastest first, against the plain one.
fn nosleep(results: &Results) -> Option<(&Record, Question<'_>)> {
    let clients = *client_counts(results, NOSLEEP, Driver::Tasks).last()?;
    let plain = find(results, NOSLEEP, PLAIN, Driver::Tasks, clients)?;
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
    let mut question = Question::default();
    for r in by_headline(&others) {
        question.push(Pair::of(r, plain));
    }
    Some((plain, question))
}

/// Every Rust owner form in the cell where it comes closest to the best lock (by headlines),
/// against that lock and against the cell's best concurrent structure if it has one.
fn closest_cells(results: &Results) -> Vec<(Pair<'_>, Option<Pair<'_>>)> {
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
    // Workloads with think time are left out: there the timer bounds every strategy alike
    // (the reference program), and every form ties with the locks for that reason alone.
    let thinks = |r: &Record| {
        results
            .settings
            .workloads
            .iter()
            .any(|w| w.name == r.workload && w.think_us > 0)
    };
    let mut out = Vec::new();
    for form in forms {
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
            let map = best_of(results, r, Family::Concurrent).map(|m| Pair::of(r, m));
            out.push((Pair::of(r, lock), map));
        }
    }
    out
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
    if plan.generic.is_empty() {
        return false;
    }
    let _ = writeln!(
        out,
        "**1. `{PLAIN}` makes at least {:.0} % of `{HANDWRITTEN}`'s throughput** (the same \
         owner task written by hand for the store): the ratio `{PLAIN}` / `{HANDWRITTEN}` per \
         cell, with its interval.\n",
        100.0 * GENERIC_SHARE
    );
    let answer = plan.generic.answer(analysis);
    *out += &answer.grid(|c| {
        format!(
            "{} {}",
            ratio_words(c.interval()),
            against(&c.judgement, GENERIC_SHARE).word()
        )
    });
    let ratios = answer
        .cells
        .iter()
        .filter(|c| c.interval().is_some())
        .count();
    let pooled = analysis.pooled(Pooled {
        a: PLAIN,
        b: HANDWRITTEN,
        driver: None,
    });
    let over_cells = match pooled {
        Some(p) if p.interval.is_some() && ratios == plan.generic.len() => format!(
            " Over all {ratios} cells, the geometric mean ratio is {} at the same confidence \
             (the cells taken as the sample): {}.",
            ratio_words(p.interval),
            against(&p, GENERIC_SHARE).word()
        ),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "\nTarget 1, cell by cell: {}.{over_cells} Both rows pay the same channels \
         ({tokio_floors}); what separates them is the generic layers alone.\n",
        tally(&targets(&answer, GENERIC_SHARE))
    );
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
    let Some((plain, others)) = &plan.nosleep else {
        return false;
    };
    let _ = writeln!(
        out,
        "**2. On `{NOSLEEP}` from tasks, the best owner form makes at least {BEST_OVER_PLAIN:.0}× \
         `{PLAIN}`'s throughput**: every owner form against `{PLAIN}` in that cell.\n"
    );
    let answer = others.answer(analysis);
    let mut rows = vec![vec![
        format!("`{PLAIN}`"),
        human_rate(plain.headline()),
        "1".into(),
        String::new(),
    ]];
    for c in &answer.cells {
        rows.push(vec![
            format!("`{}`", c.pair.a.implementation),
            human_rate(c.pair.a.headline()),
            ratio_words(c.interval()),
            against(&c.judgement, BEST_OVER_PLAIN).word().into(),
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
    match answer.cells.first() {
        Some(best) => {
            let _ = writeln!(
                out,
                "\nTarget 2 (`{NOSLEEP}` / tasks / {} clients): the best owner form is `{}`, {} \
                 `{PLAIN}`'s throughput: {}. For scale: {}× `{PLAIN}` would be {} ops/s, {} an \
                 operation for the whole machine, while {tokio_floors}.\n",
                plain.clients,
                best.pair.a.implementation,
                ratio_words(best.interval()).replacen(' ', "× ", 1),
                against(&best.judgement, BEST_OVER_PLAIN).word(),
                BEST_OVER_PLAIN,
                human_rate(BEST_OVER_PLAIN * plain.headline()),
                human_ns(1e9 / (BEST_OVER_PLAIN * plain.headline())),
            );
        }
        None => *out += "\nNo other owner form ran in that cell.\n\n",
    }
    true
}

/// Target 3: the best owner on an OS thread of its own at 64 clients.
/// Writes it into `out`; false, with `out` as it was, when this run cannot judge it.
fn target_thread(c: &Context<'_>, out: &mut String) -> bool {
    let Context {
        analysis,
        plan,
        wake_floors,
        ..
    } = c;
    if plan.thread.is_empty() {
        return false;
    }
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
    let answer = plan.thread.answer(analysis);
    let rows: Vec<Vec<String>> = answer
        .cells
        .iter()
        .map(|c| {
            let (best, plain) = (c.pair.a, c.pair.b);
            vec![
                c.pair.label(),
                human_rate(plain.headline()),
                format!("`{}`", best.implementation),
                human_rate(best.headline()),
                ratio_words(c.interval()),
                against(&c.judgement, THREAD_OVER_PLAIN).word().into(),
            ]
        })
        .collect();
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
    let _ = writeln!(
        out,
        "\nTarget 3: {}. What bounds an owner thread is the wake: {wake_floors}.{}\n",
        tally(&targets(&answer, THREAD_OVER_PLAIN)),
        thread_bound(c)
    );
    true
}

/// What bounds target 3 from threads: the calls a second the cores can complete when each
/// parks its caller, against what the target asks of these rows. Empty without the wake floor
/// or a threads row.
fn thread_bound(c: &Context<'_>) -> String {
    let Context {
        results, plan, f, ..
    } = c;
    // A blocking caller that parks on every call needs a switch out and a switch back in:
    // the same-core wake round trip is those two switches, so it bounds what the cores can
    // complete of such calls, whatever owner serves them.
    let ceiling = f.wake_same_core_ns.as_ref().map(|w| {
        let cores = results.machine.cores.max(1) as f64;
        cores * 1e9 / w.median
    });
    let wanted: Vec<f64> = plan
        .thread
        .pairs
        .iter()
        .filter(|p| p.driver == Driver::Threads)
        .map(|p| THREAD_OVER_PLAIN * p.b.headline())
        .collect();
    match (ceiling, wanted.iter().copied().reduce(f64::min)) {
        (Some(ceiling), Some(least)) => format!(
            " From threads, a caller that parks on every call costs two context switches, the \
             same-core wake round trip: {} cores complete at most {} such calls a second, \
             against the {}–{} ops/s that {THREAD_OVER_PLAIN:.0}× `{THREAD}` would be in these \
             rows.",
            results.machine.cores,
            human_rate(ceiling),
            human_rate(least),
            human_rate(wanted.iter().copied().fold(least, f64::max)),
        ),
        _ => String::new(),
    }
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
    if spin_cells.is_empty() {
        return false;
    }
    let _ = writeln!(
        out,
        "**4. From one OS thread, `{SPIN}`'s round trip is at most {}**: the median latency of \
         a call (p50) in each repetition, its median and range over the repetitions, beside \
         `{THREAD}`'s. *Met* when every repetition's p50 is within the target, *missed* when \
         none is.\n",
        human_ns(SPIN_ROUND_TRIP_NS)
    );
    let judged: Vec<Judged> = spin_cells.iter().map(|r| spin_judged(r)).collect();
    let rows: Vec<Vec<String>> = spin_cells
        .iter()
        .zip(&judged)
        .map(|(r, j)| {
            let plain = find(results, &r.workload, THREAD, Driver::Threads, 1)
                .map_or("·".into(), |p| human_ns(p.summary.p50_ns.median));
            vec![
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
            ]
        })
        .collect();
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
    true
}

/// What the spinning owner's repetitions say of target 4: met when every repetition's median
/// round trip is within it, missed when none is.
fn spin_judged(r: &Record) -> Judged {
    let p50s: Vec<f64> = r
        .repetitions
        .iter()
        .filter_map(|rep| rep.latency.get("all").map(|s| s.p50_ns as f64))
        .collect();
    let within = p50s.iter().filter(|x| **x <= SPIN_ROUND_TRIP_NS).count();
    if p50s.is_empty() {
        Judged::NoInterval
    } else if within == p50s.len() {
        Judged::Met
    } else if within == 0 {
        Judged::Missed
    } else {
        Judged::CannotTell
    }
}

/// Each owner form where it comes closest to the best lock, against that lock and the cell's
/// best concurrent structure.
fn closest(c: &Context<'_>, out: &mut String) {
    let Context { analysis, plan, .. } = c;
    if plan.closest.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "**Each owner form at its best.** The cell where each owner form comes closest to the \
         best lock (by their headline figures, picked after the fact from every cell, each pair \
         of which the report's correction counts; workloads with think time left out, since \
         their timer bounds every strategy alike), against that lock and the cell's best \
         concurrent structure: the owner form is *faster* or *slower* when the whole interval \
         lies beyond ±{:.0} %, *the same* when it lies within, else this run *cannot tell*. \
         {}\n",
        100.0 * MIN_EFFECT,
        crate::guide::mark_legend()
    );
    let rows: Vec<Vec<String>> = plan
        .closest
        .iter()
        .map(|&(lock, map)| {
            vec![
                format!("`{}`", lock.a.implementation),
                lock.place(),
                human_rate(lock.a.headline()),
                versus(analysis, Some(lock)),
                versus(analysis, map),
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

/// An owner form against a rival in its closest cell: the rival, its throughput, the ratio and
/// the verdict; `·` without a rival.
fn versus(analysis: &Analysis<'_>, pair: Option<Pair<'_>>) -> String {
    let Some(pair) = pair else {
        return "·".into();
    };
    let c = Cell::judged(analysis, pair);
    format!(
        "`{}` {}: {} {}{}",
        pair.b.implementation,
        human_rate(pair.b.headline()),
        ratio_words(c.interval()),
        verdict_word(c.verdict()),
        c.mark()
    )
}
