"use strict";
// statebench's report page: selects, sorts, toggles and draws. Every figure and every word of
// the card comes from the data block, made by the report's own code; this script computes
// nothing but where a plot puts a mark.
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const $ = (id) => document.getElementById(id);
  const DRIVERS = {
    threads: "OS threads, blocking calls",
    tasks: "tokio tasks, async calls",
    goroutines: "Go's goroutines",
  };
  const DRIVER_ORDER = ["threads", "tasks", "goroutines"];
  const FAMILIES = {
    all: "every family",
    owner: "owners (one task or thread holds the state)",
    lock: "locks",
    concurrent: "concurrent structures and atomics",
    out_of_process: "in another process (Redis)",
  };
  // `text`: the index of the row's shown text; `first`: the order a first press sorts in (the
  // better end first: more throughput, less latency and CPU).
  const COLUMNS = [
    { key: "plot", label: "plot" },
    { key: "i", label: "implementation", sort: "text", first: "asc" },
    { key: "f", label: "family", sort: "text", first: "asc" },
    { key: "ops", label: "throughput, ops/s", sort: "num", first: "desc", text: 0 },
    { key: "lo", label: "95 % interval", sort: "num", first: "desc", text: 1 },
    { key: "p50", label: "p50", sort: "num", first: "asc", text: 2 },
    { key: "p99", label: "p99", sort: "num", first: "asc", text: 3 },
    { key: "p999", label: "p99.9", sort: "num", first: "asc", text: 4 },
    { key: "cpu", label: "CPU/op", sort: "num", first: "asc", text: 5 },
    { key: "share", label: "of fastest", sort: "num", first: "desc", text: 6 },
    { key: "served", label: "mix served", sort: "text", first: "asc" },
    { key: "note", label: "notes" },
  ];
  const DASHES = ["", "7 4", "2 3", "9 3 2 3", "4 4", "12 4", "2 6", "6 2 2 2 2 2"];
  const DEFAULT_SORT = { s: "ops", dir: "desc" };
  const state = { w: "", d: "", c: 0, f: "all", s: "ops", dir: "desc", hide: new Set() };
  let shownCard = null;
  // Opened at a place on the page (`#report`), the address keeps that place until the reader
  // chooses something.
  let keepPlace = location.hash.length > 1 && !new URLSearchParams(location.hash.slice(1)).has("w");

  const esc = (s) => String(s).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);
  // Inline code spans of a card's text, as the terminal shows them between backticks.
  const codeSpans = (s) => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");
  const plural = (n, one) => `${n} ${one}${n === 1 ? "" : "s"}`;

  const rowsOf = (w, d) => D.rows.filter((r) => r.w === w && r.d === d);
  const driversOf = (w) => DRIVER_ORDER.filter((d) => D.rows.some((r) => r.w === w && r.d === d));
  const countsOf = (w, d) => [...new Set(rowsOf(w, d).map((r) => r.c))].sort((a, b) => a - b);
  const familiesOf = (rows) => Object.keys(FAMILIES).filter((f) => f === "all" || rows.some((r) => r.f === f));
  const workload = (name) => D.workloads.find((w) => w.name === name);

  // The selection a fragment asks for (`#w=…&d=…&c=…`, with `f`, `s` and `h` optional), or
  // false for a fragment that is a place on the page (`#report`), which leaves it alone. What
  // a fragment does not say is the default, so that a link opens the same view for everyone.
  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    if (!p.has("w")) return false;
    state.w = p.get("w");
    state.d = p.get("d") || "";
    state.c = Number(p.get("c")) || 0;
    state.f = p.get("f") || "all";
    const [key, dir] = (p.get("s") || "").split("-");
    const col = COLUMNS.find((c) => c.key === key && c.sort);
    state.s = col ? key : DEFAULT_SORT.s;
    state.dir = col ? (dir === "asc" ? "asc" : "desc") : DEFAULT_SORT.dir;
    state.hide = new Set((p.get("h") || "").split(",").filter(Boolean));
    return true;
  }

  function writeHash() {
    const p = new URLSearchParams();
    p.set("w", state.w);
    p.set("d", state.d);
    p.set("c", String(state.c));
    if (state.f !== "all") p.set("f", state.f);
    if (state.s !== DEFAULT_SORT.s || state.dir !== DEFAULT_SORT.dir) p.set("s", state.s + "-" + state.dir);
    if (state.hide.size) p.set("h", [...state.hide].sort().join(","));
    const hash = "#" + p.toString();
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  // Whatever the address asked for, a selection the run measured: the nearest client count,
  // the first caller and workload it has.
  function normalise() {
    if (!workload(state.w)) state.w = D.start[0];
    const drivers = driversOf(state.w);
    if (!drivers.includes(state.d)) state.d = drivers.includes(D.start[1]) ? D.start[1] : drivers[0];
    const counts = countsOf(state.w, state.d);
    if (!counts.includes(state.c)) {
      const want = state.c || 8;
      state.c = counts.reduce((best, c) => (Math.abs(c - want) < Math.abs(best - want) ? c : best), counts[0]);
    }
    if (!familiesOf(rowsOf(state.w, state.d)).includes(state.f)) state.f = "all";
  }

  function fill(select, options, value) {
    select.innerHTML = options
      .map(([v, label]) => `<option value="${esc(v)}"${String(v) === String(value) ? " selected" : ""}>${esc(label)}</option>`)
      .join("");
    select.value = String(value);
  }

  function controls() {
    const services = [...new Set(D.workloads.map((w) => w.service))];
    $("sel-workload").innerHTML = services
      .map((s) => `<optgroup label="${esc(s)}">` +
        D.workloads.filter((w) => w.service === s)
          .map((w) => `<option value="${esc(w.name)}">${esc(w.name)} — ${Number.isFinite(w.reads) ? Math.round(w.reads) + " % reads" : "mixed"}${w.open_loop ? ", open loop" : ""}</option>`)
          .join("") + "</optgroup>")
      .join("");
    $("sel-workload").value = state.w;
    fill($("sel-driver"), driversOf(state.w).map((d) => [d, DRIVERS[d] || d]), state.d);
    fill($("sel-clients"), countsOf(state.w, state.d).map((c) => [c, plural(c, "client")]), state.c);
    fill($("sel-family"), familiesOf(rowsOf(state.w, state.d)).map((f) => [f, FAMILIES[f] || f]), state.f);
    const w = workload(state.w);
    $("about").textContent = `${w.name} (the ${w.service} service): ${w.about}.`;
  }

  const visible = (rows) => rows.filter((r) => state.f === "all" || r.f === state.f);
  const cardOf = () => D.cards[`${state.w}|${state.d}|${state.c}`];
  const pickOf = () => {
    const card = cardOf();
    return card && card.advice ? card.advice.pick.implementation : null;
  };

  function sortKey(r, key) {
    if (key === "share") return r.ops;
    if (key === "served") return r.served ? "yes" : "no";
    return r[key];
  }

  function table() {
    const rows = visible(rowsOf(state.w, state.d).filter((r) => r.c === state.c));
    const col = COLUMNS.find((c) => c.key === state.s);
    const sign = state.dir === "asc" ? 1 : -1;
    rows.sort((a, b) => {
      const x = sortKey(a, col.key), y = sortKey(b, col.key);
      const by = col.sort === "num"
        ? ((x ?? -Infinity) - (y ?? -Infinity))
        : String(x).localeCompare(String(y));
      return sign * by || b.ops - a.ops;
    });
    const pick = pickOf();
    $("rows-caption").textContent =
      `${state.w} / ${state.d} / ${plural(state.c, "client")}: ${plural(rows.length, "row")}` +
      (state.f === "all" ? "" : ` (${FAMILIES[state.f] || state.f})`) +
      (pick ? `; the pick, the card's answer, is ${pick}` : "");
    $("rows").tHead.innerHTML = "<tr>" + COLUMNS.map((c) => {
      const cls = c.text !== undefined ? ' class="num"' : "";
      if (!c.sort) return `<th scope="col"${cls}>${esc(c.label)}</th>`;
      const sorted = c.key === state.s ? ` aria-sort="${state.dir === "asc" ? "ascending" : "descending"}"` : "";
      return `<th scope="col"${cls}${sorted}><button type="button" data-sort="${c.key}">${esc(c.label)}</button></th>`;
    }).join("") + "</tr>";
    $("rows").tBodies[0].innerHTML = rows.map((r) => {
      const cls = [r.i === pick ? "pick" : "", r.served ? "" : "unserved"].filter(Boolean).join(" ");
      const shown = !state.hide.has(r.i);
      const cells = COLUMNS.map((c) => {
        if (c.key === "plot") {
          return `<td><input type="checkbox" data-toggle="${esc(r.i)}"${shown ? " checked" : ""} aria-label="show ${esc(r.i)} in the plots"></td>`;
        }
        if (c.key === "i") return `<th scope="row"><code>${esc(r.i)}</code>${r.i === pick ? " <strong>(pick)</strong>" : ""}</th>`;
        if (c.key === "f") return `<td>${esc(r.f)}</td>`;
        if (c.key === "served") return `<td>${r.served ? "yes" : "<strong>no</strong>"}</td>`;
        if (c.key === "note") return `<td>${esc(r.note)}</td>`;
        return `<td class="num" data-col="${c.key}">${esc(r.t[c.text])}</td>`;
      }).join("");
      const data = ` data-impl="${esc(r.i)}" data-ops="${r.ops}" data-p50="${r.p50}" data-p99="${r.p99}" data-cpu="${r.cpu}"`;
      return `<tr${cls ? ` class="${cls}"` : ""}${data}>${cells}</tr>`;
    }).join("");
  }

  // The card is rebuilt only when the cell changes, so that a screen reader announces it once.
  function cardView() {
    const key = `${state.w}|${state.d}|${state.c}`;
    if (shownCard === key) return;
    shownCard = key;
    const card = D.cards[key];
    const box = $("card");
    if (!card) {
      box.innerHTML = `<p class="note" data-cell="${esc(key)}">This run has no card for this cell.</p>`;
    } else if (card.error) {
      box.innerHTML = `<p class="note" data-cell="${esc(key)}" data-error="${esc(card.error)}">statebench advise gives no card for this cell: ${codeSpans(card.error)}</p>`;
    } else {
      const a = card.advice;
      box.innerHTML = `<pre class="card" data-cell="${esc(key)}" data-pick="${esc(a.pick.implementation)}" data-ops="${a.pick.ops_per_sec}">${codeSpans(card.text)}</pre>`;
    }
  }

  // Plots: SVG drawn from the rows shown, log scales, every series a colour, a dash pattern and
  // a marker of its own so that it reads without colour. A plot is drawn at its figure's width
  // (so that its text stays legible on a phone), 760 px at most.
  let W = 760;
  const H = 360, M = { l: 62, r: 16, t: 16, b: 44 };
  const widthOf = (fig) => Math.max(320, Math.min(760, Math.floor(fig.clientWidth || 760)));
  const logTicks = (lo, hi) => {
    const out = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= lo / 1.0001 && v <= hi * 1.0001) out.push(v);
      }
    }
    return out;
  };
  // An axis tick (1, 2 or 5 times a power of ten), in the unit that reads best.
  const tick = (v, units) => {
    for (const [scale, unit] of units) {
      if (v >= scale) return Number((v / scale).toPrecision(3)) + (unit ? " " + unit : "");
    }
    return String(Number(v.toPrecision(3)));
  };
  const rate = (v) => tick(v, [[1e6, "M"], [1e3, "k"], [1, ""]]);
  const dur = (ns) => tick(ns, [[1e9, "s"], [1e6, "ms"], [1e3, "µs"], [1, "ns"]]);
  // Series k: colour k mod 8, dash k mod 8 and marker shape ⌊k / 8⌋ mod 5, so that without
  // colour the first forty series still differ (by dash and marker together).
  const colour = (k) => `var(--c${k % 8})`;
  const dash = (k) => DASHES[k % DASHES.length];
  const shapeOf = (k) => Math.floor(k / 8) % 5;
  function marker(shape, k, x, y, title, fill) {
    const s = 4.5;
    const a = `class="mark" stroke="${colour(k)}" fill="${fill === undefined ? colour(k) : fill}"`;
    const t = title ? `<title>${esc(title)}</title>` : "";
    const mark = (tag, attrs) => `<${tag} ${a} ${attrs}>${t}</${tag}>`;
    if (shape === 0) return mark("circle", `cx="${x}" cy="${y}" r="${s}"`);
    if (shape === 1) return mark("rect", `x="${x - s}" y="${y - s}" width="${2 * s}" height="${2 * s}"`);
    if (shape === 2) return mark("path", `d="M${x},${y - s - 1}L${x + s + 1},${y + s}L${x - s - 1},${y + s}Z"`);
    if (shape === 3) return mark("path", `d="M${x},${y - s - 1}L${x + s + 1},${y}L${x},${y + s + 1}L${x - s - 1},${y}Z"`);
    return mark("path", `d="M${x - s},${y - s}L${x + s},${y + s}M${x - s},${y + s}L${x + s},${y - s}" style="fill:none"`);
  }

  function series() {
    // One series per implementation of the selection, in the table's default order (fastest at
    // the selected count first), so that a row keeps its look across client counts.
    const at = visible(rowsOf(state.w, state.d).filter((r) => r.c === state.c)).sort((a, b) => b.ops - a.ops).map((r) => r.i);
    const all = [...new Set(visible(rowsOf(state.w, state.d)).map((r) => r.i))];
    return [...at, ...all.filter((i) => !at.includes(i))];
  }

  function throughputPlot(names) {
    const all = visible(rowsOf(state.w, state.d)).filter((r) => !state.hide.has(r.i));
    const rows = all.filter((r) => r.ops > 0);
    const zero = [...new Set(all.filter((r) => !(r.ops > 0)).map((r) => r.i))];
    const fig = $("plot-throughput");
    W = widthOf(fig);
    const counts = countsOf(state.w, state.d);
    const title = `Throughput against clients: ${state.w}, ${DRIVERS[state.d] || state.d}; ops/s, log scales` +
      (counts.length === 1 ? ` (one client count measured: a mark per row, no lines)` : "");
    const unplotted = zero.length
      ? `<p>Not drawn, their figure 0 at some count (a row that served none of a kind it was asked for, or made no operation): ${zero.map((i) => `<code>${esc(i)}</code>`).join(", ")}.</p>`
      : "";
    if (!rows.length) {
      fig.innerHTML = `<figcaption>${esc(title)}</figcaption><p>No row to draw: every row is hidden or its figure is 0.</p>` + unplotted + legend(names);
      return;
    }
    const xs = [Math.min(...counts), Math.max(...counts)];
    const ys = [Math.min(...rows.map((r) => r.ops)) / 1.2, Math.max(...rows.map((r) => r.ops)) * 1.2];
    const lx = (c) => xs[0] === xs[1] ? (M.l + W - M.r) / 2 : M.l + (W - M.l - M.r) * Math.log(c / xs[0]) / Math.log(xs[1] / xs[0]);
    const ly = (v) => H - M.b - (H - M.t - M.b) * Math.log(v / ys[0]) / Math.log(ys[1] / ys[0]);
    let svg = `<svg viewBox="0 0 ${W} ${H}" role="group" aria-label="${esc(title)}">`;
    for (const v of logTicks(ys[0], ys[1])) {
      svg += `<line class="grid" x1="${M.l}" x2="${W - M.r}" y1="${ly(v)}" y2="${ly(v)}"/><text x="${M.l - 6}" y="${ly(v) + 4}" text-anchor="end">${rate(v)}</text>`;
    }
    for (const c of counts) {
      svg += `<text x="${lx(c)}" y="${H - M.b + 16}" text-anchor="middle">${c}</text>`;
    }
    svg += `<line class="now" x1="${lx(state.c)}" x2="${lx(state.c)}" y1="${M.t}" y2="${H - M.b}"/>`;
    svg += `<text class="now-label" x="${lx(state.c) - 4}" y="${M.t + 10}" text-anchor="end">selected</text>`;
    svg += `<line class="axis" x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}"/><line class="axis" x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}"/>`;
    svg += `<text x="${(M.l + W - M.r) / 2}" y="${H - 6}" text-anchor="middle">clients</text>`;
    svg += `<text x="14" y="${(M.t + H - M.b) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(M.t + H - M.b) / 2})">ops/s</text>`;
    names.forEach((name, k) => {
      if (state.hide.has(name) || zero.includes(name)) return;
      const pts = rows.filter((r) => r.i === name).sort((a, b) => a.c - b.c);
      if (!pts.length) return;
      const said = pts.map((r) => `${r.t[0]} at ${r.c}`).join(", ");
      svg += `<g class="series-g" tabindex="0" role="img" aria-label="${esc(name)}: ops/s ${esc(said)} clients" data-label="${esc(name)}: ${esc(said)} clients (ops/s)">`;
      svg += `<polyline class="series" stroke="${colour(k)}" stroke-dasharray="${dash(k)}" points="${pts.map((r) => lx(r.c) + "," + ly(r.ops)).join(" ")}"/>`;
      for (const r of pts) {
        svg += marker(shapeOf(k), k, lx(r.c), ly(r.ops), `${name}: ${r.t[0]} ops/s at ${plural(r.c, "client")}${r.served ? "" : " (mix not served)"}`);
      }
      svg += "</g>";
    });
    svg += "</svg>";
    fig.innerHTML = `<figcaption>${esc(title)}</figcaption>` + svg + unplotted + legend(names);
  }

  function latencyPlot(names) {
    const rows = visible(rowsOf(state.w, state.d).filter((r) => r.c === state.c))
      .filter((r) => !state.hide.has(r.i) && r.p50 > 0);
    const fig = $("plot-latency");
    W = widthOf(fig);
    const title = `Latency at ${plural(state.c, "client")}: p50 (open circle), p99 (square), p99.9 (triangle); log scale`;
    if (!rows.length) {
      fig.innerHTML = `<figcaption>${esc(title)}</figcaption><p>No row to draw: every row is hidden or timed no operation.</p>`;
      return;
    }
    rows.sort((a, b) => names.indexOf(a.i) - names.indexOf(b.i));
    const band = 22, h = M.t + M.b + band * rows.length, left = Math.min(150, Math.floor(W * 0.36));
    const vals = rows.flatMap((r) => [r.p50, r.p99, r.p999]).filter((v) => v > 0);
    const xs = [Math.min(...vals) / 1.3, Math.max(...vals) * 1.3];
    const lx = (v) => left + (W - left - M.r) * Math.log(v / xs[0]) / Math.log(xs[1] / xs[0]);
    let svg = `<svg viewBox="0 0 ${W} ${h}" role="group" aria-label="${esc(title)}">`;
    const ticks = logTicks(xs[0], xs[1]).filter((v, i, a) => a.length < 10 || String(v)[0] === "1");
    for (const v of ticks) {
      svg += `<line class="grid" x1="${lx(v)}" x2="${lx(v)}" y1="${M.t}" y2="${h - M.b}"/><text x="${lx(v)}" y="${h - M.b + 16}" text-anchor="middle">${dur(v)}</text>`;
    }
    svg += `<text x="${(left + W - M.r) / 2}" y="${h - 6}" text-anchor="middle">latency of one operation</text>`;
    rows.forEach((r, j) => {
      const k = names.indexOf(r.i), y = M.t + band * j + band / 2;
      const pts = [[r.p50, 0, "p50", 2], [r.p99, 1, "p99", 3], [r.p999, 2, "p99.9", 4]].filter((p) => p[0] > 0);
      const said = pts.map(([, , name, text]) => `${name} ${r.t[text]}`).join(", ");
      svg += `<g class="series-g" tabindex="0" role="img" aria-label="${esc(r.i)}: ${esc(said)}" data-label="${esc(r.i)}: ${esc(said)}">`;
      svg += `<text x="${left - 6}" y="${y + 4}" text-anchor="end">${esc(r.i)}</text>`;
      svg += `<line class="series" stroke="${colour(k)}" stroke-dasharray="${dash(k)}" x1="${lx(pts[0][0])}" x2="${lx(pts[pts.length - 1][0])}" y1="${y}" y2="${y}"/>`;
      for (const [v, shape, name, text] of pts) {
        svg += marker(shape, k, lx(v), y, `${r.i}: ${name} ${r.t[text]}`, shape === 0 ? "var(--bg)" : undefined);
      }
      svg += "</g>";
    });
    svg += "</svg>";
    fig.innerHTML = `<figcaption>${esc(title)}</figcaption>` + svg;
  }

  function legend(names) {
    return `<ul class="toggles" aria-label="rows in the plots: press to hide or show">` + names.map((name, k) => {
      const on = !state.hide.has(name);
      return `<li><button type="button" data-toggle="${esc(name)}" aria-pressed="${on}"><svg viewBox="0 0 34 14" aria-hidden="true"><line x1="1" x2="33" y1="7" y2="7" stroke="${colour(k)}" stroke-width="2" stroke-dasharray="${dash(k)}"/>${marker(shapeOf(k), k, 17, 7, "")}</svg><code>${esc(name)}</code></button></li>`;
    }).join("") + "</ul>";
  }

  function render() {
    if (!D.rows.length) {
      $("card").textContent = "This run has no row to show.";
      return;
    }
    normalise();
    controls();
    cardView();
    table();
    const names = series();
    throughputPlot(names);
    latencyPlot(names);
    if (keepPlace) keepPlace = false; else writeHash();
  }

  function select(change) {
    Object.assign(state, change);
    render();
  }

  // After a re-render, focus returns to the control that caused it.
  const refocus = (selector) => {
    const again = document.querySelector(selector);
    if (again) again.focus();
  };
  const toggle = (name) => {
    if (state.hide.has(name)) state.hide.delete(name); else state.hide.add(name);
    render();
  };

  $("sel-workload").addEventListener("change", (e) => select({ w: e.target.value }));
  $("sel-driver").addEventListener("change", (e) => select({ d: e.target.value }));
  $("sel-clients").addEventListener("change", (e) => select({ c: Number(e.target.value) }));
  $("sel-family").addEventListener("change", (e) => select({ f: e.target.value }));
  $("explore").addEventListener("click", (e) => {
    const sort = e.target.closest("[data-sort]");
    if (sort) {
      const key = sort.dataset.sort;
      const col = COLUMNS.find((c) => c.key === key);
      const dir = state.s === key ? (state.dir === "desc" ? "asc" : "desc") : col.first;
      select({ s: key, dir });
      refocus(`[data-sort="${key}"]`);
      return;
    }
    const button = e.target.closest("button[data-toggle]");
    if (button) {
      const name = button.dataset.toggle;
      toggle(name);
      refocus(`button[data-toggle="${CSS.escape(name)}"]`);
    }
  });
  $("explore").addEventListener("change", (e) => {
    const box = e.target.closest("input[data-toggle]");
    if (!box) return;
    toggle(box.dataset.toggle);
    refocus(`input[data-toggle="${CSS.escape(box.dataset.toggle)}"]`);
  });
  const readout = (e) => {
    const mark = e.target.closest && e.target.closest("[data-label]");
    if (mark) $("readout").textContent = mark.dataset.label;
    const title = e.target.closest && e.target.closest(".mark");
    if (title && title.querySelector("title")) $("readout").textContent = title.querySelector("title").textContent;
  };
  $("explore").addEventListener("mouseover", readout);
  $("explore").addEventListener("focusin", readout);
  // A link to a cell (the report cites them) is an ordinary link: it adds to the history, and
  // opens in a new tab as any link does; arriving here it selects the cell and shows it.
  window.addEventListener("hashchange", () => {
    if (!readHash()) return;
    render();
    $("explore").scrollIntoView();
  });

  state.w = D.start[0];
  state.d = D.start[1];
  state.c = Number(D.start[2]);
  readHash();
  render();
  document.body.dataset.ready = "1";
})();
