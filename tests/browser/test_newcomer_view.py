"""The tape widget's first view as a newcomer meets it, in JupyterLab's light and dark themes.

A tape with three long alerts (NaN from log, a log of softmax's probabilities, an outer
broadcast): the first alert reads whole and the other two fold under a "Show 2 more alerts"
button, so the graph starts about one alert below the toolbar (it started ~300 px lower);
unfolded, they scroll in a box of capped height. The view opens where the NaN was born: that
log selected, its inspector open at its width, and the alert says it is selected below. On a
clean tape nothing is selected and the inspector is a narrow panel with a one-line hint of what
to click (it kept 38% of the width, empty); a click on a node gives it its width back. Each
label names what the op made ("NaN", not the kind "nan").
Screenshots: tests/browser/artifacts/lab-newcomer-<theme>-<what>.png.
"""
import pytest

from .harness import notebook_page
from .test_inspector import box, legible
from .test_widgets import WIDGET, check_clean, click_node, inspector_title, wait_until

CELLS = ["""
import tapeviz as tf
from tapeviz.viz.widget import TapeWidget
w = tf.Variable(tf.zeros([4]), name="w")
v = tf.Variable([[-1.0, 2.0], [3.0, -4.0]], name="v")
y = tf.ones([4, 1])
with tf.GradientTape(persistent=True) as tape:
    err = tf.reduce_mean(tf.square(w - y))
    q = tf.reduce_sum(tf.math.log(tf.nn.softmax(v)))
    p = tf.math.log(v)
    loss = err + q + tf.reduce_sum(p)
TapeWidget(tape, target=loss, sources=[w, v])
""", """
with tf.GradientTape() as clean:
    total = tf.reduce_sum(w * 2.0)
TapeWidget(clean)
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_three_alerts_fold_and_the_empty_inspector_is_a_narrow_hint(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "newcomer.ipynb", CELLS, theme=theme) as page:
        widget, clean = page.wait_for_output(WIDGET), page.output(WIDGET).nth(1)
        alerts = widget.locator(".tv-alerts .tv-alert")
        wait_until(page, lambda: alerts.count() == 3, "the three alerts")
        first, toggle = alerts.first, widget.locator("button.tv-alerts-toggle")

        # the first alert whole, labelled with what log(-1) made; the others folded
        assert first.locator(".tv-alert-kind").text_content() == "NaN: "
        assert "log produced nan" in first.text_content()
        assert first.evaluate("el => el.scrollHeight <= el.clientHeight + 1")
        assert [alerts.nth(i).is_visible() for i in range(3)] == [True, False, False]
        assert toggle.text_content() == "Show 2 more alerts"
        assert toggle.get_attribute("aria-expanded") == "false"
        assert legible(toggle) >= 4.5 and legible(first) >= 4.5
        # the graph starts right under the first alert and its fold (it was ~300 px lower)
        graph, block = box(widget.locator(".tv-graph")), box(widget.locator(".tv-alerts"))
        assert block["height"] <= box(first)["height"] + 40, block
        assert graph["y"] <= block["y"] + block["height"] + 90, (graph, block)

        # opened where the NaN was born: the log of v selected and inspected at its width
        side, main = widget.locator(".tv-side"), box(widget.locator(".tv-main"))
        wait_until(page, lambda: inspector_title(widget).startswith("log"), "the log inspected")
        assert first.locator(".tv-alert-go").text_content() == "selected below ›"
        assert box(side)["width"] >= 0.3 * main["width"], (box(side), main)
        page.screenshot(widget, f"newcomer-{theme}-first-view")

        # a clean tape, nothing chosen: a narrow panel whose one line says what a click shows
        clean.scroll_into_view_if_needed()
        hint = clean.locator(".tv-inspector .tv-hint")
        clean_side, clean_main = clean.locator(".tv-side"), box(clean.locator(".tv-main"))
        assert hint.text_content() == "Click a node to see its value, gradient and line."
        assert box(clean_side)["width"] <= min(180, 0.25 * clean_main["width"]), \
            (box(clean_side), clean_main)
        assert legible(hint) >= 4.5
        assert not clean.locator(".tv-handle").is_visible()   # nothing to resize yet
        page.screenshot(clean, f"newcomer-{theme}-clean-first-view")
        widget.scroll_into_view_if_needed()

        # unfolded: the other two, in a box that scrolls rather than pushing the graph down
        toggle.click()
        assert toggle.text_content() == "Hide 2 more alerts"
        assert toggle.get_attribute("aria-expanded") == "true"
        more = widget.locator(".tv-alerts-more")
        assert alerts.nth(1).is_visible() and more.is_visible()
        line = float(more.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)"))
        assert box(more)["height"] <= 8 * line, (box(more), line)
        assert more.evaluate("el => el.scrollHeight > el.clientHeight")   # it scrolls
        assert [alerts.nth(i).locator(".tv-alert-kind").text_content() for i in (1, 2)] == \
            ["log of probability: ", "outer broadcast: "]
        page.screenshot(widget, f"newcomer-{theme}-alerts-unfolded")
        toggle.click()
        assert not more.is_visible()

        # a node chosen: the full inspector at its width
        click_node(page, clean, "n0")
        wait_until(page, lambda: inspector_title(clean) != "", "the inspector filled")
        wait_until(page, lambda: box(clean_side)["width"] >= 0.3 * clean_main["width"],
                   "the inspector wide")
        assert clean.locator(".tv-handle").is_visible()
        page.screenshot(clean, f"newcomer-{theme}-node-chosen")
        check_clean(page, browser)
