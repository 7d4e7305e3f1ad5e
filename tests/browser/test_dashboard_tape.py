"""The Dashboard's tape as a person sees it: a wide step (thirty parallel branches) is drawn
at its own size, its labels as legible as the tape widget's (11 px or more), and scrolls
sideways in its pane, instead of being shrunk to the pane's width until no label can be read.
Screenshot: tests/browser/artifacts/lab-dashboard-wide-tape.png.
"""
import pytest

from .harness import notebook_page
from .test_widgets import DASHBOARD, check_clean, dashboard_state, wait_until

WIDE_CELLS = ["""
import tapeviz as tf
from tapeviz.viz import Dashboard

def branches(steps):
    w = tf.Variable(tf.ones([3]), name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.stack([tf.reduce_sum(tf.sin(w * float(i)))
                                           for i in range(30)]))
        w.assign_sub(0.01 * tape.gradient(loss, w))

dash = Dashboard(max_nodes=200)
dash.train(branches, 5)
dash
"""]


@pytest.mark.browser
def test_a_wide_step_scrolls_sideways_at_a_legible_size(tmp_path, browser):
    with notebook_page(browser, tmp_path / "wide_tape.ipynb", WIDE_CELLS) as page:
        dash = page.wait_for_output(DASHBOARD, timeout=60)
        wait_until(page, lambda: dashboard_state(dash) == "finished", "the loop finished", 60)
        tape = dash.locator(".tvd-tape")
        tape.locator("svg g.node").first.wait_for()
        heights = tape.locator("svg text").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().height)")
        assert heights and min(heights) >= 11, sorted(heights)[:3]
        width, shown = tape.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert width > shown, (width, shown)              # wider than its pane: it scrolls
        tape.scroll_into_view_if_needed()
        page.screenshot(dash, "dashboard-wide-tape")
        check_clean(page, browser)
