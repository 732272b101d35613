//! Does the harness distort what it measures? Its cheapest subject is `mutex_std` with one
//! client: a lock and a hash-map lookup, tens of nanoseconds. This compares the runner's
//! throughput there with a bare loop applying the same pre-generated operations to the same
//! lock — no reply checks, no clock reads, no counters — alternating trials of each.

use std::hint::black_box;
use std::time::{Duration, Instant};

use statebench_core::{KvU64, Service, Settings};
use statebench_harness::generate::{Subject, plans};
use statebench_harness::results::Spread;
use statebench_harness::workload::find;
use statebench_harness::{Cell, Driver, run_repetition};
use statebench_locked::MutexStd;

const WARMUP: Duration = Duration::from_millis(100);
const SEED: u64 = 0x5EED;

/// The bare loop's throughput, in operations per second.
fn bare_loop(duration: Duration) -> Result<f64, String> {
    let workload = find("kv_read_heavy").map_err(|e| e.0)?;
    let plan = plans::<KvU64>(&workload, 1, SEED)
        .map_err(|e| e.0)?
        .remove(0);
    let service = MutexStd::start(
        KvU64::initial(&workload, Instant::now()),
        &Settings::default(),
    );
    let mut next = 0;
    let mut chunk = |n: usize| {
        for _ in 0..n {
            let _ = black_box(service.call(plan.ops[next].clone()));
            next = if next + 1 == plan.ops.len() {
                0
            } else {
                next + 1
            };
        }
    };
    let warm = Instant::now();
    while warm.elapsed() < WARMUP {
        chunk(1024);
    }
    let start = Instant::now();
    let mut ops = 0u64;
    while start.elapsed() < duration {
        chunk(1024);
        ops += 1024;
    }
    Ok(ops as f64 / start.elapsed().as_secs_f64())
}

/// Alternates `trials` trials of the runner and of the bare loop, and reports both medians
/// and their ratio. Both run pinned to the same core (the runner's threads inherit the pin),
/// so neither gains from landing on the quieter core of a shared machine.
pub fn compare(duration: Duration, trials: u32) -> Result<String, String> {
    let core = std::thread::available_parallelism().map_or(1, |n| n.get()) - 1;
    let pinned = statebench_harness::machine::pin_current_thread(core);
    let workload = find("kv_read_heavy").map_err(|e| e.0)?;
    let cell = Cell {
        workload: &workload,
        driver: Driver::Threads,
        clients: 1,
        warmup: WARMUP,
        duration,
        sample_every: None,
        seed: SEED,
    };
    let (mut runner, mut bare, mut timed) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..trials {
        let rep = run_repetition::<KvU64, MutexStd<KvU64>>(&cell).map_err(|e| e.0)?;
        runner.push(rep.ops_per_sec);
        timed.push(f64::from(rep.timed_one_in));
        bare.push(bare_loop(duration)?);
    }
    let (r, b) = (Spread::of(&runner), Spread::of(&bare));
    // Each trial pair ran back to back, so its ratio cancels the machine's slow drifts.
    let ratios: Vec<f64> = runner.iter().zip(&bare).map(|(r, b)| r / b).collect();
    let ratio = Spread::of(&ratios);
    Ok(format!(
        "mutex_std, kv_read_heavy, 1 client, {trials} alternating trials of {:.1} s{}:\n  \
         runner:    median {:.2} M ops/s (min {:.2}, max {:.2})\n  \
         bare loop: median {:.2} M ops/s (min {:.2}, max {:.2})\n  \
         runner / bare loop: {:.1} % of the medians; per trial pair median {:.1} % (min {:.1}, max {:.1});\n  \
         the runner timed one operation in {:.0}",
        duration.as_secs_f64(),
        if pinned {
            format!(", both pinned to core {core}")
        } else {
            ", unpinned".to_owned()
        },
        r.median / 1e6,
        r.min / 1e6,
        r.max / 1e6,
        b.median / 1e6,
        b.min / 1e6,
        b.max / 1e6,
        100.0 * r.median / b.median,
        100.0 * ratio.median,
        100.0 * ratio.min,
        100.0 * ratio.max,
        Spread::of(&timed).median
    ))
}
