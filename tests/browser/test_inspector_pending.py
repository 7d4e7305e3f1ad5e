"""A click while the kernel is busy (a cell still running): the page marks the clicked node at
once, but its inspector comes from the kernel, so until the kernel answers the inspector shown
is the node chosen before. It is dimmed and aria-busy meanwhile, so a person does not read the
old node's value as the new one's, and it comes back whole with the clicked node's inspector
once the cell ends. Screenshot: tests/browser/artifacts/lab-inspector-pending-<theme>.png.
"""
import pytest

from .harness import notebook_page
from .test_widgets import WIDGET, check_clean, marked, node, wait_until

CELLS = [
    """
import tapeviz as tf
from tapeviz.viz import TapeWidget
w = tf.Variable(2.0, name="w")
with tf.GradientTape() as tape:
    y = w * 3.0
    loss = tf.square(y)
widget = TapeWidget(tape)
widget.selected = "n0"   # multiply, inspected from the start
widget
""",
    """
import pathlib, time
deadline = time.monotonic() + 300   # (a test that failed before it said so: not for good)
while not pathlib.Path(RELEASED).exists() and time.monotonic() < deadline:
    time.sleep(0.05)   # the kernel stays busy: the page's clicks wait for it
""",
]


def _state(widget):
    return widget.locator(".tv-inspector").evaluate("""el => ({
        node: el.dataset.node, pending: el.classList.contains('tv-pending'),
        busy: el.getAttribute('aria-busy'), opacity: getComputedStyle(el).opacity})""")


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_click_while_the_kernel_is_busy_dims_the_inspector_until_it_answers(theme, tmp_path,
                                                                              browser):
    released = tmp_path / "released"
    cells = [CELLS[0], CELLS[1].replace("RELEASED", repr(str(released)))]
    with notebook_page(browser, tmp_path / "pending.ipynb", cells, theme=theme,
                       run=False) as page:
        page.run_all(wait=False)
        widget = page.output(WIDGET).first
        wait_until(page, lambda: _state(widget)["node"] == "n0", "multiply inspected")
        assert _state(widget)["pending"] is False
        node(widget, "n1").click()   # square, while the second cell runs
        assert marked(widget, "tv-selected") == "n1"
        wait_until(page, lambda: float(_state(widget)["opacity"]) < 0.5, "the dimmed inspector")
        state = _state(widget)
        assert state["node"] == "n0" and state["pending"] and state["busy"] == "true", state
        page.screenshot(widget, f"inspector-pending-{theme}")
        released.touch()   # the cell ends: the kernel answers the click
        wait_until(page, lambda: _state(widget)["node"] == "n1", "square inspected")
        state = _state(widget)
        assert not state["pending"] and state["busy"] == "false", state
        assert float(state["opacity"]) == 1.0, state
        assert "square" in widget.locator(".tv-inspector .tv-inspector-title").text_content()
        page.wait_for_run()
        check_clean(page, browser)
