//! `statebench history`: runs filed into a history folder, their series read for persistent
//! shifts. The series here are planted — made-up nights whose figures wander ±1.5 % about a
//! level, with a step where the test puts one — so that what the command must find is known.
//! `tests/fixtures/history/` holds one such series, written by
//! `the_committed_fixture_is_the_planted_series`, which `.ci/run` reads with the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::fixture as made_up;
use statebench_harness::results::Results;

fn statebench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_statebench"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// A deterministic wander in ±`spread`, night by night.
fn wander(night: usize, spread: f64) -> f64 {
    let mut s = (night as u64)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(17);
    s ^= s >> 29;
    s = s.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    s ^= s >> 32;
    let u = (s >> 11) as f64 / (1u64 << 53) as f64;
    1.0 + spread * (2.0 * u - 1.0)
}

/// Night `n` of a series: `mutex_std` at 10 M ops/s, slowed by `step` from night `from` on,
/// and `dashmap` at 20 M, steady; commit `c{n:02}`.
fn night(n: usize, from: usize, step: f64) -> Results {
    let slow = if n >= from { 1.0 - step } else { 1.0 };
    let records = vec![
        made_up::steady(
            "kv_read_heavy",
            "mutex_std",
            Family::Lock,
            Driver::Threads,
            1,
            10e6 * slow * wander(n, 0.015),
        ),
        made_up::steady(
            "kv_read_heavy",
            "dashmap",
            Family::Concurrent,
            Driver::Threads,
            1,
            20e6 * wander(n + 1000, 0.015),
        ),
    ];
    let mut run = made_up::results(&["kv_read_heavy"], records);
    run.created = format!("2026-11-{:02}T03:00:00Z", n + 1);
    run.machine.commit = format!("c{n:02}{}", "0".repeat(38));
    run
}

/// A temp folder of its own, empty.
fn temp(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("statebench-history-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// Files `nights` into a fresh history through `history add`, as a nightly job would.
fn filed(name: &str, nights: &[Results]) -> PathBuf {
    let dir = temp(name);
    let history = dir.join("history");
    for (k, run) in nights.iter().enumerate() {
        let path = dir.join(format!("run-{k}.json"));
        run.save(&path).expect("a run written");
        let out = statebench(&[
            "history",
            "add",
            path.to_str().expect("utf-8"),
            "--history",
            history.to_str().expect("utf-8"),
        ]);
        assert!(out.status.success(), "{}", text(&out));
    }
    history
}

fn show(history: &Path, format: &str) -> std::process::Output {
    statebench(&[
        "history",
        "--history",
        history.to_str().expect("utf-8"),
        "--format",
        format,
    ])
}

/// `history` over `history`, failing only on `tier`'s confirmed regressions.
fn gated(history: &Path, tier: &str) -> std::process::Output {
    statebench(&[
        "history",
        "--history",
        history.to_str().expect("utf-8"),
        "--fail-on",
        tier,
    ])
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

/// A CI whose runners changed machine: the nights on the other CPU run 10 % slower, a step of
/// hardware. They start series of their own, and no change is reported.
#[test]
fn runs_on_another_machine_are_series_of_their_own() {
    let nights: Vec<Results> = (0..14)
        .map(|n| {
            let mut run = night(n, 8, 0.10);
            if n >= 8 {
                run.machine.cpu_model = "Another CPU".into();
            }
            run
        })
        .collect();
    let history = filed("machines", &nights);
    let out = show(&history, "json");
    assert!(out.status.success(), "{}", text(&out));
    let h = json(&out);
    assert_eq!(h["changes"].as_array().map(Vec::len), Some(0), "{h:#}");
    let groups = h["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2, "{h:#}");
    assert!(
        groups[1]["machine"]
            .as_str()
            .is_some_and(|m| m.starts_with("Another CPU")),
        "{h:#}"
    );
    assert!(text(&show(&history, "table")).contains("tier on Another CPU"));
}

/// A nightly job files each tier's run of one commit, one after the other: the tier filed
/// first is judged on its newest run too, and `--fail-on` gates on the tier it names.
#[test]
fn every_tier_filed_tonight_is_judged_and_gated_on_its_own() {
    let mut nights = Vec::new();
    for n in 0..14 {
        nights.push(night(n, 12, 0.10));
        let mut counted = night(n + 100, 99, 0.0);
        counted.settings.metric = Some("instructions".into());
        counted.created = format!("2026-11-{:02}T03:30:00Z", n + 1);
        counted.machine.commit = format!("c{n:02}{}", "0".repeat(38));
        nights.push(counted);
    }
    let history = filed("tiers", &nights);
    let out = show(&history, "json");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let h = json(&out);
    assert_eq!(h["groups"].as_array().map(Vec::len), Some(2), "{h:#}");
    let changes = h["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{h:#}");
    assert_eq!(changes[0]["tier"], "wall clock");
    assert_eq!(changes[0]["new"], true, "{h:#}");
    assert_eq!(gated(&history, "wall").status.code(), Some(1));
    assert_eq!(gated(&history, "instructions").status.code(), Some(0));
    let _ = std::fs::remove_dir_all(history.parent().expect("its temp dir"));
}

#[test]
fn a_step_that_stays_is_reported_once_with_its_commits_and_size() {
    let nights: Vec<Results> = (0..14).map(|n| night(n, 8, 0.10)).collect();
    let history = filed("step", &nights);
    let out = show(&history, "json");
    // Confirmed nights ago: reported, but not what fails tonight's job.
    assert!(out.status.success(), "{}", text(&out));
    let h = json(&out);
    let changes = h["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{h:#}");
    let c = &changes[0];
    assert_eq!(
        c["record"],
        "kv_read_heavy / mutex_std / threads / 1 client"
    );
    assert_eq!(c["before_commit"], "c07000000000");
    assert_eq!(c["after_commit"], "c08000000000");
    assert_eq!(c["direction"], "slower");
    assert_eq!(c["new"], false);
    let (low, high) = (c["low"].as_f64().unwrap(), c["high"].as_f64().unwrap());
    assert!(low < 0.9 && 0.9 < high && high < 0.95, "{c}");
    assert_eq!(h["regressions"], 0);
    assert_eq!(h["groups"].as_array().map(Vec::len), Some(1));
    // The table and the Markdown say the same.
    let table = text(&show(&history, "table"));
    assert!(table.contains("c07000000000..c08000000000"), "{table}");
    assert!(
        table.contains("0 regressions confirmed by the newest run"),
        "{table}"
    );
    let markdown = text(&show(&history, "markdown"));
    assert!(
        markdown.contains("| `kv_read_heavy / mutex_std / threads / 1 client` |"),
        "{markdown}"
    );
    let _ = std::fs::remove_dir_all(history.parent().expect("its temp dir"));
}

#[test]
fn the_night_a_regression_is_confirmed_fails_the_job_and_one_night_is_only_a_suspect() {
    // Two nights after the step: confirmed tonight, so the job fails.
    let nights: Vec<Results> = (0..14).map(|n| night(n, 12, 0.10)).collect();
    let history = filed("confirmed", &nights);
    let out = show(&history, "json");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let h = json(&out);
    assert_eq!(h["regressions"], 1, "{h:#}");
    assert_eq!(h["changes"][0]["new"], true);
    assert_eq!(h["changes"][0]["after_commit"], "c12000000000");
    // The step is of the wall-clock tier: a job that gates on the instruction tier reports it
    // and passes; one that gates on the wall clock fails.
    let gated = |tier: &str| gated(&history, tier);
    let passed = gated("instructions");
    assert!(passed.status.success(), "{}", text(&passed));
    assert!(
        text(&passed).contains("c11000000000..c12000000000"),
        "{}",
        text(&passed)
    );
    assert_eq!(gated("wall").status.code(), Some(1));
    // The page holds the summary and the changed record's trend, and loads nothing.
    let page = history.with_file_name("history.html");
    let out = statebench(&[
        "history",
        "--history",
        history.to_str().expect("utf-8"),
        "--html",
        page.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let html = std::fs::read_to_string(&page).expect("the page written");
    assert!(html.contains("c11000000000..c12000000000"), "{html}");
    assert!(
        html.contains("<figure id=\"trend-wall-clock-kv-read-heavy"),
        "{html}"
    );
    assert!(html.contains("<svg"), "{html}");
    assert!(html.contains("default-src 'none'") && !html.contains("<script"));
    assert_eq!(
        gated("all").status.code(),
        Some(2),
        "an unknown tier is a usage error"
    );
    // One night after it: no change yet, the night a suspect.
    let history = filed("suspect", &nights[..13]);
    let out = show(&history, "json");
    assert!(out.status.success(), "{}", text(&out));
    let h = json(&out);
    assert_eq!(h["changes"].as_array().map(Vec::len), Some(0), "{h:#}");
    let suspects = h["suspects"].as_array().expect("suspects");
    assert_eq!(suspects.len(), 1, "{h:#}");
    assert_eq!(suspects[0]["after_commit"], "c12000000000");
    // A series that only wanders has neither.
    let flat: Vec<Results> = (0..14).map(|n| night(n, 99, 0.0)).collect();
    let history = filed("flat", &flat);
    let h = json(&show(&history, "json"));
    assert_eq!(h["changes"].as_array().map(Vec::len), Some(0), "{h:#}");
    assert_eq!(h["suspects"].as_array().map(Vec::len), Some(0), "{h:#}");
    for name in ["confirmed", "suspect", "flat"] {
        let _ = std::fs::remove_dir_all(
            std::env::temp_dir().join(format!("statebench-history-{name}-{}", std::process::id())),
        );
    }
}

#[test]
fn runs_measured_differently_are_kept_apart_and_nothing_filed_is_lost() {
    let mut nights: Vec<Results> = (0..6).map(|n| night(n, 99, 0.0)).collect();
    let mut other = night(6, 99, 0.0);
    other.settings.warmup_ms = 500;
    nights.push(other);
    let history = filed("apart", &nights);
    let h = json(&show(&history, "json"));
    let groups = h["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2, "{h:#}");
    assert_eq!(
        (groups[0]["runs"].clone(), groups[1]["runs"].clone()),
        (6.into(), 1.into())
    );
    // Filing the same run again is a no-op; another run under its name is refused.
    let dir = history.parent().expect("its temp dir").to_path_buf();
    let again = statebench(&[
        "history",
        "add",
        dir.join("run-0.json").to_str().expect("utf-8"),
        "--history",
        history.to_str().expect("utf-8"),
    ]);
    assert!(
        again.status.success() && text(&again).contains("already holds this run"),
        "{}",
        text(&again)
    );
    let mut clash = night(0, 99, 0.0);
    clash.settings.seed = 99;
    let clash_path = dir.join("clash.json");
    clash.save(&clash_path).expect("written");
    let refused = statebench(&[
        "history",
        "add",
        clash_path.to_str().expect("utf-8"),
        "--history",
        history.to_str().expect("utf-8"),
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("already holds another run"),
        "{}",
        text(&refused)
    );
    // Bad input: a missing run, an empty history, a bad option value.
    let missing = statebench(&[
        "history",
        "add",
        "/nonexistent/run.json",
        "--history",
        history.to_str().expect("utf-8"),
    ]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    let empty = temp("empty");
    let none = show(&empty, "table");
    assert_eq!(none.status.code(), Some(2), "{}", text(&none));
    assert!(text(&none).contains("holds no run"), "{}", text(&none));
    let bad = statebench(&[
        "history",
        "--history",
        history.to_str().expect("utf-8"),
        "--threshold",
        "150%",
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&empty);
}

/// The series `.ci/run` reads: fourteen nights, `mutex_std` 10 % slower from night 8 on.
/// Rewrites the committed files when `STATEBENCH_WRITE_FIXTURE=1`; otherwise checks them.
#[test]
fn the_committed_fixture_is_the_planted_series() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/history");
    let nights: Vec<Results> = (0..14).map(|n| night(n, 8, 0.10)).collect();
    if std::env::var("STATEBENCH_WRITE_FIXTURE").as_deref() == Ok("1") {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the fixture folder");
        for (n, run) in nights.iter().enumerate() {
            run.save(&dir.join(format!("night-{n:02}.json")))
                .expect("written");
        }
    }
    for (n, run) in nights.iter().enumerate() {
        let path = dir.join(format!("night-{n:02}.json"));
        let held = Results::load(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (STATEBENCH_WRITE_FIXTURE=1 cargo test --test history writes it)",
                path.display()
            )
        });
        // Compared as both read back from their text (a figure that is not a number never
        // equals itself, and reading a figure back may move its last digit).
        let made = Results::from_json(&run.to_json()).expect("a run reads back");
        assert!(
            held.to_json() == made.to_json(),
            "{} is not night {n} of the planted series",
            path.display()
        );
    }
}

/// The step a record measured in `history power`'s JSON: its first planted pool's.
fn steady_step(doc: &serde_json::Value, record: &str) -> f64 {
    doc["records"]
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["record"] == record)
        .and_then(|r| r["steps"][0]["step"].as_f64())
        .expect("the record's step")
}

#[test]
fn power_draws_series_from_real_pools_and_finds_the_planted_step() {
    let dir = temp("power");
    let (noise, slow) = (dir.join("noise"), dir.join("slow"));
    for (folder, from) in [(&noise, 99), (&slow, 0)] {
        std::fs::create_dir_all(folder).expect("a folder");
        for n in 0..10 {
            night(n, from, 0.10)
                .save(&folder.join(format!("run-{n}.json")))
                .expect("written");
        }
    }
    let planted = format!("10%={}", slow.display());
    let args = [
        "history",
        "power",
        "--noise",
        noise.to_str().expect("utf-8"),
        "--planted",
        &planted,
        "--nights",
        "16",
        "--at",
        "8",
        "--trials",
        "20",
        "--format",
        "json",
    ];
    let out = statebench(&args);
    assert!(out.status.success(), "{}", text(&out));
    let doc = json(&out);
    let records = doc["records"].as_array().expect("records");
    let slowed = records
        .iter()
        .find(|r| r["record"] == "kv_read_heavy / mutex_std / threads / 1")
        .expect("mutex_std's record");
    assert_eq!(slowed["steps"][0]["found_in_time"], 20, "{slowed}");
    // The step is the one its record measured: 10 % slower, counted in the 10 % class (or
    // the one below, should the last digit fall short).
    let step = slowed["steps"][0]["step"].as_f64().expect("a step");
    assert!((step - 0.10).abs() < 1e-9, "{slowed}");
    let class = slowed["steps"][0]["class"].as_str().expect("a class");
    assert!(class == "10–20 %" || class == "5–10 %", "{slowed}");
    let counted = doc["by_class"]
        .as_array()
        .expect("classes")
        .iter()
        .find(|c| c["name"] == class)
        .expect("the step's class");
    assert!(
        counted["found_in_time"].as_u64().expect("a count") >= 20,
        "{counted}"
    );
    assert_eq!(doc["by_plant"][0]["name"], "10%");
    assert_eq!(slowed["quiet_nights"], 20 * 16);
    assert!(
        slowed["false_alarms"].as_u64().expect("a count") <= 2,
        "{slowed}"
    );
    // dashmap was not slowed in the planted runs: its "step" is none, and is not found.
    assert!(steady_step(&doc, "kv_read_heavy / dashmap / threads / 1").abs() < 0.02);
    let steady = records
        .iter()
        .find(|r| r["record"] == "kv_read_heavy / dashmap / threads / 1")
        .expect("dashmap's record");
    assert!(
        steady["steps"][0]["found_in_time"]
            .as_u64()
            .expect("a count")
            <= 2,
        "{steady}"
    );
    // The same seed, the same figures; a bad plant is a usage error.
    assert_eq!(json(&statebench(&args)), doc);
    let bad = statebench(&[
        "history",
        "power",
        "--noise",
        noise.to_str().expect("utf-8"),
        "--planted",
        "no-equals",
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Where the power figures docs/CI.md quotes were written (`scripts/history-power.sh`).
const POWER: &str = "results/history-power/2026-12-06-epyc";

/// The summary lines `history power` prints under its table, made again from its JSON.
fn power_summary(doc: &serde_json::Value) -> Vec<String> {
    let count = |v: &serde_json::Value| v.as_u64().expect("a count");
    let share = |t: &serde_json::Value| {
        100.0 * count(&t["found_in_time"]) as f64 / count(&t["trials"]).max(1) as f64
    };
    let delay = |t: &serde_json::Value| {
        t["median_delay"]
            .as_u64()
            .map_or(String::new(), |d| format!(", median delay {d} nights"))
    };
    let within = count(&doc["within"]);
    let mut lines = vec![
        format!(
            "{} series of {} nights a record and pool (step from night {}), alpha {}, \
             threshold {:.1} %, on {} ({} noise runs):",
            count(&doc["trials"]),
            count(&doc["nights"]),
            count(&doc["at"]) + 1,
            doc["alpha"].as_f64().expect("alpha"),
            100.0 * doc["threshold"].as_f64().expect("a threshold"),
            doc["machine"]["cpu_model"].as_str().expect("a CPU"),
            count(&doc["noise_runs"]),
        ),
        format!(
            "false alarms: {} in {} series-nights ({:.2} per 100)",
            count(&doc["false_alarms"]),
            count(&doc["quiet_nights"]),
            doc["false_alarms_per_100"].as_f64().expect("a rate")
        ),
        format!(
            "over all {} series at once: {:.3} false alarms a night",
            count(&doc["series"]),
            doc["false_alarms_per_night"].as_f64().expect("a rate")
        ),
    ];
    for t in doc["by_plant"].as_array().expect("plants") {
        lines.push(format!(
            "planted {}: found within {within} nights in {} of {} series ({:.1} %){}",
            t["name"].as_str().expect("a name"),
            count(&t["found_in_time"]),
            count(&t["trials"]),
            share(t),
            delay(t)
        ));
    }
    for t in doc["by_class"].as_array().expect("classes") {
        lines.push(format!(
            "steps measured {}: {} step{}, found within {within} nights in {} of {} series ({:.1} %){}",
            t["name"].as_str().expect("a name"),
            count(&t["steps"]),
            if count(&t["steps"]) == 1 { "" } else { "s" },
            count(&t["found_in_time"]),
            count(&t["trials"]),
            share(t),
            delay(t)
        ));
    }
    lines
}

/// Runs of whitespace as one space, so that a quote wrapped in the docs still matches.
fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// docs/CI.md's figures of how often the alarm is right are the committed output's: each
/// committed table's summary is what its JSON says, and the docs quote every line of it.
#[test]
fn the_power_figures_in_the_docs_are_the_committed_outputs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = folded(&std::fs::read_to_string(root.join("docs/CI.md")).expect("docs/CI.md"));
    assert!(docs.contains(POWER), "docs/CI.md does not name {POWER}");
    for (tier, part) in [
        ("wall", "false-alarms"),
        ("wall", "detection"),
        ("instructions", "false-alarms"),
        ("instructions", "detection"),
        ("owners", "detection"),
    ] {
        let name = root.join(POWER).join(format!("{tier}-{part}"));
        let read = |ext: &str| {
            let path = name.with_extension(ext);
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        let table = read("table");
        let doc: serde_json::Value = serde_json::from_str(&read("json")).expect("JSON");
        let lines = power_summary(&doc);
        assert!(
            lines.len() > 1 || part == "false-alarms",
            "{tier}-{part}: no step tallied"
        );
        for line in lines {
            assert!(
                table.contains(&format!("{line}\n")),
                "{tier}-{part}.table does not say what its JSON says: {line}"
            );
            assert!(
                docs.contains(&folded(&line)),
                "docs/CI.md does not quote {tier}-{part}: {line}"
            );
        }
    }
}
