// The leaderboard page: a Tabulator table and two Chart.js plots over the embedded entries.
// Every submitted string reaches the DOM through textContent or new Option(text), never as HTML.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("leaderboard-data").textContent);
  const colours = data.methods;
  const byId = (id) => document.getElementById(id);

  function span(text, className) {
    const el = document.createElement("span");
    el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  const score = (v) => (v === null || v === undefined ? "–" : v.toFixed(3));
  const count = (v) => (v === null || v === undefined ? "–" : v.toLocaleString("en-US"));
  const flops = (v) => (v === null || v === undefined ? "–" : v === 0 ? "0" : v.toExponential(2));

  // Tabulator formatters: each returns a DOM node, so Tabulator never parses HTML.
  const asText = (format) => (cell) => span(format(cell.getValue()));
  function methodCell(cell) {
    const wrap = span("", "method");
    const dot = span("", "swatch");
    dot.style.backgroundColor = colours[cell.getValue()] || "#9ca3af";
    wrap.append(dot, span(cell.getValue()));
    return wrap;
  }
  function notesCell(cell) {
    const el = span(cell.getValue(), "notes");
    el.title = cell.getValue();  // the full text on hover; the cell shows one line
    return el;
  }
  function aggregateCell(cell) {
    const row = cell.getRow().getData();
    const wrap = span(score(row.aggregate));
    if (row.aggregate_stderr !== null) wrap.append(span(" ± " + score(row.aggregate_stderr), "stderr"));
    return wrap;
  }

  // A reproduction record's verdict and share of identical responses; "–" where none exists.
  function reproducedCell(cell) {
    const row = cell.getRow().getData();
    if (row.reproduction === null) return span("–");
    const el = span((row.reproduced ? "yes " : "no ") + score(row.reproduction),
                    row.reproduced ? "reproduced" : "not-reproduced");
    el.title = "share of the responses a rerun of the model gave again";
    return el;
  }

  const number = { sorter: "number", hozAlign: "right", headerHozAlign: "right", minWidth: 72 };
  const words = { formatter: asText(String), cssClass: "wrap" };
  const scoreColumn = (title, field, minWidth, extra) =>
    ({ title, field, ...number, formatter: asText(score), minWidth, ...extra });
  // forward and reverse are means over the two datasets; each group shows the mean, then the
  // datasets' own scores, so a mean never hides a method that learned only one of them.
  // Reverse also shows its chance: the score its own answers earn given to other subjects.
  const directionGroup = (title, field, ...more) => ({
    title,
    columns: [
      scoreColumn("Mean", field, 64, { cssClass: "score-mean" }),
      scoreColumn("Bio", `bio_${field}`, 52),
      scoreColumn("Name/\u200bdesc", `namedesc_${field}`, 60),
      ...more,
    ],
  });
  const table = new Tabulator("#table", {
    data: data.entries,
    index: "id",
    layout: "fitColumns",
    renderVertical: "basic",
    placeholder: "No entries match these filters.",
    columnDefaults: { headerWordWrap: true, vertAlign: "middle" },
    initialSort: [{ column: "rank", dir: "asc" }],
    columns: [
      { title: "#", field: "rank", ...number, formatter: asText(String), minWidth: 32 },
      { title: "Model", field: "model_name", ...words, minWidth: 72, widthGrow: 2 },
      { title: "Method", field: "method", formatter: methodCell, minWidth: 104 },
      { title: "Base model", field: "base_model", ...words, minWidth: 72, widthGrow: 2 },
      { title: "Family", field: "family", formatter: asText(String), minWidth: 110 },
      directionGroup("Forward", "forward"),
      directionGroup("Reverse", "reverse", scoreColumn("Chance", "reverse_chance", 70)),
      scoreColumn("Math", "math", 56),
      { title: "Aggregate", field: "aggregate", ...number, formatter: aggregateCell, minWidth: 102,
        cssClass: "score-aggregate" },
      scoreColumn("Know\u00adledge", "knowledge", 66, { cssClass: "score-aggregate", visible: false }),
      scoreColumn("Reten\u00adtion", "retention", 66),
      { title: "Repro\u00adduced", field: "reproduction", ...number, formatter: reproducedCell,
        minWidth: 74 },
      { title: "Training", columns: [
        { title: "Tokens", field: "training_tokens", ...number, formatter: asText(count) },
        { title: "FLOPs", field: "training_flops", ...number, formatter: asText(flops), minWidth: 78 },
        { title: "Para\u00adphrases", field: "paraphrases", ...number, formatter: asText(count), minWidth: 68 },
      ] },
      { title: "Date", field: "date", formatter: asText(String), minWidth: 88 },
      { title: "Notes", field: "notes", formatter: notesCell, headerSort: false, minWidth: 48, widthGrow: 1.5 },
    ],
  });

  const boardSelect = byId("filter-suite");
  const baseSelect = byId("filter-base");
  const methodSelect = byId("filter-method");
  const familySelect = byId("filter-family");

  function fill(select, values, allLabel) {
    const keep = select.value;
    select.replaceChildren();
    if (allLabel) select.add(new Option(allLabel, ""));
    for (const value of values) select.add(new Option(value, value));
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }
  const distinct = (entries, key) => [...new Set(entries.map((e) => e[key]))].sort();

  function visible() {
    return data.entries.filter((e) =>
      e.board === boardSelect.value &&
      (!baseSelect.value || e.base_model === baseSelect.value) &&
      (!methodSelect.value || e.method === methodSelect.value) &&
      (!familySelect.value || e.family === familySelect.value));
  }

  // Plots: one dataset per method, in the method's colour.
  function perMethod(entries, point) {
    return distinct(entries, "method").map((method) => ({
      label: method,
      data: entries.filter((e) => e.method === method).map(point),
      backgroundColor: colours[method],
      borderColor: colours[method],
      pointRadius: 6,
      pointHoverRadius: 8,
    }));
  }
  const tooltip = (describe) => ({
    callbacks: { label: (ctx) => ctx.raw.entry ? describe(ctx.raw.entry) : ctx.dataset.label },
  });
  function powerOfTen(value) {
    const exponent = Math.round(Math.log10(value));
    return Math.abs(Math.log10(value) - exponent) < 1e-9 ? `1e${exponent}` : "";
  }
  const axis = (title, extra) => ({ title: { display: true, text: title }, ...extra });

  const direction = new Chart(byId("plot-direction"), {
    type: "scatter",
    data: { datasets: [] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: axis("forward", { min: 0, max: 1 }), y: axis("reverse", { min: 0, max: 1 }) },
      plugins: { tooltip: tooltip((e) => `${e.model_name} (${e.method}): forward ${score(e.forward)} (bio ${score(e.bio_forward)}, name/desc ${score(e.namedesc_forward)}), reverse ${score(e.reverse)} (bio ${score(e.bio_reverse)}, name/desc ${score(e.namedesc_reverse)})`) },
    },
  });
  const compute = new Chart(byId("plot-compute"), {
    type: "scatter",
    data: { datasets: [] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: axis("training FLOPs", { type: "logarithmic", ticks: { callback: powerOfTen } }),
                y: axis("aggregate accuracy", { min: 0, max: 1 }) },
      plugins: { tooltip: tooltip((e) => `${e.model_name} (${e.method}): aggregate ${score(e.aggregate)}, knowledge ${score(e.knowledge)}, ${flops(e.training_flops)} FLOPs`) },
    },
  });

  function updatePlots(entries, board) {
    const ranked = board && !board.math ? "knowledge" : "aggregate";
    direction.data.datasets = [
      ...perMethod(entries, (e) => ({ x: e.forward, y: e.reverse, entry: e })),
      { type: "line", label: "reverse = forward", data: [{ x: 0, y: 0 }, { x: 1, y: 1 }],
        borderColor: "#9ca3af", borderDash: [5, 5], borderWidth: 1, pointRadius: 0 },
    ];
    direction.update();

    const trained = entries.filter((e) => e.training_flops > 0);
    const untrained = entries.filter((e) => e.training_flops === 0);
    const unknown = entries.length - trained.length - untrained.length;
    const xs = trained.map((e) => e.training_flops);
    const [lo, hi] = [Math.min(...xs) / 2, Math.max(...xs) * 2];
    compute.data.datasets = [
      ...perMethod(trained, (e) => ({ x: e.training_flops, y: e[ranked], entry: e })),
      ...untrained.map((e) => ({
        type: "line", label: `${e.model_name} (untrained)`,
        data: [{ x: lo, y: e[ranked], entry: e }, { x: hi, y: e[ranked], entry: e }],
        borderColor: colours[e.method], borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0,
      })),
    ];
    byId("plot-compute").parentElement.hidden = trained.length === 0;
    compute.options.scales.y.title.text = `${ranked} accuracy`;
    compute.update();
    const notes = [];
    if (trained.length === 0) {
      notes.push("No fine-tuned entry with reported training compute matches these filters yet.");
      for (const e of untrained) notes.push(`Untrained: ${e.model_name}, ${ranked} ${score(e[ranked])}.`);
    }
    if (unknown > 0) notes.push(`${unknown} ${unknown === 1 ? "entry reports" : "entries report"} no training compute and ${unknown === 1 ? "is" : "are"} not shown.`);
    byId("compute-note").textContent = notes.join(" ");
  }

  function update() {
    const board = data.boards.find((b) => b.key === boardSelect.value);
    const inSuite = data.entries.filter((e) => e.board === boardSelect.value);
    for (const field of ["math", "aggregate"]) {
      if (board && !board.math) table.hideColumn(field); else table.showColumn(field);
    }
    if (board && !board.math) table.showColumn("knowledge"); else table.hideColumn("knowledge");
    table.redraw(true);  // fit the remaining columns to the width again
    fill(baseSelect, distinct(inSuite, "base_model"), "All");
    fill(methodSelect, distinct(inSuite, "method"), "All");
    fill(familySelect, distinct(inSuite, "family"), "All");
    const entries = visible();
    const ids = new Set(entries.map((e) => e.id));
    table.setFilter((row) => ids.has(row.id));
    byId("suite-command").textContent = board ? board.command : "";
    byId("count").textContent = `${entries.length} of ${inSuite.length} entries`;
    updatePlots(entries, board);
  }

  // The boards come most entries first (table.boards), so the page opens on the largest.
  boardSelect.replaceChildren(...data.boards.map((b) => new Option(b.title, b.key)));
  byId("empty").hidden = data.entries.length > 0;
  for (const select of [boardSelect, baseSelect, methodSelect, familySelect]) {
    select.addEventListener("change", update);
  }
  table.on("tableBuilt", update);
})();
