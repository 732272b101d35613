//! The commands' work, one module per purpose, and what several of them share: loading results
//! files, checking implementation names, claiming an output file before minutes of work, and
//! the slowdown a calibration build plants.

pub(crate) mod advise;
pub(crate) mod agreement;
pub(crate) mod compare;
pub(crate) mod demo;
pub(crate) mod history;
pub(crate) mod instructions;
pub(crate) mod list;
pub(crate) mod matrix;
pub(crate) mod overhead;
pub(crate) mod placement;
pub(crate) mod power;
pub(crate) mod report;

use std::path::Path;

use statebench::registry;
use statebench_harness::results::Results;

/// Loads a results file, filling from the registry what files of older versions lack (the
/// strategies' families and descriptions).
fn load(path: &Path) -> Result<Results, String> {
    let mut results = Results::load(path).map_err(|e| e.to_string())?;
    registry::describe_old_records(&mut results);
    Ok(results)
}

/// Loads a run given as a results file or as a report folder holding `results.json`.
fn load_run(path: &Path) -> Result<Results, String> {
    if path.is_dir() {
        load(&path.join("results.json"))
    } else {
        load(path)
    }
}

/// Whether every run named can be read in `view` ([`statebench_harness::placement::check`]):
/// the message names the option and the run refused.
fn check_placement<'a>(
    runs: impl IntoIterator<Item = (&'a Path, &'a Results)>,
    view: statebench_harness::placement::View,
) -> Result<(), String> {
    for (path, run) in runs {
        statebench_harness::placement::check(run, view)
            .map_err(|e| format!("--placement {}: {}: {e}", view.name(), path.display()))?;
    }
    Ok(())
}

fn check_implementations(names: &[String]) -> Result<(), String> {
    let known: Vec<&str> = {
        let mut v: Vec<&str> = registry::pairs().into_iter().map(|(_, i)| i).collect();
        v.extend(statebench::go::STRATEGIES.iter().map(|g| g.name));
        v.sort_unstable();
        v.dedup();
        v
    };
    match names.iter().find(|n| !known.contains(&n.as_str())) {
        Some(bad) => Err(format!(
            "unknown implementation {bad:?}; the implementations are {}",
            known.join(", ")
        )),
        None => Ok(()),
    }
}

/// Creates (or truncates) `path` now, so an unwritable output fails before minutes of work.
fn claim_output(path: &Path) -> Result<(), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::File::create(path)
        .map(drop)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The slowdown planted on purpose in this process, in words (`calibrate` builds only).
#[cfg(feature = "calibrate")]
fn planted_slowdown() -> Result<Option<String>, String> {
    use statebench_core::calibrate::{SITE, VARIABLE, planted};
    let (n, site) = planted()?;
    Ok((n > 0).then(|| format!("{} ({VARIABLE}, {SITE}={})", site.describe(n), site.name())))
}

/// Without the `calibrate` feature nothing can be planted; asking for it is an error, not a
/// silent no-op.
#[cfg(not(feature = "calibrate"))]
fn planted_slowdown() -> Result<Option<String>, String> {
    match ["STATEBENCH_PLANT_SPINS", "STATEBENCH_PLANT_IN"]
        .into_iter()
        .find(|v| std::env::var_os(v).is_some())
    {
        Some(v) => Err(format!(
            "{v} is set, but this build cannot plant a slowdown: \
             build with --features calibrate (docs/CI.md)"
        )),
        None => Ok(None),
    }
}
