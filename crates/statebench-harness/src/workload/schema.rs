//! The schema: what a workload is — its service, clients in groups each with a mix of
//! operations, keys and how they are drawn, think time or an offered rate — and the figures
//! derived from it (clients per group, the asked shares).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// How keys are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyDistribution {
    /// Every key equally likely.
    Uniform,
    /// YCSB's Zipfian: key rank `i` drawn with probability proportional to `1 / i^theta`.
    Zipf {
        /// The skew, in (0, 1); 0.99 is YCSB's default "hot keys".
        theta: f64,
    },
}

/// One operation of a mix and its share, in percent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixEntry {
    /// The operation kind, as the service names it (`get`, `set`, `increment`, …).
    pub op: String,
    /// Its share of this group's operations, in percent.
    pub percent: u32,
}

/// Clients that behave alike: e.g. the reference program's 100 readers, or its 10 writers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientGroup {
    /// What these clients are (`readers`, `writers`, `clients`; in a file, `clients` unless
    /// given).
    #[serde(default = "default_role")]
    pub role: String,
    /// How many clients of the workload's default count are in this group; when another
    /// count is asked for, the groups keep these proportions.
    pub share: usize,
    /// What each client of the group does.
    pub mix: Vec<MixEntry>,
}

/// A workload: everything needed to run it again the same way. Read from a file
/// ([`Workload::from_file`]), every field but `name`, `service` and `groups` may be left out
/// and takes the built-in workloads' default (docs/WORKLOADS.md); an unknown field is an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Stable snake_case name.
    pub name: String,
    /// One line on what it models.
    pub about: String,
    /// The service it drives (`kv`, `counter`, `sessions`, `cache`).
    pub service: String,
    /// The client groups; their shares add up to the default client count.
    pub groups: Vec<ClientGroup>,
    /// Whether `--clients` scales this workload; `false` runs it at its default count only
    /// unless clients are given explicitly.
    pub scales: bool,
    /// How many distinct keys (ids for sessions) the operations touch.
    pub keys: u64,
    /// How keys are drawn.
    pub distribution: KeyDistribution,
    /// Whether keys are stored before the run starts: the share [`Workload::live_share`] of
    /// them (all, where nothing deletes), with expiries spread over the lifetime or TTL.
    pub prefill: bool,
    /// Each client's pause after every operation, in microseconds (0: a closed loop).
    pub think_us: u64,
    /// Session lifetime (`sessions`), in milliseconds.
    pub session_lifetime_ms: u64,
    /// Shortest and longest TTL of a cache `set`, in milliseconds.
    pub ttl_ms: (u64, u64),
    /// Interval between cleanups (`sessions`, `cache`), in milliseconds.
    pub cleanup_every_ms: u64,
    /// Length of a session data value, in bytes.
    pub value_bytes: usize,
    /// Default measured duration, in milliseconds (overridden by `--duration`).
    pub duration_ms: u64,
    /// CPU work inside every operation's critical section, in nanoseconds (0: none, the bare
    /// state access): spent by the state machine where the operation holds the state, and
    /// calibrated on the machine before the run ([`crate::work`]). `--work` sweeps it.
    pub work_ns: u64,
    /// Operations offered per second over all clients, in an open loop (0: a closed loop):
    /// each client sends on a schedule fixed in advance, whatever the replies, with one call
    /// in flight at most, and latency counts from the scheduled send ([`crate::driver`]).
    /// `--rate` sweeps it.
    pub rate_per_s: u64,
}

/// The most operations per second a workload may offer: one every 10 ns.
pub const MAX_RATE_PER_S: u64 = 100_000_000;

message_error!(
    /// What is wrong with a workload or a request to run it.
    WorkloadError
);

fn default_role() -> String {
    "clients".into()
}

impl Workload {
    /// The client count when none is asked for.
    pub fn default_clients(&self) -> usize {
        self.groups.iter().map(|g| g.share).sum()
    }

    /// The think time.
    pub fn think(&self) -> Duration {
        Duration::from_micros(self.think_us)
    }

    /// The share of keys that hold an entry once the clients' mix has run long enough: each
    /// key's presence is set by the last operation that creates (`create`, `set`) or removes
    /// (`delete`) it, so in the long run a key is present with probability `creating /
    /// (creating + deleting)`, weighted by the groups' shares; 1 when nothing deletes. The
    /// prefill stores this share of the keys, so the run starts in its steady state and every
    /// strategy, fast or slow, serves a map of the same size.
    pub fn live_share(&self) -> f64 {
        let (mut creating, mut deleting) = (0.0, 0.0);
        for g in &self.groups {
            for m in &g.mix {
                let weight = g.share as f64 * f64::from(m.percent);
                match m.op.as_str() {
                    "create" | "set" => creating += weight,
                    "delete" => deleting += weight,
                    _ => {}
                }
            }
        }
        if deleting == 0.0 {
            1.0
        } else {
            creating / (creating + deleting)
        }
    }

    /// Whether the clients run in an open loop ([`Workload::rate_per_s`]).
    pub fn open_loop(&self) -> bool {
        self.rate_per_s > 0
    }

    /// Splits `clients` over the groups in proportion to their shares (largest remainder),
    /// with at least one client per group.
    pub fn clients_per_group(&self, clients: usize) -> Result<Vec<usize>, WorkloadError> {
        if clients == 0 {
            return Err(WorkloadError("the client count must be at least 1".into()));
        }
        if clients < self.groups.len() {
            return Err(WorkloadError(format!(
                "workload {} needs at least {} clients (one per group: {})",
                self.name,
                self.groups.len(),
                self.groups
                    .iter()
                    .map(|g| g.role.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let total = self.default_clients();
        let mut counts: Vec<usize> = self
            .groups
            .iter()
            .map(|g| (g.share * clients / total).max(1))
            .collect();
        // Hand out (or take back) what rounding left over, largest remainder first.
        let mut order: Vec<usize> = (0..self.groups.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse((self.groups[i].share * clients) % total));
        let mut assigned: usize = counts.iter().sum();
        let mut turn = 0;
        while assigned != clients {
            let i = order[turn % order.len()];
            if assigned < clients {
                counts[i] += 1;
                assigned += 1;
            } else if counts[i] > 1 {
                counts[i] -= 1;
                assigned -= 1;
            }
            turn += 1;
        }
        Ok(counts)
    }

    /// The group of each of `clients` clients, in the order the clients are made and started:
    /// the groups interleaved in proportion (smooth weighted round robin over
    /// [`clients_per_group`](Workload::clients_per_group)), never one group after the other.
    /// Clients start in this order, and a scheduler serves threads that became ready together
    /// (Go's runtime its goroutines) roughly in that order; with more busy clients than cores
    /// a window shorter than the scheduler's round of turns runs the first ones most. Made
    /// group after group, the reference program's 100 readers came before its 10 writers, so
    /// the harness itself could favour one kind; interleaved, the order cannot
    /// (docs/METHODOLOGY.md, "The mix that was asked for").
    pub fn client_groups(&self, clients: usize) -> Result<Vec<usize>, WorkloadError> {
        let counts = self.clients_per_group(clients)?;
        let mut credit = vec![0_i64; counts.len()];
        let total = clients as i64;
        let mut order = Vec::with_capacity(clients);
        for _ in 0..clients {
            for (c, n) in credit.iter_mut().zip(&counts) {
                *c += *n as i64;
            }
            // The group owed most goes next; ties to the first group.
            let (next, _) = credit
                .iter()
                .enumerate()
                .fold(
                    (0, i64::MIN),
                    |best, (g, c)| if *c > best.1 { (g, *c) } else { best },
                );
            credit[next] -= total;
            order.push(next);
        }
        Ok(order)
    }

    /// The share of all operations each kind is asked to take with `clients` clients. Every
    /// client runs the same closed loop, so a group takes its share of the clients' operations,
    /// split by its mix: the reference program's 100 readers and 10 writers ask for 1/11 sets.
    /// What a row served is judged against it ([`crate::mix`]).
    pub fn asked_shares(&self, clients: usize) -> Result<BTreeMap<String, f64>, WorkloadError> {
        let per_group = self.clients_per_group(clients)?;
        let mut asked = BTreeMap::new();
        for (group, n) in self.groups.iter().zip(per_group) {
            for entry in &group.mix {
                *asked.entry(entry.op.clone()).or_insert(0.0) +=
                    n as f64 * f64::from(entry.percent) / 100.0 / clients as f64;
            }
        }
        Ok(asked)
    }
}
