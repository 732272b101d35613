//! What does leaving the process cost? Where a run measured [`REDIS`] — the state in a Redis
//! server on loopback, another process, reached over a socket — each cell it ran in sets the
//! fastest row that keeps the state in the process (by the headline rate every table ranks by,
//! among the rows that served the mix asked for) beside it:
//!
//! * **throughput**, the in-process row's over `redis`'s: one of the report's planned
//!   comparisons, judged at the report's one level like every ratio ([`Analysis::new`]);
//! * **p99 latency**, `redis`'s over the in-process row's: one of the latency claims, corrected
//!   among themselves ([`Analysis::latency`]);
//! * **CPU per operation** of both, medians over the repetitions, not judged: the whole
//!   process's CPU time per operation, and for `redis` the server process's too (its
//!   `cpu_elsewhere`), so that the socket's cost on both ends is counted.
//!
//! The best row is chosen after the run, as the summary's leader is; its comparison with
//! `redis` is planned whichever row it is, as every pair within a cell is.

use std::fmt::Write;

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::Verdict;

use crate::guide::{Analysis, Judgement, mark, mark_legend};
use crate::questions::{client_counts, find, ratio_words, verdict_of};
use crate::roles::REDIS;
use crate::table::{by_headline, human_ns, markdown_table};

/// One cell's two rows: the fastest that keeps the state in the process, and `redis`.
struct Beside<'a> {
    inside: &'a Record,
    redis: &'a Record,
}

/// Every cell with a `redis` row and a row of the process beside it, workload by workload.
fn plan(results: &Results) -> Vec<Beside<'_>> {
    let mut out = Vec::new();
    for w in &results.settings.workloads {
        for driver in Driver::ALL {
            for clients in client_counts(results, &w.name, driver) {
                let Some(redis) = find(results, &w.name, REDIS, driver, clients) else {
                    continue;
                };
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
                    out.push(Beside { inside, redis });
                }
            }
        }
    }
    out
}

/// The throughput column: the in-process row's rate over `redis`'s, its interval and verdict.
fn throughput(analysis: &Analysis<'_>, b: &Beside<'_>) -> String {
    if !b.inside.serves_mix() || !b.redis.serves_mix() {
        let which = match (b.inside.serves_mix(), b.redis.serves_mix()) {
            (false, false) => format!(
                "neither `{}` nor `{REDIS}` served the mix asked for",
                b.inside.implementation
            ),
            (false, true) => format!(
                "`{}` did not serve the mix asked for",
                b.inside.implementation
            ),
            _ => format!("`{REDIS}` did not serve the mix asked for"),
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

/// The latency column: `redis`'s p99 over the in-process row's, its interval and verdict.
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

/// How many cells the in-process row was shown faster in, of those judged.
fn tally(analysis: &Analysis<'_>, cells: &[Beside<'_>]) -> (usize, usize, usize) {
    let (mut faster, mut slower, mut judged) = (0, 0, 0);
    for b in cells {
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

/// The section as markdown (empty when the run has no `redis` row beside one of the process).
pub fn section(results: &Results) -> String {
    let cells = plan(results);
    if cells.is_empty() {
        return String::new();
    }
    let analysis = Analysis::new(results);
    let p99 = Analysis::latency(results);
    let mut out = format!(
        "Moving state out of the process — into a Redis server on this machine's loopback, \
         reached over a socket — is what services do when more than one process must share \
         it. `{REDIS}` is that row (its strategy description says how it is served); here, in \
         every cell it ran in, it is set beside the fastest row that keeps the state in the \
         process. *Throughput* is the in-process row's over `{REDIS}`'s and *p99* `{REDIS}`'s \
         over the in-process row's, each with its interval at the report's level ({}; latency \
         claims corrected among themselves): *faster*/*higher* when the whole interval lies \
         above 1.10, *slower*/*lower* below 0.91, *the same* within, otherwise *cannot tell*. \
         *CPU/op* is the median CPU time per operation, `{REDIS}`'s counting the server \
         process's as well as the clients'. {}\n\n",
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
            "best in the process",
            "throughput, in the process / redis",
            "p99: redis against in the process",
            "CPU/op, in the process against redis",
        ],
        "lllll",
        &rows,
    );
    let (faster, slower, judged) = tally(&analysis, &cells);
    let _ = writeln!(
        out,
        "\nKeeping the state in the process was shown faster in {faster} of the {judged} cells \
         where both rows served the mix, and slower in {slower}."
    );
    out
}
