//! The conformance suite, the linearizability check and the counter's conservation law on the
//! `redis` strategy: the state in a Redis server behaves as the state machines do, with the
//! manual clock driving the sessions' and the cache's expiry through the scripts.
//!
//! Where no `redis-server` can be had the tests say so and pass, unless one is required
//! (`STATEBENCH_REQUIRE_REDIS`, set by `.ci/run`, which installs it first).

use statebench_conformance::{CallStyle, Model, assert_conforms, cases, check_linearizable};
use statebench_core::{CacheU64, Counter, KvU64, Service, Sessions};
use statebench_redis::{RedisCache, RedisCluster, RedisCounter, RedisKv, RedisSessions, Stored};

/// Whether a server can be had; if not, prints the skip (or fails where one is required).
fn available() -> bool {
    statebench_conformance::startable::<KvU64, RedisKv>()
}

/// The linearizability check on `I` (on a cluster, of every operation on one key: `len` asks
/// each master in turn and is left out, as `Service::linearizable` says).
fn linearizable<S: Model + Stored, I: Service<S>>(style: CallStyle) {
    if !statebench_conformance::startable::<S, I>() {
        return;
    }
    match check_linearizable::<S, I>(style, cases(32)) {
        Ok(done) => println!(
            "{} on {}: {} histories linearizable",
            S::SERVICE,
            I::NAME,
            done.histories
        ),
        Err(report) => panic!("{report}"),
    }
}

macro_rules! suites {
    ($($module:ident: $service:ident = $impl:ty),+) => {
        $(
            mod $module {
                use super::*;

                // `assert_conforms` leaves out a strategy that cannot start, saying why.
                #[test]
                fn blocking() {
                    assert_conforms::<statebench_conformance::model_of!($service), $impl>(
                        <$impl as Service<statebench_conformance::model_of!($service)>>::NAME,
                        CallStyle::Blocking,
                    );
                }

                #[test]
                fn async_calls() {
                    assert_conforms::<statebench_conformance::model_of!($service), $impl>(
                        <$impl as Service<statebench_conformance::model_of!($service)>>::NAME,
                        CallStyle::Async,
                    );
                }

                #[test]
                fn linearizable_blocking() {
                    linearizable::<statebench_conformance::model_of!($service), $impl>(
                        CallStyle::Blocking,
                    );
                }

                #[test]
                fn linearizable_async() {
                    linearizable::<statebench_conformance::model_of!($service), $impl>(
                        CallStyle::Async,
                    );
                }
            }
        )+
    };
}

suites!(
    kv: kv = RedisKv,
    counter: counter = RedisCounter,
    sessions: sessions = RedisSessions,
    cache: cache = RedisCache,
    cluster_kv: kv = RedisCluster<KvU64>,
    cluster_sessions: sessions = RedisCluster<Sessions>,
    cluster_cache: cache = RedisCluster<CacheU64>
);

#[test]
fn the_counter_keeps_every_increment_under_concurrent_resets() {
    if available() {
        statebench_conformance::check_counter_conservation::<RedisCounter>(3, 1000)
            .unwrap_or_else(|report| panic!("{report}"));
    }
}

/// The one place the counter's native `INCR` differs from the state machine: past 2⁶³ − 1.
#[test]
fn the_counter_counts_on_past_the_signed_limit_and_wraps_at_the_unsigned_one() {
    use statebench_core::{CounterOp, CounterReply, Settings};
    if !available() {
        return;
    }
    for (start, after) in [
        (i64::MAX as u64 - 1, i64::MAX as u64),
        (i64::MAX as u64, i64::MAX as u64 + 1),
        (u64::MAX, 0),
    ] {
        let counter = RedisCounter::start(Counter::starting_at(start), &Settings::default());
        assert_eq!(counter.call(CounterOp::Get), Ok(CounterReply(start)));
        assert_eq!(counter.call(CounterOp::Increment), Ok(CounterReply(after)));
        assert_eq!(counter.shutdown().map(|c| c.count()), Ok(after));
    }
}

/// Two services on the one server do not see each other's keys: `len` counts its own.
#[test]
fn services_on_one_server_keep_apart() {
    use statebench_core::{CacheOp, CacheReply, KvOp, KvReply, Settings};
    use std::time::Duration;
    if !available() {
        return;
    }
    let a = RedisKv::start(
        KvU64::from_entries([(1, 10), (2, 20)]),
        &Settings::default(),
    );
    let b = RedisKv::start(KvU64::from_entries([(1, 11)]), &Settings::default());
    let c = RedisCache::start(CacheU64::new(Duration::from_secs(60)), &Settings::default());
    assert_ne!(a.database(), b.database());
    assert!(a.database().is_some());
    assert_eq!(a.call(KvOp::Len), Ok(KvReply::Len(2)));
    assert_eq!(b.call(KvOp::Len), Ok(KvReply::Len(1)));
    assert_eq!(b.call(KvOp::Get(1)), Ok(KvReply::Value(Some(11))));
    let set = CacheOp::Set {
        key: 1,
        value: 5,
        ttl: Duration::from_secs(60),
    };
    assert_eq!(c.call(set), Ok(CacheReply::Value(None)));
    assert_eq!(c.call(CacheOp::Len), Ok(CacheReply::Len(1)));
    assert_eq!(a.call(KvOp::Get(1)), Ok(KvReply::Value(Some(10))));
    let a_state = a.shutdown().expect("a stops");
    assert_eq!(a_state, KvU64::from_entries([(1, 10), (2, 20)]));
    assert_eq!(b.shutdown().map(|s| s.into_entries().len()), Ok(1));
    assert_eq!(c.shutdown().map(|s| s.stored().count()), Ok(1));
    // A shut-down service refuses calls and a second shutdown.
    assert_eq!(a.call(KvOp::Len), Err(statebench_core::Error::Stopped));
    assert_eq!(a.shutdown(), Err(statebench_core::Error::Stopped));
    let _ = (Sessions::default(), CacheU64::default());
}

/// The server's CPU time, which the driver adds to a row's CPU per operation, grows with the
/// calls it serves.
#[test]
fn the_servers_cpu_time_grows_with_its_calls() {
    use statebench_core::{KvOp, Settings};
    if !available() {
        return;
    }
    let kv = RedisKv::start(KvU64::new(), &Settings::default());
    let before = RedisKv::cpu_elsewhere().expect("the shared server runs, and Linux tells");
    for k in 0..2_000u64 {
        kv.call(KvOp::Set(k % 100, k)).expect("answers");
    }
    let after = RedisKv::cpu_elsewhere().expect("still");
    assert!(after > before, "{before:?} → {after:?}");
    println!("2 000 calls: {:?} of the server's CPU", after - before);
    kv.shutdown().expect("stops");
}

/// Services on the one cluster keep apart by their keys' prefixes, a service's keys spread
/// over all three masters, and `len` adds up each master's count of the service's own.
#[test]
fn services_on_one_cluster_keep_apart_and_spread_over_the_masters() {
    use statebench_core::{KvOp, KvReply, Settings};
    if !statebench_conformance::startable::<KvU64, RedisCluster<KvU64>>() {
        return;
    }
    let entries: Vec<(u64, u64)> = (0..60).map(|k| (k, 10 * k)).collect();
    let a =
        RedisCluster::<KvU64>::start(KvU64::from_entries(entries.clone()), &Settings::default());
    let b = RedisCluster::<KvU64>::start(KvU64::from_entries([(1, 11)]), &Settings::default());
    assert_eq!(a.database(), None, "a cluster has only database 0");
    assert_ne!(a.place(), b.place());
    assert_eq!(a.call(KvOp::Len), Ok(KvReply::Len(60)));
    assert_eq!(b.call(KvOp::Len), Ok(KvReply::Len(1)));
    assert_eq!(b.call(KvOp::Get(1)), Ok(KvReply::Value(Some(11))));
    assert_eq!(a.call(KvOp::Get(1)), Ok(KvReply::Value(Some(10))));
    // Sixty keys over three even slot ranges: each master holds some of a's (the chance that
    // one holds none is some 3 × (2/3)⁶⁰, about 10⁻¹⁰), and they add up to a's sixty.
    let cluster = statebench_redis::shared_cluster().expect("a started it");
    let mut total = 0;
    for node in cluster.nodes() {
        let count = "return #redis.call('KEYS', ARGV[1])";
        let keys = node
            .command(&["EVAL", count, "0", &a.keys().pattern()])
            .expect("a node answers");
        let keys: usize = keys.trim_start_matches(':').parse().expect("a count");
        assert!(
            keys > 0,
            "the master on port {} holds none of a's keys",
            node.port()
        );
        total += keys;
    }
    assert_eq!(total, 60);
    assert_eq!(a.shutdown(), Ok(KvU64::from_entries(entries)));
    assert_eq!(b.shutdown(), Ok(KvU64::from_entries([(1, 11)])));
    assert_eq!(a.call(KvOp::Len), Err(statebench_core::Error::Stopped));
}
