//! One repetition, orchestrated: start the service and the clients, open and close the
//! measured window, read the CPU clocks and thread states, check the end of the run, and
//! summarise it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::{Acquire, Relaxed};
use std::thread;
use std::time::{Duration, Instant};

use statebench_core::Service;

use super::callers::{RunError, RustDriver};
use super::cell::{Cell, timing_cost};
use super::client::{Client, run_async, run_blocking, run_open_async, run_open_blocking};
use super::control::{Control, MEASURING, STOPPING, WARMING_UP};
use super::record::{OpenLoop, Repetition};
use super::schedule::{Schedule, pace};
use crate::generate::{PlanOf, Rng, Subject, plans};
use crate::measure::{Latencies, LatencySummary, process_cpu_time};
use crate::verify::{ClientEnd, RunEnd};
use crate::workload::Workload;

/// The measured window's wall and CPU time, and when it closed.
pub(super) struct Window {
    pub(super) wall: Duration,
    /// The process's CPU time in the window, and `cpu_elsewhere`.
    pub(super) cpu: Duration,
    /// The CPU time of the processes outside this one that serve the strategy, in the window.
    pub(super) cpu_elsewhere: Option<Duration>,
    pub(super) opened: Instant,
    pub(super) closed: Instant,
    /// Each client thread's CPU time in the window, in nanoseconds (`None`: not measured, or
    /// a thread's clock could not be read).
    pub(super) client_cpu_ns: Option<Vec<u64>>,
    /// Per client, how often its thread was found `[parked, runnable]` (zeros: not sampled).
    pub(super) client_states: Vec<[u64; 2]>,
}

/// A client thread's CPU clock, published by the thread as it starts ([`NO_CLOCK`] until then).
pub(super) type ClockSlot = std::sync::atomic::AtomicI64;
pub(super) const NO_CLOCK: i64 = i64::MIN;

/// The CPU time each client's clock has counted; `None` when one cannot be read. Read once
/// every client has begun, so every clock that exists is published: an empty slot is a
/// thread whose clock the OS did not give.
pub(super) fn client_cpu(clocks: &[ClockSlot]) -> Option<Vec<u64>> {
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
pub(super) type TidSlot = std::sync::atomic::AtomicI32;

/// How often the window samples its client threads' states ([`Repetition::parked_by_role`]).
pub const STATE_EVERY: Duration = Duration::from_millis(10);

/// Threads of each role whose states are sampled: the first ones of the role. Reading a state
/// is a small file read, made by the coordinator thread; a bound keeps those reads few (the
/// process CPU time of the rows that sample, and so their `cpu_ns_per_op`, includes them).
pub const STATE_SAMPLED: usize = 10;

/// Adds each sampled client's state now to `states`.
pub(super) fn sample_states(tids: &[TidSlot], states: &mut [[u64; 2]]) {
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
pub(super) const START_WITHIN: Duration = Duration::from_secs(10);

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
pub(super) struct Gauges<'a> {
    /// The client threads' CPU clocks (empty: not measured).
    pub(super) clocks: &'a [ClockSlot],
    /// The client threads whose states are sampled (empty: none).
    pub(super) tids: &'a [TidSlot],
    /// The CPU time of the processes outside this one that serve the strategy
    /// ([`Service::cpu_elsewhere`]).
    pub(super) elsewhere: fn() -> Option<Duration>,
}

/// The window opens once all `clients` have begun. With `cover`, it closes after `duration`
/// once every client has completed an operation in it, or `cover` after it opened.
pub(super) fn coordinate(
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
pub(super) fn sampled_clients(workload: &Workload, clients: usize) -> Vec<bool> {
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
pub(super) fn states_by_role(
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
pub(super) fn cpu_by_role(
    workload: &Workload,
    clients: usize,
    cpu: Option<&[u64]>,
) -> BTreeMap<String, u64> {
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
pub(super) fn absent_by_role<S: Subject>(
    workload: &Workload,
    clients: &[Client<S>],
) -> BTreeMap<String, u64> {
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
    let open = workload.open_loop();
    // A think time or an open loop reads the clock at every operation anyway.
    let sample_every = if workload.think().is_zero() && !open {
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
    let new_client = |plan| {
        let client = Client::<S>::new(plan, kinds, sample_every, client_seeds.next_u64());
        match next_schedule.next() {
            Some(schedule) if open => client.open(schedule),
            _ => client,
        }
    };
    let clients = Clients {
        cell,
        plans,
        new_client,
        control: &control,
    };

    let (service, ran, runtime) = match cell.driver {
        RustDriver::Threads => {
            let service = I::start(initial, &settings);
            let ran = clients.on_threads(&service);
            (service, ran, None)
        }
        RustDriver::Tasks => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("statebench-client")
                .build()
                .map_err(|e| RunError(format!("cannot start the tokio runtime: {e}")))?;
            // Started inside the runtime, so an owner task lives beside its clients.
            let service = runtime.block_on(async { I::start(initial, &settings) });
            let ran = clients.on_tasks(&service, &runtime, &schedules);
            (service, ran, Some(runtime))
        }
    };
    let outcome = ended::<S, I>(&service, ran, &control, cell, started);
    // Shut down whatever happened, so a failed check leaves nothing running. Blocking calls
    // from this thread, outside the runtime's context: allowed for every owner.
    let _ = service.shutdown();
    drop(service);
    drop(runtime);
    outcome
}

/// What the clients left when they stopped (each `None` if it panicked) and the window.
type Ran<S> = (Vec<Option<Client<S>>>, Window);

/// A repetition's clients, about to start: their plans, how each is made, and the phase they
/// follow.
struct Clients<'c, S: Subject, F> {
    cell: &'c Cell<'c>,
    plans: Vec<PlanOf<S>>,
    new_client: F,
    control: &'c Arc<Control>,
}

impl<'c, S: Subject, F: FnMut(PlanOf<S>) -> Client<S>> Clients<'c, S, F> {
    /// The window's close: an open loop's is its schedule's, so it closes on time.
    fn cover(&self) -> Option<Duration> {
        self.cell.cover.filter(|_| !self.cell.workload.open_loop())
    }

    /// One OS thread per client, blocking calls; pinned if the cell says so, with their CPU
    /// clocks and thread states read where roles compete.
    fn on_threads<I: Service<S>>(self, service: &I) -> Ran<S> {
        let cover = self.cover();
        let Clients {
            cell,
            plans,
            mut new_client,
            control,
        } = self;
        let (workload, open, think) = (
            cell.workload,
            cell.workload.open_loop(),
            cell.workload.think(),
        );
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
        thread::scope(|scope| {
            let handles: Vec<_> = plans
                .into_iter()
                .enumerate()
                .map(|(i, plan)| {
                    let (service, control, client) =
                        (service.clone(), &**control, new_client(plan));
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
                        // Published before the client counts itself begun (Release there,
                        // Acquire in the coordinator), so the window's first reading sees it.
                        if let (Some(slot), Some(clock)) = (slot, crate::os::thread_cpu_clock()) {
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
                control,
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
        })
    }

    /// One tokio task per client on `runtime`, async calls; an open loop's are woken by a
    /// pacer thread on `schedules`.
    fn on_tasks<I: Service<S>>(
        self,
        service: &I,
        runtime: &tokio::runtime::Runtime,
        schedules: &[Schedule],
    ) -> Ran<S> {
        let cover = self.cover();
        let Clients {
            cell,
            plans,
            mut new_client,
            control,
        } = self;
        let (open, think) = (cell.workload.open_loop(), cell.workload.think());
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
                let (bells, control) = (&bells, &**control);
                thread::Builder::new()
                    .name("statebench-pacer".into())
                    .spawn_scoped(scope, move || pace(schedules, bells, control))
            });
            if let Some(Err(e)) = &pacer {
                control.fail(format!("cannot start the open loop's pacer thread: {e}"));
                bells.iter().for_each(|b| b.notify_one());
            }
            coordinate(
                control,
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
        (clients, window)
    }
}

/// The repetition's figures from what its clients left, and the end-of-run checks on them.
fn ended<S: Subject, I: Service<S>>(
    service: &I,
    (clients, window): Ran<S>,
    control: &Control,
    cell: &Cell<'_>,
    started: Instant,
) -> Result<Repetition, RunError> {
    let workload = cell.workload;
    let by_role = cpu_by_role(workload, cell.clients, window.client_cpu_ns.as_deref());
    let parked_by_role = states_by_role(workload, cell.clients, &window.client_states);
    summarize::<S, I>(clients, &window, control).and_then(|(mut repetition, clients, tally)| {
        repetition.cpu_ns_by_role = by_role;
        repetition.parked_by_role = parked_by_role;
        repetition.absent_by_role = absent_by_role(workload, &clients);
        verify_run::<S, I>(service, repetition, &clients, &tally, cell, started)
    })
}

/// The end-of-run checks ([`crate::verify`]), then the final state's figures.
pub(super) fn verify_run<S: Subject, I: Service<S>>(
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
pub(super) type Summarized<S> = (Repetition, Vec<Client<S>>, <S as Subject>::Tally);

/// The repetition's figures, the clients (for the end-of-run checks) and their merged tally.
pub(super) fn summarize<S: Subject, I: Service<S>>(
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
pub(super) fn open_loop_of<S: Subject>(
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
