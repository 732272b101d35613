//! The versioned results document: one record per (workload, implementation, driver,
//! clients), every repetition's own figures and their summary, plus the machine fingerprint,
//! the floors and the exact settings. Its schema is described in `docs/RESULTS.md`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use statebench_core::Family;

pub use crate::driver::Tuning;
use crate::driver::{Driver, Repetition};
use crate::floors::Floors;
use crate::machine::Machine;
use crate::workload::Workload;

/// Strategies filed under another family than the one older results files record, with the
/// family they are read in: flat combining (`combining`) was recorded as an owner until
/// 2026-12-05, but its callers take a lock and whichever holds it applies everyone's published
/// operations — delegation to a lock holder, not an owner task or thread — so it is read as a
/// lock (docs/ARCHITECTURE.md, "Flat combining is a lock"). A test checks each against the
/// strategy's own declaration.
pub const REFILED: &[(&str, statebench_core::Family)] =
    &[("combining", statebench_core::Family::Lock)];

/// The `schema` field of every results document.
pub const SCHEMA: &str = "statebench-results";
/// The version of the schema this build writes and reads.
pub const VERSION: u32 = 2;

/// A whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The schema version ([`VERSION`]).
    pub version: u32,
    /// When the run started, UTC, ISO 8601.
    pub created: String,
    /// The machine and build.
    pub machine: Machine,
    /// The floors measured at the start of the run.
    pub floors: Floors,
    /// The floors measured again at its end (`None` if the run failed before it ended).
    pub floors_end: Option<Floors>,
    /// Outside tools' figures for operations the rows also make, measured at the start of the
    /// run on this machine: `redis-benchmark` beside the `redis` row. Empty when no row had
    /// one (and in files written before runs measured them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anchors: Vec<Anchor>,
    /// How the run was made.
    pub settings: RunSettings,
    /// One record per cell.
    pub records: Vec<Record>,
    /// When these are a view of a run's trials in one placement of its cores
    /// ([`crate::placement::view`]): which, and what the whole run was. Never written: a
    /// results file holds every trial, and a view is made from it again.
    #[serde(skip)]
    pub viewed: Option<crate::placement::record::Viewed>,
}

/// The settings of a run: enough to make it again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    /// The command line, as typed.
    pub command: Vec<String>,
    /// Warm-up before each measured window, in milliseconds.
    pub warmup_ms: u64,
    /// The measured window if given on the command line (else each workload's own).
    pub duration_ms: Option<u64>,
    /// How long a closed loop's window could stay open for every client to complete an
    /// operation in it, in milliseconds ([`crate::driver::Cell::cover`]); `None` in runs whose
    /// windows closed at their duration (those made before 2026-12-04, and `run --like` of one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_ms: Option<u64>,
    /// Repetitions of every cell in each pass.
    pub repeat: u32,
    /// Passes over the matrix: each a fresh process, with a seed of its own ([`pass_seed`])
    /// and so its own shuffle and operation plans, measuring every cell `repeat` times. With
    /// two or more, a record's comparisons take each pass's mean as one sample
    /// ([`Record::samples`]), so that their intervals hold how runs differ, not only how
    /// repetitions of one process do. Files written before passes ran one.
    #[serde(default = "one_pass")]
    pub passes: u32,
    /// One operation in this many is timed in closed loops (`None`: each client adapts, see
    /// `Repetition::timed_one_in`).
    pub sample_every: Option<u32>,
    /// Seed of the operation generators.
    pub seed: u64,
    /// The implementations selected.
    pub implementations: Vec<String>,
    /// The drivers selected.
    pub drivers: Vec<Driver>,
    /// The client counts asked for (empty: each workload's default).
    pub clients: Vec<usize>,
    /// The full definition of every workload run.
    pub workloads: Vec<Workload>,
    /// The named suite of cells run, if one was (`--suite`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    /// A slowdown planted on purpose to calibrate `compare` (a `calibrate` build with
    /// `STATEBENCH_PLANT_SPINS` set), in words; never set in a default build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planted: Option<String>,
    /// What the records measure: `None` for wall-clock throughput; `"instructions"` for the
    /// instruction tier (instructions per operation under Valgrind; see `Repetition`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// The strategies' own knobs the run started them with (files written before runs
    /// recorded them ran with the defaults).
    #[serde(default)]
    pub tuning: Tuning,
    /// The critical-section work of the run's workloads, as calibrated at its start: each
    /// cost's rounds and what they measured ([`crate::work`]). Empty when no workload has any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub work: Vec<crate::work::WorkCost>,
    /// Every cell the run planned, written before it measured anything: what the report's
    /// comparisons are enumerated from, so that how many there are cannot depend on the data
    /// (docs/METHODOLOGY.md). Files written before runs recorded it have none; the report then
    /// takes the cells that have records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub planned: Vec<PlannedKey>,
    /// The selected strategies the run left out, each with why: wholly, when this machine could
    /// not run them (the Redis rows without a `redis-server`), or in part, from the workloads
    /// whose work per operation they cannot spend. The run went on without them. Empty in
    /// files written before runs recorded it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<LeftOut>,
}

/// An outside tool's figure for one operation, taken in the run ([`Results::anchors`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Anchor {
    /// The tool and its version, as it names itself (`redis-benchmark 7.0.15`).
    pub tool: String,
    /// The operation, as the tool names it (`GET`, `SET`).
    pub test: String,
    /// The row it anchors (`redis`).
    pub implementation: String,
    /// Connections, each with one request in flight.
    pub clients: usize,
    /// Requests in flight on each connection (1: no pipelining).
    pub pipeline: usize,
    /// Keys drawn from, at random.
    pub keyspace: u64,
    /// Operations a second, one per trial.
    pub ops_per_sec: Vec<f64>,
    /// The tool's median latency of each trial, in nanoseconds.
    pub p50_ns: Vec<f64>,
}

/// A strategy a run left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    /// Its name.
    pub implementation: String,
    /// Why it could not run, in a line.
    pub why: String,
}

/// One cell of a run's plan: an implementation under a driver at a client count on a workload.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PlannedKey {
    /// The workload's name.
    pub workload: String,
    /// The implementation's name.
    pub implementation: String,
    /// The driver.
    pub driver: Driver,
    /// The client count.
    pub clients: usize,
}

fn one_pass() -> u32 {
    1
}

/// The seed of pass `pass` of a run seeded with `seed`: the run's own for the first pass (so
/// a run of one pass is what it always was), a SplitMix64 step away for each other one.
pub fn pass_seed(seed: u64, pass: u32) -> u64 {
    if pass == 0 {
        return seed;
    }
    let mut z = seed.wrapping_add(u64::from(pass).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl RunSettings {
    /// How `other` measures differently from `self`, in words (`None`: the same way): the
    /// warm-up, the window, the seed, the sampling interval, or the definition of a workload
    /// both ran. The command line, repetitions and selection may differ.
    pub fn measurement_differs(&self, other: &RunSettings) -> Option<String> {
        if self.metric != other.metric {
            let name = |m: &Option<String>| m.clone().unwrap_or_else(|| "wall-clock".into());
            return Some(format!(
                "one side counts {} and the other {}",
                name(&other.metric),
                name(&self.metric)
            ));
        }
        if self.warmup_ms != other.warmup_ms {
            return Some(format!(
                "the warm-up differs ({} ms against {} ms)",
                other.warmup_ms, self.warmup_ms
            ));
        }
        if self.duration_ms != other.duration_ms {
            let ms = |d: Option<u64>| d.map_or("each workload's own".into(), |d| format!("{d} ms"));
            return Some(format!(
                "the measured window differs ({} against {})",
                ms(other.duration_ms),
                ms(self.duration_ms)
            ));
        }
        if self.cover_ms != other.cover_ms {
            let words = |c: Option<u64>| {
                c.map_or("closed at their duration".into(), |c| {
                    format!("waited up to {c} ms for every client")
                })
            };
            return Some(format!(
                "the windows differ (one side's {} and the other's {})",
                words(other.cover_ms),
                words(self.cover_ms)
            ));
        }
        if self.seed != other.seed {
            return Some(format!(
                "the seed differs ({} against {})",
                other.seed, self.seed
            ));
        }
        if self.tuning != other.tuning {
            return Some(format!(
                "the strategies' settings differ ({} against {})",
                other.tuning.describe(),
                self.tuning.describe()
            ));
        }
        if self.sample_every != other.sample_every {
            return Some(format!(
                "the sampling interval differs ({:?} against {:?})",
                other.sample_every, self.sample_every
            ));
        }
        for w in &self.workloads {
            if let Some(o) = other.workloads.iter().find(|o| o.name == w.name) {
                let same = Workload {
                    about: w.about.clone(),
                    ..o.clone()
                };
                if &same != w {
                    return Some(format!("the workload {:?} is defined differently", w.name));
                }
            }
        }
        None
    }
}

/// One cell of the matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Workload name.
    pub workload: String,
    /// Service name.
    pub service: String,
    /// Implementation name.
    pub implementation: String,
    /// The strategy's family (`owner`, `lock`, `concurrent`: `statebench_core::Family`), as
    /// the strategy declares it. Empty in files written before records said it; readers fill
    /// it from the registry ([`Record::family`] is `None` until then).
    #[serde(default)]
    pub family: String,
    /// What the strategy is, in one line, as it declares it (empty in older files).
    #[serde(default)]
    pub about: String,
    /// Driver.
    pub driver: Driver,
    /// Clients.
    pub clients: usize,
    /// Where the work runs: the strategy's placement and the callers (e.g. "an owner task on a
    /// background tokio runtime …, called by OS threads making blocking calls").
    pub placement: String,
    /// Measured window of each repetition, in milliseconds.
    pub duration_ms: u64,
    /// Each operation kind's asked share of all operations (0–1), from the workload's groups
    /// at this client count ([`Workload::asked_shares`]). Absent in files written before
    /// records said it; [`Results::from_json`] fills it from the run's workloads. What the
    /// record served is judged against it ([`crate::mix`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub asked: BTreeMap<String, f64>,
    /// Every repetition's figures, in the order run.
    pub repetitions: Vec<Repetition>,
    /// Medians and ranges over the repetitions.
    pub summary: Summary,
    /// In a view of one placement ([`crate::placement::view`]), what the view left out of this
    /// record; never written.
    #[serde(skip)]
    pub set_aside: Option<crate::placement::record::SetAside>,
}

impl Record {
    /// The strategy's family, if the record says it.
    pub fn family(&self) -> Option<Family> {
        Family::from_name(&self.family)
    }

    /// Whether `other` measured the same cell: workload, implementation, driver, clients.
    pub fn same_cell(&self, other: &Record) -> bool {
        self.workload == other.workload
            && self.implementation == other.implementation
            && self.driver == other.driver
            && self.clients == other.clients
    }
}

/// Median, smallest and largest of one figure over the repetitions.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Median (of an even count: the mean of the middle two).
    pub median: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    /// The spread of `xs` (all zero if empty).
    pub fn of(xs: &[f64]) -> Spread {
        if xs.is_empty() {
            return Spread {
                median: 0.0,
                min: 0.0,
                max: 0.0,
            };
        }
        let mut v = xs.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Spread {
            median,
            min: v[0],
            max: v[n - 1],
        }
    }
}

/// The repetitions of a record, summarised.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Operations per second.
    pub ops_per_sec: Spread,
    /// Median latency over all operation kinds, ns.
    pub p50_ns: Spread,
    /// 99th percentile latency over all kinds, ns.
    pub p99_ns: Spread,
    /// 99.9th percentile latency over all kinds, ns.
    pub p999_ns: Spread,
    /// Process CPU time per operation, ns.
    pub cpu_ns_per_op: Spread,
}

impl Summary {
    /// Summarises `reps`.
    pub fn of(reps: &[Repetition]) -> Summary {
        let figure =
            |f: &dyn Fn(&Repetition) -> f64| Spread::of(&reps.iter().map(f).collect::<Vec<_>>());
        let all = |r: &Repetition, p: fn(&crate::measure::LatencySummary) -> u64| {
            r.latency.get("all").map_or(0.0, |s| p(s) as f64)
        };
        Summary {
            ops_per_sec: figure(&|r| r.ops_per_sec),
            p50_ns: figure(&|r| all(r, |s| s.p50_ns)),
            p99_ns: figure(&|r| all(r, |s| s.p99_ns)),
            p999_ns: figure(&|r| all(r, |s| s.p999_ns)),
            cpu_ns_per_op: figure(&|r| r.cpu_ns_per_op),
        }
    }
}

message_error!(
    /// Why a results file could not be read.
    ResultsError
);

impl Results {
    /// An empty document stamped now.
    pub fn new(machine: Machine, floors: Floors, settings: RunSettings) -> Results {
        Results {
            schema: SCHEMA.into(),
            version: VERSION,
            created: utc_now(),
            machine,
            floors,
            floors_end: None,
            anchors: Vec::new(),
            settings,
            records: Vec::new(),
            viewed: None,
        }
    }

    /// The document as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| unreachable!("results always serialize: {e}"))
    }

    /// Parses a document, naming what is wrong if it is not one this build can read, with
    /// every strategy in the family it has now ([`REFILED`]).
    pub fn from_json(text: &str) -> Result<Results, ResultsError> {
        let mut results = Results::from_json_as_recorded(text)?;
        results.refile();
        Ok(results)
    }

    /// Parses a document as [`Results::from_json`] does but keeps each record's family as the
    /// file recorded it: for reading a run as the report judged it when it was made (the
    /// tables of docs/METHODOLOGY.md that record the method's history).
    pub fn from_json_as_recorded(text: &str) -> Result<Results, ResultsError> {
        if text.trim().is_empty() {
            return Err(ResultsError("the file is empty".into()));
        }
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            if e.is_eof() {
                ResultsError(format!("the file is truncated ({e})"))
            } else {
                ResultsError(format!("the file is not JSON ({e})"))
            }
        })?;
        match value.get("schema").and_then(|s| s.as_str()) {
            Some(SCHEMA) => {}
            Some(other) => {
                return Err(ResultsError(format!(
                    "the file is a {other:?} document, not {SCHEMA:?}"
                )));
            }
            None => {
                return Err(ResultsError(format!(
                    "the file is JSON but not a {SCHEMA} document (no \"schema\" field)"
                )));
            }
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => {
                return Err(ResultsError(format!(
                    "the file has schema version {v}; this build reads version {VERSION}"
                )));
            }
            None => return Err(ResultsError("the file has no schema version".into())),
        }
        let mut results: Results = serde_json::from_value(value).map_err(|e| {
            ResultsError(format!(
                "the file does not match schema version {VERSION}: {e}"
            ))
        })?;
        results.fill_asked();
        Ok(results)
    }

    /// Reads the records of strategies whose family changed after they were written
    /// ([`REFILED`]) in the family they have now, so that a run read today is judged as one
    /// made today would be.
    fn refile(&mut self) {
        for r in &mut self.records {
            if let Some((_, family)) = REFILED.iter().find(|(name, _)| *name == r.implementation) {
                r.family = family.name().to_owned();
            }
        }
    }

    /// Fills [`Record::asked`] of records written before records said it, from the run's own
    /// workload definitions (a record whose workload is not among them is left as it is).
    fn fill_asked(&mut self) {
        let workloads = &self.settings.workloads;
        for r in self.records.iter_mut().filter(|r| r.asked.is_empty()) {
            if let Some(asked) = workloads
                .iter()
                .find(|w| w.name == r.workload)
                .and_then(|w| w.asked_shares(r.clients).ok())
            {
                r.asked = asked;
            }
        }
    }

    /// Reads a document from `path`.
    pub fn load(path: &Path) -> Result<Results, ResultsError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ResultsError(format!("cannot read {}: {e}", path.display())))?;
        Results::from_json(&text).map_err(|e| ResultsError(format!("{}: {e}", path.display())))
    }

    /// Writes the document to `path`.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_json() + "\n")
    }

    /// Adds `record`'s repetitions to the record of its cell (or adds it as a new one), and
    /// recomputes that record's summary.
    pub fn add(&mut self, record: Record) {
        match self.records.iter_mut().find(|r| r.same_cell(&record)) {
            Some(into) => {
                // What the views of two runs set aside, together (a run read whole set none
                // aside, and ran in its own passes).
                let whole = |r: &Record| crate::placement::record::SetAside {
                    trials: 0,
                    passes: r.passes(),
                };
                if into.set_aside.is_some() || record.set_aside.is_some() {
                    let (a, b) = (
                        into.set_aside.unwrap_or_else(|| whole(into)),
                        record.set_aside.unwrap_or_else(|| whole(&record)),
                    );
                    into.set_aside = Some(crate::placement::record::SetAside {
                        trials: a.trials + b.trials,
                        passes: a.passes + b.passes,
                    });
                }
                into.repetitions.extend(record.repetitions);
                into.summary = Summary::of(&into.repetitions);
            }
            None => self.records.push(record),
        }
    }

    /// Pools several runs of the same build and settings (the interleaved runs of one side of
    /// an A/B job) into one document: each cell's repetitions joined, in run order, and its
    /// summary recomputed; each run's passes stay passes of their own. The first run's machine
    /// and floors stand for the pool (the last run's end floors close it); `created` is the
    /// first run's start. Runs of other commits, hosts or measurement settings are refused,
    /// naming the difference.
    pub fn pool(runs: Vec<Results>) -> Result<Results, String> {
        let mut runs = runs.into_iter();
        let Some(mut pooled) = runs.next() else {
            return Err("nothing to pool: no results".into());
        };
        for (k, run) in runs.enumerate() {
            let which = k + 2;
            let differs = |what: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
                format!("cannot pool run {which} with run 1: {what} differs ({b:?} against {a:?})")
            };
            let (a, b) = (&pooled.machine, &run.machine);
            if a.commit != b.commit {
                return Err(differs("the commit", &a.commit, &b.commit));
            }
            if a.hostname != b.hostname {
                return Err(differs("the host", &a.hostname, &b.hostname));
            }
            if let Some(what) = pooled.settings.measurement_differs(&run.settings) {
                return Err(format!("cannot pool run {which} with run 1: {what}"));
            }
            if pooled.settings.planted != run.settings.planted {
                return Err(differs(
                    "the planted slowdown",
                    &pooled.settings.planted,
                    &run.settings.planted,
                ));
            }
            // Every run is a fresh process: its passes stay passes of their own.
            let offset = pooled.settings.passes;
            for mut record in run.records {
                for rep in &mut record.repetitions {
                    rep.pass += offset;
                }
                pooled.add(record);
            }
            // The views' counts, summed (a run a near view read whole counts its trials as
            // kept); the placement stays the first run's, as its machine does.
            if let (Some(into), Some(v)) = (pooled.viewed.as_mut(), run.viewed) {
                into.kept += v.kept;
                into.set_aside += v.set_aside;
                into.emptied.extend(v.emptied);
            }
            pooled.settings.passes += run.settings.passes;
            pooled.settings.repeat += run.settings.repeat;
            pooled.floors_end = run.floors_end;
            if run.created < pooled.created {
                pooled.created = run.created;
            }
        }
        Ok(pooled)
    }
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc(secs)
}

/// Formats seconds since the epoch as UTC ISO 8601 (Howard Hinnant's civil-from-days).
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
