//! How each floor is measured: threads pinned to named cores bouncing a cache line, waking
//! each other, crossing TCP loopback; tokio tasks passing a oneshot; an uncontended mutex;
//! sleeps; and the round of critical-section work. Each function is one trial.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Runs `f` on a new thread pinned to `core`; `None` if pinning was refused or `f` panicked.
pub(super) fn on_core<T: Send + 'static>(
    core: usize,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
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
pub(super) fn cache_line_round_trip(rounds: u64, quantile: f64) -> Option<f64> {
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
pub(super) fn tcp_loopback_round_trip(a: usize, b: usize, rounds: u64) -> Option<f64> {
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
pub(super) fn wake_round_trip(a: usize, b: usize, busy: bool, rounds: u64) -> Option<f64> {
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
pub(super) enum Workers {
    /// A current-thread runtime on a thread pinned to core 0.
    One,
    /// A multi-thread runtime with two workers, pinned to cores 0 and 1.
    Two,
}

pub(super) fn runtime(workers: Workers) -> Result<tokio::runtime::Runtime, String> {
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
pub(super) fn tokio_round_trip(workers: Workers, rounds: u32) -> Result<f64, String> {
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

pub(super) fn mutex_uncontended(rounds: u32) -> f64 {
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
pub(super) fn thread_sleep_1ms(n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        thread::sleep(Duration::from_millis(1));
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

/// The mean of `n` sleeps of 1 ms on a tokio task (multi-thread runtime), in nanoseconds.
pub(super) fn tokio_sleep_1ms(n: u32) -> Result<f64, String> {
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
}
