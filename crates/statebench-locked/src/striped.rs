//! The striped lock: the state split by key over N `parking_lot` mutexes — the lock-side twin
//! of the sharded owner, built from the same [`Split`] with a [`Locked`] part where the sharded
//! owner has an owner. N is `--shards`, or by default what `DashMap` picks for its shards: four
//! per core, rounded up to a power of two (8 on 2 cores), so that `striped` and `dashmap`
//! differ in the map inside a stripe, not in how many stripes there are.
//!
//! **A panic in a stripe** stops that stripe, as [`MutexParkingLotLock`]'s flag stops a whole
//! `mutex_parking_lot`: every later call on its keys, and every operation on the whole state
//! (`Len`), gets [`Error::Stopped`](statebench_core::Error::Stopped), and so does the shutdown,
//! the state being no longer whole. The other stripes keep serving their keys: their parts
//! never interact with the one that panicked ([`Shardable`]), so nothing they hold is
//! half-changed.

use statebench_core::Settings;
use statebench_core::sharded::{Part, Shardable, Split};

use crate::{Locked, MutexParkingLotLock};

/// N `parking_lot` mutexes, an entry's by its key's hash (`striped`).
pub type Striped<S> = Split<S, Locked<S, MutexParkingLotLock<S>>>;

impl<S: Shardable> Part<S> for Locked<S, MutexParkingLotLock<S>> {
    const SPLIT_NAME: &'static str = "striped";
    const SPLIT_ABOUT: &'static str =
        "N `parking_lot` mutexes, each over the keys that hash to it (8 on 2 cores, as `DashMap`)";
    const SWEEPS_ITSELF: bool = false;

    fn default_parts(cores: usize) -> usize {
        (cores * 4).next_power_of_two()
    }

    fn start_part(initial: S, settings: &Settings) -> Self {
        Locked::start_swept(initial, settings, false)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use statebench_core::ext::KvExt;
    use statebench_core::sharded::route;
    use statebench_core::{Error, KvU64, Service, Settings};

    use super::*;

    #[test]
    fn the_default_is_dashmaps_shard_count() {
        let kv = Striped::start(KvU64::new(), &Settings::default());
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(kv.parts(), (cores * 4).next_power_of_two());
        let kv = Striped::start(
            KvU64::new(),
            &Settings {
                shards: 3,
                ..Settings::default()
            },
        );
        assert_eq!(kv.parts(), 3);
        for k in 0..100 {
            assert_eq!(kv.set(k, k), Ok(None));
        }
        assert_eq!(kv.len(), Ok(100));
        assert_eq!(kv.shutdown().map(|s| s.entries().count()), Ok(100));
    }

    /// A key-value log whose `Boom` panics: the keyed probe the striped lock's fault test
    /// needs (the conformance suite's probe has no keys to stripe by).
    #[derive(Debug, Default)]
    struct Boomy(Vec<(u64, u64)>);

    #[derive(Clone, Debug)]
    enum BoomOp {
        Push(u64, u64),
        Boom(u64),
        Count,
    }

    impl statebench_core::StateMachine for Boomy {
        type Op = BoomOp;
        type Reply = usize;
        type Key = u64;
        const SERVICE: &'static str = "boomy";
        const ABOUT: &'static str = "a keyed log that panics on request";
        const KINDS: &'static [statebench_core::Kind] = &[
            statebench_core::Kind::writer("push"),
            statebench_core::Kind::writer("boom"),
            statebench_core::Kind::reader("count").whole_state(),
        ];
        const USES_CLOCK: bool = false;

        fn kind(op: &BoomOp) -> usize {
            match op {
                BoomOp::Push(..) => 0,
                BoomOp::Boom(_) => 1,
                BoomOp::Count => 2,
            }
        }

        fn key(op: &BoomOp) -> Option<&u64> {
            match op {
                BoomOp::Push(k, _) | BoomOp::Boom(k) => Some(k),
                BoomOp::Count => None,
            }
        }

        fn work(&self) -> statebench_core::Work {
            statebench_core::Work::NONE
        }

        fn set_work(&mut self, work: statebench_core::Work) {
            assert!(work.is_none(), "boomy does no work");
        }

        fn apply(&mut self, op: BoomOp, _now: Instant) -> usize {
            match op {
                BoomOp::Push(k, v) => self.0.push((k, v)),
                BoomOp::Boom(k) => panic!("boomy: deliberate panic on key {k} (a fault test)"),
                BoomOp::Count => {}
            }
            self.0.len()
        }
    }

    impl Shardable for Boomy {
        fn split(self, parts: usize, route: &dyn Fn(&u64) -> usize) -> Vec<Self> {
            let mut split: Vec<Boomy> = (0..parts).map(|_| Boomy::default()).collect();
            for (k, v) in self.0 {
                split[route(&k)].0.push((k, v));
            }
            split
        }

        fn join(parts: Vec<Self>) -> Self {
            Boomy(parts.into_iter().flat_map(|p| p.0).collect())
        }

        fn join_replies(_: &BoomOp, replies: Vec<usize>) -> usize {
            replies.into_iter().sum()
        }
    }

    #[test]
    fn a_panic_stops_its_stripe_and_spares_the_others() {
        let settings = Settings {
            shards: 4,
            ..Settings::default()
        };
        let striped = Striped::start(Boomy::default(), &settings);
        let (victim, keys) = (7u64, 0..64u64);
        for k in keys.clone() {
            striped
                .call(BoomOp::Push(k, k))
                .expect("a push before the panic");
        }
        let boom = std::thread::spawn({
            let striped = striped.clone();
            move || striped.call(BoomOp::Boom(victim))
        });
        assert!(boom.join().is_err(), "the caller unwinds with the panic");
        let same_stripe = |k: &u64| route(k, 4) == route(&victim, 4);
        let (stopped, spared): (Vec<u64>, Vec<u64>) = keys.partition(same_stripe);
        assert!(stopped.len() > 1 && spared.len() > 30, "the keys spread");
        for k in stopped {
            assert_eq!(
                striped.call(BoomOp::Push(k, 0)),
                Err(Error::Stopped),
                "key {k}"
            );
        }
        for k in spared {
            assert!(
                striped.call(BoomOp::Push(k, 0)).is_ok(),
                "key {k} lost its stripe"
            );
        }
        assert_eq!(striped.call(BoomOp::Count), Err(Error::Stopped));
        assert!(striped.shutdown().is_err(), "the state is no longer whole");
    }
}
