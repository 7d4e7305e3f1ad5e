"""notebooks/04_pytorch_debugging.ipynb in JupyterLab, in headless Chromium, offline, light and
dark: the torch loop trains under the live Dashboard (Pause holds the counter, Resume lets it
run on, it ends "finished"); the step recorded by `%%tapeviz --torch` opens collapsed by module
and a click on the group opens it; a click on the first conv2d of the `tvt.record()` tape fills
the inspector with the notebook's own line and its feature maps, and Step moves the highlight
through autograd's steps; the breakpoint on `log` stops in IPython's debugger (the test types
`node` and `continue`); the NaN alert jumps to the `log` node. Screenshots go to
tests/browser/artifacts/ (nb04-*.png; dark-04-*.png top to bottom), to be looked at.
"""
import re
import time

import nbformat
import pytest

from test_notebooks import PARAMETERS, set_parameter

from .test_notebooks_browser import (NOTEBOOKS, answer_stdin, contrast, fits_in_view,
                                     inspect_and_step, page_through, svg_ops, tape_widget)
from .test_widgets import (DASHBOARD, WIDGET, check_clean, click_node, dashboard_state,
                           dashboard_steps, exercise_dashboard, inspector_title, node, node_ids,
                           wait_until, widget_error)

pytest.importorskip("torch", reason='torch is not installed: pip install "tapeviz[torch]"')

NAME = "04_pytorch_debugging"


def parameterised_copy(folder):
    """The notebook with the tests' parameters (fewer epochs than a reader's), in `folder`."""
    nb = nbformat.read(NOTEBOOKS / f"{NAME}.ipynb", as_version=4)
    for variable, value in PARAMETERS[NAME].items():
        set_parameter(nb, variable, value)
    path = folder / f"{NAME}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.browser
def test_04_pytorch_debugging(tmp_path, jupyter_server, browser):
    start = time.monotonic()
    path = parameterised_copy(tmp_path)
    page = browser.open_notebook(jupyter_server([path], app="lab"), path.name)
    page.run_all(wait=False)   # the cell after the dashboard awaits the loop: clicks go through
    dash = page.wait_for_output(DASHBOARD, timeout=120)
    exercise_dashboard(page, dash, name="nb04-dashboard")

    # the nan breakpoint on log opens IPython's debugger at the op: JupyterLab asks for input
    page.page.locator(".jp-Stdin-input").first.wait_for(timeout=300_000)
    page.output("text=tapeviz breakpoint").first.wait_for()
    answer_stdin(page, "node")
    shown = page.output("text=/log \\[math\\] in the forward pass/").first
    shown.wait_for(timeout=30_000)
    # the rows, HTML that wraps between words (ipython/debugger_rows.py): the whole output's text
    summary = shown.locator("xpath=ancestor-or-self::*[contains(@class,"
                            " 'jp-OutputArea-output')][1]").text_content()
    assert "torch.log(probs[torch.arange(len(labels)), labels])" in summary, summary
    assert "inf" in summary
    # the input by torch's name for it and the line's expression; the frame by its cell
    assert "  input = probs[torch.arange(len(labels)), labels]: " in summary, summary
    cell = page.page.locator(".jp-CodeCell", has=page.page.locator(".jp-Stdin-input")).first
    said = cell.locator(".jp-OutputArea").text_content()
    assert re.search(r"> Cell In\[\d+\], line \d+, in my_cross_entropy\(\)", said), said
    assert "ipykernel_" not in said, said
    page.screenshot(cell.locator(".jp-OutputArea"), "nb04-debugger")
    answer_stdin(page, "continue")
    page.wait_for_run(timeout=180)
    wait_until(page, lambda: page.page.locator(".jp-Stdin-input").count() == 0,
               "the debugger's prompt to close")
    wait_until(page, lambda: dashboard_state(dash) == "finished", "the finished state")
    done = page.output("text=/finished: \\d+ steps/").first.text_content()
    assert dashboard_steps(dash) == int(re.search(r"finished: (\d+) steps", done).group(1))
    legend = dash.locator(".tvd-legend-item").all_text_contents()
    assert {item.split()[0] for item in legend} == {
        "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"}
    page.output("text=/test accuracy/").first.wait_for()
    # torch's words: a parameter, not a TF variable
    titles = dash.locator(".tvd-chart-title").all_text_contents()
    assert "gradient norm per parameter (log scale)" in titles, titles
    # every chart text lies inside its chart (a tick such as 0.007705 was cut at the left)
    cut = dash.evaluate("""(d) => [...d.querySelectorAll(".tvd-svg text")].filter((t) => {
        const r = t.getBoundingClientRect(), s = t.ownerSVGElement.getBoundingClientRect();
        return r.left < s.left - 0.5 || r.right > s.right + 0.5;
    }).map((t) => t.textContent)""")
    assert cut == [], cut
    assert fits_in_view(page, dash), "the dashboard is taller than Lab's panel at 1280x900"
    page.screenshot(dash, "nb04-dashboard-finished")

    # %%tapeviz --torch --max-nodes 10: collapsed by module; a click opens DigitsCNN
    collapsed = page.output(WIDGET).first
    collapsed.locator(".tv-graph svg g.node").first.wait_for()
    assert "g:DigitsCNN" in node_ids(collapsed), node_ids(collapsed)
    before = len(node_ids(collapsed))
    node(collapsed, "g:DigitsCNN").click()
    wait_until(page, lambda: len(node_ids(collapsed)) > before, "the module group to open")
    page.screenshot(collapsed.locator(".tv-graph"), "nb04-by-module")

    widget = tape_widget(page, "torch tape")
    ops = set(svg_ops(widget).values())
    assert {"conv2d", "relu", "mean", "linear", "cross_entropy"} <= ops, ops
    assert "6 parameters" in widget.locator(".tv-status").text_content()
    page.screenshot(widget.locator(".tv-graph"), "nb04-graph")
    highlights = inspect_and_step(page, widget, "conv2d", "x = F.relu(self.conv1(x))",
                                  "nb04", sections=("Feature maps",))
    assert highlights[0] == "n6"   # autograd starts at the loss: cross_entropy
    # the batch, (32, 1, 8, 8): 8x8 digits channels first, not eight 1x8 "feature maps"
    click_node(page, widget, "c0")
    widget.locator(".tv-inspector .tv-section-title", has_text="Images (").first.wait_for()
    assert "Feature maps" not in widget.locator(".tv-inspector").text_content()
    page.screenshot(widget, "nb04-images")

    nan_widget = page.output(WIDGET).last
    alert = nan_widget.locator(".tv-alerts .tv-alert-nan").first
    alert.scroll_into_view_if_needed()
    assert "log produced -inf" in alert.text_content()
    alert.click()
    wait_until(page, lambda: "log" in inspector_title(nan_widget), "the NaN origin inspected")
    nan_widget.locator(".tv-inspector .tv-section", has_text="torch.log(").first.wait_for()
    page.screenshot(nan_widget, "nb04-nan-alert")
    assert widget_error(nan_widget) == "" and widget_error(collapsed) == ""
    check_clean(page, browser)
    print(f"04: {time.monotonic() - start:.1f} s")


@pytest.mark.browser
def test_04_reads_in_the_dark_theme(tmp_path, browser, monkeypatch):
    """Notebook 04 run in JupyterLab Dark, screenshot top to bottom; every tapeviz output's
    title and status readable against what is behind it."""
    from .jupyter_server import JupyterServer
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")   # the breakpoint: no prompt to answer
    path = parameterised_copy(tmp_path)
    with JupyterServer([path], app="lab", theme="dark") as server:
        page = browser.open_notebook(server, path.name)
        page.run_all(timeout=240)
        page.settle()   # the outputs' panes and status lines laid out
        page_through(page, "dark-04")
        for selector in (".tv-title", ".tv-status", ".tvd-status", ".tvd-tick"):
            found = page.output(selector)
            assert found.count(), f"no {selector} drawn"
            for i in range(found.count()):
                ratio = contrast(found.nth(i))["ratio"]
                assert ratio >= 4.5, f"{selector} at {ratio:.2f}:1"
        check_clean(page, browser)
