//! Every implementation of every service, by its stable snake_case name.

use statebench_concurrent::{
    AtomicCounter, DashCache, DashKv, DashSessions, MokaCache, PapayaCache, PapayaKv,
    PapayaSessions, SccCache, SccKv, SccSessions,
};
use statebench_core::sharded::Shardable;
use statebench_core::{CacheU64, Counter, KvU64, Service, Sessions, StateMachine};
use statebench_harness::RustDriver;
use statebench_harness::results::Results;
use statebench_locked::{
    Combining, HandwrittenKv, MutexParkingLot, MutexStd, MutexTokio, RwLockStd, RwLockTokio,
    Striped,
};
use statebench_owner_async_std::OwnerAsyncStd;
use statebench_owner_ractor::OwnerRactor;
use statebench_owner_smol::OwnerSmol;
use statebench_owner_thread::{OwnerThread, OwnerThreadSpin, ShardedThread};
use statebench_owner_tokio::{HandwrittenOwnerKv, OwnerTokio, OwnerTokioBatch, ShardedTokio};
use statebench_redis::{Redis, RedisCluster};

/// Called once per registered implementation `I` of service `S`.
pub trait Visitor<S: StateMachine> {
    /// Visits implementation `I` (its name is `I::NAME`).
    fn visit<I: Service<S>>(&mut self);
}

/// The strategies made for one service alone, added to the generic ones. Every service of
/// [`statebench_core::for_each_service!`] implements it (with an empty body if it has none),
/// or the registry does not compile.
pub trait Registered: StateMachine + Sized {
    /// Visits this service's own strategies.
    fn own<V: Visitor<Self>>(v: &mut V);
}

macro_rules! visit_all {
    ($($service:ident = $ty:ty),+) => {
        /// A visitor of every service.
        pub trait VisitAll: $(Visitor<$ty> +)+ Sized {}
        impl<V: $(Visitor<$ty> +)+ Sized> VisitAll for V {}

        /// Walks every implementation of every service, service by service.
        pub fn all<V: VisitAll>(v: &mut V) {
            $(walk::<$ty, V>(v);)+
        }

        /// Walks the registry of `service` with `visitor` (nothing for an unknown service:
        /// callers validate names first).
        pub fn visit_service<V: VisitAll>(service: &str, visitor: &mut V) {
            $(if service == <$ty>::SERVICE {
                walk::<$ty, V>(visitor);
            })+
        }
    };
}
statebench_core::for_each_service!(visit_all);

/// Walks the implementations of service `S`: the generic strategies, then its own.
pub fn walk<S: Registered, V: Visitor<S>>(v: &mut V) {
    generic(v);
    S::own(v);
}

/// The strategies generic over the state machine: they serve every service.
fn generic<S: StateMachine, V: Visitor<S>>(v: &mut V) {
    v.visit::<OwnerTokio<S>>();
    v.visit::<OwnerTokioBatch<S>>();
    v.visit::<OwnerAsyncStd<S>>();
    v.visit::<OwnerSmol<S>>();
    v.visit::<OwnerThread<S>>();
    v.visit::<OwnerThreadSpin<S>>();
    v.visit::<OwnerRactor<S>>();
    v.visit::<MutexStd<S>>();
    v.visit::<RwLockStd<S>>();
    v.visit::<MutexParkingLot<S>>();
    v.visit::<MutexTokio<S>>();
    v.visit::<RwLockTokio<S>>();
    v.visit::<Combining<S>>();
}

/// The state split by key — the sharded owners and the striped lock: for the services whose
/// operations name keys.
fn sharded<S: Shardable, V: Visitor<S>>(v: &mut V) {
    v.visit::<ShardedTokio<S>>();
    v.visit::<ShardedThread<S>>();
    v.visit::<Striped<S>>();
}

impl Registered for KvU64 {
    fn own<V: Visitor<Self>>(v: &mut V) {
        sharded(v);
        v.visit::<DashKv<u64, u64>>();
        v.visit::<PapayaKv<u64, u64>>();
        v.visit::<SccKv<u64, u64>>();
        // The reference rows: what the generic lock wrapper and the generic owner cost over
        // the same strategy written by hand.
        v.visit::<HandwrittenKv>();
        v.visit::<HandwrittenOwnerKv>();
        v.visit::<Redis<Self>>();
        v.visit::<RedisCluster<Self>>();
    }
}

impl Registered for Counter {
    fn own<V: Visitor<Self>>(v: &mut V) {
        v.visit::<AtomicCounter>();
        v.visit::<Redis<Self>>();
    }
}

impl Registered for Sessions {
    fn own<V: Visitor<Self>>(v: &mut V) {
        sharded(v);
        v.visit::<DashSessions>();
        v.visit::<PapayaSessions>();
        v.visit::<SccSessions>();
        v.visit::<Redis<Self>>();
        v.visit::<RedisCluster<Self>>();
    }
}

impl Registered for CacheU64 {
    fn own<V: Visitor<Self>>(v: &mut V) {
        sharded(v);
        v.visit::<DashCache<u64, u64>>();
        v.visit::<PapayaCache<u64, u64>>();
        v.visit::<SccCache<u64, u64>>();
        v.visit::<MokaCache<u64, u64>>();
        v.visit::<Redis<Self>>();
        v.visit::<RedisCluster<Self>>();
    }
}

/// What a record says of its strategy, read from the strategy's type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Described {
    /// Where the work runs, with the callers ([`RustDriver::placement`]).
    pub placement: String,
    /// [`Service::FAMILY`]'s name.
    pub family: &'static str,
    /// [`Service::ABOUT`].
    pub about: &'static str,
    /// [`Service::CROSSES_THREADS`].
    pub crosses_threads: bool,
    /// [`Service::RUNS_ON_CALLERS_RUNTIME`].
    pub runs_on_callers_runtime: bool,
    /// [`Service::SPENDS_WORK`].
    pub spends_work: bool,
}

impl Described {
    /// Strategy `I` serving `S`, called by `driver`'s callers.
    pub fn of<S: StateMachine, I: Service<S>>(driver: RustDriver) -> Described {
        Described {
            placement: driver.placement::<S, I>(),
            family: I::FAMILY.name(),
            about: I::ABOUT,
            crosses_threads: I::CROSSES_THREADS,
            runs_on_callers_runtime: I::RUNS_ON_CALLERS_RUNTIME,
            spends_work: I::SPENDS_WORK,
        }
    }
}

/// The description of `implementation` serving `service` under `driver`, if it is registered.
pub fn describe(service: &str, implementation: &str, driver: RustDriver) -> Option<Described> {
    struct Find<'a>(&'a str, RustDriver, Option<Described>);
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
        // Go's rows are not in the registry: they carry their description from the Go side.
        if let Some(d) = r
            .driver
            .rust()
            .and_then(|d| describe(&r.service, &r.implementation, d))
        {
            r.family = d.family.to_owned();
            r.about = d.about.to_owned();
        }
    }
}

/// Why `implementation` cannot serve `service` on this machine now
/// ([`Service::unavailable`]), or `None` if it can (or is not registered).
pub fn unavailable(service: &str, implementation: &str) -> Option<String> {
    struct Ask<'a>(&'a str, Option<String>);
    impl<S: StateMachine> Visitor<S> for Ask<'_> {
        fn visit<I: Service<S>>(&mut self) {
            if I::NAME == self.0 {
                self.1 = I::unavailable();
            }
        }
    }
    let mut ask = Ask(implementation, None);
    visit_service(service, &mut ask);
    ask.1
}

/// The implementations of `service` this machine can run now, in registry order: those of
/// [`implementations`] that are not [`unavailable`].
pub fn runnable(service: &str) -> Vec<&'static str> {
    implementations(service)
        .into_iter()
        .filter(|i| unavailable(service, i).is_none())
        .collect()
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
        let expected: BTreeSet<_> = statebench_core::SERVICES.iter().map(|s| s.name).collect();
        assert_eq!(services, expected);
    }
}
