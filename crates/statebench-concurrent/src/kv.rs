//! The key-value store over a concurrent map. The state machine's [`Work`] is spent in the
//! map's critical section for the key ([`SharedMap`]).

use std::fmt;
use std::marker::PhantomData;

use statebench_core::{
    Error, Family, Key, Kv, KvOp, KvReply, Service, Settings, StateMachine, Value, Work,
};

use crate::Handle;
use crate::map::SharedMap;

/// The key-value store over concurrent map `M`: [`DashKv`], [`PapayaKv`], [`SccKv`].
pub struct MapKv<K, V, M> {
    handle: Handle<M>,
    work: Work,
    types: PhantomData<fn() -> (K, V)>,
}

/// The key-value store over a `DashMap` (`dashmap`).
pub type DashKv<K, V> = MapKv<K, V, dashmap::DashMap<K, V>>;
/// The key-value store over papaya's `HashMap` (`papaya`).
pub type PapayaKv<K, V> = MapKv<K, V, papaya::HashMap<K, V>>;
/// The key-value store over scc's `HashMap` (`scc`).
pub type SccKv<K, V> = MapKv<K, V, scc::HashMap<K, V>>;

impl<K, V, M> Clone for MapKv<K, V, M> {
    fn clone(&self) -> Self {
        MapKv {
            handle: self.handle.clone(),
            work: self.work,
            types: PhantomData,
        }
    }
}

impl<K, V, M: SharedMap<K, V>> fmt::Debug for MapKv<K, V, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapKv")
            .field("map", &M::NAME)
            .finish_non_exhaustive()
    }
}

impl<K: Key, V: Value, M: SharedMap<K, V>> Service<Kv<K, V>> for MapKv<K, V, M> {
    const NAME: &'static str = M::NAME;
    const FAMILY: Family = Family::Concurrent;
    const ABOUT: &'static str = M::ABOUT;

    fn start(initial: Kv<K, V>, settings: &Settings) -> Self {
        let work = initial.work();
        let map = M::from_entries(initial.into_entries());
        MapKv {
            handle: Handle::new::<Kv<K, V>>(map, settings, None, |_, _| {}),
            work,
            types: PhantomData,
        }
    }

    #[inline]
    fn call(&self, op: KvOp<K, V>) -> Result<KvReply<V>, Error> {
        let (map, work) = (self.handle.state()?, self.work);
        Ok(match op {
            KvOp::Get(k) => KvReply::Value(map.read(&k, work, V::clone)),
            KvOp::Set(k, v) => KvReply::Value(map.insert(k, v, work)),
            KvOp::Delete(k) => KvReply::Value(map.remove(&k, work)),
            KvOp::Len => {
                work.spend();
                KvReply::Len(map.count())
            }
        })
    }

    async fn call_async(&self, op: KvOp<K, V>) -> Result<KvReply<V>, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.handle.state().map(|_| ())
    }

    /// `Len` visits the map part by part, so a `Len` racing writes may return a count the map
    /// never had at any one instant; every other operation is linearizable.
    fn linearizable(op: &KvOp<K, V>) -> bool {
        !matches!(op, KvOp::Len)
    }

    fn shutdown(&self) -> Result<Kv<K, V>, Error> {
        let map = self.handle.stop()?;
        let mut entries = Vec::with_capacity(map.count());
        map.for_each(|k, v| entries.push((k.clone(), v.clone())));
        let mut state = Kv::from_entries(entries);
        state.set_work(self.work);
        Ok(state)
    }
}
