//! The instruction tier's loop: exactly so many operations for one client, nothing timed.

use std::time::Instant;

use statebench_core::{Service, Settings};

use super::callers::{RunError, RustDriver};
use super::client::call_failed;
use crate::generate::{Subject, plans};
use crate::workload::Workload;

/// Runs exactly `ops` operations of `workload`'s plan for one client on a fresh `I`, called by
/// `driver`, checking every reply; then shuts the service down. No clock is read and nothing
/// is timed: this is the loop the instruction tier counts (`statebench instructions`), where
/// the difference between two counts of operations is the cost of the operations alone.
pub fn run_counted<S: Subject, I: Service<S>>(
    workload: &Workload,
    driver: RustDriver,
    ops: u64,
    seed: u64,
) -> Result<(), RunError> {
    if workload.work_ns > 0 {
        return Err(RunError(format!(
            "workload {} has critical-section work: the instruction tier counts bare operations",
            workload.name
        )));
    }
    let plan = plans::<S>(workload, 1, seed)?
        .into_iter()
        .next()
        .ok_or_else(|| RunError("no plan for one client".into()))?;
    let settings = Settings::default();
    let initial = S::initial(workload, Instant::now());
    let mut tally = S::Tally::default();
    let len = plan.ops.len() as u64;
    let mut check = |i: u64, reply: Result<S::Reply, statebench_core::Error>| {
        let at = (i % len) as usize;
        let (op, expect) = (&plan.ops[at], plan.expected[at]);
        match reply {
            Ok(reply) if S::check(op, &reply, expect, &mut tally) => Ok(()),
            Ok(reply) => Err(RunError(format!(
                "{}: {}",
                I::NAME,
                S::explain(op, &reply, expect)
            ))),
            Err(e) => Err(RunError(format!("{}: {}", I::NAME, call_failed(op, e)))),
        }
    };
    let shut = |service: I| {
        service
            .shutdown()
            .map(drop)
            .map_err(|e| RunError(format!("{}: shutdown failed: {e}", I::NAME)))
    };
    match driver {
        RustDriver::Threads => {
            let service = I::start(initial, &settings);
            let run = (0..ops).try_for_each(|i| {
                let reply = service.call(plan.ops[(i % len) as usize].clone());
                check(i, reply)
            });
            run.and(shut(service))
        }
        RustDriver::Tasks => {
            // One thread: the count is then the async call's, not that of a multi-thread
            // runtime's workers parking, waking and stealing, which depends on the load (an
            // A/A of one build moved these records by up to 5 %, the threads' by 0.3 %).
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| RunError(format!("cannot start the tokio runtime: {e}")))?;
            let service = runtime.block_on(async { I::start(initial, &settings) });
            let client = service.clone();
            let ops_of = plan.ops.clone();
            // The calls run on a task, as the tasks driver's clients do; the checks after.
            let replies = runtime.block_on(async move { runtime_task(client, ops_of, ops).await });
            let run = match replies {
                Some(replies) => replies
                    .into_iter()
                    .enumerate()
                    .try_for_each(|(i, reply)| check(i as u64, reply)),
                None => Err(RunError(format!("{}: the client task panicked", I::NAME))),
            };
            // The blocking shutdown from a blocking thread, while this thread drives the
            // runtime: an owner task started on it runs only while something drives it.
            let stopped = runtime
                .block_on(async move { tokio::task::spawn_blocking(move || shut(service)).await })
                .unwrap_or_else(|_| Err(RunError(format!("{}: shutdown panicked", I::NAME))));
            drop(runtime);
            run.and(stopped)
        }
    }
}

/// The calls of [`run_counted`]'s tasks driver, on a spawned task; their replies, in order
/// (`None` if the task panicked).
pub(super) async fn runtime_task<S: Subject, I: Service<S>>(
    service: I,
    ops: Vec<S::Op>,
    count: u64,
) -> Option<Vec<Result<S::Reply, statebench_core::Error>>> {
    let task = tokio::spawn(async move {
        let mut replies = Vec::with_capacity(count as usize);
        for i in 0..count {
            let op = ops[(i % ops.len() as u64) as usize].clone();
            replies.push(service.call_async(op).await);
            tokio::task::coop::consume_budget().await;
        }
        replies
    });
    task.await.ok()
}
