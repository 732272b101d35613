//! `statebench placement`: watches where the machine's two cores stand from each other, with
//! the probe the runner takes before and after every trial, and says how long each placement lasted.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;
use statebench::table::human_ns;
use statebench_harness::floors::probe_round_trip;
use statebench_harness::machine::Machine;
use statebench_harness::placement::{DISTURBED, FAR, Stretch, near_of, stretches};

/// Probes a line of the timeline holds.
const PER_LINE: usize = 60;

/// What `--out` writes: the machine, when, and every probe.
#[derive(Serialize)]
struct Watch {
    schema: &'static str,
    created: String,
    machine: Machine,
    every_ms: u64,
    /// (milliseconds from the first probe, round trip in nanoseconds).
    probes: Vec<(u64, f64)>,
}

/// The command's options, checked.
pub(crate) struct Options {
    pub span: Duration,
    pub every: Duration,
    pub out: Option<PathBuf>,
}

/// Checks the options: a usage error names the bad one.
pub(crate) fn check(span: Duration, every: Duration) -> Result<(), String> {
    if every < Duration::from_millis(10) {
        return Err(format!(
            "--every {every:?} is shorter than 10ms: the probes would keep both cores busy"
        ));
    }
    if span < every {
        return Err(format!("--for {span:?} is shorter than --every {every:?}"));
    }
    Ok(())
}

/// Probes every `every` for `span`, printing the timeline as it goes; then the stretches.
pub(crate) fn watch(options: &Options) -> Result<String, String> {
    if let Some(out) = &options.out {
        super::claim_output(out)?;
    }
    let mut probes: Vec<(u64, f64)> = Vec::new();
    let mut line = String::new();
    // Each mark is judged against the near round trip of the probes so far; the summary judges
    // every probe against all of them, so the first marks may read otherwise there.
    eprintln!(
        "probing the cross-core round trip every {} ms for {} s; a line of {PER_LINE} probes \
         each: `.` near, `#` far (over {FAR}× the near one seen so far), `?` disturbed (over \
         {DISTURBED}×: a time slice, not a placement; the summary judges them all again \
         against every probe)",
        options.every.as_millis(),
        options.span.as_secs()
    );
    // The first bounce of a process runs cold (its threads new, the line not yet in either
    // cache) and can take many times the next: taken, and not kept.
    let _ = probe_round_trip();
    let start = Instant::now();
    let mut next = start;
    while start.elapsed() < options.span {
        let Some(ns) = probe_round_trip() else {
            return Err(
                "the cores cannot be probed: this machine has one core, or pinning a thread to \
                 cores 0 and 1 was refused"
                    .into(),
            );
        };
        let at = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        probes.push((at, ns));
        let near = near_of(&probes).unwrap_or(ns);
        line.push(if ns > DISTURBED * near {
            '?'
        } else if ns > FAR * near {
            '#'
        } else {
            '.'
        });
        if line.chars().count() == PER_LINE {
            eprintln!("{:>5} s  {line}", at / 1000);
            line.clear();
        }
        next += options.every;
        match next.checked_duration_since(Instant::now()) {
            Some(wait) => std::thread::sleep(wait),
            // A probe that took longer than the interval: start the schedule again from now,
            // rather than probing back to back to catch up.
            None => next = Instant::now(),
        }
    }
    if !line.is_empty() {
        let at = probes.last().map_or(0, |p| p.0);
        eprintln!("{:>5} s  {line}", at / 1000);
    }
    if let Some(out) = &options.out {
        let watch = Watch {
            schema: "statebench-placement",
            created: statebench_harness::results::utc_now(),
            machine: Machine::detect(),
            every_ms: u64::try_from(options.every.as_millis()).unwrap_or(u64::MAX),
            probes: probes.clone(),
        };
        let text = serde_json::to_string_pretty(&watch).map_err(|e| e.to_string())?;
        std::fs::write(out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }
    Ok(summary(&probes))
}

/// What the probes say: the near round trip, the far share, and every stretch.
pub(crate) fn summary(probes: &[(u64, f64)]) -> String {
    let Some(near) = near_of(probes) else {
        return "no probe was taken\n".into();
    };
    let cut = stretches(probes, near);
    let far: usize = cut.iter().filter(|s| s.far).map(|s| s.probes).sum();
    let median = |far: bool| {
        let ns: Vec<f64> = probes
            .iter()
            // A disturbed probe is a time slice, not a placement's round trip.
            .filter(|&&(_, ns)| ns <= DISTURBED * near && (ns > FAR * near) == far)
            .map(|&(_, ns)| ns)
            .collect();
        (!ns.is_empty()).then(|| statebench_harness::results::Spread::of(&ns).median)
    };
    // The timeline again, every probe judged against all of them (the live one, on standard
    // error, could judge each only against those before it).
    let mut out = String::from("every probe against the near round trip of all of them:\n");
    for chunk in probes.chunks(PER_LINE) {
        let marks: String = chunk
            .iter()
            .map(|&(_, ns)| {
                if ns > DISTURBED * near {
                    '?'
                } else if ns > FAR * near {
                    '#'
                } else {
                    '.'
                }
            })
            .collect();
        let at = chunk.last().map_or(0, |p| p.0);
        let _ = writeln!(out, "{:>5} s  {marks}", at / 1000);
    }
    let _ = writeln!(
        out,
        "{} probes; near round trip {} (their 25th percentile); {} far, over {FAR}× it ({:.0} %)",
        probes.len(),
        human_ns(near),
        far,
        100.0 * far as f64 / probes.len() as f64
    );
    for (words, is_far) in [("near", false), ("far", true)] {
        if let Some(m) = median(is_far) {
            let _ = writeln!(out, "median round trip {words}: {}", human_ns(m));
        }
    }
    let stretch_words = |s: &Stretch| {
        format!(
            "{} {:.1} s",
            if s.far { "far" } else { "near" },
            s.ms as f64 / 1000.0
        )
    };
    let words: Vec<String> = cut.iter().map(stretch_words).collect();
    let _ = writeln!(
        out,
        "stretches, in order (the last runs to the last probe): {}",
        words.join(", ")
    );
    out
}
