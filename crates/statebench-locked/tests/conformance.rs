//! The conformance suite and the lifecycle tests, instantiated for the five locks and flat
//! combining (and the suite for the hand-written reference store and the striped lock).
//!
//! The striped lock runs no lifecycle tests: their probe has no keys to stripe by, and each
//! stripe is a `mutex_parking_lot` part, whose lifecycle is tested here; its own fault — a
//! panic in one stripe — is tested in its module.

use statebench_locked::{
    Combining, HandwrittenKv, MutexParkingLot, MutexStd, MutexTokio, RwLockStd, RwLockTokio,
    Striped,
};

statebench_conformance::conformance_tests!(mutex_std = MutexStd; all);
statebench_conformance::conformance_tests!(rwlock_std = RwLockStd; all);
statebench_conformance::conformance_tests!(mutex_parking_lot = MutexParkingLot; all);
statebench_conformance::conformance_tests!(mutex_tokio = MutexTokio; all);
statebench_conformance::conformance_tests!(rwlock_tokio = RwLockTokio; all);
statebench_conformance::conformance_tests!(combining = Combining; all);
statebench_conformance::conformance_tests!(mutex_handwritten; kv = HandwrittenKv);
statebench_conformance::conformance_tests!(striped = Striped; kv, sessions, cache);

mod lifecycle {
    use super::*;
    statebench_conformance::lifecycle_tests!(
        mutex_std = MutexStd, locks;
        rwlock_std = RwLockStd, locks;
        mutex_parking_lot = MutexParkingLot, locks;
        mutex_tokio = MutexTokio, locks;
        rwlock_tokio = RwLockTokio, locks;
        combining = Combining, locks
    );
}
