//! Measuring a matrix of cells (`run`, `report` when it measures, and `pass`, one pass of a run
//! in its own process): defaults, progress, the floors at both ends, a table per workload, the
//! results file.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use statebench::runner::{CORE, Matrix, PassPlan, PlannedCell, Suite, Trial};
use statebench::table::{human_ns, human_rate};
use statebench::terminal::workload_table;
use statebench_harness::Driver;
use statebench_harness::floors::{Floors, MOVED, Steadiness};
use statebench_harness::machine::{GoRuntime, Machine};
use statebench_harness::placement::{FAR, View, view};
use statebench_harness::results::{Anchor, LeftOut, PlannedKey, Record, Results, RunSettings};
use statebench_harness::work::{self, WorkCost};
use statebench_harness::workload::{self, Workload};

use super::{check_implementations, claim_output, planted_slowdown};
use crate::{MatrixArgs, PassArgs, RunArgs, failure, usage};

/// Resolves names to workloads, reads the workload files, and refuses two of one name.
/// Without either, every named workload.
fn select_workloads(names: &[String], files: &[PathBuf]) -> Result<Vec<Workload>, String> {
    if names.is_empty() && files.is_empty() {
        return Ok(workload::named());
    }
    let mut workloads: Vec<Workload> = names
        .iter()
        .map(|n| workload::find(n).map_err(|e| e.0))
        .collect::<Result<_, _>>()?;
    for path in files {
        let w = Workload::from_file(path).map_err(|e| e.0)?;
        if workloads.iter().any(|o| o.name == w.name) {
            return Err(format!(
                "workload file {}: another workload is also named {:?}",
                path.display(),
                w.name
            ));
        }
        workloads.push(w);
    }
    Ok(workloads)
}

/// Every workload at every value of `values` (`apply`: [`workload::with_work`] or
/// [`workload::with_rate`]), workload by workload; refuses a value given twice, a name a sweep
/// would give twice, and a swept workload that is not valid (a rate on a workload with a think
/// time).
fn sweep(
    workloads: &[Workload],
    values: &[u64],
    flag: &str,
    label: fn(u64) -> String,
    apply: fn(&Workload, u64) -> Workload,
) -> Result<Vec<Workload>, String> {
    let mut seen = Vec::new();
    for v in values {
        if seen.contains(v) {
            return Err(format!("{flag}: {} is given twice", label(*v)));
        }
        seen.push(*v);
    }
    let mut out: Vec<Workload> = Vec::new();
    for w in workloads {
        for v in values {
            let swept = apply(w, *v);
            if out.iter().any(|o| o.name == swept.name) {
                return Err(format!(
                    "{flag}: two workloads would be named {:?}; give each workload once",
                    swept.name
                ));
            }
            swept
                .validate()
                .map_err(|e| format!("{flag} {}: {}", label(*v), e.0))?;
            out.push(swept);
        }
    }
    Ok(out)
}

/// Calibrates the critical-section work of `workloads` from the round floor, prints it, and
/// warns of a cost that misses its target by more than the tolerance. Empty when no workload
/// has work.
fn calibrate_work(workloads: &[Workload], floors: &Floors) -> Result<Vec<WorkCost>, String> {
    let targets: Vec<u64> = workloads.iter().map(|w| w.work_ns).collect();
    if targets.iter().all(|t| *t == 0) {
        return Ok(Vec::new());
    }
    let round = floors
        .work_round_ns
        .as_ref()
        .ok_or("cannot calibrate the critical-section work: the round floor was not measured")?;
    let costs = work::calibrate(&targets, round.min);
    println!(
        "critical-section work: {:.3} ns a round (the round floor's fastest trial); each cost measured in {} trials, each a batch of back-to-back spends on core 0 (fastest, median):",
        round.min,
        statebench_harness::floors::TRIALS,
    );
    for c in &costs {
        println!(
            "  {:>7}: {:>9} rounds, measured {:>10}, median {:>10}  ({:+.1} %){}",
            work::label(c.target_ns),
            c.rounds,
            human_ns(c.measured_ns.min),
            human_ns(c.measured_ns.median),
            100.0 * c.error(),
            if c.within_tolerance() {
                String::new()
            } else {
                format!("  — outside ±{:.0} %", 100.0 * work::TOLERANCE)
            }
        );
    }
    for c in costs.iter().filter(|c| !c.within_tolerance()) {
        eprintln!(
            "statebench: warning: {} of work measured {} ({:+.1} %), outside the ±{:.0} % tolerance; the report marks its cells",
            work::label(c.target_ns),
            human_ns(c.measured_ns.min),
            100.0 * c.error(),
            100.0 * work::TOLERANCE
        );
    }
    Ok(costs)
}

fn default_out() -> PathBuf {
    let stamp = statebench_harness::results::utc_now().replace(':', "");
    PathBuf::from(format!("target/statebench/run-{stamp}.json"))
}

/// Shows progress: a bar on a terminal, a line per cell otherwise (logs, CI).
struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    done: u64,
}

impl Progress {
    fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar
        });
        Progress {
            bar,
            total,
            done: 0,
        }
    }

    fn step(&mut self, what: String) {
        self.done += 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(what);
                bar.set_position(self.done - 1);
            }
            None => eprintln!("[{}/{}] {what}", self.done, self.total),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn print_floors(machine: &Machine, floors: &Floors) {
    println!(
        "machine: {} ({} cores, SMT siblings {}, allowed CPUs {}{}), {}, {}, {} build, commit {}",
        machine.cpu_model,
        machine.cores,
        machine.topology.smt_siblings.join(" / "),
        machine.topology.allowed,
        if machine.topology.virtual_machine {
            ", virtual machine"
        } else {
            ""
        },
        machine.os,
        machine.rustc,
        machine.profile,
        machine.commit
    );
    println!(
        "floors (median of {} trials, range):",
        statebench_harness::floors::TRIALS
    );
    for (name, floor) in floors.named() {
        match floor {
            Some(f) => println!(
                "  {name:<55} {:>10}  ({} – {})",
                human_ns(f.median),
                human_ns(f.min),
                human_ns(f.max)
            ),
            None => println!("  {name:<55} {:>10}", "n/a"),
        }
    }
    if let Some(go) = &machine.go {
        println!("Go rows: {}, GOMAXPROCS {}", go.version, go.gomaxprocs);
    }
}

/// The floors, and Go's sleep floor when the run has Go rows, with the Go runtime that slept.
fn measure_floors(go: Option<&statebench::go::Go>) -> Result<(Floors, Option<GoRuntime>), String> {
    let mut floors = Floors::measure()?;
    let mut runtime = None;
    if let Some(go) = go {
        let (floor, slept) = go.sleep_floor()?;
        floors.go_sleep_1ms_ns = Some(floor);
        runtime = Some(slept);
    }
    Ok((floors, runtime))
}

/// Trials of each anchor figure.
const ANCHOR_TRIALS: usize = 3;

/// `redis-benchmark`'s `SET` and `GET` at each client count the `redis` row serves the key-value
/// store at in this run, on a server of its own, [`ANCHOR_TRIALS`] trials each over the
/// workloads' 10 000 keys, printed as they come: the outside anchor the report sets the row
/// beside (`statebench_redis::anchor`). None when no such cell is planned; a line saying why
/// when the tool cannot run, and the run goes on.
fn measure_anchors(matrix: &Matrix, cells: &[PlannedCell]) -> Vec<Anchor> {
    use statebench_redis::{anchor, server};
    const ROW: &str = "redis";
    let mut clients: Vec<usize> = cells
        .iter()
        .filter(|c| c.implementation == ROW && matrix.workloads[c.workload].service == "kv")
        .map(|c| c.clients)
        .collect();
    clients.sort_unstable();
    clients.dedup();
    if clients.is_empty() {
        return Vec::new();
    }
    // The anchored workload's keys (the report sets the row's `kv_read_heavy` beside it).
    let keyspace = matrix
        .workloads
        .iter()
        .find(|w| w.name == "kv_read_heavy")
        .or_else(|| matrix.workloads.iter().find(|w| w.service == "kv"))
        .map_or(10_000, |w| w.keys);
    let tool = server::binary_or_install()
        .map_err(|e| e.to_string())
        .and_then(|b| anchor::binary(&b).ok_or_else(|| "no redis-benchmark beside it".into()))
        .and_then(|tool| {
            let version = std::process::Command::new(&tool)
                .arg("--version")
                .output()
                .map_err(|e| e.to_string())?;
            let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
            let server = server::Server::start().map_err(|e| e.to_string())?;
            Ok((tool, version, server))
        });
    let (tool, version, server) = match tool {
        Ok(t) => t,
        Err(why) => {
            println!("redis-benchmark, the anchor of the redis row, cannot run: {why}");
            return Vec::new();
        }
    };
    println!("anchors ({version}, a server of its own, median of {ANCHOR_TRIALS} trials):");
    let mut anchors: Vec<Anchor> = Vec::new();
    for &c in &clients {
        // About half a second a trial at this machine's loopback rates.
        let requests = if c == 1 { 5_000 } else { 40_000 };
        for trial in 0..ANCHOR_TRIALS {
            let figures = match anchor::run(&tool, &server, "set,get", c, requests, keyspace) {
                Ok(f) => f,
                Err(why) => {
                    println!("  redis-benchmark at {c} clients, trial {trial}: {why}");
                    continue;
                }
            };
            for f in figures {
                let i = match anchors
                    .iter()
                    .position(|a| a.test == f.test && a.clients == c)
                {
                    Some(i) => i,
                    None => {
                        anchors.push(Anchor {
                            tool: version.clone(),
                            test: f.test.clone(),
                            implementation: ROW.into(),
                            clients: c,
                            pipeline: 1,
                            keyspace,
                            ops_per_sec: Vec::new(),
                            p50_ns: Vec::new(),
                        });
                        anchors.len() - 1
                    }
                };
                anchors[i].ops_per_sec.push(f.rps);
                anchors[i].p50_ns.push(f.p50_ms * 1e6);
            }
        }
    }
    for a in &anchors {
        let rates = statebench_harness::results::Spread::of(&a.ops_per_sec);
        println!(
            "  {:<4} {:>3} clients  {:>10} ops/s  ({} – {})",
            a.test,
            a.clients,
            human_rate(rates.median),
            human_rate(rates.min),
            human_rate(rates.max)
        );
    }
    anchors
}

/// Defaults that differ between `run` (quick) and `report` (the full picture in under five
/// minutes on 2 cores).
pub(crate) struct Defaults {
    clients: &'static [usize],
    warmup: Duration,
    repeat: u32,
    passes: u32,
    /// The measured window (`None`: each workload's own).
    duration: Option<Duration>,
}

const RUN_DEFAULTS: Defaults = Defaults {
    clients: &[1, 8, 64],
    warmup: Duration::from_millis(100),
    repeat: 1,
    passes: 1,
    duration: None,
};

/// Three passes, each a fresh process measuring every cell three times in 50 ms windows after
/// 30 ms of warm-up: the time of the eight 60 ms repetitions in one process it replaces (the
/// full matrix in about 5½ minutes on 2 cores). Those eight shared one process's regime, so
/// their intervals left out how runs differ; the passes' means are the samples now
/// (`statebench_harness::passes`). Measured earlier against five of 100 ms (same budget, three
/// runs of each on one VM), more, shorter repetitions beat fewer, longer ones on a noisy host
/// (docs/METHODOLOGY.md).
pub(crate) const REPORT_DEFAULTS: Defaults = Defaults {
    clients: &[1, 2, 8, 64],
    warmup: Duration::from_millis(30),
    repeat: 3,
    passes: 3,
    duration: Some(Duration::from_millis(50)),
};

/// Runs the matrix `args` describe, prints a table per workload, and writes the results to
/// `out` (claimed before anything runs, so an unwritable path fails at once). A failed run
/// still writes what it measured.
pub(crate) fn measure(
    args: &MatrixArgs,
    defaults: &Defaults,
    out: &Path,
) -> Result<Results, ExitCode> {
    let planted = match planted_slowdown() {
        Ok(p) => p,
        Err(e) => return Err(usage(e)),
    };
    if let Some(p) = &planted {
        println!("CALIBRATION BUILD — {p}");
    }
    let (mut matrix, passes, implementations) = planned(args, defaults)?;
    let cells = match matrix.plan() {
        Ok(c) => c,
        Err(e) => return Err(usage(e)),
    };
    let mut left_out = matrix.left_out();
    left_out.extend(matrix.left_out_of_work());
    for (implementation, why) in &left_out {
        println!("{implementation}: left out of this run: {why}");
    }
    if let Err(e) = claim_output(out) {
        return Err(usage(e));
    }
    let estimate: Duration = cells
        .iter()
        .map(|c| {
            (matrix.warmup + matrix.duration_for(&matrix.workloads[c.workload]))
                * matrix.repeat
                * passes
        })
        .sum();
    println!(
        "{} cells x {} repetition(s){}, about {:.0} s of measuring (more where a window waits \
         for every client); measuring the floors first.",
        cells.len(),
        matrix.repeat,
        if passes > 1 {
            format!(" in each of {passes} passes, each a fresh process")
        } else {
            String::new()
        },
        estimate.as_secs_f64()
    );
    let mut machine = Machine::detect();
    let floors = match measure_floors(matrix.go.as_ref()) {
        Ok((f, go)) => {
            machine.go = go;
            f
        }
        Err(e) => return Err(failure(e)),
    };
    print_floors(&machine, &floors);
    let anchors = measure_anchors(&matrix, &cells);
    matrix.work = match calibrate_work(&matrix.workloads, &floors) {
        Ok(c) => c,
        Err(e) => return Err(failure(e)),
    };
    println!();

    let settings = run_settings(
        args,
        &matrix,
        &cells,
        passes,
        implementations,
        planted,
        left_out,
    );
    let mut results = Results::new(machine, floors, settings);
    results.anchors = anchors;
    let started = Instant::now();
    // Keep what was measured even if a later trial failed: nothing accepted is lost.
    let outcome = if passes == 1 {
        let (records, outcome) = run_pass(&matrix, &cells, None);
        results.records = records;
        outcome
    } else {
        run_passes(&matrix, passes, out, &mut results, started)
    };
    end_floors(&matrix, &mut results);
    print_tables(&matrix, &results);
    if let Err(e) = results.save(out) {
        return Err(failure(format!("cannot write {}: {e}", out.display())));
    }
    println!(
        "{} records in {:.0} s; results: {}",
        results.records.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    match outcome {
        Ok(_) => Ok(results),
        Err(e) => Err(failure(format!("the run failed: {e}"))),
    }
}

/// The workloads, drivers and client counts `args` select (a suite's own, when one is named),
/// and whether a workload that does not scale takes the client counts too.
struct Selected {
    suite: Option<&'static Suite>,
    workloads: Vec<Workload>,
    drivers: Vec<Driver>,
    clients: Vec<usize>,
    force_clients: bool,
}

/// What `args` select, checked: every name known, every file read, the sweeps derived.
fn selected(args: &MatrixArgs, defaults: &Defaults) -> Result<Selected, ExitCode> {
    let suite = match args.suite.as_deref().map(Suite::named).transpose() {
        Ok(s) => s,
        Err(e) => return Err(usage(e)),
    };
    let mut workloads = match select_workloads(&args.workloads, &args.workload_files) {
        Ok(w) => w,
        Err(e) => return Err(usage(e)),
    };
    if let Err(e) = check_implementations(&args.implementations) {
        return Err(usage(e));
    }
    // Go's rows join by default, where Go is there.
    let mut drivers = if args.drivers.is_empty() {
        let mut all = Driver::RUST.to_vec();
        all.push(Driver::Goroutines);
        all
    } else {
        args.drivers.clone()
    };
    // Named explicitly (or from a file), a workload that does not scale takes the client
    // counts too.
    let mut force_clients =
        !args.clients.is_empty() && (!args.workloads.is_empty() || !args.workload_files.is_empty());
    if !args.workload_files.is_empty() {
        println!(
            "workloads from files: {}",
            workloads
                .iter()
                .filter(|w| !args.workloads.contains(&w.name))
                .map(|w| format!("{} ({})", w.name, w.about))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    if !args.work.is_empty() {
        workloads = sweep(
            &workloads,
            &args.work,
            "--work",
            work::label,
            workload::with_work,
        )
        .map_err(usage)?;
    }
    if !args.rate.is_empty() {
        workloads = sweep(
            &workloads,
            &args.rate,
            "--rate",
            workload::rate_label,
            workload::with_rate,
        )
        .map_err(usage)?;
    }
    let mut clients = if args.clients.is_empty() {
        defaults.clients.to_vec()
    } else {
        args.clients.clone()
    };
    if let Some(suite) = suite {
        // The suite's own workloads, drivers and client counts; plan() keeps its cells only.
        let mut names: Vec<String> = Vec::new();
        for g in suite.groups {
            if !names.iter().any(|n| n == g.workload) {
                names.push(g.workload.to_owned());
            }
        }
        workloads = match select_workloads(&names, &[]) {
            Ok(w) => w,
            Err(e) => return Err(failure(format!("suite {}: {e}", suite.name))),
        };
        drivers = [Driver::Threads, Driver::Tasks, Driver::Goroutines]
            .into_iter()
            .filter(|d| suite.groups.iter().any(|g| g.driver == *d))
            .collect();
        clients = suite.groups.iter().map(|g| g.clients).collect();
        clients.sort_unstable();
        clients.dedup();
        force_clients = true;
    }
    Ok(Selected {
        suite,
        workloads,
        drivers,
        clients,
        force_clients,
    })
}

/// The matrix `args` describe — the core set unless named, Go's rows where Go is found, the
/// way another run measured with `--like` — with its passes and the implementations it names.
fn planned(args: &MatrixArgs, defaults: &Defaults) -> Result<(Matrix, u32, Vec<String>), ExitCode> {
    let Selected {
        suite,
        workloads,
        drivers,
        clients,
        force_clients,
    } = selected(args, defaults)?;
    // Without names, a suite or --all: the core set.
    let core = args.implementations.is_empty() && suite.is_none() && !args.all;
    let implementations: Vec<String> = if core {
        CORE.iter().map(|n| (*n).to_owned()).collect()
    } else {
        args.implementations.clone()
    };
    let wants_go = drivers.contains(&Driver::Goroutines)
        && (implementations.is_empty()
            || implementations
                .iter()
                .any(|n| statebench::go::strategy(n).is_some()));
    let go = if wants_go {
        match statebench::go::Go::find() {
            Ok(go) => Some(go),
            Err(why) => {
                println!("Go's rows: not run — {why}");
                None
            }
        }
    } else {
        None
    };
    // --like: the way another run measured, so that `compare` accepts the pair.
    let like = match &args.like {
        None => None,
        Some(path) => match super::load_run(path) {
            Ok(r) => Some(r.settings),
            Err(e) => return Err(usage(format!("--like: {e}"))),
        },
    };
    let ms = Duration::from_millis;
    let passes = like
        .as_ref()
        .map_or(args.passes.unwrap_or(defaults.passes), |s| s.passes);
    let matrix = Matrix {
        workloads,
        implementations: implementations.clone(),
        named: !core,
        drivers,
        clients,
        force_clients,
        warmup: like
            .as_ref()
            .map_or(args.warmup.unwrap_or(defaults.warmup), |s| ms(s.warmup_ms)),
        duration: like
            .as_ref()
            .map_or(args.duration.or(defaults.duration), |s| {
                s.duration_ms.map(ms)
            }),
        // Windows wait for every client, unless the run measured like closed on time.
        cover: like.as_ref().map_or(
            Some(
                args.wait_for_clients
                    .unwrap_or(statebench_harness::driver::COVER_WITHIN),
            )
            .filter(|d| !d.is_zero()),
            |s| s.cover_ms.map(ms),
        ),
        repeat: like
            .as_ref()
            .map_or(args.repeat.unwrap_or(defaults.repeat), |s| s.repeat),
        sample_every: like.as_ref().map_or(args.sample_every, |s| s.sample_every),
        seed: like.as_ref().map_or(args.seed, |s| s.seed),
        tuning: args.tuning(),
        suite,
        work: Vec::new(),
        go,
    };
    Ok((matrix, passes, implementations))
}

/// How the run is made, as its results record it.
fn run_settings(
    args: &MatrixArgs,
    matrix: &Matrix,
    cells: &[PlannedCell],
    passes: u32,
    implementations: Vec<String>,
    planted: Option<String>,
    left_out: Vec<(&'static str, String)>,
) -> RunSettings {
    RunSettings {
        command: std::env::args().collect(),
        warmup_ms: u64::try_from(matrix.warmup.as_millis()).unwrap_or(u64::MAX),
        duration_ms: matrix
            .duration
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        cover_ms: matrix
            .cover
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        repeat: matrix.repeat,
        passes,
        sample_every: matrix.sample_every,
        seed: matrix.seed,
        implementations,
        drivers: matrix.drivers.clone(),
        clients: args.clients.clone(),
        workloads: matrix.workloads.clone(),
        suite: matrix.suite.map(|s| s.name.to_owned()),
        planted,
        metric: None,
        tuning: matrix.tuning,
        work: matrix.work.clone(),
        planned: cells
            .iter()
            .map(|c| PlannedKey {
                workload: matrix.workloads[c.workload].name.clone(),
                implementation: c.implementation.to_owned(),
                driver: c.driver,
                clients: c.clients,
            })
            .collect(),
        left_out: left_out
            .into_iter()
            .map(|(implementation, why)| LeftOut {
                implementation: implementation.to_owned(),
                why,
            })
            .collect(),
    }
}

/// The floors again at the end: a machine that changed under the run shows here, as a warning
/// and in the results.
fn end_floors(matrix: &Matrix, results: &mut Results) {
    match measure_floors(matrix.go.as_ref()) {
        Ok((end, _)) => {
            match end.steadiness_since(&results.floors) {
                Steadiness::HeldStill => {}
                Steadiness::Moved(moved) => {
                    eprintln!(
                        "statebench: warning: the machine changed during the run (floors moved):"
                    );
                    for m in &moved {
                        eprintln!("  {m}");
                    }
                }
                Steadiness::CannotTell(unsettled) => {
                    eprintln!(
                        "statebench: warning: whether the machine held still cannot be told \
                         (these floors' intervals straddle ±{:.0} %):",
                        100.0 * MOVED
                    );
                    for m in &unsettled {
                        eprintln!("  {m}");
                    }
                }
            }
            results.floors_end = Some(end);
        }
        Err(e) => eprintln!("statebench: warning: the floors at the end failed: {e}"),
    }
}

/// A table per workload, as the report reads the run: its near trials (the file keeps every
/// trial), saying how many were set aside.
fn print_tables(matrix: &Matrix, results: &Results) {
    let shown = view(results, View::Near);
    if let Some(v) = shown.viewed.as_ref().filter(|v| v.set_aside > 0) {
        println!(
            "{} of {} trials ran with the machine's two cores far apart (a cross-core round trip \
             over {FAR:.0}× the near {}){}: the tables are of the other {}, as the report reads \
             the run",
            v.placement.far,
            v.set_aside + v.kept,
            human_ns(v.placement.near_ns),
            match v.placement.moved {
                0 => String::new(),
                1 => " and 1 moved between placements while it ran".to_owned(),
                n => format!(" and {n} moved between placements while they ran"),
            },
            v.kept
        );
        if !v.emptied.is_empty() {
            println!("no near trial of: {}", v.emptied.join(", "));
        }
    }
    for w in &matrix.workloads {
        let records: Vec<&Record> = shown
            .records
            .iter()
            .filter(|r| r.workload == w.name)
            .collect();
        if !records.is_empty() {
            println!("== {} — {}", w.name, w.about);
            print!("{}", workload_table(&records, w));
        }
    }
}

/// Runs one pass of `matrix` in this process, with progress (named `pass k/n` when `label`
/// says so): every record it measured, and whether every trial passed.
fn run_pass(
    matrix: &Matrix,
    cells: &[PlannedCell],
    label: Option<&str>,
) -> (Vec<Record>, Result<(), String>) {
    let trials = matrix.schedule(cells);
    let mut progress = Progress::new(trials.len() as u64);
    let workloads = &matrix.workloads;
    let prefix = label.map_or(String::new(), |l| format!("{l}: "));
    let mut on_progress = |cell: &PlannedCell, trial: &Trial, round_trip_ns: Option<f64>| {
        progress.step(format!(
            "{prefix}{} {} {} x{} (rep {}{})",
            workloads[cell.workload].name,
            cell.implementation,
            cell.driver.name(),
            cell.clients,
            trial.repetition + 1,
            // Where the cores stand now: a jump here is the hypervisor moving them apart.
            round_trip_ns.map_or(String::new(), |ns| format!(
                ", cores {} apart",
                human_ns(ns)
            ))
        ));
    };
    let outcome = matrix.run(cells, &trials, &mut on_progress);
    progress.finish();
    match outcome {
        Ok(records) => (records, Ok(())),
        Err((e, records)) => (records, Err(e.0)),
    }
}

/// Runs `passes` passes of `matrix`, each a fresh process of this program (`statebench pass`)
/// with the pass's seed, one after the other, and adds what each measured to `results`: its
/// repetitions marked with their pass, their places and start times counted from the run's
/// start. Stops at the first pass that fails, keeping what it measured.
fn run_passes(
    matrix: &Matrix,
    passes: u32,
    out: &Path,
    results: &mut Results,
    started: Instant,
) -> Result<(), String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program to start its passes: {e}"))?;
    let scratch = out.with_extension("passes");
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let mut trials_before = 0u32;
    let mut outcome = Ok(());
    for pass in 0..passes {
        let plan = scratch.join(format!("pass-{pass}.plan.json"));
        let measured = scratch.join(format!("pass-{pass}.records.json"));
        let text = serde_json::to_string(&matrix.pass_plan(pass, passes))
            .map_err(|e| format!("cannot write the plan of pass {}: {e}", pass + 1))?;
        std::fs::write(&plan, text).map_err(|e| format!("cannot write {}: {e}", plan.display()))?;
        let at_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let status = std::process::Command::new(&exe)
            .arg("pass")
            .arg("--plan")
            .arg(&plan)
            .arg("--out")
            .arg(&measured)
            .status()
            .map_err(|e| format!("cannot start pass {}: {e}", pass + 1))?;
        let records: Vec<Record> = match std::fs::read_to_string(&measured) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| format!("pass {} wrote unreadable records: {e}", pass + 1))?,
            Err(_) => Vec::new(),
        };
        let mut trials = 0;
        for mut record in records {
            for rep in &mut record.repetitions {
                trials = trials.max(rep.trial + 1);
                rep.pass = pass;
                rep.trial += trials_before;
                rep.at_ms += at_ms;
            }
            results.add(record);
        }
        trials_before += trials;
        if !status.success() {
            outcome = Err(format!(
                "pass {} of {passes} failed ({status}; its error is above)",
                pass + 1
            ));
            break;
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    outcome
}

/// `statebench pass`: one pass of a run, in a process of its own — the plan its parent wrote,
/// the records it measured written to `--out` (also when a trial failed: nothing measured is
/// lost), exit status 1 on a failed trial.
pub(crate) fn pass(args: PassArgs) -> ExitCode {
    let plan: PassPlan = match std::fs::read_to_string(&args.plan)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(p) => p,
        Err(e) => return usage(format!("--plan {}: {e}", args.plan.display())),
    };
    let matrix = plan.matrix;
    let cells = match matrix.plan() {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let label = format!("pass {}/{}", plan.pass + 1, plan.passes);
    let (records, outcome) = run_pass(&matrix, &cells, Some(&label));
    let written = serde_json::to_string(&records)
        .map_err(|e| e.to_string())
        .and_then(|t| std::fs::write(&args.out, t).map_err(|e| e.to_string()));
    if let Err(e) = written {
        return failure(format!("cannot write {}: {e}", args.out.display()));
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failure(format!("{label} failed: {e}")),
    }
}

pub(crate) fn run(args: RunArgs) -> ExitCode {
    let out = args.out.clone().unwrap_or_else(default_out);
    match measure(&args.matrix, &RUN_DEFAULTS, &out) {
        Ok(_) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}
