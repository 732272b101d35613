//! The *floors*: what the primitives every strategy is built from cost on this machine, now,
//! each measured where its name says — threads pinned to named cores, the other core idle or
//! kept busy — in several trials, at the start of a run and again at its end.
//!
//! Why the placement matters: on a virtual machine an idle virtual CPU halts, and waking a
//! thread on it goes through the hypervisor. On the 2-core VMs of this project that has cost
//! tens of microseconds each way, against about a microsecond when the other core is busy and a
//! few for a switch on one core — a spread of an order of magnitude that an unpinned
//! measurement lands anywhere in (each run's report has its own figures). An OS-thread owner
//! called from one thread pays exactly this wake, so the report quotes all three placements.
//!
//! Why start and end: a shared machine can change under a run (a neighbour arrives, the host
//! migrates the VM). A floor whose trials at the end differ from those at the start by more
//! than [`MOVED`] (beyond their spread) marks the run as disturbed.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::stats::{RatioInterval, Verdict, Welch};

/// Trials of every floor.
pub const TRIALS: usize = 5;

/// How far a floor may move between the start and the end of a run before the run is called
/// disturbed: the whole 99 % interval of the end/start ratio beyond ±25 %. Floors are noisier
/// than the cells (a wake through the hypervisor varies by tens of percent), so the bar is
/// higher than the guide's 10 %.
pub const MOVED: f64 = 0.25;

/// One floor: every trial, in nanoseconds, and their median and range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Floor {
    /// Median of the trials.
    pub median: f64,
    /// Fastest trial.
    pub min: f64,
    /// Slowest trial.
    pub max: f64,
    /// Every trial, in the order measured.
    pub trials: Vec<f64>,
}

impl Floor {
    /// The floor of `trials` (at least one).
    pub fn of(trials: Vec<f64>) -> Floor {
        let mut sorted = trials.clone();
        sorted.sort_by(f64::total_cmp);
        Floor {
            median: sorted[sorted.len() / 2],
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            trials,
        }
    }

    fn measure(mut trial: impl FnMut() -> f64) -> Floor {
        Floor::of((0..TRIALS).map(|_| trial()).collect())
    }

    fn try_measure(mut trial: impl FnMut() -> Option<f64>) -> Option<Floor> {
        let trials: Option<Vec<f64>> = (0..TRIALS).map(|_| trial()).collect();
        trials.map(Floor::of)
    }
}

/// The floors of one moment of a run. Those that need two cores, or pinning, are `None` where
/// the machine has one core or refuses to pin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Floors {
    /// Round trip of a cache line between threads pinned to cores 0 and 1, both spinning.
    pub cache_line_round_trip_ns: Option<Floor>,
    /// Park/unpark round trip between threads pinned to cores 0 and 1, nothing else running:
    /// each wake lands on an idle (halted) core. What a blocking call to an idle OS-thread
    /// owner pays on a quiet machine.
    pub wake_cross_core_idle_ns: Option<Floor>,
    /// The same, with a lowest-priority (`SCHED_IDLE`) spinner on each core, so neither ever
    /// halts and a woken thread takes its core at once.
    pub wake_cross_core_busy_ns: Option<Floor>,
    /// The same round trip with both threads pinned to core 0: two context switches.
    pub wake_same_core_ns: Option<Floor>,
    /// A tokio `mpsc` request carrying a `oneshot` reply to an owner task and back, both
    /// tasks on one current-thread runtime pinned to core 0: the channels alone.
    pub tokio_same_worker_ns: Floor,
    /// The same on a two-worker multi-thread runtime (workers pinned to cores 0 and 1), like
    /// the tasks driver's: where the scheduler puts the two tasks is its choice.
    pub tokio_two_workers_ns: Floor,
    /// Lock and unlock of an uncontended `std::sync::Mutex`, on core 0.
    pub mutex_uncontended_ns: Floor,
    /// How long `std::thread::sleep(1 ms)` really sleeps.
    pub thread_sleep_1ms_ns: Floor,
    /// How long `tokio::time::sleep(1 ms)` really sleeps.
    pub tokio_sleep_1ms_ns: Floor,
    /// How long Go's `time.Sleep(1 ms)` really sleeps (the mean of ten in a Go contender
    /// process), when the run had Go: the floor under the Go rows of the reference program.
    /// [`Floors::measure`] leaves it empty; the `statebench` binary measures it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_sleep_1ms_ns: Option<Floor>,
    /// One round of the critical-section work chain ([`statebench_core::Work`]), on core 0:
    /// what the workloads' `work_ns` is calibrated from ([`crate::work`]). Absent from runs
    /// made before it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_round_ns: Option<Floor>,
    /// Round trip of one byte over a loopback TCP connection (Nagle off) between a client
    /// thread pinned to core 0 and an echo thread pinned to core 1, each blocking in `read`:
    /// the socket and the two wakes a call to another process on this machine pays with nothing
    /// else to do — the floor under the Redis rows from one client. Absent from runs made
    /// before it was measured, and where pinning is refused or there is one core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_loopback_ns: Option<Floor>,
}

impl Floors {
    /// Measures every floor, about a second in all. Fails only if a tokio runtime cannot start
    /// — and then the tasks driver could not run either.
    pub fn measure() -> Result<Floors, String> {
        let two_cores = thread::available_parallelism().map_or(1, |n| n.get()) >= 2;
        let cross = |busy: bool| {
            two_cores
                .then(|| Floor::try_measure(|| wake_round_trip(0, 1, busy, 500)))
                .flatten()
        };
        Ok(Floors {
            cache_line_round_trip_ns: two_cores
                .then(|| Floor::try_measure(|| cache_line_round_trip(20_000, 0.5)))
                .flatten(),
            wake_cross_core_idle_ns: cross(false),
            wake_cross_core_busy_ns: cross(true),
            wake_same_core_ns: Floor::try_measure(|| wake_round_trip(0, 0, false, 1000)),
            tokio_same_worker_ns: try_floor(|| tokio_round_trip(Workers::One, 20_000))?,
            tokio_two_workers_ns: try_floor(|| tokio_round_trip(Workers::Two, 20_000))?,
            mutex_uncontended_ns: Floor::measure(|| mutex_uncontended(1_000_000)),
            thread_sleep_1ms_ns: Floor::measure(|| thread_sleep_1ms(10)),
            tokio_sleep_1ms_ns: try_floor(|| tokio_sleep_1ms(10))?,
            go_sleep_1ms_ns: None,
            work_round_ns: Floor::try_measure(|| on_core(0, round_trial)),
            tcp_loopback_ns: two_cores
                .then(|| Floor::try_measure(|| tcp_loopback_round_trip(0, 1, 500)))
                .flatten(),
        })
    }

    /// Made-up floors of plausible size (each five trials within ±2 %), for tests of code
    /// that reads results: not a measurement.
    #[doc(hidden)]
    pub fn fixture() -> Floors {
        let floor = |ns: f64| Floor::of(vec![ns, ns * 1.02, ns * 0.98, ns * 1.01, ns * 0.99]);
        Floors {
            cache_line_round_trip_ns: Some(floor(74.0)),
            wake_cross_core_idle_ns: Some(floor(40_000.0)),
            wake_cross_core_busy_ns: Some(floor(2_000.0)),
            wake_same_core_ns: Some(floor(5_000.0)),
            tokio_same_worker_ns: floor(300.0),
            tokio_two_workers_ns: floor(500.0),
            mutex_uncontended_ns: floor(10.0),
            thread_sleep_1ms_ns: floor(1_080_000.0),
            tokio_sleep_1ms_ns: floor(2_120_000.0),
            go_sleep_1ms_ns: None,
            // Binary fractions: a nanosecond's fraction must survive the JSON round trip.
            work_round_ns: Some(Floor::of(vec![
                1.25, 1.265625, 1.234375, 1.2578125, 1.2421875,
            ])),
            tcp_loopback_ns: Some(floor(60_000.0)),
        }
    }

    /// Every floor with a name for people, in the order the report lists them.
    pub fn named(&self) -> Vec<(&'static str, Option<&Floor>)> {
        vec![
            (
                "cache-line round trip, cores 0 ↔ 1, spinning",
                self.cache_line_round_trip_ns.as_ref(),
            ),
            (
                "thread wake round trip, cores 0 ↔ 1, other core idle",
                self.wake_cross_core_idle_ns.as_ref(),
            ),
            (
                "thread wake round trip, cores 0 ↔ 1, other core busy",
                self.wake_cross_core_busy_ns.as_ref(),
            ),
            (
                "thread wake round trip, both on core 0",
                self.wake_same_core_ns.as_ref(),
            ),
            (
                "tokio mpsc + oneshot round trip, one worker",
                Some(&self.tokio_same_worker_ns),
            ),
            (
                "tokio mpsc + oneshot round trip, two workers",
                Some(&self.tokio_two_workers_ns),
            ),
            (
                "uncontended std Mutex lock + unlock",
                Some(&self.mutex_uncontended_ns),
            ),
            (
                "`std::thread::sleep(1 ms)` really takes",
                Some(&self.thread_sleep_1ms_ns),
            ),
            (
                "`tokio::time::sleep(1 ms)` really takes",
                Some(&self.tokio_sleep_1ms_ns),
            ),
            (
                "Go's `time.Sleep(1 ms)` really takes",
                self.go_sleep_1ms_ns.as_ref(),
            ),
            (
                "one round of the critical-section work, core 0",
                self.work_round_ns.as_ref(),
            ),
            (
                "loopback TCP round trip, cores 0 ↔ 1, both blocking",
                self.tcp_loopback_ns.as_ref(),
            ),
        ]
    }

    /// The floors that moved from `before` to `self`: those whose ratio `self / before` has a
    /// 99 % interval wholly beyond ±[`MOVED`] — each with its name, both floors and the interval.
    pub fn moved_from<'a>(
        &'a self,
        before: &'a Floors,
    ) -> Vec<(&'static str, &'a Floor, &'a Floor, RatioInterval)> {
        self.changes_from(before)
            .into_iter()
            .filter_map(|(name, b, a, interval)| {
                let i = interval?;
                matches!(i.verdict(MOVED), Verdict::Faster | Verdict::Slower)
                    .then_some((name, b, a, i))
            })
            .collect()
    }

    /// Every floor measured on both sides, with the 99 % interval of `self / before` (`None`
    /// when the trials give none).
    fn changes_from<'a>(
        &'a self,
        before: &'a Floors,
    ) -> Vec<(&'static str, &'a Floor, &'a Floor, Option<RatioInterval>)> {
        before
            .named()
            .into_iter()
            .zip(self.named())
            .filter_map(|((name, before), (_, after))| {
                let (before, after) = (before?, after?);
                let interval = Welch::of(&after.trials, &before.trials).map(|w| w.interval(0.99));
                Some((name, before, after, interval))
            })
            .collect()
    }

    /// What the floors say of the machine between `start` and `self` (the end of a run). It
    /// fails closed: the machine *held still* only when every floor's 99 % interval lies
    /// within ±[`MOVED`]; it *moved* when some floor's lies wholly beyond; otherwise the trials
    /// *cannot tell*, and the floors whose intervals straddle the line are named, with their
    /// figures — five trials of a noisy floor are not evidence of a steady machine.
    pub fn steadiness_since(&self, start: &Floors) -> Steadiness {
        let moved = self.moved_since(start);
        if !moved.is_empty() {
            return Steadiness::Moved(moved);
        }
        let unsettled: Vec<String> = self
            .changes_from(start)
            .into_iter()
            .filter_map(|(name, before, after, interval)| match interval {
                Some(i) if i.verdict(MOVED) == Verdict::Same => None,
                Some(i) => Some(format!(
                    "{name}: median {:.0} ns at the start, {:.0} ns at the end (×{:.2}, 99 % CI \
                     {:.2}–{:.2})",
                    before.median, after.median, i.ratio, i.low, i.high
                )),
                None => Some(format!(
                    "{name}: median {:.0} ns at the start, {:.0} ns at the end (no interval)",
                    before.median, after.median
                )),
            })
            .collect();
        if unsettled.is_empty() {
            Steadiness::HeldStill
        } else {
            Steadiness::CannotTell(unsettled)
        }
    }

    /// The floors that moved from `start` to `self` (the end of a run), each as a sentence
    /// (see [`Floors::moved_from`]).
    pub fn moved_since(&self, start: &Floors) -> Vec<String> {
        self.moved_from(start)
            .into_iter()
            .map(|(name, before, after, interval)| {
                format!(
                    "{name}: median {:.0} ns at the start, {:.0} ns at the end (×{:.2}, 99 % CI {:.2}–{:.2})",
                    before.median, after.median, interval.ratio, interval.low, interval.high
                )
            })
            .collect()
    }
}

/// What a run's floors at its start and end say of the machine ([`Floors::steadiness_since`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Steadiness {
    /// Every floor's change lies within ±[`MOVED`].
    HeldStill,
    /// These floors moved by more than ±[`MOVED`] (one sentence each): the run was disturbed.
    Moved(Vec<String>),
    /// No floor is shown to have moved, but these could not be shown to have held still.
    CannotTell(Vec<String>),
}

fn try_floor(mut trial: impl FnMut() -> Result<f64, String>) -> Result<Floor, String> {
    let trials: Result<Vec<f64>, String> = (0..TRIALS).map(|_| trial()).collect();
    trials.map(Floor::of)
}

/// Runs `f` on a new thread pinned to `core`; `None` if pinning was refused or `f` panicked.
fn on_core<T: Send + 'static>(core: usize, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    thread::spawn(move || crate::os::pin_to_core(core).then(f))
        .join()
        .ok()
        .flatten()
}

/// Rounds of [`probe_round_trip`]: about 0.1 ms when the two cores share a cache, 0.5 ms when
/// a line crosses between distant dies.
const PROBE_ROUNDS: u64 = 1_000;

/// The cross-core cache-line round trip now, in nanoseconds, from a short bounce between
/// cores 0 and 1 (the floor `cache_line_round_trip_ns` with fewer rounds, and its fastest batch
/// rather than its median: a far placement slows every batch, while other processes' threads
/// only ever add time, to some batches or, on a machine busy enough, to most): the runner takes one
/// before and after every trial, because a virtual machine's two cores do not stay put: on an AMD EPYC
/// host the round trip has jumped several-fold for seconds at a time, and the rows
/// whose clients share a cache line changed speed with it ([`crate::placement`]). `None` on one core,
/// or when pinning was refused.
pub fn probe_round_trip() -> Option<f64> {
    let two_cores = thread::available_parallelism().map_or(1, |n| n.get()) >= 2;
    two_cores
        .then(|| cache_line_round_trip(PROBE_ROUNDS, 0.0))
        .flatten()
}

/// Rounds timed together by [`cache_line_round_trip`], whose figure is a quantile of the
/// batches (the floor's the median, the probe's the fastest).
const BATCH: u64 = 50;

/// Two threads pinned to cores 0 and 1 bounce a counter, each spinning until its turn; the
/// round trip is the `quantile` of the per-round times of batches of [`BATCH`] rounds. (A mean
/// over all rounds took a preemption of either thread into the figure: a trial is far shorter
/// than a time slice, so one slice lost to another process multiplied it, and a loaded
/// machine's trials looked as if they had run with the cores far apart. A far placement slows
/// every round, so every batch still sees it.)
fn cache_line_round_trip(rounds: u64, quantile: f64) -> Option<f64> {
    let turn = Arc::new(AtomicU64::new(0));
    let gave_up = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(2);
    // Spin, but never forever: if a partner never answers (say it was not scheduled), give up.
    let wait_for = move |turn: &AtomicU64, gave_up: &AtomicBool, value: u64| -> bool {
        let mut spins = 0u32;
        while turn.load(Ordering::Acquire) != value {
            if gave_up.load(Ordering::Relaxed) {
                return false;
            }
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(4096) && Instant::now() > deadline {
                gave_up.store(true, Ordering::Relaxed);
                return false;
            }
            std::hint::spin_loop();
        }
        true
    };
    let partner = {
        let (turn, gave_up) = (turn.clone(), gave_up.clone());
        thread::spawn(move || {
            if !crate::os::pin_to_core(1) {
                gave_up.store(true, Ordering::Relaxed);
                return;
            }
            for i in 0..rounds {
                if !wait_for(&turn, &gave_up, 2 * i + 1) {
                    return;
                }
                turn.store(2 * i + 2, Ordering::Release);
            }
        })
    };
    let ns = {
        let (turn, gave_up2) = (turn.clone(), gave_up.clone());
        on_core(0, move || {
            let mut batches = Vec::with_capacity((rounds / BATCH) as usize + 1);
            let mut start = Instant::now();
            for i in 0..rounds {
                turn.store(2 * i + 1, Ordering::Release);
                if !wait_for(&turn, &gave_up2, 2 * i + 2) {
                    return None;
                }
                if (i + 1) % BATCH == 0 || i + 1 == rounds {
                    let now = Instant::now();
                    let done = (i % BATCH + 1) as f64;
                    batches.push((now - start).as_nanos() as f64 / done);
                    start = now;
                }
            }
            batches.sort_by(f64::total_cmp);
            Some(batches[((batches.len() - 1) as f64 * quantile).round() as usize])
        })
        .flatten()
    };
    if ns.is_none() {
        gave_up.store(true, Ordering::Relaxed);
    }
    let _ = partner.join();
    ns
}

/// Keeps `core` busy at the lowest priority until dropped, so that it never halts and any
/// thread woken there runs at once.
struct Spinner {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Spinner {
    fn on(core: usize) -> Spinner {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = thread::spawn({
            let stop = stop.clone();
            move || {
                if !crate::os::pin_to_core(core) {
                    return;
                }
                // Without SCHED_IDLE the spinner would compete with the woken thread for a
                // time slice; with it, a woken thread preempts it at once. Where the policy
                // is refused, yielding often keeps the wait short.
                let idle = crate::os::lowest_priority();
                let mut x = 1u64;
                while !stop.load(Ordering::Relaxed) {
                    // Plain arithmetic, not `spin_loop()`: a virtual CPU that executes PAUSE
                    // in a loop is taken for a lock spinner and descheduled by the hypervisor
                    // (pause-loop exiting), which is exactly the halt this spinner prevents.
                    for _ in 0..64 {
                        x = black_box(x.wrapping_mul(31).wrapping_add(7));
                    }
                    if !idle {
                        thread::yield_now();
                    }
                }
            }
        });
        Spinner {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A client thread pinned to `a` sends one byte over loopback TCP to an echo thread pinned to
/// `b` and blocks reading the echo, `rounds` times after a short warm-up; nanoseconds per round
/// trip. `None` if pinning is refused or the socket fails; every read and write is bounded
/// (2 s), and the echo thread ends when the client's connection closes.
fn tcp_loopback_round_trip(a: usize, b: usize, rounds: u64) -> Option<f64> {
    use std::io::{Read, Write};
    use std::net::{Ipv4Addr, TcpListener, TcpStream};
    const WARM_UP: u64 = 50;
    let bound = Some(Duration::from_secs(2));
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).ok()?;
    let addr = listener.local_addr().ok()?;
    let echo = thread::spawn(move || -> Option<()> {
        if !crate::os::pin_to_core(b) {
            return None;
        }
        let (mut peer, _) = listener.accept().ok()?;
        peer.set_nodelay(true).ok()?;
        peer.set_read_timeout(bound).ok()?;
        peer.set_write_timeout(bound).ok()?;
        let mut byte = [0u8; 1];
        // Until the client closes (a read of 0 bytes) or a read or write fails.
        while peer.read(&mut byte).ok()? == 1 {
            peer.write_all(&byte).ok()?;
        }
        Some(())
    });
    let ns = on_core(a, move || -> Option<f64> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
        stream.set_nodelay(true).ok()?;
        stream.set_read_timeout(bound).ok()?;
        stream.set_write_timeout(bound).ok()?;
        let mut byte = [7u8; 1];
        let mut round = |stream: &mut TcpStream| -> Option<()> {
            stream.write_all(&byte).ok()?;
            stream.read_exact(&mut byte).ok()
        };
        for _ in 0..WARM_UP {
            round(&mut stream)?;
        }
        let start = Instant::now();
        for _ in 0..rounds {
            round(&mut stream)?;
        }
        Some(start.elapsed().as_nanos() as f64 / rounds as f64)
    })
    .flatten();
    // The client's stream is closed by now (or was never opened): the echo thread ends, at
    // the latest when its accept or read gives up.
    if ns.is_none() {
        let _ = TcpStream::connect_timeout(&addr, Duration::from_millis(100));
    }
    let echoed = echo.join().ok().flatten();
    ns.filter(|_| echoed.is_some())
}

/// Two threads, pinned to `a` and `b`, hand a token back and forth, each parking until woken;
/// with `busy`, spinners keep both cores from halting (each wake of a round trip lands on one
/// of them). Nanoseconds per round trip.
fn wake_round_trip(a: usize, b: usize, busy: bool, rounds: u64) -> Option<f64> {
    let _spinners = busy.then(|| [Spinner::on(a), Spinner::on(b)]);
    let turn = Arc::new(AtomicU64::new(0));
    let caller_thread: Arc<Mutex<Option<thread::Thread>>> = Arc::new(Mutex::new(None));
    let ready = Arc::new(AtomicBool::new(false));
    let partner = {
        let (turn, caller_thread, ready) = (turn.clone(), caller_thread.clone(), ready.clone());
        thread::spawn(move || {
            let pinned = crate::os::pin_to_core(b);
            ready.store(true, Ordering::Release);
            if !pinned {
                return false;
            }
            let caller = loop {
                if let Some(t) = caller_thread
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone()
                {
                    break t;
                }
                thread::yield_now();
            };
            for i in 0..rounds {
                while turn.load(Ordering::Acquire) != 2 * i + 1 {
                    thread::park_timeout(Duration::from_millis(100));
                    if turn.load(Ordering::Acquire) == u64::MAX {
                        return true;
                    }
                }
                turn.store(2 * i + 2, Ordering::Release);
                caller.unpark();
            }
            true
        })
    };
    while !ready.load(Ordering::Acquire) {
        thread::yield_now();
    }
    let partner_thread = partner.thread().clone();
    let ns = {
        let (turn, caller_thread) = (turn.clone(), caller_thread.clone());
        on_core(a, move || {
            *caller_thread.lock().unwrap_or_else(|p| p.into_inner()) = Some(thread::current());
            let start = Instant::now();
            for i in 0..rounds {
                turn.store(2 * i + 1, Ordering::Release);
                partner_thread.unpark();
                let deadline = Instant::now() + Duration::from_secs(2);
                while turn.load(Ordering::Acquire) != 2 * i + 2 {
                    if Instant::now() > deadline {
                        return None;
                    }
                    thread::park_timeout(Duration::from_millis(100));
                }
            }
            Some(start.elapsed().as_nanos() as f64 / rounds as f64)
        })
        .flatten()
    };
    // However the caller ended, release the partner.
    turn.store(u64::MAX, Ordering::Release);
    partner.thread().unpark();
    let partner_pinned = partner.join().unwrap_or(false);
    ns.filter(|_| partner_pinned)
}

/// Where the tokio floor's two tasks run.
#[derive(Clone, Copy, Debug)]
enum Workers {
    /// A current-thread runtime on a thread pinned to core 0.
    One,
    /// A multi-thread runtime with two workers, pinned to cores 0 and 1.
    Two,
}

fn runtime(workers: Workers) -> Result<tokio::runtime::Runtime, String> {
    let built = match workers {
        Workers::One => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Workers::Two => {
            let next = Arc::new(AtomicUsize::new(0));
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .on_thread_start(move || {
                    let core = next.fetch_add(1, Ordering::Relaxed) % 2;
                    crate::os::pin_to_core(core);
                })
                .enable_all()
                .build()
        }
    };
    built.map_err(|e| format!("cannot start a tokio runtime to measure the floors: {e}"))
}

/// A client task sends `rounds` requests to an owner task, each with a oneshot reply.
fn tokio_round_trip(workers: Workers, rounds: u32) -> Result<f64, String> {
    let measure = move || {
        runtime(workers)?.block_on(async {
            let (request_tx, mut request_rx) =
                tokio::sync::mpsc::channel::<tokio::sync::oneshot::Sender<u64>>(64);
            let owner = tokio::spawn(async move {
                let mut n = 0;
                while let Some(reply_tx) = request_rx.recv().await {
                    n += 1;
                    let _ = reply_tx.send(n);
                }
            });
            let client = tokio::spawn(async move {
                let start = Instant::now();
                for _ in 0..rounds {
                    let (reply_tx, reply_rx) = tokio::sync::oneshot::channel();
                    if request_tx.send(reply_tx).await.is_err() || reply_rx.await.is_err() {
                        return Err("the floor's owner task stopped".to_owned());
                    }
                }
                Ok(start.elapsed().as_nanos() as f64 / f64::from(rounds))
            });
            let ns = client
                .await
                .map_err(|e| format!("the floor's client task failed: {e}"))?;
            let _ = owner.await;
            ns
        })
    };
    match workers {
        // The current-thread runtime runs on the thread that blocks on it: pin that one.
        Workers::One => on_core(0, measure)
            .unwrap_or_else(|| Err("cannot pin a thread to measure the floors".into())),
        Workers::Two => measure(),
    }
}

fn mutex_uncontended(rounds: u32) -> f64 {
    let run = move || {
        let mutex = Mutex::new(0u64);
        let start = Instant::now();
        for _ in 0..rounds {
            let mut guard = black_box(&mutex).lock().unwrap_or_else(|p| p.into_inner());
            *guard += 1;
        }
        start.elapsed().as_nanos() as f64 / f64::from(rounds)
    };
    // Unpinned where pinning is refused: the figure is the same on any core.
    on_core(0, run).unwrap_or_else(run)
}

/// The mean of `n` sleeps of 1 ms on an OS thread, in nanoseconds.
fn thread_sleep_1ms(n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        thread::sleep(Duration::from_millis(1));
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

/// The mean of `n` sleeps of 1 ms on a tokio task (multi-thread runtime), in nanoseconds.
fn tokio_sleep_1ms(n: u32) -> Result<f64, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime to measure the floors: {e}"))?;
    Ok(runtime.block_on(async {
        let start = Instant::now();
        for _ in 0..n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        start.elapsed().as_nanos() as f64 / f64::from(n)
    }))
}

/// Rounds timed in one trial of the round floor: long enough (some hundreds of microseconds)
/// that the clock's own cost is lost in it, short enough not to span a scheduler tick often.
pub const ROUNDS_PER_TRIAL: u32 = 200_000;

/// One trial of the round floor: nanoseconds per round of the chain, over
/// [`ROUNDS_PER_TRIAL`] rounds.
pub fn round_trial() -> f64 {
    let work = statebench_core::Work::rounds(ROUNDS_PER_TRIAL);
    work.spend(); // warm: the code and the frequency
    let started = Instant::now();
    work.spend();
    started.elapsed().as_nanos() as f64 / f64::from(ROUNDS_PER_TRIAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_measure_something_plausible_wherever_they_can() {
        // Not a speed test: only that each floor measures something, and sleeps last their time.
        assert!(wake_round_trip(0, 0, false, 20).is_some_and(|ns| ns > 0.0));
        if thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
            assert!(wake_round_trip(0, 1, false, 20).is_some_and(|ns| ns > 0.0));
            assert!(wake_round_trip(0, 1, true, 20).is_some_and(|ns| ns > 0.0));
            assert!(cache_line_round_trip(1000, 0.5).is_some_and(|ns| ns > 0.0));
            assert!(tcp_loopback_round_trip(0, 1, 20).is_some_and(|ns| ns > 0.0));
        }
        for workers in [Workers::One, Workers::Two] {
            assert!(tokio_round_trip(workers, 200).expect("a runtime starts") > 0.0);
        }
        assert!(mutex_uncontended(1000) > 0.0);
        assert!(thread_sleep_1ms(2) >= 1e6);
        assert!(tokio_sleep_1ms(2).expect("a runtime starts") >= 1e6);
    }

    #[test]
    fn a_floor_that_moved_is_named_and_one_that_did_not_is_not() {
        let floor = |ns: f64| Floor::of(vec![ns, ns * 1.02, ns * 0.98, ns * 1.01, ns * 0.99]);
        let start = Floors::fixture();
        assert!(start.moved_since(&start).is_empty());
        let mut end = start.clone();
        end.wake_cross_core_idle_ns = Some(floor(2_500.0));
        end.mutex_uncontended_ns = floor(10.5);
        let moved = end.moved_since(&start);
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert!(
            moved[0].starts_with("thread wake round trip, cores 0 ↔ 1, other core idle"),
            "{moved:?}"
        );
        assert!(matches!(end.steadiness_since(&start), Steadiness::Moved(m) if m.len() == 1));
    }

    #[test]
    fn held_still_only_when_every_interval_says_so() {
        let start = Floors::fixture();
        // The same trials: every interval is a point at 1.
        assert_eq!(start.steadiness_since(&start), Steadiness::HeldStill);
        // 76 → 34 ns in five trials that spread from a third to three times: the median fell
        // by more than half, but the trials cannot tell it from noise, nor from a steady
        // machine. Before, "no floor moved" read as "held still" here.
        let mut end = start.clone();
        end.cache_line_round_trip_ns = Some(Floor::of(vec![34.0, 12.0, 100.0, 30.0, 60.0]));
        let mut noisy = start.clone();
        noisy.cache_line_round_trip_ns = Some(Floor::of(vec![76.0, 25.0, 220.0, 70.0, 130.0]));
        assert!(
            end.moved_since(&noisy).is_empty(),
            "not shown to have moved"
        );
        match end.steadiness_since(&noisy) {
            Steadiness::CannotTell(floors) => {
                assert_eq!(floors.len(), 1, "{floors:?}");
                assert!(floors[0].starts_with("cache-line round trip"), "{floors:?}");
            }
            other => panic!("five scattered trials held still? {other:?}"),
        }
    }
}
