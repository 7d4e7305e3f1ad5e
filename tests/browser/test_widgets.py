"""TapeWidget and Dashboard in a real browser, on small notebooks these tests write themselves.

TapeWidget (JupyterLab and Notebook 7): every op of the tape is drawn with its id, a click on a
node fills the inspector (op and source line), Step moves the highlight one VJP at a time, a
click on a collapsed group of a >300-node tape expands it, and an alert click selects its node.
Dashboard (JupyterLab): the step counter rises while the loop runs, Pause holds it, Resume
lets it rise again, and the run ends "finished". Every page must work offline (no request off
the loopback) and raise no JS error. The helpers at the top are shared with
test_notebooks_browser.py.
"""
import re
import time

import pytest

from .harness import notebook_page

WIDGET = ".tapeviz"
DASHBOARD = ".tapeviz-dashboard"


# ---- shared helpers -------------------------------------------------------------------------
def wait_until(page, predicate, what, timeout=30):
    """Poll `predicate()` (letting Playwright run between polls) until truthy; return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        page.page.wait_for_timeout(100)


def node_ids(widget):
    """The ids of the `g.node` elements drawn in a TapeWidget's graph."""
    return widget.locator(".tv-graph svg g.node").evaluate_all("els => els.map(e => e.id)")


def node(widget, node_id):
    """The graph node element with DOM id `node_id` (ids like "g:block3" need no escaping)."""
    return widget.locator(f'.tv-graph svg g.node[id="{node_id}"]')


def marked(widget, cls):
    """Id of the graph node carrying CSS class `cls` ("tv-highlight", "tv-selected"), or ""."""
    ids = widget.locator(f".tv-graph svg g.node.{cls}").evaluate_all(
        "els => els.map(e => e.id)")
    assert len(ids) <= 1, f"more than one node marked {cls}: {ids}"
    return ids[0] if ids else ""


def click_node(page, widget, node_id):
    """Click a graph node; wait until the kernel answered with its inspector.

    The page marks the node tv-selected at once, before the kernel's reply: until that reply
    the inspector still shows the node chosen before (CI once read matmul's note there)."""
    target = node(widget, node_id)
    target.scroll_into_view_if_needed()
    target.focus()   # as the keyboard reaches it: brought into the pane (out of it after a step)
    target.click()
    wait_until(page, lambda: marked(widget, "tv-selected") == node_id
               and widget.locator(".tv-inspector").get_attribute("data-node") == node_id,
               f"{node_id} selected and inspected")


def inspector_title(widget):
    title = widget.locator(".tv-inspector .tv-inspector-title")
    return title.text_content() if title.count() else ""


def widget_error(widget):
    """The error a TapeWidget shows ("" when none)."""
    error = widget.locator(".tv-error")
    return error.text_content() if error.is_visible() else ""


def step_and_expect_moves(page, widget, times=3):
    """Click Step `times` times; the highlight lands on a new node each time. Returns the ids."""
    seen = [marked(widget, "tv-highlight")]
    for count in range(1, times + 1):
        widget.locator(".tv-toolbar button.tv-step").click()
        wait_until(page, lambda count=count: re.search(
                       rf"steps applied\s*{count}(?!\d)",
                       widget.locator(".tv-stepper").text_content()),
                   f"the stepper to show {count} steps applied")
        wait_until(page, lambda: marked(widget, "tv-highlight") not in seen,
                   f"the highlight to move after step {count} (was on {seen})")
        seen.append(marked(widget, "tv-highlight"))
    return seen[1:]


def check_clean(page, browser):
    """No JS error on the page and no request that left the loopback."""
    assert page.errors == []
    assert browser.blocked == [], "the page needed the network"


# ---- TapeWidget -----------------------------------------------------------------------------
TAPE_CELLS = [
    """
import tapeviz as tf
from tapeviz.viz.widget import TapeWidget
w, b = tf.Variable(0.5, name="w"), tf.Variable(0.1, name="b")
with tf.GradientTape(persistent=True) as tape:
    residual = 3.0 - (w * 2.0 + b)
    loss = tf.where(tf.abs(residual) <= 1.0, 0.5 * tf.square(residual),
                    tf.abs(residual) - 0.5)
print("ops:", len(tape.nodes))
TapeWidget(tape, target=loss, sources=[w, b])
""",
    """
x = tf.Variable(1.0, name="x")
with tf.GradientTape(persistent=True) as big_tape:
    for block in range(40):
        with tf.name_scope(f"block{block}"):
            for _ in range(30):
                x = x * 1.001
TapeWidget(big_tape, max_nodes=300)
""",
    """
v = tf.Variable([1.0, -1.0], name="v")
with tf.GradientTape(persistent=True) as nan_tape:
    y = tf.reduce_sum(tf.log(v) * 2.0)
TapeWidget(nan_tape)
""",
]


@pytest.mark.browser
@pytest.mark.parametrize("app", ["lab", "notebook"])
def test_tape_widget(app, tmp_path, browser):
    start = time.monotonic()
    with notebook_page(browser, tmp_path / "tape_widget.ipynb", TAPE_CELLS, app=app) as page:
        ops = int(page.wait_for_output("text=/ops: \\d+/").text_content().split()[-1])
        small, big, nan = (page.output(WIDGET).nth(i) for i in range(3))

        # the graph: every op of the tape and both variables, by id
        small.locator(".tv-graph svg g.node").first.wait_for()
        ids = node_ids(small)
        assert {i for i in ids if i.startswith("n")} == {f"n{i}" for i in range(ops)}
        assert {"v0", "v1"} <= set(ids)
        page.screenshot(small.locator(".tv-graph"), "tape-graph")

        # a click: the inspector names the op and shows the line of code that made it
        assert inspector_title(small) == ""
        click_node(page, small, "n0")
        wait_until(page, lambda: "multiply" in inspector_title(small), "the inspector title")
        source = small.locator(".tv-inspector .tv-section", has_text="w * 2.0 + b")
        source.wait_for()
        assert source.locator(".tv-section-title").first.text_content() == "Source"
        small.locator(".tv-inspector").scroll_into_view_if_needed()   # the side panel scrolls
        page.screenshot(small, "tape-inspector")

        # backward stepping: the highlight walks back from the loss, a new node each step
        highlights = step_and_expect_moves(page, small, 3)
        assert highlights[0] == f"n{ops - 1}"
        assert len(set(highlights)) == 3
        assert "stepped through" in small.locator(".tv-stepper").text_content()
        page.screenshot(small, "tape-stepped")

        # the NaN's tape opens at its origin, selected; from another node chosen, an alert
        # jumps back to it: selected and inspected
        alert = nan.locator(".tv-alerts .tv-alert-nan")
        alert.scroll_into_view_if_needed()
        assert "log" in alert.text_content()
        wait_until(page, lambda: marked(nan, "tv-selected") == "n0", "the origin selected")
        click_node(page, nan, "n1")
        alert.click()
        wait_until(page, lambda: marked(nan, "tv-selected") == "n0", "the alert's node selected")
        wait_until(page, lambda: "log" in inspector_title(nan), "the NaN node inspected")
        page.screenshot(nan, "tape-alert")
        assert widget_error(small) == "" and widget_error(nan) == ""

        # 1,200 ops open collapsed by layer, the 39 identical blocks after block0 (which also
        # reads x) in one box marked ×39; a click on a group expands it in place
        big.locator(".tv-graph svg g.node").first.wait_for()
        before = node_ids(big)
        assert set(before) == {"g:block0", "g:block1*39"}
        assert "block ×39" in node(big, "g:block1*39").text_content()
        status = re.search(r"(\d+) nodes, (\d+) shown", big.locator(".tv-status").text_content())
        assert status and int(status.group(1)) > 1200 and int(status.group(2)) == len(before)
        node(big, "g:block1*39").click()
        wait_until(page, lambda: "g:block3" in node_ids(big), "the ×39 box to open")
        before = node_ids(big)
        target = node(big, "g:block3")
        target.scroll_into_view_if_needed()
        target.click()
        wait_until(page, lambda: len(node_ids(big)) > len(before), "the group to expand")
        after = node_ids(big)
        assert "g:block3" not in after and sum(i.startswith("n") for i in after) == 30
        page.screenshot(big.locator(".tv-graph"), "tape-expanded")
        assert widget_error(big) == ""

        check_clean(page, browser)
        print(f"{app}: {time.monotonic() - start:.1f} s")


# ---- Dashboard ------------------------------------------------------------------------------
DASHBOARD_CELLS = [
    """
import os
import time
import numpy as np
import tapeviz as tf
from tapeviz.viz.dashboard import Dashboard

def train(steps, until=None):   # `steps` steps, and on until the file `until` exists
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(32, 8)).astype("float32"))
    y = tf.constant(rng.normal(size=(32, 1)).astype("float32"))
    w = tf.Variable(tf.random.normal([8, 16], stddev=0.3, seed=1), name="w")
    v = tf.Variable(tf.random.normal([16, 1], stddev=0.3, seed=2), name="v")
    done = 0
    while done < steps or until is not None and not os.path.exists(until):
        with tf.GradientTape() as tape:
            hidden = tf.nn.relu(tf.matmul(x, w))
            loss = tf.reduce_mean(tf.square(tf.matmul(hidden, v) - y))
        gw, gv = tape.gradient(loss, [w, v])
        w.assign_sub(0.01 * gw)
        v.assign_sub(0.01 * gv)
        time.sleep(0.02)   # slow enough for a person (or a test) to press Pause
        done += 1
    return float(loss)

dash = Dashboard()
runner = dash.train(train, 300)
dash
""",
    """
final = await runner.wait()
print("finished with loss", final, "after", runner.step_count, "steps")
""",
]


def dashboard_steps(dash):
    text = dash.locator(".tvd-steps").text_content()
    match = re.fullmatch(r"(\d+) steps? done", text.strip())
    assert match, f"unexpected step counter {text!r}"
    return int(match.group(1))


def dashboard_state(dash):
    return dash.locator(".tvd-state").text_content().strip()


def exercise_dashboard(page, dash, name="dashboard"):
    """Live counter, Pause holds it for a second, Resume lets it run on; screenshots."""
    dash.locator(".tvd-steps").wait_for()
    # (a first step of the guide's CNN, with the kernel importing and warming, took over 30 s
    # once on a machine running two test suites beside valgrind)
    wait_until(page, lambda: dashboard_state(dash) == "running" and dashboard_steps(dash) > 0,
               "the loop to be running", timeout=90)
    first = dashboard_steps(dash)
    wait_until(page, lambda: dashboard_steps(dash) > first, "a live step counter", timeout=15)
    assert dashboard_state(dash) == "running", "the loop ended before the test could act on it"
    page.screenshot(dash, f"{name}-running")

    dash.locator("button.tvd-pause").click()
    wait_until(page, lambda: dashboard_state(dash) == "paused", "the paused state")
    assert "paused after" in dash.locator(".tvd-status").text_content()
    held = dashboard_steps(dash)
    page.page.wait_for_timeout(1000)
    assert dashboard_steps(dash) == held, "the counter moved while paused"
    assert dashboard_state(dash) == "paused"
    assert dash.locator("button.tvd-resume").is_enabled()
    page.screenshot(dash, f"{name}-paused")

    dash.locator("button.tvd-resume").click()
    wait_until(page, lambda: dashboard_steps(dash) > held, "the counter to rise after Resume")
    assert dashboard_state(dash) in ("running", "finished")
    return held


@pytest.mark.browser
def test_dashboard_live_pause_resume(tmp_path, browser):
    start = time.monotonic()
    # the loop runs on until the test has paused and resumed it (300 steps of 20 ms once
    # ended before Pause on a loaded machine); the second cell awaits it: clicks are served
    clicked = tmp_path / "clicked"
    cells = [DASHBOARD_CELLS[0].replace("dash.train(train, 300)",
                                        f"dash.train(train, 300, until={str(clicked)!r})"),
             DASHBOARD_CELLS[1]]
    assert cells[0] != DASHBOARD_CELLS[0]
    with notebook_page(browser, tmp_path / "dashboard.ipynb", cells, wait=False) as page:
        dash = page.wait_for_output(DASHBOARD, timeout=60)

        exercise_dashboard(page, dash)
        clicked.touch()

        page.wait_for_run(timeout=60)
        finished = page.wait_for_output("text=finished with loss").text_content()
        wait_until(page, lambda: dashboard_state(dash) == "finished", "the finished state")
        ran = int(re.search(r"after (\d+) steps", finished).group(1))
        assert ran >= 300 and dashboard_steps(dash) == ran, (ran, dashboard_steps(dash))
        assert dash.locator(".tvd-loss polyline").count() >= 1
        assert dash.locator(".tvd-legend").text_content().count("w") >= 1
        assert not dash.locator(".tvd-error").is_visible()
        page.screenshot(dash, "dashboard-finished")
        check_clean(page, browser)
        print(f"dashboard: {time.monotonic() - start:.1f} s")
