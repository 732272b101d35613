//! The concurrent maps the keyed services are written over, behind one small trait: the key-value
//! store, the session manager and the TTL cache are each written once ([`MapKv`],
//! [`MapSessions`], [`MapCache`]) and served by `DashMap`, papaya's `HashMap` and scc's
//! `HashMap` alike, so a difference between the rows is the map's, not the service code's.
//!
//! Each method takes the operation's [`Work`] and spends it inside the map's own critical
//! section for that key: under the `DashMap` shard's lock, under scc's bucket lock, inside
//! papaya's compute closure (which papaya reruns when a racing write wins, so a lost race pays
//! the work again, as the same code would in a service). Where a key is absent there is no
//! entry to hold, and the work is spent after the lookup. With [`Work::NONE`] every method is
//! the map's plain call.

use std::hash::Hash;

use dashmap::DashMap;
use statebench_core::Work;

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
    /// `f` of the value stored at `key`, if there is one; `work` spent while it is read.
    fn read<R>(&self, key: &K, work: Work, f: impl FnOnce(&V) -> R) -> Option<R>;
    /// Stores `value` at `key`; the value it replaced. `work` is spent holding the entry.
    fn insert(&self, key: K, value: V, work: Work) -> Option<V>;
    /// Removes `key`; the value it held. `work` is spent holding the entry.
    fn remove(&self, key: &K, work: Work) -> Option<V>;
    /// Changes the value at `key` in place with `f(value, arg)`, which says whether it changed
    /// it; `false` if the key is absent. `f` may run more than once, on a fresh copy and a
    /// clone of `arg` each time (papaya retries a lost race), so it must depend on nothing
    /// else; the locking maps run it once and move `arg` in. `work` is spent with each run.
    fn modify<A: Clone>(&self, key: &K, arg: A, work: Work, f: impl Fn(&mut V, A) -> bool) -> bool;
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
    fn read<R>(&self, key: &K, work: Work, f: impl FnOnce(&V) -> R) -> Option<R> {
        let read = self.get(key).map(|v| {
            work.spend();
            f(&v)
        });
        if read.is_none() {
            work.spend();
        }
        read
    }
    #[inline]
    fn insert(&self, key: K, value: V, work: Work) -> Option<V> {
        if work.is_none() {
            return DashMap::insert(self, key, value);
        }
        match self.entry(key) {
            dashmap::Entry::Occupied(mut e) => {
                work.spend();
                Some(e.insert(value))
            }
            dashmap::Entry::Vacant(e) => {
                work.spend();
                e.insert(value);
                None
            }
        }
    }
    #[inline]
    fn remove(&self, key: &K, work: Work) -> Option<V> {
        if work.is_none() {
            return DashMap::remove(self, key).map(|(_, v)| v);
        }
        let removed = DashMap::remove_if(self, key, |_, _| {
            work.spend();
            true
        });
        if removed.is_none() {
            work.spend();
        }
        removed.map(|(_, v)| v)
    }
    #[inline]
    fn modify<A: Clone>(&self, key: &K, arg: A, work: Work, f: impl Fn(&mut V, A) -> bool) -> bool {
        match self.get_mut(key) {
            Some(mut v) => {
                work.spend();
                f(&mut v, arg)
            }
            None => {
                work.spend();
                false
            }
        }
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
    fn read<R>(&self, key: &K, work: Work, f: impl FnOnce(&V) -> R) -> Option<R> {
        let map = self.pin();
        let read = map.get(key);
        // No lock to hold: the work runs with the entry pinned, beside any other reader.
        work.spend();
        read.map(f)
    }
    #[inline]
    fn insert(&self, key: K, value: V, work: Work) -> Option<V> {
        use papaya::{Compute, Operation};
        if work.is_none() {
            return self.pin().insert(key, value).cloned();
        }
        let map = self.pin();
        let done = map.compute(key, |_| {
            work.spend();
            Operation::<V, ()>::Insert(value.clone())
        });
        match done {
            Compute::Updated { old: (_, v), .. } => Some(v.clone()),
            _ => None,
        }
    }
    #[inline]
    fn remove(&self, key: &K, work: Work) -> Option<V> {
        use papaya::{Compute, Operation};
        if work.is_none() {
            return self.pin().remove(key).cloned();
        }
        let map = self.pin();
        let done = map.compute(key.clone(), |entry| {
            work.spend();
            match entry {
                Some(_) => Operation::<V, ()>::Remove,
                None => Operation::Abort(()),
            }
        });
        match done {
            Compute::Removed(_, v) => Some(v.clone()),
            _ => None,
        }
    }
    #[inline]
    fn modify<A: Clone>(&self, key: &K, arg: A, work: Work, f: impl Fn(&mut V, A) -> bool) -> bool {
        use papaya::{Compute, Operation};
        let map = self.pin();
        let changed = map.compute(key.clone(), |entry| {
            work.spend();
            match entry {
                Some((_, v)) => {
                    let mut copy = v.clone();
                    if f(&mut copy, arg.clone()) {
                        Operation::Insert(copy)
                    } else {
                        Operation::Abort(())
                    }
                }
                None => Operation::Abort(()),
            }
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
    fn read<R>(&self, key: &K, work: Work, f: impl FnOnce(&V) -> R) -> Option<R> {
        let read = self.read_sync(key, |_, v| {
            work.spend();
            f(v)
        });
        if read.is_none() {
            work.spend();
        }
        read
    }
    #[inline]
    fn insert(&self, key: K, value: V, work: Work) -> Option<V> {
        if work.is_none() {
            return self.upsert_sync(key, value);
        }
        match self.entry_sync(key) {
            scc::hash_map::Entry::Occupied(mut e) => {
                work.spend();
                Some(e.insert(value))
            }
            scc::hash_map::Entry::Vacant(e) => {
                work.spend();
                e.insert_entry(value);
                None
            }
        }
    }
    #[inline]
    fn remove(&self, key: &K, work: Work) -> Option<V> {
        if work.is_none() {
            return self.remove_sync(key).map(|(_, v)| v);
        }
        let removed = self.remove_if_sync(key, |_| {
            work.spend();
            true
        });
        if removed.is_none() {
            work.spend();
        }
        removed.map(|(_, v)| v)
    }
    #[inline]
    fn modify<A: Clone>(&self, key: &K, arg: A, work: Work, f: impl Fn(&mut V, A) -> bool) -> bool {
        let changed = self.update_sync(key, |_, v| {
            work.spend();
            f(v, arg)
        });
        if changed.is_none() {
            work.spend();
        }
        changed.unwrap_or(false)
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
