//! docs/DECISIONS.md's body, below its lead, quotes the canonical run (`CANONICAL`): each test
//! here recomputes the sentences of one paragraph from the run, as the report reads it (its
//! near trials), and fails when the document says otherwise. On failure it prints the sentence
//! the run makes, so a new canonical run is quoted by pasting what the tests print.

use statebench_harness::Driver;
use statebench_harness::fixture as made_up;
use statebench_harness::placement::{self, View};
use statebench_harness::results::{Record, Results};
use statebench_report::CANONICAL;

/// The canonical run's near trials, as the report reads them.
fn canonical() -> Results {
    placement::view(&made_up::committed(CANONICAL), View::Near)
}

/// docs/DECISIONS.md, its whitespace folded so a sentence may wrap anywhere.
fn decisions() -> String {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/DECISIONS.md"),
    )
    .expect("the document");
    fold(&doc)
}

fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fails, printing every sentence the document lacks.
fn quoted(sentences: &[String]) {
    let doc = decisions();
    let missing: Vec<&String> = sentences
        .iter()
        .filter(|s| !doc.contains(&fold(s)))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/DECISIONS.md lacks what the canonical run says:\n{}",
        missing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A time in words: ns below a microsecond, µs below a millisecond, else ms.
fn time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn range(mut xs: Vec<f64>, show: fn(f64) -> String) -> String {
    xs.sort_by(f64::total_cmp);
    let (a, b) = (show(xs[0]), show(xs[xs.len() - 1]));
    if a == b { a } else { format!("{a}–{b}") }
}

/// The cells of the mixes that scale, at every client count and from both Rust drivers.
fn scaling_cells(run: &Results) -> Vec<(String, Driver, usize)> {
    let mut cells: Vec<(String, Driver, usize)> = run
        .records
        .iter()
        .filter(|r| r.driver != Driver::Goroutines)
        .filter(|r| {
            run.settings
                .workloads
                .iter()
                .any(|w| w.name == r.workload && w.scales)
        })
        .map(|r| (r.workload.clone(), r.driver, r.clients))
        .collect();
    cells.sort_by(|a, b| (&a.0, a.1.name(), a.2).cmp(&(&b.0, b.1.name(), b.2)));
    cells.dedup();
    cells
}

fn rows<'a>(run: &'a Results, cell: &(String, Driver, usize)) -> Vec<&'a Record> {
    run.records
        .iter()
        .filter(|r| r.workload == cell.0 && r.driver == cell.1 && r.clients == cell.2)
        .collect()
}

/// The fastest row of `family` in the cell that served the mix asked for, by headline.
fn best<'a>(rows: &[&'a Record], family: &str) -> Option<&'a Record> {
    rows.iter()
        .copied()
        .filter(|r| r.family == family && r.serves_mix())
        .max_by(|a, b| a.headline().total_cmp(&b.headline()))
}

fn record<'a>(run: &'a Results, w: &str, d: Driver, c: usize, name: &str) -> &'a Record {
    run.records
        .iter()
        .find(|r| r.workload == w && r.driver == d && r.clients == c && r.implementation == name)
        .unwrap_or_else(|| panic!("{name} in {w} / {} / {c}", d.name()))
}

/// "A lock around the state": the floor of an uncontended lock, which lock is best where, and
/// the rows that did not serve the mix asked for.
#[test]
fn the_locks_paragraph_comes_from_the_canonical_run() {
    let run = canonical();
    let cells = scaling_cells(&run);
    let mut wins: Vec<(String, usize)> = Vec::new();
    for cell in &cells {
        if let Some(b) = best(&rows(&run, cell), "lock") {
            match wins.iter_mut().find(|w| w.0 == b.implementation) {
                Some(w) => w.1 += 1,
                None => wins.push((b.implementation.clone(), 1)),
            }
        }
    }
    wins.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let wins: Vec<String> = wins
        .iter()
        .map(|(name, n)| format!("`{name}` in {n}"))
        .collect();
    let starved: Vec<String> = run
        .records
        .iter()
        .filter(|r| !r.serves_mix())
        .map(|r| {
            format!(
                "`{}` on `{}` / {} / {}",
                r.implementation,
                r.workload,
                r.driver.name(),
                r.clients
            )
        })
        .collect();
    quoted(&[
        format!(
            "the run's floor for an uncontended `Mutex`, locked and unlocked, is {:.1} ns.",
            run.floors.mutex_uncontended_ns.median
        ),
        format!(
            "The best lock by throughput, over the {} cells of the mixes that scale (1 to 64 \
             clients, OS threads and tokio tasks): {}.",
            cells.len(),
            wins.join(", ")
        ),
        format!(
            "In this run {} {} not serve the mix asked for{}",
            starved.len(),
            if starved.len() == 1 {
                "row did"
            } else {
                "rows did"
            },
            if starved.is_empty() {
                ".".to_string()
            } else {
                format!(": {}.", starved.join(", "))
            }
        ),
    ]);
}

/// "An owner": where an owner task or thread is ahead of the best lock, and what one call costs
/// from one caller against the floors that bound it.
#[test]
fn the_owners_paragraph_comes_from_the_canonical_run() {
    let run = canonical();
    let cells: Vec<(String, Driver, usize)> = {
        let mut all: Vec<(String, Driver, usize)> = run
            .records
            .iter()
            .filter(|r| r.driver != Driver::Goroutines)
            .map(|r| (r.workload.clone(), r.driver, r.clients))
            .collect();
        all.sort_by(|a, b| (&a.0, a.1.name(), a.2).cmp(&(&b.0, b.1.name(), b.2)));
        all.dedup();
        all
    };
    let ahead = cells
        .iter()
        .filter(|cell| {
            let here = rows(&run, cell);
            match (best(&here, "owner"), best(&here, "lock")) {
                (Some(o), Some(l)) => o.headline() > l.headline(),
                _ => false,
            }
        })
        .count();
    let f = &run.floors;
    let tokio = record(&run, "kv_read_heavy", Driver::Tasks, 1, "owner_tokio");
    let thread = record(&run, "kv_read_heavy", Driver::Threads, 1, "owner_thread");
    let p50 = |r: &Record| time(r.summary.p50_ns.median);
    // The report's warning on a row's spread goes with its figure.
    let flagged = |r: &Record| {
        if statebench_report::table::notes(r).contains("repetitions from") {
            "; the report flags this row's spread between repetitions"
        } else {
            ""
        }
    };
    quoted(&[
        format!(
            "an owner task or thread has a higher throughput than the best lock in {ahead} of \
             the {} cells.",
            cells.len()
        ),
        format!(
            "`owner_tokio` called from one task took {} a call (p50, `kv_read_heavy` / tasks / \
             1{}), against the floors' tokio round trip of {} on one worker and {} on two;",
            p50(tokio),
            flagged(tokio),
            time(f.tokio_same_worker_ns.median),
            time(f.tokio_two_workers_ns.median)
        ),
        format!(
            "`owner_thread` called from one thread took {} a call (p50, `kv_read_heavy` / \
             threads / 1{}), against a cross-core wake round trip of {} with the other core \
             idle and {} with it busy.",
            p50(thread),
            flagged(thread),
            time(
                f.wake_cross_core_idle_ns
                    .as_ref()
                    .expect("a pinned probe")
                    .median
            ),
            time(
                f.wake_cross_core_busy_ns
                    .as_ref()
                    .expect("a pinned probe")
                    .median
            )
        ),
    ]);
}

/// "Flat combining": what it makes of the cell's leader's throughput at one client and from two
/// up, over the mixes that scale (by throughput: the tables' figures).
#[test]
fn the_combining_paragraph_comes_from_the_canonical_run() {
    let run = canonical();
    let (mut one, mut more) = (Vec::new(), Vec::new());
    for cell in scaling_cells(&run) {
        let here = rows(&run, &cell);
        let lead = here
            .iter()
            .filter(|r| r.serves_mix())
            .map(|r| r.headline())
            .fold(0.0, f64::max);
        if let Some(c) = here.iter().find(|r| r.implementation == "combining") {
            let share = c.headline() / lead;
            if cell.2 == 1 {
                one.push(share)
            } else {
                more.push(share)
            }
        }
    }
    let plain = |x: f64| format!("{x:.2}");
    quoted(&[format!(
        "By throughput, over the mixes that scale, it makes {}× of the cell's leader's at one \
         client and {}× from two clients up.",
        range(one, plain),
        range(more, plain)
    )]);
}

/// "Go beside Rust" and the timer-bound hazard: the report's own counts of Go's owner against
/// tokio's, Go's mutex against std's, Go's mutex against Go's owner, the sleeping program's row
/// and its verdict, and the reference text's advice on the richer services, as its section on Go and the
/// reference text states them for the canonical run.
#[test]
fn the_go_paragraph_comes_from_the_canonical_run() {
    let section = fold(&statebench_report::reference::section(&canonical()));
    let sentence = |from: &str| {
        let start = section
            .find(from)
            .unwrap_or_else(|| panic!("the report's section says {from:?}"));
        let rest = &section[start..];
        let end = [" (", ". "]
            .iter()
            .filter_map(|stop| rest[from.len()..].find(stop))
            .min()
            .map_or(rest.len(), |at| from.len() + at);
        rest[..end].to_string()
    };
    // The verdict the reference table gives the sleeping program, from its row's last cell.
    let seed_row = &section[section
        .find("Lock / plain owner on `seed`, Go and Rust: ")
        .expect("the row of the program as written")..];
    let verdict = seed_row
        .split("| **")
        .nth(1)
        .and_then(|cell| cell.split("**").next())
        .expect("the row's verdict in bold");
    quoted(&[
        format!("The report's reference table reads *{verdict}* there"),
        sentence("Go's owner faster in"),
        sentence("Go's mutex faster in"),
        sentence("Go (`go_mutex` / `go_goroutine`): the lock"),
        sentence("Lock / plain owner on `seed`, Go and Rust: "),
        format!(
            "and its cleanup), lock against plain owner: {}",
            sentence("periodic cleanup), lock / plain owner: ")
                .trim_start_matches("periodic cleanup), lock / plain owner: ")
        ),
    ]);
}

/// "Timer-bound benchmarks": what a 1 ms sleep takes on this machine, which caps the reference
/// program whatever holds its state; and, under the answer, whether the run's floors moved.
#[test]
fn the_floors_quoted_come_from_the_canonical_run() {
    let run = canonical();
    let f = &run.floors;
    let moved = match run.floors_end.as_ref().map(|end| end.steadiness_since(f)) {
        Some(statebench_harness::floors::Steadiness::Moved(moved)) => format!(
            "The run's own report calls it *disturbed*, a floor having moved during it: {}",
            moved.join("; ")
        ),
        _ => "The run's own report does not call it disturbed".to_string(),
    };
    quoted(&[
        format!(
            "a 1 ms sleep takes {} on an OS thread, {} on a tokio task and {} in Go on this \
             machine (the run's floors)",
            time(f.thread_sleep_1ms_ns.median),
            time(f.tokio_sleep_1ms_ns.median),
            time(f.go_sleep_1ms_ns.as_ref().expect("Go in the run").median)
        ),
        moved,
    ]);
}
