"""The tape widget's alert for a NaN that came in with the data, as a person sees it in
JupyterLab's light and dark themes: it names the op that was given it, the input, the count
and first index, the notebook's own cell and line and the fix; its text reaches WCAG
contrast 4.5; a click selects and inspects that op. Screenshots go to
tests/browser/artifacts/ as lab-nan-entry-alert-<theme>.png.
"""
import pytest

from .harness import notebook_page
from .alert_checks import check_alert_reads_and_inspects
from .test_widgets import WIDGET, wait_until

DATA_NAN_CELLS = [
    """
import numpy as np
import tapeviz as tf
from tapeviz.viz import TapeWidget
data = np.array([[1.0, 2.0], [np.nan, 3.0]], dtype=np.float32)   # a missing value
w = tf.Variable(0.5, name="w")
with tf.GradientTape(persistent=True) as tape:
    x = tf.constant(data)
    h = x * w
    loss = tf.reduce_mean(tf.square(h))
TapeWidget(tape)
""",
]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_data_nan_alert_names_the_input_the_cell_line_and_the_fix(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "data_nan.ipynb", DATA_NAN_CELLS, theme=theme) as page:
        widget = page.output(WIDGET).first
        alert = widget.locator(".tv-alerts .tv-alert-nan")
        wait_until(page, lambda: alert.count() == 1 and alert.is_visible(), "the NaN alert")
        text = alert.text_content()
        assert text.startswith(
            "NaN: multiply was given nan from outside the tape (no op made it)"), text
        assert "Cell In[1], line 8" in text, text
        assert "its input `x` already held 1 NaN (of 4 values, the first at index [1, 0])" \
            in text, text
        assert "fix: check the data before training, ~np.isfinite(data).any()" in text, text
        check_alert_reads_and_inspects(page, browser, widget, alert, theme,
                                       fix="fix: check the data", op="multiply", node="n0",
                                       shot=f"nan-entry-alert-{theme}", cue="selected below ›")
