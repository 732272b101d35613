//! The TTL cache: entries that expire, dropped by a periodic cleanup.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::{Key, Kind, StateMachine, Value, Work, is_live};

/// An operation on the cache. Every operation treats an expired entry as absent, whether or not
/// a cleanup has removed it yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheOp<K, V> {
    /// Stores a value for `ttl`; replies with the previous live value.
    Set {
        /// The key.
        key: K,
        /// The value.
        value: V,
        /// How long the entry lives.
        ttl: Duration,
    },
    /// Reads a live value.
    Get(K),
    /// Removes an entry; replies with its value if it was live.
    Delete(K),
    /// Counts the live entries.
    Len,
}

/// The reply of the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheReply<V> {
    /// The live value read, replaced or removed; `None` if there was none.
    Value(Option<V>),
    /// The number of live entries.
    Len(usize),
}

/// One stored entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheEntry<V> {
    /// The value.
    pub value: V,
    /// The instant it stops being live.
    pub expires_at: Instant,
}

impl<V> CacheEntry<V> {
    /// The value, if the entry is live at `now`.
    pub fn live_value(&self, now: Instant) -> Option<&V> {
        is_live(self.expires_at, now).then_some(&self.value)
    }

    /// Consumes the entry: its value, if it is live at `now`.
    pub fn into_live_value(self, now: Instant) -> Option<V> {
        is_live(self.expires_at, now).then_some(self.value)
    }
}

/// The TTL cache as a sequential state machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cache<K: Key, V: Value> {
    cleanup_every: Duration,
    entries: HashMap<K, CacheEntry<V>>,
    work: Work,
}

impl<K: Key, V: Value> Cache<K, V> {
    /// The default interval between cleanups: 1 minute.
    pub const DEFAULT_CLEANUP_EVERY: Duration = Duration::from_secs(60);

    /// An empty cache cleaned up every `cleanup_every`.
    pub fn new(cleanup_every: Duration) -> Self {
        Cache {
            cleanup_every,
            entries: HashMap::new(),
            work: Work::NONE,
        }
    }

    /// The same cache holding `entries` (for strategies that hand back a whole state).
    pub fn with_entries(mut self, entries: impl IntoIterator<Item = (K, CacheEntry<V>)>) -> Self {
        self.entries = entries.into_iter().collect();
        self
    }

    /// The cleanup interval.
    pub fn cleanup_interval(&self) -> Duration {
        self.cleanup_every
    }

    /// The stored entries, expired ones included until a cleanup drops them.
    pub fn stored(&self) -> impl Iterator<Item = (&K, &CacheEntry<V>)> {
        self.entries.iter()
    }

    /// Gives up the stored entries.
    pub fn into_stored(self) -> impl Iterator<Item = (K, CacheEntry<V>)> {
        self.entries.into_iter()
    }
}

impl<K: Key, V: Value> Default for Cache<K, V> {
    fn default() -> Self {
        Cache::new(Self::DEFAULT_CLEANUP_EVERY)
    }
}

impl<K: Key, V: Value> StateMachine for Cache<K, V> {
    type Op = CacheOp<K, V>;
    type Reply = CacheReply<V>;
    type Key = K;
    const SERVICE: &'static str = "cache";
    const ABOUT: &'static str = "TTL cache: set with a TTL, get, delete, len; periodic cleanup";
    const KINDS: &'static [Kind] = &[
        Kind::reader("get"),
        Kind::writer("set"),
        Kind::writer("delete"),
        Kind::reader("len").whole_state(),
    ];

    fn kind(op: &CacheOp<K, V>) -> usize {
        match op {
            CacheOp::Get(_) => 0,
            CacheOp::Set { .. } => 1,
            CacheOp::Delete(_) => 2,
            CacheOp::Len => 3,
        }
    }

    fn key(op: &CacheOp<K, V>) -> Option<&K> {
        match op {
            CacheOp::Get(key) | CacheOp::Set { key, .. } | CacheOp::Delete(key) => Some(key),
            CacheOp::Len => None,
        }
    }

    fn apply(&mut self, op: CacheOp<K, V>, now: Instant) -> CacheReply<V> {
        match op {
            CacheOp::Set { key, value, ttl } => {
                self.work.spend();
                let entry = CacheEntry {
                    value,
                    expires_at: now + ttl,
                };
                let previous = self.entries.insert(key, entry);
                CacheReply::Value(previous.and_then(|e| e.into_live_value(now)))
            }
            CacheOp::Delete(key) => {
                self.work.spend();
                CacheReply::Value(
                    self.entries
                        .remove(&key)
                        .and_then(|e| e.into_live_value(now)),
                )
            }
            read => match self.read(&read, now) {
                Some(reply) => reply,
                None => unreachable!("Get and Len are answered by read"),
            },
        }
    }

    fn read(&self, op: &CacheOp<K, V>, now: Instant) -> Option<CacheReply<V>> {
        if !matches!(op, CacheOp::Set { .. } | CacheOp::Delete(_)) {
            self.work.spend();
        }
        match op {
            CacheOp::Get(key) => Some(CacheReply::Value(
                self.entries
                    .get(key)
                    .and_then(|e| e.live_value(now))
                    .cloned(),
            )),
            // Counting live entries is a scan; `Len` is rare in every workload, and keeping a
            // live count exact would need a timer per entry.
            CacheOp::Len => Some(CacheReply::Len(
                self.entries
                    .values()
                    .filter(|e| is_live(e.expires_at, now))
                    .count(),
            )),
            CacheOp::Set { .. } | CacheOp::Delete(_) => None,
        }
    }

    fn cleanup(&mut self, now: Instant) {
        self.entries.retain(|_, e| is_live(e.expires_at, now));
    }

    fn cleanup_every(&self) -> Option<Duration> {
        Some(self.cleanup_every)
    }

    fn work(&self) -> Work {
        self.work
    }

    fn set_work(&mut self, work: Work) {
        self.work = work;
    }
}

impl<K: Key, V: Value> crate::sharded::Shardable for Cache<K, V> {
    fn split(self, parts: usize, route: &dyn Fn(&K) -> usize) -> Vec<Self> {
        let mut split: Vec<Self> = (0..parts)
            .map(|_| Cache {
                work: self.work,
                ..Cache::new(self.cleanup_every)
            })
            .collect();
        for (k, entry) in self.entries {
            split[route(&k)].entries.insert(k, entry);
        }
        split
    }

    fn join(parts: Vec<Self>) -> Self {
        let (every, work) = parts
            .first()
            .map_or((Self::DEFAULT_CLEANUP_EVERY, Work::NONE), |p| {
                (p.cleanup_every, p.work)
            });
        let mut joined =
            Cache::new(every).with_entries(parts.into_iter().flat_map(|part| part.entries));
        joined.work = work;
        joined
    }

    fn join_replies(op: &CacheOp<K, V>, replies: Vec<CacheReply<V>>) -> CacheReply<V> {
        match op {
            CacheOp::Len => CacheReply::Len(
                replies
                    .iter()
                    .map(|r| match r {
                        CacheReply::Len(n) => *n,
                        CacheReply::Value(_) => 0,
                    })
                    .sum(),
            ),
            // Keyed operations have one shard, hence one reply.
            _ => replies
                .into_iter()
                .next()
                .unwrap_or(CacheReply::Value(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{every_kind_declared, read_agrees_with_apply};

    fn set(key: u64, value: u64, secs: u64) -> CacheOp<u64, u64> {
        CacheOp::Set {
            key,
            value,
            ttl: Duration::from_secs(secs),
        }
    }

    #[test]
    fn entries_expire_before_any_cleanup() {
        let t0 = Instant::now();
        let mut c = Cache::<u64, u64>::default();
        assert_eq!(c.apply(set(1, 10, 5), t0), CacheReply::Value(None));
        assert_eq!(c.apply(set(2, 20, 50), t0), CacheReply::Value(None));
        assert_eq!(c.apply(CacheOp::Len, t0), CacheReply::Len(2));
        let t5 = t0 + Duration::from_secs(5);
        assert_eq!(c.apply(CacheOp::Get(1), t5), CacheReply::Value(None));
        assert_eq!(c.apply(CacheOp::Len, t5), CacheReply::Len(1));
        assert_eq!(c.stored().count(), 2);
        // Replacing or deleting an expired entry reports no previous value.
        assert_eq!(c.apply(set(1, 11, 5), t5), CacheReply::Value(None));
        assert_eq!(c.apply(set(1, 12, 5), t5), CacheReply::Value(Some(11)));
        assert_eq!(c.apply(CacheOp::Delete(1), t5), CacheReply::Value(Some(12)));
        let t60 = t0 + Duration::from_secs(60);
        assert_eq!(c.apply(CacheOp::Delete(2), t60), CacheReply::Value(None));
    }

    #[test]
    fn cleanup_drops_only_expired_entries() {
        let t0 = Instant::now();
        let mut c = Cache::<u64, u64>::new(Duration::from_secs(1));
        c.apply(set(1, 10, 5), t0);
        c.apply(set(2, 20, 50), t0);
        c.cleanup(t0 + Duration::from_secs(5));
        assert_eq!(c.stored().map(|(k, _)| *k).collect::<Vec<_>>(), vec![2]);
        assert_eq!(c.cleanup_every(), Some(Duration::from_secs(1)));
    }

    #[test]
    fn reads_agree_with_apply() {
        let t0 = Instant::now();
        let mut c = Cache::<u64, u64>::default();
        c.apply(set(1, 10, 5), t0);
        let t9 = t0 + Duration::from_secs(9);
        for op in [CacheOp::Get(1), CacheOp::Len] {
            read_agrees_with_apply(&mut c, op.clone(), t0);
            read_agrees_with_apply(&mut c, op, t9);
        }
        let ops = vec![
            CacheOp::Get(1),
            CacheOp::Len,
            set(2, 20, 5),
            CacheOp::Delete(1),
        ];
        every_kind_declared(&mut c, ops, t0);
    }
}
