"""A cell that failed, as a person sees it: the ops that ran and, after them, the op that
raised, red, wired to what fed it, with an alert that says the op, the line and the message
and opens its inspector. Drawn by the saved page of the widget, opened from disk."""
import pathlib

import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.viz.widget import TapeWidget

from .harness import NotebookPage
from .test_widgets import check_clean, wait_until


@pytest.mark.browser
def test_the_failed_op_is_drawn_red_after_the_ops_that_ran(tmp_path, browser):
    x, w = tf.constant([[1.0, 2.0]]), tf.Variable([[1.0], [2.0]], name="w")
    recorder = Recorder().start()
    try:
        h = tf.matmul(x, w)
        tf.matmul(h, tf.ones([3, 4]))           # (1, 1) @ (3, 4): the shapes clash
    except tf.errors.InvalidArgumentError as error:
        failure = error
    finally:
        recorder.stop()
    path = TapeWidget(recorder, failure=failure).save(tmp_path / "failed.html")
    page = NotebookPage(browser.context.new_page(), "failed-cell")
    browser.pages.append(page)
    page.page.goto(pathlib.Path(path).as_uri())
    wait_until(page, lambda: page.page.locator(".tv-title").text_content(), "the title")

    failed = page.page.locator('.tv-graph g.node[id="failed"]')
    # the graph names the inputs as the message does, with what the line passed for each
    assert failed.locator("text").all_text_contents() == [
        "✗ matmul failed", "a = h: (1, 1)", "b = tf.ones([3, 4]): (3, 4)"]
    assert failed.locator("path, polygon").first.get_attribute("fill") == "#ffd6d6"   # red
    alert = page.page.locator(".tv-alert-error")
    assert alert.text_content().startswith("error: matmul failed at ")
    assert "a.shape[-1] must equal b.shape[-2]; got (1, 1) @ (3, 4)" in alert.text_content()
    assert "test_failed_cell.py:" in alert.text_content()
    alert.click()
    wait_until(page, lambda: page.page.locator(".tv-inspector-title").count(), "the inspector")
    assert page.page.locator(".tv-inspector-title").text_content().startswith(
        "matmul failed: ShapeError")
    inspector = page.page.locator(".tv-inspector").text_content()
    assert "tf.matmul(h, tf.ones([3, 4]))" in inspector and "float32[3, 4]" in inspector
    rows = page.page.locator(".tv-inspector table tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert [["input", "value"], ["a = h", "float32[1, 1]"],
            ["b = tf.ones([3, 4])", "float32[3, 4]"]] == rows[-3:], rows
    page.screenshot(".tapeviz", "failed-op")
    check_clean(page, browser)
