"use strict";
// The browser check's driver (scripts/browser-check.sh writes the page it runs in). It loads a
// report.html in a frame, works the page's own controls as a person would — the selects, a
// column's sort button, a row's plot checkbox, a cited cell in the report — and compares what
// the page then shows with what `statebench advise` printed for the same cells. Every line of
// its verdict goes to the element `result`, between two marker lines, which the shell script reads from the dumped DOM.
(function () {
  const expected = JSON.parse(document.getElementById("expected").textContent);
  const out = [];
  let failed = 0;
  const check = (ok, what) => {
    out.push((ok ? "ok   " : "FAIL ") + what);
    if (!ok) failed += 1;
  };
  const finish = () => {
    out.push(`browser-check: ${out.length} checks, ${failed} failed`);
    document.getElementById("result").textContent = ["BEGIN" + "-RESULT", ...out, "END" + "-RESULT"].join("\n");
    document.title = failed ? "FAIL" : "PASS";
  };

  function run(frame) {
    const doc = frame.contentDocument;
    const win = frame.contentWindow;
    const $ = (id) => doc.getElementById(id);
    check(doc.body && doc.body.dataset.ready === "1", "the page loaded and its script ran to the end");
    if (!doc.body || doc.body.dataset.ready !== "1") return;
    const choose = (id, value) => {
      const select = $(id);
      const has = [...select.options].some((o) => o.value === String(value));
      check(has, `#${id} offers ${value}`);
      select.value = String(value);
      select.dispatchEvent(new win.Event("change", { bubbles: true }));
    };
    const rowOf = (impl) => doc.querySelector(`#rows tbody tr[data-impl="${impl}"]`);
    const same = (a, b) => Number(a) === Number(b);

    for (const want of expected) {
      const cell = `${want.w} / ${want.d} / ${want.c}`;
      // Through the controls, in the order a person would: workload, caller, clients.
      choose("sel-workload", want.w);
      choose("sel-driver", want.d);
      choose("sel-clients", want.c);
      const hash = new URLSearchParams(win.location.hash.slice(1));
      check(hash.get("w") === want.w && hash.get("d") === want.d && hash.get("c") === String(want.c),
        `${cell}: the address keeps the selection (${win.location.hash})`);
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
      const shown = upTo(card.textContent).split("\n");
      const said = upTo(want.text.replace(/`/g, "")).split("\n");
      const differs = said.findIndex((line, k) => line !== shown[k]);
      check(differs < 0 && shown.length === said.length,
        `${cell}: the card's text is the CLI's card, word for word` + (differs < 0 ? "" :
          `; line ${differs + 1} differs:\n       CLI:  ${said[differs]}\n       page: ${shown[differs]}`));
      for (const r of [a.pick, ...a.tied.map((t) => t.row), ...a.next.map((t) => t.row)]) {
        const tr = rowOf(r.implementation);
        check(!!tr, `${cell}: the table has ${r.implementation}`);
        if (!tr) continue;
        for (const [attr, key] of [["ops", "ops_per_sec"], ["p50", "p50_ns"], ["p99", "p99_ns"], ["cpu", "cpu_ns_per_op"]]) {
          check(same(tr.dataset[attr], r[key]),
            `${cell}: ${r.implementation}'s ${key} in the table is the CLI's ${r[key]} (page: ${tr.dataset[attr]})`);
        }
      }
      const first = doc.querySelector("#rows tbody tr");
      check(first && first.dataset.impl === a.pick.implementation,
        `${cell}: the table, fastest first, opens with the pick`);
    }

    // A column's sort button: p99, lowest first after a second press.
    const sortBy = (key) => doc.querySelector(`#rows thead button[data-sort="${key}"]`).click();
    sortBy("p99");
    sortBy("p99");
    const p99s = [...doc.querySelectorAll("#rows tbody tr")].map((tr) => Number(tr.dataset.p99));
    check(p99s.length > 1 && p99s.every((v, k) => k === 0 || p99s[k - 1] <= v),
      `sorting by p99 twice puts the rows lowest p99 first (${p99s.length} rows)`);
    check(doc.querySelector('#rows th[aria-sort="ascending"] button[data-sort="p99"]') !== null,
      "the sorted column says so (aria-sort)");
    check(win.location.hash.includes("s=p99-asc"), "the address keeps the sort");

    // A row's plot checkbox hides its series and its legend button says so.
    const lines = () => doc.querySelectorAll("#plot-throughput svg .series").length;
    const before = lines();
    const box = doc.querySelector("#rows tbody input[data-toggle]");
    const name = box.dataset.toggle;
    box.click();
    check(lines() === before - 1, `unticking ${name} takes its line from the throughput plot (${before} → ${lines()})`);
    const legend = doc.querySelector(`#plot-throughput button[data-toggle="${name}"]`);
    check(legend && legend.getAttribute("aria-pressed") === "false", `${name}'s legend button shows it hidden`);
    check(new URLSearchParams(win.location.hash.slice(1)).get("h") === name, "the address keeps the hidden row");
    legend.click();
    check(lines() === before, `its legend button brings ${name} back`);
    const marks = doc.querySelectorAll("#plot-throughput svg .mark[tabindex]");
    check(marks.length > 0 && [...marks].every((m) => (m.querySelector("title") || {}).textContent),
      `every mark of the throughput plot can be focused and names its value (${marks.length} marks)`);

    // A cell cited in the report selects it.
    const link = doc.querySelector("#report a.cell");
    check(!!link, "the report cites cells as links");
    if (link) {
      const target = new URLSearchParams(link.getAttribute("href").slice(1));
      link.click();
      check($("sel-workload").value === target.get("w") && $("sel-driver").value === target.get("d") &&
        $("sel-clients").value === target.get("c"),
      `the cited cell ${link.textContent} is selected by its link`);
    }
  }

  const frame = document.getElementById("page");
  frame.addEventListener("load", () => {
    try {
      run(frame);
    } catch (e) {
      check(false, "the check itself threw: " + e);
    }
    finish();
  });
})();
