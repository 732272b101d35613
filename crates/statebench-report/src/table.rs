//! Plain-text tables of results for the terminal: one per workload, one block per client
//! count, fastest first.

use std::fmt::Write;

use statebench_harness::results::Record;

/// Names the operation kinds a record under-served ([`statebench_harness::mix`]) and its raw
/// rate beside the headline one: "mix not served: set 0.03 % of ops, 9.1 % asked; raw
/// 41.57 M ops/s". Empty when it served the mix.
pub fn mix_notes(record: &Record) -> Vec<String> {
    let under = record.under_served();
    if under.is_empty() {
        return Vec::new();
    }
    let kinds: Vec<String> = under.iter().map(|k| k.describe()).collect();
    vec![format!(
        "mix not served: {}; raw {} ops/s",
        kinds.join(", "),
        human_rate(record.summary.ops_per_sec.median)
    )]
}

/// Fewer latency samples than this per repetition make the tail percentiles guesswork: p99.9
/// needs a thousand to rest on one sample.
pub const FEW_SAMPLES: u64 = 1000;

/// Names thin latency samples: fewer than [`FEW_SAMPLES`] per repetition (the median over the
/// repetitions), or an operation kind that ran and was never timed.
pub fn sample_notes(record: &Record) -> Vec<String> {
    let mut notes = Vec::new();
    let mut counts: Vec<u64> = record
        .repetitions
        .iter()
        .map(|r| r.latency.get("all").map_or(0, |l| l.count))
        .collect();
    counts.sort_unstable();
    if let Some(&median) = counts.get(counts.len() / 2)
        && median < FEW_SAMPLES
    {
        notes.push(format!("latency from {median} samples a repetition"));
    }
    let untimed: std::collections::BTreeSet<&str> = record
        .repetitions
        .iter()
        .flat_map(|r| {
            r.ops_by_kind
                .keys()
                .filter(|k| !r.latency.contains_key(k.as_str()))
                .map(String::as_str)
        })
        .collect();
    if !untimed.is_empty() {
        notes.push(format!(
            "never timed: {}",
            untimed.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    notes
}

/// "1 client", "8 clients".
pub fn clients_words(n: usize) -> String {
    if n == 1 {
        "1 client".to_owned()
    } else {
        format!("{n} clients")
    }
}

/// Names the clients a record's windows did not measure (`Repetition::absent_by_role`): "in 3
/// of 9 windows up to 12 of 110 clients made no operation". Empty when every window measured
/// every client.
pub fn absent_notes(record: &Record) -> Vec<String> {
    let absent: Vec<u64> = record
        .repetitions
        .iter()
        .map(|r| r.absent_by_role.values().sum::<u64>())
        .filter(|a| *a > 0)
        .collect();
    match absent.iter().max() {
        None => Vec::new(),
        Some(most) => vec![format!(
            "in {} of {} windows up to {most} of {} clients made no operation",
            absent.len(),
            record.repetitions.len(),
            record.clients
        )],
    }
}

/// How far apart a row's slowest and fastest repetitions may lie before the row is flagged
/// where it is shown: tenfold is no noise, but a row that stalled or ran in two modes.
pub const WILD_SPREAD: f64 = 10.0;

/// A row whose repetitions' rates span more than [`WILD_SPREAD`] times: flagged in place, since
/// its headline figure and interval describe no one regime.
fn spread_notes(record: &Record) -> Option<String> {
    let rates = record.headline_rates();
    let (lo, hi) = rates
        .iter()
        .fold((f64::MAX, 0.0_f64), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
    (lo > 0.0 && hi / lo > WILD_SPREAD).then(|| {
        format!(
            "⚠ repetitions from {} to {} ops/s ({:.0}×): it stalled or ran in two modes, read \
             its figure with care",
            human_rate(lo),
            human_rate(hi),
            hi / lo
        )
    })
}

/// A record's notes: a wild spread between its repetitions, the mix it did not serve, clients
/// its windows did not measure, then thin samples.
pub fn notes(record: &Record) -> String {
    let mut all: Vec<String> = spread_notes(record).into_iter().collect();
    all.extend(mix_notes(record));
    all.extend(absent_notes(record));
    all.extend(sample_notes(record));
    all.join("; ")
}

/// A duration in nanoseconds, in the unit that reads best.
pub fn human_ns(ns: f64) -> String {
    if !ns.is_finite() {
        "-".into()
    } else if ns < 10.0 {
        format!("{ns:.2} ns")
    } else if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1_000_000_000.0 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// A rate in operations per second, with a metric prefix.
pub fn human_rate(ops: f64) -> String {
    if ops >= 1e6 {
        format!("{:.2} M", ops / 1e6)
    } else if ops >= 1e3 {
        format!("{:.1} k", ops / 1e3)
    } else {
        format!("{ops:.0}")
    }
}

/// Renders rows as a table with a header and aligned columns (text left, figures right).
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w - cell.chars().count();
            if i < 2 || i + 1 == cells.len() {
                let _ = write!(out, "{cell}{}  ", " ".repeat(pad));
            } else {
                let _ = write!(out, "{}{cell}  ", " ".repeat(pad));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    out += &line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    );
    for row in rows {
        out += &line(row.iter().map(String::as_str).collect());
    }
    out
}

/// A markdown table. `align` has one letter per column: `l` (text) or `r` (figures).
pub fn markdown_table(header: &[&str], align: &str, rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|", header.join(" | "));
    for (i, _) in header.iter().enumerate() {
        out += if align.as_bytes().get(i) == Some(&b'r') {
            "---:|"
        } else {
            "---|"
        };
    }
    out.push('\n');
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

/// `records` fastest first, by headline rate ([`Record::headline`]), the records that
/// served the mix asked for before every one that did not: the one ranking every table, the
/// guide and the agreement of runs use, so a row that under-served a kind never leads.
pub(crate) fn by_headline<'a>(records: &[&'a Record]) -> Vec<&'a Record> {
    let mut v: Vec<(bool, f64, &'a Record)> = records
        .iter()
        .map(|r| (r.serves_mix(), r.headline(), *r))
        .collect();
    v.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
    v.into_iter().map(|(_, _, r)| r).collect()
}

/// One line naming the numbered questions or targets (`one`, `many`) a section could not judge
/// in this run, since it has none of the rows they compare; empty when it judged them all.
pub(crate) fn not_judged(one: &str, many: &str, numbers: &[u8]) -> String {
    let mut list = numbers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(last) = list.rfind(", ") {
        list.replace_range(last..last + 2, " and ");
    }
    match numbers.len() {
        0 => String::new(),
        1 => format!(
            "{one} {list} is not judged here: this run has none of the rows it compares \
             (`statebench report --all` measures them).\n\n"
        ),
        _ => format!(
            "{many} {list} are not judged here: this run has none of the rows they compare \
             (`statebench report --all` measures them).\n\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_naturally() {
        assert_eq!(human_ns(812.0), "812 ns");
        assert_eq!(human_ns(1_234.0), "1.23 µs");
        assert_eq!(human_ns(4_500_000.0), "4.50 ms");
        assert_eq!(human_rate(12_345_678.0), "12.35 M");
        assert_eq!(human_rate(845_000.0), "845.0 k");
        assert_eq!(human_rate(12.0), "12");
    }

    #[test]
    fn a_row_that_did_not_serve_the_mix_is_named_and_ranked_last() {
        use statebench_core::Family;
        use statebench_harness::{Driver, fixture};
        let record = |name: &str, gets: u64, sets: u64| {
            let rep = fixture::repetition((gets + sets) as f64, &[("get", gets), ("set", sets)]);
            fixture::record("seed", name, Family::Lock, Driver::Threads, 110, vec![rep])
        };
        let fair = record("fair", 1000, 100);
        assert!(mix_notes(&fair).is_empty(), "10 of 110 clients: ~9 % sets");
        // Ten times the raw rate, but 0.02 % sets: its headline is 22 / (1/11) = 242.
        let starving = record("starving", 100_000, 22);
        let notes = mix_notes(&starving);
        assert_eq!(
            notes,
            ["mix not served: set 0.02 % of ops, 9.1 % asked; raw 100.0 k ops/s"]
        );
        let ranked = by_headline(&[&starving, &fair]);
        assert_eq!(ranked[0].implementation, "fair");
        // Ranked last even when its headline is the higher: it never leads.
        let lucky = record("lucky", 10_000_000, 4_000);
        assert!(lucky.headline() > fair.headline());
        assert_eq!(by_headline(&[&lucky, &fair])[0].implementation, "fair");
    }

    #[test]
    fn clients_a_window_did_not_measure_are_noted() {
        use statebench_core::Family;
        use statebench_harness::{Driver, fixture};
        let mut reps: Vec<_> = (0..3)
            .map(|_| fixture::repetition(1e6, &[("get", 1000), ("set", 100)]))
            .collect();
        let record = |reps| fixture::record("seed", "x", Family::Lock, Driver::Threads, 110, reps);
        assert!(absent_notes(&record(reps.clone())).is_empty());
        reps[0].absent_by_role = [("readers".to_string(), 3), ("writers".to_string(), 2)].into();
        reps[2].absent_by_role = [("readers".to_string(), 1)].into();
        assert_eq!(
            absent_notes(&record(reps)),
            ["in 2 of 3 windows up to 5 of 110 clients made no operation"]
        );
    }

    #[test]
    fn columns_align() {
        let t = render(
            &["a", "b", "n", "note"],
            &[
                vec!["x".into(), "yy".into(), "1".into(), "ok".into()],
                vec!["xxx".into(), "y".into(), "100".into(), "".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        // Names left, figures right, the note left (and trailing blanks trimmed).
        assert_eq!(lines[0], "a    b     n  note");
        assert_eq!(lines[2], "x    yy    1  ok");
        assert_eq!(lines[3], "xxx  y   100");
    }
}
