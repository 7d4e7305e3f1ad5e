// tapeviz live training Dashboard front end: draws what Python pushes (state, loss, gradient
// norms, the step's tape) and sends button intents back with model.send({action}).
// Python throttles the pushes and decides which buttons make sense; this module only draws.
// Plain ES module: no build step, no CDN. Text always goes through textContent.
import { H, W, chartNote, decode, drawChart, firstNonFinite, seriesClass } from "./chart.js";
import { drawHover } from "./chart_hover.js";
import { standalone } from "./chart_image.js";
import { bordersKey } from "./borders.js";
import { h, svgEl, worded } from "./dom.js";
import { roomFor, scrollInto, viewHeight } from "./scroll.js";
import { scrollPane } from "./scroll_pane.js";

// the tape pane's height (px): as the room left allows, within these
const TAPE_PANE = { least: 200, most: 420 };
// the charts' height (px), the same for both: as the room left allows, within these; their
// width is their box's, drawn 1:1 (drawn 380 wide and scaled to the box, a chart in a 592 px
// output was 296 px tall, its ticks 19px, and the dashboard ran 456 px past Lab's panel)
const CHART_HEIGHT = { least: 120, most: 240 };

// each button, named by what it does for a student ("Step VJP" was jargon), and its tooltip;
// the tape widget's "Backward: Step" is the same step
const BUTTONS = [
  ["pause", "Pause", "Hold the loop after its next op; the tape below outlines it"],
  ["step_op", "Step op", "Run one more op (forward, backward or an optimizer update), then "
    + "hold the loop again"],
  ["step_vjp", "Step gradient", "Run the backward pass on to the next op's gradient (one "
    + "backward step: the chain rule through that op, its vector-Jacobian product or VJP), "
    + "then hold the loop again; the tape below outlines that op"],
  ["resume", "Resume", "Let the loop run on"],
  ["stop", "Stop", "End the loop here; the model keeps what it learned so far"]];
const ENDED = ["finished", "stopped", "failed", "refused"];
function render({ model, el: root }) {
  const box = h("div", { class: "tapeviz-dashboard" });
  const bar = h("div", { class: "tvd-bar" });
  const title = h("span", { class: "tvd-title" }, "tapeviz dashboard");
  const state = h("span", { class: "tvd-state" });
  const steps = h("span", { class: "tvd-steps" });
  const status = h("span", { class: "tvd-status" });
  const buttons = h("span", { class: "tvd-buttons" });
  const byAction = {};
  for (const [action, text, tip] of BUTTONS) {
    const button = h("button", { class: `tvd-btn tvd-${action}`, type: "button", title: tip,
      "data-action": action, onclick: () => model.send({ action }) }, text);
    byAction[action] = button;
    buttons.append(button);
  }
  bar.append(title, state, steps, status, h("span", { class: "tvd-spacer" }), buttons);

  const chartBox = h("div", { class: "tvd-charts" });
  // a chart: its title, a note under it (how it is drawn; the first NaN/Inf), the drawing,
  // and on hover a guide at the step pointed at with the raw values there
  const panel = (name, heading) => {
    const p = h("div", { class: "tvd-chart" });
    const svg = svgEl("svg", { class: `tvd-svg tvd-${name}`, style: `height: ${H}px` });
    const note = h("div", { class: "tvd-chart-note" });
    const alarm = h("div", { class: "tvd-chart-alarm" });
    const tip = h("div", { class: "tvd-tip" });
    tip.hidden = true;
    const title = h("div", { class: "tvd-chart-title" }, heading);
    p.append(title, note, alarm, svg, tip);
    chartBox.append(p);
    const chart = { svg, title, note, alarm, tip, drawn: null, hoverX: null };
    const hover = (event) => {
      const r = svg.getBoundingClientRect();
      chart.hoverX = ((event.clientX - r.left) * svg.viewBox.baseVal.width) / r.width;
      drawHover(chart);
    };
    svg.addEventListener("pointermove", hover);
    svg.addEventListener("pointerleave", () => { chart.hoverX = null; drawHover(chart); });
    return chart;
  };
  const lossChart = panel("loss", "loss");
  // a spike makes the rest of a linear loss curve flat: a log scale shows both
  const logLoss = h("input", { type: "checkbox", class: "tvd-log",
    onchange: () => { drawLoss(); snapshotAgain(); } });
  lossChart.title.append(h("label", { class: "tvd-option", title: "The loss on a log axis: a "
    + "spike no longer flattens the rest of the curve" }, logLoss, " log scale"));
  const normChart = panel("norms", "");   // its title: "gradient norm per variable (log scale)"
  const legend = h("div", { class: "tvd-legend" });
  chartBox.lastChild.append(legend);

  const tapeBox = h("div", { class: "tvd-tape-box" });
  const tapeTitle = h("div", { class: "tvd-chart-title" });
  const tape = h("div", { class: "tvd-tape" });
  const tapeKey = h("div", { class: "tvd-tape-key" });   // what its borders mean
  const tapeFrame = h("div", { class: "tvd-tape-frame" }, tape);   // holds the "more" hint
  const tapeScroll = scrollPane(tapeFrame, tape);
  tapeBox.append(tapeTitle, tapeKey, tapeFrame);
  const error = h("pre", { class: "tvd-error" });
  const alertBox = h("div", { class: "tvd-alerts" });
  alertBox.setAttribute("aria-label", "alerts");
  box.append(bar, error, alertBox, chartBox, tapeBox);
  root.append(box);
  // the tape pane leaves room for the bar and the charts: the whole dashboard in the view it
  // scrolls in (Lab's notebook panel cut the tape, or the buttons, at 900 px), again as the
  // alerts come and go
  const sizeTape = () => {
    const height = `${Math.max(TAPE_PANE.least, roomFor(box, tape, TAPE_PANE.most))}px`;
    if (tape.style.maxHeight !== height) tape.style.maxHeight = height;
    tapeScroll.update();
  };
  // the charts first: as tall as the view allows beside the bar, their titles, notes and
  // legend, and the tape's least pane (or all of a shorter tape); drawn again at a new size
  let chartHeight = H;
  const fit = () => {
    const svgs = [lossChart.svg, normChart.svg];
    const rows = new Set(svgs.map((svg) => Math.round(svg.getBoundingClientRect().top))).size;
    const pane = tapeBox.hidden ? 0 : tape.getBoundingClientRect().height;
    const around = box.getBoundingClientRect().height - rows * chartHeight - pane;
    const tapeWants = tapeBox.hidden ? 0 : Math.min(TAPE_PANE.least, tape.scrollHeight);
    const height = Math.max(CHART_HEIGHT.least, Math.min(CHART_HEIGHT.most,
      Math.floor((viewHeight(box) - 8 - around - tapeWants) / rows)));
    const resized = svgs.some((svg) => Math.round(svg.getBoundingClientRect().width)
                                       !== svg.viewBox.baseVal.width);
    if (height !== chartHeight || resized) {
      chartHeight = height;
      for (const svg of svgs) svg.style.height = `${height}px`;
      drawLoss();
      drawNorms();
    }
    sizeTape();
  };
  // a frame later: resizing the box it observes inside the observer's call is a loop error;
  // the window too (Lab's panel is as tall as the window, the box may keep its size)
  const refit = () => requestAnimationFrame(fit);
  const resized = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(refit);
  if (resized) resized.observe(box);
  window.addEventListener("resize", refit);

  function drawState() {
    const s = model.get("state");
    state.textContent = s;
    state.className = `tvd-state tvd-state-${s}`;
    // steps finished: paused inside one, the tape below names it "step <count + 1> so far"
    const count = model.get("step_count");
    steps.textContent = `${count} step${count === 1 ? "" : "s"} done`;
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
    // an ended run with no step (refused at its first, or no gradient taken) waits for none
    const empty = ENDED.includes(model.get("state")) ? "no step taken" : "no data yet";
    // 1:1 on screen (before the dashboard is in the page, at the natural width)
    const width = Math.round(chart.svg.getBoundingClientRect().width) || W;
    chart.drawn = drawChart(chart.svg, series, { log, focus, empty, width, height: chartHeight });
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
    normChart.title.textContent = model.get("norms_title");   // torch's: "per parameter"
    const norms = (model.get("grad_norms") || []).map(decode);
    if (!norms.some((s) => s.name === focus)) focus = "";
    drawSeries(normChart, norms, true, focus);
    if (norms.length > 1 && normChart.drawn) {
      normChart.note.textContent += " · click a name to pick out its line";
    }
    legend.replaceChildren();
    norms.forEach((s, k) => {
      const pick = () => {
        focus = focus === s.name ? "" : s.name;
        drawNorms();
        snapshotAgain();
      };
      // names only: the newest value is at the line's end, hovering tells the others
      // what a click does, said where the pointer is (the chart's note says it once, above)
      const tip = s.name === focus ? "Show every line again"
        : `Pick out ${s.name}'s line (the others fade); click again for all`;
      const item = h("button", { class: "tvd-legend-item", type: "button", title: tip,
        "aria-pressed": String(s.name === focus), onclick: pick },
        h("span", { class: `tvd-swatch ${seriesClass(k)}` }), h("span", {}, s.name));
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
    tapeScroll.update();
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
    // what the borders mean, and the pink dashes of where the loop stopped (a pause, a failure)
    tapeKey.textContent = [bordersKey(tape), marked ? "pink dashes: where the loop stopped" : ""]
      .filter(Boolean).join(" · ");
    tapeKey.hidden = !tapeKey.textContent;
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
    alertBox.append(h("div", { class: "tvd-alerts-title" }, `alerts (${alerts.length})`));
    for (const alert of alerts) {
      const item = h("div", { class: `tvd-alert tvd-alert-${alert.kind === "nan" ? "nan" : "warn"}` });
      item.tabIndex = 0;
      item.setAttribute("role", "button");
      item.dataset.node = alert.node || "";
      const note = h("div", { class: "tvd-alert-note" });
      note.hidden = true;
      const text = h("span", { class: "tvd-alert-text" });
      // the user's line (as Python's SourceInfo.location wrote it) never wraps inside
      // and the fix ("...; fix: ..." or "; hint: ...") goes on a line of its own: what
      // happened, then what to do
      const at = alert.message.search(/; (?:fix|hint): /);
      const what = at < 0 ? alert.message : alert.message.slice(0, at);
      const parts = alert.location ? what.split(alert.location) : [what];
      parts.forEach((part, i) => {
        if (i) text.append(h("span", { class: "tvd-loc" }, alert.location));
        text.append(worded(part));
      });
      // what a click does, said before the pointer is on the alert (in link colour)
      if (alert.node) {
        text.append(h("span", { class: "tvd-alert-go", "aria-hidden": "true" },
                      "show it in the tape ›"));
      }
      if (at >= 0) text.append(h("span", { class: "tvd-alert-fix" }, alert.message.slice(at + 2)));
      // its label, as every renderer writes it (Python's panel.alert_label): the kind in
      // words ("outer broadcast"), what a NaN/Inf alert's op made ("-inf")
      item.append(h("span", { class: "tvd-alert-kind" }, alert.label), text, note);
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
    ["change:loss change:state", drawLoss],
    ["change:grad_norms change:norms_title change:state", drawNorms],
    ["change:svg change:tape_title", drawTape], ["change:highlight", drawHighlight],
    ["change:error", drawError], ["change:alerts", drawAlerts],
  ];
  for (const [events, fn] of handlers) {
    for (const name of events.split(" ")) model.on(name, fn);
    fn();
  }
  return () => {
    for (const [events, fn] of handlers) for (const name of events.split(" ")) model.off(name, fn);
    if (resized) resized.disconnect();
    window.removeEventListener("resize", refit);
    tapeScroll.dispose();
  };
}

export default { render };
