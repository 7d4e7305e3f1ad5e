"""The lecture's per-example Huber regression with a loss that reads the wrong tensor
(`huber(Y, X)` where `huber(Y, Y_predicted)` is meant): the loss depends on no variable, so
every gradient is None. apply_gradients' error names the loss's line and the prediction
left unused (the lines marked here, looked up, never hard-coded), where it said 'the target
was not recorded on this tape: it was computed outside the `with tape:` block ...'. A loss
computed after the block keeps that word. The torch twin:
tests/pytorch/test_bugs_wrong_tensor_torch.py."""
import re

import numpy as np
import pytest

from programs import line_of, marked_line

import tapeviz as tf
from tapeviz.datasets import synthetic_birth_life


def huber_loss(y, y_predicted, delta=14.0):
    residual = tf.abs(y - y_predicted)
    return tf.where(residual < delta, 0.5 * tf.square(residual),
                    delta * residual - 0.5 * delta ** 2)


def examples():
    data, _ = synthetic_birth_life()
    return tf.Variable(0.0), tf.Variable(0.0), data[:10].astype(np.float32)


def wrong_tensor():
    w, b, data = examples()
    optimizer = tf.keras.optimizers.SGD(0.001)
    for x, y in data:
        with tf.GradientTape() as tape:
            y_predicted = w * x + b  # noqa: F841 (the prediction, unused: the bug)
            loss = huber_loss(y, x)  # BUG: wrong tensor
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))


def after_the_block():
    w, b, data = examples()
    optimizer = tf.keras.optimizers.SGD(0.001)
    for x, y in data:
        with tf.GradientTape() as tape:
            y_predicted = w * x + b
        loss = huber_loss(y, y_predicted)  # BUG: after the block
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))


def correct():
    w, b, data = examples()
    optimizer = tf.keras.optimizers.SGD(0.001)
    for x, y in data:
        with tf.GradientTape() as tape:
            y_predicted = w * x + b
            loss = huber_loss(y, y_predicted)
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))
    return w


def test_a_loss_that_reads_an_input_for_the_prediction_names_both_lines():
    with pytest.raises(ValueError) as raised:
        wrong_tensor()
    message = str(raised.value)
    assert (f"the target (made at tests/{marked_line(__file__, '# BUG: wrong tensor')}: "
            "loss = huber_loss(y, x)") in message
    assert re.search(r"reads none of the values the tape tracks: it is computed from "
                     r"constants and inputs alone, so it does not depend on variable "
                     r"'Variable(_\d+)?:0'", message)   # (TF's names count every variable)
    assert (f"(last: add at tests/{marked_line(__file__, '(the prediction')}: y_predicted = "
            "w * x + b  # noqa") in message
    assert ") is used by nothing that made the target: does the loss read the wrong tensor " \
        "(an input where the prediction is meant)?" in message
    assert ("; fix: compute the loss from y_predicted, the prediction (the same for the other "
            "1); in TensorFlow's words: No gradients provided for any variable") in message


def test_a_loss_computed_after_the_tapes_block_is_still_said_so():
    with pytest.raises(ValueError, match="was not recorded on this tape: it was computed "
                                         "outside the `with tape:` block"):
        after_the_block()


def test_the_loss_of_the_prediction_trains():
    assert float(correct()) != 0.0


def wrong_tensor_in_a_branch(huber: bool):
    w, b, data = examples()
    optimizer = tf.keras.optimizers.SGD(0.001)
    for x, y in data:
        with tf.GradientTape() as tape:
            y_predicted = w * x + b  # noqa: F841 (the branch's prediction)
            if huber:
                loss = huber_loss(y, x)  # BUG: wrong tensor in a branch
            else:
                loss = tf.square(y - y_predicted)
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))


def huber_step(w, b, x, y):
    with tf.GradientTape() as tape:
        y_predicted = w * x + b  # noqa: F841 (the helper's prediction)
        loss = huber_loss(y, x)  # BUG: wrong tensor in a helper
    return tape, loss


def wrong_tensor_in_a_helper():
    w, b, data = examples()
    optimizer = tf.keras.optimizers.SGD(0.001)
    for x, y in data:
        tape, loss = huber_step(w, b, x, y)
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))


def test_a_wrong_tensor_in_one_branch_names_both_assignments_that_may_have_run():
    with pytest.raises(ValueError) as raised:
        wrong_tensor_in_a_branch(huber=True)
    message = str(raised.value)
    ran = line_of(__file__, "# BUG: wrong tensor in a branch")
    assert f"the target (made at tests/test_bugs_wrong_tensor.py:{ran}: loss = huber_loss(y, x)" \
        in message
    assert f"or at tests/test_bugs_wrong_tensor.py:{ran + 2}: loss = tf.square(" in message
    assert "does the loss read the wrong tensor" in message


def test_a_wrong_tensor_returned_by_a_helper_names_the_helpers_line():
    with pytest.raises(ValueError) as raised:
        wrong_tensor_in_a_helper()
    message = str(raised.value)
    assert (f"the target (made at tests/{marked_line(__file__, '# BUG: wrong tensor in a helper')}"
            ": loss = huber_loss(y, x)") in message
    assert "was not recorded on this tape" not in message
    assert "fix: compute the loss from y_predicted, the prediction" in message


class HuberTrainer:
    """The helper as a method: its line is not followed (self.step is no function of the
    module), so the words only ask."""

    def __init__(self):
        self.w, self.b, self.data = examples()

    def step(self, x, y):
        with tf.GradientTape() as tape:
            y_predicted = self.w * x + self.b  # noqa: F841 (the method's prediction)
            loss = huber_loss(y, x)
        return tape, loss


def test_a_wrong_tensor_returned_by_a_method_is_asked_about_not_said_outside_the_block():
    trainer, optimizer = HuberTrainer(), tf.keras.optimizers.SGD(0.001)
    with pytest.raises(ValueError) as raised:
        for x, y in trainer.data:
            tape, loss = trainer.step(x, y)
            grads = tape.gradient(loss, [trainer.w, trainer.b])
            optimizer.apply_gradients(zip(grads, [trainer.w, trainer.b]))
    message = str(raised.value)
    assert ("; if it was computed inside the block, it reads nothing the tape recorded from the "
            f"variables (last: add at tests/{marked_line(__file__, '(the method')}: y_predicted "
            "= self.w * x + self.b  # noqa") in message
    assert "does the loss read the wrong tensor (an input where the prediction is meant)? " \
        "compute it from y_predicted, the prediction" in message
