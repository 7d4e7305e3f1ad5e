"""A second Dashboard started on the variables a first still trains, as a person sees it in
JupyterLab's light and dark themes: the second says "refused" (it said "failed", as if its
own code had raised) and its error names the first
and what to do, readable at WCAG AA contrast inside its width, and charts and draws no step
(it showed the refused step's loss, norm and tape), while the first trains on, charted and
drawn (the two ran side by side silently, each chart a mix of both). Screenshots:
tests/browser/artifacts/lab-dashboard-shared-<theme>.png.

Every look at what the views draw is polled for it without blocking (text_content() waits
30 s for an element that is absent, inside a poll that then never polls again), both views
counted before either is read (nth(1) is the second view only once both are drawn), and a
view that does not draw is reported with the page's errors.
"""
import pytest

from .harness import notebook_page
from .test_notebooks_browser import contrast
from .test_widgets import DASHBOARD, check_clean, wait_until

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


def state_of(dash):
    """The state a dashboard view shows, or None before it is drawn (no waiting)."""
    shown = dash.locator(".tvd-state").all_text_contents()
    return shown[0].strip() if shown else None


def drawn(page, predicate, what):
    """wait_until `predicate`; a timeout names the page's errors (a view that failed to
    draw waits for nothing else)."""
    try:
        wait_until(page, predicate, what)
    except AssertionError as timeout:
        raise AssertionError(f"{timeout}; the page's errors: {page.errors}") from None


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_second_dashboard_on_the_same_variables_says_why_it_stopped(theme, tmp_path,
                                                                      browser):
    with notebook_page(browser, tmp_path / "shared.ipynb", CELLS, theme=theme) as page:
        # the cell's print, not the saved twin's hidden "training refused: MisuseError ..."
        page.wait_for_output("text=/^refused: MisuseError/")
        dashboards = page.output(DASHBOARD)
        first, second = dashboards.nth(0), dashboards.nth(1)
        drawn(page, lambda: dashboards.count() == 2 and state_of(second) == "refused",
              "both dashboards drawn, the second refused")
        # the first trains on (polled: its view hears the state a batch of updates later,
        # which under load came after the second's refusal: 'idle' in one CI run)
        drawn(page, lambda: state_of(first) == "running", "the first shown running")
        error = second.locator(".tvd-error")
        drawn(page, lambda: error.is_visible(), "the error shown")
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
        drawn(page, lambda: first.locator(".tvd-tape svg").count() == 1
              and first.locator(".tvd-legend-item").count() == 1, "the first's tape and legend")
        for part in (error, second.locator(".tvd-state"), second.locator(".tvd-status")):
            assert contrast(part)["ratio"] >= 4.5, (theme, part)
        assert error.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        page.screenshot(second, f"dashboard-shared-{theme}")
        first.locator("button.tvd-btn", has_text="Stop").click()
        drawn(page, lambda: state_of(first) == "stopped", "the first stopped")
        check_clean(page, browser)
