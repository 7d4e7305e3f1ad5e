// The tape widget's graph from the keyboard: the whole graph is one Tab stop (the node last
// reached), so Tab goes on to the inspector rather than through every node; the arrow keys
// move to the nearest node that way (the graph flows down: Down goes to what an op feeds),
// Home and End to the first and last node drawn. panzoom.js: Enter or Space inspects.

const CENTRE = (node) => {
  const r = node.getBoundingClientRect();
  return { x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2 };
};
const AXES = { ArrowDown: [0, 1], ArrowUp: [0, -1], ArrowRight: [1, 0], ArrowLeft: [-1, 0] };

// The node nearest `from` in the direction of arrow `key` among `nodes`: the least distance
// along it plus twice the distance across, so a node straight below wins over one off to the
// side; null when none lies that way.
export function nearest(from, nodes, key) {
  const [ax, ay] = AXES[key];
  const f = CENTRE(from);
  let best = null, least = Infinity;
  for (const node of nodes) {
    if (node === from) continue;
    const c = CENTRE(node);
    const along = (c.x - f.x) * ax + (c.y - f.y) * ay;
    if (along < 1) continue;
    const score = along + 2 * Math.abs((c.x - f.x) * ay + (c.y - f.y) * ax);
    if (score < least) { least = score; best = node; }
  }
  return best;
}

// Keyboard moves in `container`'s graph: `nodes()` lists the nodes drawn; `rove(node)` makes
// `node` the graph's one Tab stop (call it after each redraw with the node to keep).
export function nodeKeys(container, nodes) {
  const rove = (node) => {
    for (const other of nodes()) other.setAttribute("tabindex", other === node ? "0" : "-1");
  };
  container.addEventListener("keydown", (e) => {
    const from = e.target.closest && e.target.closest("g.node");
    if (!from || !container.contains(from)) return;
    const all = nodes();
    const to = e.key in AXES ? nearest(from, all, e.key)
      : e.key === "Home" ? all[0] : e.key === "End" ? all[all.length - 1] : undefined;
    if (to === undefined) return;
    e.preventDefault();   // the notebook does not scroll under the graph
    if (to) to.focus();
  });
  container.addEventListener("focusin", (e) => {
    const node = e.target.closest && e.target.closest("g.node");
    if (node) rove(node);
  });
  return { rove };
}
