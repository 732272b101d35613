//! `instructions`: the deterministic tier, counted under Valgrind (docs/CI.md).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use statebench_harness::floors::Floors;
use statebench_harness::machine::Machine;
use statebench_harness::results::{Results, RunSettings};
use statebench_harness::{Driver, RustDriver};

use super::{check_implementations, claim_output, planted_slowdown};
use crate::{InstructionsArgs, failure, usage};

pub(crate) fn instructions(args: InstructionsArgs) -> ExitCode {
    use statebench::instructions::{self as tier, OPS, Plan};
    if let Err(e) = check_implementations(&args.implementations) {
        return usage(e);
    }
    let planted = match planted_slowdown() {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let valgrind = match tier::valgrind_version() {
        Ok(v) => v,
        Err(e) => return failure(e),
    };
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => return failure(format!("cannot find this program's path: {e}")),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("target/statebench").join(format!(
            "instructions-{}.json",
            statebench_harness::results::utc_now().replace(':', "")
        ))
    });
    if args.drivers.contains(&Driver::Goroutines) {
        return usage(
            "the instruction tier counts the Rust strategies; the goroutines driver runs Go's \
             own programs, which it does not count",
        );
    }
    if let Err(e) = claim_output(&out) {
        return usage(e);
    }
    let drivers = if args.drivers.is_empty() {
        RustDriver::ALL.to_vec()
    } else {
        args.drivers.iter().filter_map(|d| d.rust()).collect()
    };
    println!(
        "counting instructions per operation under {valgrind}: {} and {} operations a process, \
         {} counts a pair",
        OPS.0, OPS.1, args.repeat
    );
    if args.implementations.is_empty() {
        println!(
            "owners are counted from tasks where their task joins the caller's runtime (tokio's, \
             ractor); the other owner pairs are left out: their calls cross threads, so their \
             counts depend on timing (name them with --impl to count them anyway)"
        );
    } else if args
        .implementations
        .iter()
        .any(|i| drivers.iter().any(|d| !tier::counted_exactly(i, *d)))
    {
        println!(
            "warning: an owner's count depends on when its thread runs; compare may call it \
             slower when nothing changed (docs/CI.md)"
        );
    }
    if let Some(p) = &planted {
        println!("CALIBRATION BUILD — {p}");
    }
    let machine = Machine::detect();
    let floors = match Floors::measure() {
        Ok(f) => f,
        Err(e) => return failure(e),
    };
    let settings = run_settings(&args, &drivers, planted);
    let plan = Plan {
        implementations: args.implementations.clone(),
        drivers,
        repeat: args.repeat,
        seed: args.seed,
    };
    let started = Instant::now();
    let mut step = 0;
    let records = match tier::count(&exe, &plan, &mut |what: &str| {
        step += 1;
        eprintln!("[{step}] {what}");
    }) {
        Ok(r) => r,
        Err(e) => return failure(e),
    };
    let mut results = Results::new(machine, floors, settings);
    results.records = records;
    print_counts(&results);
    if let Err(e) = results.save(&out) {
        return failure(format!("cannot write {}: {e}", out.display()));
    }
    println!(
        "{} records in {:.0} s; results: {}",
        results.records.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    ExitCode::SUCCESS
}

/// How the count is made, as its results record it.
fn run_settings(
    args: &InstructionsArgs,
    drivers: &[RustDriver],
    planted: Option<String>,
) -> RunSettings {
    use statebench::instructions as tier;
    RunSettings {
        command: std::env::args().collect(),
        warmup_ms: 0,
        duration_ms: None,
        cover_ms: None,
        repeat: args.repeat,
        passes: 1,
        sample_every: None,
        seed: args.seed,
        implementations: args.implementations.clone(),
        drivers: drivers.iter().map(|&d| d.into()).collect(),
        clients: vec![1],
        workloads: tier::workloads(),
        suite: None,
        planted,
        metric: Some("instructions".into()),
        tuning: Default::default(),
        work: Vec::new(),
        planned: Vec::new(),
        left_out: Vec::new(),
    }
}

/// Every pair's instructions per operation: the median of its counts and their range.
fn print_counts(results: &Results) {
    let rows: Vec<Vec<String>> = results
        .records
        .iter()
        .map(|r| {
            let per_op: Vec<f64> = r
                .repetitions
                .iter()
                .filter_map(|x| x.instructions_per_op)
                .collect();
            let s = statebench_harness::results::Spread::of(&per_op);
            vec![
                r.workload.clone(),
                r.implementation.clone(),
                r.driver.name().into(),
                format!("{:.1}", s.median),
                format!("{:.1} – {:.1}", s.min, s.max),
            ]
        })
        .collect();
    print!(
        "{}",
        statebench::table::render(
            &[
                "workload",
                "implementation",
                "driver",
                "instructions/op",
                "range"
            ],
            &rows
        )
    );
}
