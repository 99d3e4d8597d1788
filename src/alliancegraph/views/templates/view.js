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

  // A reduced view (views/reduce.py): communities as super-nodes (ids N, N+1 …) drawn first,
  // their members hidden until a click on the super-node expands it.
  var N = nodeList.length;
  var clusters = data.clusters || [];
  var clusterOf = {}, expanded = {}, groupOff = {}, bridgeIds = [];
  clusters.forEach(function (c, i) { c[6].forEach(function (m) { clusterOf[m] = i; }); });
  if (clusters.length) {
    nodeList.forEach(function (n) { if (clusterOf[n.id] !== undefined) { n.hidden = true; } });
    edgeList.forEach(function (e) {
      e.hidden = clusterOf[e.from] !== undefined || clusterOf[e.to] !== undefined;
    });
  }
  var superList = clusters.map(function (c, i) {
    // [label, x, y, size, title, colour, members]
    return { id: N + i, label: c[0], x: c[1], y: c[2], size: c[3], title: c[4], shape: "dot",
             borderWidth: 2, font: { size: 16, bold: true },
             color: { background: c[5], border: "#333",
                      highlight: { background: c[5], border: "#000" },
                      hover: { background: c[5], border: "#000" } } };
  });
  var superEdges = (data.clusterEdges || []).map(function (e, i) {
    return { id: "s" + i, from: N + e[0], to: N + e[1], width: e[2], title: e[3] };
  });
  view.clusters = clusters.length;
  view.expanded = expanded;

  var nodes = new vis.DataSet(nodeList.concat(superList));
  var edges = new vis.DataSet(edgeList.concat(superEdges));
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

  // Labels: none covers another label or a node. Once the layout has settled and every
  // label has been measured (drawn once), labels are placed in order of importance: node
  // labels by rank (focus nodes, then bigger, then higher degree), each below its node or
  // else above it; then edge labels, each at its own edge's midpoint (curves included).
  // A label that fits nowhere is hidden; it shows while its node or edge is hovered, and
  // the tooltip names it as well. Placement is in canvas units, so it holds at every zoom.
  var labelOf = {}, edgeLabelOf = {}, dropped = { nodes: {}, edges: {} };
  nodeList.concat(superList).forEach(function (n) { labelOf[n.id] = n.label; });
  edgeList.forEach(function (e) { if (e.label) { edgeLabelOf[e.id] = e.label; } });
  var rankOf = data.nodes.map(function (n) { return n[9] || 0; });
  superList.forEach(function (n) { rankOf[n.id] = -1; });
  var CELL = 96;
  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }
  function placeLabels() {
    var grid = {};
    function each(b, fn) {
      for (var gx = Math.floor(b.left / CELL); gx <= Math.floor(b.right / CELL); gx++) {
        for (var gy = Math.floor(b.top / CELL); gy <= Math.floor(b.bottom / CELL); gy++) {
          fn(gx + "," + gy);
        }
      }
    }
    function free(b) {
      var ok = true;
      each(b, function (k) {
        var list = grid[k];
        for (var i = 0; ok && list && i < list.length; i++) { if (overlaps(b, list[i])) { ok = false; } }
      });
      return ok;
    }
    function take(b) { each(b, function (k) { (grid[k] = grid[k] || []).push(b); }); }
    var body = network.body;
    var shown = nodes.getIds({ filter: function (n) { return !n.hidden; } });
    var shape = {};
    shown.forEach(function (id) {
      var bn = body.nodes[id];
      var w = (bn.shape.width || 2 * bn.options.size) / 2 + 2;
      var h = (bn.shape.height || 2 * bn.options.size) / 2 + 2;
      shape[id] = { left: bn.x - w, right: bn.x + w, top: bn.y - h, bottom: bn.y + h };
      take(shape[id]);
    });
    shown.sort(function (a, b) { return rankOf[a] - rankOf[b]; });
    var nodeUpdates = [];
    dropped.nodes = {};
    shown.forEach(function (id) {
      var s = body.nodes[id].labelModule.size;
      if (!labelOf[id] || !s || !s.width) { return; }
      var below = { left: s.left - 1, right: s.left + s.width + 1, top: s.top, bottom: s.top + s.height };
      var up = shape[id].top - 2 - below.bottom;
      var above = { left: below.left, right: below.right, top: below.top + up, bottom: below.bottom + up };
      if (free(below)) {
        take(below);
      } else if (free(above)) {
        take(above);
        nodeUpdates.push({ id: id, font: { vadjust: up } });
      } else {
        dropped.nodes[id] = true;
        nodeUpdates.push({ id: id, label: " " });
      }
    });
    var edgeUpdates = [];
    dropped.edges = {};
    var ranked = edges.getIds({ filter: function (e) { return edgeLabelOf[e.id] !== undefined; } });
    ranked.sort(function (a, b) { return edgeList[b].width - edgeList[a].width || a - b; });
    ranked.forEach(function (id) {
      var be = body.edges[id];
      var s = be.labelModule.size;
      if (!be.from || !be.to || be.from.options.hidden || be.to.options.hidden || !s.width) { return; }
      var box = { left: s.left - 1, right: s.left + s.width + 1, top: s.top, bottom: s.top + s.height };
      if (free(box)) {
        take(box);
      } else {
        dropped.edges[id] = true;
        edgeUpdates.push({ id: id, label: " " });
      }
    });
    nodes.update(nodeUpdates);
    edges.update(edgeUpdates);
    view.dropped = { nodes: Object.keys(dropped.nodes).length, edges: Object.keys(dropped.edges).length };
  }
  function settle(done) {
    // restore every label, draw once to measure them, place them, fit and centre the view
    nodes.update(nodeList.concat(superList).map(function (n) {
      return { id: n.id, label: n.label, font: { vadjust: 0 } };
    }));
    edges.update(Object.keys(edgeLabelOf).map(function (id) { return { id: Number(id), label: edgeLabelOf[id] }; }));
    network.once("afterDrawing", function () {
      placeLabels();
      network.fit({ animation: false });
      network.once("afterDrawing", function () { view.placed = true; if (done) { done(); } });
      network.redraw();
    });
    network.redraw();
  }
  view.settle = settle;
  network.on("hoverNode", function (p) {
    if (dropped.nodes[p.node]) { nodes.update({ id: p.node, label: labelOf[p.node] }); }
  });
  network.on("blurNode", function (p) {
    if (dropped.nodes[p.node]) { nodes.update({ id: p.node, label: " " }); }
  });
  network.on("hoverEdge", function (p) {
    if (dropped.edges[p.edge]) { edges.update({ id: p.edge, label: edgeLabelOf[p.edge] }); }
  });
  network.on("blurEdge", function (p) {
    if (dropped.edges[p.edge]) { edges.update({ id: p.edge, label: " " }); }
  });

  // Which nodes and edges of a reduced view show: members of expanded communities (and not
  // of a class switched off in the legend), super-nodes of collapsed ones, edges between
  // shown nodes, and a bridge from a shown member to a collapsed community it has an edge to.
  function refresh() {
    var visible = {}, nodeUpd = [], edgeUpd = [];
    nodeList.forEach(function (n) {
      var c = clusterOf[n.id];
      var hid = (c !== undefined && !expanded[c]) || groupOff[n.group] === true;
      visible[n.id] = !hid;
      nodeUpd.push({ id: n.id, hidden: hid });
    });
    superList.forEach(function (n, i) {
      visible[n.id] = !expanded[i];
      nodeUpd.push({ id: n.id, hidden: !!expanded[i] });
    });
    nodes.update(nodeUpd);
    edgeList.concat(superEdges).forEach(function (e) {
      edgeUpd.push({ id: e.id, hidden: !(visible[e.from] && visible[e.to]) });
    });
    edges.update(edgeUpd);
    edges.remove(bridgeIds);
    bridgeIds = [];
    var seen = {}, bridges = [];
    function bridge(a, b) {
      var cb = clusterOf[b];
      if (!visible[a] || cb === undefined || expanded[cb]) { return; }
      var id = "b" + a + ":" + cb;
      if (seen[id]) { return; }
      seen[id] = true;
      bridges.push({ id: id, from: a, to: N + cb, width: 1, dashes: [2, 4],
                     color: { color: "#c3c9cf" } });
      bridgeIds.push(id);
    }
    edgeList.forEach(function (e) { bridge(e.from, e.to); bridge(e.to, e.from); });
    edges.add(bridges);
    view.shown = nodes.getIds({ filter: function (n) { return !n.hidden; } }).length;
  }
  function expand(i, on) {
    expanded[i] = on !== false;
    refresh();
    view.placed = false;
    settle();
  }
  view.expand = expand;
  if (clusters.length) {
    view.shown = clusters.length;
    network.on("click", function (p) {
      if (p.nodes.length === 1 && p.nodes[0] >= N) { expand(p.nodes[0] - N); }
    });
    network.on("doubleClick", function (p) {
      var c = p.nodes.length === 1 ? clusterOf[p.nodes[0]] : undefined;
      if (c !== undefined && expanded[c]) { expand(c, false); }
    });
    var note = document.getElementById("ag-reduced");
    if (note) {
      var all = document.createElement("button");
      all.type = "button";
      all.textContent = data.text.collapse;
      all.addEventListener("click", function () {
        Object.keys(expanded).forEach(function (k) { expanded[k] = false; });
        refresh();
        settle();
      });
      note.appendChild(all);
    }
  }

  if (options.physics && options.physics.enabled) {
    // Bounded physics: settle once, then switch it off so nothing keeps moving.
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      settle(markStable);
    });
  } else {
    network.fit({ animation: false });
    settle(markStable);
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
    // colour means community when communities are listed: class icons are then shapes only
    var byCommunity = data.communities && data.communities.length;
    entry(icon(g.shape, byCommunity ? "#ffffff" : g.color, byCommunity ? "#444" : g.border),
          g.label, g.count, function (on) {
      if (clusters.length) {
        groupOff[key] = !on;
        refresh();
      } else {
        setHidden(function (n) { return n.group === key; }, !on);
      }
      settle();
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
  // No <form>: a submit is blocked in a sandboxed iframe without allow-forms (JupyterLab,
  // the explorer), so Enter and a pick from the list are handled on the input itself.
  function find() {
    var q = input.value.trim().toLowerCase();
    if (!q) { return; }
    var hit = null;
    for (var i = 0; i < nodeList.length && hit === null; i++) {
      if (nodeList[i].label.toLowerCase() === q) { hit = nodeList[i].id; }
    }
    for (var j = 0; j < nodeList.length && hit === null; j++) {
      if (nodeList[j].label.toLowerCase().indexOf(q) >= 0) { hit = nodeList[j].id; }
    }
    if (hit !== null && clusterOf[hit] !== undefined && !expanded[clusterOf[hit]]) {
      expanded[clusterOf[hit]] = true;
      refresh();
    }
    if (hit !== null) {
      network.selectNodes([hit]);
      network.focus(hit, { scale: 1.2, animation: false });
    }
    view.found = hit;
  }
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { ev.preventDefault(); find(); }
  });
  input.addEventListener("change", find);
})();
