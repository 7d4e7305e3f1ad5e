"""A model run after the training step's updates, with no tape (an evaluation), is a step of
its own labelled "evaluation", not the first ops of the next training step nor, through a
metric's update, the last of the step before."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder


def _train_and_evaluate(steps, metric=None, optimizer=None):
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(3, input_shape=(2,))])
    optimizer = optimizer or tf.keras.optimizers.SGD(0.1)
    x = tf.constant(np.ones((4, 2), np.float32))
    y = np.zeros((4, 3), np.float32)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((model(x) - y) ** 2)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            predictions = model(x * 2.0)
            if metric is not None:
                metric(tf.reduce_mean(predictions))
    return rec


def _kinds(step):
    return [(rop.op, rop.phase) for rop in step.ops]


@pytest.mark.parametrize("optimizer", [
    lambda: tf.keras.optimizers.SGD(0.1),
    lambda: tf.keras.optimizers.RMSprop(0.01)],   # its own ops read its slot variables
    ids=["sgd", "rmsprop"])
def test_an_evaluation_between_training_steps_is_a_step_of_its_own(optimizer):
    steps = _train_and_evaluate(2, optimizer=optimizer()).steps
    assert [step.label for step in steps] == [None, "evaluation", None, "evaluation"]
    assert _kinds(steps[1]) == [("multiply", "forward"), ("matmul", "forward"),
                                ("bias_add", "forward")]
    training = steps[2]
    assert training.loss is not None and training.ops[0].taped   # begins with its forward
    assert _kinds(training) == _kinds(steps[0])


def test_an_evaluations_metric_update_does_not_pull_it_into_the_step_before():
    steps = _train_and_evaluate(2, tf.keras.metrics.Mean()).steps
    assert [step.label for step in steps] == [None, "evaluation", None, "evaluation"]
    first, evaluation = steps[0], steps[1]
    # the training step ends with the optimizer's updates; the evaluation holds the model
    # run and the metric's updates
    assert [rop.op for rop in first.ops if rop.kind == "update"] == \
        ["assign_sub", "assign_sub", "assign_add"]
    assert first.ops[-1].op == "assign_add" and "matmul" not in [
        rop.op for rop in first.ops[-5:]]
    assert evaluation.ops[1].op == "matmul" and "assign_add" in [
        rop.op for rop in evaluation.ops]


def test_updates_after_a_gradient_call_stay_in_its_step():
    w = tf.Variable(2.0)
    with Recorder() as rec:
        for _ in range(2):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.1 * tape.gradient(loss, w))
            _ = tf.constant(3.0) * 2.0   # no variable read: the next step's, as before
    steps = rec.steps
    assert [step.label for step in steps] == [None, None]   # the last one's starts no step
    assert [rop.op for rop in steps[0].ops if rop.phase == "forward"] == \
        ["multiply", "multiply", "assign_sub"]
    assert steps[1].ops[0].op == "multiply" and not steps[1].ops[0].taped
    assert steps[1].ops[-1].op == "multiply" and not steps[1].ops[-1].taped


def test_weight_decay_written_by_hand_in_a_scope_is_the_steps_update_not_an_evaluation():
    w = tf.Variable([1.0, 2.0])
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * w)
            grad = tape.gradient(loss, w)
            with tf.name_scope("weight_decay"):   # reads w, updates nothing, then the update
                w.assign_sub(0.1 * (grad + 0.01 * w))
    steps = rec.steps
    assert [step.label for step in steps] == [None, None, None]
    assert [rop.op for rop in steps[0].ops if rop.phase == "forward"] == \
        ["multiply", "reduce_sum", "multiply", "add", "multiply", "assign_sub"]
    assert steps[1].ops[0].taped and steps[1].loss is not None   # begins with its forward
