//! Who calls: the drivers, by name, and the error a repetition ends with.

use serde::{Deserialize, Serialize};
use statebench_core::Service;

use crate::workload::WorkloadError;

/// How clients call the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Driver {
    /// OS threads, blocking calls.
    Threads,
    /// Tokio tasks on a multi-thread runtime (one worker per core), async calls.
    Tasks,
    /// Go's goroutines calling Go's own implementations (the Go contenders of `scripts/go/`,
    /// run by the `statebench` binary as a child process): never a Rust strategy's driver.
    Goroutines,
}

impl Driver {
    /// The two drivers of the Rust strategies.
    pub const ALL: [Driver; 2] = [Driver::Threads, Driver::Tasks];

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

    /// Where `I`'s work runs when this driver calls it.
    pub fn placement<S: statebench_core::StateMachine, I: Service<S>>(self) -> String {
        format!(
            "{}; callers: {}",
            I::placement(self == Driver::Tasks),
            self.callers()
        )
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

message_error!(
    /// Why a run failed: a wrong reply, a failed call, a client that panicked, a bad setting.
    RunError
);

impl From<WorkloadError> for RunError {
    fn from(e: WorkloadError) -> Self {
        RunError(e.0)
    }
}

/// The refusal of a Rust strategy asked to run under the Go driver.
pub(super) fn not_rust(name: &str) -> RunError {
    RunError(format!(
        "{name} is a Rust strategy: the goroutines driver runs Go's own implementations only"
    ))
}
