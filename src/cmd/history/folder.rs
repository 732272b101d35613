//! A history folder: one results file per run, read back oldest first.

use std::path::{Path, PathBuf};

use statebench_harness::results::Results;

/// Every run of the history folder, oldest first.
pub(super) fn runs(history: &Path) -> Result<Vec<Results>, String> {
    let entries = std::fs::read_dir(history).map_err(|e| format!("{}: {e}", history.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut runs = Vec::new();
    for p in paths {
        runs.push(crate::cmd::load(&p).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    runs.sort_by(|a, b| a.created.cmp(&b.created));
    Ok(runs)
}
