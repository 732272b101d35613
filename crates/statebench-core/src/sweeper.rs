//! A background thread that runs a cleanup pass periodically until it is dropped: what the lock
//! and concurrent-map strategies use where an owner would run cleanup inside its own loop.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Runs `sweep` every interval on a thread of its own until [`stop`](Sweeper::stop)ped or
/// dropped; both stop the thread and wait for it, so a service's sweeper never outlives the
/// service — nor its shutdown.
#[derive(Debug)]
pub struct Sweeper {
    stop_tx: Mutex<Option<mpsc::Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Sweeper {
    /// Starts a thread named `name` that calls `sweep` every `every` until the `Sweeper` is
    /// stopped or dropped, or `sweep` returns `false`.
    ///
    /// # Panics
    /// If the OS cannot start a thread, like `std::thread::spawn`.
    pub fn spawn(
        name: String,
        every: Duration,
        mut sweep: impl FnMut() -> bool + Send + 'static,
    ) -> Sweeper {
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name(name)
            .spawn(move || {
                // Waiting on the stop channel rather than sleeping: a stop wakes us at once.
                while let Err(RecvTimeoutError::Timeout) = stop_rx.recv_timeout(every) {
                    if !sweep() {
                        break;
                    }
                }
            })
            .unwrap_or_else(|e| panic!("statebench: the OS refused a sweeper thread: {e}"));
        Sweeper {
            stop_tx: Mutex::new(Some(stop_tx)),
            thread: Mutex::new(Some(thread)),
        }
    }

    /// Stops the thread and waits for it to end (at most one sweep). Later calls do nothing.
    pub fn stop(&self) {
        drop(
            self.stop_tx
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            // The sweep itself may drop the last handle of its service (it briefly holds one);
            // a thread cannot join itself, and it is about to end anyway.
            if thread.thread().id() != thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

impl Drop for Sweeper {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    #[test]
    fn sweeps_periodically_and_stops_when_dropped() {
        let (tick_tx, tick_rx) = channel();
        let sweeper = Sweeper::spawn("test-sweeper".into(), Duration::from_millis(2), move || {
            tick_tx.send(()).is_ok()
        });
        for _ in 0..3 {
            tick_rx
                .recv_timeout(Duration::from_secs(10))
                .expect("the sweeper should tick within 10 s");
        }
        drop(sweeper);
        // Joined: the closure (and its sender) is gone, so the channel is disconnected.
        while tick_rx.try_recv().is_ok() {}
        assert_eq!(tick_rx.try_recv(), Err(mpsc::TryRecvError::Disconnected));
    }

    #[test]
    fn stops_when_the_sweep_says_so() {
        let (tick_tx, tick_rx) = channel();
        let _sweeper = Sweeper::spawn("test-sweeper".into(), Duration::from_millis(1), move || {
            let _ = tick_tx.send(());
            false
        });
        assert!(tick_rx.recv_timeout(Duration::from_secs(10)).is_ok());
        assert_eq!(
            tick_rx.recv_timeout(Duration::from_secs(10)),
            Err(RecvTimeoutError::Disconnected)
        );
    }
}
