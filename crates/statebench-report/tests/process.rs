//! "What does leaving the process cost?", answered on a made-up run whose answer is known:
//! in every cell with a `redis` or `redis_cluster` row, the fastest row of the process is set
//! beside each, its throughput ratio and the other's p99 ratio judged by their intervals, CPU
//! per operation given for both; a run without either has no such section.

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::fixture::{self as made_up, steady as record};
use statebench_harness::results::{Record, Results, Summary};
use statebench_report::markdown::report;
use statebench_report::process::section;

/// `redis` in a cell, at `ops_per_sec`, with every repetition's p99 `p99_ns` and the CPU of
/// both processes per operation `cpu_ns`.
fn redis(driver: Driver, clients: usize, ops_per_sec: f64, p99_ns: u64, cpu_ns: f64) -> Record {
    out_of_process("redis", driver, clients, ops_per_sec, p99_ns, cpu_ns)
}

/// An out-of-process row `name` in a cell, as [`redis`].
fn out_of_process(
    name: &str,
    driver: Driver,
    clients: usize,
    ops_per_sec: f64,
    p99_ns: u64,
    cpu_ns: f64,
) -> Record {
    let mut r = record(
        "kv_read_heavy",
        name,
        Family::OutOfProcess,
        driver,
        clients,
        ops_per_sec,
    );
    for rep in &mut r.repetitions {
        rep.cpu_ns_per_op = cpu_ns;
        for l in rep.latency.values_mut() {
            l.p99_ns = p99_ns;
        }
    }
    r.summary = Summary::of(&r.repetitions);
    r
}

fn fixture(with_redis: bool) -> Results {
    use Driver::{Tasks, Threads};
    use Family::{Concurrent, Lock, Owner};
    let w = "kv_read_heavy";
    let mut records = vec![
        // Threads / 8: papaya leads the process, redis makes a hundredth of it.
        record(w, "papaya", Concurrent, Threads, 8, 2.0e7),
        record(w, "mutex_std", Lock, Threads, 8, 5.0e6),
        // Tasks / 1: the owner task is the only row of the process.
        record(w, "owner_tokio", Owner, Tasks, 1, 3.0e6),
        // Threads / 1: no redis row, so no line.
        record(w, "mutex_std", Lock, Threads, 1, 4.0e7),
    ];
    if with_redis {
        records.push(redis(Threads, 8, 2.0e5, 90_000, 12_000.0));
        // The cluster beside it: a fiftieth of papaya.
        records.push(out_of_process(
            "redis_cluster",
            Threads,
            8,
            4.0e5,
            45_000,
            20_000.0,
        ));
        // As fast as the owner task: the run shows them the same.
        records.push(redis(Tasks, 1, 3.0e6, 900, 250.0));
        // Threads / 64: redis served gets only, starving the sets asked for.
        records.push(record(w, "papaya", Concurrent, Threads, 64, 1.0e7));
        records.push(made_up::record(
            w,
            "redis",
            Family::OutOfProcess,
            Threads,
            64,
            (0..8)
                .map(|_| made_up::repetition(1.0e5, &[("get", 100_000)]))
                .collect(),
        ));
    }
    made_up::results(&[w], records)
}

#[test]
fn each_cell_sets_the_best_row_of_the_process_beside_redis() {
    let text = section(&fixture(true));
    for expected in [
        "| `kv_read_heavy` / threads / 8 | `redis` | `papaya` | 100.0 (",
        "| `kv_read_heavy` / threads / 8 | `redis_cluster` | `papaya` | 50.0 (",
        "45.00 µs against 900 ns: 50.0 (",
        ") faster |",
        // redis's p99 against papaya's 900 ns: a hundred times higher.
        "90.00 µs against 900 ns: 100.0 (",
        ") higher |",
        "250 ns against 12.00 µs |",
        "| `kv_read_heavy` / tasks / 1 | `redis` | `owner_tokio` | 1.00 (",
        ") the same |",
        "| `kv_read_heavy` / threads / 64 | `redis` | `papaya` | · (`redis` did not serve the \
         mix asked for) | 900 ns against 900 ns: not compared |",
        "Keeping the state in the process was shown faster than `redis` in 1 of the 2 cells \
         where both rows served the mix, and slower in 0.",
        "Keeping the state in the process was shown faster than `redis_cluster` in 1 of the 1 \
         cells where both rows served the mix, and slower in 0.",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    assert!(
        !text.contains("threads / 1 |"),
        "a cell without redis has no line: {text}"
    );
    assert!(
        !text.contains("`mutex_std` |"),
        "only the best row of the process: {text}"
    );
    let whole = report(&fixture(true));
    assert!(
        whole.contains("\n## What does leaving the process cost?\n"),
        "{whole}"
    );
}

#[test]
fn a_run_without_redis_has_no_such_section() {
    assert_eq!(section(&fixture(false)), "");
    assert!(!report(&fixture(false)).contains("leaving the process"));
}
