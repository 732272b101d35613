//! A planted slowdown, to measure how often `statebench compare` and the nightly alarm of
//! `statebench history` catch one (docs/CI.md).
//!
//! Only in builds with the `calibrate` feature, which no default build has: there, if the
//! environment variable [`VARIABLE`] holds a whole number `n`, `n` dependent multiply-adds run
//! on every operation at the [`Site`] named by [`SITE`]: inside `mutex_std`'s critical section
//! (the default — a slower hot path, with the lock held as a real regression would hold it),
//! or in the owners' serving of each call (every owner built on [`crate::owner::Request`]: the
//! owner's own work per request, where an owner regression would land). Unset or 0, nothing is
//! added but one branch on a value read once. The count, not a duration, is planted, so that
//! every process does the same extra work however fast the machine runs at that moment; what
//! slowdown it makes in each cell is measured, not assumed.

use std::sync::OnceLock;

/// The environment variable holding the planted count.
pub const VARIABLE: &str = "STATEBENCH_PLANT_SPINS";

/// The environment variable naming where the count is planted: `mutex_std` (when unset) or
/// `owners`.
pub const SITE: &str = "STATEBENCH_PLANT_IN";

/// Where a planted count runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// Inside `mutex_std`'s lock, on every operation.
    MutexStd,
    /// In an owner's serving of every call ([`crate::owner::Request::serve`]).
    Owners,
}

impl Site {
    /// The site's name, as [`SITE`] takes it.
    pub fn name(self) -> &'static str {
        match self {
            Site::MutexStd => "mutex_std",
            Site::Owners => "owners",
        }
    }

    /// `n` spins planted here, in words.
    pub fn describe(self, n: u64) -> String {
        match self {
            Site::MutexStd => {
                format!("mutex_std slowed on purpose: {n} spins inside its lock per operation")
            }
            Site::Owners => format!("the owners slowed on purpose: {n} spins serving each call"),
        }
    }
}

static PLANT: OnceLock<(u64, Site)> = OnceLock::new();

/// The planted count and its site: `Ok((0, MutexStd))` when [`VARIABLE`] is unset; an error
/// naming the problem if either variable holds what it cannot. Read once per process.
pub fn planted() -> Result<(u64, Site), String> {
    let p = read()?;
    Ok(*PLANT.get_or_init(|| p))
}

fn read() -> Result<(u64, Site), String> {
    let n = match std::env::var(VARIABLE) {
        Err(std::env::VarError::NotPresent) => 0,
        Err(std::env::VarError::NotUnicode(_)) => return Err(format!("{VARIABLE} is not text")),
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("{VARIABLE}={text:?} is not a whole number of spins"))?,
    };
    let site = match std::env::var(SITE) {
        Err(std::env::VarError::NotPresent) => Site::MutexStd,
        Ok(text) if text.trim() == "mutex_std" => Site::MutexStd,
        Ok(text) if text.trim() == "owners" => Site::Owners,
        Ok(text) => {
            return Err(format!(
                "{SITE}={text:?} names no site: write mutex_std or owners"
            ));
        }
        Err(_) => return Err(format!("{SITE} is not text")),
    };
    Ok((n, site))
}

/// Runs the planted spins if they are planted at `site` (none if the count is unset, 0 or
/// invalid).
#[inline(always)]
pub fn delay(site: Site) {
    let (n, at) = *PLANT.get_or_init(|| read().unwrap_or((0, Site::MutexStd)));
    if n > 0 && at == site {
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
