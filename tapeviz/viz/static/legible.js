// How large the tape widget draws the graph: every label legible on screen.

// Graphviz draws text at a few point sizes; on screen every label stays between about 12.5
// and 15 px tall (its font 11 px or more): the drawing fits the pane's width only down to the
// scale that keeps the smallest text legible (then it scrolls), and never grows a small tape
// past the largest.
export const TEXT_PX = { min: 12.5, max: 15 };
export const MAX_PANE = () => Math.max(480, Math.round(window.innerHeight * 0.75));

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
