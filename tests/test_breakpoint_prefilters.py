"""Breakpoints that test an op before any node is made for it (a nan breakpoint tests the
output, a file:line one the caller's code), and still stop with the node they stopped with
before: its inputs, output, phase and the user's line."""
import numpy as np
import pytest
from programs import line_of

import tapeviz as tf
from tapeviz import dispatch, node
from tapeviz.debugger import break_on


pytestmark = pytest.mark.usefixtures("quiet_breakpoints")


@pytest.fixture
def tensors_built(monkeypatch):
    """How many times an op's inputs were turned into tensors (the start of a node): by
    dispatch, or by a node made for listeners alone, when read or kept."""
    calls = []
    real = dispatch.input_tensors

    def counted(op, args):
        calls.append(op.name)
        return real(op, args)

    monkeypatch.setattr(dispatch, "input_tensors", counted)
    monkeypatch.setattr(node, "input_tensors", counted)
    return calls


def test_a_nan_breakpoint_builds_a_node_only_for_a_non_finite_output(tensors_built):
    bp = break_on(nan=True, action="continue")
    x = tf.constant([4.0, -1.0])
    w = tf.Variable(2.0)
    _ = tf.exp(x) * w + 1.0
    assert tensors_built == [] and bp.hits == []   # finite: no tensors, no node, no hit
    y = tf.sqrt(x) * w                                  # line: nan born
    assert tensors_built == ["sqrt", "multiply"]
    born, spread = bp.hits
    assert born.node.op.name == "sqrt" and born.node.inputs == (x,)
    assert born.node.input_ids == (id(x),) and born.reasons == ["output has nan"]
    assert spread.node.output is y and spread.node.input_ids[1] == id(w)
    assert np.array_equal(spread.node.inputs[1].numpy(), 2.0)   # the variable's value read
    assert born.source.lineno == line_of(__file__, "# line: nan born")
    assert born.source.filename == __file__ and born.node.phase == "forward"


def test_a_nan_breakpoint_stops_inside_a_vjp_with_the_gradient_line():
    x = tf.Variable([0.0, 1.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.sqrt(x))
    bp = break_on(nan=True, action="continue")
    tape.gradient(loss, x)                               # line: inf in backward
    assert bp.hits, "the sqrt VJP divides by sqrt(0): inf"
    hit = bp.hits[0]
    assert hit.phase == "backward" and hit.reasons == ["output has inf"]
    assert hit.source.lineno == line_of(__file__, "# line: inf in backward")
    assert hit.upstream is not None


def test_a_nan_breakpoint_beside_one_on_an_op_leaves_that_one_every_node():
    """The output test is given to dispatch only when every breakpoint wants a NaN."""
    nan = break_on(nan=True, action="continue")
    exp = break_on(op="exp", action="continue")
    _ = tf.exp(tf.constant(1.0))
    _ = tf.sqrt(tf.constant(-1.0))
    assert [h.node.op.name for h in exp.hits] == ["exp"]
    assert [h.node.op.name for h in nan.hits] == ["sqrt"]
    exp.clear()
    _ = tf.exp(tf.constant(1000.0))
    assert [h.node.op.name for h in nan.hits] == ["sqrt", "exp"]


def test_a_nan_breakpoint_on_a_recorded_op_and_another_listener_see_their_own():
    """On a tape the node is made anyway: the nan test still picks what the breakpoint
    hears, and a subscriber of every op still hears each."""
    seen = []
    tf.subscribe(seen.append, kinds=(tf.OpExecuted,))
    bp = break_on(nan=True, action="continue")
    try:
        x = tf.Variable([1.0, -1.0])
        with tf.GradientTape() as tape:
            y = tf.math.log(x) + 1.0
    finally:
        tf.unsubscribe(seen.append)
    assert [e.node.op.name for e in seen] == ["log", "add"]
    assert [h.node for h in bp.hits] == [e.node for e in seen]   # both made a NaN
    assert tuple(h.node for h in bp.hits) == tape.nodes and y is tape.nodes[-1].output


def test_an_only_if_node_form_is_called_for_the_outputs_its_test_accepts():
    calls, events_seen = [], []

    def on_event(event):
        events_seen.append(event)

    tf.subscribe(on_event, kinds=(tf.OpExecuted,), timed=False,
                 only_if=lambda value: np.any(np.asarray(value) > 10),
                 on_node=lambda node, taped, duration: calls.append(node.op.name))
    try:
        _ = tf.exp(tf.constant(1.0))
        _ = tf.exp(tf.constant(5.0))
        with tf.GradientTape():
            _ = tf.exp(tf.constant([1.0, 3.0]))
    finally:
        tf.unsubscribe(on_event)
    assert calls == ["exp", "exp"] and events_seen == []
    with pytest.raises(ValueError, match="only_if= .* give on_node= too"):
        tf.subscribe(print, only_if=bool)


def test_the_ops_a_condition_runs_never_stop_and_match_keeps_them_quiet_too():
    """A condition asked by the listener or by `Breakpoint.match` (the widget asks it)
    runs its own ops with this thread's breakpoints quiet."""
    on_max = break_on(op="reduce_max", action="continue")
    large = break_on(condition=lambda node: float(tf.reduce_max(node.output)) > 10,
                     action="continue")
    big = tf.exp(tf.constant([1.0, 3.0]))
    _ = tf.exp(tf.constant([1.0, 2.0]))
    assert [h.node.output for h in large.hits] == [big] and on_max.hits == []
    assert large.match(large.hits[0].node, "forward") == ["condition"]
    assert on_max.hits == []
    _ = tf.reduce_max(big)   # the user's own reduce_max still stops
    assert len(on_max.hits) == 1


def _phases_heard(**criteria):
    """The (op, phase) of every op a condition breakpoint with `criteria` is asked about over
    a small forward and backward pass."""
    asked = []
    bp = break_on(condition=lambda node: asked.append((node.op.name, node.phase)),
                  action="continue", **criteria)
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.exp(x))
    tape.gradient(loss, x)
    bp.clear()
    return asked


def test_a_bare_condition_is_asked_about_every_op_of_both_phases_and_a_phased_one_of_its_own():
    every = _phases_heard()
    assert ("exp", "forward") in every and ("multiply", "backward") in every
    assert _phases_heard(phase="forward") == [p for p in every if p[1] == "forward"]
    assert _phases_heard(phase="backward") == [p for p in every if p[1] == "backward"]
    assert _phases_heard(op="exp") == [("exp", "forward")]


def test_bare_conditions_stop_at_the_first_that_holds_once_per_op_with_its_reason():
    small = break_on(condition=lambda node: float(tf.reduce_max(node.output)) < 1,
                     action="continue", once=True)
    large = break_on(condition=lambda node: float(tf.reduce_max(node.output)) > 5,
                     action="continue")
    _ = tf.exp(tf.constant([-3.0, -2.0]))   # small holds: one stop, and it leaves
    _ = tf.exp(tf.constant([-3.0, -2.0]))   # large does not hold
    big = tf.exp(tf.constant([2.0]))        # line: large holds
    [first] = small.hits
    [hit] = large.hits
    assert first.reasons == ["condition"] and first.phase == "forward"
    assert hit.node.output is big and hit.reasons == ["condition"]
    assert hit.source.lineno == line_of(__file__, "# line: large holds")
    with pytest.raises(ZeroDivisionError):   # a condition's own error is the user's to see
        break_on(condition=lambda node: 1 / 0)
        _ = tf.exp(tf.constant(1.0))


@pytest.fixture
def traced(monkeypatch):
    """The (op, phase, recorded) of every op dispatch took off its fast path."""
    calls = []
    real = dispatch._dispatch_traced

    def counted(op, args, params, state, route):
        calls.append((op.name, state.phase, bool(state.tapes)))
        return real(op, args, params, state, route)

    monkeypatch.setattr(dispatch, "_dispatch_traced", counted)
    return calls


def _train_step(w, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.exp(w) * w)
    grads = tape.gradient(loss, [w])                     # line: the step's gradient
    optimizer.apply_gradients(zip(grads, [w]))           # line: the step's update


def test_a_file_line_breakpoint_elsewhere_leaves_vjp_and_update_ops_on_the_fast_path(traced):
    """The ops of a VJP and of an optimizer's update share the line that called `gradient`
    or `apply_gradients`: where no breakpoint names that line, they are not traced at all,
    and the recorded forward ops, at lines none names, take the tapes' own path, as with no
    breakpoint set; armed at that line, they all stop."""
    w = tf.Variable([1.0, 2.0])
    optimizer = tf.keras.optimizers.Adam(0.1)
    _train_step(w, optimizer)                             # warm: slots made
    elsewhere = break_on(file="test_breakpoint_prefilters.py", line=1, action="continue")
    _train_step(w, optimizer)   # each line is asked about once (a traced op: no node)
    traced.clear()
    _train_step(w, optimizer)
    assert traced == []
    assert elsewhere.hits == []
    at_gradient = break_on(file="test_breakpoint_prefilters.py", action="continue",
                           line=line_of(__file__, "# line: the step's gradient"))
    at_update = break_on(file="test_breakpoint_prefilters.py", action="continue",
                         line=line_of(__file__, "# line: the step's update"))
    _train_step(w, optimizer)
    assert {h.node.phase for h in at_gradient.hits} == {"backward"}
    assert [h.node.op.name for h in at_gradient.hits][:2] == ["reshape", "broadcast_to"]
    assert all(h.upstream is not None for h in at_gradient.hits)
    assert [h.node.op.name for h in at_update.hits] == [
        "moving_average", "square", "moving_average", "adam_step", "assign_add"]
    assert {h.source.lineno for h in at_update.hits} == {
        line_of(__file__, "# line: the step's update")}


def test_a_bare_condition_hears_recorded_ops_off_the_traced_path_with_whole_nodes(traced):
    """A bare condition takes every node and hears no event: a recorded op goes the tapes'
    path and its node is handed to the condition there, whole (inputs, line, taped), and a
    hit at a recorded op stops with it."""
    seen = []

    def condition(node):
        seen.append((node.op.name, [t.shape for t in node.inputs], node.source.lineno))
        return node.op.name == "exp"

    bp = break_on(condition=condition, action="continue")
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.exp(w) * w)                 # line: recorded ops
    tape.gradient(loss, w)
    assert traced == []
    line = line_of(__file__, "# line: recorded ops")
    assert seen[:3] == [("exp", [(2,)], line), ("multiply", [(2,), (2,)], line),
                        ("reduce_sum", [(2,)], line)]
    assert [(h.node.op.name, h.phase, h.source.lineno) for h in bp.hits] == [
        ("exp", "forward", line)]
