//! Every registered strategy of every service spends the critical-section work of its state on
//! every operation, and hands it back at shutdown.
//!
//! The check is a lower bound on time, the one kind of timing a noisy machine cannot make fail:
//! one caller, one operation at a time, so no two operations' work can overlap; `OPS` calls of
//! `WORK_NS` each cannot take less than `OPS × WORK_NS` — a strategy that skipped the work would
//! finish in a fraction of it. The bound is halved to leave room for a calibration made on a
//! slower moment; a busy machine only adds time.

use std::time::{Duration, Instant};

use statebench::registry::{self, Visitor};
use statebench_core::{Service, Settings, Work};
use statebench_harness::floors::round_trial;
use statebench_harness::generate::{Subject, plans};
use statebench_harness::work::work_for;
use statebench_harness::workload::representative;

const OPS: u32 = 40;
const WORK_NS: u64 = 50_000;

struct Spends {
    work: Work,
    failures: Vec<String>,
    checked: usize,
}

impl<S: Subject> Visitor<S> for Spends {
    fn visit<I: Service<S>>(&mut self) {
        if !statebench_conformance::startable::<S, I>() {
            return;
        }
        let workload = representative()
            .into_iter()
            .find(|w| w.service == S::SERVICE)
            .expect("every service has a representative workload");
        let plan = plans::<S>(&workload, 1, 7)
            .expect("a plan")
            .into_iter()
            .next()
            .expect("one client's");
        let mut initial = S::initial(&workload, Instant::now());
        initial.set_work(self.work);
        let service = I::start(initial, &Settings::default());
        let started = Instant::now();
        for op in plan.ops.iter().take(OPS as usize) {
            if let Err(e) = service.call(op.clone()) {
                self.failures
                    .push(format!("{} / {}: {op:?} failed: {e}", S::SERVICE, I::NAME));
                return;
            }
        }
        let took = started.elapsed();
        let floor = Duration::from_nanos(WORK_NS) * OPS / 2;
        // A strategy that applies operations in another process spends none (it says so,
        // and the runner keeps it out of workloads with work); it still hands the work back.
        if took < floor && I::SPENDS_WORK {
            self.failures.push(format!(
                "{} / {}: {OPS} operations of {WORK_NS} ns of work took {took:?}, under {floor:?}",
                S::SERVICE,
                I::NAME
            ));
        }
        match service.shutdown() {
            Ok(state) if state.work() == self.work => {}
            Ok(state) => self.failures.push(format!(
                "{} / {}: the final state carries {:?}, not {:?}",
                S::SERVICE,
                I::NAME,
                state.work(),
                self.work
            )),
            Err(e) => self.failures.push(format!(
                "{} / {}: shutdown failed: {e}",
                S::SERVICE,
                I::NAME
            )),
        }
        self.checked += 1;
    }
}

#[test]
fn every_strategy_spends_the_work_on_every_operation_and_keeps_it() {
    // The fastest of a few trials: rounds enough for the cost even at the quickest the machine
    // ran, so a slow moment during the calibration cannot shorten the work.
    let round = (0..5).map(|_| round_trial()).fold(f64::INFINITY, f64::min);
    let mut spends = Spends {
        work: work_for(WORK_NS, round),
        failures: Vec::new(),
        checked: 0,
    };
    registry::all(&mut spends);
    assert!(spends.failures.is_empty(), "{:#?}", spends.failures);
    let runnable: usize = statebench_core::SERVICES
        .iter()
        .map(|s| registry::runnable(s.name).len())
        .sum();
    assert_eq!(spends.checked, runnable);
}
