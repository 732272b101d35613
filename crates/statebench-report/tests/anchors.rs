//! The outside anchor of the Redis row: `redis-benchmark`'s figures beside the row's, and the
//! bar the row is held to, in the report's machine section; the strategies a run left out,
//! with why.

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::fixture;
use statebench_harness::results::{Anchor, LeftOut};
use statebench_report::machine::{ANCHOR_SHARE, section};

fn anchor(test: &str, clients: usize, rates: [f64; 3]) -> Anchor {
    Anchor {
        tool: "redis-benchmark 7.0.15".into(),
        test: test.into(),
        implementation: "redis".into(),
        clients,
        pipeline: 1,
        keyspace: 10_000,
        ops_per_sec: rates.to_vec(),
        p50_ns: vec![70_000.0; 3],
    }
}

#[test]
fn the_row_is_set_beside_its_anchor_and_one_under_the_bar_is_marked() {
    let row = |driver, clients, rate| {
        fixture::steady(
            "kv_read_heavy",
            "redis",
            Family::OutOfProcess,
            driver,
            clients,
            rate,
        )
    };
    let mut results = fixture::results(
        &["kv_read_heavy"],
        vec![
            // 1 client: threads at 90 % of GET, tasks at 70 %: under the bar.
            row(Driver::Threads, 1, 13_500.0),
            row(Driver::Tasks, 1, 10_500.0),
            // 64 clients: tasks far above (pipelined), not held to the anchor.
            row(Driver::Threads, 64, 120_000.0),
            row(Driver::Tasks, 64, 300_000.0),
        ],
    );
    results.anchors = vec![
        anchor("SET", 1, [14_000.0, 14_500.0, 14_800.0]),
        anchor("GET", 1, [15_000.0, 14_600.0, 15_100.0]),
        anchor("GET", 64, [130_000.0, 140_000.0, 150_000.0]),
    ];
    results.settings.left_out = vec![LeftOut {
        implementation: "go_goroutine".into(),
        why: "no Go here".into(),
    }];
    let text = section(&results);
    assert!(
        text.contains("`go_goroutine` was left out of this run: no Go here."),
        "{text}"
    );
    assert!(text.contains("`redis-benchmark 7.0.15`"), "{text}");
    assert!(text.contains(&format!(
        "{:.0} % of its `GET` figure",
        100.0 * ANCHOR_SHARE
    )));
    let line = |clients: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("| {clients} |")))
            .unwrap_or_else(|| panic!("no line for {clients} clients:\n{text}"))
            .to_owned()
    };
    // Medians: GET 15.0 k at 1 client, 140 k at 64. The fixture's rates run ±1 %.
    let one = line("1");
    assert!(one.contains("15.0 k (14.6 k – 15.1 k)"), "{one}");
    assert!(one.contains("| 90 % |"), "{one}");
    assert!(one.contains("| 70 % **below the bar** |"), "{one}");
    let many = line("64");
    assert!(many.contains("| n/a |"), "no SET at 64 clients: {many}");
    assert!(many.contains("| 86 % |"), "{many}");
    assert!(many.contains("214 % (not held to it)"), "{many}");
    // One OS thread at 13.5 k ops/s: 74.07 µs an operation against the fixture's 60 µs floor.
    assert!(
        text.contains(
            "took 74.07 µs an operation on `kv_read_heavy` (the inverse of its median rate), \
             1.23× the loopback TCP floor (60.00 µs): within the 1.5×"
        ),
        "{text}"
    );
    results.floors.tcp_loopback_ns = Some(statebench_harness::floors::Floor::of(vec![40_000.0]));
    let text = section(&results);
    assert!(
        text.contains("1.85× the loopback TCP floor (40.00 µs): **above the 1.5× bar**"),
        "{text}"
    );
}

#[test]
fn a_run_without_anchors_says_nothing_of_them() {
    let results = fixture::results(&["kv_read_heavy"], Vec::new());
    assert!(!section(&results).contains("outside anchor"));
}
