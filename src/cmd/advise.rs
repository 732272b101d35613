//! `advise`: the answer for one situation, from the canonical run or the one named.

use std::process::ExitCode;

use statebench_harness::Driver;
use statebench_report::advise::{Ask, advise as answer};

use super::load_run;
use crate::{AdviseArgs, failure, usage};

pub(crate) fn advise(args: AdviseArgs) -> ExitCode {
    let (path, run) = match &args.from {
        Some(path) => match load_run(path) {
            Ok(run) => (path.clone(), run),
            Err(e) => return usage(format!("--from {}: {e}", path.display())),
        },
        None => {
            let path = statebench::canonical_path();
            match load_run(&path) {
                Ok(run) => (std::path::PathBuf::from(statebench::CANONICAL), run),
                Err(e) => {
                    return failure(format!(
                        "the canonical run is not where this binary was built ({}: {e}); name \
                         a run with --from",
                        path.display()
                    ));
                }
            }
        }
    };
    if args.table {
        return match statebench_report::advise::answer_table(
            &run,
            args.driver.unwrap_or(Driver::Threads),
        ) {
            Ok(table) => {
                print!("{table}");
                ExitCode::SUCCESS
            }
            Err(e) => usage(e),
        };
    }
    let ask = Ask {
        service: args.service.clone(),
        workload: args.workload.clone(),
        reads: args.reads,
        clients: args.clients.unwrap_or(8),
        driver: args.driver.unwrap_or(Driver::Threads),
    };
    let mut advice = match answer(&run, &path.display().to_string(), &ask) {
        Ok(advice) => advice,
        Err(e) => return usage(e),
    };
    if args.clients.is_none() {
        advice
            .mapped
            .insert(0, "no --clients given: 8 assumed".to_owned());
    }
    if args.driver.is_none() {
        advice.mapped.insert(
            0,
            "no --driver given: OS threads making blocking calls assumed".to_owned(),
        );
    }
    // The runs to hold the answer against: those named, or the canonical run's set.
    let beside: Vec<std::path::PathBuf> = if args.beside.is_empty() && args.from.is_none() {
        siblings(&statebench::canonical_path())
    } else {
        args.beside.clone()
    };
    let mut others = Vec::new();
    let same = |a: &std::path::Path, b: &std::path::Path| {
        a.canonicalize()
            .ok()
            .is_some_and(|a| b.canonicalize().ok() == Some(a))
    };
    for path in beside
        .iter()
        .filter(|p| args.from.as_deref().is_none_or(|f| !same(p, f)))
    {
        match load_run(path) {
            Ok(run) => others.push(run),
            Err(e) => return usage(format!("--beside {}: {e}", path.display())),
        }
    }
    statebench_report::advise::held(&mut advice, &run, &others.iter().collect::<Vec<_>>());
    if args.format == "json" {
        match serde_json::to_string_pretty(&advice) {
            Ok(text) => println!("{text}"),
            Err(e) => return failure(e),
        }
    } else {
        print!("{}", advice.card());
    }
    ExitCode::SUCCESS
}

/// The other runs of the set `run` belongs to: the `run-*` folders beside it, by name.
fn siblings(run: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Some(set) = run.parent() else {
        return Vec::new();
    };
    let mut out: Vec<std::path::PathBuf> = std::fs::read_dir(set)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p != run
                && p.join("results.json").is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("run-"))
        })
        .collect();
    out.sort();
    out
}
