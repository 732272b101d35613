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

/// Every run of the history folder, oldest first.
fn runs(history: &Path) -> Result<Vec<Results>, String> {
    let entries = std::fs::read_dir(history).map_err(|e| {
        format!(
            "{}: {e} (file runs into it with statebench history add RUN --history {})",
            history.display(),
            history.display()
        )
    })?;
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
        Err(e) => return usage(e),
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
