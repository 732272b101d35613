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
use statebench_harness::stats::{MIN_EFFECT, Verdict};
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
    /// The state must be shared with other processes: the pick is then the fastest row that
    /// keeps it in another process (`redis`), and the rows of the process are set beside it as
    /// what keeping it in the process would have made. Otherwise those rows are never picked.
    pub across_processes: bool,
}

impl Ask {
    /// The ask for one cell of a run: `workload` by name, at `clients`, from `driver`.
    pub fn cell(workload: &str, clients: usize, driver: Driver) -> Ask {
        Ask {
            service: None,
            workload: Some(workload.to_owned()),
            reads: None,
            clients,
            driver,
            across_processes: false,
        }
    }
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
    /// 99th percentile latency, nanoseconds: the figure its latency claims test, the geometric
    /// mean of its samples' p99 (each pass's geometric mean of its repetitions' p99), so that
    /// two rows' figures make the ratio a claim states.
    pub p99_ns: f64,
    /// CPU time of the whole process per operation, nanoseconds.
    pub cpu_ns_per_op: f64,
}

/// A ratio of throughputs with its interval at the report's confidence.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Ratio {
    /// The row's throughput over the pick's (geometric means).
    pub ratio: f64,
    /// The interval's lower end.
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
}

/// A row's p99 latency set against the pick's: the latency claim beside the throughput one.
#[derive(Clone, Debug, Serialize)]
pub struct Tail {
    /// The row's p99 over the pick's (geometric means of the samples; `None`: no test could be
    /// made).
    pub ratio: Option<Ratio>,
    /// What the run says of the row's p99 against the pick's: `higher` or `lower` (the whole
    /// interval beyond ±10 %), `the same` (within), `cannot tell`, or `did not serve the mix`.
    pub verdict: String,
    /// A claim whose chance of being made again is under 99 %: near its ±10 % line.
    pub near_line: bool,
}

/// The two families of claims a card reads a cell with: throughput and p99 latency, each
/// planned over the whole run and corrected among its own ([`Analysis::latency`]).
pub(crate) struct Judges<'a> {
    /// Throughput claims, as the report makes them.
    pub(crate) throughput: Analysis<'a>,
    /// p99 latency claims.
    pub(crate) latency: Analysis<'a>,
}

impl<'a> Judges<'a> {
    /// Both analyses of `run`.
    pub(crate) fn of(run: &'a Results) -> Judges<'a> {
        Judges {
            throughput: Analysis::new(run),
            latency: Analysis::latency(run),
        }
    }
}

/// A row set against the pick.
#[derive(Clone, Debug, Serialize)]
pub struct Against {
    /// The row.
    pub row: Row,
    /// Its throughput over the pick's (`None`: no test could be made).
    pub ratio: Option<Ratio>,
    /// What the run says of it: `slower` or `faster` (the whole interval beyond ±10 %), `the
    /// same` (within), `cannot tell whether more than 10 % slower` (the interval under 1 but
    /// reaching past 0.9), `cannot tell which is faster`, or `did not serve the mix`.
    pub verdict: String,
    /// The chance a fresh run of the same size would make the claim again; 0 when the run
    /// makes no claim.
    pub repeat_chance: f64,
    /// A claim whose chance of being made again is under 99 %: near its ±10 % line.
    pub near_line: bool,
    /// Its p99 latency against the pick's.
    pub p99: Tail,
}

/// The answer for one situation.
#[derive(Clone, Debug, Serialize)]
pub struct Advice {
    /// What was asked, in words.
    pub asked: String,
    /// The answer in one sentence: the pick, the rows the run cannot tell from it, and what the
    /// next best makes of its throughput.
    pub summary: String,
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
    /// Whether the state must be shared across processes: the pick then keeps it in another
    /// process, and [`Advice::next`] holds the rows of the process set beside it.
    pub across_processes: bool,
    /// How the situation asked for was mapped to the cell, where it is not the same.
    pub mapped: Vec<String>,
    /// The pick: the cell's fastest row that served the mix asked for.
    pub pick: Row,
    /// The rows not shown slower than the pick (the same within ±10 %, or cannot tell).
    pub tied: Vec<Against>,
    /// The best row of each family not among the pick and the rows tied with it, fastest
    /// first; across processes, the best row of each family that keeps the state in the
    /// process.
    pub next: Vec<Against>,
    /// Where a neighbouring cell answers differently: another client count, the other driver,
    /// another mix of the service.
    pub changes: Vec<String>,
    /// What the answer does not cover, and what to keep in mind reading it.
    pub caveats: Vec<String>,
    /// How the answer held in this run and the others given ([`held`]), machine by machine:
    /// empty with no other.
    pub held: Vec<String>,
}

/// Whether `advice` holds in `others` — runs of the same matrix, from this machine or
/// another: per machine (its CPU model), in how many runs the pick leads or ties the same
/// cell, and in how many each row on the card gets the same verdict against it. Runs that did
/// not measure the pick in that cell are counted apart, never as disagreeing.
pub fn held(advice: &mut Advice, this: &Results, others: &[&Results]) {
    held_each(std::slice::from_mut(advice), this, others);
}

/// [`held`] for each of `advices`, every run read and analysed once for them all.
pub fn held_each(advices: &mut [Advice], this: &Results, others: &[&Results]) {
    if others.is_empty() {
        return;
    }
    let runs: Vec<Results> = std::iter::once(this)
        .chain(others.iter().copied())
        .map(|r| placement::view(r, View::Near))
        .collect();
    let judges: Vec<Judges<'_>> = runs.iter().map(Judges::of).collect();
    for advice in advices {
        held_one(advice, this, &runs, &judges);
    }
}

/// [`held`] of one card, `runs` (this one first) each read by its `judges`.
fn held_one(advice: &mut Advice, this: &Results, runs: &[Results], judges: &[Judges<'_>]) {
    let mut machines: Vec<&str> = Vec::new();
    for r in runs {
        if !machines.contains(&r.machine.cpu_model.as_str()) {
            machines.push(&r.machine.cpu_model);
        }
    }
    let rows: Vec<(String, String, String)> = advice
        .tied
        .iter()
        .chain(&advice.next)
        .map(|a| {
            (
                a.row.implementation.clone(),
                a.verdict.clone(),
                a.p99.verdict.clone(),
            )
        })
        .collect();
    let mut out = Vec::new();
    for machine in machines {
        let here: Vec<(&Results, &Judges<'_>)> = runs
            .iter()
            .zip(judges)
            .filter(|(r, _)| r.machine.cpu_model == machine)
            .collect();
        let mut leads = 0;
        let mut measured = 0;
        let mut same: Vec<(usize, usize)> = vec![(0, 0); rows.len()];
        for &(run, judges) in &here {
            let analysis = &judges.throughput;
            let records = cell(run, &advice.workload, advice.driver, advice.clients);
            let Some(pick) = records
                .iter()
                .find(|r| r.implementation == advice.pick.implementation)
            else {
                continue;
            };
            measured += 1;
            let lead = analysis.leaders(&pickable(&records, advice.across_processes));
            if lead.first().is_none_or(|l| !l.serves_mix()) {
                continue;
            }
            if lead
                .iter()
                .any(|l| l.implementation == advice.pick.implementation)
            {
                leads += 1;
            }
            for (k, (name, verdict, p99)) in rows.iter().enumerate() {
                if let Some(r) = records.iter().find(|r| &r.implementation == name) {
                    let a = against(judges, r, pick);
                    same[k].0 += usize::from(a.verdict == *verdict);
                    same[k].1 += usize::from(a.p99.verdict == *p99);
                }
            }
        }
        let n = here.len();
        let runs_words = format!(
            "{n} run{}{}",
            if n == 1 { "" } else { "s" },
            if machine == this.machine.cpu_model {
                ", this one included"
            } else {
                ""
            }
        );
        if measured == 0 {
            out.push(format!(
                "on {machine} ({runs_words}): no run measured `{}` in this cell",
                advice.pick.implementation
            ));
            continue;
        }
        let mut line = format!(
            "on {machine} ({runs_words}): `{}` led or tied this cell in {leads} of {measured}",
            advice.pick.implementation
        );
        if measured < n {
            let _ = write!(line, " ({} did not measure it)", n - measured);
        }
        let held: Vec<String> = rows
            .iter()
            .zip(&same)
            .map(|((name, verdict, p99), (k, t))| {
                format!("`{name}` {verdict} in {k} (its p99 {p99} in {t})")
            })
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
pub(crate) fn workload_reads(w: &Workload) -> f64 {
    w.asked_shares(w.default_clients())
        .map_or(f64::NAN, |asked| reads_of(&w.service, &asked))
}

pub(crate) fn row(r: &Record) -> Row {
    Row {
        implementation: r.implementation.clone(),
        family: r.family.clone(),
        ops_per_sec: r.headline(),
        p50_ns: r.summary.p50_ns.median,
        p99_ns: r.p99_headline(),
        cpu_ns_per_op: r.summary.cpu_ns_per_op.median,
    }
}

fn against(judges: &Judges<'_>, r: &Record, pick: &Record) -> Against {
    let j = judges.throughput.judge(r, pick);
    let verdict = match (r.serves_mix(), j.interval.map(|_| j.verdict()), j.interval) {
        (false, _, _) => "did not serve the mix".to_owned(),
        (_, Some(Verdict::Slower), _) => "slower".to_owned(),
        (_, Some(Verdict::Faster), _) => "faster".to_owned(),
        (_, Some(Verdict::Same), _) => "the same".to_owned(),
        (_, _, Some(i)) if i.high < 1.0 => format!(
            "cannot tell whether more than {:.0} % slower",
            100.0 * MIN_EFFECT
        ),
        (_, _, Some(i)) if i.low > 1.0 => format!(
            "cannot tell whether more than {:.0} % faster",
            100.0 * MIN_EFFECT
        ),
        _ => "cannot tell which is faster".to_owned(),
    };
    Against {
        row: row(r),
        ratio: j.interval.map(|i| Ratio {
            ratio: i.ratio,
            low: i.low,
            high: i.high,
        }),
        verdict,
        repeat_chance: if j.verdict() == Verdict::Unresolved {
            0.0
        } else {
            j.repeat
        },
        near_line: j.near_line(),
        p99: tail(&judges.latency, r, pick),
    }
}

/// `r`'s p99 latency against `pick`'s, as the latency claims judge it.
fn tail(latency: &Analysis<'_>, r: &Record, pick: &Record) -> Tail {
    let j = latency.judge(r, pick);
    let verdict = match (r.serves_mix(), j.interval.map(|_| j.verdict())) {
        (false, _) => "did not serve the mix",
        (_, Some(Verdict::Faster)) => "higher",
        (_, Some(Verdict::Slower)) => "lower",
        (_, Some(Verdict::Same)) => "the same",
        _ => "cannot tell",
    };
    Tail {
        ratio: j.interval.map(|i| Ratio {
            ratio: i.ratio,
            low: i.low,
            high: i.high,
        }),
        verdict: verdict.to_owned(),
        near_line: j.near_line(),
    }
}

/// The number in `have` nearest `want` on a log scale (client counts: the ratio of the larger
/// to the smaller), the smaller on a tie — compared in integers, so that 4 between 2 and 8 is
/// a tie.
fn nearest_count(have: &[usize], want: usize) -> Option<usize> {
    let want = want.max(1) as u128;
    // c's distance as the fraction (larger, smaller).
    let distance = |c: usize| {
        let c = c.max(1) as u128;
        (c.max(want), c.min(want))
    };
    have.iter().copied().min_by(|a, b| {
        let ((an, ad), (bn, bd)) = (distance(*a), distance(*b));
        (an * bd).cmp(&(bn * ad)).then(a.cmp(b))
    })
}

/// The records of one cell, in the near view.
fn cell<'a>(run: &'a Results, workload: &str, driver: Driver, clients: usize) -> Vec<&'a Record> {
    run.records
        .iter()
        .filter(|r| r.workload == workload && r.driver == driver && r.clients == clients)
        .collect()
}

/// Whether `r` keeps the state in another process (a record that does not say its family is
/// one of the process).
fn out_of_process(r: &Record) -> bool {
    r.family() == Some(Family::OutOfProcess)
}

/// The rows of `records` a card may pick from: those that keep the state in another process
/// when it must be shared `across` processes, else those that keep it in this one.
fn pickable<'a>(records: &[&'a Record], across: bool) -> Vec<&'a Record> {
    records
        .iter()
        .copied()
        .filter(|r| out_of_process(r) == across)
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
    let run = placement::view(run, View::Near);
    answer(&run, &Judges::of(&run), source, ask)
}

/// [`advise`] for each of `asks` (a key and an ask), in `run`'s trials that `view` keeps, the
/// run analysed once for them all: what the report's page holds for every cell.
pub fn advise_each(
    run: &Results,
    view: View,
    source: &str,
    asks: &[(String, Ask)],
) -> Vec<(String, Result<Advice, AskError>)> {
    let run = placement::view(run, view);
    let judges = Judges::of(&run);
    asks.iter()
        .map(|(key, ask)| (key.clone(), answer(&run, &judges, source, ask)))
        .collect()
}

/// [`advise`] in `run`'s near view, read by `analysis`: made once for many asks.
fn answer(run: &Results, judges: &Judges<'_>, source: &str, ask: &Ask) -> Result<Advice, AskError> {
    let analysis = &judges.throughput;
    check(ask)?;
    let named = named_workload(run, ask)?;
    let service = service_of(ask, named)?;
    let mut mapped = Vec::new();
    let workload = workload_for(run, ask, named, &service, &mut mapped)?;
    let clients = clients_for(run, ask, workload, &mut mapped)?;
    let whole = cell(run, &workload.name, ask.driver, clients);
    let here = pickable(&whole, ask.across_processes);
    if here.is_empty() {
        return Err(no_pick(&workload.name, ask, Some(clients)));
    }
    let lead = analysis.leaders(&here);
    let top = lead[0];
    if !top.serves_mix() {
        return Err(AskError(format!(
            "in `{}` / {} / {clients} clients no row served the mix asked for (each starved an \
             operation kind), so this run ranks none there",
            workload.name,
            ask.driver.name()
        )));
    }
    let tied: Vec<Against> = lead[1..].iter().map(|r| against(judges, r, top)).collect();
    let mut next: Vec<Against> = Vec::new();
    // A family among the leaders is answered there.
    let mut seen_families: Vec<&str> = lead.iter().map(|r| r.family.as_str()).collect();
    // Across processes, what the rows of the process would have made stands beside the pick.
    let rest = if ask.across_processes {
        pickable(&whole, false)
    } else {
        here.clone()
    };
    for r in by_headline(&rest) {
        if lead.iter().any(|l| std::ptr::eq(*l, r)) || !r.serves_mix() {
            continue;
        }
        if seen_families.contains(&r.family.as_str()) {
            continue;
        }
        seen_families.push(&r.family);
        next.push(against(judges, r, top));
    }
    let changes = changes(
        analysis,
        run,
        Place {
            workload,
            driver: ask.driver,
            clients,
            across: ask.across_processes,
        },
        top,
        &service,
    );
    let caveats = caveats(run, &whole, ask.across_processes, top, &tied, &next);
    let reads_percent = reads_of(&service, &top.asked);
    let summary = summary(top, &tied, &next, ask.across_processes);
    Ok(Advice {
        asked: asked_words(ask, &service),
        summary,
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
        across_processes: ask.across_processes,
        mapped,
        pick: row(top),
        tied,
        next,
        changes,
        caveats,
        held: Vec::new(),
    })
}

/// Refuses an ask no run can answer: no client, a share of reads outside 0–100, Go's callers.
fn check(ask: &Ask) -> Result<(), AskError> {
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
    Ok(())
}

/// The workload `--workload` names, if it does (`None` when it names none).
fn named_workload<'r>(run: &'r Results, ask: &Ask) -> Result<Option<&'r Workload>, AskError> {
    let workload_name = ask.workload.as_ref().map(|w| w.trim().to_ascii_lowercase());
    Ok(match &workload_name {
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
    })
}

/// The service asked about: `--service`, or the named workload's (which must agree).
fn service_of(ask: &Ask, named: Option<&Workload>) -> Result<String, AskError> {
    // Names as written anywhere in the project are lower case; `KV` means `kv`.
    let asked_service = ask.service.as_ref().map(|s| s.trim().to_ascii_lowercase());
    let service = match (&asked_service, named) {
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
            "--service {service:?} is not a service statebench measures; the services are {}",
            statebench_core::SERVICES
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(service)
}

/// The workload answered from: the one named, or the service's scaling mix nearest the asked
/// share of reads (the first when none is asked), said in `mapped` when not the one asked for.
fn workload_for<'r>(
    run: &'r Results,
    ask: &Ask,
    named: Option<&'r Workload>,
    service: &str,
    mapped: &mut Vec<String>,
) -> Result<&'r Workload, AskError> {
    let measured = |w: &Workload| {
        run.records
            .iter()
            .any(|r| r.workload == w.name && r.driver == ask.driver)
    };
    // The workload: the one named, or the nearest mix among the service's scaling ones.
    Ok(match named {
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
                    "this run measured no {} cell of a {service} workload that scales with the \
                     clients; name one of its workloads with --workload",
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
    })
}

/// The measured client count nearest the asked one, said in `mapped` when not the one asked.
fn clients_for(
    run: &Results,
    ask: &Ask,
    workload: &Workload,
    mapped: &mut Vec<String>,
) -> Result<usize, AskError> {
    // Among the counts where a row the card may pick was measured.
    let mut counts: Vec<usize> = run
        .records
        .iter()
        .filter(|r| {
            r.workload == workload.name
                && r.driver == ask.driver
                && out_of_process(r) == ask.across_processes
        })
        .map(|r| r.clients)
        .collect();
    counts.sort_unstable();
    counts.dedup();
    let Some(clients) = nearest_count(&counts, ask.clients) else {
        return Err(no_pick(&workload.name, ask, None));
    };
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
    Ok(clients)
}

/// The refusal of an ask whose cell (`clients`: `None` for every count) has no row the card
/// may pick: none of another process across processes, none of this one otherwise.
fn no_pick(workload: &str, ask: &Ask, clients: Option<usize>) -> AskError {
    AskError(format!(
        "`{workload}` / {}{} has no row that keeps the state in {} process in this run{}",
        ask.driver.name(),
        clients.map_or(String::new(), |c| format!(" / {c} clients")),
        if ask.across_processes {
            "another"
        } else {
            "this"
        },
        if ask.across_processes {
            " (measure one beside the core set: `statebench advise --measure \
             --across-processes …` on this machine, or `statebench run --impl redis …`)"
        } else {
            ""
        }
    ))
}

/// What was asked, in words: "the kv service, 8 clients calling from OS threads, 95 % reads".
fn asked_words(ask: &Ask, service: &str) -> String {
    format!(
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
    )
}

/// The answer in one sentence.
fn summary(top: &Record, tied: &[Against], next: &[Against], across: bool) -> String {
    let mut out = format!(
        "Use `{}` ({})",
        top.implementation,
        family_name(&top.family)
    );
    if !tied.is_empty() {
        let names: Vec<String> = tied
            .iter()
            .map(|a| {
                format!(
                    "`{}` ({})",
                    a.row.implementation,
                    family_name(&a.row.family)
                )
            })
            .collect();
        let _ = write!(
            out,
            ", or {}: this run cannot tell {} from it by more than {:.0} %",
            names.join(", or "),
            if tied.len() == 1 { "that one" } else { "those" },
            100.0 * MIN_EFFECT
        );
    }
    match next.first() {
        Some(n) if across => {
            let _ = write!(
                out,
                " to share the state across processes. Kept in the process instead, the best \
                 row, `{}` ({}), makes {} of `{}`'s throughput.",
                n.row.implementation,
                family_name(&n.row.family),
                ratio_words(n),
                top.implementation
            );
        }
        None if across => out += " to share the state across processes.",
        Some(n) => {
            let _ = write!(
                out,
                "{} `{}` ({}), makes {} of its throughput.",
                if tied.is_empty() {
                    ". The next best,"
                } else {
                    ". The best of the rest,"
                },
                n.row.implementation,
                family_name(&n.row.family),
                ratio_words(n)
            );
        }
        None => out.push('.'),
    }
    out
}

/// The cell a card answers from, and whether its pick must keep the state in another process.
#[derive(Clone, Copy)]
struct Place<'a> {
    workload: &'a Workload,
    driver: Driver,
    clients: usize,
    across: bool,
}

/// Where a neighbouring cell answers differently from `top`: other client counts of the same
/// workload and driver, the other driver, the service's other mixes — among the rows it may
/// pick from ([`pickable`]).
fn changes(
    analysis: &Analysis<'_>,
    run: &Results,
    place: Place<'_>,
    top: &Record,
    service: &str,
) -> Vec<String> {
    let Place {
        workload,
        driver,
        clients,
        across,
    } = place;
    let cell =
        |workload: &str, driver: Driver, clients: usize| cell(run, workload, driver, clients);
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
            cell(&workload.name, driver, c),
        ));
    }
    let other = match driver {
        Driver::Tasks => Driver::Threads,
        _ => Driver::Tasks,
    };
    neighbours.push((
        format!("from {}", other.name()),
        cell(&workload.name, other, clients),
    ));
    for w in run
        .settings
        .workloads
        .iter()
        .filter(|w| w.service == service && w.scales && w.name != workload.name)
    {
        neighbours.push((
            format!("with `{}` ({:.0} % reads)", w.name, workload_reads(w)),
            cell(&w.name, driver, clients),
        ));
    }
    for (label, whole) in neighbours {
        let records = pickable(&whole, across);
        if records.is_empty() {
            if across && !whole.is_empty() {
                out.push(format!("{label}: no row of another process was measured"));
            }
            continue;
        }
        let lead = analysis.leaders(&records);
        if !lead[0].serves_mix() {
            out.push(format!("{label}: no row served the mix asked for"));
            continue;
        }
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
                        "; `{}` makes {}× of `{}`'s throughput (CI {}–{}×){}",
                        top.implementation,
                        figure(i.ratio),
                        lead[0].implementation,
                        figure(i.low),
                        figure(i.high),
                        if j.near_line() {
                            format!(
                                " — near its ±10 % line: a fresh run would make this claim \
                                 again {}",
                                times_in_hundred(j.repeat)
                            )
                        } else {
                            String::new()
                        }
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
            "the answer holds {}: `{}` is the pick there too, or tied with it",
            same.join(", "),
            top.implementation
        ));
    }
    out
}

fn caveats(
    run: &Results,
    here: &[&Record],
    across: bool,
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
    let elsewhere: Vec<&&Record> = here.iter().filter(|r| out_of_process(r)).collect();
    out.push(if across {
        "state in another process: a Redis server on this machine's loopback, one call a \
         round trip over a socket; across a network every call also pays the network's round \
         trip, which this run does not measure"
            .into()
    } else if elsewhere.is_empty() {
        "state in this process only: no lock is held across I/O or an `.await` here, and \
         state in another process (Redis) was not measured in this cell"
            .into()
    } else {
        format!(
            "state in this process only: no lock is held across I/O or an `.await` here; {} \
             (state in another process) {} measured and left out — ask with \
             --across-processes when the state must be shared with other processes",
            names(&elsewhere.into_iter().copied().collect::<Vec<_>>()),
            if here.iter().filter(|r| out_of_process(r)).count() == 1 {
                "was"
            } else {
                "were"
            }
        )
    });
    if let Some(end) = &run.floors_end
        && let statebench_harness::floors::Steadiness::Moved(moved) =
            end.steadiness_since(&run.floors)
    {
        out.push(format!(
            "the machine changed during this run — its report calls it disturbed: {}",
            moved.join("; ")
        ));
    }
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
    // Tail latency the throughput ranking does not show: a tied row whose p99 the run claims
    // differs from the pick's.
    for a in tied {
        if matches!(a.p99.verdict.as_str(), "higher" | "lower") {
            out.push(format!(
                "tied on throughput, not on the tail: `{}` has a p99 of {} against `{}`'s {}, \
                 {}",
                a.row.implementation,
                human_ns(a.row.p99_ns),
                top.implementation,
                human_ns(top.p99_headline()),
                tail_words(&a.p99, "the pick's")
            ));
        }
    }
    let near: Vec<&Against> = tied.iter().chain(next).filter(|a| a.near_line).collect();
    for a in near {
        out.push(format!(
            "`{}` against `{}` lies near its ±{:.0} % line: a fresh run would make that claim \
             again {}",
            a.row.implementation,
            top.implementation,
            100.0 * MIN_EFFECT,
            times_in_hundred(a.repeat_chance)
        ));
    }
    // Latencies that rest on few samples, for every row the card prints.
    let shown = std::iter::once(top.implementation.as_str()).chain(
        tied.iter()
            .chain(next)
            .map(|a| a.row.implementation.as_str()),
    );
    for name in shown {
        if let Some(r) = here.iter().find(|r| r.implementation == name) {
            let notes = crate::table::sample_notes(r);
            if !notes.is_empty() {
                out.push(format!(
                    "`{name}`'s p50 and p99 rest on few samples ({}): read them as rough",
                    notes.join("; ")
                ));
            }
        }
    }
    if let Some(v) = &run.viewed
        && v.set_aside > 0
    {
        out.push(format!(
            "{} of the run's {} trials {} set aside, as the report sets them aside: the \
             hypervisor had placed the VM's two cores far apart while they ran (or moved them), \
             and rows that share data run at another speed there",
            v.set_aside,
            v.kept + v.set_aside,
            if v.set_aside == 1 { "was" } else { "were" }
        ));
    }
    out
}

fn ratio_words(a: &Against) -> String {
    match a.ratio {
        Some(r) => format!(
            "{}× (CI {}–{}×)",
            figure(r.ratio),
            figure(r.low),
            figure(r.high)
        ),
        None => "no interval".into(),
    }
}

/// A ratio with two decimals, or two significant digits under 0.1 (`0.0064`), so that a
/// small one never reads as 0.
fn figure(x: f64) -> String {
    if !(x.is_finite() && x > 0.0) || x >= 0.1 {
        format!("{x:.2}")
    } else {
        let decimals = (1.0 - x.log10().floor()) as usize;
        format!("{x:.decimals$}")
    }
}

/// A row's p99 claim against `whose` p99 in words, the factor 1 or more: `78× (CI 27–226×)
/// higher than the pick's`, `5.30× (CI 2.10–13×) lower than the pick's ‡` (‡: a fresh run would
/// make the claim again with a chance under 99 %), `the same as the pick's`, or `cannot tell
/// (CI 0.40–2.50× the pick's)`.
fn tail_words(t: &Tail, whose: &str) -> String {
    let mark = if t.near_line { " ‡" } else { "" };
    let times = |x: f64, low: f64, high: f64| {
        let figure = |x: f64| if x >= 10.0 { factor(x) } else { figure(x) };
        format!("{}× (CI {}–{}×)", figure(x), figure(low), figure(high))
    };
    match (t.verdict.as_str(), t.ratio) {
        ("higher", Some(r)) => format!(
            "{} higher than {whose}{mark}",
            times(r.ratio, r.low, r.high)
        ),
        ("lower", Some(r)) => format!(
            "{} lower than {whose}{mark}",
            times(1.0 / r.ratio, 1.0 / r.high, 1.0 / r.low)
        ),
        ("the same", _) => format!("the same as {whose}{mark}"),
        (verdict, Some(r)) => format!(
            "{verdict} (CI {}–{}× {whose})",
            figure(r.low),
            figure(r.high)
        ),
        (verdict, None) => format!("{verdict}, no interval"),
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
    Family::from_name(family).map_or("strategy", Family::noun)
}

impl Advice {
    /// The card, for the terminal.
    pub fn card(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "For {}:", self.asked);
        let _ = writeln!(out, "  {}", self.summary);
        let _ = writeln!(
            out,
            "\nAnswered from the cell `{}` / {} / {} client{} ({}; {:.0} % reads).",
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
        let _ = writeln!(
            out,
            "\n  `{}` ({}) — {}",
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
                if self.across_processes {
                    "  kept in the process instead, the best of each family, against it:"
                } else {
                    "  the best of each other family, against it:"
                }
                .to_owned(),
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
                let _ = writeln!(out, "      its p99: {}", tail_words(&a.p99, "the pick's"));
            }
        }
        if !self.changes.is_empty() {
            let _ = writeln!(out, "\nWhere the answer changes, and where it holds:");
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
             `cannot tell` is none (the interval reaches across that line, or the report's \
             correction for many comparisons did not select it). A p99 is the geometric mean of \
             the samples the latency claims test (each pass's geometric mean of its repetitions' \
             p99; the report's workload tables give medians over repetitions); a p99 claim says \
             how many times higher or lower a row's is than the pick's, judged as throughput is \
             but among the run's latency claims, a family of their own. ‡: a claim a fresh run \
             would make again with a chance under 99 %. A cell is one workload, one kind of caller and one \
             client count; the mix, the shares of its operation kinds. From {}.",
            100.0 * MIN_EFFECT,
            self.source
        );
        out
    }
}

/// The client counts the answer table has a column for.
pub const TABLE_CLIENTS: [usize; 3] = [1, 8, 64];

/// The pick and, after `=`, up to three rows not shown slower than it ("= N more" for the
/// rest: the core set's four locks and map fit).
fn pick_names(advice: &Advice) -> String {
    let mut names = vec![format!("`{}`", advice.pick.implementation)];
    names.extend(
        advice
            .tied
            .iter()
            .take(3)
            .map(|t| format!("`{}`", t.row.implementation)),
    );
    let more = advice.tied.len().saturating_sub(3);
    let mut entry = names.join(" = ");
    if more > 0 {
        let _ = write!(entry, " = {more} more");
    }
    entry
}

/// The answer a report leads with: for each scaling mix of each service the run measured from
/// threads or tasks, a table of client count × kind of caller, each entry [`advise`]'s answer
/// for that cell — the pick and the rows not shown slower (after `=`), or else its throughput
/// over the best row of another family with the interval (‡ near its ±10 % line) — and the
/// pick's p99 latency. Reads `run`'s near trials, as the report does by default.
///
/// # Errors
///
/// A cell the run measured cannot be answered (no row served its mix there is not an error:
/// the entry says so).
pub fn answer_matrix(run: &Results) -> Result<String, AskError> {
    answer_matrix_of_view(&placement::view(run, View::Near))
}

/// [`answer_matrix`] of a run already read in the placement the caller chose.
pub(crate) fn answer_matrix_of_view(run: &Results) -> Result<String, AskError> {
    let judges = Judges::of(run);
    let drivers: Vec<Driver> = [Driver::Threads, Driver::Tasks]
        .into_iter()
        .filter(|d| run.records.iter().any(|r| r.driver == *d))
        .collect();
    let mut out = String::new();
    for w in run.settings.workloads.iter().filter(|w| w.scales) {
        let mut counts: Vec<usize> = run
            .records
            .iter()
            .filter(|r| r.workload == w.name && drivers.contains(&r.driver))
            .map(|r| r.clients)
            .collect();
        counts.sort_unstable();
        counts.dedup();
        if counts.is_empty() {
            continue;
        }
        let mut rows = Vec::new();
        for clients in counts {
            let mut row = vec![clients.to_string()];
            for &driver in &drivers {
                let measured = run
                    .records
                    .iter()
                    .any(|r| r.workload == w.name && r.driver == driver && r.clients == clients);
                if !measured {
                    row.push("·".to_owned());
                    continue;
                }
                let ask = Ask::cell(&w.name, clients, driver);
                row.push(match answer(run, &judges, "", &ask) {
                    Ok(a) if a.clients == clients => matrix_entry(&a),
                    Ok(_) => "·".to_owned(),
                    Err(e) if e.0.contains("no row served the mix") => {
                        "no row served the mix asked for".to_owned()
                    }
                    Err(e) => return Err(e),
                });
            }
            rows.push(row);
        }
        let _ = writeln!(
            out,
            "**`{}`** — the {} service, {:.0} % reads: {}.\n",
            w.name,
            w.service,
            workload_reads(w),
            w.about
        );
        let mut header = vec!["clients"];
        header.extend(drivers.iter().map(|d| crate::plots::driver_words(*d)));
        out += &crate::table::markdown_table(&header, &"l".repeat(header.len()), &rows);
        out += "\n";
    }
    Ok(out)
}

/// One entry of [`answer_matrix`]: the pick, with whom or over which other family's best by how
/// much, and the pick's p99 against that other family's row ([`p99_entry`]).
fn matrix_entry(advice: &Advice) -> String {
    let mut entry = pick_names(advice);
    if advice.tied.is_empty()
        && let Some(next) = advice.next.first()
        && let Some(r) = next.ratio
    {
        let _ = write!(
            entry,
            ", {}× (CI {}–{}×) the best other family's, `{}`{}",
            figure(1.0 / r.ratio),
            figure(1.0 / r.high),
            figure(1.0 / r.low),
            next.row.implementation,
            if next.near_line { " ‡" } else { "" }
        );
    }
    let _ = write!(entry, "; {}", p99_entry(advice));
    entry
}

/// The pick's p99, and the latency claim beside the throughput one: against the best row of
/// another family — the first tied with the pick, else the best of the rest — both p99s and how
/// many times lower or higher the pick's is, with the interval, where the run claims a
/// difference (`p99 190 ns against `mutex_parking_lot`'s 7.3 µs: 40× (CI 35–46×) lower`), `the
/// same` where it claims sameness and `cannot tell` where it claims nothing.
fn p99_entry(advice: &Advice) -> String {
    let mut out = format!("p99 {}", human_ns(advice.pick.p99_ns));
    let other = advice
        .tied
        .iter()
        .find(|a| a.row.family != advice.pick.family)
        .or_else(|| advice.next.first());
    let Some(other) = other else {
        return out;
    };
    let name = &other.row.implementation;
    let mark = if other.p99.near_line { " ‡" } else { "" };
    let _ = write!(out, " against `{name}`'s {}: ", human_ns(other.row.p99_ns));
    match (other.p99.verdict.as_str(), other.p99.ratio) {
        // The ratio is the other row's over the pick's: above 1, the pick's p99 is lower.
        ("higher", Some(r)) => {
            let _ = write!(
                out,
                "{}× (CI {}–{}×) lower{mark}",
                factor(r.ratio),
                factor(r.low),
                factor(r.high)
            );
        }
        ("lower", Some(r)) => {
            let _ = write!(
                out,
                "{}× (CI {}–{}×) higher{mark}",
                factor(1.0 / r.ratio),
                factor(1.0 / r.high),
                factor(1.0 / r.low)
            );
        }
        ("the same", _) => {
            let _ = write!(out, "the same{mark}");
        }
        (verdict, _) => out += verdict,
    }
    out
}

/// A factor of 1 or more as the latency claims print it: two decimals under 10, whole above
/// (`1.37`, `33`, `1190`).
fn factor(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.0}")
    }
}

/// The answer table, as the README leads with it: for each mix of each service (its workloads
/// that scale with the clients), the pick at [`TABLE_CLIENTS`] from `driver` — with the rows
/// tied with it after `=` — and what the best owner makes of the pick's throughput at 8
/// clients. Every entry is [`advise`]'s answer for that cell; `·` where the run has none.
///
/// # Errors
///
/// `driver` is the goroutines one, or the run has no cell of a service it names.
pub fn answer_table(run: &Results, driver: Driver) -> Result<String, AskError> {
    let run = &placement::view(run, View::Near);
    let judges = Judges::of(run);
    let mut rows = Vec::new();
    for w in run.settings.workloads.iter().filter(|w| w.scales) {
        let skew = match w.distribution {
            statebench_harness::workload::KeyDistribution::Uniform => "",
            statebench_harness::workload::KeyDistribution::Zipf { .. } => ", hot keys",
        };
        let mut row = vec![format!(
            "{}, {:.0} % reads{skew} (`{}`)",
            w.service,
            workload_reads(w),
            w.name
        )];
        let mut owner = "·".to_owned();
        for clients in TABLE_CLIENTS {
            let ask = Ask::cell(&w.name, clients, driver);
            let advice = match answer(run, &judges, "", &ask) {
                Ok(a) if a.clients == clients => a,
                Ok(_) => {
                    row.push("·".into());
                    continue;
                }
                Err(e) => return Err(e),
            };
            row.push(pick_names(&advice));
            if clients == 8 {
                let best_owner = std::iter::once(&advice.pick)
                    .filter(|p| Family::from_name(&p.family) == Some(Family::Owner))
                    .map(|p| format!("leads (`{}`)", p.implementation))
                    .next()
                    .or_else(|| {
                        advice
                            .tied
                            .iter()
                            .chain(&advice.next)
                            .find(|a| Family::from_name(&a.row.family) == Some(Family::Owner))
                            .map(|a| format!("{} (`{}`)", ratio_words(a), a.row.implementation))
                    });
                if let Some(text) = best_owner {
                    owner = text;
                }
            }
        }
        row.push(owner);
        rows.push(row);
    }
    Ok(crate::table::markdown_table(
        &[
            "state and mix",
            "1 client",
            "8 clients",
            "64 clients",
            "the best owner at 8 clients",
        ],
        "lllll",
        &rows,
    ))
}
