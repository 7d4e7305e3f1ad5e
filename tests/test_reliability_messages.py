"""What a newcomer reads when something is wrong, said as the rest of tapeviz says it: an op
in its pass ('exp in the forward pass', not 'phase=forward'), and the user's own line for a
value tapeviz did not see made (a loss computed after the `with tape:` block)."""
import sys

import pytest

import tapeviz as tf
from tapeviz.debugger import why_none
from tapeviz.debugger.session import node_summary


def test_the_debuggers_node_command_says_the_op_in_its_pass_and_layer():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tf.name_scope("block"):
            tf.exp(x)
    first = node_summary(tape.nodes[0]).splitlines()[0]
    assert first == "exp [math] in the forward pass, in layer block", first


def test_a_loss_computed_outside_the_tape_is_said_at_the_line_that_made_it():
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as tape:
        y = w * 3.0
    made_at = sys._getframe().f_lineno + 1
    loss = y * y
    found = why_none(tape, loss, w)
    assert found.kind == "target_not_recorded"
    assert found.source is not None and found.source.lineno == made_at
    assert f"test_reliability_messages.py:{made_at}: loss = y * y) was not recorded" in \
        found.message, found.message


def _step(w):
    with tf.GradientTape() as tape:
        y = w * 3.0
    return y * y, tape


def test_a_loss_unpacked_from_a_helpers_result_is_not_said_made_where_it_was_unpacked():
    w = tf.Variable(2.0, name="w")
    loss, tape = _step(w)   # made in _step: this line did not make it
    found = why_none(tape, loss, w)
    assert found.kind == "target_not_recorded" and found.source is None
    assert found.message.startswith("the target was not recorded on this tape: it was "
                                    "computed outside the `with tape:` block"), found.message


def test_an_optimizer_given_the_none_of_such_a_loss_says_its_line():
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as tape:
        y = w * 3.0
    made_at = sys._getframe().f_lineno + 1
    loss = y * y
    grads = tape.gradient(loss, [w])
    with pytest.raises(ValueError) as raised:
        tf.keras.optimizers.SGD(0.1).apply_gradients(zip(grads, [w]))
    assert "the target (made at " in str(raised.value)
    assert f"test_reliability_messages.py:{made_at}: loss = y * y) was not recorded" in \
        str(raised.value)
    assert float(w) == 2.0   # nothing was applied

