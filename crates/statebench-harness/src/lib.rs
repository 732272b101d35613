//! The measurement harness of statebench: workloads as data ([`workload`]), operations
//! generated ahead of the run and replies checked ([`generate`]), thread and task drivers
//! ([`driver`]), latency histograms and CPU time ([`measure`]), the machine fingerprint
//! ([`machine`]) and its measured floors ([`floors`]), the end-of-run checks ([`verify`]), the
//! versioned result records ([`results`]), and the statistics behind every claim ([`stats`]).
//!
//! The harness is generic over the service ([`generate::Subject`]) and the implementation
//! (`statebench_core::Service`), so every implementation is measured by the same monomorphised
//! loop; the root package's registry supplies the list.

#![deny(missing_docs)]

// The harness measures through Linux's interfaces — per-thread CPU clocks, CPU affinity,
// SCHED_IDLE, timer slack, thread states in /proc — and has been run on Linux alone. Elsewhere
// every module is left out (`linux_only!` below), so this message is the one error a build
// prints rather than a page of missing-libc-item errors.
#[cfg(not(target_os = "linux"))]
compile_error!(
    "statebench's harness runs on Linux only: it measures through per-thread CPU clocks, CPU \
     affinity, SCHED_IDLE, timer slack and /proc (README, \"Linux only\"; docs/ARCHITECTURE.md, \
     \"Platforms\"); the strategy crates (statebench-core, -locked, -concurrent, -owner-*) \
     build anywhere"
);

/// Items built on Linux only: each gets `#[cfg(target_os = "linux")]`.
macro_rules! linux_only {
    ($($item:item)*) => {
        $(
            #[cfg(target_os = "linux")]
            $item
        )*
    };
}

/// An error that is a message naming the problem, shown to the user as it is (the harness's
/// errors end on the command line, one line each).
#[cfg_attr(not(target_os = "linux"), allow(unused_macros))]
macro_rules! message_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(pub String);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::error::Error for $name {}
    };
}

linux_only! {
    pub mod driver;
    #[cfg(any(test, feature = "fixture"))]
    pub mod fixture;
    pub mod floors;
    pub mod generate;
    pub mod machine;
    pub mod measure;
    pub mod mix;
    mod os;
    pub mod passes;
    pub mod placement;
    pub mod results;
    pub mod stats;
    pub mod verify;
    pub mod work;
    pub mod workload;

    pub use driver::{Cell, Driver, OpenLoop, Repetition, RunError, RustDriver, run_repetition};
    pub use generate::Subject;
    pub use workload::{Workload, WorkloadError};
}
