//! Open-loop sweeps: latency against offered load (a workload swept with `--rate`), and each
//! row's **knee** — the highest offered rate it keeps up with before the first it does not.
//!
//! A row *keeps up* with a rate when, in the median repetition, it completed at least
//! [`KEPT_UP`] of the sends due in the window and left at most [`MAX_BACKLOG`] of them owed
//! when the window closed. Past its capacity an open loop's backlog grows for as long as the
//! run lasts, so the latency from the scheduled send (the figure plotted) climbs by orders of
//! magnitude there: the knee is where the line turns up. It lies between the last rate kept up
//! with and the first one missed — the bracket is its uncertainty, the sweep's spacing its
//! resolution; a row whose repetitions disagree at a rate says so. A rate missed although the
//! service held each call for less than a quarter of a client's interval on average
//! ([`SENDERS_BEHIND`]) was missed by the *senders* — the harness's limit on the machine — and
//! is named so rather than called the row's knee.
//!
//! A load sweep is a set of the run's workloads that differ in nothing but their rate (and the
//! name and description the sweep gave them): `kv_write_heavy_rate_10k`, `…_rate_100k`, ….

use std::fmt::Write;

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::results::{Record, Results, Spread};
use statebench_harness::workload::{Workload, rate_label};

use crate::table::{human_ns, human_rate, markdown_table};

/// The share of the due sends a row must complete to keep up with a rate.
pub const KEPT_UP: f64 = 0.95;
/// The share of the due sends a row may leave owed at the window's close and still keep up.
pub const MAX_BACKLOG: f64 = 0.05;
/// A missed rate is the senders' when the mean service time is under this share of each
/// client's interval between sends ([`Load::senders_behind`]).
pub const SENDERS_BEHIND: f64 = 0.25;

/// One workload swept over offered rates.
#[derive(Debug)]
pub struct LoadSweep<'a> {
    /// The members' name without its `_rate_` suffix.
    pub name: String,
    /// Its members, lowest rate first (every one an open loop).
    pub points: Vec<&'a Workload>,
}

/// The run's load sweeps: open-loop workloads alike but for their rate, at two rates or more.
pub fn load_sweeps(results: &Results) -> Vec<LoadSweep<'_>> {
    let open = results.settings.workloads.iter().filter(|w| w.open_loop());
    crate::crossover::alike(open, |w| Workload {
        rate_per_s: 0,
        ..w.clone()
    })
    .into_iter()
    .filter_map(|mut points| {
        points.sort_by_key(|w| w.rate_per_s);
        points.dedup_by_key(|w| w.rate_per_s);
        let first = *points.first()?;
        let suffix = format!("_rate_{}", rate_label(first.rate_per_s));
        let name = first
            .name
            .strip_suffix(&suffix)
            .unwrap_or(&first.name)
            .to_owned();
        (points.len() >= 2).then_some(LoadSweep { name, points })
    })
    .collect()
}

/// The median of `xs` ([`Spread`]'s), NaN (shown as `-`) when there is none.
fn median(xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        f64::NAN
    } else {
        Spread::of(&xs).median
    }
}

/// Whether one repetition kept up with its rate (`None`: not an open-loop repetition).
fn rep_kept_up(rep: &statebench_harness::Repetition) -> Option<bool> {
    let open = rep.open_loop.as_ref()?;
    let due = open.due.max(1) as f64;
    Some(rep.ops as f64 >= KEPT_UP * due && open.backlog as f64 <= MAX_BACKLOG * due)
}

/// An open-loop record's figures, medians over its repetitions.
#[derive(Clone, Debug)]
pub struct Load<'a> {
    /// The record.
    pub record: &'a Record,
    /// Its offered rate.
    pub rate: u64,
    /// Operations completed a second.
    pub achieved: f64,
    /// Completed over due sends in the window.
    pub share: f64,
    /// Sends owed at the window's close.
    pub backlog: f64,
    /// Latency from the scheduled send: median and 99th percentile.
    pub p50_ns: f64,
    /// The 99th percentile.
    pub p99_ns: f64,
    /// Latency from the actual send (the service time), median.
    pub service_p50_ns: f64,
    /// How far behind schedule the sends went, median.
    pub lag_p50_ns: f64,
    /// Sends at least one client interval late, as a share of the window's operations.
    pub late_share: f64,
    /// The mean service time (latency from the actual send) as a share of each client's
    /// interval between sends (median over repetitions): how much of its cycle a client spent
    /// waiting for the service.
    pub service_share: f64,
    /// Repetitions that kept up, of all.
    pub kept: (usize, usize),
}

impl Load<'_> {
    /// Whether the median repetition kept up.
    pub fn kept_up(&self) -> bool {
        self.share >= KEPT_UP && self.backlog <= MAX_BACKLOG * self.due()
    }

    /// Whether the rate was missed because the senders fell behind, not the service: the
    /// service held each call for less than [`SENDERS_BEHIND`] of a client's interval on
    /// average, so the client spent the rest of its cycle waiting to send.
    pub fn senders_behind(&self) -> bool {
        !self.kept_up() && self.service_share < SENDERS_BEHIND
    }

    fn due(&self) -> f64 {
        median(
            self.record
                .repetitions
                .iter()
                .filter_map(|r| r.open_loop.as_ref().map(|o| o.due as f64))
                .collect(),
        )
    }
}

/// The open-loop figures of `record`, or `None` for a closed-loop one.
pub fn load_of(record: &Record) -> Option<Load<'_>> {
    let reps: Vec<_> = record
        .repetitions
        .iter()
        .filter(|r| r.open_loop.is_some())
        .collect();
    let first = reps.first()?.open_loop.as_ref()?;
    let of = |f: &dyn Fn(&statebench_harness::Repetition) -> Option<f64>| {
        median(reps.iter().filter_map(|r| f(r)).collect())
    };
    Some(Load {
        record,
        rate: first.offered_per_sec as u64,
        achieved: of(&|r| Some(r.ops_per_sec)),
        share: of(&|r| {
            let o = r.open_loop.as_ref()?;
            Some(r.ops as f64 / o.due.max(1) as f64)
        }),
        backlog: of(&|r| r.open_loop.as_ref().map(|o| o.backlog as f64)),
        p50_ns: of(&|r| r.latency.get("all").map(|l| l.p50_ns as f64)),
        p99_ns: of(&|r| r.latency.get("all").map(|l| l.p99_ns as f64)),
        service_p50_ns: of(&|r| {
            let o = r.open_loop.as_ref()?;
            o.service_time.get("all").map(|l| l.p50_ns as f64)
        }),
        lag_p50_ns: of(&|r| {
            let o = r.open_loop.as_ref()?;
            o.send_lag.map(|l| l.p50_ns as f64)
        }),
        late_share: of(&|r| {
            let o = r.open_loop.as_ref()?;
            Some(o.late as f64 / r.ops.max(1) as f64)
        }),
        service_share: of(&|r| {
            let o = r.open_loop.as_ref()?;
            let interval_ns = record.clients as f64 * 1e9 / o.offered_per_sec;
            o.service_time.get("all").map(|l| l.mean_ns / interval_ns)
        }),
        kept: (
            reps.iter().filter(|r| rep_kept_up(r) == Some(true)).count(),
            reps.len(),
        ),
    })
}

/// One row (implementation and driver, at one client count) over a load sweep.
#[derive(Clone, Debug)]
pub struct Line<'a> {
    /// The implementation.
    pub implementation: String,
    /// Its family.
    pub family: Option<Family>,
    /// The driver.
    pub driver: Driver,
    /// The clients.
    pub clients: usize,
    /// Its figures at each rate it ran, lowest first.
    pub loads: Vec<Load<'a>>,
}

/// Where a line's knee lies.
#[derive(Clone, Debug, PartialEq)]
pub enum Knee {
    /// Kept up with every rate of the sweep, the highest this one.
    Beyond(u64),
    /// Kept up with the first rate, missed the second.
    Between(u64, u64),
    /// Missed the lowest rate already.
    Below(u64),
    /// Kept up with `kept` (if any rate), and at `at` the *senders* fell behind: the harness's
    /// limit on this machine, so the row's own knee lies above `kept`, unmeasured.
    Senders {
        /// The highest rate kept up with before.
        kept: Option<u64>,
        /// The rate where the senders fell behind.
        at: u64,
    },
}

impl Knee {
    /// The highest rate kept up with, if any.
    pub fn kept(&self) -> Option<u64> {
        match self {
            Knee::Beyond(r) | Knee::Between(r, _) => Some(*r),
            Knee::Below(_) => None,
            Knee::Senders { kept, .. } => *kept,
        }
    }

    /// In words: `kept up with 200k, missed 500k`.
    pub fn words(&self) -> String {
        match self {
            Knee::Beyond(r) => format!("kept up with every rate (≥ {}/s)", rate_label(*r)),
            Knee::Between(a, b) => format!(
                "kept up with {}/s, missed {}/s",
                rate_label(*a),
                rate_label(*b)
            ),
            Knee::Below(r) => format!("missed the lowest rate, {}/s", rate_label(*r)),
            Knee::Senders { kept, at } => format!(
                "{}at {}/s the senders fell behind (the harness's limit here, not the row's)",
                kept.map_or(String::new(), |k| format!(
                    "kept up with {}/s; ",
                    rate_label(k)
                )),
                rate_label(*at)
            ),
        }
    }
}

impl Line<'_> {
    /// The knee: the last rate kept up with before the first missed.
    pub fn knee(&self) -> Option<Knee> {
        let first = self.loads.first()?;
        if first.senders_behind() {
            return Some(Knee::Senders {
                kept: None,
                at: first.rate,
            });
        }
        if !first.kept_up() {
            return Some(Knee::Below(first.rate));
        }
        for pair in self.loads.windows(2) {
            if pair[1].senders_behind() {
                return Some(Knee::Senders {
                    kept: Some(pair[0].rate),
                    at: pair[1].rate,
                });
            }
            if !pair[1].kept_up() {
                return Some(Knee::Between(pair[0].rate, pair[1].rate));
            }
        }
        self.loads.last().map(|l| Knee::Beyond(l.rate))
    }
}

/// The closed-loop throughput of `line`'s row in the same run, if it ran the sweep's workload
/// with no rate: what a closed-loop benchmark would have called its capacity.
pub fn closed_loop<'a>(
    results: &'a Results,
    sweep: &LoadSweep<'_>,
    line: &Line<'_>,
) -> Option<&'a Record> {
    let bare = results
        .settings
        .workloads
        .iter()
        .find(|w| w.name == sweep.name && !w.open_loop())?;
    results.records.iter().find(|r| {
        r.workload == bare.name
            && r.implementation == line.implementation
            && r.driver == line.driver
            && r.clients == line.clients
    })
}

/// Every line of `sweep` in the run, by driver, clients and implementation.
pub fn lines<'a>(results: &'a Results, sweep: &LoadSweep<'_>) -> Vec<Line<'a>> {
    let names: Vec<&str> = sweep.points.iter().map(|w| w.name.as_str()).collect();
    let mut lines: Vec<Line<'a>> = Vec::new();
    for r in results
        .records
        .iter()
        .filter(|r| names.contains(&r.workload.as_str()))
    {
        let Some(load) = load_of(r) else { continue };
        match lines.iter_mut().find(|l| {
            l.implementation == r.implementation && l.driver == r.driver && l.clients == r.clients
        }) {
            Some(l) => l.loads.push(load),
            None => lines.push(Line {
                implementation: r.implementation.clone(),
                family: r.family(),
                driver: r.driver,
                clients: r.clients,
                loads: vec![load],
            }),
        }
    }
    for l in &mut lines {
        l.loads.sort_by_key(|x| x.rate);
    }
    // Highest knee first within each driver and client count.
    let rank = |l: &Line<'_>| match l.knee() {
        Some(Knee::Beyond(r)) => (r, 2),
        Some(Knee::Between(r, _)) | Some(Knee::Senders { kept: Some(r), .. }) => (r, 1),
        _ => (0, 0),
    };
    lines.sort_by(|a, b| {
        (a.driver, a.clients)
            .cmp(&(b.driver, b.clients))
            .then(rank(b).cmp(&rank(a)))
            .then(a.implementation.cmp(&b.implementation))
    });
    lines
}

/// A load cell as a table shows it: `48 µs` kept up, `✗ 62 ms (53 %)` missed, with `k/n` when
/// the repetitions disagree.
fn cell_words(load: &Load<'_>) -> String {
    let mut out = if load.kept_up() {
        human_ns(load.p99_ns)
    } else if load.senders_behind() {
        format!(
            "✗ senders {} ({:.0} %)",
            human_ns(load.p99_ns),
            100.0 * load.share
        )
    } else {
        format!("✗ {} ({:.0} %)", human_ns(load.p99_ns), 100.0 * load.share)
    };
    let (kept, of) = load.kept;
    if kept != 0 && kept != of {
        let _ = write!(out, " [{kept}/{of} kept up]");
    }
    out
}

/// The report's section: the method, then per sweep a table and a plot per driver and client
/// count. Empty when the run has no load sweep.
pub fn section(results: &Results) -> Result<(String, Vec<(String, String)>), String> {
    let sweeps = load_sweeps(results);
    if sweeps.is_empty() {
        return Ok((String::new(), Vec::new()));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Requests arriving at a rate, not clients firing the next call the instant the last \
         returns: each client sends on a schedule fixed before the run (the offered rate split \
         evenly over the clients, their sends staggered), one call in flight at most, and latency \
         counts from the *scheduled* send — a call that had to wait for the one before it is \
         charged the wait, as wrk2 charges it (coordinated omission corrected). A row *keeps \
         up* with a rate when its median repetition completed at least {:.0} % of the sends due \
         in the window and left at most {:.0} % owed at its close; its **knee** lies between \
         the last rate it kept up with and the first it missed. *Closed loop* is the same row's \
         throughput with clients that send the next call the instant the last returns, where \
         the run measured it. Cells give the 99th percentile \
         of the latency from the scheduled send (median over repetitions); ✗ marks a rate \
         missed, with the share of due sends completed (✗ senders: missed although the service \
         held each call for less than {:.0} % of a client's interval between sends on average — \
         the senders' limit on this machine, not the row's). \
         Thread clients sleep to each send, task \
         clients are woken by a pacer thread: the *send lag* (how late the sender itself woke) \
         is part of every latency, and its smallest median at the lowest rate is the floor \
         below which no row can go.\n",
        100.0 * KEPT_UP,
        100.0 * MAX_BACKLOG,
        100.0 * SENDERS_BEHIND
    );
    let mut files = Vec::new();
    for sweep in &sweeps {
        let rates: Vec<String> = sweep
            .points
            .iter()
            .map(|w| format!("{}/s", rate_label(w.rate_per_s)))
            .collect();
        let _ = writeln!(
            out,
            "\n### `{}` offered {}\n\n{}.\n",
            sweep.name,
            rates.join(", "),
            sweep.points[0]
                .about
                .rsplit_once("; open loop at ")
                .map_or(sweep.points[0].about.as_str(), |(head, _)| head)
        );
        let lines = lines(results, sweep);
        let mut keys: Vec<(Driver, usize)> = lines.iter().map(|l| (l.driver, l.clients)).collect();
        keys.dedup();
        for (driver, clients) in keys {
            let mine: Vec<&Line<'_>> = lines
                .iter()
                .filter(|l| l.driver == driver && l.clients == clients)
                .collect();
            // The row least held up by its service shows the senders' own wake cost.
            let floor = mine
                .iter()
                .filter_map(|l| l.loads.first().map(|x| x.lag_p50_ns))
                .filter(|x| x.is_finite())
                .fold(f64::INFINITY, f64::min);
            let _ = writeln!(
                out,
                "**{} × {clients}** — the senders' own lag (the smallest median send lag at \
                 the lowest rate): {}.\n",
                driver.name(),
                human_ns(floor)
            );
            let mut header = vec!["implementation", "knee", "closed loop"];
            header.extend(rates.iter().map(String::as_str));
            let rows: Vec<Vec<String>> = mine
                .iter()
                .map(|l| {
                    let mut row = vec![
                        format!("`{}`", l.implementation),
                        l.knee().map(|k| k.words()).unwrap_or_default(),
                        closed_loop(results, sweep, l)
                            .map_or("·".into(), |r| format!("{}/s", human_rate(r.headline()))),
                    ];
                    for w in &sweep.points {
                        row.push(
                            l.loads
                                .iter()
                                .find(|x| x.rate == w.rate_per_s)
                                .map_or("·".into(), cell_words),
                        );
                    }
                    row
                })
                .collect();
            let align: String = "llr".chars().chain(rates.iter().map(|_| 'r')).collect();
            out += &markdown_table(&header, &align, &rows);
            let names: Vec<&str> = sweep.points.iter().map(|w| w.name.as_str()).collect();
            if let Some(svg) = crate::plots::load_sweep(results, &names, &rates, driver, clients)? {
                let file = format!("{}-load-{}-{clients}.svg", sweep.name, driver.name());
                let _ = writeln!(
                    out,
                    "\n![{} latency against offered load, {} × {clients}]({file})\n",
                    sweep.name,
                    driver.name()
                );
                files.push((file, svg));
            }
        }
    }
    Ok((out, files))
}

/// The decision guide's lines on open loops: per sweep, driver and client count, each family's
/// highest knee with the cells that bracket it. Empty without a load sweep.
pub fn guide(results: &Results) -> String {
    let mut out = String::new();
    for sweep in load_sweeps(results) {
        let lines = lines(results, &sweep);
        let mut keys: Vec<(Driver, usize)> = lines.iter().map(|l| (l.driver, l.clients)).collect();
        keys.dedup();
        for (driver, clients) in keys {
            let mut parts = Vec::new();
            for family in Family::ALL {
                // Lines come highest knee first: the first of a family is its best.
                let Some(best) = lines.iter().find(|l| {
                    l.driver == driver && l.clients == clients && l.family == Some(family)
                }) else {
                    continue;
                };
                let Some(knee) = best.knee() else { continue };
                let cite = |rate: u64| {
                    best.loads.iter().find(|x| x.rate == rate).map(|x| {
                        format!(
                            "`{}`: {} done of {}/s offered, p99 {}",
                            x.record.workload,
                            human_rate(x.achieved),
                            rate_label(rate),
                            human_ns(x.p99_ns)
                        )
                    })
                };
                let cited: Vec<String> = match &knee {
                    Knee::Beyond(r) | Knee::Below(r) | Knee::Senders { kept: None, at: r } => {
                        cite(*r).into_iter().collect()
                    }
                    Knee::Between(a, b)
                    | Knee::Senders {
                        kept: Some(a),
                        at: b,
                    } => cite(*a).into_iter().chain(cite(*b)).collect(),
                };
                let closed = closed_loop(results, &sweep, best).map_or(String::new(), |r| {
                    format!(
                        "; in a closed loop it made {}/s (`{}`)",
                        human_rate(r.headline()),
                        r.workload
                    )
                });
                parts.push(format!(
                    "{} best: `{}`, {} ({}{closed})",
                    family_words(family),
                    best.implementation,
                    knee.words(),
                    cited.join("; ")
                ));
            }
            if !parts.is_empty() {
                let _ = writeln!(
                    out,
                    "- `{}` / {} / {clients}: {}.",
                    sweep.name,
                    driver.name(),
                    parts.join("; ")
                );
            }
        }
    }
    out
}

fn family_words(family: Family) -> &'static str {
    family.plural()
}

/// The terminal table's rows of an open-loop workload: offered and achieved rates, whether
/// the row kept up, latency from the scheduled and from the actual send, late sends.
pub fn terminal_rows(records: &[&Record]) -> Vec<Vec<String>> {
    let mut loads: Vec<Load<'_>> = records.iter().filter_map(|r| load_of(r)).collect();
    loads.sort_by(|a, b| a.p99_ns.total_cmp(&b.p99_ns));
    loads
        .iter()
        .map(|l| {
            let (kept, of) = l.kept;
            vec![
                l.record.implementation.clone(),
                l.record.driver.name().to_owned(),
                human_rate(l.rate as f64),
                human_rate(l.achieved),
                if l.kept_up() {
                    format!("yes {kept}/{of}")
                } else {
                    format!("no {kept}/{of}")
                },
                human_ns(l.p50_ns),
                human_ns(l.p99_ns),
                human_ns(l.service_p50_ns),
                human_ns(l.lag_p50_ns),
                format!("{:.0} %", 100.0 * l.late_share),
                human_ns(l.record.summary.cpu_ns_per_op.median),
                crate::table::notes(l.record),
            ]
        })
        .collect()
}

/// The terminal table's header, for [`terminal_rows`].
pub const TERMINAL_HEADER: [&str; 12] = [
    "implementation",
    "driver",
    "offered",
    "done/s",
    "kept up",
    "p50",
    "p99",
    "service p50",
    "lag p50",
    "late",
    "CPU/op",
    "note",
];
