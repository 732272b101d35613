//! The TTL cache over a concurrent map.

use std::fmt;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use statebench_core::{
    Cache, CacheEntry, CacheOp, CacheReply, Error, Family, Key, Service, Settings, StateMachine,
    Value, Work,
};

use crate::Handle;
use crate::map::SharedMap;

/// The TTL cache over concurrent map `M` ([`DashCache`], [`PapayaCache`], [`SccCache`]), with a
/// sweeper thread for cleanup.
pub struct MapCache<K, V, M> {
    handle: Handle<M>,
    cleanup_every: Duration,
    work: Work,
    types: PhantomData<fn() -> (K, V)>,
}

/// The TTL cache over a `DashMap` (`dashmap`).
pub type DashCache<K, V> = MapCache<K, V, dashmap::DashMap<K, CacheEntry<V>>>;
/// The TTL cache over papaya's `HashMap` (`papaya`).
pub type PapayaCache<K, V> = MapCache<K, V, papaya::HashMap<K, CacheEntry<V>>>;
/// The TTL cache over scc's `HashMap` (`scc`).
pub type SccCache<K, V> = MapCache<K, V, scc::HashMap<K, CacheEntry<V>>>;

impl<K, V, M> Clone for MapCache<K, V, M> {
    fn clone(&self) -> Self {
        MapCache {
            handle: self.handle.clone(),
            cleanup_every: self.cleanup_every,
            work: self.work,
            types: PhantomData,
        }
    }
}

impl<K, V, M: SharedMap<K, CacheEntry<V>>> fmt::Debug for MapCache<K, V, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapCache")
            .field("map", &M::NAME)
            .finish_non_exhaustive()
    }
}

impl<K: Key, V: Value, M: SharedMap<K, CacheEntry<V>>> MapCache<K, V, M> {
    /// How many entries are stored, expired ones included until the sweeper drops them.
    pub fn stored_len(&self) -> usize {
        self.handle.shared.state.count()
    }
}

impl<K: Key, V: Value, M: SharedMap<K, CacheEntry<V>>> Service<Cache<K, V>> for MapCache<K, V, M> {
    const NAME: &'static str = M::NAME;
    const FAMILY: Family = Family::Concurrent;
    const ABOUT: &'static str = M::ABOUT;

    fn start(initial: Cache<K, V>, settings: &Settings) -> Self {
        let (cleanup_every, work) = (initial.cleanup_interval(), initial.work());
        let map = M::from_entries(initial.into_stored());
        MapCache {
            handle: Handle::new::<Cache<K, V>>(map, settings, Some(cleanup_every), sweep_cache),
            cleanup_every,
            work,
            types: PhantomData,
        }
    }

    #[inline]
    fn call(&self, op: CacheOp<K, V>) -> Result<CacheReply<V>, Error> {
        let (map, work) = (self.handle.state()?, self.work);
        let now = self.handle.now_for::<Cache<K, V>>();
        Ok(match op {
            CacheOp::Set { key, value, ttl } => {
                let entry = CacheEntry {
                    value,
                    expires_at: now + ttl,
                };
                CacheReply::Value(
                    map.insert(key, entry, work)
                        .and_then(|e| e.into_live_value(now)),
                )
            }
            CacheOp::Get(key) => CacheReply::Value(
                map.read(&key, work, |e| e.live_value(now).cloned())
                    .flatten(),
            ),
            CacheOp::Delete(key) => {
                CacheReply::Value(map.remove(&key, work).and_then(|e| e.into_live_value(now)))
            }
            CacheOp::Len => {
                work.spend();
                let mut live = 0;
                map.for_each(|_, e| live += usize::from(e.live_value(now).is_some()));
                CacheReply::Len(live)
            }
        })
    }

    async fn call_async(&self, op: CacheOp<K, V>) -> Result<CacheReply<V>, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        sweep_cache(self.handle.state()?, self.handle.now_for::<Cache<K, V>>());
        Ok(())
    }

    /// `Len` visits the map part by part (see [`MapKv`](crate::MapKv)'s); every other
    /// operation is linearizable.
    fn linearizable(op: &CacheOp<K, V>) -> bool {
        !matches!(op, CacheOp::Len)
    }

    fn shutdown(&self) -> Result<Cache<K, V>, Error> {
        let map = self.handle.stop()?;
        let mut entries = Vec::with_capacity(map.count());
        map.for_each(|k, e| entries.push((k.clone(), e.clone())));
        let mut state = Cache::new(self.cleanup_every).with_entries(entries);
        state.set_work(self.work);
        Ok(state)
    }
}

fn sweep_cache<K: Key, V: Value, M: SharedMap<K, CacheEntry<V>>>(map: &M, now: Instant) {
    map.retain(|_, e| e.live_value(now).is_some());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MokaCache, PapayaCache, SccCache};
    use statebench_conformance::wait::{PATIENCE, eventually};
    use statebench_core::ext::CacheExt;
    use statebench_core::{CacheU64, ManualClock};

    /// Ten entries expire by the service's clock; the sweeper, every 2 ms, drops them alone.
    fn the_sweeper_drops_expired_entries<C: Service<CacheU64>>(stored: impl Fn(&C) -> usize) {
        let manual = ManualClock::new();
        let settings = Settings {
            clock: manual.clock(),
            ..Settings::default()
        };
        let cache = C::start(CacheU64::new(Duration::from_millis(2)), &settings);
        for k in 0..10 {
            assert_eq!(cache.set(k, k, Duration::from_secs(1)), Ok(None));
        }
        assert_eq!(cache.set(100, 1, Duration::from_secs(3600)), Ok(None));
        assert_eq!(stored(&cache), 11, "{}: nothing has expired yet", C::NAME);
        manual.advance(Duration::from_secs(2));
        assert!(
            eventually(|| stored(&cache) == 1),
            "{}: the sweep did not happen within {PATIENCE:?}",
            C::NAME
        );
        assert_eq!(cache.get(&100), Ok(Some(1)));
    }

    #[test]
    fn every_map_cache_sweeps_by_itself() {
        the_sweeper_drops_expired_entries::<DashCache<u64, u64>>(DashCache::stored_len);
        the_sweeper_drops_expired_entries::<PapayaCache<u64, u64>>(PapayaCache::stored_len);
        the_sweeper_drops_expired_entries::<SccCache<u64, u64>>(SccCache::stored_len);
        // moka's own clock has not moved the 2 s: only the sweep by the service's clock can
        // drop them.
        the_sweeper_drops_expired_entries::<MokaCache<u64, u64>>(MokaCache::stored_len);
    }
}
