"""Opening the inspector beside a graph leaves the graph room for all of it where it can:
notebook 03's collapsed step (its model, Adam's 25 ops as one box) fitted the pane at
1280x800 in JupyterLab, and a click on conv2d/kernel opened the inspector at 38% of the
widget: the graph, held at its smallest legible scale, lost the right of its Adam box. The
inspector opens narrower (down to a quarter of the widget) when that lets the whole graph
show at a legible scale; every box then lies whole in the pane, and the inspector's head
keeps its three buttons on one line inside it (the narrower one put 'Hide ✕' on a line of its
own), and every text of it lies inside it (the histogram's 'n=144 nan 0 inf 0' ran past its
right edge at 1024). Light and dark, at 1280x800 and 1024x700; screenshots:
tests/browser/artifacts/lab-room-<theme>-<width>-{fitted,inspected,stepped}.png."""
import pytest

from .harness import notebook_page
from .test_newcomer_notebooks import CUT_OFF_PX
from .test_walk_02 import CUT_AT_TOP
from .test_widgets import WIDGET, check_clean, inspector_title, wait_until, widget_error

CELLS = ["""
import numpy as np
import tapeviz as tf
tf.random.set_seed(0)
model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(16, [3, 3], activation='relu', input_shape=(None, None, 1)),
    tf.keras.layers.Conv2D(16, [3, 3], activation='relu'),
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(10)])
optimizer = tf.keras.optimizers.Adam()
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
images = tf.constant(np.random.default_rng(0).random((32, 8, 8, 1), np.float32))
labels = tf.constant(np.arange(32) % 10)
model(images)
%load_ext tapeviz
""", """%%tapeviz --max-nodes 40
with tf.GradientTape(persistent=True) as tape:
    tape.watch(images)
    logits = model(images, training=True)
    loss_value = loss_object(labels, logits)
grads = tape.gradient(loss_value, model.trainable_variables)
optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""]


# the inspector's buttons that reach past its right edge: their text
BUTTONS_OUT = """(side) => {
  const edge = side.getBoundingClientRect().right - parseFloat(getComputedStyle(side).paddingRight);
  return [...side.querySelectorAll(".tv-actions button")]
    .filter((b) => b.getBoundingClientRect().right > edge + 1).map((b) => b.textContent);
}"""

# the inspector head's buttons: the tops of the lines they lie on, and those reaching past the
# panel's edges
HEAD_BUTTONS = """(side) => {
  const s = side.getBoundingClientRect(), style = getComputedStyle(side);
  const [left, right] = [s.left + parseFloat(style.paddingLeft),
                         s.right - parseFloat(style.paddingRight)];
  const buttons = [...side.querySelectorAll(".tv-side-head button")].filter((b) => b.offsetWidth);
  return {
    lines: [...new Set(buttons.map((b) => Math.round(b.getBoundingClientRect().top)))].length,
    out: buttons.filter((b) => b.getBoundingClientRect().left < left - 1
                        || b.getBoundingClientRect().right > right + 1).map((b) => b.textContent),
  };
}"""

# the texts of the panel (HTML and SVG) that reach past its sides: [text, px past]
TEXTS_OUT = """(side) => {
  const s = side.getBoundingClientRect();
  return [...side.querySelectorAll("*")].filter((el) => [...el.childNodes].some(
      (n) => n.nodeType === 3 && n.textContent.trim()) && el.getClientRects().length)
    .map((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      const r = range.getBoundingClientRect();
      return [el.textContent.trim().slice(0, 30), Math.round(Math.max(s.left - r.left,
                                                                      r.right - s.right))];
    }).filter(([, px]) => px > 1);
}"""


def boxes_cut(widget) -> dict:
    return {box.locator("text").first.text_content(): box.evaluate(CUT_OFF_PX)
            for box in widget.locator(".tv-graph svg g.node").all()
            if box.evaluate(CUT_OFF_PX) != [0, 0, 0, 0]}


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width,height", [(1280, 800), (1024, 700)])
def test_the_inspector_leaves_the_graph_room_for_every_box(theme, width, height, tmp_path,
                                                           browser):
    name = f"room-{theme}-{width}"
    with notebook_page(browser, tmp_path / "room.ipynb", CELLS, theme=theme,
                       run=False) as page:
        page.page.set_viewport_size({"width": width, "height": height})
        page.run_all()
        widget = page.wait_for_output(WIDGET)
        widget.locator(".tv-graph svg g.node").first.wait_for()
        page.settle()
        page.screenshot(widget, f"{name}-fitted")
        assert widget.locator(".tv-graph svg g.node", has_text="Adam").count() == 1
        fits = width >= 1280   # at 1024 px its legible scale needs more room: "more" says so
        assert boxes_cut(widget) == {} or not fits
        kernel = widget.locator(".tv-graph svg g.node", has_text="conv2d/kernel").first
        kernel.click()
        wait_until(page, lambda: "conv2d/kernel" in inspector_title(widget), "the kernel inspected")
        page.settle()
        page.screenshot(widget, f"{name}-inspected")
        assert boxes_cut(widget) == {} or not fits
        side = widget.locator(".tv-side").bounding_box()["width"]
        assert side >= 0.25 * widget.bounding_box()["width"] - 2, side   # still readable
        assert widget.locator(".tv-side").evaluate(HEAD_BUTTONS) == {"lines": 1, "out": []}
        assert widget.locator(".tv-side").evaluate(TEXTS_OUT) == []
        # two backward steps: the loss op, its long name in a button of the narrower inspector
        # ('Break on every sparse_softmax_cross_entropy_with_logits' ran past its right edge)
        for _ in range(2):
            widget.locator("button.tv-step").click()
        wait_until(page, lambda: "sparse_softmax" in inspector_title(widget), "the loss stepped")
        page.settle()
        page.screenshot(widget, f"{name}-stepped")
        # no box cut in two by the pane's top edge (at 1024 the view, centred on the stepped
        # loss cut at the pane's left, moved the graph down and cut the variables' row by 11 px)
        assert widget.locator(".tv-graph").evaluate(CUT_AT_TOP) == []
        assert widget.locator(".tv-side").evaluate(BUTTONS_OUT) == []
        assert widget_error(widget) == ""
        check_clean(page, browser)
