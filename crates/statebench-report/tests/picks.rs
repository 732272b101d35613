//! The library rows' questions, answered on made-up runs whose answers are known: a row is
//! faster, slower or the same only as its whole interval says, the best map is the leader
//! against its runner-up, and the section is left out of a run without the rows it is about.

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::fixture::{self as made_up, steady as record};
use statebench_harness::results::Results;
use statebench_report::markdown::report;
use statebench_report::picks::section;

fn fixture() -> Results {
    use Driver::{Tasks, Threads};
    use Family::{Concurrent, Lock, Owner};
    let w = "kv_read_heavy";
    let records = vec![
        // 1. papaya leads scc by half at 8 tasks; dashmap and scc tie at 1 thread.
        record(w, "dashmap", Concurrent, Tasks, 8, 1.0e7),
        record(w, "papaya", Concurrent, Tasks, 8, 1.8e7),
        record(w, "scc", Concurrent, Tasks, 8, 1.2e7),
        record(w, "dashmap", Concurrent, Threads, 1, 5.0e6),
        record(w, "scc", Concurrent, Threads, 1, 5.1e6),
        // 2. ractor makes half of owner_tokio's throughput in the three cells: two from tasks
        // (pooled), one from threads (not pooled alone).
        record(w, "owner_tokio", Owner, Tasks, 8, 2.0e6),
        record(w, "owner_ractor", Owner, Tasks, 8, 1.0e6),
        record(w, "owner_tokio", Owner, Tasks, 1, 3.0e6),
        record(w, "owner_ractor", Owner, Tasks, 1, 1.5e6),
        record(w, "owner_tokio", Owner, Threads, 1, 1.0e6),
        record(w, "owner_ractor", Owner, Threads, 1, 0.5e6),
        // 3. From tasks, the faster async lock (rwlock_tokio) against the fastest sync lock
        // (mutex_parking_lot): a third slower. From threads: not asked.
        record(w, "mutex_tokio", Lock, Tasks, 8, 2.0e6),
        record(w, "rwlock_tokio", Lock, Tasks, 8, 4.0e6),
        record(w, "mutex_std", Lock, Tasks, 8, 5.0e6),
        record(w, "mutex_parking_lot", Lock, Tasks, 8, 6.0e6),
        record(w, "mutex_tokio", Lock, Threads, 1, 9.0e6),
        // 4. striping doubles the lock at 8 tasks.
        record(w, "striped", Lock, Tasks, 8, 1.2e7),
    ];
    made_up::results(&[w], records)
}

#[test]
fn each_question_is_answered_as_its_intervals_say() {
    let text = section(&fixture());
    for expected in [
        // 1.
        "**`papaya`** over `scc` 1.50 (",
        "`scc` = `dashmap` 1.02 (",
        "Of 2 cells: `papaya` leads in 1; the leader and the runner-up are the same in 1; cannot tell in 0.",
        // 2.
        "`owner_ractor`: faster in 0 of 3 cells, slower in 3, the same in 0, cannot tell in 0.",
        "From tasks, over their 2 cells: the geometric mean ratio is 0.50 (",
        // 3.
        "The async lock: faster in 0 of 1 cells, slower in 1, the same in 0, cannot tell in 0. \
         Slower in `kv_read_heavy` / tasks / 8.",
        "0.67 (",
        // 4.
        "`striped`: faster in 1 of 1 cells, slower in 0, the same in 0, cannot tell in 0. \
         Faster in `kv_read_heavy` / tasks / 8.",
        "2.00 (",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // The correction counts every pair of rows in every cell, not the 8 ratios the section
    // prints: 45 among the ten rows of tasks / 8, 10 among the five of threads / 1, 1 at
    // tasks / 1, and the actor's pooled ratio from tasks (one cell from threads pools nothing).
    assert!(
        text.contains("of the report's 57 planned comparisons"),
        "{text}"
    );
    assert!(
        !text.contains("Called by OS threads"),
        "one cell is not pooled: {text}"
    );
    // The section sits in the decision guide of the whole report.
    let whole = report(&fixture());
    let guide = whole.find("## Decision guide").expect("the guide");
    let picks = whole
        .find("### The rows you would pick instead")
        .expect("the section");
    let machine = whole.find("## The machine").expect("the machine");
    assert!(guide < picks && picks < machine, "{whole}");
}

#[test]
fn two_rows_within_their_noise_are_not_told_apart() {
    use Driver::Tasks;
    let w = "kv_read_heavy";
    // 12 % apart, but each spread over ±30 %: no claim either way.
    let noisy = |name: &str, ops: f64| {
        let repetitions = (0..4)
            .map(|i| {
                let rate = ops * [0.7, 1.3, 0.75, 1.25][i];
                made_up::served(w, 8, rate)
            })
            .collect();
        made_up::record(w, name, Family::Lock, Tasks, 8, repetitions)
    };
    let results = made_up::results(
        &[w],
        vec![noisy("striped", 1.12e6), noisy("mutex_parking_lot", 1.0e6)],
    );
    let text = section(&results);
    assert!(
        text.contains(
            "`striped`: faster in 0 of 1 cells, slower in 0, the same in 0, cannot tell in 1."
        ),
        "{text}"
    );
}

#[test]
fn a_run_without_the_library_rows_has_no_section() {
    let w = "kv_read_heavy";
    let results = made_up::results(
        &[w],
        vec![
            record(w, "dashmap", Family::Concurrent, Driver::Tasks, 8, 1.0e7),
            record(w, "mutex_std", Family::Lock, Driver::Tasks, 8, 5.0e6),
        ],
    );
    assert_eq!(section(&results), "");
    assert!(!report(&results).contains("pick instead"));
}

/// The ‡ cells of a section's grids: each is a claim (never one the run cannot tell), and
/// they are as many as its tallies count near their line.
fn marks_match_tallies(text: &str) -> usize {
    let mut marked = 0;
    for line in text.lines().filter(|l| l.starts_with('|')) {
        for cell in line.split('|').filter(|c| c.contains('‡')) {
            assert!(
                !cell.contains("cannot tell") && !cell.contains(" ? ") && !cell.ends_with("? ‡ "),
                "a mark on a comparison that claims nothing: {cell:?}"
            );
            marked += 1;
        }
    }
    let counted: usize = text
        .split(" of these claims near their line, ‡)")
        .filter_map(|before| before.rsplit('(').next()?.trim().parse::<usize>().ok())
        .sum();
    assert_eq!(marked, counted, "{text}");
    marked
}

/// In a committed run of `--all` (2026-12-01, three repetitions a cell: intervals of few
/// degrees of freedom, so many claims are near their line), the picks mark each claim near its
/// line and count them, and say once what the mark means.
#[test]
fn the_picks_mark_and_count_the_claims_near_their_line() {
    let run = made_up::committed("2026-12-01-vm-all");
    let text = section(&run);
    assert!(marks_match_tallies(&text) > 0, "{text}");
    assert_eq!(
        text.matches("‡ marks a claim near its ±10 % line").count(),
        1
    );
    // The made-up run's claims all clear their line by far: nothing is marked.
    assert!(
        !section(&fixture())
            .lines()
            .any(|l| l.starts_with('|') && l.contains('‡'))
    );
}
