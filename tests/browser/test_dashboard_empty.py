"""A Dashboard shown before anything is watched says what to call next: it read 'idle', '0 steps
done' and 'no data yet' in both charts, and nothing more (its status line, which names
`.train(...)` and `.attach(runner)`, was set only by a timer that attach starts). Screenshot:
tests/browser/artifacts/lab-dashboard-empty-<theme>.png."""
import pytest

from .harness import notebook_page
from .test_widgets import DASHBOARD, check_clean, wait_until

CELLS = ["from tapeviz.viz import Dashboard\nDashboard()"]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_an_empty_dashboard_says_how_to_start(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "empty.ipynb", CELLS, theme=theme) as page:
        dash = page.wait_for_output(DASHBOARD, timeout=60)
        status = dash.locator(".tvd-status")
        wait_until(page, lambda: status.text_content(), "the status line")
        page.settle()
        page.screenshot(dash, f"dashboard-empty-{theme}")
        said = status.inner_text()
        assert ".train(train_fn, ...)" in said and ".attach(runner)" in said, said
        assert "`" not in said, said   # the status is drawn as plain text
        assert status.is_visible()
        check_clean(page, browser)
