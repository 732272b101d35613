//! Runs a matrix of cells — workloads × implementations × drivers × client counts, each
//! repeated — through the registry, as trials in a shuffled, interleaved order, and collects
//! the records.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use statebench_core::{Service, StateMachine};
use statebench_harness::driver::interval_for;
use statebench_harness::generate::{Rng, Subject};
use statebench_harness::results::{Record, Summary, Tuning, pass_seed};
use statebench_harness::work::WorkCost;
use statebench_harness::{
    Cell, Driver, Repetition, RunError, RustDriver, Workload, run_repetition,
};

use crate::go::{self, Go};
use crate::registry::{self, Described, Visitor};

/// What to run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Matrix {
    /// The workloads, in order.
    pub workloads: Vec<Workload>,
    /// The implementations to run (empty: every one registered for each workload's service).
    pub implementations: Vec<String>,
    /// Whether [`implementations`](Matrix::implementations) were named by the user, so that
    /// one no selected workload drives is an error; the [`CORE`] set is not (its `atomic`
    /// serves the counter alone).
    pub named: bool,
    /// The drivers.
    pub drivers: Vec<Driver>,
    /// Client counts for workloads that scale (empty: each workload's default count). A
    /// workload that does not scale runs at its default count unless `force_clients`.
    pub clients: Vec<usize>,
    /// Apply `clients` to every workload, scaling or not (they were given explicitly).
    pub force_clients: bool,
    /// Warm-up before each measured window.
    pub warmup: Duration,
    /// The measured window (`None`: each workload's own).
    pub duration: Option<Duration>,
    /// How long a closed loop's window may wait for every client to complete an operation in
    /// it ([`statebench_harness::driver::Cell::cover`]; `None`: it closes at its duration).
    #[serde(default)]
    pub cover: Option<Duration>,
    /// Repetitions per cell.
    pub repeat: u32,
    /// One operation in this many is timed in closed loops (`None`: calibrated per cell, see
    /// [`FIRST_ROUND_INTERVAL`]).
    pub sample_every: Option<u32>,
    /// Seed of the operation generators.
    pub seed: u64,
    /// The knobs of the strategies that have them (shards, spin budgets).
    pub tuning: Tuning,
    /// Run only the cells of this suite (the other fields then select among them).
    #[serde(with = "suite_by_name")]
    pub suite: Option<&'static Suite>,
    /// The critical-section work of the workloads, calibrated for this run: every nonzero
    /// `work_ns` among them must have its cost here before the run ([`Matrix::work_for`]).
    pub work: Vec<WorkCost>,
    /// The Go contenders, built, when Go is available: the rows of the goroutines driver
    /// ([`go::STRATEGIES`]). Without it, no Go row is planned.
    pub go: Option<Go>,
}

/// What a pass needs to run the matrix as the run that spawned it planned it: the [`Matrix`]
/// written out (its suite by name), with the pass's own seed. A run of several passes writes
/// one per pass and runs each in a fresh process (`statebench pass`), so that no two passes
/// share a process's state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PassPlan {
    /// This pass, from 0.
    pub pass: u32,
    /// The run's passes.
    pub passes: u32,
    /// The run's matrix, seeded with the pass's seed ([`pass_seed`]).
    pub matrix: Matrix,
}

impl Matrix {
    /// The plan of pass `pass` of `passes`: this matrix with the pass's seed, so that each pass
    /// draws its own shuffle and its own operation plans.
    pub fn pass_plan(&self, pass: u32, passes: u32) -> PassPlan {
        PassPlan {
            pass,
            passes,
            matrix: Matrix {
                seed: pass_seed(self.seed, pass),
                ..self.clone()
            },
        }
    }
}

/// A suite written as its name, and read back from it.
mod suite_by_name {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Suite;

    pub fn serialize<S: Serializer>(
        suite: &Option<&'static Suite>,
        to: S,
    ) -> Result<S::Ok, S::Error> {
        suite.map(|s| s.name).serialize(to)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        from: D,
    ) -> Result<Option<&'static Suite>, D::Error> {
        Option::<String>::deserialize(from)?
            .map(|name| Suite::named(&name).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// The strategies `run` and `report` measure unless `--impl`, `--suite` or `--all` says
/// otherwise: the main job's rows, chosen so that it answers the founding question — owner,
/// lock or concurrent structure — in under six minutes on 2 cores, with every family's
/// strongest row in it. `--all` adds the rest: the other owner runtimes and forms, the
/// reference rows, tokio's locks, the striped lock, papaya, scc, moka and the actor framework
/// (docs/RESULTS.md lists them).
pub const CORE: &[&str] = &[
    // The plain owners, the founding question's subject, on tasks and on an OS thread.
    "owner_tokio",
    "owner_thread",
    // Flat combining: the owner's idea (delegation) on a lock, and itself a lock
    // (docs/ARCHITECTURE.md); of the owner forms it came closest to the locks.
    "combining",
    // The locks a reader picks first.
    "mutex_std",
    "rwlock_std",
    "mutex_parking_lot",
    // The concurrent structures: a map for the keyed services, atomics for the counter.
    "dashmap",
    "atomic",
    // Go's own stateful goroutine and mutex, the reference text's two contenders, where Go is
    // available (the goroutines driver; `go_rwmutex` and `go_syncmap` come with --all).
    "go_goroutine",
    "go_mutex",
];

/// A named set of cells, for jobs that cannot afford the whole matrix.
#[derive(Debug, PartialEq, Eq)]
pub struct Suite {
    /// Stable name (`--suite NAME`).
    pub name: &'static str,
    /// What it is for, in a line.
    pub about: &'static str,
    /// Its cells, group by group.
    pub groups: &'static [SuiteGroup],
}

/// Cells of a suite that share a workload, a driver and a client count.
#[derive(Debug, PartialEq, Eq)]
pub struct SuiteGroup {
    /// Workload name.
    pub workload: &'static str,
    /// Driver.
    pub driver: Driver,
    /// Clients.
    pub clients: usize,
    /// Implementations (empty: every one that serves the workload's service).
    pub implementations: &'static [&'static str],
}

impl Suite {
    /// Whether the suite holds the cell.
    pub fn holds(
        &self,
        workload: &str,
        implementation: &str,
        driver: Driver,
        clients: usize,
    ) -> bool {
        self.groups.iter().any(|g| {
            g.workload == workload
                && g.driver == driver
                && g.clients == clients
                && (g.implementations.is_empty() || g.implementations.contains(&implementation))
        })
    }

    /// The suite called `name`, or an error listing the suites.
    pub fn named(name: &str) -> Result<&'static Suite, String> {
        SUITES.iter().find(|s| s.name == name).ok_or_else(|| {
            let names: Vec<&str> = SUITES.iter().map(|s| s.name).collect();
            format!(
                "unknown suite {name:?}; the suites are {}",
                names.join(", ")
            )
        })
    }
}

/// Every named suite.
pub const SUITES: &[Suite] = &[
    Suite {
        name: "ci",
        about: "regression tracking: every strategy alone (1 client, blocking and async) and \
                contended (8 clients) on the kv store, every counter at 8 clients, and moka (the \
                one cache-only strategy) alone on the cache",
        groups: &[
            SuiteGroup {
                workload: "kv_read_heavy",
                driver: Driver::Threads,
                clients: 1,
                implementations: &[],
            },
            SuiteGroup {
                workload: "kv_read_heavy",
                driver: Driver::Tasks,
                clients: 1,
                implementations: &[],
            },
            SuiteGroup {
                workload: "kv_write_heavy",
                driver: Driver::Threads,
                clients: 8,
                implementations: &[],
            },
            SuiteGroup {
                workload: "counter",
                driver: Driver::Threads,
                clients: 8,
                implementations: &[],
            },
            // The one strategy the groups above miss: it serves the cache alone.
            SuiteGroup {
                workload: "cache",
                driver: Driver::Threads,
                clients: 1,
                implementations: &["moka"],
            },
            SuiteGroup {
                workload: "cache",
                driver: Driver::Tasks,
                clients: 1,
                implementations: &["moka"],
            },
        ],
    },
    Suite {
        name: "smoke",
        about: "plumbing checks (.ci/run): one owner, one lock and one concurrent map, alone",
        groups: &[SuiteGroup {
            workload: "kv_read_heavy",
            driver: Driver::Threads,
            clients: 1,
            implementations: &["owner_thread", "mutex_std", "dashmap"],
        }],
    },
];

/// One cell before it runs.
#[derive(Clone, Debug)]
pub struct PlannedCell {
    /// Index into `Matrix::workloads`.
    pub workload: usize,
    /// Implementation name.
    pub implementation: &'static str,
    /// Driver.
    pub driver: Driver,
    /// Clients.
    pub clients: usize,
}

impl Matrix {
    /// The client counts `workload` runs at.
    pub fn clients_for(&self, workload: &Workload) -> Vec<usize> {
        if self.clients.is_empty() || !(workload.scales || self.force_clients) {
            vec![workload.default_clients()]
        } else {
            self.clients.clone()
        }
    }

    /// The calibrated work of `workload`'s `work_ns`: none for none, and none — which the
    /// driver refuses — for a cost that was not calibrated.
    pub fn work_for(&self, workload: &Workload) -> statebench_core::Work {
        self.work
            .iter()
            .find(|c| c.target_ns == workload.work_ns && workload.work_ns > 0)
            .map_or(statebench_core::Work::NONE, WorkCost::work)
    }

    /// The measured window of `workload`.
    pub fn duration_for(&self, workload: &Workload) -> Duration {
        self.duration
            .unwrap_or(Duration::from_millis(workload.duration_ms))
    }

    /// Every cell, in the order they run; checks that every selected implementation serves at
    /// least one selected workload and every client count fits every workload.
    pub fn plan(&self) -> Result<Vec<PlannedCell>, RunError> {
        let mut cells = Vec::new();
        let selected = |name: &str| {
            self.implementations.is_empty() || self.implementations.iter().any(|n| n == name)
        };
        let left_out = self.left_out();
        for (i, workload) in self.workloads.iter().enumerate() {
            workload.validate()?;
            let available = registry::implementations(&workload.service);
            for implementation in available {
                if !selected(implementation)
                    || left_out.iter().any(|(name, _)| *name == implementation)
                    || (workload.work_ns > 0 && !spends_work(&workload.service, implementation))
                {
                    continue;
                }
                for &driver in self.drivers.iter().filter(|d| **d != Driver::Goroutines) {
                    for clients in self.clients_for(workload) {
                        if self.suite.is_some_and(|s| {
                            !s.holds(&workload.name, implementation, driver, clients)
                        }) {
                            continue;
                        }
                        workload.clients_per_group(clients)?;
                        cells.push(PlannedCell {
                            workload: i,
                            implementation,
                            driver,
                            clients,
                        });
                    }
                }
            }
            // Go's rows, where Go is there and one of its programs runs this workload.
            let go_runs = self.go.is_some()
                && self.drivers.contains(&Driver::Goroutines)
                && go::program_for(workload).is_ok();
            for strategy in go::STRATEGIES.iter().filter(|_| go_runs) {
                if !strategy.services.contains(&workload.service.as_str())
                    || !selected(strategy.name)
                {
                    continue;
                }
                for clients in self.clients_for(workload) {
                    if self.suite.is_some_and(|s| {
                        !s.holds(&workload.name, strategy.name, Driver::Goroutines, clients)
                    }) {
                        continue;
                    }
                    workload.clients_per_group(clients)?;
                    cells.push(PlannedCell {
                        workload: i,
                        implementation: strategy.name,
                        driver: Driver::Goroutines,
                        clients,
                    });
                }
            }
        }
        for name in self.implementations.iter().filter(|_| self.named) {
            if let (Some(strategy), false) = (
                go::strategy(name),
                cells.iter().any(|c| c.implementation == name),
            ) {
                return Err(RunError(if self.go.is_none() {
                    format!("{name} is one of Go's own programs, and Go is not available")
                } else if !self.drivers.contains(&Driver::Goroutines) {
                    format!("{name} runs under the goroutines driver, which is not selected")
                } else {
                    format!(
                        "{name} serves {} with uniformly drawn keys, which no selected workload \
                         drives",
                        strategy.services.join(", ")
                    )
                }));
            }
            if let Some((_, why)) = left_out.iter().find(|(n, _)| n == name) {
                return Err(RunError(format!("{name} cannot run here: {why}")));
            }
            if !cells.iter().any(|c| c.implementation == name) {
                let serves: Vec<_> = registry::pairs()
                    .into_iter()
                    .filter(|(_, i)| i == name)
                    .map(|(s, _)| s)
                    .collect();
                // Its services are driven, but only with work per operation, which this row
                // cannot spend where the work is measured (its state lives in another process).
                let only_work = self
                    .workloads
                    .iter()
                    .any(|w| serves.contains(&w.service.as_str()))
                    && self
                        .workloads
                        .iter()
                        .filter(|w| serves.contains(&w.service.as_str()))
                        .all(|w| w.work_ns > 0 && !spends_work(&w.service, name));
                if only_work {
                    let driven: Vec<&str> = serves
                        .iter()
                        .copied()
                        .filter(|s| self.workloads.iter().any(|w| w.service == *s))
                        .collect();
                    return Err(RunError(format!(
                        "implementation {name:?} cannot spend a workload's work per operation \
                         (work_ns), and every selected workload of {} sets it",
                        driven.join(", ")
                    )));
                }
                return Err(RunError(format!(
                    "implementation {name:?} serves {}, which no selected workload drives",
                    serves.join(", ")
                )));
            }
        }
        Ok(cells)
    }

    /// The selected strategies that cannot run on this machine now, each with why
    /// ([`statebench_core::Service::unavailable`]: the Redis rows without a `redis-server`).
    /// [`Matrix::plan`] leaves them out; the run says so in one line each.
    pub fn left_out(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        for workload in &self.workloads {
            for implementation in registry::implementations(&workload.service) {
                let selected = self.implementations.is_empty()
                    || self.implementations.iter().any(|n| n == implementation);
                if !selected || out.iter().any(|(n, _)| *n == implementation) {
                    continue;
                }
                if let Some(why) = registry::unavailable(&workload.service, implementation) {
                    out.push((implementation, why));
                }
            }
        }
        out
    }

    /// The selected strategies that run, but not on the selected workloads that put work in
    /// the critical section, which they cannot spend (their state lives in another process;
    /// [`statebench_core::Service::SPENDS_WORK`]), each with where: [`Matrix::plan`] leaves
    /// those cells out, and the run records it beside [`Matrix::left_out`].
    pub fn left_out_of_work(&self) -> Vec<(&'static str, String)> {
        let left_out = self.left_out();
        let mut out: Vec<(&'static str, Vec<&str>)> = Vec::new();
        let rust_drivers: Vec<Driver> = self
            .drivers
            .iter()
            .copied()
            .filter(|d| *d != Driver::Goroutines)
            .collect();
        for workload in self.workloads.iter().filter(|w| w.work_ns > 0) {
            for implementation in registry::implementations(&workload.service) {
                let selected = self.implementations.is_empty()
                    || self.implementations.iter().any(|n| n == implementation);
                // Only where a cell would have run: a Rust driver selected, the suite holding it.
                let would_run = rust_drivers.iter().any(|d| {
                    self.clients_for(workload).into_iter().any(|c| {
                        self.suite
                            .is_none_or(|s| s.holds(&workload.name, implementation, *d, c))
                    })
                });
                if !selected
                    || !would_run
                    || left_out.iter().any(|(n, _)| *n == implementation)
                    || spends_work(&workload.service, implementation)
                {
                    continue;
                }
                match out.iter_mut().find(|(n, _)| *n == implementation) {
                    Some((_, workloads)) => workloads.push(&workload.name),
                    None => out.push((implementation, vec![&workload.name])),
                }
            }
        }
        out.into_iter()
            .map(|(implementation, workloads)| {
                let names: Vec<String> = workloads.iter().map(|w| format!("`{w}`")).collect();
                (
                    implementation,
                    format!(
                        "in part — from {}, whose work per operation it cannot spend (its \
                         state lives in another process)",
                        names.join(", ")
                    ),
                )
            })
            .collect()
    }

    /// The order the repetitions run in: round by round (every cell's first repetition
    /// before any cell's second), and within a round the (workload, clients) groups in a
    /// shuffled order, each group's (implementation, driver) cells shuffled again. So the
    /// repetitions of one cell are spread over the whole run, and the cells compared with each
    /// other ran close together in time, in an order that cannot line up with a slow drift of
    /// the machine. The shuffle is seeded from [`Matrix::seed`], so the same command runs the
    /// same order; every repetition records its place in it.
    pub fn schedule(&self, cells: &[PlannedCell]) -> Vec<Trial> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut keys: Vec<(usize, usize)> = Vec::new();
        for (i, cell) in cells.iter().enumerate() {
            let key = (cell.workload, cell.clients);
            match keys.iter().position(|k| *k == key) {
                Some(g) => groups[g].push(i),
                None => {
                    keys.push(key);
                    groups.push(vec![i]);
                }
            }
        }
        let mut rng = Rng::new(self.seed ^ 0x0DDE_5EED_0F7A_1A11);
        let mut trials = Vec::with_capacity(cells.len() * self.repeat as usize);
        for repetition in 0..self.repeat {
            shuffle(&mut groups, &mut rng);
            for group in &mut groups {
                shuffle(group, &mut rng);
                trials.extend(group.iter().map(|&cell| Trial { cell, repetition }));
            }
        }
        trials
    }

    /// Runs `trials` (from [`Matrix::schedule`]) of `cells` (from [`Matrix::plan`]), calling
    /// `progress` before each trial with the cross-core round trip probed for it, and returns one record per cell, in the order of `cells`.
    /// On failure the error comes with the records of what did run (cells with at least one
    /// repetition), so nothing measured is lost.
    pub fn run(
        &self,
        cells: &[PlannedCell],
        trials: &[Trial],
        progress: &mut dyn FnMut(&PlannedCell, &Trial, Option<f64>),
    ) -> Result<Vec<Record>, (RunError, Vec<Record>)> {
        let started = Instant::now();
        let mut repetitions: Vec<Vec<Repetition>> = vec![Vec::new(); cells.len()];
        let mut strategies: Vec<Described> = vec![Described::default(); cells.len()];
        let mut intervals: Vec<(CellKey, u32)> = Vec::new();
        for (position, trial) in trials.iter().enumerate() {
            let cell = &cells[trial.cell];
            // Where the two cores stand from each other now: the hypervisor moves them.
            let round_trip_ns = statebench_harness::floors::probe_round_trip();
            progress(cell, trial, round_trip_ns);
            let at_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let sample_every = self
                .sample_every
                .unwrap_or_else(|| calibrated_interval(cells, &repetitions, &mut intervals, trial));
            let mut runner = TrialRunner {
                matrix: self,
                cell,
                sample_every,
                outcome: None,
                described: Described::default(),
                driver: cell.driver.rust(),
            };
            let workload = &self.workloads[cell.workload];
            match runner.driver {
                Some(_) => registry::visit_service(&workload.service, &mut runner),
                // Go's rows run here, through the Go contender: the harness runs Rust's.
                None => runner.run_go(),
            }
            let outcome = runner.outcome.unwrap_or_else(|| {
                Err(RunError(format!(
                    "{} is not registered for {}",
                    cell.implementation, workload.service
                )))
            });
            strategies[trial.cell] = runner.described;
            match outcome {
                Ok(mut rep) => {
                    rep.trial = u32::try_from(position).unwrap_or(u32::MAX);
                    rep.at_ms = at_ms;
                    rep.round_trip_ns = round_trip_ns;
                    // And now: a trial the hypervisor moved while it ran is neither near nor far.
                    rep.round_trip_after_ns = statebench_harness::floors::probe_round_trip();
                    repetitions[trial.cell].push(rep);
                }
                Err(e) => return Err((e, self.records(cells, repetitions, strategies))),
            }
        }
        Ok(self.records(cells, repetitions, strategies))
    }

    /// One record per cell that has repetitions.
    fn records(
        &self,
        cells: &[PlannedCell],
        repetitions: Vec<Vec<Repetition>>,
        strategies: Vec<Described>,
    ) -> Vec<Record> {
        cells
            .iter()
            .zip(repetitions.into_iter().zip(strategies))
            .filter(|(_, (reps, _))| !reps.is_empty())
            .map(|(cell, (repetitions, strategy))| {
                let workload = &self.workloads[cell.workload];
                Record {
                    workload: workload.name.clone(),
                    service: workload.service.clone(),
                    implementation: cell.implementation.to_owned(),
                    family: strategy.family.to_owned(),
                    about: strategy.about.to_owned(),
                    driver: cell.driver,
                    clients: cell.clients,
                    placement: strategy.placement,
                    duration_ms: u64::try_from(self.duration_for(workload).as_millis())
                        .unwrap_or(u64::MAX),
                    asked: workload.asked_shares(cell.clients).unwrap_or_default(),
                    summary: Summary::of(&repetitions),
                    repetitions,
                    set_aside: None,
                }
            })
            .collect()
    }
}

/// The interval of the first round, before a cell's CPU cost is known: timing (two clock reads
/// and a record, some 40–60 ns) then costs under 1 % of any operation of 20 ns of CPU or more.
pub const FIRST_ROUND_INTERVAL: u32 = 256;

/// A cell: workload, driver and clients. Its implementations share a sampling interval.
type CellKey = (usize, Driver, usize);

/// The sampling interval of `trial`'s cell: [`FIRST_ROUND_INTERVAL`] in the first round; then,
/// for every implementation of the cell alike, the one that keeps timing within the budget of
/// the cheapest implementation's CPU time per operation in the first round.
fn calibrated_interval(
    cells: &[PlannedCell],
    repetitions: &[Vec<Repetition>],
    intervals: &mut Vec<(CellKey, u32)>,
    trial: &Trial,
) -> u32 {
    if trial.repetition == 0 {
        return FIRST_ROUND_INTERVAL;
    }
    let of = |c: &PlannedCell| (c.workload, c.driver, c.clients);
    let key = of(&cells[trial.cell]);
    if let Some((_, n)) = intervals.iter().find(|(k, _)| *k == key) {
        return *n;
    }
    let cheapest = cells
        .iter()
        .zip(repetitions)
        .filter(|(c, _)| of(c) == key)
        .filter_map(|(_, reps)| reps.first().map(|r| r.cpu_ns_per_op))
        .filter(|cpu| *cpu > 0.0)
        .fold(f64::INFINITY, f64::min);
    let interval = if cheapest.is_finite() {
        interval_for(cheapest)
    } else {
        FIRST_ROUND_INTERVAL
    };
    intervals.push((key, interval));
    interval
}

/// One repetition of one planned cell, at its place in the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trial {
    /// Index into the planned cells.
    pub cell: usize,
    /// Which repetition of that cell (0-based).
    pub repetition: u32,
}

/// Fisher–Yates.
fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// Whether `implementation` spends `service`'s critical-section work where it applies an
/// operation ([`statebench_core::Service::SPENDS_WORK`]); a strategy that does not is left out
/// of workloads with `work_ns`.
fn spends_work(service: &str, implementation: &str) -> bool {
    registry::describe(service, implementation, RustDriver::Threads).is_none_or(|d| d.spends_work)
}

/// Visits the registry for one service and runs one repetition of the planned cell whose
/// name matches, on a fresh service.
struct TrialRunner<'a> {
    matrix: &'a Matrix,
    cell: &'a PlannedCell,
    sample_every: u32,
    outcome: Option<Result<Repetition, RunError>>,
    described: Described,
    /// The harness's driver of a Rust row; `None` for Go's.
    driver: Option<RustDriver>,
}

impl TrialRunner<'_> {
    /// Runs one repetition of a Go row through the Go contender.
    fn run_go(&mut self) {
        let workload = &self.matrix.workloads[self.cell.workload];
        let (Some(go), Some(strategy)) = (&self.matrix.go, go::strategy(self.cell.implementation))
        else {
            return;
        };
        self.described = Described {
            placement: strategy.placement.to_owned(),
            family: strategy.family.name(),
            about: strategy.about,
            crosses_threads: strategy.family == statebench_core::Family::Owner,
            runs_on_callers_runtime: false,
            spends_work: false,
        };
        let settings = go::settings_for(
            workload,
            strategy,
            go::GoCell {
                clients: self.cell.clients,
                warmup: self.matrix.warmup,
                duration: self.matrix.duration_for(workload),
                cover: self.matrix.cover,
                sample_every: self.sample_every,
                seed: self.matrix.seed,
            },
        );
        self.outcome = Some(
            settings
                .map_err(RunError)
                .and_then(|s| go.run_repetition(&s))
                .map_err(|e| {
                    RunError(format!(
                        "{} on {} ({} clients): {e}",
                        strategy.name, workload.name, self.cell.clients
                    ))
                }),
        );
    }
}

impl<S: Subject + StateMachine> Visitor<S> for TrialRunner<'_> {
    fn visit<I: Service<S>>(&mut self) {
        let Some(driver) = self.driver else { return };
        if I::NAME != self.cell.implementation || self.outcome.is_some() {
            return;
        }
        let workload = &self.matrix.workloads[self.cell.workload];
        self.described = Described::of::<S, I>(driver);
        let spec = Cell {
            workload,
            driver,
            clients: self.cell.clients,
            warmup: self.matrix.warmup,
            duration: self.matrix.duration_for(workload),
            cover: self.matrix.cover,
            sample_every: self.sample_every,
            seed: self.matrix.seed,
            tuning: self.matrix.tuning,
            work: self.matrix.work_for(workload),
            pin_clients: false,
        };
        self.outcome = Some(run_repetition::<S, I>(&spec).map_err(|e| {
            RunError(format!(
                "{} on {} ({} driver, {} clients): {e}",
                I::NAME,
                workload.name,
                self.cell.driver.name(),
                self.cell.clients
            ))
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statebench_harness::workload::find;
    use std::collections::BTreeSet;

    fn matrix(seed: u64) -> Matrix {
        Matrix {
            workloads: vec![
                find("counter").expect("exists"),
                find("kv_read_heavy").expect("exists"),
            ],
            implementations: Vec::new(),
            named: true,
            drivers: Driver::RUST.to_vec(),
            clients: vec![1, 8],
            force_clients: false,
            warmup: Duration::ZERO,
            duration: None,
            cover: None,
            repeat: 5,
            sample_every: None,
            seed,
            tuning: Tuning::default(),
            suite: None,
            work: Vec::new(),
            go: None,
        }
    }

    #[test]
    fn trials_run_every_repetition_once_round_by_round_in_a_seeded_shuffle() {
        let m = matrix(7);
        let cells = m.plan().expect("a valid matrix");
        let trials = m.schedule(&cells);
        assert_eq!(trials.len(), cells.len() * 5);
        let unique: BTreeSet<_> = trials.iter().map(|t| (t.cell, t.repetition)).collect();
        assert_eq!(unique.len(), trials.len(), "no repetition runs twice");
        // Round by round: a cell's repetitions are spread over the whole run.
        assert!(
            trials
                .windows(2)
                .all(|w| w[0].repetition <= w[1].repetition)
        );
        // Within a round, a (workload, clients) group runs together, so the cells compared
        // with each other ran close in time.
        let group = |t: &Trial| (cells[t.cell].workload, cells[t.cell].clients);
        for round in 0..5 {
            let order: Vec<_> = trials
                .iter()
                .filter(|t| t.repetition == round)
                .map(group)
                .collect();
            let mut seen = Vec::new();
            for g in order {
                if seen.last() != Some(&g) {
                    assert!(!seen.contains(&g), "group {g:?} split within round {round}");
                    seen.push(g);
                }
            }
        }
        // Shuffled, reproducibly: the same seed gives the same order, another seed another,
        // and the order is not the plan's.
        assert_eq!(trials, m.schedule(&cells));
        assert_ne!(trials, matrix(8).schedule(&cells));
        let first_round: Vec<usize> = trials[..cells.len()].iter().map(|t| t.cell).collect();
        assert_ne!(first_round, (0..cells.len()).collect::<Vec<_>>());
    }

    /// A row that cannot spend work per operation (the Redis rows) is left out of the
    /// workloads that set it — and only of those — and the run records where; named alone
    /// with only such workloads, it gets an error that says so.
    #[test]
    fn rows_without_work_are_left_out_of_work_workloads_and_say_so() {
        let plain = find("kv_read_heavy").expect("exists");
        let worked = statebench_harness::workload::with_work(&plain, 1_000);
        let mut m = matrix(7);
        m.workloads = vec![plain.clone(), worked.clone()];
        m.named = false;
        let cells = m.plan().expect("a valid matrix");
        let (unavailable, without_work) = (m.left_out(), m.left_out_of_work());
        let no_work: Vec<&str> = registry::implementations("kv")
            .into_iter()
            .filter(|i| !spends_work("kv", i))
            .collect();
        assert!(no_work.contains(&"redis"), "{no_work:?}");
        let ran_on = |name: &str, w: usize| {
            cells
                .iter()
                .any(|c| c.implementation == name && c.workload == w)
        };
        for name in &no_work {
            assert!(!ran_on(name, 1), "{name} ran on {}", worked.name);
            if unavailable.iter().any(|(n, _)| n == name) {
                // Where the servers must be there (CI sets it), a row left out is a failure.
                assert!(
                    std::env::var_os(statebench_conformance::REQUIRE_SERVERS).is_none(),
                    "{name} is unavailable: {unavailable:?}"
                );
                eprintln!("{name} is unavailable here, so only its absence is checked");
                assert!(!without_work.iter().any(|(n, _)| n == name));
                continue;
            }
            assert!(ran_on(name, 0), "{name} did not run on {}", plain.name);
            let (_, why) = without_work
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("{name} is not recorded: {without_work:?}"));
            assert!(why.contains(&format!("`{}`", worked.name)), "{why}");
            assert!(!why.contains(&format!("`{}`", plain.name)), "{why}");
        }
        // Every row that spends work runs on both, and is recorded nowhere.
        assert!(without_work.iter().all(|(n, _)| no_work.contains(n)));
        for name in registry::implementations("kv") {
            if !no_work.contains(&name) && !unavailable.iter().any(|(n, _)| *n == name) {
                assert!(
                    ran_on(name, 0) && ran_on(name, 1),
                    "{name} did not run on both"
                );
            }
        }
        // Goroutines alone: no Rust cell would have run, so nothing is recorded.
        let mut go_only = matrix(7);
        go_only.workloads = vec![plain.clone(), worked.clone()];
        go_only.drivers = vec![Driver::Goroutines];
        assert!(go_only.left_out_of_work().is_empty());
        let mut alone = matrix(7);
        alone.workloads = vec![worked];
        alone.implementations = vec!["redis".into()];
        let e = alone
            .plan()
            .expect_err("redis cannot serve a workload with work")
            .0;
        if unavailable.iter().any(|(n, _)| *n == "redis") {
            assert!(e.contains("cannot run here"), "{e}");
        } else {
            assert_eq!(
                e,
                "implementation \"redis\" cannot spend a workload's work per operation \
                 (work_ns), and every selected workload of kv sets it"
            );
        }
    }
}
