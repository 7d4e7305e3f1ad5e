// tapeviz live training Dashboard front end: draws what Python pushes (state, loss, gradient
// norms, the step's tape) and sends button intents back with model.send({action}).
// Python throttles the pushes and decides which buttons make sense; this module only draws.
// Plain ES module: no build step, no CDN. Text always goes through textContent.

const SVG_NS = "http://www.w3.org/2000/svg";
// series k is drawn in the theme's colour of CSS class `tvd-s${k % SERIES_COLOURS}` (dashboard.css)
const SERIES_COLOURS = 10;
const seriesClass = (k) => `tvd-s${k % SERIES_COLOURS}`;
const BUTTONS = [["pause", "Pause"], ["step_op", "Step op"], ["step_vjp", "Step VJP"],
                 ["resume", "Resume"], ["stop", "Stop"]];
// the left margin holds a y tick as fmt writes it at 11px ("-0.001234", "-1.23e-5")
const W = 380, H = 190, M = { left: 62, right: 96, top: 10, bottom: 24 };

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Inf" : "-Inf";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

// A series' steps (int32) or values (float32) arrive as binary buffers: a DataView (live
// kernel), an ArrayBuffer or a typed array; copied, so any byte offset is fine.
export function typed(data, Type) {
  if (!data) return new Type(0);
  if (Array.isArray(data)) return Type.from(data, (x) => (x === null ? NaN : x));
  if (data instanceof ArrayBuffer) return new Type(data.slice(0));
  if (ArrayBuffer.isView(data)) {
    return new Type(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  }
  return new Type(0);
}

function decode(series) {
  return { ...series, steps: typed(series.steps, Int32Array), values: typed(series.values, Float32Array) };
}

// Draw series [{name, steps, values}] into an <svg>: axes with min/max ticks, one
// polyline per run of plottable values (NaN/Inf, and <= 0 on a log axis, leave gaps) and a
// label with the last value at the right edge of each line.
export function drawChart(svg, series, { log = false, empty = "no data yet" } = {}) {
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const ok = (v) => v !== null && v !== undefined && Number.isFinite(v) && (!log || v > 0);
  const y = (v) => (log ? Math.log10(v) : v);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity, points = 0;
  for (const s of series) {
    s.steps.forEach((step, i) => {
      x0 = Math.min(x0, step); x1 = Math.max(x1, step); points += 1;
      if (ok(s.values[i])) { y0 = Math.min(y0, y(s.values[i])); y1 = Math.max(y1, y(s.values[i])); }
    });
  }
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  svg.append(svgEl("rect", { x: M.left, y: M.top, width: pw, height: ph, class: "tvd-plot" }));
  if (!(x1 >= x0) || !(y1 >= y0)) {
    // values that cannot be drawn are not "no data": say what they are
    const text = !points ? empty
      : log ? `nothing to plot: all ${points} values are NaN, Inf or 0`
        : `nothing to plot: all ${points} values are NaN or Inf`;
    // on two lines ("nothing to plot:" / why), so it stays inside the plot at 11px
    const lines = text.split(/(?<=:) /);
    const message = svgEl("text", { x: M.left + pw / 2, y: M.top + ph / 2 - 7 * (lines.length - 1),
                                    class: "tvd-empty", "text-anchor": "middle" });
    lines.forEach((line, i) => message.append(
      svgEl("tspan", { x: M.left + pw / 2, dy: i ? 14 : 0 }, line)));
    svg.append(message);
    return;
  }
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= log ? 0.5 : Math.abs(y0) * 0.1 || 1; y1 += log ? 0.5 : Math.abs(y1) * 0.1 || 1; }
  const px = (step) => M.left + ((step - x0) / (x1 - x0)) * pw;
  const py = (v) => M.top + ph - ((y(v) - y0) / (y1 - y0)) * ph;
  const tick = (v) => (log ? fmt(10 ** v) : fmt(v));
  svg.append(svgEl("line", { x1: M.left, y1: M.top + ph, x2: M.left + pw, y2: M.top + ph, class: "tvd-axis" }));
  svg.append(svgEl("line", { x1: M.left, y1: M.top, x2: M.left, y2: M.top + ph, class: "tvd-axis" }));
  for (const [v, anchorY] of [[y0, M.top + ph], [y1, M.top + 8]]) {
    svg.append(svgEl("text", { x: M.left - 4, y: anchorY, "text-anchor": "end", class: "tvd-tick" }, tick(v)));
  }
  for (const [step, anchor] of [[x0, "start"], [x1, "end"]]) {
    svg.append(svgEl("text", { x: px(step), y: H - 8, "text-anchor": anchor, class: "tvd-tick" },
                     String(Math.round(step))));
  }
  svg.append(svgEl("text", { x: M.left + pw / 2, y: H - 8, "text-anchor": "middle", class: "tvd-tick" }, "step"));
  const labels = [];
  series.forEach((s, k) => {
    const colour = seriesClass(k);
    let run = [];
    const flush = () => {
      if (run.length === 1) svg.append(svgEl("circle", { cx: run[0][0], cy: run[0][1], r: 1.5, class: colour }));
      if (run.length > 1) {
        svg.append(svgEl("polyline", { points: run.map((p) => p.join(",")).join(" "),
                                        class: `tvd-line ${colour}` }));
      }
      run = [];
    };
    s.steps.forEach((step, i) => {
      const v = s.values[i];
      if (ok(v)) run.push([px(step).toFixed(1), py(v).toFixed(1)]); else flush();
    });
    flush();
    const n = s.values.length;
    if (n) {
      const last = s.values[n - 1];
      const at = ok(last) ? py(last) : M.top + ph;
      labels.push({ y: at, text: (s.label || "") + fmt(last), colour, bad: !ok(last) });
    }
  });
  // last-value labels at the right edge, pushed apart so they never overlap
  labels.sort((a, b) => a.y - b.y);
  let prev = -Infinity;
  for (const label of labels) {
    label.y = Math.max(label.y, prev + 12);
    prev = label.y;
    svg.append(svgEl("text", { x: M.left + pw + 4, y: label.y + 4,
                               class: `tvd-last ${label.colour}${label.bad ? " tvd-bad" : ""}` },
                     label.text));
  }
}

const ENDED = ["finished", "stopped", "failed"];
const INLINED = ["fill", "stroke", "stroke-width", "stroke-dasharray", "stroke-linejoin",
                 "font-size", "font-family", "font-weight", "opacity"];

// A drawn chart as a standalone SVG document: its computed colours and fonts written into it,
// on `background`, so that as an image in a saved notebook it reads as it did on screen.
export function standalone(svg, background) {
  const copy = svg.cloneNode(true);
  const drawn = [svg, ...svg.querySelectorAll("*")];
  [copy, ...copy.querySelectorAll("*")].forEach((node, i) => {
    const style = getComputedStyle(drawn[i]);
    for (const prop of INLINED) node.setAttribute(prop, style.getPropertyValue(prop));
    node.removeAttribute("class");
  });
  const [, , width, height] = copy.getAttribute("viewBox").split(" ");
  copy.setAttribute("xmlns", SVG_NS);
  copy.setAttribute("width", width);
  copy.setAttribute("height", height);
  copy.prepend(svgEl("rect", { width: "100%", height: "100%", fill: background }));
  return new XMLSerializer().serializeToString(copy);
}

// Scroll `pane` (only it: not the notebook around it) so that `target` is centred in it,
// when it is not wholly in view already.
export function scrollInto(pane, target) {
  const p = pane.getBoundingClientRect(), t = target.getBoundingClientRect();
  if (t.top < p.top || t.bottom > p.bottom) pane.scrollTop += t.top - p.top - (p.height - t.height) / 2;
  if (t.left < p.left || t.right > p.right) pane.scrollLeft += t.left - p.left - (p.width - t.width) / 2;
}

function render({ model, el: root }) {
  const box = el("div", "tapeviz-dashboard");
  const bar = el("div", "tvd-bar");
  const title = el("span", "tvd-title", "tapeviz dashboard");
  const state = el("span", "tvd-state");
  const steps = el("span", "tvd-steps");
  const status = el("span", "tvd-status");
  const buttons = el("span", "tvd-buttons");
  const byAction = {};
  for (const [action, text] of BUTTONS) {
    const button = el("button", `tvd-btn tvd-${action}`, text);
    button.type = "button";
    button.dataset.action = action;
    button.addEventListener("click", () => model.send({ action }));
    byAction[action] = button;
    buttons.append(button);
  }
  bar.append(title, state, steps, status, el("span", "tvd-spacer"), buttons);

  const chartBox = el("div", "tvd-charts");
  const panel = (name) => {
    const p = el("div", "tvd-chart");
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", `tvd-svg tvd-${name}`);
    p.append(el("div", "tvd-chart-title", name === "loss" ? "loss" : "gradient norm per variable (log)"), svg);
    chartBox.append(p);
    return svg;
  };
  const lossSvg = panel("loss");
  const normSvg = panel("norms");
  const legend = el("div", "tvd-legend");
  chartBox.lastChild.append(legend);

  const tapeBox = el("div", "tvd-tape-box");
  const tapeTitle = el("div", "tvd-chart-title");
  const tape = el("div", "tvd-tape");
  tapeBox.append(tapeTitle, tape);
  const error = el("pre", "tvd-error");
  const alertBox = el("div", "tvd-alerts");
  alertBox.setAttribute("aria-label", "alerts");
  box.append(bar, error, alertBox, chartBox, tapeBox);
  root.append(box);

  function drawState() {
    const s = model.get("state");
    state.textContent = s;
    state.className = `tvd-state tvd-state-${s}`;
    steps.textContent = `step ${model.get("step_count")}`;
    status.textContent = model.get("status");
    const runner = model.get("mode") === "runner";
    buttons.hidden = !runner;
    const controls = model.get("controls") || {};
    for (const [action, button] of Object.entries(byAction)) button.disabled = !controls[action];
    const ended = `${s} ${model.get("step_count")}`;
    if (runner && ENDED.includes(s) && snapshotOf !== ended) {
      snapshotOf = ended;
      setTimeout(sendSnapshot);   // after this push's other traits are drawn
    }
  }
  // an ended run's charts, as drawn, go to Python for the twin a saved notebook keeps
  let snapshotOf = null;
  function sendSnapshot() {
    if (!box.isConnected) { snapshotOf = null; return; }
    const background = getComputedStyle(box).backgroundColor;
    const charts = [...chartBox.querySelectorAll(".tvd-chart")].map((chart) => ({
      title: chart.querySelector(".tvd-chart-title").textContent,
      svg: standalone(chart.querySelector("svg"), background),
    }));
    // each legend entry with its swatch's colour as drawn: the twin draws the swatch again
    const items = [...legend.children].map((item) => ({
      text: item.textContent,
      colour: getComputedStyle(item.querySelector(".tvd-swatch")).backgroundColor,
    }));
    model.send({ snapshot: { charts, legend: items } });
  }
  function drawLoss() {
    drawChart(lossSvg, [decode(model.get("loss") || {})]);
  }
  function drawNorms() {
    const norms = (model.get("grad_norms") || []).map(decode);
    drawChart(normSvg, norms, { log: true });
    legend.replaceChildren();
    norms.forEach((s, k) => {
      const item = el("span", "tvd-legend-item");
      const swatch = el("span", `tvd-swatch ${seriesClass(k)}`);
      const last = s.values.length ? fmt(s.values[s.values.length - 1]) : "";
      item.append(swatch, el("span", "", `${s.name} ${last}`));
      legend.append(item);
    });
  }
  function drawTape() {
    const svg = model.get("svg");
    tapeBox.hidden = !svg;
    tapeTitle.textContent = model.get("tape_title");
    // the SVG comes from our own Graphviz call on DOT whose every label is escaped
    tape.innerHTML = svg;
    drawHighlight();
    drawMark();
  }
  function drawHighlight() {
    const id = model.get("highlight");
    let marked = null;
    for (const g of tape.querySelectorAll("g.node")) {
      g.classList.toggle("tvd-highlight", g.id === id);
      if (g.id === id) marked = g;
    }
    if (marked && !tapeBox.hidden) scrollInto(tape, marked);
  }
  // The debugger's alerts (Python's diagnose): each names the op, the user's line and a fix.
  // A click outlines the op in the tape below when its step is the one drawn, else says
  // which step it is in; it never touches the loop.
  let marked = "";   // the graph node id of the clicked alert
  function drawAlerts() {
    const alerts = model.get("alerts") || [];
    alertBox.replaceChildren();
    alertBox.hidden = !alerts.length;
    if (!alerts.length) return;
    alertBox.append(el("div", "tvd-alerts-title", `alerts (${alerts.length})`));
    for (const alert of alerts) {
      const item = el("div", `tvd-alert tvd-alert-${alert.kind === "nan" ? "nan" : "warn"}`);
      item.tabIndex = 0;
      item.setAttribute("role", "button");
      item.dataset.node = alert.node || "";
      const note = el("div", "tvd-alert-note");
      note.hidden = true;
      const text = el("span", "tvd-alert-text");
      // the user's line (as Python's SourceInfo.location wrote it) never wraps inside
      // and the fix ("...; fix: ..." or "; hint: ...") goes on a line of its own: what
      // happened, then what to do
      const at = alert.message.search(/; (?:fix|hint): /);
      const what = at < 0 ? alert.message : alert.message.slice(0, at);
      const parts = alert.location ? what.split(alert.location) : [what];
      parts.forEach((part, i) => {
        if (i) text.append(el("span", "tvd-loc", alert.location));
        text.append(part);
      });
      if (at >= 0) text.append(el("span", "tvd-alert-fix", alert.message.slice(at + 2)));
      // the finding's kind in words ("outer broadcast", not the id "outer_broadcast")
      item.append(el("span", "tvd-alert-kind", alert.kind.replaceAll("_", " ")), text, note);
      const show = () => {
        const target = alert.node && !tapeBox.hidden ? tape.querySelector(`g.node[id="${CSS.escape(alert.node)}"]`) : null;
        for (const other of alertBox.querySelectorAll(".tvd-alert-note")) other.hidden = true;
        marked = target ? alert.node : "";
        drawMark();
        const shown = model.get("tape_title") || "no step";
        note.textContent = target ? "outlined in the tape below"
          : alert.step ? `in step ${alert.step}; the tape below shows ${shown}`
          : `not in the tape below, which shows ${shown}`;
        note.hidden = false;
        if (target) scrollInto(tape, target);
      };
      item.addEventListener("click", show);
      item.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); show(); }
      });
      alertBox.append(item);
    }
  }
  function drawMark() {
    for (const g of tape.querySelectorAll("g.node")) g.classList.toggle("tvd-alert-mark", g.id === marked);
  }
  function drawError() {
    const text = model.get("error");
    error.textContent = text;
    error.hidden = !text;
  }

  const handlers = [
    ["change:state change:status change:step_count change:controls change:mode", drawState],
    ["change:loss", drawLoss], ["change:grad_norms", drawNorms],
    ["change:svg change:tape_title", drawTape], ["change:highlight", drawHighlight],
    ["change:error", drawError], ["change:alerts", drawAlerts],
  ];
  for (const [events, fn] of handlers) {
    for (const name of events.split(" ")) model.on(name, fn);
    fn();
  }
  return () => {
    for (const [events, fn] of handlers) for (const name of events.split(" ")) model.off(name, fn);
  };
}

export default { render };
