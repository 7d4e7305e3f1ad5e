"""A caught layer argument check as a person sees it in JupyterLab at 1280x800, light and
dark: the red 'raised, caught' node has its inputs drawn, the image the layer was given wired
into it, as a caught op's error is drawn (it stood alone: what came in was nowhere).
Screenshots: tests/browser/artifacts/lab-caught-check-<theme>.png."""
import pytest

from .harness import notebook_page
from .test_newcomer_notebooks import WINDOW
from .test_widgets import WIDGET, check_clean, widget_error

CELLS = ["""
import numpy as np
import tapeviz as tf
from tapeviz.viz.widget import TapeWidget

model = tf.keras.Sequential([tf.keras.layers.Conv2D(2, 3), tf.keras.layers.Flatten(),
                             tf.keras.layers.Dense(2)])
images = tf.constant(np.ones((2, 5, 5, 1), np.float32))
model(images)
with tf.GradientTape() as tape:
    try:
        model.layers[0](images[0])          # one image, no batch axis
    except ValueError as error:
        print("skipped:", type(error).__name__)
    loss = tf.reduce_sum(model(images))
TapeWidget(tape)
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_caught_layer_check_is_drawn_with_its_input(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "caught.ipynb", CELLS, theme=theme,
                       run=False) as page:
        page.page.set_viewport_size(WINDOW)
        page.run_all()
        widget = page.wait_for_output(WIDGET)
        failed = widget.locator('.tv-graph svg g.node[id="failed"]')
        failed.wait_for()
        page.settle()
        page.screenshot(widget, f"caught-check-{theme}")
        assert "raised, caught" in failed.text_content()
        assert "inputs: (5, 5, 1)" in failed.text_content(), failed.text_content()
        edges = widget.locator(".tv-graph svg g.edge title").all_text_contents()
        assert [e for e in edges if e.endswith("->failed")], edges
        assert widget_error(widget) == ""
        check_clean(page, browser)
