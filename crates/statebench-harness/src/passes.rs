//! The run as the unit. A run of several passes measures the matrix once in each, every pass a
//! fresh process with a seed of its own ([`crate::results::RunSettings::passes`]); the
//! repetitions of one pass share that process's regime (its memory layout, its calibrations,
//! the host's mood over those minutes), so they agree with each other more than two runs of
//! the same command do. A comparison that treated them as independent would claim what the
//! next run does not repeat. So a record's comparisons take each pass's mean as one sample
//! ([`Record::samples`]) once it has two passes or more, and the report says how much of each
//! family's spread lies between passes ([`Record::variance_components`]).

use crate::results::Record;

/// The fewest passes whose means a record's comparisons take as their samples; with fewer,
/// they fall back to the repetitions, and the report says their intervals leave out how runs
/// differ.
pub const MIN_PASSES: usize = 2;

/// What one sample of a record's comparisons is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A pass's geometric mean: this many passes.
    Passes(usize),
    /// A repetition within one process: this many repetitions.
    Repetitions(usize),
}

/// How the variance of a record's log throughput splits: between passes (how runs differ) and
/// within them (how repetitions of one process differ), as the one-way random-effects model's
/// method-of-moments estimates (the ANOVA estimator; unequal pass sizes through `n₀`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Components {
    /// The variance of the pass effect, floored at 0.
    pub between: f64,
    /// The variance of repetitions about their pass's mean.
    pub within: f64,
}

impl Components {
    /// The share of the variance that lies between passes (0 when there is none at all).
    pub fn between_share(&self) -> f64 {
        let total = self.between + self.within;
        if total > 0.0 {
            self.between / total
        } else {
            0.0
        }
    }
}

/// The geometric mean of `xs`; 0 when one is not positive.
fn geometric_mean(xs: &[f64]) -> f64 {
    if xs.iter().all(|x| x.is_finite() && *x > 0.0) {
        (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp()
    } else {
        0.0
    }
}

impl Record {
    /// The headline rates ([`Record::headline_rates`]) grouped by pass, in pass order.
    fn by_pass(&self) -> Vec<Vec<f64>> {
        self.grouped_by_pass(self.headline_rates())
    }

    /// One figure per repetition (`figures`, in the repetitions' order) grouped by pass, in
    /// pass order.
    fn grouped_by_pass(&self, figures: Vec<f64>) -> Vec<Vec<f64>> {
        let mut passes: Vec<(u32, Vec<f64>)> = Vec::new();
        for (rep, rate) in self.repetitions.iter().zip(figures) {
            match passes.iter_mut().find(|(p, _)| *p == rep.pass) {
                Some((_, rates)) => rates.push(rate),
                None => passes.push((rep.pass, vec![rate])),
            }
        }
        passes.sort_by_key(|(p, _)| *p);
        passes.into_iter().map(|(_, rates)| rates).collect()
    }

    /// How many passes its repetitions came from.
    pub fn passes(&self) -> usize {
        self.by_pass().len()
    }

    /// Each pass's geometric mean of the headline rates, in pass order (0 for a pass with a
    /// rate that is not positive: no interval is made from it).
    pub fn pass_means(&self) -> Vec<f64> {
        self.by_pass()
            .iter()
            .map(|rates| geometric_mean(rates))
            .collect()
    }

    /// What one sample of its comparisons is: a pass with [`MIN_PASSES`] or more, else a
    /// repetition. Decided by the passes the record ran in: in a view of one placement
    /// ([`crate::placement::view`]) a record whose kept trials fall in fewer passes still
    /// counts passes — one pass mean is no sample to compare, and taking that pass's
    /// repetitions instead would make claims from one process's regime.
    pub fn unit(&self) -> Unit {
        let n = self.passes();
        let ran_in = self.set_aside.map_or(n, |s| s.passes);
        if ran_in >= MIN_PASSES {
            Unit::Passes(n)
        } else {
            Unit::Repetitions(self.repetitions.len())
        }
    }

    /// The samples every comparison of this record is made on: its pass means
    /// ([`Record::pass_means`]) when it has [`MIN_PASSES`] passes or more, else its headline
    /// rates, one a repetition.
    pub fn samples(&self) -> Vec<f64> {
        match self.unit() {
            Unit::Passes(_) => self.pass_means(),
            Unit::Repetitions(_) => self.headline_rates(),
        }
    }

    /// The samples its latency comparisons are made on, taken as [`Record::samples`] takes
    /// its rates: each pass's geometric mean of its repetitions' p99 latency over every kind of
    /// operation, in nanoseconds, when it has [`MIN_PASSES`] passes or more, else each
    /// repetition's p99. A repetition that timed no operation counts 0 (no interval is made
    /// from it).
    pub fn p99_samples(&self) -> Vec<f64> {
        let p99s: Vec<f64> = self
            .repetitions
            .iter()
            .map(|rep| rep.latency.get("all").map_or(0.0, |l| l.p99_ns as f64))
            .collect();
        match self.unit() {
            Unit::Passes(_) => self
                .grouped_by_pass(p99s)
                .iter()
                .map(|xs| geometric_mean(xs))
                .collect(),
            Unit::Repetitions(_) => p99s,
        }
    }

    /// The p99 its latency claims test: the geometric mean of [`Record::p99_samples`], as
    /// [`Record::headline`] is of the rates; the median over repetitions when a sample is not
    /// positive (a repetition that timed nothing).
    pub fn p99_headline(&self) -> f64 {
        let mean = geometric_mean(&self.p99_samples());
        if mean > 0.0 {
            mean
        } else {
            self.summary.p99_ns.median
        }
    }

    /// How the variance of the logs of its headline rates splits between and within passes;
    /// `None` with fewer than two passes, no pass of two repetitions, or a rate that is not
    /// positive.
    pub fn variance_components(&self) -> Option<Components> {
        let passes = self.by_pass();
        let logs: Vec<Vec<f64>> = passes
            .iter()
            .map(|rates| {
                rates
                    .iter()
                    .map(|r| (r.is_finite() && *r > 0.0).then(|| r.ln()))
                    .collect::<Option<Vec<f64>>>()
            })
            .collect::<Option<_>>()?;
        let k = logs.len();
        let n: usize = logs.iter().map(Vec::len).sum();
        if k < 2 || n <= k {
            return None;
        }
        let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
        let grand = logs.iter().flatten().sum::<f64>() / n as f64;
        let within_ss: f64 = logs
            .iter()
            .map(|xs| {
                let m = mean(xs);
                xs.iter().map(|x| (x - m).powi(2)).sum::<f64>()
            })
            .sum();
        let between_ss: f64 = logs
            .iter()
            .map(|xs| xs.len() as f64 * (mean(xs) - grand).powi(2))
            .sum();
        let msw = within_ss / (n - k) as f64;
        let msb = between_ss / (k - 1) as f64;
        let sizes_sq: f64 = logs.iter().map(|xs| (xs.len() as f64).powi(2)).sum();
        let n0 = (n as f64 - sizes_sq / n as f64) / (k - 1) as f64;
        Some(Components {
            between: ((msb - msw) / n0).max(0.0),
            within: msw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use crate::{Driver, Repetition};
    use statebench_core::Family;

    fn record(passes: &[&[f64]]) -> Record {
        let reps: Vec<Repetition> = passes
            .iter()
            .enumerate()
            .flat_map(|(p, rates)| {
                rates.iter().map(move |&rate| Repetition {
                    pass: p as u32,
                    ..fixture::served("kv_read_heavy", 1, rate)
                })
            })
            .collect();
        fixture::record(
            "kv_read_heavy",
            "mutex_std",
            Family::Lock,
            Driver::Threads,
            1,
            reps,
        )
    }

    #[test]
    fn passes_are_the_samples_once_there_are_two() {
        let one = record(&[&[100.0, 400.0, 200.0]]);
        assert_eq!(one.unit(), Unit::Repetitions(3));
        assert_eq!(one.samples(), one.headline_rates());
        assert!(one.variance_components().is_none());

        let three = record(&[&[100.0, 400.0], &[200.0], &[50.0, 200.0]]);
        assert_eq!(three.unit(), Unit::Passes(3));
        let means = three.samples();
        for (got, want) in means.iter().zip([200.0, 200.0, 100.0]) {
            assert!((got - want).abs() < 1e-9, "{means:?}");
        }
    }

    #[test]
    fn latency_samples_are_taken_as_the_rates_are() {
        // Each repetition's p99 set to its rate's number, so that the two read alike.
        let with_p99 = |passes: &[&[f64]]| {
            let mut r = record(passes);
            for rep in &mut r.repetitions {
                let all = rep
                    .latency
                    .get_mut("all")
                    .expect("the fixture times every kind");
                all.p99_ns = rep.ops_per_sec as u64;
            }
            r
        };
        let one = with_p99(&[&[100.0, 400.0, 200.0]]);
        assert_eq!(one.p99_samples(), vec![100.0, 400.0, 200.0]);
        let three = with_p99(&[&[100.0, 400.0], &[200.0], &[50.0, 200.0]]);
        let means = three.p99_samples();
        assert_eq!(means.len(), 3);
        for (got, want) in means.iter().zip([200.0, 200.0, 100.0]) {
            assert!((got - want).abs() < 1e-9, "{means:?}");
        }
        // A repetition that timed nothing makes its pass's sample 0.
        let mut untimed = with_p99(&[&[100.0, 400.0], &[200.0, 300.0]]);
        untimed.repetitions[3].latency.clear();
        assert_eq!(untimed.p99_samples()[1], 0.0);
    }

    #[test]
    fn variance_components_split_as_the_one_way_model_says() {
        // Balanced, two passes of two: logs ln 1, ln e (pass 0) and ln e², ln e³ (pass 1),
        // i.e. 0, 1 and 2, 3. Within: ((0.5² + 0.5²) · 2) / 2 = 0.5. Between: the pass means
        // 0.5 and 2.5 about 1.5, MSB = 2 · (1 + 1) / 1 = 4, n₀ = 2: (4 - 0.5) / 2 = 1.75.
        // (Scaled by a million, which moves every log alike, so that the fixture's counts of
        // each kind keep the mix served.)
        let (e, m) = (std::f64::consts::E, 1e6);
        let r = record(&[&[m, m * e], &[m * e * e, m * e * e * e]]);
        let c = r.variance_components().expect("two passes of two");
        assert!((c.within - 0.5).abs() < 1e-12, "{c:?}");
        assert!((c.between - 1.75).abs() < 1e-12, "{c:?}");
        assert!((c.between_share() - 1.75 / 2.25).abs() < 1e-12);
        // Pass means that agree better than their repetitions: no variance between passes.
        let still = record(&[&[m, m * e], &[m * e, m]]);
        let c = still.variance_components().expect("two passes of two");
        assert_eq!(c.between, 0.0);
        assert_eq!(c.between_share(), 0.0);
    }
}
