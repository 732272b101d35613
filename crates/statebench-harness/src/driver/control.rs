//! The phase the coordinator sets and the clients read: warming up, measuring, stopping.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::Relaxed};

pub(super) const WARMING_UP: u8 = 0;
pub(super) const MEASURING: u8 = 1;
pub(super) const STOPPING: u8 = 2;

/// Shared between the coordinator and the clients. The phase is one byte, read once per
/// operation: the clients' only shared access besides the service itself.
#[derive(Default)]
pub(super) struct Control {
    pub(super) phase: AtomicU8,
    pub(super) failure: Mutex<Option<String>>,
    /// Clients that have begun their loop: the window opens only once every one has.
    pub(super) started: AtomicUsize,
    /// Clients that have completed an operation inside the window: in a closed loop the
    /// window stays open until every one has ([`COVER_WITHIN`]).
    pub(super) present: AtomicUsize,
}

impl Control {
    pub(super) fn fail(&self, why: String) {
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        failure.get_or_insert(why);
        self.phase.store(STOPPING, Relaxed);
    }

    pub(super) fn stopping(&self) -> bool {
        self.phase.load(Relaxed) == STOPPING
    }
}
