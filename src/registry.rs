//! Every implementation of every service, by its stable snake_case name.

use statebench_concurrent::{AtomicCounter, DashCache, DashKv, DashSessions};
use statebench_core::{CacheU64, Counter, KvU64, Service, Sessions, StateMachine};
use statebench_harness::Driver;
use statebench_harness::results::Results;
use statebench_locked::{HandwrittenKv, MutexParkingLot, MutexStd, RwLockStd};
use statebench_owner_async_std::OwnerAsyncStd;
use statebench_owner_smol::OwnerSmol;
use statebench_owner_thread::OwnerThread;
use statebench_owner_tokio::OwnerTokio;

/// Called once per registered implementation `I` of service `S`.
pub trait Visitor<S: StateMachine> {
    /// Visits implementation `I` (its name is `I::NAME`).
    fn visit<I: Service<S>>(&mut self);
}

/// A visitor of every service.
pub trait VisitAll:
    Visitor<KvU64> + Visitor<Counter> + Visitor<Sessions> + Visitor<CacheU64>
{
}
impl<V: Visitor<KvU64> + Visitor<Counter> + Visitor<Sessions> + Visitor<CacheU64>> VisitAll for V {}

/// The services, by name, with one line each on what they are.
pub const SERVICES: [(&str, &str); 4] = [
    (
        "kv",
        "key-value store, u64 keys and values: get, set, delete, len",
    ),
    ("counter", "counter: increment, get, reset"),
    (
        "sessions",
        "session manager: create, get, set_data, touch, delete; sessions expire",
    ),
    (
        "cache",
        "TTL cache: set with a TTL, get, delete, len; periodic cleanup",
    ),
];

/// The strategies generic over the state machine: they serve every service.
fn generic<S: StateMachine, V: Visitor<S>>(v: &mut V) {
    v.visit::<OwnerTokio<S>>();
    v.visit::<OwnerAsyncStd<S>>();
    v.visit::<OwnerSmol<S>>();
    v.visit::<OwnerThread<S>>();
    v.visit::<MutexStd<S>>();
    v.visit::<RwLockStd<S>>();
    v.visit::<MutexParkingLot<S>>();
}

/// Walks the implementations of the key-value store.
pub fn kv<V: Visitor<KvU64>>(v: &mut V) {
    generic(v);
    v.visit::<DashKv<u64, u64>>();
    // The reference row: what the generic lock wrapper costs over a lock written by hand.
    v.visit::<HandwrittenKv>();
}

/// Walks the implementations of the counter.
pub fn counter<V: Visitor<Counter>>(v: &mut V) {
    generic(v);
    v.visit::<AtomicCounter>();
}

/// Walks the implementations of the session manager.
pub fn sessions<V: Visitor<Sessions>>(v: &mut V) {
    generic(v);
    v.visit::<DashSessions>();
}

/// Walks the implementations of the TTL cache.
pub fn cache<V: Visitor<CacheU64>>(v: &mut V) {
    generic(v);
    v.visit::<DashCache<u64, u64>>();
}

/// Walks every implementation of every service, service by service.
pub fn all<V: VisitAll>(v: &mut V) {
    kv(v);
    counter(v);
    sessions(v);
    cache(v);
}

/// What a record says of its strategy, read from the strategy's type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Described {
    /// Where the work runs, with the callers ([`Driver::placement`]).
    pub placement: String,
    /// [`Service::FAMILY`]'s name.
    pub family: &'static str,
    /// [`Service::ABOUT`].
    pub about: &'static str,
}

impl Described {
    /// Strategy `I` serving `S`, called by `driver`'s callers.
    pub fn of<S: StateMachine, I: Service<S>>(driver: Driver) -> Described {
        Described {
            placement: driver.placement::<S, I>(),
            family: I::FAMILY.name(),
            about: I::ABOUT,
        }
    }
}

/// The description of `implementation` serving `service` under `driver`, if it is registered.
pub fn describe(service: &str, implementation: &str, driver: Driver) -> Option<Described> {
    struct Find<'a>(&'a str, Driver, Option<Described>);
    impl<S: StateMachine> Visitor<S> for Find<'_> {
        fn visit<I: Service<S>>(&mut self) {
            if I::NAME == self.0 {
                self.2 = Some(Described::of::<S, I>(self.1));
            }
        }
    }
    let mut find = Find(implementation, driver, None);
    visit_service(service, &mut find);
    find.2
}

/// Fills the family and description of records from files written before records carried
/// them, from the registry (a record of a strategy no longer registered keeps them empty).
pub fn describe_old_records(results: &mut Results) {
    for r in results.records.iter_mut().filter(|r| r.family.is_empty()) {
        if let Some(d) = describe(&r.service, &r.implementation, r.driver) {
            r.family = d.family.to_owned();
            r.about = d.about.to_owned();
        }
    }
}

/// Every registered (service, implementation) pair, in registry order.
pub fn pairs() -> Vec<(&'static str, &'static str)> {
    struct Names(Vec<(&'static str, &'static str)>);
    impl<S: StateMachine> Visitor<S> for Names {
        fn visit<I: Service<S>>(&mut self) {
            self.0.push((S::SERVICE, I::NAME));
        }
    }
    let mut names = Names(Vec::new());
    all(&mut names);
    names.0
}

/// The implementations of `service`, in registry order (empty for an unknown service).
pub fn implementations(service: &str) -> Vec<&'static str> {
    pairs()
        .into_iter()
        .filter(|(s, _)| *s == service)
        .map(|(_, i)| i)
        .collect()
}

/// Walks the registry of `service` with `visitor` (nothing for an unknown service: callers
/// validate names first).
pub fn visit_service<V: VisitAll>(service: &str, visitor: &mut V) {
    match service {
        "kv" => kv(visitor),
        "counter" => counter(visitor),
        "sessions" => sessions(visitor),
        "cache" => cache(visitor),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_snake_case_and_every_service_is_walked() {
        let pairs = pairs();
        let unique: BTreeSet<_> = pairs.iter().collect();
        assert_eq!(
            unique.len(),
            pairs.len(),
            "a pair is registered twice: {pairs:?}"
        );
        for (service, name) in &pairs {
            for word in [service, name] {
                assert!(
                    !word.is_empty()
                        && word
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                    "{word:?} is not snake_case"
                );
            }
        }
        let services: BTreeSet<_> = pairs.iter().map(|(s, _)| *s).collect();
        let expected: BTreeSet<_> = SERVICES.iter().map(|(s, _)| *s).collect();
        assert_eq!(services, expected);
    }
}
