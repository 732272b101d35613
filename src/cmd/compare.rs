//! `compare`: two sides of runs, a verdict per record.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use statebench_harness::placement::check;
use statebench_harness::results::Results;

use super::load;
use crate::{CompareArgs, usage};

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

pub(crate) fn compare(args: CompareArgs) -> ExitCode {
    use statebench_report::compare::{Comparison, Options};
    let (base, new) = match (load_side(&args.base), load_side(&args.new)) {
        (Ok(b), Ok(n)) => (b, n),
        (Err(e), _) => return usage(format!("BASE: {e}")),
        (_, Err(e)) => return usage(format!("NEW: {e}")),
    };
    for (side, runs) in [("BASE", &base), ("NEW", &new)] {
        for run in runs {
            if let Err(e) = check(run, args.placement) {
                return usage(format!(
                    "--placement {}: a run of {side}: {e}",
                    args.placement.name()
                ));
            }
        }
    }
    let options = Options {
        threshold: args.threshold,
        alpha: args.alpha,
        corrected: args.correction,
        power_effect: args.power_effect,
        view: args.placement,
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
    if comparison.regressed(args.gate_on_repetitions) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
