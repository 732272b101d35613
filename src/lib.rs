//! statebench: where should shared state live? This root package holds the **registry** — the
//! one list of every implementation of every service, by stable name — and the `statebench`
//! command line.
//!
//! The registry is a set of visitor walks rather than a table of boxed objects: a
//! [`Visitor`](registry::Visitor) is called once per implementation with the implementation's
//! *type*, so tests, benchmarks and the runner drive each one monomorphised, with no dynamic
//! dispatch or boxed future in the measured path, while the names stay available for listing
//! and selection. Adding a strategy generic over the state machine is one line in `generic`;
//! adding a per-service implementation is one line in that service's `Registered::own`.

#![deny(missing_docs)]

pub mod go;
pub mod instructions;
pub mod overhead;
pub mod registry;
pub mod runner;

/// Terminal tables (re-exported from `statebench-report`).
pub use statebench_report::{table, terminal};

/// The canonical run (re-exported from `statebench-report`, where it is named once).
pub use statebench_report::{CANONICAL, CANONICAL_SET, PROCESS_RUN, PROCESS_SET};

/// Where [`CANONICAL`] lies in the checkout this binary was built from.
pub fn canonical_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CANONICAL)
}

/// Where [`PROCESS_RUN`] lies in the checkout this binary was built from.
pub fn process_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PROCESS_RUN)
}
