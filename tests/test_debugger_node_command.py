"""The debugger's `node` command names each input as the op and the user's line do."""
import re

import numpy as np

import tapeviz as tf
from tapeviz.debugger.session import node_summary


def _input_rows(summary: str) -> list:
    """The label of each row after the source lines ('a = h', 'output', ...)."""
    return [line.split(":")[0].strip() for line in summary.splitlines()[3:]]


def test_node_names_inputs_as_the_op_does_with_the_users_expressions():
    h = tf.constant([[1.0, 2.0, 3.0]])
    w = tf.Variable(np.ones((3, 2), np.float32), name="w")
    with tf.GradientTape() as tape:
        y = tf.matmul(h, w * 2.0)
    summary = node_summary(tape.nodes[-1])
    assert _input_rows(summary) == ["a = h", "b = w * 2.0", "output", "params"]
    assert "input[" not in summary
    assert re.search(r"\n  output: +float32\[1, 2\] min 12 max 12", summary)   # y: [[12, 12]]
    assert y.shape == (1, 2)


def test_node_names_conv2d_inputs_input_and_filters_and_a_scalar_by_its_value():
    images = tf.ones([1, 4, 4, 1])
    kernel = tf.Variable(tf.ones([3, 3, 1, 2]), name="k")
    with tf.GradientTape() as tape:
        maps = tf.nn.conv2d(images, kernel, strides=1, padding="VALID")
        loss = tf.reduce_mean(maps)
    conv = node_summary(tape.nodes[0])
    assert _input_rows(conv)[:2] == ["input = images", "filters = kernel"]
    mean = node_summary(tape.nodes[1], upstream=tf.constant(1.0))
    assert re.search(r"\n  x = maps: +float32\[1, 2, 2, 2\] min 9 max 9", mean)
    assert re.search(r"\n  output: +float32 scalar 9.0\n", mean)
    assert re.search(r"\n  upstream: +float32 scalar 1.0$", mean)
    assert float(loss) == 9.0


def test_node_in_the_backward_pass_does_not_read_the_gradient_line_as_its_call():
    x = tf.Variable([1.0, 2.0], name="x")
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(x * x)
        g = inner.gradient(y, x)   # the VJP's multiply runs on this line
    backward = [node for node in outer.nodes if node.phase == "backward"
                and node.op.name == "multiply"]
    assert backward, [node.op.name for node in outer.nodes]
    assert _input_rows(node_summary(backward[0]))[:2] == ["x", "y"]
    assert g.numpy().tolist() == [2.0, 4.0]


def test_an_input_past_the_ops_names_is_numbered():
    parts = [tf.Variable([1.0], name=f"p{i}") for i in range(3)]
    with tf.GradientTape() as tape:
        tf.concat(parts, axis=0)   # concat's inputs are one list: no name of its own
    assert _input_rows(node_summary(tape.nodes[-1]))[:3] == ["input 0", "input 1", "input 2"]


def test_a_long_expression_does_not_push_the_other_values_right():
    h = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(h)
        tf.exp(tf.reshape(h, [2]) * 3.0 + tf.ones([2]) * 0.5)
    summary = node_summary(tape.nodes[-1])
    assert "\n  x = tf.reshape(h, [2]) * 3.0 + tf.ones([2]) * 0.5: float32[2]" in summary
    assert "\n  output: float32[2] min" in summary, summary
