//! SVG plots (plotters' SVG backend only: no C dependencies): throughput against clients, and
//! latency percentiles at one client count. Each implementation keeps one colour in every
//! plot; OS threads are solid lines, tokio tasks dashed.

use std::collections::BTreeSet;

use plotters::prelude::*;
use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::results::{Record, Results, Spread};

/// Width and height of every plot, in pixels: readable at GitHub's page width.
const SIZE: (u32, u32) = (900, 480);
/// Width of the legend column on the right.
const LEGEND: u32 = 210;

/// Shades of one hue per family, darkest first: owners blue, locks green, concurrent
/// structures purple, a strategy of no known family grey.
const SHADES: [[RGBColor; 4]; 4] = [
    [
        RGBColor(0x1f, 0x4e, 0x8c),
        RGBColor(0x4e, 0x79, 0xa7),
        RGBColor(0x7f, 0xa8, 0xd4),
        RGBColor(0x0b, 0x7f, 0xa8),
    ],
    [
        RGBColor(0x2e, 0x6b, 0x2a),
        RGBColor(0x59, 0xa1, 0x4f),
        RGBColor(0x9b, 0xc8, 0x6a),
        RGBColor(0xb8, 0x8a, 0x1e),
    ],
    [
        RGBColor(0x7b, 0x3f, 0x8c),
        RGBColor(0xb0, 0x7a, 0xa1),
        RGBColor(0xd3, 0x6b, 0x8e),
        RGBColor(0x8c, 0x56, 0x4b),
    ],
    [
        RGBColor(0x55, 0x55, 0x55),
        RGBColor(0x88, 0x88, 0x88),
        RGBColor(0xaa, 0xaa, 0xaa),
        RGBColor(0x33, 0x33, 0x33),
    ],
];

/// The colour of `implementation`, the same in every plot of `results`: its family's hue (read
/// from the records, never from the name), and a shade by its place among the family's
/// implementations in the results (registry order). A family of more than four repeats shades.
pub fn colour(results: &Results, implementation: &str) -> RGBColor {
    let family = |name: &str| {
        results
            .records
            .iter()
            .find(|r| r.implementation == name)
            .and_then(Record::family)
    };
    let mine = family(implementation);
    let mut seen: Vec<&str> = Vec::new();
    for r in &results.records {
        if !seen.contains(&r.implementation.as_str()) && family(&r.implementation) == mine {
            seen.push(&r.implementation);
        }
    }
    let place = seen.iter().position(|n| *n == implementation).unwrap_or(0);
    let hue = match mine {
        Some(Family::Owner) => 0,
        Some(Family::Lock) => 1,
        Some(Family::Concurrent) => 2,
        None => 3,
    };
    SHADES[hue][place % SHADES[hue].len()]
}

/// One line of a plot: an implementation under a driver.
struct Series {
    label: String,
    colour: RGBColor,
    dashed: bool,
    points: Vec<(f64, f64)>,
}

fn series_of(
    results: &Results,
    records: &[&Record],
    point: impl Fn(&Record) -> Vec<(f64, f64)>,
) -> Vec<Series> {
    let mut keys: Vec<(String, Driver)> = Vec::new();
    for r in records {
        if !keys.contains(&(r.implementation.clone(), r.driver)) {
            keys.push((r.implementation.clone(), r.driver));
        }
    }
    keys.into_iter()
        .map(|(implementation, driver)| {
            let mut points: Vec<(f64, f64)> = records
                .iter()
                .filter(|r| r.implementation == implementation && r.driver == driver)
                .flat_map(|r| point(r))
                // The y axis is logarithmic: a zero has no place on it.
                .filter(|(_, y)| *y > 0.0)
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series {
                label: format!("{implementation} ({})", driver.name()),
                colour: colour(results, &implementation),
                dashed: driver == Driver::Tasks,
                points,
            }
        })
        .filter(|s| !s.points.is_empty())
        .collect()
}

/// Log-axis bounds that hold every point, padded a little.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        (1.0, 10.0)
    } else {
        (lo / 1.5, hi * 1.5)
    }
}

/// Draws `series` into an SVG string, with a legend column on the right. The x axis is
/// categorical — point `i` sits at `i` and is labelled `x_names[i]` — and the y axis
/// logarithmic.
fn draw(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    x_names: &[String],
    y_labels: &dyn Fn(&f64) -> String,
    series: &[Series],
) -> Result<String, String> {
    let x_labels = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 0.01 && i >= 0.0 {
            x_names.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let x_range = (-0.25, x_names.len() as f64 - 0.75);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (plot, legend) = root.split_horizontally(SIZE.0 - LEGEND);
        let y_range = bounds(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(84)
            .build_cartesian_2d(x_range.0..x_range.1, (y_range.0..y_range.1).log_scale())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_labels(x_names.len() * 4 + 1)
            .x_label_formatter(&x_labels)
            .y_label_formatter(y_labels)
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(|e| e.to_string())?;
        for s in series {
            let style = ShapeStyle::from(&s.colour).stroke_width(2);
            if s.dashed {
                chart
                    .draw_series(DashedLineSeries::new(s.points.iter().copied(), 8, 5, style))
                    .map_err(|e| e.to_string())?;
            } else {
                chart
                    .draw_series(LineSeries::new(s.points.iter().copied(), style))
                    .map_err(|e| e.to_string())?;
            }
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|p| Circle::new(*p, 3, s.colour.filled())),
                )
                .map_err(|e| e.to_string())?;
        }
        // The legend, in its own column so it never covers a line.
        for (i, s) in series.iter().enumerate() {
            let y = 40 + 22 * i as i32;
            let style = ShapeStyle::from(&s.colour).stroke_width(2);
            let line: Vec<(i32, i32)> = if s.dashed {
                vec![(8, y), (16, y)]
            } else {
                vec![(8, y), (34, y)]
            };
            legend
                .draw(&PathElement::new(line, style))
                .map_err(|e| e.to_string())?;
            if s.dashed {
                legend
                    .draw(&PathElement::new(vec![(22, y), (34, y)], style))
                    .map_err(|e| e.to_string())?;
            }
            legend
                .draw(&Text::new(s.label.clone(), (42, y - 7), ("sans-serif", 13)))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Throughput against clients for `workload`, if it ran at more than one client count.
pub fn throughput(results: &Results, workload: &str) -> Result<Option<String>, String> {
    let records: Vec<&Record> = results
        .records
        .iter()
        .filter(|r| r.workload == workload)
        .collect();
    let clients: BTreeSet<usize> = records.iter().map(|r| r.clients).collect();
    if clients.len() < 2 {
        return Ok(None);
    }
    let clients: Vec<usize> = clients.into_iter().collect();
    let at = |c: usize| clients.iter().position(|x| *x == c).unwrap_or(0) as f64;
    let series = series_of(results, &records, |r| vec![(at(r.clients), r.headline())]);
    let names: Vec<String> = clients.iter().map(ToString::to_string).collect();
    draw(
        &format!("{workload}: throughput against clients (geometric mean)"),
        "clients",
        "operations per second (log scale)",
        &names,
        &|y| crate::table::human_rate(*y),
        &series,
    )
    .map(Some)
}

/// The percentiles the latency plot shows, in order.
pub const PERCENTILES: [&str; 5] = ["p50", "p90", "p99", "p99.9", "max"];

fn percentiles(r: &Record) -> Vec<(f64, f64)> {
    let pick: [fn(&statebench_harness::measure::LatencySummary) -> u64; 5] = [
        |l| l.p50_ns,
        |l| l.p90_ns,
        |l| l.p99_ns,
        |l| l.p999_ns,
        |l| l.max_ns,
    ];
    pick.iter()
        .enumerate()
        .map(|(i, p)| {
            let values: Vec<f64> = r
                .repetitions
                .iter()
                .filter_map(|rep| rep.latency.get("all"))
                .map(|l| p(l) as f64)
                .collect();
            (i as f64, Spread::of(&values).median)
        })
        .collect()
}

/// Latency percentiles of every implementation of `workload` at `clients` clients.
pub fn latency(
    results: &Results,
    workload: &str,
    clients: usize,
) -> Result<Option<String>, String> {
    let records: Vec<&Record> = results
        .records
        .iter()
        .filter(|r| r.workload == workload && r.clients == clients)
        .collect();
    if records.is_empty() {
        return Ok(None);
    }
    let series = series_of(results, &records, percentiles);
    draw(
        &format!("{workload}: latency percentiles at {clients} clients"),
        "percentile (all operation kinds)",
        "latency (log scale)",
        &PERCENTILES.map(String::from),
        &|y| crate::table::human_ns(*y),
        &series,
    )
    .map(Some)
}

/// The rows of `driver` at `clients` clients over a sweep's `workloads`, as series over their
/// places in it (`figure` of each record).
fn sweep_series(
    results: &Results,
    workloads: &[&str],
    driver: Driver,
    clients: usize,
    figure: fn(&Record) -> f64,
) -> Option<Vec<Series>> {
    let records: Vec<&Record> = results
        .records
        .iter()
        .filter(|r| r.driver == driver && r.clients == clients)
        .filter(|r| workloads.contains(&r.workload.as_str()))
        .collect();
    if records.is_empty() {
        return None;
    }
    let at = |w: &str| workloads.iter().position(|x| *x == w).unwrap_or(0) as f64;
    Some(series_of(results, &records, |r| {
        vec![(at(&r.workload), figure(r))]
    }))
}

/// Throughput against critical-section work: every row of `driver` at `clients` clients over
/// the sweep's workloads `workloads` (cheapest first, labelled `costs`), if it has any.
pub fn work_sweep(
    results: &Results,
    workloads: &[&str],
    costs: &[String],
    driver: Driver,
    clients: usize,
) -> Result<Option<String>, String> {
    let Some(series) = sweep_series(results, workloads, driver, clients, |r| r.headline()) else {
        return Ok(None);
    };
    let name = workloads.first().copied().unwrap_or_default();
    draw(
        &format!(
            "{name}: throughput against critical-section work, {} x{clients}",
            driver.name()
        ),
        "CPU work inside each critical section",
        "operations per second (log scale)",
        costs,
        &|y| crate::table::human_rate(*y),
        &series,
    )
    .map(Some)
}

/// Latency against offered load: the 99th percentile of the latency from the scheduled send
/// (median over repetitions) of every row of `driver` at `clients` clients over the load
/// sweep's workloads `workloads` (lowest rate first, labelled `rates`), if it has any.
pub fn load_sweep(
    results: &Results,
    workloads: &[&str],
    rates: &[String],
    driver: Driver,
    clients: usize,
) -> Result<Option<String>, String> {
    let Some(series) = sweep_series(results, workloads, driver, clients, |r| {
        r.summary.p99_ns.median
    }) else {
        return Ok(None);
    };
    let name = workloads
        .first()
        .and_then(|w| w.rsplit_once("_rate_"))
        .map_or("", |(head, _)| head);
    draw(
        &format!(
            "{name}: p99 latency from the scheduled send against offered load, {} x{clients}",
            driver.name()
        ),
        "operations offered per second",
        "p99 latency (log scale)",
        rates,
        &|y| crate::table::human_ns(*y),
        &series,
    )
    .map(Some)
}
