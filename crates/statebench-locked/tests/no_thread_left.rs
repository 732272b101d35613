//! Shutdown ends the lock strategies' sweeper threads at once, while handles are still held,
//! counted by the operating system (this process's threads by name, from `/proc/self/task`). A
//! binary of its own, so no other test's sweepers are counted.

use std::time::Duration;

use statebench_conformance::faults::{Probe, shutdown_stops_the_sweeper};
use statebench_conformance::wait::threads_named;
use statebench_core::{CacheU64, Service, Settings};
use statebench_locked::{
    Combining, MutexParkingLot, MutexStd, MutexTokio, RwLockStd, RwLockTokio, Striped,
};

fn check<I: Service<Probe>>() {
    // "statebench-sweeper-probe", as far as Linux keeps a thread's name (15 bytes).
    let sweepers = || threads_named("statebench-swee").unwrap_or(0);
    let start = || {
        I::start(
            Probe::new(Some(Duration::from_secs(3600))).0,
            &Settings::default(),
        )
    };
    shutdown_stops_the_sweeper(start, 3, &sweepers);
    println!("{}: 3 sweepers running, 0 left after shutdown", I::NAME);
}

#[test]
fn shutdown_ends_every_lock_sweeper() {
    if threads_named("").is_none() {
        // Linux always has it: there a missing count is a broken check, not a skip.
        if cfg!(target_os = "linux") {
            panic!("Linux, yet /proc/self/task cannot be read: the thread count cannot be checked");
        }
        println!("no /proc/self/task here (not Linux): the thread count is not checked");
        return;
    }
    check::<MutexStd<Probe>>();
    check::<RwLockStd<Probe>>();
    check::<MutexParkingLot<Probe>>();
    check::<MutexTokio<Probe>>();
    check::<RwLockTokio<Probe>>();
    check::<Combining<Probe>>();
    // The striped lock's stripes share one sweeper: three caches, three threads (not 24).
    let sweepers = || threads_named("statebench-swee").unwrap_or(0);
    let every = Duration::from_secs(3600);
    let cache = || Striped::start(CacheU64::new(every), &Settings::default());
    shutdown_stops_the_sweeper(cache, 3, &sweepers);
    println!("striped: 3 sweepers running (one per service), 0 left after shutdown");
}
