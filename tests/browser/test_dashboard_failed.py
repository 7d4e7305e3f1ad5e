"""The live Dashboard when the training loop raises, as a person sees it in JupyterLab's light
and dark themes: the state says "failed", the error (the op, what was expected, what came, the
user's line) reads at WCAG AA contrast inside the dashboard's width, once (the status names
its type), the tape drawn is the failed step as far as it ran with the op that raised, said
in its title, and the loop's buttons are off (nothing is left to pause or step). Screenshots:
tests/browser/artifacts/lab-dashboard-failed-<theme>.png.
"""
import pytest

from .harness import notebook_page
from .test_notebooks_browser import contrast
from .test_widgets import DASHBOARD, check_clean, dashboard_state, wait_until

CELLS = ["""
import tapeviz as tf
from tapeviz.viz import Dashboard

def train(steps):
    w = tf.Variable(tf.ones([3, 1]), name="w")
    for step in range(steps):
        batch = tf.ones([4, 3 if step < 5 else 2])   # the sixth batch comes with 2 features
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.matmul(batch, w * 1.0))
        w.assign_sub(0.1 * tape.gradient(loss, w))

dash = Dashboard()
runner = dash.train(train, 20)
dash
""", """
try:
    await runner.wait()
except Exception as error:
    print("the loop raised", type(error).__name__)
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_failed_loop_says_so_with_the_error_readable_and_the_buttons_off(
        theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "failed.ipynb", CELLS, theme=theme) as page:
        dash = page.wait_for_output(DASHBOARD)
        wait_until(page, lambda: dashboard_state(dash) == "failed", "the failed state")
        error = dash.locator(".tvd-error")
        wait_until(page, lambda: error.is_visible(), "the error shown")
        text = error.text_content()
        assert "matmul" in text and "(4, 2)" in text and "Cell In[1], line 9" in text, text
        # readable on its tint, and wrapped inside the dashboard rather than running out of it
        for part in (error, dash.locator(".tvd-state"), dash.locator(".tvd-status")):
            ratio = contrast(part)["ratio"]
            assert ratio >= 4.5, (theme, part, ratio)
        assert error.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        # off the dashboard's edge, and whole words (JupyterLab's <pre> style had neither)
        style = error.evaluate("""el => { const s = getComputedStyle(el);
            return [parseFloat(s.paddingLeft), s.wordBreak]; }""")
        assert style[0] >= 6 and style[1] == "normal", style
        # said once: the status names the error's type, the box under it says the rest
        status = dash.locator(".tvd-status").text_content()
        assert status == "failed: ShapeError (the error below)", status
        box, outer = error.bounding_box(), dash.bounding_box()
        assert box["x"] + box["width"] <= outer["x"] + outer["width"] + 1
        # the tape is the step that failed, as far as it ran, with the op that raised outlined
        # (it was the last finished step, titled as if current)
        title = dash.locator(".tvd-tape-box .tvd-chart-title")
        wait_until(page, lambda: "failed" in title.text_content(), "the failed step's tape")
        assert title.text_content().startswith(
            "step 6, failed: its 1 op of the forward pass and the op that raised"), \
            title.text_content()
        failed = dash.locator('.tvd-tape g.node[id="failed"]')
        assert failed.count() == 1 and "matmul failed" in failed.text_content()
        assert "tvd-highlight" in failed.get_attribute("class")
        assert contrast(title)["ratio"] >= 4.5
        # nothing left to pause, step or resume
        controls = dash.locator("button.tvd-btn")
        assert controls.count() == 5
        assert all(not controls.nth(i).is_enabled() for i in range(controls.count()))
        page.screenshot(dash, f"dashboard-failed-{theme}")
        check_clean(page, browser)
