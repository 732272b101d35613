//! `report.html`: the run in one page a browser opens from the results folder — no server, no
//! network (data, script and styles inline; its content security policy forbids every fetch).
//! The page holds, per row of every cell, the figures the CLI prints (formatted here by the same
//! functions), the `advise` card of every cell made by [`crate::advise`] itself (its text and
//! its JSON), and REPORT.md and the methodology rendered to HTML with each cited cell a link
//! that selects it. The script (`page.js`) only selects, sorts, toggles and draws; it computes
//! no figure but a plot's position. `scripts/browser-check.sh` opens the canonical run's page in
//! a headless Chromium and checks it against `statebench advise --format json`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde::Serialize;
use statebench_harness::Driver;
use statebench_harness::placement::{self, View};
use statebench_harness::results::{Record, Results};
use statebench_harness::stats::{LogSample, t_quantile};

use crate::advise::{self, Advice, Ask};
use crate::table::{human_ns, human_rate};

/// The page's file name, beside REPORT.md.
pub const PAGE: &str = "report.html";

/// The confidence of a row's own throughput interval in the page's table.
pub const ROW_LEVEL: f64 = 0.95;

const SCRIPT: &str = include_str!("page.js");
/// The page's styles; the history page (`statebench history --html`) wears them too.
pub(crate) const STYLE: &str = include_str!("page.css");

/// One workload, as the selectors name it.
#[derive(Serialize)]
struct WorkloadInfo {
    name: String,
    service: String,
    about: String,
    reads: f64,
    open_loop: bool,
}

/// One row of one cell: the figures and the words the table shows.
#[derive(Serialize)]
struct RowInfo {
    /// Workload, implementation, family, driver, clients.
    w: String,
    i: String,
    f: String,
    d: &'static str,
    c: usize,
    /// Throughput (headline), its interval, p50, p99 (as `advise` takes it), p99.9, CPU/op.
    ops: f64,
    lo: Option<f64>,
    hi: Option<f64>,
    p50: f64,
    p99: f64,
    p999: f64,
    cpu: f64,
    /// Whether it served the mix asked for, and the notes its table row carries.
    served: bool,
    note: String,
    /// The shown texts: throughput, interval, p50, p99, p99.9, CPU/op, share of the cell's
    /// fastest.
    t: [String; 7],
}

/// A cell's card: the advice and its text, or why the cell has none.
#[derive(Serialize)]
#[serde(untagged)]
enum Card {
    Answer { text: String, advice: Box<Advice> },
    None { error: String },
}

#[derive(Serialize)]
struct Data<'a> {
    created: &'a str,
    machine: String,
    start: [String; 3],
    workloads: Vec<WorkloadInfo>,
    rows: Vec<RowInfo>,
    cards: BTreeMap<String, Card>,
}

/// The key of a cell in the page's data: `workload|driver|clients`.
pub fn cell_key(workload: &str, driver: Driver, clients: usize) -> String {
    format!("{workload}|{}|{clients}", driver.name())
}

/// A row's headline throughput interval at [`ROW_LEVEL`]: the geometric mean of its samples
/// with Student's t on their logs; `None` with fewer than two samples or one not positive.
fn interval(r: &Record) -> Option<(f64, f64)> {
    let s = LogSample::of(&r.samples())?;
    let half = t_quantile(0.5 + ROW_LEVEL / 2.0, s.df) * (s.var / s.n as f64).sqrt();
    Some(((s.mean - half).exp(), (s.mean + half).exp()))
}

fn row_info(r: &Record, top: f64) -> RowInfo {
    let figures = advise::row(r);
    let lo_hi = interval(r);
    let p999 = r.summary.p999_ns.median;
    RowInfo {
        w: r.workload.clone(),
        i: r.implementation.clone(),
        f: r.family.clone(),
        d: r.driver.name(),
        c: r.clients,
        ops: figures.ops_per_sec,
        lo: lo_hi.map(|x| x.0),
        hi: lo_hi.map(|x| x.1),
        p50: figures.p50_ns,
        p99: figures.p99_ns,
        p999,
        cpu: figures.cpu_ns_per_op,
        served: r.serves_mix(),
        note: crate::table::notes(r),
        t: [
            human_rate(figures.ops_per_sec),
            lo_hi.map_or("·".into(), |(lo, hi)| {
                format!("{} – {}", human_rate(lo), human_rate(hi))
            }),
            human_ns(figures.p50_ns),
            human_ns(figures.p99_ns),
            human_ns(p999),
            human_ns(figures.cpu_ns_per_op),
            if top > 0.0 {
                format!("{:.0} %", 100.0 * figures.ops_per_sec / top)
            } else {
                "·".into()
            },
        ],
    }
}

/// Every cell's rows, each cell's fastest first, and every cell's card (of `beside` too, as
/// `advise` holds an answer against other runs).
fn data<'a>(whole: &Results, run: &'a Results, view: View, beside: &[Results]) -> Data<'a> {
    let mut cells: BTreeSet<(usize, Driver, usize)> = BTreeSet::new();
    let order: BTreeMap<&str, usize> = run
        .settings
        .workloads
        .iter()
        .enumerate()
        .map(|(k, w)| (w.name.as_str(), k))
        .collect();
    for r in &run.records {
        if let Some(&k) = order.get(r.workload.as_str()) {
            cells.insert((k, r.driver, r.clients));
        }
    }
    let mut rows = Vec::new();
    let mut asks = Vec::new();
    for &(k, driver, clients) in &cells {
        let w = &run.settings.workloads[k];
        let of_cell: Vec<&Record> = run
            .records
            .iter()
            .filter(|r| r.workload == w.name && r.driver == driver && r.clients == clients)
            .collect();
        let ranked = crate::table::by_headline(&of_cell);
        let top = ranked.first().map_or(0.0, |r| r.headline());
        rows.extend(ranked.iter().map(|r| row_info(r, top)));
        asks.push((
            cell_key(&w.name, driver, clients),
            Ask::cell(&w.name, clients, driver),
        ));
    }
    let others: Vec<&Results> = beside.iter().collect();
    let answers = advise::advise_each(whole, view, "results.json beside this page", &asks);
    let (mut answered, keys): (Vec<Advice>, Vec<String>) = answers
        .iter()
        .filter_map(|(key, a)| a.as_ref().ok().map(|a| (a.clone(), key.clone())))
        .unzip();
    advise::held_each(&mut answered, whole, &others);
    let mut cards: BTreeMap<String, Card> = keys
        .into_iter()
        .zip(answered)
        .map(|(key, a)| {
            let card = Card::Answer {
                text: a.card(),
                advice: Box::new(a),
            };
            (key, card)
        })
        .collect();
    for (key, answer) in answers {
        if let Err(e) = answer {
            cards.insert(key, Card::None { error: e.0 });
        }
    }
    // The page opens on the first scaling mix, from threads, at 8 clients or the nearest.
    let first = run
        .settings
        .workloads
        .iter()
        .find(|w| w.scales && run.records.iter().any(|r| r.workload == w.name))
        .or_else(|| {
            run.settings
                .workloads
                .iter()
                .find(|w| run.records.iter().any(|r| r.workload == w.name))
        });
    let start = first.map_or_else(
        || [String::new(), String::new(), String::new()],
        |w| {
            let of_w: Vec<&Record> = run
                .records
                .iter()
                .filter(|r| r.workload == w.name)
                .collect();
            let driver = of_w
                .iter()
                .map(|r| r.driver)
                .min()
                .unwrap_or(Driver::Threads);
            let clients = of_w
                .iter()
                .filter(|r| r.driver == driver)
                .map(|r| r.clients)
                .min_by_key(|c| c.abs_diff(8))
                .unwrap_or(1);
            [
                w.name.clone(),
                driver.name().to_owned(),
                clients.to_string(),
            ]
        },
    );
    Data {
        created: &run.created,
        machine: format!(
            "{} ({} cores), commit {}",
            run.machine.cpu_model, run.machine.cores, run.machine.commit
        ),
        start,
        workloads: run
            .settings
            .workloads
            .iter()
            .filter(|w| run.records.iter().any(|r| r.workload == w.name))
            .map(|w| WorkloadInfo {
                name: w.name.clone(),
                service: w.service.clone(),
                about: w.about.clone(),
                reads: advise::workload_reads(w),
                open_loop: w.open_loop(),
            })
            .collect(),
        rows,
        cards,
    }
}

/// The page of `whole` read in `view` (the trials the report reads, its closed and open loops
/// alike), with `report` (REPORT.md) and `details` (DETAILS.md, of which the methodology is
/// shown) rendered into it, and the cards held against `beside`.
///
/// # Errors
///
/// The data could not be serialised.
pub fn page(
    whole: &Results,
    view: View,
    beside: &[Results],
    report: &str,
    details: &str,
) -> Result<String, String> {
    let viewed = placement::view(whole, view);
    let run = &viewed;
    let data = data(whole, run, view, beside);
    let json = serde_json::to_string(&data).map_err(|e| e.to_string())?;
    // Inside a script element only `</` can end it early; `<\/` is the same JSON string.
    let json = json.replace("</", "<\\/").replace("<!--", "<\\!--");
    let methodology = details
        .find("\n## Methodology")
        .map_or("", |at| &details[at + 1..]);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>statebench report — {created}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#explore\">Skip to the explorer</a>\n\
         <header>\n<h1>statebench report</h1>\n<p class=\"run\">{machine}; run started \
         {created}. Every figure below comes from this folder's <code>results.json</code>; the \
         same run's <a href=\"REPORT.md\">REPORT.md</a> and <a href=\"DETAILS.md\">DETAILS.md</a> \
         say it in prose.</p>\n\
         <nav aria-label=\"sections\"><a href=\"#explore\">Explore a cell</a> · \
         <a href=\"#report\">The report</a> · <a href=\"#methodology\">Methodology</a></nav>\n\
         </header>\n<main>\n{EXPLORER}\
         <section id=\"report\" aria-label=\"the report\">\n{report}</section>\n\
         <section id=\"methodology\" aria-label=\"methodology\">\n{methodology}</section>\n\
         </main>\n<script type=\"application/json\" id=\"data\">{json}</script>\n\
         <script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        created = escape(&run.created),
        machine = escape(&data.machine),
        report = markdown_html(report, "r"),
        methodology = markdown_html(methodology, "m"),
    );
    Ok(out)
}

/// The explorer's frame: the script fills it from the data.
const EXPLORER: &str = r#"<section id="explore" aria-labelledby="h-explore">
<h2 id="h-explore">Explore a cell</h2>
<p>A <em>cell</em> is one workload, one kind of caller and one client count. Choose one: the
card is what <code>statebench advise</code> answers for it, the table every row measured there,
the plots the rows across client counts and their latency. The address bar keeps the selection:
a copied link opens the same view.</p>
<noscript><p class="error">The explorer needs JavaScript; the report and methodology below do not.</p></noscript>
<form id="controls" aria-label="the cell shown">
<label>Workload <select id="sel-workload"></select></label>
<label>Caller <select id="sel-driver"></select></label>
<label>Clients <select id="sel-clients"></select></label>
<label>Family <select id="sel-family"></select></label>
</form>
<p id="about"></p>
<h3>The answer for this cell</h3>
<div id="card" aria-live="polite"></div>
<h3>Every row in this cell</h3>
<p id="rows-caption" class="caption"></p>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="rows-caption">
<table id="rows" aria-labelledby="rows-caption"><thead></thead><tbody></tbody></table>
</div>
<p class="legend"><strong>(pick)</strong> marks the card's answer: the cell's fastest row that
served the mix asked for. Throughput: the geometric mean of the row's samples, which ranks rows and which
every comparison tests; its interval is that mean's 95 % interval over the samples (a row's
own spread, not a comparison: comparisons are the card's). p50, p99.9 and CPU/op (the whole
process's CPU time per operation) are medians over repetitions; p99 is the geometric mean of
the samples' p99, the figure the card's latency claims test. <em>Mix served</em>: whether the
row served every operation kind at least half its asked share (a row that did not is ranked by
the rate it served the asked mix at and never leads). The first column shows or hides a row in
the plots. On a narrow screen the table scrolls sideways.</p>
<h3>Plots</h3>
<p id="readout" aria-live="polite">Point at a mark, or move to a series with the Tab key, for its values.</p>
<figure id="plot-throughput"></figure>
<figure id="plot-latency"></figure>
</section>
"#;

/// `text` with `&`, `<`, `>` and `"` escaped for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The subset of Markdown the reports are written in, as HTML: headings, paragraphs, nested
/// bullet lists, tables, fenced code, and inline code, bold, italics and links. Images are
/// left out (the page draws its own plots; the SVG files stay beside REPORT.md). Each cited
/// cell (`` `workload` / driver / N clients ``) becomes a link that selects it. Headings get
/// ids `prefix-slug`, made unique, so that two documents on one page never share one and none
/// is one of the page's own.
pub fn markdown_html(md: &str, prefix: &str) -> String {
    let mut out = String::new();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let lines: Vec<&str> = md.lines().collect();
    let mut i = 0;
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, out: &mut String| {
        if !para.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", inline(&para.join(" ")));
            para.clear();
        }
    };
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if line.trim().is_empty() {
            flush(&mut para, &mut out);
            i += 1;
        } else if let Some(fence) = trimmed.strip_prefix("```") {
            flush(&mut para, &mut out);
            let _ = fence;
            let mut code = String::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with("```") {
                code += lines[i];
                code.push('\n');
                i += 1;
            }
            let _ = writeln!(out, "<pre><code>{}</code></pre>", escape(&code));
            i += 1;
        } else if line.starts_with('#') {
            flush(&mut para, &mut out);
            let level = line.chars().take_while(|c| *c == '#').count().min(6);
            let text = line[level..].trim();
            // The report's own levels sit one below the page's title.
            let h = (level + 1).min(6);
            let base = format!("{prefix}-{}", slug(text));
            let id = (1..)
                .map(|n| {
                    if n == 1 {
                        base.clone()
                    } else {
                        format!("{base}-{n}")
                    }
                })
                .find(|id| !ids.contains(id))
                .unwrap_or(base);
            ids.insert(id.clone());
            let _ = writeln!(out, "<h{h} id=\"{id}\">{}</h{h}>", inline(text));
            i += 1;
        } else if trimmed.starts_with("![") {
            flush(&mut para, &mut out);
            i += 1;
        } else if line.starts_with('|') {
            flush(&mut para, &mut out);
            let start = i;
            while i < lines.len() && lines[i].starts_with('|') {
                i += 1;
            }
            out += &table_html(&lines[start..i]);
        } else if trimmed.starts_with("- ") && (para.is_empty() || line.starts_with('-')) {
            flush(&mut para, &mut out);
            let start = i;
            while i < lines.len()
                && (lines[i].trim_start().starts_with("- ")
                    || (!lines[i].trim().is_empty() && lines[i].starts_with("  ") && i > start))
            {
                i += 1;
            }
            out += &list_html(&lines[start..i]);
        } else {
            para.push(line.trim());
            i += 1;
        }
    }
    flush(&mut para, &mut out);
    out
}

/// A heading's anchor: lower case letters and digits, dashes between words.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// A bullet list, nested by indentation (two spaces a level); a line indented under an item
/// without a dash continues it.
fn list_html(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut depth: Vec<usize> = Vec::new();
    let mut item = String::new();
    let close_item = |item: &mut String, out: &mut String| {
        if !item.is_empty() {
            out.push_str(&inline(item.trim()));
            item.clear();
        }
    };
    for line in lines {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        let Some(text) = trimmed.strip_prefix("- ") else {
            item.push(' ');
            item.push_str(trimmed);
            continue;
        };
        close_item(&mut item, &mut out);
        match depth.last() {
            Some(&d) if indent > d => {
                out.push_str("<ul>\n<li>");
                depth.push(indent);
            }
            Some(_) => {
                while depth.len() > 1 && depth.last().is_some_and(|&d| indent < d) {
                    out.push_str("</li>\n</ul>");
                    depth.pop();
                }
                out.push_str("</li>\n<li>");
            }
            None => {
                out.push_str("<ul>\n<li>");
                depth.push(indent);
            }
        }
        item.push_str(text);
    }
    close_item(&mut item, &mut out);
    for _ in &depth {
        out.push_str("</li>\n</ul>\n");
    }
    out
}

/// A Markdown table: a header, an alignment row, the body.
fn table_html(lines: &[&str]) -> String {
    let cells = |line: &str| -> Vec<String> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        inner.split(" | ").map(|c| c.trim().to_owned()).collect()
    };
    let mut out = String::from("<div class=\"table-wrap\" tabindex=\"0\"><table>\n");
    let right: Vec<bool> = lines
        .get(1)
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().ends_with(':'))
                .collect()
        })
        .unwrap_or_default();
    if let Some(head) = lines.first() {
        out += "<thead><tr>";
        for c in cells(head) {
            let _ = write!(out, "<th scope=\"col\">{}</th>", inline(&c));
        }
        out += "</tr></thead>\n";
    }
    out += "<tbody>\n";
    for line in lines.iter().skip(2) {
        out += "<tr>";
        for (k, c) in cells(line).iter().enumerate() {
            let class = if right.get(k) == Some(&true) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", inline(c));
        }
        out += "</tr>\n";
    }
    out += "</tbody></table></div>\n";
    out
}

/// Inline Markdown: code spans, `**bold**`, `*italics*` and `[links](target)`, the rest
/// escaped; then each cited cell outside a link made a link.
fn inline(text: &str) -> String {
    let html = spans(text);
    let mut out = String::new();
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<a ") {
        out += &link_cells(&rest[..at]);
        let end = rest[at..].find("</a>").map_or(rest.len(), |e| at + e + 4);
        out += &rest[at..end];
        rest = &rest[end..];
    }
    out + &link_cells(rest)
}

/// [`inline`]'s spans, before cells are linked.
fn spans(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('`')
            && let Some(end) = after.find('`')
        {
            let _ = write!(out, "<code>{}</code>", escape(&after[..end]));
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix("**")
            && let Some(end) = after.find("**")
        {
            let _ = write!(out, "<strong>{}</strong>", spans(&after[..end]));
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('[')
            && let Some(close) = after.find("](")
            && let Some(end) = after[close + 2..].find(')')
        {
            let target = &after[close + 2..close + 2 + end];
            let _ = write!(
                out,
                "<a href=\"{}\">{}</a>",
                escape(target),
                spans(&after[..close])
            );
            rest = &after[close + 3 + end..];
        } else if let Some(after) = rest.strip_prefix('*')
            && !after.starts_with(' ')
            && let Some(end) = after.find('*')
            && end > 0
        {
            let _ = write!(out, "<em>{}</em>", spans(&after[..end]));
            rest = &after[end + 1..];
        } else {
            let ch = rest.chars().next().unwrap_or(' ');
            out += &escape(&ch.to_string());
            rest = &rest[ch.len_utf8()..];
        }
    }
    out
}

/// Each `<code>workload</code> / driver / N client(s)` in `html` wrapped in a link selecting
/// that cell.
fn link_cells(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find("<code>") {
        let after = &rest[at + 6..];
        let Some(end) = after.find("</code>") else {
            break;
        };
        let name = &after[..end];
        let tail = &after[end + 7..];
        let cited = tail.strip_prefix(" / ").and_then(|t| {
            let (driver, t) = t.split_once(" / ")?;
            Driver::parse(driver).ok()?;
            let digits = t.chars().take_while(char::is_ascii_digit).count();
            let words = if t[digits..].starts_with(" clients") {
                " clients"
            } else if t[digits..].starts_with(" client") {
                " client"
            } else {
                return None;
            };
            let clients = &t[..digits];
            (digits > 0 && !name.contains(' ')).then(|| {
                let len = 3 + driver.len() + 3 + digits + words.len();
                (driver, clients, len)
            })
        });
        match cited {
            Some((driver, clients, len)) => {
                out += &rest[..at];
                let _ = write!(
                    out,
                    "<a class=\"cell\" href=\"#w={name}&amp;d={driver}&amp;c={clients}\">\
                     <code>{name}</code>{}</a>",
                    &tail[..len]
                );
                rest = &tail[len..];
            }
            None => {
                out += &rest[..at + 6 + end + 7];
                rest = tail;
            }
        }
    }
    out + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cited_cells_become_links_and_other_code_stays() {
        let html =
            inline("On `kv` / threads / 8 clients: `dashmap` 1.2 M (`seed` / tasks / 1 client).");
        assert!(html.contains("<a class=\"cell\" href=\"#w=kv&amp;d=threads&amp;c=8\"><code>kv</code> / threads / 8 clients</a>"), "{html}");
        assert!(
            html.contains("href=\"#w=seed&amp;d=tasks&amp;c=1\""),
            "{html}"
        );
        assert!(html.contains("<code>dashmap</code> 1.2 M"), "{html}");
        // Inside bold, one link; inside a link, none of its own.
        let bold =
            inline("**On `kv` / threads / 8 clients** and [`kv` / threads / 8 clients](x.md)");
        assert_eq!(bold.matches("<a class=\"cell\"").count(), 1, "{bold}");
        assert!(
            bold.contains("<a href=\"x.md\"><code>kv</code> / threads / 8 clients</a>"),
            "{bold}"
        );
        // Not a cell: no driver, or no count.
        let plain = inline("`kv` / nobody / 8 clients and `kv` / threads / many");
        assert!(!plain.contains("<a"), "{plain}");
    }

    #[test]
    fn markdown_blocks_and_escaping() {
        let html = markdown_html(
            "# Title\n\nA <b> & \"c\".\n\n- one\n  - inner\n- two\n  continued\n\n| a | b |\n|---|---:|\n| `x` | 1 |\n\n![plot](p.svg)\n\n## Title\n",
            "r",
        );
        assert!(html.contains("<h2 id=\"r-title\">Title</h2>"), "{html}");
        assert!(html.contains("<h3 id=\"r-title-2\">Title</h3>"), "{html}");
        assert!(
            html.contains("<p>A &lt;b&gt; &amp; &quot;c&quot;.</p>"),
            "{html}"
        );
        assert!(
            html.contains("<li>one<ul>\n<li>inner</li>\n</ul></li>\n<li>two continued</li>"),
            "{html}"
        );
        assert!(html.contains("<td class=\"num\">1</td>"), "{html}");
        assert!(!html.contains("p.svg"), "{html}");
    }
}
