//! The TTL cache over a `DashMap`.

use std::fmt;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use statebench_core::{
    Cache, CacheEntry, CacheOp, CacheReply, Error, Family, Key, Service, Settings, Value,
};

use crate::{ABOUT_DASHMAP, Handle};

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

    /// `Len` visits the shards one after another (see [`DashKv`](crate::DashKv)'s); every other operation is
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
    use statebench_conformance::wait::{PATIENCE, eventually};
    use statebench_core::ext::CacheExt;
    use statebench_core::{CacheU64, ManualClock};

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
}
