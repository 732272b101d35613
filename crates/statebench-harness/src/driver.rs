//! The drivers: clients as OS threads making blocking calls, or as tokio tasks making async
//! calls, each cycling through its pre-generated operations in a closed loop (with the
//! workload's think time, if any), checking every reply.
//!
//! Or in an open loop, when the workload offers a rate ([`Workload::rate_per_s`]): each
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

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{
    AtomicU8, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use statebench_core::{Service, Settings};

use crate::generate::{PLAN_LEN, PlanOf, Rng, Subject, plans};
use crate::measure::{Latencies, LatencySummary, process_cpu_time};
use crate::verify::{ClientEnd, RunEnd};
use crate::workload::{Workload, WorkloadError};

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

/// One cell of the matrix, as run.
#[derive(Clone, Debug)]
pub struct Cell<'a> {
    /// The workload.
    pub workload: &'a Workload,
    /// The driver.
    pub driver: Driver,
    /// How many clients.
    pub clients: usize,
    /// Time the clients run before the measured window opens.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
    /// In a closed loop, how long the window may stay open past `duration` for every client
    /// to complete an operation in it: at most this long after it opened (the main job's is
    /// [`COVER_WITHIN`]). `None`: it closes at `duration`, as every window did before
    /// 2026-12-04. An open loop's window always closes at `duration`.
    pub cover: Option<Duration>,
    /// Time one operation in every `sample_every` (rounded up to a power of two, at most
    /// [`PLAN_LEN`]), the same for every client; the runner gives every implementation of a
    /// cell the same interval ([`interval_for`]). With think time every operation is timed.
    pub sample_every: u32,
    /// Seed of the operation generators.
    pub seed: u64,
    /// The knobs of the strategies that have them.
    pub tuning: crate::results::Tuning,
    /// The workload's `work_ns` as calibrated on this machine ([`crate::work`]): the work the
    /// state spends in each critical section. It must be set exactly when `work_ns` is.
    pub work: statebench_core::Work,
    /// OS-thread clients only: client `i` pinned to the `i`-th of the cores this process may
    /// use (modulo their count), so that where
    /// the scheduler puts the clients does not decide a window (`statebench overhead`'s lock
    /// from two threads). A client the OS refuses to pin fails the repetition. `false` in the
    /// runner: its clients go where the scheduler puts them, as a service's threads would.
    pub pin_clients: bool,
}

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
    /// `[parked, runnable]`, sampled as the window opened, every [`STATE_EVERY`] through it,
    /// and as it closed — up to [`STATE_SAMPLED`] threads of each role, their states read from
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

/// One client's open-loop schedule: its `k`-th send is due `(k + phase) · interval` after
/// `start`.
#[derive(Clone, Copy, Debug)]
struct Schedule {
    start: Instant,
    phase: f64,
    interval_ns: f64,
}

impl Schedule {
    /// The schedules of `clients` clients offered `rate` operations a second in all, staggered
    /// evenly over one interval.
    fn for_clients(start: Instant, clients: usize, rate: u64) -> Vec<Schedule> {
        let interval_ns = clients as f64 * 1e9 / rate as f64;
        (0..clients)
            .map(|i| Schedule {
                start,
                phase: i as f64 / clients as f64,
                interval_ns,
            })
            .collect()
    }

    fn due(&self, k: u64) -> Instant {
        self.start + Duration::from_nanos(((k as f64 + self.phase) * self.interval_ns) as u64)
    }

    /// How many sends were due by `at`.
    fn due_by(&self, at: Instant) -> u64 {
        let elapsed = at.saturating_duration_since(self.start).as_nanos() as f64;
        let slots = elapsed / self.interval_ns - self.phase;
        if slots < 0.0 { 0 } else { slots as u64 + 1 }
    }

    fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval_ns as u64)
    }
}

/// One client's open-loop measures, recorded for the window's operations only.
struct OpenStats {
    schedule: Schedule,
    service_time: Latencies,
    send_lag: Latencies,
    late: u64,
    late_by_sender: u64,
    /// When the previous call was sent and its reply came (`None` before the first).
    previous_call: Option<(Instant, Instant)>,
    /// Why the previous send was late, if it was.
    previous_cause: Lateness,
}

/// Why a send went out late ([`OpenLoop::late_by_sender`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lateness {
    /// Within one client interval of its scheduled instant.
    OnTime,
    /// The previous reply had come before the send was due, or the lateness goes back to such
    /// a send through calls each quicker than the interval: the sender itself woke late.
    Sender,
    /// The previous call had not returned when this send was due, and either took a whole
    /// interval or more itself or was sent on time: the service.
    Service,
}

impl Lateness {
    /// The cause of a send that went out `lag` behind its schedule at `due`, after a previous
    /// call sent and replied at `previous_call` and late for `previous`.
    fn of(
        lag: Duration,
        interval: Duration,
        due: Instant,
        previous_call: Option<(Instant, Instant)>,
        previous: Lateness,
    ) -> Lateness {
        match previous_call {
            _ if lag < interval => Lateness::OnTime,
            None => Lateness::Sender,
            Some((_, replied)) if replied <= due => Lateness::Sender,
            // A call as long as the interval makes the next one late by itself.
            Some((sent, replied)) if replied - sent >= interval => Lateness::Service,
            _ if previous == Lateness::OnTime => Lateness::Service,
            _ => previous,
        }
    }
}

const WARMING_UP: u8 = 0;
const MEASURING: u8 = 1;
const STOPPING: u8 = 2;

/// The share of the CPU time that timing operations may take: the runner picks each cell's
/// sampling interval to stay within it for the cheapest implementation of the cell.
pub const TIMING_BUDGET: f64 = 0.01;

fn mask_of(every: u32) -> usize {
    (every.clamp(1, PLAN_LEN as u32).next_power_of_two() as usize) - 1
}

/// What timing one operation costs: two clock reads and a histogram record, measured once.
pub fn timing_cost() -> Duration {
    static COST: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *COST.get_or_init(|| {
        let mut latencies = Latencies::new(1);
        let rounds = 20_000u32;
        let start = Instant::now();
        for _ in 0..rounds {
            let t = Instant::now();
            latencies.record(0, t.elapsed());
        }
        start.elapsed() / rounds
    })
}

/// The sampling interval that keeps timing within [`TIMING_BUDGET`] of the CPU time of an
/// implementation that spends `cpu_ns_per_op` per operation (a power of two, 1 to
/// [`PLAN_LEN`]). Chosen from CPU time, not wall time: 64 clients on 2 cores wait most of
/// their wall time, but every clock read still costs CPU the implementation could have used.
pub fn interval_for(cpu_ns_per_op: f64) -> u32 {
    if cpu_ns_per_op.is_nan() || cpu_ns_per_op <= 0.0 {
        return PLAN_LEN as u32;
    }
    let interval = timing_cost().as_nanos() as f64 / (TIMING_BUDGET * cpu_ns_per_op);
    (interval.ceil().clamp(1.0, PLAN_LEN as f64) as u32).next_power_of_two()
}

/// Shared between the coordinator and the clients. The phase is one byte, read once per
/// operation: the clients' only shared access besides the service itself.
#[derive(Default)]
struct Control {
    phase: AtomicU8,
    failure: Mutex<Option<String>>,
    /// Clients that have begun their loop: the window opens only once every one has.
    started: AtomicUsize,
    /// Clients that have completed an operation inside the window: in a closed loop the
    /// window stays open until every one has ([`COVER_WITHIN`]).
    present: AtomicUsize,
}

impl Control {
    fn fail(&self, why: String) {
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        failure.get_or_insert(why);
        self.phase.store(STOPPING, Relaxed);
    }

    fn stopping(&self) -> bool {
        self.phase.load(Relaxed) == STOPPING
    }
}

/// One client: its plan and what it measured and saw.
///
/// The per-operation bookkeeping is kept to a counter and a wrap-around: the operations of the
/// window and their kinds are derived afterwards from where in its plan the window opened,
/// since the client walks its plan in order.
struct Client<S: Subject> {
    plan: PlanOf<S>,
    next: usize,
    sample_mask: usize,
    /// Shifts which positions are timed; drawn afresh at every lap.
    sample_offset: usize,
    lap_rng: Rng,
    /// Operations completed so far, warm-up included.
    done: u64,
    /// `done` when the window opened.
    window_start: Option<u64>,
    latencies: Latencies,
    tally: S::Tally,
    /// 1 if the client stopped after applying an operation it did not count (it finished it
    /// as the window closed), 0 if it stopped between operations (an open-loop client waiting
    /// for its next send).
    uncounted: u64,
    /// The open loop's schedule and measures (`None` in a closed loop).
    open: Option<OpenStats>,
}

impl<S: Subject> Client<S> {
    fn new(plan: PlanOf<S>, kinds: usize, sample_every: u32, seed: u64) -> Self {
        let mut lap_rng = Rng::new(seed);
        Client {
            sample_offset: lap_rng.below(PLAN_LEN as u64) as usize,
            plan,
            next: 0,
            // Plans are PLAN_LEN (a power of two) long, so timing the positions `p` with
            // `(p + offset) % sample_every == 0` times one in `sample_every`. A fixed set of
            // positions could miss a kind altogether (one client timing 16 positions of 4096
            // saw no `set` at all); a new offset every lap samples every position, so every
            // kind is timed in proportion.
            sample_mask: mask_of(sample_every),
            lap_rng,
            done: 0,
            window_start: None,
            latencies: Latencies::new(kinds),
            tally: S::Tally::default(),
            uncounted: 0,
            open: None,
        }
    }

    /// This client in an open loop on `schedule`.
    fn open(mut self, schedule: Schedule) -> Self {
        let kinds = S::KINDS.len();
        self.open = Some(OpenStats {
            schedule,
            service_time: Latencies::new(kinds),
            send_lag: Latencies::new(1),
            late: 0,
            late_by_sender: 0,
            previous_call: None,
            previous_cause: Lateness::OnTime,
        });
        self
    }

    /// When the next send is due (open loop only).
    fn due(&self) -> Option<Instant> {
        self.open.as_ref().map(|o| o.schedule.due(self.done))
    }

    /// [`Client::complete`] for an open-loop call due at `due`, sent at `sent`, replied at
    /// `replied`: the latency counts from `due`; the service time and the send's lag are
    /// recorded beside it.
    fn complete_open(
        &mut self,
        reply: Result<S::Reply, statebench_core::Error>,
        (due, sent, replied): (Instant, Instant, Instant),
        control: &Control,
    ) -> bool {
        let kind = usize::from(self.plan.kinds[self.next]);
        let lag = sent.saturating_duration_since(due);
        // The cause is followed through warm-up and window alike, so a chain of late sends is
        // traced back to where it began.
        let cause = self.open.as_mut().map(|open| {
            let cause = Lateness::of(
                lag,
                open.schedule.interval(),
                due,
                open.previous_call,
                open.previous_cause,
            );
            (open.previous_call, open.previous_cause) = (Some((sent, replied)), cause);
            cause
        });
        if !self.complete(reply, Some(replied.saturating_duration_since(due)), control) {
            return false;
        }
        // The phase only moves forward, and `complete` counted this operation: so it was
        // inside the window exactly when the window has opened.
        if self.window_start.is_some()
            && let Some(open) = &mut self.open
        {
            open.service_time
                .record(kind, replied.saturating_duration_since(sent));
            open.send_lag.record(0, lag);
            match cause {
                Some(Lateness::Sender) => {
                    open.late += 1;
                    open.late_by_sender += 1;
                }
                Some(Lateness::Service) => open.late += 1,
                _ => {}
            }
        }
        true
    }

    /// The next operation, and whether to time it.
    #[inline(always)]
    fn next_op(&self) -> (S::Op, bool) {
        (
            self.plan.ops[self.next].clone(),
            (self.next + self.sample_offset) & self.sample_mask == 0,
        )
    }

    /// Checks the reply and counts the operation if it completed inside the window; `false`
    /// when the client must stop.
    // Inlined into the loop: out of line, the reply travels through memory and the call's
    // bookkeeping showed up as a tenth of the runner's profile on `mutex_std`.
    #[inline(always)]
    fn complete(
        &mut self,
        reply: Result<S::Reply, statebench_core::Error>,
        latency: Option<Duration>,
        control: &Control,
    ) -> bool {
        let next = self.next;
        let (op, expect) = (&self.plan.ops[next], self.plan.expected[next]);
        match reply {
            Ok(reply) if S::check(op, &reply, expect, &mut self.tally) => {}
            Ok(reply) => {
                control.fail(S::explain(op, &reply, expect));
                return false;
            }
            Err(e) => {
                control.fail(call_failed(op, e));
                return false;
            }
        }
        match control.phase.load(Relaxed) {
            WARMING_UP => {}
            MEASURING => {
                if self.window_start.is_none() {
                    self.open_window(control);
                }
                if let Some(latency) = latency {
                    self.latencies
                        .record(usize::from(self.plan.kinds[next]), latency);
                }
            }
            _ => {
                self.uncounted = 1;
                return false;
            }
        }
        self.done += 1;
        if next + 1 == self.plan.ops.len() {
            self.new_lap();
        } else {
            self.next = next + 1;
        }
        true
    }

    #[cold]
    fn new_lap(&mut self) {
        self.next = 0;
        self.sample_offset = self.lap_rng.below(PLAN_LEN as u64) as usize;
    }

    #[cold]
    fn open_window(&mut self, control: &Control) {
        self.window_start = Some(self.done);
        control.present.fetch_add(1, Relaxed);
    }

    /// Operations completed inside the window.
    fn window_ops(&self) -> u64 {
        self.window_start.map_or(0, |start| self.done - start)
    }

    /// Operations completed inside the window, per kind.
    fn window_ops_by_kind(&self, kinds: usize) -> Vec<u64> {
        let mut counts = vec![0u64; kinds];
        let Some(start) = self.window_start else {
            return counts;
        };
        let ops = self.done - start;
        let len = self.plan.kinds.len() as u64;
        let (laps, rest) = (ops / len, ops % len);
        for (i, kind) in self.plan.kinds.iter().enumerate() {
            // Position i of the plan was visited `laps` times, plus once more if it falls in the
            // partial lap that began where the window opened.
            let offset = (i as u64 + len - start % len) % len;
            counts[usize::from(*kind)] += laps + u64::from(offset < rest);
        }
        counts
    }
}

#[cold]
#[inline(never)]
fn call_failed(op: &dyn std::fmt::Debug, e: statebench_core::Error) -> String {
    format!("{op:?} failed: {e}")
}

fn run_blocking<S: Subject, I: Service<S>>(
    service: I,
    mut client: Client<S>,
    control: &Control,
    think: Duration,
) -> Client<S> {
    control.started.fetch_add(1, Release);
    loop {
        let (op, timed) = client.next_op();
        let start = timed.then(Instant::now);
        let reply = service.call(op);
        let latency = start.map(|s| s.elapsed());
        if !client.complete(reply, latency, control) {
            break;
        }
        if !think.is_zero() {
            thread::sleep(think);
        }
    }
    client
}

async fn run_async<S: Subject, I: Service<S>>(
    service: I,
    mut client: Client<S>,
    control: Arc<Control>,
    think: Duration,
) -> Client<S> {
    control.started.fetch_add(1, Release);
    loop {
        let (op, timed) = client.next_op();
        let start = timed.then(Instant::now);
        let reply = service.call_async(op).await;
        let latency = start.map(|s| s.elapsed());
        if !client.complete(reply, latency, &control) {
            break;
        }
        if !think.is_zero() {
            tokio::time::sleep(think).await;
        }
        // A lock's async call is always ready at once, so a client looping on it would never
        // give its worker back: two clients would hog both workers and starve the other 108
        // (the first `demo` showed writers making no progress). Spending tokio's cooperative
        // budget makes every client yield once its budget is used up, as a task that touches
        // any tokio resource does; owner calls already spend it.
        tokio::task::coop::consume_budget().await;
    }
    client
}

/// The longest an open-loop sender sleeps before it looks whether the run is stopping.
const STOP_CHECK: Duration = Duration::from_millis(20);

/// Sleeps until `due`, in slices of at most [`STOP_CHECK`]; `false` if the run began to stop.
fn sleep_until(due: Instant, control: &Control) -> bool {
    loop {
        if control.stopping() {
            return false;
        }
        let left = due.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        thread::sleep(left.min(STOP_CHECK));
    }
}

/// An open-loop thread client: sleeps to each scheduled send, or sends at once when behind.
fn run_open_blocking<S: Subject, I: Service<S>>(
    service: I,
    mut client: Client<S>,
    control: &Control,
) -> Client<S> {
    control.started.fetch_add(1, Release);
    crate::os::fine_timer_slack();
    while let Some(due) = client.due() {
        if !sleep_until(due, control) {
            break;
        }
        let (op, _) = client.next_op();
        let sent = Instant::now();
        let reply = service.call(op);
        let replied = Instant::now();
        if !client.complete_open(reply, (due, sent, replied), control) {
            break;
        }
    }
    client
}

/// An open-loop task client: waits for the pacer's bell until its next send is due, or sends
/// at once when behind.
async fn run_open_async<S: Subject, I: Service<S>>(
    service: I,
    mut client: Client<S>,
    control: Arc<Control>,
    bell: Arc<tokio::sync::Notify>,
) -> Client<S> {
    control.started.fetch_add(1, Release);
    while let Some(due) = client.due() {
        while Instant::now() < due {
            if control.stopping() {
                return client;
            }
            // The pacer rings at this client's every due instant, and once more when the run
            // stops; a ring stored while the client was busy only costs one more look.
            bell.notified().await;
        }
        if control.stopping() {
            break;
        }
        let (op, _) = client.next_op();
        let sent = Instant::now();
        let reply = service.call_async(op).await;
        let replied = Instant::now();
        if !client.complete_open(reply, (due, sent, replied), &control) {
            break;
        }
        tokio::task::coop::consume_budget().await;
    }
    client
}

/// The task clients' pacer, on its own thread: rings each client's bell at every instant one
/// of its sends is due, in the order the sends fall due (slot `j` is client `j mod C`'s
/// `j div C`-th), and rings every bell when the run stops. Behind schedule, it rings every
/// overdue bell at once.
fn pace(schedules: &[Schedule], bells: &[Arc<tokio::sync::Notify>], control: &Control) {
    crate::os::fine_timer_slack();
    let clients = schedules.len() as u64;
    let mut slot = 0u64;
    loop {
        let client = (slot % clients) as usize;
        if !sleep_until(schedules[client].due(slot / clients), control) {
            break;
        }
        bells[client].notify_one();
        slot += 1;
    }
    for bell in bells {
        bell.notify_one();
    }
}

/// The measured window's wall and CPU time, and when it closed.
struct Window {
    wall: Duration,
    /// The process's CPU time in the window, and `cpu_elsewhere`.
    cpu: Duration,
    /// The CPU time of the processes outside this one that serve the strategy, in the window.
    cpu_elsewhere: Option<Duration>,
    opened: Instant,
    closed: Instant,
    /// Each client thread's CPU time in the window, in nanoseconds (`None`: not measured, or
    /// a thread's clock could not be read).
    client_cpu_ns: Option<Vec<u64>>,
    /// Per client, how often its thread was found `[parked, runnable]` (zeros: not sampled).
    client_states: Vec<[u64; 2]>,
}

/// A client thread's CPU clock, published by the thread as it starts ([`NO_CLOCK`] until then).
type ClockSlot = std::sync::atomic::AtomicI64;
const NO_CLOCK: i64 = i64::MIN;

/// The CPU time each client's clock has counted; `None` when one cannot be read. Read once
/// every client has begun, so every clock that exists is published: an empty slot is a
/// thread whose clock the OS did not give.
fn client_cpu(clocks: &[ClockSlot]) -> Option<Vec<u64>> {
    clocks
        .iter()
        .map(|slot| match slot.load(Acquire) {
            NO_CLOCK => None,
            clock => crate::os::thread_cpu_ns(clock as libc::clockid_t),
        })
        .collect()
}

/// A client thread's kernel id, published by the thread as it starts (0 until then, and for
/// the threads not sampled).
type TidSlot = std::sync::atomic::AtomicI32;

/// How often the window samples its client threads' states ([`Repetition::parked_by_role`]).
pub const STATE_EVERY: Duration = Duration::from_millis(10);

/// Threads of each role whose states are sampled: the first ones of the role. Reading a state
/// is a small file read, made by the coordinator thread; a bound keeps those reads few (the
/// process CPU time of the rows that sample, and so their `cpu_ns_per_op`, includes them).
pub const STATE_SAMPLED: usize = 10;

/// Adds each sampled client's state now to `states`.
fn sample_states(tids: &[TidSlot], states: &mut [[u64; 2]]) {
    for (slot, counts) in tids.iter().zip(states.iter_mut()) {
        let tid = slot.load(Acquire);
        if tid == 0 {
            continue;
        }
        match crate::os::thread_parked(tid) {
            Some(true) => counts[0] += 1,
            Some(false) => counts[1] += 1,
            None => {}
        }
    }
}

/// How long after the warm-up every client must have begun its loop.
const START_WITHIN: Duration = Duration::from_secs(10);

/// How long a closed loop's window may stay open for every client to complete an operation in
/// it, at most, after it opened ([`Cell::cover`]): what the runner asks for.
///
/// A window shorter than one round of the scheduler over the clients measures the few it ran.
/// With 110 clients that never block on 2 cores, a 50 ms window of `seed_nosleep` left most
/// of them out (docs/METHODOLOGY.md, "The mix that was asked for", has the committed figures),
/// so which clients it measured, and the mix it served, was the scheduler's pick, not the
/// strategy's. Clients still absent at this bound were kept out for a second — by the strategy
/// (writers waiting on readers that never let go) or by a scheduler round longer than that —
/// and the repetition records them ([`Repetition::absent_by_role`]).
pub const COVER_WITHIN: Duration = Duration::from_secs(1);

/// What the coordinator reads as a window opens and closes, besides the process's CPU time.
struct Gauges<'a> {
    /// The client threads' CPU clocks (empty: not measured).
    clocks: &'a [ClockSlot],
    /// The client threads whose states are sampled (empty: none).
    tids: &'a [TidSlot],
    /// The CPU time of the processes outside this one that serve the strategy
    /// ([`Service::cpu_elsewhere`]).
    elsewhere: fn() -> Option<Duration>,
}

/// The window opens once all `clients` have begun. With `cover`, it closes after `duration`
/// once every client has completed an operation in it, or `cover` after it opened.
fn coordinate(
    control: &Control,
    warmup: Duration,
    duration: Duration,
    clients: usize,
    cover: Option<Duration>,
    gauges: Gauges<'_>,
) -> Window {
    let Gauges {
        clocks,
        tids,
        elsewhere,
    } = gauges;
    let mut states = vec![[0u64; 2]; tids.len()];
    let sampling = !tids.is_empty();
    let wait = |span: Duration, states: Option<&mut Vec<[u64; 2]>>| {
        let deadline = Instant::now() + span;
        let step = if states.is_some() {
            STATE_EVERY
        } else {
            Duration::from_millis(20)
        };
        let mut states = states;
        while !control.stopping() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            thread::sleep(left.min(step));
            if let Some(states) = states.as_deref_mut() {
                sample_states(tids, states);
            }
        }
    };
    wait(warmup, None);
    // The window opens only once every client has begun. With 110 busy threads on 2 cores one
    // round of the scheduler's turns outlasts a 30 ms warm-up, so a window opened then counts
    // clients that have not yet had a first turn (docs/METHODOLOGY.md, "The mix that was
    // asked for").
    let deadline = Instant::now() + START_WITHIN;
    loop {
        let started = control.started.load(Acquire);
        if started >= clients || control.stopping() {
            break;
        }
        if Instant::now() >= deadline {
            control.fail(format!(
                "{} of the {clients} clients had not begun {START_WITHIN:?} after the warm-up: \
                 a window opened now would not measure them",
                clients - started
            ));
            break;
        }
        thread::sleep(Duration::from_millis(1));
    }
    let at_open = (!clocks.is_empty()).then(|| client_cpu(clocks)).flatten();
    let (cpu0, t0, elsewhere0) = (process_cpu_time(), Instant::now(), elsewhere());
    // Only from the warm-up: a client that failed has set the phase to stopping, and
    // overwriting it would send the others on measuring a window that counts for nothing
    // (an open-loop task woken by its pacer's last bell would wait for another forever).
    let opened = control
        .phase
        .compare_exchange(WARMING_UP, MEASURING, Relaxed, Relaxed)
        .is_ok();
    if opened {
        if sampling {
            sample_states(tids, &mut states);
        }
        wait(duration, sampling.then_some(&mut states));
        if let Some(cover) = cover {
            let bound = t0 + duration.max(cover);
            let mut next_sample = Instant::now() + STATE_EVERY;
            while control.present.load(Relaxed) < clients
                && !control.stopping()
                && Instant::now() < bound
            {
                thread::sleep(Duration::from_millis(1));
                if sampling && Instant::now() >= next_sample {
                    sample_states(tids, &mut states);
                    next_sample += STATE_EVERY;
                }
            }
        }
    }
    if sampling && opened {
        sample_states(tids, &mut states);
    }
    // Read before the clients are told to stop: a stopped client's thread ends, and its
    // clock with it.
    let at_close = at_open.is_some().then(|| client_cpu(clocks)).flatten();
    control.phase.store(STOPPING, Relaxed);
    let closed = Instant::now();
    let cpu_elsewhere = elsewhere0
        .zip(elsewhere())
        .map(|(open, close)| close.saturating_sub(open));
    let cpu = process_cpu_time().saturating_sub(cpu0) + cpu_elsewhere.unwrap_or_default();
    let client_cpu_ns = at_open.zip(at_close).map(|(open, close)| {
        close
            .iter()
            .zip(open)
            .map(|(c, o)| c.saturating_sub(o))
            .collect()
    });
    Window {
        wall: closed - t0,
        cpu,
        cpu_elsewhere,
        opened: t0,
        closed,
        client_cpu_ns,
        client_states: states,
    }
}

/// Which clients' states the window samples: the first [`STATE_SAMPLED`] of each role, in
/// the order the clients start (empty when the workload has one group).
fn sampled_clients(workload: &Workload, clients: usize) -> Vec<bool> {
    let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
    workload
        .client_groups(clients)
        .unwrap_or_default()
        .into_iter()
        .map(|group| {
            let n = seen.entry(group).or_default();
            *n += 1;
            *n <= STATE_SAMPLED
        })
        .collect()
}

/// The sampled clients' states summed by role (empty when none was sampled).
fn states_by_role(
    workload: &Workload,
    clients: usize,
    states: &[[u64; 2]],
) -> BTreeMap<String, [u64; 2]> {
    let mut by_role: BTreeMap<String, [u64; 2]> = BTreeMap::new();
    if states.iter().all(|s| s[0] + s[1] == 0) {
        return by_role;
    }
    let groups = workload.client_groups(clients).unwrap_or_default();
    for (group, s) in groups.into_iter().zip(states) {
        if s[0] + s[1] == 0 {
            continue;
        }
        let entry = by_role
            .entry(workload.groups[group].role.clone())
            .or_default();
        entry[0] += s[0];
        entry[1] += s[1];
    }
    by_role
}

/// The clients' CPU time in the window summed by role (empty without a figure per client).
fn cpu_by_role(workload: &Workload, clients: usize, cpu: Option<&[u64]>) -> BTreeMap<String, u64> {
    let mut by_role = BTreeMap::new();
    if let (Some(cpu), Ok(groups)) = (cpu, workload.client_groups(clients)) {
        for (ns, group) in cpu.iter().zip(groups) {
            *by_role
                .entry(workload.groups[group].role.clone())
                .or_insert(0) += ns;
        }
    }
    by_role
}

/// The clients of each role that completed no operation in the window (`clients` in the order
/// of [`Workload::client_groups`], as the plans are made).
fn absent_by_role<S: Subject>(workload: &Workload, clients: &[Client<S>]) -> BTreeMap<String, u64> {
    let mut absent = BTreeMap::new();
    if let Ok(groups) = workload.client_groups(clients.len()) {
        for (client, group) in clients.iter().zip(groups) {
            if client.window_ops() == 0 {
                *absent
                    .entry(workload.groups[group].role.clone())
                    .or_insert(0) += 1;
            }
        }
    }
    absent
}

/// Runs one repetition of `cell` on a fresh `I`.
pub fn run_repetition<S: Subject, I: Service<S>>(cell: &Cell<'_>) -> Result<Repetition, RunError> {
    if cell.driver == Driver::Goroutines {
        return Err(not_rust(I::NAME));
    }
    let workload = cell.workload;
    if (workload.work_ns > 0) == cell.work.is_none() {
        return Err(RunError(format!(
            "workload {} asks for {} ns of work per operation, and the cell carries {} rounds: \
             the work was not calibrated for it",
            workload.name,
            workload.work_ns,
            cell.work.count()
        )));
    }
    let plans = plans::<S>(workload, cell.clients, cell.seed)?;
    let kinds = S::KINDS.len();
    let think = workload.think();
    let open = workload.open_loop();
    // An open loop's window is its schedule's: it closes on time.
    let cover = cell.cover.filter(|_| !open);
    // A think time or an open loop reads the clock at every operation anyway.
    let sample_every = if think.is_zero() && !open {
        cell.sample_every
    } else {
        1
    };
    // Measured before the clients start, so no client pays for it during its warm-up.
    let _ = timing_cost();
    let control = Arc::new(Control::default());
    let settings = cell.tuning.settings();
    let started = Instant::now();
    let mut initial = S::initial(workload, started);
    initial.set_work(cell.work);
    let mut client_seeds = Rng::new(cell.seed ^ 0x5A3B_1E00_0FF5_E7D1);
    // The open loop's schedules start with the clients: the warm-up is part of the schedule,
    // so a backlog built there is still owed in the window.
    let schedules = Schedule::for_clients(Instant::now(), plans.len(), workload.rate_per_s.max(1));
    let mut next_schedule = schedules.iter().copied();
    let mut new_client = |plan| {
        let client = Client::<S>::new(plan, kinds, sample_every, client_seeds.next_u64());
        match next_schedule.next() {
            Some(schedule) if open => client.open(schedule),
            _ => client,
        }
    };

    let (service, clients, window, runtime) = match cell.driver {
        Driver::Threads => {
            let service = I::start(initial, &settings);
            // Which role's clients had the CPU, where roles compete.
            let clocks: Vec<ClockSlot> = if workload.groups.len() > 1 {
                (0..plans.len()).map(|_| ClockSlot::new(NO_CLOCK)).collect()
            } else {
                Vec::new()
            };
            // Whose threads' states are sampled: the first STATE_SAMPLED of each role.
            let sampled = sampled_clients(workload, cell.clients);
            // The CPUs this process may use: under a cpuset they need not be 0..n.
            let cpus = if cell.pin_clients {
                crate::os::allowed_cpus()
            } else {
                Vec::new()
            };
            let tids: Vec<TidSlot> = if clocks.is_empty() {
                Vec::new()
            } else {
                (0..plans.len()).map(|_| TidSlot::new(0)).collect()
            };
            let (clients, window) = thread::scope(|scope| {
                let handles: Vec<_> = plans
                    .into_iter()
                    .enumerate()
                    .map(|(i, plan)| {
                        let (service, control, client) =
                            (service.clone(), &*control, new_client(plan));
                        let slot = clocks.get(i);
                        let tid = tids.get(i).filter(|_| sampled.get(i) == Some(&true));
                        let pin = cell
                            .pin_clients
                            .then(|| cpus.get(i % cpus.len().max(1)).copied());
                        scope.spawn(move || {
                            match pin {
                                Some(Some(core)) if crate::os::pin_to_core(core) => {}
                                Some(Some(core)) => control
                                    .fail(format!("client {i} could not be pinned to core {core}")),
                                Some(None) => control.fail(format!(
                                    "client {i} could not be pinned: the OS did not say which \
                                     cores this process may use"
                                )),
                                None => {}
                            }
                            // Published before the client counts itself begun (Release
                            // there, Acquire in the coordinator), so the window's first
                            // reading sees it.
                            if let (Some(slot), Some(clock)) = (slot, crate::os::thread_cpu_clock())
                            {
                                slot.store(i64::from(clock), Relaxed);
                            }
                            if let Some(tid) = tid {
                                tid.store(crate::os::thread_id(), Relaxed);
                            }
                            if open {
                                run_open_blocking(service, client, control)
                            } else {
                                run_blocking(service, client, control, think)
                            }
                        })
                    })
                    .collect();
                let window = coordinate(
                    &control,
                    cell.warmup,
                    cell.duration,
                    cell.clients,
                    cover,
                    Gauges {
                        clocks: &clocks,
                        tids: &tids,
                        elsewhere: I::cpu_elsewhere,
                    },
                );
                let clients: Vec<_> = handles.into_iter().map(|h| h.join().ok()).collect();
                (clients, window)
            });
            (service, clients, window, None)
        }
        Driver::Goroutines => return Err(not_rust(I::NAME)),
        Driver::Tasks => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("statebench-client")
                .build()
                .map_err(|e| RunError(format!("cannot start the tokio runtime: {e}")))?;
            // Started inside the runtime, so an owner task lives beside its clients.
            let service = runtime.block_on(async { I::start(initial, &settings) });
            let bells: Vec<_> = (0..plans.len())
                .map(|_| Arc::new(tokio::sync::Notify::new()))
                .collect();
            let handles: Vec<_> = plans
                .into_iter()
                .zip(&bells)
                .map(|(plan, bell)| {
                    let (service, client, control) =
                        (service.clone(), new_client(plan), control.clone());
                    if open {
                        runtime.spawn(run_open_async(service, client, control, bell.clone()))
                    } else {
                        runtime.spawn(run_async(service, client, control, think))
                    }
                })
                .collect();
            let window = thread::scope(|scope| {
                let pacer = open.then(|| {
                    let (schedules, bells, control) = (&schedules, &bells, &*control);
                    thread::Builder::new()
                        .name("statebench-pacer".into())
                        .spawn_scoped(scope, move || pace(schedules, bells, control))
                });
                if let Some(Err(e)) = &pacer {
                    control.fail(format!("cannot start the open loop's pacer thread: {e}"));
                    bells.iter().for_each(|b| b.notify_one());
                }
                coordinate(
                    &control,
                    cell.warmup,
                    cell.duration,
                    cell.clients,
                    cover,
                    Gauges {
                        clocks: &[],
                        tids: &[],
                        elsewhere: I::cpu_elsewhere,
                    },
                )
            });
            let clients = runtime.block_on(async {
                let mut clients = Vec::with_capacity(handles.len());
                for handle in handles {
                    clients.push(handle.await.ok());
                }
                clients
            });
            (service, clients, window, Some(runtime))
        }
    };

    let by_role = cpu_by_role(workload, cell.clients, window.client_cpu_ns.as_deref());
    let parked_by_role = states_by_role(workload, cell.clients, &window.client_states);
    let outcome = summarize::<S, I>(clients, &window, &control).and_then(
        |(mut repetition, clients, tally)| {
            repetition.cpu_ns_by_role = by_role;
            repetition.parked_by_role = parked_by_role;
            repetition.absent_by_role = absent_by_role(workload, &clients);
            verify_run::<S, I>(&service, repetition, &clients, &tally, cell, started)
        },
    );
    // Shut down whatever happened, so a failed check leaves nothing running. Blocking calls
    // from this thread, outside the runtime's context: allowed for every owner.
    let _ = service.shutdown();
    drop(service);
    drop(runtime);
    outcome
}

/// The end-of-run checks ([`crate::verify`]), then the final state's figures.
fn verify_run<S: Subject, I: Service<S>>(
    service: &I,
    mut repetition: Repetition,
    clients: &[Client<S>],
    tally: &S::Tally,
    cell: &Cell<'_>,
    started: Instant,
) -> Result<Repetition, RunError> {
    let workload = cell.workload;
    let fail = |why: String| RunError(format!("{}: {why}", I::NAME));
    let end = RunEnd {
        workload,
        clients: clients
            .iter()
            .map(|c| ClientEnd {
                ops: &c.plan.ops,
                // The operation a client finished as the window closed was applied but not
                // counted.
                applied: c.done + c.uncounted,
            })
            .collect(),
        tally,
        started,
    };
    S::verify_end(&end, service).map_err(fail)?;
    let now = Instant::now();
    let mut state = service
        .shutdown()
        .map_err(|e| fail(format!("shutdown failed: {e}")))?;
    // A strategy that ran without the work it was given would be fast and wrong about what it
    // measured: the state it hands back must still carry it.
    if state.work() != cell.work {
        return Err(fail(format!(
            "the final state carries {} rounds of work, not the {} it started with",
            state.work().count(),
            cell.work.count()
        )));
    }
    // The checks read the state key by key; the work is the operations', not theirs.
    state.set_work(statebench_core::Work::NONE);
    S::verify_final(&end, &state, now).map_err(fail)?;
    repetition.hit_rate =
        S::hits(tally).and_then(|(found, made)| (made > 0).then(|| found as f64 / made as f64));
    repetition.live_size = S::live_size(&state, workload.keys, now);
    Ok(repetition)
}

/// A repetition's figures, its clients (for the end-of-run checks) and their merged tally.
type Summarized<S> = (Repetition, Vec<Client<S>>, <S as Subject>::Tally);

/// The repetition's figures, the clients (for the end-of-run checks) and their merged tally.
fn summarize<S: Subject, I: Service<S>>(
    clients: Vec<Option<Client<S>>>,
    window: &Window,
    control: &Control,
) -> Result<Summarized<S>, RunError> {
    let kinds = S::KINDS.len();
    if let Some(why) = control
        .failure
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        return Err(RunError(format!("{}: {why}", I::NAME)));
    }
    let Some(mut clients) = clients.into_iter().collect::<Option<Vec<_>>>() else {
        return Err(RunError(format!("{}: a client panicked", I::NAME)));
    };
    let mut latencies = Latencies::new(kinds);
    let mut tally = S::Tally::default();
    let mut ops = 0;
    let mut ops_by_kind = vec![0; kinds];
    let timed_one_in = clients.first().map_or(1, |c| (c.sample_mask + 1) as u32);
    for client in &mut clients {
        let counts = client.window_ops_by_kind(kinds);
        ops += counts.iter().sum::<u64>();
        for (total, n) in ops_by_kind.iter_mut().zip(counts) {
            *total += n;
        }
        latencies.merge(&client.latencies);
        S::merge(&mut tally, std::mem::take(&mut client.tally));
    }
    let names = S::KINDS.iter().map(|k| k.name);
    let mut latency: BTreeMap<String, LatencySummary> = names
        .clone()
        .enumerate()
        .filter_map(|(i, name)| latencies.summary(i).map(|s| (name.to_owned(), s)))
        .collect();
    if let Some(all) = latencies.overall() {
        latency.insert("all".into(), all);
    }
    let ops_by_kind = names
        .zip(ops_by_kind)
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| (name.to_owned(), n))
        .collect();
    let secs = window.wall.as_secs_f64();
    let open_loop = open_loop_of(&clients, window, kinds);
    let repetition = Repetition {
        // The runner sets the trial's place in the run.
        trial: 0,
        pass: 0,
        at_ms: 0,
        round_trip_ns: None,
        round_trip_after_ns: None,
        ops,
        elapsed_ns: u64::try_from(window.wall.as_nanos()).unwrap_or(u64::MAX),
        ops_per_sec: if secs > 0.0 { ops as f64 / secs } else { 0.0 },
        cpu_ns_per_op: if ops > 0 {
            window.cpu.as_nanos() as f64 / ops as f64
        } else {
            0.0
        },
        cpu_elsewhere_ns: window
            .cpu_elsewhere
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
        timed_one_in,
        timing_share: {
            let timed = latency.get("all").map_or(0, |l| l.count) as f64;
            // Of this process's CPU: the timing runs here, not in a server.
            let own = window.cpu - window.cpu_elsewhere.unwrap_or_default();
            let cpu = own.as_nanos() as f64;
            if cpu > 0.0 {
                timed * timing_cost().as_nanos() as f64 / cpu
            } else {
                0.0
            }
        },
        ops_by_kind,
        latency,
        hit_rate: None,
        live_size: None,
        instructions_per_op: None,
        open_loop,
        cpu_ns_by_role: BTreeMap::new(),
        parked_by_role: BTreeMap::new(),
        absent_by_role: BTreeMap::new(),
    };
    Ok((repetition, clients, tally))
}

/// The open loop's figures over every client (`None` in a closed loop).
fn open_loop_of<S: Subject>(
    clients: &[Client<S>],
    window: &Window,
    kinds: usize,
) -> Option<OpenLoop> {
    let first = clients.first()?.open.as_ref()?;
    let mut service_time = Latencies::new(kinds);
    let mut send_lag = Latencies::new(1);
    let (mut due, mut late, mut late_by_sender, mut backlog) = (0, 0, 0, 0);
    for client in clients {
        let open = client.open.as_ref()?;
        service_time.merge(&open.service_time);
        send_lag.merge(&open.send_lag);
        late += open.late;
        late_by_sender += open.late_by_sender;
        let due_by_close = open.schedule.due_by(window.closed);
        due += due_by_close - open.schedule.due_by(window.opened).min(due_by_close);
        // The call in flight as the window closed counts as made.
        backlog += due_by_close.saturating_sub(client.done + client.uncounted);
    }
    let mut service: BTreeMap<String, LatencySummary> = S::KINDS
        .iter()
        .enumerate()
        .filter_map(|(i, k)| service_time.summary(i).map(|s| (k.name.to_owned(), s)))
        .collect();
    if let Some(all) = service_time.overall() {
        service.insert("all".into(), all);
    }
    Some(OpenLoop {
        // The rate is a whole number: undo the float round trip exactly.
        offered_per_sec: (1e9 / first.schedule.interval_ns * clients.len() as f64).round(),
        due,
        late,
        late_by_sender,
        backlog,
        send_lag: send_lag.summary(0),
        service_time: service,
    })
}

/// The refusal of a Rust strategy asked to run under the Go driver.
fn not_rust(name: &str) -> RunError {
    RunError(format!(
        "{name} is a Rust strategy: the goroutines driver runs Go's own implementations only"
    ))
}

/// Runs exactly `ops` operations of `workload`'s plan for one client on a fresh `I`, called by
/// `driver`, checking every reply; then shuts the service down. No clock is read and nothing
/// is timed: this is the loop the instruction tier counts (`statebench instructions`), where
/// the difference between two counts of operations is the cost of the operations alone.
pub fn run_counted<S: Subject, I: Service<S>>(
    workload: &Workload,
    driver: Driver,
    ops: u64,
    seed: u64,
) -> Result<(), RunError> {
    if driver == Driver::Goroutines {
        return Err(not_rust(I::NAME));
    }
    if workload.work_ns > 0 {
        return Err(RunError(format!(
            "workload {} has critical-section work: the instruction tier counts bare operations",
            workload.name
        )));
    }
    let plan = plans::<S>(workload, 1, seed)?
        .into_iter()
        .next()
        .ok_or_else(|| RunError("no plan for one client".into()))?;
    let settings = Settings::default();
    let initial = S::initial(workload, Instant::now());
    let mut tally = S::Tally::default();
    let len = plan.ops.len() as u64;
    let mut check = |i: u64, reply: Result<S::Reply, statebench_core::Error>| {
        let at = (i % len) as usize;
        let (op, expect) = (&plan.ops[at], plan.expected[at]);
        match reply {
            Ok(reply) if S::check(op, &reply, expect, &mut tally) => Ok(()),
            Ok(reply) => Err(RunError(format!(
                "{}: {}",
                I::NAME,
                S::explain(op, &reply, expect)
            ))),
            Err(e) => Err(RunError(format!("{}: {}", I::NAME, call_failed(op, e)))),
        }
    };
    let shut = |service: I| {
        service
            .shutdown()
            .map(drop)
            .map_err(|e| RunError(format!("{}: shutdown failed: {e}", I::NAME)))
    };
    match driver {
        Driver::Threads => {
            let service = I::start(initial, &settings);
            let run = (0..ops).try_for_each(|i| {
                let reply = service.call(plan.ops[(i % len) as usize].clone());
                check(i, reply)
            });
            run.and(shut(service))
        }
        Driver::Goroutines => Err(not_rust(I::NAME)),
        Driver::Tasks => {
            // One thread: the count is then the async call's, not that of a multi-thread
            // runtime's workers parking, waking and stealing, which depends on the load (an
            // A/A of one build moved these records by up to 5 %, the threads' by 0.3 %).
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| RunError(format!("cannot start the tokio runtime: {e}")))?;
            let service = runtime.block_on(async { I::start(initial, &settings) });
            let client = service.clone();
            let ops_of = plan.ops.clone();
            // The calls run on a task, as the tasks driver's clients do; the checks after.
            let replies = runtime.block_on(async move { runtime_task(client, ops_of, ops).await });
            let run = match replies {
                Some(replies) => replies
                    .into_iter()
                    .enumerate()
                    .try_for_each(|(i, reply)| check(i as u64, reply)),
                None => Err(RunError(format!("{}: the client task panicked", I::NAME))),
            };
            // The blocking shutdown from a blocking thread, while this thread drives the
            // runtime: an owner task started on it runs only while something drives it.
            let stopped = runtime
                .block_on(async move { tokio::task::spawn_blocking(move || shut(service)).await })
                .unwrap_or_else(|_| Err(RunError(format!("{}: shutdown panicked", I::NAME))));
            drop(runtime);
            run.and(stopped)
        }
    }
}

/// The calls of [`run_counted`]'s tasks driver, on a spawned task; their replies, in order
/// (`None` if the task panicked).
async fn runtime_task<S: Subject, I: Service<S>>(
    service: I,
    ops: Vec<S::Op>,
    count: u64,
) -> Option<Vec<Result<S::Reply, statebench_core::Error>>> {
    let task = tokio::spawn(async move {
        let mut replies = Vec::with_capacity(count as usize);
        for i in 0..count {
            let op = ops[(i % ops.len() as u64) as usize].clone();
            replies.push(service.call_async(op).await);
            tokio::task::coop::consume_budget().await;
        }
        replies
    });
    task.await.ok()
}

#[cfg(test)]
mod tests {
    use super::{Duration, Instant, Lateness};

    #[test]
    fn a_late_send_is_charged_to_whoever_began_its_chain() {
        let interval = Duration::from_micros(10);
        let t0 = Instant::now();
        let at = |us: u64| t0 + Duration::from_micros(us);
        let late = Duration::from_micros(30);
        let due = at(100);
        // On time, whatever came before.
        let short = Some((at(118), at(125)));
        assert_eq!(
            Lateness::of(
                Duration::from_micros(3),
                interval,
                due,
                short,
                Lateness::Service
            ),
            Lateness::OnTime
        );
        // No previous call, or its reply came before the send was due: the sender woke late.
        assert_eq!(
            Lateness::of(late, interval, due, None, Lateness::OnTime),
            Lateness::Sender
        );
        let before = Some((at(85), at(90)));
        assert_eq!(
            Lateness::of(late, interval, due, before, Lateness::Service),
            Lateness::Sender
        );
        // A call as long as the interval, still running when the next was due: the service,
        // whoever began the chain.
        let long = Some((at(80), at(125)));
        assert_eq!(
            Lateness::of(late, interval, due, long, Lateness::Sender),
            Lateness::Service
        );
        // A short call, sent on time, still running: the service; sent late, the chain's cause.
        assert_eq!(
            Lateness::of(late, interval, due, short, Lateness::OnTime),
            Lateness::Service
        );
        for cause in [Lateness::Sender, Lateness::Service] {
            assert_eq!(Lateness::of(late, interval, due, short, cause), cause);
        }
    }
}
