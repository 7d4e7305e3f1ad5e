// The tape widget's panes: the side panel beside the graph, and the toolbar's status row.
import { h } from "./dom.js";

// The side panel beside the graph can be widened, narrowed (buttons, or dragging the handle
// between them, or arrow keys on it) and hidden (then a toolbar button shows it again); the
// graph, flex 1, takes the room. Returns { reveal, idle }: a click on a node calls reveal, so
// the details it asks for come into view rather than into a hidden panel; idle(true) while no
// node is chosen keeps the panel narrow, under its hint (a newcomer's first view had 38% of
// the width in an empty panel), idle(false) gives the inspector its width back, or less, down
// to a quarter, where that leaves the graph the px `graphNeeds()` says show all of it legibly
// (notebook 03's collapsed step lost the right of its Adam box when the inspector opened).
export function sidePanel(main, side, toolbar, graphNeeds = () => 0) {
  // idle, a quarter at most, its 8px paddings (tape.css) inside it: on a 400 px pane 13em
  // took 43% from the graph, for one hint
  const MIN = 0.2, MAX = 0.8, STEP = 0.12, IDLE_WIDTH = "min(13em, 25% - 16px)";
  const ROOMY = 0.25;   // the narrowest the inspector opens at to leave the graph room
  let fraction = 0.38;
  const setWidth = (f) => {
    fraction = Math.min(MAX, Math.max(MIN, f));
    side.style.flexBasis = main.classList.contains("tv-side-idle") ? IDLE_WIDTH
      : `${(fraction * 100).toFixed(1)}%`;
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
    h("span", { class: "tv-side-buttons" },   // one line, under the label where it lacks room
      button("tv-side-wider", "◂ Wider", "Widen the inspector", () => setWidth(fraction + STEP)),
      button("tv-side-narrower", "Narrower ▸", "Narrow the inspector",
             () => setWidth(fraction - STEP)),
      button("tv-side-hide", "Hide ✕", "Hide the inspector: the graph takes the room",
             () => setHidden(true))));
  const show = button("tv-side-show", "Show inspector", "Show the inspector beside the graph",
                      () => setHidden(false));
  side.prepend(head);
  main.insertBefore(handle, side);
  toolbar.append(show);
  setWidth(fraction);
  setHidden(false);
  // the side's fraction that leaves the graph the width it needs, beside the handle, the side's
  // paddings and the graph's border
  const leaving = (needs) => {
    const graph = main.firstElementChild, style = getComputedStyle(side);
    const besides = handle.offsetWidth + parseFloat(style.paddingLeft)
      + parseFloat(style.paddingRight) + graph.offsetWidth - graph.clientWidth + 2;
    return 1 - (needs + besides) / main.clientWidth;
  };
  const idle = (on) => {
    if (main.classList.contains("tv-side-idle") === on) return;
    main.classList.toggle("tv-side-idle", on);
    const room = on || !main.clientWidth ? fraction : leaving(graphNeeds());
    setWidth(room < fraction && room >= ROOMY ? room : fraction);
  };
  return { reveal: () => setHidden(false), idle };
}

// A status that would wrap to more than two lines between the title and the buttons gets a row
// of its own under them instead (a narrow column of four grey lines read worst of all).
// `place()` decides again (a new status); a change of the toolbar's width does it by itself,
// a frame later, so the resize observer never sees the size it changes. Returns
// { place, dispose }.
export function statusRow(toolbar, status) {
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
