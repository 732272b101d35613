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

use crate::guide::{Analysis, Pooled, mark, mark_legend};
use crate::questions::{
    Answer, Cell, Pair, Question, client_counts, fastest, find, near_line_words, ratio_words,
    verdict_of, verdict_word,
};
use crate::roles::PLAIN;
use crate::table::{by_headline, not_judged};

pub use crate::roles::{ACTOR, ASYNC_LOCKS, MAPS, STRIPED, SYNC_LOCKS};

/// Every cell of the run, workload by workload.
fn cells(results: &Results) -> Vec<(&str, Driver, usize)> {
    let mut out = Vec::new();
    for w in &results.settings.workloads {
        for driver in Driver::RUST {
            for c in client_counts(results, &w.name, driver) {
                out.push((w.name.as_str(), driver, c));
            }
        }
    }
    out
}

/// The section's ratios, planned before any is tested.
#[derive(Default)]
struct Plan<'a> {
    /// Question 1: per cell, the leading map and the runner-up.
    maps: Question<'a>,
    /// Question 2: `owner_ractor` and `owner_tokio`.
    actor: Question<'a>,
    /// Question 3: the faster async lock and the fastest blocking lock, from tasks.
    locks: Question<'a>,
    /// Question 4: `striped` and `mutex_parking_lot`.
    striped: Question<'a>,
}

impl<'a> Plan<'a> {
    fn of(results: &'a Results) -> Plan<'a> {
        let mut plan = Plan::default();
        for (workload, driver, clients) in cells(results) {
            let maps: Vec<&Record> = MAPS
                .iter()
                .filter_map(|n| find(results, workload, n, driver, clients))
                .filter(|r| r.family() == Some(Family::Concurrent))
                .collect();
            if let [leader, runner_up, ..] = by_headline(&maps)[..] {
                plan.maps.push(Pair::of(leader, runner_up));
            }
            let one = |name| find(results, workload, name, driver, clients);
            if let (Some(a), Some(b)) = (one(ACTOR), one(PLAIN)) {
                plan.actor.push(Pair::of(a, b));
            }
            if driver == Driver::Tasks
                && let (Some(a), Some(b)) = (
                    fastest(results, &ASYNC_LOCKS, workload, driver, clients),
                    fastest(results, &SYNC_LOCKS, workload, driver, clients),
                )
            {
                plan.locks.push(Pair::of(a, b));
            }
            if let (Some(a), Some(b)) = (one(STRIPED.0), one(STRIPED.1)) {
                plan.striped.push(Pair::of(a, b));
            }
        }
        plan
    }

    /// Every ratio, and the actor's pooled one per driver with two cells or more.
    fn tests(&self) -> usize {
        let pooled = Driver::RUST
            .into_iter()
            .filter(|d| from(&self.actor, *d) >= 2)
            .count();
        self.maps.len() + self.actor.len() + pooled + self.locks.len() + self.striped.len()
    }
}

/// How many of `question`'s cells are called by `driver`'s clients.
fn from(question: &Question<'_>, driver: Driver) -> usize {
    question.pairs.iter().filter(|p| p.driver == driver).count()
}

/// A ratio question's answer: its grid of cells, the tally, and the cells of each verdict.
/// `a_is` names the row measured (`a`) in the sentence: "`owner_ractor` is faster …".
fn ratio_question(answer: &Answer<'_>, a_is: &str) -> String {
    let mut out = answer.grid(|c| {
        format!(
            "{} {}{}",
            ratio_words(c.interval()),
            verdict_word(c.verdict()),
            c.mark()
        )
    });
    let _ = write!(out, "\n{a_is}: {}.", answer.tally.words());
    for (v, word) in [(Verdict::Faster, "Faster"), (Verdict::Slower, "Slower")] {
        let places = answer.places(v);
        if !places.is_empty() && places.len() <= 12 {
            let _ = write!(out, " {word} in {}.", places.join(", "));
        }
    }
    out.push('\n');
    out
}

/// How to read the section: the level its ratios are judged at, and the verdicts' words.
fn intro(analysis: &Analysis<'_>) -> String {
    format!(
        "Four questions a reader choosing a library asks, answered by the rows of `--all`. Each \
         ratio's interval is one of the report's planned comparisons, at its level ({}). A row \
         is *faster* or *slower* when its whole interval lies beyond ±{:.0} %, *the same* when \
         it lies within, and otherwise this run *cannot tell* — as for every comparison the \
         correction did not select. {}\n\n",
        crate::guide::level_words(analysis),
        100.0 * MIN_EFFECT,
        mark_legend()
    )
}

/// A map's cell in question 1: the leader in bold where it leads, `=` where the two are the
/// same, `?` where this run cannot tell.
fn map_cell(c: &Cell<'_>) -> String {
    let (a, b) = (&c.pair.a.implementation, &c.pair.b.implementation);
    let i = ratio_words(c.interval());
    let text = match c.verdict() {
        Some(Verdict::Faster) => format!("**`{a}`** over `{b}` {i}"),
        Some(Verdict::Same) => format!("`{a}` = `{b}` {i}"),
        _ => format!("`{a}` ? `{b}` {i}"),
    };
    text + c.mark()
}

/// Question 1, the best concurrent map: per cell, the leader against the runner-up, and
/// which maps lead how often. `None` when the run has no cell with two maps.
fn which_map(analysis: &Analysis<'_>, question: &Question<'_>) -> Option<String> {
    if question.is_empty() {
        return None;
    }
    let mut out = "**1. Which concurrent map?** Per cell, the fastest map against the \
                   runner-up (`dashmap`, `papaya`, `scc`; `moka` too for the cache).\n\n"
        .to_owned();
    let answer = question.answer(analysis);
    out += &answer.grid(map_cell);
    let mut leads: Vec<(&str, usize)> = Vec::new();
    for c in answer
        .cells
        .iter()
        .filter(|c| c.verdict() == Some(Verdict::Faster))
    {
        let name = c.pair.a.implementation.as_str();
        match leads.iter_mut().find(|(n, _)| *n == name) {
            Some((_, k)) => *k += 1,
            None => leads.push((name, 1)),
        }
    }
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
    let t = answer.tally;
    let _ = writeln!(
        out,
        "\n**bold** leads its runner-up beyond 10 %; `=` the same within 10 %; `?` this run \
         cannot tell. Of {} cells: {led}; the leader and the runner-up are the same in {}; \
         cannot tell in {}{}.\n",
        t.cells(),
        t.same,
        t.slower + t.open(),
        near_line_words(t.near_line)
    );
    Some(out)
}

/// Question 2, the actor framework's price: `owner_ractor` against `owner_tokio` per cell,
/// and their geometric mean ratio per driver with two cells or more. `None` without both.
fn actor_price(analysis: &Analysis<'_>, question: &Question<'_>) -> Option<String> {
    if question.is_empty() {
        return None;
    }
    let mut out = format!(
        "**2. What does an actor framework cost over a plain owner task?** `{ACTOR}` (ractor's \
         `call`) / `{PLAIN}` (an `mpsc` mailbox and a `oneshot` reply), per cell.\n\n"
    );
    out += &ratio_question(&question.answer(analysis), &format!("`{ACTOR}`"));
    for driver in Driver::RUST {
        let cells = from(question, driver);
        let pooled = analysis.pooled(Pooled {
            a: ACTOR,
            b: PLAIN,
            driver: Some(driver),
        });
        if let Some(j) = pooled.filter(|j| j.interval.is_some() && cells >= 2) {
            let _ = writeln!(
                out,
                "\nFrom {}, over their {cells} cells: the geometric mean ratio is {} at the \
                 same confidence (the cells taken as the sample): {}{}.",
                driver.name(),
                ratio_words(j.interval),
                verdict_word(verdict_of(&j)).trim_matches('*'),
                mark(&j)
            );
        }
    }
    out.push('\n');
    Some(out)
}

/// Question 3, async locks from tasks: the faster of tokio's locks against the fastest
/// blocking lock in every tasks cell. `None` without both.
fn async_lock(analysis: &Analysis<'_>, question: &Question<'_>) -> Option<String> {
    if question.is_empty() {
        return None;
    }
    let mut out = "**3. Is an async lock ever the right lock from tasks?** In every tasks cell, \
                   the faster of `mutex_tokio` and `rwlock_tokio` / the fastest of \
                   `mutex_std`, `rwlock_std` and `mutex_parking_lot`. No operation holds a lock \
                   across an `.await` here — the case an async lock exists for — so this is \
                   what it costs when it is not needed.\n\n"
        .to_owned();
    out += &ratio_question(&question.answer(analysis), "The async lock");
    out.push('\n');
    Some(out)
}

/// Question 4, striping: `striped` against the one `parking_lot` mutex it stripes, per cell.
/// `None` without both.
fn striping(analysis: &Analysis<'_>, question: &Question<'_>) -> Option<String> {
    if question.is_empty() {
        return None;
    }
    let mut out = format!(
        "**4. What does striping buy a plain lock?** `{}` (N `parking_lot` mutexes, an entry's by \
         its key's hash) / `{}` (one around the whole state), per cell.\n\n",
        STRIPED.0, STRIPED.1
    );
    out += &ratio_question(&question.answer(analysis), &format!("`{}`", STRIPED.0));
    out.push('\n');
    Some(out)
}

/// The section as markdown (empty when the run has none of the rows it is about).
pub fn section(results: &Results) -> String {
    let plan = Plan::of(results);
    if plan.tests() == 0 {
        return String::new();
    }
    let analysis = Analysis::new(results);
    let mut out = intro(&analysis);
    // Questions this run cannot answer leave no heading behind: one line names them after.
    let mut skipped: Vec<u8> = Vec::new();
    let answers = [
        which_map(&analysis, &plan.maps),
        actor_price(&analysis, &plan.actor),
        async_lock(&analysis, &plan.locks),
        striping(&analysis, &plan.striped),
    ];
    for (n, answer) in (1u8..).zip(answers) {
        match answer {
            Some(text) => out += &text,
            None => skipped.push(n),
        }
    }
    out += &not_judged("Question", "Questions", &skipped);
    out
}
