//! docs/DECISIONS.md's body, below its lead, quotes the canonical run (`CANONICAL`): each test
//! here recomputes the sentences of one paragraph from the run, as the report reads it (its
//! near trials), and fails when the document says otherwise. On failure it prints the sentence
//! the run makes, so a new canonical run is quoted by pasting what the tests print.

use statebench_harness::Driver;
use statebench_harness::fixture as made_up;
use statebench_harness::placement::{self, View};
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::Verdict;
use statebench_report::guide::Analysis;
use statebench_report::process;
use statebench_report::{CANONICAL, PROCESS_SET};

/// The canonical run's near trials, as the report reads them.
fn canonical() -> Results {
    placement::view(&made_up::committed(CANONICAL), View::Near)
}

/// docs/DECISIONS.md, its whitespace folded so a sentence may wrap anywhere.
fn decisions() -> String {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/DECISIONS.md"),
    )
    .expect("the document");
    fold(&doc)
}

fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fails, printing every sentence the document lacks.
fn quoted(sentences: &[String]) {
    let doc = decisions();
    let missing: Vec<&String> = sentences
        .iter()
        .filter(|s| !doc.contains(&fold(s)))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/DECISIONS.md lacks what the committed runs say:\n{}",
        missing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A time in words: ns below a microsecond, µs below a millisecond, else ms.
fn time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn range(mut xs: Vec<f64>, show: fn(f64) -> String) -> String {
    xs.sort_by(f64::total_cmp);
    let (a, b) = (show(xs[0]), show(xs[xs.len() - 1]));
    if a == b { a } else { format!("{a}–{b}") }
}

/// The cells of the mixes that scale, at every client count and from both Rust drivers.
fn scaling_cells(run: &Results) -> Vec<(String, Driver, usize)> {
    let mut cells: Vec<(String, Driver, usize)> = run
        .records
        .iter()
        .filter(|r| r.driver != Driver::Goroutines)
        .filter(|r| {
            run.settings
                .workloads
                .iter()
                .any(|w| w.name == r.workload && w.scales)
        })
        .map(|r| (r.workload.clone(), r.driver, r.clients))
        .collect();
    cells.sort_by(|a, b| (&a.0, a.1.name(), a.2).cmp(&(&b.0, b.1.name(), b.2)));
    cells.dedup();
    cells
}

fn rows<'a>(run: &'a Results, cell: &(String, Driver, usize)) -> Vec<&'a Record> {
    run.records
        .iter()
        .filter(|r| r.workload == cell.0 && r.driver == cell.1 && r.clients == cell.2)
        .collect()
}

/// The fastest row of `family` in the cell that served the mix asked for, by headline.
fn best<'a>(rows: &[&'a Record], family: &str) -> Option<&'a Record> {
    rows.iter()
        .copied()
        .filter(|r| r.family == family && r.serves_mix())
        .max_by(|a, b| a.headline().total_cmp(&b.headline()))
}

fn record<'a>(run: &'a Results, w: &str, d: Driver, c: usize, name: &str) -> &'a Record {
    run.records
        .iter()
        .find(|r| r.workload == w && r.driver == d && r.clients == c && r.implementation == name)
        .unwrap_or_else(|| panic!("{name} in {w} / {} / {c}", d.name()))
}

/// "A lock around the state": the floor of an uncontended lock, which lock is best where, and
/// the rows that did not serve the mix asked for.
#[test]
fn the_locks_paragraph_comes_from_the_canonical_run() {
    let run = canonical();
    let cells = scaling_cells(&run);
    let mut wins: Vec<(String, usize)> = Vec::new();
    for cell in &cells {
        if let Some(b) = best(&rows(&run, cell), "lock") {
            match wins.iter_mut().find(|w| w.0 == b.implementation) {
                Some(w) => w.1 += 1,
                None => wins.push((b.implementation.clone(), 1)),
            }
        }
    }
    wins.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let wins: Vec<String> = wins
        .iter()
        .map(|(name, n)| format!("`{name}` in {n}"))
        .collect();
    let starved: Vec<String> = run
        .records
        .iter()
        .filter(|r| !r.serves_mix())
        .map(|r| {
            format!(
                "`{}` on `{}` / {} / {}",
                r.implementation,
                r.workload,
                r.driver.name(),
                r.clients
            )
        })
        .collect();
    quoted(&[
        format!(
            "the run's floor for an uncontended `Mutex`, locked and unlocked, is {:.1} ns.",
            run.floors.mutex_uncontended_ns.median
        ),
        format!(
            "The best lock by throughput, over the {} cells of the mixes that scale (1 to 64 \
             clients, OS threads and tokio tasks): {}.",
            cells.len(),
            wins.join(", ")
        ),
        format!(
            "In this run {} {} not serve the mix asked for{}",
            starved.len(),
            if starved.len() == 1 {
                "row did"
            } else {
                "rows did"
            },
            if starved.is_empty() {
                ".".to_string()
            } else {
                format!(": {}.", starved.join(", "))
            }
        ),
    ]);
}

/// "An owner": where an owner task or thread is ahead of the best lock, and what one call costs
/// from one caller against the floors that bound it.
#[test]
fn the_owners_paragraph_comes_from_the_canonical_run() {
    let run = canonical();
    let cells: Vec<(String, Driver, usize)> = {
        let mut all: Vec<(String, Driver, usize)> = run
            .records
            .iter()
            .filter(|r| r.driver != Driver::Goroutines)
            .map(|r| (r.workload.clone(), r.driver, r.clients))
            .collect();
        all.sort_by(|a, b| (&a.0, a.1.name(), a.2).cmp(&(&b.0, b.1.name(), b.2)));
        all.dedup();
        all
    };
    let ahead = cells
        .iter()
        .filter(|cell| {
            let here = rows(&run, cell);
            match (best(&here, "owner"), best(&here, "lock")) {
                (Some(o), Some(l)) => o.headline() > l.headline(),
                _ => false,
            }
        })
        .count();
    let f = &run.floors;
    let tokio = record(&run, "kv_read_heavy", Driver::Tasks, 1, "owner_tokio");
    let thread = record(&run, "kv_read_heavy", Driver::Threads, 1, "owner_thread");
    let p50 = |r: &Record| time(r.summary.p50_ns.median);
    // The report's warning on a row's spread goes with its figure.
    let flagged = |r: &Record| {
        if statebench_report::table::notes(r).contains("repetitions from") {
            "; the report flags this row's spread between repetitions"
        } else {
            ""
        }
    };
    quoted(&[
        format!(
            "an owner task or thread has a higher throughput than the best lock in {ahead} of \
             the {} cells.",
            cells.len()
        ),
        format!(
            "`owner_tokio` called from one task took {} a call (p50, `kv_read_heavy` / tasks / \
             1{}), against the floors' tokio round trip of {} on one worker and {} on two;",
            p50(tokio),
            flagged(tokio),
            time(f.tokio_same_worker_ns.median),
            time(f.tokio_two_workers_ns.median)
        ),
        format!(
            "`owner_thread` called from one thread took {} a call (p50, `kv_read_heavy` / \
             threads / 1{}), against a cross-core wake round trip of {} with the other core \
             idle and {} with it busy.",
            p50(thread),
            flagged(thread),
            time(
                f.wake_cross_core_idle_ns
                    .as_ref()
                    .expect("a pinned probe")
                    .median
            ),
            time(
                f.wake_cross_core_busy_ns
                    .as_ref()
                    .expect("a pinned probe")
                    .median
            )
        ),
    ]);
}

/// "Flat combining": what it makes of the cell's leader's throughput at one client and from two
/// up, over the mixes that scale (by throughput: the tables' figures).
#[test]
fn the_combining_paragraph_comes_from_the_canonical_run() {
    let run = canonical();
    let (mut one, mut more) = (Vec::new(), Vec::new());
    for cell in scaling_cells(&run) {
        let here = rows(&run, &cell);
        let lead = here
            .iter()
            .filter(|r| r.serves_mix())
            .map(|r| r.headline())
            .fold(0.0, f64::max);
        if let Some(c) = here.iter().find(|r| r.implementation == "combining") {
            let share = c.headline() / lead;
            if cell.2 == 1 {
                one.push(share)
            } else {
                more.push(share)
            }
        }
    }
    let plain = |x: f64| format!("{x:.2}");
    quoted(&[format!(
        "By throughput, over the mixes that scale, it makes {}× of the cell's leader's at one \
         client and {}× from two clients up.",
        range(one, plain),
        range(more, plain)
    )]);
}

/// "Go beside Rust" and the timer-bound hazard: the report's own counts of Go's owner against
/// tokio's, Go's mutex against std's, Go's mutex against Go's owner, the sleeping program's row
/// and its verdict, and the reference text's advice on the richer services, as its section on Go and the
/// reference text states them for the canonical run.
#[test]
fn the_go_paragraph_comes_from_the_canonical_run() {
    let section = fold(&statebench_report::reference::section(&canonical()));
    let sentence = |from: &str| {
        let start = section
            .find(from)
            .unwrap_or_else(|| panic!("the report's section says {from:?}"));
        let rest = &section[start..];
        let end = [" (", ". "]
            .iter()
            .filter_map(|stop| rest[from.len()..].find(stop))
            .min()
            .map_or(rest.len(), |at| from.len() + at);
        rest[..end].to_string()
    };
    // The verdict the reference table gives the sleeping program, from its row's last cell.
    let seed_row = &section[section
        .find("Lock / plain owner on `seed`, Go and Rust: ")
        .expect("the row of the program as written")..];
    let verdict = seed_row
        .split("| **")
        .nth(1)
        .and_then(|cell| cell.split("**").next())
        .expect("the row's verdict in bold");
    quoted(&[
        format!("The report's reference table reads *{verdict}* there"),
        sentence("Go's owner faster in"),
        sentence("Go's mutex faster in"),
        sentence("Go (`go_mutex` / `go_goroutine`): the lock"),
        sentence("Lock / plain owner on `seed`, Go and Rust: "),
        format!(
            "and its cleanup), lock against plain owner: {}",
            sentence("periodic cleanup), lock / plain owner: ")
                .trim_start_matches("periodic cleanup), lock / plain owner: ")
        ),
    ]);
}

/// "Timer-bound benchmarks": what a 1 ms sleep takes on this machine, which caps the reference
/// program whatever holds its state; and, under the answer, whether the run's floors moved.
#[test]
fn the_floors_quoted_come_from_the_canonical_run() {
    let run = canonical();
    let f = &run.floors;
    let moved = match run.floors_end.as_ref().map(|end| end.steadiness_since(f)) {
        Some(statebench_harness::floors::Steadiness::Moved(moved)) => format!(
            "The run's own report calls it *disturbed*, a floor having moved during it: {}",
            moved.join("; ")
        ),
        _ => "The run's own report does not call it disturbed".to_string(),
    };
    quoted(&[
        format!(
            "a 1 ms sleep takes {} on an OS thread, {} on a tokio task and {} in Go on this \
             machine (the run's floors)",
            time(f.thread_sleep_1ms_ns.median),
            time(f.tokio_sleep_1ms_ns.median),
            time(f.go_sleep_1ms_ns.as_ref().expect("Go in the run").median)
        ),
        moved,
    ]);
}

/// The set that measured the rows of another process (`PROCESS_SET`), run by run, as the
/// report reads each; the first is the run `advise --across-processes` answers from.
fn process_runs() -> Vec<Results> {
    (1..=3)
        .map(|n| {
            placement::view(
                &made_up::committed(&format!("{PROCESS_SET}/run-{n}")),
                View::Near,
            )
        })
        .collect()
}

/// A ratio in words: no decimals from 10 up, one below.
fn times(x: f64) -> String {
    if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn scales(run: &Results, workload: &str) -> bool {
    run.settings
        .workloads
        .iter()
        .any(|w| w.name == workload && w.scales)
}

/// The throughput ratios of the process's best row over `row` from `driver` in the mixes
/// that scale, as the report's section judges them.
/// Every such cell must have been judged: a sentence over "the mixes that scale" may not
/// quietly leave one out.
fn cost_range(run: &Results, costs: &[process::Cost<'_>], row: &str, driver: Driver) -> String {
    let ratios: Vec<f64> = costs
        .iter()
        .filter(|c| c.outside.implementation == row && c.outside.driver == driver)
        .filter(|c| scales(run, &c.outside.workload))
        .map(judged_ratio)
        .collect();
    range(ratios, times)
}

/// The throughput ratio of a cost the section judged, or a failure naming its cell.
fn judged_ratio(c: &process::Cost<'_>) -> f64 {
    c.throughput
        .as_ref()
        .and_then(|j| j.interval)
        .unwrap_or_else(|| {
            panic!(
                "`{}` in {} / {} / {} was not judged",
                c.outside.implementation,
                c.outside.workload,
                c.outside.driver.name(),
                c.outside.clients
            )
        })
        .ratio
}

/// "When state leaves the process": what keeping the state in the process made of the two
/// out-of-process rows' throughput, and how often it was shown faster, run by run.
#[test]
fn the_leaving_paragraph_comes_from_the_process_set() {
    let runs = process_runs();
    let run = &runs[0];
    let costs: Vec<Vec<process::Cost<'_>>> = runs.iter().map(process::costs).collect();
    let shown = |row: &str| {
        let per_run: Vec<String> = costs
            .iter()
            .map(|c| {
                let (faster, _, judged) = process::tally(c, row);
                format!("{faster} of {judged}")
            })
            .collect();
        format!("{}, {} and {}", per_run[0], per_run[1], per_run[2])
    };
    quoted(&[
        format!(
            "In the mixes that scale, the fastest row of the process made {}× the throughput of \
             `redis` from OS threads and {}× from tokio tasks, and {}× and {}× that of \
             `redis_cluster`.",
            cost_range(run, &costs[0], "redis", Driver::Threads),
            cost_range(run, &costs[0], "redis", Driver::Tasks),
            cost_range(run, &costs[0], "redis_cluster", Driver::Threads),
            cost_range(run, &costs[0], "redis_cluster", Driver::Tasks),
        ),
        format!(
            "Counting every cell, the reference program's too, keeping the state in the process \
             was shown faster than `redis` in {} cells of the set's three runs, and faster than \
             `redis_cluster` in {}, where both rows served the mix.",
            shown("redis"),
            shown("redis_cluster")
        ),
    ]);
}

/// The redis row's figures per cell of the mixes that scale at `clients` from `driver`.
fn redis_rows<'a>(run: &'a Results, row: &str, driver: Driver, clients: usize) -> Vec<&'a Record> {
    run.records
        .iter()
        .filter(|r| {
            r.implementation == row
                && r.driver == driver
                && r.clients == clients
                && scales(run, &r.workload)
        })
        .collect()
}

/// The median over repetitions of the CPU time the servers spent per operation.
fn server_cpu(r: &Record) -> f64 {
    let mut xs: Vec<f64> = r
        .repetitions
        .iter()
        .filter(|rep| rep.ops > 0)
        .filter_map(|rep| Some(rep.cpu_elsewhere_ns? as f64 / rep.ops as f64))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Where the cost comes from: a call's time against the loopback floor, its CPU, the
/// pipelining of the tasks' shared connection, and the reference program's sleeping clients.
#[test]
fn the_cost_paragraph_comes_from_the_process_set() {
    let runs = process_runs();
    let run = &runs[0];
    let floor = run
        .floors
        .tcp_loopback_ns
        .as_ref()
        .expect("the loopback floor")
        .median;
    let one = redis_rows(run, "redis", Driver::Threads, 1);
    let p50: Vec<f64> = one.iter().map(|r| r.summary.p50_ns.median).collect();
    let eight = redis_rows(run, "redis", Driver::Threads, 8);
    let cpu: Vec<f64> = eight
        .iter()
        .map(|r| r.summary.cpu_ns_per_op.median)
        .collect();
    let server: Vec<f64> = eight.iter().map(|r| server_cpu(r)).collect();
    let costs = process::costs(run);
    let inside: Vec<f64> = costs
        .iter()
        .filter(|c| {
            c.outside.implementation == "redis"
                && c.outside.driver == Driver::Threads
                && c.outside.clients == 8
                && scales(run, &c.outside.workload)
        })
        .map(|c| c.inside.summary.cpu_ns_per_op.median)
        .collect();
    // 64 tasks against 64 threads, workload by workload.
    let pipelined: Vec<f64> = redis_rows(run, "redis", Driver::Tasks, 64)
        .iter()
        .map(|t| t.headline() / record(run, &t.workload, Driver::Threads, 64, "redis").headline())
        .collect();
    let at64: Vec<f64> = costs
        .iter()
        .filter(|c| {
            c.outside.implementation == "redis"
                && c.outside.driver == Driver::Tasks
                && c.outside.clients == 64
                && scales(run, &c.outside.workload)
        })
        .map(judged_ratio)
        .collect();
    // The reference program: 110 clients sleeping 1 ms after every call.
    let seed = |driver: Driver| {
        let c = costs
            .iter()
            .find(|c| {
                c.outside.implementation == "redis"
                    && c.outside.workload == "seed"
                    && c.outside.driver == driver
            })
            .expect("redis in seed");
        let busy = c.outside.headline() * c.outside.summary.cpu_ns_per_op.median / 1e9;
        (
            times(judged_ratio(c)),
            time(c.outside.summary.p50_ns.median),
            time(c.outside.summary.cpu_ns_per_op.median),
            format!("{busy:.1}"),
        )
    };
    let (threads, threads_p50, threads_cpu, threads_busy) = seed(Driver::Threads);
    let (tasks, tasks_p50, _, _) = seed(Driver::Tasks);
    quoted(&[
        format!(
            "From one OS thread a `redis` call took {} at the median, against a loopback TCP \
             round trip of {} measured at the start of the run.",
            range(p50, time),
            time(floor)
        ),
        format!(
            "From 8 OS threads an operation on `redis` cost {} of CPU time, {} of it the \
             server's, against {} for the fastest row of the process.",
            range(cpu, time),
            range(server, time),
            range(inside, time)
        ),
        format!(
            "From 64 tokio tasks, which share one multiplexed connection and so keep up to 64 \
             requests in flight on it, `redis` made {}× what it made from 64 OS threads with a \
             connection each, and the fastest row of the process made {}× its throughput.",
            range(pipelined, times),
            range(at64, times)
        ),
        format!(
            "In the reference program (`seed`: 110 clients, each sleeping 1 ms after every \
             call), the fastest row of the process made {threads}× the throughput of `redis` \
             from OS threads and {tasks}× from tokio tasks. A client's round there is its sleep \
             and its call, and a `redis` call took {threads_p50} at the median from threads \
             and {tasks_p50} from tasks; from threads, at {threads_cpu} of CPU time a call, \
             the clients and the server kept {threads_busy} of the machine's 2 cores busy."
        ),
    ]);
}

/// `redis_cluster` against `redis`, and the anchor the `redis` row is held to.
#[test]
fn the_cluster_and_anchor_paragraph_comes_from_the_process_set() {
    let runs = process_runs();
    let run = &runs[0];
    let analysis = Analysis::new(run);
    let (mut ratios, mut faster, mut slower, mut judged) = (Vec::new(), Vec::new(), 0, 0);
    let mut tails = Vec::new();
    for cluster in run
        .records
        .iter()
        .filter(|r| r.implementation == "redis_cluster" && scales(run, &r.workload))
    {
        let single = record(
            run,
            &cluster.workload,
            cluster.driver,
            cluster.clients,
            "redis",
        );
        // Only cells where both served the mix asked for are compared, as the report does.
        if !(cluster.serves_mix() && single.serves_mix()) {
            continue;
        }
        judged += 1;
        ratios.push(cluster.headline() / single.headline());
        if cluster.clients == 64 {
            tails.push(cluster.p99_headline() / single.p99_headline());
        }
        match analysis.judge(cluster, single).verdict() {
            Verdict::Faster => faster.push(format!(
                "`{}` / {} / {}",
                cluster.workload,
                cluster.driver.name(),
                cluster.clients
            )),
            Verdict::Slower => slower += 1,
            _ => {}
        }
    }
    // The anchor: each run's `redis` row from threads at each client count over
    // redis-benchmark's GET figure there (the median of its trials), and the row from one
    // thread against the loopback floor, over all its trials, as each report's machine
    // section reads them.
    let whole: Vec<Results> = (1..=3)
        .map(|n| made_up::committed(&format!("{PROCESS_SET}/run-{n}")))
        .collect();
    let share = |r: &Results, driver: Driver, clients: usize| {
        let anchor = r
            .anchors
            .iter()
            .find(|a| a.test == "GET" && a.clients == clients)
            .expect("the GET anchor");
        let mut xs = anchor.ops_per_sec.clone();
        xs.sort_by(f64::total_cmp);
        let row = record(r, "kv_read_heavy", driver, clients, "redis");
        100.0 * row.summary.ops_per_sec.median / xs[xs.len() / 2]
    };
    let threads: Vec<f64> = whole
        .iter()
        .flat_map(|r| [1, 2, 8, 64].map(|c| share(r, Driver::Threads, c)))
        .collect();
    let task: Vec<f64> = whole.iter().map(|r| share(r, Driver::Tasks, 1)).collect();
    let percent = |x: f64| format!("{x:.0} %");
    // An operation from one thread (the inverse of the median rate) over the loopback floor.
    let floors: Vec<f64> = whole
        .iter()
        .map(|r| {
            let row = record(r, "kv_read_heavy", Driver::Threads, 1, "redis");
            let floor = r
                .floors
                .tcp_loopback_ns
                .as_ref()
                .expect("the loopback floor");
            1e9 / row.summary.ops_per_sec.median / floor.median
        })
        .collect();
    quoted(&[
        format!(
            "`redis_cluster`, three servers on the same two cores, made {}× the throughput of \
             `redis` in the mixes that scale: shown faster in {} of the {judged} cells where both \
             served the mix ({}) and slower in {slower}; at 64 clients its p99 was {}× that of \
             `redis`.",
            range(ratios, |x| format!("{x:.2}")),
            faster.len(),
            faster.join(", "),
            range(tails, |x| format!("{x:.2}"))
        ),
        format!(
            "In the set's three runs the `redis` row from OS threads made {} of \
             `redis-benchmark`'s `GET` figure at 1, 2, 8 and 64 clients, and from one tokio \
             task {}; from one OS thread an operation took {}× the loopback floor.",
            range(threads, percent),
            range(task, percent),
            range(floors, |x| format!("{x:.2}"))
        ),
    ]);
}

/// The placement check committed beside the set (`placement.txt`): the two Redis rows from
/// one thread, unpinned and with the whole run on core 0, as `statebench run` printed them.
/// One block of the placement check: whether the run was pinned to core 0, and the rates of
/// `redis` and `redis_cluster`.
type Block = (bool, f64, f64);

/// The placement check's blocks, in the order run.
fn placement_blocks() -> Vec<Block> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(PROCESS_SET)
        .join("placement.txt");
    let text = std::fs::read_to_string(&path).expect("placement.txt");
    let rate = |line: &str| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let scale = match fields[3] {
            "k" => 1e3,
            "M" => 1e6,
            other => panic!("a rate's unit: {other:?} in {line:?}"),
        };
        fields[2].parse::<f64>().expect("a rate") * scale
    };
    let mut out = Vec::new();
    for block in text.split("\n## ").skip(1) {
        let pinned = block.contains("taskset -c 0");
        let row = |name: &str| {
            rate(
                block
                    .lines()
                    .find(|l| l.split_whitespace().next() == Some(name))
                    .unwrap_or_else(|| panic!("{name} in {block}")),
            )
        };
        out.push((pinned, row("redis"), row("redis_cluster")));
    }
    out
}

/// "Where the servers sit": the placement check's figures.
#[test]
fn the_placement_sentence_comes_from_the_placement_check() {
    let blocks = placement_blocks();
    assert_eq!(blocks.len(), 4, "two rounds of two placements");
    assert_eq!(
        blocks.iter().map(|b| b.0).collect::<Vec<_>>(),
        [false, true, false, true],
        "each round unpinned, then pinned"
    );
    let (pinned, unpinned): (Vec<&Block>, Vec<&Block>) = blocks.iter().partition(|b| b.0);
    let faster: Vec<f64> = pinned
        .iter()
        .zip(&unpinned)
        .map(|(p, u)| p.1 / u.1)
        .collect();
    let cluster = |blocks: &[&Block]| {
        range(blocks.iter().map(|b| b.2 / b.1).collect(), |x| {
            format!("{x:.2}")
        })
    };
    quoted(&[format!(
        "With the whole run on one core, `redis` made {}× the calls a second it made unpinned \
         (each round's pair), and `redis_cluster` made {}× what `redis` made there, against \
         {}× unpinned.",
        range(faster, times),
        cluster(&pinned),
        cluster(&unpinned)
    )]);
}
