//! Workloads as data: which service, which clients doing which operations, over which keys,
//! for how long. The named ones are in [`named`]; every field is recorded with the results.

mod catalogue;
mod file;
mod schema;
mod sweep;
#[cfg(test)]
mod tests;
mod validate;

pub use catalogue::{find, named, representative};
pub use file::Format;
pub use schema::*;
pub use sweep::{parse_rate, rate_label, with_rate, with_work};
