//! Runs a matrix of cells — workloads × implementations × drivers × client counts, each
//! repeated — through the registry, and collects the records.

use std::time::Duration;

use statebench_core::{Service, StateMachine};
use statebench_harness::generate::Subject;
use statebench_harness::results::{Record, Summary};
use statebench_harness::{Cell, Driver, RunError, Workload, run_repetition};

use crate::registry::{self, Visitor};

/// What to run.
#[derive(Clone, Debug)]
pub struct Matrix {
    /// The workloads, in order.
    pub workloads: Vec<Workload>,
    /// The implementations to run (empty: every one registered for each workload's service).
    pub implementations: Vec<String>,
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
    /// Repetitions per cell.
    pub repeat: u32,
    /// One operation in this many is timed in closed loops (`None`: adaptive).
    pub sample_every: Option<u32>,
    /// Seed of the operation generators.
    pub seed: u64,
}

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

    /// The measured window of `workload`.
    pub fn duration_for(&self, workload: &Workload) -> Duration {
        self.duration
            .unwrap_or(Duration::from_millis(workload.duration_ms))
    }

    /// Every cell, in the order they run; checks that every selected implementation serves at
    /// least one selected workload and every client count fits every workload.
    pub fn plan(&self) -> Result<Vec<PlannedCell>, RunError> {
        let mut cells = Vec::new();
        for (i, workload) in self.workloads.iter().enumerate() {
            workload.validate()?;
            let available = registry::implementations(&workload.service);
            for implementation in available {
                if !self.implementations.is_empty()
                    && !self.implementations.iter().any(|n| n == implementation)
                {
                    continue;
                }
                for &driver in &self.drivers {
                    for clients in self.clients_for(workload) {
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
        }
        for name in &self.implementations {
            if !cells.iter().any(|c| c.implementation == name) {
                let serves: Vec<_> = registry::pairs()
                    .into_iter()
                    .filter(|(_, i)| i == name)
                    .map(|(s, _)| s)
                    .collect();
                return Err(RunError(format!(
                    "implementation {name:?} serves {}, which no selected workload drives",
                    serves.join(", ")
                )));
            }
        }
        Ok(cells)
    }

    /// Runs `cells` (from [`Matrix::plan`]), calling `progress` before each repetition and
    /// `done` after each record.
    pub fn run(
        &self,
        cells: &[PlannedCell],
        progress: &mut dyn FnMut(&PlannedCell, u32),
        done: &mut dyn FnMut(&Record),
    ) -> Result<Vec<Record>, RunError> {
        let mut records = Vec::with_capacity(cells.len());
        for cell in cells {
            let workload = &self.workloads[cell.workload];
            let mut runner = CellRunner {
                matrix: self,
                cell,
                progress: &mut *progress,
                outcome: None,
            };
            match workload.service.as_str() {
                "kv" => registry::kv(&mut runner),
                "counter" => registry::counter(&mut runner),
                "sessions" => registry::sessions(&mut runner),
                "cache" => registry::cache(&mut runner),
                other => return Err(RunError(format!("no registry for service {other:?}"))),
            }
            let record = runner.outcome.unwrap_or_else(|| {
                Err(RunError(format!(
                    "{} is not registered for {}",
                    cell.implementation, workload.service
                )))
            })?;
            done(&record);
            records.push(record);
        }
        Ok(records)
    }
}

/// Visits the registry for one service and runs the one planned cell whose name matches.
struct CellRunner<'a> {
    matrix: &'a Matrix,
    cell: &'a PlannedCell,
    progress: &'a mut dyn FnMut(&PlannedCell, u32),
    outcome: Option<Result<Record, RunError>>,
}

impl<S: Subject + StateMachine> Visitor<S> for CellRunner<'_> {
    fn visit<I: Service<S>>(&mut self) {
        if I::NAME != self.cell.implementation || self.outcome.is_some() {
            return;
        }
        let workload = &self.matrix.workloads[self.cell.workload];
        let duration = self.matrix.duration_for(workload);
        let spec = Cell {
            workload,
            driver: self.cell.driver,
            clients: self.cell.clients,
            warmup: self.matrix.warmup,
            duration,
            sample_every: self.matrix.sample_every,
            seed: self.matrix.seed,
        };
        let mut repetitions = Vec::new();
        for rep in 0..self.matrix.repeat {
            (self.progress)(self.cell, rep);
            match run_repetition::<S, I>(&spec) {
                Ok(r) => repetitions.push(r),
                Err(e) => {
                    self.outcome = Some(Err(RunError(format!(
                        "{} on {} ({} driver, {} clients): {e}",
                        I::NAME,
                        workload.name,
                        self.cell.driver.name(),
                        self.cell.clients
                    ))));
                    return;
                }
            }
        }
        self.outcome = Some(Ok(Record {
            workload: workload.name.clone(),
            service: workload.service.clone(),
            implementation: I::NAME.to_owned(),
            driver: self.cell.driver,
            clients: self.cell.clients,
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            summary: Summary::of(&repetitions),
            repetitions,
        }));
    }
}
