"""The TapeWidget's inspector as a person sees it, in JupyterLab and Notebook 7, light and dark.

In a notebook: a button's result (the gradient check, the breakpoint list) appears right under
the button that made it and reads as words; after Step the inspector's op, source and value
stay in view (the stepping strip is above the graph, not in the side panel; each of its terms
says what it means when hovered) and show the stepped
node as soon as it is selected (one state update carries both); gradients not yet
computed say so; the counts of title, status, inspector, stepper and slider agree; an empty
tape says what to do; the inspector widens, narrows, hides and comes back, and the graph takes
the room, and a node clicked while it is hidden brings it back. A recorder's title and slider
name a step alike ("step 3 of 3"). Text the inspector adds, the histogram's axis text and its
NaN count included, stays legible in both themes (contrast measured). The exported HTML:
test_inspector_export.py. Screenshots go to the artifacts as <app>-inspector-<theme>-<what>.png.
"""
import re

import pytest

from .harness import notebook_page
from .test_widgets import (WIDGET, check_clean, click_node, inspector_title, marked, wait_until,
                           widget_error)

CELLS = [
    """
import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.viz.widget import TapeWidget
w, b = tf.Variable(0.5, name="w"), tf.Variable(0.1, name="b")
with tf.GradientTape(persistent=True) as tape:
    residual = 3.0 - (w * 2.0 + b)
    loss = tf.where(tf.abs(residual) <= 1.0, 0.5 * tf.square(residual),
                    tf.abs(residual) - 0.5)
widget = TapeWidget(tape, target=loss, sources=[w, b])
print("abs node:", next(i for i, n in widget.graph.nodes.items() if n.op == "abs"))
widget
""",
    """
with tf.GradientTape(persistent=True) as empty_tape:
    tf.constant(1.0) * 2.0      # nothing watched: nothing recorded
TapeWidget(empty_tape)
""",
    """
v = tf.Variable(2.0, name="v")
with Recorder() as rec:
    for _ in range(3):
        with tf.GradientTape() as step_tape:
            step_loss = tf.abs(v * v - 1.0)
        v.assign_sub(0.1 * step_tape.gradient(step_loss, v))
TapeWidget(rec)
""",
    """
hist_v = tf.Variable([1.0, -1.0, 2.0, 3.0, 0.5, 4.0], name="hist_v")
with tf.GradientTape(persistent=True) as hist_tape:
    hist_y = tf.math.log(hist_v)      # log(-1): NaN
TapeWidget(hist_tape)
""",
]

# WCAG contrast of an element's text (an SVG text's fill) against the first opaque background
# behind it; any CSS colour (rgba, color-mix) is read as the browser paints it, on a canvas,
# and a translucent text colour is blended over that background
_CONTRAST = """(el) => {
  const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  const rgba = (c) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = "rgba(0, 0, 0, 0)";
    ctx.fillStyle = c;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = null;
  for (let e = el; e && !bg; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0.5) bg = c;
  }
  bg = bg || [255, 255, 255, 1];
  const style = getComputedStyle(el);
  const fg = rgba(el instanceof SVGElement ? style.fill : style.color);
  const shown = fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3]));
  const [a, b] = [lum(shown), lum(bg)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def legible(locator):
    """The contrast of `locator`'s text on its background (4.5 is WCAG AA for small text)."""
    return locator.evaluate(_CONTRAST)


def box(locator):
    b = locator.bounding_box()
    assert b is not None, "the element is not rendered"
    return b


def within(inner, outer, slack=1.0):
    """Whether box `inner` lies inside box `outer` (both from `bounding_box()`)."""
    return (inner["y"] >= outer["y"] - slack and inner["x"] >= outer["x"] - slack
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack)



def section(widget, title):
    return widget.locator(".tv-inspector .tv-section", has=widget.page.locator(
        f'.tv-section-title:text-is("{title}")'))


def results_under_buttons(page, widget, text):
    """The results box once it holds `text`: directly under the inspector's buttons, in view."""
    results = widget.locator(".tv-inspector .tv-results")
    wait_until(page, lambda: results.count() and text in results.text_content(),
               f"{text!r} under the buttons")
    actions = box(widget.locator(".tv-inspector .tv-actions"))
    found = box(results)
    assert 0 <= found["y"] - (actions["y"] + actions["height"]) < 12, (actions, found)
    assert within(found, box(widget.locator(".tv-side"))), "the result is out of view"
    return results


@pytest.mark.browser
@pytest.mark.parametrize("app,theme", [("lab", "light"), ("lab", "dark"), ("notebook", "dark")])
def test_inspector_answers_where_you_click(app, theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "inspector.ipynb", CELLS, app=app, theme=theme) as page:
        def shot(target, what):
            page.screenshot(target, f"inspector-{theme}-{what}")

        abs_id = page.wait_for_output("text=/abs node: n\\d+/").text_content().split()[-1]
        widget, empty, recorded, histogram = (page.output(WIDGET).nth(i) for i in range(4))
        widget.locator(".tv-graph svg g.node").first.wait_for()

        # counts in one numbering: "N ops" in the title, the status and the op's position
        ops = int(re.fullmatch(r"persistent tape: (\d+) ops",
                               widget.locator(".tv-title").text_content()).group(1))
        status = widget.locator(".tv-status").text_content()
        assert re.fullmatch(rf"\d+ nodes: {ops} ops, 2 variables, \d+ constants", status)
        drawn = [i for i in widget.locator(".tv-graph svg g.node").evaluate_all(
            "els => els.map(e => e.id)") if i.startswith("n")]
        assert len(drawn) == ops

        # before any stepping: the gradient is "not computed yet", never None
        click_node(page, widget, abs_id)
        wait_until(page, lambda: inspector_title(widget).startswith("abs"), "abs inspected")
        gradient = section(widget, "Gradient")
        assert gradient.locator(".tv-text").text_content().startswith("not computed yet")
        assert "None" not in widget.locator(".tv-inspector").text_content()
        op_rows = section(widget, "Op").locator("tr").all_text_contents()
        index = int(abs_id[1:])
        assert f"positionop {index + 1} of {ops} on the tape" in op_rows

        # a breakpoint and a gradient check appear under the buttons, in words
        widget.locator("button.tv-break_op").click()
        results = results_under_buttons(page, widget, "break on op abs (0 hits)")
        assert "Breakpoint" not in results.text_content().replace("Breakpoints", "")
        widget.locator("button.tv-gradcheck").click()
        results = results_under_buttons(page, widget, "gradient check passed")
        assert "break on op abs (0 hits)" in results.text_content()
        assert legible(results.locator(".tv-text").first) >= 4.5
        assert legible(results.locator(".tv-code").first) >= 4.5
        shot(widget, "results")

        # stepping: the strip above counts the steps; the inspector's op, source and value
        # stay in view in the side panel, the strip is not in it
        for count in (1, 2, 3):
            widget.locator(".tv-toolbar button.tv-step").click()
            wait_until(page, lambda count=count: re.search(
                rf"steps applied\s*{count}(?!\d)", widget.locator(".tv-stepper").text_content()),
                f"{count} steps applied")
        stepped = marked(widget, "tv-highlight")
        wait_until(page, lambda: marked(widget, "tv-selected") == stepped, "selection follows")
        # the step's dashed outline does not hide the selection on the same node: the
        # selection's ring lies under that outline, wider, in another colour, undashed
        both = widget.locator("g.node.tv-selected.tv-highlight")
        ring = both.locator(".tv-ring")
        assert ring.count() == 1 and widget.locator(".tv-graph .tv-ring").count() == 1
        style = ("el => { const s = getComputedStyle(el);"
                 " return [s.stroke, parseFloat(s.strokeWidth), s.strokeDasharray]; }")
        ring_stroke, ring_width, ring_dashes = ring.evaluate(style)
        outline_stroke, outline_width, _ = ring.evaluate(
            f"el => ({style})(el.nextElementSibling)")
        assert ring_stroke != outline_stroke and ring_dashes == "none", (ring_stroke, ring_dashes)
        assert ring_width >= outline_width + 4, (ring_width, outline_width)
        # the step's selection and its inspector come in one update: never one without the other
        assert widget.locator(".tv-inspector").get_attribute("data-node") == stepped
        strip = widget.locator(".tv-stepper")
        assert widget.locator(".tv-side .tv-stepper").count() == 0
        assert re.search(r"d loss/d w\s", strip.text_content())   # as the graph draws it, no ':0'
        assert "w:0" not in strip.text_content()
        # inputs by name, with the op that made each, placed as the inspector places it (was
        # 'grad x (from n2 subtract)': an id drawn nowhere)
        assert re.search(r"grad x \(from subtract, op \d+ of the tape\)\s*float32",
                         strip.text_content())
        # each term of the strip says what it means when hovered (VJP, upstream, d loss/d w)
        tips = dict(zip(strip.locator(".tv-chip-label").all_text_contents(),
                        strip.locator(".tv-chip").evaluate_all("els => els.map(e => e.title)")))
        assert all(tips.values()), tips
        assert "backward step" in tips["stepped through"] and "loss" in tips["upstream"], tips
        [grad_x] = [label for label in tips if label.startswith("grad x")]
        assert "respect to w," in tips["d loss/d w"] and "input x" in tips[grad_x], tips
        assert "VJP" in widget.locator("button.tv-step").get_attribute("title")
        # the strip counts the step's op as the inspector beside it does
        place = f"op {int(stepped[1:]) + 1} of"
        assert re.search(rf"stepped through\s*abs \({place} the tape\)", strip.text_content())
        assert f"position{place}" in "".join(
            section(widget, "Op").locator("tr").all_text_contents())
        side = box(widget.locator(".tv-side"))
        for part in (widget.locator(".tv-inspector-title"), section(widget, "Source"),
                     section(widget, "Output").locator("tr").first):
            assert within(box(part), side), f"{part} is pushed out of view"
        assert legible(strip.locator(".tv-chip-label").first) >= 4.5
        assert legible(widget.locator(".tv-side-label")) >= 4.5
        # the strip says what the borders the steps draw mean, readable, in view
        key = strip.locator(".tv-key")
        assert "violet border: gradient" in key.text_content() and legible(key) >= 4.5
        assert within(box(key), box(strip))
        shot(widget, "stepped")

        # a strip with more rows than fit scrolls by whole rows: none shows cut in half
        viewport = page.page.viewport_size
        page.page.set_viewport_size({"width": 640, "height": viewport["height"]})
        wait_until(page, lambda: strip.evaluate("el => el.scrollHeight > el.clientHeight + 8"),
                   "the strip to overflow")
        cut_rows = strip.evaluate("""el => {
            const view = el.getBoundingClientRect(), top = view.top + el.clientTop;
            const bottom = top + el.clientHeight;
            return [...el.children].map((c) => c.getBoundingClientRect())
                .filter((r) => r.top < bottom - 0.5 && r.bottom > bottom + 0.5
                               || r.top < top - 0.5 && r.bottom > top + 0.5).length;
        }""")
        assert cut_rows == 0
        page.page.set_viewport_size(viewport)
        wait_until(page, lambda: abs(box(widget.locator(".tv-side"))["width"] - side["width"]) < 1,
                   "the inspector back to its width")

        # the inspector widens, narrows, hides (the graph takes the room) and comes back
        graph_box = widget.locator(".tv-graph")
        side_width, graph_width = side["width"], box(graph_box)["width"]
        widget.locator("button.tv-side-wider").click()
        wider = box(widget.locator(".tv-side"))["width"]
        assert wider > side_width + 40 and box(graph_box)["width"] < graph_width - 40
        shot(widget, "wider")
        handle = box(widget.locator(".tv-handle"))
        page.page.mouse.move(handle["x"] + 3, handle["y"] + 40)
        page.page.mouse.down()
        page.page.mouse.move(handle["x"] + 203, handle["y"] + 40, steps=5)
        page.page.mouse.up()
        dragged = box(widget.locator(".tv-side"))["width"]
        assert wider - 240 < dragged < wider - 160, (wider, dragged)
        main_width = box(widget.locator(".tv-main"))["width"]
        widget.locator("button.tv-side-hide").click()
        assert not widget.locator(".tv-side").is_visible()
        assert box(graph_box)["width"] > main_width - 4
        shot(widget, "hidden")
        widget.locator("button.tv-side-show").click()
        assert widget.locator(".tv-side").is_visible()
        assert not widget.locator("button.tv-side-show").is_visible()
        # hidden, a click on a node brings the inspector back, showing that node
        widget.locator("button.tv-side-hide").click()
        assert not widget.locator(".tv-side").is_visible()
        click_node(page, widget, "n0")
        wait_until(page, lambda: widget.locator(".tv-side").is_visible()
                   and inspector_title(widget).startswith("multiply"), "n0 shown in the inspector")
        assert not widget.locator("button.tv-side-show").is_visible()
        # `w * 2.0`: a scalar reads as its value with no picture of one number, and each
        # input by the op's name and the line's expression, from a variable or a constant
        output = section(widget, "Output").locator("tr").first.locator("td").all_text_contents()
        assert output == ["summary", "float32 scalar 1.0"], output
        titles = widget.locator(".tv-inspector .tv-section-title").all_text_contents()
        assert not [t for t in titles if t.startswith(("Heatmap", "Values", "Histogram"))], titles
        inputs = [row.locator("td").all_text_contents()[:2]
                  for row in section(widget, "Inputs").locator("tr").all()]
        assert inputs == [["input", "from"], ["x = w", "variable w"],
                          ["y = 2.0", "constant"]], inputs
        section(widget, "Inputs").scroll_into_view_if_needed()
        shot(widget, "scalar-inputs")

        # an empty tape says so where the graph would be, and what to do
        message = empty.locator(".tv-graph .tv-empty")
        assert "This tape recorded no ops" in message.text_content()
        assert "tape.watch(x)" in message.text_content()
        assert legible(message) >= 4.5
        # nothing to step or zoom: those buttons are disabled, their tooltip says why, and
        # the inspector says what to do (they were enabled, and Step answered with an error)
        for name in ("step", "continue", "reset", "zoom-in", "zoom-out", "fit", "svg"):
            button = empty.locator(f".tv-toolbar button.tv-{name}")
            assert button.is_disabled(), name
            assert button.get_attribute("title").startswith("Nothing "), name
        assert "no backward pass to step" in empty.locator("button.tv-step").get_attribute("title")
        hint = empty.locator(".tv-inspector .tv-hint").text_content()
        assert hint.startswith("Nothing recorded to inspect or step through yet") and \
            "show the widget again" in hint, hint
        assert not widget_error(empty)
        assert widget.locator(".tv-toolbar button.tv-step").is_enabled()
        shot(empty, "empty")

        # a recorder's title and slider name the step alike, counting from 1; dragging the
        # slider names the step it is on, and letting go shows that step under that name
        title = recorded.locator(".tv-title").text_content()
        assert title.startswith("step 3 of 3: "), title
        label = recorded.locator(".tv-slider-label")
        assert label.text_content() == "step 3 of 3"
        recorded.locator(".tv-slider").evaluate(
            "s => { s.value = '0'; s.dispatchEvent(new Event('input')); }")
        assert label.text_content() == "step 1 of 3"
        recorded.locator(".tv-slider").evaluate("s => s.dispatchEvent(new Event('change'))")
        wait_until(page, lambda: recorded.locator(".tv-title").text_content().startswith(
            "step 1 of 3: "), "step 1 shown")
        assert label.text_content() == "step 1 of 3"
        assert re.search(r"\d+ of the \d+ ops \(\d+ of the backward pass not drawn\)",
                         recorded.locator(".tv-status").text_content())
        shot(recorded, "recorder")

        # the histogram's axis text and its NaN count read in both themes
        click_node(page, histogram, "n0")
        wait_until(page, lambda: inspector_title(histogram).startswith("log"), "log inspected")
        chart = histogram.locator(".tv-inspector .tv-histogram")
        assert "nan 1" in chart.locator(".tv-hist-alert").text_content()
        for part in (chart.locator(".tv-hist-label").first, chart.locator(".tv-hist-alert")):
            ratio = legible(part)
            assert ratio >= 4.5, f"histogram text at {ratio:.2f}:1 in the {theme} theme"
        sizes = chart.locator("text").evaluate_all(   # on screen: 12 px or more (it was 11)
            """els => els.map(e => { const svg = e.ownerSVGElement;
                return parseFloat(getComputedStyle(e).fontSize)
                    * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width; })""")
        assert sizes and min(sizes) >= 12, sorted(sizes)[:3]
        chart.scroll_into_view_if_needed()
        shot(histogram, "histogram")

        assert widget_error(widget) == "" and widget_error(recorded) == ""
        check_clean(page, browser)
