"""The tape widget's alert for a NaN that came in with the data, as a person sees it in
JupyterLab's light and dark themes: it names the op that was given it, the input, the count
and first index, the notebook's own cell and line and the fix; its text reaches WCAG
contrast 4.5; a click selects and inspects that op. Where the cell's line passed the data under
its own name (`images`), the alert and the note on a node downstream say that name, not the
op's parameter (`a`), each name shown as code (the message's backticks showed raw), and
the op is placed as the inspector places it ('op 1 of the tape'). Screenshots go to
tests/browser/artifacts/ as lab-nan-entry-alert-<theme>.png and
lab-nan-entry-named-<theme>.png.
"""
import pytest

from .harness import notebook_page
from .alert_checks import check_alert_reads_and_inspects
from .test_widgets import WIDGET, check_clean, click_node, wait_until

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
        assert "in the forward pass at op 1 of the tape (Cell In[1], line 8" in text, text
        assert "its input x already held 1 NaN (of 4 values, the first at index [1, 0])" \
            in text, text
        assert alert.locator("code.tv-name").all_text_contents() == ["x"]
        assert "fix: check the data before training, ~np.isfinite(data).any()" in text, text
        check_alert_reads_and_inspects(page, browser, widget, alert, theme,
                                       fix="fix: check the data", op="multiply", node="n0",
                                       shot=f"nan-entry-alert-{theme}", cue="selected below ›")


NAMED_CELLS = [
    """
import numpy as np
import tapeviz as tf
from tapeviz.viz import TapeWidget
images = np.ones((4, 3), np.float32)
images[2, 1] = np.nan   # a missing pixel
w = tf.Variable(np.ones((3, 2), np.float32), name="w")
with tf.GradientTape(persistent=True) as tape:
    h = tf.matmul(images, w)
    loss = tf.reduce_mean(tf.tanh(h))
TapeWidget(tape)
""",
]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_data_nan_is_named_by_the_students_variable(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "named.ipynb", NAMED_CELLS, theme=theme) as page:
        widget = page.output(WIDGET).first
        alert = widget.locator(".tv-alerts .tv-alert-nan")
        wait_until(page, lambda: alert.count() == 1 and alert.is_visible(), "the NaN alert")
        assert "images (its input a) already held 1 NaN" in alert.text_content()
        assert alert.locator("code.tv-name").all_text_contents() == ["images", "a"]
        assert "`" not in alert.text_content()
        # the data's box by that name too (was: 'input')
        assert "⚠ images" in widget.locator("g.node#c0 text").all_text_contents()
        click_node(page, widget, "n1")   # tanh, downstream: it was not made there
        note = widget.locator(".tv-inspector .tv-origin")
        wait_until(page, lambda: note.count() == 1, "the upstream note")
        assert "it came from upstream: matmul was given NaN in images at Cell In[1], line 8" \
            in note.text_content(), note.text_content()
        assert note.locator("code.tv-name").all_text_contents() == ["images"]
        page.screenshot(widget, f"nan-entry-named-{theme}")
        check_clean(page, browser)
