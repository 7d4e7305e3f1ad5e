// How large the tape widget draws the graph (every label legible on screen), how tall its
// pane is, and where a graph wider than the pane opens.
import { roomFor } from "./scroll.js";

// Graphviz draws text at a few point sizes; on screen every label stays between about 12.5
// and 15 px tall (its font 11 px or more): the drawing fits the pane's width only down to the
// scale that keeps the smallest text legible (then it scrolls), and never grows a small tape
// past the largest.
export const TEXT_PX = { min: 12.5, max: 15 };
// The graph pane `pane` of the widget `root` is at most 3/4 of the window and leaves room for
// the rest of the widget (toolbar, stepping panel) in the view it scrolls in, but for a view
// too short for both (then it keeps MIN_PANE px).
const MIN_PANE = 240;
export const maxPane = (root, pane) =>
  Math.max(MIN_PANE, roomFor(root, pane, Math.round(window.innerHeight * 0.75)));

// How tall each point size of `svg`'s text is in SVG units: a sans font's ascent + descent.
// From the font sizes, not getBBox: measured before the page's fonts are ready, that is off
// by half.
export function textHeights(svg) {
  const sizes = new Set([...svg.querySelectorAll("text")].map(
    (text) => parseFloat(text.getAttribute("font-size")) || 14));
  return [...sizes].map((size) => size * 1.13);
}

// The scale (px per SVG unit) a pane `width` px wide shows `home` at, by the rule above.
export function legibleScale(home, width, heights) {
  if (!heights.length) return Math.min(1, width / home.w);
  const least = TEXT_PX.min / Math.min(...heights), most = TEXT_PX.max / Math.max(...heights);
  return Math.max(least, Math.min(most, width / home.w));
}

// The narrowest pane (px) that shows all of `home`'s width at a legible scale.
export const legibleWidth = (home, heights) => Math.ceil(
  home.w * (heights.length ? TEXT_PX.min / Math.min(...heights) : 0));

// Where, sideways (its left x in SVG units), a view `w` wide and reaching down to `bottom`
// opens on a graph wider than it: the leftmost view that holds the stretch holding the most
// ops of the rows in view (variables and constants are not counted; the leftmost stretch when
// several hold as many), within the graph `home`. A concat of twenty variables drew its
// "20 inputs" box and the concat right of them: the left end showed variables and groups alone.
// It reads each drawn node's box once a fit: a Fit of 2,003 drawn nodes took 34.5-36.0 ms
// without it, 44.2-53.1 with it (min of 15 interleaved rounds, two runs, headless Chromium at
// load ~5); a view collapsed to max_nodes (the default) pays nothing measurable.
export function openingX(svg, home, w, bottom) {
  const margin = Math.min(60, w / 4);   // a box's centre this far inside: most of it shows
  const toSvg = svg.getScreenCTM() && svg.getScreenCTM().inverse();
  if (!toSvg) return home.x;
  const xs = [];
  for (const node of svg.querySelectorAll("g.node")) {
    if (/\bkind-(variable|constant)\b/.test(node.getAttribute("class") || "")) continue;
    const r = node.getBoundingClientRect();
    const at = new DOMPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2).matrixTransform(toSvg);
    if (at.y <= bottom - margin) xs.push(at.x);
  }
  xs.sort((a, b) => a - b);
  let most = 0, stretch = null;
  for (let i = 0, j = 0; i < xs.length; i++) {
    while (j < xs.length && xs[j] <= xs[i] + w - 2 * margin) j++;
    if (j - i > most) { most = j - i; stretch = [xs[i], xs[j - 1]]; }
  }
  if (!stretch) return home.x;
  // the leftmost view that holds the stretch: the graph's left end when it can (a view centred
  // on the stretch cut the first row's constant in two)
  return Math.min(home.x + home.w - w, Math.max(home.x, stretch[1] + margin - w));
}
