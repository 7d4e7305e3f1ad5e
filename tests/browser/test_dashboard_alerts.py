"""The Dashboard's alerts as a person sees them, in JupyterLab's light and dark themes.

Two loops train under two dashboards: one whose loss broadcasts (4,) against (4, 1) (an outer
product) and one whose hand-written cross-entropy takes log(0) in its first step. Each
dashboard lists its alert with the op, the notebook's own cell and line (never wrapped
inside) and the fix; the alert text reaches WCAG contrast 4.5 on its tinted background;
clicking the broadcast alert outlines the subtract node in the tape drawn (that step is
shown), clicking the NaN alert says which step it was born in (the tape shows the last
step); the first dashboard's saved twin keeps its alert as text (a second Dashboard
displayed in one kernel gets no twin today: IPython's display-formatter lookup misses it,
see test_viz_dashboard's xfail). Screenshots go to
tests/browser/artifacts/ as lab-dashboard-alerts-<theme>-<what>.png.
"""
import pytest

from .harness import notebook_page
from .test_notebooks_browser import contrast
from .test_widget_look import contrasts
from .test_widgets import DASHBOARD, check_clean, dashboard_state, wait_until

# each chart's "nothing to plot" and the plot it is written on
EMPTY_ON_PLOT = """(root) => [...root.querySelectorAll(".tvd-empty")]
    .map((text) => [text, text.ownerSVGElement.querySelector(".tvd-plot")])"""

ALERT_CELLS = [
    """
import tapeviz as tf
from tapeviz.viz import Dashboard

def outer_product(steps):
    w = tf.Variable(tf.zeros([4]), name="w")
    y = tf.ones([4, 1])
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(w - y))
        w.assign_sub(0.1 * tape.gradient(loss, w))

broadcast = Dashboard()
broadcast.train(outer_product, 20)
broadcast
""",
    """
def cross_entropy(steps):
    w = tf.Variable([0.5, 1.0, 2.0], name="w")
    x = tf.constant([1.0, 0.0, 1.0])
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_sum(tf.math.log(x * w))
        w.assign_sub(0.01 * tape.gradient(loss, w))

born = Dashboard()
born.train(cross_entropy, 30)
born
""",
]


def finished_with_alert(page, dash):
    wait_until(page, lambda: dashboard_state(dash) == "finished", "the loop finished", 60)
    alert = dash.locator(".tvd-alert").first
    wait_until(page, lambda: alert.count() and alert.is_visible(), "an alert shown", 30)
    return alert


def twin_keeps(page, cell, message):
    """The saved twin of cell `cell`'s dashboard (hidden while the live one is drawn) holds
    its alert as text, once its run ended: what a saved notebook shows."""
    twin = page.page.locator(".jp-CodeCell").nth(cell).locator(".tapeviz-saved")
    wait_until(page, lambda: twin.count() == 1 and "alerts (1)" in twin.text_content(),
               f"cell {cell}'s twin holding its alert")
    assert message in twin.text_content()


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_dashboard_alerts_name_the_op_line_and_fix_and_point_into_the_tape(
        theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "alerts.ipynb", ALERT_CELLS, theme=theme) as page:
        dashes = page.output(DASHBOARD)
        wait_until(page, lambda: dashes.count() == 2, "both dashboards")
        broadcast, born = dashes.nth(0), dashes.nth(1)

        # the outer product: its op and line in the tape shown, outlined on a click
        alert = finished_with_alert(page, broadcast)
        text = alert.locator(".tvd-alert-text").text_content()
        assert text.startswith("subtract broadcast (4,) and (4, 1) to (4, 4)"), text
        assert "Cell In[1], line 9" in text and "hint: (4,) against (4, 1)" in text, text
        hint = alert.locator(".tvd-alert-fix")    # what to do, on a line of its own
        assert hint.text_content().startswith("hint: (4,) against (4, 1)"), text
        box, kind = hint.bounding_box(), alert.locator(".tvd-alert-kind").bounding_box()
        line = alert.locator(".tvd-loc").bounding_box()
        assert box["x"] <= kind["x"] + 1 and box["y"] >= line["y"] + line["height"], \
            (box, kind, line)   # it starts a line of its own, under the user's line
        location = alert.locator(".tvd-loc")   # one line, never wrapped inside
        assert location.text_content() == "Cell In[1], line 9"
        assert location.evaluate("el => el.getClientRects().length") == 1
        assert broadcast.locator(".tvd-alerts-title").text_content() == "alerts (1)"
        assert alert.locator(".tvd-alert-kind").text_content() == "outer broadcast"
        for part in (".tvd-alert-text", ".tvd-alert-kind", ".tvd-alerts-title"):
            ratio = contrast(broadcast.locator(part).first)["ratio"]
            assert ratio >= 4.5, f"{part} at {ratio:.2f}:1 in the {theme} theme"
        cue = alert.locator(".tvd-alert-go")   # what a click does, before the pointer is on it
        assert cue.is_visible() and cue.text_content() == "show it in the tape ›"
        assert contrast(cue)["ratio"] >= 4.5, f"the cue at {contrast(cue)['ratio']:.2f}:1"
        assert broadcast.locator(".tvd-tape g.node.tvd-alert-mark").count() == 0
        alert.click()
        outlined = broadcast.locator(".tvd-tape g.node.tvd-alert-mark")
        wait_until(page, lambda: outlined.count() == 1, "the alert's node outlined")
        title = outlined.locator("a").first.get_attribute("xlink:title") or ""
        assert title.split()[0] == "subtract", title
        note = alert.locator(".tvd-alert-note")
        assert note.text_content() == "outlined in the tape below"
        assert contrast(note)["ratio"] >= 4.5
        assert dashboard_state(broadcast) == "finished"   # a click changes nothing else
        page.screenshot(broadcast, f"dashboard-alerts-{theme}-broadcast")
        twin_keeps(page, 0, "outer broadcast: subtract broadcast (4,) and (4, 1)")

        # NaN born in step 1 of 30: the tape shows step 30, so the alert says where
        alert = finished_with_alert(page, born)
        text = alert.locator(".tvd-alert-text").text_content()
        assert text.startswith("log produced -inf in the forward pass"), text
        assert "Cell In[2], line 6" in text and "fix: clip the input away from 0" in text, text
        assert alert.locator(".tvd-alert-kind").text_content() == "-inf"   # what log(0) made
        ratio = contrast(alert.locator(".tvd-alert-text"))["ratio"]
        assert ratio >= 4.5, f"the NaN alert at {ratio:.2f}:1 in the {theme} theme"
        alert.click()
        note = alert.locator(".tvd-alert-note")
        wait_until(page, lambda: note.is_visible(), "the alert's note")
        assert note.text_content().startswith("in step 1; the tape below shows step 30"), \
            note.text_content()
        assert born.locator(".tvd-tape g.node.tvd-alert-mark").count() == 0
        empty = born.locator(".tvd-loss .tvd-empty")
        assert " ".join(empty.locator("tspan").all_text_contents()) == \
            "nothing to plot: all 30 values are NaN or Inf"     # not "no data yet"
        # ... inside the plot it stands for, at the size the charts' text is drawn
        plot = born.locator(".tvd-loss .tvd-plot").bounding_box()
        said = empty.bounding_box()
        assert plot["x"] <= said["x"] and said["x"] + said["width"] <= plot["x"] + plot["width"]
        # ... and reads on the plot's grey (the theme's second text colour read 4.45:1 on the
        # light one, 4.2:1 on the dark)
        ratios = contrasts(born, EMPTY_ON_PLOT)
        assert len(ratios) == 2 and all(r >= 4.5 for r in ratios), (theme, ratios)
        # what to do reads on a line of its own, under what happened
        fix = alert.locator(".tvd-alert-fix")
        assert fix.text_content().startswith("fix: clip the input away from 0"), fix.text_content()
        kind = alert.locator(".tvd-alert-kind").bounding_box()
        assert fix.bounding_box()["y"] >= kind["y"] + kind["height"], (fix.bounding_box(), kind)
        # the tape lies on the theme's background, not on Graphviz's white page
        page_fill = born.locator(".tvd-tape svg > g.graph > polygon").first.evaluate(
            "el => getComputedStyle(el).fill")
        assert page_fill in ("transparent", "rgba(0, 0, 0, 0)"), page_fill
        page.screenshot(born, f"dashboard-alerts-{theme}-nan")

        check_clean(page, browser)
