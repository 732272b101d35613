//! `overhead`: what the harness costs over a bare loop, judged over fresh processes.

use std::process::ExitCode;

use crate::{OverheadArgs, failure};

pub(crate) fn overhead(args: OverheadArgs) -> ExitCode {
    use statebench::overhead;
    if args.one_process {
        return match overhead::measure(args.duration, args.trials)
            .and_then(|t| serde_json::to_string(&t).map_err(|e| e.to_string()))
        {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => failure(e),
        };
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            return failure(format!(
                "cannot find this program to start its processes: {e}"
            ));
        }
    };
    let started = std::time::Instant::now();
    let measured = overhead::in_processes(
        &exe,
        args.duration,
        args.trials,
        args.processes,
        |process| {
            let elapsed = started.elapsed().as_secs();
            let left = if process > 1 {
                let each = elapsed / u64::from(process - 1);
                format!(
                    ", about {} s left",
                    each * u64::from(args.processes - process + 1)
                )
            } else {
                String::new()
            };
            eprintln!(
                "overhead: process {process} of {} ({elapsed} s so far{left})",
                args.processes
            );
        },
    );
    match measured.and_then(|m| overhead::judge(&m, args.duration, args.trials)) {
        Ok(found) => {
            println!("{}", found.report);
            // Not a usage error: the harness itself would tilt the comparison, or cannot be
            // shown not to (the check fails closed).
            if !found.below.is_empty() {
                eprintln!(
                    "statebench: the harness takes a side: {}",
                    found.below.join("; ")
                );
            }
            if !found.unresolved.is_empty() {
                eprintln!(
                    "statebench: this run cannot show that the harness takes no side: {}",
                    found.unresolved.join("; ")
                );
            }
            if found.below.is_empty() && found.unresolved.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => failure(e),
    }
}
