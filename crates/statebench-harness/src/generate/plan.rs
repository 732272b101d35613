//! Every client's operations, generated before the run.

use statebench_core::StateMachine;
use statebench_core::rng::Rng;

use super::keys::KeyGen;
use super::subject::Subject;
use crate::workload::{Workload, WorkloadError};

/// How many operations each client pre-generates and then cycles through.
pub const PLAN_LEN: usize = 4096;

/// One client's pre-generated operations, with the kind index of each and what the client
/// may expect of its reply.
#[derive(Debug)]
pub struct Plan<Op, Expect = ()> {
    /// The operations, cycled through.
    pub ops: Vec<Op>,
    /// The kind index (into [`StateMachine::KINDS`]) of each operation.
    pub kinds: Vec<u8>,
    /// What the client may expect of each reply ([`Subject::expectations`]).
    pub expected: Vec<Expect>,
}

/// A client's plan of service `S`.
pub type PlanOf<S> = Plan<<S as StateMachine>::Op, <S as Subject>::Expect>;

/// Generates one plan per client: `clients` split over the workload's groups, each client
/// seeded from `seed` and its index, so the same settings give the same operations.
pub fn plans<S: Subject>(
    workload: &Workload,
    clients: usize,
    seed: u64,
) -> Result<Vec<PlanOf<S>>, WorkloadError> {
    workload.validate()?;
    if S::SERVICE != workload.service {
        return Err(WorkloadError(format!(
            "workload {} drives {}, not {}",
            workload.name,
            workload.service,
            S::SERVICE
        )));
    }
    let keys = KeyGen::new(workload.keys, workload.distribution);
    // Each group's cumulative percentages: draw 0..100 and take the first entry above it.
    let cumulatives: Vec<Vec<(u32, usize)>> = workload
        .groups
        .iter()
        .map(|group| {
            let mut sum = 0;
            group
                .mix
                .iter()
                .map(|entry| {
                    sum += entry.percent;
                    // `validate` has checked that the service has every kind of the mix.
                    let kind = S::KINDS
                        .iter()
                        .position(|k| k.name == entry.op)
                        .unwrap_or(0);
                    (sum, kind)
                })
                .collect()
        })
        .collect();
    let mut plans = Vec::with_capacity(clients);
    // The groups interleaved, in the order the clients start.
    for group in workload.client_groups(clients)? {
        let cumulative = &cumulatives[group];
        let client = plans.len();
        let mut rng = Rng::new(seed ^ (client as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        let mut plan = Plan {
            ops: Vec::with_capacity(PLAN_LEN),
            kinds: Vec::with_capacity(PLAN_LEN),
            expected: Vec::new(),
        };
        for _ in 0..PLAN_LEN {
            let draw = rng.below(100) as u32;
            let kind = cumulative
                .iter()
                .find(|(upto, _)| draw < *upto)
                .map_or(0, |(_, k)| *k);
            let key = keys.key(&mut rng);
            plan.ops.push(S::op(kind, key, client, &mut rng, workload));
            plan.kinds.push(kind as u8);
        }
        plan.expected = S::expectations(&plan.ops);
        plans.push(plan);
    }
    Ok(plans)
}
