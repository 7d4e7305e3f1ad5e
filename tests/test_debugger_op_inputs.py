"""One labelling of an op's inputs ('a = h'), said alike by the inspector, the debugger's
`node` command and the graph and inspector of a cell's failed op."""
import numpy as np

import tapeviz as tf
from tapeviz.debugger.op_inputs import input_labels
from tapeviz.debugger.session import node_summary
from tapeviz.errors import ShapeError
from tapeviz.viz.failure import add_failed_op, failed_payload
from tapeviz.viz.graph import Graph
from tapeviz.viz.inspect import inspect_node


def _inspector_labels(node) -> list:
    rows = next(s["content"] for s in inspect_node(node)["sections"] if s["title"] == "Inputs")
    return [row[0] for row in rows[1:]]


def _node_command_labels(node) -> list:
    """The label of each input row of the `node` command (after the op and its line)."""
    rows = node_summary(node).splitlines()[3:3 + len(node.inputs)]
    return [row.strip().split(": ", 1)[0].rstrip(":") for row in rows]


def _failed_labels(node) -> tuple:
    """The failed-op graph's leaf labels and its inspector's labels, had `node` failed."""
    error = ShapeError(node.op.name, "as if it had failed", source=node.source)
    error.input_values = [tensor.numpy() for tensor in node.inputs]
    graph = Graph.from_nodes([], None)
    add_failed_op(graph, error)
    leaves = [graph.nodes[f"failed:{i}"].label for i in range(len(node.inputs))]
    rows = failed_payload("failed", error)["sections"][1]["content"]
    return leaves, [row[0] for row in rows[1:]]


def test_inspector_node_command_and_failed_graph_label_the_same_inputs_alike():
    h = tf.constant([[1.0, 2.0, 3.0]])
    w = tf.Variable(np.ones((3, 2), np.float32), name="w")
    with tf.GradientTape() as tape:
        tf.matmul(h, w * 2.0)
        tf.nn.conv2d(tf.ones([1, 4, 4, 1]), w[:, :1, None, None], strides=1, padding="VALID")
    matmul, conv = (next(n for n in tape.nodes if n.op.name == name)
                    for name in ("matmul", "conv2d"))
    assert input_labels(matmul.op, matmul.source, 2) == ["a = h", "b = w * 2.0"]
    assert input_labels(conv.op, conv.source, 2) == ["input = tf.ones([1, 4, 4, 1])",
                                                     "filters = w[:, :1, None, None]"]
    for node in (matmul, conv):
        expected = input_labels(node.op, node.source, len(node.inputs))
        leaves, failed_rows = _failed_labels(node)
        assert _inspector_labels(node) == expected
        assert _node_command_labels(node) == expected
        assert leaves == expected and failed_rows == expected


def test_a_backward_op_is_labelled_by_the_ops_names_alone_everywhere():
    x = tf.Variable([1.0, 2.0], name="x")
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(x * x)
        inner.gradient(y, x)   # the VJP's multiply runs on this line: not its call
    vjp = next(node for node in outer.nodes
               if node.phase == "backward" and node.op.name == "multiply")
    assert input_labels(vjp.op, vjp.source, 2, vjp.phase) == ["x", "y"]
    assert _inspector_labels(vjp) == _node_command_labels(vjp) == ["x", "y"]
