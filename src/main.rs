//! The `statebench` command line: `list`, `run`, `report`, `demo`, `agreement`, `compare`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use statebench::registry;
use statebench::runner::{Matrix, PlannedCell, Suite, Trial};
use statebench::table::{human_ns, workload_table};
use statebench_harness::Driver;
use statebench_harness::floors::Floors;
use statebench_harness::machine::Machine;
use statebench_harness::results::{Record, Results, RunSettings};
use statebench_harness::stats::Correction;
use statebench_harness::workload::{self, Workload};

/// Where should shared state live? Owner tasks, locks and concurrent maps, measured side by side.
#[derive(Debug, Parser)]
#[command(name = "statebench", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the services, their implementations, and the named workloads.
    List,
    /// Run a matrix of workloads x implementations x drivers x client counts, print a table per
    /// workload, and write every figure to a JSON results file.
    Run(RunArgs),
    /// Run the default matrix (or render --from a results file) and write a folder with the
    /// results and REPORT.md: a summary, the machine and its floors, every workload's table,
    /// the methodology.
    Report(ReportArgs),
    /// The reference program (100 readers, 10 writers, 5 keys, 1 ms sleep, 1 s) for every
    /// strategy, printing readOps and writeOps like the original; then without the sleep.
    Demo(DemoArgs),
    /// How far several runs of the same command agree: per-cell ranking agreement (Kendall
    /// tau), leader agreement, and the report's claims that every run repeats or one reverses.
    /// scripts/reproducibility.sh runs the main job N times and calls this.
    Agreement(AgreementArgs),
    /// Did a change make anything slower or faster? Per record, the ratio NEW/BASE of the
    /// throughputs with its confidence interval and a verdict: slower, faster, unchanged, or
    /// inconclusive. Exits 1 if a record got slower beyond the threshold, 2 on a usage error.
    /// scripts/ci-regress.sh builds two revisions, runs them interleaved and calls this.
    Compare(CompareArgs),
    /// Tally the comparisons (`compare --format json`) of many trials of one kind: per cell how
    /// often each verdict came out, and the share of trials with a cell called slower — the
    /// false-alarm rate of A/A trials, the detection rate of planted slowdowns.
    /// scripts/ci-power.sh runs the trials and calls this.
    #[command(hide = true)]
    Power(PowerArgs),
    /// The deterministic tier: instructions per operation of every lock and concurrent pair at
    /// one client, blocking and async, counted under Valgrind; written as results that
    /// `compare` reads (docs/CI.md).
    Instructions(InstructionsArgs),
    /// One process of the instruction tier: exactly --ops operations, no timing.
    #[command(hide = true)]
    Count(CountArgs),
    /// Check that the harness does not distort what it measures: the runner against a bare
    /// loop on the same `mutex_std` store (1 and 64 clients), and the generic lock wrapper
    /// against a hand-written `Mutex<HashMap>`.
    #[command(hide = true)]
    Overhead(OverheadArgs),
}

#[derive(Debug, clap::Args)]
struct AgreementArgs {
    /// Results files (or report folders holding results.json) of two or more runs.
    #[arg(value_name = "RESULTS", required = true, num_args = 2..)]
    runs: Vec<PathBuf>,
    /// How the claims correct for many comparisons: `fdr` (Benjamini–Hochberg: at most 5 % of
    /// the claims false on average; the report's) or `bonferroni` (all intervals hold together
    /// with 95 % probability).
    #[arg(long, default_value = "fdr", value_parser = parse_correction)]
    correction: Correction,
    /// Also list every claim some run did not repeat, and every swapped pair a run told apart.
    #[arg(long)]
    details: bool,
}

#[derive(Debug, clap::Args)]
struct InstructionsArgs {
    /// Implementations to count (repeatable; default: every one whose calls stay on the
    /// caller's thread — the locks and concurrent structures; owners only when named).
    #[arg(long = "impl", short = 'i', value_name = "NAME")]
    implementations: Vec<String>,
    /// Drivers (default: both).
    #[arg(long = "driver", short = 'd', value_name = "DRIVER", value_parser = parse_driver)]
    drivers: Vec<Driver>,
    /// Counts of every pair (each two Valgrind processes); their spread shows how
    /// deterministic the pair is.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    repeat: u32,
    /// Seed of the operation plans.
    #[arg(long, default_value_t = 0x5EED, value_parser = parse_seed)]
    seed: u64,
    /// Where to write the results (default: target/statebench/instructions-<time>.json).
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct CountArgs {
    #[arg(long = "workload", short = 'w')]
    workload: String,
    #[arg(long = "impl", short = 'i')]
    implementation: String,
    #[arg(long = "driver", short = 'd', value_parser = parse_driver)]
    driver: Driver,
    #[arg(long)]
    ops: u64,
    #[arg(long, default_value_t = 0x5EED, value_parser = parse_seed)]
    seed: u64,
}

#[derive(Debug, clap::Args)]
struct PowerArgs {
    /// Comparison files written by `compare --format json`, one per trial.
    #[arg(value_name = "COMPARISON", required = true, num_args = 1..)]
    comparisons: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct CompareArgs {
    /// BASE: a results file, a report folder (holding results.json), or a folder of results
    /// files of one build, pooled (the runs of one side of an A/B job).
    #[arg(value_name = "BASE")]
    base: PathBuf,
    /// NEW: the same kinds of input as BASE.
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// The smallest change called a change: slower or faster only when the whole interval of
    /// the ratio lies beyond it, unchanged when the whole interval lies within it.
    #[arg(long, default_value = "5%", value_parser = parse_percent)]
    threshold: f64,
    /// The chance that any of the intervals misses (with --correction none: that each one
    /// does).
    #[arg(long, default_value_t = 0.05, value_parser = parse_alpha)]
    alpha: f64,
    /// `bonferroni` (all intervals hold together: an A/A comparison calls anything slower with
    /// probability at most --alpha) or `none` (each interval on its own).
    #[arg(long, default_value = "bonferroni", value_parser = parse_compare_correction)]
    correction: bool,
    /// The slowdown every record should be able to catch; records that could not, at the
    /// spread they measured, are marked "low power".
    #[arg(long, default_value = "10%", value_parser = parse_percent)]
    power_effect: f64,
    /// Output: `table` (terminal), `markdown` (a pull-request comment) or `json`.
    #[arg(long, default_value = "table", value_parser = ["table", "markdown", "json"])]
    format: String,
    /// Compare even when the sides measured differently (warm-up, window, seed, sampling, a
    /// workload's definition); the difference is listed.
    #[arg(long)]
    allow_settings_change: bool,
}

/// Parses `5%`, `5` (percent) or `0.05`... as a share: `5%` and `5` are 0.05; a bare number
/// below 1 is taken as a share already.
fn parse_percent(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a percentage; write e.g. 5%"))?;
    let share = if percent || value >= 1.0 {
        value / 100.0
    } else {
        value
    };
    if !(share > 0.0 && share < 1.0) {
        return Err(format!(
            "{text:?} must be more than 0 % and less than 100 %"
        ));
    }
    Ok(share)
}

fn parse_alpha(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(a) if a > 0.0 && a < 0.5 => Ok(a),
        _ => Err(format!(
            "{text:?} must be a probability above 0 and below 0.5, e.g. 0.05"
        )),
    }
}

fn parse_compare_correction(text: &str) -> Result<bool, String> {
    match text {
        "bonferroni" => Ok(true),
        "none" => Ok(false),
        other => Err(format!(
            "unknown correction {other:?}; compare's corrections are bonferroni, none"
        )),
    }
}

fn parse_correction(text: &str) -> Result<Correction, String> {
    match text {
        "bonferroni" => Ok(Correction::Bonferroni),
        "fdr" => Ok(Correction::FalseDiscovery),
        other => Err(format!(
            "unknown correction {other:?}; the corrections are bonferroni, fdr"
        )),
    }
}

#[derive(Debug, clap::Args)]
struct MatrixArgs {
    /// Workloads to run (repeatable; default: all). See `statebench list`.
    #[arg(long = "workload", short = 'w', value_name = "NAME")]
    workloads: Vec<String>,
    /// Implementations to run (repeatable; default: all that serve each workload's service).
    #[arg(long = "impl", short = 'i', value_name = "NAME")]
    implementations: Vec<String>,
    /// Drivers: `threads` (OS threads, blocking calls), `tasks` (tokio tasks, async calls).
    #[arg(long = "driver", short = 'd', value_name = "DRIVER", value_parser = parse_driver)]
    drivers: Vec<Driver>,
    /// Client counts, comma-separated. Default: 1,8,64 for `run`, 1,2,8,64 for `report`, for
    /// workloads that scale; the reference workloads (seed, seed_nosleep) run at their 110
    /// clients unless named with --workload.
    #[arg(long, short = 'c', value_delimiter = ',', value_parser = parse_clients)]
    clients: Vec<usize>,
    /// Measured window per repetition, e.g. 500ms, 2s (default: 60ms for `report`; for `run`
    /// each workload's own: 300 ms for the reference workloads, 100 ms for the others).
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Warm-up before each measured window (default: 100ms for `run`, 30ms for `report`).
    #[arg(long, value_parser = parse_duration)]
    warmup: Option<Duration>,
    /// Repetitions of every cell, run interleaved with the other cells in a shuffled order;
    /// their median is reported, each one is recorded (default: 1 for `run`, 8 for `report`,
    /// so that every claim has an interval).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeat: Option<u32>,
    /// Time one operation in this many in closed loops (a power of two; 1 times every one).
    /// Default: 256 in the first round; then, for every implementation of a cell alike, the
    /// interval that keeps timing under 1 % of the CPU time of the cell's cheapest one.
    #[arg(long, value_parser = parse_sample_every)]
    sample_every: Option<u32>,
    /// Seed of the operation generators.
    #[arg(long, default_value_t = 0x5EED, value_parser = parse_seed)]
    seed: u64,
    /// Run a named suite of cells instead of the matrix: `ci` (regression tracking: every
    /// strategy alone, blocking and async, and contended at 8 clients: 35 cells with the
    /// registry of 2026-11-30) or `smoke` (three cells, for plumbing checks). --impl narrows it; --workload, --driver and
    /// --clients do not combine with it.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["workloads", "drivers", "clients"])]
    suite: Option<String>,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    #[command(flatten)]
    matrix: MatrixArgs,
    /// Where to write the results (default: target/statebench/run-<time>.json).
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ReportArgs {
    #[command(flatten)]
    matrix: MatrixArgs,
    /// Render this results file instead of running (the matrix options are then ignored).
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// The folder for results.json and REPORT.md (default: results/<date>-<host>/, with -2,
    /// -3, … appended if that exists; with --from, the folder of that file). A folder holding
    /// another run's results is never replaced: the command refuses with status 2.
    #[arg(long, short = 'o', value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct DemoArgs {
    /// Measured window per strategy (the reference program runs 1 s).
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    duration: Duration,
}

#[derive(Debug, clap::Args)]
struct OverheadArgs {
    /// Measured window of each trial.
    #[arg(long, default_value = "500ms", value_parser = parse_duration)]
    duration: Duration,
    /// Trials of each loop, alternated.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=50))]
    trials: u32,
}

/// Parses `500ms`, `2s`, `1.5s`, `250us`, `1m`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration; write e.g. 500ms, 2s, 1.5s"))?;
    let scale = match unit.trim() {
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "" => {
            return Err(format!(
                "{text:?} needs a unit: us, ms, s or m (e.g. 500ms)"
            ));
        }
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}; use us, ms, s or m"
            ));
        }
    };
    let secs = value * scale;
    if !(secs > 0.0 && secs <= 3600.0) {
        return Err(format!("{text:?} must be more than 0 and at most an hour"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The most clients one cell may have: each is a thread or a task on this machine.
const MAX_CLIENTS: usize = 4096;

fn parse_clients(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a client count"))?;
    match n {
        0 => Err("the client count must be at least 1".into()),
        n if n > MAX_CLIENTS => Err(format!(
            "{n} clients is more than the {MAX_CLIENTS} a cell may have"
        )),
        n => Ok(n),
    }
}

fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "{text:?} is not a seed: write a whole number from 0 to {}",
            u64::MAX
        )
    })
}

fn parse_driver(text: &str) -> Result<Driver, String> {
    Driver::parse(text).map_err(|e| e.0)
}

fn parse_sample_every(text: &str) -> Result<u32, String> {
    let n: u32 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if n == 0 || !n.is_power_of_two() || n > 1024 {
        return Err(format!("{n} must be a power of two from 1 to 1024"));
    }
    Ok(n)
}

/// A usage error: the message, and exit status 2.
fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("statebench: {message}");
    ExitCode::from(2)
}

/// A failed run: the message, and exit status 1.
fn failure(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("statebench: {message}");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version: clap prints them and exits 0.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            return usage(
                "no command given: choose list, run, report, demo, agreement or compare (see statebench --help)",
            );
        }
        Err(e) => {
            // clap renders "error: <what>", then usage and a hint on more lines; keep the one
            // line that names the problem.
            let rendered = e.render().to_string();
            let what = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments");
            return usage(format!(
                "{} (see statebench --help)",
                what.trim_start_matches("error: ")
            ));
        }
    };
    match cli.command {
        Command::List => {
            list();
            ExitCode::SUCCESS
        }
        Command::Run(args) => run(args),
        Command::Report(args) => report(args),
        Command::Demo(args) => demo(args),
        Command::Overhead(args) => overhead(args),
        Command::Agreement(args) => agreement(args),
        Command::Compare(args) => compare(args),
        Command::Power(args) => power(args),
        Command::Instructions(args) => instructions(args),
        Command::Count(args) => {
            match statebench::instructions::run_in_process(
                &args.workload,
                &args.implementation,
                args.driver,
                args.ops,
                args.seed,
            ) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => failure(e),
            }
        }
    }
}

fn agreement(args: AgreementArgs) -> ExitCode {
    let mut runs = Vec::new();
    for path in &args.runs {
        let file = if path.is_dir() {
            path.join("results.json")
        } else {
            path.clone()
        };
        match load(&file) {
            Ok(r) => runs.push(r),
            Err(e) => return usage(e),
        }
    }
    match statebench_report::agreement::Agreement::of(&runs, args.correction) {
        Ok(a) => {
            print!("{}", a.render(args.details));
            ExitCode::SUCCESS
        }
        Err(e) => usage(e),
    }
}

/// Loads a results file, filling from the registry what files of older versions lack (the
/// strategies' families and descriptions).
fn load(path: &Path) -> Result<Results, String> {
    let mut results = Results::load(path).map_err(|e| e.to_string())?;
    registry::describe_old_records(&mut results);
    Ok(results)
}

/// The runs of one side of a comparison: a results file, a report folder holding
/// results.json, or a folder of results files (every `*.json` in it, by name).
fn load_side(path: &Path) -> Result<Vec<Results>, String> {
    if !path.is_dir() {
        return Ok(vec![load(path)?]);
    }
    let report = path.join("results.json");
    if report.is_file() {
        return Ok(vec![load(&report)?]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "{} holds no results: neither results.json nor any *.json file",
            path.display()
        ));
    }
    files.iter().map(|f| load(f)).collect()
}

fn compare(args: CompareArgs) -> ExitCode {
    use statebench_report::compare::{Comparison, Options};
    let (base, new) = match (load_side(&args.base), load_side(&args.new)) {
        (Ok(b), Ok(n)) => (b, n),
        (Err(e), _) => return usage(format!("BASE: {e}")),
        (_, Err(e)) => return usage(format!("NEW: {e}")),
    };
    let options = Options {
        threshold: args.threshold,
        alpha: args.alpha,
        corrected: args.correction,
        power_effect: args.power_effect,
    };
    let comparison = match Comparison::of(base, new, options, args.allow_settings_change) {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    match args.format.as_str() {
        "markdown" => print!("{}", comparison.render_markdown()),
        "json" => println!("{}", comparison.to_json()),
        _ => print!("{}", comparison.render_table()),
    }
    if comparison.regressed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn instructions(args: InstructionsArgs) -> ExitCode {
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
    if let Err(e) = claim_output(&out) {
        return usage(e);
    }
    let drivers = if args.drivers.is_empty() {
        Driver::ALL.to_vec()
    } else {
        args.drivers.clone()
    };
    println!(
        "counting instructions per operation under {valgrind}: {} and {} operations a process, \
         {} counts a pair",
        OPS.0, OPS.1, args.repeat
    );
    if args.implementations.is_empty() {
        println!(
            "owners are left out: their calls cross threads, so their counts depend on timing \
             (name them with --impl to count them anyway)"
        );
    } else if args
        .implementations
        .iter()
        .any(|i| tier::crosses_threads(i))
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
    let settings = RunSettings {
        command: std::env::args().collect(),
        warmup_ms: 0,
        duration_ms: None,
        repeat: args.repeat,
        sample_every: None,
        seed: args.seed,
        implementations: args.implementations.clone(),
        drivers: drivers.clone(),
        clients: vec![1],
        workloads: tier::workloads(),
        suite: None,
        planted,
        metric: Some("instructions".into()),
    };
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

fn power(args: PowerArgs) -> ExitCode {
    use statebench_report::compare::Comparison;
    let mut comparisons = Vec::new();
    for path in &args.comparisons {
        let read = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| Comparison::from_json(&text));
        match read {
            Ok(c) => comparisons.push(c),
            Err(e) => return usage(format!("{}: {e}", path.display())),
        }
    }
    print!(
        "{}",
        statebench_report::power::Power::of(&comparisons).render()
    );
    ExitCode::SUCCESS
}

fn list() {
    println!("services and their implementations:");
    for (service, about) in registry::SERVICES {
        println!();
        println!("  {service:<10} {about}");
        println!(
            "  {:<10} {}",
            "",
            registry::implementations(service).join(", ")
        );
    }
    let pairs = registry::pairs();
    println!();
    println!("{} (service, implementation) pairs.", pairs.len());
    println!();
    println!("workloads (statebench run --workload NAME):");
    for w in workload::named() {
        let clients = if w.scales {
            "scales with --clients".to_owned()
        } else {
            format!("{} clients", w.default_clients())
        };
        println!("  {:<15} {:<9} {} ({clients})", w.name, w.service, w.about);
    }
}

/// Resolves names to workloads, and checks implementation names against the registry.
fn select_workloads(names: &[String]) -> Result<Vec<Workload>, String> {
    if names.is_empty() {
        return Ok(workload::named());
    }
    names
        .iter()
        .map(|n| workload::find(n).map_err(|e| e.0))
        .collect()
}

fn check_implementations(names: &[String]) -> Result<(), String> {
    let known: Vec<&str> = {
        let mut v: Vec<&str> = registry::pairs().into_iter().map(|(_, i)| i).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    match names.iter().find(|n| !known.contains(&n.as_str())) {
        Some(bad) => Err(format!(
            "unknown implementation {bad:?}; the implementations are {}",
            known.join(", ")
        )),
        None => Ok(()),
    }
}

/// Creates (or truncates) `path` now, so an unwritable output fails before minutes of work.
fn claim_output(path: &Path) -> Result<(), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::File::create(path)
        .map(drop)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
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
}

/// Runs the matrix `args` describe, prints a table per workload, and writes the results to
/// `out` (claimed before anything runs, so an unwritable path fails at once). A failed run
/// still writes what it measured.
/// Defaults that differ between `run` (quick) and `report` (the full picture in under five
/// minutes on 2 cores).
struct Defaults {
    clients: &'static [usize],
    warmup: Duration,
    repeat: u32,
    /// The measured window (`None`: each workload's own).
    duration: Option<Duration>,
}

const RUN_DEFAULTS: Defaults = Defaults {
    clients: &[1, 8, 64],
    warmup: Duration::from_millis(100),
    repeat: 1,
    duration: None,
};

/// Eight repetitions of 60 ms windows after 30 ms of warm-up: the full matrix in about 5½
/// minutes on 2 cores. Measured against five of 100 ms (same budget, three runs of each on one
/// VM), it raised the claims every run repeats from 79.7 % to 89.7 % and the median Kendall τ
/// from 0.905 to 0.929: on a noisy host more, shorter repetitions beat fewer, longer ones
/// (docs/METHODOLOGY.md).
const REPORT_DEFAULTS: Defaults = Defaults {
    clients: &[1, 2, 8, 64],
    warmup: Duration::from_millis(30),
    repeat: 8,
    duration: Some(Duration::from_millis(60)),
};

/// The slowdown planted on purpose in this process, in words (`calibrate` builds only).
#[cfg(feature = "calibrate")]
fn planted_slowdown() -> Result<Option<String>, String> {
    use statebench_locked::calibrate::{VARIABLE, spins};
    let n = spins()?;
    Ok((n > 0).then(|| {
        format!("mutex_std slowed on purpose: {n} spins inside its lock per operation ({VARIABLE})")
    }))
}

/// Without the `calibrate` feature nothing can be planted; asking for it is an error, not a
/// silent no-op.
#[cfg(not(feature = "calibrate"))]
fn planted_slowdown() -> Result<Option<String>, String> {
    match std::env::var_os("STATEBENCH_PLANT_SPINS") {
        Some(_) => Err(
            "STATEBENCH_PLANT_SPINS is set, but this build cannot plant a slowdown: \
                        build with --features calibrate (docs/CI.md)"
                .into(),
        ),
        None => Ok(None),
    }
}

fn measure(args: &MatrixArgs, defaults: &Defaults, out: &Path) -> Result<Results, ExitCode> {
    let planted = match planted_slowdown() {
        Ok(p) => p,
        Err(e) => return Err(usage(e)),
    };
    if let Some(p) = &planted {
        println!("CALIBRATION BUILD — {p}");
    }
    let suite = match args.suite.as_deref().map(Suite::named).transpose() {
        Ok(s) => s,
        Err(e) => return Err(usage(e)),
    };
    let mut workloads = match select_workloads(&args.workloads) {
        Ok(w) => w,
        Err(e) => return Err(usage(e)),
    };
    if let Err(e) = check_implementations(&args.implementations) {
        return Err(usage(e));
    }
    let mut drivers = if args.drivers.is_empty() {
        Driver::ALL.to_vec()
    } else {
        args.drivers.clone()
    };
    // Named explicitly, a reference workload takes the client counts too.
    let mut force_clients = !args.clients.is_empty() && !args.workloads.is_empty();
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
        workloads = match select_workloads(&names) {
            Ok(w) => w,
            Err(e) => return Err(failure(format!("suite {}: {e}", suite.name))),
        };
        drivers = Driver::ALL
            .into_iter()
            .filter(|d| suite.groups.iter().any(|g| g.driver == *d))
            .collect();
        clients = suite.groups.iter().map(|g| g.clients).collect();
        clients.sort_unstable();
        clients.dedup();
        force_clients = true;
    }
    let matrix = Matrix {
        workloads,
        implementations: args.implementations.clone(),
        drivers,
        clients,
        force_clients,
        warmup: args.warmup.unwrap_or(defaults.warmup),
        duration: args.duration.or(defaults.duration),
        repeat: args.repeat.unwrap_or(defaults.repeat),
        sample_every: args.sample_every,
        seed: args.seed,
        suite,
    };
    let cells = match matrix.plan() {
        Ok(c) => c,
        Err(e) => return Err(usage(e)),
    };
    if let Err(e) = claim_output(out) {
        return Err(usage(e));
    }
    let estimate: Duration = cells
        .iter()
        .map(|c| {
            (matrix.warmup + matrix.duration_for(&matrix.workloads[c.workload])) * matrix.repeat
        })
        .sum();
    println!(
        "{} cells x {} repetition(s), about {:.0} s of measuring; measuring the floors first.",
        cells.len(),
        matrix.repeat,
        estimate.as_secs_f64()
    );
    let machine = Machine::detect();
    let floors = match Floors::measure() {
        Ok(f) => f,
        Err(e) => return Err(failure(e)),
    };
    print_floors(&machine, &floors);
    println!();

    let settings = RunSettings {
        command: std::env::args().collect(),
        warmup_ms: u64::try_from(matrix.warmup.as_millis()).unwrap_or(u64::MAX),
        duration_ms: matrix
            .duration
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        repeat: matrix.repeat,
        sample_every: matrix.sample_every,
        seed: matrix.seed,
        implementations: args.implementations.clone(),
        drivers: matrix.drivers.clone(),
        clients: args.clients.clone(),
        workloads: matrix.workloads.clone(),
        suite: suite.map(|s| s.name.to_owned()),
        planted,
        metric: None,
    };
    let mut results = Results::new(machine, floors, settings);
    let started = Instant::now();
    let trials = matrix.schedule(&cells);
    let mut progress = Progress::new(trials.len() as u64);
    let workloads = matrix.workloads.clone();
    let mut on_progress = |cell: &PlannedCell, trial: &Trial| {
        progress.step(format!(
            "{} {} {} x{} (rep {})",
            workloads[cell.workload].name,
            cell.implementation,
            cell.driver.name(),
            cell.clients,
            trial.repetition + 1
        ));
    };
    let outcome = matrix.run(&cells, &trials, &mut on_progress);
    progress.finish();
    // Keep what was measured even if a later trial failed: nothing accepted is lost.
    let outcome = match outcome {
        Ok(records) => {
            results.records = records;
            Ok(())
        }
        Err((e, records)) => {
            results.records = records;
            Err(e)
        }
    };
    // The floors again: a machine that changed under the run shows here.
    match Floors::measure() {
        Ok(end) => {
            let moved = end.moved_since(&results.floors);
            if !moved.is_empty() {
                eprintln!(
                    "statebench: warning: the machine changed during the run (floors moved):"
                );
                for m in &moved {
                    eprintln!("  {m}");
                }
            }
            results.floors_end = Some(end);
        }
        Err(e) => eprintln!("statebench: warning: the floors at the end failed: {e}"),
    }
    for w in &matrix.workloads {
        let records: Vec<&Record> = results
            .records
            .iter()
            .filter(|r| r.workload == w.name)
            .collect();
        if !records.is_empty() {
            println!("== {} — {}", w.name, w.about);
            print!("{}", workload_table(&records, w));
        }
    }
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

fn run(args: RunArgs) -> ExitCode {
    let out = args.out.clone().unwrap_or_else(default_out);
    match measure(&args.matrix, &RUN_DEFAULTS, &out) {
        Ok(_) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn report(args: ReportArgs) -> ExitCode {
    let (results, dir) = match &args.from {
        Some(from) => {
            let results = match load(from) {
                Ok(r) => r,
                Err(e) => return usage(e),
            };
            if let Some(metric) = &results.settings.metric {
                return usage(format!(
                    "{} holds {metric} counts (statebench instructions), not a run of the \
                     matrix: compare two of them with statebench compare",
                    from.display()
                ));
            }
            let dir = args.out.clone().unwrap_or_else(|| {
                from.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            });
            // Re-rendering a folder from its own results is fine (the report is a function of
            // them); rendering other results over it would replace a run without a word.
            let copy = dir.join("results.json");
            let same = std::fs::canonicalize(&copy).ok() == std::fs::canonicalize(from).ok();
            let holds_these = same || load(&copy).is_ok_and(|held| held == results);
            if !holds_these && copy.exists() {
                return usage(format!(
                    "{} already holds the results of another run; choose another --out",
                    dir.display()
                ));
            }
            if let Err(e) = std::fs::create_dir_all(&dir) {
                return usage(format!("cannot create {}: {e}", dir.display()));
            }
            if !same {
                if let Err(e) = results.save(&copy) {
                    return usage(format!("cannot write {}: {e}", copy.display()));
                }
            }
            (results, dir)
        }
        None => {
            let dir = match &args.out {
                // A folder named on the command line is never replaced: the committed report
                // of another machine must not vanish under a new run.
                Some(dir) if dir.join("results.json").exists() => {
                    return usage(format!(
                        "{} already holds the results of a run; choose another --out \
                         (a new run never replaces one)",
                        dir.display()
                    ));
                }
                Some(dir) => dir.clone(),
                None => default_report_dir(),
            };
            match measure(&args.matrix, &REPORT_DEFAULTS, &dir.join("results.json")) {
                Ok(r) => (r, dir),
                Err(code) => return code,
            }
        }
    };
    let rendered = match statebench_report::markdown::render(&results) {
        Ok(r) => r,
        Err(e) => return failure(format!("cannot render the report: {e}")),
    };
    for (name, svg) in &rendered.files {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, svg) {
            return failure(format!("cannot write {}: {e}", path.display()));
        }
    }
    let path = dir.join("REPORT.md");
    if let Err(e) = std::fs::write(&path, &rendered.markdown) {
        return failure(format!("cannot write {}: {e}", path.display()));
    }
    println!();
    println!("Summary: throughput as a share of the fastest, per workload and driver");
    println!();
    print!("{}", statebench_report::markdown::summary(&results));
    println!();
    println!("report: {}", path.display());
    ExitCode::SUCCESS
}

/// `results/<date>-<host>/`, or `results/<date>-<host>-2/`, `-3/`, … : the first that does
/// not exist yet. Virtual machines often share a host name, and a second run on the same day
/// must not replace the first (or a committed one).
fn default_report_dir() -> PathBuf {
    let date: String = statebench_harness::results::utc_now()
        .chars()
        .take(10)
        .collect();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    unused_dir(Path::new("results"), &format!("{date}-{host}"))
}

/// `parent/name`, or `parent/name-N` with the smallest N ≥ 2 that does not exist.
fn unused_dir(parent: &Path, name: &str) -> PathBuf {
    let first = parent.join(name);
    if !first.exists() {
        return first;
    }
    (2u32..)
        .map(|n| parent.join(format!("{name}-{n}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

fn demo(args: DemoArgs) -> ExitCode {
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
            drivers: Driver::ALL.to_vec(),
            clients: Vec::new(),
            force_clients: false,
            warmup: Duration::from_millis(100),
            duration: Some(args.duration),
            repeat: 1,
            sample_every: None,
            seed: 0x5EED,
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
                "  {:<18} {:<8} readOps: {:>9}  writeOps: {:>8}",
                r.implementation,
                r.driver.name(),
                count("get"),
                count("set")
            );
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

fn overhead(args: OverheadArgs) -> ExitCode {
    match statebench::overhead::compare(args.duration, args.trials) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => failure(e),
    }
}
