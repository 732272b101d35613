//! A results history: one series per record over the runs of a branch, and the persistent
//! shifts in each — change points with their size, interval and the commits they lie between.
//!
//! The detection is Hunter's (Fleming et al., ICPE 2023), as Apache Otava runs it: E-divisive
//! means (Matteson and James, 2014) proposes where a series splits best, Student's t decides
//! whether that split is real, windows of [`Options::window`] runs slide over the series in
//! half-window steps so that an old step does not mask a new one, and a first pass at ten
//! times the significance level keeps weak candidates that a final pass (the merge) prunes,
//! the weakest first, until every change left is significant and at least
//! [`Options::min_magnitude`] in size. It adapts to each series' own noise: a split is judged
//! against the spread of the runs on either side, not a fixed threshold. It reads figures on
//! the log scale (a change is a ratio, as `compare` gives it), and tests with Student's t on
//! the pooled variance, as Hunter does, with the harness's t distribution
//! (`statebench_harness::stats`), which also gives each change its interval.

use statebench_harness::stats::{LogSample, Welch};

/// How changes are looked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// The runs one window of the split pass spans (Otava's default is 50; nightly series
    /// here are short).
    pub window: usize,
    /// The final significance level of a change (Otava's `max_pvalue`).
    pub max_p: f64,
    /// The least relative size of a change kept, e.g. 0.02 for 2 % (Otava's `min_magnitude`).
    pub min_magnitude: f64,
    /// The confidence of each change's interval.
    pub level: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            window: 30,
            max_p: 0.001,
            min_magnitude: 0.0,
            level: 0.95,
        }
    }
}

/// A persistent shift: the series differs from `index` on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// The first run after the shift.
    pub index: usize,
    /// The geometric mean of the segment after over the segment before, with its interval.
    pub ratio: f64,
    /// The interval's ends at [`Options::level`].
    pub low: f64,
    /// See `low`.
    pub high: f64,
    /// Student's two-sided p of "the segments' geometric means are equal".
    pub p: f64,
    /// How many runs the segments before and after hold.
    pub runs: (usize, usize),
}

/// The test of the segments `left` and `right` (positive figures, two or more each): Student's
/// t on their logs with the variance pooled, `right / left`, as Hunter and Otava test (SciPy's
/// `ttest_ind_from_stats` with equal variances). One series' noise is the same either side of
/// a step, and pooling gives a short new segment the degrees of freedom of the whole: with two
/// runs after a step, Welch's t would have about one. A change needs two runs on each side: one
/// run alone cannot be told from a noisy night ([`newest`] judges it, as a suspect).
fn segments(left: &[f64], right: &[f64]) -> Option<Welch> {
    let (l, r) = (LogSample::of(left)?, LogSample::of(right)?);
    let df = l.df + r.df;
    let pooled = (l.df * l.var + r.df * r.var) / df;
    Some(Welch {
        ratio: (r.mean - l.mean).exp(),
        se: (pooled * (1.0 / l.n as f64 + 1.0 / r.n as f64)).sqrt(),
        df,
        n: (r.n, l.n),
    })
}

/// The newest run of `x` against the runs since the last of `found` (the change points of `x`),
/// as a new observation is judged: the segment's own spread stands for the new run's too (a
/// prediction interval, `se = s·√(1/n + 1)`). A suspect, not a change: whether it stays, the
/// next run tells. `None` with fewer than two runs before it in its segment.
pub fn newest(x: &[f64], found: &[Change], options: &Options) -> Option<Change> {
    let last = *x.last()?;
    let start = found.last().map_or(0, |c| c.index);
    let before = x.get(start..x.len() - 1)?;
    let s = LogSample::of(before)?;
    if !(last.is_finite() && last > 0.0) {
        return None;
    }
    let w = Welch {
        ratio: (last.ln() - s.mean).exp(),
        se: (s.var * (1.0 / s.n as f64 + 1.0)).sqrt(),
        df: s.df,
        n: (1, s.n),
    };
    let i = w.interval(options.level);
    Some(Change {
        index: x.len() - 1,
        ratio: w.ratio,
        low: i.low,
        high: i.high,
        p: w.p_value(),
        runs: (s.n, 1),
    })
}

/// E-divisive's best split of `z[s..e]` (logs): the `(τ, q̂)` maximising
/// `q̂(τ, κ) = (τ−s)(κ−τ)/(κ−s) · Ê` over `s < τ < κ ≤ e`, where `Ê` is twice the mean distance
/// between the two parts less the mean distance within each (α = 1), leaving two points or more
/// on each side of `τ` (a change needs them). `None` for fewer than four points.
fn best_split(z: &[f64], s: usize, e: usize) -> Option<(usize, f64)> {
    if e < s + 4 {
        return None;
    }
    let mut best: Option<(usize, f64)> = None;
    for tau in s + 2..=e - 2 {
        // Within the left part, once.
        let (mut within_l, nl) = (0.0, tau - s);
        for i in s..tau {
            for j in i + 1..tau {
                within_l += (z[i] - z[j]).abs();
            }
        }
        let pairs_l = (nl * (nl - 1) / 2) as f64;
        let left_mean = if pairs_l > 0.0 {
            within_l / pairs_l
        } else {
            0.0
        };
        let (mut between, mut within_r) = (0.0, 0.0);
        for kappa in tau + 1..=e {
            let j = kappa - 1;
            for i in s..tau {
                between += (z[i] - z[j]).abs();
            }
            for i in tau..j {
                within_r += (z[i] - z[j]).abs();
            }
            let nr = kappa - tau;
            let pairs_r = (nr * (nr - 1) / 2) as f64;
            let right_mean = if pairs_r > 0.0 {
                within_r / pairs_r
            } else {
                0.0
            };
            let e_hat = 2.0 * between / (nl * nr) as f64 - left_mean - right_mean;
            let q = (nl * nr) as f64 / (kappa - s) as f64 * e_hat;
            if best.is_none_or(|(_, b)| q > b) {
                best = Some((tau, q));
            }
        }
    }
    best
}

/// The change at `index` between the neighbouring change points (or the ends of `x`).
fn judge(x: &[f64], cuts: &[usize], index: usize, level: f64) -> Option<Change> {
    let at = cuts.iter().position(|&c| c == index)?;
    let start = if at == 0 { 0 } else { cuts[at - 1] };
    let end = cuts.get(at + 1).copied().unwrap_or(x.len());
    let (left, right) = (&x[start..index], &x[index..end]);
    let w = segments(left, right)?;
    let i = w.interval(level);
    Some(Change {
        index,
        ratio: w.ratio,
        low: i.low,
        high: i.high,
        p: w.p_value(),
        runs: (left.len(), right.len()),
    })
}

/// The split pass over `x[start..end]`: E-divisive splits, each kept while its t-test (on the
/// segments it makes within the window) is below `p`.
fn split_window(x: &[f64], z: &[f64], start: usize, end: usize, p: f64) -> Vec<usize> {
    let mut cuts: Vec<usize> = Vec::new();
    loop {
        let mut bounds = vec![start];
        bounds.extend(&cuts);
        bounds.push(end);
        let candidate = bounds
            .windows(2)
            .filter_map(|b| best_split(z, b[0], b[1]).map(|(tau, q)| (tau, q, b[0], b[1])))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let Some((tau, _, s, e)) = candidate else {
            return cuts;
        };
        let significant = segments(&x[s..tau], &x[tau..e]).is_some_and(|w| w.p_value() < p);
        if !significant {
            return cuts;
        }
        cuts.push(tau);
        cuts.sort_unstable();
    }
}

/// The change points of `x` (positive figures, oldest first), oldest first.
pub fn changes(x: &[f64], options: &Options) -> Vec<Change> {
    if x.len() < 2 || x.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Vec::new();
    }
    let z: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let window = options.window.max(4);
    let step = window / 2;
    // The split pass: weak change points, at a first-pass level ten times the final one, as
    // Otava sets it.
    let first = if options.max_p < 0.05 {
        options.max_p * 10.0
    } else {
        options.max_p.min(0.5) * 2.0
    };
    let mut cuts: Vec<usize> = Vec::new();
    let mut start = 0;
    while start < x.len() {
        let end = (start + window).min(x.len());
        let found = split_window(x, &z, start, end, first);
        for c in &found {
            if !cuts.contains(c) {
                cuts.push(*c);
            }
        }
        if end == x.len() {
            break;
        }
        start = found.last().copied().unwrap_or(0).max(start + step);
    }
    cuts.sort_unstable();
    // The merge pass: drop the weakest (the least significant; once all are significant, the
    // smallest) until each left is significant and large enough, re-judging its neighbours.
    loop {
        let judged: Vec<(usize, Option<Change>)> = cuts
            .iter()
            .map(|&c| (c, judge(x, &cuts, c, options.level)))
            .collect();
        let weakest = judged
            .iter()
            .max_by(|a, b| p_of(a.1).total_cmp(&p_of(b.1)))
            .copied();
        let Some((index, change)) = weakest else {
            return Vec::new();
        };
        let drop = if p_of(change) >= options.max_p {
            Some(index)
        } else {
            judged
                .iter()
                .min_by(|a, b| size_of(a.1).total_cmp(&size_of(b.1)))
                .filter(|(_, c)| size_of(*c) <= options.min_magnitude)
                .map(|(i, _)| *i)
        };
        match drop {
            Some(i) => cuts.retain(|&c| c != i),
            None => return judged.into_iter().filter_map(|(_, c)| c).collect(),
        }
    }
}

fn p_of(c: Option<Change>) -> f64 {
    c.map_or(1.0, |c| c.p)
}

/// A change's size: how far its ratio lies from 1, either way (a halving counts as a doubling).
fn size_of(c: Option<Change>) -> f64 {
    c.map_or(0.0, |c| c.ratio.max(1.0 / c.ratio) - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic noise: a linear congruential sequence mapped to ±`spread`.
    fn noisy(n: usize, level: f64, spread: f64, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                level * (1.0 + spread * (2.0 * u - 1.0))
            })
            .collect()
    }

    #[test]
    fn a_step_that_stays_is_found_where_it_starts_with_its_size() {
        let mut x = noisy(20, 100.0, 0.02, 1);
        x.extend(noisy(10, 90.0, 0.02, 2));
        let found = changes(&x, &Options::default());
        assert_eq!(found.len(), 1, "{found:?}");
        let c = found[0];
        assert_eq!(c.index, 20);
        assert!(c.low < 0.9 && 0.9 < c.high && c.high < 0.95, "{c:?}");
        assert_eq!(c.runs, (20, 10));
    }

    #[test]
    fn one_noisy_night_is_not_a_change() {
        let mut x = noisy(30, 100.0, 0.02, 3);
        x[15] = 80.0;
        assert!(changes(&x, &Options::default()).is_empty());
    }

    #[test]
    fn a_flat_series_and_a_short_one_have_none() {
        assert!(changes(&noisy(40, 100.0, 0.03, 4), &Options::default()).is_empty());
        assert!(changes(&[1.0], &Options::default()).is_empty());
        assert!(changes(&[1.0, 0.0, 1.0], &Options::default()).is_empty());
    }

    #[test]
    fn two_steps_in_a_long_series_are_both_found() {
        let mut x = noisy(25, 100.0, 0.01, 5);
        x.extend(noisy(25, 110.0, 0.01, 6));
        x.extend(noisy(25, 99.0, 0.01, 7));
        let found: Vec<usize> = changes(&x, &Options::default())
            .iter()
            .map(|c| c.index)
            .collect();
        assert_eq!(found, vec![25, 50]);
    }

    #[test]
    fn a_deterministic_series_keeps_only_changes_past_the_magnitude() {
        let mut x = vec![1000.0; 10];
        x.extend(vec![1001.0; 10]);
        x.extend(vec![1060.0; 10]);
        let all: Vec<usize> = changes(&x, &Options::default())
            .iter()
            .map(|c| c.index)
            .collect();
        assert_eq!(all, vec![10, 20]);
        let options = Options {
            min_magnitude: 0.01,
            ..Options::default()
        };
        let big: Vec<usize> = changes(&x, &options).iter().map(|c| c.index).collect();
        assert_eq!(big, vec![20]);
    }

    #[test]
    fn power_counts_false_alarms_on_noise_and_finds_a_planted_step() {
        let noise = noisy(40, 100.0, 0.01, 9);
        let slow = noisy(40, 90.0, 0.01, 10);
        let options = Options::default();
        let p = power(&noise, &[("10 %".into(), slow)], 16, 8, 3, 20, 1, &options);
        assert_eq!(p.quiet_nights, 20 * 16);
        assert!(p.false_alarms <= 1, "{p:?}");
        let (_, trials, found, delays) = &p.steps[0];
        assert_eq!((*trials, *found), (20, 20), "{p:?}");
        // Two nights after the step is the soonest a change can be confirmed.
        assert!(delays.iter().all(|d| *d >= 2), "{delays:?}");
        // The same seed draws the same series.
        let again = power(
            &noise,
            &[("10 %".into(), noisy(40, 90.0, 0.01, 10))],
            16,
            8,
            3,
            20,
            1,
            &options,
        );
        assert_eq!(p, again);
    }

    #[test]
    fn a_new_last_run_is_a_suspect_judged_against_the_spread_before_it() {
        let mut x = noisy(15, 100.0, 0.01, 8);
        x.push(80.0);
        let options = Options::default();
        assert!(changes(&x, &options).is_empty(), "one run is not a change");
        let suspect = newest(&x, &[], &options).expect("a test");
        assert!(suspect.p < 1e-6 && suspect.index == 15, "{suspect:?}");
        let mut y = noisy(15, 100.0, 0.01, 8);
        y.push(100.5);
        assert!(newest(&y, &[], &options).expect("a test").p > 0.1);
        // Two runs after a step make it a change.
        x.push(80.5);
        let found = changes(&x, &options);
        assert_eq!(
            found.iter().map(|c| c.index).collect::<Vec<_>>(),
            vec![15],
            "{found:?}"
        );
    }
}

/// Whether the newest figure of `x` confirms a regression: a change toward lower figures found
/// in `x` and not in `x` without its newest run (the night a nightly job fails).
pub fn alarm(x: &[f64], options: &Options) -> bool {
    if x.len() < 2 {
        return false;
    }
    let before: Vec<usize> = changes(&x[..x.len() - 1], options)
        .iter()
        .map(|c| c.index)
        .collect();
    changes(x, options)
        .iter()
        .any(|c| c.ratio < 1.0 && !before.contains(&c.index))
}

/// [`alarm`] of every night of `x` (night `k` judges `x[..k + 1]`), each night's change points
/// found once and carried to the next.
fn alarms(x: &[f64], options: &Options) -> Vec<bool> {
    let mut before: Vec<usize> = Vec::new();
    (1..=x.len())
        .map(|night| {
            let now = changes(&x[..night], options);
            let rang = now
                .iter()
                .any(|c| c.ratio < 1.0 && !before.contains(&c.index));
            before = now.iter().map(|c| c.index).collect();
            rang
        })
        .collect()
}

/// How often the nightly alarm ([`alarm`]) rings when it should not and when it should, on
/// series drawn from real runs: each night's figure drawn (with replacement, by a seeded
/// generator) from `noise` — one record's figures in runs of one build — and, from night
/// `at` on, from a pool of runs of a build with a planted slowdown.
#[derive(Clone, Debug, PartialEq)]
pub struct Power {
    /// Nights judged on series without a step (every night of the noise-only series), and the
    /// nights that rang.
    pub quiet_nights: usize,
    /// See `quiet_nights`.
    pub false_alarms: usize,
    /// Per planted pool (its name): series run, series whose step was found within `within`
    /// nights of the step (the step's own night the first), and the delay of each find: how
    /// many of the step's nights the job had run when it rang (two at the soonest).
    pub steps: Vec<(String, usize, usize, Vec<usize>)>,
}

/// [`Power`] of the nightly alarm for `trials` series of `nights` nights each, the step (when
/// planted) from night `at` (0-based), found in time when within `within` of its nights.
#[allow(clippy::too_many_arguments)]
pub fn power(
    noise: &[f64],
    planted: &[(String, Vec<f64>)],
    nights: usize,
    at: usize,
    within: usize,
    trials: usize,
    seed: u64,
    options: &Options,
) -> Power {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut draw = |pool: &[f64]| {
        // xorshift64*: a fixed, seedable sequence; the index by multiply-shift.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let r = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        pool[((u128::from(r) * pool.len() as u128) >> 64) as usize]
    };
    let mut out = Power {
        quiet_nights: 0,
        false_alarms: 0,
        steps: Vec::new(),
    };
    if noise.is_empty() {
        return out;
    }
    for _ in 0..trials {
        let series: Vec<f64> = (0..nights).map(|_| draw(noise)).collect();
        let rang = alarms(&series, options);
        out.quiet_nights += rang.len();
        out.false_alarms += rang.iter().filter(|r| **r).count();
    }
    for (name, pool) in planted {
        let (mut found, mut delays) = (0, Vec::new());
        for _ in 0..trials {
            let series: Vec<f64> = (0..nights)
                .map(|n| if n < at { draw(noise) } else { draw(pool) })
                .collect();
            let rang = alarms(&series, options);
            // The step cannot be confirmed on its own first night (a change needs two runs
            // after it): an alarm then is a false one, and is not counted as a find.
            let first = (at + 2..=nights).find(|&night| rang[night - 1]);
            if let Some(night) = first {
                let delay = night - at;
                if delay <= within {
                    found += 1;
                }
                delays.push(delay);
            }
        }
        out.steps.push((name.clone(), trials, found, delays));
    }
    out
}

/// A history's runs read as series: the runs that measured alike are one group (one tier of
/// one suite), and each record of a group is a series of its headline figure (throughput, or
/// the instruction tier's 10⁹ over instructions per operation: higher is better in both).
pub mod series {
    use serde::Serialize;
    use statebench_harness::results::{Record, Results};

    use super::{Change, Options, changes, newest};

    /// The runs of one group: measured alike, oldest first.
    #[derive(Clone, Debug, Serialize)]
    pub struct Group {
        /// The tier: `wall clock` or `instructions`.
        pub tier: String,
        /// The machine its runs ran on ([`machine`]).
        pub machine: String,
        /// The command the group's first run was made with.
        pub settings: String,
        /// How many runs, the first and last run's times.
        pub runs: usize,
        /// The first run's time.
        pub first: String,
        /// The last run's time.
        pub last: String,
        /// How many series (records) the group holds.
        pub series: usize,
    }

    /// A change point (or the newest run as a suspect) of one series, placed in the history.
    #[derive(Clone, Debug, Serialize)]
    pub struct Found {
        /// The group's tier.
        pub tier: String,
        /// The group's machine ([`machine`]).
        pub machine: String,
        /// The record: `workload / implementation / driver / N clients`.
        pub record: String,
        /// The last run before the shift: its commit and time.
        pub before_commit: String,
        /// See `before_commit`.
        pub before_time: String,
        /// The first run after it.
        pub after_commit: String,
        /// See `after_commit`.
        pub after_time: String,
        /// `slower` or `faster`.
        pub direction: &'static str,
        /// The figure after over before (geometric means of the segments), with its interval.
        pub ratio: f64,
        /// The interval's lower end.
        pub low: f64,
        /// The interval's upper end.
        pub high: f64,
        /// Student's two-sided p.
        pub p: f64,
        /// Runs before and after, in the segments compared.
        pub runs: (usize, usize),
        /// Whether the newest run of the history is what makes this change found (it is not
        /// found without that run): the night it is first confirmed.
        pub new: bool,
    }

    /// What `statebench history` reports.
    #[derive(Clone, Debug, Serialize)]
    pub struct History {
        /// The groups, oldest first.
        pub groups: Vec<Group>,
        /// Every change point of every series.
        pub changes: Vec<Found>,
        /// The newest run's figures that lie outside what their series' latest segment predicts
        /// (significant and beyond the threshold): one run, not yet a change.
        pub suspects: Vec<Found>,
        /// The changes the newest run confirms that are regressions: what fails a nightly job.
        pub regressions: usize,
        /// How changes were looked for.
        pub threshold: f64,
        /// The significance level.
        pub alpha: f64,
        /// Every series with a change: its figures and where it changed, to draw.
        pub trends: Vec<Trend>,
    }

    /// A series with a change, to draw ([`trends`]).
    #[derive(Clone, Debug, Serialize)]
    pub struct Trend {
        /// The group's tier.
        pub tier: String,
        /// The group's machine ([`machine`]).
        pub machine: String,
        /// The record.
        pub record: String,
        /// Its figure per run, oldest first.
        pub values: Vec<f64>,
        /// Each run's short commit.
        pub commits: Vec<String>,
        /// The change points: the index of each first run after a shift.
        pub changes: Vec<usize>,
    }

    /// An SVG trend per series with a change: file name and SVG text.
    ///
    /// # Errors
    ///
    /// A plot could not be drawn.
    pub fn trends(h: &History) -> Result<Vec<(String, String)>, String> {
        let mut seen: Vec<&str> = h.groups.iter().map(|g| g.machine.as_str()).collect();
        seen.sort_unstable();
        seen.dedup();
        let machines = seen.len();
        h.trends
            .iter()
            .map(|t| {
                // The machine joins the name when the history holds more than one, so that
                // one record's trends on two machines are two files.
                let on = if machines > 1 {
                    format!(" {}", t.machine)
                } else {
                    String::new()
                };
                let name: String = format!("{}{on} {}", t.tier, t.record)
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect::<String>()
                    .split('-')
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("-");
                let y = if t.tier == "instructions" {
                    "10⁹ / instructions per op (log)"
                } else {
                    "ops/s (log scale)"
                };
                let title = format!("{} ({} tier{on})", t.record, t.tier);
                crate::plots::trend(&title, y, &t.values, &t.commits, &t.changes)
                    .map(|svg| (format!("trend-{name}.svg"), svg))
            })
            .collect()
    }

    /// The history as one page a browser opens with nothing beside it: the summary
    /// [`render_markdown`] writes, then every changed record's trend ([`trends`]) drawn inline.
    /// It loads nothing and runs no script (its content security policy forbids both), so a CI
    /// can publish it as an artifact.
    pub fn render_page(h: &History) -> Result<String, String> {
        let mut out = format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'\">\n\
             <meta name=\"color-scheme\" content=\"light dark\">\n\
             <title>statebench history</title>\n<style>\n{}</style>\n</head>\n<body>\n<main>\n",
            crate::page::STYLE
        );
        out += &crate::page::markdown_html(&render_markdown(h), "history");
        let trends = trends(h)?;
        if !trends.is_empty() {
            out += "<h2 id=\"history-trends\">Trends of the changed records</h2>\n";
        }
        for (name, svg) in trends {
            out += &format!(
                "<figure id=\"{}\">\n{svg}\n</figure>\n",
                name.trim_end_matches(".svg")
            );
        }
        out += "</main>\n</body>\n</html>\n";
        Ok(out)
    }

    /// A run's tier: `instructions` (the deterministic one) or `wall clock`.
    pub fn tier(r: &Results) -> &'static str {
        if r.settings.metric.as_deref() == Some("instructions") {
            "instructions"
        } else {
            "wall clock"
        }
    }

    fn record_name(r: &Record) -> String {
        format!(
            "{} / {} / {} / {} client{}",
            r.workload,
            r.implementation,
            r.driver.name(),
            r.clients,
            if r.clients == 1 { "" } else { "s" }
        )
    }

    fn short(commit: &str) -> String {
        commit.chars().take(12).collect()
    }

    /// The machine a group's runs ran on: its CPU model and cores.
    pub fn machine(run: &Results) -> String {
        format!("{}, {} cores", run.machine.cpu_model, run.machine.cores)
    }

    /// The groups of `runs` (sorted oldest first by the caller): a run joins the first group
    /// whose first run it measured alike with, of the same tier, on the same machine. A CI's
    /// runners are not always one kind of machine (this project's sessions have landed on
    /// hosts whose floors differ several-fold): a run on another CPU would be a step of
    /// hardware, not of code, so it starts a series of its own.
    pub fn groups(runs: &[Results]) -> Vec<Vec<&Results>> {
        let mut out: Vec<Vec<&Results>> = Vec::new();
        for run in runs {
            match out.iter_mut().find(|g| {
                tier(g[0]) == tier(run)
                    && machine(g[0]) == machine(run)
                    && g[0].settings.measurement_differs(&run.settings).is_none()
            }) {
                Some(g) => g.push(run),
                None => out.push(vec![run]),
            }
        }
        out
    }

    /// Reads every series of `runs` (oldest first); `options.min_magnitude` is the threshold.
    pub fn read(runs: &[Results], options: &Options) -> History {
        // Tonight's runs: the newest, and any run of its commit (a nightly job files each
        // tier's run of one commit, one after the other), so that every tier's newest run is
        // judged as the newest, not only the tier filed last.
        let latest = runs.last();
        let tonight = |run: &Results| {
            latest.is_some_and(|n| {
                n.created == run.created
                    || (n.machine.commit == run.machine.commit && n.machine.commit != "unknown")
            })
        };
        let mut history = History {
            groups: Vec::new(),
            changes: Vec::new(),
            suspects: Vec::new(),
            regressions: 0,
            threshold: options.min_magnitude,
            alpha: options.max_p,
            trends: Vec::new(),
        };
        for group in groups(runs) {
            let mut keys: Vec<&Record> = Vec::new();
            for run in &group {
                for r in &run.records {
                    if !keys.iter().any(|k| k.same_cell(r)) {
                        keys.push(r);
                    }
                }
            }
            history.groups.push(Group {
                tier: tier(group[0]).to_owned(),
                machine: machine(group[0]),
                settings: group[0].settings.command.join(" "),
                runs: group.len(),
                first: group[0].created.clone(),
                last: group[group.len() - 1].created.clone(),
                series: keys.len(),
            });
            let holds_newest = group.last().is_some_and(|r| tonight(r));
            let group_last = group.last().map(|r| r.created.clone());
            for key in keys {
                // The series: the runs that measured this record, with their figure.
                let points: Vec<(&Results, f64)> = group
                    .iter()
                    .filter_map(|run| {
                        run.records
                            .iter()
                            .find(|r| r.same_cell(key))
                            .map(|r| (*run, r.headline()))
                    })
                    .collect();
                let x: Vec<f64> = points.iter().map(|p| p.1).collect();
                let found = changes(&x, options);
                let measured_newest =
                    holds_newest && points.last().map(|p| &p.0.created) == group_last.as_ref();
                let before_newest: Vec<usize> = if measured_newest {
                    changes(&x[..x.len() - 1], options)
                        .iter()
                        .map(|c| c.index)
                        .collect()
                } else {
                    found.iter().map(|c| c.index).collect()
                };
                let place = |c: &Change, new: bool| Found {
                    tier: tier(group[0]).to_owned(),
                    machine: machine(group[0]),
                    record: record_name(key),
                    before_commit: short(&points[c.index - 1].0.machine.commit),
                    before_time: points[c.index - 1].0.created.clone(),
                    after_commit: short(&points[c.index].0.machine.commit),
                    after_time: points[c.index].0.created.clone(),
                    direction: if c.ratio < 1.0 { "slower" } else { "faster" },
                    ratio: c.ratio,
                    low: c.low,
                    high: c.high,
                    p: c.p,
                    runs: c.runs,
                    new,
                };
                if !found.is_empty() {
                    history.trends.push(Trend {
                        tier: tier(group[0]).to_owned(),
                        machine: machine(group[0]),
                        record: record_name(key),
                        values: x.clone(),
                        commits: points.iter().map(|p| short(&p.0.machine.commit)).collect(),
                        changes: found.iter().map(|c| c.index).collect(),
                    });
                }
                for c in &found {
                    let new = measured_newest && !before_newest.contains(&c.index);
                    if new && c.ratio < 1.0 {
                        history.regressions += 1;
                    }
                    history.changes.push(place(c, new));
                }
                if measured_newest
                    && let Some(s) = newest(&x, &found, options)
                    && s.p < options.max_p
                    && (s.ratio.max(1.0 / s.ratio) - 1.0) > options.min_magnitude
                {
                    history.suspects.push(place(&s, true));
                }
            }
        }
        history
    }

    fn ratio_words(f: &Found) -> String {
        format!("{:.3}× ({:.3}–{:.3}×)", f.ratio, f.low, f.high)
    }

    /// The history for the terminal.
    pub fn render_table(h: &History) -> String {
        let mut out = String::new();
        for g in &h.groups {
            out += &format!(
                "{} tier on {}: {} runs ({} … {}), {} series; {}\n",
                g.tier, g.machine, g.runs, g.first, g.last, g.series, g.settings
            );
        }
        out += &format!(
            "\nChanges (significant at {}, at least {:.1} % either way), oldest first:\n",
            h.alpha,
            100.0 * h.threshold
        );
        if h.changes.is_empty() {
            out += "  none\n";
        }
        let rows: Vec<Vec<String>> = h
            .changes
            .iter()
            .map(|f| {
                vec![
                    f.record.clone(),
                    f.tier.clone(),
                    format!("{}..{}", f.before_commit, f.after_commit),
                    f.after_time.clone(),
                    f.direction.to_owned(),
                    ratio_words(f),
                    format!("{:.1e}", f.p),
                    format!("{}+{}", f.runs.0, f.runs.1),
                    if f.new { "new".into() } else { String::new() },
                ]
            })
            .collect();
        if !rows.is_empty() {
            out += &crate::table::render(
                &[
                    "record",
                    "tier",
                    "commits",
                    "from",
                    "",
                    "after/before",
                    "p",
                    "runs",
                    "",
                ],
                &rows,
            );
        }
        if !h.suspects.is_empty() {
            out += "\nThe newest run outside what its series predicts (one run: the next tells whether it stays):\n";
            for f in &h.suspects {
                out += &format!(
                    "  {} ({}): {} {}\n",
                    f.record,
                    f.tier,
                    f.direction,
                    ratio_words(f)
                );
            }
        }
        out += &format!(
            "\n{} regression{} confirmed by the newest run.\n",
            h.regressions,
            if h.regressions == 1 { "" } else { "s" }
        );
        out
    }

    /// The history as Markdown, for a CI job's summary.
    pub fn render_markdown(h: &History) -> String {
        let mut out = String::from("## statebench history\n\n");
        for g in &h.groups {
            out += &format!(
                "- {} tier on {}: {} runs ({} … {}), {} series\n",
                g.tier, g.machine, g.runs, g.first, g.last, g.series
            );
        }
        out += &format!(
            "\n**{} regression{} confirmed by the newest run**; {} change{} in all (significant at {}, at least {:.1} % either way).\n\n",
            h.regressions,
            if h.regressions == 1 { "" } else { "s" },
            h.changes.len(),
            if h.changes.len() == 1 { "" } else { "s" },
            h.alpha,
            100.0 * h.threshold
        );
        if !h.changes.is_empty() {
            let rows: Vec<Vec<String>> = h
                .changes
                .iter()
                .map(|f| {
                    vec![
                        format!("`{}`", f.record),
                        f.tier.clone(),
                        format!("`{}..{}`", f.before_commit, f.after_commit),
                        f.direction.to_owned(),
                        ratio_words(f),
                        format!("{}+{}", f.runs.0, f.runs.1),
                        if f.new {
                            "**new**".into()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect();
            out += &crate::table::markdown_table(
                &["record", "tier", "commits", "", "after/before", "runs", ""],
                "lllllrl",
                &rows,
            );
        }
        if !h.suspects.is_empty() {
            out +=
                "\nThe newest run outside what its series predicts (one run; the next tells):\n\n";
            for f in &h.suspects {
                out += &format!(
                    "- `{}` ({}): {} {}\n",
                    f.record,
                    f.tier,
                    f.direction,
                    ratio_words(f)
                );
            }
        }
        out
    }
}
