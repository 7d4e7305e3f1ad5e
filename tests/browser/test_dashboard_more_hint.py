"""The Dashboard's tape pane, cut by its size, says so as the tape widget's graph pane does
("more: drag or scroll", placed where it covers no node), and a drag scrolls it; a step that
fits says nothing. Notebook 03's dashboard at a 1280x800 window ended its tape mid-graph with
no word that more lay below. Screenshot: tests/browser/artifacts/lab-dashboard-more-hint.png.
"""
import pytest

from .harness import notebook_page
from .test_dashboard_tape import WIDE_CELLS
from .test_widgets import DASHBOARD, check_clean, dashboard_state, wait_until

SMALL_CELLS = ["""
import tapeviz as tf
from tapeviz.viz import Dashboard

def train(steps):
    w = tf.Variable(2.0, name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * w
        w.assign_sub(0.1 * tape.gradient(loss, w))

dash = Dashboard()
dash.train(train, 3)
dash
"""]

# px of the hint's box over any node of the tape: 0 when it sits clear of them
COVERED = """(hint) => {
  const r = hint.getBoundingClientRect();
  return [...hint.parentNode.querySelectorAll("g.node")].map((n) => n.getBoundingClientRect())
    .reduce((sum, q) => sum + Math.max(0, Math.min(r.right, q.right) - Math.max(r.left, q.left))
      * Math.max(0, Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top)), 0);
}"""


def finished_tape(page):
    dash = page.wait_for_output(DASHBOARD, timeout=60)
    wait_until(page, lambda: dashboard_state(dash) == "finished", "the loop finished", 60)
    dash.locator(".tvd-tape svg g.node").first.wait_for()
    dash.scroll_into_view_if_needed()
    page.settle()
    return dash


@pytest.mark.browser
def test_a_cut_tape_says_more_and_scrolls_when_dragged(tmp_path, browser):
    with notebook_page(browser, tmp_path / "wide_tape.ipynb", WIDE_CELLS) as page:
        dash = finished_tape(page)
        tape, hint = dash.locator(".tvd-tape"), dash.locator(".tvd-tape-frame > .tv-more")
        wait_until(page, lambda: hint.count() == 1 and hint.is_visible(), "the 'more' hint")
        assert hint.text_content() == "more: drag or scroll"
        assert hint.evaluate(COVERED) == 0
        box = tape.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        before = tape.evaluate("el => el.scrollLeft")
        page.page.mouse.move(x, y)
        page.page.mouse.down()
        page.page.mouse.move(x - 200, y, steps=5)
        page.page.mouse.up()
        assert tape.evaluate("el => el.scrollLeft") >= before + 150   # dragged left: it scrolled
        assert hint.is_visible()   # on the frame: it stays in the pane as the tape scrolls
        page.screenshot(dash, "dashboard-more-hint")
        check_clean(page, browser)


@pytest.mark.browser
def test_a_tape_that_fits_says_no_more(tmp_path, browser):
    with notebook_page(browser, tmp_path / "small_tape.ipynb", SMALL_CELLS) as page:
        dash = finished_tape(page)
        page.page.wait_for_timeout(300)   # the hint is placed a frame after the draw
        assert dash.locator(".tv-more").count() == 0
        check_clean(page, browser)
