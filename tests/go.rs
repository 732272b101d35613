//! The Go contenders end to end, where Go is available (`scripts/install-go.sh` installs it):
//! each program runs the Rust rows' workloads through the runner, passes its own checks and
//! answers the line the Rust side reads. Without Go the test says so (it installs nothing), and
//! the runner then plans no Go row and refuses a named one.

use std::time::Duration;

use statebench::go::{self, Go};
use statebench::runner::Matrix;
use statebench_harness::Driver;
use statebench_harness::results::Tuning;
use statebench_harness::workload::find;

fn matrix(workloads: &[&str], go: Option<Go>, implementations: &[&str]) -> Matrix {
    Matrix {
        workloads: workloads.iter().map(|w| find(w).expect("exists")).collect(),
        implementations: implementations.iter().map(|s| (*s).to_owned()).collect(),
        named: !implementations.is_empty(),
        drivers: vec![Driver::Threads, Driver::Goroutines],
        clients: vec![2],
        force_clients: true,
        warmup: Duration::from_millis(10),
        duration: Some(Duration::from_millis(30)),
        // The Go side's wait for every client, through the runner.
        cover: Some(Duration::from_secs(5)),
        repeat: 1,
        sample_every: None,
        seed: 1,
        tuning: Tuning::default(),
        suite: None,
        work: Vec::new(),
        go,
    }
}

#[test]
fn every_go_row_runs_checked_through_the_runner() {
    // A test does not install Go (a run would): without a toolchain, it says so and stops.
    // With one, the contender must build: a build that fails is a failure, not a skip.
    let toolchain = match go::toolchain() {
        Ok(path) => path,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let go = Go::find().unwrap_or_else(|why| {
        panic!(
            "Go is here ({}), so the contender must build and answer: {why}",
            toolchain.display()
        )
    });
    println!("{}", go.version);
    let m = matrix(
        &[
            "kv_write_heavy",
            "counter",
            "seed_nosleep",
            "sessions",
            "kv_hot_keys",
        ],
        Some(go.clone()),
        &[],
    );
    let cells = m.plan().expect("plans");
    let go_cells: Vec<_> = cells
        .iter()
        .filter(|c| c.driver == Driver::Goroutines)
        .map(|c| (m.workloads[c.workload].name.as_str(), c.implementation))
        .collect();
    // Four int map rows on each kv workload of uniform keys, three counter rows; none on the
    // sessions or on skewed keys; and no Rust row under the Go driver.
    assert_eq!(go_cells.len(), 4 + 3 + 4, "{go_cells:?}");
    assert!(
        go_cells
            .iter()
            .all(|(w, i)| !["sessions", "kv_hot_keys"].contains(w) && go::strategy(i).is_some())
    );
    assert!(
        cells
            .iter()
            .filter(|c| go::strategy(c.implementation).is_some())
            .all(|c| c.driver == Driver::Goroutines)
    );
    let go_only: Vec<_> = cells
        .into_iter()
        .filter(|c| c.driver == Driver::Goroutines)
        .collect();
    let records = m
        .run(&go_only, &m.schedule(&go_only), &mut |_, _, _| {})
        .expect("every Go row passes its checks");
    assert_eq!(records.len(), go_only.len());
    for r in &records {
        let rep = &r.repetitions[0];
        assert!(rep.ops > 0 && rep.ops_per_sec > 0.0, "{r:?}");
        assert!(rep.cpu_ns_per_op > 0.0, "{r:?}");
        // Timed as the Rust rows are: one in the cell's interval, some samples in the window.
        assert!(
            rep.timed_one_in >= 1 && rep.latency["all"].count > 0,
            "{r:?}"
        );
        assert!(rep.elapsed_ns >= 30_000_000, "{r:?}");
        // The window waited for every client (the matrix asks 5 s), and all of 2 made some.
        assert!(rep.absent_by_role.is_empty(), "{r:?}");
        // The mix was run: every kind of the workload got operations.
        let w = find(&r.workload).expect("exists");
        for m in w.groups.iter().flat_map(|g| &g.mix) {
            assert!(
                rep.ops_by_kind[&m.op] > 0,
                "{} {}: {rep:?}",
                r.workload,
                m.op
            );
        }
        assert_eq!(
            r.family,
            go::strategy(&r.implementation).expect("go").family.name()
        );
    }
    let (sleep, runtime) = go.sleep_floor().expect("Go sleeps");
    assert!(sleep.median >= 1e6, "{sleep:?}");
    assert!(runtime.gomaxprocs >= 1 && runtime.version.starts_with("go"));
    // Settings the Go side refuses come back as an error naming them.
    let cell = go::GoCell {
        clients: 1,
        warmup: Duration::ZERO,
        duration: Duration::from_millis(5),
        cover: None,
        sample_every: 1,
        seed: 0,
    };
    let mut bad = go::settings_for(&find("counter").expect("exists"), &go::STRATEGIES[0], cell)
        .expect("settings");
    bad.strategy = "btree".into();
    let e = go.run(&bad).expect_err("refused");
    assert!(e.contains("unknown counter strategy \"btree\""), "{e}");
}

#[test]
fn without_go_no_go_row_is_planned_and_a_named_one_is_refused() {
    let m = matrix(&["kv_write_heavy"], None, &[]);
    let cells = m.plan().expect("plans");
    assert!(!cells.is_empty());
    assert!(cells.iter().all(|c| c.driver == Driver::Threads));
    let e = matrix(&["kv_write_heavy"], None, &["go_mutex"])
        .plan()
        .expect_err("no Go");
    assert!(e.0.contains("Go is not available"), "{e}");
    let mut threads_only = matrix(&["kv_write_heavy"], None, &["go_mutex"]);
    threads_only.drivers = vec![Driver::Threads];
    threads_only.go = go::toolchain().ok().and_then(|_| Go::find().ok());
    if threads_only.go.is_some() {
        let e = threads_only.plan().expect_err("no goroutines driver");
        assert!(e.0.contains("goroutines driver"), "{e}");
    }
}
