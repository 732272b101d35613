//! The owner forms' targets, judged on made-up runs whose answers are known: a target is met
//! only when its whole interval is on its side, missed only when the whole interval falls
//! short, and the section is left out of a run without the owners it is about.

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::fixture as made_up;
use statebench_harness::results::{Record, Results, Summary};
use statebench_report::markdown::report;
use statebench_report::owners::section;

/// [`made_up::steady`], each repetition with a median latency of `p50_ns`.
fn record(
    workload: &str,
    implementation: &str,
    family: Family,
    driver: Driver,
    clients: usize,
    ops_per_sec: f64,
    p50_ns: u64,
) -> Record {
    let mut r = made_up::steady(
        workload,
        implementation,
        family,
        driver,
        clients,
        ops_per_sec,
    );
    for rep in &mut r.repetitions {
        if let Some(all) = rep.latency.get_mut("all") {
            all.p50_ns = p50_ns;
        }
    }
    r.summary = Summary::of(&r.repetitions);
    r
}

fn owner(workload: &str, implementation: &str, driver: Driver, clients: usize, ops: f64) -> Record {
    record(
        workload,
        implementation,
        Family::Owner,
        driver,
        clients,
        ops,
        100,
    )
}

fn fixture() -> Results {
    use Driver::{Tasks, Threads};
    let records = vec![
        // Target 1: the same at 8 tasks (met), half at 64 (missed).
        owner("kv_read_heavy", "owner_tokio", Tasks, 8, 1.0e6),
        owner("kv_read_heavy", "owner_handwritten", Tasks, 8, 1.0e6),
        owner("kv_read_heavy", "owner_tokio", Tasks, 64, 0.5e6),
        owner("kv_read_heavy", "owner_handwritten", Tasks, 64, 1.0e6),
        // Target 2: the batching owner makes three times the plain one.
        owner("seed_nosleep", "owner_tokio", Tasks, 110, 1.0e6),
        owner("seed_nosleep", "owner_tokio_batch", Tasks, 110, 3.0e6),
        owner("seed_nosleep", "combining", Tasks, 110, 1.2e6),
        record(
            "seed_nosleep",
            "mutex_std",
            Family::Lock,
            Tasks,
            110,
            9.0e6,
            100,
        ),
        // Target 3: the sharded thread owner makes five times the plain one.
        owner("kv_read_heavy", "owner_thread", Threads, 64, 1.0e5),
        owner("kv_read_heavy", "owner_thread_spin", Threads, 64, 1.5e5),
        owner("kv_read_heavy", "sharded_thread", Threads, 64, 5.0e5),
        // Target 4: 800 ns on one workload (met), 5 µs on the other (missed).
        record(
            "kv_read_heavy",
            "owner_thread_spin",
            Family::Owner,
            Threads,
            1,
            1.0e6,
            800,
        ),
        record(
            "seed_nosleep",
            "owner_thread_spin",
            Family::Owner,
            Threads,
            1,
            2.0e5,
            5_000,
        ),
    ];
    made_up::results(&["seed_nosleep", "kv_read_heavy"], records)
}

#[test]
fn each_target_is_met_or_missed_as_its_interval_says() {
    let text = section(&fixture());
    for expected in [
        "Target 1, cell by cell: met in 1 of 2, missed in 1, cannot tell in 0",
        // Two cells, 1.0 and 0.5: one degree of freedom leaves the pooled ratio untold.
        "Over all 2 cells, the geometric mean ratio is 0.71 (",
        "the best owner form is `owner_tokio_batch`",
        "Target 3: met in 1 of 1, missed in 0, cannot tell in 0",
        "`sharded_thread`",
        "Target 4: met in 1 of 2, missed in 1, cannot tell in 0",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // Target 2's table: the lock of the cell is not an owner form, `combining` (family owner)
    // is one.
    assert!(!text.contains("| `mutex_std` | 9.00 M |"), "{text}");
    assert!(text.contains("| `combining` | 1.20 M |"), "{text}");
    // Each form at its best: the only cell with a lock is the reference program's, where the
    // lock makes three times the batching owner.
    assert!(
        text.contains(
            "| `owner_tokio_batch` | `seed_nosleep` / tasks / 110 | 3.00 M | `mutex_std` 9.00 M: 0.33 ("
        ),
        "{text}"
    );
    assert!(text.contains("**slower** | · |"), "{text}");
    // The section's ratios are the report's planned comparisons, counted over every pair of
    // rows in every cell, not over the few the section prints: 1 + 1 pairs in the two
    // target-1 cells, 6 among the four rows of `seed_nosleep` / tasks, 3 among the three
    // owner threads, and the pooled ratio of target 1.
    assert!(
        text.contains("of the report's 12 planned comparisons"),
        "{text}"
    );
}

#[test]
fn a_target_the_interval_straddles_cannot_be_told() {
    let mut results = fixture();
    // 0.88 with a wide spread: the interval reaches both sides of 0.90.
    for r in &mut results.records {
        if r.implementation == "owner_tokio" && r.clients == 8 {
            for (i, rep) in r.repetitions.iter_mut().enumerate() {
                rep.ops_per_sec = 0.88e6 * if i % 2 == 0 { 0.7 } else { 1.3 };
            }
            r.summary = Summary::of(&r.repetitions);
        }
    }
    let text = section(&results);
    assert!(
        text.contains("Target 1, cell by cell: met in 0 of 2, missed in 1, cannot tell in 1"),
        "{text}"
    );
}

#[test]
fn the_report_has_the_section_only_when_the_run_has_its_owners() {
    let results = fixture();
    assert!(report(&results).contains("## The owner's best shot"));
    let mut locks_only = results.clone();
    locks_only
        .records
        .retain(|r| r.family() == Some(Family::Lock));
    assert_eq!(section(&locks_only), "");
    assert!(!report(&locks_only).contains("## The owner's best shot"));
}
