//! Per service: a fresh model with settings that make expiry happen within a test, and a
//! proptest strategy for its operations over small key sets, so that calls collide.

use std::fmt::Debug;
use std::time::Duration;

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use statebench_core::{
    CacheOp, CacheU64, Counter, CounterOp, KvOp, KvU64, Sessions, SessionsOp, StateMachine,
};

/// A service the conformance suite knows how to exercise.
pub trait Model: StateMachine + Clone + PartialEq + Debug + Sized {
    /// Whether operations name keys that never interact ([`Model::key`]); the counter is one
    /// object.
    const KEYED: bool = true;
    /// A fresh, empty state with test settings (short lifetimes, so sessions expire).
    fn model() -> Self;
    /// Operations, drawn over a handful of keys so that they hit each other.
    fn op() -> BoxedStrategy<Self::Op>;
    /// Clock advances between operations.
    fn advance() -> BoxedStrategy<Duration> {
        (0u64..=12).prop_map(Duration::from_secs).boxed()
    }
    /// The key `op` touches, or `None` if it reads or writes the whole state (`Len`, and every
    /// counter operation). The linearizability check splits histories by key when it can.
    fn key(op: &Self::Op) -> Option<u64>;
    /// A fresh state for the concurrent checks: like [`Model::model`], with periodic cleanup
    /// every few milliseconds so that it races the clients.
    fn racing() -> Self {
        Self::model()
    }
    /// Operations that read the whole state, key by key: made once the clients are done, so
    /// the checked history ends with what the service kept (a lost write shows there).
    fn final_reads() -> Vec<Self::Op>;
}

/// How often periodic cleanup runs in the concurrent checks.
const RACING_CLEANUP: Duration = Duration::from_millis(2);

const KEYS: std::ops::Range<u64> = 0..6;

impl Model for KvU64 {
    fn model() -> Self {
        KvU64::new()
    }

    fn op() -> BoxedStrategy<Self::Op> {
        prop_oneof![
            4 => KEYS.prop_map(KvOp::Get),
            4 => (KEYS, 0u64..100).prop_map(|(k, v)| KvOp::Set(k, v)),
            2 => KEYS.prop_map(KvOp::Delete),
            1 => Just(KvOp::Len),
        ]
        .boxed()
    }

    fn key(op: &KvOp<u64, u64>) -> Option<u64> {
        match op {
            KvOp::Get(k) | KvOp::Set(k, _) | KvOp::Delete(k) => Some(*k),
            KvOp::Len => None,
        }
    }

    fn final_reads() -> Vec<KvOp<u64, u64>> {
        KEYS.map(KvOp::Get).collect()
    }
}

impl Model for Counter {
    const KEYED: bool = false;

    fn model() -> Self {
        Counter::new()
    }

    fn op() -> BoxedStrategy<Self::Op> {
        prop_oneof![
            6 => Just(CounterOp::Increment),
            3 => Just(CounterOp::Get),
            1 => Just(CounterOp::Reset),
        ]
        .boxed()
    }

    fn key(_: &CounterOp) -> Option<u64> {
        None
    }

    fn final_reads() -> Vec<CounterOp> {
        vec![CounterOp::Get]
    }
}

/// Sessions live 10 s in the suite; clock advances reach 12 s, so some expire mid-history.
const SESSION_LIFETIME: Duration = Duration::from_secs(10);

impl Model for Sessions {
    fn model() -> Self {
        Sessions::new(SESSION_LIFETIME, Sessions::DEFAULT_CLEANUP_EVERY)
    }

    fn op() -> BoxedStrategy<Self::Op> {
        let key = prop_oneof![Just("user"), Just("cart")].prop_map(String::from);
        let value = (0u8..4).prop_map(|v| format!("v{v}"));
        prop_oneof![
            3 => KEYS.prop_map(SessionsOp::Create),
            4 => KEYS.prop_map(SessionsOp::Get),
            1 => KEYS.prop_map(SessionsOp::Delete),
            3 => (KEYS, key, value).prop_map(|(id, key, value)| SessionsOp::SetData { id, key, value }),
            2 => KEYS.prop_map(SessionsOp::Touch),
        ]
        .boxed()
    }

    fn key(op: &SessionsOp) -> Option<u64> {
        match op {
            SessionsOp::Create(id)
            | SessionsOp::Get(id)
            | SessionsOp::Delete(id)
            | SessionsOp::SetData { id, .. }
            | SessionsOp::Touch(id) => Some(*id),
        }
    }

    fn racing() -> Self {
        Sessions::new(SESSION_LIFETIME, RACING_CLEANUP)
    }

    fn final_reads() -> Vec<SessionsOp> {
        KEYS.map(SessionsOp::Get).collect()
    }
}

impl Model for CacheU64 {
    fn model() -> Self {
        CacheU64::default()
    }

    fn op() -> BoxedStrategy<Self::Op> {
        prop_oneof![
            4 => KEYS.prop_map(CacheOp::Get),
            4 => (KEYS, 0u64..100, 1u64..=20).prop_map(|(key, value, secs)| CacheOp::Set {
                key,
                value,
                ttl: Duration::from_secs(secs),
            }),
            1 => KEYS.prop_map(CacheOp::Delete),
            1 => Just(CacheOp::Len),
        ]
        .boxed()
    }

    fn key(op: &CacheOp<u64, u64>) -> Option<u64> {
        match op {
            CacheOp::Get(k) | CacheOp::Set { key: k, .. } | CacheOp::Delete(k) => Some(*k),
            CacheOp::Len => None,
        }
    }

    fn racing() -> Self {
        CacheU64::new(RACING_CLEANUP)
    }

    fn final_reads() -> Vec<CacheOp<u64, u64>> {
        KEYS.map(CacheOp::Get).collect()
    }
}
