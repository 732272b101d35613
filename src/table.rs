//! Plain-text tables of results for the terminal: one per workload, one block per client
//! count, fastest first.

use std::collections::BTreeSet;
use std::fmt::Write;

use statebench_harness::results::Record;

/// A duration in nanoseconds, in the unit that reads best.
pub fn human_ns(ns: f64) -> String {
    if !ns.is_finite() {
        "-".into()
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
            if i < 2 {
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

/// The table of one workload's records.
pub fn workload_table(records: &[&Record]) -> String {
    let clients: BTreeSet<usize> = records.iter().map(|r| r.clients).collect();
    let mut out = String::new();
    for c in clients {
        let mut rows: Vec<&&Record> = records.iter().filter(|r| r.clients == c).collect();
        rows.sort_by(|a, b| {
            b.summary
                .ops_per_sec
                .median
                .total_cmp(&a.summary.ops_per_sec.median)
        });
        let fastest = rows.first().map_or(0.0, |r| r.summary.ops_per_sec.median);
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let s = &r.summary;
                let spread = if s.ops_per_sec.median > 0.0 && r.repetitions.len() > 1 {
                    format!(
                        "±{:.0}%",
                        50.0 * (s.ops_per_sec.max - s.ops_per_sec.min) / s.ops_per_sec.median
                    )
                } else {
                    String::new()
                };
                vec![
                    r.implementation.clone(),
                    r.driver.name().to_owned(),
                    human_rate(s.ops_per_sec.median),
                    spread,
                    human_ns(s.p50_ns.median),
                    human_ns(s.p99_ns.median),
                    human_ns(s.cpu_ns_per_op.median),
                    if fastest > 0.0 {
                        format!("{:.2}", s.ops_per_sec.median / fastest)
                    } else {
                        "-".into()
                    },
                ]
            })
            .collect();
        let _ = writeln!(out, "clients: {c}");
        out += &render(
            &[
                "implementation",
                "driver",
                "ops/s",
                "spread",
                "p50",
                "p99",
                "CPU/op",
                "of fastest",
            ],
            &body,
        );
        out.push('\n');
    }
    out
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
    fn columns_align() {
        let t = render(
            &["a", "b", "n"],
            &[
                vec!["x".into(), "yy".into(), "1".into()],
                vec!["xxx".into(), "y".into(), "100".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "a    b     n");
        assert_eq!(lines[2], "x    yy    1");
        assert_eq!(lines[3], "xxx  y   100");
    }
}
