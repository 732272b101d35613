//! What one repetition measured: its figures, and an open loop's offered and missed sends.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::measure::LatencySummary;

/// The figures of one repetition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Repetition {
    /// This repetition's place in the run's shuffled order of trials (0 = ran first; counted
    /// over every pass).
    pub trial: u32,
    /// The pass it ran in, from 0: a run of several passes measures the matrix once in each,
    /// each pass a fresh process with a seed of its own ([`crate::results::RunSettings::passes`]).
    /// 0 in a run of one pass, and in files written before runs had passes.
    #[serde(default)]
    pub pass: u32,
    /// When it started, in milliseconds after the first trial started.
    pub at_ms: u64,
    /// The cross-core cache-line round trip measured just before the trial started, in
    /// nanoseconds ([`crate::floors::probe_round_trip`]): where the machine's two cores stood
    /// from each other while this repetition ran. `None` on one core, and in files written
    /// before 2026-12-05.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_trip_ns: Option<f64>,
    /// The same round trip measured just after the trial ended: a trial whose two probes
    /// disagree moved between placements while it ran ([`crate::placement::Stood::Moved`]).
    /// `None` on one core, and in files written before 2026-12-06.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_trip_after_ns: Option<f64>,
    /// Operations completed inside the measured window.
    pub ops: u64,
    /// The measured window, in nanoseconds.
    pub elapsed_ns: u64,
    /// `ops` per second of the window.
    pub ops_per_sec: f64,
    /// CPU time in the window per operation, in nanoseconds: the process's, and that of the
    /// processes outside it that serve the strategy (`cpu_elsewhere_ns`).
    pub cpu_ns_per_op: f64,
    /// The CPU time processes outside this one spent serving the strategy in the window (a
    /// Redis server's), in nanoseconds, already counted in `cpu_ns_per_op`; `None` for a
    /// strategy that runs in this process alone, and in files written before 2026-12-05.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_elsewhere_ns: Option<u64>,
    /// One operation in this many was timed (the same for every client).
    pub timed_one_in: u32,
    /// The share of the window's CPU time the harness spent timing operations (clock reads
    /// and histogram records): what latency sampling cost this repetition.
    pub timing_share: f64,
    /// Operations completed inside the window, per kind.
    pub ops_by_kind: BTreeMap<String, u64>,
    /// Latency per operation kind, and over all kinds under `all`.
    pub latency: BTreeMap<String, LatencySummary>,
    /// The share of gets that found something (kv, sessions, cache), warm-up included.
    pub hit_rate: Option<f64>,
    /// Live entries of the workload's key range in the final state (kv, sessions, cache).
    pub live_size: Option<u64>,
    /// Instructions per operation, counted under Valgrind (the instruction tier only; there
    /// `ops_per_sec` holds operations per 10⁹ instructions, so that higher is better in both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions_per_op: Option<f64>,
    /// The open loop's own figures, when the workload offers a rate (then `latency` counts
    /// from each operation's scheduled send).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_loop: Option<OpenLoop>,
    /// The CPU time the client threads of each role (client group) spent in the window, in
    /// nanoseconds, each thread's CPU clock read as the window opened and closed: the threads
    /// driver on a workload of two or more groups (else empty). Whose a starved kind is
    /// ([`crate::mix`]): writers that had their share of the CPU and made few operations paid
    /// more per operation; writers that had little of it were held back.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cpu_ns_by_role: BTreeMap<String, u64>,
    /// How often the client threads of each role were found parked and how often runnable,
    /// `[parked, runnable]`, sampled as the window opened, every [`STATE_EVERY`](super::STATE_EVERY) through it,
    /// and as it closed — up to [`STATE_SAMPLED`](super::STATE_SAMPLED) threads of each role, their states read from
    /// `/proc` — kept as `cpu_ns_by_role` is. A role with little of the CPU was either parked
    /// (blocked inside its calls: a lock's queue, a futex, a sleep) or runnable and queued for
    /// a core behind the others; this tells which. Empty in files written before 2026-12-05.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parked_by_role: BTreeMap<String, [u64; 2]>,
    /// The clients of each role that completed no operation in the window (roles whose clients
    /// all did are left out; empty when every client did): clients the window did not measure.
    /// A closed loop of busy clients that never block can outnumber what one round of the
    /// scheduler reaches in a short window — Go's runtime preempts a busy goroutine only every
    /// 10 ms, so 2 cores give at most ten turns in 50 ms — and then which clients the window
    /// measured, and so the mix it served, was the scheduler's pick ([`crate::mix`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub absent_by_role: BTreeMap<String, u64>,
}

/// What an open-loop repetition offered, achieved and missed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenLoop {
    /// Operations offered a second over all clients (the workload's `rate_per_s`).
    pub offered_per_sec: f64,
    /// Sends due inside the measured window, over all clients.
    pub due: u64,
    /// Operations of the window sent at least one client interval (`clients / rate`) after
    /// their scheduled instant: the client was a whole send behind its schedule.
    pub late: u64,
    /// Of the `late` ones, those the sender made late: its previous reply had come before the
    /// send was due (it woke late, or was not scheduled), or the chain of late sends it belongs
    /// to began with such a send. The rest the service made late: a call sent on time had not
    /// returned when the next was due. When most late sends are the sender's, the rate is
    /// beyond what the harness itself can keep on this machine, whatever the service.
    #[serde(default)]
    pub late_by_sender: u64,
    /// Sends due by the window's close that no client had made yet: the backlog it left.
    pub backlog: u64,
    /// How far behind its schedule each operation of the window was sent.
    pub send_lag: Option<LatencySummary>,
    /// Latency from the actual send, per kind and under `all`: the service time, what a
    /// closed loop would report for the same calls.
    pub service_time: BTreeMap<String, LatencySummary>,
}

impl OpenLoop {
    /// Operations completed a second over operations offered: 1 when the service kept up.
    pub fn achieved_share(&self, ops_per_sec: f64) -> f64 {
        if self.offered_per_sec > 0.0 {
            ops_per_sec / self.offered_per_sec
        } else {
            0.0
        }
    }
}
