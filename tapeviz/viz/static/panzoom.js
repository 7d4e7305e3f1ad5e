// The tape widget's graph pane: pan, zoom, keyboard focus, where the view goes after a
// redraw and where the "more" hint sits.
import { h } from "./dom.js";
import { legibleScale, legibleWidth, maxPane, openingX, textHeights } from "./legible.js";
import { nodeKeys } from "./nodekeys.js";

// A node as keyboard and screen readers reach it: focusable (the arrow keys move between
// nodes: nodekeys.js), Enter or Space selects it, and its label is Graphviz's tooltip (op,
// shape, dtype, the user's line).
function focusable(node) {
  const tip = node.querySelector("a[*|title]");
  const label = tip ? tip.getAttributeNS("http://www.w3.org/1999/xlink", "title")
    || tip.getAttribute("title") : "";
  node.setAttribute("tabindex", "-1");
  // the notebook's shortcuts skip keys pressed on it (Lumino looks from the key's target up):
  // Notebook 7's ArrowDown selected the next cell and took the focus from the graph
  node.setAttribute("data-lm-suppress-shortcuts", "true");
  node.setAttribute("role", "button");
  node.setAttribute("aria-label", (label || node.id).replace(/\n+/g, "; "));
  // a closed group (dot.py's "▸" box) opens when activated: a disclosure, said so
  if (node.classList.contains("kind-group")) node.setAttribute("aria-expanded", "false");
}

const RING = 6;   // px the selection ring (tape.css: .tv-ring, 9 px wide) reaches past a box

// How far a view moves so that the span [lo, hi] (screen px) lies inside [start, end], a
// margin from its ends, moving the least; a span longer than that puts its start at the start.
function shiftInto(lo, hi, start, end, margin = 12) {
  if (hi - lo > end - start - 2 * margin || lo < start + margin) return lo - (start + margin);
  if (hi > end - margin) return hi - (end - margin);
  return 0;
}

// The "more" hint goes to the first place along the pane's edges (bottom left, bottom right,
// bottom middle, then the top's) where it covers no node and no edge label. Where each place
// covers some (a graph opened on its busiest stretch: legible.js, openingX), it says less,
// "more: drag or scroll", in the place that covers least; so it does in a pane too narrow
// for the long one on one line. `texts`: the hints to try, longest
// first (the dashboard's tape pane neither zooms nor fits: it says the short one alone).
export const HINTS = ["more: drag or scroll · Ctrl+scroll zooms · Fit goes back",
  "more: drag or scroll"];
export function placeHint(container, hint, svg, texts = HINTS) {
  const r = container.getBoundingClientRect();
  const drawn = [...svg.querySelectorAll("g.node, g.edge text")].map((e) => e.getBoundingClientRect())
    .filter((q) => q.right > r.left && q.left < r.right && q.bottom > r.top && q.top < r.bottom);
  let best = null, least = Infinity;
  for (const [i, text] of texts.entries()) {
    hint.textContent = text;
    const w = hint.offsetWidth, hh = hint.offsetHeight;
    // one line or the shorter one (at 12 px the long one wrapped in a narrowed pane, "back"
    // alone on a second line over the graph's foot)
    if (w > r.width - 16 && i < texts.length - 1) continue;
    const covered = (x, y) => drawn.reduce((sum, q) => sum
      + Math.max(0, Math.min(r.left + x + w, q.right) - Math.max(r.left + x, q.left))
      * Math.max(0, Math.min(r.top + y + hh, q.bottom) - Math.max(r.top + y, q.top)), 0);
    const bottom = r.height - hh - 6, right = r.width - w - 8, middle = (r.width - w) / 2;
    least = Infinity;
    for (const [x, y] of [[8, bottom], [right, bottom], [middle, bottom], [right, 6], [8, 6],
      [middle, 6]]) {
      const area = covered(x, y);
      if (area < least) { best = [x, y]; least = area; }
      if (area === 0) break;
    }
    if (least === 0) break;
  }
  Object.assign(hint.style, { left: `${Math.max(0, best[0])}px`, top: `${Math.max(0, best[1])}px`,
    bottom: "auto" });
}

// Pan and zoom by rewriting the SVG viewBox: it opens at the legible scale (above), the wheel
// scrolls (the page takes over at the graph's ends), Ctrl+wheel or a pinch zooms about the
// cursor, drag pans. The pane is as tall as the graph at that scale, up to 3/4 of the window.
// A node reached from the keyboard, or shown for an alert or where the view opens (`show(id)`),
// is centred when out of view.
// A drag may leave the graph, so its moves and release are heard on `window`; `dispose()`
// removes those listeners and the pane's resize observer.
export function panZoom(container, onClick) {
  let svg = null, box = null, home = null, drag = null, moved = false, heights = [];
  let clicked = null, known = new Set();   // the last node clicked, where; the ids drawn
  // the view's scale (screen px per SVG unit) as last fitted, zoomed or kept: panning keeps it,
  // whatever the pane does meanwhile; the node show(id) centred
  let viewScale = 0, shown = null, fitted = 0, watched = null;   // fit's scale; the widget watched
  // the node shown is held at the pane's centre (the view opened at it, out of the pane); null:
  // asked before the pane had a size, decided at the first fit
  let centred = false;
  const size = () => ({ w: container.clientWidth, h: container.clientHeight });
  // a click on a node, remembered with its place in the pane, then passed on
  function choose(node) {
    const n = node.getBoundingClientRect(), r = container.getBoundingClientRect();
    clicked = { id: node.id, x: (n.left + n.right) / 2 - r.left, y: (n.top + n.bottom) / 2 - r.top };
    onClick(node.id);
  }
  // After a redraw, the clicked node goes back where the click was: the view does not jump
  // away. When it was a group that opened (or closed), the first node that is new goes there,
  // then the view moves the least that brings all the new nodes into the pane, or, when they
  // are more than the pane holds, their top left corner to the pane's: what opened is in view.
  function anchor() {
    const nodes = [...svg.querySelectorAll("g.node")];
    const fresh = nodes.filter((n) => !known.has(n.id));
    known = new Set(nodes.map((n) => n.id));
    const same = clicked && nodes.find((n) => n.id === clicked.id);
    const target = same || (clicked && fresh[0]);
    if (!target || !box || (same && whole())) return;   // all in view: nothing to hold
    const r = container.getBoundingClientRect();
    if (!r.width) return;
    const n = target.getBoundingClientRect();
    let dx = (n.left + n.right) / 2 - r.left - clicked.x;
    let dy = (n.top + n.bottom) / 2 - r.top - clicked.y;
    if (same) {   // whole in the pane, its ring too: a refit larger (the inspector opening
      // beside it) put a box clicked at the pane's edge partly out of it
      dx += shiftInto(n.left - dx, n.right - dx, r.left, r.right, RING);
      dy += shiftInto(n.top - dy, n.bottom - dy, r.top, r.bottom, RING);
    } else {
      const opened = fresh.map((f) => f.getBoundingClientRect());
      const lo = (side) => Math.min(...opened.map((q) => q[side]));
      const hi = (side) => Math.max(...opened.map((q) => q[side]));
      dx += shiftInto(lo("left") - dx, hi("right") - dx, r.left, r.right);
      dy += shiftInto(lo("top") - dy, hi("bottom") - dy, r.top, r.bottom);
    }
    if (Math.abs(dx) + Math.abs(dy) < 1) return;
    moved = true;
    apply({ ...box, x: box.x + dx * box.w / r.width, y: box.y + dy * box.h / r.height });
  }
  function attach(newSvg) {
    const focused = svg && container.contains(document.activeElement)
      ? document.activeElement.id : null;
    svg = newSvg;
    if (!svg) { container.style.minHeight = ""; return; }
    const vb = svg.viewBox && svg.viewBox.baseVal;
    home = vb && vb.width ? { x: vb.x, y: vb.y, w: vb.width, h: vb.height } : null;
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    // out of the flow: the svg fills its pane and never sizes it (inserted at Graphviz's
    // own size it would stretch the pane, and the side panel that follows its height)
    Object.assign(svg.style, { position: "absolute", inset: "0", width: "100%", height: "100%" });
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label",
      "The tape's ops: arrow keys move from node to node, Enter inspects");
    const nodes = [...svg.querySelectorAll("g.node")];
    nodes.forEach(focusable);
    keys.rove(nodes.find((n) => n.id === stop) || nodes[0]);   // the graph's one Tab stop
    heights = textHeights(svg);
    if (moved && box) keepScale(); else fit();
    if (fitted) resizePane();   // a view moved to a step keeps its scale, its pane its fit
    anchor();
    if (focused) {
      const again = [...svg.querySelectorAll("g.node")].find((n) => n.id === focused);
      if (again) again.focus({ preventScroll: true });
    }
  }
  // shown while the view cuts the graph, so nobody takes the part in view for all of it; it
  // sits where it covers no node and no edge label (placeHint), found again a frame after
  // the view moves
  const more = h("div", { class: "tv-more", "aria-hidden": "true" }, HINTS[0]);
  let hintFrame = 0;
  function apply(b) {
    box = b;
    if (!svg) return;
    svg.setAttribute("viewBox", `${b.x} ${b.y} ${b.w} ${b.h}`);
    const cut = home && (b.x > home.x + 1 || b.y > home.y + 1 || b.x + b.w < home.x + home.w - 1
      || b.y + b.h < home.y + home.h - 1);
    if (!cut) { more.remove(); return; }
    if (more.parentNode !== container) container.append(more);
    if (!hintFrame) {
      hintFrame = requestAnimationFrame(() => { hintFrame = 0; if (svg) placeHint(container, more, svg); });
    }
  }
  // the legible view: the scale of `legibleScale`, the graph's top in view, centred when
  // narrow, on its most ops when wide (openingX)
  function fit() {
    if (!home) return;
    moved = false;
    const pane = size();
    if (!pane.w) return;   // not shown yet: the resize observer fits it when it is
    const scale = viewScale = fitted = legibleScale(home, pane.w, heights);
    sizePane();
    const tall = size().h || pane.h;
    const w = pane.w / scale, high = tall / scale;
    const x = w >= home.w ? home.x - (w - home.w) / 2 : openingX(svg, home, w, home.y + high);
    apply({ x, y: home.y, w, h: high });
    // a node asked for before the pane had a size (the view opened at a NaN's origin) is
    // brought into it now, at this scale
    const node = shown && [...svg.querySelectorAll("g.node")].find((n) => n.id === shown);
    if (node && centred === null) centred = !inView(node);
    if (node) bringIntoView(node, centred);
  }
  // the pane as tall as the graph at fit's scale, within maxPane: set again when the widget
  // around it grows (the stepping panel opens), so the whole widget stays in view; the row
  // beside it (the inspector, tape.css) is told the same room as --tv-room. Returns whether
  // that changed the pane's height
  function sizePane() {
    const root = container.closest(".tapeviz") || container;
    if (observer && root !== watched) { watched = root; observer.observe(root); }
    const row = container.closest(".tv-main") || container;
    const room = maxPane(root, row);
    const height = `${Math.min(room, Math.ceil(home.h * fitted) + 2)}px`;
    if (row.style.getPropertyValue("--tv-room") === `${room}px`
      && container.style.minHeight === height) return false;
    const before = container.clientHeight;
    row.style.setProperty("--tv-room", `${room}px`);
    container.style.minHeight = height;
    return container.clientHeight !== before;
  }
  // sizePane, the view given the new height at once at its scale: the resize observer does
  // not report a size set inside its own call ("ResizeObserver loop completed with undelivered
  // notifications"), and the view made for the old height was drawn shrunk to the new one
  // until something else moved (notebook 02's graph text at 10.7 px after a click, the room
  // 512 -> 495 px as the inspector and stepping strip settled)
  function resizePane() { if (sizePane()) keepScale(); }
  // the pane changed size after the user moved: same scale and corner, new extent (the scale
  // the view had, not the old extent in the new pane: an alert's node shown, the inspector
  // opening took a third of the pane and the graph's text went from 11 to 7.7 px); the node
  // an alert showed, put out of view by the narrower pane, is brought back
  function keepScale() {
    const pane = size();
    if (!pane.w || !box) return;
    viewScale = viewScale || Math.min(pane.w / box.w, pane.h / box.h) || 1;
    // (its new extent kept inside the graph where the graph overflows it: a taller pane left
    // a band below notebook 02's graph; one the graph's width fits, the inspector hidden,
    // centred on it, as fit centres it: it showed the graph's left cut off and empty room
    // beyond its right)
    const b = panned({ ...box, w: pane.w / viewScale, h: pane.h / viewScale }, 0, 0);
    const kept = b.w >= home.w ? { ...b, x: home.x - (b.w - home.w) / 2 } : b;
    apply({ ...kept, y: wholeAtTop(kept, kept.y) });
    const node = shown && [...svg.querySelectorAll("g.node")].find((n) => n.id === shown);
    if (node) bringIntoView(node, centred);
  }
  function zoom(factor, cx = 0.5, cy = 0.5) {
    if (!box) return;
    moved = true;
    clicked = shown = null;   // the user moved the view: no node to hold in place
    const w = box.w * factor, hh = box.h * factor, pane = size();
    viewScale = Math.min(pane.w / w, pane.h / hh);
    apply({ x: box.x + (box.w - w) * cx, y: box.y + (box.h - hh) * cy, w, h: hh });
  }
  // `box` scrolled by (dx, dy) SVG units: only along an axis where the graph is larger than
  // the pane, and never past the graph's edges
  function panned(b, dx, dy) {
    const within = (at, by, span, lo, extent) =>
      (span >= extent ? at : Math.min(lo + extent - span, Math.max(lo, at + by)));
    return { ...b, x: within(b.x, dx, b.w, home.x, home.w), y: within(b.y, dy, b.h, home.y, home.h) };
  }
  const observer = typeof ResizeObserver === "undefined" ? null
    : new ResizeObserver((entries) => {
      if (!svg || !home) return;
      // refitted, the node last clicked goes back where the click was (the inspector opening
      // beside it narrowed the pane, and the fit's opening view cut that node in two)
      if (entries.some((e) => e.target === container)) {
        if (moved) { keepScale(); resizePane(); } else { fit(); anchor(); }
      }
      // the widget around the pane grew or shrank: a frame later, as resizing the widget it
      // observes inside the observer's call is a loop error
      else if (fitted) requestAnimationFrame(() => { if (svg && home) resizePane(); });
    });
  if (observer) observer.observe(container);
  container.addEventListener("wheel", (e) => {
    if (!svg || !box) return;
    const r = container.getBoundingClientRect();
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, (e.clientX - r.left) / r.width,
           (e.clientY - r.top) / r.height);
      return;
    }
    const [dx, dy] = e.shiftKey ? [e.deltaY, e.deltaX] : [e.deltaX, e.deltaY];
    const next = panned(box, dx * box.w / r.width, dy * box.h / r.height);
    if (next.x === box.x && next.y === box.y) return;   // at the end: the page scrolls on
    e.preventDefault();
    moved = true;
    clicked = shown = null;
    apply(next);
  }, { passive: false });
  container.addEventListener("pointerdown", (e) => {
    if (!box) return;
    drag = { x: e.clientX, y: e.clientY, box: { ...box }, moved: false };
  });
  container.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" && e.key !== " ") return;
    const node = e.target.closest && e.target.closest("g.node");
    if (!node || !container.contains(node)) return;
    e.preventDefault();
    choose(node);
  });
  // whether the view holds all of the graph
  const whole = () => box.x <= home.x + 1 && box.y <= home.y + 1
    && box.x + box.w >= home.x + home.w - 1 && box.y + box.h >= home.y + home.h - 1;
  // whether all of `node` lies in the pane
  function inView(node) {
    const n = node.getBoundingClientRect(), r = container.getBoundingClientRect();
    return n.left >= r.left && n.top >= r.top && n.right <= r.right && n.bottom <= r.bottom;
  }
  // `node` centred in the pane unless all of it is in view already (or `always`)
  function bringIntoView(node, always = false) {
    if (!box) return;
    const n = node.getBoundingClientRect(), r = container.getBoundingClientRect();
    if (!r.width) return;
    if (!always && inView(node)) return;
    moved = true;   // centre it (screen pixels to SVG units), the view kept inside the graph's
    clicked = null;  // sides and top where it overflows the pane: centring a node near the top
    // showed an empty band above it while boxes were cut at both sides (notebook 02); one at
    // the foot stays centred, on screen where the pane runs below the window
    const b = panned(box, ((n.left + n.right) / 2 - (r.left + r.right) / 2) * box.w / r.width, 0);
    const y = box.y + ((n.top + n.bottom) / 2 - (r.top + r.bottom) / 2) * box.h / r.height;
    // (a graph the pane's height holds stays whole in it: centring the loss notebook 03
    // stepped to at 1024 px, cut at the pane's left, moved the graph 14 units down)
    apply({ ...b, y: home.h > box.h ? wholeAtTop(b, Math.max(home.y, y))
      : Math.min(home.y, Math.max(home.y + home.h - box.h, y)) });
  }
  // the view's top `y` (SVG units) raised to show whole a box of view `b` it would cut in two,
  // its ring's margin above it: notebook 02's recorder, its pass's node centred, cut the top
  // row ('const 0.01', 'gradient') by 13 px, and so did the pane resized after it. Boxes are
  // read in SVG units through the drawing's own transform (a resized pane's view not yet
  // fitted to it)
  function wholeAtTop(b, y) {
    const m = svg.getScreenCTM();
    if (!m || home.h <= b.h) return y;
    const inverse = m.inverse(), point = svg.createSVGPoint();
    const units = (x, yy) => { point.x = x; point.y = yy; return point.matrixTransform(inverse); };
    const cut = [...svg.querySelectorAll("g.node")].map((q) => {
      const r = q.getBoundingClientRect(), lo = units(r.left, r.top), hi = units(r.right, r.bottom);
      return { top: lo.y, bottom: hi.y, left: lo.x, right: hi.x };
    }).filter((q) => q.top < y && q.bottom > y && q.right > b.x && q.left < b.x + b.w);
    return cut.length ? Math.max(home.y, Math.min(...cut.map((q) => q.top)) - RING / m.a) : y;
  }
  // the node with DOM id `id`, when drawn, brought into view (an alert's click shows its node):
  // into the pane, then the page scrolls it on screen where the pane reaches below the window.
  // With page false (the view opening at a NaN's origin, while the notebook runs on) the page
  // stays, and a node out of the pane is held at its centre, with what its value flowed into
  // below it, while the pane settles (one in view is left where the fit put it). Returns
  // whether the node is drawn.
  function show(id, page = true) {
    const node = svg && [...svg.querySelectorAll("g.node")].find((n) => n.id === id);
    if (!node) return false;
    shown = id;
    centred = page ? false : box ? !inView(node) : null;
    bringIntoView(node, centred);
    if (page) node.scrollIntoView({ block: "nearest", inline: "nearest" });
    return true;
  }
  // a node reached from the keyboard is scrolled into the pane, and is where Tab comes back to
  const keys = nodeKeys(container, () => (svg ? [...svg.querySelectorAll("g.node")] : []));
  let stop = null;
  container.addEventListener("focusin", (e) => {
    const node = e.target.closest && e.target.closest("g.node");
    if (node) { stop = node.id; shown = null; bringIntoView(node); }
  });
  const onMove = (e) => {
    if (!drag) return;
    const r = container.getBoundingClientRect();
    const dx = (e.clientX - drag.x) * drag.box.w / r.width;
    const dy = (e.clientY - drag.y) * drag.box.h / r.height;
    if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3) drag.moved = true;
    if (drag.moved) {
      moved = true;
      clicked = shown = null;
      apply({ ...drag.box, x: drag.box.x - dx, y: drag.box.y - dy });
    }
  };
  const onUp = (e) => {
    const wasDrag = drag && drag.moved;
    drag = null;
    if (wasDrag) return;
    const node = e.target && e.target.closest && e.target.closest("g.node");
    if (node && container.contains(node)) choose(node);
  };
  window.addEventListener("pointermove", onMove);
  window.addEventListener("pointerup", onUp);
  function dispose() {
    window.removeEventListener("pointermove", onMove);
    window.removeEventListener("pointerup", onUp);
    if (observer) observer.disconnect();
    if (hintFrame) cancelAnimationFrame(hintFrame);
    drag = null;
  }
  const refit = () => { clicked = shown = null; fit(); };   // the Fit button: the view the graph opens at
  // px of pane the whole graph's width needs at a legible scale (0: nothing drawn)
  const needs = () => (svg && home ? legibleWidth(home, heights) : 0);
  return { attach, fit: refit, zoom, show, needs, reset: () => { box = null; moved = false; },
           dispose };
}
