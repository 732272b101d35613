//! The command line, run as a user would.

use std::process::Command;

/// Runs the binary. On a machine without Go the tests do not install it (a run would): its rows
/// are then turned off, and the tests that look for them say so.
fn statebench(args: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_statebench"));
    command.args(args);
    if statebench::go::toolchain().is_err() {
        command.env("STATEBENCH_GO", "off");
    }
    command.output().expect("the statebench binary runs")
}

#[test]
fn list_names_every_registered_pair() {
    let out = statebench(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for service in statebench_core::SERVICES.iter().map(|s| s.name) {
        assert!(text.contains(service), "{service} missing from:\n{text}");
        for name in statebench::registry::implementations(service) {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }
    let pairs = statebench::registry::pairs().len();
    assert!(
        text.contains(&format!("{pairs} (service, implementation) pairs")),
        "{text}"
    );
}

#[test]
fn an_unknown_command_is_a_usage_error_with_status_2() {
    usage_error(&["frobnicate"], "unrecognized subcommand 'frobnicate'");
}

#[test]
fn help_describes_the_commands() {
    let out = statebench(&["--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("list"));
}

/// `args` must be refused: exit status 2, one line on stderr that names `mentions`, no panic,
/// nothing on stdout but what was printed before the input was found wrong.
fn usage_error(args: &[&str], mentions: &str) {
    let out = statebench(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} should be a usage error: {err}"
    );
    assert!(
        err.contains(mentions),
        "{args:?}: the message should name {mentions:?}: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one line, not {err:?}"
    );
    assert!(err.starts_with("statebench: "), "{args:?}: {err:?}");
}

#[test]
fn run_refuses_bad_input_with_status_2_and_a_reason() {
    usage_error(&["run", "--workload", "nope"], "unknown workload \"nope\"");
    usage_error(
        &["run", "--impl", "nope"],
        "unknown implementation \"nope\"",
    );
    usage_error(&["run", "--clients", "0"], "at least 1");
    usage_error(&["run", "--clients", "1,x"], "\"x\" is not a client count");
    usage_error(&["run", "--clients", "100000"], "more than the 4096");
    usage_error(&["run", "--duration", "soon"], "not a duration");
    usage_error(&["run", "--duration", "5"], "needs a unit");
    usage_error(&["run", "--duration", "0s"], "more than 0");
    usage_error(&["run", "--driver", "fibers"], "unknown driver \"fibers\"");
    usage_error(&["run", "--sample-every", "3"], "power of two");
    usage_error(
        &["run", "--workload", "seed", "--clients", "1"],
        "at least 2 clients",
    );
    usage_error(
        &["run", "--workload", "kv_read_heavy", "--impl", "atomic"],
        "serves counter",
    );
    usage_error(
        &[
            "run",
            "--workload",
            "counter",
            "--out",
            "/proc/statebench/r.json",
        ],
        "cannot",
    );
    usage_error(&["run", "--shards", "0"], "--shards");
    usage_error(&["run", "--owner-spin", "2s"], "longer than a second");
    usage_error(
        &["run", "--caller-spin", "0.4us"],
        "shorter than a microsecond",
    );
    usage_error(&["report", "--owner-spin", "soon"], "not a duration");
    usage_error(&["run", "--wait-for-clients", "61m"], "at most an hour");
    usage_error(
        &["run", "--wait-for-clients", "500us"],
        "shorter than a millisecond",
    );
    usage_error(
        &["run", "--wait-for-clients", "1.5ms"],
        "whole number of milliseconds",
    );
    usage_error(&["run", "--wait-for-clients", "0h"], "unknown unit");
    // (Refused before anything is written: --out keeps a mistake away from the committed run.)
    let scratch = std::env::temp_dir().join(format!("statebench-beside-{}", std::process::id()));
    let scratch = scratch.to_str().expect("a UTF-8 path");
    usage_error(
        &[
            "report",
            "--beside",
            "/nonexistent/run",
            "--from",
            "results/2026-12-01-vm-core/results.json",
            "--out",
            scratch,
        ],
        "--beside: cannot read /nonexistent/run",
    );
    usage_error(
        &[
            "report",
            "--beside",
            "results/2026-12-01-vm-core",
            "--from",
            "results/2026-12-01-vm-core/results.json",
            "--out",
            scratch,
        ],
        "--beside: results/2026-12-01-vm-core is the run being reported",
    );
    usage_error(
        &[
            "run",
            "--wait-for-clients",
            "1s",
            "--like",
            "results/2026-12-01-vm-all",
        ],
        "cannot be used with",
    );
    usage_error(&["run", "--rate", "fast"], "rate \"fast\"");
    usage_error(&["run", "--rate", "0.5"], "whole");
    usage_error(&["run", "--rate", "10k,10k"], "--rate: 10k is given twice");
    usage_error(
        &["run", "--workload", "seed", "--rate", "10k"],
        "think_us (1000 µs) and rate_per_s",
    );
    usage_error(&["run", "--suite", "ci", "--rate", "10k"], "--rate");
}

#[test]
fn the_strategies_knobs_are_set_from_the_command_line_and_recorded() {
    let dir = std::env::temp_dir().join(format!("statebench-tuning-{}", std::process::id()));
    let out_path = dir.join("run.json");
    let path = out_path.to_str().expect("a UTF-8 temp path");
    let out = statebench(&[
        "run",
        "-w",
        "kv_read_heavy",
        "-i",
        "sharded_thread",
        "-i",
        "owner_thread_spin",
        "-d",
        "threads",
        "-c",
        "2",
        "--duration",
        "20ms",
        "--warmup",
        "5ms",
        "--shards",
        "3",
        "--owner-spin",
        "0",
        "--caller-spin",
        "5us",
        "-o",
        path,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results = statebench_harness::results::Results::load(&out_path).expect("reads back");
    let t = results.settings.tuning;
    assert_eq!(
        (t.shards, t.owner_spin_us, t.caller_spin_us),
        (3, 0, 5),
        "{t:?}"
    );
    assert_eq!(results.records.len(), 2);
    // The report's methodology (in its details) says how the strategies were set.
    let report = statebench_report::markdown::details(&results);
    assert!(
        report.contains(
            "sharded owners: 3 shards; spinning owner thread: polls 0 µs before it parks, its \
             blocking callers 5 µs"
        ),
        "{report}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_names_a_run_measures_the_core_set_and_all_of_them_with_all() {
    let dir = std::env::temp_dir().join(format!("statebench-core-{}", std::process::id()));
    let measured = |extra: &[&str], name: &str| {
        let out_path = dir.join(name);
        let mut args = vec![
            "run",
            "-w",
            "counter",
            "-d",
            "threads",
            "-c",
            "1",
            "--duration",
            "5ms",
            "--warmup",
            "2ms",
            "-o",
        ];
        args.push(out_path.to_str().expect("a UTF-8 temp path"));
        args.extend_from_slice(extra);
        let out = statebench(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let results = statebench_harness::results::Results::load(&out_path).expect("reads back");
        let mut names: Vec<String> = results
            .records
            .iter()
            .map(|r| r.implementation.clone())
            .collect();
        names.sort();
        (names, results.settings.implementations)
    };
    let every = statebench::registry::implementations("counter");
    let mut core: Vec<String> = every
        .iter()
        .filter(|n| statebench::runner::CORE.contains(n))
        .map(|n| n.to_string())
        .collect();
    core.sort();
    let (names, recorded) = measured(&[], "core.json");
    assert_eq!(names, core, "the core set's counters");
    assert_eq!(
        recorded.len(),
        statebench::runner::CORE.len(),
        "the set is recorded"
    );
    let (names, recorded) = measured(&["--all"], "all.json");
    let mut every: Vec<String> = every.iter().map(|n| n.to_string()).collect();
    every.sort();
    assert_eq!(names, every, "--all: every counter");
    assert!(recorded.is_empty(), "--all names none");
    usage_error(&["run", "--all", "--impl", "atomic"], "--all");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A small run of the counter (`atomic` and `mutex_std`, 2 threads, 10 ms of warm-up) with
/// `extra` options, written to `out`.
fn counter_run(out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        "-w",
        "counter",
        "-i",
        "atomic",
        "-i",
        "mutex_std",
        "-d",
        "threads",
        "-c",
        "2",
        "--warmup",
        "10ms",
        "-o",
    ];
    args.push(out.to_str().expect("a UTF-8 temp path"));
    args.extend(extra);
    statebench(&args)
}

#[test]
fn a_small_run_writes_a_results_file_that_reads_back() {
    let dir = std::env::temp_dir().join(format!("statebench-cli-{}", std::process::id()));
    let out_path = dir.join("run.json");
    let out = counter_run(&out_path, &["--duration", "50ms", "--repeat", "2"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("== counter") && stdout.contains("atomic") && stdout.contains("floors ("),
        "{stdout}"
    );
    let results =
        statebench_harness::results::Results::load(&out_path).expect("the file reads back");
    assert_eq!(results.records.len(), 2);
    for r in &results.records {
        assert_eq!(r.repetitions.len(), 2);
        assert!(r.summary.ops_per_sec.median > 0.0);
        assert!(
            r.repetitions
                .iter()
                .all(|rep| rep.ops_by_kind.contains_key("reset"))
        );
    }
    assert_eq!(results.settings.repeat, 2);
    assert!(results.settings.command.iter().any(|a| a == "atomic"));

    // `report --from` renders it into a folder, and renders it the same way every time.
    let report_dir = dir.join("report");
    let from = out_path.to_str().expect("a UTF-8 temp path");
    let to = report_dir.to_str().expect("a UTF-8 temp path");
    let render = || {
        let out = statebench(&["report", "--from", from, "--out", to]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("report: "));
        let page = std::fs::read_to_string(report_dir.join("report.html")).expect("a page");
        std::fs::read_to_string(report_dir.join("REPORT.md")).expect("REPORT.md written") + &page
    };
    let first = render();
    assert!(first.contains("## Summary"), "{first}");
    assert!(first.contains("id=\"data\">{"), "the page holds its data");
    let details =
        std::fs::read_to_string(report_dir.join("DETAILS.md")).expect("DETAILS.md written");
    assert!(details.contains("### `counter`"), "{details}");
    assert_eq!(first, render(), "the same results render the same report");
    assert_eq!(
        details,
        std::fs::read_to_string(report_dir.join("DETAILS.md")).expect("DETAILS.md written"),
        "and the same details"
    );
    assert!(
        report_dir.join("results.json").exists(),
        "the results sit beside the report"
    );
    // A folder that holds a run is never replaced: not by a new run, not by other results.
    usage_error(
        &["report", "--out", to],
        "already holds the results of a run",
    );
    // Another run: the same figures stamped at another time (re-rendering the same results
    // into their own folder stays allowed, as above).
    let other = dir.join("other.json");
    let mut another = statebench_harness::results::Results::load(&out_path).expect("reads");
    another.created = "2000-01-01T00:00:00Z".into();
    another.save(&other).expect("write the other run");
    usage_error(
        &[
            "report",
            "--from",
            other.to_str().expect("utf-8"),
            "--out",
            to,
        ],
        "already holds the results of another run",
    );
    assert_eq!(first, render(), "the refusals left the report as it was");
    // A run agrees with itself entirely.
    let from = out_path.to_str().expect("utf-8");
    let out = statebench(&["agreement", from, from]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("ranking agreement (Kendall tau per cell and pair of runs): median 1.000")
            && text.contains("(100.0 %)")
            && text.contains("0 reversed"),
        "{text}"
    );
    usage_error(&["agreement", from], "2 values required");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_of_passes_runs_each_in_a_process_of_its_own_and_compares_their_means() {
    let dir = std::env::temp_dir().join(format!("statebench-passes-{}", std::process::id()));
    let out_path = dir.join("run.json");
    let out = counter_run(
        &out_path,
        &["--duration", "20ms", "--repeat", "2", "--passes", "3"],
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("in each of 3 passes, each a fresh process"),
        "{stdout}"
    );
    // Each pass shows its progress under its own name.
    for pass in ["pass 1/3", "pass 2/3", "pass 3/3"] {
        assert!(stderr.contains(pass), "{stderr}");
    }
    let results =
        statebench_harness::results::Results::load(&out_path).expect("the file reads back");
    assert_eq!((results.settings.passes, results.settings.repeat), (3, 2));
    assert_eq!(results.records.len(), 2);
    let mut trials = Vec::new();
    for r in &results.records {
        let passes: Vec<u32> = r.repetitions.iter().map(|rep| rep.pass).collect();
        assert_eq!(passes, [0, 0, 1, 1, 2, 2], "{}", r.implementation);
        assert_eq!(
            r.unit(),
            statebench_harness::passes::Unit::Passes(3),
            "{}",
            r.implementation
        );
        assert_eq!(r.samples().len(), 3);
        trials.extend(r.repetitions.iter().map(|rep| rep.trial));
    }
    // Every trial records where the two cores stood before it, wherever they can be probed.
    if statebench_harness::floors::probe_round_trip().is_some() {
        for rep in results.records.iter().flat_map(|r| &r.repetitions) {
            assert!(
                rep.round_trip_ns.is_some_and(|ns| ns > 0.0),
                "trial {} was not probed",
                rep.trial
            );
        }
    }
    // Places in the run's order count over every pass: no two repetitions share one.
    trials.sort_unstable();
    trials.dedup();
    assert_eq!(trials.len(), 12, "{trials:?}");
    assert!(
        !out_path.with_extension("passes").exists(),
        "the passes' plans and records are cleaned up"
    );
    // The report says what its samples are.
    let report = dir.join("report");
    let out = statebench(&[
        "report",
        "--from",
        out_path.to_str().expect("utf-8"),
        "--out",
        report.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(report.join("REPORT.md")).expect("REPORT.md written");
    assert!(
        text.contains("over the geometric means of the run's 3 passes"),
        "{text}"
    );
    assert!(
        text.contains("measured where the cores stood")
            || statebench_harness::floors::probe_round_trip().is_none(),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn demo_prints_read_and_write_ops_for_every_strategy_and_driver() {
    let out = statebench(&["demo", "--duration", "50ms"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in statebench::registry::implementations("kv") {
        for driver in ["threads", "tasks"] {
            let lines = stdout
                .lines()
                .filter(|l| l.split_whitespace().take(2).eq([name, driver]))
                .filter(|l| l.contains("readOps:") && l.contains("writeOps:"))
                .count();
            assert_eq!(
                lines, 2,
                "{name} {driver}: once with the sleep, once without\n{stdout}"
            );
        }
    }
    assert!(
        stdout.contains("What bounds the sleeping version is the timer"),
        "{stdout}"
    );
    // Go's own four, where Go is there; else the reason.
    if statebench::go::toolchain().is_ok() {
        let kv = statebench::go::STRATEGIES
            .iter()
            .filter(|s| s.services.contains(&"kv"));
        for strategy in kv {
            let name = strategy.name;
            let lines = stdout
                .lines()
                .filter(|l| l.split_whitespace().take(2).eq([name, "goroutines"]))
                .filter(|l| l.contains("readOps:") && l.contains("writeOps:"))
                .count();
            assert_eq!(
                lines, 2,
                "{name}: once with the sleep, once without\n{stdout}"
            );
        }
    } else {
        assert!(stdout.contains("Go's own programs: not run"), "{stdout}");
    }
    usage_error(&["demo", "--duration=-1s"], "not a duration");
}

#[test]
fn without_go_the_go_rows_are_skipped_with_a_reason_and_a_named_one_refused() {
    let dir = std::env::temp_dir().join(format!("statebench-nogo-{}", std::process::id()));
    let out_path = dir.join("run.json");
    let without_go = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_statebench"))
            .args(args)
            .env("STATEBENCH_GO", "off")
            .output()
            .expect("the statebench binary runs")
    };
    let out = without_go(&[
        "run",
        "-w",
        "counter",
        "-c",
        "1",
        "--duration",
        "5ms",
        "--warmup",
        "2ms",
        "-o",
        out_path.to_str().expect("a UTF-8 temp path"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Go's rows: not run — Go's rows are off (STATEBENCH_GO=off)"),
        "{stdout}"
    );
    let results = statebench_harness::results::Results::load(&out_path).expect("reads back");
    assert!(results.machine.go.is_none() && results.floors.go_sleep_1ms_ns.is_none());
    let out = without_go(&[
        "run",
        "-w",
        "counter",
        "-i",
        "go_mutex",
        "--duration",
        "5ms",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("go_mutex is one of Go's own programs, and Go is not available"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_workload_file_runs_like_a_built_in_and_a_bad_one_is_refused_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("statebench-wfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let good = dir.join("orders.toml");
    std::fs::write(
        &good,
        "name = \"orders\"\nservice = \"kv\"\nkeys = 64\n\n[[groups]]\nshare = 1\n\
         mix = [{ op = \"get\", percent = 80 }, { op = \"set\", percent = 20 }]\n",
    )
    .expect("writes");
    let out_path = dir.join("run.json");
    let out = statebench(&[
        "run",
        "--workload-file",
        good.to_str().expect("UTF-8"),
        "-i",
        "mutex_std",
        "-d",
        "threads",
        "-c",
        "1,2",
        "--duration",
        "5ms",
        "--warmup",
        "2ms",
        "-o",
        out_path.to_str().expect("UTF-8"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("workloads from files: orders (from "),
        "{stdout}"
    );
    let results = statebench_harness::results::Results::load(&out_path).expect("reads back");
    // Only the file's workload ran, at both client counts, and its full definition is kept.
    let names: Vec<(&str, usize)> = results
        .records
        .iter()
        .map(|r| (r.workload.as_str(), r.clients))
        .collect();
    assert_eq!(names, [("orders", 1), ("orders", 2)]);
    let w = &results.settings.workloads[0];
    assert_eq!((w.keys, w.prefill, w.duration_ms), (64, true, 100));
    // Bad files: the field and the problem named, exit status 2.
    for (text, says) in [
        (
            "name = \"orders\"\nservice = \"kv\"\nkeyz = 3\n",
            "unknown field `keyz`",
        ),
        (
            "name = \"seed\"\nservice = \"kv\"\n[[groups]]\nshare = 1\nmix = [{ op = \"get\", percent = 100 }]\n",
            "built-in",
        ),
        (
            "name = \"x\"\nservice = \"kv\"\n[[groups]]\nshare = 1\nmix = [{ op = \"get\", percent = 50 }]\n",
            "adds up to 50 %",
        ),
    ] {
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, text).expect("writes");
        usage_error(
            &[
                "run",
                "--workload-file",
                bad.to_str().expect("UTF-8"),
                "--duration",
                "5ms",
            ],
            says,
        );
    }
    usage_error(
        &["run", "--workload-file", "/no/such/file.toml"],
        "cannot read it",
    );
    usage_error(&["run", "--workload-file", "w.yaml"], ".toml or .json");
    // The built-ins as examples, in the format a file is read in.
    let out = statebench(&["list", "--workloads", "--format", "toml"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("# workload seed") && text.contains("name = \"kv_read_heavy\""),
        "{text}"
    );
    assert!(text.contains("[[groups]]"), "{text}");
    let out = statebench(&["list", "--workloads", "--format", "json"]);
    let parsed: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("list --format json is JSON");
    assert_eq!(
        parsed.as_array().map(Vec::len),
        Some(statebench_harness::workload::named().len())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn report_refuses_an_unreadable_results_file_with_status_2() {
    let dir = std::env::temp_dir().join(format!("statebench-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write a fixture");
        path.to_str().expect("a UTF-8 temp path").to_owned()
    };
    let missing = dir.join("missing.json");
    usage_error(
        &["report", "--from", missing.to_str().expect("utf-8")],
        "cannot read",
    );
    usage_error(&["report", "--from", &write("empty.json", "")], "empty");
    usage_error(
        &["report", "--from", &write("html.json", "<html>")],
        "not JSON",
    );
    usage_error(
        &[
            "report",
            "--from",
            &write("cut.json", "{\"schema\": \"statebench-results\", \"ver"),
        ],
        "truncated",
    );
    usage_error(
        &[
            "report",
            "--from",
            &write(
                "v9.json",
                "{\"schema\": \"statebench-results\", \"version\": 9}",
            ),
        ],
        "version 9",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_entry_point_refuses_bad_input_in_one_line() {
    let dir = std::env::temp_dir().join(format!("statebench-bad-in-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write a fixture");
        path.to_str().expect("a UTF-8 temp path").to_owned()
    };
    let folder = dir.to_str().expect("a UTF-8 temp path").to_owned();
    std::fs::create_dir_all(dir.join("empty")).expect("a temp dir");
    let empty = dir
        .join("empty")
        .to_str()
        .expect("a UTF-8 temp path")
        .to_owned();
    let other_schema = write("criterion.json", r#"{"schema": "criterion", "version": 1}"#);
    let array = write("array.json", "[1, 2]");
    let partial = write(
        "partial.json",
        &format!(
            r#"{{"schema": "statebench-results", "version": {}}}"#,
            statebench_harness::results::VERSION
        ),
    );
    let cases: &[(&[&str], &str)] = &[
        // no command, unknown command, unknown or incomplete options
        (&[], "no command given"),
        (&["list", "--bogus"], "'--bogus'"),
        (&["run", "--bogus"], "'--bogus'"),
        (&["run", "-c"], "a value is required for '--clients"),
        // the matrix options, through `report` as well as `run`
        (
            &["report", "--workload", "nope"],
            "unknown workload \"nope\"",
        ),
        (
            &["report", "--impl", "nope"],
            "unknown implementation \"nope\"",
        ),
        (&["report", "--clients", "0"], "at least 1"),
        (
            &["report", "--clients", "99999999999999999999"],
            "not a client count",
        ),
        (&["report", "--duration", "tomorrow"], "not a duration"),
        (&["report", "--duration", "2h"], "unknown unit \"h\""),
        (&["report", "--duration", "90m"], "at most an hour"),
        (&["run", "--warmup", "x"], "not a duration"),
        (&["run", "--repeat", "0"], "0 is not in 1..=100"),
        (&["run", "--passes", "0"], "0 is not in 1..=20"),
        (&["run", "--repeat", "many"], "'many'"),
        (&["run", "--seed", "x"], "\"x\" is not a seed"),
        (&["run", "--seed", "-1"], "'-1'"),
        (
            &["report", "--driver", "fibers"],
            "unknown driver \"fibers\"",
        ),
        (&["run", "--sample-every", "0"], "power of two"),
        (
            &["agreement", "a.json", "b.json", "--correction", "holm"],
            "unknown correction \"holm\"",
        ),
        (
            &["agreement", "a.json", "b.json", "--variance", "pooled"],
            "unknown variance \"pooled\"",
        ),
        // results files that cannot be rendered
        (
            &["report", "--from", &other_schema],
            "a \"criterion\" document",
        ),
        (&["report", "--from", &array], "no \"schema\" field"),
        (&["report", "--from", &partial], "missing field"),
        (&["report", "--from", &folder], "cannot read"),
        // outputs that cannot be written
        (
            &["report", "--out", "/proc/statebench"],
            "cannot create /proc/statebench",
        ),
        (&["run", "-w", "counter", "--out", &folder], "cannot write"),
        // the other commands
        (&["demo", "--duration", "0s"], "more than 0"),
        (&["demo", "--duration", "soon"], "not a duration"),
        (&["overhead", "--duration", "x"], "not a duration"),
        (&["overhead", "--duration", "500us"], "under 1ms"),
        (&["overhead", "--trials", "0"], "0 is not in 2..=50"),
        (&["overhead", "--trials", "1"], "1 is not in 2..=50"),
        (&["overhead", "--trials", "lots"], "'lots'"),
        (&["overhead", "--processes", "2"], "2 is not in 3..=30"),
        (&["overhead", "--processes", "31"], "31 is not in 3..=30"),
        // suites and compare
        (&["run", "--suite", "nope"], "unknown suite \"nope\""),
        (
            &["run", "--suite", "ci", "-w", "counter"],
            "cannot be used with",
        ),
        (&["compare", &partial, &partial], "BASE:"),
        (&["compare", &empty, &empty], "holds no results"),
        (
            &["compare", &folder, &folder],
            "not a statebench-results document",
        ),
        (&["compare", "a.json"], "required"),
        (
            &["compare", "a.json", "b.json", "--threshold", "0%"],
            "more than 0 %",
        ),
        (
            &["compare", "a.json", "b.json", "--threshold", "x"],
            "not a percentage",
        ),
        (
            &["compare", "a.json", "b.json", "--alpha", "0.7"],
            "below 0.5",
        ),
        (&["compare", "a.json", "b.json", "--format", "xml"], "'xml'"),
        (
            &["compare", "a.json", "b.json", "--correction", "holm"],
            "bonferroni, none",
        ),
        (&["power", &other_schema], "not a statebench comparison"),
    ];
    for (args, mentions) in cases {
        usage_error(args, mentions);
    }
    println!(
        "{} bad inputs refused, each in one line with status 2",
        cases.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_says_unchanged_or_inconclusive_for_a_a_and_fails_on_a_slowdown() {
    let dir = std::env::temp_dir().join(format!("statebench-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = |name: &str| dir.join(name).to_str().expect("utf-8").to_owned();
    // Two runs of one build on the smoke suite, one after the other. Every comparison reads
    // every trial (`--placement all`): a run of a second can fall inside a stretch the VM held
    // its cores far apart, and the near reading of such a run is empty.
    for name in ["a.json", "b.json"] {
        let out = statebench(&[
            "run",
            "--suite",
            "smoke",
            "--repeat",
            "3",
            "--duration",
            "10ms",
            "--warmup",
            "5ms",
            "-o",
            &path(name),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let a = statebench_harness::results::Results::load(dir.join("a.json").as_ref()).expect("a");
    assert_eq!(a.settings.suite.as_deref(), Some("smoke"));
    assert_eq!(a.records.len(), 3, "the smoke suite's three cells");
    // Reading it far: refused in the run's own folder, and when no trial ran far.
    let mut still = a.clone();
    for r in &mut still.records {
        for rep in &mut r.repetitions {
            rep.round_trip_ns = Some(70.0);
        }
    }
    still.save(dir.join("still.json").as_ref()).expect("write");
    let still = path("still.json");
    let (own, far) = (dir.to_str().expect("utf-8").to_owned(), path("far"));
    for (out, mentions) in [
        (None, "name a folder of its own"),
        (Some(&own), "name a folder of its own"),
        (
            Some(&far),
            "none of its 9 probed trials ran with the cores far apart",
        ),
    ] {
        let mut args = vec!["report", "--from", &still, "--placement", "far"];
        if let Some(out) = out {
            args.extend(["--out", out.as_str()]);
        }
        usage_error(&args, mentions);
    }
    // A/A at a tiny alpha: never slower (the gate passes), said to be a stored baseline
    // because the runs did not interleave.
    let (a_path, b_path) = (path("a.json"), path("b.json"));
    let a_against_a = |extra: &[&str]| {
        let mut args = vec!["compare", "--placement", "all", &a_path, &b_path];
        args.extend(extra);
        statebench(&args)
    };
    let out = a_against_a(&["--alpha", "0.001"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("3 records: 0 slower"), "{text}");
    assert!(text.contains("weaker mode"), "{text}");
    // `--correction none` takes its value: clap once read the option as a flag and refused
    // every value.
    let out = a_against_a(&["--correction", "none"]);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 records:"));
    for format in ["markdown", "json"] {
        let out = a_against_a(&["--format", format]);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        match format {
            "json" => {
                statebench_report::compare::Comparison::from_json(&text).expect("reads back");
            }
            _ => assert!(text.contains("### statebench compare") && text.contains("<details>")),
        }
    }
    // NEW at half BASE's throughput, the repetitions steady: slower. One run a side, so the
    // intervals are over repetitions: the gate fails (exit status 1) only when asked to.
    let mut base = a.clone();
    let mut new = a.clone();
    for (b, n) in base.records.iter_mut().zip(&mut new.records) {
        for (k, (rb, rn)) in b.repetitions.iter_mut().zip(&mut n.repetitions).enumerate() {
            rb.ops_per_sec = 1e6 * (1.0 + 0.01 * k as f64);
            rn.ops_per_sec = rb.ops_per_sec * 0.5;
        }
    }
    new.created = "2100-01-01T00:00:00Z".into();
    base.save(dir.join("base.json").as_ref()).expect("write");
    new.save(dir.join("new.json").as_ref()).expect("write");
    let out = statebench(&[
        "compare",
        "--placement",
        "all",
        &path("base.json"),
        &path("new.json"),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("3 records: 3 slower"), "{text}");
    assert!(text.contains("--gate-on-repetitions"), "{text}");
    let gated = [
        "compare",
        "--placement",
        "all",
        &path("base.json"),
        &path("new.json"),
        "--gate-on-repetitions",
    ];
    assert_eq!(statebench(&gated).status.code(), Some(1));
    // A folder of runs is pooled: the same comparison from folders of one run each.
    std::fs::create_dir_all(dir.join("pool-a")).expect("dir");
    std::fs::copy(dir.join("base.json"), dir.join("pool-a/run-1.json")).expect("copy");
    let out = statebench(&[
        "compare",
        "--placement",
        "all",
        &path("pool-a"),
        &path("new.json"),
        "--gate-on-repetitions",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_work_sweep_runs_every_family_checked_records_its_calibration_and_reports_the_crossover() {
    usage_error(&["run", "--work", "5parsecs"], "is not a cost");
    usage_error(&["run", "--work", "1us,1000ns"], "given twice");
    usage_error(&["run", "--work", "2s"], "most a cost may be");
    usage_error(&["run", "--work", "1us", "--suite", "smoke"], "--suite");
    let dir = std::env::temp_dir().join(format!("statebench-work-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let out_path = dir.join("run.json");
    // Every way a strategy spends the work: in `apply` (owners, locks, combining, the striped
    // lock and the sharded owner), in a map's entry (dashmap, papaya, scc) and in a
    // compare-and-swap loop (atomic) — every reply checked, as in any run.
    let out = statebench(&[
        "run",
        "-w",
        "kv_write_heavy",
        "-w",
        "counter",
        "--work",
        "0,2us",
        "-i",
        "owner_tokio",
        "-i",
        "mutex_std",
        "-i",
        "rwlock_std",
        "-i",
        "combining",
        "-i",
        "striped",
        "-i",
        "sharded_thread",
        "-i",
        "dashmap",
        "-i",
        "papaya",
        "-i",
        "scc",
        "-i",
        "atomic",
        "-d",
        "threads",
        "-c",
        "2",
        "--repeat",
        "2",
        "--duration",
        "10ms",
        "--warmup",
        "2ms",
        "-o",
        out_path.to_str().expect("UTF-8"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("critical-section work:"), "{stdout}");
    let results = statebench_harness::results::Results::load(&out_path).expect("reads back");
    let names: Vec<&str> = results
        .settings
        .workloads
        .iter()
        .map(|w| w.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "kv_write_heavy",
            "kv_write_heavy_work_2us",
            "counter",
            "counter_work_2us"
        ]
    );
    assert_eq!(results.settings.workloads[1].work_ns, 2_000);
    let [cost] = &results.settings.work[..] else {
        panic!("one cost calibrated: {:?}", results.settings.work)
    };
    assert_eq!(cost.target_ns, 2_000);
    assert!(cost.rounds > 0 && results.floors.work_round_ns.is_some());
    // Every strategy named but `atomic` on the store, five on the counter, at both costs.
    let swept = |w: &str| results.records.iter().filter(|r| r.workload == w).count();
    assert_eq!(swept("kv_write_heavy_work_2us"), 9);
    assert_eq!(swept("counter_work_2us"), 5);
    let report_dir = dir.join("report");
    let out = statebench(&[
        "report",
        "--from",
        out_path.to_str().expect("UTF-8"),
        "--out",
        report_dir.to_str().expect("UTF-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(report_dir.join("REPORT.md")).expect("a report");
    assert!(
        report.contains("## Critical-section cost: where an owner meets a lock"),
        "{report}"
    );
    assert!(report.contains("### `kv_write_heavy` swept over 0, 2.00 µs"));
    assert!(report_dir.join("counter-work-threads-2.svg").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn placement_watches_the_cores_and_refuses_bad_spans() {
    usage_error(
        &["report", "--placement", "far"],
        "reads a run already made",
    );
    usage_error(
        &["agreement", "a.json", "b.json", "--placement", "nearby"],
        "the placements are near, far, all",
    );
    usage_error(&["placement", "--every", "1ms"], "shorter than 10ms");
    usage_error(&["placement", "--for", "61m"], "at most an hour");
    usage_error(
        &["placement", "--for", "100ms", "--every", "1s"],
        "shorter than --every",
    );
    if statebench_harness::floors::probe_round_trip().is_none() {
        eprintln!("skipped: the cores cannot be probed here");
        return;
    }
    let path =
        std::env::temp_dir().join(format!("statebench-placement-{}.json", std::process::id()));
    let out = statebench(&[
        "placement",
        "--for",
        "1s",
        "--every",
        "100ms",
        "--out",
        path.to_str().expect("utf-8"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("near round trip"), "{stdout}");
    assert!(stdout.contains("stretches, in order"), "{stdout}");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("written")).expect("json");
    let probes = written["probes"].as_array().expect("probes");
    // One probe every 100 ms for a second at most (fewer when a loaded machine holds a probe
    // up: the schedule starts again rather than catching up), in time order.
    assert!((1..=11).contains(&probes.len()), "{}", probes.len());
    let at: Vec<u64> = probes
        .iter()
        .map(|p| p[0].as_u64().expect("milliseconds"))
        .collect();
    assert!(at.windows(2).all(|w| w[1] >= w[0]), "{at:?}");
    assert!(
        probes
            .iter()
            .all(|p| p[1].as_f64().is_some_and(|ns| ns > 0.0))
    );
    assert_eq!(written["schema"], "statebench-placement");
    let _ = std::fs::remove_file(&path);
}

/// `advise` answers from the committed canonical run in a second — a card, or the same as
/// JSON — and refuses an ask it cannot answer in one line with status 2.
#[test]
fn advise_answers_from_the_canonical_run_and_refuses_what_it_cannot_answer() {
    let out = statebench(&["advise", "--service", "kv", "--clients", "8"]);
    let card = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        card.starts_with("For the kv service, 8 clients calling from OS threads:\n  Use `"),
        "{card}"
    );
    assert!(card.contains(statebench::CANONICAL), "{card}");
    assert!(
        card.contains("no --driver given: OS threads making blocking calls assumed"),
        "{card}"
    );
    // Held against the other runs of the canonical set.
    assert!(
        card.contains("How sure — the same cell in every run given:\n  - on "),
        "{card}"
    );
    assert!(card.contains(" (3 runs, this one included): `"), "{card}");
    let out = statebench(&[
        "advise", "-s", "counter", "-c", "64", "-d", "tasks", "--format", "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["workload"], "counter");
    assert_eq!(json["clients"], 64);
    assert!(
        json["pick"]["ops_per_sec"]
            .as_f64()
            .is_some_and(|x| x > 0.0),
        "{json}"
    );
    usage_error(
        &["advise", "--service", "queue"],
        "--service \"queue\" is not a service statebench measures",
    );
    usage_error(
        &["advise", "--service", "kv", "--reads", "150"],
        "--reads 150 is not a share",
    );
    usage_error(
        &[
            "advise",
            "--service",
            "kv",
            "--reads",
            "50",
            "--workload",
            "kv_hot_keys",
        ],
        "cannot be used with",
    );
    usage_error(
        &["advise", "--service", "kv", "--from", "/nonexistent/run"],
        "--from /nonexistent/run",
    );
    usage_error(&["advise"], "say which state");
    // Across processes, the answer comes from the committed set that measured the rows of
    // another process, held against its other runs, and picks one of them.
    let out = statebench(&[
        "advise",
        "-s",
        "kv",
        "--across-processes",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        json["source"]
            .as_str()
            .is_some_and(|s| s.contains(statebench::PROCESS_RUN)),
        "{json}"
    );
    assert_eq!(
        json["held"].as_array().map(|h| h.is_empty()),
        Some(false),
        "{json}"
    );
    assert!(
        ["redis", "redis_cluster"].contains(&json["pick"]["implementation"].as_str().unwrap_or("")),
        "{json}"
    );
    // The canonical run keeps every row in the process: across processes it has no pick, and
    // says how to measure one.
    usage_error(
        &[
            "advise",
            "-s",
            "kv",
            "--across-processes",
            "--from",
            &statebench::canonical_path().display().to_string(),
        ],
        "has no row that keeps the state in another process in this run (measure one beside",
    );
    usage_error(
        &["advise", "--table", "--across-processes"],
        "cannot be used with",
    );
    usage_error(
        &["advise", "-s", "kv", "--clients", "-1"],
        "\"-1\" is not a client count",
    );
    usage_error(
        &["advise", "-s", "kv", "--reads", "-5"],
        "--reads -5 is not a share",
    );
    usage_error(
        &["advise", "--service", "kv", "--driver", "goroutines"],
        "advise answers for threads",
    );
    // --measure: its options, and what it refuses before measuring anything.
    usage_error(
        &[
            "advise",
            "--measure",
            "-s",
            "kv",
            "--from",
            "/nonexistent/run",
        ],
        "cannot be used with",
    );
    usage_error(
        &["advise", "-s", "kv", "--workload-file", "my.toml"],
        "--measure",
    );
    usage_error(
        &[
            "advise",
            "--measure",
            "--workload-file",
            "/nonexistent/my.toml",
        ],
        "--workload-file /nonexistent/my.toml",
    );
    usage_error(
        &["advise", "--measure", "-s", "kv", "--reads", "150"],
        "--reads 150 is not a share",
    );
    // An existing --out is never written over (here, a committed run).
    let committed = format!("{}/results.json", statebench::canonical_path().display());
    usage_error(
        &["advise", "--measure", "-s", "kv", "--out", &committed],
        "already exists",
    );
    if cfg!(debug_assertions) {
        // A debug build would measure the compiler's work, not the strategies'.
        usage_error(
            &["advise", "--measure", "-s", "kv"],
            "--measure needs an optimised build",
        );
    }
}

/// A default build cannot plant a slowdown: asking it to, by either variable, is a usage error
/// naming the variable, never a run measured as if nothing were asked.
#[test]
#[cfg(not(feature = "calibrate"))]
fn a_default_build_refuses_a_planted_slowdown() {
    let out_file =
        std::env::temp_dir().join(format!("statebench-plant-{}.json", std::process::id()));
    for variable in ["STATEBENCH_PLANT_SPINS", "STATEBENCH_PLANT_IN"] {
        let out = Command::new(env!("CARGO_BIN_EXE_statebench"))
            .args(["run", "--suite", "smoke", "--duration", "5ms", "-o"])
            .arg(&out_file)
            .env("STATEBENCH_GO", "off")
            .env(variable, "owners")
            .output()
            .expect("the statebench binary runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{variable}: {err}");
        assert!(
            err.contains(variable) && err.contains("--features calibrate"),
            "{err}"
        );
    }
    let _ = std::fs::remove_file(&out_file);
}
