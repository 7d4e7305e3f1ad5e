"""The graph keeps its legible scale when its pane's height changes inside the pane's own
resize (panzoom.js: resizePane). The resize observer does not report a size set inside its own
call, so a view made for the pane's old height was drawn shrunk into the new one: notebook 02's
graph text read 10.7 px (its floor 11) after a node was clicked, about half the runs, the room
the widget has in Lab's panel changing as the inspector opened. Here, in the HTML export (no
Jupyter), deterministically: in one frame the inspector widens (the pane's resize, alone) and
the view the widget scrolls in gets shorter (the room sizePane reads in that resize)."""
import pathlib

import pytest

import tapeviz as tf
from tapeviz.viz.widget import TapeWidget

from .test_tape_js import open_page
from .test_widget_look import font_sizes
from .test_widgets import check_clean, wait_until

# the widget moved into a box that scrolls, as Lab's notebook panel, `height` tall
IN_A_PANEL = """(height) => {
    const root = document.querySelector(".tapeviz"), panel = document.createElement("div");
    Object.assign(panel.style, { height, overflowY: "scroll" });
    root.before(panel);
    panel.append(root);
}"""
# the inspector widened and the panel shortened in one frame; returned: the graph's smallest
# text on screen as the next frame begins, after that frame's resize observers (a skipped
# report came a frame later here, in Lab not until something else moved)
WIDER_AND_SHORTER = """async (height) => {
    document.querySelector("button.tv-side-wider").click();
    document.querySelector(".tapeviz").parentElement.style.height = height;
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const svg = document.querySelector(".tv-graph svg");
    const r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
    const scale = Math.min(r.width / vb.width, r.height / vb.height);
    return Math.min(...[...svg.querySelectorAll("text")].map(
        (t) => parseFloat(getComputedStyle(t).fontSize) * scale));
}"""


@pytest.mark.browser
def test_a_pane_shortened_in_its_own_resize_keeps_the_graph_legible(tmp_path, browser):
    x = tf.Variable(2.0, name="x")
    with tf.GradientTape(persistent=True) as tape:
        for _ in range(25):   # a graph far taller than the pane
            x = x * 1.01
    page = open_page(browser, "export-own-resize")
    page.page.set_viewport_size({"width": 1280, "height": 800})
    page.page.goto(pathlib.Path(TapeWidget(tape).save(tmp_path / "tall.html")).as_uri())
    graph = page.page.locator(".tv-graph")
    graph.locator("svg g.node").first.wait_for()
    page.page.evaluate(IN_A_PANEL, "780px")
    page.settle()
    graph.locator("g.node").nth(3).click()   # the inspector opens beside the graph
    wait_until(page, lambda: page.page.locator(".tv-inspector-title").count(), "the inspector")
    page.settle()
    box = graph.bounding_box()
    page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.page.mouse.wheel(0, 200)   # the view moved: a resize keeps its scale (keepScale)
    page.settle()
    floor, before = min(font_sizes(page.page)), graph.bounding_box()
    assert floor >= 11, floor

    first = page.page.evaluate(WIDER_AND_SHORTER, "560px")
    page.settle()
    after = graph.bounding_box()
    assert after["width"] < before["width"] - 20 and after["height"] < before["height"] - 20, (
        before, after)   # both happened: the pane narrower and shorter
    assert first >= floor - 0.05, (floor, first)
    assert min(font_sizes(page.page)) >= floor - 0.05, (floor, min(font_sizes(page.page)))
    page.screenshot(".tapeviz", "own-resize")
    check_clean(page, browser)
