//! Made-up results, for the tests of code that reads them (the results format, the report,
//! `compare`): plausible figures, never a measurement. Written once, so a field added to the
//! format is filled in one place and every such test keeps compiling. Built only for tests:
//! this crate's own, and those of crates that enable the `fixture` feature as a
//! dev-dependency (the report's); the library the binary uses has none of it.

use std::collections::BTreeMap;

use statebench_core::Family;

use crate::driver::{Driver, Repetition};
use crate::floors::Floors;
use crate::machine::Machine;
use crate::measure::LatencySummary;
use crate::results::{Record, Results, RunSettings, Summary};
use crate::workload;

/// A latency summary of 100 timed operations: p50 100 ns, p99 900 ns, max 5 µs.
pub fn latency() -> LatencySummary {
    LatencySummary {
        count: 100,
        mean_ns: 150.0,
        p50_ns: 100,
        p90_ns: 200,
        p99_ns: 900,
        p999_ns: 2000,
        max_ns: 5000,
    }
}

/// One repetition of a 1 s window at `ops_per_sec`, with the operations of each kind given
/// (their sum is its `ops`) and [`latency`] over all kinds.
pub fn repetition(ops_per_sec: f64, ops_by_kind: &[(&str, u64)]) -> Repetition {
    Repetition {
        trial: 0,
        pass: 0,
        at_ms: 0,
        round_trip_ns: None,
        round_trip_after_ns: None,
        ops: ops_by_kind.iter().map(|(_, n)| n).sum(),
        elapsed_ns: 1_000_000_000,
        ops_per_sec,
        cpu_ns_per_op: 250.0,
        cpu_elsewhere_ns: None,
        timed_one_in: 1,
        timing_share: 0.0,
        ops_by_kind: ops_by_kind
            .iter()
            .map(|(kind, n)| ((*kind).to_owned(), *n))
            .collect(),
        latency: BTreeMap::from([("all".to_owned(), latency())]),
        hit_rate: None,
        live_size: None,
        instructions_per_op: None,
        open_loop: None,
        cpu_ns_by_role: Default::default(),
        parked_by_role: Default::default(),
        absent_by_role: Default::default(),
    }
}

/// One repetition of a 1 s window at `ops_per_sec` on the named workload with `clients`
/// clients, its operations split between the kinds as the workload asks: a row that served
/// the mix.
///
/// A count too small for every group to have a client is taken as one client a group (a
/// record of such a count asks nothing: see [`record`]).
///
/// # Panics
///
/// If no workload is named `workload`.
pub fn served(workload: &str, clients: usize, ops_per_sec: f64) -> Repetition {
    let named = workload::find(workload).expect("a named workload");
    let asked = named
        .asked_shares(clients.max(named.groups.len()))
        .unwrap_or_else(|e| unreachable!("one client a group always runs: {e}"));
    let ops: Vec<(&str, u64)> = asked
        .iter()
        .map(|(kind, share)| (kind.as_str(), (share * ops_per_sec).round() as u64))
        .collect();
    repetition(ops_per_sec, &ops)
}

/// A record of `implementation` (of `family`) on the named workload `workload`, with
/// `repetitions` summarised. Its description reads "`implementation`, in one line" and its
/// placement "`implementation` runs here".
///
/// # Panics
///
/// If no workload is named `workload`.
pub fn record(
    workload: &str,
    implementation: &str,
    family: Family,
    driver: Driver,
    clients: usize,
    repetitions: Vec<Repetition>,
) -> Record {
    let named = workload::find(workload).expect("a named workload");
    Record {
        workload: workload.into(),
        asked: named.asked_shares(clients).unwrap_or_default(),
        service: named.service,
        implementation: implementation.into(),
        family: family.name().into(),
        about: format!("{implementation}, in one line"),
        driver,
        clients,
        placement: format!("{implementation} runs here"),
        duration_ms: 1000,
        summary: Summary::of(&repetitions),
        repetitions,
        set_aside: None,
    }
}

/// A [`record`] of eight repetitions spread evenly over ±1 % of `ops_per_sec`, each
/// [`served`] in the asked mix: a steady row whose comparisons the tests know the answer to.
///
/// # Panics
///
/// If no workload is named `workload`.
pub fn steady(
    workload: &str,
    implementation: &str,
    family: Family,
    driver: Driver,
    clients: usize,
    ops_per_sec: f64,
) -> Record {
    let repetitions = (0..8)
        .map(|i| {
            let rate = ops_per_sec * (0.99 + 0.02 * f64::from(i) / 7.0);
            served(workload, clients, rate)
        })
        .collect();
    record(
        workload,
        implementation,
        family,
        driver,
        clients,
        repetitions,
    )
}

/// A run of the named `workloads` holding `records`, on [`Machine::fixture`] with
/// [`Floors::fixture`], created 2026-11-29 at midnight UTC; its settings say as many
/// repetitions as its longest record has.
///
/// # Panics
///
/// If a workload is not a named one.
pub fn results(workloads: &[&str], records: Vec<Record>) -> Results {
    let settings = RunSettings {
        command: vec!["statebench".into(), "run".into()],
        warmup_ms: 100,
        duration_ms: None,
        cover_ms: None,
        repeat: records
            .iter()
            .map(|r| r.repetitions.len() as u32)
            .max()
            .unwrap_or(1),
        passes: 1,
        sample_every: None,
        seed: 7,
        implementations: vec![],
        drivers: Driver::RUST.to_vec(),
        clients: vec![],
        workloads: workloads
            .iter()
            .map(|w| workload::find(w).expect("a named workload"))
            .collect(),
        suite: None,
        planted: None,
        metric: None,
        tuning: Default::default(),
        work: Vec::new(),
        planned: Vec::new(),
        left_out: Vec::new(),
    };
    let mut results = Results::new(Machine::fixture(), Floors::fixture(), settings);
    results.created = "2026-11-29T00:00:00Z".into();
    results.records = records;
    results
}

/// A run committed in the repository's `results/` folder, by its folder there
/// (`"2026-12-01-vm-all"`, `"2026-12-05-epyc-after/run-1"`; a leading `results/` is taken too,
/// as the canonical run is named): for the tests that read a real run — how the report reads
/// one, what the docs quote from one.
///
/// # Panics
///
/// If the folder has no results file this version reads.
pub fn committed(folder: &str) -> Results {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../results")
        .join(folder.strip_prefix("results/").unwrap_or(folder))
        .join("results.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Results::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
