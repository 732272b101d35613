//! The conformance suite, instantiated for the per-service concurrent implementations.

use statebench_concurrent::{AtomicCounter, DashCache, DashKv, DashSessions};

statebench_conformance::conformance_tests!(dashmap;
    kv = DashKv<u64, u64>,
    sessions = DashSessions,
    cache = DashCache<u64, u64>,
);
statebench_conformance::conformance_tests!(atomic; counter = AtomicCounter);
