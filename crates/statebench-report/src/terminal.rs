//! The terminal's table of one workload, as `statebench run` prints it: closed loops ranked by
//! their headline figure, open loops with their own columns ([`crate::knee`]).

use std::collections::BTreeSet;
use std::fmt::Write;

use statebench_harness::results::Record;
use statebench_harness::workload::Workload;

use crate::table::{by_headline, human_ns, human_rate, notes, render};

/// The table of one workload's records.
/// An open-loop workload's table has its own columns ([`crate::knee::terminal_rows`]): what was
/// offered and done, whether each row kept up, and latency from the scheduled send.
pub fn workload_table(records: &[&Record], workload: &Workload) -> String {
    let clients: BTreeSet<usize> = records.iter().map(|r| r.clients).collect();
    let mut out = String::new();
    for c in clients {
        let of_c: Vec<&Record> = records.iter().copied().filter(|r| r.clients == c).collect();
        if workload.open_loop() {
            let _ = writeln!(
                out,
                "clients: {c}; open loop, latency from the scheduled send"
            );
            out += &render(
                &crate::knee::TERMINAL_HEADER,
                &crate::knee::terminal_rows(&of_c),
            );
            out.push('\n');
            continue;
        }
        let rows = by_headline(&of_c);
        let fastest = rows.first().map_or(0.0, |r| r.headline());
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
                    human_rate(r.headline()),
                    spread,
                    human_ns(s.p50_ns.median),
                    human_ns(s.p99_ns.median),
                    human_ns(s.cpu_ns_per_op.median),
                    if fastest > 0.0 {
                        format!("{:.2}", r.headline() / fastest)
                    } else {
                        "-".into()
                    },
                    notes(r),
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
                "note",
            ],
            &body,
        );
        out.push('\n');
    }
    out
}
