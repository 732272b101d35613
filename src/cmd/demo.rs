//! `demo`: the reference program, printed like the original.

use std::process::ExitCode;
use std::time::Duration;

use statebench::runner::{Matrix, PlannedCell, Trial};
use statebench::table::human_ns;
use statebench_harness::Driver;
use statebench_harness::floors::Floors;
use statebench_harness::workload;

use crate::{DemoArgs, failure};

pub(crate) fn demo(args: DemoArgs) -> ExitCode {
    let base = match workload::find("seed") {
        Ok(w) => w,
        Err(e) => return failure(e),
    };
    let nosleep = match workload::find("seed_nosleep") {
        Ok(w) => w,
        Err(e) => return failure(e),
    };
    let floors = match Floors::measure() {
        Ok(f) => f,
        Err(e) => return failure(e),
    };
    // Go's own programs beside the Rust strategies, when Go is there.
    let go = statebench::go::Go::find();
    let go_sleep = go.as_ref().ok().map(|go| go.sleep_floor());
    let mut drivers = Driver::RUST.to_vec();
    if go.is_ok() {
        drivers.push(Driver::Goroutines);
    }
    let mut progress_line = |cell: &PlannedCell, _: &Trial, _: Option<f64>| {
        eprint!(
            "\r  running {:<20} {:<8}",
            cell.implementation,
            cell.driver.name()
        );
    };
    for (title, w) in [
        (
            "The reference program: 100 readers, 10 writers, 5 keys, 1 ms sleep after every operation",
            &base,
        ),
        (
            "The same without the sleep: what the strategies themselves cost",
            &nosleep,
        ),
    ] {
        let matrix = Matrix {
            workloads: vec![w.clone()],
            implementations: Vec::new(),
            named: true,
            drivers: drivers.clone(),
            clients: Vec::new(),
            force_clients: false,
            warmup: Duration::from_millis(100),
            duration: Some(args.duration),
            cover: Some(statebench_harness::driver::COVER_WITHIN),
            repeat: 1,
            sample_every: None,
            seed: 0x5EED,
            tuning: Default::default(),
            suite: None,
            work: Vec::new(),
            go: go.as_ref().ok().cloned(),
        };
        let cells = match matrix.plan() {
            Ok(c) => c,
            Err(e) => return failure(e),
        };
        let trials = matrix.schedule(&cells);
        let records = match matrix.run(&cells, &trials, &mut progress_line) {
            Ok(r) => r,
            Err((e, _)) => return failure(e),
        };
        eprint!("\r{:60}\r", "");
        println!(
            "{title}, {} per strategy:",
            human_ns(args.duration.as_nanos() as f64)
        );
        for r in &records {
            let rep = &r.repetitions[0];
            let count = |kind: &str| rep.ops_by_kind.get(kind).copied().unwrap_or(0);
            println!(
                "  {:<18} {:<10} readOps: {:>9}  writeOps: {:>8}",
                r.implementation,
                r.driver.name(),
                count("get"),
                count("set")
            );
        }
        match (&go, &go_sleep) {
            (Ok(_), Some(Ok((_, runtime)))) => println!(
                "  (the goroutines rows are Go's own programs: {}, GOMAXPROCS {})",
                runtime.version, runtime.gomaxprocs
            ),
            (Ok(_), _) => {}
            (Err(why), _) => println!("  Go's own programs: not run — {why}"),
        }
        println!();
    }
    let clients = base.default_clients() as f64;
    let secs = args.duration.as_secs_f64();
    println!("What bounds the sleeping version is the timer, not the strategy:");
    println!(
        "  a 1 ms sleep takes {} on an OS thread and {} on a tokio task here,",
        human_ns(floors.thread_sleep_1ms_ns.median),
        human_ns(floors.tokio_sleep_1ms_ns.median),
    );
    println!(
        "  so {clients:.0} clients can make at most about {:.0} (threads) and {:.0} (tasks) operations in {secs:.1} s.",
        clients * secs / (floors.thread_sleep_1ms_ns.median / 1e9),
        clients * secs / (floors.tokio_sleep_1ms_ns.median / 1e9),
    );
    match go_sleep {
        Some(Ok((floor, _))) => println!(
            "  In Go a 1 ms time.Sleep takes {}: at most about {:.0} operations.",
            human_ns(floor.median),
            clients * secs / (floor.median / 1e9)
        ),
        Some(Err(e)) => return failure(e),
        None => {}
    }
    ExitCode::SUCCESS
}
