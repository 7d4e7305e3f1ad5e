"""Notebook 02 walked as a newcomer meets it in JupyterLab at 1280x800, light and dark: the
whole notebook paged through (tests/browser/artifacts/lab-walk02-<theme>-page-NN.png) and
its recorder widget as Run All leaves it (lab-walk02-<theme>-recorder.png), held to:

- the graph's view lies inside the drawing along each axis the drawing overflows: the view,
  following the pass to its last step's node near the graph's top, was centred on it and
  showed an empty band above the graph while boxes were cut at both sides;
- no box is cut by the pane's top edge: the view, the pass's node centred, cut the top row
  ('const 0.01', 'gradient') by 10 px.
"""
import pytest

from .test_newcomer_notebooks import open_as_student, servers  # noqa: F401 (a fixture)
from .test_notebooks_browser import page_through, tape_widget
from .test_widgets import check_clean, widget_error

# [axis, px of the pane showing nothing beyond the drawing's edge] where the drawing is larger
# than the view along that axis (Graphviz's page polygon is the drawing's extent)
VIEW_BEYOND = """(svg) => {
  const [x, y, w, h] = svg.getAttribute("viewBox").split(/[ ,]+/).map(Number);
  const page = svg.querySelector("g.graph > polygon").getBBox();
  const m = svg.querySelector("g.graph").transform.baseVal.consolidate();
  const left = page.x + (m ? m.matrix.e : 0), top = page.y + (m ? m.matrix.f : 0);
  const scale = svg.getBoundingClientRect().width / w, out = [];
  if (page.width > w + 1 && (x < left - 1 || x + w > left + page.width + 1))
    out.push(["x", Math.round(Math.max(left - x, x + w - left - page.width) * scale)]);
  if (page.height > h + 1 && (y < top - 1 || y + h > top + page.height + 1))
    out.push(["y", Math.round(Math.max(top - y, y + h - top - page.height) * scale)]);
  return out;
}"""

# [node id, px of it above the pane] for each box the pane's top edge cuts in two
CUT_AT_TOP = """(pane) => {
  const p = pane.getBoundingClientRect();
  return [...pane.querySelectorAll("svg g.node")].map((n) => [n.id, n.getBoundingClientRect()])
    .filter(([, r]) => r.top < p.top - 0.5 && r.bottom > p.top + 0.5 && r.right > p.left
            && r.left < p.right)
    .map(([id, r]) => [id, Math.round(p.top - r.top)]);
}"""


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_notebook_02_walked_as_a_newcomer(theme, tmp_path, browser, servers,  # noqa: F811
                                          monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    page = open_as_student(browser, servers, tmp_path, "02_regression_debugging.ipynb", theme)
    page.settle()
    name = f"walk02-{theme}"
    widget = tape_widget(page, "step 1 of 3")
    page.screenshot(widget, f"{name}-recorder")
    assert widget.locator(".tv-graph svg").evaluate(VIEW_BEYOND) == []
    assert widget.locator(".tv-graph").evaluate(CUT_AT_TOP) == []
    assert widget_error(widget) == ""
    page_through(page, f"{name}-page", limit=20)
    check_clean(page, browser)
