//! Shutdown under load leaves no owner task behind, counted by the runtime itself
//! (`RuntimeMetrics::num_alive_tasks`), not by the owner's own bookkeeping. A binary of its
//! own, so no other test's tasks share the runtime.

use statebench_conformance::faults::{Probe, shutdown_under_load_leaves_no_owner};
use statebench_core::Settings;
use statebench_owner_tokio::spawn_on;

#[test]
fn shutdown_under_load_leaves_no_task_on_the_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    assert_eq!(runtime.metrics().num_alive_tasks(), 0);
    let start = || spawn_on(Probe::new(None).0, &Settings::default(), runtime.handle());
    let tasks = || runtime.metrics().num_alive_tasks();
    let (acked, stopped) = shutdown_under_load_leaves_no_owner(start, 4, Some(&tasks));
    println!(
        "4 owner tasks shut down under load: {acked} writes kept, {stopped} writers stopped, 0 tasks left"
    );
}
