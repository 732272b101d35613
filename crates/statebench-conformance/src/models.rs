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
///
/// Which operations touch one key, and which the whole state, is the state machine's own
/// declaration ([`StateMachine::key`], [`statebench_core::Kind::keyed`]); keys are ordered so
/// that a history split by key is checked in a reproducible order.
pub trait Model: StateMachine<Key: Ord> + Clone + PartialEq + Debug + Sized {
    /// A fresh, empty state with test settings (short lifetimes, so sessions expire).
    fn model() -> Self;
    /// Operations, drawn over a handful of keys so that they hit each other.
    fn op() -> BoxedStrategy<Self::Op> {
        Self::op_over(KEYS.end)
    }
    /// Operations over the first `keys` keys (at least 1): the concurrent scenarios draw
    /// fewer keys than the sequential suite, so that racing calls meet on the same key.
    fn op_over(keys: u64) -> BoxedStrategy<Self::Op>;
    /// Clock advances between operations: whole seconds (the lifetimes and TTLs are whole
    /// seconds, so a sum of advances lands exactly on an expiry instant), or a whole second
    /// and a nudge of 1 ns or 500 µs either way, so the clock also stops just before and just
    /// after one — where an off-by-a-little expiry or cleanup shows.
    fn advance() -> BoxedStrategy<Duration> {
        let nudge = prop_oneof![
            4 => Just(0i64),
            1 => Just(-1),
            1 => Just(1),
            1 => Just(-500_000),
            1 => Just(500_000),
        ];
        (0u64..=12, nudge)
            .prop_map(|(secs, nudge)| {
                let nanos = i128::from(secs) * 1_000_000_000 + i128::from(nudge);
                Duration::from_nanos(u64::try_from(nanos.max(0)).unwrap_or(0))
            })
            .boxed()
    }
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

    fn op_over(keys: u64) -> BoxedStrategy<Self::Op> {
        let keys = 0..keys.max(1);
        prop_oneof![
            4 => keys.clone().prop_map(KvOp::Get),
            4 => (keys.clone(), 0u64..100).prop_map(|(k, v)| KvOp::Set(k, v)),
            2 => keys.prop_map(KvOp::Delete),
            1 => Just(KvOp::Len),
        ]
        .boxed()
    }

    fn final_reads() -> Vec<KvOp<u64, u64>> {
        KEYS.map(KvOp::Get).collect()
    }
}

impl Model for Counter {
    fn model() -> Self {
        Counter::new()
    }

    /// The counter is one object: `keys` changes nothing.
    fn op_over(_keys: u64) -> BoxedStrategy<Self::Op> {
        prop_oneof![
            6 => Just(CounterOp::Increment),
            3 => Just(CounterOp::Get),
            1 => Just(CounterOp::Reset),
        ]
        .boxed()
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

    fn op_over(keys: u64) -> BoxedStrategy<Self::Op> {
        let keys = 0..keys.max(1);
        let key = prop_oneof![Just("user"), Just("cart")].prop_map(String::from);
        let value = (0u8..4).prop_map(|v| format!("v{v}"));
        prop_oneof![
            3 => keys.clone().prop_map(SessionsOp::Create),
            4 => keys.clone().prop_map(SessionsOp::Get),
            1 => keys.clone().prop_map(SessionsOp::Delete),
            3 => (keys.clone(), key, value).prop_map(|(id, key, value)| SessionsOp::SetData { id, key, value }),
            2 => keys.clone().prop_map(SessionsOp::Touch),
        ]
        .boxed()
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

    fn op_over(keys: u64) -> BoxedStrategy<Self::Op> {
        let keys = 0..keys.max(1);
        prop_oneof![
            4 => keys.clone().prop_map(CacheOp::Get),
            4 => (keys.clone(), 0u64..100, 1u64..=20).prop_map(|(key, value, secs)| CacheOp::Set {
                key,
                value,
                ttl: Duration::from_secs(secs),
            }),
            1 => keys.clone().prop_map(CacheOp::Delete),
            1 => Just(CacheOp::Len),
        ]
        .boxed()
    }

    fn racing() -> Self {
        CacheU64::new(RACING_CLEANUP)
    }

    fn final_reads() -> Vec<CacheOp<u64, u64>> {
        KEYS.map(CacheOp::Get).collect()
    }
}
