//! `history`: file runs into a history folder, and read its series for change points
//! (`statebench_report::history`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use statebench_harness::results::Results;
use statebench_report::history::{Options, series};

use super::load_run;
use crate::{HistoryArgs, HistoryCommand, failure, usage};

pub(crate) fn history(args: HistoryArgs) -> ExitCode {
    match args.add {
        Some(HistoryCommand::Add { run, history }) => add(&run, &history),
        Some(HistoryCommand::Power {
            noise,
            planted,
            nights,
            at,
            within,
            trials,
            seed,
            threshold,
            alpha,
            format,
        }) => {
            if at >= nights {
                return usage(format!(
                    "--at {at} must be a night of the series (before --nights {nights})"
                ));
            }
            let options = Options {
                max_p: alpha,
                min_magnitude: threshold,
                ..Options::default()
            };
            let plan = Plan {
                nights: nights as usize,
                at: at as usize,
                within: within as usize,
                trials: trials as usize,
                seed,
            };
            power(&noise, &planted, &plan, &options, &format)
        }
        None => show(&args),
    }
}

/// How `history power` draws its series.
struct Plan {
    nights: usize,
    at: usize,
    within: usize,
    trials: usize,
    seed: u64,
}

/// One record's figures over a folder of runs: its name, its tier and its headline figure in
/// each run that measured it.
type Pool = (String, &'static str, Vec<f64>);

/// Each record's headline figure in every run of `runs`, by record name, in first-seen order.
fn pools(runs: &[Results]) -> Vec<Pool> {
    let mut out: Vec<Pool> = Vec::new();
    for run in runs {
        let tier = series::tier(run);
        for r in &run.records {
            let name = format!(
                "{} / {} / {} / {}",
                r.workload,
                r.implementation,
                r.driver.name(),
                r.clients
            );
            match out.iter_mut().find(|(n, t, _)| *n == name && *t == tier) {
                Some((_, _, xs)) => xs.push(r.headline()),
                None => out.push((name, tier, vec![r.headline()])),
            }
        }
    }
    out
}

fn power(
    noise: &Path,
    planted: &[String],
    plan: &Plan,
    options: &Options,
    format: &str,
) -> ExitCode {
    let noise_runs = match runs(noise) {
        Ok(r) if !r.is_empty() => r,
        Ok(_) => return usage(format!("--noise {}: no run in it", noise.display())),
        Err(e) => return usage(format!("--noise {e}")),
    };
    let mut named = Vec::new();
    for p in planted {
        let Some((name, dir)) = p.split_once('=') else {
            return usage(format!(
                "--planted {p:?}: write NAME=DIR, e.g. 10%=target/p10"
            ));
        };
        match runs(Path::new(dir)) {
            Ok(r) if !r.is_empty() => named.push((name.to_owned(), r)),
            Ok(_) => return usage(format!("--planted {p}: no run in {dir}")),
            Err(e) => return usage(format!("--planted {e}")),
        }
    }
    // Every run must have measured as the first did: a pool of another setting would plant a
    // step of settings, not of code.
    let first = &noise_runs[0];
    for run in noise_runs.iter().chain(named.iter().flat_map(|(_, r)| r)) {
        if let Some(what) = first.settings.measurement_differs(&run.settings) {
            return usage(format!("the runs did not all measure alike: {what}"));
        }
    }
    let planted_pools: Vec<(String, Vec<Pool>)> = named
        .iter()
        .map(|(name, runs)| (name.clone(), pools(runs)))
        .collect();
    let mut rows = Vec::new();
    let mut json = Vec::new();
    let (mut quiet, mut false_alarms) = (0, 0);
    let mut totals: Vec<(String, usize, usize)> =
        named.iter().map(|(n, _)| (n.clone(), 0, 0)).collect();
    for (name, tier, noise_pool) in pools(&noise_runs) {
        let steps: Vec<(String, Vec<f64>)> = planted_pools
            .iter()
            .filter_map(|(pname, pools)| {
                pools
                    .iter()
                    .find(|(n, t, _)| *n == name && *t == tier)
                    .map(|(_, _, xs)| (pname.clone(), xs.clone()))
            })
            .collect();
        let p = statebench_report::history::power(
            &noise_pool,
            &steps,
            plan.nights,
            plan.at,
            plan.within,
            plan.trials,
            plan.seed,
            options,
        );
        quiet += p.quiet_nights;
        false_alarms += p.false_alarms;
        let mut row = vec![
            name.clone(),
            tier.to_owned(),
            noise_pool.len().to_string(),
            format!("{} / {}", p.false_alarms, p.quiet_nights),
        ];
        for (pname, trials, found, delays) in &p.steps {
            if let Some(t) = totals.iter_mut().find(|t| &t.0 == pname) {
                t.1 += trials;
                t.2 += found;
            }
            let mut d = delays.clone();
            d.sort_unstable();
            row.push(format!(
                "{pname}: {found}/{trials}, median delay {}",
                d.get(d.len() / 2).map_or("-".into(), ToString::to_string)
            ));
        }
        json.push(serde_json::json!({
            "record": name, "tier": tier, "noise_runs": noise_pool.len(),
            "quiet_nights": p.quiet_nights, "false_alarms": p.false_alarms,
            "steps": p.steps.iter().map(|(n, t, f, d)| serde_json::json!({
                "name": n, "trials": t, "found_in_time": f, "delays": d
            })).collect::<Vec<_>>(),
        }));
        rows.push(row);
    }
    if format == "json" {
        let doc = serde_json::json!({
            "nights": plan.nights, "at": plan.at, "within": plan.within, "trials": plan.trials,
            "seed": plan.seed, "threshold": options.min_magnitude, "alpha": options.max_p,
            "records": json,
        });
        match serde_json::to_string_pretty(&doc) {
            Ok(t) => println!("{t}"),
            Err(e) => return failure(e),
        }
        return ExitCode::SUCCESS;
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(4);
    let mut header = vec!["record", "tier", "noise runs", "false alarms / nights"];
    header.extend(std::iter::repeat_n("planted: found in time", width - 4));
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|mut r| {
            r.resize(width, String::new());
            r
        })
        .collect();
    print!("{}", statebench_report::table::render(&header, &rows));
    println!(
        "
{} series of {} nights a record and pool (step from night {}), alpha {}, threshold {:.1} %:",
        plan.trials,
        plan.nights,
        plan.at + 1,
        options.max_p,
        100.0 * options.min_magnitude
    );
    println!(
        "  false alarms: {false_alarms} in {quiet} series-nights ({:.2} per 100)",
        100.0 * false_alarms as f64 / quiet.max(1) as f64
    );
    for (name, trials, found) in totals {
        println!(
            "  {name}: found within {} nights in {found} of {trials} series ({:.1} %)",
            plan.within,
            100.0 * found as f64 / trials.max(1) as f64
        );
    }
    ExitCode::SUCCESS
}

/// The file a run is kept under: its start time (without the colons a file system may
/// refuse) and its commit, so that a folder listing is the history in order.
fn file_name(run: &Results) -> String {
    let time: String = run.created.chars().filter(|c| *c != ':').collect();
    let commit: String = run.machine.commit.chars().take(12).collect();
    format!("{time}-{commit}.json")
}

fn add(run: &Path, history: &Path) -> ExitCode {
    let results = match load_run(run) {
        Ok(r) => r,
        Err(e) => return usage(format!("{}: {e}", run.display())),
    };
    if results.records.is_empty() {
        return usage(format!(
            "{}: the run has no record to follow",
            run.display()
        ));
    }
    if let Err(e) = std::fs::create_dir_all(history) {
        return usage(format!("cannot create {}: {e}", history.display()));
    }
    let path = history.join(file_name(&results));
    // A run is filed once; another run under the same name is never replaced.
    if path.exists() {
        return match super::load(&path) {
            Ok(held) if held == results => {
                println!("history: {} already holds this run", path.display());
                ExitCode::SUCCESS
            }
            _ => usage(format!(
                "{} already holds another run with this time and commit",
                path.display()
            )),
        };
    }
    if let Err(e) = results.save(&path) {
        return failure(format!("cannot write {}: {e}", path.display()));
    }
    println!("history: filed {} as {}", run.display(), path.display());
    ExitCode::SUCCESS
}

/// Every run of the history folder, oldest first.
fn runs(history: &Path) -> Result<Vec<Results>, String> {
    let entries = std::fs::read_dir(history).map_err(|e| format!("{}: {e}", history.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut runs = Vec::new();
    for p in paths {
        runs.push(super::load(&p).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    runs.sort_by(|a, b| a.created.cmp(&b.created));
    Ok(runs)
}

fn show(args: &HistoryArgs) -> ExitCode {
    let runs = match runs(&args.history) {
        Ok(r) => r,
        Err(e) => {
            return usage(format!(
                "{e} (file runs into it with statebench history add RUN --history {})",
                args.history.display()
            ));
        }
    };
    if runs.is_empty() {
        return usage(format!("{} holds no run", args.history.display()));
    }
    let options = Options {
        window: args.window as usize,
        max_p: args.alpha,
        min_magnitude: args.threshold,
        ..Options::default()
    };
    let history = series::read(&runs, &options);
    if let Some(dir) = &args.svg {
        match series::trends(&history) {
            Ok(files) => {
                if let Err(e) = std::fs::create_dir_all(dir) {
                    return failure(format!("cannot create {}: {e}", dir.display()));
                }
                for (name, svg) in files {
                    let path = dir.join(name);
                    if let Err(e) = std::fs::write(&path, svg) {
                        return failure(format!("cannot write {}: {e}", path.display()));
                    }
                }
            }
            Err(e) => return failure(e),
        }
    }
    match args.format.as_str() {
        "json" => match serde_json::to_string_pretty(&history) {
            Ok(t) => println!("{t}"),
            Err(e) => return failure(e),
        },
        "markdown" => print!("{}", series::render_markdown(&history)),
        _ => print!("{}", series::render_table(&history)),
    }
    if history.regressions > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
