// tapeviz TapeWidget front end: draws what Python sends, reports clicks and button intents.
// Python is the source of truth (svg, inspector, stepper, alerts); this module only draws,
// pans and zooms, and writes back small intents. Plain ES module: no build step, no CDN.
// The default export is anywidget's { render }; the named exports (h, panZoom, section,
// alertItem, inspectorContent, sidePanel) are what the self-contained HTML export
// (viz/export.py) imports to draw the same graph, alerts and inspector offline.

// A DOM element with attributes ("on..." ones become listeners) and children (strings as text).
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(typeof child === "string" ? located(child) : child);
    }
  }
  return node;
}

// Text in which each source location (as SourceInfo.location writes one: "Cell In[3], line 7",
// "train.py:12") sits in a tv-loc span, which never wraps inside.
const LOCATION = /(Cell In\[\d+\], line \d+|[^\s'"()]+\.py:\d+)/;
export function located(text) {
  const parts = text.split(LOCATION);
  if (parts.length === 1) return document.createTextNode(text);
  const fragment = document.createDocumentFragment();
  parts.forEach((part, i) => {
    if (i % 2 === 0) { fragment.append(part); return; }
    const span = document.createElement("span");
    span.className = "tv-loc";
    span.textContent = part;
    fragment.append(span);
  });
  return fragment;
}

// Graphviz draws text at a few point sizes; on screen every label stays between about 12.5
// and 15 px tall (its font 11 px or more): the drawing fits the pane's width only down to the
// scale that keeps the smallest text legible (then it scrolls), and never grows a small tape
// past the largest.
const TEXT_PX = { min: 12.5, max: 15 };
const MAX_PANE = () => Math.max(480, Math.round(window.innerHeight * 0.75));

// How tall each point size of `svg`'s text is in SVG units: a sans font's ascent + descent.
// From the font sizes, not getBBox: measured before the page's fonts are ready, that is off
// by half.
function textHeights(svg) {
  const sizes = new Set([...svg.querySelectorAll("text")].map(
    (text) => parseFloat(text.getAttribute("font-size")) || 14));
  return [...sizes].map((size) => size * 1.13);
}

// The scale (px per SVG unit) a pane `width` px wide shows `home` at, by the rule above.
function legibleScale(home, width, heights) {
  if (!heights.length) return Math.min(1, width / home.w);
  const least = TEXT_PX.min / Math.min(...heights), most = TEXT_PX.max / Math.max(...heights);
  return Math.max(least, Math.min(most, width / home.w));
}

// A node as keyboard and screen readers reach it: Tab stops on it, Enter or Space selects
// it, and its label is Graphviz's tooltip (op, shape, dtype, the user's line).
function focusable(node) {
  const tip = node.querySelector("a[*|title]");
  const label = tip ? tip.getAttributeNS("http://www.w3.org/1999/xlink", "title")
    || tip.getAttribute("title") : "";
  node.setAttribute("tabindex", "0");
  node.setAttribute("role", "button");
  node.setAttribute("aria-label", (label || node.id).replace(/\n+/g, "; "));
}

// How far a view moves so that the span [lo, hi] (screen px) lies inside [start, end], a
// margin from its ends, moving the least; a span longer than that puts its start at the start.
function shiftInto(lo, hi, start, end, margin = 12) {
  if (hi - lo > end - start - 2 * margin || lo < start + margin) return lo - (start + margin);
  if (hi > end - margin) return hi - (end - margin);
  return 0;
}

// The "more" hint goes to the first place along the pane's edges (bottom left, bottom right,
// bottom middle, then the top's) where it covers no node and no edge label; where each
// place covers some, to the one that covers least.
function placeHint(container, hint, svg) {
  const r = container.getBoundingClientRect();
  const w = hint.offsetWidth, hh = hint.offsetHeight;
  const drawn = [...svg.querySelectorAll("g.node, g.edge text")].map((e) => e.getBoundingClientRect())
    .filter((q) => q.right > r.left && q.left < r.right && q.bottom > r.top && q.top < r.bottom);
  const covered = (x, y) => drawn.reduce((sum, q) => sum
    + Math.max(0, Math.min(r.left + x + w, q.right) - Math.max(r.left + x, q.left))
    * Math.max(0, Math.min(r.top + y + hh, q.bottom) - Math.max(r.top + y, q.top)), 0);
  const bottom = r.height - hh - 6, right = r.width - w - 8, middle = (r.width - w) / 2;
  const places = [[8, bottom], [right, bottom], [middle, bottom], [right, 6], [8, 6], [middle, 6]];
  let best = places[0], least = Infinity;
  for (const [x, y] of places) {
    const area = covered(x, y);
    if (area < least) { best = [x, y]; least = area; }
    if (area === 0) break;
  }
  Object.assign(hint.style, { left: `${Math.max(0, best[0])}px`, top: `${Math.max(0, best[1])}px`,
    bottom: "auto" });
}

// Pan and zoom by rewriting the SVG viewBox: it opens at the legible scale (above), the wheel
// scrolls (the page takes over at the graph's ends), Ctrl+wheel or a pinch zooms about the
// cursor, drag pans. The pane is as tall as the graph at that scale, up to 3/4 of the window.
// A node reached by Tab, or shown for an alert (`show(id)`), is centred when out of view.
// A drag may leave the graph, so its moves and release are heard on `window`; `dispose()`
// removes those listeners and the pane's resize observer.
export function panZoom(container, onClick) {
  let svg = null, box = null, home = null, drag = null, moved = false, heights = [];
  let clicked = null, known = new Set();   // the last node clicked, where; the ids drawn
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
    if (!target || !box) return;
    const r = container.getBoundingClientRect();
    if (!r.width) return;
    const n = target.getBoundingClientRect();
    let dx = (n.left + n.right) / 2 - r.left - clicked.x;
    let dy = (n.top + n.bottom) / 2 - r.top - clicked.y;
    if (!same) {
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
    svg.setAttribute("aria-label", "The tape's ops: Tab moves from node to node, Enter inspects");
    for (const node of svg.querySelectorAll("g.node")) focusable(node);
    heights = textHeights(svg);
    if (moved && box) keepScale(); else fit();
    anchor();
    if (focused) {
      const again = [...svg.querySelectorAll("g.node")].find((n) => n.id === focused);
      if (again) again.focus({ preventScroll: true });
    }
  }
  // shown while the view cuts the graph, so nobody takes the part in view for all of it; it
  // sits where it covers no node and no edge label (placeHint), found again a frame after
  // the view moves
  const more = h("div", { class: "tv-more", "aria-hidden": "true" },
    "more: drag or scroll · Ctrl+scroll zooms · Fit goes back");
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
  // the legible view: the scale of `legibleScale`, the graph's top in view, centred when narrow
  function fit() {
    if (!home) return;
    moved = false;
    const pane = size();
    if (!pane.w) return;   // not shown yet: the resize observer fits it when it is
    const scale = legibleScale(home, pane.w, heights);
    container.style.minHeight = `${Math.min(MAX_PANE(), Math.ceil(home.h * scale) + 2)}px`;
    const tall = size().h || pane.h;
    const w = pane.w / scale;
    apply({ x: home.x - Math.max(0, (w - home.w) / 2), y: home.y, w, h: tall / scale });
  }
  // the pane changed size after the user moved: same scale and corner, new extent
  function keepScale() {
    const pane = size();
    if (!pane.w || !box) return;
    const scale = Math.min(pane.w / box.w, pane.h / box.h) || 1;
    apply({ ...box, w: pane.w / scale, h: pane.h / scale });
  }
  function zoom(factor, cx = 0.5, cy = 0.5) {
    if (!box) return;
    moved = true;
    clicked = null;   // the user moved the view: no node to hold in place
    const w = box.w * factor, hh = box.h * factor;
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
    : new ResizeObserver(() => { if (svg && home) { if (moved) keepScale(); else fit(); } });
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
    clicked = null;
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
  // `node` centred in the pane unless all of it is in view already
  function bringIntoView(node) {
    if (!box) return;
    const n = node.getBoundingClientRect(), r = container.getBoundingClientRect();
    if (!r.width) return;
    if (n.left >= r.left && n.top >= r.top && n.right <= r.right && n.bottom <= r.bottom) return;
    moved = true;   // centre it: screen pixels to SVG units
    clicked = null;
    apply({ ...box, x: box.x + ((n.left + n.right) / 2 - (r.left + r.right) / 2) * box.w / r.width,
            y: box.y + ((n.top + n.bottom) / 2 - (r.top + r.bottom) / 2) * box.h / r.height });
  }
  // the node with DOM id `id`, when drawn, brought into view (an alert's click shows its node):
  // into the pane, then the page scrolls it on screen where the pane reaches below the window
  function show(id) {
    const node = svg && [...svg.querySelectorAll("g.node")].find((n) => n.id === id);
    if (!node) return;
    bringIntoView(node);
    node.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  // a node reached by Tab is scrolled into the pane
  container.addEventListener("focusin", (e) => {
    const node = e.target.closest && e.target.closest("g.node");
    if (node) bringIntoView(node);
  });
  const onMove = (e) => {
    if (!drag) return;
    const r = container.getBoundingClientRect();
    const dx = (e.clientX - drag.x) * drag.box.w / r.width;
    const dy = (e.clientY - drag.y) * drag.box.h / r.height;
    if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3) drag.moved = true;
    if (drag.moved) {
      moved = true;
      clicked = null;
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
  const refit = () => { clicked = null; fit(); };   // the Fit button: the view the graph opens at
  return { attach, fit: refit, zoom, show, reset: () => { box = null; moved = false; }, dispose };
}

const MIN_PICTURE = 120;   // px: the longest side a picture in the inspector is drawn at, at least

// One inspector section ({title, type: svg|img|table|code|text, content}) as DOM.
export function section(s) {
  const body = h("div", { class: "tv-section-body" });
  if (s.type === "svg") {
    body.innerHTML = s.content;  // our own encoder's SVG (every text in it escaped in Python)
  } else if (s.type === "img") {
    const img = h("img", { src: s.content, alt: s.title });
    // a small matrix's heatmap (a 3x5 kernel comes as 30x50 pixels) is drawn larger by a whole
    // factor, so its cells stay square and sharp and a person can see them
    img.addEventListener("load", () => {
      const factor = Math.ceil(MIN_PICTURE / Math.max(img.naturalWidth, img.naturalHeight));
      if (factor > 1) img.width = img.naturalWidth * factor;
    }, { once: true });
    body.append(img);
  } else if (s.type === "table") {
    const table = h("table");
    for (const row of s.content) {
      table.append(h("tr", {}, ...row.map((cell) => h("td", {}, String(cell)))));
    }
    body.append(table);
  } else if (s.type === "code") {
    body.append(h("pre", { class: "tv-code" }, String(s.content)));
  } else {
    body.append(h("div", { class: "tv-text" }, String(s.content)));
  }
  return h("div", { class: "tv-section" }, h("div", { class: "tv-section-title" }, s.title), body);
}

// One alert line; with a node, a click (or Enter or Space) calls `jump(node)`.
// The fix, when the message gives one ("...; fix: ..." or "...; hint: ..."), goes on a line of
// its own, so a long alert reads as what happened, then what to do.
export function alertItem(a, jump) {
  const at = a.message.search(/; (?:fix|hint): /);
  const what = at < 0 ? a.message : a.message.slice(0, at);
  const item = h("div", { class: `tv-alert tv-alert-${a.kind}` },
    h("span", { class: "tv-alert-kind" }, `${a.kind.replaceAll("_", " ")}: `), what);
  if (at >= 0) item.append(h("div", { class: "tv-alert-fix" }, a.message.slice(at + 2)));
  if (a.node) {
    item.classList.add("tv-jump");
    item.title = "Show this node";
    item.tabIndex = 0;
    item.setAttribute("role", "button");
    item.addEventListener("click", () => jump(a.node));
    item.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); jump(a.node); }
    });
  }
  return item;
}

// The inspector's content for a payload: its title, the buttons (`buttons`, DOM) with what
// they found right under them (`payload.results`, then `extra` nodes), then the sections.
// The title and buttons stay pinned at the top of the side panel while it scrolls.
export function inspectorContent(payload, buttons = [], extra = []) {
  const results = (payload.results || []).map(section);
  return [h("div", { class: "tv-inspector-head" },
            h("div", { class: "tv-inspector-title" }, payload.title),
            buttons.length ? h("div", { class: "tv-actions" }, ...buttons) : null),
          results.length || extra.length
            ? h("div", { class: "tv-results" }, ...results, ...extra) : null,
          ...(payload.sections || []).map(section)].filter(Boolean);
}

// The side panel beside the graph can be widened, narrowed (buttons, or dragging the handle
// between them, or arrow keys on it) and hidden (then a toolbar button shows it again); the
// graph, flex 1, takes the room. Returns { reveal }: a click on a node calls it, so the
// details it asks for come into view rather than into a hidden panel.
export function sidePanel(main, side, toolbar) {
  const MIN = 0.2, MAX = 0.8, STEP = 0.12;
  let fraction = 0.38;
  const setWidth = (f) => {
    fraction = Math.min(MAX, Math.max(MIN, f));
    side.style.flexBasis = `${(fraction * 100).toFixed(1)}%`;
    handle.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
  };
  const setHidden = (hide) => {
    main.classList.toggle("tv-side-hidden", hide);
    show.style.display = hide ? "" : "none";
  };
  const handle = h("div", {
    class: "tv-handle", role: "separator", "aria-orientation": "vertical", tabindex: "0",
    "aria-label": "Inspector width (drag, or arrow keys)", title: "Drag to resize the inspector",
    "aria-valuemin": String(MIN * 100), "aria-valuemax": String(MAX * 100),
  });
  handle.addEventListener("pointerdown", (e) => {
    handle.setPointerCapture(e.pointerId);   // moves reach the handle even off it
    e.preventDefault();
  });
  handle.addEventListener("pointermove", (e) => {
    if (!handle.hasPointerCapture(e.pointerId)) return;
    const r = main.getBoundingClientRect();
    setWidth((r.right - e.clientX) / r.width);
  });
  handle.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") setWidth(fraction + STEP / 3);
    else if (e.key === "ArrowRight") setWidth(fraction - STEP / 3);
  });
  const button = (cls, label, title, onclick) => h("button", { class: cls, title, onclick }, label);
  const head = h("div", { class: "tv-side-head" },
    h("span", { class: "tv-side-label" }, "Inspector"),
    button("tv-side-wider", "◂ Wider", "Widen the inspector", () => setWidth(fraction + STEP)),
    button("tv-side-narrower", "Narrower ▸", "Narrow the inspector", () => setWidth(fraction - STEP)),
    button("tv-side-hide", "Hide ✕", "Hide the inspector: the graph takes the room",
           () => setHidden(true)));
  const show = button("tv-side-show", "Show inspector", "Show the inspector beside the graph",
                      () => setHidden(false));
  side.prepend(head);
  main.insertBefore(handle, side);
  toolbar.append(show);
  setWidth(fraction);
  setHidden(false);
  return { reveal: () => setHidden(false) };
}

// A status that would wrap to more than two lines between the title and the buttons gets a row
// of its own under them instead (a narrow column of four grey lines read worst of all).
// `place()` decides again (a new status); a change of the toolbar's width does it by itself,
// a frame later, so the resize observer never sees the size it changes. Returns
// { place, dispose }.
function statusRow(toolbar, status) {
  let width = 0;
  const place = () => {
    toolbar.classList.remove("tv-status-row");
    const lines = status.getBoundingClientRect().height
      / parseFloat(getComputedStyle(status).lineHeight);
    toolbar.classList.toggle("tv-status-row", lines > 2.5);
  };
  const observer = typeof ResizeObserver === "undefined" ? null
    : new ResizeObserver(([entry]) => {
      if (Math.abs(entry.contentRect.width - width) < 1) return;
      width = entry.contentRect.width;
      requestAnimationFrame(place);
    });
  if (observer) observer.observe(toolbar);
  return { place, dispose: () => { if (observer) observer.disconnect(); } };
}

const ACTION_LABELS = {
  break_op: "Break on this op", break_line: "Break on this line",
  clear_breaks: "Clear its breakpoints", gradcheck: "Gradient check",
  collapse: "Collapse its group",
};

function render({ model, el }) {
  const send = (action, extra = {}) => model.send({ action, ...extra });
  const title = h("span", { class: "tv-title" });
  const status = h("span", { class: "tv-status" });
  const slider = h("input", { type: "range", min: "0", step: "1", class: "tv-slider",
    "aria-label": "Recorded step" });
  const sliderLabel = h("span", { class: "tv-slider-label" });
  const stepBox = h("span", { class: "tv-timetravel", title: "The recorded steps: drag to show another" },
    slider, sliderLabel);
  // while dragging, the label names the step the slider is on, as the title will
  const labelSlider = () => {
    const labels = model.get("step_labels") || [];
    sliderLabel.textContent = labels[parseInt(slider.value, 10)] || "";
  };
  slider.addEventListener("input", labelSlider);
  slider.addEventListener("change", () => {
    model.set("step_index", parseInt(slider.value, 10));
    model.save_changes();
  });
  const graph = h("div", { class: "tv-graph" });
  let panel = null;   // the side panel (below): a node chosen in the graph or an alert opens it
  const choose = (id) => {
    if (panel) panel.reveal();
    model.set("selected", id);
    model.save_changes();
  };
  const zoomer = panZoom(graph, choose);
  const download = (filename, text, type) => {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = h("a", { href: url, download: filename });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  // [class, label, title when something is drawn, action]: with nothing recorded they are
  // disabled, and their title says why (drawButtons)
  const button = ([cls, label, title, onclick]) => {
    const b = h("button", { class: cls, onclick }, label);
    b.dataset.title = title;
    return b;
  };
  const stepping = [
    ["tv-step", "Step", "One backward step: the next op's vector-Jacobian product (VJP)", () => send("step")],
    ["tv-continue", "Continue", "Run backward to the end or a breakpoint", () => send("continue")],
    ["tv-reset", "Reset", "Forget the stepping", () => send("reset")]].map(button);
  const zooming = [
    ["tv-zoom-in", "+", "Zoom in", () => zoomer.zoom(1 / 1.3)],
    ["tv-zoom-out", "−", "Zoom out", () => zoomer.zoom(1.3)],
    ["tv-fit", "Fit", "The graph across the pane at a readable size", () => zoomer.fit()]].map(button);
  // the buttons in groups that wrap as wholes on a narrow pane: stepping, zoom, downloads
  const group = (...children) => h("span", { class: "tv-tools" }, ...children);
  const toolbar = h("div", { class: "tv-toolbar" },
    title, status,
    h("span", { class: "tv-spacer" }),
    // a newcomer reads what Step and Continue step through before pressing them
    group(h("span", { class: "tv-group-label" }, "Backward:"), ...stepping),
    stepBox,
    group(...zooming),
    group(h("button", { title: "Download the graph as an SVG file", onclick: () => download("tape.svg", model.get("svg"), "image/svg+xml") }, "↓ SVG"),
      h("button", { title: "Download a self-contained HTML file: graph, alerts and inspector, offline",
                    onclick: () => send("export_html") }, "↓ HTML")));
  const statusPlace = statusRow(toolbar, status);
  const alerts = h("div", { class: "tv-alerts" });
  // while Python still checks the first view's values (widget.py: checking), every box is
  // drawn as unchecked and this note says why: no box looks clean before it was looked at
  const checking = h("div", { class: "tv-checking-note", role: "status" });
  // the stepping strip sits above the graph and inspector, so it never pushes the inspector down
  const stepPanel = h("div", { class: "tv-stepper" });
  const inspector = h("div", { class: "tv-inspector" });
  const side = h("div", { class: "tv-side" }, inspector);
  const main = h("div", { class: "tv-main" }, graph, side);
  const error = h("pre", { class: "tv-error" });
  // an action's error shows under the toolbar, in view of both the toolbar and the inspector
  const root = h("div", { class: "tapeviz" }, toolbar, error, checking, alerts, stepPanel, main);
  panel = sidePanel(main, side, toolbar);
  el.append(root);

  function mark(cls, id) {
    for (const old of graph.querySelectorAll("g.node." + cls)) old.classList.remove(cls);
    if (cls === "tv-selected") for (const ring of graph.querySelectorAll(".tv-ring")) ring.remove();
    if (!id) return;
    for (const node of graph.querySelectorAll("g.node")) {
      if (node.id !== id) continue;
      node.classList.add(cls);
      if (cls === "tv-selected") selectionRing(node);
    }
  }
  // A copy of the node's outline under it, wider: the selection stays visible around the dashed
  // outline of the step being shown when both are on the same node.
  function selectionRing(node) {
    const shape = node.querySelector("polygon, ellipse, path");
    if (!shape) return;
    const ring = shape.cloneNode(false);
    ring.setAttribute("class", "tv-ring");
    shape.before(ring);
  }
  function drawSvg() {
    const empty = model.get("empty");
    if (empty) graph.replaceChildren(h("div", { class: "tv-empty" }, empty));
    else graph.innerHTML = model.get("svg");  // laid out by Graphviz from escaped DOT
    zoomer.attach(graph.querySelector("svg"));
    mark("tv-selected", model.get("selected"));
    mark("tv-highlight", model.get("highlight"));
  }
  // nothing recorded: no backward pass to step and no graph to zoom, and the buttons say so
  function drawButtons() {
    const empty = Boolean(model.get("empty"));
    for (const b of [...stepping, ...zooming]) {
      b.disabled = empty;
      b.title = !empty ? b.dataset.title : stepping.includes(b)
        ? "Nothing recorded, so no backward pass to step: the graph pane says how to record one"
        : "Nothing drawn to zoom: nothing was recorded";
    }
  }
  function drawTitle() {
    title.textContent = model.get("title");
    status.textContent = model.get("status");
    statusPlace.place();
  }
  function drawSlider() {
    const count = model.get("step_count");
    stepBox.style.display = count > 1 ? "" : "none";
    slider.max = String(Math.max(0, count - 1));
    slider.value = String(model.get("step_index"));
    labelSlider();
  }
  function drawAlerts() {
    const jump = (id) => { choose(id); zoomer.show(id); };
    alerts.replaceChildren(...model.get("alerts").map((a) => alertItem(a, jump)));
  }
  function drawStepper() {
    const s = model.get("stepper");
    if (!s || s.count === undefined) {
      stepPanel.replaceChildren();   // empty: hidden (the inspector says how to start)
      return;
    }
    // [label, value, what the label means: its tooltip, for a reader new to the terms]
    const rows = [["steps applied", String(s.count) + (s.done ? " (done)" : ""),
      "Backward steps run so far: Step runs one, Continue the rest"]];
    if (s.op) {
      rows.push(["VJP of", `${s.op} (tape entry #${s.entry})`, "The op whose backward step "
        + "(its vector-Jacobian product, VJP) ran last: the outlined node"],
      ["at", s.source, "The line of your code that ran that op"],
      ["upstream", s.upstream,
        "The gradient of the loss (the target) arriving at that op's output"]);
    }
    (s.input_grads || []).forEach((g, i) => rows.push([`grad ${s.input_names[i]}`, g,
      `The gradient that op sends back to its input ${s.input_names[i]}`]));
    (s.gradients || []).forEach(([name, g]) => rows.push([`d/d ${name}`, g,
      `The gradient of the loss (the target) with respect to ${name}, as summed so far`]));
    stepPanel.replaceChildren(h("span", { class: "tv-stepper-title" }, "Backward stepping"),
      // what the graph's borders now mean (dot.py draws them; tape.css marks the step)
      h("span", { class: "tv-key" }, "violet border: gradient, thicker = larger · dashed: "
        + "none yet · pink dashes: the VJP just run"),
      ...rows.map(([label, value, tip]) => h("span", { class: "tv-chip", title: tip },
        h("span", { class: "tv-chip-label" }, label), " ", value)));
  }
  // the node the inspector shows (also its data-node): a new one scrolls back to its top.
  // Python sends a step's or a click's selection, graph and inspector in one update, so
  // the selection marked in the graph and the inspector beside it never disagree.
  let shownId = null;
  function drawInspector() {
    const payload = model.get("inspector");
    const list = model.get("breakpoints");
    const breakList = list.length ? [h("div", { class: "tv-breakpoints" },
      h("div", { class: "tv-section-title" }, "Breakpoints"),
      ...list.map((b) => h("div", { class: "tv-text" }, b)))] : [];
    if (!payload || !payload.title) {
      const hint = model.get("empty") ? "Nothing recorded to inspect or step through yet: "
        + "record ops as the note at left says, then show the widget again."
        : "Click a node to inspect it.";
      inspector.replaceChildren(h("div", { class: "tv-hint" }, hint), ...breakList);
      inspector.dataset.node = "";
      shownId = null;
      return;
    }
    const buttons = (payload.actions || []).map((action) =>
      h("button", { class: `tv-action tv-${action}`, onclick: () => send(action) }, ACTION_LABELS[action] || action));
    const top = side.scrollTop;
    inspector.replaceChildren(...inspectorContent(payload, buttons, breakList));
    inspector.dataset.node = payload.id || "";   // which node it shows (tests wait on it)
    side.scrollTop = payload.id === shownId ? top : 0;
    shownId = payload.id;
  }
  function drawChecking() {
    const text = model.get("checking") || "";
    checking.textContent = text;
    root.classList.toggle("tv-checking", Boolean(text));
  }
  function drawError() {
    error.textContent = model.get("error");
    error.style.display = model.get("error") ? "" : "none";
  }
  const onMessage = (msg) => {
    if (msg && msg.type === "download") download(msg.filename, msg.content, "text/html");
  };
  const handlers = {
    "change:svg": drawSvg, "change:selected": () => mark("tv-selected", model.get("selected")),
    "change:highlight": () => mark("tv-highlight", model.get("highlight")),
    "change:title": drawTitle, "change:status": drawTitle,
    "change:step_count": drawSlider, "change:step_index": drawSlider,
    "change:step_labels": drawSlider,
    "change:alerts": drawAlerts, "change:stepper": drawStepper,
    "change:inspector": drawInspector, "change:breakpoints": drawInspector,
    "change:empty": () => { drawSvg(); drawInspector(); drawButtons(); },
    "change:error": drawError, "change:checking": drawChecking, "msg:custom": onMessage,
  };
  for (const [event, handler] of Object.entries(handlers)) model.on(event, handler);
  drawSvg(); drawTitle(); drawSlider(); drawAlerts(); drawStepper(); drawInspector();
  drawError(); drawChecking(); drawButtons();
  // anywidget calls this when the view goes away: drop the model handlers and the
  // window-level pointer listeners, which would otherwise outlive the view
  return () => {
    for (const [event, handler] of Object.entries(handlers)) model.off(event, handler);
    zoomer.dispose();
    statusPlace.dispose();
  };
}

export default { render };
