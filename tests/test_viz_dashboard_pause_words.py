"""The Dashboard's status line paused on an op run inside a VJP names it in the tape's words:
the forward op the tape draws and which of its inputs' gradient it computes, not the
internal backward op alone ('paused after conv2d_backprop_filter in the backward pass')."""
from types import SimpleNamespace

import numpy as np

from dashboard_loops import marked_line

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.ops.registry import defop
from tapeviz.debugger.runner import PausePoint
from tapeviz.viz.dashboard_status import _runner_status


def _conv_step():
    kernel = tf.Variable(np.ones((3, 3, 1, 4), np.float32), name="kernel")
    images = tf.constant(np.ones((2, 5, 5, 1), np.float32))
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.nn.conv2d(images, kernel, 1, "VALID"))
        tape.gradient(loss, kernel)
    return {op.node.op.name: op.node for op in rec.last_step.ops}


def _paused_in(node, vjp_of, gradient_of=None) -> str:
    point = PausePoint("op", node, None, 0, vjp_of, gradient_of)
    return _runner_status(SimpleNamespace(state="paused", paused_at=point), {})


def test_an_op_inside_a_vjp_is_named_by_the_forward_op_and_the_input_it_is_the_gradient_of():
    nodes = _conv_step()
    said = _paused_in(nodes["conv2d_backprop_filter"], nodes["conv2d"], 1)
    where = nodes["conv2d_backprop_filter"].source.location
    assert said == ("paused after conv2d's gradient for its filters (conv2d_backprop_filter) "
                    f"in the backward pass at {where}")


def test_an_op_whose_input_is_not_known_says_only_the_forward_op():
    nodes = _conv_step()   # (one VJP function computing every input's gradient: not known)
    said = _paused_in(nodes["reshape"], nodes["reduce_sum"])
    assert said.startswith("paused after reduce_sum's gradient (reshape) in the backward")


def test_a_real_loop_stepped_into_conv2d_s_gradient_says_so(keras_session):
    """Pause, then Step op through the backward pass of the small CNN until an op inside
    conv2d's VJP: the status names conv2d and the input, the internal op in brackets."""
    from dashboard_loops import T, cnn_loop, small_cnn, wait_until

    from tapeviz.debugger.runner import Runner
    runner = Runner(cnn_loop, small_cnn(), 1000).start()
    try:
        assert wait_until(lambda: runner.step_count >= 1)
        runner.pause()
        assert runner.wait_paused(T)
        for _ in range(5000):
            point = runner.paused_at
            if point.kind == "op" and point.op_name == "conv2d_backprop_filter":
                break
            runner.step_op()
            assert runner.wait_paused(T)
        else:
            raise AssertionError("stepping op by op never reached conv2d_backprop_filter")
        assert point.forward_node.op.name == "conv2d"
        said = _runner_status(runner, {})
        assert said.startswith("paused after conv2d's gradient for its filters "
                               "(conv2d_backprop_filter) in the backward pass"), said
    finally:
        runner.stop()


square_a = tf.Variable(np.full((3, 3), 0.5, np.float32), name="square_a")
square_b = tf.Variable(np.eye(3, dtype=np.float32), name="square_b")


def square_matmul_loop(steps):
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.matmul(square_a, square_b))
        grads = tape.gradient(loss, [square_a, square_b])
        square_a.assign_sub(0.001 * grads[0])
        square_b.assign_sub(0.001 * grads[1])


def _said_inside(loop, op_name: str) -> list:
    """(status, the op's line) at each op run inside `op_name`'s VJP, a real Runner on `loop`
    paused and stepped op by op through its first backward pass there; each pause's repr (and
    so Python's exit, `said`) checked to say it as the status does."""
    from dashboard_loops import T, wait_until

    from tapeviz.debugger.runner import Runner
    runner = Runner(loop, 10**9).start()   # trains until stopped
    try:
        assert wait_until(lambda: runner.step_count >= 1)
        runner.pause()
        assert runner.wait_paused(T)
        said, outside = [], False   # (a pause landing inside the VJP starts past its first op)
        for _ in range(5000):
            point = runner.paused_at
            inside = point.kind == "op" and point.vjp_of is not None and \
                point.vjp_of.op.name == op_name
            if inside and outside:
                said.append((_runner_status(runner, {}), point.source.location))
                assert repr(point) == f"<PausePoint {said[-1][0][len('paused '):]}>"
            elif said:
                return said
            outside = outside or not inside
            runner.step_op()
            assert runner.wait_paused(T)
        raise AssertionError(f"stepping op by op never left {op_name}'s VJP")
    finally:
        runner.stop()
        runner.join(T)


def test_a_square_matmul_s_gradient_ops_name_the_input_their_rule_computes():
    """Both of matmul's inputs are 3x3, so an op's shape told neither ('matmul's gradient
    (matmul)'): the rule of the input whose gradient runs says which, and the pause's repr
    says it in the Dashboard's words (it said 'after matmul in the backward pass', an op no
    box of the tape draws)."""
    said = _said_inside(square_matmul_loop, "matmul")
    assert [status for status, _ in said] == [
        f"paused after matmul's gradient for its {name} (matmul) in the backward pass at "
        f"{where}" for name, (_, where) in zip(("a", "b"), said)], said


def _swap_forward(x, y):
    return y - x


def _swap_vjp(g, ans, x, y):   # one function for both inputs' gradients, of one shape
    dx = tf.negative(g)   # x's
    return dx, tf.identity(g)   # y's


swap = defop("swap_difference", _swap_forward, _swap_vjp, register=False)
square_x = tf.Variable(np.ones((3, 3), np.float32), name="square_x")


def one_vjp_loop(steps):
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(swap(square_x, square_b) * 2.0)
        grads = tape.gradient(loss, [square_x, square_b])
        square_x.assign_sub(0.001 * grads[0])


def test_one_vjp_function_s_ops_name_the_element_of_its_result_they_compute():
    """A VJP written as one function of both inputs: the element of its returned tuple the
    running call makes (or the name bound to it) says whose gradient, where shapes told
    neither; the op's line is the VJP's own (a user's VJP)."""
    said = _said_inside(one_vjp_loop, "swap_difference")
    assert [status.split(" in the backward pass")[0] for status, _ in said] == [
        "paused after swap_difference's gradient for its x (negative)",
        "paused after swap_difference's gradient for its y (identity)"], said
    assert [where for _, where in said] == [marked_line("x's", __file__),
                                            marked_line("y's", __file__)]


def test_bias_add_s_gradient_for_its_bias_is_named_by_its_vjp_s_result():
    """bias_add's one VJP function returns (g, reduce_sum(g)): the reduce_sum is its
    bias's, said so (by shape before; now by where it stands in what the VJP returns)."""
    said = _said_inside(bias_loop, "bias_add")
    assert [status.split(" in the backward pass")[0] for status, _ in said] == [
        "paused after bias_add's gradient for its bias (reduce_sum)"], said


bias = tf.Variable(np.zeros(3, np.float32), name="bias")


def bias_loop(steps):
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.nn.bias_add(tf.matmul(square_a, square_b), bias) ** 2)
        square_b.assign_sub(0.0001 * tape.gradient(loss, [square_b, bias])[0])
