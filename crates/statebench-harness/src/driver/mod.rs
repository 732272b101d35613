//! The drivers: clients as OS threads making blocking calls, or as tokio tasks making async
//! calls, each cycling through its pre-generated operations in a closed loop (with the
//! workload's think time, if any), checking every reply.
//!
//! Or in an open loop, when the workload offers a rate ([`crate::workload::Workload::rate_per_s`]): each
//! client's sends are due on a schedule fixed before the run — client `i` of `C`, offered `R`
//! operations a second in all, sends its `k`-th at `start + (k + i / C) · C / R` — whatever the
//! replies. One call is in flight per client at most (as a connection without pipelining, the
//! wrk2 model), so a client whose previous call has not returned sends late, at once. Every
//! operation is timed twice: from its *scheduled* send (the latency, coordinated omission
//! corrected as wrk2 does: a backlog shows as waiting) and from its actual send (the service
//! time, what a closed loop reports). Thread clients sleep to each send themselves, with the
//! finest timer slack the OS gives; task clients are woken by a pacer thread, since tokio's
//! timer counts whole milliseconds.
//!
//! One repetition: start a fresh service, start the clients, let them warm up, then open the
//! measured window (wall clock and process CPU time read at its edges), close it, stop the
//! clients, run the end-of-run check and shut the service down.

mod callers;
mod cell;
mod client;
mod control;
mod counted;
mod record;
mod run;
mod schedule;

pub use callers::{Driver, RunError, RustDriver};
pub use cell::{Cell, TIMING_BUDGET, Tuning, interval_for, timing_cost};
pub use counted::run_counted;
pub use record::{OpenLoop, Repetition};
pub use run::{COVER_WITHIN, STATE_EVERY, STATE_SAMPLED, run_repetition};
