//! Workloads derived for sweeps: the same workload with a cost of work per operation, or
//! with an offered rate (and the rate's label and parsing).

use super::schema::*;

/// `workload` with `work_ns` nanoseconds of work in each critical section: itself at its own
/// cost, otherwise a copy named `{name}_work_{cost}` (`kv_write_heavy_work_1us`) whose `about`
/// says the cost. Zero keeps the plain name, so the bare cells of a sweep are the same cells
/// as a run without one.
pub fn with_work(workload: &Workload, work_ns: u64) -> Workload {
    if work_ns == workload.work_ns {
        return workload.clone();
    }
    let base = workload
        .name
        .strip_suffix(&format!("_work_{}", crate::work::label(workload.work_ns)))
        .filter(|_| workload.work_ns > 0)
        .unwrap_or(&workload.name);
    let (name, about) = if work_ns == 0 {
        (base.to_owned(), workload.about.clone())
    } else {
        let label = crate::work::label(work_ns);
        (
            format!("{base}_work_{label}"),
            format!(
                "{}; {label} of work in each critical section",
                workload.about
            ),
        )
    };
    Workload {
        name,
        about,
        work_ns,
        ..workload.clone()
    }
}

/// A rate in words, as workload names carry it: `2500`, `100k`, `1M`, `1500k`.
pub fn rate_label(rate_per_s: u64) -> String {
    match rate_per_s {
        r if r >= 1_000_000 && r % 1_000_000 == 0 => format!("{}M", r / 1_000_000),
        r if r >= 1000 && r % 1000 == 0 => format!("{}k", r / 1000),
        r => r.to_string(),
    }
}

/// Parses a rate: operations per second, a whole number with an optional `k` (×1000) or `M`
/// (×10⁶) and an optional `/s`: `50000`, `50k`, `2.5k`, `1M/s`.
pub fn parse_rate(text: &str) -> Result<u64, WorkloadError> {
    let bad = |why: &str| WorkloadError(format!("rate {text:?}: {why}"));
    let t = text.trim();
    let t = t.strip_suffix("/s").unwrap_or(t);
    let (number, scale) = if let Some(n) = t.strip_suffix('k') {
        (n, 1e3)
    } else if let Some(n) = t.strip_suffix('M') {
        (n, 1e6)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .parse()
        .map_err(|_| bad("not a number of operations a second (e.g. 50000, 50k, 1M)"))?;
    let rate = value * scale;
    if !rate.is_finite() || rate < 0.0 || rate.fract() != 0.0 {
        return Err(bad(
            "must be a whole, non-negative number of operations a second",
        ));
    }
    if rate > MAX_RATE_PER_S as f64 {
        return Err(bad(&format!(
            "more than the most a run may offer, {}",
            rate_label(MAX_RATE_PER_S)
        )));
    }
    Ok(rate as u64)
}

/// `workload` offered `rate_per_s` operations a second in an open loop: itself at its own
/// rate, otherwise a copy named `{name}_rate_{rate}` (`kv_write_heavy_rate_100k`) whose
/// `about` says the rate. Zero gives the closed loop under the plain name, as
/// [`with_work`] does for no work; sweep the work first, then the rate.
pub fn with_rate(workload: &Workload, rate_per_s: u64) -> Workload {
    if rate_per_s == workload.rate_per_s {
        return workload.clone();
    }
    let base = workload
        .name
        .strip_suffix(&format!("_rate_{}", rate_label(workload.rate_per_s)))
        .filter(|_| workload.rate_per_s > 0)
        .unwrap_or(&workload.name);
    let about_base = workload
        .about
        .rsplit_once("; open loop at ")
        .filter(|_| workload.rate_per_s > 0)
        .map_or(workload.about.as_str(), |(head, _)| head);
    let (name, about) = if rate_per_s == 0 {
        (base.to_owned(), about_base.to_owned())
    } else {
        let label = rate_label(rate_per_s);
        (
            format!("{base}_rate_{label}"),
            format!("{about_base}; open loop at {label} operations a second"),
        )
    };
    Workload {
        name,
        about,
        rate_per_s,
        ..workload.clone()
    }
}
