//! The TTL cache on moka (`moka::sync::Cache`), a concurrent cache library with per-entry
//! expiry of its own.
//!
//! **How its expiry meets the model's.** moka reads its own clock (`std::time::Instant`), so
//! each entry keeps the instant the service's clock says it expires at, and moka is told, by an
//! [`Expiry`], to expire it at that same instant. Under the system clock — every benchmark —
//! the two agree, and moka's own expiry is what drops entries; every reply is still judged by
//! the service's clock (a read filters on it), so under the manual clock of the conformance
//! suite the replies follow the model exactly, and the TTLs those tests draw (1 s or more) are
//! far longer than a test lasts in real time, so moka never drops a live one.
//!
//! **Capacity**: none set, so nothing is evicted for room; an entry leaves only when it
//! expires or is deleted — the model's rule, and what the report says of this row.
//!
//! It is the TTL cache of [`MapCache`], with moka as the map: the service code is the one the
//! other maps serve.
//!
//! **Every write to a key goes through moka's per-key lock** (`and_upsert_with`,
//! `and_compute_with`): a `Set` reads the value it replaces and writes under that lock, and a
//! plain `remove` (which takes no key lock) landing in between would hand both calls the same
//! old value — an order no sequential history has.
//!
//! **The sync flavour only**: its calls never wait on anything but that per-key lock, held for
//! a map write; moka's `future::Cache` exists for initialisers that await, which no operation
//! here has, so tasks call the sync cache as they call `DashMap`.

use std::time::{Duration, Instant};

use moka::Expiry;
use moka::ops::compute::Op;
use moka::sync::Cache as Moka;
use statebench_core::{CacheEntry, Key, Value, Work};

use crate::cache::MapCache;
use crate::map::SharedMap;

/// The TTL cache on `moka::sync::Cache` (`moka`), no capacity limit, with a sweeper thread
/// for cleanup.
pub type MokaCache<K, V> = MapCache<K, V, Moka<K, CacheEntry<V>>>;

/// Tells moka to expire an entry at the instant it carries.
struct AtItsInstant;

impl<K, V> Expiry<K, CacheEntry<V>> for AtItsInstant {
    fn expire_after_create(
        &self,
        _key: &K,
        entry: &CacheEntry<V>,
        created_at: Instant,
    ) -> Option<Duration> {
        Some(entry.expires_at.saturating_duration_since(created_at))
    }

    fn expire_after_update(
        &self,
        _key: &K,
        entry: &CacheEntry<V>,
        updated_at: Instant,
        _until_now: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.expires_at.saturating_duration_since(updated_at))
    }
}

/// moka's cache as the map of a TTL cache: every write through the key's lock, the work spent
/// inside it; a read takes no lock, so its work runs beside the clone moka hands back.
impl<K: Key, V: Value> SharedMap<K, CacheEntry<V>> for Moka<K, CacheEntry<V>> {
    const NAME: &'static str = "moka";
    const ABOUT: &'static str = "moka's sync `Cache`: its own per-entry expiry, a lock per key for writes, no capacity limit";

    fn from_entries(entries: impl IntoIterator<Item = (K, CacheEntry<V>)>) -> Self {
        let cache = Moka::builder().expire_after(AtItsInstant).build();
        for (key, entry) in entries {
            cache.insert(key, entry);
        }
        cache
    }
    #[inline]
    fn read<R>(&self, key: &K, work: Work, f: impl FnOnce(&CacheEntry<V>) -> R) -> Option<R> {
        let read = self.get(key);
        work.spend();
        read.map(|e| f(&e))
    }
    #[inline]
    fn insert(&self, key: K, entry: CacheEntry<V>, work: Work) -> Option<CacheEntry<V>> {
        let mut old = None;
        self.entry(key).and_upsert_with(|was| {
            work.spend();
            old = was.map(|e| e.into_value());
            entry
        });
        old
    }
    #[inline]
    fn remove(&self, key: &K, work: Work) -> Option<CacheEntry<V>> {
        let mut old = None;
        self.entry_by_ref(key).and_compute_with(|was| {
            work.spend();
            old = was.map(|e| e.into_value());
            Op::Remove
        });
        old
    }
    fn modify<A: Clone>(
        &self,
        key: &K,
        arg: A,
        work: Work,
        f: impl Fn(&mut CacheEntry<V>, A) -> bool,
    ) -> bool {
        let mut changed = false;
        self.entry_by_ref(key).and_compute_with(|was| {
            work.spend();
            match was {
                Some(e) => {
                    let mut entry = e.into_value();
                    changed = f(&mut entry, arg);
                    if changed { Op::Put(entry) } else { Op::Nop }
                }
                None => Op::Nop,
            }
        });
        changed
    }
    /// After moka's pending housekeeping (which drops what its own clock says has expired).
    fn count(&self) -> usize {
        self.run_pending_tasks();
        usize::try_from(self.entry_count()).unwrap_or(usize::MAX)
    }
    /// moka's pending housekeeping first; then every entry `keep` refuses, each through the
    /// key's lock and only if it is still refused there, so a racing `Set` is never undone.
    fn retain(&self, mut keep: impl FnMut(&K, &CacheEntry<V>) -> bool) {
        self.run_pending_tasks();
        let refused: Vec<_> = self
            .iter()
            .filter(|(k, e)| !keep(k, e))
            .map(|(k, _)| k)
            .collect();
        for key in refused {
            self.entry_by_ref(&*key).and_compute_with(|e| match e {
                Some(e) if !keep(&key, e.value()) => Op::Remove,
                _ => Op::Nop,
            });
        }
    }
    fn for_each(&self, mut f: impl FnMut(&K, &CacheEntry<V>)) {
        self.iter().for_each(|(k, e)| f(&k, &e));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statebench_core::ext::CacheExt;
    use statebench_core::{CacheU64, ManualClock, Service, Settings};

    #[test]
    fn replies_follow_the_service_clock_not_mokas() {
        let manual = ManualClock::new();
        let settings = Settings {
            clock: manual.clock(),
            ..Settings::default()
        };
        let cache = MokaCache::start(CacheU64::new(Duration::from_secs(3600)), &settings);
        assert_eq!(cache.set(3, 30, Duration::from_secs(1)), Ok(None));
        manual.advance(Duration::from_secs(2));
        assert_eq!(cache.stored_len(), 1, "moka's own clock has not moved 2 s");
        assert_eq!(cache.get(&3), Ok(None), "expired by the service's clock");
        assert_eq!(
            cache.set(3, 31, Duration::from_secs(1)),
            Ok(None),
            "no live value replaced"
        );
        assert_eq!(cache.get(&3), Ok(Some(31)));
    }
}
