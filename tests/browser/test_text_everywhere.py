"""Every text of every tapeviz output of the four notebooks, run whole in JupyterLab at 1280x800
and 1024x700, light and dark, as Run All leaves them and with a node of each tape widget
inspected: 11 px or more on screen and WCAG AA contrast (4.5:1) against what is rendered
behind it, and none cut at the side of a box that clips it (text_sweep.py). Screenshots:
tests/browser/artifacts/lab-text-<theme>-<width>-<notebook>-<n>.png."""
import pytest

from .test_newcomer_notebooks import open_as_student, servers  # noqa: F401 (a fixture)
from .test_widgets import DASHBOARD, WIDGET, check_clean, click_node, inspector_title, wait_until
from .text_sweep import cut_texts, unreadable_texts

NOTEBOOKS = {"01_eager_basics.ipynb": {}, "02_regression_debugging.ipynb": {},
             "03_mnist_debugging.ipynb": {"EPOCHS": 2},
             "04_pytorch_debugging.ipynb": {"EPOCHS": 2}}


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", list(NOTEBOOKS))
@pytest.mark.parametrize("width,height", [(1280, 800), (1024, 700)])
def test_every_text_is_readable(name, theme, width, height, tmp_path, browser,
                                servers, monkeypatch):  # noqa: F811
    if name.startswith("04"):
        pytest.importorskip("torch", reason='torch is not installed: pip install "tapeviz[torch]"')
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")   # 04's breakpoint: no prompt to answer
    page = open_as_student(browser, servers, tmp_path, name, theme, window=(width, height),
                           **NOTEBOOKS[name])
    page.settle()
    outputs = page.output(f"{WIDGET}, {DASHBOARD}")
    unreadable = {}
    for i in range(outputs.count()):
        output = outputs.nth(i)
        output.scroll_into_view_if_needed()
        found = unreadable_texts(output) + cut_texts(output)
        nodes = output.locator(".tv-graph svg g.node[id^='n']")
        if nodes.count():   # a tape widget: its inspector open on an op
            click_node(page, output, nodes.first.get_attribute("id"))
            wait_until(page, lambda output=output: inspector_title(output) != "", "inspected")
            page.settle()
            found += unreadable_texts(output) + cut_texts(output)
        page.screenshot(output, f"text-{theme}-{width}-{name[:2]}-{i}")
        if found:
            unreadable[i] = sorted(set(map(tuple, found)))
    assert outputs.count() and unreadable == {}, unreadable
    check_clean(page, browser)
