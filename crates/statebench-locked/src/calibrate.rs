//! A planted slowdown, to measure how often `statebench compare` catches one (docs/CI.md).
//!
//! Only in builds with the `calibrate` feature, which no default build has: there, if the
//! environment variable [`VARIABLE`] holds a whole number `n`, `mutex_std` runs `n` dependent
//! multiply-adds inside its critical section on every operation — a slower hot path, with the
//! lock held as a real regression would hold it. Unset or 0, nothing is added but one branch on
//! a value read once. The count, not a duration, is planted, so that every process does the
//! same extra work however fast the machine runs at that moment; what slowdown it makes in
//! each cell is measured, not assumed.

use std::sync::OnceLock;

/// The environment variable holding the planted count.
pub const VARIABLE: &str = "STATEBENCH_PLANT_SPINS";

static SPINS: OnceLock<u64> = OnceLock::new();

/// The planted count: `Ok(0)` when [`VARIABLE`] is unset; an error naming the problem if it is
/// not a whole number. Read once per process.
pub fn spins() -> Result<u64, String> {
    let n = read()?;
    Ok(*SPINS.get_or_init(|| n))
}

fn read() -> Result<u64, String> {
    match std::env::var(VARIABLE) {
        Err(std::env::VarError::NotPresent) => Ok(0),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{VARIABLE} is not text")),
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("{VARIABLE}={text:?} is not a whole number of spins")),
    }
}

/// Runs the planted spins (none if the count is unset, 0 or invalid).
#[inline(always)]
pub(crate) fn delay() {
    let n = *SPINS.get_or_init(|| read().unwrap_or(0));
    if n > 0 {
        spin(n);
    }
}

#[inline(never)]
fn spin(n: u64) {
    // The multiplier is opaque to the compiler on purpose: with a constant one, LLVM unrolled
    // the loop eight times and folded each eight steps into one multiply-add, so a spin cost
    // about 0.2 ns from 8 spins on and 1.4 ns below 8 — a knob that was neither linear nor
    // monotonic. With it opaque, every spin is one multiply and one increment that wait on the
    // last (about four cycles; the loop is still unrolled, so about 2¼ instructions a spin).
    let factor = std::hint::black_box(6_364_136_223_846_793_005u64);
    let mut x = std::hint::black_box(1u64);
    for _ in 0..n {
        x = x.wrapping_mul(factor).wrapping_add(1);
    }
    std::hint::black_box(x);
}
