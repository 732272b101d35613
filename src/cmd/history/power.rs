//! `history power`: how often the change-point alarm is right, on pooled runs of one build
//! and of builds with a slowdown planted (docs/CI.md).

use std::path::Path;
use std::process::ExitCode;

use statebench_harness::results::Results;
use statebench_report::history::{Options, series};

use super::folder::runs;
use crate::{failure, usage};

/// How `history power` draws its series.
pub(super) struct Plan {
    pub(super) nights: usize,
    pub(super) at: usize,
    pub(super) within: usize,
    pub(super) trials: usize,
    pub(super) seed: u64,
}

/// One record's figures over a folder of runs: its name, its tier and its headline figure in
/// each run that measured it.
type Pool = (String, &'static str, Vec<f64>);

/// Each record's headline figure in every run of `runs`, by record name, in first-seen order.
fn pools(runs: &[Results]) -> Vec<Pool> {
    let mut out: Vec<Pool> = Vec::new();
    for run in runs {
        let tier = series::tier(run);
        for r in &run.records {
            let name = format!(
                "{} / {} / {} / {}",
                r.workload,
                r.implementation,
                r.driver.name(),
                r.clients
            );
            // A figure that is not a positive number (a record that served nothing it was
            // asked for) has no logarithm: it is left out of the pool.
            let x = r.headline();
            if !(x.is_finite() && x > 0.0) {
                continue;
            }
            match out.iter_mut().find(|(n, t, _)| *n == name && *t == tier) {
                Some((_, _, xs)) => xs.push(x),
                None => out.push((name, tier, vec![x])),
            }
        }
    }
    out
}

/// The classes a planted step is counted in by the slowdown its record measured (the pools'
/// geometric means): the targets are stated for 5, 10 and 20 % steps.
const CLASSES: [(&str, f64); 4] = [
    ("under 5 %", f64::NEG_INFINITY),
    ("5–10 %", 0.05),
    ("10–20 %", 0.10),
    ("20 % and more", 0.20),
];

/// The class of a measured slowdown (a share: 0.05 is 5 % slower).
fn class(step: f64) -> usize {
    CLASSES
        .iter()
        .rposition(|(_, from)| step >= *from)
        .unwrap_or(0)
}

fn geometric_mean(xs: &[f64]) -> f64 {
    (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp()
}

/// One planted pool's tally, over records or over a class of steps.
struct Tally {
    within: usize,
    trials: usize,
    found: usize,
    steps: usize,
    delays: Vec<usize>,
}

impl Tally {
    fn new(within: usize) -> Tally {
        Tally {
            within,
            trials: 0,
            found: 0,
            steps: 0,
            delays: Vec::new(),
        }
    }

    fn add(&mut self, trials: usize, found: usize, delays: &[usize]) {
        self.trials += trials;
        self.found += found;
        self.steps += 1;
        self.delays.extend_from_slice(delays);
    }

    /// The median night of the step on which the alarm rang, of the series where it did in
    /// time (the lower median).
    fn median_delay(&self) -> Option<usize> {
        let mut d: Vec<usize> = self
            .delays
            .iter()
            .copied()
            .filter(|d| *d <= self.within)
            .collect();
        d.sort_unstable();
        d.get(d.len().saturating_sub(1) / 2).copied()
    }

    fn share(&self) -> f64 {
        100.0 * self.found as f64 / self.trials.max(1) as f64
    }

    fn json(&self, name: &str) -> serde_json::Value {
        serde_json::json!({
            "name": name, "steps": self.steps, "trials": self.trials,
            "found_in_time": self.found, "median_delay": self.median_delay(),
        })
    }
}

/// `history power`: how often the alarm is right on pooled runs of one build (`noise`) and of
/// builds with a slowdown planted (`planted`, NAME=DIR each); see docs/CI.md.
pub(super) fn power(
    noise: &Path,
    planted: &[String],
    plan: &Plan,
    options: &Options,
    format: &str,
) -> ExitCode {
    let pools = match power_pools(noise, planted) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let Measured {
        series_count,
        rows,
        json,
        quiet,
        false_alarms,
        by_plant,
        by_class,
    } = measured(&pools, plan, options);
    let (first, noise_runs, named) = (&pools.noise_runs[0], &pools.noise_runs, &pools.named);
    let per_100 = 100.0 * false_alarms as f64 / quiet.max(1) as f64;
    // Over every series at once, as a nightly job over them all sees it.
    let per_night = false_alarms as f64 / (plan.trials * plan.nights).max(1) as f64;
    let classes: Vec<(&str, &Tally)> = CLASSES
        .iter()
        .zip(&by_class)
        .filter(|(_, t)| t.steps > 0)
        .map(|((name, _), t)| (*name, t))
        .collect();
    if format == "json" {
        let doc = serde_json::json!({
            "machine": first.machine, "noise": noise.display().to_string(),
            "noise_runs": noise_runs.len(),
            "planted": named.iter().map(|(n, r)| serde_json::json!({"name": n, "runs": r.len()}))
                .collect::<Vec<_>>(),
            "nights": plan.nights, "at": plan.at, "within": plan.within, "trials": plan.trials,
            "seed": plan.seed, "threshold": options.min_magnitude, "alpha": options.max_p,
            "quiet_nights": quiet, "false_alarms": false_alarms, "false_alarms_per_100": per_100,
            "series": series_count, "false_alarms_per_night": per_night,
            "by_plant": by_plant.iter().map(|(n, t)| t.json(n)).collect::<Vec<_>>(),
            "by_class": classes.iter().map(|(n, t)| t.json(n)).collect::<Vec<_>>(),
            "records": json,
        });
        match serde_json::to_string_pretty(&doc) {
            Ok(t) => println!("{t}"),
            Err(e) => return failure(e),
        }
        return ExitCode::SUCCESS;
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(4);
    let mut header = vec!["record", "tier", "noise runs", "false alarms / nights"];
    header.extend(std::iter::repeat_n(
        "planted (its step): found in time",
        width - 4,
    ));
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|mut r| {
            r.resize(width, String::new());
            r
        })
        .collect();
    print!("{}", statebench_report::table::render(&header, &rows));
    println!(
        "
{} series of {} nights a record and pool (step from night {}), alpha {}, threshold {:.1} %, \
on {} ({} noise runs):",
        plan.trials,
        plan.nights,
        plan.at + 1,
        options.max_p,
        100.0 * options.min_magnitude,
        first.machine.cpu_model,
        noise_runs.len(),
    );
    println!("  false alarms: {false_alarms} in {quiet} series-nights ({per_100:.2} per 100)");
    println!("  over all {series_count} series at once: {per_night:.3} false alarms a night");
    let delay = |t: &Tally| {
        t.median_delay()
            .map_or(String::new(), |d| format!(", median delay {d} nights"))
    };
    for (name, t) in &by_plant {
        println!(
            "  planted {name}: found within {} nights in {} of {} series ({:.1} %){}",
            plan.within,
            t.found,
            t.trials,
            t.share(),
            delay(t)
        );
    }
    for (name, t) in &classes {
        println!(
            "  steps measured {name}: {} step{}, found within {} nights in {} of {} series \
({:.1} %){}",
            t.steps,
            if t.steps == 1 { "" } else { "s" },
            plan.within,
            t.found,
            t.trials,
            t.share(),
            delay(t)
        );
    }
    ExitCode::SUCCESS
}

/// The runs `history power` reads, checked to have measured alike on one machine, and pooled
/// by record and tier.
struct Pools {
    noise_runs: Vec<Results>,
    named: Vec<(String, Vec<Results>)>,
    noise_pools: Vec<Pool>,
    planted_pools: Vec<(String, Vec<Pool>)>,
}

fn power_pools(noise: &Path, planted: &[String]) -> Result<Pools, ExitCode> {
    let noise_runs = match runs(noise) {
        Ok(r) if !r.is_empty() => r,
        Ok(_) => return Err(usage(format!("--noise {}: no run in it", noise.display()))),
        Err(e) => return Err(usage(format!("--noise {e}"))),
    };
    let mut named = Vec::new();
    for p in planted {
        let Some((name, dir)) = p.split_once('=') else {
            return Err(usage(format!(
                "--planted {p:?}: write NAME=DIR, e.g. 10%=target/p10"
            )));
        };
        if named.iter().any(|(n, _)| n == name) {
            return Err(usage(format!("--planted {name:?} is named twice")));
        }
        match runs(Path::new(dir)) {
            Ok(r) if !r.is_empty() => named.push((name.to_owned(), r)),
            Ok(_) => return Err(usage(format!("--planted {p}: no run in {dir}"))),
            Err(e) => return Err(usage(format!("--planted {e}"))),
        }
    }
    // Every run must have measured as the first did: a pool of another setting would plant a
    // step of settings, not of code.
    let first = &noise_runs[0];
    for run in noise_runs.iter().chain(named.iter().flat_map(|(_, r)| r)) {
        if let Some(what) = first.settings.measurement_differs(&run.settings) {
            return Err(usage(format!("the runs did not all measure alike: {what}")));
        }
        if series::machine(run) != series::machine(first) {
            return Err(usage(format!(
                "the runs did not all run on one machine: {} and {}",
                series::machine(first),
                series::machine(run)
            )));
        }
    }
    let planted_pools: Vec<(String, Vec<Pool>)> = named
        .iter()
        .map(|(name, runs)| (name.clone(), pools(runs)))
        .collect();
    let noise_pools = pools(&noise_runs);
    for (name, planted) in &planted_pools {
        let shared = planted
            .iter()
            .any(|(n, t, _)| noise_pools.iter().any(|(m, u, _)| n == m && t == u));
        if !shared {
            return Err(usage(format!(
                "--planted {name:?}: its runs share no record with --noise {}",
                noise.display()
            )));
        }
    }
    Ok(Pools {
        noise_runs,
        named,
        noise_pools,
        planted_pools,
    })
}

/// What the simulated nights found, record by record and summed.
struct Measured {
    series_count: usize,
    rows: Vec<Vec<String>>,
    json: Vec<serde_json::Value>,
    quiet: usize,
    false_alarms: usize,
    by_plant: Vec<(String, Tally)>,
    by_class: Vec<Tally>,
}

fn measured(pools: &Pools, plan: &Plan, options: &Options) -> Measured {
    let Pools {
        named,
        noise_pools,
        planted_pools,
        ..
    } = pools;
    let series_count = noise_pools.len();
    let mut rows = Vec::new();
    let mut json = Vec::new();
    let (mut quiet, mut false_alarms) = (0, 0);
    let mut by_plant: Vec<(String, Tally)> = named
        .iter()
        .map(|(n, _)| (n.clone(), Tally::new(plan.within)))
        .collect();
    let mut by_class: Vec<Tally> = CLASSES.iter().map(|_| Tally::new(plan.within)).collect();
    for (name, tier, noise_pool) in noise_pools {
        let (name, tier) = (name.clone(), *tier);
        // A pool's step is what its record measured: the planted build's geometric mean over
        // the noise build's, as a slowdown (the figures are rates: higher is better).
        let steps: Vec<(String, f64, Vec<f64>)> = planted_pools
            .iter()
            .filter_map(|(pname, pools)| {
                pools
                    .iter()
                    .find(|(n, t, _)| *n == name && *t == tier)
                    .map(|(_, _, xs)| {
                        let step = 1.0 - geometric_mean(xs) / geometric_mean(noise_pool);
                        (pname.clone(), step, xs.clone())
                    })
            })
            .collect();
        let drawn: Vec<(String, Vec<f64>)> = steps
            .iter()
            .map(|(n, _, xs)| (n.clone(), xs.clone()))
            .collect();
        let p = statebench_report::history::power(
            noise_pool,
            &drawn,
            plan.nights,
            plan.at,
            plan.within,
            plan.trials,
            plan.seed,
            options,
        );
        quiet += p.quiet_nights;
        false_alarms += p.false_alarms;
        let mut row = vec![
            name.clone(),
            tier.to_owned(),
            noise_pool.len().to_string(),
            format!("{} / {}", p.false_alarms, p.quiet_nights),
        ];
        let mut step_json = Vec::new();
        for ((pname, trials, found, delays), (_, step, xs)) in p.steps.iter().zip(&steps) {
            if let Some((_, t)) = by_plant.iter_mut().find(|(n, _)| n == pname) {
                t.add(*trials, *found, delays);
            }
            by_class[class(*step)].add(*trials, *found, delays);
            let mut one = Tally::new(plan.within);
            one.add(*trials, *found, delays);
            row.push(format!(
                "{pname} ({:+.1} %): {found}/{trials}, median delay {}",
                -100.0 * step,
                one.median_delay().map_or("-".into(), |d| d.to_string())
            ));
            step_json.push(serde_json::json!({
                "name": pname, "runs": xs.len(), "step": step, "class": CLASSES[class(*step)].0,
                "trials": trials, "found_in_time": found, "delays": delays,
            }));
        }
        json.push(serde_json::json!({
            "record": name, "tier": tier, "noise_runs": noise_pool.len(),
            "quiet_nights": p.quiet_nights, "false_alarms": p.false_alarms,
            "steps": step_json,
        }));
        rows.push(row);
    }
    Measured {
        series_count,
        rows,
        json,
        quiet,
        false_alarms,
        by_plant,
        by_class,
    }
}
