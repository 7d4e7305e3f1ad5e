// The dashboard's tape pane, a scrolling box: dragged, it scrolls, and while it cuts the graph
// it says so with the tape widget's "more: drag or scroll" hint (panzoom.js), placed where it
// covers no node. Cut at a 1280x800 window, its bottom nodes were simply gone, unsaid.
import { h } from "./dom.js";
import { HINTS, placeHint } from "./panzoom.js";

const SAID = [HINTS[HINTS.length - 1]];   // no zoom, no Fit here: the short hint alone

// `pane` scrolls inside `frame` (positioned: the hint sits on it, not on what scrolls).
// Returns { update, dispose }: update() after the pane's content or size changed.
export function scrollPane(frame, pane) {
  const more = h("div", { class: "tv-more", "aria-hidden": "true" }, SAID[0]);
  let frameId = 0, drag = null;
  function update() {
    const cut = pane.scrollHeight > pane.clientHeight + 1 || pane.scrollWidth > pane.clientWidth + 1;
    const svg = pane.querySelector("svg");
    if (!cut || !svg) { more.remove(); return; }
    if (more.parentNode !== frame) frame.append(more);
    if (!frameId) frameId = requestAnimationFrame(() => { frameId = 0; placeHint(frame, more, svg, SAID); });
  }
  const move = (event) => {
    if (!drag) return;
    pane.scrollLeft = drag.left - (event.clientX - drag.x);
    pane.scrollTop = drag.top - (event.clientY - drag.y);
  };
  const release = () => { drag = null; pane.classList.remove("tvd-dragging"); };
  pane.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, left: pane.scrollLeft, top: pane.scrollTop };
    pane.classList.add("tvd-dragging");
    event.preventDefault();   // no text selection while dragging
  });
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", release);
  pane.addEventListener("scroll", update);
  return {
    update,
    dispose() {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", release);
      if (frameId) cancelAnimationFrame(frameId);
    },
  };
}
