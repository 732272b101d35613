//! Rendering a small fixture: every section is there, figures come from the document, and the
//! same document always renders the same report.

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::fixture as made_up;
use statebench_harness::floors::Floors;
use statebench_harness::results::{Record, Results};
use statebench_report::markdown::{report, share, summary};

fn record(
    workload: &str,
    implementation: &str,
    driver: Driver,
    clients: usize,
    ops: &[(&str, u64)],
) -> Record {
    let total: u64 = ops.iter().map(|(_, n)| n).sum();
    let rep = |scale: f64| made_up::repetition(total as f64 * scale, ops);
    // As the registry declares them (the fixtures use registered names).
    let family = match implementation {
        i if i.starts_with("owner_") => Family::Owner,
        "dashmap" | "atomic" => Family::Concurrent,
        _ => Family::Lock,
    };
    let repetitions = vec![rep(0.9), rep(1.0), rep(1.1)];
    made_up::record(
        workload,
        implementation,
        family,
        driver,
        clients,
        repetitions,
    )
}

fn fixture() -> Results {
    let mut results = made_up::results(&["seed_nosleep", "kv_read_heavy"], Vec::new());
    results.settings.repeat = 3;
    results.records = vec![
        record(
            "seed_nosleep",
            "mutex_std",
            Driver::Threads,
            110,
            &[("get", 9_000_000), ("set", 700_000)],
        ),
        record(
            "seed_nosleep",
            "dashmap",
            Driver::Threads,
            110,
            &[("get", 20_000_000), ("set", 8)],
        ),
        record(
            "seed_nosleep",
            "owner_tokio",
            Driver::Tasks,
            110,
            &[("get", 2_000_000), ("set", 200_000)],
        ),
        record(
            "kv_read_heavy",
            "mutex_std",
            Driver::Threads,
            1,
            &[("get", 15_000_000), ("set", 800_000)],
        ),
        record(
            "kv_read_heavy",
            "owner_tokio",
            Driver::Threads,
            1,
            &[("get", 70_000), ("set", 3_000)],
        ),
        record(
            "kv_read_heavy",
            "mutex_std",
            Driver::Threads,
            8,
            &[("get", 5_000_000), ("set", 260_000)],
        ),
        record(
            "kv_read_heavy",
            "owner_tokio",
            Driver::Threads,
            8,
            &[("get", 190_000), ("set", 10_000)],
        ),
        // 3 % above mutex_std, with the same ±10 % noise: not a difference anyone may claim.
        record(
            "kv_read_heavy",
            "rwlock_std",
            Driver::Threads,
            8,
            &[("get", 5_150_000), ("set", 270_000)],
        ),
    ];
    results
}

#[test]
fn every_section_is_rendered_from_the_document() {
    let text = report(&fixture());
    for section in [
        "# statebench report",
        "## The answer",
        "## Summary",
        "## The machine and its floors",
        "## Details",
        "[DETAILS.md](DETAILS.md)",
    ] {
        assert!(text.contains(section), "missing {section}:\n{text}");
    }
    // The per-workload tables and the methodology are the details' own.
    let details = statebench_report::markdown::details(&fixture());
    for section in [
        "# statebench report: the details",
        "## Workloads",
        "### `seed_nosleep`",
        "### `kv_read_heavy`",
        "## Methodology",
    ] {
        assert!(details.contains(section), "missing {section}:\n{details}");
        assert!(!text.contains(section), "{section} is in REPORT.md too");
    }
    // What follows reads the two files as one.
    let text = format!("{text}{details}");
    assert!(text.contains("Test CPU (2 cores; SMT siblings per CPU: 0 / 1"));
    assert!(
        text.contains(
            "| thread wake round trip, cores 0 ↔ 1, other core idle | 40.00 µs (39.20 µs – 40.80 µs) | not measured |"
        ),
        "{text}"
    );
    // 40 µs / 10 ns
    assert!(
        text.contains("about 4000 times an uncontended lock"),
        "{text}"
    );
    assert!(text.contains("1 ms sleep takes 1.08 ms on an OS thread and 2.12 ms on a tokio task"));
    // Predictions are checked against their cells, or say that no cell ran.
    assert!(
        text.contains("(No `owner_thread` from one OS thread cell ran, so this is not checked.)"),
        "{text}"
    );
    assert!(text.contains("The floors were not measured at the end"));
    assert!(
        text.contains("| `owner_tokio` | tasks | owner_tokio runs here |"),
        "{text}"
    );
    // dashmap made 8 sets in 20 M operations: 8 a second, 1/11 of the asked mix, so the
    // asked mix went at 88 a second; its table row says so and gives the raw rate beside it.
    assert!(
        text.contains("| `dashmap` | threads | 88 | 79 – 97 |"),
        "{text}"
    );
    assert!(
        text.contains("mix not served: set 0.00 % of ops, 9.1 % asked; raw 20.00 M ops/s"),
        "{text}"
    );
    assert!(text.contains("Spread between repetitions"), "{text}");
    assert!(text.contains("## Decision guide"), "{text}");
    // dashmap's raw 20 M against mutex_std 9.7 M is far beyond noise, but dashmap starved its
    // writers there: it ranks after the lock, and no claim is made between them.
    assert!(
        text.contains(
            "the lock `mutex_std` and the concurrent structure `dashmap`: no claim, a compared row did \
             not serve the mix asked for"
        ),
        "{text}"
    );
    // mutex_std 5.26 M against owner_tokio 200 k: a claim, with its interval (its variances
    // moderated towards the fixture's: 21–36× on their own); rwlock_std is 3 % ahead of
    // mutex_std, within noise, so the two are named together and neither is "best".
    assert!(
        text.contains(
            "the locks `rwlock_std` and `mutex_std` (not told apart) make 27× the throughput of the owner `owner_tokio` (CI 21–34×)"
        ),
        "{text}"
    );
    assert!(
        text.contains("in all, however few of them a section prints"),
        "{text}"
    );
    assert!(text.contains("Benjamini–Hochberg selects"), "{text}");
    // Under Bonferroni the same claim stands, with a wider interval (19–40× on the rows' own
    // variances).
    let strict = statebench_report::guide::decision_guide_with(
        &fixture(),
        statebench_harness::stats::Correction::Bonferroni,
    );
    assert!(
        strict.contains("make 27× the throughput of the owner `owner_tokio` (CI 20–36×)")
            && strict.contains("(Bonferroni)"),
        "{strict}"
    );
    assert!(
        text.contains(
            "- `dashmap` on `seed_nosleep` called from OS threads with 110 clients: the writers' \
             set 0.00 % of ops, 9.1 % asked; it served the asked mix at 88 ops/s, raw 20.00 M \
             ops/s"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "- `dashmap` left the writers under-served in 1 of the 1 such cells it ran: \
             `seed_nosleep` / threads / 110 clients."
        ),
        "{text}"
    );
}

#[test]
fn the_summary_names_the_leaders_with_their_ties_and_the_others_share() {
    let table = summary(&fixture());
    // seed_nosleep threads at 110 clients: dashmap's raw 20 M is the fastest, but it starved
    // its writers: mutex_std's 9.67 M leads alone, and dashmap's share is of the 88 a second at
    // which it served the asked mix, marked.
    let row = table
        .lines()
        .find(|l| l.starts_with("| seed_nosleep | threads"))
        .expect("a row");
    assert!(row.contains("| **mutex_std** | 9.67 M |"), "{row}");
    assert!(!row.contains("**dashmap**"), "{row}");
    assert!(row.contains("| 0.0000† |"), "{row}");
    assert!(
        table.contains("† did not serve the mix asked for"),
        "{table}"
    );
    // kv_read_heavy compares at 8 clients: rwlock_std and mutex_std are tied, and owner_tokio's
    // 200 k is 0.037 of rwlock_std's 5.40 M.
    let row = table
        .lines()
        .find(|l| l.starts_with("| kv_read_heavy | threads | 8"))
        .expect("a row");
    assert!(
        row.contains("**rwlock_std** = **mutex_std**") && row.contains("0.037"),
        "{row}"
    );
    assert!(
        !table.contains("| kv_read_heavy | tasks"),
        "no tasks records, no tasks row"
    );
}

#[test]
fn the_same_document_renders_the_same_report_even_after_a_json_round_trip() {
    let results = fixture();
    let again = Results::from_json(&results.to_json()).expect("reads back");
    assert_eq!(report(&results), report(&again));
}

#[test]
fn shares_keep_their_digits() {
    assert_eq!(share(1.0), "1.00");
    assert_eq!(share(0.48), "0.48");
    assert_eq!(share(0.038), "0.038");
    assert_eq!(share(0.0031), "0.0031");
}

/// A minimal well-formedness check: every element that opens closes, in order.
fn balanced(svg: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').ok_or("an unclosed tag")? + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("</{name}> closes nothing"))?;
            if open != name.trim() {
                return Err(format!("<{open}> closed by </{name}>"));
            }
        } else {
            stack.push(tag.split_whitespace().next().unwrap_or_default().to_owned());
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed {stack:?}"))
    }
}

#[test]
fn every_plot_is_well_formed_svg_with_its_series_and_axes() {
    let results = fixture();
    let rendered = statebench_report::markdown::render(&results).expect("renders");
    let names: Vec<&str> = rendered.files.iter().map(|(n, _)| n.as_str()).collect();
    // seed_nosleep ran at one client count only: no throughput curve, but its latency plot.
    assert_eq!(
        names,
        [
            "latency-seed_nosleep.svg",
            "throughput-kv_read_heavy.svg",
            "latency-kv_read_heavy.svg"
        ]
    );
    for (name, svg) in &rendered.files {
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{name}"
        );
        balanced(svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            rendered.details.contains(&format!("]({name})")),
            "{name} is not embedded"
        );
        let workload = name
            .split_once('-')
            .map(|(_, w)| w.trim_end_matches(".svg"))
            .expect("a workload");
        for r in results.records.iter().filter(|r| r.workload == workload) {
            let label = format!("{} ({})", r.implementation, r.driver.name());
            assert!(svg.contains(&label), "{name} lacks the series {label}");
        }
        let axes: &[&str] = if name.starts_with("throughput") {
            &["clients", "1", "8"]
        } else {
            &["p50", "p99.9", "max"]
        };
        // plotters writes each text on a line of its own between its tags.
        for text in axes {
            assert!(
                svg.lines().any(|l| l.trim() == *text),
                "{name} lacks the label {text}"
            );
        }
        let y_axis = if name.starts_with("throughput") {
            "operations per second"
        } else {
            "latency"
        };
        assert!(svg.contains(y_axis), "{name} lacks its y axis");
    }
    // Colours stay with implementations across plots (each keeps its place in its panel).
    let mutex = statebench_report::plots::colour(&results, "mutex_std");
    let hex = format!("#{:02X}{:02X}{:02X}", mutex.0, mutex.1, mutex.2);
    assert!(
        rendered
            .files
            .iter()
            .all(|(_, svg)| svg.to_uppercase().contains(&hex))
    );
}

#[test]
fn floors_that_moved_mark_the_run_disturbed_and_predictions_are_checked() {
    let mut results = fixture();
    let mut end = Floors::fixture();
    results.floors_end = Some(end.clone());
    let text = report(&results);
    assert!(
        text.contains("the machine held still through the run"),
        "{text}"
    );
    // The idle cross-core wake fell from 40 µs to 2.5 µs: say so.
    end.wake_cross_core_idle_ns = Some(statebench_harness::floors::Floor::of(vec![
        2_500.0, 2_550.0, 2_450.0, 2_520.0, 2_480.0,
    ]));
    results.floors_end = Some(end);
    let text = report(&results);
    assert!(text.contains("**This run was disturbed**"), "{text}");
    assert!(
        text.contains("- thread wake round trip, cores 0 ↔ 1, other core idle: median 40000 ns"),
        "{text}"
    );
    // An owner_thread cell far from every wake floor is named as disagreeing.
    let mut slow = results.records[4].clone();
    slow.implementation = "owner_thread".into();
    slow.summary.p50_ns.median = 900_000.0;
    results.records.push(slow);
    let text = report(&results);
    assert!(
        text.contains("**The data disagree**: `kv_read_heavy` / threads / 1 client: p50 900.00 µs"),
        "{text}"
    );
}

/// The probe before every trial fails the floors' "held still" closed: floors alike at both
/// ends say nothing of the trials between them that ran with the cores far apart, and the
/// report counts those, pass by pass, and what the far placement did to the rows.
#[test]
fn trials_run_with_the_cores_far_apart_are_counted_between_floors_that_held_still() {
    let mut results = fixture();
    results.floors_end = Some(Floors::fixture());
    let text = report(&results);
    assert!(text.contains("was not probed before each trial"), "{text}");
    // Every trial near (74 ns, as the fixture's floor) but the last two of two rows of one
    // cell, which ran far (450 ns): `mutex_std` at half its figure there, `rwlock_std` at 0.8.
    for r in &mut results.records {
        let last = r.repetitions.len() - 1;
        let extra = r.repetitions[last].clone();
        r.repetitions.push(extra);
        for (i, rep) in r.repetitions.iter_mut().enumerate() {
            rep.pass = u32::from(i >= 2);
            rep.round_trip_ns = Some(74.0);
        }
        let slowed = match (r.workload.as_str(), r.clients, r.implementation.as_str()) {
            ("kv_read_heavy", 8, "mutex_std") => 0.5,
            ("kv_read_heavy", 8, "rwlock_std") => 0.8,
            _ => continue,
        };
        let near = r.repetitions[0].ops_per_sec;
        for rep in &mut r.repetitions[1..2] {
            rep.ops_per_sec = near;
        }
        for rep in &mut r.repetitions[2..] {
            rep.ops_per_sec = near;
            rep.round_trip_ns = Some(450.0);
            rep.ops_per_sec *= slowed;
        }
    }
    let text = report(&results);
    assert!(
        text.contains("the machine was the same at both ends — but not between them"),
        "{text}"
    );
    assert!(
        text.contains(
            "**4 of them (12 %) ran with the cores far apart** — the round trip beyond 2× the \
             near one"
        ),
        "{text}"
    );
    assert!(text.contains("(pass 1 0 %, pass 2 25 %)"), "{text}");
    assert!(
        text.contains(
            "Throughput far against near, in the rows measured at least twice each way (each \
             row's geometric means; a row's own ratio is as noisy as its few trials): lock rows \
             0.65× (median of 2 rows)."
        ),
        "{text}"
    );
    use statebench_harness::passes::Unit;
    use statebench_harness::placement::{View, view};
    use statebench_report::guide::Analysis;
    use statebench_report::markdown::render_view;
    // The report reads the near trials and says it set the far ones aside.
    assert!(
        text.contains(
            "**Every figure and claim here is of the trials run with the cores near each \
             other**: 4 of this run's 32 probed trials (12 %) ran with the machine's two cores \
             far apart"
        ),
        "{text}"
    );
    // A row whose near trials fell in one of its two passes has one sample: a figure, and no
    // claim made from one process's repetitions.
    let row = |results: &Results, implementation: &str| {
        results
            .records
            .iter()
            .find(|r| {
                r.workload == "kv_read_heavy"
                    && r.clients == 8
                    && r.implementation == implementation
            })
            .cloned()
            .expect("the row")
    };
    let whole = row(&results, "mutex_std");
    let near_figure = whole.repetitions[0].ops_per_sec;
    let near = row(&view(&results, View::Near), "mutex_std");
    assert_eq!(near.repetitions.len(), 2);
    assert_eq!(near.unit(), Unit::Passes(1));
    assert!((near.headline() / near_figure - 1.0).abs() < 1e-9);
    let analysis = Analysis::new(&results);
    assert!(
        analysis
            .judge(&whole, &row(&results, "rwlock_std"))
            .interval
            .is_some()
    );
    let viewed = view(&results, View::Near);
    let analysis = Analysis::new(&viewed);
    assert!(
        analysis
            .judge(&near, &row(&viewed, "rwlock_std"))
            .interval
            .is_none()
    );
    // The far trials alone: the slowed figure.
    let far = row(&view(&results, View::Far), "mutex_std");
    assert_eq!(far.repetitions.len(), 2);
    assert!((far.headline() / (0.5 * near_figure) - 1.0).abs() < 1e-9);
    let far_text = render_view(&results, &[], View::Far)
        .expect("renders")
        .markdown;
    assert!(
        far_text.contains(
            "**Every figure and claim here is of the trials run with the cores far apart** \
             (`--placement far`): 4 of this run's 32 probed trials (12 %)"
        ),
        "{far_text}"
    );
    // A row far throughout: the near reading would lose its cell, so the run is read whole.
    let mut lost = results.clone();
    for rep in &mut lost.records[0].repetitions {
        rep.round_trip_ns = Some(450.0);
    }
    let lost_text = report(&lost);
    assert!(
        lost_text.contains("**Every figure and claim here mixes the two placements of the cores**")
            && lost_text.contains("the near trials alone would have left no trial of"),
        "{lost_text}"
    );
    // Every trial: the mix, said so.
    let all_text = render_view(&results, &[], View::All)
        .expect("renders")
        .markdown;
    assert!(
        all_text.contains("**Every figure and claim here mixes the two placements of the cores**"),
        "{all_text}"
    );
}

/// The report's comparisons are planned from the cells the run planned, before any figure:
/// how many there are does not move with the figures, and a planned cell that measured
/// nothing still counts (a row that failed cannot shrink the family).
#[test]
fn the_plan_is_fixed_before_the_data() {
    use statebench_harness::results::PlannedKey;
    use statebench_report::guide::Analysis;
    let results = fixture();
    let (m, _, _) = Analysis::new(&results).size();
    // Reversed figures: every leader changes, the plan does not.
    let mut reversed = fixture();
    for r in &mut reversed.records {
        let scale = 1e9 / r.headline().max(1.0);
        for rep in &mut r.repetitions {
            rep.ops_per_sec *= scale / r.summary.ops_per_sec.median.max(1.0);
        }
    }
    assert_eq!(Analysis::new(&reversed).size().0, m);
    // The same cells, now recorded as the plan, plus one planned row that measured nothing:
    // it makes one more pair with every row of its cell.
    let mut planned = fixture();
    planned.settings.planned = planned
        .records
        .iter()
        .map(|r| PlannedKey {
            workload: r.workload.clone(),
            implementation: r.implementation.clone(),
            driver: r.driver,
            clients: r.clients,
        })
        .collect();
    assert_eq!(Analysis::new(&planned).size().0, m);
    let cell = &planned.records[0];
    let mates = planned
        .records
        .iter()
        .filter(|r| {
            (&r.workload, r.driver, r.clients) == (&cell.workload, cell.driver, cell.clients)
        })
        .count();
    planned.settings.planned.push(PlannedKey {
        workload: cell.workload.clone(),
        implementation: "mutex_parking_lot".into(),
        driver: cell.driver,
        clients: cell.clients,
    });
    assert_eq!(Analysis::new(&planned).size().0, m + mates);
}

/// One statistic ranks and tests: a row whose median is higher but whose geometric mean is
/// lower ranks second, so the leader is never the row its test would call slower.
#[test]
fn rows_rank_by_the_figure_their_tests_compare() {
    let w = "kv_read_heavy";
    let rep = |rate: f64| made_up::served(w, 8, rate);
    // Medians 10 M against 6 M; geometric means 4.6 M against 6 M.
    let spiky = made_up::record(
        w,
        "mutex_std",
        Family::Lock,
        Driver::Threads,
        8,
        vec![rep(1.0e7), rep(1.0e7), rep(1.0e6)],
    );
    let even = made_up::record(
        w,
        "rwlock_std",
        Family::Lock,
        Driver::Threads,
        8,
        vec![rep(6.0e6), rep(6.0e6), rep(6.0e6)],
    );
    assert!(spiky.summary.ops_per_sec.median > even.summary.ops_per_sec.median);
    assert!(spiky.headline() < even.headline());
    let results = made_up::results(&[w], vec![spiky, even]);
    let table = summary(&results);
    let row = table
        .lines()
        .find(|l| l.starts_with("| kv_read_heavy | threads | 8"))
        .expect("a row");
    // rwlock_std leads with its 6.00 M; mutex_std's spread leaves the two untold apart.
    assert!(
        row.contains("| **rwlock_std** = **mutex_std** | 6.00 M | 0.77 |"),
        "{row}"
    );
}

#[test]
fn a_starved_row_says_whose_starvation_it_is_from_its_clients_cpu() {
    // The writers' CPU time in each window, against the readers' 90 ms.
    let guide = |windows: &[u64]| {
        let mut results = fixture();
        for r in results
            .records
            .iter_mut()
            .filter(|r| r.implementation == "dashmap")
        {
            for (rep, cpu) in r.repetitions.iter_mut().zip(windows.iter().cycle()) {
                rep.cpu_ns_by_role = [
                    ("readers".to_string(), 90_000_000),
                    ("writers".to_string(), *cpu),
                ]
                .into();
            }
        }
        statebench_report::guide::decision_guide(&results)
    };
    // The writers are 10 of the 110 clients: 1/11 of the CPU is their share.
    let held = guide(&[10_000]);
    assert!(
        held.contains(
            "set 0.00 % of ops, 9.1 % asked — the writers had 0.00 of their share of the \
             clients' CPU time (median of 3 windows), under half of it in every window: held \
             back by the others, parked in the lock or woken and queued for a core behind \
             clients that never block (the strategy's starvation under this load, not the \
             harness's: every client had begun and all are treated alike); it served"
        ),
        "{held}"
    );
    // With the threads' states sampled, parked or queued is said, not guessed.
    let mut sampled = fixture();
    for r in sampled
        .records
        .iter_mut()
        .filter(|r| r.implementation == "dashmap")
    {
        for (rep, parked) in r.repetitions.iter_mut().zip([70, 80, 90]) {
            rep.cpu_ns_by_role = [
                ("readers".to_string(), 90_000_000),
                ("writers".to_string(), 10_000),
            ]
            .into();
            rep.parked_by_role = [("writers".to_string(), [parked, 100 - parked])].into();
        }
    }
    let parked = statebench_report::guide::decision_guide(&sampled);
    assert!(
        parked.contains(
            "under half of it in every window; their threads' states, sampled every 10 ms, \
             found them parked in 80 % of the samples (median of 3 windows): held back while \
             parked — blocked inside the strategy's calls (a lock's wait queue, say) — rather \
             than waiting for a core (the strategy's starvation"
        ),
        "{parked}"
    );
    let ran = guide(&[9_000_000]);
    assert!(
        ran.contains(
            "— the writers had 1.00 of their share of the clients' CPU time (median of 3 \
             windows), at least half of it in every window: they ran, working or spinning, and \
             each set took about"
        ),
        "{ran}"
    );
    let mixed = guide(&[9_000_000, 10_000, 10_000]);
    assert!(
        mixed.contains(
            "at least half of it in 1 of the 3 windows and under half in the others: whose it \
             is differs between windows"
        ),
        "{mixed}"
    );
    // Without the figures (the tasks driver, Go's rows, older files) nothing is said of it.
    let plain = statebench_report::guide::decision_guide(&fixture());
    assert!(!plain.contains("of the clients' CPU time"), "{plain}");
}

#[test]
fn a_starved_row_says_whether_every_client_was_measured() {
    let guide = |absent: &[u64], cover_ms: Option<u64>| {
        let mut results = fixture();
        results.settings.cover_ms = cover_ms;
        for r in results
            .records
            .iter_mut()
            .filter(|r| r.implementation == "dashmap")
        {
            for (rep, n) in r.repetitions.iter_mut().zip(absent.iter().cycle()) {
                if *n > 0 {
                    rep.absent_by_role = [("writers".to_string(), *n)].into();
                }
            }
        }
        statebench_report::guide::decision_guide(&results)
    };
    let kept_out = guide(&[10, 0, 4], Some(1000));
    assert!(
        kept_out.contains(
            "set 0.00 % of ops, 9.1 % asked — in 2 of the 3 windows up to 10 of the 10 writers \
             made no operation, though the windows stayed open up to 1000 ms waiting for every \
             client"
        ),
        "{kept_out}"
    );
    let all_there = guide(&[0], Some(1000));
    assert!(
        all_there.contains(
            "set 0.00 % of ops, 9.1 % asked — each of the 10 writers made operations in every \
             window"
        ),
        "{all_there}"
    );
    let on_time = guide(&[3], None);
    assert!(
        on_time.contains(
            "in 3 of the 3 windows up to 3 of the 10 writers made no operation; the window \
             closed on time, so which clients it measured was the scheduler's pick"
        ),
        "{on_time}"
    );
    // A run whose windows closed on time recorded no absence: nothing is said of it.
    let old = guide(&[0], None);
    assert!(!old.contains("made no operation"), "{old}");
    assert!(!old.contains("made operations in every window"), "{old}");
}

#[test]
fn the_guide_says_why_each_unresolved_comparison_claims_nothing() {
    let results = fixture();
    let analysis = statebench_report::guide::Analysis::new(&results);
    let o = analysis.outcomes();
    let (m, _, _) = analysis.size();
    assert_eq!(
        o.differ + o.same + o.cannot_tell + o.starved + o.no_data,
        m,
        "every planned comparison is counted once: {o:?}"
    );
    // dashmap starved its writers: its comparisons (with mutex_std, in the one threads cell of
    // seed_nosleep) claim nothing for that reason.
    assert_eq!(o.starved, 1, "{o:?}");
    // rwlock_std is 3 % ahead of mutex_std at kv_read_heavy / threads / 8 with ±10 % noise.
    assert!(o.cannot_tell >= 1, "{o:?}");
    let text = statebench_report::guide::decision_guide(&results);
    let line = format!(
        "Of the {m} planned comparisons, {} claim a difference and {} sameness ({} of these \
         claims near their line: a fresh run of the same size would make each again with a \
         chance under 99 %; the report marks those it states, ‡ or \"near its line\"); {} claim \
         nothing: {} because their interval reaches across the ±10 % line",
        o.differ,
        o.same,
        o.near_line,
        o.cannot_tell + o.starved + o.no_data,
        o.cannot_tell
    );
    assert!(text.contains(&line), "{text}");
    // Every claim here clears its line by far (the near-line words are tested on a
    // committed run below).
    assert_eq!(o.near_line, 0, "{o:?}");
    assert!(!text.contains("near its ±10 % line"), "{text}");
    assert!(
        text.contains(&format!(
            "{} because a compared row did not serve the mix asked for, and {} because a row was \
             not measured or has a single sample.",
            o.starved, o.no_data
        )),
        "{text}"
    );
}

/// A claim near its line says so where the guide makes it, with its chance of repeating: in a
/// committed run of the main job, the families' claims of `dashmap` over `mutex_parking_lot` at
/// 64 OS threads (ratios 1.2-1.3×, a lower bound within 5 % of the 10 % line).
#[test]
fn a_claim_near_its_line_says_how_often_a_fresh_run_would_make_it() {
    let run = statebench_harness::fixture::committed("2026-12-05-epyc-after/run-1");
    let run = statebench_harness::placement::view(&run, statebench_harness::placement::View::Near);
    let analysis = statebench_report::guide::Analysis::new(&run);
    let o = analysis.outcomes();
    assert!(o.near_line > 0 && o.near_line < o.differ + o.same, "{o:?}");
    let text = statebench_report::guide::decision_guide(&run);
    let marked: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("near its ±10 % line: a fresh run would make this claim again"))
        .collect();
    assert!(!marked.is_empty(), "{text}");
    for line in &marked {
        // "about N times in 100", N from 2 to 98, or once or less: a firm claim is not marked.
        let n = line
            .split("again about ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<u32>().ok());
        assert!(
            n.is_some_and(|n| (2..=98).contains(&n))
                || line.contains("again about once in 100")
                || line.contains("again less than once in 100"),
            "{line}"
        );
    }
    assert!(
        marked
            .iter()
            .any(|l| l.contains("`kv_read_heavy` called from OS threads with 64 clients")),
        "{marked:?}"
    );
    // The summary marks a row that trails its leader by such a claim, and only then the legend.
    let table = summary(&run);
    // Rust's rows (the statements are theirs; Go's rows are marked alike).
    let marks: usize = table
        .lines()
        .filter(|l| l.starts_with('|') && l.split('|').nth(2).map(str::trim) != Some("goroutines"))
        .map(|l| l.matches('‡').count())
        .sum();
    // One mark for each "trails the leaders" the run states but not firmly.
    let near_line_trails = analysis
        .statements_marked()
        .iter()
        .filter(|(s, firm)| !firm && s.what.ends_with("trails the leaders"))
        .count();
    assert!(marks > 0, "{table}");
    assert_eq!(marks, near_line_trails, "{table}");
    assert!(
        table.contains("‡ trails the leader by a claim near its ±10 % line"),
        "{table}"
    );
    assert!(!summary(&fixture()).contains('‡'));
}

/// Plots stay readable at any number of rows: on the committed run of every strategy (26 of
/// them, three drivers), no panel draws more than ten lines, no two lines of a panel share a
/// colour, every row has one panel, and each panel of a plot carries the legend of its lines.
#[test]
fn every_plot_panel_holds_at_most_ten_lines_each_in_its_own_colour() {
    use statebench_report::plots::{MAX_LINES, colour, panels, style_of};
    let results = statebench_harness::fixture::committed("2026-12-01-vm-all");
    let panels = panels(&results);
    assert!(panels.len() >= 6, "{panels:?}");
    let mut placed = std::collections::BTreeSet::new();
    for p in &panels {
        assert!(
            !p.rows.is_empty() && p.rows.len() <= MAX_LINES,
            "{}: {} lines",
            p.title,
            p.rows.len()
        );
        for row in &p.rows {
            assert!(placed.insert(row.clone()), "{row:?} is in two panels");
        }
    }
    for r in &results.records {
        assert!(
            placed.contains(&(r.implementation.clone(), r.driver)),
            "{} ({}) has no panel",
            r.implementation,
            r.driver.name()
        );
    }
    let svg = statebench_report::plots::throughput(&results, "kv_read_heavy")
        .expect("drawn")
        .expect("a plot");
    for p in panels
        .iter()
        .filter(|p| p.rows.iter().any(|(n, _)| n == "mutex_std"))
    {
        assert!(
            svg.contains(&p.title),
            "the plot lacks the panel {:?}",
            p.title
        );
    }
    // Within each panel, every line its own colour, and neighbours their own dash.
    for p in &panels {
        let styles: Vec<_> = p
            .rows
            .iter()
            .map(|(n, d)| style_of(&panels, n, *d))
            .collect();
        for (i, a) in styles.iter().enumerate() {
            assert!(
                styles[i + 1..].iter().all(|b| b.0 != a.0),
                "{}: two lines share a colour",
                p.title
            );
            if let Some(next) = styles.get(i + 1) {
                assert_ne!(a.1, next.1, "{}: neighbours share a dash", p.title);
            }
        }
    }
    // And the colour a row has is the one drawn.
    let mutex = colour(&results, "mutex_std");
    let hex = format!("#{:02X}{:02X}{:02X}", mutex.0, mutex.1, mutex.2);
    assert!(svg.to_uppercase().contains(&hex));
}
