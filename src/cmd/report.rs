//! `report`: measure (or load) a run and write its folder — results.json, REPORT.md, DETAILS.md,
//! plots, report.html.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use statebench_harness::placement::{View, view};
use statebench_harness::results::Results;

use super::matrix::{REPORT_DEFAULTS, measure};
use super::{check_placement, load, load_run};
use crate::{ReportArgs, failure, usage};

pub(crate) fn report(args: ReportArgs) -> ExitCode {
    let beside = match runs_beside(&args) {
        Ok(b) => b,
        Err(code) => return code,
    };
    if let Err(code) = check_own_folder(&args) {
        return code;
    }
    let (results, dir) = match &args.from {
        Some(from) => match reread(&args, from, &beside) {
            Ok(done) => done,
            Err(code) => return code,
        },
        None => {
            let dir = match &args.out {
                // A folder named on the command line is never replaced: the committed report
                // of another machine must not vanish under a new run.
                Some(dir) if dir.join("results.json").exists() => {
                    return usage(format!(
                        "{} already holds the results of a run; choose another --out \
                         (a new run never replaces one)",
                        dir.display()
                    ));
                }
                Some(dir) => dir.clone(),
                None => default_report_dir(),
            };
            match measure(&args.matrix, &REPORT_DEFAULTS, &dir.join("results.json")) {
                Ok(r) => (r, dir),
                Err(code) => return code,
            }
        }
    };
    let rendered = match statebench_report::markdown::render_view(&results, &beside, args.placement)
    {
        Ok(r) => r,
        Err(e) => return failure(format!("cannot render the report: {e}")),
    };
    for (name, svg) in &rendered.files {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, svg) {
            return failure(format!("cannot write {}: {e}", path.display()));
        }
    }
    let details = dir.join(statebench_report::markdown::DETAILS);
    if let Err(e) = std::fs::write(&details, &rendered.details) {
        return failure(format!("cannot write {}: {e}", details.display()));
    }
    let page = dir.join(statebench_report::page::PAGE);
    if let Err(e) = std::fs::write(&page, &rendered.page) {
        return failure(format!("cannot write {}: {e}", page.display()));
    }
    let path = dir.join("REPORT.md");
    if let Err(e) = std::fs::write(&path, &rendered.markdown) {
        return failure(format!("cannot write {}: {e}", path.display()));
    }
    println!();
    println!("Summary: throughput as a share of the fastest, per workload and driver");
    println!();
    print!(
        "{}",
        statebench_report::markdown::summary(&view(&results, args.placement))
    );
    println!();
    println!("report: {}", path.display());
    println!("page:   {}", page.display());
    ExitCode::SUCCESS
}

/// The runs `--beside` names, read before a run is measured so that a wrong path costs no
/// measuring: each a run of the matrix, none twice.
fn runs_beside(args: &ReportArgs) -> Result<Vec<Results>, ExitCode> {
    // Read before a run is measured, so that a wrong path costs no measuring.
    let mut beside = Vec::new();
    for path in &args.beside {
        match load_run(path) {
            Ok(r) if r.settings.metric.is_some() => {
                return Err(usage(format!(
                    "--beside: {} holds instruction counts, not a run of the matrix",
                    path.display()
                )));
            }
            Ok(r) => beside.push(r),
            Err(e) => return Err(usage(format!("--beside: {e}"))),
        }
    }
    // A run set beside itself, or twice, would count as another run that repeats every claim.
    for (i, (path, other)) in args.beside.iter().zip(&beside).enumerate() {
        if beside[..i].contains(other) {
            return Err(usage(format!(
                "--beside: {} is given twice",
                path.display()
            )));
        }
    }
    Ok(beside)
}

/// Another reading than the near trials is of a run already made, in a folder of its own.
fn check_own_folder(args: &ReportArgs) -> Result<(), ExitCode> {
    // Another reading is of a run already made, in a folder of its own: the run's folder holds
    // the report of its near trials, as a fresh run's does.
    if args.placement != View::Near {
        let placement = args.placement.name();
        let Some(from) = &args.from else {
            return Err(usage(format!(
                "--placement {placement} reads a run already made: measure with report, then \
                 report --from DIR/results.json --placement {placement} --out OTHER_DIR"
            )));
        };
        let own = from.parent().filter(|p| !p.as_os_str().is_empty());
        let same_dir = |out: &Path| {
            let canon = |p: &Path| std::fs::canonicalize(p).ok();
            canon(out).is_some() && canon(out) == own.map_or(canon(Path::new(".")), canon)
        };
        match &args.out {
            Some(out) if !same_dir(out) => {}
            _ => {
                return Err(usage(format!(
                    "--placement {placement}: name a folder of its own with --out (the run's \
                     folder holds the report of its near trials)"
                )));
            }
        }
    }
    Ok(())
}

/// `--from`: the run read back, checked, and its folder (the run's own, or `--out`, which
/// then takes a copy of the results).
fn reread(
    args: &ReportArgs,
    from: &Path,
    beside: &[Results],
) -> Result<(Results, PathBuf), ExitCode> {
    let results = match load(from) {
        Ok(r) => r,
        Err(e) => return Err(usage(e)),
    };
    if let Some(path) = args
        .beside
        .iter()
        .zip(beside)
        .find_map(|(p, b)| (*b == results).then_some(p))
    {
        return Err(usage(format!(
            "--beside: {} is the run being reported",
            path.display()
        )));
    }
    let named = std::iter::once((from, &results))
        .chain(args.beside.iter().map(PathBuf::as_path).zip(beside));
    if let Err(e) = check_placement(named, args.placement) {
        return Err(usage(e));
    }
    if let Some(metric) = &results.settings.metric {
        return Err(usage(format!(
            "{} holds {metric} counts (statebench instructions), not a run of the \
             matrix: compare two of them with statebench compare",
            from.display()
        )));
    }
    let dir = args.out.clone().unwrap_or_else(|| {
        from.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    });
    // Re-rendering a folder from its own results is fine (the report is a function of
    // them); rendering other results over it would replace a run without a word.
    let copy = dir.join("results.json");
    let same = std::fs::canonicalize(&copy).ok() == std::fs::canonicalize(from).ok();
    let holds_these = same || load(&copy).is_ok_and(|held| held == results);
    if !holds_these && copy.exists() {
        return Err(usage(format!(
            "{} already holds the results of another run; choose another --out",
            dir.display()
        )));
    }
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return Err(usage(format!("cannot create {}: {e}", dir.display())));
    }
    if !same && let Err(e) = results.save(&copy) {
        return Err(usage(format!("cannot write {}: {e}", copy.display())));
    }
    Ok((results, dir))
}

/// `results/<date>-<host>/`, or `results/<date>-<host>-2/`, `-3/`, … : the first that does
/// not exist yet. Virtual machines often share a host name, and a second run on the same day
/// must not replace the first (or a committed one).
fn default_report_dir() -> PathBuf {
    let date: String = statebench_harness::results::utc_now()
        .chars()
        .take(10)
        .collect();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    unused_dir(Path::new("results"), &format!("{date}-{host}"))
}

/// `parent/name`, or `parent/name-N` with the smallest N ≥ 2 that does not exist.
fn unused_dir(parent: &Path, name: &str) -> PathBuf {
    let first = parent.join(name);
    if !first.exists() {
        return first;
    }
    (2u32..)
        .map(|n| parent.join(format!("{name}-{n}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}
