//! Who calls: the drivers, by name, and the error a repetition ends with.

use serde::{Deserialize, Serialize};
use statebench_core::Service;

use crate::workload::WorkloadError;

/// Who called the service, as a run records it: the drivers a run may select (`--drivers`).
///
/// Go's goroutines are one of them because a run records Go's rows beside the Rust ones; the
/// `statebench` binary runs those rows (`src/go.rs`), never the harness. The harness runs a
/// Rust strategy with a [`RustDriver`], which has no goroutines to refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Driver {
    /// OS threads, blocking calls.
    Threads,
    /// Tokio tasks on a multi-thread runtime (one worker per core), async calls.
    Tasks,
    /// Go's goroutines calling Go's own implementations (the Go contenders of `scripts/go/`,
    /// run by the `statebench` binary as a child process).
    Goroutines,
}

impl Driver {
    /// The drivers of the Rust strategies, in the order the report shows them.
    pub const RUST: [Driver; 2] = [Driver::Threads, Driver::Tasks];

    /// The stable name (`threads`, `tasks`, `goroutines`).
    pub fn name(self) -> &'static str {
        match self {
            Driver::Threads => "threads",
            Driver::Tasks => "tasks",
            Driver::Goroutines => "goroutines",
        }
    }

    /// Who calls, in words: "OS threads making blocking calls" or "tokio tasks making async
    /// calls".
    pub fn callers(self) -> &'static str {
        match self {
            Driver::Threads => "OS threads making blocking calls",
            Driver::Tasks => "tokio tasks (one worker per core) making async calls",
            Driver::Goroutines => "Go goroutines (GOMAXPROCS = cores) in a Go process",
        }
    }

    /// The harness's driver for this one, if a Rust strategy runs under it (not goroutines).
    pub fn rust(self) -> Option<RustDriver> {
        match self {
            Driver::Threads => Some(RustDriver::Threads),
            Driver::Tasks => Some(RustDriver::Tasks),
            Driver::Goroutines => None,
        }
    }

    /// Parses a driver name.
    pub fn parse(name: &str) -> Result<Driver, WorkloadError> {
        [Driver::Threads, Driver::Tasks, Driver::Goroutines]
            .into_iter()
            .find(|d| d.name() == name)
            .ok_or_else(|| {
                WorkloadError(format!(
                    "unknown driver {name:?}; the drivers are threads, tasks, goroutines"
                ))
            })
    }
}

/// How the harness's clients call a Rust strategy: the [`Driver`]s the harness runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RustDriver {
    /// OS threads, blocking calls.
    Threads,
    /// Tokio tasks on a multi-thread runtime (one worker per core), async calls.
    Tasks,
}

impl RustDriver {
    /// Both, threads first.
    pub const ALL: [RustDriver; 2] = [RustDriver::Threads, RustDriver::Tasks];

    /// The stable name (`threads`, `tasks`).
    pub fn name(self) -> &'static str {
        Driver::from(self).name()
    }

    /// Who calls, in words ([`Driver::callers`]).
    pub fn callers(self) -> &'static str {
        Driver::from(self).callers()
    }

    /// Where `I`'s work runs when this driver calls it.
    pub fn placement<S: statebench_core::StateMachine, I: Service<S>>(self) -> String {
        format!(
            "{}; callers: {}",
            I::placement(self == RustDriver::Tasks),
            self.callers()
        )
    }
}

impl From<RustDriver> for Driver {
    fn from(driver: RustDriver) -> Driver {
        match driver {
            RustDriver::Threads => Driver::Threads,
            RustDriver::Tasks => Driver::Tasks,
        }
    }
}

message_error!(
    /// Why a run failed: a wrong reply, a failed call, a client that panicked, a bad setting.
    RunError
);

impl From<WorkloadError> for RunError {
    fn from(e: WorkloadError) -> Self {
        RunError(e.0)
    }
}
