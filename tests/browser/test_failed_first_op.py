"""A recording whose first op failed (a `%%tapeviz` cell's), as drawn: the toolbar's title
says which op failed, at which line, and what to do, whole and legible at 1024 px (it read
'Recorder: no steps recorded yet'); the alert below it gives the message. Drawn from the HTML
export (the widget's own drawing code, no Jupyter). Screenshot: export-first-op-failed.png."""
import pathlib

import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.errors import OpError
from tapeviz.viz.widget import TapeWidget

from .test_inspector import legible
from .test_tape_js import open_page
from .test_widgets import check_clean, wait_until

_WHOLE = "(el) => el.scrollWidth <= el.clientWidth + 1 && el.getBoundingClientRect().width > 0"


@pytest.mark.browser
def test_the_first_op_failed_title_is_drawn_whole_and_legible(tmp_path, browser):
    x = tf.ones([2, 3])
    recorder = Recorder(split="gradient")
    recorder.start()
    try:
        tf.matmul(x, x)
    except OpError as error:
        failure = error
    finally:
        recorder.stop()
    widget = TapeWidget(recorder, failure=failure, check_later=False)
    page = open_page(browser, "export")
    page.page.set_viewport_size({"width": 1024, "height": 700})
    page.page.goto(pathlib.Path(widget.save(tmp_path / "failed.html")).as_uri())
    title = page.page.locator(".tv-title")
    wait_until(page, lambda: title.text_content(), "the title")
    assert title.text_content().startswith("matmul failed at ")
    assert title.text_content().endswith(", the first op run: fix that line and run again")
    assert title.evaluate(_WHOLE) and legible(title) >= 4.5
    alert = page.page.locator(".tv-alert").first
    assert "a.shape[-1] must equal b.shape[-2]" in alert.text_content()
    assert page.page.locator('.tv-graph g.node[id="failed"]').count() == 1
    page.screenshot(".tapeviz", "first-op-failed")
    check_clean(page, browser)
