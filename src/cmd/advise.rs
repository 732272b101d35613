//! `advise`: the answer for one situation, from a committed run (the canonical one, or across
//! processes the first of the set that measured Redis), a run measured here, or the one named.

use std::process::ExitCode;

use statebench_harness::Driver;
use statebench_harness::results::Results;
use statebench_harness::workload::Workload;
use statebench_report::advise::{Ask, advise as answer};

use super::load_run;
use crate::{AdviseArgs, failure, usage};

pub(crate) fn advise(args: AdviseArgs) -> ExitCode {
    let mut ask = Ask {
        service: args.service.clone(),
        workload: args.workload.clone(),
        reads: args.reads,
        clients: args.clients.unwrap_or(8),
        driver: args.driver.unwrap_or(Driver::Threads),
        across_processes: args.across_processes,
    };
    let mut notes = Vec::new();
    // The committed set answered from: the canonical one, or, across processes, the set that
    // measured the rows of another process (the canonical run has none).
    let committed = if args.across_processes {
        statebench::process_path()
    } else {
        statebench::canonical_path()
    };
    let (path, run) = if args.measure {
        match measure(&args, &mut ask, &mut notes) {
            Ok(measured) => measured,
            Err(code) => return code,
        }
    } else {
        match &args.from {
            Some(path) => match load_run(path) {
                Ok(run) => (path.clone(), run),
                Err(e) => return usage(format!("--from {}: {e}", path.display())),
            },
            None => match committed_run(&committed) {
                Ok(run) => (
                    std::path::PathBuf::from(if args.across_processes {
                        statebench::PROCESS_RUN
                    } else {
                        statebench::CANONICAL
                    }),
                    run,
                ),
                Err(code) => return code,
            },
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
    let mut advice = match answer(&run, &path.display().to_string(), &ask) {
        Ok(advice) => advice,
        Err(e) => return usage(e),
    };
    advice.mapped.splice(0..0, notes);
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
    // The runs to hold the answer against: those named, or the committed run's set.
    let beside: Vec<std::path::PathBuf> = if args.beside.is_empty() && args.measure {
        // The committed set, where this checkout has it.
        std::iter::once(committed.clone())
            .chain(siblings(&committed))
            .filter(|p| p.join("results.json").is_file())
            .collect()
    } else if args.beside.is_empty() && args.from.is_none() {
        siblings(&committed)
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

/// The committed run at `path`, or the failure that names why it cannot be read.
fn committed_run(path: &std::path::Path) -> Result<Results, ExitCode> {
    load_run(path).map_err(|e| {
        failure(format!(
            "the committed run is not where this binary was built ({}: {e}); name a run with \
             --from",
            path.display()
        ))
    })
}

/// Measures the situation `ask` describes on this machine, with `statebench run` in a child
/// process whose progress and tables go to stderr (stdout keeps only the card, or its JSON),
/// and returns where the run was written and the run. `ask` then names the workload measured;
/// `notes` say how the situation was mapped onto it.
fn measure(
    args: &AdviseArgs,
    ask: &mut Ask,
    notes: &mut Vec<String>,
) -> Result<(std::path::PathBuf, Results), ExitCode> {
    // A run already written is never replaced (a committed one least of all).
    if let Some(out) = &args.out
        && out.exists()
    {
        return Err(usage(format!(
            "--out {} already exists; name a new file (a run is never written over)",
            out.display()
        )));
    }
    let exe = std::env::current_exe()
        .map_err(|e| failure(format!("cannot find this program to measure with: {e}")))?;
    let mut command = std::process::Command::new(exe);
    command.arg("run");
    let service = mix_of(args, ask, notes, &mut command)?;
    // A debug build's figures are the compiler's, not the strategies': refuse them here, after
    // the situation was checked, before any measuring.
    if cfg!(debug_assertions) {
        return Err(usage(
            "--measure needs an optimised build: cargo run --release -- advise --measure …",
        ));
    }
    // The count asked, and 1, 8 and 64 clients around it: where the answer changes.
    let mut clients = vec![1, 8, 64, ask.clients];
    clients.sort_unstable();
    clients.dedup();
    let listed = clients
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let out = args.out.clone().unwrap_or_else(|| {
        let stamp = statebench_harness::results::utc_now().replace(':', "");
        std::path::PathBuf::from(format!("target/statebench/advise-{stamp}.json"))
    });
    if ask.across_processes {
        // The core set's rows of this service in this process, and those that keep the state
        // in others (one server, a cluster of three) where they serve it.
        let serves = statebench::registry::implementations(&service);
        for name in statebench::runner::CORE
            .iter()
            .chain(&["redis", "redis_cluster"])
            .filter(|n| serves.contains(n))
        {
            command.args(["--impl", name]);
        }
    }
    command
        .args(["--driver", ask.driver.name()])
        .args(["--clients", &listed])
        .args([
            "--duration",
            "50ms",
            "--warmup",
            "30ms",
            "--repeat",
            "3",
            "--passes",
            "3",
        ])
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::from(std::io::stderr()));
    eprintln!(
        "measuring on this machine: {} from {} at {listed} clients (the core set's rows{})",
        ask.workload.as_deref().unwrap_or("?"),
        ask.driver.name(),
        if ask.across_processes {
            " and `redis`"
        } else {
            ""
        }
    );
    let status = command
        .status()
        .map_err(|e| failure(format!("cannot start the measuring run: {e}")))?;
    if !status.success() {
        // A usage error of the child is the user's input (a workload file it refused): pass
        // its status on.
        return Err(match status.code() {
            Some(2) => ExitCode::from(2),
            _ => failure(format!(
                "the measuring run failed ({status}); its output is above"
            )),
        });
    }
    let run = load_run(&out).map_err(|e| failure(format!("{}: {e}", out.display())))?;
    notes.push(format!(
        "measured on this machine: {} (answer from it again with --from)",
        out.display()
    ));
    Ok((out, run))
}

/// The mix to measure, given to `command`: the workload file's, or — read from the canonical
/// run as the card would answer — the workload named, or the service's measured mix nearest
/// `--reads`. Returns the service; `ask` then names the workload.
fn mix_of(
    args: &AdviseArgs,
    ask: &mut Ask,
    notes: &mut Vec<String>,
    command: &mut std::process::Command,
) -> Result<String, ExitCode> {
    let service = match &args.workload_file {
        Some(file) => {
            let w = Workload::from_file(file)
                .map_err(|e| usage(format!("--workload-file {}: {}", file.display(), e.0)))?;
            if let Some(s) = &ask.service
                && s.trim().to_ascii_lowercase() != w.service
            {
                return Err(usage(format!(
                    "--workload-file {} drives the {} service, not {s}",
                    file.display(),
                    w.service
                )));
            }
            ask.workload = Some(w.name.clone());
            command.arg("--workload-file").arg(file);
            w.service
        }
        None => {
            // The canonical run resolves the mix as the card would answer it: the workload
            // named, or the service's measured mix nearest --reads.
            let path = statebench::canonical_path();
            let canonical = load_run(&path).map_err(|e| {
                failure(format!(
                    "the canonical run, which names the mixes, is not where this binary was \
                     built ({}: {e}); give the mix with --workload-file",
                    path.display()
                ))
            })?;
            // Only the mix is read from it: whether the canonical run measured a row of
            // another process does not matter, as this run will.
            let mix_only = Ask {
                across_processes: false,
                ..ask.clone()
            };
            let probe = answer(&canonical, statebench::CANONICAL, &mix_only).map_err(usage)?;
            notes.extend(
                probe
                    .mapped
                    .into_iter()
                    .filter(|m| !m.contains("clients were not measured")),
            );
            ask.workload = Some(probe.workload.clone());
            ask.reads = None;
            command.args(["--workload", &probe.workload]);
            statebench_harness::workload::find(&probe.workload)
                .map(|w| w.service)
                .map_err(|e| failure(e.0))?
        }
    };
    Ok(service)
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
