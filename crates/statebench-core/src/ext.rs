//! Typed sugar over the operation enums: `store.get(&k)` on anything that serves a [`Kv`],
//! `counter.increment()` on anything that serves a [`Counter`], and so on, blocking and async.
//!
//! A reply of the wrong variant would be a broken strategy; the conformance suite rules that
//! out, so these helpers treat it as unreachable.

use std::time::Duration;

use crate::{
    Cache, CacheOp, CacheReply, Counter, CounterOp, Error, Key, Kv, KvOp, KvReply, Service,
    Session, SessionId, Sessions, SessionsOp, SessionsReply, Value,
};

fn value<V>(reply: KvReply<V>) -> Option<V> {
    match reply {
        KvReply::Value(v) => v,
        KvReply::Len(_) => unreachable!("kv replies Value to get/set/delete"),
    }
}

fn len<V>(reply: KvReply<V>) -> usize {
    match reply {
        KvReply::Len(n) => n,
        KvReply::Value(_) => unreachable!("kv replies Len to len"),
    }
}

/// Typed calls on any key-value store service.
pub trait KvExt<K: Key, V: Value>: Service<Kv<K, V>> {
    /// The value of `key`.
    fn get(&self, key: &K) -> Result<Option<V>, Error> {
        self.call(KvOp::Get(key.clone())).map(value)
    }
    /// Stores `value` under `key`; returns the previous value.
    fn set(&self, key: K, value_: V) -> Result<Option<V>, Error> {
        self.call(KvOp::Set(key, value_)).map(value)
    }
    /// Removes `key`; returns its value.
    fn delete(&self, key: &K) -> Result<Option<V>, Error> {
        self.call(KvOp::Delete(key.clone())).map(value)
    }
    /// The number of keys.
    fn len(&self) -> Result<usize, Error> {
        self.call(KvOp::Len).map(len)
    }
    /// Whether the store holds no key.
    fn is_empty(&self) -> Result<bool, Error> {
        self.len().map(|n| n == 0)
    }
    /// `get` from async code.
    fn get_async(&self, key: &K) -> impl Future<Output = Result<Option<V>, Error>> + Send {
        let call = self.call_async(KvOp::Get(key.clone()));
        async move { call.await.map(value) }
    }
    /// `set` from async code.
    fn set_async(
        &self,
        key: K,
        value_: V,
    ) -> impl Future<Output = Result<Option<V>, Error>> + Send {
        let call = self.call_async(KvOp::Set(key, value_));
        async move { call.await.map(value) }
    }
}
impl<K: Key, V: Value, T: Service<Kv<K, V>>> KvExt<K, V> for T {}

/// Typed calls on any counter service.
pub trait CounterExt: Service<Counter> {
    /// Adds one; returns the new count.
    fn increment(&self) -> Result<u64, Error> {
        self.call(CounterOp::Increment).map(|r| r.0)
    }
    /// The count.
    fn count(&self) -> Result<u64, Error> {
        self.call(CounterOp::Get).map(|r| r.0)
    }
    /// Sets the count to zero; returns the count it replaced.
    fn reset(&self) -> Result<u64, Error> {
        self.call(CounterOp::Reset).map(|r| r.0)
    }
    /// `increment` from async code.
    fn increment_async(&self) -> impl Future<Output = Result<u64, Error>> + Send {
        let call = self.call_async(CounterOp::Increment);
        async move { call.await.map(|r| r.0) }
    }
}
impl<T: Service<Counter>> CounterExt for T {}

fn session(reply: SessionsReply) -> Option<Session> {
    match reply {
        SessionsReply::Session(s) => s,
        SessionsReply::Live(_) => unreachable!("sessions replies Session to create/get"),
    }
}

fn live(reply: SessionsReply) -> bool {
    match reply {
        SessionsReply::Live(live) => live,
        SessionsReply::Session(_) => unreachable!("sessions replies Live to delete/set_data/touch"),
    }
}

/// Typed calls on any session manager service.
pub trait SessionsExt: Service<Sessions> {
    /// Makes a fresh session (replacing any with that id).
    fn create(&self, id: SessionId) -> Result<Session, Error> {
        self.call(SessionsOp::Create(id))
            .map(|r| session(r).unwrap_or_else(|| unreachable!("create always replies a session")))
    }
    /// The live session `id`.
    fn session(&self, id: SessionId) -> Result<Option<Session>, Error> {
        self.call(SessionsOp::Get(id)).map(session)
    }
    /// Sets one data entry; returns whether the session was live.
    fn set_data(&self, id: SessionId, key: &str, value: &str) -> Result<bool, Error> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.call(SessionsOp::SetData { id, key, value }).map(live)
    }
    /// Extends the session's life; returns whether it was live.
    fn touch(&self, id: SessionId) -> Result<bool, Error> {
        self.call(SessionsOp::Touch(id)).map(live)
    }
    /// Ends the session; returns whether it was live.
    fn end(&self, id: SessionId) -> Result<bool, Error> {
        self.call(SessionsOp::Delete(id)).map(live)
    }
}
impl<T: Service<Sessions>> SessionsExt for T {}

fn cached<V>(reply: CacheReply<V>) -> Option<V> {
    match reply {
        CacheReply::Value(v) => v,
        CacheReply::Len(_) => unreachable!("cache replies Value to get/set/delete"),
    }
}

/// Typed calls on any TTL cache service.
pub trait CacheExt<K: Key, V: Value>: Service<Cache<K, V>> {
    /// The live value of `key`.
    fn get(&self, key: &K) -> Result<Option<V>, Error> {
        self.call(CacheOp::Get(key.clone())).map(cached)
    }
    /// Stores `value` for `ttl`; returns the previous live value.
    fn set(&self, key: K, value: V, ttl: Duration) -> Result<Option<V>, Error> {
        self.call(CacheOp::Set { key, value, ttl }).map(cached)
    }
    /// Removes `key`; returns its live value.
    fn delete(&self, key: &K) -> Result<Option<V>, Error> {
        self.call(CacheOp::Delete(key.clone())).map(cached)
    }
}
impl<K: Key, V: Value, T: Service<Cache<K, V>>> CacheExt<K, V> for T {}
