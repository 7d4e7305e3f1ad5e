// tapeviz TapeWidget front end: draws what Python sends, reports clicks and button intents.
// Python is the source of truth (svg, inspector, stepper, alerts); this module only draws,
// pans and zooms, and writes back small intents. Plain ES module: no build step, no CDN.
// The default export is anywidget's { render }; the named exports (h, panZoom, section) are
// what the self-contained HTML export (viz/export.py) imports to draw the same graph offline.

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
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
  }
  return node;
}

// Pan and zoom by rewriting the SVG viewBox: wheel zooms about the cursor, drag pans.
// A drag may leave the graph, so its moves and release are heard on `window`; `dispose()`
// removes those listeners (the container's own go away with the container).
export function panZoom(container, onClick) {
  let svg = null, box = null, home = null, drag = null;
  function attach(newSvg) {
    svg = newSvg;
    if (!svg) return;
    const vb = svg.viewBox && svg.viewBox.baseVal;
    home = vb && vb.width ? { x: vb.x, y: vb.y, w: vb.width, h: vb.height } : null;
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.style.width = "100%";
    svg.style.height = "100%";
    if (box && home) apply(box); else fit();
  }
  function apply(b) {
    box = b;
    if (svg) svg.setAttribute("viewBox", `${b.x} ${b.y} ${b.w} ${b.h}`);
  }
  function fit() { if (home) apply({ ...home }); }
  function zoom(factor, cx = 0.5, cy = 0.5) {
    if (!box) return;
    const w = box.w * factor, hh = box.h * factor;
    apply({ x: box.x + (box.w - w) * cx, y: box.y + (box.h - hh) * cy, w, h: hh });
  }
  container.addEventListener("wheel", (e) => {
    if (!svg) return;
    e.preventDefault();
    const r = container.getBoundingClientRect();
    zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, (e.clientX - r.left) / r.width,
         (e.clientY - r.top) / r.height);
  }, { passive: false });
  container.addEventListener("pointerdown", (e) => {
    if (!box) return;
    drag = { x: e.clientX, y: e.clientY, box: { ...box }, moved: false };
  });
  const onMove = (e) => {
    if (!drag) return;
    const r = container.getBoundingClientRect();
    const dx = (e.clientX - drag.x) * drag.box.w / r.width;
    const dy = (e.clientY - drag.y) * drag.box.h / r.height;
    if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3) drag.moved = true;
    if (drag.moved) apply({ ...drag.box, x: drag.box.x - dx, y: drag.box.y - dy });
  };
  const onUp = (e) => {
    const wasDrag = drag && drag.moved;
    drag = null;
    if (wasDrag) return;
    const node = e.target && e.target.closest && e.target.closest("g.node");
    if (node && container.contains(node)) onClick(node.id);
  };
  window.addEventListener("pointermove", onMove);
  window.addEventListener("pointerup", onUp);
  function dispose() {
    window.removeEventListener("pointermove", onMove);
    window.removeEventListener("pointerup", onUp);
    drag = null;
  }
  return { attach, fit, zoom, reset: () => { box = null; }, dispose };
}

// One inspector section ({title, type: svg|img|table|code|text, content}) as DOM.
export function section(s) {
  const body = h("div", { class: "tv-section-body" });
  if (s.type === "svg") {
    body.innerHTML = s.content;  // our own encoder's SVG (every text in it escaped in Python)
  } else if (s.type === "img") {
    body.append(h("img", { src: s.content, alt: s.title }));
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

const ACTION_LABELS = {
  break_op: "Break on this op", break_line: "Break on this line",
  clear_breaks: "Clear its breakpoints", gradcheck: "Gradient check",
  collapse: "Collapse its group",
};

function render({ model, el }) {
  const send = (action, extra = {}) => model.send({ action, ...extra });
  const title = h("span", { class: "tv-title" });
  const status = h("span", { class: "tv-status" });
  const slider = h("input", { type: "range", min: "0", step: "1", class: "tv-slider" });
  const sliderLabel = h("span", { class: "tv-slider-label" });
  const stepBox = h("span", { class: "tv-timetravel" }, "step ", slider, sliderLabel);
  slider.addEventListener("change", () => {
    model.set("step_index", parseInt(slider.value, 10));
    model.save_changes();
  });
  const graph = h("div", { class: "tv-graph" });
  const zoomer = panZoom(graph, (id) => { model.set("selected", id); model.save_changes(); });
  const download = (filename, text, type) => {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = h("a", { href: url, download: filename });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const toolbar = h("div", { class: "tv-toolbar" },
    title, status,
    h("span", { class: "tv-spacer" }),
    h("button", { class: "tv-step", title: "Apply one vector-Jacobian product", onclick: () => send("step") }, "Step"),
    h("button", { class: "tv-continue", title: "Run backward to the end or a breakpoint", onclick: () => send("continue") }, "Continue"),
    h("button", { class: "tv-reset", title: "Forget the stepping", onclick: () => send("reset") }, "Reset"),
    stepBox,
    h("button", { title: "Zoom in", onclick: () => zoomer.zoom(1 / 1.3) }, "+"),
    h("button", { title: "Zoom out", onclick: () => zoomer.zoom(1.3) }, "−"),
    h("button", { title: "Fit the graph", onclick: () => zoomer.fit() }, "Fit"),
    h("button", { title: "Download the SVG", onclick: () => download("tape.svg", model.get("svg"), "image/svg+xml") }, "SVG"),
    h("button", { title: "Download a self-contained HTML file", onclick: () => send("export_html") }, "HTML"));
  const alerts = h("div", { class: "tv-alerts" });
  const stepPanel = h("div", { class: "tv-stepper" });
  const inspector = h("div", { class: "tv-inspector" });
  const breakList = h("div", { class: "tv-breakpoints" });
  const side = h("div", { class: "tv-side" }, stepPanel, inspector, breakList);
  const error = h("pre", { class: "tv-error" });
  const root = h("div", { class: "tapeviz" }, toolbar, alerts,
    h("div", { class: "tv-main" }, graph, side), error);
  el.append(root);

  function mark(cls, id) {
    for (const old of graph.querySelectorAll("g.node." + cls)) old.classList.remove(cls);
    if (!id) return;
    for (const node of graph.querySelectorAll("g.node")) {
      if (node.id === id) node.classList.add(cls);
    }
  }
  function drawSvg() {
    graph.innerHTML = model.get("svg");  // laid out by Graphviz from escaped DOT
    zoomer.attach(graph.querySelector("svg"));
    mark("tv-selected", model.get("selected"));
    mark("tv-highlight", model.get("highlight"));
  }
  function drawTitle() {
    title.textContent = model.get("title");
    status.textContent = model.get("status");
  }
  function drawSlider() {
    const count = model.get("step_count");
    stepBox.style.display = count > 1 ? "" : "none";
    slider.max = String(Math.max(0, count - 1));
    slider.value = String(model.get("step_index"));
    sliderLabel.textContent = ` ${model.get("step_index") + 1} / ${count}`;
  }
  function drawAlerts() {
    alerts.replaceChildren(...model.get("alerts").map((a) => {
      const item = h("div", { class: `tv-alert tv-alert-${a.kind}` }, `${a.kind}: ${a.message}`);
      if (a.node) {
        item.classList.add("tv-jump");
        item.title = "Show this node";
        item.addEventListener("click", () => { model.set("selected", a.node); model.save_changes(); });
      }
      return item;
    }));
  }
  function drawStepper() {
    const s = model.get("stepper");
    if (!s || s.count === undefined) {
      stepPanel.replaceChildren(h("div", { class: "tv-hint" },
        "Step runs the backward pass one vector-Jacobian product at a time."));
      return;
    }
    const rows = [["steps applied", String(s.count) + (s.done ? " (done)" : "")]];
    if (s.op) rows.push(["VJP of", s.op], ["at", s.source], ["upstream", s.upstream]);
    (s.input_grads || []).forEach((g, i) => rows.push([`grad input ${i}`, g]));
    (s.gradients || []).forEach(([name, g]) => rows.push([`d/d ${name}`, g]));
    stepPanel.replaceChildren(section({ title: "Backward stepping", type: "table", content: rows }));
  }
  function drawInspector() {
    const payload = model.get("inspector");
    if (!payload || !payload.title) {
      inspector.replaceChildren(h("div", { class: "tv-hint" }, "Click a node to inspect it."));
      return;
    }
    const buttons = (payload.actions || []).map((action) =>
      h("button", { class: `tv-action tv-${action}`, onclick: () => send(action) }, ACTION_LABELS[action] || action));
    inspector.replaceChildren(h("div", { class: "tv-inspector-title" }, payload.title),
      h("div", { class: "tv-actions" }, ...buttons), ...(payload.sections || []).map(section));
  }
  function drawBreakpoints() {
    const list = model.get("breakpoints");
    breakList.replaceChildren(...(list.length ? [h("div", { class: "tv-section-title" }, "Breakpoints"),
      ...list.map((b) => h("div", { class: "tv-text" }, b))] : []));
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
    "change:alerts": drawAlerts, "change:stepper": drawStepper,
    "change:inspector": drawInspector, "change:breakpoints": drawBreakpoints,
    "change:error": drawError, "msg:custom": onMessage,
  };
  for (const [event, handler] of Object.entries(handlers)) model.on(event, handler);
  drawSvg(); drawTitle(); drawSlider(); drawAlerts(); drawStepper(); drawInspector();
  drawBreakpoints(); drawError();
  // anywidget calls this when the view goes away: drop the model handlers and the
  // window-level pointer listeners, which would otherwise outlive the view
  return () => {
    for (const [event, handler] of Object.entries(handlers)) model.off(event, handler);
    zoomer.dispose();
  };
}

export default { render };
