/* vfr-bench listening report: the results table, the charts and the sample browser.
   Data: window.VFR (written by vfr_bench/report/html/page.py); sample groups are loaded on demand
   from samples/chunk-NNNN.js by <script> tags (Chromium blocks fetch() of file:// URLs). */
(function () {
  "use strict";
  var V = window.VFR;
  var PAGE_SIZE = 10;
  var chunks = {};
  var waiting = {};
  var state = { task: "", series: "", rate: "", sort: "order", a: 0, b: 1, page: 0 };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "cls") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function fmt(x, digits) {
    if (x === null || x === undefined) return "-";
    var a = Math.abs(x);
    if (a !== 0 && (a < 0.001 || a >= 1e5)) return x.toExponential(2);
    return x.toFixed(digits === undefined ? 3 : digits);
  }

  /* ---- results table ------------------------------------------------------------------------ */
  var sortKey = null, sortDir = 1;
  function tableColumns() {
    var lead = [["series", "series"], ["model", "model"], ["run", "run"], ["task", "task"], ["rate", "rate (Hz)"]];
    return lead.map(function (c) { return { key: c[0], title: c[1], lead: true }; }).concat(
      V.table.columns.map(function (c) { return { key: c.key, title: c.title + (c.unit ? " (" + c.unit + ")" : ""), lead: false }; }));
  }
  function cellValue(row, col) {
    if (col.lead) return col.key === "rate" ? parseFloat(row.rate) : row[col.key];
    var c = row.cells[col.key];
    return c ? c[0] : null;
  }
  function renderTable() {
    var table = document.getElementById("results-table");
    table.textContent = "";
    var cols = tableColumns();
    var head = el("tr", {}, cols.map(function (c) {
      var th = el("th", { "data-key": c.key, text: c.title });
      if (sortKey === c.key) th.className = sortDir > 0 ? "sorted-asc" : "sorted-desc";
      th.addEventListener("click", function () {
        sortDir = sortKey === c.key ? -sortDir : 1; sortKey = c.key; renderTable();
      });
      return th;
    }));
    table.appendChild(el("thead", {}, [head]));
    var rows = V.table.rows.slice();
    if (sortKey) {
      var col = cols.filter(function (c) { return c.key === sortKey; })[0];
      rows.sort(function (x, y) {
        var a = cellValue(x, col), b = cellValue(y, col);
        if (a === null) return 1;
        if (b === null) return -1;
        return (a < b ? -1 : a > b ? 1 : 0) * sortDir;
      });
    }
    var colours = {};
    V.series.forEach(function (s) { colours[s.label] = s.colour; });
    var body = el("tbody");
    rows.forEach(function (row) {
      var tr = el("tr", { cls: row.ceiling ? "ceiling" : "cell-row", "data-series": row.series, "data-task": row.task, "data-rate": row.rate });
      cols.forEach(function (c) {
        if (c.lead) {
          var td = el("td", { text: String(row[c.key]) });
          if (c.key === "series" && colours[row.series]) td.insertBefore(el("span", { cls: "swatch", style: "background:" + colours[row.series] }), td.firstChild);
          tr.appendChild(td);
          return;
        }
        var v = row.cells[c.key] || [null, null, null];
        var why = row.unstable && row.unstable[c.key];
        var cell = why ? el("td", { cls: "num unstable", title: why, text: "unstable" }) : el("td", { cls: "num" }, [fmt(v[0])]);
        if (v[0] !== null && v[1] !== null && v[2] !== null) cell.appendChild(el("span", { cls: "ci", text: " [" + fmt(v[1]) + ", " + fmt(v[2]) + "]" }));
        tr.appendChild(cell);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
  }

  /* ---- charts --------------------------------------------------------------------------------- */
  function renderCharts() {
    var area = document.getElementById("chart-area");
    Object.keys(V.charts).forEach(function (name) {
      var div = el("div", { id: "chart-" + name, cls: "chart" });
      area.appendChild(div);
      var chart = V.charts[name];
      Plotly.newPlot(div, chart.data, chart.layout, { responsive: true, displaylogo: false });
    });
  }

  /* ---- sample browser ------------------------------------------------------------------------- */
  function option(select, value, text) { select.appendChild(el("option", { value: value, text: text })); }
  function setUpControls() {
    var task = document.getElementById("f-task"), series = document.getElementById("f-series"),
      rate = document.getElementById("f-rate"), a = document.getElementById("f-a"), b = document.getElementById("f-b");
    option(task, "", "all tasks");
    V.tasks.forEach(function (t) { option(task, t, t); });
    option(series, "", "all series");
    V.series.forEach(function (s, i) { option(series, String(i), s.label); option(a, String(i), s.label); option(b, String(i), s.label); });
    option(rate, "", "all rates");
    V.rates.forEach(function (r) { option(rate, r, r + " Hz"); });
    state.b = Math.min(1, V.series.length - 1);
    b.value = String(state.b);
    [["f-task", "task"], ["f-series", "series"], ["f-rate", "rate"], ["f-sort", "sort"], ["f-a", "a"], ["f-b", "b"]].forEach(function (p) {
      document.getElementById(p[0]).addEventListener("change", function (ev) {
        var v = ev.target.value;
        state[p[1]] = (p[1] === "a" || p[1] === "b") ? parseInt(v, 10) : v;
        state.page = 0;
        renderSamples();
      });
    });
    document.getElementById("prev").addEventListener("click", function () { state.page -= 1; renderSamples(); });
    document.getElementById("next").addEventListener("click", function () { state.page += 1; renderSamples(); });
  }
  function rowShown(r) {
    return (state.series === "" || String(r[0]) === state.series) && (state.rate === "" || r[1] === state.rate);
  }
  function change(entry) {
    /* the largest (B - A) error-rate change over the rates both series have (and the rate filter allows) */
    var best = null, byRate = {};
    entry[3].forEach(function (r) {
      if (r[2] === null || (state.rate !== "" && r[1] !== state.rate)) return;
      byRate[r[1]] = byRate[r[1]] || {};
      byRate[r[1]][r[0]] = r[2];
    });
    Object.keys(byRate).forEach(function (rate) {
      var x = byRate[rate];
      if (x[state.a] === undefined || x[state.b] === undefined) return;
      var d = x[state.b] - x[state.a];
      if (best === null || d > best) best = d;
    });
    return best;
  }
  function selected() {
    var list = V.index.filter(function (g) {
      return (state.task === "" || g[0] === state.task) && g[3].some(rowShown);
    });
    if (state.sort === "change") {
      list = list.map(function (g) { return [change(g), g]; });
      list.sort(function (x, y) {
        if (x[0] === null) return y[0] === null ? 0 : 1;
        if (y[0] === null) return -1;
        return y[0] - x[0];
      });
      list = list.map(function (p) { p[1].change = p[0]; return p[1]; });
    }
    return list;
  }
  function loadChunk(n) {
    if (chunks[n]) return Promise.resolve(chunks[n]);
    if (!waiting[n]) {
      waiting[n] = new Promise(function (resolve, reject) {
        var name = V.chunkFolder + "/chunk-" + String(n).padStart(4, "0") + ".js";
        var s = el("script", { src: name });
        s.onload = function () { resolve(chunks[n]); };
        s.onerror = function () { reject(new Error("could not load " + name)); };
        document.head.appendChild(s);
      });
    }
    return waiting[n];
  }
  window.vfrChunk = function (n, groups) { chunks[n] = groups; };

  function renderSamples() {
    var list = selected(), pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
    state.page = Math.max(0, Math.min(state.page, pages - 1));
    var page = list.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
    document.getElementById("page-info").textContent = "page " + (state.page + 1) + " of " + pages + " (" + list.length + " samples)";
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = state.page >= pages - 1;
    var needed = page.map(function (g) { return g[2]; }).filter(function (c, i, all) { return all.indexOf(c) === i; });
    var target = document.getElementById("sample-list");
    target.setAttribute("data-state", "loading");
    var token = {};
    renderSamples.token = token;
    Promise.all(needed.map(loadChunk)).then(function () {
      if (renderSamples.token !== token) return;
      target.textContent = "";
      if (!page.length) target.appendChild(el("p", { cls: "empty", text: "No sample matches the filters." }));
      page.forEach(function (entry) {
        var group = chunks[entry[2]].filter(function (g) { return g.task === entry[0] && g.id === entry[1]; })[0];
        target.appendChild(renderGroup(group, entry.change));
      });
      target.setAttribute("data-state", "ready");
    }, function (err) {
      target.textContent = String(err);
      target.setAttribute("data-state", "failed");
    });
  }
  function renderGroup(g, delta) {
    var box = el("div", { cls: "sample", "data-task": g.task, "data-id": g.id });
    var title = g.task + " / " + g.id + (delta !== undefined && delta !== null ? "  (WER change B - A: " + (delta >= 0 ? "+" : "") + fmt(delta) + ")" : "");
    box.appendChild(el("h3", { text: title }));
    box.appendChild(el("div", { cls: "ref" }, [el("b", { text: "reference: " }), g.ref === null ? "-" : g.ref]));
    box.appendChild(el("div", {}, [el("b", { text: "input: " }),
      g.input ? el("audio", { controls: "", preload: "metadata", src: g.input, cls: "input-audio" }) : el("span", { cls: "empty", text: "input audio not available" }),
      g.in_s === null || g.in_s === undefined ? "" : el("span", { cls: "duration", text: fmt(g.in_s, 1) + " s" })]));
    var table = el("table");
    table.appendChild(el("tr", {}, ["series", "rate", "output audio", "transcript (diff against the reference)", "WER", "achieved Hz (in / out)", "t_total (s)"].map(function (h) { return el("th", { text: h }); })));
    g.rows.forEach(function (r) {
      if (!rowShown([r.s, r.r])) return;
      table.appendChild(renderRow(r));
    });
    box.appendChild(table);
    return box;
  }
  function renderRow(r) {
    var s = V.series[r.s];
    var tr = el("tr", { cls: "sample-row", "data-series": s.label, "data-rate": r.r, "data-edits": r.e === null ? "" : String(r.e), "data-metric": r.m || "" });
    tr.appendChild(el("td", {}, [el("span", { cls: "swatch", style: "background:" + s.colour }), s.label]));
    tr.appendChild(el("td", { text: r.r }));
    tr.appendChild(el("td", {}, r.a ? [el("audio", { controls: "", preload: "none", src: r.a, cls: "output-audio" }),
      el("span", { cls: "duration", text: r.d === null || r.d === undefined ? "" : fmt(r.d, 1) + " s" })] : [el("span", { cls: "empty", text: "-" })]));
    var cell = el("td", { cls: "transcript" });
    if (r.st !== "ok") cell.appendChild(el("span", { cls: "status-" + r.st, text: r.st + (r.err ? ": " + r.err : "") }));
    else if (r.ops) cell.appendChild(renderDiff(r.ops));
    else cell.appendChild(document.createTextNode(r.text || ""));
    if (r.st === "ok" && r.ops) cell.appendChild(el("div", { cls: "raw", text: r.text || "" }));
    tr.appendChild(cell);
    tr.appendChild(el("td", { cls: "num", text: r.w === null ? "-" : fmt(r.w) + (r.m && r.m !== "wer" ? " (" + r.m + ")" : "") }));
    tr.appendChild(el("td", { cls: "num", text: fmt(r.in_hz, 2) + " / " + fmt(r.out_hz, 2) }));
    tr.appendChild(el("td", { cls: "num", text: fmt(r.t) }));
    return tr;
  }
  function renderDiff(ops) {
    var span = el("span", { cls: "diff" });
    ops.forEach(function (op, i) {
      if (i) span.appendChild(document.createTextNode(" "));
      if (op[0] === "=") { span.appendChild(document.createTextNode(op[1])); return; }
      var kind = { s: "substitution", d: "deletion", i: "insertion" }[op[0]];
      var mark = el("span", { cls: "ed ed-" + op[0], title: kind });
      if (op[0] !== "i") mark.appendChild(el("del", { text: op[1] }));
      if (op[0] === "s") mark.appendChild(el("ins", { text: op[2] }));
      if (op[0] === "i") mark.appendChild(el("ins", { text: op[1] }));
      span.appendChild(mark);
    });
    return span;
  }

  renderTable();
  renderCharts();
  setUpControls();
  renderSamples();
}());
