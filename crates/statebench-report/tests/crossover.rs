//! The critical-section crossover on a made-up sweep whose answers are known: the owner a
//! tenth of the lock with no work, a half at 1 µs, the same from 10 µs; the concurrent map
//! ahead at every cost; and a workload run at one cost only is no sweep.

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::fixture::{self as made_up, steady};
use statebench_harness::floors::Floor;
use statebench_harness::results::Results;
use statebench_harness::work::WorkCost;
use statebench_harness::workload::{find, with_work};
use statebench_report::crossover::{section, sweeps};

fn fixture() -> Results {
    use Family::{Concurrent, Lock, Owner};
    let base = find("kv_write_heavy").expect("exists");
    let costs = [0u64, 1_000, 10_000, 100_000];
    // Throughput per family at each cost: the owner catches the lock up, never the map.
    let rates = [
        (Owner, "owner_tokio", [1.0e6, 4.0e5, 9.0e4, 9.0e3]),
        (Lock, "mutex_std", [1.0e7, 8.0e5, 9.2e4, 9.1e3]),
        (Lock, "rwlock_std", [8.0e6, 7.0e5, 8.0e4, 8.0e3]),
        (Concurrent, "dashmap", [2.0e7, 1.6e6, 1.8e5, 1.8e4]),
    ];
    let mut records = Vec::new();
    for (i, c) in costs.iter().enumerate() {
        let name = with_work(&base, *c).name;
        for (family, implementation, rate) in &rates {
            let mut r = steady(
                "kv_write_heavy",
                implementation,
                *family,
                Driver::Threads,
                2,
                rate[i],
            );
            r.workload = name.clone();
            records.push(r);
        }
    }
    let mut results = made_up::results(&["kv_write_heavy", "counter"], records);
    results.settings.workloads = costs
        .iter()
        .map(|c| with_work(&base, *c))
        .chain([find("counter").expect("exists")])
        .collect();
    results.settings.work = costs[1..]
        .iter()
        .map(|c| WorkCost {
            target_ns: *c,
            rounds: (*c as f64 / 1.7) as u32,
            measured_ns: Floor::of(vec![*c as f64 * 1.02; 5]),
        })
        .collect();
    results
}

#[test]
fn a_sweep_is_found_and_its_crossings_follow_the_intervals() {
    let results = fixture();
    let found = sweeps(&results);
    assert_eq!(found.len(), 1, "the counter at one cost is no sweep");
    assert_eq!(found[0].name, "kv_write_heavy");
    let costs: Vec<u64> = found[0].points.iter().map(|w| w.work_ns).collect();
    assert_eq!(costs, [0, 1_000, 10_000, 100_000]);

    let (md, plots) = section(&results).expect("renders");
    // Against the lock: slower at 1 µs (0.50), the same from 10 µs (0.98): between the two,
    // the 0.91 median reached at about 7.8 µs on the log–log line.
    let row = md
        .lines()
        .find(|l| l.starts_with("| threads | 2 |"))
        .expect("a row of crossings");
    assert!(row.contains("between 1.00 µs and 10.00 µs (≈ 7.7"), "{row}");
    // Against the map: half its speed even at 100 µs.
    assert!(
        row.contains("beyond 100.00 µs: still slower there"),
        "{row}"
    );
    // The best rows are named, cost by cost, and the calibration is shown.
    assert!(md.contains("`owner_tokio`/`mutex_std`"), "{md}");
    assert!(
        md.contains("| 10.00 µs | 5882 | 10.20 µs | 10.20 µs | +2.0 % | yes |"),
        "{md}"
    );
    assert_eq!(plots.len(), 1);
    assert_eq!(plots[0].0, "kv_write_heavy-work-threads-2.svg");
    assert!(plots[0].1.starts_with("<svg"));
}

#[test]
fn a_run_without_a_sweep_has_no_section_and_a_cost_off_target_is_flagged() {
    let mut results = fixture();
    results.settings.work[0].measured_ns = Floor::of(vec![1_400.0; 5]);
    let (md, _) = section(&results).expect("renders");
    assert!(
        md.contains("| 1.00 µs | 588 | 1.40 µs | 1.40 µs | +40.0 % | **no**"),
        "{md}"
    );
    results.settings.workloads.truncate(1);
    results.records.retain(|r| r.workload == "kv_write_heavy");
    assert_eq!(section(&results).expect("renders"), (String::new(), vec![]));
}
