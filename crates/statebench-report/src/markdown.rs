//! `REPORT.md` — the answer per mix, client count and caller, a summary table, the decision
//! guide, the sections that judge, the machine and its floors — and `DETAILS.md` beside it, one
//! section per workload and the methodology: every figure taken from the results document,
//! nothing from the clock or the machine that renders it.

use std::collections::BTreeSet;
use std::fmt::Write;

use statebench_harness::placement::{self, View};
use statebench_harness::results::{Record, Results, RunSettings};
use statebench_harness::stats::Verdict;
use statebench_harness::{Driver, Workload};

use crate::guide::{Analysis, summary_cell};
use crate::table::{human_ns, human_rate};

pub use crate::table::markdown_table;

/// A share of the fastest, with enough digits that a slow one does not read as zero.
pub fn share(x: f64) -> String {
    if x >= 0.095 {
        format!("{x:.2}")
    } else if x >= 0.0095 {
        format!("{x:.3}")
    } else {
        format!("{x:.4}")
    }
}

/// The client count the summary compares at: 8 if the workload ran at 8, else its largest.
fn summary_clients(records: &[&Record]) -> Option<usize> {
    let counts: BTreeSet<usize> = records.iter().map(|r| r.clients).collect();
    counts
        .contains(&8)
        .then_some(8)
        .or_else(|| counts.last().copied())
}

/// Records of one workload, in document order.
fn of_workload<'a>(results: &'a Results, workload: &str) -> Vec<&'a Record> {
    results
        .records
        .iter()
        .filter(|r| r.workload == workload)
        .collect()
}

/// Implementations in the order they first appear in the document (the registry's order).
fn implementations(records: &[&Record]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in records {
        if !names.contains(&r.implementation) {
            names.push(r.implementation.clone());
        }
    }
    names
}

/// The summary: for every workload and driver, each implementation's throughput as a share of
/// the fastest one's, at one client count. The leaders column names the fastest and every
/// implementation the statistics cannot tell from it (see [`crate::guide`]).
pub fn summary(results: &Results) -> String {
    let analysis = Analysis::new(results);
    let all: Vec<&Record> = results.records.iter().collect();
    let names = implementations(&all);
    let mut header = vec!["workload", "driver", "clients", "leaders", "ops/s"];
    header.extend(names.iter().map(String::as_str));
    let mut rows = Vec::new();
    let (mut marked, mut near_line) = (false, false);
    for w in &results.settings.workloads {
        for driver in [Driver::Threads, Driver::Tasks, Driver::Goroutines] {
            let cells = analysis.cells(w, driver);
            let Some(cell) = summary_cell(&cells) else {
                continue;
            };
            let leaders = analysis.leaders(cell);
            let Some(best) = leaders.first() else {
                continue;
            };
            let top = best.headline();
            let named: Vec<String> = leaders
                .iter()
                .map(|r| format!("**{}**", r.implementation))
                .collect();
            let mut row = vec![
                w.name.clone(),
                driver.name().to_owned(),
                best.clients.to_string(),
                named.join(" = "),
                human_rate(top),
            ];
            for name in &names {
                row.push(match cell.iter().find(|r| &r.implementation == name) {
                    Some(r) if top > 0.0 && !r.serves_mix() => {
                        marked = true;
                        format!("{}†", share(r.headline() / top))
                    }
                    Some(r) if top > 0.0 => {
                        // "It trails the leader", claimed but near its line.
                        let c = if r.implementation == best.implementation
                            || !analysis.planned(best, r)
                        {
                            None
                        } else {
                            Some(analysis.compare(best, r))
                        };
                        if c.is_some_and(|c| !c.starved && c.verdict == Verdict::Faster && !c.firm)
                        {
                            near_line = true;
                            format!("{}‡", share(r.headline() / top))
                        } else {
                            share(r.headline() / top)
                        }
                    }
                    _ => "·".into(),
                });
            }
            rows.push(row);
        }
    }
    let align = format!("llll{}", "r".repeat(header.len() - 4));
    let mut out = markdown_table(&header, &align, &rows);
    if marked {
        out += "\n† did not serve the mix asked for (an operation kind took under half its \
                share, or the run's passes disagreed on whether it did): the share is of the rate at which it served the asked mix, and the row \
                neither leads nor ties; the decision guide's last section names the kind and \
                the raw rate.\n";
    }
    if near_line {
        let _ = writeln!(
            out,
            "\n‡ trails the leader by a claim near its ±{:.0} % line — so the leader's lead over \
             it is near the line too: a fresh run of the same size would make the claim again \
             with a chance under {:.0} % (not *firm*; the decision guide's first paragraph \
             counts such claims).",
            100.0 * statebench_harness::stats::MIN_EFFECT,
            100.0 * statebench_harness::stats::FIRM
        );
    }
    out
}

/// One workload's part of the details: its heading, its plots (each added to `files`) and a
/// table of every row per client count — the open loop's columns for an open-loop workload.
fn workload_section(
    results: &Results,
    w: &Workload,
    files: &mut Vec<(String, String)>,
) -> Result<String, String> {
    let records = of_workload(results, &w.name);
    let mut out = format!("### `{}`\n\n{}.\n\n", w.name, w.about);
    out += &workload_plots(results, w, &records, files)?;
    if w.open_loop() {
        out += &open_loop_tables(&records);
    } else {
        out += &closed_loop_tables(&records);
    }
    Ok(out)
}

/// The links to a workload's throughput plot and its latency plot at the summary's client
/// count, each plot drawn into `files`.
fn workload_plots(
    results: &Results,
    w: &Workload,
    records: &[&Record],
    files: &mut Vec<(String, String)>,
) -> Result<String, String> {
    let mut out = String::new();
    if let Some(svg) = crate::plots::throughput(results, &w.name)? {
        let name = format!("throughput-{}.svg", w.name);
        let _ = writeln!(out, "![{} throughput against clients]({name})\n", w.name);
        files.push((name, svg));
    }
    if let Some(clients) = summary_clients(records)
        && let Some(svg) = crate::plots::latency(results, &w.name, clients)?
    {
        let name = format!("latency-{}.svg", w.name);
        let _ = writeln!(
            out,
            "![{} latency percentiles at {}]({name})\n",
            w.name,
            crate::table::clients_words(clients)
        );
        files.push((name, svg));
    }
    Ok(out)
}

/// `records` per client count, smallest first, each count's rows in document order.
fn by_clients<'a>(records: &[&'a Record]) -> Vec<(usize, Vec<&'a Record>)> {
    let counts: BTreeSet<usize> = records.iter().map(|r| r.clients).collect();
    counts
        .into_iter()
        .map(|clients| {
            let of_clients = records
                .iter()
                .copied()
                .filter(|r| r.clients == clients)
                .collect();
            (clients, of_clients)
        })
        .collect()
}

/// An open-loop workload's table per client count, in columns of its own: throughput is what
/// was offered, the question is whether it kept up.
fn open_loop_tables(records: &[&Record]) -> String {
    let mut out = String::new();
    for (clients, of_clients) in by_clients(records) {
        let _ = writeln!(
            out,
            "{clients} client{}, open loop (latency from the scheduled send; service time \
             from the actual send; lag: how late the send went out):\n",
            if clients == 1 { "" } else { "s" }
        );
        out += &markdown_table(
            &crate::knee::TERMINAL_HEADER,
            "llrrlrrrrrrl",
            &crate::knee::terminal_rows(&of_clients),
        );
        out.push('\n');
    }
    out
}

/// A closed-loop workload's table per client count, fastest row first, with the hit rate and
/// live size where the service has them: the work behind the throughput.
fn closed_loop_tables(records: &[&Record]) -> String {
    let has_state = records
        .iter()
        .any(|r| r.repetitions.iter().any(|rep| rep.hit_rate.is_some()));
    let mut header = vec![
        "implementation",
        "driver",
        "ops/s",
        "range",
        "p50",
        "p99",
        "p99.9",
        "CPU/op",
        "of fastest",
        "note",
    ];
    let mut align = String::from("llrrrrrrrl");
    if has_state {
        header.splice(2..2, ["hit rate", "live"]);
        align.insert_str(2, "rr");
    }
    let mut out = String::new();
    for (clients, of_clients) in by_clients(records) {
        let rows = crate::table::by_headline(&of_clients);
        let top = rows.first().map_or(0.0, |r| r.headline());
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| closed_loop_row(r, top, has_state))
            .collect();
        let _ = writeln!(
            out,
            "{clients} client{}:\n",
            if clients == 1 { "" } else { "s" }
        );
        out += &markdown_table(&header, &align, &body);
        out.push('\n');
    }
    out
}

/// One row of a closed-loop table: its throughput and range, latency percentiles, CPU per
/// operation, share of the fastest (`top`) and notes; with `has_state`, its hit rate and live
/// size after the driver.
fn closed_loop_row(r: &Record, top: f64, has_state: bool) -> Vec<String> {
    let s = &r.summary;
    // The headline rate: the raw one unless the row did not serve the mix (its note then
    // gives the raw one).
    let rate = statebench_harness::results::Spread::of(&r.headline_rates());
    let mut row = vec![
        format!("`{}`", r.implementation),
        r.driver.name().to_owned(),
        human_rate(r.headline()),
        format!("{} – {}", human_rate(rate.min), human_rate(rate.max)),
        human_ns(s.p50_ns.median),
        human_ns(s.p99_ns.median),
        human_ns(s.p999_ns.median),
        human_ns(s.cpu_ns_per_op.median),
        if top > 0.0 {
            share(r.headline() / top)
        } else {
            "·".into()
        },
        crate::table::notes(r),
    ];
    if has_state {
        let median = |f: &dyn Fn(&statebench_harness::Repetition) -> Option<f64>| {
            let xs: Vec<f64> = r.repetitions.iter().filter_map(f).collect();
            (!xs.is_empty()).then(|| statebench_harness::results::Spread::of(&xs).median)
        };
        let extra = [
            median(&|rep| rep.hit_rate).map_or("·".into(), |h| format!("{:.1} %", 100.0 * h)),
            median(&|rep| rep.live_size.map(|n| n as f64))
                .map_or("·".into(), |n| format!("{n:.0}")),
        ];
        row.splice(2..2, extra);
    }
    row
}

/// The methodology: how the run measured, how its figures are compared and sampled, every
/// workload, the timer's cap and the strategies measured.
fn methodology(results: &Results) -> String {
    let s = &results.settings;
    let mut out = measuring_words(results);
    if let Some(scatter) = Scatter::of(results) {
        out += &scatter.render();
    }
    out += &sampling_words(results);
    out += &latency_claims_words(results);
    if s.workloads.iter().any(Workload::open_loop) {
        out += "\nOpen-loop workloads (`_rate_`) time every operation three ways: from its \
                scheduled send (the latency in their tables and plots), from its actual send \
                (the service time) and the gap between the two (the send lag); their windows \
                count the operations completed in them, which is the achieved rate.\n";
    }
    out += "\n";
    out += &workloads_table(s);
    out.push('\n');
    out += &crate::machine::timer_cap(results);
    out += &strategies_tables(results);
    out
}

/// How every cell was measured (the command, repetitions, passes, warm-up, window and seed),
/// the strategies' settings, and the test every comparison makes.
fn measuring_words(results: &Results) -> String {
    let s = &results.settings;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Command: `{}`. Every cell ran {} repetition{}{} of a fresh service: {} ms of warm-up, \
         then the measured window ({}{}). Clients cycle through operations generated beforehand \
         from seed {} and check every reply.",
        s.command.join(" "),
        s.repeat,
        if s.repeat == 1 { "" } else { "s" },
        if s.passes > 1 {
            format!(
                " in each of {} passes (each pass a fresh process, its seed drawn from this one)",
                s.passes
            )
        } else {
            String::new()
        },
        s.warmup_ms,
        s.duration_ms.map_or(
            "each workload's own duration, below".to_owned(),
            |d| format!("{d} ms")
        ),
        s.cover_ms.map_or(String::new(), |c| format!(
            "; a closed loop's stays open past it until every client has made an operation in \
             it, at most {c} ms after it opened, and the clients still absent are recorded"
        )),
        s.seed
    );
    let _ = writeln!(out, "\nStrategy settings: {}.", s.tuning.describe());
    // The priors of the rows the report compares: the closed loops.
    let moderated = crate::guide::variance_words(&crate::guide::closed_loop(results));
    let _ = writeln!(
        out,
        "\nEvery comparison is Welch's t on log throughput {}{moderated}.",
        crate::guide::samples_words(results)
    );
    out
}

/// How far single repetitions of a cell scatter: (max − min) / median of ops/s, over the cells
/// repeated.
struct Scatter {
    /// The median cell's.
    median: f64,
    /// The worst cell's.
    worst: f64,
    /// Cells repeated, with a throughput above zero.
    cells: usize,
}

impl Scatter {
    /// The scatter of `results`' repeated cells; `None` without one.
    fn of(results: &Results) -> Option<Scatter> {
        let mut spreads: Vec<f64> = results
            .records
            .iter()
            .filter(|r| r.repetitions.len() > 1 && r.summary.ops_per_sec.median > 0.0)
            .map(|r| {
                (r.summary.ops_per_sec.max - r.summary.ops_per_sec.min)
                    / r.summary.ops_per_sec.median
            })
            .collect();
        spreads.sort_by(f64::total_cmp);
        Some(Scatter {
            median: *spreads.get(spreads.len() / 2)?,
            worst: *spreads.last()?,
            cells: spreads.len(),
        })
    }

    /// The paragraph: the scatter, and why it is not a comparison's resolution.
    fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nSpread between repetitions (max − min over median of ops/s): median {:.0} %, worst {:.0} % \
             over {} cells. That is how far single repetitions scatter on this machine, not the \
             resolution of a comparison: each comparison tests the passes' geometric means with \
             the interval it prints, and claims a difference only beyond ±10 %.",
            100.0 * self.median,
            100.0 * self.worst,
            self.cells
        );
        out
    }
}

/// How latency was sampled, and what timing cost: the median and largest share of a
/// repetition's CPU time it took.
fn sampling_words(results: &Results) -> String {
    let mut shares: Vec<f64> = results
        .records
        .iter()
        .flat_map(|r| r.repetitions.iter().map(|rep| rep.timing_share))
        .collect();
    shares.sort_by(f64::total_cmp);
    let mut out = String::new();
    if let (Some(median), Some(max)) = (shares.get(shares.len() / 2), shares.last()) {
        let _ = writeln!(
            out,
            "\nLatency is sampled: every implementation of a cell times the same share of its \
             operations ({}), at positions that shift every lap so that each operation kind is \
             timed in proportion. Timing took a median {:.2} % of a repetition's CPU time, at \
             most {:.2} %; a cell with fewer than {} samples a repetition says so in its note.",
            match results.settings.sample_every {
                Some(n) => format!("one in {n}, as asked"),
                None => "one in 256 in the first round, then the interval that keeps timing \
                         under 1 % of the CPU time of the cell's cheapest implementation"
                    .to_owned(),
            },
            100.0 * median,
            100.0 * max,
            crate::table::FEW_SAMPLES
        );
    }
    out
}

/// How the answer's latency claims are made, and how the run's came out.
fn latency_claims_words(results: &Results) -> String {
    let latency = crate::guide::Analysis::latency(results);
    let (m, _, level) = latency.size();
    if m == 0 {
        return String::new();
    }
    let o = latency.outcomes();
    format!(
        "\nThe answer's latency claims set the p99 of two rows of a cell against each other: \
         Welch's t on the logs of each sample's p99 over every kind of operation (a pass's \
         geometric mean of its repetitions' p99, as for the rates), each row's variance \
         moderated towards its workload's, planned over every pair of rows within a cell and \
         Go's rows against their counterparts — {m} comparisons — and corrected among \
         themselves as a second family, so that adding them takes no claim from the \
         throughput; intervals at {:.3} % confidence. {} claim a difference beyond ±{:.0} % \
         and {} sameness, {} of these {} claims near their line; {} cannot tell and {} rest on \
         a row that did not serve the mix. A p99 is of every timed operation of the sample, \
         each timed from the call to its reply in the closed loop: the wait for the lock or the \
         shard, or for an owner the send, the wait in its mailbox and the reply.\n",
        100.0 * level,
        o.differ,
        100.0 * statebench_harness::stats::MIN_EFFECT,
        o.same,
        o.near_line,
        o.differ + o.same,
        o.cannot_tell + o.no_data,
        o.starved
    )
}

/// Every workload of the run: its service, its clients and mix, keys, pacing and window.
fn workloads_table(s: &RunSettings) -> String {
    let rows: Vec<Vec<String>> = s
        .workloads
        .iter()
        .map(|w| {
            vec![
                format!("`{}`", w.name),
                w.service.clone(),
                mix_words(w),
                keys_words(w),
                if w.open_loop() {
                    format!(
                        "open loop, {}/s",
                        statebench_harness::workload::rate_label(w.rate_per_s)
                    )
                } else if w.think_us == 0 {
                    "none".into()
                } else {
                    human_ns(w.think_us as f64 * 1e3)
                },
                format!("{} ms", s.duration_ms.unwrap_or(w.duration_ms)),
            ]
        })
        .collect();
    markdown_table(
        &[
            "workload",
            "service",
            "clients and mix",
            "keys",
            "pacing",
            "window",
        ],
        "lllllr",
        &rows,
    )
}

/// A workload's keys and how calls fall on them: `10000 keys, uniform`; `one value` for a
/// service none of whose operations names a key (the counter).
fn keys_words(w: &Workload) -> String {
    let keyed =
        statebench_core::service(&w.service).is_none_or(|info| info.kinds.iter().any(|k| k.keyed));
    if !keyed {
        return "one value".to_owned();
    }
    format!(
        "{} keys, {}",
        w.keys,
        match w.distribution {
            statebench_harness::workload::KeyDistribution::Uniform => "uniform".to_owned(),
            statebench_harness::workload::KeyDistribution::Zipf { theta } => {
                format!("zipf θ = {theta}")
            }
        }
    )
}

/// A workload's clients and the mix each group of them asks for.
fn mix_words(w: &Workload) -> String {
    let mixes: Vec<String> = w
        .groups
        .iter()
        .map(|g| {
            let mix: Vec<String> = g
                .mix
                .iter()
                .map(|m| format!("{} {} %", m.op, m.percent))
                .collect();
            if w.groups.len() == 1 {
                format!("every client: {}", mix.join(", "))
            } else {
                let total: usize = w.groups.iter().map(|g| g.share).sum();
                format!("{} ({} of {total}): {}", g.role, g.share, mix.join(", "))
            }
        })
        .collect();
    mixes.join("; ")
}

/// The strategies measured, as each declares itself, and where each one's work runs under
/// each driver.
fn strategies_tables(results: &Results) -> String {
    let mut strategies: Vec<Vec<String>> = Vec::new();
    for r in &results.records {
        if !strategies
            .iter()
            .any(|row| row[0] == format!("`{}`", r.implementation))
        {
            strategies.push(vec![
                format!("`{}`", r.implementation),
                r.family.clone(),
                r.about.clone(),
            ]);
        }
    }
    let mut out = String::from("\nThe strategies, as each declares itself:\n\n");
    out += &markdown_table(
        &["implementation", "family", "what it is"],
        "lll",
        &strategies,
    );
    let mut placed: Vec<Vec<String>> = Vec::new();
    for r in &results.records {
        let row = vec![
            format!("`{}`", r.implementation),
            r.driver.name().to_owned(),
            r.placement.clone(),
        ];
        if !placed.contains(&row) {
            placed.push(row);
        }
    }
    out += "\nWhere each strategy's work runs, under each driver:\n\n";
    out += &markdown_table(
        &["implementation", "driver", "where it runs"],
        "lll",
        &placed,
    );
    out
}

/// The file the per-workload tables, their plots and the methodology go to, beside
/// `REPORT.md`.
pub const DETAILS: &str = "DETAILS.md";

/// A rendered report: `REPORT.md`, its details (`DETAILS.md`) and the SVG files they embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The report: the answer, the summary, the decision guide and the sections that judge.
    pub markdown: String,
    /// [`DETAILS`]: every workload's tables and plots, and the methodology.
    pub details: String,
    /// The plots: file name and SVG text.
    pub files: Vec<(String, String)>,
    /// The page ([`crate::page::PAGE`]): the run to explore in a browser, with the report.
    pub page: String,
}

/// The whole report (`REPORT.md` only; see [`render`] for its details and plots too).
pub fn report(results: &Results) -> String {
    render(results).map_or_else(
        |e| format!("# statebench report\n\nrendering failed: {e}\n"),
        |r| r.markdown,
    )
}

/// The report's details ([`DETAILS`]): every workload's tables and the methodology.
pub fn details(results: &Results) -> String {
    render(results).map_or_else(
        |e| format!("# statebench report: the details\n\nrendering failed: {e}\n"),
        |r| r.details,
    )
}

/// The whole report and its plots.
pub fn render(results: &Results) -> Result<Rendered, String> {
    render_beside(results, &[])
}

/// The whole report and its plots, with `beside` (other runs of the same matrix, of this
/// machine or others) telling which of its claims travel.
pub fn render_beside(results: &Results, beside: &[Results]) -> Result<Rendered, String> {
    render_view(results, beside, View::default())
}

/// The whole report and its plots of the trials `view` keeps ([`placement::view`]): every
/// figure, ranking and claim reads them alone, and the machine section tells the whole run's
/// placement, set-aside trials included.
pub fn render_view(results: &Results, beside: &[Results], view: View) -> Result<Rendered, String> {
    let whole = results;
    let viewed = placement::view(results, view);
    let full = &viewed;
    let closed = crate::guide::closed_loop(full);
    let results = &closed;
    let mut files = Vec::new();
    let mut out = answer_and_summary(results);
    out += &guide_sections(results, full, beside, view)?;
    out += &judging_sections(results, full, &mut files)?;
    out += "\n## The machine and its floors\n\n";
    out += &crate::machine::section(whole);
    let _ = writeln!(
        out,
        "\n## Details\n\nEvery workload's tables (each row's throughput, spread, latency \
         percentiles and CPU per operation at every client count) and plots, and the \
         methodology (how every figure and claim is made, and the strategies measured): \
         [{DETAILS}]({DETAILS})."
    );
    let details = details_file(results, full, &mut files)?;
    let page = crate::page::page(whole, view, beside, &out, &details)?;
    Ok(Rendered {
        markdown: out,
        details,
        files,
        page,
    })
}

/// The report's opening: what it measured and which trials it reads, the answer per mix,
/// client count and caller, and the summary table (of the closed loops in `results`).
fn answer_and_summary(results: &Results) -> String {
    let mut out = String::from("# statebench report\n\n");
    let _ = writeln!(
        out,
        "Where should shared state live? Every implementation of every service, measured on one \
         machine in one run started {}. Throughput is operations per second of all clients \
         together, given as the geometric mean of a row's samples (each pass's geometric mean; \
         each repetition in a run of one pass): the figure rows are ranked by and the one every \
         comparison tests. In the tables, latencies (per operation) and CPU/op (the whole \
         process's CPU time per operation) are medians over repetitions; the answer's p99s are \
         taken as throughput is, the geometric mean of a row's samples, the figure its latency \
         claims test.{}\n",
        results.created,
        crate::guide::view_words(results)
    );
    out += "## The answer\n\n";
    out += "For each mix of each service, at each client count and from each kind of caller: \
            the pick — the fastest row that served the mix asked for — and after `=` the rows \
            not shown slower than it (the same within ±10 %, or this run cannot tell); where \
            there are none, the pick's throughput over the best row of another family, with its \
            interval; and the pick's p99 latency against that of another family's row (the \
            first such row after `=`, else the best row of another family), how many times \
            lower or higher where the run tells them apart, with its interval (latency claims \
            are corrected among themselves; DETAILS.md's methodology says how). ‡ follows a \
            claim a fresh run of the same size would make again with a chance under 99 %: near \
            its ±10 % line, or with a wide interval. `statebench advise --from \
            results.json --service S --clients N` gives the whole card for one situation: the \
            best row of every family, CPU per operation, where the answer changes and what it \
            does not cover.\n\n";
    match crate::advise::answer_matrix_of_view(results) {
        Ok(matrix) if !matrix.is_empty() => out += &matrix,
        Ok(_) => {
            out += "No mix that scales with the clients was measured from OS threads or tokio \
                    tasks in this run: the sections below have its figures.\n\n";
        }
        Err(e) => {
            let _ = writeln!(out, "The answer could not be read from this run: {e}.\n");
        }
    }
    out += "## Summary\n\n";
    out += "Throughput of each implementation as a share of the fastest (1.00), per workload \
            and driver. *Leaders* names the fastest and every implementation that the statistics \
            cannot tell from it (joined by =; see the decision guide for the test). What makes \
            a leader is whether its interval reaches the fastest, not its share: a row whose \
            samples spread widely can lead at a lower share than a steady row that the run \
            shows slower (‡ marks such a claim when it lies near its ±10 % line).\n\n";
    if results.records.is_empty() {
        out += "No closed-loop cell in this run: the open loop's section has its figures.\n";
    } else {
        out += &summary(results);
    }
    out
}

/// The decision guide and the sections under it: where the answer crosses over, which claims
/// travel to the runs `beside`, the open loop's knees and the rows one would pick instead.
/// `results` holds the closed loops of `full`, the trials `view` keeps.
fn guide_sections(
    results: &Results,
    full: &Results,
    beside: &[Results],
    view: View,
) -> Result<String, String> {
    let mut out = String::from("\n## Decision guide\n\n");
    out += &crate::guide::decision_guide(results);
    out += &crate::crossover::guide_section(results);
    out += "\n### Which claims travel\n\n";
    if beside.is_empty() {
        out += "No other run was set beside this one (`statebench report --beside RUN`, with \
                runs of the same matrix from this machine or another), so whether each claim \
                repeats, or holds on another machine, this report cannot say. \
                docs/METHODOLOGY.md measures how often claims repeat on one machine and across \
                two.\n";
    } else {
        out += &crate::agreement::travel(full, beside, crate::guide::DEFAULT_CORRECTION, view)?
            .render();
    }
    let knees = crate::knee::guide(full);
    if !knees.is_empty() {
        out += "\n### When requests arrive at a rate\n\n";
        out += "From the open-loop sweep (its section has the method, every cell and the plots): \
                the highest offered rate each family's best row kept up with before the first \
                it missed — its knee, bracketed by the two swept rates and cited with what was \
                done there. Below its knee a row's latency is its service time plus the \
                senders' own lag; past it the backlog grows for as long as requests keep \
                coming, whatever a closed loop's throughput said.\n\n";
        out += &knees;
    }
    let picks = crate::picks::section(results);
    if !picks.is_empty() {
        out += "\n### The rows you would pick instead\n\n";
        out += &picks;
    }
    Ok(out)
}

/// The sections that judge the families in depth, each where the run has its cells: the
/// owner's best shot, the critical-section crossover, the open loop, Go beside Rust and what
/// leaving the process costs (their plots drawn into `files`). `results` holds the closed loops of `full`.
fn judging_sections(
    results: &Results,
    full: &Results,
    files: &mut Vec<(String, String)>,
) -> Result<String, String> {
    let mut out = String::new();
    let owners = crate::owners::section(results);
    if !owners.is_empty() {
        out += "\n## The owner's best shot\n\n";
        out += &owners;
    }
    let (crossover, plots) = crate::crossover::section(results)?;
    if !crossover.is_empty() {
        out += "\n## Critical-section cost: where an owner meets a lock\n\n";
        out += &crossover;
        files.extend(plots);
    }
    let (knees, plots) = crate::knee::section(full)?;
    if !knees.is_empty() {
        out += "\n## Open loop: latency against offered load\n\n";
        out += &knees;
        files.extend(plots);
    }
    let reference = crate::reference::section(results);
    if !reference.is_empty() {
        out += "\n## Go beside Rust, and the reference text's table\n\n";
        out += &reference;
    }
    let process = crate::process::section(results);
    if !process.is_empty() {
        out += "\n## What does leaving the process cost?\n\n";
        out += &process;
    }
    Ok(out)
}

/// [`DETAILS`]: every workload's tables and plots (drawn into `files`) from the trials in
/// `full`, then the methodology. `results` holds its closed loops.
fn details_file(
    results: &Results,
    full: &Results,
    files: &mut Vec<(String, String)>,
) -> Result<String, String> {
    let mut details = String::from("# statebench report: the details\n\n");
    let _ = writeln!(
        details,
        "The tables, plots and methodology of the run [REPORT.md](REPORT.md) answers from \
         (started {}).{}\n",
        results.created,
        crate::guide::view_words(results)
    );
    details += "## Workloads\n\n";
    details += "Each workload's tables give, per client count, every row's figures; *of fastest* \
                is its throughput over the fastest row at that count from either driver (the \
                report's summary divides by the fastest of the same driver), and *range* the \
                lowest and highest of its repetitions' rates.\n\n";
    for w in &full.settings.workloads {
        if !of_workload(full, &w.name).is_empty() {
            details += &workload_section(full, w, files)?;
        }
    }
    details += "## Methodology\n\n";
    details += &methodology(full);
    details += "\nEach plot is a column of panels on one logarithmic y axis: a panel per driver, \
            split by family where a driver has more than ten rows. Within a panel every line \
            has its own colour and its neighbours another dash (solid, dashed, dotted), and \
            each row (an implementation under a driver) keeps its place, colour and dash in \
            every plot of the run.\n";
    Ok(details)
}
