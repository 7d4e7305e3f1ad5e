"""The exported HTML follows the reader's colour scheme: on a dark preference (a dark desktop,
or the browser's setting) it takes JupyterLab Dark's colours, every text legible, and the
dashes of a box no gradient reached drawn 2px as the widget draws them in Lab's dark theme; on
a light one it stays light (it was light whatever the reader preferred).
Screenshots: export-theme-<scheme>.png.
"""
import pathlib

import pytest

import tapeviz as tf
from tapeviz.viz.widget import TapeWidget

from .test_inspector import legible
from .test_tape_js import open_page
from .test_widgets import check_clean, wait_until

_BACKGROUND = "(el) => getComputedStyle(el).backgroundColor"
_DASHED_PX = """(graph) => [...graph.querySelectorAll("g.node :is(polygon, ellipse, path)")]
  .filter((shape) => shape.hasAttribute("stroke-dasharray"))
  .map((shape) => parseFloat(getComputedStyle(shape).strokeWidth))"""


# what a saved twin's frame adds (saved.py): a dark notebook theme's colours, after the page's
_LAB_DARK = ("<style>:root { --jp-layout-color0: #111111; --jp-layout-color1: #111111; "
             "--jp-layout-color2: #424242; --jp-ui-font-color1: rgba(255, 255, 255, 0.87); "
             "--jp-ui-font-color2: rgba(255, 255, 255, 0.54); }</style></head>")


@pytest.mark.browser
@pytest.mark.parametrize("scheme, lab, background, dashed_px", [
    ("dark", "", "rgb(33, 33, 33)", 2.0), ("light", "", "rgb(255, 255, 255)", 1.0),
    ("light", _LAB_DARK, "rgb(17, 17, 17)", 2.0)], ids=["dark", "light", "lab-dark-frame"])
def test_the_export_follows_the_readers_colour_scheme(scheme, lab, background, dashed_px,
                                                      tmp_path, browser):
    """A saved twin's frame in a dark notebook, read with a light preference, is dark
    throughout: the notebook's colours win and the dark-only rules follow them."""
    w = tf.Variable([[1.0], [2.0]], name="w")
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.square(tf.matmul([[3.0, 4.0]], w)))
    widget = TapeWidget(tape, target=loss, sources=[w], check_later=False)
    widget.continue_()
    path = widget.save(tmp_path / "tape.html")
    if lab:
        path.write_text(path.read_text(encoding="utf-8").replace("</head>", lab), "utf-8")
    page = open_page(browser, "export")
    page.page.emulate_media(color_scheme=scheme)
    page.page.goto(pathlib.Path(path).as_uri())
    wait_until(page, lambda: page.page.locator(".tv-graph svg").count(), "the graph")
    root = page.page.locator(".tapeviz")
    assert root.evaluate(_BACKGROUND) == background
    for part in (".tv-title", ".tv-status", ".tv-graph-key", ".tv-hint", ".tv-fit"):
        assert legible(page.page.locator(part).first) >= 4.5, part
    assert set(page.page.locator(".tv-graph").evaluate(_DASHED_PX)) == {dashed_px}
    page.page.locator('.tv-graph g.node[id="n0"]').click()
    wait_until(page, lambda: page.page.locator(".tv-inspector-title").count(), "the inspector")
    assert legible(page.page.locator(".tv-inspector-title")) >= 4.5
    page.screenshot(".tapeviz", f"theme-{scheme}{'-lab-dark' if lab else ''}")
    check_clean(page, browser)
