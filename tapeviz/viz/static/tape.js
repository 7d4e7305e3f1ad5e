// tapeviz TapeWidget front end: draws what Python sends, reports clicks and button intents.
// Python is the source of truth (svg, inspector, stepper, alerts); this module only draws,
// pans and zooms, and writes back small intents. Plain ES modules: no build step, no CDN.
// This one assembles the widget from its siblings: the graph pane (panzoom.js), the inspector
// and alerts (inspector.js), the side panel and status row (layout.js), the stepping strip
// (stepper.js); viz/front.py joins them into the one module anywidget loads as text.
// The joined module's default export is anywidget's { render }; its named exports (h,
// panZoom, section, alertList, cueAlerts, inspectorContent, sidePanel) are what the
// self-contained HTML export (viz/export.py) imports to draw the same graph, alerts and
// inspector offline.
import { bordersKey } from "./borders.js";
import { h } from "./dom.js";
import { panZoom } from "./panzoom.js";
import { alertList, cueAlerts, inspectorContent, snakeBreakable } from "./inspector.js";
import { sidePanel, statusRow } from "./layout.js";
import { stepperStrip, stripWithMore } from "./stepper.js";

// the inspector's buttons for the node it shows, an op named `op`: [label, what it does]. A
// breakpoint on an op stops at every op of its name, not at this node alone: the label says so
const ACTIONS = {
  break_op: (op) => [`Break on every ${op}`, `Set a breakpoint: the debugger stops the next `
    + `time any ${op} op runs, in this cell or a later one: break_on(op="${op}")`],
  break_line: () => ["Break on this line", "Set a breakpoint: the debugger stops the next time "
    + "this line of your code runs an op"],
  clear_breaks: () => ["Clear its breakpoints",
    "Remove the breakpoints that stop at this op or at its line"],
  gradcheck: () => ["Gradient check", "Compare this op's gradient (its vector-Jacobian "
    + "product) with finite differences, at the inputs it was recorded with"],
  collapse: () => ["Collapse its group", "Fold the group this op is in back into one box"],
};

function render({ model, el }) {
  const send = (action, extra = {}) => model.send({ action, ...extra });
  const title = h("span", { class: "tv-title" });
  const status = h("span", { class: "tv-status" });
  // its arrow keys are its own, not the notebook's shortcuts (panzoom.js: focusable)
  const slider = h("input", { type: "range", min: "0", step: "1", class: "tv-slider",
    "aria-label": "Recorded step", "data-lm-suppress-shortcuts": "true" });
  const sliderLabel = h("span", { class: "tv-slider-label" });
  const stepBox = h("span", { class: "tv-timetravel", title: "The recorded steps: drag to show another" },
    slider, sliderLabel);
  // while dragging, the label names the step the slider is on, as the title will
  const labelSlider = () => {
    const labels = model.get("step_labels") || [];
    sliderLabel.textContent = labels[parseInt(slider.value, 10)] || "";
  };
  slider.addEventListener("input", labelSlider);
  slider.addEventListener("change", () => {
    model.set("step_index", parseInt(slider.value, 10));
    model.save_changes();
  });
  const graph = h("div", { class: "tv-graph" });
  let panel = null;   // the side panel (below): a node chosen in the graph or an alert opens it
  const choose = (id) => {
    if (panel) panel.reveal();
    waitFor(id);
    model.set("selected", id);
    model.save_changes();
  };
  const zoomer = panZoom(graph, choose);
  const download = (filename, text, type) => {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = h("a", { href: url, download: filename });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  // [class, label, title when something is drawn, action, name]: with nothing recorded they
  // are disabled, and their title says why (drawButtons). `name`, for a label that is a sign
  // ("+", "↓ SVG"), is what a screen reader says instead ("plus", "down arrow SVG")
  const button = ([cls, label, title, onclick, name]) => {
    const b = h("button", { class: cls, onclick, ...(name ? { "aria-label": name } : {}) },
      label);
    b.dataset.title = title;
    return b;
  };
  const stepping = [
    ["tv-step", "Step", "One backward step: the gradient through the next op, from the loss "
      + "back towards the inputs (the chain rule through it, its vector-Jacobian product or "
      + "VJP)", () => send("step")],
    ["tv-continue", "Continue", "Run backward to the end or a breakpoint", () => send("continue")],
    ["tv-reset", "Reset", "Forget the stepping", () => send("reset")]].map(button);
  const zooming = [
    ["tv-zoom-in", "+", "Zoom in", () => zoomer.zoom(1 / 1.3), "Zoom in"],
    ["tv-zoom-out", "−", "Zoom out", () => zoomer.zoom(1.3), "Zoom out"],
    ["tv-fit", "Fit", "The graph across the pane at a readable size", () => zoomer.fit(),
      "Fit the graph to the pane"]].map(button);
  const svgButton = button(["tv-svg", "↓ SVG", "Download the graph as an SVG file",
    () => download("tape.svg", model.get("svg"), "image/svg+xml"), "Download the graph as SVG"]);
  const htmlButton = button(["tv-html", "↓ HTML", "Download a self-contained HTML file: "
    + "graph, alerts and inspector, offline", () => send("export_html"),
    "Download as an HTML file"]);
  // the buttons in groups that wrap as wholes on a narrow pane: stepping, zoom, downloads;
  // a screen reader names each group as the eye reads it
  const group = (name, ...children) => h("span", { class: "tv-tools", role: "group",
    "aria-label": name }, ...children);
  const toolbar = h("div", { class: "tv-toolbar" },
    title, status,
    h("span", { class: "tv-spacer" }),
    // a newcomer reads what Step and Continue step through before pressing them
    group("Backward pass", h("span", { class: "tv-group-label", "aria-hidden": "true" },
      "Backward:"), ...stepping),
    stepBox,
    group("Zoom", ...zooming),
    group("Download", svgButton, htmlButton));
  const statusPlace = statusRow(toolbar, status);
  // found once the cell returns (widget_checks.py): said by a screen reader when they come
  const alerts = h("div", { class: "tv-alerts", "aria-live": "polite" });
  // while Python still checks the first view's values (widget.py: checking), every box is
  // drawn as unchecked and this note says why: no box looks clean before it was looked at
  const checking = h("div", { class: "tv-checking-note", role: "status" });
  // the stepping strip sits above the graph and inspector, so it never pushes the inspector down
  const stepPanel = h("div", { class: "tv-stepper" });
  const strip = stripWithMore(stepPanel);
  // a recorded step's gradients drawn as borders, before any stepping: what they mean
  const key = h("div", { class: "tv-key tv-graph-key" });
  const inspector = h("div", { class: "tv-inspector" });
  // a click marks its node at once, but its inspector comes from the kernel (a running cell
  // holds it back): until then the one shown is another node's, dimmed and busy (tape.css)
  let pending = null;
  function waitFor(id) {
    pending = id && id !== inspector.dataset.node ? id : null;
    inspector.classList.toggle("tv-pending", pending !== null);
    inspector.setAttribute("aria-busy", String(pending !== null));
  }
  const side = h("div", { class: "tv-side" }, inspector);
  const main = h("div", { class: "tv-main" }, graph, side);
  const error = h("pre", { class: "tv-error" });
  // an action's error shows under the toolbar, in view of both the toolbar and the inspector
  const root = h("div", { class: "tapeviz" }, toolbar, error, checking, alerts, strip.box, key,
    main);
  panel = sidePanel(main, side, toolbar, zoomer.needs);
  el.append(root);

  function mark(cls, id) {
    for (const old of graph.querySelectorAll("g.node." + cls)) {
      old.classList.remove(cls);
      tellCurrent(old);
    }
    if (cls === "tv-selected") for (const ring of graph.querySelectorAll(".tv-ring")) ring.remove();
    if (!id) return;
    for (const node of graph.querySelectorAll("g.node")) {
      if (node.id !== id) continue;
      node.classList.add(cls);
      tellCurrent(node);
      if (cls === "tv-selected") selectionRing(node);
    }
  }
  // the selected node, else the step's, is told to a screen reader too, as the eye sees it
  function tellCurrent(node) {
    const current = node.classList.contains("tv-selected") ? "true"
      : node.classList.contains("tv-highlight") ? "step" : null;
    if (current) node.setAttribute("aria-current", current);
    else node.removeAttribute("aria-current");
  }
  // A copy of the node's outline under it, wider: the selection stays visible around the dashed
  // outline of the step being shown when both are on the same node.
  function selectionRing(node) {
    const shape = node.querySelector("polygon, ellipse, path");
    if (!shape) return;
    const ring = shape.cloneNode(false);
    ring.setAttribute("class", "tv-ring");
    shape.before(ring);
  }
  function drawSvg() {
    const empty = model.get("empty");
    if (empty) graph.replaceChildren(h("div", { class: "tv-empty" }, empty));
    else graph.innerHTML = model.get("svg");  // laid out by Graphviz from escaped DOT
    waitFor(null);   // (a group clicked opens, inspecting nothing)
    zoomer.attach(graph.querySelector("svg"));
    mark("tv-selected", model.get("selected"));
    mark("tv-highlight", model.get("highlight"));
    openAt();
    drawKey();
  }
  function drawKey() {   // the strip has its own key while stepping
    key.textContent = (model.get("stepper") || {}).count === undefined ? bordersKey(graph) : "";
    key.hidden = !key.textContent;
  }
  // Python opened the view at a node (widget.py: opened_at, where a NaN/Inf was born): brought
  // into the pane once it is drawn, the page left where it is (run-all goes on below)
  let opened = "";
  function openAt() {
    const id = model.get("opened_at");
    if (!id) opened = "";   // another step, with none: its next origin opens the view again
    else if (id !== opened && zoomer.show(id, false)) opened = id;
  }
  // the step's node outlined and, out of the pane, brought into it (the page left where it
  // is): notebook 01's first two Steps outlined reduce_mean and square below the pane's foot,
  // and nothing a student saw moved
  function followStep() {
    const id = model.get("highlight");
    mark("tv-highlight", id);
    if (id) zoomer.show(id, false);
  }
  function drawSelected() {
    if (pending !== null && model.get("selected") !== pending) waitFor(null);   // overruled
    mark("tv-selected", model.get("selected"));
    cueAlerts(alerts, model.get("selected"));
  }
  // nothing recorded: no backward pass to step and no graph to zoom, and the buttons say so;
  // a pass stepped to its end: Step and Continue say it is done and that Reset starts it again
  // (pressed, they did nothing and said nothing), still reached by Tab (aria-disabled)
  function drawButtons() {
    const empty = Boolean(model.get("empty"));
    const done = !empty && Boolean((model.get("stepper") || {}).done);
    for (const b of [...stepping, ...zooming, svgButton, htmlButton]) {
      b.disabled = empty;
      b.title = !empty ? b.dataset.title : stepping.includes(b)
        ? "Nothing recorded, so no backward pass to step: the graph pane says how to record one"
        : "Nothing drawn to zoom or download: nothing was recorded";
    }
    // a recorded step stopped before its tape, or an evaluation, has no backward pass: why
    const none = empty ? "" : model.get("no_backward") || "";
    for (const b of stepping.slice(0, 2)) {
      b.setAttribute("aria-disabled", String(done));
      if (done) b.title = "The backward pass is done: the gradient through every op has run. "
        + "Reset starts it again";
      if (none) { b.disabled = true; b.title = none[0].toUpperCase() + none.slice(1); }
    }
  }
  function drawTitle() {
    title.textContent = model.get("title");
    status.textContent = model.get("status");
    statusPlace.place();
  }
  function drawSlider() {
    const count = model.get("step_count");
    stepBox.style.display = count > 1 ? "" : "none";
    slider.max = String(Math.max(0, count - 1));
    slider.value = String(model.get("step_index"));
    labelSlider();
  }
  let alertsOpen = false;   // the folded alerts unfolded by the reader: kept for a new list
  const jump = (id) => { choose(id); zoomer.show(id); };
  function drawAlerts() {
    alerts.replaceChildren(...alertList(model.get("alerts"), jump, alertsOpen,
                                        (open) => { alertsOpen = open; }));
    cueAlerts(alerts, model.get("selected"));
  }
  function drawStepper() {
    stepPanel.replaceChildren(...stepperStrip(model.get("stepper")));   // none: hidden
    drawKey();
    strip.update();
    drawButtons();
  }
  // the node the inspector shows (also its data-node): a new one scrolls back to its top.
  // Python sends a step's or a click's selection, graph and inspector in one update, so
  // the selection marked in the graph and the inspector beside it never disagree.
  let shownId = null;
  function drawInspector() {
    waitFor(null);
    const payload = model.get("inspector");
    const list = model.get("breakpoints");
    const breakList = list.length ? [h("div", { class: "tv-breakpoints" },
      // set from a drawn tape, one stops nothing until the code runs again: say when it will
      // (on the title's line: a line more pushed the inspector's value out of view)
      h("div", { class: "tv-section-title" }, "Breakpoints ",
        h("span", { class: "tv-hint" }, "stop when your code runs again")),
      ...list.map((b) => h("div", { class: "tv-text" }, b)))] : [];
    if (!payload || !payload.title) {
      const hint = model.get("empty") ? "Nothing recorded to inspect or step through yet: "
        + "record ops as the note at left says, then show the widget again."
        : "Click a node to see its value, gradient and line.";
      inspector.replaceChildren(h("div", { class: "tv-hint" }, hint), ...breakList);
      inspector.dataset.node = "";
      shownId = null;
      panel.idle(true);
      return;
    }
    panel.idle(false);
    const buttons = (payload.actions || []).map((action) => {
      const [label, title] = ACTIONS[action](payload.op);
      // with no breakpoint set there is nothing to clear: disabled, its tooltip says why
      const idle = action === "clear_breaks" && !list.length;
      // an op's long name wraps after an underscore inside the panel (it ran past its edge)
      return h("button", { class: `tv-action tv-${action}`, onclick: () => send(action),
        title: idle ? "No breakpoint is set, so there is none to clear: the buttons beside it "
          + "set one" : title, ...(idle ? { disabled: "" } : {}) },
        ...snakeBreakable(label));
    });
    const top = side.scrollTop;
    inspector.replaceChildren(...inspectorContent(payload, buttons, breakList, jump));
    inspector.dataset.node = payload.id || "";   // which node it shows (tests wait on it)
    side.scrollTop = payload.id === shownId ? top : 0;
    shownId = payload.id;
  }
  function drawChecking() {
    const text = model.get("checking") || "";
    checking.textContent = text;
    root.classList.toggle("tv-checking", Boolean(text));
  }
  function drawError() {
    if (model.get("error")) waitFor(null);
    error.textContent = model.get("error");
    error.style.display = model.get("error") ? "" : "none";
  }
  const onMessage = (msg) => {
    if (msg && msg.type === "download") download(msg.filename, msg.content, "text/html");
  };
  const handlers = {
    "change:svg": drawSvg, "change:selected": drawSelected, "change:opened_at": openAt,
    "change:highlight": followStep,
    "change:title": drawTitle, "change:status": drawTitle,
    "change:step_count": drawSlider, "change:step_index": drawSlider,
    "change:step_labels": drawSlider,
    "change:alerts": drawAlerts, "change:stepper": drawStepper,
    "change:inspector": drawInspector, "change:breakpoints": drawInspector,
    "change:empty": () => { drawSvg(); drawInspector(); drawButtons(); },
    "change:no_backward": drawButtons,
    "change:error": drawError, "change:checking": drawChecking, "msg:custom": onMessage,
  };
  for (const [event, handler] of Object.entries(handlers)) model.on(event, handler);
  drawSvg(); drawTitle(); drawSlider(); drawAlerts(); drawStepper(); drawInspector();
  drawError(); drawChecking(); drawButtons();
  // anywidget calls this when the view goes away: drop the model handlers and the
  // window-level pointer listeners, which would otherwise outlive the view
  return () => {
    for (const [event, handler] of Object.entries(handlers)) model.off(event, handler);
    zoomer.dispose();
    statusPlace.dispose();
    strip.dispose();
  };
}

export default { render };
