//! `statebench advise`: the answer for one situation. The situation — a service, a number of
//! clients, a mix, blocking or async callers — is mapped to the run's nearest measured cell
//! (saying so where it is not the one asked for), and the card reads that cell as the report
//! does: the leader and the rows tied with it, the best of every other family with its ratio
//! and interval, latency and CPU per operation, the neighbouring cells where the answer
//! changes, and the caveats that apply. Analysis only: [`Advice`] is plain data, rendered by
//! [`Advice::card`] for the terminal and serialised for `--format json`.

use std::fmt::Write;

use serde::Serialize;
use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::placement::{self, View};
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::{FIRM, MIN_EFFECT, Verdict};
use statebench_harness::workload::Workload;

use crate::guide::{Analysis, times_in_hundred};
use crate::table::{by_headline, human_ns, human_rate};

/// The situation, as the user describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Ask {
    /// The service (`kv`, `counter`, `sessions`, `cache`); implied by `workload` if absent.
    pub service: Option<String>,
    /// A workload of the run, by name: its mix, keys and distribution exactly.
    pub workload: Option<String>,
    /// The share of operations that only read, in per cent (0–100).
    pub reads: Option<f64>,
    /// How many clients call the state at once.
    pub clients: usize,
    /// Blocking calls from OS threads, or async calls from tokio tasks.
    pub driver: Driver,
}

/// A situation the run cannot answer, or an ask that is not one: the message names the
/// problem and what would be accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AskError(pub String);

impl std::fmt::Display for AskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AskError {}

/// One strategy's figures in the cell.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The strategy.
    pub implementation: String,
    /// Its family: `owner`, `lock` or `concurrent`.
    pub family: String,
    /// Its headline throughput (the geometric mean over the run's passes), operations a second.
    pub ops_per_sec: f64,
    /// Median latency of an operation, nanoseconds (median over repetitions).
    pub p50_ns: f64,
    /// 99th percentile latency, nanoseconds (median over repetitions).
    pub p99_ns: f64,
    /// CPU time of the whole process per operation, nanoseconds.
    pub cpu_ns_per_op: f64,
}

/// A row set against the pick.
#[derive(Clone, Debug, Serialize)]
pub struct Against {
    /// The row.
    pub row: Row,
    /// Its throughput over the pick's, with the interval at the report's level (`None`: no
    /// test could be made).
    pub ratio: Option<(f64, f64, f64)>,
    /// `slower`, `the same` (within ±10 %), or `cannot tell`.
    pub verdict: String,
    /// The chance a fresh run of the same size would make this claim again; a claim under
    /// [`FIRM`] lies near its line. 0 when the run makes no claim.
    pub repeat: f64,
}

/// The answer for one situation.
#[derive(Clone, Debug, Serialize)]
pub struct Advice {
    /// What was asked, in words.
    pub asked: String,
    /// Where the answer comes from: the run's file, its machine and date.
    pub source: String,
    /// The cell answered from: workload, driver, clients.
    pub workload: String,
    /// The workload's mix, in words.
    pub mix: String,
    /// The share of reads in the cell's mix, per cent.
    pub reads_percent: f64,
    /// Driver of the cell.
    pub driver: Driver,
    /// Clients of the cell.
    pub clients: usize,
    /// How the situation asked for was mapped to the cell, where it is not the same.
    pub mapped: Vec<String>,
    /// The pick: the cell's fastest row that served the mix asked for.
    pub pick: Row,
    /// The rows not shown slower than the pick (the same within ±10 %, or cannot tell).
    pub tied: Vec<Against>,
    /// The best row of each family not among the pick and the rows tied with it, fastest
    /// first.
    pub next: Vec<Against>,
    /// Where a neighbouring cell answers differently: another client count, the other driver,
    /// another mix of the service.
    pub changes: Vec<String>,
    /// What the answer does not cover, and what to keep in mind reading it.
    pub caveats: Vec<String>,
    /// How the answer held in the other runs given ([`held`]), machine by machine: empty
    /// with none.
    pub held: Vec<String>,
}

/// The verdict of `r` against `pick` in words, as [`Against::verdict`] says it.
fn verdict_words(analysis: &Analysis<'_>, r: &Record, pick: &Record) -> String {
    against(analysis, r, pick).verdict
}

/// Whether `advice` holds in `others` — runs of the same matrix, from this machine or
/// another: per machine (its CPU model), in how many runs the pick leads or ties the same
/// cell, and in how many each row on the card gets the same verdict against it. A run
/// without the cell counts as not holding it.
pub fn held(advice: &mut Advice, this: &Results, others: &[&Results]) {
    if others.is_empty() {
        return;
    }
    let runs: Vec<Results> = std::iter::once(this)
        .chain(others.iter().copied())
        .map(|r| placement::view(r, View::Near))
        .collect();
    let mut machines: Vec<&str> = Vec::new();
    for r in &runs {
        if !machines.contains(&r.machine.cpu_model.as_str()) {
            machines.push(&r.machine.cpu_model);
        }
    }
    let rows: Vec<(String, String)> = advice
        .tied
        .iter()
        .chain(&advice.next)
        .map(|a| (a.row.implementation.clone(), a.verdict.clone()))
        .collect();
    let mut out = Vec::new();
    for machine in machines {
        let here: Vec<&Results> = runs
            .iter()
            .filter(|r| r.machine.cpu_model == machine)
            .collect();
        let mut leads = 0;
        let mut same: Vec<usize> = vec![0; rows.len()];
        for run in &here {
            let analysis = Analysis::new(run);
            let records = cell(run, &advice.workload, advice.driver, advice.clients);
            let lead = analysis.leaders(&records);
            let Some(pick) = records
                .iter()
                .find(|r| r.implementation == advice.pick.implementation)
            else {
                continue;
            };
            if lead
                .iter()
                .any(|l| l.implementation == advice.pick.implementation)
            {
                leads += 1;
            }
            for (k, (name, verdict)) in rows.iter().enumerate() {
                if let Some(r) = records.iter().find(|r| &r.implementation == name)
                    && verdict_words(&analysis, r, pick) == *verdict
                {
                    same[k] += 1;
                }
            }
        }
        let n = here.len();
        let mut line = format!(
            "on {machine} ({n} run{}): `{}` led or tied this cell in {leads} of {n}",
            if n == 1 { "" } else { "s" },
            advice.pick.implementation
        );
        let held: Vec<String> = rows
            .iter()
            .zip(&same)
            .map(|((name, verdict), k)| format!("`{name}` {verdict} in {k}"))
            .collect();
        if !held.is_empty() {
            let _ = write!(line, "; against it, {}", held.join(", "));
        }
        out.push(line);
    }
    advice.held = out;
}

/// The share of `record`'s asked mix that only reads (per cent).
fn reads_of(service: &str, asked: &std::collections::BTreeMap<String, f64>) -> f64 {
    let Some(info) = statebench_core::service(service) else {
        return f64::NAN;
    };
    100.0
        * asked
            .iter()
            .filter(|(kind, _)| info.kind(kind).is_some_and(|i| !info.kinds[i].writes))
            .map(|(_, share)| share)
            .sum::<f64>()
}

/// The read share of `workload` at its default clients (per cent).
fn workload_reads(w: &Workload) -> f64 {
    w.asked_shares(w.default_clients())
        .map_or(f64::NAN, |asked| reads_of(&w.service, &asked))
}

fn row(r: &Record) -> Row {
    Row {
        implementation: r.implementation.clone(),
        family: r.family.clone(),
        ops_per_sec: r.headline(),
        p50_ns: r.summary.p50_ns.median,
        p99_ns: r.summary.p99_ns.median,
        cpu_ns_per_op: r.summary.cpu_ns_per_op.median,
    }
}

fn against(analysis: &Analysis<'_>, r: &Record, pick: &Record) -> Against {
    let j = analysis.judge(r, pick);
    let verdict = match (r.serves_mix(), j.interval.map(|_| j.verdict())) {
        (false, _) => "did not serve the mix".to_owned(),
        (_, Some(Verdict::Slower)) => "slower".to_owned(),
        (_, Some(Verdict::Faster)) => "faster".to_owned(),
        (_, Some(Verdict::Same)) => "the same".to_owned(),
        _ => "cannot tell".to_owned(),
    };
    Against {
        row: row(r),
        ratio: j.interval.map(|i| (i.ratio, i.low, i.high)),
        verdict,
        repeat: if j.verdict() == Verdict::Unresolved {
            0.0
        } else {
            j.repeat
        },
    }
}

/// The number in `have` nearest `want` on a log scale (client counts), the smaller on a tie.
fn nearest_count(have: &[usize], want: usize) -> Option<usize> {
    let distance = |c: usize| ((c as f64).ln() - (want.max(1) as f64).ln()).abs();
    have.iter()
        .copied()
        .min_by(|a, b| distance(*a).total_cmp(&distance(*b)).then(a.cmp(b)))
}

/// The records of one cell, in the near view.
fn cell<'a>(run: &'a Results, workload: &str, driver: Driver, clients: usize) -> Vec<&'a Record> {
    run.records
        .iter()
        .filter(|r| r.workload == workload && r.driver == driver && r.clients == clients)
        .collect()
}

fn names(records: &[&Record]) -> String {
    let names: Vec<String> = records
        .iter()
        .map(|r| format!("`{}`", r.implementation))
        .collect();
    match names.len() {
        0 => "no row".into(),
        1 => names[0].clone(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// Answers `ask` from `run`.
///
/// # Errors
///
/// An ask the run cannot answer: an unknown service or workload, a workload of another
/// service, a share of reads outside 0–100, no client, the goroutines driver, or a run without
/// a cell of that service and driver.
pub fn advise(run: &Results, source: &str, ask: &Ask) -> Result<Advice, AskError> {
    if ask.clients == 0 {
        return Err(AskError("--clients must be at least 1".into()));
    }
    if let Some(reads) = ask.reads
        && !(0.0..=100.0).contains(&reads)
    {
        return Err(AskError(format!(
            "--reads {reads} is not a share: give a per cent from 0 to 100"
        )));
    }
    if ask.driver == Driver::Goroutines {
        return Err(AskError(
            "--driver goroutines: advise answers for Rust callers, `threads` or `tasks` (the Go \
             rows are in the report)"
                .into(),
        ));
    }
    let named = match &ask.workload {
        Some(name) => Some(
            run.settings
                .workloads
                .iter()
                .find(|w| &w.name == name)
                .ok_or_else(|| {
                    AskError(format!(
                        "--workload {name:?} is not in this run; its workloads are {}",
                        run.settings
                            .workloads
                            .iter()
                            .map(|w| w.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?,
        ),
        None => None,
    };
    let service = match (&ask.service, named) {
        (Some(s), Some(w)) if *s != w.service => {
            return Err(AskError(format!(
                "--workload {} drives the {} service, not {s}",
                w.name, w.service
            )));
        }
        (Some(s), _) => s.clone(),
        (None, Some(w)) => w.service.clone(),
        (None, None) => {
            return Err(AskError(
                "say which state: --service kv|counter|sessions|cache, or --workload NAME".into(),
            ));
        }
    };
    if statebench_core::service(&service).is_none() {
        return Err(AskError(format!(
            "--service {service:?} is not one of ours: {}",
            statebench_core::SERVICES
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let run = placement::view(run, View::Near);
    let measured = |w: &Workload| {
        run.records
            .iter()
            .any(|r| r.workload == w.name && r.driver == ask.driver)
    };
    let mut mapped = Vec::new();
    // The workload: the one named, or the nearest mix among the service's scaling ones.
    let workload: &Workload = match named {
        Some(w) => {
            if !measured(w) {
                return Err(AskError(format!(
                    "this run has no {} cell of {}",
                    ask.driver.name(),
                    w.name
                )));
            }
            w
        }
        None => {
            let candidates: Vec<&Workload> = run
                .settings
                .workloads
                .iter()
                .filter(|w| w.service == service && w.scales && measured(w))
                .collect();
            let Some(first) = candidates.first() else {
                return Err(AskError(format!(
                    "this run measured no {} cell of the {service} service",
                    ask.driver.name()
                )));
            };
            match ask.reads {
                None => {
                    if candidates.len() > 1 {
                        mapped.push(format!(
                            "no mix given (--reads or --workload): `{}`, {:.0} % reads",
                            first.name,
                            workload_reads(first)
                        ));
                    }
                    first
                }
                Some(want) => {
                    let best = candidates
                        .iter()
                        .min_by(|a, b| {
                            (workload_reads(a) - want)
                                .abs()
                                .total_cmp(&(workload_reads(b) - want).abs())
                        })
                        .copied()
                        .unwrap_or(first);
                    let have = workload_reads(best);
                    if (have - want).abs() >= 0.5 {
                        mapped.push(format!(
                            "{want:.0} % reads was not measured: the nearest mix is `{}`, {have:.0} % reads",
                            best.name
                        ));
                    }
                    best
                }
            }
        }
    };
    let mut counts: Vec<usize> = run
        .records
        .iter()
        .filter(|r| r.workload == workload.name && r.driver == ask.driver)
        .map(|r| r.clients)
        .collect();
    counts.sort_unstable();
    counts.dedup();
    let clients = nearest_count(&counts, ask.clients).expect("a measured workload has a cell");
    if clients != ask.clients {
        mapped.push(format!(
            "{} clients were not measured: the nearest count is {clients} (measured: {})",
            ask.clients,
            counts
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let analysis = Analysis::new(&run);
    let here = cell(&run, &workload.name, ask.driver, clients);
    let lead = analysis.leaders(&here);
    let top = lead[0];
    let tied: Vec<Against> = lead[1..]
        .iter()
        .map(|r| against(&analysis, r, top))
        .collect();
    let mut next: Vec<Against> = Vec::new();
    // A family among the leaders is answered there.
    let mut seen_families: Vec<&str> = lead.iter().map(|r| r.family.as_str()).collect();
    for r in by_headline(&here) {
        if lead.iter().any(|l| std::ptr::eq(*l, r)) || !r.serves_mix() {
            continue;
        }
        if seen_families.contains(&r.family.as_str()) {
            continue;
        }
        seen_families.push(&r.family);
        next.push(against(&analysis, r, top));
    }
    let changes = changes(
        &analysis, &run, workload, ask.driver, clients, top, &service,
    );
    let caveats = caveats(&run, &here, top, &tied, &next);
    let reads_percent = reads_of(&service, &top.asked);
    Ok(Advice {
        asked: format!(
            "the {service} service, {} client{} {}{}",
            ask.clients,
            if ask.clients == 1 { "" } else { "s" },
            match ask.driver {
                Driver::Tasks => "calling from tokio tasks",
                _ => "calling from OS threads",
            },
            match (&ask.workload, ask.reads) {
                (Some(w), _) => format!(", workload `{w}`"),
                (None, Some(r)) => format!(", {r:.0} % reads"),
                (None, None) => String::new(),
            }
        ),
        source: format!(
            "{source} — {} ({} cores), {}, commit {}",
            run.machine.cpu_model,
            run.machine.cores,
            run.created.get(..10).unwrap_or(&run.created),
            run.machine.commit
        ),
        workload: workload.name.clone(),
        mix: workload.about.clone(),
        reads_percent,
        driver: ask.driver,
        clients,
        mapped,
        pick: row(top),
        tied,
        next,
        changes,
        caveats,
        held: Vec::new(),
    })
}

/// Where a neighbouring cell answers differently from `top`: other client counts of the same
/// workload and driver, the other driver, the service's other mixes.
fn changes(
    analysis: &Analysis<'_>,
    run: &Results,
    workload: &Workload,
    driver: Driver,
    clients: usize,
    top: &Record,
    service: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut same = Vec::new();
    let mut neighbours: Vec<(String, Vec<&Record>)> = Vec::new();
    let mut counts: Vec<usize> = run
        .records
        .iter()
        .filter(|r| r.workload == workload.name && r.driver == driver && r.clients != clients)
        .map(|r| r.clients)
        .collect();
    counts.sort_unstable();
    counts.dedup();
    for c in counts {
        neighbours.push((
            format!("at {c} client{}", if c == 1 { "" } else { "s" }),
            cell(run, &workload.name, driver, c),
        ));
    }
    let other = match driver {
        Driver::Tasks => Driver::Threads,
        _ => Driver::Tasks,
    };
    neighbours.push((
        format!("from {}", other.name()),
        cell(run, &workload.name, other, clients),
    ));
    for w in run
        .settings
        .workloads
        .iter()
        .filter(|w| w.service == service && w.scales && w.name != workload.name)
    {
        neighbours.push((
            format!("with `{}` ({:.0} % reads)", w.name, workload_reads(w)),
            cell(run, &w.name, driver, clients),
        ));
    }
    for (label, records) in neighbours {
        if records.is_empty() {
            continue;
        }
        let lead = analysis.leaders(&records);
        if lead.iter().any(|l| l.implementation == top.implementation) {
            same.push(label);
            continue;
        }
        let mine = records
            .iter()
            .find(|r| r.implementation == top.implementation)
            .map(|r| {
                let j = analysis.judge(r, lead[0]);
                match j.interval {
                    _ if !r.serves_mix() => format!(
                        "; `{}` did not serve the mix asked for there",
                        top.implementation
                    ),
                    Some(i) => format!(
                        "; `{}` makes {:.2}× of its throughput (CI {:.2}–{:.2}×)",
                        top.implementation, i.ratio, i.low, i.high
                    ),
                    None => String::new(),
                }
            })
            .unwrap_or_else(|| format!("; `{}` was not measured there", top.implementation));
        out.push(format!(
            "{label}: {} lead{}{mine}",
            names(&lead),
            if lead.len() == 1 { "s" } else { "" }
        ));
    }
    if !same.is_empty() {
        out.push(format!(
            "`{}` leads or ties {} too",
            top.implementation,
            same.join(", ")
        ));
    }
    out
}

fn caveats(
    run: &Results,
    here: &[&Record],
    top: &Record,
    tied: &[Against],
    next: &[Against],
) -> Vec<String> {
    let mut out = vec![format!(
        "measured on {} core{} ({}); with more cores, contention and the cost of waking another \
         core change, and so may the order",
        run.machine.cores,
        if run.machine.cores == 1 { "" } else { "s" },
        run.machine.cpu_model
    )];
    out.push(
        "state in this process only: no lock is held across I/O or an `.await` here, and \
         state in another process (Redis) is not measured"
            .into(),
    );
    let starved: Vec<&&Record> = here.iter().filter(|r| !r.serves_mix()).collect();
    if !starved.is_empty() {
        out.push(format!(
            "not ranked, because they did not serve the mix asked for (an operation kind got \
             under half its share): {}",
            starved
                .iter()
                .map(|r| format!("`{}`", r.implementation))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // Tail latency the throughput ranking does not show: a tied row a tenfold apart at p99.
    let p99 = top.summary.p99_ns.median;
    for a in tied {
        let theirs = a.row.p99_ns;
        if p99 > 0.0 && theirs > 0.0 && (theirs / p99 >= 10.0 || p99 / theirs >= 10.0) {
            out.push(format!(
                "tied on throughput, not on the tail: `{}` has a p99 of {} against `{}`'s {} \
                 (medians over the repetitions, no interval)",
                a.row.implementation,
                human_ns(theirs),
                top.implementation,
                human_ns(p99)
            ));
        }
    }
    let near: Vec<&Against> = tied
        .iter()
        .chain(next)
        .filter(|a| a.repeat > 0.0 && a.repeat < FIRM)
        .collect();
    for a in near {
        out.push(format!(
            "`{}` against `{}` lies near its ±{:.0} % line: a fresh run would make that claim \
             again {}",
            a.row.implementation,
            top.implementation,
            100.0 * MIN_EFFECT,
            times_in_hundred(a.repeat)
        ));
    }
    if let Some(v) = &run.viewed
        && v.set_aside > 0
    {
        out.push(format!(
            "read, as the report reads a run, from the trials run with the machine's two cores \
             near each other: {} of {} trials ran far apart or moved, and were set aside",
            v.set_aside,
            v.kept + v.set_aside
        ));
    }
    out
}

fn ratio_words(a: &Against) -> String {
    match a.ratio {
        Some((r, lo, hi)) => format!("{r:.2}× (CI {lo:.2}–{hi:.2}×)"),
        None => "no interval".into(),
    }
}

fn figures(r: &Row) -> String {
    format!(
        "{} ops/s, p50 {}, p99 {}, CPU {}/op",
        human_rate(r.ops_per_sec),
        human_ns(r.p50_ns),
        human_ns(r.p99_ns),
        human_ns(r.cpu_ns_per_op)
    )
}

fn family_name(family: &str) -> &'static str {
    match Family::from_name(family) {
        Some(Family::Owner) => "owner",
        Some(Family::Lock) => "lock",
        Some(Family::Concurrent) => "concurrent structure",
        None => "strategy",
    }
}

impl Advice {
    /// The card, for the terminal.
    pub fn card(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "For {}:", self.asked);
        let _ = writeln!(
            out,
            "  use `{}` ({}) — {}",
            self.pick.implementation,
            family_name(&self.pick.family),
            figures(&self.pick)
        );
        for (rows, heading) in [
            (
                &self.tied,
                format!(
                    "  or one tied with it (none shown more than {:.0} % slower):",
                    100.0 * MIN_EFFECT
                ),
            ),
            (
                &self.next,
                "  the best of each other kind, against it:".to_owned(),
            ),
        ] {
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{heading}");
            for a in rows {
                let _ = writeln!(
                    out,
                    "    `{}` ({}): {}, {} — {}",
                    a.row.implementation,
                    family_name(&a.row.family),
                    a.verdict,
                    ratio_words(a),
                    figures(&a.row)
                );
            }
        }
        let _ = writeln!(
            out,
            "\nMeasured in the cell `{}` / {} / {} client{} ({}; {:.0} % reads).",
            self.workload,
            self.driver.name(),
            self.clients,
            if self.clients == 1 { "" } else { "s" },
            self.mix,
            self.reads_percent
        );
        for m in &self.mapped {
            let _ = writeln!(out, "  {m}");
        }
        if !self.changes.is_empty() {
            let _ = writeln!(out, "\nWhat would change the answer:");
            for c in &self.changes {
                let _ = writeln!(out, "  - {c}");
            }
        }
        if !self.held.is_empty() {
            let _ = writeln!(out, "\nHow sure — the same cell in every run given:");
            for h in &self.held {
                let _ = writeln!(out, "  - {h}");
            }
        }
        let _ = writeln!(out, "\nKeep in mind:");
        for c in &self.caveats {
            let _ = writeln!(out, "  - {c}");
        }
        let _ = writeln!(
            out,
            "\nRatios are throughput over the pick's, with intervals at the report's confidence; \
             `slower` and `the same` are claims (the whole interval beyond or within ±{:.0} %), \
             `cannot tell` is none (the interval reaches across that line). From {}.",
            100.0 * MIN_EFFECT,
            self.source
        );
        out
    }
}
