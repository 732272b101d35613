//! `history`: file runs into a history folder, and read its series for change points
//! (`statebench_report::history`); `history power` (in `power`) measures how often that
//! alarm is right.

mod folder;
mod power;

use std::path::Path;
use std::process::ExitCode;

use statebench_harness::results::Results;
use statebench_report::history::{Options, series};

use super::load_run;
use crate::{HistoryArgs, HistoryCommand, failure, usage};
use folder::runs;
use power::{Plan, power};

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

/// Writes the trends (`--svg DIR`) and the page (`--html FILE`) that `args` asks for.
fn artifacts(history: &series::History, args: &HistoryArgs) -> Result<(), String> {
    if let Some(dir) = &args.svg {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (name, svg) in series::trends(history)? {
            let path = dir.join(name);
            std::fs::write(&path, svg)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    if let Some(file) = &args.html {
        let page = series::render_page(history)?;
        if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(file, page).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    Ok(())
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
    match args.format.as_str() {
        "json" => match serde_json::to_string_pretty(&history) {
            Ok(t) => println!("{t}"),
            Err(e) => return failure(e),
        },
        "markdown" => print!("{}", series::render_markdown(&history)),
        _ => print!("{}", series::render_table(&history)),
    }
    // The drawings after the summary, and a failure to write them is not exit 1, which a
    // nightly job reads as a confirmed regression.
    if let Err(e) = artifacts(&history, args) {
        eprintln!("statebench: {e}");
        return ExitCode::from(3);
    }
    // A confirmed regression is a change the newest run makes found, slower.
    let gating = history
        .changes
        .iter()
        .filter(|c| c.new && c.direction == "slower")
        .filter(|c| match args.fail_on.as_str() {
            "instructions" => c.tier == "instructions",
            "wall" => c.tier != "instructions",
            _ => true,
        })
        .count();
    if gating > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
