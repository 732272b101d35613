"use strict";
// The browser check's driver (scripts/browser-check.sh writes the page it runs in). It loads a
// report.html in a frame, works the page's own controls as a person would — the selects, a
// column's sort button, a row's plot checkbox and legend button, the family filter, a cited
// cell in the report, a broken address — and compares what the page then shows with what
// `statebench advise` printed for the same cells. Its verdict goes to the element `result`,
// between two marker lines, which the shell script reads from the dumped DOM.
(async function () {
  const expected = JSON.parse(document.getElementById("expected").textContent);
  const out = [];
  let failed = 0;
  const check = (ok, what) => {
    out.push((ok ? "ok   " : "FAIL ") + what);
    if (!ok) failed += 1;
  };
  const frame = document.getElementById("page");
  await new Promise((done) => frame.addEventListener("load", done, { once: true }));
  const doc = frame.contentDocument;
  const win = frame.contentWindow;
  // An error the page throws from here on, in a handler the check set off, or a fetch its
  // policy blocked, fails the check (before this, Chromium's console log is the witness).
  const thrown = [];
  win.addEventListener("error", (e) => thrown.push("error: " + e.message));
  win.addEventListener("unhandledrejection", (e) => thrown.push("rejection: " + e.reason));
  doc.addEventListener("securitypolicyviolation", (e) => thrown.push("blocked: " + e.blockedURI));
  const $ = (id) => doc.getElementById(id);
  const settle = () => new Promise((done) => setTimeout(done, 50));
  const hashOf = () => new URLSearchParams(win.location.hash.slice(1));

  async function run() {
    check(doc.body && doc.body.dataset.ready === "1", "the page loaded and its script ran to the end");
    if (!doc.body || doc.body.dataset.ready !== "1") return;
    const D = JSON.parse($("data").textContent);
    const choose = (id, value) => {
      const select = $(id);
      check([...select.options].some((o) => o.value === String(value)), `#${id} offers ${value}`);
      select.value = String(value);
      select.dispatchEvent(new win.Event("change", { bubbles: true }));
    };
    const rowOf = (impl) => doc.querySelector(`#rows tbody tr[data-impl="${impl}"]`);
    const shown = (tr, col) => (tr.querySelector(`td[data-col="${col}"]`) || {}).textContent;
    const same = (a, b) => Number(a) === Number(b);

    for (const want of expected) {
      const cell = `${want.w} / ${want.d} / ${want.c}`;
      // Through the controls, in the order a person would: workload, caller, clients.
      choose("sel-workload", want.w);
      choose("sel-driver", want.d);
      choose("sel-clients", want.c);
      const hash = hashOf();
      check(hash.get("w") === want.w && hash.get("d") === want.d && hash.get("c") === String(want.c),
        `${cell}: the address keeps the selection (${win.location.hash})`);
      if (want.error) {
        // The CLI refuses such a cell before it asks the library (its argument parser names
        // the drivers it takes), the page gives the library's reason: both must name the
        // caller refused.
        const note = doc.querySelector("#card [data-error]");
        check(!!note && !doc.querySelector("#card pre.card") && note.dataset.error.includes(want.d) && want.error.includes(want.d),
          `${cell}: no card, as advise gives none; the page says why: ${note ? note.dataset.error : "(nothing)"}`);
        continue;
      }
      const a = want.json;
      const card = doc.querySelector("#card pre.card");
      check(!!card, `${cell}: a card is shown`);
      if (!card) continue;
      check(card.dataset.pick === a.pick.implementation,
        `${cell}: the card's pick is ${a.pick.implementation} (page: ${card.dataset.pick})`);
      check(same(card.dataset.ops, a.pick.ops_per_sec),
        `${cell}: the pick's throughput is ${a.pick.ops_per_sec} ops/s (page: ${card.dataset.ops})`);
      // The card's words are the CLI's, but for the run's name in its last sentence.
      const upTo = (text) => text.slice(0, text.lastIndexOf(" From "));
      const onPage = upTo(card.textContent).split("\n");
      const said = upTo(want.text.replace(/`/g, "")).split("\n");
      const differs = said.findIndex((line, k) => line !== onPage[k]);
      check(differs < 0 && onPage.length === said.length,
        `${cell}: the card's text is the CLI's card, word for word` + (differs < 0 ? "" :
          `; line ${differs + 1} differs:\n       CLI:  ${said[differs]}\n       page: ${onPage[differs]}`));
      for (const r of [a.pick, ...a.tied.map((t) => t.row), ...a.next.map((t) => t.row)]) {
        const tr = rowOf(r.implementation);
        check(!!tr, `${cell}: the table has ${r.implementation}`);
        if (!tr) continue;
        for (const [attr, key] of [["ops", "ops_per_sec"], ["p50", "p50_ns"], ["p99", "p99_ns"], ["cpu", "cpu_ns_per_op"]]) {
          check(same(tr.dataset[attr], r[key]),
            `${cell}: ${r.implementation}'s ${key} in the table is the CLI's ${r[key]} (page: ${tr.dataset[attr]})`);
        }
        // What the table shows in words is what the CLI's card prints for the row.
        const words = `${shown(tr, "ops")} ops/s, p50 ${shown(tr, "p50")}, p99 ${shown(tr, "p99")}, CPU ${shown(tr, "cpu")}/op`;
        const line = said.find((l) => l.includes(r.implementation) && l.includes(" ops/s, p50 "));
        check(!!line && line.includes(words),
          `${cell}: ${r.implementation}'s row shows "${words}", as the CLI's card prints it`);
      }
      const first = doc.querySelector("#rows tbody tr");
      check(first && first.dataset.impl === a.pick.implementation,
        `${cell}: the table, fastest first, opens with the pick`);
      // Every row measured for this workload and caller with a figure is a mark in the plot.
      const marks = D.rows.filter((r) => r.w === want.w && r.d === want.d && r.ops > 0).length;
      const drawn = doc.querySelectorAll("#plot-throughput svg .series-g .mark").length;
      const zero = D.rows.some((r) => r.w === want.w && r.d === want.d && !(r.ops > 0));
      check(zero ? drawn <= marks : drawn === marks,
        `${cell}: the throughput plot draws a mark per row and client count (${drawn} of ${marks})`);
    }

    // The family filter: only that family's rows; the card stays the cell's.
    const cardBefore = doc.querySelector("#card pre.card");
    const textBefore = cardBefore && cardBefore.textContent;
    choose("sel-family", "lock");
    const families = [...doc.querySelectorAll("#rows tbody tr td:nth-of-type(2)")].map((td) => td.textContent);
    check(families.length > 0 && families.every((f) => f === "lock"), `the family filter shows the locks only (${families.length} rows)`);
    check(hashOf().get("f") === "lock", "the address keeps the family");
    const cardAfter = doc.querySelector("#card pre.card");
    check((cardAfter && cardAfter.textContent) === textBefore, "the card does not change with the filter");
    choose("sel-family", "all");

    // A column's sort button: p99, lowest first on the first press, highest on the second.
    const p99s = () => [...doc.querySelectorAll("#rows tbody tr")].map((tr) => Number(tr.dataset.p99));
    const sortBy = (key) => doc.querySelector(`#rows thead button[data-sort="${key}"]`).click();
    sortBy("p99");
    const up = p99s();
    check(up.length > 1 && up.every((v, k) => k === 0 || up[k - 1] <= v),
      `the p99 button puts the lowest p99 first (${up.length} rows)`);
    check(doc.querySelector('#rows th[aria-sort="ascending"] button[data-sort="p99"]') !== null,
      "the sorted column says so (aria-sort)");
    check(doc.activeElement && doc.activeElement.dataset.sort === "p99", "the sort button keeps the focus");
    sortBy("p99");
    const down = p99s();
    check(down.every((v, k) => k === 0 || down[k - 1] >= v), "a second press puts the highest first");
    check(win.location.hash.includes("s=p99-desc"), "the address keeps the sort");

    // A row's plot checkbox hides its series and its legend button says so.
    const lines = () => doc.querySelectorAll("#plot-throughput svg .series").length;
    const before = lines();
    const box = doc.querySelector("#rows tbody input[data-toggle]");
    const name = box.dataset.toggle;
    box.click();
    check(lines() === before - 1, `unticking ${name} takes its line from the throughput plot (${before} → ${lines()})`);
    const legend = doc.querySelector(`#plot-throughput button[data-toggle="${name}"]`);
    check(legend && legend.getAttribute("aria-pressed") === "false", `${name}'s legend button shows it hidden`);
    check(hashOf().get("h") === name, "the address keeps the hidden row");
    // A place on the page is not a selection: following the header's link keeps the view.
    doc.querySelector('nav a[href="#report"]').click();
    await settle();
    check(hashOf().get("h") === null && win.location.hash === "#report", "the header's link goes to the report");
    check(doc.querySelector(`#rows tbody input[data-toggle="${name}"]`).checked === false,
      `and leaves ${name} hidden`);
    legend.click();
    check(lines() === before, `its legend button brings ${name} back`);

    // A cell cited in the report: its link selects it, card and table included.
    const links = [...doc.querySelectorAll("#report a.cell")];
    check(links.length > 0, `the report cites cells as links (${links.length})`);
    for (const link of links.filter((l, k) => k === 0 || k === links.length - 1)) {
      const target = new URLSearchParams(link.getAttribute("href").slice(1));
      link.click();
      await settle();
      const key = `${target.get("w")}|${target.get("d")}|${target.get("c")}`;
      const shownCell = doc.querySelector("#card [data-cell]");
      check($("sel-workload").value === target.get("w") && $("sel-driver").value === target.get("d") &&
        $("sel-clients").value === target.get("c") && shownCell && shownCell.dataset.cell === key,
      `the cited cell ${link.textContent} is selected by its link, its card shown`);
    }

    // A broken address: the page shows a cell it has, and says which in the address.
    win.location.hash = "#w=no_such_workload&d=nobody&c=abc&s=zzz&f=none";
    await settle();
    const fixed = hashOf();
    check(D.cards[`${fixed.get("w")}|${fixed.get("d")}|${fixed.get("c")}`] !== undefined,
      `a broken address opens a cell the run has (${win.location.hash})`);
    check(thrown.length === 0, "the page threw nothing and fetched nothing" + (thrown.length ? ": " + thrown.join("; ") : ""));
  }

  try {
    await run();
  } catch (e) {
    check(false, "the check itself threw: " + e);
  }
  out.push(`browser-check: ${out.length} checks, ${failed} failed`);
  document.getElementById("result").textContent = ["BEGIN" + "-RESULT", ...out, "END" + "-RESULT"].join("\n");
  document.title = failed ? "FAIL" : "PASS";
})();
