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

/// One cell's two rows: the fastest that keeps the state in the process, and one that keeps
/// it in another process.
struct Beside<'a> {
    inside: &'a Record,
    redis: &'a Record,
}

/// Every cell with an out-of-process row and a row of the process beside it, workload by
/// workload, a line for each out-of-process row.
fn plan(results: &Results) -> Vec<Beside<'_>> {
    let mut out = Vec::new();
    for w in &results.settings.workloads {
        for driver in Driver::ALL {
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
                    out.extend(outside.into_iter().map(|redis| Beside { inside, redis }));
                }
            }
        }
    }
    out
}

/// The throughput column: the in-process row's rate over the other's, its interval and verdict.
fn throughput(analysis: &Analysis<'_>, b: &Beside<'_>) -> String {
    if !b.inside.serves_mix() || !b.redis.serves_mix() {
        let which = match (b.inside.serves_mix(), b.redis.serves_mix()) {
            (false, false) => format!(
                "neither `{}` nor `{}` served the mix asked for",
                b.inside.implementation, b.redis.implementation
            ),
            (false, true) => format!(
                "`{}` did not serve the mix asked for",
                b.inside.implementation
            ),
            _ => format!(
                "`{}` did not serve the mix asked for",
                b.redis.implementation
            ),
        };
        return format!("· ({which})");
    }
    let j = analysis.judge(b.inside, b.redis);
    let word = word(&j, ("faster", "slower"));
    format!("{} {word}{}", ratio_words(j.interval), mark(&j))
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
fn latency(latency: &Analysis<'_>, b: &Beside<'_>) -> String {
    if !b.inside.serves_mix() || !b.redis.serves_mix() {
        // As the throughput: a row that served another mix is not compared.
        return format!(
            "{} against {}: not compared",
            human_ns(b.redis.p99_headline()),
            human_ns(b.inside.p99_headline())
        );
    }
    let j = latency.judge(b.redis, b.inside);
    let word = word(&j, ("higher", "lower"));
    format!(
        "{} against {}: {} {word}{}",
        human_ns(b.redis.p99_headline()),
        human_ns(b.inside.p99_headline()),
        ratio_words(j.interval),
        mark(&j)
    )
}

/// For the out-of-process row `row`: how many cells the in-process row was shown faster in,
/// slower in, and judged in.
fn tally(analysis: &Analysis<'_>, cells: &[Beside<'_>], row: &str) -> (usize, usize, usize) {
    let (mut faster, mut slower, mut judged) = (0, 0, 0);
    for b in cells.iter().filter(|b| b.redis.implementation == row) {
        if !b.inside.serves_mix() || !b.redis.serves_mix() {
            continue;
        }
        judged += 1;
        match verdict_of(&analysis.judge(b.inside, b.redis)) {
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
    let cells = plan(results);
    if cells.is_empty() {
        return String::new();
    }
    let analysis = Analysis::new(results);
    let p99 = Analysis::latency(results);
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
        .map(|b| {
            vec![
                format!(
                    "`{}` / {} / {}",
                    b.inside.workload,
                    b.inside.driver.name(),
                    b.inside.clients
                ),
                format!("`{}`", b.redis.implementation),
                format!("`{}`", b.inside.implementation),
                throughput(&analysis, b),
                latency(&p99, b),
                format!(
                    "{} against {}",
                    human_ns(b.inside.summary.cpu_ns_per_op.median),
                    human_ns(b.redis.summary.cpu_ns_per_op.median)
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
        let (faster, slower, judged) = tally(&analysis, &cells, row);
        if cells.iter().any(|b| b.redis.implementation == row) {
            let _ = writeln!(
                out,
                "\nKeeping the state in the process was shown faster than `{row}` in {faster} \
                 of the {judged} cells where both rows served the mix, and slower in {slower}."
            );
        }
    }
    out
}
