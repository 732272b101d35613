//! Go beside Rust and the reference text's table, on a made-up run whose answers are known: each
//! claim's verdict follows the cells' intervals, the owner's CPU price is the median of its
//! cells, and a run without Go rows says so.

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::fixture::{self as made_up, steady};
use statebench_harness::machine::GoRuntime;
use statebench_harness::results::{Record, Results};
use statebench_report::markdown::report;
use statebench_report::reference::section;

fn fixture(with_go: bool) -> Results {
    use Driver::{Goroutines, Tasks, Threads};
    use Family::{Lock, Owner};
    // An owner's record spends four times the lock's CPU time per operation.
    let owner = |w, name, driver, clients, rate| {
        let mut r: Record = steady(w, name, Owner, driver, clients, rate);
        r.summary.cpu_ns_per_op.median = 1000.0;
        r
    };
    let lock = |w, name, driver, clients, rate| steady(w, name, Lock, driver, clients, rate);
    let mut records = vec![
        // The int map: Go's owner a quarter of Rust's owner task, Go's mutex as fast as std's;
        // the lock twelve times Go's owner, and 150 times the owner thread.
        owner("kv_write_heavy", "owner_tokio", Tasks, 8, 2.0e6),
        lock("kv_write_heavy", "mutex_std", Threads, 8, 6.0e6),
        lock("kv_write_heavy", "mutex_parking_lot", Threads, 8, 1.5e7),
        owner("kv_write_heavy", "owner_thread", Threads, 8, 1.0e5),
        // The counter: the lock faster in Rust.
        lock("counter", "mutex_std", Threads, 8, 3.0e7),
        owner("counter", "owner_thread", Threads, 8, 1.0e5),
        // The sessions: the lock and the owner the same.
        lock("sessions", "mutex_std", Threads, 8, 1.0e6),
        owner("sessions", "owner_thread", Threads, 8, 1.0e6),
        // The reference program as written: the sleep makes them the same.
        lock("seed", "mutex_std", Threads, 110, 5000.0),
        owner("seed", "owner_thread", Threads, 110, 5010.0),
    ];
    if with_go {
        records.extend([
            owner("kv_write_heavy", "go_goroutine", Goroutines, 8, 0.5e6),
            lock("kv_write_heavy", "go_mutex", Goroutines, 8, 6.0e6),
            owner("counter", "go_goroutine", Goroutines, 8, 1.0e6),
            lock("counter", "go_mutex", Goroutines, 8, 6.0e6),
            owner("seed", "go_goroutine", Goroutines, 110, 5000.0),
            lock("seed", "go_mutex", Goroutines, 110, 5000.0),
        ]);
    }
    let mut results = made_up::results(&["kv_write_heavy", "counter", "sessions", "seed"], records);
    if with_go {
        results.machine.go = Some(GoRuntime {
            version: "go1.27.3".into(),
            gomaxprocs: 2,
        });
    }
    results
}

#[test]
fn each_claim_is_answered_as_its_cells_say() {
    let text = section(&fixture(true));
    for expected in [
        "go1.27.3, GOMAXPROCS 2",
        // Go beside Rust.
        "Go's owner faster in 0 of 1 cells, slower in 1, the same in 0, cannot tell in 0.",
        "0.25 (",
        // Against std's mutex: the same on the int map and as written, slower on the counter.
        "Go's mutex faster in 0 of 3 cells, slower in 1, the same in 2, cannot tell in 0.",
        // Performance: the lock faster in both Go cells and both Rust cells.
        "Go (`go_mutex` / `go_goroutine`): the lock faster in 2 of 2 cells",
        "per driver): the lock faster in 2 of 2 cells",
        "| **agrees** |",
        "12.0 (",
        "150.0 (",
        // As written: the same in both.
        "Go and Rust: the lock faster in 0 of 2 cells, slower in 0, the same in 2",
        // Lock-free: the owner's CPU is four times the lock's in every one of 5 cells.
        "a median 4.0× the CPU time per operation of the fastest lock in its cell (4.0–4.0× over 5 cells)",
        // Richer services: the same, so the advice holds on speed.
        "lock / plain owner: the lock faster in 0 of 1 cells, slower in 0, the same in 1",
        "| **agrees** on speed |",
        // The counter alone: the lock faster in Go and Rust.
        "On the counter alone, Go and Rust: the lock faster in 2 of 2 cells",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // The correction counts the report's candidates, not the 11 ratios printed: 9 pairs of
    // rows within cells (3 among the three Rust rows of the int map, 1 in each other cell), and
    // each Go row against both its Rust counterparts where they ran (4 on the int map, 2 on the
    // counter, 2 as written).
    assert!(
        text.contains("of the report's 17 planned comparisons"),
        "{text}"
    );
    // As written, "better" is refuted: the same is no better.
    let written = text
        .lines()
        .find(|l| l.contains("as written (1 ms sleep"))
        .expect("the row");
    assert!(written.ends_with("| **disagrees** |"), "{written}");
    // It sits in the whole report, before the machine.
    let whole = report(&fixture(true));
    let at = whole
        .find("## Go beside Rust, and the reference text's table")
        .expect("the section");
    assert!(at < whole.find("## The machine").expect("the machine"));
    // Go's rows have their own summary line.
    assert!(
        whole.contains("| `kv_write_heavy` | goroutines |")
            || whole.contains("| kv_write_heavy | goroutines |"),
        "{whole}"
    );
}

#[test]
fn without_go_the_section_says_so_and_answers_from_rust() {
    let text = section(&fixture(false));
    assert!(
        text.contains("Not in this run: it has no Go rows"),
        "{text}"
    );
    assert!(!text.contains("Go's owner faster"), "{text}");
    assert!(
        text.contains("Go (`go_mutex` / `go_goroutine`): not in this run"),
        "{text}"
    );
    // Nothing to compare: no section.
    let empty = made_up::results(
        &["counter"],
        vec![steady(
            "counter",
            "atomic",
            Family::Concurrent,
            Driver::Threads,
            1,
            1e8,
        )],
    );
    assert_eq!(section(&empty), "");
}

/// In a committed run of the main job, the reference section marks its claims near their line
/// in the grids of ratios — each mark on a claim, never on a cell the run cannot tell — counts
/// them where it tallies them, and says once what the mark means.
#[test]
fn the_reference_rows_mark_their_claims_near_their_line() {
    let run = made_up::committed("2026-12-01-vm-all");
    let text = section(&run);
    let grids = text.split_once("ratio by ratio:").expect("the grids").1;
    let mut marked = 0;
    for cell in grids
        .lines()
        .filter(|l| l.starts_with('|'))
        .flat_map(|l| l.split('|'))
        .filter(|c| c.contains('‡'))
    {
        assert!(
            cell.contains("**faster**") || cell.contains("**slower**") || cell.contains("**same**"),
            "{cell:?}"
        );
        marked += 1;
    }
    assert!(marked > 0, "{text}");
    assert!(
        text.contains(" of these claims near their line, ‡)"),
        "{text}"
    );
    assert_eq!(
        text.matches("‡ marks a claim near its ±10 % line").count(),
        1
    );
}
