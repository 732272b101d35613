//! A row's figures on the log scale, and the prior their variances are moderated towards
//! (the module's "Borrowed strength").

use super::dist::{digamma, f_upper_p, mean_var, trigamma, trigamma_inverse};

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
