"""A bare condition is given, for an op no tape records, a node whose inputs and line are
found only when read (node.DeferredNode): whatever it reads, keeps or stops at must be what
a node made whole by dispatch holds."""
import numpy as np
import pytest
from programs import line_of

import tapeviz as tf
from tapeviz.debugger import BreakpointError, break_on
from tapeviz.node import DeferredNode, Node

pytestmark = pytest.mark.usefixtures("quiet_breakpoints")


def program(w):
    """Untaped forward ops (a constant, a Variable, a scope), a backward pass, an update."""
    x = tf.constant([1.0, -2.0])
    y = tf.exp(x) * w + 1.0                               # line: forward
    with tf.name_scope("block"):
        z = tf.reduce_sum(y, axis=0)                      # line: scoped
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * x)
    (g,) = tape.gradient(loss, [w])                       # line: gradient
    w.assign_sub(0.5 * g)                                 # line: update
    return z


def fields(node) -> dict:
    """Every field a condition can read, as comparable values."""
    return {"op": node.op.name, "phase": node.phase, "scope": node.scope,
            "params": dict(node.params),
            "inputs": [(type(t).__name__, t.numpy().tolist()) for t in node.inputs],
            "input_ids_of_inputs": [i == id(getattr(t, "variable", t))
                                    for i, t in zip(node.input_ids, node.inputs)],
            "output": node.output.numpy().tolist(), "output_id": node.output_id == id(node.output),
            "source": (node.source.filename, node.source.lineno, node.source.function),
            "line": node.source.line, "statement": node.source.statement, "repr": repr(node)}


def test_every_field_a_condition_reads_is_the_whole_nodes():
    whole = []

    def heard(event):   # an event listener: dispatch makes every node whole
        whole.append(fields(event.node))

    tf.subscribe(heard, kinds=(tf.OpExecuted,))
    try:
        program(tf.Variable(3.0))
    finally:
        tf.unsubscribe(heard)
    read, kinds = [], []
    break_on(condition=lambda node: read.append(fields(node)) or kinds.append(type(node)) or False)
    program(tf.Variable(3.0))
    assert DeferredNode in kinds and Node in kinds   # the taped ops' nodes are made whole
    assert len(read) == len(whole) > 10
    for got, expected in zip(read, whole):
        assert got == expected
    lines = {entry["source"][1] for entry in read if entry["phase"] == "backward"}
    assert lines == {line_of(__file__, "# line: gradient")}
    assert any(entry["scope"] == "block" for entry in read)


def test_a_kept_node_keeps_the_inputs_and_line_of_its_op():
    kept = []
    break_on(condition=lambda node: kept.append(node) or False)
    w = tf.Variable(3.0)
    program(w)
    assert w.numpy() != 3.0                                 # updated since its ops ran
    update = next(node for node in kept if node.op.name == "assign_sub")
    assert type(update) is DeferredNode
    assert update.inputs[0].numpy() == 3.0                  # the value the update saw
    assert update.input_ids[0] == id(w)
    assert update.source.lineno == line_of(__file__, "# line: update")
    product = next(node for node in kept if node.op.name == "multiply"
                   and node.phase == "forward" and node.source.lineno == line_of(
                       __file__, "# line: forward"))
    assert product.inputs[1].numpy() == 3.0 and product.input_ids[1] == id(w)


def test_a_condition_that_stops_leaves_the_hit_its_ops_fields():
    bp = break_on(condition=lambda node: node.op.name == "assign_sub", action="continue")
    w = tf.Variable(3.0)
    program(w)
    (hit,) = bp.hits
    assert hit.source.lineno == line_of(__file__, "# line: update") and hit.phase == "forward"
    assert hit.node.inputs[0].numpy() == 3.0 and hit.node.input_ids[0] == id(w)
    assert hit.reasons == ["condition"]


def test_a_condition_that_raises_its_stop_leaves_the_nodes_fields_found():
    break_on(condition=lambda node: node.op.name == "exp")
    x = tf.constant([0.0, 1.0])
    with pytest.raises(BreakpointError) as raised:
        tf.exp(x)                                           # line: stopped
    node = raised.value.hit.node
    assert node.inputs == (x,) and node.input_ids == (id(x),)
    assert np.allclose(node.output.numpy(), np.exp([0.0, 1.0]))
    assert node.source.lineno == line_of(__file__, "# line: stopped")
