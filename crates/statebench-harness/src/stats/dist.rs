//! The distributions and special functions the tests need, written out so that the harness
//! needs no numerical library: sample moments, ln Γ, the incomplete beta, Student's t and
//! Snedecor's F, and the polygamma functions the prior's fit solves with.

use std::f64::consts::PI;

pub(super) fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits).
pub(super) fn ln_gamma(x: f64) -> f64 {
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
pub(super) fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
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
pub(super) fn digamma(x: f64) -> f64 {
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
pub(super) fn trigamma(x: f64) -> f64 {
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
pub(super) fn tetragamma(x: f64) -> f64 {
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
pub(super) fn trigamma_inverse(y: f64) -> f64 {
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
