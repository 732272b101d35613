//! The machine fingerprint recorded with every result, and the *floors* measured at the start
//! of a run: the costs of the primitives every strategy is built from, on this machine, now.
//! They explain results across machines — on some virtual machines waking a thread on another
//! core costs tens of microseconds, which dominates an OS-thread owner.

use std::hint::black_box;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// What machine and build produced a result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Host name.
    pub hostname: String,
    /// CPU model, from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// Cores available to the process.
    pub cores: usize,
    /// Operating system.
    pub os: String,
    /// Kernel release.
    pub kernel: String,
    /// `rustc -V` of the compiler that built statebench.
    pub rustc: String,
    /// The git commit of the source (with `-dirty` if it had uncommitted changes), or
    /// `unknown` outside a checkout.
    pub commit: String,
    /// `release` or `debug`.
    pub profile: String,
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

fn git(args: &[&str]) -> Option<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

impl Machine {
    /// Reads the fingerprint of this machine and build.
    pub fn detect() -> Machine {
        let cpu_model = read("/proc/cpuinfo")
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
        let os = read("/etc/os-release")
            .and_then(|r| {
                r.lines()
                    .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                    .map(|v| v.trim_matches('"').to_owned())
            })
            .unwrap_or_else(|| std::env::consts::OS.to_owned());
        let commit = match (
            git(&["rev-parse", "HEAD"]),
            git(&["status", "--porcelain", "--untracked-files=no"]),
        ) {
            (Some(head), Some(status)) if !status.is_empty() => format!("{head}-dirty"),
            (Some(head), _) => head,
            (None, _) => "unknown".into(),
        };
        Machine {
            hostname: read("/proc/sys/kernel/hostname").unwrap_or_else(|| "unknown".into()),
            cpu_model,
            cores: thread::available_parallelism().map_or(1, |n| n.get()),
            os,
            kernel: read("/proc/sys/kernel/osrelease").unwrap_or_else(|| "unknown".into()),
            rustc: env!("STATEBENCH_RUSTC_VERSION").to_owned(),
            commit,
            profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .into(),
        }
    }
}

/// Pins the calling thread (and the threads it starts afterwards, which inherit it) to `core`;
/// `false` if the OS refused.
pub fn pin_current_thread(core: usize) -> bool {
    crate::os::pin_to_core(core)
}

/// The floors: medians of a few trials each, in nanoseconds unless the name says otherwise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Floors {
    /// Round trip of a cache line between two threads pinned to cores 0 and 1, spinning
    /// (`None` on one core, or where pinning is refused).
    pub cross_core_ping_pong_ns: Option<f64>,
    /// Round trip between two threads that sleep (park) and wake (unpark) each other: what a
    /// blocking call to an idle OS-thread owner pays twice.
    pub thread_wake_round_trip_ns: f64,
    /// A tokio `mpsc` request carrying a `oneshot` reply, to an owner task and back, on a
    /// multi-thread runtime.
    pub tokio_round_trip_ns: f64,
    /// Lock and unlock of an uncontended `std::sync::Mutex`.
    pub mutex_uncontended_ns: f64,
    /// How long `std::thread::sleep(1 ms)` really sleeps, in microseconds.
    pub thread_sleep_1ms_us: f64,
    /// How long `tokio::time::sleep(1 ms)` really sleeps, in microseconds.
    pub tokio_sleep_1ms_us: f64,
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Runs `trial` `n` times and returns the median.
fn median_of(n: usize, mut trial: impl FnMut() -> f64) -> f64 {
    median((0..n).map(|_| trial()).collect())
}

impl Floors {
    /// Measures every floor (about a second). Fails only if a tokio runtime cannot start —
    /// and then the tasks driver could not run either.
    pub fn measure() -> Result<Floors, String> {
        let tokio_trials: Result<Vec<f64>, String> =
            (0..3).map(|_| tokio_round_trip(20_000)).collect();
        Ok(Floors {
            cross_core_ping_pong_ns: cross_core_ping_pong(),
            thread_wake_round_trip_ns: median_of(3, || thread_wake_round_trip(500)),
            tokio_round_trip_ns: median(tokio_trials?),
            mutex_uncontended_ns: median_of(3, || mutex_uncontended(1_000_000)),
            thread_sleep_1ms_us: thread_sleep_1ms(20),
            tokio_sleep_1ms_us: tokio_sleep_1ms(20)?,
        })
    }
}

/// Two threads pinned to cores 0 and 1 bounce a counter: each waits for its turn, spinning.
fn cross_core_ping_pong() -> Option<f64> {
    if thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return None;
    }
    const ROUNDS: u64 = 20_000;
    let turn = Arc::new(AtomicU64::new(0));
    let gave_up = Arc::new(AtomicBool::new(false));
    // Spin, but never forever: if a partner never answers (say it was not scheduled), give up.
    let wait_for =
        |turn: &AtomicU64, gave_up: &AtomicBool, value: u64, deadline: Instant| -> bool {
            let mut spins = 0u32;
            while turn.load(Ordering::Acquire) != value {
                if gave_up.load(Ordering::Relaxed) {
                    return false;
                }
                spins = spins.wrapping_add(1);
                if spins % 4096 == 0 && Instant::now() > deadline {
                    gave_up.store(true, Ordering::Relaxed);
                    return false;
                }
                std::hint::spin_loop();
            }
            true
        };
    let trial = || -> Option<f64> {
        turn.store(0, Ordering::Release);
        let deadline = Instant::now() + Duration::from_secs(2);
        let partner = {
            let (turn, gave_up) = (turn.clone(), gave_up.clone());
            thread::spawn(move || {
                if !crate::os::pin_to_core(1) {
                    gave_up.store(true, Ordering::Relaxed);
                    return;
                }
                for i in 0..ROUNDS {
                    if !wait_for(&turn, &gave_up, 2 * i + 1, deadline) {
                        return;
                    }
                    turn.store(2 * i + 2, Ordering::Release);
                }
            })
        };
        let pinned = thread::spawn({
            let (turn, gave_up) = (turn.clone(), gave_up.clone());
            move || -> Option<f64> {
                if !crate::os::pin_to_core(0) {
                    gave_up.store(true, Ordering::Relaxed);
                    return None;
                }
                let start = Instant::now();
                for i in 0..ROUNDS {
                    turn.store(2 * i + 1, Ordering::Release);
                    if !wait_for(&turn, &gave_up, 2 * i + 2, deadline) {
                        return None;
                    }
                }
                Some(start.elapsed().as_nanos() as f64 / ROUNDS as f64)
            }
        })
        .join()
        .ok()
        .flatten();
        let _ = partner.join();
        pinned
    };
    let trials: Option<Vec<f64>> = (0..3).map(|_| trial()).collect();
    trials.map(median)
}

/// Two threads hand a token back and forth, each parking until woken.
fn thread_wake_round_trip(rounds: u32) -> f64 {
    let turn = Arc::new(AtomicU64::new(0));
    let main = thread::current();
    let partner = {
        let turn = turn.clone();
        thread::spawn(move || {
            for i in 0..u64::from(rounds) {
                while turn.load(Ordering::Acquire) != 2 * i + 1 {
                    thread::park_timeout(Duration::from_millis(100));
                }
                turn.store(2 * i + 2, Ordering::Release);
                main.unpark();
            }
        })
    };
    let start = Instant::now();
    for i in 0..u64::from(rounds) {
        turn.store(2 * i + 1, Ordering::Release);
        partner.thread().unpark();
        while turn.load(Ordering::Acquire) != 2 * i + 2 {
            thread::park_timeout(Duration::from_millis(100));
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(rounds);
    let _ = partner.join();
    ns
}

/// A multi-thread runtime like the tasks driver's.
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime to measure the floors: {e}"))
}

/// A client task sends `rounds` requests to an owner task, each with a oneshot reply.
fn tokio_round_trip(rounds: u32) -> Result<f64, String> {
    runtime()?.block_on(async {
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
}

fn mutex_uncontended(rounds: u32) -> f64 {
    let mutex = Mutex::new(0u64);
    let start = Instant::now();
    for _ in 0..rounds {
        let mut guard = black_box(&mutex).lock().unwrap_or_else(|p| p.into_inner());
        *guard += 1;
    }
    start.elapsed().as_nanos() as f64 / f64::from(rounds)
}

fn thread_sleep_1ms(n: usize) -> f64 {
    median_of(n, || {
        let start = Instant::now();
        thread::sleep(Duration::from_millis(1));
        start.elapsed().as_nanos() as f64 / 1e3
    })
}

fn tokio_sleep_1ms(n: usize) -> Result<f64, String> {
    Ok(runtime()?.block_on(async {
        let mut xs = Vec::with_capacity(n);
        for _ in 0..n {
            let start = Instant::now();
            tokio::time::sleep(Duration::from_millis(1)).await;
            xs.push(start.elapsed().as_nanos() as f64 / 1e3);
        }
        median(xs)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_names_this_build() {
        let m = Machine::detect();
        assert!(m.cores >= 1);
        assert!(m.rustc.starts_with("rustc "), "{}", m.rustc);
        assert_eq!(
            m.profile,
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        );
        assert!(!m.cpu_model.is_empty());
    }

    #[test]
    fn floors_are_positive_and_sleeps_last_at_least_their_time() {
        // Not a speed test: only that each floor measures something plausible.
        assert!(thread_wake_round_trip(20) > 0.0);
        assert!(tokio_round_trip(200).expect("a runtime starts") > 0.0);
        assert!(mutex_uncontended(1000) > 0.0);
        assert!(thread_sleep_1ms(2) >= 1000.0);
        assert!(tokio_sleep_1ms(2).expect("a runtime starts") >= 1000.0);
    }
}
