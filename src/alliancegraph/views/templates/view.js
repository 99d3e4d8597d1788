/* alliancegraph network view. Every user-supplied string (labels, aliases, quotes, legend
   entries) reaches the page as text: vis-network shows string titles with innerText and
   draws labels on the canvas; everything else here is set with textContent or .value. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ag-data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var view = { stable: false, stableAt: null, data: data };
  window.agView = view;

  var groups = {};
  data.groups.forEach(function (g, i) {
    groups["g" + i] = {
      shape: g.shape,
      color: { background: g.color, border: g.border,
               highlight: { background: g.color, border: "#111" },
               hover: { background: g.color, border: "#111" } }
    };
  });

  var nodeList = data.nodes.map(function (n, i) {
    // [label, group, x, y, size, title, colour or null, flags, font size]
    var node = { id: i, label: n[0], group: "g" + n[1], x: n[2], y: n[3], size: n[4], title: n[5] };
    if (n[6]) {
      node.color = { background: n[6], border: "#444",
                     highlight: { background: n[6], border: "#111" },
                     hover: { background: n[6], border: "#111" } };
    }
    if (n[7] & 1) { node.shapeProperties = { borderDashes: [4, 3] }; }
    if (n[7] & 2) { node.borderWidth = 4; node.font = { bold: true }; }
    if (n[8]) { node.font = Object.assign(node.font || {}, { size: n[8] }); }
    return node;
  });
  var edgeList = data.edges.map(function (e, i) {
    // [from, to, predicate, title, width, curve]
    var edge = { id: i, from: e[0], to: e[1], title: e[3], width: e[4] };
    var p = data.predicates[e[2]];
    if (data.edgeLabels) { edge.label = p.label; }
    if (p.dashes) { edge.dashes = true; }
    if (e[5]) { edge.smooth = { enabled: true, type: e[5] > 0 ? "curvedCW" : "curvedCCW",
                                roundness: Math.min(0.6, 0.18 * Math.abs(e[5])) }; }
    return edge;
  });

  var nodes = new vis.DataSet(nodeList);
  var edges = new vis.DataSet(edgeList);
  var options = data.options;
  options.groups = groups;
  var container = document.getElementById("ag-network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  view.network = network;
  view.nodes = nodes;
  view.edges = edges;

  function markStable() {
    if (view.stable) { return; }
    view.stable = true;
    view.stableAt = performance.now();
    document.body.setAttribute("data-stable", "1");
  }
  if (options.physics && options.physics.enabled) {
    // Bounded physics: settle once, then switch it off so nothing keeps moving.
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      network.once("afterDrawing", markStable);
      network.redraw();
    });
  } else {
    network.fit({ animation: false });
    network.once("afterDrawing", markStable);
  }

  // Legend: one toggle per class (and the community colours when nodes are coloured so).
  var legend = document.getElementById("ag-legend");
  function heading(text) {
    var h = document.createElement("h2");
    h.textContent = text;
    legend.appendChild(h);
  }
  function icon(shape, fill, border) {
    var s = document.createElementNS(SVG, "svg");
    s.setAttribute("width", "16");
    s.setAttribute("height", "16");
    s.setAttribute("viewBox", "-8 -8 16 16");
    var el;
    var pts = {
      triangle: "0,-7 7,6 -7,6", triangleDown: "0,7 7,-6 -7,-6", diamond: "0,-7 7,0 0,7 -7,0",
      star: "0,-7 2,-2 7,-2 3,1 5,7 0,3 -5,7 -3,1 -7,-2 -2,-2",
      hexagon: "7,0 3.5,6 -3.5,6 -7,0 -3.5,-6 3.5,-6"
    };
    if (shape === "square") {
      el = document.createElementNS(SVG, "rect");
      el.setAttribute("x", "-6"); el.setAttribute("y", "-6");
      el.setAttribute("width", "12"); el.setAttribute("height", "12");
    } else if (pts[shape]) {
      el = document.createElementNS(SVG, "polygon");
      el.setAttribute("points", pts[shape]);
    } else {
      el = document.createElementNS(SVG, "circle");
      el.setAttribute("r", "6");
    }
    el.setAttribute("fill", fill);
    el.setAttribute("stroke", border || "#444");
    s.appendChild(el);
    return s;
  }
  function entry(iconEl, text, count, onToggle) {
    var b = document.createElement("button");
    b.type = "button";
    b.setAttribute("aria-pressed", "true");
    b.appendChild(iconEl);
    var t = document.createElement("span");
    t.textContent = text;
    b.appendChild(t);
    if (count !== undefined) {
      var c = document.createElement("span");
      c.className = "ag-count";
      c.textContent = String(count);
      b.appendChild(c);
    }
    if (onToggle) {
      b.addEventListener("click", function () {
        var on = b.getAttribute("aria-pressed") !== "true";
        b.setAttribute("aria-pressed", on ? "true" : "false");
        onToggle(on);
      });
    }
    legend.appendChild(b);
  }
  function setHidden(predicate, hidden) {
    var ids = nodes.getIds({ filter: predicate });
    nodes.update(ids.map(function (id) { return { id: id, hidden: hidden }; }));
  }
  heading(data.text.classes);
  data.groups.forEach(function (g, i) {
    var key = "g" + i;
    entry(icon(g.shape, g.color, g.border), g.label, g.count, function (on) {
      setHidden(function (n) { return n.group === key; }, !on);
    });
  });
  if (data.communities && data.communities.length) {
    heading(data.text.communities);
    data.communities.forEach(function (c) {
      entry(icon("dot", c.color), c.label, c.count);
    });
  }
  if (data.text.size) {
    heading(data.text.sizeHeading);
    var p = document.createElement("div");
    p.textContent = data.text.size;
    legend.appendChild(p);
  }
  if (data.text.note) {
    var note = document.createElement("p");
    note.textContent = data.text.note;
    legend.appendChild(note);
  }

  // Find: a datalist of labels (values set as text), focus the first match.
  var list = document.getElementById("ag-find-list");
  var input = document.getElementById("ag-find-input");
  if (nodeList.length <= 5000) {
    var frag = document.createDocumentFragment();
    nodeList.forEach(function (n) {
      var o = document.createElement("option");
      o.value = n.label;
      frag.appendChild(o);
    });
    list.appendChild(frag);
  }
  document.getElementById("ag-find").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = input.value.trim().toLowerCase();
    if (!q) { return; }
    var hit = null;
    for (var i = 0; i < nodeList.length && hit === null; i++) {
      if (nodeList[i].label.toLowerCase() === q) { hit = nodeList[i].id; }
    }
    for (var j = 0; j < nodeList.length && hit === null; j++) {
      if (nodeList[j].label.toLowerCase().indexOf(q) >= 0) { hit = nodeList[j].id; }
    }
    if (hit !== null) {
      network.selectNodes([hit]);
      network.focus(hit, { scale: 1.2, animation: false });
    }
  });
})();
