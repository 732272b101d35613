//! The `statebench` command line: `list`, `run`, `report`, `demo`, `agreement`, `compare`,
//! `history`, `instructions`. This file is its surface — the commands, their options and how option
//! values are parsed — and the dispatch; each command's work is in a module of `cmd/`.

mod cmd;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use statebench_harness::placement::View;
use statebench_harness::results::Tuning;
use statebench_harness::stats::{Correction, Variance};
use statebench_harness::{Driver, RustDriver};

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
    List(ListArgs),
    /// Run a matrix of workloads x implementations x drivers x client counts, print a table per
    /// workload, and write every figure to a JSON results file.
    Run(RunArgs),
    /// Run the default matrix (or render --from a results file) and write a folder with the
    /// results, REPORT.md (the answer per mix, client count and caller, a summary, the decision
    /// guide, the machine and its floors), DETAILS.md (every workload's tables and plots,
    /// the methodology) and report.html (the run in one page to open in a browser: a cell's
    /// advise card, its rows in a sortable table, plots with a toggle per row, the report).
    Report(ReportArgs),
    /// The reference program (100 readers, 10 writers, 5 keys, 1 ms sleep, 1 s) for every
    /// strategy, printing readOps and writeOps like the original; then without the sleep.
    Demo(DemoArgs),
    /// How far several runs of the same command agree: per-cell ranking agreement (Kendall
    /// tau), leader agreement, and the report's claims that every run repeats or one reverses.
    /// scripts/reproducibility.sh runs the main job N times and calls this.
    Agreement(AgreementArgs),
    /// The answer for one situation: describe the state (--service, or --workload), how many
    /// clients call it, the share of reads and who calls, and get the strategy to use, the
    /// runners-up with their ratios and intervals, latency and CPU per operation, where the
    /// answer changes, and what it does not cover. From the committed canonical run (with
    /// --across-processes, the committed set that measured Redis) unless --from names another.
    Advise(AdviseArgs),
    /// Did a change make anything slower or faster? Per record, the ratio NEW/BASE of the
    /// throughputs with its confidence interval and a verdict: slower, faster, unchanged, or
    /// inconclusive. Exits 1 if a record got slower beyond the threshold, 2 on a usage error.
    /// scripts/ci-regress.sh builds two revisions, runs them interleaved and calls this.
    Compare(CompareArgs),
    /// A results history: `history add RUN` files a run (a results file or a report folder)
    /// under its time and commit; `history` then reads every series — one per record, over the
    /// runs that measured alike — and reports its persistent shifts (change points) with their
    /// size, interval and the commits they lie between, and whether the newest run is a
    /// suspect. Exits 1 when the newest run confirms a new regression beyond --threshold (of
    /// the tier --fail-on names), 2 on a usage error, 3 when --svg or --html cannot be written.
    #[command(args_conflicts_with_subcommands = true)]
    History(HistoryArgs),
    /// Watch where the machine's two cores stand from each other: the cross-core cache-line
    /// round trip the runner probes before and after every trial, probed every --every for --for and
    /// printed as a timeline (`.` near, `#` far, `?` disturbed), then how long each placement lasted. A
    /// virtual machine's hypervisor can move its two vCPUs apart for seconds at a time, and the
    /// rows whose clients share data change speed there (docs/METHODOLOGY.md, "Where the cores
    /// stood").
    Placement(PlacementArgs),
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
    /// One pass of a run of several (--passes), in a process of its own: the plan its parent
    /// wrote, the records it measured.
    #[command(hide = true)]
    Pass(PassArgs),
    /// Check that the harness does not distort what it measures: the runner against a bare
    /// loop on the same `mutex_std` store (1 and 64 clients), and the generic lock and owner
    /// wrappers against a hand-written `Mutex<HashMap>` and owner task, from threads and tasks.
    /// Exits 1 unless every wrapper is shown (its interval over several fresh processes) to
    /// make at least 90 % of its hand-written reference: below it, or cannot tell.
    #[command(hide = true)]
    Overhead(OverheadArgs),
}

#[derive(Debug, clap::Args)]
struct PlacementArgs {
    /// How long to watch, e.g. 30s, 4m (at most an hour).
    #[arg(long = "for", default_value = "2m", value_parser = parse_duration)]
    span: Duration,
    /// How often to probe, e.g. 250ms (at least 10ms; each probe keeps both cores busy for
    /// 0.1–0.5 ms).
    #[arg(long, default_value = "250ms", value_parser = parse_duration)]
    every: Duration,
    /// Also write every probe, with the machine and the time, to this JSON file.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
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
    /// Which variance each row's interval is built from: `moderated` (its own moderated
    /// towards the typical one of its workload's rows, as limma does; the report's) or `own`
    /// (its samples' alone).
    #[arg(long, default_value = "moderated", value_parser = parse_variance)]
    variance: Variance,
    /// Also list every claim some run did not repeat, and every swapped pair a run told apart.
    #[arg(long)]
    details: bool,
    /// Which trials to read: `near` (those run with the machine's two cores near each other,
    /// as the probes before and after each trial saw them; the report's), `far` (those run with them far
    /// apart, as a hypervisor may place them for seconds at a time) or `all`. Rows that share
    /// data change speed with the placement, so a reading of both mixes two machines.
    #[arg(long, default_value = "near", value_parser = parse_view)]
    placement: View,
}

#[derive(Debug, clap::Args)]
struct AdviseArgs {
    /// The state: `kv` (a key-value store), `counter`, `sessions` (with expiry) or `cache`
    /// (entries with TTLs and a periodic cleanup).
    #[arg(long, short = 's', value_name = "SERVICE")]
    service: Option<String>,
    /// How many clients call it at once (default: 8). Where the run did not measure that many,
    /// the nearest count it did answers, and the card says so.
    #[arg(long, short = 'c', value_name = "N", allow_negative_numbers = true, value_parser = parse_clients)]
    clients: Option<usize>,
    /// The share of operations that only read, in per cent (e.g. 95). The service's measured
    /// mix nearest it answers, and the card says which (default: the service's first mix).
    #[arg(
        long,
        value_name = "PERCENT",
        conflicts_with = "workload",
        allow_negative_numbers = true
    )]
    reads: Option<f64>,
    /// A workload of the run by name, instead of --reads: its mix, keys and key distribution
    /// exactly, e.g. `kv_hot_keys` for a few keys taking most calls (`statebench list
    /// --workloads`).
    #[arg(long, short = 'w', value_name = "NAME")]
    workload: Option<String>,
    /// Who calls: `threads` (OS threads making blocking calls) or `tasks` (tokio tasks making
    /// async calls) [default: threads].
    #[arg(long, short = 'd', value_parser = parse_rust_driver)]
    driver: Option<Driver>,
    /// Answer from this run (a results file, or a report folder holding results.json) instead
    /// of the committed one: the canonical run, or with --across-processes the first run of
    /// the set that measured the rows of another process (the canonical run has none).
    #[arg(long, value_name = "RESULTS")]
    from: Option<PathBuf>,
    /// Another run of the same matrix, from this machine or another (repeatable): the card
    /// then says, machine by machine, in how many runs the answer held. Default, with a
    /// committed run: the other runs of its set.
    #[arg(long, value_name = "RUN")]
    beside: Vec<PathBuf>,
    /// The state must be shared with other processes: pick from the rows that keep it in
    /// another process (`redis`, a Redis server on loopback; `redis_cluster`, a cluster of
    /// three, for the keyed services), and set the best rows of the process beside the pick as
    /// what keeping it in the process would have made. Without it those rows are never picked.
    /// Answers from the committed set that measured them (the card names its run), unless
    /// --from or --measure says otherwise. With --measure, `redis-server` is installed where it is missing
    /// (scripts/install-redis.sh, as the main job installs Go; STATEBENCH_REDIS=off turns the
    /// rows off).
    #[arg(long, conflicts_with = "table")]
    across_processes: bool,
    /// `text` (the card) or `json` (the same, as data).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
    /// Instead of one card, the run's answer table in Markdown, as the README leads with it:
    /// for each mix of each service, the pick at 1, 8 and 64 clients from --driver and what
    /// the best owner makes of its throughput at 8.
    #[arg(long, conflicts_with_all = ["service", "workload", "reads", "clients", "beside"])]
    table: bool,
    /// Measure the situation on this machine and answer from that run instead of a committed
    /// one: the core set's rows of the service, from --driver, at --clients and at 1, 8 and 64
    /// clients, three passes of three 50 ms windows each — under a minute on 2 cores.
    /// The mix is --workload, the measured mix nearest --reads, or --workload-file. The
    /// committed set (the canonical one, or with --across-processes the one that measured
    /// Redis) is set beside it unless --beside names others, so the card says whether this
    /// machine gives the answer the committed runs gave.
    #[arg(long, conflicts_with_all = ["from", "table"])]
    measure: bool,
    /// With --measure: a workload of your own, from a `.toml` or `.json` file (docs/WORKLOADS.md;
    /// `statebench list --workloads --format toml` prints the built-ins to start from).
    #[arg(long, value_name = "FILE", requires = "measure", conflicts_with_all = ["workload", "reads"])]
    workload_file: Option<PathBuf>,
    /// With --measure: where to write the run measured (default:
    /// target/statebench/advise-<time>.json); answer from it again with --from.
    #[arg(long, short = 'o', value_name = "FILE", requires = "measure")]
    out: Option<PathBuf>,
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
    #[arg(long = "driver", short = 'd', value_parser = parse_counted_driver)]
    driver: RustDriver,
    #[arg(long)]
    ops: u64,
    #[arg(long, default_value_t = 0x5EED, value_parser = parse_seed)]
    seed: u64,
}

#[derive(Debug, clap::Args)]
struct PassArgs {
    /// The pass's plan, as its parent wrote it.
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// Where to write the records it measured.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
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
    // A `bool` is a flag to clap unless told to take a value.
    #[arg(long, default_value = "bonferroni", value_parser = parse_compare_correction, action = clap::ArgAction::Set)]
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
    /// Fail on a record called slower over repetitions too. By default only records whose
    /// interval has runs as its unit (three runs or more a side) or separate processes (the
    /// instruction tier) gate: an interval over the repetitions of one or two runs leaves out
    /// the run-to-run spread and has called an A/A comparison slower (docs/CI.md).
    #[arg(long)]
    gate_on_repetitions: bool,
    /// Which trials each side's records are compared on: `near` (those run with the machine's
    /// two cores near each other; the default), `far` or `all`. Rows that share data change
    /// speed with the placement, so sides that ran far in different shares differ for that
    /// alone.
    #[arg(long, default_value = "near", value_parser = parse_view)]
    placement: View,
}

#[derive(Debug, clap::Args)]
struct HistoryArgs {
    #[command(subcommand)]
    add: Option<HistoryCommand>,
    /// The history folder: one results file per run, named by its time and commit.
    #[arg(long, default_value = "target/statebench/history", value_name = "DIR")]
    history: PathBuf,
    /// The smallest shift reported, either way (a change must also be significant).
    #[arg(long, default_value = "2%", value_parser = parse_percent)]
    threshold: f64,
    /// The significance level of a change (Student's t on the runs either side of it).
    #[arg(long, default_value_t = 0.001, value_parser = parse_alpha)]
    alpha: f64,
    /// How many runs one window of the search spans (windows slide by half of it).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(4..=10_000))]
    window: u32,
    /// Output: `table` (terminal), `markdown` (a CI summary) or `json`.
    #[arg(long, default_value = "table", value_parser = ["table", "markdown", "json"])]
    format: String,
    /// Also write an SVG trend of every record with a change into this folder.
    #[arg(long, value_name = "DIR")]
    svg: Option<PathBuf>,
    /// Also write the history as one HTML page (the summary and every changed record's trend,
    /// inline; it loads nothing) to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Which tier's confirmed regressions fail the command (exit 1): `any`, `instructions`
    /// or `wall`. The other tiers' are still reported. On a shared 2-core VM the wall-clock
    /// tier's alarm rang falsely too often to fail a nightly job over the `ci` suite's many
    /// series (docs/CI.md, measured), which then gates on `instructions`.
    #[arg(long, default_value = "any", value_parser = ["any", "instructions", "wall"])]
    fail_on: String,
}

#[derive(Debug, Subcommand)]
enum HistoryCommand {
    /// File a run into the history: a results file, or a report folder holding results.json.
    Add {
        /// The run to file.
        #[arg(value_name = "RUN")]
        run: PathBuf,
        /// The history folder (created if missing).
        #[arg(long, default_value = "target/statebench/history", value_name = "DIR")]
        history: PathBuf,
    },
    /// How often the nightly alarm is right on this machine: series drawn from real runs of
    /// one build (--noise, a folder of runs) and, from night --at on, from runs of a build with
    /// a planted slowdown (--planted NAME=DIR, repeatable); per record, the false alarms per
    /// series-night and how many planted steps were found within --within nights.
    Power {
        /// A folder of runs of one build, measured alike: the nights' noise.
        #[arg(long, value_name = "DIR")]
        noise: PathBuf,
        /// A named folder of runs of a build with a planted slowdown, e.g. `10%=target/p10`.
        #[arg(long, value_name = "NAME=DIR")]
        planted: Vec<String>,
        /// Nights in each drawn series.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(4..=1000))]
        nights: u32,
        /// The first night of the planted step (0-based).
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(2..=999))]
        at: u32,
        /// A step counts as found when the alarm rang within this many of its nights.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(2..=100))]
        within: u32,
        /// Series drawn per record and pool.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        trials: u32,
        /// Seed of the draws.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// As `history --threshold`.
        #[arg(long, default_value = "2%", value_parser = parse_percent)]
        threshold: f64,
        /// As `history --alpha`.
        #[arg(long, default_value_t = 0.001, value_parser = parse_alpha)]
        alpha: f64,
        /// Output: `table` or `json`.
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
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

fn parse_variance(text: &str) -> Result<Variance, String> {
    match text {
        "moderated" => Ok(Variance::Moderated),
        "own" => Ok(Variance::Own),
        other => Err(format!(
            "unknown variance {other:?}; the variances are moderated, own"
        )),
    }
}

fn parse_view(text: &str) -> Result<View, String> {
    View::parse(text).ok_or_else(|| {
        let names: Vec<&str> = View::ALL.iter().map(|v| v.name()).collect();
        format!(
            "unknown placement {text:?}; the placements are {}",
            names.join(", ")
        )
    })
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    /// Only the named workloads.
    #[arg(long)]
    workloads: bool,
    /// How to print the workloads: `text` (a line each), or `toml` / `json` (each in full, as
    /// a workload file reads it; copy one to start yours).
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "toml", "json"])]
    format: String,
}

#[derive(Debug, clap::Args)]
struct MatrixArgs {
    /// Workloads to run (repeatable; default: all, unless --workload-file is given). See
    /// `statebench list`.
    #[arg(long = "workload", short = 'w', value_name = "NAME")]
    workloads: Vec<String>,
    /// A workload of your own, from a `.toml` or `.json` file (repeatable; docs/WORKLOADS.md
    /// has every field, `statebench list --workloads --format toml` prints the built-ins as
    /// examples). Runs with the --workload ones, or alone.
    #[arg(long = "workload-file", value_name = "FILE")]
    workload_files: Vec<PathBuf>,
    /// Implementations to run (repeatable; default: the core set that `statebench list` marks,
    /// those of them that serve each workload's service).
    #[arg(long = "impl", short = 'i', value_name = "NAME")]
    implementations: Vec<String>,
    /// Drivers: `threads` (OS threads, blocking calls), `tasks` (tokio tasks, async calls),
    /// `goroutines` (Go's own programs, the go_* rows; Go from PATH, STATEBENCH_GO or
    /// scripts/install-go.sh). Default: all three, the goroutines where Go is available.
    #[arg(long = "driver", short = 'd', value_name = "DRIVER", value_parser = parse_driver)]
    drivers: Vec<Driver>,
    /// Client counts, comma-separated. Default: 1,8,64 for `run`, 1,2,8,64 for `report`, for
    /// workloads that scale; the reference workloads (seed, seed_nosleep) run at their 110
    /// clients unless named with --workload.
    #[arg(long, short = 'c', value_delimiter = ',', value_parser = parse_clients)]
    clients: Vec<usize>,
    /// Measured window per repetition, e.g. 500ms, 2s (default: 50ms for `report`; for `run`
    /// each workload's own: 300 ms for the reference workloads, 100 ms for the others).
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Warm-up before each measured window (default: 100ms for `run`, 30ms for `report`).
    #[arg(long, value_parser = parse_duration)]
    warmup: Option<Duration>,
    /// How long a closed loop's window may stay open past its duration for every client to
    /// complete an operation in it, counted from when it opened (default: 1s). A window shorter
    /// than one round of the scheduler over many busy clients measures the few it ran;
    /// clients still absent at the bound are recorded. 0s closes every window at its duration,
    /// as runs made before 2026-12-04 did.
    #[arg(long, value_name = "DURATION", value_parser = parse_wait)]
    wait_for_clients: Option<Duration>,
    /// Repetitions of every cell in each pass, run interleaved with the other cells in a
    /// shuffled order; their median is reported, each one is recorded (default: 1 for `run`,
    /// 3 for `report`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeat: Option<u32>,
    /// Passes over the matrix, each a fresh process with a seed of its own (its own shuffle
    /// and operation plans) measuring every cell --repeat times. With two or more, each pass's
    /// mean is one sample of every comparison, so that intervals hold how runs differ, not
    /// only how repetitions of one process do (default: 1 for `run`, 3 for `report`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=20))]
    passes: Option<u32>,
    /// Time one operation in this many in closed loops (a power of two; 1 times every one).
    /// Default: 256 in the first round; then, for every implementation of a cell alike, the
    /// interval that keeps timing under 1 % of the CPU time of the cell's cheapest one.
    #[arg(long, value_parser = parse_sample_every)]
    sample_every: Option<u32>,
    /// Seed of the operation generators.
    #[arg(long, default_value_t = 0x5EED, value_parser = parse_seed)]
    seed: u64,
    /// Measure as the run in FILE did (a results file, or a report folder holding
    /// results.json): its warm-up, window and wait for every client, repetitions, passes,
    /// sampling interval and seed, so that `compare` can set the two side by side (it refuses
    /// runs measured differently, e.g. against a committed run in results/). The other options
    /// still choose the cells.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["duration", "warmup", "repeat", "passes", "sample_every", "seed", "wait_for_clients"]
    )]
    like: Option<PathBuf>,
    /// Every registered strategy, not only the core set: the main job with --all is the whole
    /// matrix (about 3 times as long).
    #[arg(long, conflicts_with_all = ["implementations", "suite"])]
    all: bool,
    /// Run a named suite of cells instead of the matrix: `ci` (regression tracking: every
    /// strategy alone, blocking and async, and contended at 8 clients: 79 cells with the
    /// registry of 2026-12-01) or `smoke` (three cells, for plumbing checks). --impl narrows
    /// it; --workload, --driver and --clients do not combine with it.
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with_all = ["workloads", "workload_files", "drivers", "clients", "work", "rate"]
    )]
    suite: Option<String>,
    /// CPU work inside every operation's critical section, as costs to sweep, comma-separated,
    /// e.g. 0,100ns,1us,10us,100us: every workload runs once per cost, a nonzero one under the
    /// name `{workload}_work_{cost}`. The work is calibrated on this machine before the run
    /// and recorded; the report plots throughput against it and names the crossover. Default:
    /// each workload's own `work_ns` (0 for the built-ins).
    #[arg(long, value_name = "COSTS", value_delimiter = ',', value_parser = parse_work)]
    work: Vec<u64>,
    /// Run in an open loop at these offered rates, operations a second over all clients,
    /// comma-separated, e.g. 10k,50k,100k,200k (0: the closed loop): every workload runs once
    /// per rate, a nonzero one under the name `{workload}_rate_{rate}`. Each client sends on a
    /// schedule fixed in advance, one call in flight at most, and latency counts from the
    /// scheduled send (coordinated omission corrected, as wrk2 does); results record the
    /// offered and achieved rates, late sends and the backlog, and the report plots latency
    /// against offered load. Default: each workload's own `rate_per_s` (0 for the built-ins).
    /// The Go rows run closed loops only.
    #[arg(long, value_name = "RATES", value_delimiter = ',', value_parser = parse_rate)]
    rate: Vec<u64>,
    /// Owners a sharded owner (`sharded_tokio`, `sharded_thread`) runs, each owning the keys
    /// that hash to it (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    shards: Option<u16>,
    /// How long the spinning owner thread (`owner_thread_spin`) polls its empty mailbox before
    /// it parks, e.g. 100us, 0s to park at once (default: 100us).
    #[arg(long, value_name = "DURATION", value_parser = parse_spin)]
    owner_spin: Option<Duration>,
    /// How long a blocking caller of the spinning owner thread polls for its reply before it
    /// parks (default: 20us).
    #[arg(long, value_name = "DURATION", value_parser = parse_spin)]
    caller_spin: Option<Duration>,
}

impl MatrixArgs {
    /// The strategies' knobs: the defaults, with what was given on the command line.
    fn tuning(&self) -> Tuning {
        let d = Tuning::default();
        let us = |t: Option<Duration>, default: u64| {
            t.map_or(default, |t| {
                u64::try_from(t.as_micros()).unwrap_or(u64::MAX)
            })
        };
        Tuning {
            shards: self.shards.map_or(d.shards, usize::from),
            owner_spin_us: us(self.owner_spin, d.owner_spin_us),
            caller_spin_us: us(self.caller_spin, d.caller_spin_us),
        }
    }
}

/// `0`, `0s`, `0us`…: a duration of zero in one of [`parse_duration`]'s units, which it
/// refuses.
fn is_zero(text: &str) -> bool {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    matches!(unit.trim(), "" | "us" | "µs" | "ms" | "s" | "m" | "min")
        && number.parse::<f64>().is_ok_and(|x| x == 0.0)
}

/// A wait for every client: 0 (none), or from a millisecond (what the results record) to an
/// hour.
fn parse_wait(text: &str) -> Result<Duration, String> {
    if is_zero(text) {
        return Ok(Duration::ZERO);
    }
    let d = parse_duration(text)?;
    if d < Duration::from_millis(1) {
        return Err(format!(
            "{text:?} is shorter than a millisecond; give 0s or at least 1ms"
        ));
    }
    // The results record whole milliseconds, and the Go side waits in them.
    if d.as_nanos() % 1_000_000 != 0 {
        return Err(format!("{text:?} is not a whole number of milliseconds"));
    }
    Ok(d)
}

/// A spin budget, in whole microseconds: `0` (or `0us`) parks at once; at most a second (a
/// longer spin is a busy loop, not a budget).
fn parse_spin(text: &str) -> Result<Duration, String> {
    if is_zero(text) {
        return Ok(Duration::ZERO);
    }
    let d = parse_duration(text)?;
    if d > Duration::from_secs(1) {
        return Err(format!(
            "{text:?} is longer than a second; a spin budget is microseconds"
        ));
    }
    let micros = (d.as_secs_f64() * 1e6).round();
    if micros < 1.0 {
        return Err(format!("{text:?} is shorter than a microsecond"));
    }
    Ok(Duration::from_micros(micros as u64))
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
    /// The folder for results.json, REPORT.md and report.html (default: results/<date>-<host>/, with -2,
    /// -3, … appended if that exists; with --from, the folder of that file). A folder holding
    /// another run's results is never replaced: the command refuses with status 2.
    #[arg(long, short = 'o', value_name = "DIR")]
    out: Option<PathBuf>,
    /// Another run of the same matrix (a results file or a report folder; repeatable), from
    /// this machine or another: the decision guide then says which of this run's claims every
    /// run given makes on every machine (they travel), which this machine's runs alone make,
    /// and which another run reverses.
    #[arg(long, value_name = "RUN")]
    beside: Vec<PathBuf>,
    /// Which trials the report reads: `near` (the trials run with the machine's two cores near each other,
    /// as the probes before and after each trial saw them; the report's), `far` (the trials run with them far
    /// apart, as a hypervisor may place them for seconds at a time) or `all`. Rows that share
    /// data change speed with the placement, so a reading of both mixes two machines.
    #[arg(long, default_value = "near", value_parser = parse_view)]
    placement: View,
}

#[derive(Debug, clap::Args)]
struct DemoArgs {
    /// Measured window per strategy (the reference program runs 1 s).
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    duration: Duration,
}

#[derive(Debug, clap::Args)]
struct OverheadArgs {
    /// Measured window of each trial (at least 1ms; kept to the microsecond).
    #[arg(long, default_value = "300ms", value_parser = parse_window)]
    duration: Duration,
    /// Trial pairs of each comparison in each process, each side first in every other pair
    /// (twice as many for the lock from two threads and the owner from one task, the noisiest
    /// and the nearest its line).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=50))]
    trials: u32,
    /// Fresh processes, one after another, each measuring every comparison: the samples of the
    /// verdict (processes differ by more than one process's pairs do). At least 3; the
    /// default resolved every wrapper on a 2-core VM (results/2026-12-06-epyc-processes has
    /// the runs and how long they took).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(3..=30))]
    processes: u32,
    /// Measure in this process alone and print its trials as JSON (what each of the processes
    /// runs).
    #[arg(long, hide = true)]
    one_process: bool,
}

/// An `overhead` window: a duration of at least a millisecond, so that it holds operations.
fn parse_window(text: &str) -> Result<Duration, String> {
    let window = parse_duration(text)?;
    if window < Duration::from_millis(1) {
        return Err(format!(
            "{text:?} is under 1ms: a window must be long enough to hold operations"
        ));
    }
    Ok(window)
}

/// Parses `500ms`, `2s`, `1.5s`, `250us`, `1m`.
fn parse_rate(text: &str) -> Result<u64, String> {
    statebench_harness::workload::parse_rate(text).map_err(|e| e.0)
}

fn parse_work(text: &str) -> Result<u64, String> {
    statebench_harness::work::parse_ns(text)
}

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

/// A driver the instruction tier's counting process runs: threads or tasks.
fn parse_counted_driver(text: &str) -> Result<RustDriver, String> {
    parse_driver(text)?.rust().ok_or_else(|| {
        "the instruction tier counts the Rust strategies, called by threads or tasks".to_owned()
    })
}

/// A driver of Rust callers: `advise` answers for those only.
fn parse_rust_driver(text: &str) -> Result<Driver, String> {
    match parse_driver(text) {
        Ok(d) if d != Driver::Goroutines => Ok(d),
        _ => Err(format!(
            "advise answers for threads (OS threads, blocking calls) or tasks (tokio tasks, \
             async calls), not {text:?}"
        )),
    }
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
    statebench_harness::machine::quiet_on_closed_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version: clap prints them and exits 0.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            return usage(
                "no command given: choose one, e.g. advise, report, run, list or compare (see statebench --help)",
            );
        }
        Err(e) => {
            // clap renders "error: <what>", then usage and a hint on more lines; keep the one
            // line that names the problem, with the indented lines it introduces (the arguments
            // a "required arguments were not provided:" names).
            let rendered = e.render().to_string();
            let mut lines = rendered.lines().skip_while(|l| l.trim().is_empty());
            let mut what = lines
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ")
                .to_owned();
            if what.ends_with(':') {
                let named: Vec<&str> = lines
                    .take_while(|l| l.starts_with(char::is_whitespace) && !l.trim().is_empty())
                    .map(str::trim)
                    .collect();
                what = format!("{what} {}", named.join(", "));
            }
            return usage(format!("{what} (see statebench --help)"));
        }
    };
    match cli.command {
        Command::List(args) => cmd::list::list(&args),
        Command::Run(args) => cmd::matrix::run(args),
        Command::Report(args) => cmd::report::report(args),
        Command::Demo(args) => cmd::demo::demo(args),
        Command::Overhead(args) => cmd::overhead::overhead(args),
        Command::Agreement(args) => cmd::agreement::agreement(args),
        Command::Advise(args) => cmd::advise::advise(args),
        Command::Placement(args) => {
            if let Err(e) = cmd::placement::check(args.span, args.every) {
                return usage(e);
            }
            let options = cmd::placement::Options {
                span: args.span,
                every: args.every,
                out: args.out,
            };
            match cmd::placement::watch(&options) {
                Ok(summary) => {
                    print!("{summary}");
                    ExitCode::SUCCESS
                }
                Err(e) => failure(e),
            }
        }
        Command::Compare(args) => cmd::compare::compare(args),
        Command::History(args) => cmd::history::history(args),
        Command::Power(args) => cmd::power::power(args),
        Command::Instructions(args) => cmd::instructions::instructions(args),
        Command::Pass(args) => cmd::matrix::pass(args),
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
