// The dashboard's charts: a long series bucketed per pixel column, drawn with its band,
// smoothed line, NaN/Inf marks and ticks into an SVG.
import { svgEl } from "./dom.js";

// series k is drawn in the theme's colour of CSS class `tvd-s${k % SERIES_COLOURS}` (dashboard.css)
const SERIES_COLOURS = 10;
export const seriesClass = (k) => `tvd-s${k % SERIES_COLOURS}`;
// a chart's natural size (px: drawChart's default) and margins; the left margin holds a y tick
// as fmt writes it at 12px ("-0.001234", "-1.23e-5")
export const W = 380, H = 190, M = { left: 66, right: 80, top: 10, bottom: 24 };
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
export function decode(series) {
  const out = { ...series };
  for (const name of INT_COLUMNS) out[name] = typed(series[name], Int32Array);
  for (const name of FLOAT_COLUMNS) out[name] = typed(series[name], Float32Array);
  out.width = series.width || 1;
  return out;
}

// Whether a series is drawn as its raw values, a dot each, rather than smoothed: while it holds
// fewer points than its EMA's span, 1 / (1 - smoothing) (10 at 0.9). Over fewer, the debiased
// EMA is mostly the first steps' values: a loss falling 2.3, 1.2, 0.7, 0.45, 0.3 drew a line
// ending at 0.89, three times the loss a student had.
export function drawnRaw(s) {
  return (s.count ?? s.steps.length) < smoothingSpan(s);
}
const smoothingSpan = (s) => Math.round(1 / (1 - (s.smoothing ?? 0)));

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
// and the newest raw value at the right edge, in a drawing `width` x `height` units (the
// dashboard gives its px on screen: text stays 12px at any size). Returns what hovering needs
// (scale, columns, size).
export function drawChart(svg, series, { log = false, empty = "no data yet", focus = "",
                                         width = W, height = H } = {}) {
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const ok = (v) => v !== null && v !== undefined && Number.isFinite(v) && (!log || v > 0);
  const y = (v) => (log ? Math.log10(v) : v);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity, points = 0;
  for (const s of series) {
    if (!s.steps.length) continue;
    x0 = Math.min(x0, s.start ?? s.steps[0]); x1 = Math.max(x1, s.steps[s.steps.length - 1]);
    points += s.count ?? s.steps.length;
    const raw = drawnRaw(s);
    s.steps.forEach((_, i) => {
      for (const v of raw ? [s.low[i], s.high[i]] : [s.low[i], s.high[i], s.smooth[i]]) {
        if (ok(v)) { y0 = Math.min(y0, y(v)); y1 = Math.max(y1, y(v)); }
      }
    });
  }
  const pw = width - M.left - M.right, ph = height - M.top - M.bottom;
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
    svg.append(svgEl("text", { x: px(step), y: height - 7, "text-anchor": anchor, class: "tvd-tick" },
                     String(Math.round(step))));
  }
  // a round step, centred, keeps 8px clear of the end labels beside it (digits ~8px at 12px)
  const labelWidth = (step) => 8 * String(Math.round(step)).length;
  for (const step of roundSteps(x0, x1)) {
    const half = labelWidth(step) / 2 + 8;
    if (px(step) - px(x0) > labelWidth(x0) + half && px(x1) - px(step) > labelWidth(x1) + half) {
      svg.append(svgEl("line", { x1: px(step), y1: bottom, x2: px(step), y2: bottom + 3, class: "tvd-axis" }));
      svg.append(svgEl("text", { x: px(step), y: height - 7, "text-anchor": "middle", class: "tvd-tick" }, String(step)));
    }
  }
  svg.append(svgEl("text", { x: M.left + pw + 4, y: height - 7, class: "tvd-tick" }, "step"));
  const labels = [], drawn = [];
  series.forEach((s, k) => {
    // a series picked out (a legend click) is drawn as it is, the others faded
    const colour = seriesClass(k) + (focus && s.name !== focus ? " tvd-dim" : "");
    const cols = pixelColumns(s, px);
    const raw = drawnRaw(s);
    drawn.push({ name: s.name, colour, cols, width: s.width, raw });
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
    const along = (c) => (raw ? c.value : c.smooth);
    for (const c of cols) { if (ok(along(c))) line.push([c.x, py(along(c)).toFixed(1)]); else flushLine(); }
    flushLine();
    if (raw) {   // each raw value a dot: a few steps read as points, not as a trend
      for (const c of cols) {
        if (ok(c.value)) svg.append(svgEl("circle", { cx: c.x, cy: py(c.value).toFixed(1), r: 2.5, class: `tvd-point ${colour}` }));
      }
    }
    const last = cols[cols.length - 1];
    if (last) {
      // the newest step's raw value, as the status line says it (the EMA lags a falling
      // loss), at the band's end; NaN/Inf in red at the bottom
      const now = last.value;
      labels.push({ y: ok(now) ? py(now) : bottom, text: (s.label || "") + fmt(now), colour, bad: !ok(now) });
    }
  });
  drawNonFinite(svg, series, px, pw, ph);
  // newest-value labels at the right edge, pushed apart so they never overlap, then up from the
  // plot's foot as far as they must (pushed down past it, notebook 03's lowest gradient norms
  // sat on the step axis's "step")
  labels.sort((a, b) => a.y - b.y);
  let prev = -Infinity;
  for (const label of labels) prev = label.y = Math.max(label.y, prev + 13);
  let next = M.top + ph + 9;   // the lowest label's baseline at the plot's foot
  for (const label of [...labels].reverse()) next = label.y = Math.min(label.y, next - 13);
  for (const label of labels) {
    svg.append(svgEl("text", { x: M.left + pw + 4, y: label.y + 4,
                               class: `tvd-last ${label.colour}${label.bad ? " tvd-bad" : ""}` },
                     label.text));
  }
  return { px, x0, x1, pw, height, series: drawn };
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
  if (drawnRaw(first)) {
    return `line: raw values (smoothed once there are ${smoothingSpan(first)} steps) · hover for values`;
  }
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
