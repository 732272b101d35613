//! The conformance suite, instantiated for the per-service concurrent implementations.

use statebench_concurrent::{
    AtomicCounter, DashCache, DashKv, DashSessions, MokaCache, PapayaCache, PapayaKv,
    PapayaSessions, SccCache, SccKv, SccSessions,
};

statebench_conformance::conformance_tests!(dashmap;
    kv = DashKv<u64, u64>,
    sessions = DashSessions,
    cache = DashCache<u64, u64>,
);
statebench_conformance::conformance_tests!(papaya;
    kv = PapayaKv<u64, u64>,
    sessions = PapayaSessions,
    cache = PapayaCache<u64, u64>,
);
statebench_conformance::conformance_tests!(scc;
    kv = SccKv<u64, u64>,
    sessions = SccSessions,
    cache = SccCache<u64, u64>,
);
statebench_conformance::conformance_tests!(moka; cache = MokaCache<u64, u64>);
statebench_conformance::conformance_tests!(atomic; counter = AtomicCounter);
