// Reads vis-network's own measured label boxes (canvas units) and node shapes in a view page
// (tests/test_view_labels.py), and lists what is wrong: two visible labels overlapping, a
// label on another node, an edge label off its edge (the distance from the label's centre to
// the drawn curve); plus where the drawing sits in the canvas after fit().
() => {
  const net = agView.network, body = net.body;
  const out = {nodes: [], edges: [], shapes: [], problems: []};
  const ov = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
    && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  for (const n of agView.nodes.get()) {
    if (n.hidden) continue;
    const bn = body.nodes[n.id];
    const w = (bn.shape.width || 2 * bn.options.size) / 2;
    const h = (bn.shape.height || 2 * bn.options.size) / 2;
    out.shapes.push({id: n.id, left: bn.x - w, right: bn.x + w, top: bn.y - h, bottom: bn.y + h});
    if (!n.label || !n.label.trim()) continue;  // dropped: shown on hover only
    const s = bn.labelModule.size, dy = bn.options.font.vadjust || 0;
    out.nodes.push({id: n.id, text: n.label, left: s.left, top: s.top + dy,
                    right: s.left + s.width, bottom: s.top + s.height + dy});
  }
  for (const e of agView.edges.get()) {
    if (!e.label || !e.label.trim()) continue;
    const be = body.edges[e.id];
    if (be.from.options.hidden || be.to.options.hidden) continue;
    const s = be.labelModule.size;
    const box = {id: e.id, text: e.label, left: s.left, top: s.top,
                 right: s.left + s.width, bottom: s.top + s.height};
    const cx = s.left + s.width / 2, cy = s.top + s.height / 2;
    let d = Infinity;
    for (let t = 0; t <= 1.0001; t += 0.01) {
      const p = be.edgeType.getPoint(t);
      d = Math.min(d, Math.hypot(p.x - cx, p.y - cy));
    }
    box.distance = d;
    const a = net.canvasToDOM({x: box.left, y: box.top});
    const b = net.canvasToDOM({x: box.right, y: box.bottom});
    box.dom = [a.x, a.y, b.x, b.y];  // where it is on screen, to look for its ink
    out.edges.push(box);
  }
  const labels = out.nodes.concat(out.edges);
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      if (ov(labels[i], labels[j])) out.problems.push(["overlap", labels[i].text, labels[j].text]);
    }
  }
  for (const e of out.edges) {
    if (e.distance > 3) out.problems.push(["off edge", e.text, e.distance]);
    for (const s of out.shapes) if (ov(e, s)) out.problems.push(["edge label on node", e.text, s.id]);
  }
  for (const n of out.nodes) {
    for (const s of out.shapes) {
      if (s.id !== n.id && ov(n, s)) out.problems.push(["label on node", n.text, s.id]);
    }
  }
  const c = document.getElementById("ag-network").getBoundingClientRect();
  let L = Infinity, R = -Infinity, T = Infinity, B = -Infinity;
  for (const b of labels.concat(out.shapes)) {
    L = Math.min(L, b.left); R = Math.max(R, b.right); T = Math.min(T, b.top); B = Math.max(B, b.bottom);
  }
  const tl = net.canvasToDOM({x: L, y: T}), br = net.canvasToDOM({x: R, y: B});
  out.fit = {left: tl.x, top: tl.y, right: br.x, bottom: br.y, width: c.width, height: c.height,
             scale: net.getScale()};
  out.dropped = agView.dropped || {nodes: 0, edges: 0};
  return out;
}
