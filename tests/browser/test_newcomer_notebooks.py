"""Notebooks 02 and 03 as a student who has never seen tapeviz meets them: run whole in
JupyterLab at a 1280x800 window, light and dark, each view they show screenshot
(tests/browser/artifacts/lab-student-<theme>-<notebook>-<view>.png) and held to what a
newcomer needs of it:

- a table of the inspector keeps each word of its labels whole (the Inputs table of 03's conv2d
  read 'variable conv2d/k' over 'ernel': the label column was squeezed to break anywhere);
- the backward stepping strip says why an input gets no gradient, in words a student knows
  (it said 'none flows');
- a box clicked at the graph pane's edge stays whole in the pane when the inspector opens
  beside it (03's collapsed step: conv2d/kernel lost its left 26 px);
- a long op name in an inspector table wraps after an underscore (it broke anywhere);
- a notebook that tells the student to press Step says Reset first: after Run All the pass is
  done and Step is dashed, doing nothing;
- the dashboard's tape, cut at its pane's foot, says "more: drag or scroll" as the tape
  widget does (it ended mid-graph with no word of more);
- 03's collapsed step shows all of its 9 boxes (its six variables in one row put the dense
  layer's off the pane's right edge).
"""
import re

import pytest

from .test_notebooks_browser import NOTEBOOKS, tape_widget
from .test_widgets import (DASHBOARD, WIDGET, check_clean, dashboard_state, exercise_dashboard,
                           inspector_title, wait_until, widget_error)

WINDOW = {"width": 1280, "height": 800}

# the words of the inspector's tables, outside their last (value) column, laid over two lines
WORDS_BROKEN_IN_LABELS = """(root) => {
  const broken = [];
  for (const row of root.querySelectorAll(".tv-section-body tr")) {
    for (const cell of [...row.children].slice(0, -1)) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const text = walker.currentNode;
        for (const word of text.textContent.matchAll(/\\S+/g)) {
          const range = document.createRange();
          range.setStart(text, word.index);
          range.setEnd(text, word.index + word[0].length);
          const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          if (tops.size > 1) broken.push(word[0]);
        }
      }
    }
  }
  return broken;
}"""


# the inspector's table values laid over two lines inside a name, not after an underscore:
# [the value, the characters either side of the break]
VALUES_BROKEN_INSIDE_A_NAME = """(root) => {
  const broken = [];
  for (const cell of root.querySelectorAll(".tv-section-body td:last-child")) {
    const text = cell.textContent, tops = [];
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        tops.push(rect ? Math.round(rect.top) : null);
      }
    }
    for (let i = 1; i < text.length; i++) {
      const wrapped = tops[i] !== null && tops[i - 1] !== null && tops[i] > tops[i - 1];
      if (wrapped && /\\w/.test(text[i - 1]) && /\\w/.test(text[i]) && text[i - 1] !== "_")
        broken.push([text, text.slice(i - 2, i + 2)]);
    }
  }
  return broken;
}"""

# px of an element cut off by the edges of its graph pane: [left, right, top, bottom]
CUT_OFF_PX = """(el) => {
  const r = el.getBoundingClientRect(), pane = el.closest(".tv-graph").getBoundingClientRect();
  return [pane.left - r.left, r.right - pane.right, pane.top - r.top, r.bottom - pane.bottom]
    .map((px) => Math.max(0, Math.round(px)));
}"""


def open_as_student(browser, jupyter_server, tmp_path, name, theme, wait=True,
                    window=(1280, 800), **parameters):
    """Notebook `name` (its `parameters` set, as test_notebooks sets them) run in JupyterLab in
    `theme` at a `window` of (width, height), 1280x800 unless said: the page."""
    import nbformat

    from test_notebooks import set_parameter

    from .jupyter_server import JupyterServer
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for variable, value in parameters.items():
        set_parameter(nb, variable, value)
    nbformat.write(nb, tmp_path / name)
    server = JupyterServer([tmp_path / name], app="lab", theme=theme).__enter__()
    jupyter_server.append(server)
    page = browser.open_notebook(server, name)
    page.page.set_viewport_size({"width": window[0], "height": window[1]})
    page.run_all(timeout=300, wait=wait)
    return page


@pytest.fixture
def servers():
    started = []
    yield started
    for server in started:
        server.__exit__(None, None, None)


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_notebook_02_as_a_student_sees_it(theme, tmp_path, browser, servers, monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")   # the abs breakpoint: no prompt to answer
    page = open_as_student(browser, servers, tmp_path, "02_regression_debugging.ipynb", theme)
    page.settle()
    widget = tape_widget(page, "step 1 of 3")
    name = f"student-{theme}-02"
    page.screenshot(widget, f"{name}-recorder")
    strip = widget.locator(".tv-stepper").inner_text()
    # x_i is an input, not a source: the strip says so, not 'none flows'
    assert "none flows" not in strip, strip
    # (the wording, not TF's 'source', a newcomer knows: inspect.NO_INPUT_GRADIENT)
    assert re.search(r"grad x \(from input x\) none \(no variable or watched tensor lies "
                     r"behind it\)", strip), strip
    w = widget.locator(".tv-graph svg g.node").filter(
        has=page.page.locator("text", has_text=re.compile(r"^w$"))).first
    w.focus()   # as the keyboard reaches it, into the pane: the view follows the pass's last step
    w.click()
    wait_until(page, lambda: "variable w" in inspector_title(widget), "w inspected")
    page.settle()
    page.screenshot(widget, f"{name}-w-inspected")
    assert widget.evaluate(WORDS_BROKEN_IN_LABELS) == []
    assert widget_error(widget) == ""
    check_clean(page, browser)


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_notebook_03_as_a_student_sees_it(theme, tmp_path, browser, servers):
    # the notebook's own 30 epochs: with 8 the loop once ended, on a loaded machine, between
    # the test's 'running' and its click on Pause
    page = open_as_student(browser, servers, tmp_path, "03_mnist_debugging.ipynb", theme,
                           wait=False)
    name = f"student-{theme}-03"
    dash = page.wait_for_output(DASHBOARD, timeout=120)
    dash.scroll_into_view_if_needed()
    exercise_dashboard(page, dash, name=f"{name}-dashboard")
    page.wait_for_run(timeout=300)
    wait_until(page, lambda: dashboard_state(dash) == "finished", "the finished state")
    page.settle()
    # its tape, cut at the pane's foot, says more lies there as the tape widget does (it ended
    # mid-graph, unsaid)
    more = dash.locator(".tvd-tape-frame > .tv-more")
    wait_until(page, lambda: more.count() == 1 and more.is_visible(), "the tape's 'more' hint")
    assert more.text_content() == "more: drag or scroll"
    page.screenshot(dash, f"{name}-dashboard-finished")
    collapsed = page.output(WIDGET).first
    page.screenshot(collapsed, f"{name}-collapsed")
    # the whole model in the pane at 1280x800, its variables in two rows (in one, dense/kernel
    # was cut at the pane's right edge and dense/bias past it: '9 shown', 7 seen)
    cut = {box.locator("text").first.text_content(): box.evaluate(CUT_OFF_PX)
           for box in collapsed.locator(".tv-graph svg g.node").all()}
    assert len(cut) == 9 and all(px == [0, 0, 0, 0] for px in cut.values()), cut
    # a click on the box at the pane's left edge opens the inspector, the graph refits larger:
    # the box stays whole in the pane (its left 26 px were cut off, its selection ring too)
    kernel = collapsed.locator(".tv-graph svg g.node", has_text="conv2d/kernel").first
    kernel.click()
    wait_until(page, lambda: "conv2d/kernel" in inspector_title(collapsed), "the kernel inspected")
    page.settle()
    page.screenshot(collapsed, f"{name}-collapsed-clicked")
    assert kernel.evaluate(CUT_OFF_PX) == [0, 0, 0, 0]
    # two backward steps: the loss op, its long name wrapped at an underscore in the Op table
    # (it broke anywhere: 'sparse_softmax_cross_entropy_with_lo' over 'gits')
    for _ in range(2):
        collapsed.locator("button.tv-step").click()
    wait_until(page, lambda: "sparse_softmax" in inspector_title(collapsed), "the loss stepped")
    page.settle()
    page.screenshot(collapsed, f"{name}-collapsed-stepped")
    assert collapsed.evaluate(VALUES_BROKEN_INSIDE_A_NAME) == []

    # the first conv2d, stepped through: its inspector's tables keep their labels' words whole
    widget = tape_widget(page, "persistent tape")
    assert inspector_title(widget).startswith("conv2d")
    inputs = widget.locator(".tv-inspector .tv-section").filter(
        has=page.page.locator(".tv-section-title", has_text=re.compile("^Inputs$")))
    inputs.scroll_into_view_if_needed()
    page.settle()
    page.screenshot(inputs, f"{name}-conv2d-inputs")
    assert widget.evaluate(WORDS_BROKEN_IN_LABELS) == []
    saliency = widget.locator(".tv-inspector .tv-section", has_text="saliency").first
    saliency.scroll_into_view_if_needed()
    page.screenshot(saliency, f"{name}-saliency")

    nan_widget = page.output(WIDGET).last
    alert = nan_widget.locator(".tv-alerts .tv-alert-nan").first
    alert.scroll_into_view_if_needed()
    alert.click()
    wait_until(page, lambda: "log" in inspector_title(nan_widget), "the NaN origin inspected")
    page.settle()
    page.screenshot(nan_widget, f"{name}-nan-alert")
    assert nan_widget.evaluate(WORDS_BROKEN_IN_LABELS) == []
    for each in (collapsed, widget, nan_widget):
        assert widget_error(each) == ""
    check_clean(page, browser)


@pytest.mark.parametrize("name", ["02_regression_debugging", "03_mnist_debugging"])
def test_a_notebook_that_says_press_step_says_reset_first(name):
    """After Run All the notebook's own cells have stepped the pass to its end: Step is dashed
    and does nothing until Reset. Each cell telling the student to press Step says so."""
    import nbformat
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    telling = [cell.source for cell in nb.cells
               if cell.cell_type == "markdown" and "Press **Step**" in cell.source]
    assert telling, f"{name}: no cell tells to press Step"
    for source in telling:
        assert "**Reset**" in source, source
