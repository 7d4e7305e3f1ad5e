"""Shared test fixtures: paths to the real data beside the project, when present."""
import asyncio
import pathlib

import pytest

# not tests: the recorders run under TensorFlow in its own venv, and the tutorial programs
# run when tests/test_tutorials.py imports them (collecting them as doctest modules would
# train their models again at collection)
collect_ignore_glob = ["tf_fidelity/record*.py", "tutorials/*.py"]   # record*: need TensorFlow

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def _no_event_loop_left_running(request):
    """Playwright's sync API (the browser tests' session-wide browser) leaves its event loop
    marked running on the main thread; a test after them must not run as if inside a
    kernel's cell (a TapeWidget would defer its checks to a loop that never turns)."""
    leaked = asyncio._get_running_loop()
    if leaked is None or request.node.get_closest_marker("browser"):
        yield
        return
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(leaked)


@pytest.fixture
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture
def shown(monkeypatch):
    """What the magics displayed, in order (`tapeviz.ipython.magic.display` kept, not shown)."""
    pytest.importorskip("IPython")
    from tapeviz.ipython import magic
    displayed = []
    monkeypatch.setattr(magic, "display", displayed.append)
    return displayed


@pytest.fixture
def runners():
    """Make Runners (`runners(train, *args)`) that are always stopped and joined, even when a
    test fails."""
    from tapeviz.debugger import Runner
    made = []

    def make(fn, *args, **kwargs):
        runner = Runner(fn, *args, **kwargs)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.stop()
        if runner._thread is not None:
            runner._thread.join(10.0)
            assert not runner._thread.is_alive(), "a runner thread did not end"


@pytest.fixture
def quiet_breakpoints(monkeypatch):
    """A breakpoint's hit raises (or is kept) instead of opening pdb, and none is left armed
    before or after the test."""
    from tapeviz.debugger import clear_breakpoints
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    monkeypatch.delenv("PYTHONBREAKPOINT", raising=False)
    clear_breakpoints()
    yield
    clear_breakpoints()


@pytest.fixture
def keras_session():
    """Fresh Keras layer names and a fixed random seed, before and after a test."""
    from tapeviz.keras import backend
    import tapeviz as tf
    backend.clear_session()
    tf.random.set_seed(0)
    yield
    backend.clear_session()
    tf.random.set_seed(None)


@pytest.fixture
def kernel_shell(monkeypatch):
    """IPython's test shell posing as a kernel's, with tapeviz's displays registered; they
    are unregistered after the test, so a later test sees what terminal IPython does."""
    globalipapp = pytest.importorskip("IPython.testing.globalipapp")
    from tapeviz.ipython.display import register_html_display
    shell = globalipapp.get_ipython() or globalipapp.start_ipython()
    monkeypatch.setattr(shell, "kernel", object(), raising=False)
    register_html_display(shell)
    yield shell
    from tapeviz.ipython.display import display_dashboard, display_tape_widget
    widgets = shell.display_formatter.ipython_display_formatter
    ours = (display_tape_widget, display_dashboard)
    for printers in (widgets.type_printers, widgets.deferred_printers):
        for key in [key for key, printer in printers.items() if printer in ours]:
            del printers[key]
