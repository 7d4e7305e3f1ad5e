"""Every control of the Dashboard says what it does when pointed at, as the tape widget's do:
its buttons did, but the loss chart's 'log scale' box and the gradient-norm legend's names
(click one to pick out its line) said nothing (notebook 03's dashboard in Lab at 1440x900).
A legend name's tooltip follows its state. Screenshot:
tests/browser/artifacts/lab-dashboard-tooltips.png."""
import pytest

from .harness import notebook_page
from .test_dashboard_more_hint import finished_tape
from .test_widgets import check_clean, wait_until

CELLS = ["""
import tapeviz as tf
from tapeviz.viz import Dashboard

def train(steps):
    w, b = tf.Variable(2.0, name="w"), tf.Variable(1.0, name="b")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * w + b * b
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(0.1 * dw)
        b.assign_sub(0.1 * db)

dash = Dashboard()
dash.train(train, 3)
dash
"""]

# the visible controls with no tooltip of their own nor of a box around them (a label)
UNTITLED = """(root) => [...root.querySelectorAll("button, input, select, [role=button]")]
  .filter((c) => c.getClientRects().length && !c.closest("[title]"))
  .map((c) => c.textContent.trim() || c.type)"""


@pytest.mark.browser
def test_every_dashboard_control_has_a_tooltip(tmp_path, browser):
    with notebook_page(browser, tmp_path / "tips.ipynb", CELLS) as page:
        dash = finished_tape(page)
        legend = dash.locator(".tvd-legend-item")
        wait_until(page, lambda: legend.count() == 2, "the legend's two names")
        page.screenshot(dash, "dashboard-tooltips")
        assert dash.evaluate(UNTITLED) == []
        w = legend.filter(has_text="w").first
        assert w.get_attribute("title").startswith("Pick out w's line")
        w.click()
        wait_until(page, lambda: legend.filter(has_text="w").first.get_attribute("aria-pressed")
                   == "true", "w picked out")
        assert legend.filter(has_text="w").first.get_attribute("title") == \
            "Show every line again"
        check_clean(page, browser)
