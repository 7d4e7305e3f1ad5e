"""The tape widget's first view in a kernel, before its values are checked, as a person sees it
in JupyterLab's light and dark themes: boxes faded and a note while the cell runs, every label
still at WCAG contrast 4.5; the NaN/Inf marks and alerts once it returns. Screenshots go to
tests/browser/artifacts/ as lab-tape-first-view-<theme>-<checking|checked>.png.
"""
import pytest

from .harness import notebook_page
from .test_widget_look import NODE_LABELS, contrasts
from .test_widgets import WIDGET, check_clean, wait_until


def first_view_cells(seen):
    """The cell: a tape whose first view stays unchecked until the test has looked at it,
    which it says by creating the file `seen` (a fixed sleep was the test's budget for its
    checks and screenshot: on a loaded machine they outlasted it and met the checked view)."""
    return [FIRST_VIEW_CELL.replace("SEEN", repr(str(seen)))]


FIRST_VIEW_CELL = """
import pathlib
import time
import tapeviz as tf
from IPython.display import display
from tapeviz.viz.widget import TapeWidget
x = tf.Variable([1.0, 0.5], name="x")
with tf.GradientTape(persistent=True) as tape:
    h = x
    for block in range(400):
        with tf.name_scope(f"block{block}"):
            h = tf.tanh(h * 0.9)
    loss = tf.reduce_sum(tf.math.log(h * 0.0))
display(TapeWidget(tape))
deadline = time.monotonic() + 300   # (a test that failed before it said so: not for good)
while not pathlib.Path(SEEN).exists() and time.monotonic() < deadline:
    time.sleep(0.05)   # the cell still runs: the first view is on screen, its values unchecked
"""


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_first_view_is_marked_unchecked_until_the_cell_returns(theme, tmp_path, browser):
    """In a kernel the first view goes out before its values are checked (widget.py): every
    box is drawn as unchecked and a note says so while the cell runs; once it returns, the
    NaN/Inf marks and the alerts arrive and the note goes."""
    seen = tmp_path / "first_view_seen"
    with notebook_page(browser, tmp_path / "first_view.ipynb", first_view_cells(seen),
                       theme=theme, run=False) as page:
        _check_first_view(page, browser, theme, seen)


def _check_first_view(page, browser, theme, seen) -> None:
    page.run_all(wait=False)
    widget = page.output(WIDGET).first
    widget.locator(".tv-graph svg g.node").first.wait_for()
    note = widget.locator(".tv-checking-note")
    assert "not yet checked for NaN/Inf" in note.text_content()
    assert "until the cell finishes" in note.text_content()
    assert widget.evaluate("el => el.classList.contains('tv-checking')")
    box = widget.locator(".tv-graph svg g.node").first
    faded = box.locator("polygon, path, ellipse").first.evaluate(
        "el => getComputedStyle(el).opacity")
    assert float(faded) < 1
    # the label is read at its full colour: nothing above it fades it
    label_opacity = box.locator("text").first.evaluate(
        "el => { let o = 1; for (let n = el; n && n.nodeType === 1; n = n.parentNode)"
        " o *= Number(getComputedStyle(n).opacity); return o; }")
    assert float(label_opacity) == 1
    assert widget.locator(".tv-graph svg g.node.nonfinite").count() == 0   # not yet looked at
    assert widget.locator(".tv-alerts .tv-alert").count() == 0
    # faded boxes still read: every label against its faded fill over the pane (a constant's
    # grey label read at 2.5:1 in the dark theme, its box faded to mid grey)
    ratios = contrasts(widget, NODE_LABELS)
    assert ratios and min(ratios) >= 4.5, (theme, sorted(ratios)[:3])
    page.screenshot(widget, f"tape-first-view-{theme}-checking")
    seen.touch()   # the cell may return now
    page.wait_for_run()
    wait_until(page, lambda: widget.locator(".tv-alerts .tv-alert-nan").count() > 0,
               "the NaN alert after the checks")
    wait_until(page, lambda: not widget.evaluate("el => el.classList.contains('tv-checking')"),
               "the unchecked marking to go")
    assert note.text_content() == ""
    assert widget.locator(".tv-graph svg g.node.nonfinite").count() > 0
    page.screenshot(widget, f"tape-first-view-{theme}-checked")
    check_clean(page, browser)
