"""Notebook 03's Dashboard in JupyterLab at 1024x700 and 1280x800, light and dark, as Run All
leaves it (the file browser open): all of it fits in the notebook panel, so its buttons, both
charts and the tape are seen together (at 1024x700 it was 1035 px tall in a 578 px panel: its
charts, drawn 380 wide and scaled to a 592 px output, were 296 px tall each, their ticks
18.7 px). The charts are drawn 1:1, their text 12 px at any width, and grow with the room
when the window does. Screenshots: tests/browser/artifacts/lab-fits-<theme>-<width>.png.
"""
import pytest

from .test_newcomer_notebooks import open_as_student, servers  # noqa: F401 (a fixture)
from .test_notebooks_browser import chart_text_px
from .test_widgets import DASHBOARD, check_clean

# the dashboard's bar and both charts, each wholly inside Lab's notebook panel (as seen)
SEEN_TOGETHER = """(dash) => {
  const panel = dash.closest(".jp-WindowedPanel-outer").getBoundingClientRect();
  const parts = [".tvd-bar", ".tvd-loss", ".tvd-norms", ".tvd-tape-box"]
    .map((selector) => dash.querySelector(selector).getBoundingClientRect());
  return parts.every((r) => r.top >= panel.top - 1 && r.bottom <= panel.bottom + 1);
}"""


def chart_height(dash) -> float:
    return dash.locator(".tvd-loss").bounding_box()["height"]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_dashboard_fits_the_panel_at_1024x700_and_1280x800(theme, tmp_path, browser,
                                                               servers):  # noqa: F811
    page = open_as_student(browser, servers, tmp_path, "03_mnist_debugging.ipynb", theme,
                           window=(1024, 700), EPOCHS=2)
    dash = page.output(DASHBOARD).first
    heights = {}
    for width, height in [(1024, 700), (1280, 800)]:
        page.page.set_viewport_size({"width": width, "height": height})
        # scrolled to, as a person does (Lab lays out no cell out of its view, so the
        # dashboard is fitted to the panel when it comes into it)
        dash.scroll_into_view_if_needed()
        page.settle()
        for _ in range(50):   # refitted a frame after the window's resize
            if page.lacks(dash) == 0:
                break
            page.page.wait_for_timeout(200)
        assert page.lacks(dash) == 0, (width, dash.bounding_box()["height"])
        dash.evaluate("d => d.scrollIntoView({block: 'start'})")
        page.settle()
        assert dash.evaluate(SEEN_TOGETHER), width
        sizes = chart_text_px(dash)
        assert sizes and all(abs(px - 12) < 0.1 for px in sizes), (width, sorted(set(sizes)))
        heights[width] = chart_height(dash)
        page.screenshot(dash, f"fits-{theme}-{width}")
    assert heights[1280] > heights[1024] >= 120, heights   # the charts take the room there is
    check_clean(page, browser)
