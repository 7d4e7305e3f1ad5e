"""TapeWidget as plain Python: its traits, clicks, alerts, breakpoints and exports, with no
browser (tests/browser drives the real one). Its backward stepping, time travel and the counts
they show: test_viz_widget_steps.py."""
import gc
import json
import re
import sys
import weakref

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder, breakpoints, clear_breakpoints

pytest.importorskip("anywidget")
from tapeviz.viz.render import find_layout_binary  # noqa: E402
from tapeviz.viz.widget import TapeWidget  # noqa: E402

if find_layout_binary() is None:
    pytest.skip("no Graphviz layout binary: pip install graphviz-pure==0.2.2",
                allow_module_level=True)


@pytest.fixture(autouse=True)
def no_breakpoints():
    clear_breakpoints()
    yield
    clear_breakpoints()


def regression_tape():
    w, b = tf.Variable(0.5, name="w"), tf.Variable(0.1, name="b")
    with tf.GradientTape(persistent=True) as tape:
        residual = 3.0 - (w * 2.0 + b)
        loss = tf.where(tf.abs(residual) <= 1.0, 0.5 * tf.square(residual),
                        tf.abs(residual) - 0.5)
    return tape, loss, (w, b)


def svg_node_ids(svg: str) -> list:
    return re.findall(r'<g id="([^"]+)" class="node[ "]', svg)


def op_table(inspector: dict) -> list:
    [op] = [s for s in inspector["sections"] if s["title"] == "Op"]
    return op["content"]


def test_widget_draws_every_op_with_clickable_ids():
    tape, loss, _ = regression_tape()
    widget = TapeWidget(tape)
    ids = svg_node_ids(widget.svg)
    assert {f"n{i}" for i in range(len(tape.nodes))} == {i for i in ids if i.startswith("n")}
    assert {"v0", "v1"} <= set(ids)
    assert widget.title == f"persistent tape: {len(tape.nodes)} ops"


def test_click_fills_the_inspector_with_the_source_line():
    tape, loss, _ = regression_tape()
    widget = TapeWidget(tape)
    widget.selected = "n0"        # what the JS does on a click
    payload = widget.inspector
    assert payload["id"] == "n0"
    text = json.dumps(payload)
    assert "multiply" in text and "w * 2.0 + b" in text
    assert set(payload["actions"]) == {"break_op", "break_line", "clear_breaks", "gradcheck"}


def test_stepping_matches_tape_gradient_and_moves_the_highlight():
    tape, loss, (w, b) = regression_tape()
    widget = TapeWidget(tape, target=loss, sources=[w, b])
    highlights = []
    while not widget.stepper.get("done", False):
        widget.step()
        highlights.append(widget.highlight)
    assert highlights[0] == f"n{len(tape.nodes) - 1}"    # backward starts at the loss
    assert len(set(highlights)) > 3
    expected = tape.gradient(loss, [w, b])
    stepped = dict(widget.stepper["gradients"])
    from tapeviz.debugger.summary import summarize
    assert stepped["w"] == summarize(expected[0])   # as the graph draws them, not 'w:0'
    assert stepped["b"] == summarize(expected[1])


def test_continue_and_reset():
    tape, loss, (w, b) = regression_tape()
    widget = TapeWidget(tape, target=loss, sources=[w, b])
    widget.continue_()
    assert widget.stepper["done"]
    widget.reset()
    assert widget.stepper == {} and widget.highlight == ""


def test_recorder_time_travel_and_replayed_backward():
    w = tf.Variable(2.0, name="w")
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.1 * tape.gradient(loss, w))
    widget = TapeWidget(rec)
    assert widget.step_count == 3 and widget.step_index == 2
    first_title = widget.title
    widget.step_index = 0          # the slider
    assert widget.title != first_title and "loss 4" in widget.title
    widget.continue_()             # the tape is long gone: the recorded step is replayed
    grads = dict(widget.stepper["gradients"])
    assert grads["w"] == "float32 scalar 4.0"


def test_alert_for_nan_names_the_node_and_a_click_on_it_inspects():
    x = tf.Variable([1.0, -1.0])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.log(x) * 2.0)
    widget = TapeWidget(tape)
    nan = [a for a in widget.alerts if a["kind"] == "nan"]
    assert nan and nan[0]["node"] == "n0" and "log" in nan[0]["message"]
    widget.selected = nan[0]["node"]
    assert widget.inspector["id"] == "n0"
    del y


def test_breakpoint_from_the_inspector_then_hits(monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    tape, loss, _ = regression_tape()
    widget = TapeWidget(tape)
    abs_node = next(gid for gid, n in widget.graph.nodes.items() if n.op == "abs")
    widget.selected = abs_node
    widget._on_message(widget, {"action": "break_op"}, [])
    assert widget.error == ""
    assert len(breakpoints()) == 1
    assert widget.breakpoints == ["break on op abs (0 hits)"]
    with pytest.raises(tf.debugger.BreakpointError):
        tf.abs(tf.constant(-1.0))
    widget.selected = abs_node    # a hit updates the count the next time the list is shown
    widget._on_message(widget, {"action": "break_line"}, [])
    line = widget.graph.nodes[abs_node].source.lineno
    assert widget.breakpoints[0] == "break on op abs (1 hit)"
    assert re.fullmatch(rf"break on line \S*test_viz_widget\.py:{line}\b.*tf\.abs.* \(0 hits\)",
                        widget.breakpoints[1])
    widget._on_message(widget, {"action": "clear_breaks"}, [])
    assert breakpoints() == [] and widget.breakpoints == []


def test_gradient_check_from_the_widget():
    tape, loss, _ = regression_tape()
    widget = TapeWidget(tape)
    widget.selected = "n0"
    widget._on_message(widget, {"action": "gradcheck"}, [])
    # the result sits under the buttons that made it, not after every other section
    [result] = widget.inspector["results"]
    assert result["title"] == "Gradient check"
    assert result["content"].startswith("multiply") and "gradient check passed" in \
        result["content"]
    assert all(s["title"] != "Gradient check" for s in widget.inspector["sections"])


def test_errors_from_actions_are_shown_not_swallowed():
    widget = TapeWidget([])
    widget._on_message(widget, {"action": "step"}, [])
    assert "ValueError" in widget.error and "list of nodes has no tape" in widget.error
    widget._on_message(widget, {"action": "no such thing"}, [])
    assert "unknown action" in widget.error


def test_consumed_tape_says_what_to_do():
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = w * w
    tape.gradient(loss, w)
    with pytest.raises(ValueError, match="persistent=True"):
        TapeWidget(tape)


def test_large_tape_opens_collapsed_and_a_click_expands():
    x = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        for block in range(40):
            with tf.name_scope(f"block{block}"):
                for _ in range(30):
                    x = x * 1.001
    widget = TapeWidget(tape, max_nodes=300)
    # block0 also reads x; the 39 blocks after it are copies of one: one box marked ×39
    assert set(svg_node_ids(widget.svg)) == {"g:block0", "g:block1*39"}
    widget.selected = "g:block1*39"
    assert widget.error == "" and "g:block3" in svg_node_ids(widget.svg)
    widget.selected = "g:block3"
    assert widget.error == "" and widget.selected == ""
    ids = svg_node_ids(widget.svg)
    assert "g:block3" not in ids and sum(i.startswith("n") for i in ids) == 30
    inner = next(i for i in ids if i.startswith("n"))
    widget.selected = inner
    assert "collapse" in widget.inspector["actions"]
    widget._on_message(widget, {"action": "collapse"}, [])     # the inspector's button
    assert widget.error == "" and "g:block3" in svg_node_ids(widget.svg)
    assert widget.selected == "" and widget.inspector == {}


def test_stepping_into_a_scope_wider_than_max_nodes_opens_it():
    # issue 13: five nodes of one scope, four shown: reveal() recursed without end
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        with tf.name_scope("b"):
            tf.reduce_sum(w * w) + 1.0
    widget = TapeWidget(tape, max_nodes=4)
    widget.step()
    assert widget.error == "" and widget.highlight == "n2" == widget.selected
    assert "n2" in svg_node_ids(widget.svg) and len(widget.view.nodes) <= 4
    # a toggle opens the group it names, and no id nests inside another's range
    closed = next(i for i in widget.view.nodes if i.startswith("g:"))
    members = widget.view.nodes[closed].members
    widget.toggle(closed)
    assert set(members) <= set(widget.view.nodes)
    assert not any(i.count("#") > 1 for i in widget.view.nodes)


def test_a_stack_of_400_constants_steps_twice_at_the_default_max_nodes():
    v = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        tf.reduce_sum(tf.stack([tf.constant(float(i)) for i in range(400)] + [v]))
    widget = TapeWidget(tape)
    assert len(widget.view.nodes) <= 300
    widget.step()
    widget.step()
    assert widget.error == "" and widget.stepper["op"] == "stack"
    assert widget.highlight == "n0" and "n0" in svg_node_ids(widget.svg)
    widget.continue_()
    assert widget.stepper["done"] and widget.error == ""


def test_names_with_markup_stay_text_in_svg_and_html():
    evil = '<script>alert("x")</script>\\'
    w = tf.Variable(np.ones((2, 2), np.float32), name=evil)
    with tf.GradientTape(persistent=True) as tape:
        with tf.name_scope(evil):
            loss = tf.reduce_sum(w * w)
    widget = TapeWidget(tape)
    for text in (widget.svg, widget.to_html()):
        assert "<script>alert" not in text
    assert "&lt;script&gt;" in widget.svg
    page = widget.to_html()
    assert page.count("<script") == 2       # our JSON data block and our module, nothing else
    del loss


def test_html_export_is_self_contained(tmp_path):
    tape, loss, _ = regression_tape()
    widget = TapeWidget(tape)
    path = widget.save(tmp_path / "tape.html")
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)     # nothing fetched
    data = json.loads(re.search(r'id="tapeviz-data">(.*?)</script>', page, re.S).group(1))
    assert "n0" in data["inspector"]
    svg = widget.save(tmp_path / "tape.svg").read_text()
    assert svg.startswith("<svg") and svg == widget.svg


def test_rich_repr_carries_a_static_fallback():
    tape, loss, _ = regression_tape()
    widget = TapeWidget(tape)
    data = widget._repr_mimebundle_()[0]
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "<svg" in data["text/html"]


def test_an_empty_tape_says_so_and_what_to_do():
    with tf.GradientTape(persistent=True) as tape:
        tf.constant(1.0) * 2.0          # nothing watched: nothing recorded
    widget = TapeWidget(tape)
    assert widget.graph.nodes == {} and widget.status == "0 nodes: 0 ops"
    assert "recorded no ops" in widget.empty and "tape.watch(x)" in widget.empty
    widget._on_message(widget, {"action": "step"}, [])   # the Step button on it says why not
    assert widget.error == ("ValueError: TapeWidget: nothing to step: this tape recorded no "
                            "ops, so it has no backward pass")
    assert TapeWidget(Recorder()).empty.startswith("No steps recorded yet")
    assert "PyTorch, each optimizer.step()" in TapeWidget(Recorder()).empty   # a torch user's
    assert TapeWidget([]).empty == "No ops to draw: the list of nodes is empty."
    full, _, _ = regression_tape()
    assert TapeWidget(full).empty == ""


def test_repr_is_one_line_with_the_tape_and_the_loss():
    tape, loss, (w, b) = regression_tape()
    widget = TapeWidget(tape, target=loss, sources=[w, b])
    assert repr(widget) == (f"<TapeWidget: persistent tape, {len(tape.nodes)} ops, "
                            f"loss {float(loss.numpy()):.4g}>")
    data = widget._repr_mimebundle_()[0]
    assert data["text/plain"] == repr(widget)
    with tf.GradientTape(persistent=True) as vector_tape:
        v = tf.Variable([1.0, 2.0])
        doubled = v * 2.0
    assert repr(TapeWidget(vector_tape)) == "<TapeWidget: persistent tape, 1 op>"
    del doubled


def test_dashboard_and_widget_print_one_line_in_terminal_ipython():
    from IPython.testing import globalipapp

    from tapeviz.ipython.display import register_html_display
    from tapeviz.viz.dashboard import Dashboard

    def train(steps):
        w = tf.Variable(3.0, name="w")
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.25 * tape.gradient(loss, w))

    dash = Dashboard(show_tape=False)
    assert repr(Dashboard(show_tape=False)) == "<Dashboard: not attached>"
    runner = dash.train(train, 3)
    assert runner.join(60.0)          # returns as soon as the 3 steps are done
    dash.flush()
    assert repr(dash) == "<Dashboard: training loop finished, step 3, loss 0.5625>"
    tape, loss, (w, b) = regression_tape()
    widget = TapeWidget(tape, target=loss, sources=[w, b])
    shell = globalipapp.get_ipython() or globalipapp.start_ipython()   # a terminal shell
    register_html_display(shell)       # as `import tapeviz` in terminal IPython does
    formatter = shell.display_formatter   # what terminal IPython prints
    for shown in (dash, widget):
        data, _ = formatter.format(shown)
        assert data["text/plain"] == repr(shown) and " object at 0x" not in repr(shown)
    dash.close()


def test_breakpoints_read_as_words_whatever_they_name(monkeypatch):
    from tapeviz.viz.panel import describe_breakpoint
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    by_kind = tf.debugger.break_on(kind="conv", layer="dense", phase="vjp", once=True)
    on_nan = tf.debugger.break_on(op=["log", "exp"], nan=True, action="continue")
    anything = tf.debugger.break_on(condition=lambda node: False).disable()
    assert describe_breakpoint(by_kind) == \
        "break on kind conv, layer dense, backward steps (0 hits, once)"
    assert describe_breakpoint(anything) == "break on a condition (0 hits, disabled)"
    tf.log(tf.constant([-1.0]))
    tf.log(tf.constant([0.0]))
    assert describe_breakpoint(on_nan) == "break on op exp, log, a NaN or Inf (2 hits)"
    # a phase as every message says it ('in the forward phase' was this list's alone)
    forward = tf.debugger.break_on(op="exp", phase="forward")
    assert describe_breakpoint(forward) == "break on op exp, in the forward pass (0 hits)"


def test_html_export_of_an_empty_tape_says_so(tmp_path):
    with tf.GradientTape(persistent=True) as tape:
        pass
    page = TapeWidget(tape).save(tmp_path / "empty.html").read_text()
    data = json.loads(re.search(r'id="tapeviz-data">(.*?)</script>', page, re.S).group(1))
    assert data["empty"].startswith("This tape recorded no ops") and data["inspector"] == {}


def test_an_empty_recorder_tells_a_torch_user_to_import_the_adapter(monkeypatch):
    """torch imported, tapeviz.torch not: the loop ran unheard, and the Recorder's widget said
    only to run the step while the Recorder is on, which the user had done."""
    from types import ModuleType
    monkeypatch.setitem(sys.modules, "torch", sys.modules.get("torch") or ModuleType("torch"))
    monkeypatch.delitem(sys.modules, "tapeviz.torch", raising=False)
    assert "import tapeviz.torch first" in TapeWidget(Recorder()).empty
    monkeypatch.setitem(sys.modules, "tapeviz.torch", ModuleType("tapeviz.torch"))
    assert "import tapeviz.torch" not in TapeWidget(Recorder()).empty


def test_a_widget_dropped_goes_with_its_tape():
    """A notebook makes a widget each time a cell runs: once dropped, it and the tape it
    shows (every value of the step) must go. anywidget held every instance whose class gave
    its CSS as a path (a file watcher's signal, anywidget issue 929)."""
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
    widget = TapeWidget(tape)
    assert widget.svg.startswith("<svg")
    gone = weakref.ref(widget), weakref.ref(tape)
    widget.close()
    del widget, tape, loss
    gc.collect()
    assert [ref() for ref in gone] == [None, None]
