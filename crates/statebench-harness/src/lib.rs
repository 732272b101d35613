//! The measurement harness of statebench: workloads as data ([`workload`]), operations
//! generated ahead of the run and replies checked ([`generate`]), thread and task drivers
//! ([`driver`]), latency histograms and CPU time ([`measure`]), the machine fingerprint and its
//! measured floors ([`machine`]), and the versioned result records ([`results`]).
//!
//! The harness is generic over the service ([`generate::Subject`]) and the implementation
//! (`statebench_core::Service`), so every implementation is measured by the same monomorphised
//! loop; the root package's registry supplies the list.

#![deny(missing_docs)]

pub mod driver;
pub mod generate;
pub mod machine;
pub mod measure;
mod os;
pub mod results;
pub mod workload;

pub use driver::{Cell, Driver, Repetition, RunError, run_repetition};
pub use generate::Subject;
pub use workload::{Workload, WorkloadError};
