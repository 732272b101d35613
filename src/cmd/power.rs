//! `power`: a tally of many comparisons (`compare --format json` each), how often each verdict
//! came out.

use std::process::ExitCode;

use crate::{PowerArgs, usage};

pub(crate) fn power(args: PowerArgs) -> ExitCode {
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
