"""The graph's borders as the stepping legend names them, in JupyterLab's two themes: a box no
gradient reached is drawn dashed and the dashes are seen. On the dark pane a 1px outline put
half its width on the light fill and its dashes read as the box's own edge; there it is 2px,
under the step's pink dashes (4px) still; the Dashboard's tape alike.
Screenshots: lab-borders-<theme>.png, lab-borders-dashboard-<theme>.png."""
import pytest

from .harness import notebook_page
from .test_widgets import DASHBOARD, check_clean, dashboard_state, marked, wait_until

CELLS = ["""
import tapeviz as tf
from tapeviz.viz import TapeWidget
tf.random.set_seed(0)
x = tf.random.normal([4, 3])
w1 = tf.Variable(tf.random.normal([3, 5]), name="w1")
w2 = tf.Variable(tf.random.normal([5, 1]), name="w2")
with tf.GradientTape(persistent=True) as tape:
    loss = tf.reduce_mean(tf.square(tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2)))
widget = TapeWidget(tape)
widget.step(); widget.step()
widget
"""]

# each node's outline: dashed or not (Graphviz's attribute) and its drawn width in px
_OUTLINES = """(graph) => [...graph.querySelectorAll("g.node")].map((node) => {
  // (not the selection's ring, tape.js: selectionRing, drawn under the outline)
  const shape = node.querySelector(":is(polygon, ellipse, path):not(.tv-ring)");
  return { id: node.id, dashed: shape.hasAttribute("stroke-dasharray"),
           width: parseFloat(getComputedStyle(shape).strokeWidth) };
})"""


@pytest.mark.browser
@pytest.mark.parametrize("theme, dashed_px", [("light", 1.0), ("dark", 2.0)])
def test_boxes_no_gradient_reached_show_their_dashes(theme, dashed_px, tmp_path, browser):
    with notebook_page(browser, tmp_path / "borders.ipynb", CELLS, theme=theme) as page:
        widget = page.output(".tapeviz").first
        wait_until(page, lambda: marked(widget, "tv-highlight"), "the stepped node")
        outlines = widget.locator(".tv-graph").evaluate(_OUTLINES)
        dashed = [o for o in outlines if o["dashed"] and o["id"] != marked(widget, "tv-highlight")]
        assert dashed, outlines   # two steps in: the matmuls and the variables have none yet
        assert all(o["width"] == dashed_px for o in dashed), dashed
        step = next(o for o in outlines if o["id"] == marked(widget, "tv-highlight"))
        assert step["width"] == 4.0   # the step's pink dashes stay the widest outline
        page.screenshot(widget.locator(".tv-graph"), f"borders-{theme}")
        check_clean(page, browser)


DASHBOARD_CELLS = ["""
import tapeviz as tf
from tapeviz.viz import Dashboard

def train(steps):
    w = tf.Variable(tf.ones([3]), name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.sin(w * 2.0))   # the constant 2.0: no gradient reaches it
        w.assign_sub(0.01 * tape.gradient(loss, w))

dash = Dashboard()
dash.train(train, 3)
dash
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme, dashed_px", [("light", 1.0), ("dark", 2.0)])
def test_the_dashboards_tape_shows_them_too(theme, dashed_px, tmp_path, browser):
    with notebook_page(browser, tmp_path / "borders_dash.ipynb", DASHBOARD_CELLS,
                       theme=theme) as page:
        dash = page.wait_for_output(DASHBOARD, timeout=60)
        wait_until(page, lambda: dashboard_state(dash) == "finished", "the loop finished", 60)
        tape = dash.locator(".tvd-tape")
        tape.locator("svg g.node").first.wait_for()
        dashed = [o for o in tape.evaluate(_OUTLINES) if o["dashed"]]
        assert dashed and all(o["width"] == dashed_px for o in dashed), dashed
        page.screenshot(tape, f"borders-dashboard-{theme}")
        check_clean(page, browser)
