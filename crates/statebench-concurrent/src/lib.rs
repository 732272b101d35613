//! Concurrent strategies, written per service because the state is split: the key-value store,
//! the session manager and the TTL cache are each written once over a concurrent map
//! ([`MapKv`], [`MapSessions`], [`MapCache`], over the small [`SharedMap`] trait) and served by
//! three maps — `DashMap` (a lock per shard), papaya (lock-free reads) and scc (a lock per
//! bucket); [`MokaCache`] is the TTL cache on moka, a cache library with its own per-entry
//! expiry; [`AtomicCounter`] is one `AtomicU64`.
//!
//! They cannot reuse the state machine's `apply`, so they reuse its pieces instead — the
//! per-entry rules in `statebench_core` (`Session::set_data_if_live`, `CacheEntry::live_value`,
//! `is_live`) — and the conformance suite checks that they answer exactly as the model does.
//!
//! Two honest differences from the single-owner strategies, both documented on the types:
//! * `Len` visits the shards one after another, so under concurrent writes it is a count that
//!   was never exactly true at one instant (it is exact when no write races it).
//! * `now` is read before the shard is locked, so two racing calls on one key may apply in the
//!   opposite order of their instants; `shutdown` is a snapshot, and a write racing it may be
//!   acknowledged after the snapshot was taken — shut down once callers are quiet.

#![deny(missing_docs)]

mod cache;
mod counter;
mod kv;
mod map;
mod moka_cache;
mod sessions;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use statebench_core::{Clock, Error, Settings, StateMachine, Sweeper};

pub use cache::{DashCache, MapCache, PapayaCache, SccCache};
pub use counter::AtomicCounter;
pub use kv::{DashKv, MapKv, PapayaKv, SccKv};
pub use map::SharedMap;
pub use moka_cache::MokaCache;
pub use sessions::{DashSessions, MapSessions, PapayaSessions, SccSessions};

/// What every concurrent strategy shares: its split state, its clock, the stopped flag, and
/// the sweeper (dropped with the last handle).
struct Shared<T> {
    state: Arc<T>,
    clock: Clock,
    stopped: AtomicBool,
    sweeper: Option<Sweeper>,
}

/// A cloneable handle to split state `T`.
struct Handle<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Handle {
            shared: self.shared.clone(),
        }
    }
}

impl<T: Send + Sync + 'static> Handle<T> {
    fn new<S: StateMachine>(
        state: T,
        settings: &Settings,
        every: Option<Duration>,
        sweep: fn(&T, Instant),
    ) -> Self {
        let state = Arc::new(state);
        let sweeper = every.map(|every| {
            let (state, clock) = (state.clone(), settings.clock.clone());
            let name = format!("statebench-sweeper-{}", S::SERVICE);
            Sweeper::spawn(name, every, move || {
                sweep(&state, clock.now());
                true
            })
        });
        Handle {
            shared: Arc::new(Shared {
                state,
                clock: settings.clock.clone(),
                stopped: AtomicBool::new(false),
                sweeper,
            }),
        }
    }

    /// The state, unless the service was shut down.
    #[inline]
    fn state(&self) -> Result<&T, Error> {
        if self.shared.stopped.load(Ordering::Acquire) {
            Err(Error::Stopped)
        } else {
            Ok(&self.shared.state)
        }
    }

    /// Marks the service stopped (once), ends the sweeper, and hands out the state for a final
    /// snapshot.
    fn stop(&self) -> Result<&T, Error> {
        if self.shared.stopped.swap(true, Ordering::AcqRel) {
            return Err(Error::Stopped);
        }
        if let Some(sweeper) = &self.shared.sweeper {
            sweeper.stop();
        }
        Ok(&self.shared.state)
    }

    fn now_for<S: StateMachine>(&self) -> Instant {
        self.shared.clock.now_for::<S>()
    }
}
