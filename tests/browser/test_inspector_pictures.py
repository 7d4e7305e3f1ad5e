"""The inspector's pictures of a conv layer (its feature maps, its filters) in JupyterLab's
light and dark themes: every tile stands apart from its neighbours and the grid from the
panel around it (image.py: 2-px separators and a frame, amber among grey tiles, dark grey
among blue-white-red ones; 1-px steel blue ones vanished among the filters' blues and on the
dark panel). Drawn at no less than their own size, so no separator is scaled away.
Screenshots: tests/browser/artifacts/lab-pictures-<theme>-<what>.png.
"""
import pytest

from .harness import notebook_page
from .test_inspector import section
from .test_widgets import WIDGET, check_clean, inspector_title, wait_until

CELLS = ["""
import numpy as np
import tapeviz as tf
from tapeviz.viz.widget import TapeWidget
images = tf.constant(np.random.default_rng(0).random((4, 8, 8, 1)), dtype=tf.float32)
layer = tf.keras.layers.Conv2D(16, 3)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(images)
    loss = tf.reduce_mean(layer(images))
widget = TapeWidget(tape, target=loss, sources=[images] + layer.trainable_variables)
widget.selected = next(i for i, n in widget.graph.nodes.items() if n.op == "conv2d")
widget
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_feature_maps_and_filters_read_as_tiles_in_both_themes(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "pictures.ipynb", CELLS, theme=theme) as page:
        widget = page.wait_for_output(WIDGET)
        wait_until(page, lambda: inspector_title(widget).startswith("conv2d"), "the conv")
        for title, what in (("Feature maps (example 0, 16 of 16 channels)", "maps"),
                            ("Weights conv2d/kernel: Filters (16 of 16, blue < 0 < red)",
                             "filters")):
            picture = section(widget, title)
            picture.locator("img[data-scale]").wait_for()   # loaded, drawn at its size
            picture.scroll_into_view_if_needed()
            drawn, natural = picture.locator("img").evaluate(
                "img => [img.getBoundingClientRect().width, img.naturalWidth]")
            assert drawn >= natural, (what, drawn, natural)
            page.screenshot(picture, f"pictures-{theme}-{what}")
        check_clean(page, browser)
