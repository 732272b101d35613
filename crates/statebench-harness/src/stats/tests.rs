//! The statistics' tests: tables, limits and planted samples.

use std::f64::consts::PI;

use super::dist::{
    digamma, incomplete_beta, ln_gamma, mean_var, tetragamma, trigamma, trigamma_inverse,
};
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
        1.00, 1.02, 0.99, 1.01, 1.03, 0.98, 1.00, 1.02, 1.01, 0.99, 1.00, 1.01, 1.02, 0.99, 0.69,
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
        serde_json::from_str(include_str!("../../tests/reference-values.json"))
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
