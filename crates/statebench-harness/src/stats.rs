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

use std::f64::consts::PI;

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

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// The most degrees of freedom a variance is given: a prior whose rows' variances agree
/// exactly would have infinitely many, and Student's t at this many is the normal's to five
/// digits.
pub const MAX_DF: f64 = 1e5;

/// A row's variance whose chance under the prior (`P(F > s²/s₀²)`, [`f_upper_p`]) is below
/// this is the row's own: the prior cannot explain it, and moderating it would narrow a
/// genuinely noisy row's interval (the protection limma's `robust` fit gives outliers, in its
/// simplest form).
pub const OUTLIER_P: f64 = 0.01;

/// A sample of positive figures on the log scale: what Welch's test reads of each side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogSample {
    /// The mean of the logs (the log of the geometric mean).
    pub mean: f64,
    /// The variance of the logs: the sample's own, or moderated ([`LogSample::moderated`]).
    pub var: f64,
    /// The degrees of freedom of `var`: `n - 1`, plus the prior's when moderated.
    pub df: f64,
    /// How many figures.
    pub n: usize,
}

impl LogSample {
    /// The logs of `xs`, or `None` with fewer than two figures or one that is not positive.
    pub fn of(xs: &[f64]) -> Option<LogSample> {
        if xs.len() < 2 || xs.iter().any(|x| !x.is_finite() || *x <= 0.0) {
            return None;
        }
        let logs: Vec<f64> = xs.iter().map(|x| x.ln()).collect();
        let (mean, var) = mean_var(&logs);
        Some(LogSample {
            mean,
            var,
            df: xs.len() as f64 - 1.0,
            n: xs.len(),
        })
    }

    /// The variance moderated towards `prior` (Smyth 2004, eq. 2): the weighted mean
    /// `(d₀·s₀² + d·s²) / (d₀ + d)` on `d₀ + d` degrees of freedom. Unchanged without a prior,
    /// for a deterministic figure (no spread: its ratio is exact), and for a variance the prior
    /// cannot explain ([`OUTLIER_P`]).
    pub fn moderated(&self, prior: Option<Prior>) -> LogSample {
        let Some(p) = prior else {
            return *self;
        };
        if self.var == 0.0 || f_upper_p(self.var / p.var, self.df, p.df) < OUTLIER_P {
            return *self;
        }
        LogSample {
            var: (p.df * p.var + self.df * self.var) / (p.df + self.df),
            df: (p.df + self.df).min(MAX_DF),
            ..*self
        }
    }
}

/// The prior the variances of a run's rows are moderated towards: a scaled inverse-χ² with
/// scale `var` and `df` degrees of freedom ([`Prior::fit`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prior {
    /// `s₀²`: the typical variance of a row's logs.
    pub var: f64,
    /// `d₀`: what the prior is worth, in degrees of freedom — large when the rows' variances
    /// differ no more than sampling explains, small when they differ more.
    pub df: f64,
}

impl Prior {
    /// Fits the prior to the variances of `samples` by Smyth's (2004, section 6.2) method of
    /// moments on their logs, as limma's `fitFDist` does without covariates: with
    /// `eᵢ = ln sᵢ² − ψ(dᵢ/2) + ln(dᵢ/2)`, `ψ′(d₀/2)` is the variance of the `eᵢ` less the
    /// mean of `ψ′(dᵢ/2)`, and `ln s₀² = mean(e) + ψ(d₀/2) − ln(d₀/2)`. When sampling explains
    /// all the spread of the variances, `d₀` is unbounded ([`MAX_DF`]). `None` with fewer than
    /// three variances above zero (a deterministic figure has none and is left out).
    pub fn fit(samples: &[LogSample]) -> Option<Prior> {
        let s: Vec<&LogSample> = samples
            .iter()
            .filter(|s| s.var > 0.0 && s.var.is_finite())
            .collect();
        if s.len() < 3 {
            return None;
        }
        let n = s.len() as f64;
        let e: Vec<f64> = s
            .iter()
            .map(|s| s.var.ln() - digamma(s.df / 2.0) + (s.df / 2.0).ln())
            .collect();
        let (mean, var) = mean_var(&e);
        let excess = var - s.iter().map(|s| trigamma(s.df / 2.0)).sum::<f64>() / n;
        let df = if excess > 0.0 {
            (2.0 * trigamma_inverse(excess)).min(MAX_DF)
        } else {
            MAX_DF
        };
        Some(Prior {
            var: (mean + digamma(df / 2.0) - (df / 2.0).ln()).exp(),
            df,
        })
    }
}

/// `P(F > f)` for Snedecor's F with `d1` and `d2` degrees of freedom: the regularized
/// incomplete beta `I(d2 / (d2 + d1·f); d2/2, d1/2)` (Abramowitz and Stegun 26.6.2).
pub fn f_upper_p(f: f64, d1: f64, d2: f64) -> f64 {
    if f <= 0.0 {
        return 1.0;
    }
    incomplete_beta(d2 / (d2 + d1 * f), d2 / 2.0, d1 / 2.0)
}

/// `f(x)` for `x > 0` by the recurrence `f(x) = step(x) + f(x + 1)` up to 10, then the
/// asymptotic series `tail` (Abramowitz and Stegun 6.3.18, 6.4.12–13): about 1e-12 off.
fn polygamma_by(mut x: f64, step: impl Fn(f64) -> f64, tail: impl Fn(f64) -> f64) -> f64 {
    let mut sum = 0.0;
    while x < 10.0 {
        sum += step(x);
        x += 1.0;
    }
    sum + tail(x)
}

/// The digamma function ψ(x) = Γ′(x)/Γ(x).
fn digamma(x: f64) -> f64 {
    polygamma_by(
        x,
        |x| -1.0 / x,
        |x| {
            let i2 = 1.0 / (x * x);
            let series = i2
                * (1.0 / 12.0
                    - i2 * (1.0 / 120.0 - i2 * (1.0 / 252.0 - i2 * (1.0 / 240.0 - i2 / 132.0))));
            x.ln() - 0.5 / x - series
        },
    )
}

/// The trigamma function ψ′(x).
fn trigamma(x: f64) -> f64 {
    polygamma_by(
        x,
        |x| 1.0 / (x * x),
        |x| {
            let i = 1.0 / x;
            let i2 = i * i;
            let series = 1.0 / 6.0
                - i2 * (1.0 / 30.0 - i2 * (1.0 / 42.0 - i2 * (1.0 / 30.0 - i2 * 5.0 / 66.0)));
            i + i2 / 2.0 + i2 * i * series
        },
    )
}

/// The tetragamma function ψ″(x).
fn tetragamma(x: f64) -> f64 {
    polygamma_by(
        x,
        |x| -2.0 / (x * x * x),
        |x| {
            let i2 = 1.0 / (x * x);
            let series = 1.0 / 6.0 - i2 * (1.0 / 6.0 - i2 * (3.0 / 10.0 - i2 * 5.0 / 6.0));
            -i2 - i2 / x - i2 * i2 / 2.0 + i2 * i2 * i2 * series
        },
    )
}

/// The `x` with ψ′(x) = y, by Newton's method from limma's start (`trigammaInverse`:
/// 0.5 + 1/y, above the root, from which every step falls towards it).
fn trigamma_inverse(y: f64) -> f64 {
    if y > 1e7 {
        return 1.0 / y.sqrt();
    }
    if y < 1e-6 {
        return 1.0 / y;
    }
    let mut x = 0.5 + 1.0 / y;
    for _ in 0..100 {
        let tri = trigamma(x);
        let step = tri * (1.0 - tri / y) / tetragamma(x);
        x += step;
        if -step / x < 1e-10 {
            break;
        }
    }
    x
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

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = G[0];
    for (i, g) in G.iter().enumerate().skip(1) {
        sum += g / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The regularised incomplete beta function I_x(a, b), by its continued fraction (modified
/// Lentz), using the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges slowly.
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - incomplete_beta(1.0 - x, b, a);
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp() / a;
    const TINY: f64 = 1e-300;
    let (mut c, mut d) = (1.0, 1.0 - (a + b) * x / (a + 1.0));
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut f = d;
    for m in 1..=300 {
        let m = f64::from(m);
        // The even step, then the odd step, of the fraction.
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 + even * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + even / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        f *= c * d;
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 + odd * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + odd / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let step = c * d;
        f *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front * f
}

/// P(|T| > t) for Student's t with `df` degrees of freedom.
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
}

/// The `p` quantile of Student's t with `df` degrees of freedom, for `p` in (0.5, 1).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let target = 2.0 * (1.0 - p);
    // P(|T| > t) falls from 1 at t = 0; bisect on it (60 halvings: far below any use here).
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while t_two_sided_p(hi, df) > target && hi < 1e12 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_two_sided_p(mid, df) > target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The critical value of Wilcoxon's signed-rank statistic `T` for `n` pairs: the largest `k`
/// with P(T ≤ k) ≤ `alpha` / 2 when each rank 1..=`n` counts or not with equal chance (the
/// exact null distribution, counted), or `None` when even P(T = 0) = 2⁻ⁿ exceeds `alpha` / 2:
/// too few pairs for that level.
pub fn signed_rank_critical(n: usize, alpha: f64) -> Option<usize> {
    let most = n * (n + 1) / 2;
    // ways[s]: how many subsets of the ranks sum to s (as f64: past 63 ranks 2^n overflows a
    // u64, and the share, not the count, is what is compared).
    let mut ways = vec![0f64; most + 1];
    ways[0] = 1.0;
    for rank in 1..=n {
        for s in (rank..=most).rev() {
            ways[s] += ways[s - rank];
        }
    }
    let total = 2f64.powi(i32::try_from(n).ok()?);
    let mut below = 0.0;
    let mut critical = None;
    for (s, w) in ways.iter().enumerate() {
        below += w;
        if below / total > alpha / 2.0 {
            break;
        }
        critical = Some(s);
    }
    critical
}

/// The Hodges–Lehmann estimate of where `xs` centre — the median of the Walsh averages
/// (xᵢ + xⱼ) / 2, i ≤ j — with its two-sided interval at `level` from Wilcoxon's signed-rank
/// test: the (k + 1)-th smallest and the (k + 1)-th largest Walsh average, k the test's
/// critical value ([`signed_rank_critical`]). It assumes the values spread symmetrically about
/// their centre, as a mean's t interval does, but not normally: one wild value enters n of
/// the n(n + 1)/2 Walsh averages, all at one end, and the interval, which skips the k most
/// extreme on each side, barely moves, where a t interval widens with its whole distance. `None` with too few values for `level`, or one not finite.
pub fn hodges_lehmann(xs: &[f64], level: f64) -> Option<(f64, f64, f64)> {
    if xs.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let n = xs.len();
    let k = signed_rank_critical(n, 1.0 - level)?;
    let mut walsh = Vec::with_capacity(n * (n + 1) / 2);
    for (i, a) in xs.iter().enumerate() {
        walsh.extend(xs[i..].iter().map(|b| (a + b) / 2.0));
    }
    walsh.sort_by(f64::total_cmp);
    let m = walsh.len();
    let centre = if m % 2 == 1 {
        walsh[m / 2]
    } else {
        (walsh[m / 2 - 1] + walsh[m / 2]) / 2.0
    };
    Some((centre, walsh[k], walsh[m - 1 - k]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-12)
    }

    #[test]
    fn t_quantiles_match_the_tables() {
        // Two-sided 95 %, 99 % and 99.9 % critical values from standard tables.
        for (p, df, table) in [
            (0.975, 1.0, 12.706),
            (0.975, 4.0, 2.776),
            (0.975, 8.0, 2.306),
            (0.975, 30.0, 2.042),
            (0.995, 8.0, 3.355),
            (0.9995, 8.0, 5.041),
            (0.9995, 4.0, 8.610),
            (0.975, 1e6, 1.960),
        ] {
            let t = t_quantile(p, df);
            assert!(close(t, table, 1e-3), "t({p}, {df}) = {t}, table {table}");
        }
        assert!(close(t_two_sided_p(2.306, 8.0), 0.05, 1e-3));
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-12));
        assert!(close(ln_gamma(0.5), PI.sqrt().ln(), 1e-12));
    }

    /// The signed-rank test's critical values against the published table (two-sided, the
    /// largest T rejected; Wilcoxon, Katti and Wilcox 1970, as reprinted in textbook tables),
    /// and the smallest case counted by hand: with 10 pairs, the subsets of the ranks summing
    /// to at most 3 are {}, {1}, {2}, {3} and {1, 2}, so P(T ≤ 3) = 5/1024 ≤ 0.005, and
    /// {4} and {1, 3} bring P(T ≤ 4) to 7/1024 > 0.005.
    #[test]
    fn signed_rank_critical_values_match_the_table() {
        for (n, alpha, table) in [
            (10, 0.05, 8),
            (10, 0.01, 3),
            (15, 0.05, 25),
            (15, 0.01, 15),
            (20, 0.05, 52),
            (20, 0.01, 37),
            (30, 0.05, 137),
            (30, 0.01, 109),
            (8, 0.01, 0),
        ] {
            assert_eq!(
                signed_rank_critical(n, alpha),
                Some(table),
                "n {n}, alpha {alpha}"
            );
        }
        assert_eq!(signed_rank_critical(7, 0.01), None, "2^-7 > 0.005");
    }

    /// The estimate and its interval on values worked by hand, and what the interval is for:
    /// one wild value among fifteen pulls Student's t interval far down, and the signed-rank
    /// interval hardly at all (the figures computed apart, in Python, from the same values).
    #[test]
    fn hodges_lehmann_by_hand_and_against_one_wild_value() {
        // Walsh averages of 1, 2, 3, 4: 1, 1.5, 2, 2, 2.5, 2.5, 3, 3, 3.5, 4; their median is
        // 2.5. Under the null, T for four pairs is 0, 1, 2 once each and 3 twice of 16, so
        // P(T ≤ 2) = 3/16 ≤ 0.25 < P(T ≤ 3) = 5/16: at alpha 0.5, k = 2, and the interval runs
        // from the third smallest average to the third largest, 2 to 3.
        assert_eq!(signed_rank_critical(4, 0.5), Some(2));
        let (centre, low, high) = hodges_lehmann(&[1.0, 2.0, 3.0, 4.0], 0.5).expect("four");
        assert_eq!((centre, low, high), (2.5, 2.0, 3.0));
        let ratios = [
            1.00, 1.02, 0.99, 1.01, 1.03, 0.98, 1.00, 1.02, 1.01, 0.99, 1.00, 1.01, 1.02, 0.99,
            0.69,
        ];
        let xs: Vec<f64> = ratios.iter().map(|r: &f64| r.ln()).collect();
        let (centre, low, high) = hodges_lehmann(&xs, 0.99).expect("fifteen");
        for (got, want) in [
            (centre.exp(), 1.0048880534666536),
            (low.exp(), 0.98),
            (high.exp(), 1.0149876846543509),
        ] {
            assert!(close(got, want, 1e-12), "{got} against {want}");
        }
        let (mean, var) = mean_var(&xs);
        let half = t_quantile(0.995, 14.0) * (var / 15.0).sqrt();
        assert!(
            close((mean - half).exp(), 0.9088729533411072, 1e-6),
            "Student's t interval starts at {}",
            (mean - half).exp()
        );
        assert_eq!(
            hodges_lehmann(&xs[..7], 0.99),
            None,
            "seven pairs cannot reach 99 %"
        );
        assert_eq!(hodges_lehmann(&[1.0, f64::NAN, 2.0], 0.5), None);
    }

    /// Every statistic against SciPy's figures for the same inputs
    /// (`tests/reference-values.json`, written by `scripts/reference-stats.sh`, which names the
    /// SciPy version): a formula that is wrong but plausible — Welch's degrees of freedom
    /// pooled, a one-sided p, an off-by-one in Benjamini–Hochberg — fails here.
    #[test]
    fn every_statistic_agrees_with_scipy() {
        let reference: serde_json::Value =
            serde_json::from_str(include_str!("../tests/reference-values.json"))
                .expect("reference values");
        let num = |v: &serde_json::Value| v.as_f64().expect("a number");
        let nums = |v: &serde_json::Value| -> Vec<f64> {
            v.as_array().expect("a list").iter().map(num).collect()
        };
        let list = |key: &str| reference[key].as_array().expect(key).clone();
        assert!(
            reference["source"]
                .as_str()
                .is_some_and(|s| s.starts_with("SciPy"))
        );
        let mut tests = Vec::new();
        for case in list("welch") {
            let w = Welch::of(&nums(&case["a"]), &nums(&case["b"])).expect("comparable");
            for (ours, scipy, what) in [
                (w.ratio, num(&case["ratio"]), "ratio"),
                (w.se, num(&case["se"]), "standard error"),
                (w.df, num(&case["df"]), "degrees of freedom"),
                (w.p_value(), num(&case["p_value"]), "p-value"),
                (
                    w.p_beyond(MIN_EFFECT),
                    num(&case["p_beyond"]),
                    "p beyond 10 %",
                ),
                (
                    w.p_within(MIN_EFFECT),
                    num(&case["p_within"]),
                    "p within 10 %",
                ),
                (
                    w.p_claim(MIN_EFFECT),
                    num(&case["p_claim"]),
                    "p of the claim",
                ),
            ] {
                assert!(
                    close(ours, scipy, 1e-8),
                    "{what}: ours {ours}, SciPy {scipy}: {case}"
                );
            }
            for (level, key) in [(0.95, "ci95"), (0.999, "ci999")] {
                let (i, scipy) = (w.interval(level), nums(&case[key]));
                assert!(
                    close(i.low, scipy[0], 1e-8) && close(i.high, scipy[1], 1e-8),
                    "{key}: ours {i:?}, SciPy {scipy:?}: {case}"
                );
            }
            tests.push(Some(w));
        }
        for case in list("t_quantile") {
            let (p, df, scipy) = (num(&case["p"]), num(&case["df"]), num(&case["value"]));
            let ours = t_quantile(p, df);
            assert!(
                close(ours, scipy, 1e-8),
                "t quantile: ours {ours}, SciPy {scipy}: {case}"
            );
        }
        for case in list("t_two_sided_p") {
            let (t, df, scipy) = (num(&case["t"]), num(&case["df"]), num(&case["value"]));
            let ours = t_two_sided_p(t, df);
            assert!(
                close(ours, scipy, 1e-8),
                "P(|T| > t): ours {ours}, SciPy {scipy}: {case}"
            );
        }
        for case in list("ln_gamma") {
            let (x, scipy) = (num(&case["x"]), num(&case["value"]));
            // ln Γ(1) = 0: judged against 1 where the value is smaller.
            let ours = ln_gamma(x);
            assert!(
                (ours - scipy).abs() <= 1e-10 * scipy.abs().max(1.0),
                "ln Γ({x}): ours {ours}, SciPy {scipy}"
            );
        }
        for case in list("incomplete_beta") {
            let (x, a, b) = (num(&case["x"]), num(&case["a"]), num(&case["b"]));
            let (ours, scipy) = (incomplete_beta(x, a, b), num(&case["value"]));
            assert!(
                close(ours, scipy, 1e-9),
                "I_{x}({a}, {b}): ours {ours}, SciPy {scipy}"
            );
        }
        for case in list("benjamini_hochberg_lists") {
            let ps = nums(&case["p"]);
            let scipy = case["selected"].as_u64().expect("a count") as usize;
            assert_eq!(benjamini_hochberg(&ps, ALPHA), scipy, "{case}");
        }
        // Benjamini–Hochberg over the same comparisons: the same ones selected, at the level
        // R·alpha/m implies.
        let bh = &reference["benjamini_hochberg"];
        let selected: Vec<bool> = bh["selected"]
            .as_array()
            .expect("selected")
            .iter()
            .map(|b| b.as_bool().expect("a bool"))
            .collect();
        assert!(selected.iter().any(|s| *s) && !selected.iter().all(|s| *s));
        let levels = levels(&tests, Correction::FalseDiscovery, ALPHA, MIN_EFFECT);
        for (i, (ours, scipy)) in levels.iter().zip(&selected).enumerate() {
            assert_eq!(
                ours.is_some(),
                *scipy,
                "comparison {i} selected: {levels:?}"
            );
            if let Some(level) = ours {
                assert!(close(*level, num(&bh["level"]), 1e-12), "{level}");
            }
        }
    }

    #[test]
    fn a_clear_difference_is_claimed_and_noise_is_not() {
        let fast = [210.0, 205.0, 198.0, 202.0, 207.0];
        let slow = [101.0, 99.0, 103.0, 98.0, 100.0];
        let w = Welch::of(&fast, &slow).expect("comparable");
        let ci = w.interval(bonferroni_level(ALPHA, 100));
        assert!(close(w.ratio, 2.04, 0.01), "{w:?}");
        assert!(ci.low > 1.8 && ci.high < 2.3, "{ci:?}");
        assert_eq!(ci.verdict(MIN_EFFECT), Verdict::Faster);
        assert_eq!(
            Welch::of(&slow, &fast)
                .expect("comparable")
                .interval(0.99)
                .verdict(MIN_EFFECT),
            Verdict::Slower
        );
        assert!(w.p_value() < 1e-6);
        // Two draws of the same noise: the same, or no claim; never a difference.
        let a = [100.0, 104.0, 97.0, 101.0, 99.0];
        let b = [102.0, 98.0, 100.0, 103.0, 96.0];
        let ci = Welch::of(&a, &b).expect("comparable").interval(0.999);
        assert!(matches!(
            ci.verdict(MIN_EFFECT),
            Verdict::Same | Verdict::Unresolved
        ));
        assert!(ci.low < 1.0 && ci.high > 1.0);
    }

    #[test]
    fn a_gap_within_wide_noise_is_unresolved_and_a_correction_widens_intervals() {
        // 1.3x apart in the medians, but one repetition of each side is far off.
        let a = [130.0, 135.0, 60.0, 128.0, 140.0];
        let b = [100.0, 98.0, 150.0, 102.0, 97.0];
        let w = Welch::of(&a, &b).expect("comparable");
        assert_eq!(w.interval(0.999).verdict(MIN_EFFECT), Verdict::Unresolved);
        let narrow = w.interval(bonferroni_level(ALPHA, 1));
        let wide = w.interval(bonferroni_level(ALPHA, 200));
        assert!(wide.low < narrow.low && wide.high > narrow.high);
    }

    #[test]
    fn false_discovery_control_selects_the_clear_differences_and_widens_their_intervals() {
        let noise = [100.0, 104.0, 97.0, 101.0, 99.0];
        let double = [200.0, 208.0, 194.0, 202.0, 198.0];
        let slightly = [111.0, 115.0, 107.0, 112.0, 110.0];
        let tests = [
            Welch::of(&double, &noise),
            Welch::of(&noise, &noise),
            Welch::of(&slightly, &noise),
            None,
        ];
        let fdr = levels(&tests, Correction::FalseDiscovery, ALPHA, MIN_EFFECT);
        // The doubling is clearly beyond 10 % and the noise against itself clearly within:
        // R = 2 of m = 4, level 1 - 2 · 0.05/4. 1.11× sits on the boundary: no claim either way.
        assert_eq!(fdr[0], Some(1.0 - 2.0 * 0.05 / 4.0));
        assert_eq!(fdr[1], Some(1.0 - 2.0 * 0.05 / 4.0));
        assert_eq!(&fdr[2..], &[None, None]);
        let same = tests[1].expect("comparable");
        assert_eq!(
            same.interval(fdr[1].unwrap()).verdict(MIN_EFFECT),
            Verdict::Same
        );
        let bonferroni = levels(&tests, Correction::Bonferroni, ALPHA, MIN_EFFECT);
        assert!(bonferroni.iter().all(|l| *l == Some(1.0 - 0.05 / 4.0)));
        assert_eq!(tests[1].expect("comparable").p_beyond(MIN_EFFECT), 1.0);
    }

    /// `p_repeat` against the normal's figures (Student's t at 10⁵ degrees of freedom is the
    /// normal to five digits): a claim at its line repeats half the time, one 1.645·√2
    /// standard errors past it 95 % (the normal's one-sided 95 % point), and sameness whose
    /// room inside the line is 1.960·√2 standard errors each side 95 % (its two-sided point).
    #[test]
    fn a_claim_s_chance_of_repeating_matches_the_normal_s() {
        let level = 0.95;
        let (line, z) = (1.1f64.ln(), 1.959_964);
        let at = |d: f64, se: f64| Welch {
            ratio: d.exp(),
            se,
            df: MAX_DF,
            n: (3, 3),
        };
        let se = 0.05;
        let half = t_quantile(1.0 - (1.0 - level) / 2.0, MAX_DF) * se;
        assert!(close(half / se, z, 1e-4));
        let on_the_line = at(line + half + 1e-12, se);
        assert!(close(on_the_line.p_repeat(level, MIN_EFFECT), 0.5, 1e-6));
        let past = line + half + 1.644_854 * std::f64::consts::SQRT_2 * se;
        assert!(close(at(past, se).p_repeat(level, MIN_EFFECT), 0.95, 1e-4));
        // Slower is the mirror image.
        assert!(close(at(-past, se).p_repeat(level, MIN_EFFECT), 0.95, 1e-4));
        // Sameness: d = 0 with (line - half) = z·√2·se, so se = line / (z + z·√2).
        let se = line / (z + z * std::f64::consts::SQRT_2);
        assert!(close(at(0.0, se).p_repeat(level, MIN_EFFECT), 0.95, 1e-4));
        // No claim, no repeat; an exact ratio repeats surely.
        assert_eq!(at(line, 0.05).p_repeat(level, MIN_EFFECT), 0.0);
        assert_eq!(at(2.0, 0.0).p_repeat(level, MIN_EFFECT), 1.0);
    }

    /// The interval at confidence `1 - q` makes a claim exactly when the claim's p-value is
    /// at most `q`: what lets Benjamini–Hochberg's selection and the printed intervals agree.
    #[test]
    fn a_claim_s_p_value_is_dual_to_the_interval() {
        let base = [100.0, 104.0, 97.0, 101.0, 99.0];
        for scale in [1.0, 1.03, 1.08, 1.1, 1.12, 1.2, 1.5, 0.93, 0.85] {
            let other: Vec<f64> = [101.0, 98.0, 103.0, 99.5, 100.5]
                .iter()
                .map(|x| x * scale)
                .collect();
            let w = Welch::of(&other, &base).expect("comparable");
            let p = w.p_claim(MIN_EFFECT);
            for q in [0.001, 0.01, 0.05, 0.2] {
                let claims = w.interval(1.0 - q).verdict(MIN_EFFECT) != Verdict::Unresolved;
                // On the boundary itself either reading is right; stay off it.
                if (p - q).abs() > 1e-9 {
                    assert_eq!(claims, p <= q, "×{scale}: p {p}, q {q}: {w:?}");
                }
            }
        }
    }

    #[test]
    fn degenerate_samples_are_refused_or_exact() {
        assert!(Welch::of(&[1.0], &[1.0, 2.0]).is_none());
        assert!(Welch::of(&[1.0, 0.0], &[1.0, 2.0]).is_none());
        assert!(Welch::of(&[1.0, f64::NAN], &[1.0, 2.0]).is_none());
        let w = Welch::of(&[3.0, 3.0], &[1.0, 1.0]).expect("comparable");
        let ci = w.interval(0.999);
        assert!(
            close(ci.low, 3.0, 1e-12) && close(ci.high, 3.0, 1e-12),
            "{ci:?}"
        );
        assert_eq!(w.p_value(), 0.0);
    }

    // Reference values of the polygamma functions from mpmath 1.3.0 at 30 digits
    // (`mpmath.psi(k, x)`), with the closed forms where they exist: ψ(1) = −γ,
    // ψ(1/2) = −γ − 2 ln 2, ψ′(1) = π²/6, ψ′(1/2) = π²/2, ψ″(1) = −2ζ(3).
    #[test]
    fn polygamma_functions_match_reference_values() {
        for (x, want) in [
            (0.5, -1.963_510_026_021_423_5),
            (1.0, -0.577_215_664_901_532_9),
            (3.7, 1.167_153_539_361_511_4),
        ] {
            assert!(close(digamma(x), want, 1e-11), "digamma({x})");
        }
        for (x, want) in [
            (0.5, 4.934_802_200_544_679),
            (1.0, 1.644_934_066_848_226_4),
            (2.3, 0.542_537_458_665_258_4),
        ] {
            assert!(close(trigamma(x), want, 1e-11), "trigamma({x})");
        }
        for (x, want) in [
            (1.0, -2.404_113_806_319_188_6),
            (0.75, -5.302_633_216_337_64),
        ] {
            assert!(close(tetragamma(x), want, 1e-11), "tetragamma({x})");
        }
        for x in [0.3, 1.7, 25.0] {
            assert!(
                close(trigamma_inverse(trigamma(x)), x, 1e-8),
                "inverse at {x}"
            );
        }
    }

    fn sample(var: f64, df: f64) -> LogSample {
        LogSample {
            mean: 0.0,
            var,
            df,
            n: df as usize + 1,
        }
    }

    // The prior is checked against an independent implementation of Smyth's (2004, §6.2)
    // moment estimator in Python with mpmath 1.3.0 at 30 digits (ψ and ψ′ from `mpmath.psi`,
    // ψ′'s inverse with `mpmath.findroot`).
    #[test]
    fn the_prior_matches_smyths_estimator() {
        let spread: Vec<LogSample> = [(0.0004, 2.0), (0.020, 2.0), (0.015, 2.0), (0.30, 2.0)]
            .into_iter()
            .chain([(0.002, 4.0), (0.030, 4.0)])
            .map(|(v, d)| sample(v, d))
            .collect();
        let p = Prior::fit(&spread).expect("six variances");
        assert!(close(p.df, 1.122_320_223_120_503_5, 1e-7), "{p:?}");
        assert!(close(p.var, 0.006_012_006_447_404_384, 1e-7), "{p:?}");
        // Variances that differ less than sampling alone would make them: the prior is a
        // point, worth as good as infinitely many degrees of freedom.
        let alike: Vec<LogSample> = [0.02, 0.021, 0.019, 0.02]
            .into_iter()
            .map(|v| sample(v, 2.0))
            .collect();
        let p = Prior::fit(&alike).expect("four variances");
        assert_eq!(p.df, MAX_DF);
        assert!(close(p.var, 0.035_599_164_052_146_02, 1e-4), "{p:?}");
        // Too few variances to fit, and a deterministic figure is left out of the fit.
        assert_eq!(Prior::fit(&alike[..2]), None);
        let with_exact = [alike[0], alike[1], sample(0.0, 2.0)];
        assert_eq!(Prior::fit(&with_exact), None);
    }

    // F's upper tail against mpmath 1.3.0's regularized incomplete beta (`betainc`), and the
    // closed form for two numerator degrees of freedom, (1 + 2f/d₂)^(−d₂/2).
    #[test]
    fn the_f_tail_matches_reference_values() {
        for (f, d1, d2, want) in [
            (3.0, 2.0, 4.0, 0.16),
            (4.6, 2.0, MAX_DF, 0.010_053_962_807_668_242),
            (2.0, 4.0, 10.0, 0.170_526_925_848_777_2),
            (9.21, 2.0, 3.6, 0.038_394_881_808_898_9),
        ] {
            assert!(
                close(f_upper_p(f, d1, d2), want, 1e-9),
                "F({d1}, {d2}) > {f}"
            );
        }
        assert_eq!(f_upper_p(0.0, 2.0, 4.0), 1.0);
    }

    #[test]
    fn a_variance_the_prior_cannot_explain_stays_the_rows_own() {
        let prior = Prior {
            var: 0.01,
            df: MAX_DF,
        };
        // Two degrees of freedom: the prior's 99th percentile of s²/s₀² is about 4.6.
        let odd = sample(0.05, 2.0);
        assert_eq!(odd.moderated(Some(prior)), odd);
        let usual = sample(0.04, 2.0).moderated(Some(prior));
        assert!(usual.var < 0.011 && usual.df == MAX_DF, "{usual:?}");
        // A deterministic figure keeps its exact ratio.
        assert_eq!(sample(0.0, 2.0).moderated(Some(prior)), sample(0.0, 2.0));
    }

    #[test]
    fn moderation_pulls_a_variance_towards_the_prior_and_adds_its_degrees_of_freedom() {
        let prior = Prior { var: 0.04, df: 6.0 };
        let quiet = sample(0.0001, 2.0).moderated(Some(prior));
        assert!(close(quiet.var, (6.0 * 0.04 + 2.0 * 0.0001) / 8.0, 1e-12));
        assert_eq!(quiet.df, 8.0);
        assert_eq!(sample(0.3, 2.0).moderated(None), sample(0.3, 2.0));
        // A pair quiet by chance: its own variances claim, the moderated ones do not.
        let (a, b) = (sample(0.0001, 2.0), sample(0.0001, 2.0));
        let a = LogSample { mean: 0.2, ..a };
        let own = Welch::between(a, b).interval(0.95);
        let moderated =
            Welch::between(a.moderated(Some(prior)), b.moderated(Some(prior))).interval(0.95);
        assert_eq!(own.verdict(MIN_EFFECT), Verdict::Faster);
        assert_eq!(moderated.verdict(MIN_EFFECT), Verdict::Unresolved);
        // At the largest degrees of freedom, Student's t is the normal's (1.959964).
        assert!(close(t_quantile(0.975, MAX_DF), 1.959_964, 1e-4));
    }
}
