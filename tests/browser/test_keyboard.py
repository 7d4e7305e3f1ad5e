"""The tape widget without a mouse, in JupyterLab's light and dark themes.

Every button is reached by Tab, says what it does in its title and shows a focus ring; Enter on
Step runs one backward step and on Continue the rest; the graph is one Tab stop (Tab goes on to
the inspector, not through every node, and Shift+Tab comes back to the node last reached); the
arrow keys move from node to node, in the direction pressed, Home and End to the first and last;
Enter inspects the node, whose inspector buttons name the op a breakpoint would stop at; an
alert is reached by Tab, with the same ring, and Enter shows its node; so is a recorded run's
slider, and ArrowLeft on it shows the step before.
Screenshots: tests/browser/artifacts/lab-keyboard-<theme>-<what>.png.
"""
import pytest

from .harness import notebook_page
from .test_widgets import (WIDGET, check_clean, inspector_title, marked, wait_until)

CELLS = ["""
import tapeviz as tf
from tapeviz.viz import TapeWidget
tf.random.set_seed(0)
x = tf.random.normal([4, 3])
w1 = tf.Variable(tf.random.normal([3, 5]), name="w1")
w2 = tf.Variable(tf.random.normal([5, 1]), name="w2")
with tf.GradientTape(persistent=True) as tape:
    hidden = tf.nn.relu(tf.matmul(x, w1))
    loss = tf.reduce_mean(tf.square(tf.matmul(hidden, w2)))
TapeWidget(tape, target=loss, sources=[w1, w2])
""", """
v = tf.Variable(tf.ones((4,)), name="v")
with tf.GradientTape(persistent=True) as outer:   # (4,) against (4, 1): an alert
    outer_loss = tf.reduce_mean(tf.square(v - tf.ones((4, 1))))
TapeWidget(outer, target=outer_loss)
""", """
from tapeviz.debugger import Recorder
u = tf.Variable(2.0, name="u")
with Recorder() as rec:
    for _ in range(3):
        with tf.GradientTape() as step_tape:
            step_loss = tf.abs(u * u - 1.0)
        u.assign_sub(0.1 * step_tape.gradient(step_loss, u))
TapeWidget(rec)
"""]

FOCUSED = """() => {
  const el = document.activeElement;
  return el ? { id: el.id, tag: el.tagName.toLowerCase(), cls: el.getAttribute("class") || "",
                text: el.textContent.trim(), visible: el.matches(":focus-visible") } : null;
}"""
# the focus ring of the focused element: a button's outline, a node's outline stroke
RING = """() => {
  const el = document.activeElement;
  const shape = el.closest("g.node") ? el.querySelector("polygon, ellipse, path") : el;
  const style = getComputedStyle(shape);
  return el.closest("g.node")
    ? { width: parseFloat(style.strokeWidth), dash: style.strokeDasharray }
    : { width: parseFloat(style.outlineWidth), style: style.outlineStyle,
        colour: style.outlineColor };
}"""
CENTRE_Y = """(id) => { const r = document.getElementById(id).getBoundingClientRect();
  return (r.top + r.bottom) / 2; }"""


def focused(page):
    return page.page.evaluate(FOCUSED)


def tab_until(page, want, most=30, key="Tab"):
    """Press `key` until `want(focused)` holds; return how many presses it took."""
    for presses in range(1, most + 1):
        page.page.keyboard.press(key)
        if want(focused(page)):
            return presses
    raise AssertionError(f"{most} x {key} never reached it; at {focused(page)}")


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_step_continue_and_move_between_nodes_without_a_mouse(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "keys.ipynb", CELLS, theme=theme) as page:
        widget = page.output(WIDGET).first
        widget.locator(".tv-graph svg g.node").first.wait_for()
        widget.scroll_into_view_if_needed()

        def untitled():
            """The buttons shown that Tab skips or that have no title: [text, tabIndex, title]."""
            buttons = widget.locator("button").evaluate_all("""bs => bs
                .filter((b) => b.offsetParent !== null)
                .map((b) => [b.textContent.trim(), b.tabIndex, b.title])""")
            assert buttons
            return [b for b in buttons if b[1] < 0 or not b[2]]

        assert untitled() == []

        # from the title, Tab reaches Step, which shows its ring; Enter steps once
        widget.locator(".tv-title").click()
        tab_until(page, lambda f: "tv-step" in f["cls"].split())
        assert focused(page)["visible"]
        step_ring = page.page.evaluate(RING)
        assert step_ring["style"] != "none" and step_ring["width"] >= 2, step_ring
        page.page.keyboard.press("Enter")
        wait_until(page, lambda: "steps applied 1" in widget.locator(".tv-stepper").text_content(),
                   "Enter on Step to run one backward step")
        first_step = marked(widget, "tv-highlight")
        assert first_step
        page.screenshot(widget, f"keyboard-{theme}-stepped")
        # Continue is the next Tab stop; Enter runs the pass to its end
        tab_until(page, lambda f: "tv-continue" in f["cls"].split(), most=1)
        page.page.keyboard.press("Enter")
        wait_until(page, lambda: "(done)" in widget.locator(".tv-stepper").text_content(),
                   "Enter on Continue to finish the backward pass")

        # the graph is one Tab stop, its first node until another is reached, with a ring
        tab_until(page, lambda f: f["cls"].startswith("node"))
        first = widget.locator(".tv-graph g.node").first.get_attribute("id")
        entered = focused(page)
        assert entered["id"] == first and entered["visible"], entered
        ring = page.page.evaluate(RING)
        assert ring["width"] >= 3 and ring["dash"] != "none", ring
        tabbable = widget.locator('.tv-graph g.node[tabindex="0"]').evaluate_all(
            "els => els.map(e => e.id)")
        assert tabbable == [first], tabbable

        # ArrowDown goes to a node below (x @ w1 feeds relu), ArrowUp to one above
        page.page.keyboard.press("End")
        last = focused(page)["id"]
        assert last == widget.locator(".tv-graph g.node").last.get_attribute("id")
        page.page.keyboard.press("Home")
        assert focused(page)["id"] == first
        widget.locator('.tv-graph g.node[id="n0"]').focus()   # matmul
        top = page.page.evaluate(CENTRE_Y, "n0")
        page.page.keyboard.press("ArrowDown")
        below = focused(page)
        assert below["cls"].startswith("node") and below["id"] != "n0", below
        assert page.page.evaluate(CENTRE_Y, below["id"]) > top
        label = widget.locator(f'.tv-graph g.node[id="{below["id"]}"]').get_attribute("aria-label")
        assert label.startswith("relu"), label
        page.page.keyboard.press("ArrowUp")
        assert page.page.evaluate(CENTRE_Y, focused(page)["id"]) < page.page.evaluate(
            CENTRE_Y, below["id"])
        page.page.keyboard.press("ArrowDown")
        assert focused(page)["id"] == below["id"]

        # Enter inspects it; its buttons name the op a breakpoint on it stops at
        page.page.keyboard.press("Enter")
        wait_until(page, lambda: inspector_title(widget).startswith("relu"), "Enter to inspect")
        assert marked(widget, "tv-selected") == below["id"]
        break_op = widget.locator(".tv-inspector button.tv-break_op")
        assert break_op.text_content() == "Break on every relu"
        assert 'break_on(op="relu")' in break_op.get_attribute("title")
        assert untitled() == []   # the inspector's buttons too (they had no title)
        page.screenshot(widget, f"keyboard-{theme}-inspected")

        # Tab leaves the graph at once (it went through every node); Shift+Tab comes back to
        # the node last reached
        page.page.keyboard.press("Tab")
        assert not focused(page)["cls"].startswith("node"), focused(page)
        tab_until(page, lambda f: f["cls"].startswith("node"), key="Shift+Tab", most=1)
        assert focused(page)["id"] == below["id"]

        # an alert is reached by Tab, shows the buttons' ring and Enter shows its node
        alerted = page.output(WIDGET).nth(1)
        alerted.locator(".tv-title").click()
        tab_until(page, lambda f: "tv-alert" in f["cls"].split())
        assert page.page.evaluate(RING) == step_ring   # it was the browser's, near-black
        page.page.keyboard.press("Enter")
        wait_until(page, lambda: marked(alerted, "tv-selected"), "Enter to show the alert's node")
        page.screenshot(alerted, f"keyboard-{theme}-alert")

        # a recorded run's slider: Tab reaches it, with the ring; ArrowLeft shows the step
        # before (the browser's own ring, near-black, was lost on the dark theme)
        recorded = page.output(WIDGET).nth(2)
        title = recorded.locator(".tv-title")
        wait_until(page, lambda: title.text_content().startswith("step 3 of 3"), "the last step")
        title.click()
        tab_until(page, lambda f: "tv-slider" in f["cls"].split())
        assert page.page.evaluate(RING) == step_ring
        page.page.keyboard.press("ArrowLeft")
        wait_until(page, lambda: title.text_content().startswith("step 2 of 3"),
                   "ArrowLeft on the slider to show the step before")
        page.screenshot(recorded, f"keyboard-{theme}-slider")
        check_clean(page, browser)
