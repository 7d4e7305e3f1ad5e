// The tape widget's backward stepping strip, above the graph: the stepper's state as chips.
import { BORDERS } from "./borders.js";
import { h } from "./dom.js";

// The strip's children for `s`, the stepper state Python sends (panel.py: stepper_state); none
// before any stepping (the strip is hidden then: the inspector says how to start).
export function stepperStrip(s) {
  if (!s || s.count === undefined) return [];
  // [label, value, what the label means: its tooltip, for a reader new to the terms]
  // done, it says what is left to press: Step and Continue only said it in their tooltips
  const rows = [["steps applied", String(s.count) + (s.done ? " (done) · Reset to step it again"
    : ""), "Backward steps run so far: Step runs one, Continue the rest"]];
  if (s.op) {
    // "stepped through", not "VJP of": a student reads what happened before the term for it
    const stepped = s.place ? `${s.op} (${s.place})` : s.op;
    rows.push(["stepped through", stepped, "The op whose backward "
      + "step ran last, the gradient through it (its vector-Jacobian product, VJP): the "
      + "outlined node"],
    ["at", s.source, "The line of your code that ran that op"],
    ["upstream", s.upstream,
      "The gradient of the loss (the target) arriving at that op's output"]);
  }
  (s.input_grads || []).forEach((g, i) => rows.push([`grad ${s.input_names[i]}`, g,
    `The gradient that op sends back to its input ${s.input_names[i]}`]));
  (s.gradients || []).forEach(([name, g]) => rows.push([`d loss/d ${name}`, g,
    `The gradient of the loss (the target) with respect to ${name}, as summed so far`]));
  return [h("span", { class: "tv-stepper-title" }, "Backward stepping"),
    // what the graph's borders now mean (dot.py draws them; tape.css marks the step); once
    // the pass is over a dashed box gets none ("none yet" promised one to come)
    h("span", { class: "tv-key" }, `${BORDERS} · dashed: `
      + (s.done ? "none reached it" : "none yet")
      + " · pink dashes: just stepped through"),
    ...rows.map(([label, value, tip]) => h("span", { class: "tv-chip", title: tip },
      h("span", { class: "tv-chip-label" }, label), " ", value))];
}

// Each row of the strip as [top, bottom], px down its content (its scroll position's origin).
function rowSpans(strip) {
  const top = strip.getBoundingClientRect().top + strip.clientTop - strip.scrollTop;
  return [...strip.children].map((row) => {
    const r = row.getBoundingClientRect();
    return [r.top - top, r.bottom - top];
  });
}

// The strip shows four lines and scrolls the rest, where a scrollbar is easy to miss (or not
// drawn at all): while rows lie below, a note on its bottom edge says so and, clicked, scrolls
// to them, so the d loss/d rows of a model's many variables are found. A row wider than the
// strip wraps: one that starts in the four lines is shown whole (its second line lay under
// the note, 'nan 0' and no more), and the note scrolls to the first row not wholly in view.
// Returns the strip in its box, `update` (call it when the rows change) and `dispose`.
export function stripWithMore(strip) {
  const more = h("button", { class: "tv-stepper-more", type: "button",
    title: "The strip holds more rows than it shows: scroll it, or click here" }, "▾ more rows");
  const box = h("div", { class: "tv-stepper-box" }, strip, more);
  // the view reaches down to the end of the last row that starts in tape.css's four lines
  // from `top` (px down the content: the top, or the row the note scrolled to; at 12 px a row
  // the note brought up to the fourth line wrapped, and its second line lay out of view)
  const wholeRows = (top = 0) => {
    strip.style.maxHeight = "";
    const lines = parseFloat(getComputedStyle(strip).maxHeight);
    const ends = rowSpans(strip).filter(([start]) => start >= top - 1 && start < top + lines - 1)
      .map(([, end]) => end - top);
    const reach = Math.max(lines, ...ends.map(Math.ceil));
    if (reach > lines) strip.style.maxHeight = `${reach}px`;
  };
  // while it shows, it has a line of its own under the strip's rows (over them, it hid the end
  // of a row that ran to the right edge: "zeros 1787" read "zeros")
  const update = () => {
    if (!strip.scrollTop) wholeRows();
    more.hidden = !(strip.scrollHeight - strip.scrollTop - strip.clientHeight > 1);
    box.classList.toggle("tv-stepper-noted", !more.hidden);
  };
  more.onclick = () => {
    const shown = strip.scrollTop + strip.clientHeight;
    const next = rowSpans(strip).find(([top, end]) => end > shown + 1 && top > strip.scrollTop);
    const top = next ? next[0] : shown;
    wholeRows(top);
    strip.scrollTop = top;
    update();
  };
  strip.addEventListener("scroll", update);
  const resized = new ResizeObserver(update);   // shown, or its width (and so its rows) changed
  resized.observe(strip);
  return { box, update, dispose: () => resized.disconnect() };
}
