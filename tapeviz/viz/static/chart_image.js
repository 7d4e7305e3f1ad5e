// A dashboard chart as an image for a saved notebook.
import { SVG_NS, svgEl } from "./dom.js";

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
