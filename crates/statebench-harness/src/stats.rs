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

impl Welch {
    /// Compares `a` with `b` (both positive; at least two values each), or `None` if either
    /// is too small or holds a value that is not positive.
    pub fn of(a: &[f64], b: &[f64]) -> Option<Welch> {
        if a.len() < 2 || b.len() < 2 || a.iter().chain(b).any(|x| !x.is_finite() || *x <= 0.0) {
            return None;
        }
        let la: Vec<f64> = a.iter().map(|x| x.ln()).collect();
        let lb: Vec<f64> = b.iter().map(|x| x.ln()).collect();
        let ((ma, va), (mb, vb)) = (mean_var(&la), mean_var(&lb));
        let (na, nb) = (a.len() as f64, b.len() as f64);
        let (sa, sb) = (va / na, vb / nb);
        let se2 = sa + sb;
        // Identical repetitions (a deterministic figure) leave no spread: the ratio is exact.
        let df = if se2 > 0.0 {
            se2 * se2 / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0))
        } else {
            na + nb - 2.0
        };
        Some(Welch {
            ratio: (ma - mb).exp(),
            se: se2.sqrt(),
            df,
            n: (a.len(), b.len()),
        })
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
}
