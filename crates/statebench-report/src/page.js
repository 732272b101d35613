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
  const COLUMNS = [
    { key: "plot", label: "plot", sort: null },
    { key: "i", label: "implementation", sort: "text" },
    { key: "f", label: "family", sort: "text" },
    { key: "ops", label: "throughput, ops/s", sort: "num", num: true, text: 0 },
    { key: "lo", label: "95 % interval", sort: "num", num: true, text: 1 },
    { key: "p50", label: "p50", sort: "num", num: true, text: 2 },
    { key: "p99", label: "p99", sort: "num", num: true, text: 3 },
    { key: "p999", label: "p99.9", sort: "num", num: true, text: 4 },
    { key: "cpu", label: "CPU/op", sort: "num", num: true, text: 5 },
    { key: "share", label: "of fastest", sort: "num", num: true, text: 6 },
    { key: "served", label: "mix served; notes", sort: "text" },
  ];
  const DASHES = ["", "7 4", "2 3", "9 3 2 3", "4 4", "12 4", "2 6", "6 2 2 2 2 2"];
  const state = { w: "", d: "", c: 0, f: "all", s: "ops", dir: "desc", hide: new Set() };

  const esc = (s) => String(s).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);
  // Inline code spans of a card's text, as the terminal shows them between backticks.
  const codeSpans = (s) => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");

  const rowsOf = (w, d) => D.rows.filter((r) => r.w === w && (d === undefined || r.d === d));
  const driversOf = (w) => DRIVER_ORDER.filter((d) => D.rows.some((r) => r.w === w && r.d === d));
  const countsOf = (w, d) => [...new Set(rowsOf(w, d).map((r) => r.c))].sort((a, b) => a - b);
  const familiesOf = (rows) => Object.keys(FAMILIES).filter((f) => f === "all" || rows.some((r) => r.f === f));
  const workload = (name) => D.workloads.find((w) => w.name === name);

  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    if (p.has("w")) state.w = p.get("w");
    if (p.has("d")) state.d = p.get("d");
    if (p.has("c")) state.c = Number(p.get("c"));
    if (p.has("f")) state.f = p.get("f");
    if (p.has("s")) {
      const [key, dir] = p.get("s").split("-");
      if (COLUMNS.some((c) => c.key === key && c.sort)) state.s = key;
      state.dir = dir === "asc" ? "asc" : "desc";
    }
    state.hide = new Set((p.get("h") || "").split(",").filter(Boolean));
  }

  function writeHash() {
    const p = new URLSearchParams();
    p.set("w", state.w);
    p.set("d", state.d);
    p.set("c", String(state.c));
    if (state.f !== "all") p.set("f", state.f);
    if (state.s !== "ops" || state.dir !== "desc") p.set("s", state.s + "-" + state.dir);
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
    fill($("sel-clients"), countsOf(state.w, state.d).map((c) => [c, c + (c === 1 ? " client" : " clients")]), state.c);
    fill($("sel-family"), familiesOf(rowsOf(state.w, state.d)).map((f) => [f, FAMILIES[f]]), state.f);
    const w = workload(state.w);
    $("about").textContent = `${w.name} (the ${w.service} service): ${w.about}.`;
  }

  function visible(rows) {
    return rows.filter((r) => state.f === "all" || r.f === state.f);
  }

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
    const card = D.cards[`${state.w}|${state.d}|${state.c}`];
    const pick = card && card.advice ? card.advice.pick.implementation : null;
    $("rows-caption").textContent =
      `${state.w} / ${state.d} / ${state.c} client${state.c === 1 ? "" : "s"}: ${rows.length} row${rows.length === 1 ? "" : "s"}` +
      (state.f === "all" ? "" : ` (${FAMILIES[state.f]})`);
    $("rows").tHead.innerHTML = "<tr>" + COLUMNS.map((c) => {
      const cls = c.num ? ' class="num"' : "";
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
        if (c.key === "i") return `<th scope="row"><code>${esc(r.i)}</code></th>`;
        if (c.key === "f") return `<td>${esc(r.f)}</td>`;
        if (c.key === "served") return `<td>${r.served ? "yes" : "no"}${r.note ? ": " + esc(r.note) : ""}</td>`;
        return `<td class="num">${esc(r.t[c.text])}</td>`;
      }).join("");
      const data = ` data-impl="${esc(r.i)}" data-ops="${r.ops}" data-p50="${r.p50}" data-p99="${r.p99}" data-cpu="${r.cpu}"`;
      return `<tr${cls ? ` class="${cls}"` : ""}${data}>${cells}</tr>`;
    }).join("");
  }

  function cardView() {
    const key = `${state.w}|${state.d}|${state.c}`;
    const card = D.cards[key];
    const box = $("card");
    if (!card) {
      box.innerHTML = `<p class="error">No card for this cell.</p>`;
      return;
    }
    if (card.error) {
      box.innerHTML = `<p class="error" data-error="1">statebench advise has no answer here: ${codeSpans(card.error)}</p>`;
      return;
    }
    const a = card.advice;
    box.innerHTML = `<pre class="card" data-cell="${esc(key)}" data-pick="${esc(a.pick.implementation)}" data-ops="${a.pick.ops_per_sec}">${codeSpans(card.text)}</pre>`;
  }

  // Plots: SVG drawn from the rows shown, log scales, every series a colour, a dash pattern and
  // a marker of its own so that it reads without colour.
  // A plot is drawn at its figure's width (so that its text stays legible on a phone), 760 px at
  // most.
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
  function marker(k, x, y, label, cls) {
    const s = 4.5, shape = k % 5;
    const a = `class="mark ${cls}" tabindex="0" role="img" aria-label="${esc(label)}" data-label="${esc(label)}"`;
    const t = `<title>${esc(label)}</title>`;
    if (shape === 0) return `<circle ${a} cx="${x}" cy="${y}" r="${s}">${t}</circle>`;
    if (shape === 1) return `<rect ${a} x="${x - s}" y="${y - s}" width="${2 * s}" height="${2 * s}">${t}</rect>`;
    if (shape === 2) return `<path ${a} d="M${x},${y - s - 1}L${x + s + 1},${y + s}L${x - s - 1},${y + s}Z">${t}</path>`;
    if (shape === 3) return `<path ${a} d="M${x},${y - s - 1}L${x + s + 1},${y}L${x},${y + s + 1}L${x - s - 1},${y}Z">${t}</path>`;
    return `<path ${a} d="M${x - s},${y - s}L${x + s},${y + s}M${x - s},${y + s}L${x + s},${y - s}" style="fill:none">${t}</path>`;
  }
  const colour = (k) => `var(--c${k % 8})`;
  // Past eight series the dash pattern shifts against the colour, so that no two of the first
  // sixty-four look alike.
  const dash = (k) => DASHES[(k + Math.floor(k / 8)) % DASHES.length];

  function series() {
    // One series per implementation of the selection, in the table's default order (fastest at
    // the selected count first), so that a row keeps its look across client counts.
    const at = visible(rowsOf(state.w, state.d).filter((r) => r.c === state.c)).sort((a, b) => b.ops - a.ops).map((r) => r.i);
    const all = [...new Set(visible(rowsOf(state.w, state.d)).map((r) => r.i))];
    return [...at, ...all.filter((i) => !at.includes(i))];
  }

  function throughputPlot(names) {
    const rows = visible(rowsOf(state.w, state.d)).filter((r) => !state.hide.has(r.i) && r.ops > 0);
    const fig = $("plot-throughput");
    W = widthOf(fig);
    const title = `Throughput against clients: ${state.w}, ${DRIVERS[state.d] || state.d} (log scales)`;
    if (!rows.length) {
      fig.innerHTML = `<figcaption>${esc(title)}</figcaption><p>No row to draw: every row is hidden or made no operation.</p>`;
      return;
    }
    const counts = countsOf(state.w, state.d);
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
    svg += `<line class="axis" x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}"/><line class="axis" x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}"/>`;
    svg += `<text x="${(M.l + W - M.r) / 2}" y="${H - 6}" text-anchor="middle">clients</text>`;
    names.forEach((name, k) => {
      if (state.hide.has(name)) return;
      const pts = rows.filter((r) => r.i === name).sort((a, b) => a.c - b.c);
      if (!pts.length) return;
      svg += `<polyline class="series" stroke="${colour(k)}" stroke-dasharray="${dash(k)}" points="${pts.map((r) => lx(r.c) + "," + ly(r.ops)).join(" ")}"/>`;
      for (const r of pts) {
        svg += marker(k, lx(r.c), ly(r.ops), `${name}: ${r.t[0]} ops/s at ${r.c} client${r.c === 1 ? "" : "s"}${r.served ? "" : " (mix not served)"}`, "").replace('class="mark ', `stroke="${colour(k)}" fill="${colour(k)}" class="mark `);
      }
    });
    svg += "</svg>";
    fig.innerHTML = `<figcaption>${esc(title)}</figcaption>` + svg + legend(names);
  }

  function latencyPlot(names) {
    const rows = visible(rowsOf(state.w, state.d).filter((r) => r.c === state.c))
      .filter((r) => !state.hide.has(r.i) && r.p50 > 0);
    const fig = $("plot-latency");
    W = widthOf(fig);
    const title = `Latency at ${state.c} client${state.c === 1 ? "" : "s"}: p50 (circle), p99 (square), p99.9 (triangle), log scale`;
    if (!rows.length) {
      fig.innerHTML = `<figcaption>${esc(title)}</figcaption><p>No row to draw.</p>`;
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
      svg += `<text x="${left - 6}" y="${y + 4}" text-anchor="end">${esc(r.i)}</text>`;
      const pts = [[r.p50, 0, "p50", 2], [r.p99, 1, "p99", 3], [r.p999, 2, "p99.9", 4]].filter((p) => p[0] > 0);
      svg += `<line class="series" stroke="${colour(k)}" stroke-dasharray="${dash(k)}" x1="${lx(pts[0][0])}" x2="${lx(pts[pts.length - 1][0])}" y1="${y}" y2="${y}"/>`;
      for (const [v, shape, name, text] of pts) {
        svg += marker(shape === 0 ? 0 : shape === 1 ? 1 : 2, lx(v), y, `${r.i}: ${name} ${r.t[text]}`, "")
          .replace('class="mark ', `stroke="${colour(k)}" fill="${shape === 0 ? "none" : colour(k)}" class="mark `);
      }
    });
    svg += "</svg>";
    fig.innerHTML = `<figcaption>${esc(title)}</figcaption>` + svg;
  }

  function legend(names) {
    return `<ul class="toggles" aria-label="rows in the plots">` + names.map((name, k) => {
      const on = !state.hide.has(name);
      return `<li><button type="button" data-toggle="${esc(name)}" aria-pressed="${on}"><svg viewBox="0 0 34 14" aria-hidden="true"><line x1="1" x2="33" y1="7" y2="7" stroke="${colour(k)}" stroke-width="2" stroke-dasharray="${dash(k)}"/>${marker(k, 17, 7, name, "").replace(/tabindex="0" role="img" /, "").replace('class="mark ', `stroke="${colour(k)}" fill="${colour(k)}" class="mark `)}</svg><code>${esc(name)}</code></button></li>`;
    }).join("") + "</ul>";
  }

  function render() {
    normalise();
    controls();
    cardView();
    table();
    const names = series();
    throughputPlot(names);
    latencyPlot(names);
    writeHash();
  }

  function select(change) {
    Object.assign(state, change);
    render();
  }

  $("sel-workload").addEventListener("change", (e) => select({ w: e.target.value }));
  $("sel-driver").addEventListener("change", (e) => select({ d: e.target.value }));
  $("sel-clients").addEventListener("change", (e) => select({ c: Number(e.target.value) }));
  $("sel-family").addEventListener("change", (e) => select({ f: e.target.value }));
  $("explore").addEventListener("click", (e) => {
    const sort = e.target.closest("[data-sort]");
    if (sort) {
      const key = sort.dataset.sort;
      const dir = state.s === key ? (state.dir === "desc" ? "asc" : "desc") : (COLUMNS.find((c) => c.key === key).sort === "num" ? "desc" : "asc");
      select({ s: key, dir });
      const again = document.querySelector(`[data-sort="${key}"]`);
      if (again) again.focus();
      return;
    }
    const toggle = e.target.closest("button[data-toggle]");
    if (toggle) {
      const name = toggle.dataset.toggle;
      if (state.hide.has(name)) state.hide.delete(name); else state.hide.add(name);
      render();
      const again = document.querySelector(`button[data-toggle="${CSS.escape(name)}"]`);
      if (again) again.focus();
    }
  });
  $("explore").addEventListener("change", (e) => {
    const box = e.target.closest("input[data-toggle]");
    if (!box) return;
    if (box.checked) state.hide.delete(box.dataset.toggle); else state.hide.add(box.dataset.toggle);
    render();
    const again = document.querySelector(`input[data-toggle="${CSS.escape(box.dataset.toggle)}"]`);
    if (again) again.focus();
  });
  const readout = (e) => {
    const mark = e.target.closest && e.target.closest(".mark[data-label]");
    if (mark) $("readout").textContent = mark.dataset.label;
  };
  $("explore").addEventListener("mouseover", readout);
  $("explore").addEventListener("focusin", readout);
  window.addEventListener("hashchange", () => {
    readHash();
    render();
  });
  // A cited cell in the report selects it and brings the explorer into view.
  document.addEventListener("click", (e) => {
    const link = e.target.closest("a.cell");
    if (!link) return;
    e.preventDefault();
    history.replaceState(null, "", link.getAttribute("href"));
    readHash();
    render();
    $("explore").scrollIntoView();
    $("sel-workload").focus({ preventScroll: true });
  });

  state.w = D.start[0];
  state.d = D.start[1];
  state.c = Number(D.start[2]);
  readHash();
  render();
  document.body.dataset.ready = "1";
})();
