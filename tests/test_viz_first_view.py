"""A TapeWidget's first view (as a kernel opens it: laid out, its values not yet checked for
NaN/Inf, no alerts) and the checks that complete it: the unchecked state is said, never sent
as clean, never seen by Python code, and the checked widget equals one opened at once."""
import asyncio
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest

import tapeviz as tf

pytest.importorskip("anywidget")
from tapeviz.viz import saved  # noqa: E402
from tapeviz.viz.render import find_layout_binary  # noqa: E402
from tapeviz.viz.widget import CHECKING, TapeWidget  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")   # the -inf made on purpose

if find_layout_binary() is None:
    pytest.skip("no Graphviz layout binary: pip install graphviz-pure==0.2.2",
                allow_module_level=True)


def nan_tape(blocks: int = 2):
    """A persistent tape of `blocks` scoped blocks; the last block's log makes -inf."""
    x = tf.Variable([1.0, 0.5], name="x")
    with tf.GradientTape(persistent=True) as tape:
        h = x
        for block in range(blocks):
            with tf.name_scope(f"block{block}"):
                h = tf.tanh(h * 0.5)
        loss = tf.reduce_sum(tf.math.log(h * 0.0))
    return tape, loss


def state(widget) -> dict:
    """What the browser has of `widget` (sending it does not finish the checks)."""
    return widget.get_state()


@pytest.mark.parametrize("blocks", [2, 200])   # drawn whole; collapsed into a ×N box
def test_first_view_says_it_is_unchecked_and_completes_to_the_whole_open(blocks):
    tape, _ = nan_tape(blocks)
    first = TapeWidget(tape, check_later=True)
    sent = state(first)
    assert sent["checking"] == CHECKING and sent["alerts"] == []
    assert "⚠" not in sent["svg"]   # no mark yet: the whole view is said to be unchecked
    whole = TapeWidget(tape, check_later=False)
    assert whole.checking == "" and "⚠" in whole.svg
    first.finish_checks()
    assert state(first)["checking"] == ""
    assert (first.svg, first.alerts, first.status, first.title) == \
        (whole.svg, whole.alerts, whole.status, whole.title)
    assert any(alert["kind"] == "nan" for alert in first.alerts)


def test_reading_svg_or_alerts_in_python_finishes_the_checks():
    tape, _ = nan_tape()
    for read in (lambda w: w.alerts, lambda w: w.svg, lambda w: w.graph, lambda w: w.view):
        widget = TapeWidget(tape, check_later=True)
        read(widget)
        assert widget.checking == ""
        assert any(alert["kind"] == "nan" for alert in widget.alerts)


def test_an_action_on_the_first_view_checks_it_first():
    tape, loss = nan_tape()
    widget = TapeWidget(tape, target=loss, check_later=True)
    widget.step()
    assert state(widget)["checking"] == "" and state(widget)["alerts"]
    assert widget.stepper["count"] == 1


def test_a_node_made_in_the_first_view_is_marked_by_the_checks():
    tape, _ = nan_tape()
    widget = TapeWidget(tape, check_later=True)
    log = widget._graph.nodes["n5"]   # drawn in the first view: made before the checks
    assert log.op == "log" and not log.nonfinite
    widget.finish_checks()
    assert log.nonfinite and log.bad_value
    assert widget.graph.nodes["n5"] is log


def test_in_a_running_event_loop_the_checks_run_after_the_cell():
    tape, _ = nan_tape()

    async def cell():
        widget = TapeWidget(tape)   # a kernel's loop runs: the first view goes out alone
        assert state(widget)["checking"] == CHECKING
        await asyncio.sleep(0)      # the cell returned: the loop runs the checks
        return widget

    # in a thread of its own: an earlier test's Playwright (sync API) leaves its loop
    # marked running in this one, where asyncio.run refuses to start another
    with ThreadPoolExecutor(1) as pool:
        widget = pool.submit(asyncio.run, cell()).result()
    assert state(widget)["checking"] == "" and state(widget)["alerts"]
    assert widget.error == ""


def test_the_saved_twin_is_displayed_once_the_values_are_checked():
    tape, _ = nan_tape()
    widget = TapeWidget(tape, check_later=True)
    shown, handle = [], mock.Mock()

    def display(data, **kwargs):
        shown.append(data)
        return handle if kwargs.get("display_id") else None

    with mock.patch("IPython.display.display", display):
        saved.display_with_twin(widget)
    assert shown[0] == {"text/plain": f"tapeviz: {widget.title} ({CHECKING})"}
    assert handle.update.call_count == 0 and widget.checking == CHECKING
    widget.finish_checks()
    twin = handle.update.call_args.args[0]
    assert "⚠" in twin["image/svg+xml"]


def test_blocks_alike_by_their_ops_but_not_their_shapes_split_once_checked():
    x = tf.Variable([1.0, 0.5], name="x")
    with tf.GradientTape(persistent=True) as tape:
        h = x
        for block in range(6):   # the same ops each block, on a value one longer each time
            with tf.name_scope(f"block{block}"):
                h = tf.tanh(tf.concat([h, [1.0]], 0) * 0.9)
    first = TapeWidget(tape, max_nodes=5, check_later=True)
    assert "×5" in state(first)["svg"]   # blocks 1-5 alike by their ops (block 0 reads x)
    whole = TapeWidget(tape, max_nodes=5, check_later=False)
    assert "×" not in whole.svg
    first.finish_checks()
    assert first.svg == whole.svg and list(first.view.nodes) == list(whole.view.nodes)


def kernel_shell(monkeypatch, silent: bool = False):
    """IPython's test shell as a kernel answering an execute_request (silent: a frontend's
    own code), with a nan tape and TapeWidget in its namespace."""
    from IPython.testing.globalipapp import get_ipython
    shell = get_ipython()
    kernel = mock.Mock()
    request = {"header": {"msg_type": "execute_request"}}
    if silent:
        request["content"] = {"silent": True}
    kernel.get_parent.return_value = request
    monkeypatch.setattr(shell, "kernel", kernel, raising=False)
    tape, _ = nan_tape()
    shell.user_ns.update(tape=tape, TapeWidget=TapeWidget)
    return shell


def test_in_a_kernel_the_checks_run_when_the_cells_code_has_returned(monkeypatch):
    shell = kernel_shell(monkeypatch)
    shell.run_cell("first = TapeWidget(tape, check_later=True)\n"
                   "pending = first.get_state()['checking']")
    assert shell.user_ns["pending"] == CHECKING   # while the cell ran
    widget = shell.user_ns["first"]
    assert state(widget)["checking"] == "" and state(widget)["alerts"]   # before its reply
    assert widget.error == ""


def test_in_a_kernel_a_silent_execution_checks_its_widget_when_its_code_returns(monkeypatch):
    """A silent execute_request (a frontend's own code, nbclient's hidden cells) triggers no
    post_run_cell: its widget must not wait, unchecked, for the next cell a person runs."""
    shell = kernel_shell(monkeypatch, silent=True)
    shell.run_cell("quiet = TapeWidget(tape, check_later=True)", silent=True)
    widget = shell.user_ns["quiet"]
    assert state(widget)["checking"] == "" and state(widget)["alerts"]


def test_a_cell_that_raises_after_making_a_widget_still_checks_it(monkeypatch):
    shell = kernel_shell(monkeypatch)
    hooks = len(shell.events.callbacks["post_execute"] + shell.events.callbacks["post_run_cell"])
    shell.run_cell("made = [TapeWidget(tape, check_later=True) for _ in range(50)]\n"
                   "raise ValueError('the cell fails after making them')")
    assert all(state(widget)["checking"] == "" and state(widget)["alerts"]
               for widget in shell.user_ns["made"])
    # each widget's hook ran once and left: none piles up over a session
    assert len(shell.events.callbacks["post_execute"] +
               shell.events.callbacks["post_run_cell"]) == hooks


def test_a_thread_reading_alerts_while_the_checks_run_waits_for_them(monkeypatch):
    """The kernel's end-of-cell checks and a thread of the user's (a training loop) reading
    the widget: the reader gets the checked alerts, never the first view's empty list."""
    import threading
    from tapeviz.viz.graph import Graph
    tape, _ = nan_tape()
    widget = TapeWidget(tape, check_later=True)
    started, release = threading.Event(), threading.Event()
    check_values = Graph.check_values

    def slow_check(graph):
        started.set()
        release.wait(timeout=30)
        return check_values(graph)

    monkeypatch.setattr(Graph, "check_values", slow_check)
    checker = threading.Thread(target=widget.finish_checks)
    checker.start()
    assert started.wait(timeout=30)
    seen = []
    reader = threading.Thread(target=lambda: seen.append(list(widget.alerts)))
    reader.start()
    reader.join(timeout=0.5)   # the reader, if it does not wait, reads the first view now
    release.set()
    checker.join()
    reader.join()
    assert seen and any(alert["kind"] == "nan" for alert in seen[0])


def test_a_node_drawn_by_another_thread_while_the_values_are_checked_is_marked(monkeypatch):
    """A GraphNode made on another thread in the middle of the checks (an action on the
    widget from a training thread): made without error and marked once they end."""
    import threading
    from tapeviz.viz import table
    from tapeviz.viz.graph import Graph
    tape, _ = nan_tape()
    graph = Graph.from_tape(tape, check_values=False)
    made, errors = [], []
    check_each = table.nonfinite_each

    def check_each_while_a_thread_draws(values):
        def draw():
            try:
                made.append(graph.nodes["n5"])
            except Exception as exc:
                errors.append(exc)
        thread = threading.Thread(target=draw)
        thread.start()
        thread.join()
        return check_each(values)

    monkeypatch.setattr(table, "nonfinite_each", check_each_while_a_thread_draws)
    assert graph.check_values()
    assert errors == [] and made[0].op == "log"
    assert made[0].nonfinite and made[0].bad_value


def test_checks_that_fail_are_said_and_tried_again_not_taken_as_done(monkeypatch):
    """The end-of-cell checks raise (shown in the widget's error): the view stays said to be
    unchecked, and the next read in Python checks again, never answering 'no alerts'."""
    from tapeviz.viz import widget_checks as checks_module
    tape, _ = nan_tape()
    widget = TapeWidget(tape, check_later=True)
    find_alerts = checks_module.find_alerts
    monkeypatch.setattr(checks_module, "find_alerts",
                        mock.Mock(side_effect=RuntimeError("the checks broke")))
    widget._guarded(widget.finish_checks)   # as the end-of-cell hook runs them
    assert widget.error == "RuntimeError: the checks broke"
    assert state(widget)["checking"] == CHECKING
    monkeypatch.setattr(checks_module, "find_alerts", find_alerts)
    assert any(alert["kind"] == "nan" for alert in widget.alerts)
    assert state(widget)["checking"] == ""


def test_an_executed_notebook_keeps_the_checked_twin_of_a_first_view(tmp_path):
    """nbclient (nbconvert --execute, papermill) in a real kernel: the twin it saves is the
    checked graph (its NaN marked), not the 'not yet checked' placeholder."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from browser.jupyter_server import execute_cells

    cells = ["import tapeviz as tf\nfrom tapeviz.viz.widget import TapeWidget\n"
             "x = tf.Variable([1.0, 0.5])\n"
             "with tf.GradientTape(persistent=True) as tape:\n"
             "    loss = tf.reduce_sum(tf.math.log(x * 0.0 - 1.0))\n"
             "widget = TapeWidget(tape)\nwidget",
             "print(widget.get_state()['checking'] == '')"]
    nb = execute_cells(tmp_path, cells)
    twins = [output["data"] for output in nb.cells[0].outputs
             if "image/svg+xml" in output.get("data", {})]
    assert len(twins) == 1 and "⚠" in twins[0]["image/svg+xml"]
    assert not any("not yet checked" in output.get("data", {}).get("text/plain", "")
                   for output in nb.cells[0].outputs)
    assert nb.cells[1].outputs[0]["text"] == "True\n"
