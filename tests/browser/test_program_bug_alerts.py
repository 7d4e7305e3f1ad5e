"""The tape widget's alerts for bugs in how a training program is written, as a person sees
them in JupyterLab's light and dark themes: gradient ascent (an update that adds the step) on
a Recorder of a hand-written loop, and hidden units initialised identical on a tape shown
with its target. Each names the variable, the figures, the notebook's own cell and line and
the fix, on a line of its own; its text reaches WCAG contrast 4.5; a click selects and
inspects the op it names. Screenshots go to tests/browser/artifacts/ as
lab-gradient-ascent-alert-<theme>.png and lab-symmetric-init-alert-<theme>.png.
"""
import pytest

from .harness import notebook_page
from .alert_checks import check_alert_reads_and_inspects
from .test_widgets import WIDGET, wait_until

ASCENT_CELLS = [
    """
import numpy as np
import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.viz import TapeWidget
x = np.random.default_rng(0).normal(size=(32, 3)).astype(np.float32)
y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
w = tf.Variable(tf.zeros([3, 1]), name="w")
with Recorder() as rec:
    for step in range(6):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
        w.assign_add(0.05 * tape.gradient(loss, w))   # the sign error
TapeWidget(rec)
""",
]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_gradient_ascent_alert_names_the_update_the_rise_and_the_fix(theme, tmp_path,
                                                                       browser):
    with notebook_page(browser, tmp_path / "ascent.ipynb", ASCENT_CELLS, theme=theme) as page:
        widget = page.output(WIDGET).first
        alert = widget.locator(".tv-alerts .tv-alert-gradient_ascent")
        wait_until(page, lambda: alert.count() == 1 and alert.is_visible(),
                   "the gradient ascent alert")
        text = alert.text_content()
        assert text.startswith("gradient ascent: the updates move w along the gradient, "
                               "uphill (update · gradient > 0 in 6 of 6 steps)"), text
        assert "and the loss rose from " in text and " at step 1 to " in text, text
        assert "assign_add at Cell In[1], line 12: w.assign_add(0.05 * " in text, text
        # the only alert: a divergence finding's hint (a smaller rate) would not help
        assert widget.locator(".tv-alerts .tv-alert").count() == 1
        check_alert_reads_and_inspects(
            page, browser, widget, alert, theme, op="assign_add",
            fix="fix: subtract the step: w.assign_sub(learning_rate * grad)",
            shot=f"gradient-ascent-alert-{theme}")


SYMMETRIC_CELLS = [
    """
import numpy as np
import tapeviz as tf
from tapeviz.viz import TapeWidget
x = np.random.default_rng(0).normal(size=(32, 3)).astype(np.float32)
y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
w1 = tf.Variable(tf.fill((3, 8), 0.2))   # every hidden unit starts the same
w2 = tf.Variable(tf.fill((8, 1), 0.2))
with tf.GradientTape(persistent=True) as tape:
    hidden = tf.sigmoid(tf.matmul(x, w1))
    loss = tf.reduce_mean(tf.square(tf.matmul(hidden, w2) - y))
TapeWidget(tape, target=loss, sources=[w1, w2])
""",
]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_symmetric_init_alert_names_the_units_the_lines_and_the_fix(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "symmetric.ipynb", SYMMETRIC_CELLS, theme=theme) as page:
        widget = page.output(WIDGET).first
        alert = widget.locator(".tv-alerts .tv-alert-symmetric_init")
        wait_until(page, lambda: alert.count() == 1 and alert.is_visible(),
                   "the symmetric init alert")
        text = alert.text_content()
        assert text.startswith("symmetric init: the 8 units of w1 ("
                               "3x8, every weight 0.2) are identical and all 8 get the same "
                               "gradient, so they stay identical"), text
        assert "made at Cell In[1], line 6: w1 = tf.Variable(tf.fill((3, 8), 0.2))" in text, text
        assert "read by matmul at Cell In[1], line 9" in text, text
        assert widget.locator(".tv-alerts .tv-alert").count() == 1
        check_alert_reads_and_inspects(
            page, browser, widget, alert, theme, op="matmul",
            fix="fix: initialise it at random, as Keras does (glorot_uniform)",
            shot=f"symmetric-init-alert-{theme}")
