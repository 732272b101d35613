//! Wilcoxon's signed-rank test and the Hodges–Lehmann interval: a centre and its interval
//! that one wild value barely moves.

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
