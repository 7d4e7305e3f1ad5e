"""Fixtures for the real-browser tests: a shared headless Chromium and Jupyter servers.

`browser` is one `harness.Browser` for the whole session (launching Chromium costs a second),
handed to each test with an empty `blocked` list and its pages closed afterwards; it skips the
test with the reason when Chromium, Playwright or Jupyter is missing. `jupyter_server(paths,
app="lab")` starts a `jupyter_server.JupyterServer` that is stopped when the test ends.
"""
import pytest

from .harness import Browser, unavailable_reason
from .jupyter_server import JupyterServer


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab / Notebook 7 in headless Chromium (slow)")


@pytest.fixture(scope="session")
def _chromium():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with Browser() as browser:
        yield browser


@pytest.fixture
def browser(_chromium):
    _chromium.blocked.clear()
    yield _chromium
    _chromium.close_pages()


@pytest.fixture
def jupyter_server():
    servers = []

    def start(notebooks, app="lab"):
        server = JupyterServer(notebooks, app=app).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)
