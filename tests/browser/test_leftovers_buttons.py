"""Buttons with nothing to act on are disabled, their tooltip saying why: the inspector's
"Clear its breakpoints" while no breakpoint is set (enabled once one is, disabled again once
it is cleared), and the toolbar's "↓ HTML" on a tape that recorded nothing (as "↓ SVG" was).
Before, both were enabled and did nothing."""
import pytest

from .harness import notebook_page
from .test_widgets import WIDGET, click_node, wait_until

CELLS = ["""
import tapeviz as tf
from tapeviz.viz import TapeWidget
w = tf.Variable([1.0, 2.0], name="w")
with tf.GradientTape(persistent=True) as small:
    total = tf.reduce_sum(w * w)
TapeWidget(small, target=total)
""", """
with tf.GradientTape() as empty_tape:
    tf.constant(1.0) * 2.0      # nothing watched: nothing recorded
TapeWidget(empty_tape)
"""]


@pytest.mark.browser
def test_clear_and_html_are_disabled_with_nothing_to_clear_or_export(tmp_path, browser):
    with notebook_page(browser, tmp_path / "buttons.ipynb", CELLS) as page:
        page.wait_for_output(WIDGET)
        wait_until(page, lambda: page.output(WIDGET).count() == 2, "the two widgets")
        small, empty = page.output(WIDGET).nth(0), page.output(WIDGET).nth(1)

        html = empty.locator(".tv-toolbar button.tv-html")
        assert html.is_disabled()
        assert html.get_attribute("title") == "Nothing drawn to zoom or download: nothing " \
                                              "was recorded"
        assert small.locator(".tv-toolbar button.tv-html").is_enabled()

        click_node(page, small, "n1")
        clear = small.get_by_role("button", name="Clear its breakpoints")
        wait_until(page, clear.is_visible, "the inspector's buttons")
        assert clear.is_disabled()
        assert clear.get_attribute("title").startswith("No breakpoint is set, so there is "
                                                       "none to clear")
        small.get_by_role("button", name="Break on this line").click()
        wait_until(page, clear.is_enabled, "Clear enabled once a breakpoint is set")
        assert clear.get_attribute("title") == "Remove the breakpoints that stop at this op " \
                                               "or at its line"
        clear.click()
        wait_until(page, clear.is_disabled, "Clear disabled again once it cleared them")
        page.screenshot(small, "leftovers-buttons-cleared")
