// The tape widget's inspector and alerts as DOM: sections, alert lines, a node's details.
import { h } from "./dom.js";

// px: a picture in the inspector is drawn larger by a whole factor (cells stay square and sharp)
// until its longest side reaches MIN_PICTURE and its shortest MIN_NARROW (a 32x10 value's
// heatmap was 40 px wide, ten columns of 4 px), but never past MAX_PICTURE on its longest side
const MIN_PICTURE = 120, MIN_NARROW = 96, MAX_PICTURE = 320;

// The whole factor a picture of `width` x `height` pixels is drawn larger by (1: as it came).
function pictureScale(width, height) {
  const longest = Math.max(width, height), shortest = Math.min(width, height);
  const wanted = Math.max(Math.ceil(MIN_PICTURE / longest), Math.ceil(MIN_NARROW / shortest));
  return Math.max(1, Math.min(wanted, Math.floor(MAX_PICTURE / longest)));
}

// One inspector section ({title, type: svg|img|table|code|source|text, content}) as DOM.
export function section(s) {
  const body = h("div", { class: "tv-section-body" });
  if (s.type === "svg") {
    body.innerHTML = s.content;  // our own encoder's SVG (every text in it escaped in Python)
  } else if (s.type === "img") {
    const img = h("img", { src: s.content, alt: s.title });
    // a small matrix's heatmap (a 3x5 kernel comes as 30x50 pixels) is drawn larger; its
    // data-scale says it is drawn at its size (the load event comes a task after `complete`)
    img.addEventListener("load", () => {
      const factor = pictureScale(img.naturalWidth, img.naturalHeight);
      if (factor > 1) img.width = img.naturalWidth * factor;
      img.dataset.scale = String(factor);
    }, { once: true });
    body.append(img);
  } else if (s.type === "table") {
    const table = h("table");
    for (const row of s.content) {
      table.append(h("tr", {}, ...row.map((cell, i) => tableCell(String(cell), i, row.length))));
    }
    body.append(table);
  } else if (s.type === "source") {
    // (its first line is where the code is: a location, kept whole by dom.js's worded)
    const lines = String(s.content).split("\n").map((line, i) => sourceLine(line, i > 0));
    body.append(h("pre", { class: "tv-code tv-source" }, ...lines));
  } else if (s.type === "code") {
    body.append(h("pre", { class: "tv-code" }, String(s.content)));
  } else {
    body.append(h("div", { class: "tv-text" }, String(s.content)));
  }
  return h("div", { class: "tv-section" }, h("div", { class: "tv-section-title" }, s.title), body);
}

// A table's cell: its value (the last) wraps after an underscore; a label naming an input by
// the user's expression ('input = probs[torch.arange(len(labels)), labels]') wraps where code
// does (notebook 04's log at 1024x700 pushed the Inputs table 157 px past the panel's edge);
// other labels ('layer path') stay on one line
function tableCell(text, i, count) {
  if (i === count - 1) return h("td", {}, ...namedNumbers(text));
  if (i === 0 && text.includes(" = ")) return h("td", { class: "tv-code-label" }, ...breakable(text));
  return h("td", {}, text);
}

// One of the user's lines, as written: a long one wraps under itself, two columns further in
// than its own indentation (wrapped at column 0 it read as another statement; scrolled
// sideways, its end was out of sight, "torch.log(probs[torch.arange(len(lab" in a 330 px
// panel; four columns in, at 12 px, "torch.arange(" no longer fitted a 160 px panel)
function sourceLine(line, code) {
  const hang = `${line.length - line.trimStart().length + 2}ch`;
  const style = `padding-left: ${hang}; text-indent: -${hang}`;
  return h("span", { class: "tv-source-line", style }, ...(code ? breakable(line) : [line]));
}

// A line of code with a place to wrap after each bracket, comma or operator that a name
// follows, as a code viewer wraps it: "probs[torch.arange(" broke inside "torch.a|range" where
// a name ran past the panel's edge. Never after a dot: a dotted name is read as one ("tf." over
// "matmul(x, w)" read as two). (Copying the code copies no <wbr>.)
function breakable(line) {
  return line.split(/(?<=[^\w\s.])(?=\w)/).flatMap((part, i) =>
    i ? [h("wbr"), document.createTextNode(part)] : [document.createTextNode(part)]);
}

// A table's value with each number kept on the line of the word that names it: a summary
// wrapped 'mean 45.9 ... zeros' over '0', the count alone on a line (notebook 03's bias_add at
// 1440x900); the rest as snakeBreakable gives it
function namedNumbers(text) {
  return text.split(/([A-Za-z]+ -?\d[\w.+-]*)/).flatMap((part, i) => (i % 2
    ? [h("span", { class: "tv-named-number" }, part)] : snakeBreakable(part)));
}

// A table's value with a place to wrap after each underscore: an op's long name broke anywhere,
// "sparse_softmax_cross_entropy_with_lo" over "gits" (copying it copies no <wbr>)
export function snakeBreakable(text) {
  return text.split(/(?<=_)/).flatMap((part, i) => (i ? [h("wbr"), part] : [part]));
}

// What an alert's end says in link colour: a click shows its node; or, while its node is the one
// selected (the view opened at a NaN's origin), that the node is selected in the graph below.
const CUES = { show: "show the node ›", selected: "selected below ›" };

// The alerts' cues said again for the node now `selected` (alertItem's `.tv-alert-go`, in place:
// an alert keeps the keyboard focus a rebuilt one would lose).
export function cueAlerts(box, selected) {
  for (const go of box.querySelectorAll(".tv-alert-go"))
    go.textContent = go.dataset.node === selected ? CUES.selected : CUES.show;
}

// One alert line, after its label (Python's panel.alert_label: "outer broadcast", "-inf");
// with a node, a click (or Enter or Space) calls `jump(node)`, which the line's end says in
// link colour (nothing showed an alert could be clicked until the pointer was on it).
// The fix, when the message gives one ("...; fix: ..." or "...; hint: ..."), goes on a line of
// its own, so a long alert reads as what happened, then what to do.
export function alertItem(a, jump) {
  const at = a.message.search(/; (?:fix|hint): /);
  const what = at < 0 ? a.message : a.message.slice(0, at);
  const item = h("div", { class: `tv-alert tv-alert-${a.kind}` },
    h("span", { class: "tv-alert-kind" }, `${a.label}: `), what,
    a.node ? h("span", { class: "tv-alert-go", "aria-hidden": "true", "data-node": a.node },
      CUES.show) : null);
  if (at >= 0) item.append(h("div", { class: "tv-alert-fix" }, a.message.slice(at + 2)));
  if (a.node) {
    item.classList.add("tv-jump");
    item.title = "Show this node";
    item.tabIndex = 0;
    item.setAttribute("role", "button");
    item.addEventListener("click", () => jump(a.node));
    item.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); jump(a.node); }
    });
  }
  return item;
}

// The alerts as DOM: the first in full, the others folded under a "Show N more alerts" button
// (three long alerts pushed the graph ~300 px down); unfolded (`open`) they scroll in a box of
// capped height. `onToggle(open)` hears the reader fold or unfold them.
export function alertList(alerts, jump, open = false, onToggle = () => {}) {
  const items = alerts.map((a) => alertItem(a, jump));
  if (items.length < 2) return items;
  const more = h("div", { class: "tv-alerts-more", id: `tv-alerts-more-${++folds}` },
    ...items.slice(1));
  const n = items.length - 1;
  const toggle = h("button", { class: "tv-alerts-toggle", "aria-controls": more.id });
  const show = (shown) => {
    more.hidden = !shown;
    toggle.setAttribute("aria-expanded", String(shown));
    toggle.textContent = `${shown ? "Hide" : "Show"} ${n} more alert${n === 1 ? "" : "s"}`;
  };
  toggle.addEventListener("click", () => { show(more.hidden); onToggle(!more.hidden); });
  show(open);
  return [items[0], h("div", { class: "tv-alerts-fold" }, toggle), more];
}
let folds = 0;   // each fold's own id, for its button's aria-controls

// A title's parts: what the node is, then its value's type ("→ float32[32, 1, 8, 8]") in a
// span that never wraps inside (a narrow panel broke "float32[32, 1," from "8, 8]"); a long
// layer path ran past the panel's edge: it breaks after a "/" or ".", else anywhere (tape.css).
function titleParts(title) {
  const at = title.lastIndexOf(" → ");
  const head = at < 0 ? title : title.slice(0, at);
  // a layer path may break after each "/" or "." before it breaks inside a name
  const parts = head.split(/(?<=[/.])/).flatMap((part, i) => (i ? [h("wbr"), part] : [part]));
  if (at < 0) return parts;
  return [...parts, " ", h("span", { class: "tv-title-type" }, title.slice(at + 1))];
}

// The inspector's content for a payload: its title, the buttons (`buttons`, DOM), where its
// NaN/Inf was born (`payload.origin`, Python's nan_note.py, drawn as an alert: "show the node"
// calls `jump`), what the buttons found (`payload.results`, then `extra` nodes), then the
// sections. The title and buttons stay pinned at the top of the side panel while it scrolls.
export function inspectorContent(payload, buttons = [], extra = [], jump = () => {}) {
  const results = (payload.results || []).map(section);
  return [h("div", { class: "tv-inspector-head" },
            h("div", { class: "tv-inspector-title" }, ...titleParts(payload.title)),
            buttons.length ? h("div", { class: "tv-actions" }, ...buttons) : null),
          payload.origin ? h("div", { class: "tv-origin" }, alertItem(payload.origin, jump))
            : null,
          results.length || extra.length
            ? h("div", { class: "tv-results" }, ...results, ...extra) : null,
          ...(payload.sections || []).map(section)].filter(Boolean);
}
