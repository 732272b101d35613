//! Concurrent strategies, written per service because the state is split: [`DashKv`],
//! [`DashSessions`] and [`DashCache`] spread their keys over a `DashMap`'s shards (one lock per
//! shard instead of one for the whole state), and [`AtomicCounter`] is one `AtomicU64`.
//!
//! They cannot reuse the state machine's `apply`, so they reuse its pieces instead — the
//! per-entry rules in `statebench_core` (`Session::set_data_if_live`, `CacheEntry::live_value`,
//! `is_live`) — and the conformance suite checks that they answer exactly as the model does.
//!
//! Two honest differences from the single-owner strategies, both documented on the types:
//! * `Len` visits the shards one after another, so under concurrent writes it is a count that
//!   was never exactly true at one instant (it is exact when no write races it).
//! * `now` is read before the shard is locked, so two racing calls on one key may apply in the
//!   opposite order of their instants; [`Service::shutdown`] is a snapshot, and a write racing
//!   it may be acknowledged after the snapshot was taken — shut down once callers are quiet.

#![deny(missing_docs)]

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use statebench_core::{
    Cache, CacheEntry, CacheOp, CacheReply, Clock, Counter, CounterOp, CounterReply, Error, Family,
    Key, Kv, KvOp, KvReply, Service, Session, SessionId, Sessions, SessionsOp, SessionsReply,
    Settings, StateMachine, Sweeper, Value,
};

/// What the `DashMap` strategies are, in one line.
const ABOUT_DASHMAP: &str = "a `DashMap`: the keys spread over shards, one lock per shard";

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

// ---------------------------------------------------------------------------------------------

/// The key-value store over a `DashMap` (`dashmap`).
pub struct DashKv<K: Key, V: Value> {
    handle: Handle<DashMap<K, V>>,
}

impl<K: Key, V: Value> Clone for DashKv<K, V> {
    fn clone(&self) -> Self {
        DashKv {
            handle: self.handle.clone(),
        }
    }
}

impl<K: Key, V: Value> fmt::Debug for DashKv<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DashKv").finish_non_exhaustive()
    }
}

impl<K: Key, V: Value> Service<Kv<K, V>> for DashKv<K, V> {
    const NAME: &'static str = "dashmap";
    const FAMILY: Family = Family::Concurrent;
    const ABOUT: &'static str = ABOUT_DASHMAP;

    fn start(initial: Kv<K, V>, settings: &Settings) -> Self {
        let map = initial.into_entries().into_iter().collect();
        DashKv {
            handle: Handle::new::<Kv<K, V>>(map, settings, None, |_, _| {}),
        }
    }

    #[inline]
    fn call(&self, op: KvOp<K, V>) -> Result<KvReply<V>, Error> {
        let map = self.handle.state()?;
        Ok(match op {
            KvOp::Get(k) => KvReply::Value(map.get(&k).map(|v| v.clone())),
            KvOp::Set(k, v) => KvReply::Value(map.insert(k, v)),
            KvOp::Delete(k) => KvReply::Value(map.remove(&k).map(|(_, v)| v)),
            KvOp::Len => KvReply::Len(map.len()),
        })
    }

    async fn call_async(&self, op: KvOp<K, V>) -> Result<KvReply<V>, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.handle.state().map(|_| ())
    }

    /// `Len` visits the shards one after another, so a `Len` racing writes may return a count
    /// the map never had at any one instant; every other operation is linearizable.
    fn linearizable(op: &KvOp<K, V>) -> bool {
        !matches!(op, KvOp::Len)
    }

    fn shutdown(&self) -> Result<Kv<K, V>, Error> {
        let map = self.handle.stop()?;
        Ok(Kv::from_entries(
            map.iter().map(|e| (e.key().clone(), e.value().clone())),
        ))
    }
}

// ---------------------------------------------------------------------------------------------

/// The counter as one `AtomicU64` (`atomic`): increment is `fetch_add`, reset is `swap(0)`, so
/// no increment is ever lost between a reset's read and its write.
#[derive(Clone)]
pub struct AtomicCounter {
    handle: Handle<AtomicU64>,
}

impl fmt::Debug for AtomicCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicCounter").finish_non_exhaustive()
    }
}

impl Service<Counter> for AtomicCounter {
    const NAME: &'static str = "atomic";
    const FAMILY: Family = Family::Concurrent;
    const ABOUT: &'static str = "one `AtomicU64`: increments and resets without a lock";

    fn start(initial: Counter, settings: &Settings) -> Self {
        AtomicCounter {
            handle: Handle::new::<Counter>(
                AtomicU64::new(initial.count()),
                settings,
                None,
                |_, _| {},
            ),
        }
    }

    #[inline]
    fn call(&self, op: CounterOp) -> Result<CounterReply, Error> {
        let count = self.handle.state()?;
        Ok(CounterReply(match op {
            CounterOp::Increment => count.fetch_add(1, Ordering::AcqRel).wrapping_add(1),
            CounterOp::Get => count.load(Ordering::Acquire),
            CounterOp::Reset => count.swap(0, Ordering::AcqRel),
        }))
    }

    async fn call_async(&self, op: CounterOp) -> Result<CounterReply, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.handle.state().map(|_| ())
    }

    fn shutdown(&self) -> Result<Counter, Error> {
        let count = self.handle.stop()?;
        Ok(Counter::starting_at(count.load(Ordering::Acquire)))
    }
}

// ---------------------------------------------------------------------------------------------

/// The session manager over a `DashMap` (`dashmap`), with a sweeper thread for cleanup.
#[derive(Clone)]
pub struct DashSessions {
    handle: Handle<DashMap<SessionId, Session>>,
    lifetime: Duration,
    cleanup_every: Duration,
}

impl fmt::Debug for DashSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DashSessions")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl DashSessions {
    /// How many sessions are stored, expired ones included until the sweeper drops them.
    pub fn stored_len(&self) -> usize {
        self.handle.shared.state.len()
    }
}

impl Service<Sessions> for DashSessions {
    const NAME: &'static str = "dashmap";
    const FAMILY: Family = Family::Concurrent;
    const ABOUT: &'static str = ABOUT_DASHMAP;

    fn start(initial: Sessions, settings: &Settings) -> Self {
        let (lifetime, cleanup_every) = (initial.lifetime(), initial.cleanup_interval());
        let map = initial.into_stored().map(|s| (s.id, s)).collect();
        DashSessions {
            handle: Handle::new::<Sessions>(map, settings, Some(cleanup_every), sweep_sessions),
            lifetime,
            cleanup_every,
        }
    }

    #[inline]
    fn call(&self, op: SessionsOp) -> Result<SessionsReply, Error> {
        let map = self.handle.state()?;
        let now = self.handle.now_for::<Sessions>();
        Ok(match op {
            SessionsOp::Create(id) => {
                let session = Session::fresh(id, now, self.lifetime);
                map.insert(id, session.clone());
                SessionsReply::Session(Some(session))
            }
            SessionsOp::Get(id) => {
                SessionsReply::Session(map.get(&id).filter(|s| s.is_live(now)).map(|s| s.clone()))
            }
            SessionsOp::Delete(id) => {
                SessionsReply::Live(map.remove(&id).is_some_and(|(_, s)| s.is_live(now)))
            }
            SessionsOp::SetData { id, key, value } => SessionsReply::Live(
                map.get_mut(&id)
                    .is_some_and(|mut s| s.set_data_if_live(key, value, now)),
            ),
            SessionsOp::Touch(id) => SessionsReply::Live(
                map.get_mut(&id)
                    .is_some_and(|mut s| s.touch_if_live(now, self.lifetime)),
            ),
        })
    }

    async fn call_async(&self, op: SessionsOp) -> Result<SessionsReply, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        sweep_sessions(self.handle.state()?, self.handle.now_for::<Sessions>());
        Ok(())
    }

    fn shutdown(&self) -> Result<Sessions, Error> {
        let map = self.handle.stop()?;
        let sessions = map.iter().map(|e| e.value().clone());
        Ok(Sessions::new(self.lifetime, self.cleanup_every).with_sessions(sessions))
    }
}

fn sweep_sessions(map: &DashMap<SessionId, Session>, now: Instant) {
    map.retain(|_, s| s.is_live(now));
}

// ---------------------------------------------------------------------------------------------

/// The TTL cache over a `DashMap` (`dashmap`), with a sweeper thread for cleanup.
pub struct DashCache<K: Key, V: Value> {
    handle: Handle<DashMap<K, CacheEntry<V>>>,
    cleanup_every: Duration,
}

impl<K: Key, V: Value> Clone for DashCache<K, V> {
    fn clone(&self) -> Self {
        DashCache {
            handle: self.handle.clone(),
            cleanup_every: self.cleanup_every,
        }
    }
}

impl<K: Key, V: Value> fmt::Debug for DashCache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DashCache").finish_non_exhaustive()
    }
}

impl<K: Key, V: Value> DashCache<K, V> {
    /// How many entries are stored, expired ones included until the sweeper drops them.
    pub fn stored_len(&self) -> usize {
        self.handle.shared.state.len()
    }
}

impl<K: Key, V: Value> Service<Cache<K, V>> for DashCache<K, V> {
    const NAME: &'static str = "dashmap";
    const FAMILY: Family = Family::Concurrent;
    const ABOUT: &'static str = ABOUT_DASHMAP;

    fn start(initial: Cache<K, V>, settings: &Settings) -> Self {
        let cleanup_every = initial.cleanup_interval();
        let map = initial.into_stored().collect();
        DashCache {
            handle: Handle::new::<Cache<K, V>>(map, settings, Some(cleanup_every), sweep_cache),
            cleanup_every,
        }
    }

    #[inline]
    fn call(&self, op: CacheOp<K, V>) -> Result<CacheReply<V>, Error> {
        let map = self.handle.state()?;
        let now = self.handle.now_for::<Cache<K, V>>();
        Ok(match op {
            CacheOp::Set { key, value, ttl } => {
                let entry = CacheEntry {
                    value,
                    expires_at: now + ttl,
                };
                CacheReply::Value(map.insert(key, entry).and_then(|e| e.into_live_value(now)))
            }
            CacheOp::Get(key) => {
                CacheReply::Value(map.get(&key).and_then(|e| e.live_value(now).cloned()))
            }
            CacheOp::Delete(key) => {
                CacheReply::Value(map.remove(&key).and_then(|(_, e)| e.into_live_value(now)))
            }
            CacheOp::Len => CacheReply::Len(
                map.iter()
                    .filter(|e| e.value().live_value(now).is_some())
                    .count(),
            ),
        })
    }

    async fn call_async(&self, op: CacheOp<K, V>) -> Result<CacheReply<V>, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        sweep_cache(self.handle.state()?, self.handle.now_for::<Cache<K, V>>());
        Ok(())
    }

    /// `Len` visits the shards one after another (see [`DashKv`]'s); every other operation is
    /// linearizable.
    fn linearizable(op: &CacheOp<K, V>) -> bool {
        !matches!(op, CacheOp::Len)
    }

    fn shutdown(&self) -> Result<Cache<K, V>, Error> {
        let map = self.handle.stop()?;
        let entries = map.iter().map(|e| (e.key().clone(), e.value().clone()));
        Ok(Cache::new(self.cleanup_every).with_entries(entries))
    }
}

fn sweep_cache<K: Key, V: Value>(map: &DashMap<K, CacheEntry<V>>, now: Instant) {
    map.retain(|_, e| e.live_value(now).is_some());
}

#[cfg(test)]
mod tests {
    use super::*;
    use statebench_core::ext::{CacheExt, SessionsExt};
    use statebench_core::{CacheU64, ManualClock};

    use statebench_conformance::faults::{PATIENCE, eventually};

    #[test]
    fn the_sweeper_drops_expired_cache_entries_by_itself() {
        let manual = ManualClock::new();
        let settings = Settings {
            clock: manual.clock(),
            ..Settings::default()
        };
        let cache = DashCache::start(CacheU64::new(Duration::from_millis(2)), &settings);
        for k in 0..10 {
            assert_eq!(cache.set(k, k, Duration::from_secs(1)), Ok(None));
        }
        assert_eq!(cache.set(100, 1, Duration::from_secs(3600)), Ok(None));
        assert_eq!(cache.stored_len(), 11, "nothing has expired yet");
        manual.advance(Duration::from_secs(2));
        assert!(
            eventually(|| cache.stored_len() == 1),
            "the sweep did not happen within {PATIENCE:?}"
        );
        assert_eq!(cache.get(&100), Ok(Some(1)));
    }

    #[test]
    fn the_sweeper_drops_expired_sessions_by_itself() {
        let manual = ManualClock::new();
        let settings = Settings {
            clock: manual.clock(),
            ..Settings::default()
        };
        let initial = Sessions::new(Duration::from_secs(60), Duration::from_millis(2));
        let sessions = DashSessions::start(initial, &settings);
        for id in 0..10 {
            sessions.create(id).expect("create");
        }
        manual.advance(Duration::from_secs(30));
        assert_eq!(sessions.touch(0), Ok(true));
        manual.advance(Duration::from_secs(31));
        assert!(
            eventually(|| sessions.stored_len() == 1),
            "the sweep did not happen within {PATIENCE:?}"
        );
        assert!(sessions.session(0).expect("get").is_some());
    }
}
