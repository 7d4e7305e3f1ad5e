"""A tensor no op made and no variable holds is said alike on both engines: the batch a loop
feeds (anything with an axis) and one example's number passed by name are 'input's, a number
the code wrote a 'constant' ('const 2' in its box), in the graph's box, its tooltip, the
toolbar's count, the inspector's title and kind, and an op's Inputs table. The numpy engine
drew a student's batch 'const', as if their code had fixed it; torch's side already said
'input' (test_viz_torch_words.py)."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder

pytest.importorskip("anywidget")
from tapeviz.viz import TapeWidget  # noqa: E402


def rows(payload, title):
    """The first two cells of each row of the table `title`, its header row too."""
    section = next(s for s in payload["sections"] if s["title"] == title)
    return [row[:2] for row in section["content"]]


def step(w):
    images = np.ones((5, 2), np.float32)   # a batch from outside the step, as a loop feeds it
    target = tf.constant(3.0)              # and one example's number
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.matmul(images, w)) * 2.0 - target
    return tape, loss


def tape_widget():
    w = tf.Variable([[1.0], [2.0]], name="w")
    tape, _ = step(w)
    return TapeWidget(tape)


def recorded_widget():
    w = tf.Variable([[1.0], [2.0]], name="w")
    with Recorder() as rec:
        tape, loss = step(w)
        tape.gradient(loss, [w])
    return TapeWidget(rec)


@pytest.mark.parametrize("make", [tape_widget, recorded_widget], ids=["tape", "recorded step"])
def test_a_numpy_engine_batch_is_an_input_and_a_number_a_constant(make):
    widget = make()
    assert widget.status.endswith(", 1 variable, 2 inputs, 1 constant"), widget.status
    leaves = {(n.shape, n.label): i for i, n in widget.graph.nodes.items()
              if n.kind == "constant"}
    batch, two, target = leaves[(5, 2), "input"], leaves[(), "const"], leaves[(), "input"]
    assert widget.graph.nodes[batch].label == "input"
    payload = widget.inspect(batch)
    assert payload["title"] == "input → float32[5, 2]", payload["title"]
    assert rows(payload, "Tensor") == [["kind", "input"]]
    assert ">input</text>" in widget.svg and ">const</text>" not in widget.svg
    assert 'xlink:title="input&#10;(5, 2) float32' in widget.svg   # its tooltip
    assert ">const 2</text>" in widget.svg                        # the number the code wrote
    assert widget.inspect(two)["title"] == "constant → float32 scalar"
    assert widget.inspect(target)["title"] == "input → float32 scalar"
    assert ">input 3</text>" in widget.svg
    ops = {n.op: i for i, n in widget.graph.nodes.items() if n.op}
    assert [row[1] for row in rows(widget.inspect(ops["matmul"]), "Inputs")] == \
        ["from", "input", "variable w"]
    assert rows(widget.inspect(ops["multiply"]), "Inputs")[2] == ["y = 2.0", "constant"]
    assert rows(widget.inspect(ops["subtract"]), "Inputs")[2] == ["y = target", "input"]
