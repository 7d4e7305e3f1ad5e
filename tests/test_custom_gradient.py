"""tf.custom_gradient as the debugger sees it: one node named after the function, one
backward step whose ops run at the grad_fn's lines, heard by breakpoints, kept by the
Recorder, drawn by the widget's graph; a wrong custom gradient caught by gradcheck; misuse
said naming custom_gradient. (Its values against TF: tests/tf_fidelity/cases_custom_gradient.py.)
"""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import BackwardStepper, Recorder, break_on
from tapeviz.debugger.gradcheck import check_grads, check_node_gradient
from tapeviz.viz.graph import Graph

pytestmark = [pytest.mark.usefixtures("quiet_breakpoints"),
              pytest.mark.filterwarnings("ignore:exp. overflow:RuntimeWarning")]   # exp(100)


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))   # GRAD LINE
    return tf.math.log(1 + e), grad


@tf.custom_gradient
def log1pexp_wrong(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 / (1 + e))   # the sign of the exponent flipped: wrong on purpose
    return tf.math.log(1 + e), grad


def _line_of(marker: str) -> int:
    lines = open(__file__).read().splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text and "_line_of" not in text)


def _taped(x):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = log1pexp(x)
        loss = tf.reduce_sum(y * 2.0)
    return tape, y, loss


def test_the_tape_holds_one_node_named_after_the_function_reading_its_argument():
    x = tf.constant([0.0, 100.0])
    tape, y, loss = _taped(x)
    names = [node.op.name for node in tape.nodes]
    assert names == ["exp", "add", "log", "log1pexp", "multiply", "reduce_sum"]
    node = tape.nodes[3]
    assert node.output is y and node.inputs == (x,) and node.op.kind == "custom_gradient"
    assert node.source.line == "y = log1pexp(x)"
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), [1.0, 2.0])


def test_its_backward_step_is_one_vjp_whose_ops_run_at_the_grad_fns_line():
    x = tf.constant([0.0, 100.0])
    tape, y, loss = _taped(x)
    heard = []
    seen = tf.subscribe(lambda event: heard.append(event.node), kinds=(tf.OpExecuted,))
    try:
        stepper = BackwardStepper(tape, loss, [x])
        steps = list(iter(stepper.step, None))
    finally:
        tf.unsubscribe(seen)
    assert [step.node.op.name for step in steps] == ["reduce_sum", "multiply", "log1pexp"]
    step = steps[-1]
    np.testing.assert_allclose(step.upstream.numpy(), [2.0, 2.0])
    np.testing.assert_allclose(step.input_grads[0].numpy(), [1.0, 2.0])
    grad_ops = [n for n in heard if n.source.lineno == _line_of("# GRAD LINE")]
    assert [n.op.name for n in grad_ops] == ["add", "truediv", "subtract", "multiply"]
    assert all(n.phase == "backward" for n in grad_ops)


def test_a_breakpoint_on_the_function_stops_at_its_call_and_at_its_vjp():
    forward = break_on(op="log1pexp", action="continue")
    vjp = break_on(op="log1pexp", phase="vjp", action="continue")
    x = tf.constant([1.0])
    tape, y, loss = _taped(x)
    tape.gradient(loss, x)
    assert [hit.node.op.name for hit in forward.hits] == ["log1pexp"]
    assert forward.hits[0].node.source.line == "y = log1pexp(x)"
    assert [hit.node.op.name for hit in vjp.hits] == ["log1pexp"]


def test_a_breakpoint_on_a_grad_fn_line_stops_at_its_ops_in_the_backward_pass():
    at_grad = break_on(file="test_custom_gradient.py", line=_line_of("# GRAD LINE"),
                       action="continue")
    x = tf.constant([1.0])
    tape, y, loss = _taped(x)
    assert at_grad.hits == []
    tape.gradient(loss, x)
    assert [(hit.node.op.name, hit.phase) for hit in at_grad.hits] == [
        ("add", "backward"), ("truediv", "backward"), ("subtract", "backward"),
        ("multiply", "backward")]


def test_the_recorder_keeps_its_op_and_backward_step():
    w = tf.Variable([0.5, -1.0])
    with Recorder(max_bytes=2 ** 20) as recorder:
        for _ in range(2):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(log1pexp(w * 3.0))
            w.assign_sub(0.1 * tape.gradient(loss, w))
    assert len(recorder) == 2
    ops = recorder.last_step.ops
    custom = [op for op in ops if op.op == "log1pexp"]
    assert len(custom) == 1 and custom[0].phase == "forward"
    assert [op.op for op in ops if op.source is not None
            and op.source.lineno == _line_of("# GRAD LINE")][-1] == "multiply"


def test_the_widgets_graph_draws_it_as_one_op_box():
    x = tf.constant([0.0, 1.0])
    tape, y, loss = _taped(x)
    graph = Graph.from_tape(tape, tape.backward(loss).run().grads)
    custom = [node for node in graph.nodes.values() if node.op == "log1pexp"]
    assert len(custom) == 1 and custom[0].kind == "custom_gradient"
    assert custom[0].grad_norm == pytest.approx(np.linalg.norm([2.0, 2.0]))
    from tapeviz.viz.widget import TapeWidget
    svg = TapeWidget(tape).svg
    assert ">log1pexp</text>" in svg and "custom_gradient" in svg


def test_gradcheck_catches_a_wrong_custom_gradient_and_passes_a_right_one():
    x = np.array([0.3, -1.2, 2.0])
    check_grads(log1pexp, [x])
    check_grads(log1pexp, [x], order=2)
    with pytest.raises(AssertionError, match="log1pexp_wrong: input 0"):
        check_grads(log1pexp_wrong, [x])


def test_check_node_gradient_checks_the_custom_node_itself():
    weights = tf.Variable([3.0, 2.0])

    def linear_poly(wrong: bool):
        @tf.custom_gradient
        def poly(v):
            def grad_fn(dpoly, variables):
                dw = tf.stack([tf.reduce_sum(dpoly * v), tf.reduce_sum(dpoly)])
                return dpoly * weights[0], [dw * (2.0 if wrong else 1.0)]
            return weights[0] * v + weights[1], grad_fn
        return poly

    for wrong in (False, True):
        x = tf.constant([0.5, -1.5])
        with tf.GradientTape() as tape:
            tape.watch(x)
            linear_poly(wrong)(x)
        node = next(n for n in tape.nodes if n.op.name == "poly")
        assert node.input_ids[1] == id(weights)   # the variable it read is an input
        result = check_node_gradient(node)
        assert [check.passed for check in result.inputs] == [True, not wrong], str(result)
    np.testing.assert_array_equal(weights.numpy(), [3.0, 2.0])   # put back after the check


def test_misuse_is_said_naming_custom_gradient_and_the_function():
    @tf.custom_gradient
    def no_grad_fn(x):
        return x * 2.0

    @tf.custom_gradient
    def wrong_shape(x):
        return x * 2.0, lambda dy: tf.reduce_sum(dy)

    x = tf.constant([1.0, 2.0])
    with pytest.raises(TypeError, match=r"custom_gradient.*no_grad_fn must return "
                                        r"\(result, grad_fn\)"):
        no_grad_fn(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = wrong_shape(x)
    with pytest.raises(ValueError, match=r"wrong_shape's grad_fn returned a gradient of shape "
                                         r"\[\] for its argument of shape \[2\]"):
        tape.gradient(y, x)
