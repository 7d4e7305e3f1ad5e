"""The exported HTML of a recorded step says what its borders mean, as the widget does: its
gradients are violet borders and the boxes none reached are dashed, with the key under the
toolbar (the page had the borders and no key). A tape with no gradients has no key.
Screenshot: tests/browser/artifacts/export-borders-key.png.
"""
import pathlib

import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.viz.widget import TapeWidget

from .test_inspector import legible
from .test_tape_js import open_page
from .test_widgets import check_clean, wait_until


def _opened(browser, path):
    page = open_page(browser, "export")
    page.page.goto(pathlib.Path(path).as_uri())
    wait_until(page, lambda: page.page.locator(".tv-graph svg").count(), "the graph")
    return page


@pytest.mark.browser
def test_exported_recorded_step_says_what_its_borders_mean(tmp_path, browser):
    w = tf.Variable([1.0, 2.0], name="w")
    with Recorder() as rec:
        for _ in range(2):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * tf.constant([3.0, 4.0]))
            w.assign_sub(0.1 * tape.gradient(loss, w))
    page = _opened(browser, TapeWidget(rec, check_later=False).save(tmp_path / "step.html"))
    key = page.page.locator(".tv-graph-key")
    assert key.is_visible()
    assert key.text_content() == "violet border: gradient, thicker = larger · dashed: none " \
                                 "reached it"
    assert legible(key) >= 4.5
    page.screenshot(".tapeviz", "borders-key")
    check_clean(page, browser)

    with tf.GradientTape(persistent=True) as plain:
        tf.reduce_sum(w * 2.0)
    page = _opened(browser, TapeWidget(plain, check_later=False).save(tmp_path / "plain.html"))
    assert not page.page.locator(".tv-graph-key").is_visible()
    check_clean(page, browser)


@pytest.mark.browser
@pytest.mark.parametrize("steps, said", [
    (2, "dashed: none yet (saved 2 backward steps in; the pass was not finished)"),
    (None, "dashed: none reached it")])
def test_an_export_saved_mid_backward_says_its_dashed_boxes_have_none_yet(steps, said, tmp_path,
                                                                           browser):
    """Saved two Steps into the backward pass, the export's key said 'dashed: none reached
    it' of boxes the pass had not reached yet (notebook 01's eager_basics.html); finished
    (Continue), it still says none reached them."""
    w = tf.Variable([[1.0], [2.0]], name="w")
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.square(tf.matmul([[3.0, 4.0]], w)))
    widget = TapeWidget(tape, target=loss, sources=[w], check_later=False)
    for _ in range(steps or 0):
        widget.step()
    if steps is None:
        widget.continue_()
    page = _opened(browser, widget.save(tmp_path / "stepped.html"))
    key = page.page.locator(".tv-graph-key")
    assert key.text_content() == f"violet border: gradient, thicker = larger · {said}"
    assert legible(key) >= 4.5
    page.screenshot(".tapeviz", f"borders-key-{'midway' if steps else 'done'}")
    check_clean(page, browser)
