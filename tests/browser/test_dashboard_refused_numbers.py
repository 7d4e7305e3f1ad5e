"""Two of the Dashboard's words as a person sees them in JupyterLab, light and dark, at 1280x800:

- the status line writes the last loss as the loss chart's label writes it (it said
  'last loss 0.97733' beside the chart's 0.9773): one format for one value;
- a second dashboard on a loop one already drives is refused before its first step: its badge
  said 'failed'; it says 'refused', and the status line says why, readable in both themes.

Screenshots: tests/browser/artifacts/lab-dashboard-refused-<theme>.png.
"""
import pytest

from .harness import notebook_page
from .test_newcomer_notebooks import WINDOW
from .test_notebooks_browser import contrast
from .test_widgets import DASHBOARD, check_clean, dashboard_state, wait_until

CELLS = ["""
import threading
import tapeviz as tf
from tapeviz.viz import Dashboard

w = tf.Variable(0.97733, name="w")
first_step = threading.Event()

def train(steps):
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * 1.0           # 0.97733 each step: five digits where the chart shows four
        tape.gradient(loss, w)
        first_step.set()

first = Dashboard()
runner = first.train(train, 10**9)
first
""", """
first_step.wait(30)
second = Dashboard()
refused = second.train(train, 50)
second
""", """
try:
    await refused.wait()
except Exception as error:
    print("refused:", type(error).__name__)
runner.stop()
await runner.wait()
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_refused_dashboard_says_refused_and_numbers_read_alike(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "refused.ipynb", CELLS, theme=theme,
                       run=False) as page:
        page.page.set_viewport_size(WINDOW)
        page.run_all()
        first, second = page.output(DASHBOARD).nth(0), page.output(DASHBOARD).nth(1)
        wait_until(page, lambda: dashboard_state(second) in ("failed", "refused"), "its end")
        page.settle()
        page.screenshot(second, f"dashboard-refused-{theme}")
        assert dashboard_state(second) == "refused"
        status = second.locator(".tvd-status").text_content()
        assert status.startswith("refused: another run of it still trains w"), status
        for part in (second.locator(".tvd-state"), second.locator(".tvd-status")):
            assert contrast(part)["ratio"] >= 4.5, (theme, part)
        assert "training refused: MisuseError" in second.locator(".tvd-error").text_content()
        # the first, stopped: its status and its loss chart's label write one number alike
        wait_until(page, lambda: dashboard_state(first) == "stopped", "the first stopped")
        label = first.locator(".tvd-chart svg text.tvd-last").first
        wait_until(page, lambda: label.count() == 1, "the loss chart's label")
        said = first.locator(".tvd-status").text_content()
        page.screenshot(first, f"dashboard-numbers-{theme}")
        assert said == f"last loss {label.text_content()}" == "last loss 0.9773", \
            (said, label.text_content())
        check_clean(page, browser)
