"""The TapeWidget's inspector in the exported HTML opened from disk: the graph opens fitted to
its settled pane and Fit brings a zoomed graph back to that view, an alert click selects and
inspects its node, the inspector hides and comes back, and its handle takes the arrow keys.
Screenshots go to the artifacts as export-<what>.png.
"""
import pathlib

import pytest

import tapeviz as tf
from tapeviz.viz.widget import TapeWidget

from .test_inspector import box
from .test_tape_js import open_page, view_box
from .test_widgets import check_clean, marked, node, wait_until


def frames(page, count=2):
    """Wait for the page to render `count` frames: layout settles and resize observers run."""
    page.page.evaluate("""(count) => new Promise((done) => {
      const next = (left) => (left ? requestAnimationFrame(() => next(left - 1)) : done());
      next(count);
    })""", count)


# every viewBox the page gives its graph, in order, from the first (an init script)
_VIEW_BOXES = """window.tvViewBoxes = [];
new MutationObserver((changes) => {
  for (const c of changes) window.tvViewBoxes.push(c.target.getAttribute("viewBox"));
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["viewBox"] });"""


@pytest.mark.browser
def test_exported_html_fits_jumps_from_alerts_and_hides_the_inspector(tmp_path, browser):
    v = tf.Variable([1.0, -1.0], name="v")
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.log(v) * 2.0)
    widget = TapeWidget(tape, target=y, sources=[v])
    path = widget.save(tmp_path / "nan.html")
    page = open_page(browser, "export")
    page.page.add_init_script(_VIEW_BOXES)
    page.page.goto(pathlib.Path(path).as_uri())
    wait_until(page, lambda: page.page.locator(".tv-title").text_content(), "the title")
    graph = page.page.locator(".tv-graph")

    # it opens fitted to the pane the side panel leaves (its first view is the one it keeps
    # once the layout has settled, not a wider one refitted a frame later); Fit brings a
    # zoomed graph back to that view
    frames(page)
    fitted = view_box(page)
    assert set(page.page.evaluate("window.tvViewBoxes")) == {fitted}
    page.page.locator("button.tv-zoom-in").click()
    page.page.locator("button.tv-zoom-in").click()
    assert view_box(page) != fitted
    page.page.locator("button.tv-fit").click()
    assert view_box(page) == fitted

    # it opens at the NaN's origin, selected (the widget's first view); another node chosen,
    # the alert jumps back to it: selected and inspected, with the note a saved page needs
    alert = page.page.locator(".tv-alerts .tv-alert-nan")
    assert "log" in alert.text_content() and marked(page.page, "tv-selected") == "n0"
    assert alert.locator(".tv-alert-kind").text_content() == "NaN: "   # what log(-1) made
    assert alert.locator(".tv-alert-fix").text_content().startswith("fix: log is defined for x > 0")
    node(page.page, "n1").click()
    assert marked(page.page, "tv-selected") == "n1"
    assert alert.locator(".tv-alert-go").text_content() == "show the node ›"
    alert.click()
    assert marked(page.page, "tv-selected") == "n0"
    assert page.page.locator(".tv-inspector").get_attribute("data-node") == "n0"
    assert page.page.locator(".tv-inspector-title").text_content().startswith("log")
    note = page.page.locator(".tv-inspector .tv-section", has=page.page.locator(
        '.tv-section-title:text-is("Gradient")'))
    assert note.text_content().endswith("not computed yet when this page was saved")
    page.screenshot(".tapeviz", "alert")

    # the inspector hides and the graph takes the room; the toolbar button brings it back
    before = box(graph)["width"]
    page.page.locator("button.tv-side-hide").click()
    assert box(graph)["width"] > before + 200
    page.screenshot(".tapeviz", "hidden")
    node(page.page, "n1").click()   # a node clicked while it is hidden brings it back
    assert page.page.locator(".tv-side").is_visible()
    assert page.page.locator(".tv-inspector-title").text_content().startswith("multiply")
    page.page.locator("button.tv-side-hide").click()
    page.page.locator("button.tv-side-show").click()
    assert page.page.locator(".tv-side").is_visible()
    # the handle between graph and inspector takes the arrow keys too, and says its width
    side = page.page.locator(".tv-side")
    narrow = box(side)["width"]
    handle = page.page.locator(".tv-handle")
    assert handle.get_attribute("role") == "separator"
    handle.focus()
    page.page.keyboard.press("ArrowLeft")
    page.page.keyboard.press("ArrowLeft")
    assert box(side)["width"] > narrow + 50
    assert int(handle.get_attribute("aria-valuenow")) == 46
    node(page.page, "n1").click()
    assert page.page.locator(".tv-inspector-title").text_content().startswith("multiply")
    check_clean(page, browser)
    del y
