//! `statebench compare` on planted data: a slowdown is called slower, the same figures are not,
//! noise is called inconclusive with low power, and documents that measured differently, or
//! cannot be pooled, are refused with the reason.

use statebench_core::Family;
use statebench_harness::driver::Repetition;
use statebench_harness::results::{Record, Results, RunSettings};
use statebench_harness::{Driver, fixture};
use statebench_report::compare::{Change, Comparison, Mode, Options};

/// A record of `rates` (one repetition each).
fn record(implementation: &str, rates: &[f64]) -> Record {
    let repetitions: Vec<Repetition> = rates
        .iter()
        .enumerate()
        .map(|(i, &rate)| Repetition {
            trial: i as u32,
            at_ms: i as u64 * 100,
            round_trip_ns: None,
            round_trip_after_ns: None,
            ..fixture::served("kv_read_heavy", 1, rate)
        })
        .collect();
    fixture::record(
        "kv_read_heavy",
        implementation,
        Family::Lock,
        Driver::Threads,
        1,
        repetitions,
    )
}

/// `n` rates around `center`, spread by ±`spread` (a fixed zigzag: deterministic).
fn around(center: f64, spread: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let step = (i % 5) as f64 / 2.0 - 1.0; // -1, -0.5, 0, 0.5, 1
            center * (1.0 + spread * step)
        })
        .collect()
}

fn run(created: &str, records: Vec<Record>) -> Results {
    let mut results = fixture::results(&["kv_read_heavy"], records);
    results.created = created.into();
    results.settings = RunSettings {
        warmup_ms: 30,
        duration_ms: Some(60),
        sample_every: Some(1024),
        drivers: vec![Driver::Threads],
        clients: vec![1],
        suite: Some("ci".into()),
        ..results.settings
    };
    results
}

fn compare(base: Vec<Results>, new: Vec<Results>) -> Comparison {
    Comparison::of(base, new, Options::default(), false).expect("comparable")
}

fn row<'c>(c: &'c Comparison, implementation: &str) -> &'c statebench_report::compare::Row {
    c.rows
        .iter()
        .find(|r| r.implementation == implementation)
        .expect("compared")
}

#[test]
fn a_planted_slowdown_is_slower_and_fails_the_gate() {
    let base = run(
        "2026-11-30T10:00:00Z",
        vec![
            record("mutex_std", &around(1e7, 0.02, 20)),
            record("dashmap", &around(2e7, 0.02, 20)),
        ],
    );
    let new = run(
        "2026-11-30T10:00:30Z",
        vec![
            record("mutex_std", &around(0.8e7, 0.02, 20)),
            record("dashmap", &around(2e7, 0.02, 20)),
        ],
    );
    let c = compare(vec![base], vec![new]);
    let slow = row(&c, "mutex_std");
    assert_eq!(slow.change, Change::Slower);
    let ratio = slow.ratio.expect("interval");
    assert!((ratio - 0.8).abs() < 0.01, "{ratio}");
    assert!(slow.high.expect("interval") < 1.0 / 1.05);
    assert_eq!(row(&c, "dashmap").change, Change::Unchanged);
    // One run a side: the interval is over repetitions, which gate only when asked to.
    assert!(c.regressed(true));
    assert!(
        !c.regressed(false),
        "one run a side must not gate unless asked"
    );
    // Slower records come first; the headline counts them.
    assert_eq!(c.rows[0].implementation, "mutex_std");
    assert!(
        c.headline()
            .starts_with("2 records: 1 slower, 0 faster, 1 unchanged")
    );
    let md = c.render_markdown();
    assert!(md.contains("⚠️") && md.contains("<details>") && md.contains("mutex_std"));
    let json: serde_json::Value = serde_json::from_str(&c.to_json()).expect("json");
    assert_eq!(json["rows"][0]["change"], "slower");
}

#[test]
fn a_speedup_is_faster_and_passes() {
    let base = run(
        "2026-11-30T10:00:00Z",
        vec![record("mutex_std", &around(1e7, 0.02, 20))],
    );
    let new = run(
        "2026-11-30T10:00:30Z",
        vec![record("mutex_std", &around(1.3e7, 0.02, 20))],
    );
    let c = compare(vec![base], vec![new]);
    assert_eq!(c.rows[0].change, Change::Faster);
    assert!(!c.regressed(true));
    assert!(c.render_markdown().contains("✅"));
}

#[test]
fn noise_is_inconclusive_with_low_power_never_slower() {
    // ±40 % spread over five repetitions: a 10 % slowdown could not show.
    let base = run(
        "2026-11-30T10:00:00Z",
        vec![record("mutex_std", &around(1e7, 0.4, 5))],
    );
    let new = run(
        "2026-11-30T10:00:30Z",
        vec![record("mutex_std", &around(0.95e7, 0.4, 5))],
    );
    let c = compare(vec![base], vec![new]);
    let r = &c.rows[0];
    assert_eq!(r.change, Change::Inconclusive);
    assert!(r.low_power && r.detects.expect("interval") > 0.10);
    assert!(!c.regressed(true));
    assert!(c.headline().contains("low power"));
    // One repetition a side: no interval, inconclusive.
    let base = run("2026-11-30T10:00:00Z", vec![record("mutex_std", &[1e7])]);
    let new = run("2026-11-30T10:00:30Z", vec![record("mutex_std", &[0.5e7])]);
    let c = compare(vec![base], vec![new]);
    assert_eq!(c.rows[0].change, Change::Inconclusive);
    assert_eq!(c.rows[0].ratio, None);
    assert!(!c.regressed(true));
}

#[test]
fn detects_shrinks_with_more_repetitions() {
    let detects = |n: usize| {
        let base = run(
            "2026-11-30T10:00:00Z",
            vec![record("mutex_std", &around(1e7, 0.1, n))],
        );
        let new = run(
            "2026-11-30T10:00:30Z",
            vec![record("mutex_std", &around(1e7, 0.1, n))],
        );
        compare(vec![base], vec![new]).rows[0]
            .detects
            .expect("interval")
    };
    let (few, many) = (detects(5), detects(40));
    assert!(many < few, "{many} !< {few}");
    // Never below the threshold itself: a slowdown must exceed it to be called.
    assert!(many > 1.0 - 1.0 / 1.05);
}

#[test]
fn interleaved_runs_on_one_host_are_one_job_and_pool() {
    let a1 = run(
        "2026-11-30T10:00:00Z",
        vec![record("mutex_std", &around(1e7, 0.02, 5))],
    );
    let b1 = run(
        "2026-11-30T10:01:00Z",
        vec![record("mutex_std", &around(1e7, 0.02, 5))],
    );
    let b2 = run(
        "2026-11-30T10:02:00Z",
        vec![record("mutex_std", &around(1e7, 0.02, 5))],
    );
    let a2 = run(
        "2026-11-30T10:03:00Z",
        vec![record("mutex_std", &around(1e7, 0.02, 5))],
    );
    let c = compare(vec![a1.clone(), a2.clone()], vec![b1.clone(), b2.clone()]);
    assert_eq!(c.mode, Mode::SameJob);
    assert_eq!((c.base.runs, c.new.runs), (2, 2));
    assert_eq!(c.rows[0].base.repetitions, 10);
    assert!(c.render_table().contains("Same job"));
    // One side's runs all before the other's (A A B B): drift could line up with the sides.
    let c = compare(vec![a1, b1], vec![b2, a2]);
    assert_eq!(c.mode, Mode::StoredBaseline);
    // Another day: a stored baseline, said to be the weaker mode.
    let early = run(
        "2026-11-29T10:00:00Z",
        vec![record("mutex_std", &around(1e7, 0.02, 5))],
    );
    let late = run(
        "2026-11-30T10:00:00Z",
        vec![record("mutex_std", &around(1e7, 0.02, 5))],
    );
    let c = compare(vec![early], vec![late]);
    assert_eq!(c.mode, Mode::StoredBaseline);
    assert!(c.render_table().contains("weaker mode"));
}

#[test]
fn different_measurements_are_refused_unless_allowed() {
    let base = run(
        "2026-11-30T10:00:00Z",
        vec![record("mutex_std", &around(1e7, 0.02, 5))],
    );
    let mut new = run(
        "2026-11-30T10:00:30Z",
        vec![record("mutex_std", &around(1e7, 0.02, 5))],
    );
    new.settings.warmup_ms = 100;
    let err = Comparison::of(
        vec![base.clone()],
        vec![new.clone()],
        Options::default(),
        false,
    )
    .expect_err("refused");
    assert!(err.contains("warm-up"), "{err}");
    let c =
        Comparison::of(vec![base.clone()], vec![new], Options::default(), true).expect("allowed");
    assert!(c.differences.iter().any(|d| d.contains("warm-up")));

    // So is a run whose strategies were set otherwise (more shards, say).
    let mut sharded = base.clone();
    sharded.settings.tuning.shards = 4;
    let err = Comparison::of(vec![base.clone()], vec![sharded], Options::default(), false)
        .expect_err("refused");
    assert!(
        err.contains("strategies' settings") && err.contains("4 shards"),
        "{err}"
    );

    // And a run whose windows waited for every client, against one whose closed on time.
    let mut waited = base.clone();
    waited.settings.cover_ms = Some(1000);
    let err = Comparison::of(vec![base.clone()], vec![waited], Options::default(), false)
        .expect_err("refused");
    assert!(
        err.contains("the windows differ")
            && err.contains("waited up to 1000 ms for every client")
            && err.contains("closed at their duration"),
        "{err}"
    );

    // A side pooled from two commits is refused too.
    let mut other = base.clone();
    other.machine.commit = "0123456789ab".into();
    let err = Comparison::of(
        vec![base.clone(), other],
        vec![base.clone()],
        Options::default(),
        false,
    )
    .expect_err("refused");
    assert!(err.contains("BASE") && err.contains("commit"), "{err}");

    // No shared record.
    let mut elsewhere = base.clone();
    elsewhere.records[0].implementation = "dashmap".into();
    let err = Comparison::of(
        vec![base.clone()],
        vec![elsewhere],
        Options::default(),
        false,
    )
    .expect_err("refused");
    assert!(err.contains("share no record"), "{err}");
}

#[test]
fn records_on_one_side_only_are_listed_not_compared() {
    let base = run(
        "2026-11-30T10:00:00Z",
        vec![
            record("mutex_std", &around(1e7, 0.02, 5)),
            record("owner_thread", &around(1e6, 0.02, 5)),
        ],
    );
    let new = run(
        "2026-11-30T10:00:30Z",
        vec![
            record("mutex_std", &around(1e7, 0.02, 5)),
            record("dashmap", &around(2e7, 0.02, 5)),
        ],
    );
    let c = compare(vec![base], vec![new]);
    assert_eq!(c.rows.len(), 1);
    assert_eq!(c.only_base, vec!["kv_read_heavy owner_thread threads×1"]);
    assert_eq!(c.only_new, vec!["kv_read_heavy dashmap threads×1"]);
    assert!(c.render_table().contains("only in BASE"));
}

#[test]
fn with_three_runs_a_side_the_run_is_the_unit_and_one_slow_run_is_no_slowdown() {
    // Tight repetitions in every run; one NEW run sits 40 % low, as a process that drew a slow
    // regime does. Interleaved in time: A B B A A B.
    let make = |at: &[&str], levels: &[f64]| -> Vec<Results> {
        at.iter()
            .zip(levels)
            .map(|(t, l)| run(t, vec![record("dashmap", &around(*l, 0.02, 10))]))
            .collect()
    };
    let base = make(
        &[
            "2026-11-30T10:00:00Z",
            "2026-11-30T10:03:00Z",
            "2026-11-30T10:04:00Z",
        ],
        &[1e7, 1e7, 1e7],
    );
    let new = make(
        &[
            "2026-11-30T10:01:00Z",
            "2026-11-30T10:02:00Z",
            "2026-11-30T10:05:00Z",
        ],
        &[1e7, 1e7, 0.6e7],
    );
    let c = compare(base.clone(), new.clone());
    let r = &c.rows[0];
    assert_eq!(r.unit, statebench_report::compare::Unit::Runs);
    assert_eq!((r.base.runs, r.new.runs), (3, 3));
    assert_eq!(r.change, Change::Inconclusive, "{r:?}");
    assert!(!c.regressed(true));
    // Pooled, each run stays a pass of its own, so the pool compares the same way.
    let pooled = |runs: Vec<Results>| vec![Results::pool(runs).expect("one build")];
    let c = compare(pooled(base.clone()), pooled(new.clone()));
    assert_eq!(c.rows[0].unit, statebench_report::compare::Unit::Runs);
    assert_eq!((c.rows[0].base.runs, c.rows[0].new.runs), (3, 3));
    assert_eq!(c.rows[0].change, Change::Inconclusive, "{:?}", c.rows[0]);
    // The same repetitions taken as independent (one process a side) would call it slower:
    // why the run is the unit wherever there are enough runs.
    let one_process = |runs: Vec<Results>| {
        let mut pool = Results::pool(runs).expect("one build");
        pool.settings.passes = 1;
        for rep in pool
            .records
            .iter_mut()
            .flat_map(|r| r.repetitions.iter_mut())
        {
            rep.pass = 0;
        }
        vec![pool]
    };
    let c = compare(one_process(base), one_process(new));
    let r = &c.rows[0];
    assert_eq!(r.unit, statebench_report::compare::Unit::Repetitions);
    assert_eq!(r.change, Change::Slower, "{r:?}");
    assert!(c.headline().contains("may be too narrow"));
    // ... and so, unless asked, such a record fails no gate.
    assert!(!c.regressed(false) && c.regressed(true));
    assert!(c.headline().contains("--gate-on-repetitions"));
    // Every run of NEW slower: the runs tell it, and it gates without being asked.
    let slow = make(
        &[
            "2026-11-30T10:01:00Z",
            "2026-11-30T10:02:00Z",
            "2026-11-30T10:05:00Z",
        ],
        &[0.8e7, 0.8e7, 0.8e7],
    );
    let base = make(
        &[
            "2026-11-30T10:00:00Z",
            "2026-11-30T10:03:00Z",
            "2026-11-30T10:04:00Z",
        ],
        &[1e7, 1.01e7, 0.99e7],
    );
    let c = compare(base, slow);
    assert_eq!(c.rows[0].unit, statebench_report::compare::Unit::Runs);
    assert_eq!(c.rows[0].change, Change::Slower, "{:?}", c.rows[0]);
    assert!(c.regressed(false));
}

#[test]
fn instruction_counts_compare_each_process_and_show_instructions() {
    // 300 instructions per operation, five counts a side, each its own processes.
    let mut base = run(
        "2026-11-30T10:00:00Z",
        vec![record("mutex_std", &around(1e9 / 300.0, 0.001, 5))],
    );
    let mut new = run(
        "2026-11-30T11:00:00Z",
        vec![record("mutex_std", &around(1e9 / 306.0, 0.001, 5))],
    );
    for side in [&mut base, &mut new] {
        side.settings.metric = Some("instructions".into());
    }
    let options = Options {
        threshold: 0.01,
        ..Options::default()
    };
    let c = Comparison::of(vec![base], vec![new], options, false).expect("comparable");
    let r = &c.rows[0];
    assert_eq!(r.unit, statebench_report::compare::Unit::Processes);
    assert_eq!(r.change, Change::Slower, "2 % more instructions: {r:?}");
    let table = c.render_table();
    assert!(
        table.contains("BASE instr/op") && table.contains("300.0"),
        "{table}"
    );
    assert!(!c.headline().contains("too narrow"));
    assert!(
        !table.contains("weaker mode"),
        "the load does not move counts: {table}"
    );
}

#[test]
fn single_repetitions_make_no_interval_and_the_method_line_says_so() {
    let base = run("2026-11-30T10:00:00Z", vec![record("mutex_std", &[1e7])]);
    let new = run("2026-11-30T10:00:30Z", vec![record("mutex_std", &[0.5e7])]);
    let c = compare(vec![base], vec![new]);
    assert_eq!(row(&c, "mutex_std").change, Change::Inconclusive);
    assert!(
        !c.regressed(true),
        "no interval, no verdict: a halving is not called slower"
    );
    let table = c.render_table();
    assert!(
        table.contains("No record had the repetitions an interval needs"),
        "{table}"
    );
    assert!(!table.contains("a no interval") && !table.contains("for 0 records"));
}

/// Sides whose trials ran with the cores far apart in shares a tenth apart or more are named
/// as differing: rows that share data change speed there, which reads like a change of code.
#[test]
fn sides_whose_cores_stood_apart_differently_say_so() {
    let probed = |created: &str, far_every: usize| {
        let mut r = run(created, vec![record("mutex_std", &around(1e7, 0.02, 20))]);
        for (i, rep) in r.records[0].repetitions.iter_mut().enumerate() {
            let far = far_every > 0 && i % far_every == 0;
            rep.round_trip_ns = Some(if far { 450.0 } else { 74.0 });
        }
        r
    };
    let placement = |c: &Comparison| {
        c.differences
            .iter()
            .find(|d| d.starts_with("cores' placement"))
            .cloned()
    };
    // 5 % far against none: alike enough.
    let c = compare(
        vec![probed("2026-11-30T10:00:00Z", 0)],
        vec![probed("2026-11-30T10:00:30Z", 20)],
    );
    assert_eq!(placement(&c), None, "{:?}", c.differences);
    // Half far against none.
    let c = compare(
        vec![probed("2026-11-30T10:00:00Z", 0)],
        vec![probed("2026-11-30T10:00:30Z", 2)],
    );
    assert_eq!(
        placement(&c).as_deref(),
        Some(
            "cores' placement: 0 % of BASE's trials ran with the cores far apart (cross-core \
             round trip median 74 ns), 50 % of NEW's (262 ns); rows that share data change speed there"
        ),
        "{:?}",
        c.differences
    );
}

/// A cell both sides measured but one side never ran in the placement read is not compared,
/// and is said so — not listed as measured by one side only.
#[test]
fn a_cell_a_view_empties_on_one_side_is_named_not_called_one_sided() {
    // Every other trial far, except BASE's dashmap: near throughout.
    let probed = |created: &str, dashmap_near: bool| {
        let mut r = run(
            created,
            vec![
                record("mutex_std", &around(1e7, 0.02, 6)),
                record("dashmap", &around(2e7, 0.02, 6)),
            ],
        );
        for record in &mut r.records {
            let all_near = dashmap_near && record.implementation == "dashmap";
            for (i, rep) in record.repetitions.iter_mut().enumerate() {
                let far = !all_near && i % 2 == 0;
                rep.round_trip_ns = Some(if far { 450.0 } else { 74.0 });
            }
        }
        r
    };
    let read = |view| {
        let options = Options {
            view,
            ..Options::default()
        };
        Comparison::of(
            vec![probed("2026-11-30T10:00:00Z", true)],
            vec![probed("2026-11-30T10:00:30Z", false)],
            options,
            false,
        )
        .expect("comparable")
    };
    let near = read(statebench_harness::placement::View::Near);
    assert_eq!(near.rows.len(), 2, "{:?}", near.rows);
    let far = read(statebench_harness::placement::View::Far);
    assert!(
        far.only_base.is_empty() && far.only_new.is_empty(),
        "{far:?}"
    );
    assert_eq!(far.rows.len(), 1, "{:?}", far.rows);
    assert!(
        far.differences.iter().any(|d| d.starts_with(
            "1 cell both sides measured has no trial run with the cores far on one side or \
             both, and is not compared"
        ) && d.contains("dashmap")),
        "{:?}",
        far.differences
    );
}

/// docs/CI.md's "Which build it counts": the committed instruction counts before and after
/// issue 33's module moves, compared at 1 % as `ci-regress.sh --tier instructions` compares.
#[test]
fn the_ci_doc_s_build_figures_come_from_the_committed_counts() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let folder = root.join("results/2026-12-06-epyc-layout");
    let read =
        |name: &str| Results::load(&folder.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let verdicts = |build: &str| {
        let (base, new) = (
            read(&format!("{build}-base.json")),
            read(&format!("{build}-new.json")),
        );
        assert_eq!(
            base.machine.commit,
            "8cfe5480dd39197bfcd4e73a79fca9c4a7d0e314"
        );
        let options = Options {
            threshold: 0.01,
            ..Options::default()
        };
        let c = Comparison::of(vec![base], vec![new], options, false).expect("comparable");
        let count = |change| c.rows.iter().filter(|r| r.change == change).count();
        (count(Change::Slower), count(Change::Faster))
    };
    let (quick, release) = (verdicts("quick"), verdicts("release"));
    // What the figures say: the quick builds disagree where the code did not change.
    assert!(
        quick.0 + quick.1 > 0 && release == (0, 0),
        "{quick:?} {release:?}"
    );
    // Compared with the lines joined, so that rewrapping the paragraph does not matter.
    let doc = std::fs::read_to_string(root.join("docs/CI.md"))
        .expect("docs/CI.md")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let line = format!(
        "1 %, the quick builds' A/B called {} record{} slower and {} faster, the release builds' {} \
         and {}",
        quick.0,
        if quick.0 == 1 { "" } else { "s" },
        quick.1,
        release.0,
        release.1
    );
    assert!(doc.contains(&line), "docs/CI.md lacks {line:?}");
}
