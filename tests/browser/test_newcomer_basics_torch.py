"""Notebooks 01 and 04 as a student who has never seen tapeviz meets them: run whole in
JupyterLab at a 1280x800 window, light and dark, each view they show screenshot
(tests/browser/artifacts/lab-student-<theme>-<notebook>-<view>.png, the notebook top to
bottom as lab-student-<theme>-<notebook>-page-NN.png) to be looked at, and held to what a
newcomer needs of it (test_newcomer_notebooks.py does 02 and 03).
"""
import re

import pytest

from .test_newcomer_notebooks import (CUT_OFF_PX, VALUES_BROKEN_INSIDE_A_NAME,
                                      WORDS_BROKEN_IN_LABELS, open_as_student, servers)  # noqa: F401 (a fixture)
from .test_notebooks_browser import answer_stdin, op_node, page_through, tape_widget
from .test_widgets import (DASHBOARD, WIDGET, check_clean, click_node, dashboard_state,
                           exercise_dashboard, inspector_title, marked, wait_until,
                           widget_error)


def inspect(page, widget, node_id, shot):
    """Click `node_id` of `widget`, wait for its inspector, screenshot it; its title."""
    click_node(page, widget, node_id)
    wait_until(page, lambda: inspector_title(widget) != "", f"{node_id} inspected")
    page.settle()
    page.screenshot(widget, shot)
    return inspector_title(widget)


def step(page, widget, times, shot):
    """Reset, then Step `times`: each step's node outlined inside the graph pane (notebook 01's
    first two were below its foot: nothing a student saw moved); screenshot. The ids."""
    widget.locator(".tv-toolbar button.tv-reset").click()
    wait_until(page, lambda: marked(widget, "tv-highlight") == "", "Reset to clear the stepping")
    highlights = []
    for count in range(1, times + 1):
        widget.locator(".tv-toolbar button.tv-step").click()
        wait_until(page, lambda count=count: marked(widget, "tv-highlight") not in
                   ["", *highlights] and re.search(rf"steps applied\s*{count}(?!\d)",
                                                   widget.locator(".tv-stepper").text_content()),
                   f"step {count} outlined")
        highlights.append(marked(widget, "tv-highlight"))
        page.settle()
        outlined = widget.locator(".tv-graph svg g.node.tv-highlight")
        assert outlined.evaluate(CUT_OFF_PX) == [0, 0, 0, 0], highlights
    page.screenshot(widget, shot)
    return highlights


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_notebook_01_as_a_student_sees_it(theme, tmp_path, browser, servers):  # noqa: F811
    page = open_as_student(browser, servers, tmp_path, "01_eager_basics.ipynb", theme)
    page.settle()
    name = f"student-{theme}-01"
    magic = page.output(WIDGET).first
    magic.locator(".tv-graph svg g.node").first.wait_for()
    page.screenshot(magic, f"{name}-magic")
    widget = tape_widget(page, "persistent tape")
    page.screenshot(widget, f"{name}-network")
    assert inspect(page, widget, op_node(widget, "relu"), f"{name}-relu").startswith("relu")
    assert widget.evaluate(WORDS_BROKEN_IN_LABELS) == []
    step(page, widget, 3, f"{name}-stepped")
    for each in (magic, widget):
        assert widget_error(each) == ""
    page_through(page, f"{name}-page")
    check_clean(page, browser)


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_notebook_04_as_a_student_sees_it(theme, tmp_path, browser, servers):  # noqa: F811
    pytest.importorskip("torch", reason='torch is not installed: pip install "tapeviz[torch]"')
    page = open_as_student(browser, servers, tmp_path, "04_pytorch_debugging.ipynb", theme,
                           wait=False, EPOCHS=8)
    name = f"student-{theme}-04"
    dash = page.wait_for_output(DASHBOARD, timeout=120)
    dash.scroll_into_view_if_needed()
    exercise_dashboard(page, dash, name=f"{name}-dashboard")
    # the nan breakpoint on log opens IPython's debugger in a live notebook: the student types
    # what the notebook says, node then continue
    page.page.locator(".jp-Stdin-input").first.wait_for(timeout=300_000)
    answer_stdin(page, "node")
    page.output("text=/log \\[math\\] in the forward pass/").first.wait_for(timeout=30_000)
    cell = page.page.locator(".jp-CodeCell", has=page.page.locator(".jp-Stdin-input")).first
    page.screenshot(cell.locator(".jp-OutputArea"), f"{name}-debugger")
    answer_stdin(page, "continue")
    page.wait_for_run(timeout=300)
    wait_until(page, lambda: dashboard_state(dash) == "finished", "the finished state")
    page.settle()
    page.screenshot(dash, f"{name}-dashboard-finished")

    collapsed = page.output(WIDGET).first
    collapsed.locator(".tv-graph svg g.node").first.wait_for()
    page.screenshot(collapsed, f"{name}-collapsed")
    # the recorded tape: the notebook's own three steps left its inspector on the third
    widget = tape_widget(page, "torch tape: 7 ops")
    page.screenshot(widget, f"{name}-stepped-by-the-notebook")
    assert inspect(page, widget, op_node(widget, "conv2d"), f"{name}-conv2d").startswith("conv2d")
    assert widget.evaluate(WORDS_BROKEN_IN_LABELS) == []
    assert widget.evaluate(VALUES_BROKEN_INSIDE_A_NAME) == []
    step(page, widget, 3, f"{name}-stepped")

    nan_widget = page.output(WIDGET).last
    alert = nan_widget.locator(".tv-alerts .tv-alert").first
    alert.scroll_into_view_if_needed()
    page.screenshot(nan_widget, f"{name}-nan-first-view")
    alert.click()
    page.settle()
    page.screenshot(nan_widget, f"{name}-nan-alert")
    for each in (collapsed, widget, nan_widget):
        assert widget_error(each) == ""
    page_through(page, f"{name}-page", limit=20)
    check_clean(page, browser)
