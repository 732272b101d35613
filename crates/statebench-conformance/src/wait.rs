//! Bounded waits, for every test of the workspace: nothing waits longer than [`PATIENCE`] (the
//! [`Watchdog`], which looks once per patience, acts within two), so a broken strategy fails a
//! test instead of hanging it, and a call that might block runs on a thread of its own that the
//! test joins.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

/// The longest any fault test waits for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A call running on a thread of its own, so the test can wait for it with a bound.
pub(crate) struct Pending<T> {
    result_rx: Receiver<T>,
    thread: thread::JoinHandle<()>,
}

/// Runs `f` on a new thread.
pub(crate) fn spawn_call<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Pending<T> {
    let (result_tx, result_rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        let _ = result_tx.send(f());
    });
    Pending { result_rx, thread }
}

/// Waits (at most [`PATIENCE`]) for a call started with [`spawn_call`] and joins its thread.
pub(crate) fn finish<T>(pending: Pending<T>, what: &str) -> T {
    let result = pending
        .result_rx
        .recv_timeout(PATIENCE)
        .unwrap_or_else(|e| panic!("{what}: no result within {PATIENCE:?} ({e})"));
    pending
        .thread
        .join()
        .unwrap_or_else(|_| panic!("{what}: the calling thread panicked"));
    result
}

/// Polls `done` every millisecond until it holds (`true`), or until [`PATIENCE`] has passed
/// (`false`): every "wait until" of the fault tests, and of any strategy's own tests.
pub fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `f(service)` on a thread of its own and waits for it at most [`PATIENCE`]: a call on a
/// wedged service fails the test instead of hanging it.
pub(crate) fn bounded<I: Clone + Send + 'static, T: Send + 'static>(
    service: &I,
    what: &str,
    f: impl FnOnce(&I) -> T + Send + 'static,
) -> T {
    let service = service.clone();
    finish(spawn_call(move || f(&service)), what)
}

/// How many threads of this process have a name starting with `prefix` (Linux keeps the first
/// 15 bytes of a name, so give at most that), read from `/proc/self/task`; `None` where there is
/// no such file system. Counting threads by name is exact only in a test binary of its own.
pub fn threads_named(prefix: &str) -> Option<usize> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    Some(
        tasks
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
            .filter(|name| name.trim_end().starts_with(prefix))
            .count(),
    )
}

/// Waits (at most [`PATIENCE`]) until `count()` is `n`.
pub fn wait_for_count(what: &str, n: usize, count: &dyn Fn() -> usize) {
    assert!(
        eventually(|| count() == n),
        "{what}: {} after {PATIENCE:?}, not {n}",
        count()
    );
}

/// A bound for a test whose calls cannot each go on a thread of their own (the model-based
/// suite makes thousands per test): the test reports progress with [`Watchdog::step`], and if
/// none comes in a whole `patience` (it looks once per `patience`, so it acts within one to two
/// of them), the watchdog prints what it was watching and where it stood, and
/// ends the process with libtest's failure status (101) — CI fails instead of hanging. It is
/// stopped and joined when dropped.
#[derive(Debug)]
pub struct Watchdog {
    progress: Arc<AtomicU64>,
    stop: Option<Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Watchdog {
    /// Starts watching `what` (named in the message).
    pub fn new(what: String, patience: Duration) -> Self {
        let progress = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = mpsc::channel::<()>();
        let seen = progress.clone();
        let thread = thread::spawn(move || {
            let mut last = seen.load(Ordering::SeqCst);
            loop {
                match stopped.recv_timeout(patience) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
                let now = seen.load(Ordering::SeqCst);
                if now == last {
                    eprintln!(
                        "statebench: {what}: no progress for {patience:?} after step {now}; \
                         ending the test process so that it fails instead of hanging"
                    );
                    std::process::exit(101);
                }
                last = now;
            }
        });
        Watchdog {
            progress,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Reports one more step made.
    pub fn step(&self) {
        self.progress.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
