//! The key-value store over a `DashMap`.

use std::fmt;

use dashmap::DashMap;
use statebench_core::{Error, Family, Key, Kv, KvOp, KvReply, Service, Settings, Value};

use crate::{ABOUT_DASHMAP, Handle};

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
