"""Where the tape widget's view goes when the graph changes under a click, in JupyterLab's light
and dark themes: a group opened shows what it opened, as much as the pane holds, hung from the
click; a click on an alert brings its node into view, scrolling the page too when the window
is too short for the widget. Screenshots go to tests/browser/artifacts/ as
lab-look-<theme>-<what>.png.
"""
import pytest

from .harness import notebook_page
from .test_widget_look import centre, cut, hint_covers
from .test_widgets import WIDGET, check_clean, marked, wait_until


BLOCKS_CELLS = ["""
import tapeviz as tf
from tapeviz.viz import TapeWidget
x = tf.Variable(1.0, name="x")
with tf.GradientTape(persistent=True) as big_tape:
    for block in range(40):
        with tf.name_scope(f"block{block}"):
            for _ in range(30):
                x = x * 1.001
TapeWidget(big_tape)
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_group_opens_where_it_was_clicked(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "blocks.ipynb", BLOCKS_CELLS, theme=theme) as page:
        widget = page.output(WIDGET).first
        graph = widget.locator(".tv-graph")
        widget.locator('.tv-graph g.node[id="g:block1*39"]').click()
        block30 = widget.locator('.tv-graph g.node[id="g:block30"]')
        block30.wait_for()
        graph.scroll_into_view_if_needed()
        pane = graph.bounding_box()
        page.page.mouse.move(*centre(pane))
        for _ in range(40):   # scroll the graph (not the page) until block30 is in the pane
            y = centre(block30.bounding_box())[1]
            if pane["y"] + 40 < y < pane["y"] + pane["height"] - 40:
                break
            page.page.mouse.wheel(0, 200)
            page.page.wait_for_timeout(50)
        at = centre(block30.bounding_box())
        assert pane["y"] < at[1] < pane["y"] + pane["height"], "block30 never came into view"
        before = set(widget.locator(".tv-graph g.node").evaluate_all("els => els.map(e => e.id)"))
        block30.click()
        wait_until(page, lambda: block30.count() == 0, "block30 to open")
        # what opened is in view: as much of it as the pane holds, its top left corner first
        # (it was hung from the click, below and right of it, the pane above it left empty)
        opened = widget.locator(".tv-graph g.node").evaluate_all(
            "(els, before) => els.filter((e) => !before.includes(e.id)).map((e) => {"
            " const r = e.getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom]; })", sorted(before))
        assert len(opened) == 60, len(opened)   # block30's 30 multiplies and their constants
        left, top = min(q[0] for q in opened), min(q[1] for q in opened)
        right, bottom = max(q[2] for q in opened), max(q[3] for q in opened)
        pane = graph.bounding_box()
        inside_w = min(right, pane["x"] + pane["width"]) - max(left, pane["x"])
        inside_h = min(bottom, pane["y"] + pane["height"]) - max(top, pane["y"])
        assert inside_w >= min(right - left, pane["width"] - 24) - 2, (opened, pane)
        assert inside_h >= min(bottom - top, pane["height"] - 24) - 2, (opened, pane)
        assert pane["y"] <= top <= pane["y"] + 24 or bottom - top < pane["height"] - 24
        wait_until(page, lambda: hint_covers(widget) == [], "the hint off every node")
        page.screenshot(widget, f"look-{theme}-opened-in-place")
        check_clean(page, browser)


LONG_CELLS = ["""
import tapeviz as tf
from tapeviz.viz import TapeWidget
x = tf.Variable(2.0, name="x")
with tf.GradientTape(persistent=True) as long_tape:
    for _ in range(25):
        x = x * 1.01
    loss = tf.math.log(x * 0.0)    # -inf, at the foot of a graph taller than its pane
TapeWidget(long_tape)
""", """
y = tf.Variable(2.0, name="y")
with tf.GradientTape(persistent=True) as short_tape:
    for _ in range(4):
        y = y * 1.01
    tf.math.log(y * 0.0)
TapeWidget(short_tape)
"""]


def on_screen(widget, node_id):
    """Whether all of node `node_id`'s box is on screen: inside the graph pane and every
    scrolling box around it (JupyterLab's notebook panel), and inside the window (the body,
    0 px tall in JupyterLab, is the window's)."""
    return widget.locator(f'.tv-graph g.node[id="{node_id}"]').evaluate("""(el) => {
        const r = el.getBoundingClientRect();
        let top = 0, left = 0, bottom = innerHeight, right = innerWidth;
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const s = getComputedStyle(a);
            if (s.overflowX === "visible" && s.overflowY === "visible") continue;
            const q = a.getBoundingClientRect();
            top = Math.max(top, q.top); left = Math.max(left, q.left);
            bottom = Math.min(bottom, q.bottom); right = Math.min(right, q.right);
        }
        return r.top >= top - 1 && r.left >= left - 1 && r.bottom <= bottom + 1
            && r.right <= right + 1;
    }""")


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_an_alert_click_brings_its_node_into_view(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "long.ipynb", LONG_CELLS, theme=theme,
                       run=False) as page:
        page.page.set_viewport_size({"width": 1280, "height": 600})
        page.run_all()
        widget = page.output(WIDGET).first
        alert = widget.locator(".tv-alerts .tv-alert-nan")
        wait_until(page, lambda: alert.count() == 1, "the NaN alert")
        widget.scroll_into_view_if_needed()
        # it opens where the -inf was born, at the foot; Fit goes back to the graph's top
        wait_until(page, lambda: on_screen(widget, "n26"), "the view opened at the -inf")
        widget.locator("button.tv-fit").click()
        wait_until(page, lambda: not on_screen(widget, "n26"), "Fit back at the top")
        assert cut(widget)
        alert.click()
        wait_until(page, lambda: marked(widget, "tv-selected") == "n26", "the alert's node")
        wait_until(page, lambda: on_screen(widget, "n26"), "the alert's node in view")
        page.screenshot(widget, f"look-{theme}-alert-jump")

        # a window too short for the whole widget (its pane at its least, 240 px): the click
        # brings the foot of the graph into the pane and the pane on screen, the page scrolled
        page.page.set_viewport_size({"width": 1280, "height": 420})
        short = page.output(WIDGET).nth(1)
        short.locator(".tv-alerts .tv-alert-nan").evaluate(
            "el => el.scrollIntoView({ block: 'start' })")
        foot = short.locator(".tv-graph g.node").evaluate_all(
            "els => els.find((n) => n.querySelector('text').textContent.includes('log')).id")
        short.locator("button.tv-fit").click()
        short.locator(".tv-alerts .tv-alert-nan").evaluate(
            "el => el.scrollIntoView({ block: 'start' })")
        assert page.lacks(short) > 0 and not on_screen(short, foot)
        short.locator(".tv-alerts .tv-alert-nan").click()
        wait_until(page, lambda: on_screen(short, foot), "the short graph's foot on screen")
        check_clean(page, browser)
