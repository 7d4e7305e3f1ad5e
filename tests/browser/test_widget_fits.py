"""Notebook 02's tape widgets in JupyterLab at 1024x700 (the file browser open), light and dark,
as Run All leaves them: each fits whole in the notebook panel once scrolled to, its toolbar
(Step, Continue, the step slider) seen with its graph (the Recorder's stepping widget ran 40 px
past the panel: its graph pane kept 240 px where the panel left it 192). Screenshots:
tests/browser/artifacts/lab-widget-fits-<theme>-<n>.png.
"""
import pytest

from .test_newcomer_notebooks import open_as_student, servers  # noqa: F401 (a fixture)
from .test_widgets import WIDGET, check_clean


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_each_tape_widget_fits_the_panel_at_1024x700(theme, tmp_path, browser, monkeypatch,
                                                     servers):  # noqa: F811
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")   # the abs breakpoint: no prompt to answer
    page = open_as_student(browser, servers, tmp_path, "02_regression_debugging.ipynb", theme,
                           window=(1024, 700))
    widgets = page.output(WIDGET)
    assert widgets.count()
    lacking = {}
    for i in range(widgets.count()):
        widget = widgets.nth(i)
        widget.scroll_into_view_if_needed()   # Lab lays out no cell out of its view
        page.settle()
        if page.lacks(widget):
            lacking[i] = page.lacks(widget)
        page.screenshot(widget, f"widget-fits-{theme}-{i}")
    assert lacking == {}, f"px each widget is taller than the panel: {lacking}"
    check_clean(page, browser)
