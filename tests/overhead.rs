//! `statebench overhead` end to end. A binary of its own: its trials keep both cores busy for
//! some twenty seconds, which would disturb the timing of tests running beside it (and theirs
//! its windows); cargo runs test binaries one after another.

use std::process::Command;

fn statebench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_statebench"))
        .args(args)
        .output()
        .expect("statebench runs")
}

/// `overhead` end to end, made small: three fresh processes, each measuring every comparison
/// and handing its trials to the parent, which judges them with the processes as the samples.
/// Windows this short decide nothing, so the verdict may go either way: exit 0 with every
/// wrapper shown at or above its line, or 1 naming the ones that are not. (Windows of 5 ms
/// once measured no operation at all in a debug build on a busy machine, which fails the run
/// as it should: 50 ms, in a test binary of its own, so that no other test shares the cores
/// with it, nor it with them.)
#[test]
fn overhead_measures_in_fresh_processes_and_judges_over_them() {
    let out = statebench(&[
        "overhead",
        "--processes",
        "3",
        "--trials",
        "2",
        "--duration",
        "50ms",
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        stdout.starts_with("kv_read_heavy, 3 processes, each 2 alternating trial pairs of 50 ms"),
        "{stdout}\n{stderr}"
    );
    for process in 1..=3 {
        assert!(
            stderr.contains(&format!("overhead: process {process} of 3")),
            "{stderr}"
        );
    }
    let judged = [
        "lock wrapper, 1 client (threads)",
        "lock wrapper, 2 clients (threads)",
        "lock wrapper, 1 client (tasks)",
        "owner wrapper, 1 client (threads)",
        "owner wrapper, 1 client (tasks)",
    ];
    for what in judged
        .iter()
        .chain(&["1 client, ", "64 clients", "A/A, not judged"])
    {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(what))
            .unwrap_or_else(|| panic!("no line for {what}:\n{stdout}"));
        let by = line
            .split("by process ")
            .nth(1)
            .expect("each process's estimate");
        let estimates: Vec<f64> = by
            .split(" %")
            .next()
            .unwrap_or_default()
            .split(' ')
            .map(|e| e.parse().expect("a percentage"))
            .collect();
        assert_eq!(estimates.len(), 3, "{line}");
        assert!(estimates.iter().all(|e| *e > 0.0), "{line}");
    }
    match out.status.code() {
        Some(0) => assert!(stdout.contains(": all are"), "{stdout}"),
        Some(1) => {
            let named = judged.iter().filter(|w| stderr.contains(*w)).count();
            assert!(
                named >= 1,
                "exit 1 names the wrappers it cannot clear:\n{stderr}"
            );
            assert!(!stdout.contains(": all are"), "{stdout}");
        }
        other => panic!("exit {other:?}:\n{stdout}\n{stderr}"),
    }
}
