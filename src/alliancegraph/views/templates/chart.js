/* alliancegraph chart (overlap heatmap, timeline, composition bars). Everything drawn comes
   from the JSON block; user-supplied strings reach the page only through textContent,
   .value or setAttribute of a non-executing attribute (href only to a relative explorer
   address built with encodeURIComponent). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ag-data").textContent);
  var W = data.words;
  var SVG = "http://www.w3.org/2000/svg";
  var chart = document.getElementById("ag-chart");
  var panel = document.getElementById("ag-panel");
  var controls = document.getElementById("ag-controls");
  var view = { stable: false, kind: data.kind, data: data };
  window.agView = view;

  function el(name, attrs, text) {
    var e = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function html(name, text) {
    var e = document.createElement(name);
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function svgRoot(w, h) {
    var s = el("svg", { width: w, height: h, viewBox: "0 0 " + w + " " + h });
    chart.appendChild(s);
    return s;
  }
  function widest(svg, labels, size) {
    var m = 0;
    labels.forEach(function (t) {
      var x = el("text", { "font-size": size }, t);
      svg.appendChild(x);
      m = Math.max(m, x.getComputedTextLength());
      svg.removeChild(x);
    });
    return m;
  }
  function button(text, pressed, onClick) {
    var b = html("button", text);
    b.type = "button";
    b.setAttribute("aria-pressed", pressed ? "true" : "false");
    b.addEventListener("click", onClick);
    controls.appendChild(b);
    return b;
  }
  function legend(entries) {
    var box = html("div");
    box.className = "ag-legend";
    entries.forEach(function (e) {
      var s = html("span");
      var sw = html("span");
      sw.className = "ag-swatch";
      sw.style.background = e.color;
      s.appendChild(sw);
      s.appendChild(document.createTextNode(e.label));
      box.appendChild(s);
    });
    return box;
  }
  function empty() { chart.appendChild(html("p", W.empty)); }

  // -- overlap: heatmap, clustered order, a click lists the shared members ------------------
  function overlap() {
    var n = data.labels.length;
    if (!n) { return empty(); }
    var mode = "count";
    var maxCount = 1;
    for (var a = 0; a < n; a++) {
      for (var b = 0; b < n; b++) { if (a !== b) { maxCount = Math.max(maxCount, data.count[a][b]); } }
    }
    var cell = Math.max(12, Math.min(34, Math.floor(640 / n)));
    var fs = Math.max(9, Math.min(13, cell - 6));
    var probe = svgRoot(10, 10);
    var lw = Math.ceil(widest(probe, data.labels, fs)) + 8;
    chart.removeChild(probe);
    var svg = svgRoot(lw + cell * n + 4, lw + cell * n + 4);
    var g = el("g", { transform: "translate(" + lw + "," + lw + ")" });
    svg.appendChild(g);
    data.labels.forEach(function (t, i) {
      g.appendChild(el("text", { x: -4, y: i * cell + cell / 2, "font-size": fs,
        "text-anchor": "end", "dominant-baseline": "central" }, t));
      g.appendChild(el("text", { x: 0, y: 0, "font-size": fs, "dominant-baseline": "central",
        transform: "translate(" + (i * cell + cell / 2) + ",-4) rotate(-90)" }, t));
    });
    var cells = [];
    function shade(v) {  // white to dark red
      var r = Math.round(255 - 60 * v), gg = Math.round(255 - 215 * v), bb = Math.round(255 - 215 * v);
      return "rgb(" + r + "," + gg + "," + bb + ")";
    }
    function paint() {
      cells.forEach(function (c) {
        var i = c.i, j = c.j;
        var v = i === j ? 0 : (mode === "count" ? data.count[i][j] / maxCount : data.jaccard[i][j]);
        c.rect.setAttribute("fill", i === j ? "#f0f0f0" : shade(v));
        if (c.text) {
          var show = mode === "count" ? data.count[i][j] : data.jaccard[i][j].toFixed(2).replace(/^0/, "");
          c.text.textContent = data.count[i][j] ? String(show) : "";
          c.text.setAttribute("fill", v > 0.55 ? "#fff" : "#333");
        }
      });
    }
    function select(c) {
      cells.forEach(function (d) { d.rect.classList.remove("ag-on"); });
      c.rect.classList.add("ag-on");
      var i = Math.min(c.i, c.j), j = Math.max(c.i, c.j);
      var ids = data.shared[i + "," + j] || [];
      panel.textContent = "";
      panel.appendChild(html("h2", data.labels[c.i] + (c.i === c.j ? "" : " × " + data.labels[c.j])));
      var line = ids.length + " " + W.shared;
      if (c.i !== c.j) { line += " · " + W.jaccard + " " + data.jaccard[c.i][c.j].toFixed(3); }
      panel.appendChild(html("p", ids.length ? line : W.none));
      var ul = html("ul");
      ids.forEach(function (k) {
        var li = html("li");
        if (data.explorer) {
          var link = html("a", data.memberLabels[k]);
          link.setAttribute("href", data.explorer + "entity?iri=" + encodeURIComponent(data.memberIris[k]));
          li.appendChild(link);
        } else {
          li.textContent = data.memberLabels[k];
        }
        ul.appendChild(li);
      });
      panel.appendChild(ul);
      view.selected = { i: c.i, j: c.j, members: ids.map(function (k) { return data.memberLabels[k]; }) };
    }
    for (var i = 0; i < n; i++) {
      for (var j = 0; j < n; j++) {
        var rect = el("rect", { x: j * cell, y: i * cell, width: cell - 1, height: cell - 1,
          "class": "ag-cell", "data-i": i, "data-j": j });
        rect.appendChild(el("title", {}, data.labels[i] + " × " + data.labels[j] + ": " +
          data.count[i][j] + " " + W.shared + ", " + W.jaccard + " " + data.jaccard[i][j].toFixed(3)));
        g.appendChild(rect);
        var c = { i: i, j: j, rect: rect, text: null };
        if (n <= 30) {
          c.text = el("text", { x: j * cell + cell / 2, y: i * cell + cell / 2, "font-size": fs - 2,
            "text-anchor": "middle", "dominant-baseline": "central", "pointer-events": "none" });
          g.appendChild(c.text);
        }
        rect.addEventListener("click", select.bind(null, c));
        cells.push(c);
      }
    }
    var bc = button(W.count, true, function () { mode = "count"; bc.setAttribute("aria-pressed", "true"); bj.setAttribute("aria-pressed", "false"); paint(); });
    var bj = button(W.jaccard, false, function () { mode = "jaccard"; bj.setAttribute("aria-pressed", "true"); bc.setAttribute("aria-pressed", "false"); paint(); });
    paint();
    view.cells = cells.length;
    view.select = function (i, j) { select(cells[i * n + j]); return view.selected; };
  }

  // -- composition: stacked bars by kind and by role, reported figures beside -------------
  function composition() {
    var rows = data.rows;
    if (!rows.length) { return empty(); }
    var fs = 12, bar = 16, gap = 6, pw = 300, pad = 60;
    var probe = svgRoot(10, 10);
    var lw = Math.ceil(widest(probe, rows.map(function (r) { return r.label; }), fs)) + 10;
    chart.removeChild(probe);
    var top = 22;
    var h = top + rows.length * (bar + gap) + 10;
    var svg = svgRoot(lw + 2 * (pw + pad), h);
    var maxV = 1;
    rows.forEach(function (r) { maxV = Math.max(maxV, r.members, r.reported || 0); });
    var scale = pw / maxV;
    rows.forEach(function (r, y) {
      svg.appendChild(el("text", { x: lw - 6, y: top + y * (bar + gap) + bar / 2, "font-size": fs,
        "text-anchor": "end", "dominant-baseline": "central" }, r.label));
    });
    [["kinds", W.by_kind], ["roles", W.by_role]].forEach(function (p, k) {
      var x0 = lw + k * (pw + pad);
      svg.appendChild(el("text", { x: x0, y: 12, "font-size": 12, "font-weight": 600 }, p[1]));
      rows.forEach(function (r, y) {
        var x = x0, yy = top + y * (bar + gap);
        data[p[0]].forEach(function (e, i) {
          var v = r[p[0]][i];
          if (!v) { return; }
          var rect = el("rect", { x: x, y: yy, width: v * scale, height: bar, fill: e.color });
          rect.appendChild(el("title", {}, r.label + " · " + e.label + ": " + v));
          svg.appendChild(rect);
          x += v * scale;
        });
        var note = W.counted + " " + r.members;
        if (r.reported !== null) {
          var rx = x0 + r.reported * scale;
          svg.appendChild(el("path", { d: "M" + rx + " " + (yy + 2) + " l5 6 l-5 6 l-5 -6 z", fill: "#111" }));
          note += " · " + W.reported + " " + r.reported;
        }
        svg.appendChild(el("text", { x: Math.max(x, r.reported !== null ? x0 + r.reported * scale : x) + 6,
          y: yy + bar / 2, "font-size": 10, fill: "#444", "dominant-baseline": "central" }, note));
      });
    });
    panel.appendChild(html("h2", W.by_kind));
    panel.appendChild(legend(data.kinds));
    panel.appendChild(html("h2", W.by_role));
    panel.appendChild(legend(data.roles));
    view.bars = svg.querySelectorAll("rect").length;
  }

  // -- timeline: lanes by alliance on a time axis, filterable -----------------------------
  function timeline() {
    var evs = data.events;
    if (!evs.length) { return empty(); }
    function year(s) {
      var p = s.split("-").map(Number);
      return p[0] + (p[1] - 1) / 12 + (p[2] - 1) / 365;
    }
    var select = html("select");
    select.setAttribute("aria-label", W.all);
    var all = html("option", W.all);
    all.value = "*";
    select.appendChild(all);
    data.lanes.forEach(function (l) {
      var o = html("option", l.label);
      o.value = l.key;
      select.appendChild(o);
    });
    controls.appendChild(select);
    panel.appendChild(legend(data.eventKinds));
    var lo = Infinity, hi = -Infinity;
    evs.forEach(function (e) { var y = year(e.start); lo = Math.min(lo, y); hi = Math.max(hi, y); });
    lo = Math.floor(lo); hi = Math.floor(hi) + 1;
    var color = {};
    data.eventKinds.forEach(function (k) { color[k.key] = k.color; });
    function draw() {
      chart.textContent = "";
      var want = select.value;
      var lanes = data.lanes.filter(function (l) { return want === "*" || l.key === want; });
      var fs = 12, laneH = 44, pw = 720, top = 28;
      var probe = svgRoot(10, 10);
      var lw = Math.ceil(widest(probe, lanes.map(function (l) { return l.label; }), fs)) + 12;
      chart.removeChild(probe);
      var svg = svgRoot(lw + pw + 160, top + lanes.length * laneH + 10);
      var sx = function (y) { return lw + (y - lo) / Math.max(1, hi - lo) * pw; };
      for (var t = lo; t <= hi; t++) {
        svg.appendChild(el("line", { x1: sx(t), x2: sx(t), y1: top - 6, y2: top + lanes.length * laneH, stroke: "#eee" }));
        svg.appendChild(el("text", { x: sx(t), y: top - 10, "font-size": 11, "text-anchor": "middle", fill: "#555" }, String(t)));
      }
      var shown = 0;
      lanes.forEach(function (l, i) {
        var y = top + i * laneH + laneH / 2;
        svg.appendChild(el("text", { x: lw - 8, y: y, "font-size": fs, "text-anchor": "end", "dominant-baseline": "central" }, l.label));
        svg.appendChild(el("line", { x1: lw, x2: lw + pw, y1: y, y2: y, stroke: "#ccc" }));
        var nth = 0;
        evs.forEach(function (e) {
          if (e.lane !== l.key) { return; }
          var x = sx(year(e.start));
          var dot = el("circle", { cx: x, cy: y, r: 5, fill: color[e.event] || "#888", "class": "ag-event" });
          dot.appendChild(el("title", {}, e.date + " · " + (W[e.event] || e.event) + " · " + e.label));
          svg.appendChild(dot);
          if (evs.length <= 60) {
            svg.appendChild(el("text", { x: x + 7, y: y + (nth % 2 ? 13 : -9), "font-size": 10, fill: "#333" }, e.date + " " + e.label));
          }
          nth += 1;
          shown += 1;
        });
      });
      view.shown = shown;
    }
    select.addEventListener("change", draw);
    draw();
    view.filter = function (key) { select.value = key; draw(); return view.shown; };
  }

  ({ overlap: overlap, composition: composition, timeline: timeline })[data.kind]();
  view.stable = true;
  document.body.setAttribute("data-stable", "1");
})();
