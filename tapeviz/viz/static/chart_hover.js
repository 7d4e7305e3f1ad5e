// What hovering over a dashboard chart shows: a guide at the step and a tip with each
// series' values there.
import { M, fmt } from "./chart.js";
import { h, svgEl } from "./dom.js";

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
    // a series drawn raw (chart.js: drawnRaw) has no smoothed line to read a value from
    const smoothed = s.raw ? "" : `; smoothed ${fmt(c.smooth)}`;
    rows.push({ colour: s.colour, text: `${s.name ? s.name + ": " : ""}${raw}${bad}${smoothed}`, x: c.x });
  }
  return { head, rows };
}

// The hover guide and its tip: the step pointed at, each series' raw and smoothed value.
export function drawHover(chart) {
  const { svg, tip, drawn, hoverX } = chart;
  svg.querySelector(".tvd-guide")?.remove();
  const inside = drawn && hoverX !== null && hoverX >= M.left - 4 && hoverX <= M.left + drawn.pw + 4;
  tip.hidden = !inside;
  if (!inside) return;
  const { head, rows } = hoverLines(drawn, hoverX);
  if (!rows.length) { tip.hidden = true; return; }
  svg.append(svgEl("line", { x1: rows[0].x, y1: M.top, x2: rows[0].x, y2: drawn.height - M.bottom, class: "tvd-guide", "data-hover": 1 }));
  tip.replaceChildren(h("div", { class: "tvd-tip-head" }, head));
  for (const row of rows) {
    const line = h("div", { class: "tvd-tip-row" });
    line.append(h("span", { class: `tvd-swatch ${row.colour}` }), h("span", {}, row.text));
    tip.append(line);
  }
  placeTip(tip, svg, rows[0].x);
}

// The tip beside the pointer, over the plot, inside its own chart: not over the title, note
// and NaN line above it (the step of the first NaN is what a person looks for), nor over the
// chart beside it. On the side with more room; its lines wrap to fit there.
function placeTip(tip, svg, x) {
  const box = tip.parentElement.getBoundingClientRect(), r = svg.getBoundingClientRect();
  const scale = r.width / svg.viewBox.baseVal.width, at = r.left - box.left + x * scale;
  const after = box.width - at - 12, before = at - 12;   // the room on each side
  tip.style.maxWidth = `${Math.max(MIN_TIP, Math.max(after, before))}px`;
  const width = tip.offsetWidth;
  const left = after >= before ? at + 12 : at - 12 - width;
  tip.style.left = `${Math.max(0, Math.min(left, box.width - width))}px`;
  tip.style.right = "";
  tip.style.top = `${r.top - box.top + M.top * scale}px`;
}
const MIN_TIP = 160;   // px: narrower, a row wraps at every word
