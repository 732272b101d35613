//! The key-value store: `get`, `set`, `delete`, `len`.

use std::collections::HashMap;
use std::time::Instant;

use crate::{Key, Kind, StateMachine, Value, Work};

/// An operation on the key-value store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvOp<K, V> {
    /// Reads the value of a key.
    Get(K),
    /// Writes a value; replies with the previous one.
    Set(K, V),
    /// Removes a key; replies with the removed value.
    Delete(K),
    /// Counts the keys.
    Len,
}

/// The reply of the key-value store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvReply<V> {
    /// The value read, or replaced (`Set`), or removed (`Delete`); `None` if there was none.
    Value(Option<V>),
    /// The number of keys.
    Len(usize),
}

/// The key-value store as a sequential state machine: a `HashMap`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kv<K: Key, V: Value> {
    map: HashMap<K, V>,
    work: Work,
}

impl<K: Key, V: Value> Kv<K, V> {
    /// An empty store.
    pub fn new() -> Self {
        Kv {
            map: HashMap::new(),
            work: Work::NONE,
        }
    }

    /// A store holding `entries`.
    pub fn from_entries(entries: impl IntoIterator<Item = (K, V)>) -> Self {
        Kv {
            map: entries.into_iter().collect(),
            work: Work::NONE,
        }
    }

    /// The stored entries, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }

    /// Gives up the map.
    pub fn into_entries(self) -> HashMap<K, V> {
        self.map
    }
}

impl<K: Key, V: Value> Default for Kv<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Key, V: Value> StateMachine for Kv<K, V> {
    type Op = KvOp<K, V>;
    type Reply = KvReply<V>;
    type Key = K;
    const SERVICE: &'static str = "kv";
    const ABOUT: &'static str = "key-value store, u64 keys and values: get, set, delete, len";
    const KINDS: &'static [Kind] = &[
        Kind::reader("get"),
        Kind::writer("set"),
        Kind::writer("delete"),
        Kind::reader("len").whole_state(),
    ];
    const USES_CLOCK: bool = false;

    #[inline(always)]
    fn kind(op: &KvOp<K, V>) -> usize {
        match op {
            KvOp::Get(_) => 0,
            KvOp::Set(..) => 1,
            KvOp::Delete(_) => 2,
            KvOp::Len => 3,
        }
    }

    #[inline(always)]
    fn key(op: &KvOp<K, V>) -> Option<&K> {
        match op {
            KvOp::Get(k) | KvOp::Set(k, _) | KvOp::Delete(k) => Some(k),
            KvOp::Len => None,
        }
    }

    // Small enough to inline into every strategy, as the same code written by hand would be.
    #[inline(always)]
    fn apply(&mut self, op: KvOp<K, V>, now: Instant) -> KvReply<V> {
        match op {
            KvOp::Set(k, v) => {
                self.work.spend();
                KvReply::Value(self.map.insert(k, v))
            }
            KvOp::Delete(k) => {
                self.work.spend();
                KvReply::Value(self.map.remove(&k))
            }
            read => match self.read(&read, now) {
                Some(reply) => reply,
                None => unreachable!("Get and Len are answered by read"),
            },
        }
    }

    #[inline(always)]
    fn read(&self, op: &KvOp<K, V>, _now: Instant) -> Option<KvReply<V>> {
        if !matches!(op, KvOp::Set(..) | KvOp::Delete(_)) {
            self.work.spend();
        }
        match op {
            KvOp::Get(k) => Some(KvReply::Value(self.map.get(k).cloned())),
            KvOp::Len => Some(KvReply::Len(self.map.len())),
            KvOp::Set(..) | KvOp::Delete(_) => None,
        }
    }

    fn work(&self) -> Work {
        self.work
    }

    fn set_work(&mut self, work: Work) {
        self.work = work;
    }
}

impl<K: Key, V: Value> crate::sharded::Shardable for Kv<K, V> {
    fn split(self, parts: usize, route: &dyn Fn(&K) -> usize) -> Vec<Self> {
        let mut split: Vec<Self> = (0..parts)
            .map(|_| Kv {
                work: self.work,
                ..Kv::new()
            })
            .collect();
        for (k, v) in self.map {
            split[route(&k)].map.insert(k, v);
        }
        split
    }

    fn join(parts: Vec<Self>) -> Self {
        let work = parts.first().map_or(Work::NONE, |p| p.work);
        Kv {
            work,
            ..Kv::from_entries(parts.into_iter().flat_map(|part| part.map))
        }
    }

    fn join_replies(op: &KvOp<K, V>, replies: Vec<KvReply<V>>) -> KvReply<V> {
        match op {
            KvOp::Len => KvReply::Len(
                replies
                    .iter()
                    .map(|r| match r {
                        KvReply::Len(n) => *n,
                        KvReply::Value(_) => 0,
                    })
                    .sum(),
            ),
            // Keyed operations have one shard, hence one reply.
            _ => replies.into_iter().next().unwrap_or(KvReply::Value(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{every_kind_declared, read_agrees_with_apply};

    #[test]
    fn set_get_delete_len() {
        let now = Instant::now();
        let mut kv = Kv::<u64, u64>::new();
        assert_eq!(kv.apply(KvOp::Get(1), now), KvReply::Value(None));
        assert_eq!(kv.apply(KvOp::Set(1, 10), now), KvReply::Value(None));
        assert_eq!(kv.apply(KvOp::Set(1, 11), now), KvReply::Value(Some(10)));
        assert_eq!(kv.apply(KvOp::Set(2, 20), now), KvReply::Value(None));
        assert_eq!(kv.apply(KvOp::Len, now), KvReply::Len(2));
        assert_eq!(kv.apply(KvOp::Get(1), now), KvReply::Value(Some(11)));
        assert_eq!(kv.apply(KvOp::Delete(1), now), KvReply::Value(Some(11)));
        assert_eq!(kv.apply(KvOp::Delete(1), now), KvReply::Value(None));
        assert_eq!(kv.apply(KvOp::Len, now), KvReply::Len(1));
    }

    #[test]
    fn reads_agree_with_apply() {
        let now = Instant::now();
        let mut kv = Kv::from_entries([(1u64, 1u64), (2, 4)]);
        let ops = vec![KvOp::Get(1), KvOp::Len, KvOp::Set(5, 5), KvOp::Delete(2)];
        every_kind_declared(&mut kv, ops, now);
        read_agrees_with_apply(&mut kv, KvOp::Get(3), now);
        assert_eq!(kv.read(&KvOp::Set(1, 1), now), None);
        assert_eq!(kv.read(&KvOp::Delete(1), now), None);
    }
}
