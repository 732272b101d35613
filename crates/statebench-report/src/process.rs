//! What does leaving the process cost? Where a run measured a row of [`OUT_OF_PROCESS`] —
//! `redis`, the state in one Redis server on loopback, or `redis_cluster`, in a three-master
//! Redis Cluster: other processes, reached over sockets — each cell it ran in sets the fastest
//! row that keeps the state in the process (by the headline rate every table ranks by, among
//! the rows that served the mix asked for) beside it:
//!
//! * **throughput**, the in-process row's over the other's: one of the report's planned
//!   comparisons, judged at the report's one level like every ratio ([`Analysis::new`]);
//! * **p99 latency**, the other's over the in-process row's: one of the latency claims,
//!   corrected among themselves ([`Analysis::latency`]);
//! * **CPU per operation** of both, medians over the repetitions, not judged: the whole
//!   process's CPU time per operation, and for the other the servers' too (its
//!   `cpu_elsewhere`), so that the socket's cost on both ends is counted.
//!
//! The best row is chosen after the run, as the summary's leader is; its comparison with each
//! out-of-process row is planned whichever row it is, as every pair within a cell is.

use std::fmt::Write;

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::Verdict;

use crate::guide::{Analysis, Judgement, mark, mark_legend};
use crate::questions::{client_counts, find, ratio_words, verdict_of};
use crate::roles::OUT_OF_PROCESS;
use crate::table::{by_headline, human_ns, markdown_table};

/// One cell's out-of-process row, set beside the fastest row that keeps the state in the
/// process, the two judged as the section reads them.
#[derive(Debug)]
pub struct Cost<'a> {
    /// The cell's fastest row of the process (by headline, among the rows that served the mix
    /// asked for, when any did).
    pub inside: &'a Record,
    /// The row that keeps the state in another process.
    pub outside: &'a Record,
    /// The in-process row's throughput over the other's, at the report's level; `None` where
    /// either row served another mix than the one asked for (not compared).
    pub throughput: Option<Judgement>,
    /// The other row's p99 over the in-process row's, a latency claim; `None` likewise.
    pub p99: Option<Judgement>,
}

/// Every cell with an out-of-process row and a row of the process beside it, workload by
/// workload, one [`Cost`] for each out-of-process row, each pair judged once.
pub fn costs(results: &Results) -> Vec<Cost<'_>> {
    judged(
        results,
        &Analysis::new(results),
        &Analysis::latency(results),
    )
}

/// [`costs`], judged by analyses already made.
fn judged<'a>(results: &'a Results, analysis: &Analysis<'_>, p99: &Analysis<'_>) -> Vec<Cost<'a>> {
    let mut out = Vec::new();
    for w in &results.settings.workloads {
        for driver in Driver::RUST {
            for clients in client_counts(results, &w.name, driver) {
                let outside: Vec<&Record> = OUT_OF_PROCESS
                    .iter()
                    .filter_map(|row| find(results, &w.name, row, driver, clients))
                    .collect();
                if outside.is_empty() {
                    continue;
                }
                let inside: Vec<&Record> = results
                    .records
                    .iter()
                    .filter(|r| {
                        r.workload == w.name
                            && r.driver == driver
                            && r.clients == clients
                            && r.family() != Some(Family::OutOfProcess)
                    })
                    .collect();
                if let Some(inside) = by_headline(&inside).first().copied() {
                    out.extend(outside.into_iter().map(|outside| {
                        let both = inside.serves_mix() && outside.serves_mix();
                        Cost {
                            inside,
                            outside,
                            throughput: both.then(|| analysis.judge(inside, outside)),
                            p99: both.then(|| p99.judge(outside, inside)),
                        }
                    }));
                }
            }
        }
    }
    out
}

/// The throughput column: the in-process row's rate over the other's, its interval and verdict.
fn throughput(c: &Cost<'_>) -> String {
    let Some(j) = &c.throughput else {
        let which = match (c.inside.serves_mix(), c.outside.serves_mix()) {
            (false, false) => format!(
                "neither `{}` nor `{}` served the mix asked for",
                c.inside.implementation, c.outside.implementation
            ),
            (false, true) => format!(
                "`{}` did not serve the mix asked for",
                c.inside.implementation
            ),
            _ => format!(
                "`{}` did not serve the mix asked for",
                c.outside.implementation
            ),
        };
        return format!("· ({which})");
    };
    let word = word(j, ("faster", "slower"));
    format!("{} {word}{}", ratio_words(j.interval), mark(j))
}

/// A judgement's verdict in words: `above.0` / `above.1` for a ratio wholly above / below its
/// ±10 % line, `the same` within, `cannot tell` across, `no interval` without one.
fn word(j: &Judgement, above: (&'static str, &'static str)) -> &'static str {
    match verdict_of(j) {
        Some(Verdict::Faster) => above.0,
        Some(Verdict::Slower) => above.1,
        Some(Verdict::Same) => "the same",
        Some(Verdict::Unresolved) => "cannot tell",
        None => "no interval",
    }
}

/// The latency column: the other row's p99 over the in-process row's, its interval and verdict.
fn latency(c: &Cost<'_>) -> String {
    let figures = format!(
        "{} against {}",
        human_ns(c.outside.p99_headline()),
        human_ns(c.inside.p99_headline())
    );
    match &c.p99 {
        // As the throughput: a row that served another mix is not compared.
        None => format!("{figures}: not compared"),
        Some(j) => {
            let word = word(j, ("higher", "lower"));
            format!("{figures}: {} {word}{}", ratio_words(j.interval), mark(j))
        }
    }
}

/// For the out-of-process row `row`: in how many cells keeping the state in the process was
/// shown faster, shown slower, and judged (both rows served the mix asked for).
pub fn tally(costs: &[Cost<'_>], row: &str) -> (usize, usize, usize) {
    let (mut faster, mut slower, mut judged) = (0, 0, 0);
    for j in costs
        .iter()
        .filter(|c| c.outside.implementation == row)
        .filter_map(|c| c.throughput.as_ref())
    {
        judged += 1;
        match verdict_of(j) {
            Some(Verdict::Faster) => faster += 1,
            Some(Verdict::Slower) => slower += 1,
            _ => {}
        }
    }
    (faster, slower, judged)
}

/// The section as markdown (empty when the run has no out-of-process row beside one of the
/// process).
pub fn section(results: &Results) -> String {
    if !results
        .records
        .iter()
        .any(|r| r.family() == Some(Family::OutOfProcess))
    {
        return String::new();
    }
    let analysis = Analysis::new(results);
    let cells = judged(results, &analysis, &Analysis::latency(results));
    if cells.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "Moving state out of the process — into Redis on this machine's loopback, reached over \
         a socket — is what services do when more than one process must share it. `redis` \
         keeps it in one server and `redis_cluster` in a cluster of three (their strategy \
         descriptions say how each is served); here, in every cell one ran in, each is set \
         beside the fastest row that keeps the state in the process. *Throughput* is the \
         in-process row's over the other's and *p99* the other's over the in-process row's, \
         each with its interval at the report's level ({}; latency claims corrected among \
         themselves): *faster*/*higher* when the whole interval lies above 1.10, \
         *slower*/*lower* below 0.91, *the same* within, otherwise *cannot tell*. *CPU/op* is \
         the median CPU time per operation, the out-of-process row's counting its servers' as \
         well as the clients'. {}\n\n",
        crate::guide::level_words(&analysis),
        mark_legend()
    );
    let rows: Vec<Vec<String>> = cells
        .iter()
        .map(|c| {
            vec![
                format!(
                    "`{}` / {} / {}",
                    c.inside.workload,
                    c.inside.driver.name(),
                    c.inside.clients
                ),
                format!("`{}`", c.outside.implementation),
                format!("`{}`", c.inside.implementation),
                throughput(c),
                latency(c),
                format!(
                    "{} against {}",
                    human_ns(c.inside.summary.cpu_ns_per_op.median),
                    human_ns(c.outside.summary.cpu_ns_per_op.median)
                ),
            ]
        })
        .collect();
    out += &markdown_table(
        &[
            "cell (workload / driver / clients)",
            "out of the process",
            "best in the process",
            "throughput, in the process / out",
            "p99: out against in the process",
            "CPU/op, in the process against out",
        ],
        "llllll",
        &rows,
    );
    for row in OUT_OF_PROCESS {
        let (faster, slower, judged) = tally(&cells, row);
        if cells.iter().any(|c| c.outside.implementation == row) {
            let _ = writeln!(
                out,
                "\nKeeping the state in the process was shown faster than `{row}` in {faster} \
                 of the {judged} cells where both rows served the mix, and slower in {slower}."
            );
        }
    }
    out
}
