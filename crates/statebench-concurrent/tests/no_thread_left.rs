//! Shutdown ends the sharded maps' sweeper threads at once, while handles are still held,
//! counted by the operating system (this process's threads by name, from `/proc/self/task`). A
//! binary of its own, so no other test's sweepers are counted.

use std::time::Duration;

use statebench_concurrent::{
    DashCache, DashSessions, MokaCache, PapayaCache, PapayaSessions, SccCache, SccSessions,
};
use statebench_conformance::faults::shutdown_stops_the_sweeper;
use statebench_conformance::wait::threads_named;
use statebench_core::{CacheU64, Service, Sessions, Settings};

/// Three caches `C` and three session managers `M` start their sweepers; shutdown ends them.
fn sweepers_end<C: Service<CacheU64>, M: Service<Sessions>>() {
    // "statebench-sweeper-…", as far as Linux keeps a thread's name (15 bytes).
    let sweepers = || threads_named("statebench-swee").unwrap_or(0);
    // An hour between sweeps: only a shutdown that stops the sweeper ends it in time.
    let every = Duration::from_secs(3600);
    let cache = || C::start(CacheU64::new(every), &Settings::default());
    shutdown_stops_the_sweeper(cache, 3, &sweepers);
    let sessions = || {
        M::start(
            Sessions::new(Duration::from_secs(60), every),
            &Settings::default(),
        )
    };
    shutdown_stops_the_sweeper(sessions, 3, &sweepers);
    println!(
        "{} cache, {} sessions: 3 sweepers of each running, 0 left after shutdown",
        C::NAME,
        M::NAME
    );
}

#[test]
fn shutdown_ends_every_map_sweeper() {
    if threads_named("").is_none() {
        // Linux always has it: there a missing count is a broken check, not a skip.
        if cfg!(target_os = "linux") {
            panic!("Linux, yet /proc/self/task cannot be read: the thread count cannot be checked");
        }
        println!("no /proc/self/task here (not Linux): the thread count is not checked");
        return;
    }
    sweepers_end::<DashCache<u64, u64>, DashSessions>();
    sweepers_end::<PapayaCache<u64, u64>, PapayaSessions>();
    sweepers_end::<SccCache<u64, u64>, SccSessions>();
    sweepers_end::<MokaCache<u64, u64>, DashSessions>();
}
