"""TapeWidget's backward stepping and time travel as plain Python: a stepper stepped in code,
a recorded step replayed, the slider, each step's shading and inspector, the gradients the
stepper reads, and the counts the title, status, inspector and stepper agree on."""
import json
import warnings

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder

pytest.importorskip("anywidget")
from test_viz_widget import op_table, regression_tape  # noqa: E402

from tapeviz.viz.render import find_layout_binary  # noqa: E402
from tapeviz.viz.widget import TapeWidget  # noqa: E402

if find_layout_binary() is None:
    pytest.skip("no Graphviz layout binary: pip install graphviz-pure==0.2.2",
                allow_module_level=True)


def test_a_stepper_stepped_in_code_shows_where_it_is():
    tape, loss, (w, b) = regression_tape()
    stepper = tf.debugger.BackwardStepper(tape, loss, [w, b])
    stepper.step()
    stepper.step()
    widget = TapeWidget(stepper)
    assert widget.stepper["count"] == 2
    assert widget.highlight == widget.graph.id_of(stepper.current)
    widget.step()
    assert stepper.count == 3              # the widget drives the user's own stepper


def test_a_recorded_step_replays_to_a_watched_input_too():
    x = tf.constant([[1.0, 2.0]])
    w = tf.Variable([[3.0], [4.0]], name="w")
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.matmul(x, w))
        dx, dw = tape.gradient(loss, [x, w])
    widget = TapeWidget(rec)
    widget.continue_()
    from tapeviz.debugger.summary import summarize
    assert [g for _, g in widget.stepper["gradients"]] == [summarize(dx), summarize(dw)]


def test_the_slider_to_a_shorter_step_drops_a_selection_it_lacks():
    w = tf.Variable(2.0, name="w")
    with Recorder() as rec:
        for depth in (1, 4):
            with tf.GradientTape() as tape:
                loss = w
                for _ in range(depth):
                    loss = loss * w
            w.assign_sub(0.01 * tape.gradient(loss, w))
    widget = TapeWidget(rec)
    widget.selected = "n3"
    assert widget.inspector["id"] == "n3"
    widget.step_index = 0
    assert widget.error == "" and widget.selected == "" and widget.inspector == {}


def test_each_step_inspects_its_node_once(monkeypatch):
    tape, loss, (w, b) = regression_tape()
    widget = TapeWidget(tape, target=loss, sources=[w, b])
    calls = []
    inspect = widget.inspect
    monkeypatch.setattr(widget, "inspect", lambda node_id: calls.append(node_id) or
                        inspect(node_id))
    widget.step()
    widget.step()
    assert len(calls) == 2 and calls[-1] == widget.highlight == widget.selected


def test_a_step_shades_the_graph_it_shows_instead_of_rebuilding_it(monkeypatch):
    from tapeviz.viz.graph import Graph
    from tapeviz.viz.scene import Scene
    x = tf.Variable([1.0, -2.0], name="x")
    with tf.GradientTape(persistent=True) as tape:
        h = x
        for block in range(40):
            with tf.name_scope(f"block{block}"):
                h = tf.tanh(h * 0.9)
        loss = tf.reduce_sum(h)
    widget = TapeWidget(tape, max_nodes=30)
    widget.step()                      # the sum: drawn at the top level
    widget.step()                      # the last block's tanh: its block opens
    built, collapsed = [], []
    monkeypatch.setattr(Scene, "graph", lambda *a, **k: built.append(1))
    collapse = Graph.collapse
    monkeypatch.setattr(Graph, "collapse", lambda *a, **k: collapsed.append(1) or
                        collapse(*a, **k))
    view = widget.view
    widget.step()                      # the multiply beside it, in the same open block
    assert widget.error == "" and widget.stepper["op"] == "multiply"
    assert built == [] and collapsed == [] and widget.view is view
    # and yet it reads as a rebuild with the same gradients would
    monkeypatch.undo()
    fresh = Graph.from_tape(tape, widget._stepper.grads)
    again = fresh.collapse(frozenset(widget._expanded), widget.max_nodes)
    assert [(n.id, n.grad_norm, n.nonfinite) for n in again.nodes.values()] == [
        (n.id, n.grad_norm, n.nonfinite) for n in widget.view.nodes.values()]
    assert [(e.src, e.dst, e.grad_norm) for e in again.edges] == [
        (e.src, e.dst, e.grad_norm) for e in widget.view.edges]
    assert loss.numpy() == pytest.approx(np.sum(h.numpy()))


def test_gradients_read_not_computed_yet_until_the_pass_reaches_them():
    tape, loss, (w, b) = regression_tape()
    widget = TapeWidget(tape, target=loss, sources=[w, b])
    widget.selected = "n0"
    sections = {s["title"]: s for s in widget.inspector["sections"]}
    assert sections["Gradient"]["content"].startswith("not computed yet: Step or Continue")
    widget.step()                         # the loss's VJP: n0 (w * 2.0) is far from it
    widget.selected = "n0"
    sections = {s["title"]: s for s in widget.inspector["sections"]}
    assert sections["Gradient"]["content"].startswith("not computed yet: the backward pass")
    assert dict(widget.stepper["gradients"]) == {"w": "not computed yet",
                                                 "b": "not computed yet"}
    assert "None" not in json.dumps(widget.stepper)
    widget.continue_()
    widget.selected = "n0"
    sections = {s["title"]: s for s in widget.inspector["sections"]}
    assert sections["Gradient"]["type"] == "table"           # a value now, not a note
    assert "not computed" not in json.dumps(widget.stepper["gradients"])


def test_after_the_pass_a_node_off_the_path_has_no_gradient_and_says_why():
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape(persistent=True) as tape:
        loss = w * 3.0
        side = tf.exp(w)       # recorded, but the loss does not depend on it
    widget = TapeWidget(tape, target=loss, sources=[w])
    widget.continue_()
    widget.selected = "n1"
    sections = {s["title"]: s for s in widget.inspector["sections"]}
    why = sections["Gradient"]["content"]
    assert why.startswith("none flows here"), why
    # in a newcomer's words: 'sources' is TF's term (as the strip's 'grad x' row says it)
    assert "sources" not in why and "variable or watched tensor" in why, why
    del side


def test_counts_agree_title_status_inspector_and_stepper():
    tape, loss, (w, b) = regression_tape()
    widget = TapeWidget(tape, target=loss, sources=[w, b])
    ops = len(tape.nodes)
    assert widget.title == f"persistent tape: {ops} ops"
    leaves = len(widget.graph.nodes) - ops
    constants = leaves - 2
    assert widget.status == (f"{ops + leaves} nodes: {ops} ops, 2 variables, "
                             f"{constants} constants")
    last = f"n{ops - 1}"
    widget.selected = last
    rows = dict(op_table(widget.inspector))
    # counted as the title counts, in the words alerts and errors place an op in
    assert rows["position"] == f"op {ops} of {ops} on the tape"
    widget.step()
    assert widget.stepper["count"] == 1 and widget.stepper["entry"] == ops - 1
    assert widget.stepper["place"] == rows["position"].replace(f" of {ops} on", " of")
    widget.step()
    assert widget.stepper["count"] == 2
    assert widget.stepper["entry"] == int(widget.stepper["node"][1:])
    stepped = tape.nodes[widget.stepper["entry"]]
    assert [name.split(" (from ")[0] for name in widget.stepper["input_names"]] == \
        list(stepped.op.input_names)[:len(stepped.inputs)]
    assert len(widget.stepper["input_grads"]) == len(stepped.inputs)


def test_a_steps_input_gradients_say_where_each_input_came_from():
    """The strip's 'grad x' read as the gradient of the student's own x (the batch, in
    notebook 01) when the op's x was `y_pred - y_true`: each input is named with the node or
    variable it came from, as the inspector's Inputs table says it."""
    tf.random.set_seed(0)
    x = tf.random.normal([4, 3])
    w = tf.Variable(tf.random.normal([3, 1]), name="w")
    with tf.GradientTape(persistent=True) as tape:
        y_pred = tf.matmul(x, w)
        tf.reduce_mean(tf.square(y_pred - 1.0))
    widget = TapeWidget(tape)
    names = []
    for _ in range(4):
        widget.step()
        names.append((widget.stepper["op"], widget.stepper["input_names"]))
    # each maker placed as the inspector places ops ('n2 square' named an id drawn nowhere)
    assert names == [("reduce_mean", ["x (from square, op 3 of the tape)"]),
                     ("square", ["x (from subtract, op 2 of the tape)"]),
                     ("subtract", ["x (from matmul, op 1 of the tape)", "y"]),
                     ("matmul", ["a (from input x)", "b (from variable w)"])], names


def test_a_recorded_step_counts_its_backward_ops_apart_and_the_slider_agrees():
    w = tf.Variable(2.0, name="w")
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.abs(w * w - 1.0)
            w.assign_sub(0.1 * tape.gradient(loss, w))
    widget = TapeWidget(rec)
    step = rec.steps[-1]
    forward = sum(1 for rop in step.ops if rop.node.phase == "forward")
    total = len(step.ops)
    assert 0 < forward < total
    assert widget.title.startswith(f"step 3 of 3: {total} ops")
    assert widget.step_labels[widget.step_index] == "step 3 of 3"   # the slider's label
    assert repr(widget) == f"<TapeWidget: step 3 of 3, {total} ops, loss {step.loss:.4g}>"
    assert f"{forward} of the {total} ops ({total - forward} of the backward pass not drawn)" \
        in widget.status
    drawn_ops = [gid for gid, n in widget.graph.nodes.items() if gid.startswith("n")]
    assert len(drawn_ops) == forward
    widget.selected = drawn_ops[-1]
    rows = dict(op_table(widget.inspector))
    index = int(drawn_ops[-1][1:])
    assert rows["position"] == f"op {index + 1} of {total} in step 3"   # as the title says
    # the recorded pass reached every drawn op but the update: no "not computed yet" there
    widget.selected = "n0"
    gradient = next(s for s in widget.inspector["sections"] if s["title"] == "Gradient")
    assert gradient["type"] == "table"


def nan_in_the_third_step(rec):
    """Three recorded steps of log(w + shift); the third's shift makes log read a negative."""
    w = tf.Variable(1.0, name="w")
    with rec, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # log's NaN, said from this line
        for shift in (2.0, 3.0, -5.0):
            with tf.GradientTape() as tape:
                loss = tf.math.log(w + shift)
            w.assign_sub(0.01 * tape.gradient(loss, w))
    return rec


def test_one_step_numbering_in_title_slider_repr_alerts_and_dashboard():
    """The third step recorded is 'step 3' wherever a person reads it, counting from 1 as the
    dashboard's counter counts steps done; the Python index stays recorder.steps[2]."""
    from tapeviz.viz.dashboard import Dashboard
    rec = nan_in_the_third_step(Recorder())
    third = rec.steps[2]
    assert repr(third).startswith("<RecordedStep step 3: ")
    widget = TapeWidget(rec)
    assert widget.step_labels == ["step 1 of 3", "step 2 of 3", "step 3 of 3"]
    assert widget.title.startswith("step 3 of 3: ")
    nan_alerts = [a["message"] for a in widget.alerts if a["kind"] == "nan"]
    assert nan_alerts and "first in step 3" in nan_alerts[0], widget.alerts
    widget.show_step(0)
    assert widget.title.startswith(widget.step_labels[0] + ": ")
    assert TapeWidget(third).title.startswith("step 3: ")
    dash = Dashboard(recorder=rec)
    try:
        dash.flush()
        assert dash.step_count == 3 and dash.tape_title.startswith("step 3")
        assert dash.history()["loss"][0] == [1, 2, 3]   # the loss chart's x axis
    finally:
        dash.close()


def test_the_slider_and_title_name_a_dropped_recorders_steps_by_their_numbers():
    """A recorder that dropped its oldest steps: the kept ones keep their numbers and the
    title says which are kept, so 'step 9' is the ninth step, not the ninth kept."""
    w = tf.Variable(1.0, name="w")
    with Recorder(max_bytes=1) as rec, warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the recorder warns that it drops steps
        for _ in range(4):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.1 * tape.gradient(loss, w))
    kept = len(rec.steps)
    assert rec.dropped.steps == 4 - kept and kept < 4
    widget = TapeWidget(rec)
    held = f"steps {4 - kept + 1}-4 kept" if kept > 1 else "only step 4 kept"
    assert widget.title.startswith(f"step 4 of 4, {held}: ")
    assert widget.step_labels[0] == f"step {4 - kept + 1} of 4, {held}"
    with pytest.raises(IndexError, match=f"no kept step at index {kept}"):
        widget._scene.show_step(kept)


def test_a_recorders_nan_alert_inspector_and_strip_place_the_op_in_its_step():
    """An op of a Recorder's step is 'op 2 of step 3' in the NaN alert, 'op 2 of 4 in step 3'
    in the inspector and 'op 2 of step 3' in the stepping strip (the alert said 'op 2 of the
    tape' for the op the inspector placed 'on the tape' of a step, the strip likewise)."""
    from tapeviz.debugger import find_nan_origin
    rec = nan_in_the_third_step(Recorder())
    widget = TapeWidget(rec)
    alert = next(a for a in widget.alerts if a["kind"] == "nan")
    assert " at op 2 of step 3 (" in alert["message"], alert
    assert alert["label"] == "NaN"   # what log's scalar output held (was 'NaN/Inf')
    assert " at op 2 of step 3 (" in str(find_nan_origin(rec.steps[2]))
    widget.selected = alert["node"]
    total = len(rec.steps[2].ops)
    assert dict(op_table(widget.inspector))["position"] == f"op 2 of {total} in step 3"
    widget.step()
    assert widget.stepper["place"] == f"op {widget.stepper['entry'] + 1} of step 3"
