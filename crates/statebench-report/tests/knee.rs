//! The open loop's knees on a made-up load sweep whose answers are known: a lock that keeps up
//! with every rate, an owner that misses from the third, a concurrent map whose repetitions
//! disagree at the last; open-loop records stay out of the throughput sections.

use statebench_core::Family;
use statebench_harness::fixture as made_up;
use statebench_harness::results::{Record, Results, Summary};
use statebench_harness::workload::{find, with_rate};
use statebench_harness::{Driver, OpenLoop};
use statebench_report::knee::{Knee, lines, load_sweeps, section};

const RATES: [u64; 4] = [10_000, 100_000, 1_000_000, 10_000_000];

/// A repetition of a 1 s window offered `rate`, completing `done` of the sends with a
/// backlog of `owed` and a p99 from the schedule of `p99_ns`.
fn open_rep(rate: u64, done: u64, owed: u64, p99_ns: u64) -> statebench_harness::Repetition {
    open_rep_served(rate, done, owed, p99_ns, 5_000_000.0)
}

/// [`open_rep`] with a mean service time of `service_mean_ns`.
fn open_rep_served(
    rate: u64,
    done: u64,
    owed: u64,
    p99_ns: u64,
    service_mean_ns: f64,
) -> statebench_harness::Repetition {
    let mut rep = made_up::served("kv_write_heavy", 8, done as f64);
    if let Some(l) = rep.latency.get_mut("all") {
        l.p99_ns = p99_ns;
        l.max_ns = p99_ns;
        l.p999_ns = p99_ns;
    }
    rep.open_loop = Some(OpenLoop {
        offered_per_sec: rate as f64,
        due: rate,
        late: owed,
        late_by_sender: 0,
        backlog: owed,
        send_lag: Some(made_up::latency()),
        service_time: rep.latency.clone(),
    });
    if let Some(o) = rep.open_loop.as_mut()
        && let Some(l) = o.service_time.get_mut("all")
    {
        l.mean_ns = service_mean_ns;
    }
    rep
}

fn record(
    implementation: &str,
    family: Family,
    rate: u64,
    reps: Vec<statebench_harness::Repetition>,
) -> Record {
    let mut r = made_up::record(
        "kv_write_heavy",
        implementation,
        family,
        Driver::Threads,
        8,
        reps,
    );
    r.workload = with_rate(&find("kv_write_heavy").expect("exists"), rate).name;
    r.summary = Summary::of(&r.repetitions);
    r
}

fn fixture() -> Results {
    let mut records = Vec::new();
    for (i, rate) in RATES.iter().copied().enumerate() {
        let kept = |n: usize| {
            (0..n)
                .map(|_| open_rep(rate, rate, 0, 50_000))
                .collect::<Vec<_>>()
        };
        let missed = |n: usize| {
            (0..n)
                .map(|_| open_rep(rate, rate / 3, rate / 2, 80_000_000))
                .collect::<Vec<_>>()
        };
        records.push(record("mutex_std", Family::Lock, rate, kept(3)));
        records.push(record(
            "owner_tokio",
            Family::Owner,
            rate,
            if i < 2 { kept(3) } else { missed(3) },
        ));
        // The map keeps up but for the last rate, where two repetitions of three miss.
        let mut map = kept(3);
        if i == 3 {
            map = kept(1);
            map.extend(missed(2));
        }
        records.push(record("dashmap", Family::Concurrent, rate, map));
        // A lock that misses the last rate because its senders fell behind: its calls take
        // 100 ns, an eighth of each client's 800 ns interval.
        let mut senders = kept(3);
        if i == 3 {
            senders = (0..3)
                .map(|_| open_rep_served(rate, rate / 3, rate / 2, 80_000_000, 100.0))
                .collect();
        }
        records.push(record("mutex_parking_lot", Family::Lock, rate, senders));
    }
    // A closed-loop row beside them: the throughput sections see it alone.
    records.push(made_up::steady(
        "kv_write_heavy",
        "mutex_std",
        Family::Lock,
        Driver::Threads,
        8,
        5.0e6,
    ));
    let mut results = made_up::results(&["kv_write_heavy"], records);
    let base = find("kv_write_heavy").expect("exists");
    results
        .settings
        .workloads
        .extend(RATES.iter().map(|r| with_rate(&base, *r)));
    results
}

#[test]
fn a_load_sweep_is_found_and_each_knee_brackets_the_first_missed_rate() {
    let results = fixture();
    let sweeps = load_sweeps(&results);
    assert_eq!(sweeps.len(), 1, "the closed-loop workload is no member");
    assert_eq!(sweeps[0].name, "kv_write_heavy");
    assert_eq!(sweeps[0].points.len(), 4);
    let lines = lines(&results, &sweeps[0]);
    let knee = |name: &str| {
        lines
            .iter()
            .find(|l| l.implementation == name)
            .and_then(|l| l.knee())
            .unwrap_or_else(|| panic!("no line for {name}"))
    };
    assert_eq!(knee("mutex_std"), Knee::Beyond(10_000_000));
    assert_eq!(knee("owner_tokio"), Knee::Between(100_000, 1_000_000));
    assert_eq!(knee("dashmap"), Knee::Between(1_000_000, 10_000_000));
    assert_eq!(
        knee("mutex_parking_lot"),
        Knee::Senders {
            kept: Some(1_000_000),
            at: 10_000_000
        }
    );
    // Highest knee first.
    let order: Vec<&str> = lines.iter().map(|l| l.implementation.as_str()).collect();
    assert_eq!(
        order,
        ["mutex_std", "dashmap", "mutex_parking_lot", "owner_tokio"]
    );
}

#[test]
fn the_report_cites_the_knees_and_keeps_open_loops_out_of_the_throughput_sections() {
    let results = fixture();
    let (text, files) = section(&results).expect("renders");
    assert!(
        text.contains("| `owner_tokio` | kept up with 100k/s, missed 1M/s |"),
        "{text}"
    );
    assert!(text.contains("✗ 80.00 ms (33 %)"), "{text}");
    assert!(
        text.contains("[1/3 kept up]"),
        "the disagreement is said: {text}"
    );
    assert!(
        text.contains("at 10M/s the senders fell behind") && text.contains("✗ senders 80.00 ms"),
        "{text}"
    );
    // The closed-loop row beside its open-loop line, and nothing for the others.
    assert!(
        text.contains("| `mutex_std` | kept up with every rate (≥ 10M/s) | 5.00 M/s |"),
        "{text}"
    );
    assert!(
        text.contains("| `dashmap` | kept up with 1M/s, missed 10M/s | · |"),
        "{text}"
    );
    assert_eq!(files.len(), 1, "one plot per driver and client count");
    assert!(files[0].1.contains("<svg"));

    let report = statebench_report::markdown::render(&results).expect("renders");
    let md = &report.markdown;
    let guide = md
        .split("### When requests arrive at a rate")
        .nth(1)
        .expect("the guide's open-loop lines");
    assert!(
        guide.contains("owners best: `owner_tokio`, kept up with 100k/s, missed 1M/s"),
        "{guide}"
    );
    assert!(guide.contains("`kv_write_heavy_rate_1M`: 333.3 k done of 1M/s offered"));
    assert!(
        guide.contains("locks best: `mutex_std`, kept up with every rate (≥ 10M/s)")
            && guide.contains("in a closed loop it made 5.00 M/s (`kv_write_heavy`)"),
        "{guide}"
    );
    // The summary ranks the closed-loop cell only: no open-loop workload in it.
    let summary = md
        .split("## Summary")
        .nth(1)
        .and_then(|s| s.split("## Decision guide").next())
        .expect("a summary");
    assert!(summary.contains("| kv_write_heavy |"), "{summary}");
    assert!(!summary.contains("_rate_"), "{summary}");
}
