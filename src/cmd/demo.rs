//! `demo` (the reference program, printed like the original) and `overhead` (what the harness
//! costs over a bare loop).

use std::process::ExitCode;
use std::time::Duration;

use statebench::runner::{Matrix, PlannedCell, Trial};
use statebench::table::human_ns;
use statebench_harness::Driver;
use statebench_harness::floors::Floors;
use statebench_harness::workload;

use crate::{DemoArgs, OverheadArgs, failure};

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
    let mut progress_line = |cell: &PlannedCell, _: &Trial| {
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
            drivers: Driver::ALL.to_vec(),
            clients: Vec::new(),
            force_clients: false,
            warmup: Duration::from_millis(100),
            duration: Some(args.duration),
            repeat: 1,
            sample_every: None,
            seed: 0x5EED,
            tuning: Default::default(),
            suite: None,
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
            "{title}, {:.1} s per strategy:",
            args.duration.as_secs_f64()
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
        match &go {
            Ok(go) => {
                for strategy in statebench::go::INTMAP_STRATEGIES {
                    let settings = statebench::go::GoSettings {
                        program: "intmap".into(),
                        strategy: strategy.into(),
                        readers: 100,
                        writers: 10,
                        keys: 5,
                        sleep_us: w.think_us,
                        duration_ms: u64::try_from(args.duration.as_millis()).unwrap_or(u64::MAX),
                        seed: 0x5EED,
                    };
                    match go.run(&settings) {
                        Ok(r) => println!(
                            "  {:<18} {:<10} readOps: {:>9}  writeOps: {:>8}   (Go, GOMAXPROCS {})",
                            format!("go_{strategy}"),
                            "goroutines",
                            r.read_ops,
                            r.write_ops,
                            r.gomaxprocs
                        ),
                        Err(e) => return failure(e),
                    }
                }
            }
            Err(why) => println!("  Go's own programs: not run — {why}"),
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
    ExitCode::SUCCESS
}

pub(crate) fn overhead(args: OverheadArgs) -> ExitCode {
    match statebench::overhead::compare(args.duration, args.trials) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => failure(e),
    }
}
