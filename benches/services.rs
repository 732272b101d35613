//! criterion benches for every registered (service, implementation), driven by the same
//! registry, workloads and pre-generated operations as `statebench run`, and checking every
//! reply the same way.
//!
//! Groups are `<workload>/<mode>`, function ids the implementation names, parameters the
//! client counts; throughput is always in operations:
//! * `<workload>/blocking`, `<workload>/async` — one client, one call at a time: the
//!   uncontended cost of a call, blocking from a thread or awaited on a tokio runtime;
//! * `<workload>/threads`, `<workload>/tasks` — 2, 8 and 64 clients sharing the work of an
//!   iteration, timed from a common start to the last finish (`iter_custom`).
//!
//! `cargo bench` runs them all (every registered strategy: expect more than an hour on 2 cores);
//! `cargo bench -- kv_read_heavy/` picks a group, `cargo bench -- papaya` one strategy's
//! benches, and `cargo test --benches` runs each once as a smoke check.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use statebench::registry::{self, Visitor};
use statebench_core::{Service, Settings};
use statebench_harness::generate::{PlanOf, Subject, plans};
use statebench_harness::workload::{self, Workload};

const CONTENDED_CLIENTS: [usize; 3] = [2, 8, 64];
const SEED: u64 = 0x5EED;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Blocking,
    Async,
    Threads,
    Tasks,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Blocking => "blocking",
            Mode::Async => "async",
            Mode::Threads => "threads",
            Mode::Tasks => "tasks",
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// Checks one reply (every benchmark checks what it gets) and returns the next position.
fn checked<S: Subject>(
    plan: &PlanOf<S>,
    at: usize,
    reply: S::Reply,
    tally: &mut S::Tally,
) -> usize {
    // The form of the reply only: criterion restarts each plan from its first operation at
    // every sample, so what a client may expect from its own earlier writes (which assumes an
    // unbroken walk of its plan) does not hold here. The runs check that.
    let (op, expect) = (&plan.ops[at], S::Expect::default());
    assert!(
        S::check(op, &reply, expect, tally),
        "{}",
        S::explain(op, &reply, expect)
    );
    black_box(reply);
    if at + 1 == plan.ops.len() { 0 } else { at + 1 }
}

/// Applies the plan's operations cyclically `n` times through `call`.
fn drive<S: Subject>(plan: &PlanOf<S>, n: u64, mut call: impl FnMut(S::Op) -> S::Reply) {
    let (mut tally, mut next) = (S::Tally::default(), 0);
    for _ in 0..n {
        let reply = call(plan.ops[next].clone());
        next = checked::<S>(plan, next, reply, &mut tally);
    }
}

/// The same, awaiting `call_async`.
async fn drive_async<S: Subject, I: Service<S>>(service: &I, plan: &PlanOf<S>, n: u64) {
    let (mut tally, mut next) = (S::Tally::default(), 0);
    for _ in 0..n {
        let reply = service
            .call_async(plan.ops[next].clone())
            .await
            .expect("the service answers");
        next = checked::<S>(plan, next, reply, &mut tally);
    }
}

/// Registers one benchmark per implementation it visits, in the group it holds.
struct Register<'g, 'c> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    workload: &'g Workload,
    mode: Mode,
}

impl<S: Subject> Visitor<S> for Register<'_, '_> {
    fn visit<I: Service<S>>(&mut self) {
        if let Some(why) = I::unavailable() {
            eprintln!("{} left out: {why}", I::NAME);
            return;
        }
        let w = self.workload;
        let fresh = || S::initial(w, Instant::now());
        match self.mode {
            Mode::Blocking => {
                let plan = plans::<S>(w, 1, SEED).expect("valid workload").remove(0);
                let service = I::start(fresh(), &Settings::default());
                self.group
                    .bench_function(BenchmarkId::new(I::NAME, 1), |b| {
                        b.iter_custom(|iters| {
                            let start = Instant::now();
                            drive::<S>(&plan, iters, |op| {
                                service.call(op).expect("the service answers")
                            });
                            start.elapsed()
                        })
                    });
                let _ = service.shutdown();
            }
            Mode::Async => {
                let plan = plans::<S>(w, 1, SEED).expect("valid workload").remove(0);
                let rt = runtime();
                let service = rt.block_on(async { I::start(fresh(), &Settings::default()) });
                self.group
                    .bench_function(BenchmarkId::new(I::NAME, 1), |b| {
                        b.iter_custom(|iters| {
                            rt.block_on(async {
                                let start = Instant::now();
                                drive_async::<S, I>(&service, &plan, iters).await;
                                start.elapsed()
                            })
                        })
                    });
                let _ = service.shutdown();
            }
            Mode::Threads => {
                for clients in CONTENDED_CLIENTS {
                    let plans = Arc::new(plans::<S>(w, clients, SEED).expect("valid workload"));
                    let service = I::start(fresh(), &Settings::default());
                    self.group
                        .bench_function(BenchmarkId::new(I::NAME, clients), |b| {
                            b.iter_custom(|iters| {
                                contended_threads::<S, I>(&service, &plans, iters)
                            })
                        });
                    let _ = service.shutdown();
                }
            }
            Mode::Tasks => {
                let rt = runtime();
                for clients in CONTENDED_CLIENTS {
                    let plans = Arc::new(plans::<S>(w, clients, SEED).expect("valid workload"));
                    let service = rt.block_on(async { I::start(fresh(), &Settings::default()) });
                    self.group
                        .bench_function(BenchmarkId::new(I::NAME, clients), |b| {
                            b.iter_custom(|iters| {
                                contended_tasks::<S, I>(&rt, &service, &plans, iters)
                            })
                        });
                    let _ = service.shutdown();
                }
            }
        }
    }
}

/// `iters` operations shared by one thread per plan, from a common start to the last finish.
fn contended_threads<S: Subject, I: Service<S>>(
    service: &I,
    plans: &Arc<Vec<PlanOf<S>>>,
    iters: u64,
) -> Duration {
    let clients = plans.len() as u64;
    let start_line = Arc::new(Barrier::new(plans.len() + 1));
    let workers: Vec<_> = (0..plans.len())
        .map(|i| {
            let (service, plans, start_line) = (service.clone(), plans.clone(), start_line.clone());
            let share = iters / clients + u64::from((i as u64) < iters % clients);
            thread::spawn(move || {
                start_line.wait();
                drive::<S>(&plans[i], share, |op| {
                    service.call(op).expect("the service answers")
                });
            })
        })
        .collect();
    start_line.wait();
    let start = Instant::now();
    for w in workers {
        w.join().expect("a client thread panicked");
    }
    start.elapsed()
}

/// `iters` operations shared by one task per plan, from a common start to the last finish.
fn contended_tasks<S: Subject, I: Service<S>>(
    rt: &tokio::runtime::Runtime,
    service: &I,
    plans: &Arc<Vec<PlanOf<S>>>,
    iters: u64,
) -> Duration {
    let clients = plans.len() as u64;
    rt.block_on(async {
        let start_line = Arc::new(tokio::sync::Barrier::new(plans.len() + 1));
        let tasks: Vec<_> = (0..plans.len())
            .map(|i| {
                let (service, plans, start_line) =
                    (service.clone(), plans.clone(), start_line.clone());
                let share = iters / clients + u64::from((i as u64) < iters % clients);
                tokio::spawn(async move {
                    start_line.wait().await;
                    drive_async::<S, I>(&service, &plans[i], share).await;
                })
            })
            .collect();
        start_line.wait().await;
        let start = Instant::now();
        for t in tasks {
            t.await.expect("a client task panicked");
        }
        start.elapsed()
    })
}

fn services(c: &mut Criterion) {
    for w in workload::representative() {
        let name = &w.name;
        for mode in [Mode::Blocking, Mode::Async, Mode::Threads, Mode::Tasks] {
            let mut group = c.benchmark_group(format!("{name}/{}", mode.name()));
            group
                .throughput(Throughput::Elements(1))
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_secs(2))
                .sample_size(20);
            let mut register = Register {
                group: &mut group,
                workload: &w,
                mode,
            };
            registry::visit_service(&w.service, &mut register);
            group.finish();
        }
    }
}

criterion_group!(benches, services);
criterion_main!(benches);
