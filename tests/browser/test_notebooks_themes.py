"""The tutorial notebooks run in JupyterLab's light and dark themes at 1440x900, screenshot top
to bottom to be looked at (lab-<theme>-<notebook>-<n>.png in tests/browser/artifacts/); every
tapeviz output's text reaches WCAG contrast 4.5 against what is behind it, is sized 11-16 px,
and a toolbar status wraps only when no room is left beside it.
"""
import pytest

from .test_notebooks_browser import NOTEBOOKS, contrast, page_through
from .test_widgets import check_clean


# every text a tapeviz output shows outside its drawings (SVG), sized outside 11-16 px
TEXT_OUTSIDE_11_TO_16_PX = """(root) => {
  const bad = [], walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement, text = walker.currentNode.textContent.trim();
    if (!text || el.closest("svg") || !el.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 11 || size > 16) bad.push(`${el.className} ${size}px: ${text.slice(0, 40)}`);
  }
  return bad;
}"""

# a toolbar status wrapped to several lines while room was left beside it (px of it)
STATUS_WRAPPED_BESIDE_ROOM = """(status) => {
  const line = parseFloat(getComputedStyle(status).lineHeight);
  const box = status.getBoundingClientRect();
  const next = [...status.parentElement.children].filter((el) => el !== status
    && el.childNodes.length   // not an empty spacer: room is room
    && el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().left >= box.right
    && Math.abs(el.getBoundingClientRect().top - box.top) < box.height);
  const right = Math.min(...next.map((el) => el.getBoundingClientRect().left),
                         status.parentElement.getBoundingClientRect().right);
  return box.height > 1.5 * line ? Math.round(right - box.right) : 0;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_notebooks_read_in_both_themes(theme, tmp_path, browser, monkeypatch):
    """Notebooks 01-03 run in JupyterLab at 1440x900 in each theme; screenshots of each, top
    to bottom, to look at (lab-<theme>-<notebook>-<n>.png); every tapeviz output's text is
    readable against what is behind it and sized 11-16 px."""
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")   # 02's breakpoint: no prompt to answer
    read_in_theme(("01_eager_basics", "02_regression_debugging", "03_mnist_debugging"), theme,
                  tmp_path, browser)


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_pytorch_notebook_reads_in_both_themes(theme, tmp_path, browser, monkeypatch):
    """Notebook 04, as 01-03 above, where torch is installed."""
    pytest.importorskip("torch", reason='torch is not installed: pip install "tapeviz[torch]"')
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")   # as for 01-03: no prompt to answer
    read_in_theme(("04_pytorch_debugging",), theme, tmp_path, browser)


def read_in_theme(names, theme, tmp_path, browser) -> None:
    """Run the notebooks `names` in JupyterLab in `theme` at 1440x900, page through each
    (screenshots), and check its outputs' contrast, text size and status lines."""
    import nbformat

    from test_notebooks import PARAMETERS, set_parameter

    from .jupyter_server import JupyterServer
    paths = []
    for name in names:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        for variable, value in PARAMETERS.get(name, {}).items():
            set_parameter(nb, variable, value)
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
        paths.append(tmp_path / f"{name}.ipynb")
    with JupyterServer(paths, app="lab", theme=theme) as server:
        for path in paths:
            page = browser.open_notebook(server, path.name)
            page.page.set_viewport_size({"width": 1440, "height": 900})
            page.run_all(timeout=240)
            page.settle()   # the outputs' panes and status lines laid out
            page_through(page, f"{theme}-{path.stem[:2]}")
            for selector in (".tv-title", ".tv-status", ".tvd-status", ".tv-alert-go"):
                found = page.output(selector)
                for i in range(found.count()):
                    ratio = contrast(found.nth(i))["ratio"]
                    assert ratio >= 4.5, f"{path.stem}: {selector} at {ratio:.2f}:1"
            outputs = page.output(".tapeviz, .tapeviz-dashboard")
            for i in range(outputs.count()):
                sizes = outputs.nth(i).evaluate(TEXT_OUTSIDE_11_TO_16_PX)
                assert sizes == [], f"{path.stem}: text outside 11-16 px: {sizes}"
            statuses = page.output(".tv-status")
            for i in range(statuses.count()):
                room = statuses.nth(i).evaluate(STATUS_WRAPPED_BESIDE_ROOM)
                assert room < 24, f"{path.stem}: a status wrapped beside {room} px of room"
            check_clean(page, browser)
            browser.close_pages()


