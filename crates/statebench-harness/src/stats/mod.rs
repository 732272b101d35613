//! When is one figure different from another? The statistics behind every claim statebench
//! prints: an interval for the ratio of two implementations' throughputs, corrected for the
//! number of comparisons made, and a verdict that claims a difference only when the whole
//! interval lies beyond a minimum effect.
//!
//! **The model.** Throughput is a rate, and on a shared machine its noise is multiplicative
//! (a neighbour steals a share of the time, not a number of operations), so repetitions are
//! compared on the log scale: the estimate is the ratio of geometric means, and its interval
//! comes from Welch's t on the logs (unequal variances, Welch–Satterthwaite degrees of freedom).
//! Why not a rank test: with five repetitions per side Mann–Whitney's smallest two-sided p is
//! 2/252 ≈ 0.008, so after a correction for dozens of comparisons it could never claim
//! anything, and its interval (Hodges–Lehmann) at such levels is just the min/max rule the
//! guide used to apply without a correction. An outlier repetition widens Welch's interval
//! (it inflates the variance), so the test errs towards "no claim", the safe side.
//!
//! **Borrowed strength.** With three passes a side, a row's own variance has two degrees of
//! freedom: it is itself so noisy that one run finds a spread small by chance and claims, and
//! the next finds it large and cannot — runs of one command disagree for that alone. A report
//! compares hundreds of rows measured alike, so each row's variance is *moderated* towards the
//! typical one of rows like it (the report's: its workload's), as limma does for
//! gene-expression arrays (Smyth 2004, "Linear models and empirical Bayes methods for
//! assessing differential expression in microarray experiments"): a scaled inverse-χ² prior is fitted to the rows' variances ([`Prior::fit`],
//! his method of moments, limma's `fitFDist`), and a row's variance becomes
//! `(d₀·s₀² + d·s²) / (d₀ + d)` on `d₀ + d` degrees of freedom ([`LogSample::moderated`]).
//! The more the rows' variances differ, the smaller the prior's weight `d₀`; a row whose
//! variance the prior cannot explain (beyond its 99th percentile) keeps its own, so a
//! genuinely noisy row is never narrowed; a row quiet by chance no longer makes a narrow
//! interval.
//!
//! **The correction.** A report that makes `m` comparisons corrects for them together
//! ([`levels`]). [`Correction::Bonferroni`] builds each interval at `1 - alpha / m`, so all `m`
//! hold together with probability `1 - alpha` (rather than Holm, which adjusts p-values, not
//! intervals — and every claim prints its interval). [`Correction::FalseDiscovery`] selects
//! with Benjamini–Hochberg the comparisons whose interval can make a claim — a difference
//! beyond the minimum effect, or sameness within it ([`Welch::p_claim`]) — and builds their
//! intervals at `1 - R·alpha / m` (Benjamini–Yekutieli's intervals for selected parameters),
//! so that on average at most a share `alpha` of the claims are false; the rest claim nothing.
//! The report uses the latter, over every comparison it could make (docs/METHODOLOGY.md).

//!
//! The parts: `sample` (a row's logs and their moderation), `dist` (the distributions and
//! special functions), `rank` (the signed-rank interval); this module holds the comparison,
//! the verdicts and the corrections.

mod dist;
mod rank;
mod sample;

pub use dist::{f_upper_p, t_quantile, t_two_sided_p};
pub use rank::{hodges_lehmann, signed_rank_critical};
pub use sample::{LogSample, MAX_DF, OUTLIER_P, Prior};

/// The error rate the report allows over all its comparisons: family-wise under Bonferroni,
/// the expected share of false claims under false-discovery control.
pub const ALPHA: f64 = 0.05;

/// The smallest difference the guide calls a difference: 10 %. A whole interval must lie
/// beyond `1 ± MIN_EFFECT` (as criterion asks the whole interval to lie beyond its noise
/// threshold); closer than that, two strategies are practically the same for a design choice.
pub const MIN_EFFECT: f64 = 0.10;

/// A claim is *firm* when a fresh run of the same size would make it again with at least this
/// chance ([`Welch::p_repeat`]); the report marks the others as near their line. 99 % is the
/// share of claims the project asks every run to repeat (docs/METHODOLOGY.md): a claim the
/// report calls firm is predicted to meet that bar on its own; docs/ARCHITECTURE.md has how
/// often the firm claims of committed runs repeated at this level and at 95 %.
pub const FIRM: f64 = 0.99;

/// Welch's comparison of two samples on the log scale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Welch {
    /// Ratio of the geometric means, `a / b`.
    pub ratio: f64,
    /// Standard error of the difference of the mean logs.
    pub se: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Sample sizes.
    pub n: (usize, usize),
}

/// An interval for a ratio `a / b`, at a stated confidence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RatioInterval {
    /// The estimate: the ratio of the geometric means.
    pub ratio: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Confidence level of the interval, e.g. 0.999.
    pub level: f64,
}

/// What an interval lets us say about `a` against `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The whole interval is above `1 + MIN_EFFECT`: `a` is faster.
    Faster,
    /// The whole interval is below `1 / (1 + MIN_EFFECT)`: `a` is slower.
    Slower,
    /// The whole interval is inside the minimum effect: the same, for a design choice.
    Same,
    /// The interval reaches past the minimum effect on one side but not beyond it: no claim.
    Unresolved,
}

impl Welch {
    /// Compares `a` with `b` (both positive; at least two values each), or `None` if either
    /// is too small or holds a value that is not positive.
    pub fn of(a: &[f64], b: &[f64]) -> Option<Welch> {
        Some(Welch::between(LogSample::of(a)?, LogSample::of(b)?))
    }

    /// Compares two samples already on the log scale, their variances perhaps moderated.
    pub fn between(a: LogSample, b: LogSample) -> Welch {
        let (sa, sb) = (a.var / a.n as f64, b.var / b.n as f64);
        let se2 = sa + sb;
        // Identical repetitions (a deterministic figure) leave no spread: the ratio is exact.
        let df = if se2 > 0.0 {
            (se2 * se2 / (sa * sa / a.df + sb * sb / b.df)).min(MAX_DF)
        } else {
            (a.df + b.df).min(MAX_DF)
        };
        Welch {
            ratio: (a.mean - b.mean).exp(),
            se: se2.sqrt(),
            df,
            n: (a.n, b.n),
        }
    }
    /// The two-sided interval of the ratio at confidence `level`.
    pub fn interval(&self, level: f64) -> RatioInterval {
        let t = t_quantile(1.0 - (1.0 - level) / 2.0, self.df);
        let half = t * self.se;
        RatioInterval {
            ratio: self.ratio,
            low: self.ratio * (-half).exp(),
            high: self.ratio * half.exp(),
            level,
        }
    }

    /// The two-sided p-value of "the geometric means are equal".
    pub fn p_value(&self) -> f64 {
        if self.se == 0.0 {
            return if self.ratio == 1.0 { 1.0 } else { 0.0 };
        }
        let t = self.ratio.ln().abs() / self.se;
        t_two_sided_p(t, self.df)
    }
}

impl RatioInterval {
    /// The verdict against a minimum effect of `min_effect` (e.g. 0.10 for 10 %).
    pub fn verdict(&self, min_effect: f64) -> Verdict {
        let up = 1.0 + min_effect;
        if self.low > up {
            Verdict::Faster
        } else if self.high < 1.0 / up {
            Verdict::Slower
        } else if self.low >= 1.0 / up && self.high <= up {
            Verdict::Same
        } else {
            Verdict::Unresolved
        }
    }
}

/// The confidence level of each of `m` intervals that hold together with probability
/// `1 - alpha` (Bonferroni).
pub fn bonferroni_level(alpha: f64, m: usize) -> f64 {
    1.0 - alpha / m.max(1) as f64
}

/// Which variance each row's interval is built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variance {
    /// The row's own, from its samples alone (two degrees of freedom at three passes).
    Own,
    /// The row's own moderated towards the typical one of its workload's rows
    /// ([`LogSample::moderated`]): the report's.
    Moderated,
}

/// How the many comparisons of a report are corrected for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Correction {
    /// Every interval at `1 - alpha/m`: all hold together with probability `1 - alpha` (the
    /// family-wise error rate). Few claims, each safe.
    Bonferroni,
    /// Benjamini–Hochberg on the p-value of the claim each estimate points to (beyond the
    /// minimum effect, or within it: [`Welch::p_claim`]), then
    /// Benjamini–Yekutieli's intervals for the `R` selected at `1 - R·alpha/m`: on average at
    /// most a share `alpha` of the claims are false (the false coverage-statement rate). More
    /// claims, a few of them possibly wrong.
    FalseDiscovery,
}

impl Welch {
    /// The two-sided p-value of "the ratio lies within `1 ± min_effect`": small when the data
    /// put the ratio clearly beyond the minimum effect, on one side or the other.
    pub fn p_beyond(&self, min_effect: f64) -> f64 {
        self.p_of_margin(self.ratio.ln().abs() - (1.0 + min_effect).ln())
    }

    /// The two-sided p-value of a log ratio `margin` past a boundary (1 when it is not past).
    fn p_of_margin(&self, margin: f64) -> f64 {
        if self.se == 0.0 {
            return if margin > 0.0 { 0.0 } else { 1.0 };
        }
        let t = margin / self.se;
        if t <= 0.0 {
            return 1.0;
        }
        t_two_sided_p(t, self.df).min(1.0)
    }

    /// The two-sided p-value of "the ratio lies outside `1 ± min_effect`": small when the data
    /// put the ratio clearly within the minimum effect. Dual to the interval as
    /// [`p_beyond`](Welch::p_beyond) is: the interval at confidence `1 - p` has an end on the
    /// boundary.
    pub fn p_within(&self, min_effect: f64) -> f64 {
        self.p_of_margin((1.0 + min_effect).ln() - self.ratio.ln().abs())
    }

    /// The p-value of the claim the estimate points to: that the ratio lies beyond the minimum
    /// effect when it does, within it otherwise ([`p_beyond`](Welch::p_beyond),
    /// [`p_within`](Welch::p_within)). The interval at confidence `1 - q` makes a claim —
    /// *faster*, *slower* or *the same* ([`RatioInterval::verdict`]) — exactly when this is at
    /// most `q`. Either claim is false only under its own null, so the p-value is valid for "a
    /// false claim" whichever the data chose.
    pub fn p_claim(&self, min_effect: f64) -> f64 {
        self.p_beyond(min_effect).min(self.p_within(min_effect))
    }

    /// The chance that a fresh run of the same size, judging the ratio at the same `level`,
    /// makes the claim this one's interval makes ([`RatioInterval::verdict`]; 0 when it makes
    /// none). The next run's log ratio is predicted to fall about this one's with twice its
    /// variance — the true ratio's uncertainty plus the next run's own noise, under a flat
    /// prior (Goodman 1992, "A comment on replication, p-values and evidence"; Killeen's
    /// p_rep) — spread as Student's t at this comparison's degrees of freedom. A claim whose
    /// interval only just clears its line repeats about half the time; one that clears it by
    /// `1.645·√2` standard errors more repeats 95 % of the time (at many degrees of freedom;
    /// more at few). For a pooled ratio, whose standard error is the spread between cells, a
    /// fresh run would not draw the cells again: the chance is then an underestimate.
    pub fn p_repeat(&self, level: f64, min_effect: f64) -> f64 {
        let verdict = self.interval(level).verdict(min_effect);
        if self.se == 0.0 {
            return if verdict == Verdict::Unresolved {
                0.0
            } else {
                1.0
            };
        }
        let t = t_quantile(1.0 - (1.0 - level) / 2.0, self.df);
        let (d, half, line) = (self.ratio.ln(), t * self.se, (1.0 + min_effect).ln());
        let spread = self.se * std::f64::consts::SQRT_2;
        // P(T > x) for the predictive t.
        let above = |x: f64| {
            let tail = t_two_sided_p(x.abs(), self.df) / 2.0;
            if x >= 0.0 { tail } else { 1.0 - tail }
        };
        match verdict {
            Verdict::Faster => above((line + half - d) / spread),
            Verdict::Slower => 1.0 - above((-line - half - d) / spread),
            Verdict::Same if line - half > -line + half => {
                above((-line + half - d) / spread) - above((line - half - d) / spread)
            }
            Verdict::Same | Verdict::Unresolved => 0.0,
        }
    }
}

/// How many of the p-values `ps` Benjamini–Hochberg's step-up procedure rejects at false
/// discovery rate `alpha`: the largest `k` with `p₍ₖ₎ ≤ k·alpha/m` (the `k` smallest are
/// rejected; 0 if none).
pub fn benjamini_hochberg(ps: &[f64], alpha: f64) -> usize {
    let mut sorted = ps.to_vec();
    sorted.sort_by(f64::total_cmp);
    let m = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .filter(|(k, p)| **p <= (*k + 1) as f64 * alpha / m)
        .map(|(k, _)| k + 1)
        .max()
        .unwrap_or(0)
}

/// The confidence level each of `tests` is judged at under `correction` (`alpha` overall,
/// `min_effect` the minimum effect): one level for all under Bonferroni; under false-discovery
/// control, `1 - R·alpha/m` for the `R` tests Benjamini–Hochberg selects on the p-value of the
/// claim each points to ([`Welch::p_claim`]: a difference, or sameness), and `None` (no claim
/// of either kind) for the rest. `None` entries of `tests` (no interval possible) count in `m`
/// and are never selected.
pub fn levels(
    tests: &[Option<Welch>],
    correction: Correction,
    alpha: f64,
    min_effect: f64,
) -> Vec<Option<f64>> {
    let m = tests.len().max(1);
    match correction {
        Correction::Bonferroni => vec![Some(bonferroni_level(alpha, m)); tests.len()],
        Correction::FalseDiscovery => {
            let mut ps: Vec<(f64, usize)> = tests
                .iter()
                .enumerate()
                .map(|(i, t)| (t.map_or(1.0, |w| w.p_claim(min_effect)), i))
                .collect();
            ps.sort_by(|a, b| a.0.total_cmp(&b.0));
            let sorted: Vec<f64> = ps.iter().map(|(p, _)| *p).collect();
            let selected = benjamini_hochberg(&sorted, alpha);
            let level = 1.0 - selected as f64 * alpha / m as f64;
            let mut out = vec![None; tests.len()];
            for (_, i) in &ps[..selected] {
                out[*i] = Some(level);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests;
