"""A node holding NaN, inspected in JupyterLab (both themes): the inspector says, under its
buttons, that the NaN was not made there and where it was born (the op and the user's line),
readable at 4.5:1 or more; "show the node ›" selects that op, whose inspector says it was born
there, with the fix. The HTML export, opened from disk, does the same.
Screenshots: tests/browser/artifacts/lab-inspector-nan-<theme>-*.png, export-nan-note.png.
"""
import warnings

import pytest

from .harness import notebook_page
from .test_tape_js import open_page
from .test_notebooks_browser import contrast
from .test_widgets import check_clean, inspector_title, marked, wait_until

CELLS = ["""
import tapeviz as tf
from tapeviz.viz import TapeWidget
tf.random.set_seed(0)
x = tf.random.normal([4, 3])
w = tf.Variable(tf.random.normal([3, 3]), name="w")
with tf.GradientTape(persistent=True) as tape:
    log_probs = tf.math.log(tf.matmul(x, w))    # BUG: logits, not probabilities
    loss = -tf.reduce_mean(tf.reduce_sum(log_probs, axis=1))
widget = TapeWidget(tape, target=loss)
widget.selected = next(i for i, n in widget.graph.nodes.items() if n.op == "negative")
widget
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_nan_node_says_where_its_nan_was_born_and_goes_there(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "nan_note.ipynb", CELLS, theme=theme) as page:
        widget = page.output(".tapeviz").first
        note = widget.locator(".tv-inspector .tv-origin .tv-alert")
        wait_until(page, lambda: note.count() == 1, "the NaN note in the inspector")
        text = note.text_content()
        assert text.startswith("NaN not made here: it came from upstream: log made NaN at")
        assert "Cell In[1], line 7: log_probs = tf.math.log(tf.matmul(x, w))" in text
        assert "show the node ›" in text
        for part in (note.locator(".tv-alert-kind"), note, note.locator(".tv-alert-go")):
            ratio = contrast(part)["ratio"]
            assert ratio >= 4.5, f"{part} at {ratio:.2f}:1 in the {theme} theme"
        page.screenshot(widget, f"inspector-nan-{theme}-loss")

        note.click()   # "show the node": the op the NaN was born at
        wait_until(page, lambda: inspector_title(widget).startswith("log"), "log inspected")
        assert marked(widget, "tv-selected") == widget.locator(
            ".tv-inspector").get_attribute("data-node")
        born = widget.locator(".tv-inspector .tv-origin .tv-alert")
        wait_until(page, lambda: born.text_content().startswith("NaN born here: this op made "
                                                                "it"), "the born-here note")
        # the how and the fix are the banner's, said once (twice, they pushed Source off screen)
        assert born.text_content() == ("NaN born here: this op made it; the NaN alert above "
                                       "says how, and the fix")
        banner = widget.locator(".tv-alerts .tv-alert-nan").first
        assert "fix: log is defined for x > 0" in banner.locator(".tv-alert-fix").text_content()
        assert born.locator(".tv-alert-go").count() == 0   # nowhere else to go
        page.screenshot(widget, f"inspector-nan-{theme}-origin")
        check_clean(page, browser)


@pytest.mark.browser
def test_the_html_export_says_it_too_and_goes_there(tmp_path, browser):
    import tapeviz as tf
    from tapeviz.viz import TapeWidget
    tf.random.set_seed(0)
    x = tf.random.normal([4, 3])
    w = tf.Variable(tf.random.normal([3, 3]), name="w")
    with warnings.catch_warnings(), tf.GradientTape(persistent=True) as tape:
        warnings.simplefilter("ignore", RuntimeWarning)
        loss = -tf.reduce_mean(tf.reduce_sum(tf.math.log(tf.matmul(x, w)), axis=1))
    widget = TapeWidget(tape, target=loss)
    loss_id = next(i for i, n in widget.graph.nodes.items() if n.op == "negative")
    page = open_page(browser, "export")
    page.page.goto(widget.save(tmp_path / "nan.html").as_uri())
    page.page.locator(f'g.node[id="{loss_id}"]').click()
    note = page.page.locator(".tv-inspector .tv-origin .tv-alert")
    wait_until(page, lambda: note.count() == 1, "the NaN note in the export's inspector")
    assert note.text_content().startswith("NaN not made here: it came from upstream: log")
    note.click()
    wait_until(page, lambda: page.page.locator(".tv-inspector-title").text_content()
               .startswith("log"), "log inspected in the export")
    assert page.page.locator(".tv-origin .tv-alert").text_content().startswith("NaN born here")
    page.screenshot(".tapeviz", "nan-note")
    check_clean(page, browser)
