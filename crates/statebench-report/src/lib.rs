//! Turns a statebench results document into what people read: plain-text tables for the
//! terminal ([`table`]), SVG plots ([`plots`]) and a markdown report ([`markdown`]) with its
//! decision guide ([`guide`]), the open loop's knees ([`knee`]), the owner forms' targets ([`owners`]), the library rows' questions
//! ([`picks`]), Go beside Rust and the reference text's table ([`mod@reference`]), what
//! leaving the process costs ([`process`]) and its
//! machine-and-floors
//! section ([`machine`]), whose every
//! figure comes from the document, so rendering the same file twice gives the same report;
//! how far several runs agree ([`agreement`]); what changed between two builds ([`compare`])
//! and how often that verdict is right ([`power`]).

#![deny(missing_docs)]

/// The canonical set's folder from the repository's root, written once (see [`CANONICAL`]).
macro_rules! canonical_set {
    () => {
        "results/2026-12-05-xeon"
    };
}

/// The folder of [`PROCESS_SET`] from the repository's root, written once.
macro_rules! process_set {
    () => {
        "results/2026-12-06-epyc-process"
    };
}

/// The canonical set: three runs of the main job made one after another with one binary on one
/// machine, `run-1` … `run-3` in this folder (from the repository's root). The README and
/// docs/DECISIONS.md quote its first run and say how its claims held in the other two; the
/// tests that check those quotes read it from here, so moving the canonical set is this one
/// line and the quotes the tests then name.
pub const CANONICAL_SET: &str = canonical_set!();

/// The canonical run: the one committed run that `advise` answers from by default and that the
/// README and docs/DECISIONS.md quote — the first run of [`CANONICAL_SET`].
pub const CANONICAL: &str = concat!(canonical_set!(), "/run-1");

/// The committed set that measured the rows keeping the state in another process (`redis`,
/// `redis_cluster`) beside the core set's rows of the process: three runs made one after
/// another with one binary on one machine, `run-1` … `run-3` (from the repository's root),
/// on the services' scaling mixes and the reference program, from threads and tasks. The
/// canonical run has no such row, so `advise --across-processes` answers from this set's first
/// run, and docs/DECISIONS.md's "When state leaves the process" quotes it (checked by a test).
pub const PROCESS_SET: &str = process_set!();

/// The first run of [`PROCESS_SET`], the one `advise --across-processes` answers from.
pub const PROCESS_RUN: &str = concat!(process_set!(), "/run-1");

pub mod advise;
pub mod agreement;
pub mod compare;
pub mod crossover;
pub mod guide;
pub mod history;
pub mod knee;
pub mod machine;
pub mod markdown;
pub mod owners;
pub mod page;
pub mod picks;
pub mod plots;
pub mod power;
pub mod process;
mod questions;
pub mod reference;
pub mod roles;
pub mod table;
pub mod terminal;
