//! The concurrent maps the keyed services are written over, behind one small trait: the key-value
//! store, the session manager and the TTL cache are each written once ([`MapKv`],
//! [`MapSessions`], [`MapCache`]) and served by `DashMap`, papaya's `HashMap` and scc's
//! `HashMap` alike, so a difference between the rows is the map's, not the service code's.

use std::hash::Hash;

use dashmap::DashMap;

/// A concurrent hash map, as the keyed services use it. Every method is one atomic step on one
/// key, except [`count`](SharedMap::count), [`retain`](SharedMap::retain) and
/// [`for_each`](SharedMap::for_each), which visit the map part by part.
pub trait SharedMap<K, V>: Send + Sync + Sized + 'static {
    /// The strategy's stable name.
    const NAME: &'static str;
    /// What the map is, in one line ([`Service::ABOUT`](statebench_core::Service::ABOUT)).
    const ABOUT: &'static str;

    /// A map holding `entries`.
    fn from_entries(entries: impl IntoIterator<Item = (K, V)>) -> Self;
    /// `f` of the value stored at `key`, if there is one.
    fn read<R>(&self, key: &K, f: impl FnOnce(&V) -> R) -> Option<R>;
    /// Stores `value` at `key`; the value it replaced.
    fn insert(&self, key: K, value: V) -> Option<V>;
    /// Removes `key`; the value it held.
    fn remove(&self, key: &K) -> Option<V>;
    /// Changes the value at `key` in place with `f(value, arg)`, which says whether it changed
    /// it; `false` if the key is absent. `f` may run more than once, on a fresh copy and a
    /// clone of `arg` each time (papaya retries a lost race), so it must depend on nothing
    /// else; the locking maps run it once and move `arg` in.
    fn modify<A: Clone>(&self, key: &K, arg: A, f: impl Fn(&mut V, A) -> bool) -> bool;
    /// The number of entries.
    fn count(&self) -> usize;
    /// Keeps only the entries `keep` accepts.
    fn retain(&self, keep: impl FnMut(&K, &V) -> bool);
    /// Calls `f` on every entry.
    fn for_each(&self, f: impl FnMut(&K, &V));
}

/// `dashmap`'s `DashMap`: the keys spread over shards (four per core by default), one
/// `RwLock` per shard.
impl<K: Hash + Eq + Send + Sync + 'static, V: Clone + Send + Sync + 'static> SharedMap<K, V>
    for DashMap<K, V>
{
    const NAME: &'static str = "dashmap";
    const ABOUT: &'static str = "a `DashMap`: the keys spread over shards, one lock per shard";

    fn from_entries(entries: impl IntoIterator<Item = (K, V)>) -> Self {
        entries.into_iter().collect()
    }
    #[inline]
    fn read<R>(&self, key: &K, f: impl FnOnce(&V) -> R) -> Option<R> {
        self.get(key).map(|v| f(&v))
    }
    #[inline]
    fn insert(&self, key: K, value: V) -> Option<V> {
        DashMap::insert(self, key, value)
    }
    #[inline]
    fn remove(&self, key: &K) -> Option<V> {
        DashMap::remove(self, key).map(|(_, v)| v)
    }
    #[inline]
    fn modify<A: Clone>(&self, key: &K, arg: A, f: impl Fn(&mut V, A) -> bool) -> bool {
        self.get_mut(key).is_some_and(|mut v| f(&mut v, arg))
    }
    fn count(&self) -> usize {
        DashMap::len(self)
    }
    fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        DashMap::retain(self, |k, v| keep(k, v));
    }
    fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        self.iter().for_each(|e| f(e.key(), e.value()));
    }
}

/// papaya's `HashMap`: lock-free reads, a compare-and-swap per write, removed values freed
/// later by `seize`'s reclamation. A value is never changed in place: [`SharedMap::modify`]
/// swaps in a changed copy.
impl<K: Hash + Eq + Clone + Send + Sync + 'static, V: Clone + Send + Sync + 'static> SharedMap<K, V>
    for papaya::HashMap<K, V>
{
    const NAME: &'static str = "papaya";
    const ABOUT: &'static str = "papaya's `HashMap`: lock-free reads, writes by compare-and-swap, a changed copy per update";

    fn from_entries(entries: impl IntoIterator<Item = (K, V)>) -> Self {
        entries.into_iter().collect()
    }
    #[inline]
    fn read<R>(&self, key: &K, f: impl FnOnce(&V) -> R) -> Option<R> {
        self.pin().get(key).map(f)
    }
    #[inline]
    fn insert(&self, key: K, value: V) -> Option<V> {
        self.pin().insert(key, value).cloned()
    }
    #[inline]
    fn remove(&self, key: &K) -> Option<V> {
        self.pin().remove(key).cloned()
    }
    #[inline]
    fn modify<A: Clone>(&self, key: &K, arg: A, f: impl Fn(&mut V, A) -> bool) -> bool {
        use papaya::{Compute, Operation};
        let map = self.pin();
        let changed = map.compute(key.clone(), |entry| match entry {
            Some((_, v)) => {
                let mut copy = v.clone();
                if f(&mut copy, arg.clone()) {
                    Operation::Insert(copy)
                } else {
                    Operation::Abort(())
                }
            }
            None => Operation::Abort(()),
        });
        matches!(changed, Compute::Updated { .. })
    }
    fn count(&self) -> usize {
        papaya::HashMap::len(self)
    }
    fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.pin().retain(|k, v| keep(k, v));
    }
    fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        self.pin().iter().for_each(|(k, v)| f(k, v));
    }
}

/// scc's `HashMap`: a lock per bucket, taken by its blocking (`_sync`) methods here
/// even from tasks — the critical sections are a few nanoseconds and never span an `.await`,
/// as with `DashMap` (its `_async` methods would park the task instead of the thread).
impl<K: Hash + Eq + Send + Sync + 'static, V: Clone + Send + Sync + 'static> SharedMap<K, V>
    for scc::HashMap<K, V>
{
    const NAME: &'static str = "scc";
    const ABOUT: &'static str =
        "scc's `HashMap`: a lock per bucket, lock-free bucket-array resizing";

    fn from_entries(entries: impl IntoIterator<Item = (K, V)>) -> Self {
        let map = scc::HashMap::new();
        for (k, v) in entries {
            map.upsert_sync(k, v);
        }
        map
    }
    #[inline]
    fn read<R>(&self, key: &K, f: impl FnOnce(&V) -> R) -> Option<R> {
        self.read_sync(key, |_, v| f(v))
    }
    #[inline]
    fn insert(&self, key: K, value: V) -> Option<V> {
        self.upsert_sync(key, value)
    }
    #[inline]
    fn remove(&self, key: &K) -> Option<V> {
        self.remove_sync(key).map(|(_, v)| v)
    }
    #[inline]
    fn modify<A: Clone>(&self, key: &K, arg: A, f: impl Fn(&mut V, A) -> bool) -> bool {
        self.update_sync(key, |_, v| f(v, arg)).unwrap_or(false)
    }
    fn count(&self) -> usize {
        scc::HashMap::len(self)
    }
    fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.retain_sync(|k, v| keep(k, v));
    }
    fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        self.iter_sync(|k, v| {
            f(k, v);
            true
        });
    }
}
