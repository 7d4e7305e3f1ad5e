// tapeviz live training Dashboard front end: draws what Python pushes (state, loss, gradient
// norms, the step's tape) and sends button intents back with model.send({action}).
// Python throttles the pushes and decides which buttons make sense; this module only draws.
// Plain ES module: no build step, no CDN. Text always goes through textContent.

const SVG_NS = "http://www.w3.org/2000/svg";
// series k is drawn in the theme's colour of CSS class `tvd-s${k % SERIES_COLOURS}` (dashboard.css)
const SERIES_COLOURS = 10;
const seriesClass = (k) => `tvd-s${k % SERIES_COLOURS}`;
// each button, and what it does as its tooltip says it (a newcomer need not know "VJP")
const BUTTONS = [
  ["pause", "Pause", "Hold the loop after its next op; the tape below outlines it"],
  ["step_op", "Step op", "Run one more op (forward, backward or an optimizer update)"],
  ["step_vjp", "Step VJP", "Run one more step of the backward pass (one op's gradient)"],
  ["resume", "Resume", "Let the loop run on"],
  ["stop", "Stop", "End the loop here; the model keeps what it learned so far"]];
// the left margin holds a y tick as fmt writes it at 12px ("-0.001234", "-1.23e-5")
const W = 380, H = 190, M = { left: 66, right: 80, top: 10, bottom: 24 };
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

const INT_COLUMNS = ["steps", "bad_step"];
const FLOAT_COLUMNS = ["values", "low", "high", "smooth", "bad"];

// A series as Python's Series.to_bytes sends it: one entry per bucket of `width` steps
// (its last step, last raw value, raw low/high, EMA, first NaN/Inf and that step).
function decode(series) {
  const out = { ...series };
  for (const name of INT_COLUMNS) out[name] = typed(series[name], Int32Array);
  for (const name of FLOAT_COLUMNS) out[name] = typed(series[name], Float32Array);
  out.width = series.width || 1;
  return out;
}

// The buckets of a series drawn at x = px(step), merged per pixel column (a long run costs
// what the chart shows): raw low/high over the column, its last step, raw value and EMA, its
// first NaN/Inf, and the first step it covers.
export function pixelColumns(s, px) {
  const cols = [];
  let prev = (s.start ?? s.steps[0]) - 1;
  for (let i = 0; i < s.steps.length; i++) {
    const x = Math.round(px(s.steps[i]));
    let c = cols[cols.length - 1];
    if (!c || c.x !== x) {
      c = { x, from: prev + 1, low: NaN, high: NaN, badStep: -1, bad: 0 };
      cols.push(c);
    }
    if (!Number.isNaN(s.low[i]) && !(s.low[i] >= c.low)) c.low = s.low[i];
    if (!Number.isNaN(s.high[i]) && !(s.high[i] <= c.high)) c.high = s.high[i];
    if (c.badStep < 0 && s.bad_step[i] >= 0) { c.badStep = s.bad_step[i]; c.bad = s.bad[i]; }
    c.step = s.steps[i]; c.value = s.values[i]; c.smooth = s.smooth[i];
    prev = s.steps[i];
  }
  return cols;
}

// Draw series into an <svg>: axes with min/max ticks, and per series a faint band (the raw
// low/high of each pixel column: a spike is its top) under the smoothed line (EMA; gaps where
// nothing finite came yet, or <= 0 on a log axis), a red mark at each step that gave NaN/Inf,
// and the newest raw value at the right edge. Returns what hovering needs (scale, columns).
export function drawChart(svg, series, { log = false, empty = "no data yet", focus = "" } = {}) {
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const ok = (v) => v !== null && v !== undefined && Number.isFinite(v) && (!log || v > 0);
  const y = (v) => (log ? Math.log10(v) : v);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity, points = 0;
  for (const s of series) {
    if (!s.steps.length) continue;
    x0 = Math.min(x0, s.start ?? s.steps[0]); x1 = Math.max(x1, s.steps[s.steps.length - 1]);
    points += s.count ?? s.steps.length;
    s.steps.forEach((_, i) => {
      for (const v of [s.low[i], s.high[i], s.smooth[i]]) {
        if (ok(v)) { y0 = Math.min(y0, y(v)); y1 = Math.max(y1, y(v)); }
      }
    });
  }
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  svg.append(svgEl("rect", { x: M.left, y: M.top, width: pw, height: ph, class: "tvd-plot" }));
  if (!(x1 >= x0) || !(y1 >= y0)) {
    // values that cannot be drawn are not "no data": say what they are
    const text = !points ? empty
      : log ? `nothing to plot: all ${points} values are NaN, Inf or 0`
        : `nothing to plot: all ${points} values are NaN or Inf`;
    // on two lines ("nothing to plot:" / why), so it stays inside the plot at 12px
    const lines = text.split(/(?<=:) /);
    const message = svgEl("text", { x: M.left + pw / 2, y: M.top + ph / 2 - 7 * (lines.length - 1),
                                    class: "tvd-empty", "text-anchor": "middle" });
    lines.forEach((line, i) => message.append(
      svgEl("tspan", { x: M.left + pw / 2, dy: i ? 15 : 0 }, line)));
    svg.append(message);
    return null;
  }
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= log ? 0.5 : Math.abs(y0) * 0.1 || 1; y1 += log ? 0.5 : Math.abs(y1) * 0.1 || 1; }
  const px = (step) => M.left + ((step - x0) / (x1 - x0)) * pw;
  const py = (v) => M.top + ph - ((y(v) - y0) / (y1 - y0)) * ph;
  const bottom = M.top + ph;
  const tick = (v) => (log ? fmt(10 ** v) : fmt(v));
  svg.append(svgEl("line", { x1: M.left, y1: bottom, x2: M.left + pw, y2: bottom, class: "tvd-axis" }));
  svg.append(svgEl("line", { x1: M.left, y1: M.top, x2: M.left, y2: bottom, class: "tvd-axis" }));
  for (const [v, anchorY] of [[y0, bottom], [y1, M.top + 9]]) {
    svg.append(svgEl("text", { x: M.left - 4, y: anchorY, "text-anchor": "end", class: "tvd-tick" }, tick(v)));
  }
  // the first and the newest step, and round steps between them where they fit
  for (const [step, anchor] of [[x0, "start"], [x1, "end"]]) {
    svg.append(svgEl("text", { x: px(step), y: H - 7, "text-anchor": anchor, class: "tvd-tick" },
                     String(Math.round(step))));
  }
  // a round step, centred, keeps 8px clear of the end labels beside it (digits ~8px at 12px)
  const width = (step) => 8 * String(Math.round(step)).length;
  for (const step of roundSteps(x0, x1)) {
    const half = width(step) / 2 + 8;
    if (px(step) - px(x0) > width(x0) + half && px(x1) - px(step) > width(x1) + half) {
      svg.append(svgEl("line", { x1: px(step), y1: bottom, x2: px(step), y2: bottom + 3, class: "tvd-axis" }));
      svg.append(svgEl("text", { x: px(step), y: H - 7, "text-anchor": "middle", class: "tvd-tick" }, String(step)));
    }
  }
  svg.append(svgEl("text", { x: M.left + pw + 4, y: H - 7, class: "tvd-tick" }, "step"));
  const labels = [], drawn = [];
  series.forEach((s, k) => {
    // a series picked out (a legend click) is drawn as it is, the others faded
    const colour = seriesClass(k) + (focus && s.name !== focus ? " tvd-dim" : "");
    const cols = pixelColumns(s, px);
    drawn.push({ name: s.name, colour, cols, width: s.width });
    // the band: runs of columns with a drawable high; a low below a log axis sits on it
    let run = [];
    const flushBand = () => {
      if (run.length) {
        const top = run.map((c) => `${c.x},${py(c.high).toFixed(1)}`);
        const under = run.map((c) => `${c.x},${(ok(c.low) ? py(c.low) : bottom).toFixed(1)}`).reverse();
        svg.append(svgEl("polygon", { points: [...top, ...under].join(" "), class: `tvd-band ${colour}` }));
      }
      run = [];
    };
    for (const c of cols) { if (ok(c.high)) run.push(c); else flushBand(); }
    flushBand();
    let line = [];
    const flushLine = () => {
      if (line.length === 1) svg.append(svgEl("circle", { cx: line[0][0], cy: line[0][1], r: 1.5, class: colour }));
      if (line.length > 1) {
        svg.append(svgEl("polyline", { points: line.map((p) => p.join(",")).join(" "), class: `tvd-line ${colour}` }));
      }
      line = [];
    };
    for (const c of cols) { if (ok(c.smooth)) line.push([c.x, py(c.smooth).toFixed(1)]); else flushLine(); }
    flushLine();
    const last = cols[cols.length - 1];
    if (last) {
      // the newest step's raw value, as the status line says it (the EMA lags a falling
      // loss), at the band's end; NaN/Inf in red at the bottom
      const now = last.value;
      labels.push({ y: ok(now) ? py(now) : bottom, text: (s.label || "") + fmt(now), colour, bad: !ok(now) });
    }
  });
  drawNonFinite(svg, series, px, pw, ph);
  // newest-value labels at the right edge, pushed apart so they never overlap
  labels.sort((a, b) => a.y - b.y);
  let prev = -Infinity;
  for (const label of labels) {
    label.y = Math.max(label.y, prev + 13);
    prev = label.y;
    svg.append(svgEl("text", { x: M.left + pw + 4, y: label.y + 4,
                               class: `tvd-last ${label.colour}${label.bad ? " tvd-bad" : ""}` },
                     label.text));
  }
  return { px, x0, x1, pw, series: drawn };
}

// Round steps (multiples of 1, 2 or 5 times a power of ten) strictly inside (x0, x1), about
// three of them.
export function roundSteps(x0, x1) {
  const span = x1 - x0;
  if (!(span > 2)) return [];
  const power = 10 ** Math.floor(Math.log10(span / 3));
  const every = [1, 2, 5, 10].map((m) => m * power).find((d) => span / d <= 4);
  const out = [];
  for (let step = Math.ceil((x0 + 1) / every) * every; step < x1; step += every) out.push(step);
  return out;
}

// A red dashed mark across the plot at each step that gave NaN/Inf, "NaN"/"Inf" over it.
function drawNonFinite(svg, series, px, pw, ph) {
  const marks = new Map();
  for (const s of series) {
    for (const c of pixelColumns(s, px)) if (c.badStep >= 0 && !marks.has(c.x)) marks.set(c.x, c);
  }
  let lastText = -Infinity;
  for (const [x, c] of [...marks].sort((a, b) => a[0] - b[0])) {
    svg.append(svgEl("line", { x1: x, y1: M.top, x2: x, y2: M.top + ph, class: "tvd-nan-mark" }));
    if (x - lastText > 30 && x < M.left + pw + 20) {
      svg.append(svgEl("text", { x, y: M.top + 10, "text-anchor": "middle", class: "tvd-nan-text" }, fmt(c.bad)));
      lastText = x;
    }
  }
}

// How a drawn chart reads, said under its title: the smoothing, and the steps a drawn point
// covers (its pixel column: one bucket or more, as hovering it says); "" when nothing is drawn.
export function chartNote(series, drawn) {
  const first = series.find((s) => s.steps.length);
  if (!first || !drawn) return "";
  // the newest column may not be full yet
  const spans = drawn.series[series.indexOf(first)].cols.slice(0, -1).map((c) => c.step - c.from + 1);
  const [fewest, most] = [Math.min(...spans), Math.max(...spans)];
  const per = !(most > 1) ? "" : ` (${fewest === most ? most : `${fewest}–${most}`} steps a point)`;
  return `line: smoothed (EMA ${first.smoothing}) · band: raw range${per} · hover for raw values`;
}

// The first NaN/Inf of any series, as the line over the chart says it: "NaN at step 812 (w:0)".
export function firstNonFinite(series) {
  let first = null;
  for (const s of series) {
    s.bad_step.forEach((step, i) => {
      if (step >= 0 && (!first || step < first.step)) first = { step, value: s.bad[i], name: s.name };
    });
  }
  if (!first) return "";
  return `${fmt(first.value)} at step ${first.step}` + (first.name ? ` (${first.name})` : "");
}

// What hovering over step `step` shows: the step (or the steps a pixel column covers) and,
// per series, its raw value (or raw range and last) and the smoothed one.
export function hoverLines(chart, x) {
  const rows = [];
  let head = "";
  for (const s of chart.series) {
    let c = null;
    for (const col of s.cols) if (!c || Math.abs(col.x - x) < Math.abs(c.x - x)) c = col;
    if (!c) continue;
    if (!head) head = c.from === c.step ? `step ${c.step}` : `steps ${c.from}–${c.step}`;
    const raw = c.from === c.step || !(c.low < c.high) ? `raw ${fmt(c.value)}`
      : `raw ${fmt(c.low)} to ${fmt(c.high)}, last ${fmt(c.value)}`;
    // the step of the column's first NaN/Inf, unless the column is that one step
    const bad = c.badStep >= 0 && c.from !== c.step ? `; ${fmt(c.bad)} at step ${c.badStep}` : "";
    rows.push({ colour: s.colour, text: `${s.name ? s.name + ": " : ""}${raw}${bad}; smoothed ${fmt(c.smooth)}`, x: c.x });
  }
  return { head, rows };
}

// The hover guide and its tip: the step pointed at, each series' raw and smoothed value.
function drawHover(chart) {
  const { svg, tip, drawn, hoverX } = chart;
  svg.querySelector(".tvd-guide")?.remove();
  const inside = drawn && hoverX !== null && hoverX >= M.left - 4 && hoverX <= M.left + drawn.pw + 4;
  tip.hidden = !inside;
  if (!inside) return;
  const { head, rows } = hoverLines(drawn, hoverX);
  if (!rows.length) { tip.hidden = true; return; }
  svg.append(svgEl("line", { x1: rows[0].x, y1: M.top, x2: rows[0].x, y2: H - M.bottom, class: "tvd-guide", "data-hover": 1 }));
  tip.replaceChildren(el("div", "tvd-tip-head", head));
  for (const row of rows) {
    const line = el("div", "tvd-tip-row");
    line.append(el("span", `tvd-swatch ${row.colour}`), el("span", "", row.text));
    tip.append(line);
  }
  placeTip(tip, svg, rows[0].x);
}

// The tip beside the pointer, over the plot, inside its own chart: not over the title, note
// and NaN line above it (the step of the first NaN is what a person looks for), nor over the
// chart beside it. On the side with more room; its lines wrap to fit there.
function placeTip(tip, svg, x) {
  const box = tip.parentElement.getBoundingClientRect(), r = svg.getBoundingClientRect();
  const scale = r.width / W, at = r.left - box.left + x * scale;
  const after = box.width - at - 12, before = at - 12;   // the room on each side
  tip.style.maxWidth = `${Math.max(MIN_TIP, Math.max(after, before))}px`;
  const width = tip.offsetWidth;
  const left = after >= before ? at + 12 : at - 12 - width;
  tip.style.left = `${Math.max(0, Math.min(left, box.width - width))}px`;
  tip.style.right = "";
  tip.style.top = `${r.top - box.top + M.top * scale}px`;
}
const MIN_TIP = 160;   // px: narrower, a row wraps at every word

const ENDED = ["finished", "stopped", "failed"];
const INLINED = ["fill", "stroke", "stroke-width", "stroke-dasharray", "stroke-linejoin",
                 "font-size", "font-family", "font-weight", "opacity", "fill-opacity",
                 "stroke-opacity"];

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
  for (const guide of copy.querySelectorAll("[data-hover]")) guide.remove();   // the pointer's
  const [, , width, height] = copy.getAttribute("viewBox").split(" ");
  copy.setAttribute("xmlns", SVG_NS);
  copy.setAttribute("width", width);
  copy.setAttribute("height", height);
  copy.prepend(svgEl("rect", { width: "100%", height: "100%", fill: background }));
  return new XMLSerializer().serializeToString(copy);
}

// The part of `node` a person can see: its box cut by every scrolling box around it (Lab's
// notebook panel) and the window.
function visibleRect(node) {
  const r = node.getBoundingClientRect();
  let { top, bottom, left, right } = r;
  for (let box = node.parentElement; box; box = box.parentElement) {
    const style = getComputedStyle(box);
    if (!/auto|scroll|hidden/.test(style.overflowX + style.overflowY)) continue;
    const b = box.getBoundingClientRect();
    top = Math.max(top, b.top); bottom = Math.min(bottom, b.bottom);
    left = Math.max(left, b.left); right = Math.min(right, b.right);
  }
  top = Math.max(top, 0); bottom = Math.min(bottom, window.innerHeight);
  left = Math.max(left, 0); right = Math.min(right, window.innerWidth);
  // a pane wholly out of sight: centre in the pane itself
  return bottom - top > 20 && right - left > 20 ? { top, bottom, left, right } : r;
}

// Scroll `pane` (only it: not the notebook around it) so that `target` is centred in the
// part of it in sight (a tall dashboard's tape pane may run past the window's bottom), when
// it is not wholly there already.
export function scrollInto(pane, target) {
  const p = visibleRect(pane), t = target.getBoundingClientRect();
  const [height, width] = [p.bottom - p.top, p.right - p.left];
  if (t.top < p.top || t.bottom > p.bottom) pane.scrollTop += t.top - p.top - (height - t.height) / 2;
  if (t.left < p.left || t.right > p.right) pane.scrollLeft += t.left - p.left - (width - t.width) / 2;
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
  for (const [action, text, tip] of BUTTONS) {
    const button = el("button", `tvd-btn tvd-${action}`, text);
    button.type = "button";
    button.title = tip;
    button.dataset.action = action;
    button.addEventListener("click", () => model.send({ action }));
    byAction[action] = button;
    buttons.append(button);
  }
  bar.append(title, state, steps, status, el("span", "tvd-spacer"), buttons);

  const chartBox = el("div", "tvd-charts");
  // a chart: its title, a note under it (how it is drawn; the first NaN/Inf), the drawing,
  // and on hover a guide at the step pointed at with the raw values there
  const panel = (name, heading) => {
    const p = el("div", "tvd-chart");
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", `tvd-svg tvd-${name}`);
    const note = el("div", "tvd-chart-note");
    const alarm = el("div", "tvd-chart-alarm");
    const tip = el("div", "tvd-tip");
    tip.hidden = true;
    const title = el("div", "tvd-chart-title", heading);
    p.append(title, note, alarm, svg, tip);
    chartBox.append(p);
    const chart = { svg, title, note, alarm, tip, drawn: null, hoverX: null };
    const hover = (event) => {
      const r = svg.getBoundingClientRect();
      chart.hoverX = ((event.clientX - r.left) * W) / r.width;
      drawHover(chart);
    };
    svg.addEventListener("pointermove", hover);
    svg.addEventListener("pointerleave", () => { chart.hoverX = null; drawHover(chart); });
    return chart;
  };
  const lossChart = panel("loss", "loss");
  // a spike makes the rest of a linear loss curve flat: a log scale shows both
  const logLoss = el("input");
  logLoss.type = "checkbox";
  logLoss.className = "tvd-log";
  const logLabel = el("label", "tvd-option");
  logLabel.append(logLoss, " log scale");
  lossChart.title.append(logLabel);
  logLoss.addEventListener("change", () => { drawLoss(); snapshotAgain(); });
  const normChart = panel("norms", "gradient norm per variable (log scale)");
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
    const charts = [...chartBox.querySelectorAll(".tvd-chart")].map((chart) => {
      const title = chart.querySelector(".tvd-chart-title");
      const log = title.querySelector("input")?.checked ? " (log scale)" : "";
      // the first NaN/Inf named ("NaN at step 2000 (w1:0)"): the marks in the SVG say only "NaN"
      const alarm = chart.querySelector(".tvd-chart-alarm")?.textContent;
      return { title: title.firstChild.textContent + log + (alarm ? ` · ${alarm}` : ""),
               svg: standalone(chart.querySelector("svg"), background) };
    });
    // each legend entry with its swatch's colour as drawn: the twin draws the swatch again
    const items = [...legend.children].map((item) => ({
      text: item.textContent,
      colour: getComputedStyle(item.querySelector(".tvd-swatch")).backgroundColor,
    }));
    model.send({ snapshot: { charts, legend: items } });
  }
  // an ended run's charts redrawn by a person (the log scale box, a legend pick): the twin too
  function snapshotAgain() {
    if (snapshotOf && model.get("mode") === "runner" && ENDED.includes(model.get("state"))) {
      setTimeout(sendSnapshot);
    }
  }
  function drawSeries(chart, series, log, focus = "") {
    chart.drawn = drawChart(chart.svg, series, { log, focus });
    chart.note.textContent = chartNote(series, chart.drawn);
    chart.alarm.textContent = firstNonFinite(series);
    chart.alarm.hidden = !chart.alarm.textContent;
    drawHover(chart);
  }
  function drawLoss() {
    drawSeries(lossChart, [decode(model.get("loss") || {})], logLoss.checked);
  }
  // the variable whose line a legend click picked out of the tangle ("": none)
  let focus = "";
  function drawNorms() {
    const norms = (model.get("grad_norms") || []).map(decode);
    if (!norms.some((s) => s.name === focus)) focus = "";
    drawSeries(normChart, norms, true, focus);
    if (norms.length > 1 && normChart.drawn) {
      normChart.note.textContent += " · click a name to pick out its line";
    }
    legend.replaceChildren();
    norms.forEach((s, k) => {
      const item = el("button", "tvd-legend-item");
      item.type = "button";
      item.setAttribute("aria-pressed", String(s.name === focus));
      const swatch = el("span", `tvd-swatch ${seriesClass(k)}`);
      // names only: the newest value is at the line's end, hovering tells the others
      item.append(swatch, el("span", "", s.name));
      item.addEventListener("click", () => {
        focus = focus === s.name ? "" : s.name;
        drawNorms();
        snapshotAgain();
      });
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
  let highlighted = "";
  function drawHighlight() {
    const id = model.get("highlight");
    let marked = null;
    for (const g of tape.querySelectorAll("g.node")) {
      g.classList.toggle("tvd-highlight", g.id === id);
      if (g.id === id) marked = g;
    }
    if (marked && !tapeBox.hidden) scrollInto(tape, marked);
    // the pause is over: the steps that follow are shown from their top again (the pane
    // kept the pause's scroll, and cut the tape's first nodes off)
    if (highlighted && !id) tape.scrollTo(0, 0);
    highlighted = id;
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
