//! The decision guide, generated from the data: statements about where state should live,
//! each citing the cells it rests on, and only where the repetitions do not overlap (else the
//! guide says the difference is within noise).

use std::collections::BTreeSet;
use std::fmt::Write;

use statebench_harness::Driver;
use statebench_harness::results::{Record, Results};

use crate::table::human_rate;

/// The strategy family of an implementation.
fn family(implementation: &str) -> &'static str {
    if implementation.starts_with("owner_") {
        "owner"
    } else if matches!(implementation, "dashmap" | "atomic") {
        "concurrent"
    } else {
        "lock"
    }
}

fn driver_words(driver: Driver) -> &'static str {
    match driver {
        Driver::Threads => "called from OS threads",
        Driver::Tasks => "called from tokio tasks",
    }
}

/// Below this many repetitions the spread says nothing, and a claim needs a wide margin.
const REPETITIONS_FOR_SPREAD: usize = 3;
/// The margin a claim needs without enough repetitions.
const SINGLE_RUN_MARGIN: f64 = 1.25;

/// `a` beats `b` beyond noise: with enough repetitions, `a`'s slowest repetition is faster
/// than `b`'s fastest; with fewer, `a`'s median is at least 25 % higher.
fn beats(a: &Record, b: &Record) -> bool {
    let (a, b, few) = (
        &a.summary.ops_per_sec,
        &b.summary.ops_per_sec,
        a.repetitions.len().min(b.repetitions.len()) < REPETITIONS_FOR_SPREAD,
    );
    if few {
        a.median >= SINGLE_RUN_MARGIN * b.median
    } else {
        a.min > b.max
    }
}

fn times(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}×")
    } else {
        format!("{x:.0}×")
    }
}

fn cite(r: &Record) -> String {
    format!(
        "`{}` {}",
        r.implementation,
        human_rate(r.summary.ops_per_sec.median)
    )
}

fn cell_name(workload: &str, driver: Driver, clients: usize) -> String {
    format!(
        "`{workload}` / {} / {clients} client{}",
        driver.name(),
        if clients == 1 { "" } else { "s" }
    )
}

/// The fastest record of one cell.
fn leader<'a>(cell: &[&'a Record]) -> Option<&'a Record> {
    cell.iter().copied().max_by(|a, b| {
        a.summary
            .ops_per_sec
            .median
            .total_cmp(&b.summary.ops_per_sec.median)
    })
}

/// The fastest record of each family in one cell.
fn best_per_family<'a>(cell: &[&'a Record]) -> Vec<&'a Record> {
    let mut best: Vec<&Record> = Vec::new();
    for r in cell {
        match best
            .iter_mut()
            .find(|b| family(&b.implementation) == family(&r.implementation))
        {
            Some(b) if r.summary.ops_per_sec.median > b.summary.ops_per_sec.median => *b = r,
            Some(_) => {}
            None => best.push(r),
        }
    }
    best.sort_by(|a, b| {
        b.summary
            .ops_per_sec
            .median
            .total_cmp(&a.summary.ops_per_sec.median)
    });
    best
}

/// The guide as markdown.
pub fn decision_guide(results: &Results) -> String {
    let mut out = String::new();
    out += "Generated from this run. A claim that one strategy is faster is made only beyond \
            noise: with three or more repetitions, where the slowest repetition of the faster one \
            beats the fastest of the other; with fewer, where its median is at least 25 % higher. \
            Each claim cites its cell (workload / driver / clients) and the medians.\n\n";
    let mut families = String::new();
    let mut crossovers = String::new();
    let mut starved = String::new();
    for w in &results.settings.workloads {
        let records: Vec<&Record> = results
            .records
            .iter()
            .filter(|r| r.workload == w.name)
            .collect();
        let clients: BTreeSet<usize> = records.iter().map(|r| r.clients).collect();
        for driver in Driver::ALL {
            let cells: Vec<(usize, Vec<&Record>)> = clients
                .iter()
                .map(|c| {
                    (
                        *c,
                        records
                            .iter()
                            .copied()
                            .filter(|r| r.driver == driver && r.clients == *c)
                            .collect::<Vec<_>>(),
                    )
                })
                .filter(|(_, cell)| !cell.is_empty())
                .collect();
            // Owner, lock or concurrent map: the fastest of each family at the largest count.
            if let Some((c, cell)) = cells.last() {
                let best = best_per_family(cell);
                if let [first, second, ..] = best.as_slice() {
                    let verdict = if beats(first, second) {
                        format!(
                            "the best {} (`{}`) is {} the best {} (`{}`)",
                            family(&first.implementation),
                            first.implementation,
                            times(
                                first.summary.ops_per_sec.median
                                    / second.summary.ops_per_sec.median
                            ),
                            family(&second.implementation),
                            second.implementation
                        )
                    } else {
                        format!(
                            "the best {} (`{}`) and the best {} (`{}`) are within noise of each other",
                            family(&first.implementation),
                            first.implementation,
                            family(&second.implementation),
                            second.implementation
                        )
                    };
                    let owner = best
                        .iter()
                        .skip(2)
                        .find(|r| family(&r.implementation) == "owner");
                    let verdict = match owner {
                        Some(o) => format!(
                            "{verdict}; the best owner (`{}`) makes {} of the leader's throughput",
                            o.implementation,
                            crate::markdown::share(
                                o.summary.ops_per_sec.median / first.summary.ops_per_sec.median
                            )
                        ),
                        None => verdict,
                    };
                    let others: Vec<String> = best.iter().map(|r| cite(r)).collect();
                    let _ = writeln!(
                        families,
                        "- On `{}` {} with {c} clients, {verdict} ({}: {}).",
                        w.name,
                        driver_words(driver),
                        cell_name(&w.name, driver, *c),
                        others.join(", ")
                    );
                }
            }
            // Crossovers: where the leader changes with the client count, beyond noise.
            for pair in cells.windows(2) {
                let (c1, cell1) = &pair[0];
                let (c2, cell2) = &pair[1];
                let (Some(l1), Some(l2)) = (leader(cell1), leader(cell2)) else {
                    continue;
                };
                if l1.implementation == l2.implementation {
                    continue;
                }
                let before = cell1.iter().find(|r| r.implementation == l2.implementation);
                let after = cell2.iter().find(|r| r.implementation == l1.implementation);
                if let (Some(before), Some(after)) = (before, after) {
                    if beats(l1, before) && beats(l2, after) {
                        let _ = writeln!(
                            crossovers,
                            "- On `{}` {}, `{}` leads at {c1} client{} ({} vs {}) but `{}` leads at {c2} ({} vs {}) — cells {} and {}.",
                            w.name,
                            driver_words(driver),
                            l1.implementation,
                            if *c1 == 1 { "" } else { "s" },
                            cite(l1),
                            cite(before),
                            l2.implementation,
                            cite(l2),
                            cite(after),
                            cell_name(&w.name, driver, *c1),
                            cell_name(&w.name, driver, *c2)
                        );
                    }
                }
            }
            for (c, cell) in &cells {
                for r in cell {
                    let notes = crate::table::starved_kinds(r, w);
                    if !notes.is_empty() {
                        let _ = writeln!(
                            starved,
                            "- `{}` on `{}` {} with {c} clients: {} ({}).",
                            r.implementation,
                            w.name,
                            driver_words(driver),
                            notes.join("; "),
                            cell_name(&w.name, driver, *c)
                        );
                    }
                }
            }
        }
    }
    out += "### Owner, lock or concurrent map?\n\n";
    out += if families.is_empty() {
        "No cell ran more than one family.\n"
    } else {
        &families
    };
    out += "\n### Where the ranking changes with the number of clients\n\n";
    out += if crossovers.is_empty() {
        "No leader changes beyond noise in this run.\n"
    } else {
        &crossovers
    };
    out += "\n### Fairness: operations that starved\n\n";
    out += if starved.is_empty() {
        "No operation kind got less than a tenth of its share in any cell.\n"
    } else {
        &starved
    };
    let f = &results.floors;
    let _ = writeln!(
        out,
        "\n### What the floors predict\n\n- Every blocking call to an owner thread that sleeps costs a \
         wake each way: {} per round trip here, against {} for an uncontended lock. An OS-thread \
         owner cannot beat a lock on this machine unless the critical section is longer than that.\n\
         - An owner task on tokio pays {} per request and reply: the floor of `owner_tokio` under \
         tasks.",
        crate::table::human_ns(f.thread_wake_round_trip_ns),
        crate::table::human_ns(f.mutex_uncontended_ns),
        crate::table::human_ns(f.tokio_round_trip_ns)
    );
    out
}
