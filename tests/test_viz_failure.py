"""The failed op as a cell draws it: its inputs named as its message names them, with what the
user's line passed for each where the line shows it, and their shapes."""
import pytest

import tapeviz as tf
from tapeviz.debugger.op_inputs import written_arguments
from tapeviz.viz.failure import add_failed_op, failed_payload, input_labels
from tapeviz.viz.graph import Graph


def failure(run):
    with pytest.raises(tf.errors.InvalidArgumentError) as raised:
        run()
    return raised.value


def user_arguments(error) -> list:
    """What the failed op's line wrote for each of its inputs ('' where it does not show)."""
    return written_arguments(error.op, error.source, len(error.input_values))


def test_the_operator_form_names_the_operands_as_written():
    h, w = tf.ones([1, 1]), tf.ones([3, 4])
    error = failure(lambda: h @ w)
    assert "a.shape[-1] must equal b.shape[-2]" in str(error)
    assert user_arguments(error) == ["h", "w"]
    assert input_labels(error) == ["a = h", "b = w"]


def test_keywords_are_matched_to_the_ops_names_for_its_inputs():
    h, w = tf.ones([1, 1]), tf.ones([3, 4])
    error = failure(lambda: tf.matmul(h, b=w, transpose_b=False))
    assert input_labels(error) == ["a = h", "b = w"]


def test_a_public_function_named_otherwise_than_its_op_is_found_by_its_name():
    x, y = tf.ones([2, 3]), tf.ones([4, 5])
    error = failure(lambda: tf.divide(x, y))           # tf.divide makes the tape's truediv
    assert error.op == "truediv" and user_arguments(error) == ["x", "y"]


def test_an_input_the_user_named_alike_is_named_once():
    a, b = tf.ones([2, 3]), tf.ones([2, 3])
    assert input_labels(failure(lambda: tf.matmul(a, b))) == ["a", "b"]


def test_a_line_that_does_not_show_the_call_leaves_the_ops_names():
    a = tf.ones([2, 3])
    two_calls = failure(lambda: tf.matmul(a, a) + tf.matmul(a, a))   # which one failed?
    assert user_arguments(two_calls) == ["", ""]
    product = tf.matmul                                               # called by another name
    aliased = failure(lambda: product(a, tf.ones([4, 5])))
    assert input_labels(aliased) == ["a", "b"]
    rows = failed_payload("failed", aliased)["sections"][1]["content"]
    assert rows == [["input", "value"], ["a", "float32[2, 3]"], ["b", "float32[4, 5]"]]
    named = failed_payload("failed", failure(lambda: tf.matmul(a, tf.ones([4, 5]))))
    assert named["sections"][1]["content"][1:] == [["a", "float32[2, 3]"],
                                                   ["b = tf.ones([4, 5])", "float32[4, 5]"]]
    spanning = failure(lambda: tf.matmul(a,
                                         tf.ones([4, 5])))            # a statement over lines
    assert user_arguments(spanning) == ["a", "tf.ones([4, 5])"]   # read whole (5d338bf)


def test_the_failed_node_lists_its_inputs_with_shapes_and_how_many_more_past_four():
    # tf.concat checks its inputs before the op runs; an op that raises inside, as dispatch
    # leaves its error: with the values it was given
    error = tf.errors.InvalidArgumentError("concat", "inputs clash")
    error.input_values = [tf.ones([2, 1]).numpy()] * 20
    graph = Graph.from_nodes([], None)
    add_failed_op(graph, error)
    lines = graph.nodes["failed"].label.split("\n")
    assert lines[0] == "✗ concat failed" and len(lines) == 5
    assert lines[1].endswith(": (2, 1)") and lines[-1] == "… 17 more inputs"
    assert sum(edge.dst == "failed" for edge in graph.edges) == 20


def test_a_recorders_failed_op_is_inspected_and_exported_with_its_inputs_makers(tmp_path):
    """The failed op's graph is built from GraphNodes (no dispatch outputs to index): its
    inspector and the HTML export must still name which op made each input."""
    from tapeviz.debugger import Recorder
    from tapeviz.viz.widget import TapeWidget
    x, w = tf.constant([[1.0, 2.0]]), tf.Variable([[1.0], [2.0]], name="w")
    recorder = Recorder().start()
    try:
        h = tf.matmul(x, w)
        error = failure(lambda: tf.matmul(h, tf.ones([3, 4])))
    finally:
        recorder.stop()
    widget = TapeWidget(recorder, failure=error)
    ran = [node_id for node_id in widget.graph.nodes if node_id.startswith("n")]   # ops
    assert ran and all(widget.inspect(node_id) for node_id in ran)
    assert "matmul failed: ShapeError" in widget.save(tmp_path / "failed.html").read_text()
