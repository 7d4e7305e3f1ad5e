"""The Dashboard's status line paused on an op run inside a VJP names it in the tape's words:
the forward op the tape draws and which of its inputs' gradient it computes, not the
internal backward op alone ('paused after conv2d_backprop_filter in the backward pass')."""
from types import SimpleNamespace

import numpy as np

import tapeviz as tf
from tapeviz.debugger import Recorder
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


def test_a_square_matmul_s_gradient_ops_name_the_input_their_rule_computes():
    """Both of matmul's inputs are 3x3, so an op's shape told neither ('matmul's gradient
    (matmul)'): the rule of the input whose gradient runs says which, and the pause's repr
    (and so Python's exit, `said`) says it in the Dashboard's words ('after matmul in the
    backward pass', an op no box of the tape draws)."""
    from dashboard_loops import T, wait_until

    from tapeviz.debugger.runner import Runner
    runner = Runner(square_matmul_loop, 10**9).start()   # trains until stopped
    try:
        assert wait_until(lambda: runner.step_count >= 1)
        runner.pause()
        assert runner.wait_paused(T)
        said, where = [], None
        for _ in range(5000):
            point = runner.paused_at
            if point.kind == "op" and point.vjp_of is not None and \
                    point.vjp_of.op.name == "matmul":
                said.append(_runner_status(runner, {}))
                where = point.source.location   # the gradient call's line
                assert repr(point) == f"<PausePoint {said[-1][len('paused '):]}>"
            elif said:
                break
            runner.step_op()
            assert runner.wait_paused(T)
        assert said == [f"paused after matmul's gradient for its {name} (matmul) in the "
                        f"backward pass at {where}" for name in ("a", "b")], said
    finally:
        runner.stop()
        runner.join(T)
