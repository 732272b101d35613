//! The report's section on the machine and its floors: the fingerprint, every floor at the
//! start and the end of the run, whether the run was disturbed, and what the floors predict —
//! each prediction checked against the cell it is about, and said to disagree where it does.

use std::fmt::Write;

use statebench_harness::Driver;
use statebench_harness::floors::{Floor, Floors, MOVED, Steadiness};
use statebench_harness::placement::{DISTURBED, FAR, FLOOR_BELOW, Placement};
use statebench_harness::results::{Record, Results};

use crate::table::{human_ns, human_rate, markdown_table};

fn floor_cell(f: Option<&Floor>) -> String {
    f.map_or("n/a".into(), |f| {
        format!(
            "{} ({} – {})",
            human_ns(f.median),
            human_ns(f.min),
            human_ns(f.max)
        )
    })
}

/// The first record of `implementation` under `driver` with one client, on the first
/// workload (in the run's order) that has one; kv workloads first.
fn one_client<'a>(
    results: &'a Results,
    implementation: &str,
    driver: Driver,
) -> Option<&'a Record> {
    let find = |service: Option<&str>| {
        results.settings.workloads.iter().find_map(|w| {
            results.records.iter().find(|r| {
                r.workload == w.name
                    && service.is_none_or(|s| r.service == s)
                    && r.implementation == implementation
                    && r.driver == driver
                    && r.clients == 1
            })
        })
    };
    find(Some("kv")).or_else(|| find(None))
}

/// "the cell agrees" or "the cell disagrees", with the figure.
fn check(record: Option<&Record>, low: f64, high: f64, what: &str) -> String {
    match record {
        None => format!("(No {what} cell ran, so this is not checked.)"),
        Some(r) => {
            let p50 = r.summary.p50_ns.median;
            let cell = format!(
                "`{}` / {} / 1 client: p50 {} per call",
                r.workload,
                r.driver.name(),
                human_ns(p50)
            );
            if (low..=high).contains(&p50) {
                format!(
                    "Checked: {cell}, inside the range the floors predict ({} – {}).",
                    human_ns(low),
                    human_ns(high)
                )
            } else {
                format!(
                    "**The data disagree**: {cell}, outside the range the floors predict ({} – \
                     {}); something besides the wake sets this cell's cost.",
                    human_ns(low),
                    human_ns(high)
                )
            }
        }
    }
}

/// A floor's median at the start, and at the end where it was measured: `606 ns / 58.83 µs`.
fn start_end(both: &[&Floors], floor: impl Fn(&Floors) -> Option<&Floor>) -> String {
    let medians: Vec<String> = both
        .iter()
        .map(|f| floor(f).map_or("n/a".into(), |w| human_ns(w.median)))
        .collect();
    medians.join(" / ")
}

/// What the floors predict, each checked against its cell.
fn predictions(results: &Results) -> String {
    let f = &results.floors;
    let mut out = String::new();
    // The floors of the whole run: at the start and, where measured, at the end (on these
    // VMs a wake can switch between a fast and a slow mode during a run).
    let both: Vec<&Floors> = std::iter::once(f)
        .chain(results.floors_end.as_ref())
        .collect();
    let wakes: Vec<f64> = both
        .iter()
        .flat_map(|f| {
            [
                &f.wake_cross_core_idle_ns,
                &f.wake_cross_core_busy_ns,
                &f.wake_same_core_ns,
            ]
        })
        .flatten()
        .map(|w| w.median)
        .collect();
    if let (Some(lo), Some(hi)) = (
        wakes.iter().copied().reduce(f64::min),
        wakes.iter().copied().reduce(f64::max),
    ) {
        let _ = writeln!(
            out,
            "- A blocking call to an OS-thread owner that sleeps between requests pays a wake \
             each way: one round trip costs {} here when the other core is idle (a halted \
             virtual CPU is woken through the hypervisor; one still polling wakes at once), {} \
             when it is busy, and {} when both threads share a core (start and end of the run) \
             — about {:.0} times an uncontended lock ({}) at the dearest. So an OS-thread owner \
             called from one thread should take between the cheapest and the dearest of these \
             per call. {}",
            start_end(&both, |f| f.wake_cross_core_idle_ns.as_ref()),
            start_end(&both, |f| f.wake_cross_core_busy_ns.as_ref()),
            start_end(&both, |f| f.wake_same_core_ns.as_ref()),
            hi / f.mutex_uncontended_ns.median.max(1e-9),
            human_ns(f.mutex_uncontended_ns.median),
            // Half the cheapest to twice the dearest: a call also sends, checks and replies.
            check(
                one_client(results, "owner_thread", Driver::Threads),
                lo / 2.0,
                2.0 * hi,
                "`owner_thread` from one OS thread"
            )
        );
    }
    let (one, two) = (&f.tokio_same_worker_ns, &f.tokio_two_workers_ns);
    let _ = writeln!(
        out,
        "- An owner task on tokio pays one `mpsc` send and one `oneshot` reply per request: {} \
         with both tasks on one worker, {} on the tasks driver's two-worker runtime. {}",
        human_ns(one.median),
        human_ns(two.median),
        check(
            one_client(results, "owner_tokio", Driver::Tasks),
            one.median.min(two.median) / 2.0,
            // A task woken on a parked worker pays a thread wake as well.
            3.0 * one.median.max(two.median)
                + f.wake_cross_core_busy_ns.as_ref().map_or(0.0, |w| w.median),
            "`owner_tokio` from one task"
        )
    );
    out
}

/// The timer's cap on the reference program, checked against its cells.
pub fn timer_cap(results: &Results) -> String {
    let f = &results.floors;
    let mut out = String::new();
    let mut caps = vec![
        (
            Driver::Threads,
            f.thread_sleep_1ms_ns.median,
            "an OS thread",
        ),
        (Driver::Tasks, f.tokio_sleep_1ms_ns.median, "a tokio task"),
    ];
    let _ = write!(
        out,
        "**A known trap.** The reference program sleeps 1 ms after every operation, so it \
         measures the timer more than the state: a 1 ms sleep takes {} on an OS thread and {} on \
         a tokio task here, which caps `seed` at about {} operations per second with OS threads \
         and {} with tasks (110 clients), whatever holds the state. `seed_nosleep` removes the \
         sleep.",
        human_ns(caps[0].1),
        human_ns(caps[1].1),
        human_rate(110.0 / (caps[0].1 / 1e9)),
        human_rate(110.0 / (caps[1].1 / 1e9)),
    );
    if let Some(go) = &f.go_sleep_1ms_ns {
        let _ = write!(
            out,
            " Go's `time.Sleep(1 ms)` takes {}: a cap of {} for the goroutines rows.",
            human_ns(go.median),
            human_rate(110.0 / (go.median / 1e9))
        );
        caps.push((Driver::Goroutines, go.median, "a goroutine"));
    }
    for (driver, sleep, _) in caps {
        let cap = 110.0 / (sleep / 1e9);
        let fastest = results
            .records
            .iter()
            .filter(|r| r.workload == "seed" && r.driver == driver)
            .max_by(|a, b| a.headline().total_cmp(&b.headline()));
        if let Some(r) = fastest {
            let ratio = r.headline() / cap;
            // A sleep that ran long in the floor and short in the run gives a few percent over.
            let verdict = if ratio <= 1.05 {
                "within the cap"
            } else {
                "**above the cap: the floor does not explain this cell**"
            };
            let _ = write!(
                out,
                " Checked: the fastest `seed` / {} cell (`{}`, {}) makes {:.0} % of it, {verdict}.",
                driver.name(),
                r.implementation,
                human_rate(r.headline()),
                100.0 * ratio
            );
        }
    }
    out.push('\n');
    out
}

/// Where the two cores stood through the run, from the probes before and after every trial, and what it
/// did to the rows measured both ways ([`Placement`]).
/// The workload the Redis anchor is set beside: the store's mostly-`GET` mix.
const ANCHORED_WORKLOAD: &str = "kv_read_heavy";

/// How much of its outside anchor's figure a row must make: below it, the harness or its use
/// of the client hides a cost the tool does not pay (issue 30).
pub const ANCHOR_SHARE: f64 = 0.8;

/// How many loopback round trips a one-client call of the out-of-process row may take: more, and
/// something besides the socket and the two wakes costs it (issue 30).
pub const LOOPBACK_MULTIPLE: f64 = 1.5;

/// The `redis` row from one OS thread against the loopback floor: its time per operation (the
/// inverse of its median rate) over the floor's median at the start of the run, held to
/// [`LOOPBACK_MULTIPLE`]. Empty without both.
fn against_loopback(results: &Results, row: &str) -> String {
    let Some(floor) = results.floors.tcp_loopback_ns.as_ref() else {
        return String::new();
    };
    let Some(record) = results.records.iter().find(|r| {
        r.implementation == row
            && r.workload == ANCHORED_WORKLOAD
            && r.driver == Driver::Threads
            && r.clients == 1
    }) else {
        return String::new();
    };
    let rate = record.summary.ops_per_sec.median;
    if rate <= 0.0 || floor.median <= 0.0 {
        return String::new();
    }
    let per_op = 1e9 / rate;
    let times = per_op / floor.median;
    format!(
        "From one OS thread the `{row}` row took {} an operation on `{ANCHORED_WORKLOAD}` (the \
         inverse of its median rate), {times:.2}× the loopback TCP floor ({}): {}\n\n",
        human_ns(per_op),
        human_ns(floor.median),
        if times <= LOOPBACK_MULTIPLE {
            format!(
                "within the {LOOPBACK_MULTIPLE}× a call should take over the socket and its two wakes."
            )
        } else {
            format!(
                "**above the {LOOPBACK_MULTIPLE}× bar**: something besides the socket and its \
                 two wakes costs each call."
            )
        }
    )
}

/// The outside anchors beside the rows they anchor, and the strategies the run left out.
fn anchors(results: &Results) -> String {
    let mut out = String::new();
    for left in &results.settings.left_out {
        let _ = writeln!(
            out,
            "`{}` was left out of this run: {}.\n",
            left.implementation, left.why
        );
    }
    let Some(first) = results.anchors.first() else {
        return out;
    };
    let median = |xs: &[f64]| statebench_harness::results::Spread::of(xs).median;
    let spread = |xs: &[f64]| {
        let low = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let high = xs.iter().copied().fold(0.0, f64::max);
        format!(
            "{} ({} – {})",
            human_rate(median(xs)),
            human_rate(low),
            human_rate(high)
        )
    };
    let _ = writeln!(
        out,
        "The outside anchor of the `{row}` row: `{tool}`, Redis's own benchmark, run at the \
         start on a server of its own — one request in flight on each connection, {keys} keys \
         drawn at random — each figure the median of {trials} trials (their range). Beside it, \
         the row's median on `{ANCHORED_WORKLOAD}` (95 % get, 5 % set), the store's workload \
         nearest a `GET` benchmark. A row held to the anchor must make {share:.0} % of its \
         `GET` figure: the threads row at every client count; the tasks row at one client only, \
         since its tasks share one multiplexed connection and keep up to one request a client \
         in flight on it (pipelining the anchor does not do).\n",
        row = first.implementation,
        tool = first.tool,
        keys = first.keyspace,
        trials = results
            .anchors
            .iter()
            .map(|a| a.ops_per_sec.len())
            .max()
            .unwrap_or(0),
        share = 100.0 * ANCHOR_SHARE,
    );
    let mut clients: Vec<usize> = results.anchors.iter().map(|a| a.clients).collect();
    clients.sort_unstable();
    clients.dedup();
    let rows: Vec<Vec<String>> = clients
        .iter()
        .map(|&c| {
            let anchor = |test: &str| {
                results
                    .anchors
                    .iter()
                    .find(|a| a.clients == c && a.test == test)
            };
            let get = anchor("GET").map(|a| median(&a.ops_per_sec));
            let mut row = vec![
                c.to_string(),
                anchor("GET").map_or("n/a".into(), |a| spread(&a.ops_per_sec)),
                anchor("SET").map_or("n/a".into(), |a| spread(&a.ops_per_sec)),
            ];
            for driver in [Driver::Threads, Driver::Tasks] {
                let record = results.records.iter().find(|r| {
                    r.implementation == first.implementation
                        && r.workload == ANCHORED_WORKLOAD
                        && r.driver == driver
                        && r.clients == c
                });
                let held = driver == Driver::Threads || c == 1;
                row.push(record.map_or("not run".into(), |r| {
                    human_rate(r.summary.ops_per_sec.median)
                }));
                row.push(match (record, get) {
                    (Some(r), Some(get)) if get > 0.0 => {
                        let share = r.summary.ops_per_sec.median / get;
                        let mark = if !held {
                            " (not held to it)"
                        } else if share < ANCHOR_SHARE {
                            " **below the bar**"
                        } else {
                            ""
                        };
                        format!("{:.0} %{mark}", 100.0 * share)
                    }
                    _ => "·".into(),
                });
            }
            row
        })
        .collect();
    out += &markdown_table(
        &[
            "clients",
            "`GET`, ops/s",
            "`SET`, ops/s",
            "row, threads",
            "of `GET`",
            "row, tasks",
            "of `GET`",
        ],
        "rrrrrrr",
        &rows,
    );
    out.push('\n');
    out += &against_loopback(results, &first.implementation);
    out
}

fn placement(results: &Results) -> String {
    let Some(p) = Placement::of(results) else {
        return "The cross-core round trip was not probed before each trial (one core, pinning to \
                cores 0 and 1 refused, or a run made before 2026-12-05): whether the cores moved \
                between the floors cannot be told.\n\n"
            .into();
    };
    let mut out = probed_words(results, &p);
    if p.far == 0 {
        out += &stayed_near_words(&p);
        return out;
    }
    out += &far_words(&p);
    out += &far_against_near(results, &p);
    out
}

/// How the cores' placement was probed and what the probes read: their median and 90th
/// percentile against the near round trip, and the trials a disturbed probe leaves out.
fn probed_words(results: &Results, p: &Placement) -> String {
    let mut out = format!(
        "Before every trial{} a short bounce of a cache line \
         between cores 0 and 1 measured where the cores stood: over the probes of the {} trials \
         probed the round trip's median was {}, its 90th percentile {}, against a near round \
         trip of {} (the probes' quarter — the cores as near as this run saw them for a good \
         part of it — or a start or end floor's median more than {FLOOR_BELOW:.0}× under it, \
         when the whole run sat far between near floors). ",
        if results
            .records
            .iter()
            .flat_map(|r| &r.repetitions)
            .any(|rep| rep.round_trip_after_ns.is_some())
        {
            " and after it"
        } else {
            ""
        },
        p.probed,
        human_ns(p.median_ns),
        human_ns(p.p90_ns),
        human_ns(p.near_ns)
    );
    if p.disturbed > 0 {
        let _ = write!(
            out,
            "{} probed only at over {DISTURBED:.0}× that, as long as another process's time \
             slice rather than a placement: {} as neither near nor far; the near reading keeps \
             {}, the far one does not. ",
            match p.disturbed {
                1 => "1 trial was".to_owned(),
                n => format!("{n} trials were"),
            },
            if p.disturbed == 1 {
                "it counts"
            } else {
                "they count"
            },
            if p.disturbed == 1 { "it" } else { "them" }
        );
    }
    out
}

/// The close of the paragraph when no trial ran far: the cores stayed put, or some trials
/// moved while they ran.
fn stayed_near_words(p: &Placement) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "No trial ran with it beyond {FAR}× that{}.\n",
        match p.moved {
            0 => ": the cores stayed put".to_owned(),
            1 => " throughout, though 1 moved between placements while it ran (its probes \
                  before and after disagree) and counts as neither near nor far"
                .to_owned(),
            n => format!(
                " throughout, though {n} moved between placements while they ran (their \
                 probes before and after disagree) and count as neither near nor far"
            ),
        }
    );
    out
}

/// How many trials ran far, pass by pass, and why the report reads one placement.
fn far_words(p: &Placement) -> String {
    let passes: Vec<String> = p
        .by_pass
        .iter()
        .map(|(pass, n, far)| format!("pass {} {:.0} %", pass + 1, 100.0 * *far as f64 / *n as f64))
        .collect();
    format!(
        "**{} of them ({:.0} %) ran with the cores far apart** — the round trip beyond {FAR}× \
         the near one, as when the hypervisor places the two virtual CPUs on distant parts of \
         the chip{}{}. Rows whose clients share data change speed there, each by its own factor (most \
         slow, some speed up), so a ratio between two rows depends on how much of the run was \
         far: the report's figures and claims read the trials of one placement (its first \
         paragraph says which), and `--placement` chooses it.",
        p.far,
        100.0 * p.far_share(),
        if p.by_pass.len() > 1 {
            format!(" ({})", passes.join(", "))
        } else {
            String::new()
        },
        crate::guide::moved_words(p)
    )
}

/// Throughput far against near, family by family, over the rows measured at least twice
/// each way; or that no row was.
fn far_against_near(results: &Results, p: &Placement) -> String {
    let slowdowns = measured_both_ways(results, p);
    if slowdowns.is_empty() {
        return " No row was measured often enough both ways (two trials each) to say by how \
                much.\n\n"
            .into();
    }
    let mut families: Vec<(&str, Vec<f64>)> = Vec::new();
    for (family, ratio) in &slowdowns {
        match families.iter_mut().find(|(f, _)| f == family) {
            Some((_, v)) => v.push(*ratio),
            None => families.push((family, vec![*ratio])),
        }
    }
    let named: Vec<String> = families
        .iter_mut()
        .map(|(family, ratios)| {
            ratios.sort_by(f64::total_cmp);
            match ratios.len() {
                1 => format!("one {family} row {:.2}×", ratios[0]),
                n => format!(
                    "{family} rows {:.2}× (median of {n} rows)",
                    statebench_harness::results::Spread::of(ratios).median
                ),
            }
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        " Throughput far against near, in the rows measured at least twice each way (each row's \
         geometric means; a row's own ratio is as noisy as its few trials): {}.\n",
        named.join(", ")
    );
    out
}

/// Per row measured at least twice near and twice far: its family and the geometric mean of
/// its far repetitions over that of its near ones.
fn measured_both_ways<'a>(results: &'a Results, p: &Placement) -> Vec<(&'a str, f64)> {
    let mut slowdowns = Vec::new();
    for r in &results.records {
        let (mut near, mut far) = (Vec::new(), Vec::new());
        for rep in r.repetitions.iter().filter(|rep| rep.ops_per_sec > 0.0) {
            match p.is_far(rep) {
                Some(true) => far.push(rep.ops_per_sec.ln()),
                Some(false) => near.push(rep.ops_per_sec.ln()),
                None => {}
            }
        }
        if near.len() >= 2 && far.len() >= 2 {
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            slowdowns.push((r.family.as_str(), (mean(&far) - mean(&near)).exp()));
        }
    }
    slowdowns
}

/// The section.
pub fn section(results: &Results) -> String {
    let m = &results.machine;
    let t = &m.topology;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({} cores; SMT siblings per CPU: {}; this process may run on CPUs {}{}), {}, kernel \
         {}; {}, {} build, commit `{}`; host `{}`.\n",
        m.cpu_model,
        m.cores,
        t.smt_siblings.join(" / "),
        t.allowed,
        if t.virtual_machine {
            "; a virtual machine"
        } else {
            ""
        },
        m.os,
        m.kernel,
        m.rustc,
        m.profile,
        m.commit,
        m.hostname
    );
    let end = results.floors_end.as_ref();
    let end_named = end.map(Floors::named);
    let rows: Vec<Vec<String>> = results
        .floors
        .named()
        .into_iter()
        .enumerate()
        .map(|(i, (name, start))| {
            vec![
                name.to_owned(),
                floor_cell(start),
                end_named
                    .as_ref()
                    .map_or("not measured".into(), |e| floor_cell(e[i].1)),
            ]
        })
        .collect();
    let _ = writeln!(
        out,
        "Each floor is the median of {} trials (their range in brackets), measured before the \
         first cell and again after the last.\n",
        results.floors.tokio_sleep_1ms_ns.trials.len()
    );
    out += &markdown_table(&["floor", "at the start", "at the end"], "lrr", &rows);
    out.push('\n');
    match end {
        Some(end) => match end.steadiness_since(&results.floors) {
            Steadiness::HeldStill => {
                let moved_between = Placement::of(results).is_some_and(|p| p.far > 0);
                let _ = writeln!(
                    out,
                    "Every floor's change between the start and the end lies within ±{:.0} % \
                     (its whole 99 % interval): {}\n",
                    100.0 * MOVED,
                    if moved_between {
                        "the machine was the same at both ends — but not between them, as the \
                         next paragraph shows."
                    } else {
                        "the machine held still through the run."
                    }
                );
            }
            Steadiness::Moved(moved) => {
                let _ = writeln!(
                    out,
                    "**This run was disturbed**: the machine changed under it. Floors that \
                     moved by more than {:.0} %:\n",
                    100.0 * MOVED
                );
                for m in moved {
                    let _ = writeln!(out, "- {m}");
                }
                out.push('\n');
            }
            Steadiness::CannotTell(unsettled) => {
                let _ = writeln!(
                    out,
                    "**Whether the machine held still cannot be told**: no floor is shown to \
                     have moved by more than {:.0} %, but these floors' 99 % intervals reach \
                     past ±{:.0} %, so their trials cannot show that they held still either:\n",
                    100.0 * MOVED,
                    100.0 * MOVED
                );
                for m in unsettled {
                    let _ = writeln!(out, "- {m}");
                }
                out.push('\n');
            }
        },
        None => out += "The floors were not measured at the end (the run stopped early).\n\n",
    }
    out += &anchors(results);
    out += &placement(results);
    out += "What the floors predict, checked against the cells:\n\n";
    out += &predictions(results);
    out
}
