"""Your code, named as you see it, in JupyterLab: a %%tapeviz cell's ops read `Cell In[n],
line 1` (n as its prompt shows) in the inspector, on one line; when the cell fails, the op
that raised is drawn red after the ops that ran, its alert naming the cell and line."""
import pytest

from .harness import notebook_page
from .test_widgets import (WIDGET, check_clean, click_node, inspector_title, node, wait_until)

CELLS = [
    """
%load_ext tapeviz
import tapeviz as tf
x = tf.Variable([[1.0, 2.0]], name="x")
""",
    """
%%tapeviz
h = tf.matmul(x, tf.ones([2, 3]))
bad = tf.matmul(h, tf.ones([2, 2]))
""",
]


@pytest.mark.browser
def test_a_failed_cell_in_jupyterlab_names_the_cell_and_draws_the_failed_op(
        tmp_path, browser):
    with notebook_page(browser, tmp_path / "cell_locations.ipynb", CELLS, run=False) as page:
        errors = page.run_all(check=False)
        assert len(errors) == 1 and "matmul" in errors[0]          # the cell failed, as it should
        widget = page.output(WIDGET).first
        node(widget, "failed").wait_for()
        count = page.page.locator(".jp-InputPrompt").nth(1).text_content().strip("[]: ")
        assert count.isdigit()                                      # the cell's In[n], as shown
        alert = widget.locator(".tv-alert-error")
        assert alert.text_content().startswith(
            f"error: matmul failed at Cell In[{count}], line 2: ")

        click_node(page, widget, "n0")
        wait_until(page, lambda: "matmul" in inspector_title(widget), "the inspector")
        location = widget.locator(".tv-inspector .tv-loc").first
        assert location.text_content() == f"Cell In[{count}], line 1"
        lines = location.evaluate("el => new Set([...el.getClientRects()].map(r => r.top)).size")
        assert lines == 1
        page.screenshot(widget, "cell-location")

        click_node(page, widget, "failed")
        wait_until(page, lambda: inspector_title(widget).startswith("matmul failed"),
                   "the failed op's inspector")
        assert "float32[1, 3]" in widget.locator(".tv-inspector").text_content()
        page.screenshot(widget, "cell-failed-op")
        check_clean(page, browser)
