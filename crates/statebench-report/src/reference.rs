//! Go beside Rust, and the reference text's comparison put to the test.
//!
//! statebench answers a Go idiom: the stateful goroutine that owns a map and serves it over
//! channels, offered as an alternative to `sync.Mutex`, with a comparison table (message
//! passing against shared memory, "lock-free", complexity, performance "good" against "better
//! for simple ops", composability) and advice on when to pick which. This section takes both
//! where a run can:
//!
//! * **Go's programs beside Rust's**: Go's own stateful goroutine and `sync.Mutex` (the rows of
//!   the goroutines driver, `scripts/go/`), against Rust's plain owner task and `std` mutex in
//!   the same cells.
//! * **The table, row by row**: each claim answered with ratios of this run where one measures
//!   it — the lock against the plain owner on the simple services (the int map, the counter)
//!   and on the richer ones (sessions, cache), in Go and in Rust; what the owners' channels
//!   do and cost in CPU per operation — and said plainly where a run cannot tell (complexity,
//!   composability).
//!
//! As in the other sections each ratio is one of the report's planned comparisons — Go's rows
//! against their Rust counterparts included ([`crate::guide::ACROSS_DRIVERS`]) — Welch's
//! interval on log throughput at the report's one level, *faster* or *slower* only when the
//! whole interval lies beyond ±10 % ([`MIN_EFFECT`]), *the same* when it lies within.

use std::fmt::Write;

use statebench_harness::Driver;
use statebench_harness::results::Results;
use statebench_harness::stats::{MIN_EFFECT, Verdict};

use crate::guide::{Analysis, mark_legend};
use crate::questions::{Cell, Pair, Question, fastest, find, ratio_words};
use crate::roles::{PLAIN, SYNC_LOCKS};
use crate::table::{human_ns, markdown_table};

pub use crate::questions::Tally;
pub use crate::roles::{GO_MUTEX, GO_OWNER, PLAIN_OWNERS};
/// The reference program as written (1 ms sleep after every operation).
pub const AS_WRITTEN: &str = "seed";
/// Services whose state is simple: one map of numbers, one number.
pub const SIMPLE: [&str; 2] = ["kv", "counter"];
/// Services whose state and access are richer: records with expiry, touches and a cleanup.
pub const RICHER: [&str; 2] = ["sessions", "cache"];

/// Every ratio of the section, planned before any is tested.
#[derive(Default)]
struct Plan<'a> {
    /// `go_goroutine` / `owner_tokio` from tasks: Go's owner against Rust's owner task.
    go_owner: Question<'a>,
    /// `go_mutex` / `mutex_std` from threads.
    go_mutex: Question<'a>,
    /// `go_mutex` / `go_goroutine`, Go's own answer, on the simple services.
    go_simple: Question<'a>,
    /// The fastest blocking lock / the faster plain owner, per Rust cell of a simple service
    /// (the reference program as written left out: its sleep bounds every row).
    rust_simple: Question<'a>,
    /// The same on the richer services.
    rust_richer: Question<'a>,
    /// The same two ratios on the reference program as written, Go and Rust.
    as_written: Question<'a>,
}

impl<'a> Plan<'a> {
    fn of(results: &'a Results) -> Plan<'a> {
        let mut plan = Plan::default();
        for w in &results.settings.workloads {
            let workload = w.name.as_str();
            let mut counts: Vec<usize> = results
                .records
                .iter()
                .filter(|r| r.workload == workload)
                .map(|r| r.clients)
                .collect();
            counts.sort_unstable();
            counts.dedup();
            let simple = SIMPLE.contains(&w.service.as_str());
            let richer = RICHER.contains(&w.service.as_str());
            for clients in counts {
                let one = |name, driver| find(results, workload, name, driver, clients);
                let go_owner = one(GO_OWNER, Driver::Goroutines);
                if let (Some(a), Some(b)) = (go_owner, one(PLAIN, Driver::Tasks)) {
                    plan.go_owner.push(Pair::of(a, b));
                }
                if let (Some(a), Some(b)) = (
                    one(GO_MUTEX, Driver::Goroutines),
                    one("mutex_std", Driver::Threads),
                ) {
                    plan.go_mutex.push(Pair::of(a, b));
                }
                if let (Some(a), Some(b)) = (one(GO_MUTEX, Driver::Goroutines), go_owner) {
                    let p = Pair::of(a, b);
                    if workload == AS_WRITTEN {
                        plan.as_written.push(p);
                    } else if simple {
                        plan.go_simple.push(p);
                    }
                }
                for driver in Driver::RUST {
                    let (Some(a), Some(b)) = (
                        fastest(results, &SYNC_LOCKS, workload, driver, clients),
                        fastest(results, &PLAIN_OWNERS, workload, driver, clients),
                    ) else {
                        continue;
                    };
                    let p = Pair::of(a, b);
                    if workload == AS_WRITTEN {
                        plan.as_written.push(p);
                    } else if simple {
                        plan.rust_simple.push(p);
                    } else if richer {
                        plan.rust_richer.push(p);
                    }
                }
            }
        }
        plan
    }

    fn tests(&self) -> usize {
        self.go_owner.len()
            + self.go_mutex.len()
            + self.go_simple.len()
            + self.rust_simple.len()
            + self.rust_richer.len()
            + self.as_written.len()
    }
}

/// The reference text's verdicts on a tally of lock / owner cells. (The tally itself is the
/// one every section counts its cells with, in the report's `questions` module.)
impl Tally {
    /// The verdict on a claim that `a` is better than `b`: it agrees where `a` is faster, and
    /// disagrees where `a` is slower or the same; only as far as the cells that can tell
    /// are as many as those that cannot.
    pub fn verdict_on_better(&self) -> &'static str {
        verdict(self.faster, self.slower + self.same, self.open()).0
    }

    /// The verdict on advice to pick the owner (`b`) over the lock (`a`) on speed: it agrees
    /// where the owner is as fast or faster, and disagrees where the lock is faster.
    pub fn verdict_on_owner_not_worse(&self) -> &'static str {
        verdict(self.slower + self.same, self.faster, self.open()).1
    }
}

/// `the lock faster in 9 of 12 cells, slower in 0, the same in 1, cannot tell in 2`, and how
/// many of these claims lie near their line: `t` after `subject`, the cells without an interval
/// among those that cannot tell.
fn words(t: &Tally, subject: &str) -> String {
    format!("{subject} {}", t.folded().words())
}

/// With `pro` cells for a claim, `con` against it and `open` that cannot tell: it *agrees* (or
/// *disagrees*) when every cell that can tell says so and they are at least as many as those
/// that cannot; *partly* when cells say both; otherwise the run cannot tell. In plain words and
/// "on speed".
fn verdict(pro: usize, con: usize, open: usize) -> (&'static str, &'static str) {
    match (pro, con) {
        (0, 0) => ("cannot tell", "cannot tell"),
        (_, 0) | (0, _) if pro + con < open => {
            ("cannot tell in most cells", "cannot tell in most cells")
        }
        (_, 0) if open == 0 => ("**agrees**", "**agrees** on speed"),
        (_, 0) => (
            "**agrees** where the run can tell",
            "**agrees** on speed where the run can tell",
        ),
        (0, _) => (
            "**disagrees**",
            "**disagrees** on speed: the lock is faster there too",
        ),
        _ => (
            "**partly**: it depends on the cell",
            "**partly**: it depends on the cell",
        ),
    }
}

/// The median over `pairs` of `b`'s CPU time per operation over `a`'s, with the range: what
/// the owner (`b`) spends per operation for each unit the lock (`a`) spends.
fn cpu_ratio(pairs: &[&Pair<'_>]) -> Option<(f64, f64, f64)> {
    let mut ratios: Vec<f64> = pairs
        .iter()
        .map(|p| p.b.summary.cpu_ns_per_op.median / p.a.summary.cpu_ns_per_op.median)
        .filter(|r| r.is_finite() && *r > 0.0)
        .collect();
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    Some((
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1],
    ))
}

/// A cell of the section's grids: the ratio, **faster**, **slower** or **same** (`?` where
/// this run cannot tell), and the mark of a claim near its line.
fn cell_words(c: &Cell<'_>) -> String {
    let word = match c.verdict() {
        Some(Verdict::Faster) => " **faster**",
        Some(Verdict::Slower) => " **slower**",
        Some(Verdict::Same) => " **same**",
        _ => " ?",
    };
    format!("{}{word}{}", ratio_words(c.interval()), c.mark())
}

/// How to read the section's ratios: the level they are judged at, and the verdicts' words.
fn intro(analysis: &Analysis<'_>) -> String {
    format!(
        "Each ratio's interval is one of the report's planned comparisons, at its level ({}); \
         **faster** or **slower** beyond ±{:.0} %, **same** within, `?` cannot tell (as for \
         every comparison the correction did not select).\n\n",
        crate::guide::level_words(analysis),
        100.0 * MIN_EFFECT
    )
}

/// The section as markdown (empty when the run has neither Go rows nor a lock and a plain
/// owner in one cell).
pub fn section(results: &Results) -> String {
    let plan = Plan::of(results);
    if plan.tests() == 0 {
        return String::new();
    }
    let analysis = Analysis::new(results);
    let mut out = intro(&analysis);
    go_beside_rust(results, &analysis, &plan, &mut out);
    out += "### The reference text's table, measured\n\n";
    let rows = vec![
        performance(&analysis, &plan),
        as_written(&analysis, &plan),
        lock_free(&plan),
        vec![
            "Complexity: higher / lower; composability: excellent / good".to_owned(),
            "Properties of code, not of a run: no figure here measures them.".to_owned(),
            "cannot tell".to_owned(),
        ],
        complex_state(results, &analysis, &plan),
        simple_state(&analysis, &plan),
    ];
    out += &markdown_table(
        &["the reference text says", "this run measured", "verdict"],
        "lll",
        &rows,
    );
    out += &cells_behind(&analysis, &plan);
    out
}

/// `t` as `who`'s lock against its owner, or that `who` is not in this run.
fn lock_vs_owner(t: &Tally, who: &str) -> String {
    if t.cells() == 0 {
        format!("{who}: not in this run")
    } else {
        words(t, &format!("{who}: the lock"))
    }
}

/// The table's row on performance: the lock against the plain owner on the simple services,
/// in Go and in Rust.
fn performance(analysis: &Analysis<'_>, plan: &Plan<'_>) -> Vec<String> {
    let go_simple = plan.go_simple.answer(analysis).tally;
    let rust_simple = plan.rust_simple.answer(analysis).tally;
    vec![
        "Performance: stateful goroutines *good*, mutexes *better for simple ops*".to_owned(),
        format!(
            "Lock / plain owner on the int map and the counter. {}. {}.",
            lock_vs_owner(&go_simple, "Go (`go_mutex` / `go_goroutine`)"),
            lock_vs_owner(
                &rust_simple,
                "Rust (fastest of the std and parking_lot locks / faster of `owner_tokio` \
                 and `owner_thread`, per driver)"
            )
        ),
        go_simple.and(rust_simple).verdict_on_better().to_owned(),
    ]
}

/// The table's row on the reference program as written, whose sleep sets the pace.
fn as_written(analysis: &Analysis<'_>, plan: &Plan<'_>) -> Vec<String> {
    let written = plan.as_written.answer(analysis).tally;
    vec![
        "The same, in the reference program as written (1 ms sleep after every operation)"
            .to_owned(),
        if written.cells() == 0 {
            "Not in this run.".to_owned()
        } else {
            format!(
                "Lock / plain owner on `{AS_WRITTEN}`, Go and Rust: {}. The sleep, not the \
                 strategy, sets the pace there.",
                words(&written, "the lock")
            )
        },
        written.verdict_on_better().to_owned(),
    ]
}

/// The table's row on "lock-free": where the owner's lock went, and what its messages cost in
/// CPU time per operation against the fastest lock of its cell.
fn lock_free(plan: &Plan<'_>) -> Vec<String> {
    let owner_cpu: Vec<&Pair<'_>> = plan
        .go_simple
        .pairs
        .iter()
        .chain(&plan.rust_simple.pairs)
        .chain(&plan.rust_richer.pairs)
        .collect();
    let cpu = cpu_ratio(&owner_cpu).map_or("no cell has both".to_owned(), |(median, low, high)| {
        format!(
            "the plain owner spends a median {median:.1}× the CPU time per operation of the \
                 fastest lock in its cell ({low:.1}–{high:.1}× over {} cells)",
            owner_cpu.len()
        )
    });
    vec![
        "Lock-free: stateful goroutines *yes*, mutexes *no*".to_owned(),
        format!(
            "No lock guards the owner's state, but its channels are no lock-free structure: \
             every Go channel send and receive takes the channel's own lock \
             (`runtime/chan.go`), a `select` locks every channel it waits on, and every client \
             waits for the one owner, so an owner that stalls stalls them all. What the \
             messages cost shows in CPU time: {cpu}."
        ),
        "**disagrees**: the lock moved into the channels and the owner".to_owned(),
    ]
}

/// The table's row on the advice for complex state: the critical-section sweep where the run
/// has one (the direct test), the richer services besides.
fn complex_state(results: &Results, analysis: &Analysis<'_>, plan: &Plan<'_>) -> Vec<String> {
    let says = "Advice: stateful goroutines *when state access patterns are complex*".to_owned();
    let rust_richer = plan.rust_richer.answer(analysis).tally;
    let richer = if rust_richer.cells() == 0 {
        "No sessions or cache cell with a lock and a plain owner.".to_owned()
    } else {
        format!(
            "On the richer services (sessions with touches and expiry, the cache with TTLs and \
             a periodic cleanup), lock / plain owner: {}.",
            words(&rust_richer, "the lock")
        )
    };
    // The sweep is the direct test; without one, the richer services are all there is.
    match crate::crossover::against_locks(results) {
        Some(s) => vec![
            says,
            format!("{} {richer}", s.words),
            format!(
                "{} (the sweep)",
                verdict(s.met, s.still_slower, s.unclear).0
            ),
        ],
        None => vec![
            says,
            if rust_richer.cells() == 0 {
                "Not in this run (no sessions or cache cell with a lock and a plain owner, no \
                 critical-section sweep)."
                    .to_owned()
            } else {
                format!(
                    "{richer} A longer critical section is the direct test (`--work`), and not \
                     in this run."
                )
            },
            rust_richer.verdict_on_owner_not_worse().to_owned(),
        ],
    }
}

/// The table's row on the advice for simple state: the lock against the owner on the counter
/// alone, Go and Rust.
fn simple_state(analysis: &Analysis<'_>, plan: &Plan<'_>) -> Vec<String> {
    let go = plan.go_simple.answer(analysis);
    let rust = plan.rust_simple.answer(analysis);
    let counter = Tally::of(
        go.cells
            .iter()
            .chain(&rust.cells)
            .filter(|c| c.pair.a.service == "counter"),
    );
    vec![
        "Advice: mutexes *when state is simple (e.g. a counter)* and *when performance is \
         critical*"
            .to_owned(),
        if counter.cells() == 0 {
            "Not in this run.".to_owned()
        } else {
            format!(
                "On the counter alone, Go and Rust: {}; every simple cell: see the first row.",
                words(&counter, "the lock")
            )
        },
        counter.verdict_on_better().to_owned(),
    ]
}

/// After the table: how to read its verdicts, and the cells behind them, ratio by ratio.
fn cells_behind(analysis: &Analysis<'_>, plan: &Plan<'_>) -> String {
    let mut out = format!(
        "\n*Agrees* where every cell that can tell says so, *disagrees* where none does, \
         *partly* where the cells differ. {} The cells, ratio by ratio:\n\n",
        mark_legend()
    );
    for (question, what) in [
        (&plan.go_simple, "Go, `go_mutex` / `go_goroutine`:"),
        (
            &plan.rust_simple,
            "Rust, the fastest lock / the faster plain owner, simple services:",
        ),
        (
            &plan.rust_richer,
            "Rust, the fastest lock / the faster plain owner, richer services:",
        ),
        (
            &plan.as_written,
            "The reference program as written, the lock / the owner:",
        ),
    ] {
        if question.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{what}\n");
        out += &question.answer(analysis).grid(cell_words);
        out.push('\n');
    }
    out
}

/// How Go's rows were run — its version, GOMAXPROCS, its sleep floor — or why the run has none.
fn go_runs(results: &Results) -> String {
    let go_rows = results
        .records
        .iter()
        .any(|r| r.driver == Driver::Goroutines);
    match (&results.machine.go, go_rows) {
        (Some(go), true) => {
            let sleep = results
                .floors
                .go_sleep_1ms_ns
                .as_ref()
                .map_or("Go's sleep floor was not measured".to_owned(), |f| {
                    format!("A 1 ms `time.Sleep` took {} here", human_ns(f.median))
                });
            format!(
                "The goroutines rows are Go's own programs (`scripts/go/`, {}, GOMAXPROCS {}), \
                 run by the same runner as the Rust rows: the same workloads, client counts, \
                 warm-up, window, repetitions and latency sampling, each checking its replies \
                 and final state. {sleep} (the machine section has every floor).\n\n",
                go.version, go.gomaxprocs
            )
        }
        _ => "Not in this run: it has no Go rows (Go was not available — \
              `scripts/install-go.sh` installs it — or the selection left them out).\n\n"
            .to_owned(),
    }
}

/// "Go's programs beside Rust's": how Go's rows were run, and Go's owner and mutex against
/// their Rust counterparts, cell by cell.
fn go_beside_rust(results: &Results, analysis: &Analysis<'_>, plan: &Plan<'_>, out: &mut String) {
    *out += "### Go's programs beside Rust's\n\n";
    *out += &go_runs(results);
    for (question, what, subject) in [
        (
            &plan.go_owner,
            "Go's stateful goroutine / Rust's plain owner task (`owner_tokio` from tasks): two \
             owners on green threads, each client's request carrying its reply channel.",
            "Go's owner",
        ),
        (
            &plan.go_mutex,
            "`go_mutex` / `mutex_std` from OS threads: the same lock around the same map.",
            "Go's mutex",
        ),
    ] {
        if question.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{what}\n");
        let answer = question.answer(analysis);
        *out += &answer.grid(cell_words);
        let _ = write!(out, "\n{}.", words(&answer.tally, subject));
        if question.pairs.iter().any(|p| p.workload == AS_WRITTEN) {
            let f = &results.floors;
            let _ = write!(
                out,
                " On `{AS_WRITTEN}` the ratio compares timers more than strategies: a 1 ms sleep \
                 takes {} in Go, {} on a tokio task and {} on an OS thread here.",
                f.go_sleep_1ms_ns
                    .as_ref()
                    .map_or("?".to_owned(), |g| human_ns(g.median)),
                human_ns(f.tokio_sleep_1ms_ns.median),
                human_ns(f.thread_sleep_1ms_ns.median)
            );
        }
        *out += "\n\n";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_needs_the_cells_that_can_tell_to_be_as_many_as_those_that_cannot() {
        let t = |faster, slower, same, unresolved| Tally {
            faster,
            slower,
            same,
            unresolved,
            no_interval: 0,
            near_line: 0,
        };
        assert_eq!(t(3, 0, 0, 0).verdict_on_better(), "**agrees**");
        assert_eq!(
            t(2, 0, 0, 2).verdict_on_better(),
            "**agrees** where the run can tell"
        );
        assert_eq!(
            t(1, 0, 0, 2).verdict_on_better(),
            "cannot tell in most cells"
        );
        assert_eq!(t(0, 1, 1, 0).verdict_on_better(), "**disagrees**");
        assert_eq!(
            t(1, 1, 0, 0).verdict_on_better(),
            "**partly**: it depends on the cell"
        );
        assert_eq!(t(0, 0, 0, 4).verdict_on_better(), "cannot tell");
        // The owner is fine where the lock is slower or the same.
        assert_eq!(
            t(0, 0, 2, 0).verdict_on_owner_not_worse(),
            "**agrees** on speed"
        );
        assert_eq!(
            t(3, 0, 0, 1).verdict_on_owner_not_worse(),
            "**disagrees** on speed: the lock is faster there too"
        );
    }
}
