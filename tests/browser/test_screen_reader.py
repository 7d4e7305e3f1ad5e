"""What a screen reader gets from the tape widget in JupyterLab: every button a name in words
(the toolbar's "+", "−", "↓ SVG" and "↓ HTML" were read as signs), the toolbar's groups named
as the eye reads them, every graph node a button named by its op, shape, line and whether it
holds NaN, the selected node (here the NaN's origin, where the view opens) told as current, and
the alerts, which come once the cell returns, in a live region.
"""
import re

import pytest

from .harness import notebook_page
from .test_nan_first_view import CELLS
from .test_widgets import WIDGET, check_clean, inspector_title, marked, wait_until

NAMES = """(root) => [...root.querySelectorAll("button")]
    .filter((b) => b.offsetParent !== null)
    .map((b) => (b.getAttribute("aria-label") || b.textContent).trim())"""
NODES = """(root) => [...root.querySelectorAll(".tv-graph g.node")].map((n) => ({
    id: n.id, role: n.getAttribute("role"), label: n.getAttribute("aria-label") || "",
    current: n.getAttribute("aria-current") }))"""


@pytest.mark.browser
def test_buttons_nodes_and_alerts_are_named_for_a_screen_reader(tmp_path, browser):
    with notebook_page(browser, tmp_path / "reader.ipynb", CELLS) as page:
        widget = page.output(WIDGET).first
        wait_until(page, lambda: inspector_title(widget).startswith("log"), "the log inspected")
        names = widget.evaluate(NAMES)
        assert names and all(re.search(r"[A-Za-z]{3}", name) for name in names), names
        assert {"Zoom in", "Zoom out", "Download the graph as SVG"} <= set(names), names
        groups = widget.locator('.tv-toolbar [role="group"]').evaluate_all(
            "gs => gs.map((g) => g.getAttribute('aria-label'))")
        assert groups == ["Backward pass", "Zoom", "Download"], groups
        assert widget.locator(".tv-alerts").get_attribute("aria-live") == "polite"

        nodes = widget.evaluate(NODES)
        assert nodes and all(n["role"] == "button" and n["label"] for n in nodes), nodes
        origin = marked(widget, "tv-selected")
        by_id = {n["id"]: n for n in nodes}
        assert by_id[origin]["label"].startswith("log"), by_id[origin]
        assert "holds NaN or Inf" in by_id[origin]["label"], by_id[origin]
        assert [n["id"] for n in nodes if n["current"]] == [origin]
        assert by_id[origin]["current"] == "true"

        # a Step: the node whose gradient it took is current (the inspector follows it)
        widget.locator(".tv-toolbar button.tv-step").click()
        wait_until(page, lambda: marked(widget, "tv-highlight"), "a step shown")
        stepped = marked(widget, "tv-highlight")
        current = {n["id"]: n["current"] for n in widget.evaluate(NODES) if n["current"]}
        assert current.get(stepped) in ("true", "step"), (stepped, current)
        assert len([c for c in current.values() if c == "true"]) <= 1, current
        check_clean(page, browser)
