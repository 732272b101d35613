//! Shutdown under load leaves no owner thread behind, counted by the operating system (the
//! threads of this process named after the owner, from `/proc/self/task`), not by the owner's
//! own bookkeeping. A binary of its own, so no other test's owner threads are counted.

use statebench_conformance::faults::{Probe, shutdown_under_load_leaves_no_owner};
use statebench_conformance::wait::threads_named;
use statebench_core::{Service, Settings};
use statebench_owner_thread::{OwnerThread, OwnerThreadSpin};

#[test]
fn shutdown_under_load_leaves_no_owner_thread() {
    // "statebench-owner-probe", as far as Linux keeps a thread's name (15 bytes).
    let owner_threads = || threads_named("statebench-owne").unwrap_or(0);
    if threads_named("").is_none() {
        // Linux always has it: there a missing count is a broken check, not a skip.
        if cfg!(target_os = "linux") {
            panic!("Linux, yet /proc/self/task cannot be read: the thread count cannot be checked");
        }
        println!("no /proc/self/task here (not Linux): the thread count is not checked");
        return;
    }
    assert_eq!(owner_threads(), 0);
    let start = || OwnerThread::start(Probe::new(None).0, &Settings::default());
    let (acked, stopped) = shutdown_under_load_leaves_no_owner(start, 4, Some(&owner_threads));
    println!(
        "4 owner threads shut down under load: {acked} writes kept, {stopped} writers stopped, 0 threads left"
    );
    // The spinning owner polls instead of parking: its shutdown must end it all the same.
    let start = || OwnerThreadSpin::start(Probe::new(None).0, &Settings::default());
    let (acked, stopped) = shutdown_under_load_leaves_no_owner(start, 4, Some(&owner_threads));
    println!(
        "4 spinning owner threads shut down under load: {acked} writes kept, {stopped} writers stopped, 0 threads left"
    );
}
