"""A live Dashboard paused and stepped op by op into a square matmul's backward pass, as a
person sees it in JupyterLab's light and dark themes: the status names the forward op the
tape draws and whose gradient the op computes ('matmul's gradient for its b (matmul)'), told
by which rule of matmul's VJP runs (both inputs are 3x3: the shapes told neither, and the
status said only "matmul's gradient (matmul)"), readable at WCAG AA contrast. Screenshots:
tests/browser/artifacts/lab-dashboard-gradient-pause-<theme>.png.
"""
import pytest

from .harness import notebook_page
from .test_notebooks_browser import contrast
from .test_widgets import DASHBOARD, check_clean, dashboard_state, wait_until

CELLS = ["""
import numpy as np
import tapeviz as tf
from tapeviz.viz import Dashboard
a = tf.Variable(np.full((3, 3), 0.5, np.float32), name="a")
b = tf.Variable(np.eye(3, dtype=np.float32), name="b")
def train(steps):
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.matmul(a, b))
        grads = tape.gradient(loss, [a, b])
        a.assign_sub(0.001 * grads[0])
        b.assign_sub(0.001 * grads[1])
dash = Dashboard()
runner = dash.train(train, 10**9)   # trains until the test stops it
dash
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_pause_inside_a_square_matmul_s_gradient_says_whose(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "gradient_pause.ipynb", CELLS, theme=theme) as page:
        dash = page.wait_for_output(DASHBOARD, timeout=60)
        dash.scroll_into_view_if_needed()
        wait_until(page, lambda: dashboard_state(dash) == "running", "the loop running")
        dash.locator("button.tvd-pause").click()
        wait_until(page, lambda: dashboard_state(dash) == "paused", "the paused state")
        status = dash.locator(".tvd-status")
        seen = [status.text_content()]
        for _ in range(60):   # Step op, each pause's words, until inside matmul's VJP
            if "matmul's gradient" in seen[-1] and "for its b" in seen[-1]:
                break
            dash.locator("button.tvd-step_op").click()
            page.page.wait_for_timeout(300)
            wait_until(page, lambda: dashboard_state(dash) == "paused", "paused again")
            seen.append(status.text_content())
        inside = [said for said in seen if "matmul's gradient" in said]
        assert inside and inside[-1] == ("paused after matmul's gradient for its b (matmul) in "
                                         "the backward pass at Cell In[1], line 10"), seen
        assert all("for its a" in said or "for its b" in said for said in inside), inside
        assert contrast(status)["ratio"] >= 4.5
        assert status.evaluate("el => el.getBoundingClientRect().right") <= \
            dash.evaluate("el => el.getBoundingClientRect().right") + 1
        page.screenshot(dash, f"dashboard-gradient-pause-{theme}")
        dash.locator("button.tvd-stop").click()
        wait_until(page, lambda: dashboard_state(dash) == "stopped", "stopped")
        check_clean(page, browser)
