//! `agreement`: how far several runs of one command agree, claim by claim.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{check_placement, load_run};
use crate::{AgreementArgs, usage};

pub(crate) fn agreement(args: AgreementArgs) -> ExitCode {
    let mut runs = Vec::new();
    for path in &args.runs {
        match load_run(path) {
            Ok(r) => runs.push(r),
            Err(e) => return usage(e),
        }
    }
    let named = args.runs.iter().map(PathBuf::as_path).zip(&runs);
    if let Err(e) = check_placement(named, args.placement) {
        return usage(e);
    }
    match statebench_report::agreement::Agreement::judged(
        &runs,
        args.correction,
        args.variance,
        args.placement,
    ) {
        Ok(a) => {
            print!("{}", a.render(args.details));
            ExitCode::SUCCESS
        }
        Err(e) => usage(e),
    }
}
