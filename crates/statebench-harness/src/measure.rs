//! Latency histograms (HdrHistogram, one per client and operation kind, merged after the run),
//! their summaries, and the process's CPU time.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Latencies of one client, one histogram per operation kind, in nanoseconds.
#[derive(Debug, Clone)]
pub struct Latencies {
    per_kind: Vec<Histogram<u64>>,
}

/// Three significant figures, auto-resizing: any latency from 1 ns up is recorded exactly
/// enough, whatever the machine.
fn histogram() -> Histogram<u64> {
    let mut h =
        Histogram::new(3).unwrap_or_else(|e| unreachable!("3 significant figures is valid: {e}"));
    h.auto(true);
    h
}

impl Latencies {
    /// Empty histograms for `kinds` operation kinds.
    pub fn new(kinds: usize) -> Latencies {
        Latencies {
            per_kind: (0..kinds).map(|_| histogram()).collect(),
        }
    }

    /// Records one latency of kind `kind`.
    #[inline]
    pub fn record(&mut self, kind: usize, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX).max(1);
        if let Some(h) = self.per_kind.get_mut(kind) {
            // Auto-resizing histograms accept any value.
            let _ = h.record(nanos);
        }
    }

    /// Adds another client's latencies.
    pub fn merge(&mut self, other: &Latencies) {
        for (mine, theirs) in self.per_kind.iter_mut().zip(&other.per_kind) {
            let _ = mine.add(theirs);
        }
    }

    /// The summary of kind `kind`, if anything was recorded for it.
    pub fn summary(&self, kind: usize) -> Option<LatencySummary> {
        self.per_kind.get(kind).and_then(LatencySummary::of)
    }

    /// The summary over every kind.
    pub fn overall(&self) -> Option<LatencySummary> {
        let mut all = histogram();
        for h in &self.per_kind {
            let _ = all.add(h);
        }
        LatencySummary::of(&all)
    }
}

/// Percentiles of one histogram, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Latencies recorded.
    pub count: u64,
    /// Mean.
    pub mean_ns: f64,
    /// Median.
    pub p50_ns: u64,
    /// 90th percentile.
    pub p90_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// 99.9th percentile.
    pub p999_ns: u64,
    /// Largest.
    pub max_ns: u64,
}

impl LatencySummary {
    /// The summary of `h`, or `None` if it is empty.
    pub fn of(h: &Histogram<u64>) -> Option<LatencySummary> {
        (!h.is_empty()).then(|| LatencySummary {
            count: h.len(),
            mean_ns: h.mean(),
            p50_ns: h.value_at_quantile(0.50),
            p90_ns: h.value_at_quantile(0.90),
            p99_ns: h.value_at_quantile(0.99),
            p999_ns: h.value_at_quantile(0.999),
            max_ns: h.max(),
        })
    }
}

/// CPU time used so far by this whole process (every thread: clients, owners, runtimes),
/// user plus system.
pub fn process_cpu_time() -> Duration {
    crate::os::process_cpu_time()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_percentiles_are_those_of_all_samples() {
        let mut a = Latencies::new(2);
        let mut b = Latencies::new(2);
        for i in 1..=900 {
            a.record(0, Duration::from_nanos(i * 100)); // 100 ns .. 90 us
        }
        for _ in 0..100 {
            b.record(0, Duration::from_millis(1));
        }
        b.record(1, Duration::from_micros(5));
        a.merge(&b);
        let get = a.summary(0).expect("recorded");
        assert_eq!(get.count, 1000);
        // 1000 samples: the median is the 500th (50 us), p99 falls among the 1 ms ones.
        assert!((49_900..=50_100).contains(&get.p50_ns), "{get:?}");
        assert!((999_000..=1_001_000).contains(&get.p99_ns), "{get:?}");
        assert!((999_000..=1_001_000).contains(&get.max_ns));
        assert_eq!(a.summary(1).map(|s| s.count), Some(1));
        assert_eq!(a.overall().map(|s| s.count), Some(1001));
        assert_eq!(Latencies::new(3).summary(2), None);
    }

    #[test]
    fn cpu_time_advances_when_we_work() {
        let before = process_cpu_time();
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        assert!(process_cpu_time() > before);
    }
}
