//! The one path a section's comparisons take from plan to page. A section plans its
//! [`Question`]s first — each a list of [`Pair`]s, a ratio `a / b` and the cell it is read in —
//! so that every ratio is named before any is tested; [`Question::answer`] judges them through
//! the report's [`Analysis`] into plain data, an [`Answer`]: a [`Cell`] per pair (where, the
//! interval, the verdict, whether the claim lies near its line) and the [`Tally`] of their
//! verdicts. The renderers here only turn that data into text — [`Answer::grid`] lays the cells
//! out by workload and client count, [`Tally::words`] counts them — so a new question is a list
//! of pairs, not another copy of the code that judges and lays them out.
//!
//! The library rows' questions ([`crate::picks`]), Go beside Rust and the reference text's
//! table ([`crate::reference`]) and the owner forms' targets ([`crate::owners`]) all take this
//! path; a target reads the same cells against its own line rather than the ±10 % one. The
//! critical-section sweep ([`crate::crossover`]) keeps lines of its own, read one-sided
//! against a margin cost by cost, and borrows only the ratio's words.

use std::fmt::Write;

use statebench_harness::Driver;
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::{RatioInterval, Verdict};

use crate::guide::{Analysis, Judgement};
use crate::table::{by_headline, markdown_table};

/// One planned ratio `a / b` and the cell it belongs to (that of `a`; `b` may be another
/// driver's).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pair<'a> {
    /// The cell's workload.
    pub(crate) workload: &'a str,
    /// The cell's driver.
    pub(crate) driver: Driver,
    /// The cell's client count.
    pub(crate) clients: usize,
    /// The row measured.
    pub(crate) a: &'a Record,
    /// The row it is measured against.
    pub(crate) b: &'a Record,
}

impl<'a> Pair<'a> {
    /// `a / b`, read in `a`'s cell.
    pub(crate) fn of(a: &'a Record, b: &'a Record) -> Pair<'a> {
        Pair {
            workload: &a.workload,
            driver: a.driver,
            clients: a.clients,
            a,
            b,
        }
    }

    /// The grid row the pair is read in: `` `kv_read_heavy` / tasks ``.
    pub(crate) fn label(&self) -> String {
        format!("`{}` / {}", self.workload, self.driver.name())
    }

    /// The cell in full: `` `kv_read_heavy` / tasks / 64 ``.
    pub(crate) fn place(&self) -> String {
        format!("{} / {}", self.label(), self.clients)
    }
}

/// The ratios that answer one question, planned before any is judged.
#[derive(Debug, Default)]
pub(crate) struct Question<'a> {
    /// Its ratios, in the order the section prints them.
    pub(crate) pairs: Vec<Pair<'a>>,
}

impl<'a> Question<'a> {
    /// Adds a ratio to the question.
    pub(crate) fn push(&mut self, pair: Pair<'a>) {
        self.pairs.push(pair);
    }

    /// How many ratios the question tests.
    pub(crate) fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the run has none of the rows the question compares.
    pub(crate) fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Every pair judged as the report judges it, with the tally of their verdicts.
    pub(crate) fn answer(&self, analysis: &Analysis<'_>) -> Answer<'a> {
        let cells: Vec<Cell<'a>> = self
            .pairs
            .iter()
            .map(|p| Cell::judged(analysis, *p))
            .collect();
        let tally = Tally::of(&cells);
        Answer { cells, tally }
    }
}

/// One pair as the report judged it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cell<'a> {
    /// The ratio and where it is read.
    pub(crate) pair: Pair<'a>,
    /// Its interval and whether the correction lets it claim anything; the accessors below
    /// read it as the sections print it.
    pub(crate) judgement: Judgement,
}

impl<'a> Cell<'a> {
    /// `pair` judged through `analysis`: its interval at the report's one level, and whether the
    /// correction lets it claim anything.
    pub(crate) fn judged(analysis: &Analysis<'_>, pair: Pair<'a>) -> Cell<'a> {
        Cell {
            pair,
            judgement: analysis.judge(pair.a, pair.b),
        }
    }

    /// The interval of `a / b`; `None` when no test could be made.
    pub(crate) fn interval(&self) -> Option<RatioInterval> {
        self.judgement.interval
    }

    /// The verdict, `None` without an interval.
    pub(crate) fn verdict(&self) -> Option<Verdict> {
        verdict_of(&self.judgement)
    }

    /// A claim a fresh run of the same size might not make again.
    pub(crate) fn near_line(&self) -> bool {
        self.judgement.near_line()
    }

    /// ` ‡` after a claim near its line, nothing otherwise.
    pub(crate) fn mark(&self) -> &'static str {
        crate::guide::mark(&self.judgement)
    }
}

/// A judgement's verdict, `None` without an interval.
pub(crate) fn verdict_of(j: &Judgement) -> Option<Verdict> {
    j.interval.map(|_| j.verdict())
}

/// A question's pairs, judged.
#[derive(Debug)]
pub(crate) struct Answer<'a> {
    /// A cell per pair, in the order planned.
    pub(crate) cells: Vec<Cell<'a>>,
    /// How many cells of each verdict.
    pub(crate) tally: Tally,
}

impl Answer<'_> {
    /// The cells as a [`grid`], each entry the text `text` gives it.
    pub(crate) fn grid(&self, text: impl Fn(&Cell<'_>) -> String) -> String {
        let entries: Vec<(String, usize, String)> = self
            .cells
            .iter()
            .map(|c| (c.pair.label(), c.pair.clients, text(c)))
            .collect();
        grid(&entries)
    }

    /// The cells whose verdict is `v`, each as [`Pair::place`] words it.
    pub(crate) fn places(&self, v: Verdict) -> Vec<String> {
        self.cells
            .iter()
            .filter(|c| c.verdict() == Some(v))
            .map(|c| c.pair.place())
            .collect()
    }
}

/// How many cells of each verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// `a` faster beyond 10 %.
    pub faster: usize,
    /// `a` slower beyond 10 %.
    pub slower: usize,
    /// Within 10 %.
    pub same: usize,
    /// Neither, with an interval.
    pub unresolved: usize,
    /// No interval: a row did not serve its mix, was not measured, or has a single sample.
    pub no_interval: usize,
    /// Of the claims (faster, slower, the same), those near their line
    /// ([`crate::guide::Judgement::near_line`]).
    pub near_line: usize,
}

impl Tally {
    /// The tally of `cells`.
    pub(crate) fn of<'c, 'a: 'c>(cells: impl IntoIterator<Item = &'c Cell<'a>>) -> Tally {
        let mut t = Tally::default();
        for c in cells {
            t.near_line += usize::from(c.near_line());
            match c.verdict() {
                Some(Verdict::Faster) => t.faster += 1,
                Some(Verdict::Slower) => t.slower += 1,
                Some(Verdict::Same) => t.same += 1,
                Some(Verdict::Unresolved) => t.unresolved += 1,
                None => t.no_interval += 1,
            }
        }
        t
    }

    /// How many cells were judged.
    pub fn cells(&self) -> usize {
        self.faster + self.slower + self.same + self.unresolved + self.no_interval
    }

    /// The cells that cannot tell, with an interval or without.
    pub fn open(&self) -> usize {
        self.unresolved + self.no_interval
    }

    /// Both tallies' cells counted together.
    pub(crate) fn and(self, other: Tally) -> Tally {
        Tally {
            faster: self.faster + other.faster,
            slower: self.slower + other.slower,
            same: self.same + other.same,
            unresolved: self.unresolved + other.unresolved,
            no_interval: self.no_interval + other.no_interval,
            near_line: self.near_line + other.near_line,
        }
    }

    /// The cells without an interval counted among those that cannot tell.
    pub(crate) fn folded(self) -> Tally {
        Tally {
            unresolved: self.open(),
            no_interval: 0,
            ..self
        }
    }

    /// `faster in 3 of 12 cells, slower in 5, the same in 2, cannot tell in 2`, the cells
    /// without an interval when there are any, and how many of the claims lie near their line.
    pub(crate) fn words(&self) -> String {
        let mut out = format!(
            "faster in {} of {} cells, slower in {}, the same in {}, cannot tell in {}",
            self.faster,
            self.cells(),
            self.slower,
            self.same,
            self.unresolved,
        );
        if self.no_interval > 0 {
            let _ = write!(out, ", no interval in {}", self.no_interval);
        }
        out + &near_line_words(self.near_line)
    }
}

/// ` (3 of these claims near their line, ‡)`, or nothing when none is.
pub(crate) fn near_line_words(near_line: usize) -> String {
    if near_line > 0 {
        format!(" ({near_line} of these claims near their line, ‡)")
    } else {
        String::new()
    }
}

/// A verdict in the words the sections' grids use: `**faster**`, `**slower**`,
/// `**the same**`, `cannot tell`, and `no interval` without one.
pub(crate) fn verdict_word(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::Faster) => "**faster**",
        Some(Verdict::Slower) => "**slower**",
        Some(Verdict::Same) => "**the same**",
        Some(Verdict::Unresolved) => "cannot tell",
        None => "no interval",
    }
}

/// A ratio and its interval, `1.23 (1.10–1.38)`, one decimal from 10 on; `·` without one.
pub(crate) fn ratio_words(i: Option<RatioInterval>) -> String {
    match i {
        Some(i) if i.ratio < 10.0 => format!("{:.2} ({:.2}–{:.2})", i.ratio, i.low, i.high),
        Some(i) => format!("{:.1} ({:.1}–{:.1})", i.ratio, i.low, i.high),
        None => "·".into(),
    }
}

/// A table of cells: a row per label (`workload / driver`, in the order first seen), a column
/// per client count (smallest first), each entry's text where it belongs and `·` elsewhere.
fn grid(entries: &[(String, usize, String)]) -> String {
    let mut counts: Vec<usize> = entries.iter().map(|e| e.1).collect();
    counts.sort_unstable();
    counts.dedup();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (label, c, text) in entries {
        let row = match rows.iter().position(|r| &r[0] == label) {
            Some(i) => &mut rows[i],
            None => {
                let mut row = vec![label.clone()];
                row.resize(counts.len() + 1, "·".into());
                rows.push(row);
                rows.last_mut().expect("just pushed")
            }
        };
        let col = 1 + counts.iter().position(|x| x == c).expect("a listed count");
        row[col] = text.clone();
    }
    let header: Vec<String> = std::iter::once("workload / driver".to_owned())
        .chain(counts.iter().map(|c| crate::table::clients_words(*c)))
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    markdown_table(&header, &format!("l{}", "r".repeat(counts.len())), &rows)
}

/// The record of `implementation` in a cell.
pub(crate) fn find<'a>(
    results: &'a Results,
    workload: &str,
    implementation: &str,
    driver: Driver,
    clients: usize,
) -> Option<&'a Record> {
    results.records.iter().find(|r| {
        r.workload == workload
            && r.implementation == implementation
            && r.driver == driver
            && r.clients == clients
    })
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

/// The client counts `workload` ran at under `driver`, smallest first.
pub(crate) fn client_counts(results: &Results, workload: &str, driver: Driver) -> Vec<usize> {
    let mut counts: Vec<usize> = results
        .records
        .iter()
        .filter(|r| r.workload == workload && r.driver == driver)
        .map(|r| r.clients)
        .collect();
    counts.sort_unstable();
    counts.dedup();
    counts
}
