"""The debugger's own surface misused as a student in a notebook would: a breakpoint's
arguments mistyped, a condition that forgets `return` or answers with a tensor, the
dashboard or the gradient check handed the wrong thing. Each is said naming the call, what
it expected, what came and the student's line; and what was running still works after."""
import sys
import warnings

import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised
from tapeviz.debugger import (Recorder, break_on, breakpoints, check_node_gradient,
                              clear_breakpoints)


@pytest.fixture
def no_debugger(monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    yield
    clear_breakpoints()


# ---- break_on's arguments: refused at the student's line --------------------------------------
@pytest.mark.parametrize("given, error, said", [
    # (the names close to it: 'matmul', and 'mul' too once the torch adapter named its ops)
    (dict(op="matmull"), ValueError, "break_on: no op is called 'matmull'; did you mean "
                                     "'matmul'"),
    (dict(kind="convv"), ValueError, "break_on: no kind is called 'convv'; did you mean 'conv'?"),
    (dict(phase="Forward"), ValueError, "break_on: phase must be one of (None, 'forward', "
                                        "'backward', 'vjp'); got 'Forward' (str)"),
    (dict(action="stop"), ValueError, "break_on: action must be one of ('raise', 'continue'); "
                                      "got 'stop' (str)"),
    (dict(condition="x > 1"), TypeError, "break_on: condition must be a callable taking the node, "
                                         "returning a bool"),
    (dict(op=3), TypeError, "break_on: op must be a name (str) or a list of names; got 3 (int)"),
], ids=["op-typo", "kind-typo", "phase", "action", "condition-text", "op-number"])
def test_a_mistyped_breakpoint_argument_names_the_students_line_and_arms_nothing(
        no_debugger, given, error, said):
    err, line = raised(error, lambda: break_on(**given))   # was: no line named
    assert str(err).startswith(said)
    assert_names_this_line(err, line)
    assert breakpoints() == []
    bp = break_on(op="matmul", action="continue")   # the corrected call arms and hits
    tf.matmul(tf.ones([1, 2]), tf.ones([2, 1]))
    assert len(bp.hits) == 1


# ---- a condition's answer -------------------------------------------------------------------
def _forgot_return(node):
    node.op.name == "exp"   # noqa: B015 (the slip under test: no `return`)


@pytest.mark.parametrize("op", ["exp", None], ids=["with-op", "condition-only"])
def test_a_condition_without_return_is_warned_of_once_from_the_students_line(no_debugger, op):
    set_line = sys._getframe().f_lineno + 1
    bp = break_on(op=op, condition=_forgot_return, action="continue")
    x = tf.constant([1.0, 2.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tf.exp(x); line = sys._getframe().f_lineno   # noqa: E702
        tf.exp(x)
    said = [w for w in caught if "returned None" in str(w.message)]
    assert len(said) == 1   # was: nothing, and the breakpoint silently never stopped
    assert (said[0].filename, said[0].lineno) == (__file__, line)
    text = str(said[0].message)
    assert f"breakpoint set at {bp.set_at.location.split(':')[0]}:{set_line}" in text
    assert "asked about exp in the forward pass; None counts as False" in text
    assert "lack `return`" in text
    assert bp.hits == [] and bp.enabled


def test_a_condition_only_breakpoint_answering_with_a_tensor_is_noted_and_disabled(no_debugger):
    bp = break_on(condition=lambda node: node.output > 1, action="continue")
    x = tf.constant([1.0, 2.0])
    err, _ = raised(ValueError, lambda: tf.exp(x))
    assert "only a tensor holding one value converts to a Python bool" in str(err)
    # was: the bool() outside the condition's guard: no note, and the breakpoint stayed armed,
    # failing every op after it
    assert any("raised by the condition of the breakpoint" in note for note in err.__notes__)
    assert not bp.enabled
    assert float(tf.reduce_sum(tf.exp(x))) == pytest.approx(10.1073, rel=1e-4)


# ---- the gradient check --------------------------------------------------------------------
@pytest.mark.parametrize("given, said, hint", [
    ("y", "got a float32 tensor of shape (2,)", "a tensor is a value"),
    ("tape", "got <tapeviz.GradientTape with 2 ops> (GradientTape)",
     "[check_node_gradient(node) for node in tape.nodes]"),
    (None, "got None (NoneType)", "check_node_gradient(tape.nodes[0])"),
], ids=["the-output", "the-tape", "none"])
def test_the_gradient_check_given_no_node_says_what_it_takes_then_checks_the_nodes(
        given, said, hint):
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.sin(w) * w
    wrong = {"y": y, "tape": tape}.get(given)
    err, line = raised(TypeError, lambda: check_node_gradient(wrong))   # was: AttributeError
    assert str(err).startswith("check_node_gradient: expected a recorded op (a node of "
                               f"tape.nodes, or a recorded step's op); {said}")
    assert hint in err.hint
    assert_names_this_line(err, line)
    assert [bool(check_node_gradient(node)) for node in tape.nodes] == [True, True]


def test_the_gradient_check_takes_a_recorded_steps_ops_as_its_error_says():
    w = tf.Variable([1.0, 2.0])
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            y = tf.sin(w) * w
        tape.gradient(y, w)
    forward = [op for op in rec.last_step.ops if op.phase == "forward"]
    results = [check_node_gradient(op) for op in forward]   # was: AttributeError 'params'
    assert [result.op for result in results] == ["sin", "multiply"]
    assert all(results)


# ---- the widget ----------------------------------------------------------------------------
@pytest.mark.parametrize("given, holding, hint", [
    ([1, 2], "1 (int)", None),
    ("loss", "a float32 tensor of shape ()", "TapeWidget(tape)"),
], ids=["numbers", "the-loss"])
def test_a_list_of_what_is_no_node_given_to_the_widget_names_the_item_then_the_tape_draws(
        given, holding, hint):
    pytest.importorskip("anywidget")
    from tapeviz.viz import TapeWidget
    w = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        loss = w * w
    items = [loss] if given == "loss" else given
    err, line = raised(TypeError, lambda: TapeWidget(items))   # was: AttributeError 'scope'
    assert str(err).startswith("TapeWidget: expected a GradientTape, BackwardStepper, "
                               "Recorder, RecordedStep, a list of nodes or a tapeviz.torch "
                               f"tape; got a list holding {holding}")
    assert (hint is None and err.hint is None) or hint in err.hint
    assert_names_this_line(err, line)
    widget = TapeWidget(list(tape.nodes))
    assert widget.step_count == 1 and "multiply" in widget.svg


# ---- which debugger opens ------------------------------------------------------------------
def test_a_mistyped_debugger_setting_is_refused_by_break_on_not_at_every_hit(monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "pbd")
    try:
        err, line = raised(ValueError, lambda: break_on(op="exp"))   # was: armed, then a
        # ValueError inside tf.exp at every hit, naming no line
        assert str(err).startswith("break_on: the environment variable TAPEVIZ_DEBUGGER must "
                                   "be one of ('pdb', 'ipython', 'debugpy', 'none') or unset; "
                                   "got 'pbd'")
        assert err.hint == "did you mean 'pdb'?"
        assert_names_this_line(err, line)
        assert breakpoints() == []
        assert float(tf.exp(tf.constant(0.0))) == 1.0
        monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
        bp = break_on(op="exp", action="continue")
        tf.exp(tf.constant(0.0))
        assert len(bp.hits) == 1
    finally:
        clear_breakpoints()


# ---- tf.debugging's assertions given the wrong shape of argument ---------------------------------
@pytest.mark.parametrize("call, said", [
    (lambda x: tf.debugging.assert_shapes([x, (2,)]),
     "assert_shapes: shapes must be a list of (tensor, shape) pairs, each shape a tuple, e.g. "
     "[(x, ('N', 3)), (y, ('N',))]; got a float32 tensor of shape (2,)"),
    (lambda x: tf.debugging.assert_shapes([(x, 2)]), "assert_shapes: shapes must be a list of "
                                                     "(tensor, shape) pairs"),
    (lambda x: tf.debugging.assert_rank(x, 1.5), "assert_rank: rank must be an int (or a scalar "
                                                 "int tensor); got 1.5 (float)"),
], ids=["a-tensor-not-a-pair", "a-shape-not-a-tuple", "a-fractional-rank"])
def test_an_assertion_given_arguments_of_the_wrong_form_names_the_argument(call, said):
    x = tf.zeros([2])
    with pytest.raises((TypeError, ValueError)) as info:   # was: bare TypeError/ValueError
        call(x)
    err = info.value
    assert str(err).startswith(said)
    # the student's line is the lambda's, where the assertion is called
    assert (err.source.filename, err.source.lineno) == (__file__, call.__code__.co_firstlineno)
    tf.debugging.assert_shapes([(x, ("N",)), (tf.zeros([2, 3]), ("N", 3))])   # the right form
    tf.debugging.assert_rank(x, tf.constant(1))


def test_a_tape_that_gradient_freed_given_to_the_widget_names_the_students_line():
    pytest.importorskip("anywidget")
    from tapeviz.viz import TapeWidget
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        loss = w * w
    tape.gradient(loss, w)
    err, line = raised(ValueError, lambda: TapeWidget(tape))   # was: a ValueError, no line
    assert str(err).startswith("TapeWidget: this GradientTape was consumed by gradient() and "
                               "freed its ops")
    assert "GradientTape(persistent=True)" in err.hint
    assert_names_this_line(err, line)
    with tf.GradientTape() as again:   # a new tape records and draws
        loss = w * w
    assert "multiply" in TapeWidget(again).svg


# ---- a breakpoint that raises inside an optimizer's update ------------------------------------
def _adam_pair():
    # names no other test gives: a name still held (by a hit's node) would be made unique
    a, b = tf.Variable([1.0], name="first"), tf.Variable([2.0], name="second")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(a * a + b * b)
    return a, b, tape.gradient(loss, [a, b])


def test_a_breakpoint_raising_inside_apply_gradients_leaves_no_variable_half_updated(
        no_debugger):
    a, b, grads = _adam_pair()
    opt = tf.keras.optimizers.Adam(0.1)
    # b's update: a's weight, m and v have changed by then
    break_on(op="adam_step", condition=lambda node: "second" in node.scope)
    with pytest.raises(tf.debugger.BreakpointError, match="adam_step"):
        opt.apply_gradients(zip(grads, [a, b]))
    clear_breakpoints()
    assert a.numpy().tolist() == [1.0] and b.numpy().tolist() == [2.0]
    assert int(opt.iterations) == 0
    assert [opt.get_slot(a, "m").numpy().tolist(), opt.get_slot(a, "v").numpy().tolist()] == \
        [[0.0], [0.0]]   # was: m and v of a moved, so its next step counted the gradient twice
    opt.apply_gradients(zip(grads, [a, b]))   # the step again, as a fresh optimizer takes it
    fresh_a, fresh_b, fresh_grads = _adam_pair()
    tf.keras.optimizers.Adam(0.1).apply_gradients(zip(fresh_grads, [fresh_a, fresh_b]))
    assert a.numpy().tolist() == fresh_a.numpy().tolist()
    assert b.numpy().tolist() == fresh_b.numpy().tolist()
    assert int(opt.iterations) == 1
