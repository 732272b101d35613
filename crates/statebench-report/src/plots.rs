//! SVG plots (plotters' SVG backend only: no C dependencies): throughput against clients,
//! latency percentiles at one client count, and the sweeps. Each plot is a column of small
//! panels sharing one logarithmic y axis: a panel per driver, split by family (and then into
//! tens) where a driver has more than [`MAX_LINES`] rows, so that no panel holds more lines than
//! a reader can tell apart. Within a panel every line has its own colour and dash, and the
//! legend has a column of its own; an implementation keeps its panel and style in every plot of
//! a run.

use std::collections::BTreeSet;

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::results::{Record, Results, Spread};

/// Width of every plot, in pixels: readable at GitHub's page width.
const WIDTH: u32 = 900;
/// Height of one panel, and of the title above the panels.
const PANEL: u32 = 300;
const TITLE: u32 = 40;
/// Width of each panel's legend column on the right.
const LEGEND: u32 = 220;
/// The most lines one panel draws.
pub const MAX_LINES: usize = 10;

/// Ten colours a reader tells apart on white (Tableau 10), one per line of a panel.
const PALETTE: [RGBColor; MAX_LINES] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xc9, 0xa2, 0x27),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x7f, 0x94),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0x55, 0x55, 0x55),
];

/// A line's dash, by its place in the panel: solid, dashed, dotted, so that two lines are told
/// apart without their colour too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dash {
    /// An unbroken line.
    Solid,
    /// Long dashes.
    Dashed,
    /// Dots.
    Dotted,
}

impl Dash {
    fn of(place: usize) -> Dash {
        [Dash::Solid, Dash::Dashed, Dash::Dotted][place % 3]
    }

    /// Dash and gap, in pixels.
    fn pattern(self) -> Option<(i32, i32)> {
        match self {
            Dash::Solid => None,
            Dash::Dashed => Some((9, 5)),
            Dash::Dotted => Some((2, 4)),
        }
    }
}

/// One panel of a run's plots: its title and the rows (implementation, driver) it draws, in
/// the run's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panel {
    /// What the panel holds, e.g. "locks, called from OS threads".
    pub title: String,
    /// Its rows: an implementation under a driver.
    pub rows: Vec<(String, Driver)>,
}

fn family_words(family: Option<Family>) -> &'static str {
    family.map_or("of no known family", Family::plural)
}

/// How a panel or table names a driver's callers, e.g. "called from OS threads".
pub(crate) fn driver_words(driver: Driver) -> &'static str {
    match driver {
        Driver::Threads => "called from OS threads",
        Driver::Tasks => "called from tokio tasks",
        Driver::Goroutines => "Go's programs, from goroutines",
    }
}

/// The panels of `results`' plots, from all its records (so that an implementation keeps its
/// panel whatever a plot shows): one per driver; a driver with more than [`MAX_LINES`] rows is
/// split by family, and a family with more into panels of at most [`MAX_LINES`].
pub fn panels(results: &Results) -> Vec<Panel> {
    let mut out = Vec::new();
    for driver in [Driver::Threads, Driver::Tasks, Driver::Goroutines] {
        let mut rows: Vec<(&str, Option<Family>)> = Vec::new();
        for r in results.records.iter().filter(|r| r.driver == driver) {
            if !rows.iter().any(|(n, _)| *n == r.implementation) {
                rows.push((&r.implementation, r.family()));
            }
        }
        let named = |rows: &[(&str, Option<Family>)]| {
            rows.iter()
                .map(|(n, _)| ((*n).to_owned(), driver))
                .collect::<Vec<_>>()
        };
        if rows.is_empty() {
            continue;
        }
        if rows.len() <= MAX_LINES {
            out.push(Panel {
                title: driver_words(driver).to_owned(),
                rows: named(&rows),
            });
            continue;
        }
        for family in [
            Some(Family::Owner),
            Some(Family::Lock),
            Some(Family::Concurrent),
            None,
        ] {
            let of: Vec<(&str, Option<Family>)> =
                rows.iter().copied().filter(|(_, f)| *f == family).collect();
            let parts = of.len().div_ceil(MAX_LINES);
            for (k, chunk) in of.chunks(MAX_LINES).enumerate() {
                let part = if parts > 1 {
                    format!(" ({} of {parts})", k + 1)
                } else {
                    String::new()
                };
                out.push(Panel {
                    title: format!("{}, {}{part}", family_words(family), driver_words(driver)),
                    rows: named(chunk),
                });
            }
        }
    }
    out
}

/// The colour and dash of `implementation` under `driver` in `panels`: by its place in its
/// panel, so that no two lines of a panel share a colour, nor two neighbours a dash.
pub fn style_of(panels: &[Panel], implementation: &str, driver: Driver) -> (RGBColor, Dash) {
    panels
        .iter()
        .find_map(|p| {
            p.rows
                .iter()
                .position(|(n, d)| n == implementation && *d == driver)
        })
        .map_or((PALETTE[MAX_LINES - 1], Dash::Solid), |place| {
            (PALETTE[place % MAX_LINES], Dash::of(place))
        })
}

/// The colour of `implementation` in `results`' plots, from the first driver it ran under.
pub fn colour(results: &Results, implementation: &str) -> RGBColor {
    let panels = panels(results);
    let driver = results
        .records
        .iter()
        .find(|r| r.implementation == implementation)
        .map_or(Driver::Threads, |r| r.driver);
    style_of(&panels, implementation, driver).0
}

/// One line of a plot: an implementation under a driver.
struct Series {
    implementation: String,
    driver: Driver,
    label: String,
    colour: RGBColor,
    dash: Dash,
    points: Vec<(f64, f64)>,
}

fn series_of(
    results: &Results,
    records: &[&Record],
    point: impl Fn(&Record) -> Vec<(f64, f64)>,
) -> Vec<Series> {
    let panels = panels(results);
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
            let (colour, dash) = style_of(&panels, &implementation, driver);
            Series {
                label: format!("{implementation} ({})", driver.name()),
                implementation,
                driver,
                colour,
                dash,
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

/// What a plot shows: its title, the x axis (categorical: point `i` sits at `i` and is
/// labelled `x_names[i]`) and the logarithmic y axis.
struct Axes<'a> {
    title: &'a str,
    x_desc: &'a str,
    y_desc: &'a str,
    x_names: &'a [String],
    y_labels: &'a dyn Fn(&f64) -> String,
}

/// Draws `series` into an SVG string: the title, then a panel per [`panels`] entry that has a
/// line here, all on one y range, each with its legend in a column of its own.
fn draw(results: &Results, axes: &Axes<'_>, series: &[Series]) -> Result<String, String> {
    let shown: Vec<(Panel, Vec<&Series>)> = panels(results)
        .into_iter()
        .map(|p| {
            let lines: Vec<&Series> = p
                .rows
                .iter()
                .filter_map(|(n, d)| {
                    series
                        .iter()
                        .find(|s| s.implementation == *n && s.driver == *d)
                })
                .collect();
            (p, lines)
        })
        .filter(|(_, lines)| !lines.is_empty())
        .collect();
    let height = TITLE + PANEL * u32::try_from(shown.len().max(1)).unwrap_or(1);
    let y_range = bounds(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    let x_names = axes.x_names;
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
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let body = root
            .titled(axes.title, ("sans-serif", 20))
            .map_err(|e| e.to_string())?;
        let areas = body.split_evenly((shown.len().max(1), 1));
        for ((panel, lines), area) in shown.iter().zip(&areas) {
            let (plot, legend) = area.split_horizontally(WIDTH - LEGEND);
            let mut chart = ChartBuilder::on(&plot)
                .caption(&panel.title, ("sans-serif", 15))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(84)
                .build_cartesian_2d(x_range.0..x_range.1, (y_range.0..y_range.1).log_scale())
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .x_desc(axes.x_desc)
                .y_desc(axes.y_desc)
                .x_labels(x_names.len() * 4 + 1)
                .x_label_formatter(&x_labels)
                .y_label_formatter(axes.y_labels)
                .label_style(("sans-serif", 12))
                .axis_desc_style(("sans-serif", 13))
                .draw()
                .map_err(|e| e.to_string())?;
            for s in lines {
                let style = ShapeStyle::from(&s.colour).stroke_width(2);
                match s.dash.pattern() {
                    Some((dash, gap)) => chart
                        .draw_series(DashedLineSeries::new(
                            s.points.iter().copied(),
                            dash,
                            gap,
                            style,
                        ))
                        .map(|_| ()),
                    None => chart
                        .draw_series(LineSeries::new(s.points.iter().copied(), style))
                        .map(|_| ()),
                }
                .map_err(|e| e.to_string())?;
                chart
                    .draw_series(
                        s.points
                            .iter()
                            .map(|p| Circle::new(*p, 3, s.colour.filled())),
                    )
                    .map_err(|e| e.to_string())?;
            }
            // The legend, in its own column so it never covers a line: at most MAX_LINES
            // entries of 24 px under the panel's caption.
            for (i, s) in lines.iter().enumerate() {
                let y = 36 + 24 * i as i32;
                let style = ShapeStyle::from(&s.colour).stroke_width(2);
                let sample = vec![(6, y), (38, y)];
                match s.dash.pattern() {
                    Some((dash, gap)) => legend
                        .draw(&DashedPathElement::new(sample, dash, gap, style))
                        .map_err(|e| e.to_string())?,
                    None => legend
                        .draw(&PathElement::new(sample, style))
                        .map_err(|e| e.to_string())?,
                }
                legend
                    .draw(&Text::new(s.label.clone(), (44, y - 7), ("sans-serif", 13)))
                    .map_err(|e| e.to_string())?;
            }
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
    let title = format!("{workload}: throughput against clients (geometric mean)");
    let axes = Axes {
        title: &title,
        x_desc: "clients",
        y_desc: "operations per second (log scale)",
        x_names: &names,
        y_labels: &|y| crate::table::human_rate(*y),
    };
    draw(results, &axes, &series).map(Some)
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
    let title = format!(
        "{workload}: latency percentiles at {}",
        crate::table::clients_words(clients)
    );
    let axes = Axes {
        title: &title,
        x_desc: "percentile (all operation kinds)",
        y_desc: "latency (log scale)",
        x_names: &PERCENTILES.map(String::from),
        y_labels: &|y| crate::table::human_ns(*y),
    };
    draw(results, &axes, &series).map(Some)
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
    let title = format!(
        "{name}: throughput against critical-section work, {} x{clients}",
        driver.name()
    );
    let axes = Axes {
        title: &title,
        x_desc: "CPU work inside each critical section",
        y_desc: "operations per second (log scale)",
        x_names: costs,
        y_labels: &|y| crate::table::human_rate(*y),
    };
    draw(results, &axes, &series).map(Some)
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
    let title = format!(
        "{name}: p99 latency from the scheduled send against offered load, {} x{clients}",
        driver.name()
    );
    let axes = Axes {
        title: &title,
        x_desc: "operations offered per second",
        y_desc: "p99 latency (log scale)",
        x_names: rates,
        y_labels: &|y| crate::table::human_ns(*y),
    };
    draw(results, &axes, &series).map(Some)
}

/// A record's trend over a history: its figure per run (marks joined by a line), the geometric
/// mean of each segment between change points (a dashed level), and each change point (a
/// vertical line before its first run). `labels` names each run (its short commit).
pub fn trend(
    title: &str,
    y_desc: &str,
    values: &[f64],
    labels: &[String],
    cuts: &[usize],
) -> Result<String, String> {
    let positive: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
    if positive.is_empty() {
        return Err(format!("{title}: no figure above 0 to draw"));
    }
    let y_range = bounds(positive.iter().copied());
    let n = values.len();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, PANEL + TITLE)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(84)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), (y_range.0..y_range.1).log_scale())
            .map_err(|e| e.to_string())?;
        let every = n.div_ceil(12).max(1);
        let x_labels = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 0.01 && i >= 0.0 && (i as usize).is_multiple_of(every) {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc("run (commit), oldest first")
            .y_desc(y_desc)
            .x_labels(n.min(60))
            .x_label_formatter(&x_labels)
            .y_label_formatter(&|y| crate::table::human_rate(*y))
            .label_style(("sans-serif", 11))
            .draw()
            .map_err(|e| e.to_string())?;
        let colour = PALETTE[0];
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(i, v)| (i as f64, *v))
            .collect();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                ShapeStyle::from(&colour).stroke_width(1),
            ))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 3, colour.filled())))
            .map_err(|e| e.to_string())?;
        let mut bounds_at = vec![0];
        bounds_at.extend(cuts.iter().copied().filter(|c| *c > 0 && *c < n));
        bounds_at.push(n);
        let level = PALETTE[1];
        for w in bounds_at.windows(2) {
            let seg: Vec<f64> = values[w[0]..w[1]]
                .iter()
                .copied()
                .filter(|v| *v > 0.0)
                .collect();
            if seg.is_empty() {
                continue;
            }
            let mean = (seg.iter().map(|v| v.ln()).sum::<f64>() / seg.len() as f64).exp();
            chart
                .draw_series(DashedLineSeries::new(
                    [(w[0] as f64 - 0.4, mean), (w[1] as f64 - 0.6, mean)],
                    8,
                    4,
                    ShapeStyle::from(&level).stroke_width(2),
                ))
                .map_err(|e| e.to_string())?;
        }
        for &c in cuts {
            let x = c as f64 - 0.5;
            chart
                .draw_series(LineSeries::new(
                    [(x, y_range.0), (x, y_range.1)],
                    ShapeStyle::from(&BLACK).stroke_width(1),
                ))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
