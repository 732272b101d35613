//! Shutdown under load leaves no owner thread behind, counted by the operating system (the
//! threads of this process named after the owner, from `/proc/self/task`), not by the owner's
//! own bookkeeping. A binary of its own, so no other test's owner threads are counted.

use statebench_conformance::faults::{Probe, shutdown_under_load_leaves_no_owner};
use statebench_core::{Service, Settings};
use statebench_owner_thread::OwnerThread;

/// The threads of this process named like a probe's owner thread (Linux keeps the first 15
/// bytes of a thread's name; no other thread of this binary shares them).
#[cfg(target_os = "linux")]
fn owner_threads() -> usize {
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task is readable");
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| "statebench-owner-probe".starts_with(name.trim_end()))
        .count()
}

#[cfg(target_os = "linux")]
#[test]
fn shutdown_under_load_leaves_no_owner_thread() {
    assert_eq!(owner_threads(), 0);
    let start = || OwnerThread::start(Probe::new(None).0, &Settings::default());
    let (acked, stopped) = shutdown_under_load_leaves_no_owner(start, 4, Some(&owner_threads));
    println!(
        "4 owner threads shut down under load: {acked} writes kept, {stopped} writers stopped, 0 threads left"
    );
}
