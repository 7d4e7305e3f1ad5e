"""A second Dashboard started on the variables a first still trains, as a person sees it in
JupyterLab's light and dark themes: the second says "refused" (it said "failed", as if its
own code had raised) and its error names the first
and what to do, readable at WCAG AA contrast inside its width, and charts and draws no step
(it showed the refused step's loss, norm and tape), while the first trains on, charted and
drawn (the two ran side by side silently, each chart a mix of both). Screenshots:
tests/browser/artifacts/lab-dashboard-shared-<theme>.png.
"""
import pytest

from .harness import notebook_page
from .test_notebooks_browser import contrast
from .test_widgets import DASHBOARD, check_clean, dashboard_state, wait_until

CELLS = ["""
import time
import tapeviz as tf
from tapeviz.viz import Dashboard

w = tf.Variable(3.0, name="w")
optimizer = tf.keras.optimizers.SGD(0.0001)

def train(steps):
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * w
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])

first = Dashboard()
first_runner = first.train(train, 10_000_000)
first
""", """
while first_runner.step_count < 1:
    time.sleep(0.01)
second = Dashboard()
second_runner = second.train(train, 100)
second
""", """
try:
    await second_runner.wait()
except RuntimeError as error:
    print("refused:", type(error).__name__)
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_second_dashboard_on_the_same_variables_says_why_it_stopped(theme, tmp_path,
                                                                      browser):
    with notebook_page(browser, tmp_path / "shared.ipynb", CELLS, theme=theme) as page:
        # the cell's print, not the saved twin's hidden "training refused: MisuseError ..."
        page.wait_for_output("text=/^refused: MisuseError/")
        first, second = (page.output(DASHBOARD).nth(i) for i in range(2))
        wait_until(page, lambda: dashboard_state(second) == "refused", "the second refused")
        assert dashboard_state(first) == "running"   # the first trains on
        error = second.locator(".tvd-error")
        wait_until(page, lambda: error.is_visible(), "the error shown")
        text = " ".join(error.text_content().split())
        assert "the training loop 'train' would train w, which another run of it, started " \
               "by Dashboard.train at Cell In[1], line 15 " in text, text   # the first's line
        assert "is still training (running)" in text and "Cell In[1], line 12" in text, text
        assert "stop the first (its dashboard's Stop, or runner.stop())" in text, text
        # no step of the refused call's: none counted, charted or drawn
        assert second.locator(".tvd-steps").text_content().strip().startswith("0 steps"), \
            second.locator(".tvd-steps").text_content()
        assert second.locator(".tvd-legend-item").count() == 0
        assert second.locator(".tvd-empty").all_text_contents() == ["no step taken"] * 2
        assert second.locator(".tvd-tape svg").count() == 0
        wait_until(page, lambda: first.locator(".tvd-tape svg").count() == 1, "the first's tape")
        assert first.locator(".tvd-legend-item").count() == 1
        for part in (error, second.locator(".tvd-state"), second.locator(".tvd-status")):
            assert contrast(part)["ratio"] >= 4.5, (theme, part)
        assert error.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        page.screenshot(second, f"dashboard-shared-{theme}")
        first.locator("button.tvd-btn", has_text="Stop").click()
        wait_until(page, lambda: dashboard_state(first) == "stopped", "the first stopped")
        check_clean(page, browser)
