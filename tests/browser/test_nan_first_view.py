"""A tape holding NaN, as its widget first opens in JupyterLab (both themes): the view opens
where the NaN was born, not at the top of the graph. The log that made it sits at the bottom
of a five-layer model's graph (in notebooks 03 and 04 the red nodes were out of the pane when
the widget opened): it is drawn inside the graph pane, selected, its inspector open saying it
was born there with the fix, and the NaN alert says the node is selected below, readable at
4.5:1 or more. The page itself is not scrolled to the widget (run-all leaves the notebook
where it was). The HTML export, opened offline, opens there too.
Screenshots: tests/browser/artifacts/lab-nan-first-view-<theme>.png, export-nan-first-view.png.
"""
import warnings

import pytest

from .harness import notebook_page
from .test_notebooks_browser import contrast, in_view
from .test_tape_js import open_page
from .test_widget_look import font_sizes
from .test_widgets import check_clean, inspector_title, marked, node, wait_until

MODEL = """
import numpy as np
import tapeviz as tf
tf.random.set_seed(0)
model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu") for _ in range(4)]
                            + [tf.keras.layers.Dense(10)])
x = tf.random.normal((32, 8))
labels = tf.constant(np.arange(32) % 10)
with tf.GradientTape(persistent=True) as tape:
    logits = model(x)
    log_probs = tf.math.log(logits)   # BUG: should be tf.nn.log_softmax(logits)
    loss = -tf.reduce_mean(tf.reduce_sum(tf.one_hot(labels, 10) * log_probs, axis=1))
"""
CELLS = [MODEL, "from tapeviz.viz import TapeWidget\nTapeWidget(tape, target=loss)"]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_nan_tape_opens_at_the_op_that_made_it(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "nan_first.ipynb", CELLS, theme=theme) as page:
        widget = page.output(".tapeviz").first
        alert = widget.locator(".tv-alerts .tv-alert-nan").first
        wait_until(page, lambda: alert.count() and "log" in alert.text_content(),
                   "the NaN alert")
        page.settle()   # the pane's fit, then the node shown
        widget.scroll_into_view_if_needed()
        page.screenshot(widget, f"nan-first-view-{theme}")
        origin = wait_until(page, lambda: marked(widget, "tv-selected"), "a node selected")
        assert inspector_title(widget).startswith("log"), inspector_title(widget)
        assert widget.locator(".tv-inspector").get_attribute("data-node") == origin
        assert "log" in node(widget, origin).get_attribute("aria-label")
        assert in_view(widget.locator(".tv-graph"), node(widget, origin)), \
            "the op that made the NaN lies outside the graph pane"
        assert min(font_sizes(widget)) >= 10.5, font_sizes(widget)   # at a legible size
        born = widget.locator(".tv-inspector .tv-origin .tv-alert")
        assert born.text_content().startswith("NaN born here: this op made it; the NaN alert "
                                              "above")   # the alert's message said once
        cue = alert.locator(".tv-alert-go")
        assert cue.text_content() == "selected below ›", cue.text_content()
        for part in (alert, cue):
            ratio = contrast(part)["ratio"]
            assert ratio >= 4.5, f"{part} at {ratio:.2f}:1 in the {theme} theme"
        check_clean(page, browser)


@pytest.mark.browser
def test_the_html_export_opens_there_too(tmp_path, browser):
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        exec(MODEL, namespace)
    from tapeviz.viz import TapeWidget
    widget = TapeWidget(namespace["tape"], target=namespace["loss"])
    origin = next(a["node"] for a in widget.alerts if a["kind"] == "nan")
    page = open_page(browser, "export")
    page.page.goto(widget.save(tmp_path / "nan_first.html").as_uri())
    inspector = page.page.locator(".tv-inspector")
    wait_until(page, lambda: inspector.get_attribute("data-node") == origin,
               "the export's inspector on the NaN's origin")
    page.settle()
    shown = page.page.locator(f'g.node[id="{origin}"]')
    assert "tv-selected" in shown.get_attribute("class")
    assert in_view(page.page.locator(".tv-graph"), shown)
    assert page.page.locator(".tv-alert-nan .tv-alert-go").text_content() == "selected below ›"
    page.screenshot(".tapeviz", "nan-first-view")
    check_clean(page, browser)
