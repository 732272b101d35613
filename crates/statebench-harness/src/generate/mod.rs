//! Operation generation: a seeded generator per client, keys drawn uniformly or by YCSB's
//! Zipfian, and every client's operations generated *before* the run into a buffer it cycles
//! through, so that generating them costs nothing in the measured loop.
//!
//! [`Subject`] says, per service, how to build the initial state, how to make an operation of
//! each kind, and how to check a reply — so that a fast but wrong implementation fails the run.

//!
//! One module per service holds its `Subject`; [`KeyGen`] draws keys.

mod cache;
mod counter;
mod keys;
mod kv;
mod plan;
mod sessions;
mod subject;
mod tagged;

pub use counter::CounterTally;
pub use keys::KeyGen;
pub use plan::{PLAN_LEN, Plan, PlanOf, plans};
pub use statebench_core::rng::Rng;
pub use subject::{Lookups, Subject};
pub use tagged::{OwnWrite, tagged_value};

#[cfg(test)]
mod tests;
