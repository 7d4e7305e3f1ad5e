"""A real-browser harness: headless Chromium driven by Playwright against a throwaway Jupyter
server (`jupyter_server.JupyterServer`: JupyterLab or Notebook 7 on a free loopback port, a
temp copy of the notebooks, a kernel that is this interpreter). `Browser` launches
``/usr/bin/chromium`` (or ``$TAPEVIZ_CHROMIUM``) headless with a fresh profile and aborts every
request that does not go to ``http://127.0.0.1``, ``data:``, ``blob:`` or ``file:`` (a page
opened from disk, as the HTML export is), recording it in ``browser.blocked``: a test
asserting that list is empty proves the page works offline.
`Browser.open_notebook` returns a `NotebookPage` whose helpers wait for the kernel, run all
cells, find elements inside cell outputs, click them, wait for the widgets' panes to stop
moving (`settle`: by animation frames, never a fixed sleep) and save screenshots into
``tests/browser/artifacts/`` (or ``$TAPEVIZ_ARTIFACTS``). Typical use (the ``browser``
fixture of conftest.py gives a shared `Browser` and skips when Chromium is missing)::

    with JupyterServer([NOTEBOOKS / "01_eager_basics.ipynb"], app="lab") as server:
        page = browser.open_notebook(server, "01_eager_basics.ipynb")
        page.run_all()              # raises with the traceback if a cell fails; wait=False
                                    # returns at once (then page.wait_for_run())
        node = page.wait_for_output("svg g.node")
        page.click_output("svg g.node >> nth=0")
        page.screenshot(".jp-OutputArea-output svg", "graph")
        assert browser.blocked == []

A test of a small notebook it writes itself opens it in one call, `notebook_page`::

    with notebook_page(browser, tmp_path / "keys.ipynb", CELLS, theme=theme) as page:
        widget = page.output(".tapeviz").first

Standalone (no pytest): ``with JupyterServer(paths) as server, Browser() as browser: ...``.
"""
import contextlib
import os
import pathlib
import shutil
import tempfile
import urllib.parse
import urllib.request

from .jupyter_server import KERNEL_START, JupyterServer, write_notebook

CHROMIUM = os.environ.get("TAPEVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = pathlib.Path(os.environ.get("TAPEVIZ_ARTIFACTS")
                         or pathlib.Path(__file__).resolve().parent / "artifacts")
OUTPUT = ".jp-OutputArea-output"
# uncaught page errors of Jupyter itself, not of the page under test: kept apart from `errors`
UPSTREAM_ERRORS = (
    # Notebook 7.6 shortcuts settings race, https://github.com/jupyter/notebook/issues/7862
    "Cannot read properties of undefined (reading 'schema')",
)

# the current notebook panel, its kernel status, and every cell's run state, in one expression
_PANEL = "window.jupyterapp && window.jupyterapp.shell.currentWidget"
_KERNEL_IDLE = f"""() => {{
    const panel = {_PANEL};
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return !!(kernel && kernel.status === 'idle' && panel.context.isReady);
}}"""
# fire and forget: returning the promise would block Python until every cell has finished
_LOADED = f"() => {{ const panel = {_PANEL}; return !!(panel && panel.context.isReady); }}"
_RUN_ALL = """() => {
    window.__tapeviz_run = null;
    window.jupyterapp.commands.execute('notebook:run-all-cells').then(
        ok => { window.__tapeviz_run = {ok: ok}; },
        err => { window.__tapeviz_run = {ok: false, error: String(err)}; });
}"""
_CELL_ERRORS = f"""() => {{
    const panel = {_PANEL};
    const errors = [];
    panel.content.widgets.forEach((cell, i) => {{
        if (cell.model.type !== 'code') return;
        for (const out of cell.model.outputs.toJSON())
            if (out.output_type === 'error')
                errors.push(`cell ${{i}}: ${{out.ename}}: ${{out.evalue}}\\n`
                            + out.traceback.join('\\n').replace(/\\x1b\\[[0-9;]*m/g, ''));
    }});
    return errors;
}}"""
# how much of `el` a person cannot see at once: px it is taller than the view it scrolls in
# (the outermost box around it that scrolls, Lab's notebook panel below its toolbar, or the
# window) and whether part of it lies out of that view now
_FRAMING = """(el) => {
    const box = el.getBoundingClientRect();
    let top = 0, bottom = window.innerHeight;
    for (let p = el.parentElement; p; p = p.parentElement) {
        if (!p.clientHeight || !/auto|scroll/.test(getComputedStyle(p).overflowY)) continue;
        const r = p.getBoundingClientRect();
        [top, bottom] = [Math.max(0, r.top), Math.min(window.innerHeight, r.bottom)];
    }
    return { lacks: Math.max(0, Math.ceil(box.height - (bottom - top))),
             cut: box.top < top - 1 || box.bottom > bottom + 1 };
}"""

# called once a frame: true once the boxes of the elements `selector` finds and their graphs'
# views read the same three frames running (their fits, resize observers and the frames
# those defer have run: a fixed sleep waited too little on a loaded machine, too long idle)
_SETTLED = """(selector) => {
    const now = JSON.stringify([...document.querySelectorAll(selector)].map((el) => {
        const r = el.getBoundingClientRect(), svg = el.querySelector("svg");
        return [r.x, r.y, r.width, r.height, svg && svg.getAttribute("viewBox")];
    }));
    const seen = window.__tapevizSettle || (window.__tapevizSettle = { last: null, calm: 0 });
    seen.calm = now === seen.last ? seen.calm + 1 : 0;
    seen.last = now;
    if (seen.calm < 2) return false;
    window.__tapevizSettle = null;
    return true;
}"""
# what the widgets lay out on their own after the page changes: panes, graphs, status lines
PANES = ".tv-graph, .tv-side, .tv-status, .tvd-tape"


def unavailable_reason():
    """Why the browser tests cannot run here (None when Chromium and Playwright are present)."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is absent (apt-get install chromium, or set $TAPEVIZ_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; no browser download needed)"
    for module in ("jupyterlab", "notebook", "ipykernel"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install -e '.[test]')"
    return None


@contextlib.contextmanager
def notebook_page(browser, path, cells, app="lab", theme="light", run=True, **run_options):
    """The notebook of code `cells`, written at `path`, served by a `JupyterServer` (`app`,
    `theme`) until the block ends, opened in `browser` and, unless run=False, run
    (`NotebookPage.run_all(**run_options)`): the page."""
    write_notebook(path, cells)
    with JupyterServer([path], app=app, theme=theme) as server:
        page = browser.open_notebook(server, path.name)
        if run:
            page.run_all(**run_options)
        yield page



class Browser:
    """Headless Chromium with a fresh profile; every non-loopback request is aborted and kept."""

    def __init__(self, viewport=(1280, 900)):
        self.viewport = viewport
        self.blocked = []   # URLs the page tried to fetch from outside 127.0.0.1
        self.pages = []
        self._playwright = self.context = self._profile = None

    def __enter__(self):
        reason = unavailable_reason()
        if reason:
            raise RuntimeError(reason)
        from playwright.sync_api import sync_playwright
        self._profile = tempfile.mkdtemp(prefix="tapeviz-chromium-")
        self._playwright = sync_playwright().start()
        try:
            width, height = self.viewport
            self.context = self._playwright.chromium.launch_persistent_context(
                self._profile, headless=True, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                viewport={"width": width, "height": height})
            self.context.route("**/*", self._route)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _route(self, route):
        url = route.request.url
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("data", "blob", "file") or (parts.scheme == "http"
                                                and parts.hostname == "127.0.0.1"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open_notebook(self, server, name, timeout=KERNEL_START):
        """Open notebook `name` of `server` in a new page on a fresh kernel; wait until idle
        (a server with no kernels: until the notebook is loaded), as long as nbclient waits
        for a kernel to start (60 s is short at load 15)."""
        server.delete_sessions()
        page = NotebookPage(self.context.new_page(), server.app)
        self.pages.append(page)
        page.page.goto(server.notebook_url(name))
        if server.kernels:
            page.wait_for_kernel_idle(timeout)
        else:
            page.page.wait_for_function(_LOADED, timeout=timeout * 1000, polling=100)
        return page

    def close_pages(self):
        """Close every page opened so far (the browser stays up for the next test)."""
        for page in self.pages:
            page.page.close()
        self.pages.clear()

    def __exit__(self, *exc):
        if self.context is not None:
            self.context.close()
        if self._playwright is not None:
            self._playwright.stop()
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)


class NotebookPage:
    """One open notebook: `page` is the Playwright Page; `errors` the uncaught JS errors.

    Known errors of Jupyter itself (`UPSTREAM_ERRORS`) go to `upstream_errors` instead.
    """

    def __init__(self, page, app):
        self.page, self.app = page, app
        self.errors, self.upstream_errors = [], []
        page.on("pageerror", self._page_error)

    def _page_error(self, error):
        known = any(text in str(error) for text in UPSTREAM_ERRORS)
        (self.upstream_errors if known else self.errors).append(str(error))

    def wait_for_kernel_idle(self, timeout=KERNEL_START):
        """Wait until the notebook is loaded and its kernel is idle."""
        self.page.wait_for_function(_KERNEL_IDLE, timeout=timeout * 1000, polling=100)

    def run_all(self, timeout=120, check=True, wait=True):
        """Run every cell; unless wait=False (to click while cells run), `wait_for_run` too."""
        self.wait_for_kernel_idle(timeout)
        self.page.evaluate(_RUN_ALL)
        return self.wait_for_run(timeout, check) if wait else None

    def wait_for_run(self, timeout=120, check=True):
        """Wait until run_all has finished; return the cells' errors (with check, raise on one)."""
        self.page.wait_for_function("() => window.__tapeviz_run", timeout=timeout * 1000,
                                    polling=100)
        errors = self.page.evaluate(_CELL_ERRORS)
        if check and errors:
            raise AssertionError("notebook cells failed:\n" + "\n\n".join(errors))
        return errors

    def output(self, selector):
        """A Locator for `selector` (CSS, text=..., any Playwright selector) inside cell outputs.

        Scoped so that text selectors never match the notebook's source code.
        """
        return self.page.locator(OUTPUT).locator(selector)

    def wait_for_output(self, selector, timeout=30):
        """Wait until `selector` is visible inside an output; return its first match."""
        locator = self.output(selector).first
        locator.wait_for(state="visible", timeout=timeout * 1000)
        return locator

    def click_output(self, selector, timeout=30):
        """Click the first element matching `selector` inside an output."""
        locator = self.wait_for_output(selector, timeout)
        locator.scroll_into_view_if_needed()
        locator.click()
        return locator

    def settle(self, selector=PANES, timeout=30):
        """Wait until what `selector` finds has stopped moving: the same boxes and graph views
        three animation frames running."""
        self.page.wait_for_function(_SETTLED, arg=selector, polling="raf",
                                    timeout=timeout * 1000)

    def lacks(self, target) -> int:
        """How many px `target` (a selector or Locator) is taller than the view it scrolls in
        (Lab's notebook panel): 0 when a person sees all of it at once."""
        return self._locator(target).evaluate(_FRAMING)["lacks"]

    def screenshot(self, target, name):
        """Save a PNG of all of `target` (a selector or Locator) as ARTIFACTS/<app>-<name>.png.

        Lab scrolls inside its own panel, under its toolbar: a target taller than that panel
        came out cut (its title under the toolbar, or its bottom gone), so the window is made
        taller for the shot and then put back.
        """
        locator = self._locator(target)
        size = self.page.viewport_size
        try:
            for _ in range(3):   # the window's new height may resize the target: look again
                locator.scroll_into_view_if_needed()
                frame = locator.evaluate(_FRAMING)
                if not frame["cut"]:
                    break
                self.page.set_viewport_size({"width": size["width"], "height":
                                             self.page.viewport_size["height"] + frame["lacks"]
                                             + 16})
                self.settle()   # the widgets refit their panes
            assert not frame["cut"], f"screenshot {name}: {frame['lacks']} px out of the view"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            path = ARTIFACTS / f"{self.app}-{name}.png"
            locator.screenshot(path=path)
        finally:
            if self.page.viewport_size != size:
                self.page.set_viewport_size(size)
        return path

    def _locator(self, target):
        return self.page.locator(target).first if isinstance(target, str) else target
