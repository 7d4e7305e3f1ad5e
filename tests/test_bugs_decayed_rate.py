"""A learning rate a schedule decays to almost nothing (Keras's ExponentialDecay with
decay_steps=1, where the student meant epochs): the first steps train, the last move no
weight. `diagnose` says so with the schedule's line (marked here, looked up, never
hard-coded); a schedule that decays slowly is no finding. The torch twin:
tests/pytorch/test_bugs_decayed_rate_torch.py."""
import numpy as np
import pytest

from programs import marked_line

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose


def keras_loop(decay_rate: float, steps: int = 14):
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(steps * 32, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"),
                                 tf.keras.layers.Dense(3)])
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    schedule = tf.keras.optimizers.schedules.ExponentialDecay(
        0.1, decay_steps=1, decay_rate=decay_rate)  # BUG: decays every step
    optimizer = tf.keras.optimizers.SGD(schedule)
    with Recorder() as rec:
        for i in range(steps):
            with tf.GradientTape() as tape:
                loss = loss_object(y[i * 32:(i + 1) * 32], model(x[i * 32:(i + 1) * 32]))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def test_a_schedule_decaying_the_rate_to_nothing_is_named_with_its_line():
    """was: nothing (the loss stops moving after the first steps; no step is wrong)."""
    [finding] = diagnose(keras_loop(decay_rate=0.1))
    assert finding.kind == "learning_rate_decayed"
    assert finding.message.startswith("the learning rate decayed to almost nothing: the "
                                      "updates of the kernel and bias of layer dense")
    assert " were 0.1 times the gradient at step 1, and at most " in finding.message
    made = marked_line(__file__, "schedule = tf.keras.optimizers.schedules")
    assert f"; a schedule shrinks it: tests/{made}: schedule = " in finding.message
    assert finding.message.endswith(
        "; fix: step a per-epoch schedule once an epoch, not once a batch, or make it decay "
        "slower (a decay factor nearer 1, more steps between decays)")


@pytest.mark.parametrize("decay_rate", [0.9, 1.0])
def test_a_schedule_that_decays_slowly_is_no_finding(decay_rate):
    assert diagnose(keras_loop(decay_rate=decay_rate)) == []


def shrink_each_step(step):
    return 0.1 * 0.1 ** float(step)  # BUG: a callable schedule, every step


def test_a_callable_schedule_is_found_by_what_the_optimizer_was_given():
    """A plain function given as the learning rate, under a name that says nothing of a
    schedule: was 'the optimizer, and its schedule, made at ...' (found by name only)."""
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(14 * 32, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"),
                                 tf.keras.layers.Dense(3)])
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    rate = shrink_each_step  # RATE
    optimizer = tf.keras.optimizers.SGD(learning_rate=rate)
    with Recorder() as rec:
        for i in range(14):
            with tf.GradientTape() as tape:
                loss = loss_object(y[i * 32:(i + 1) * 32], model(x[i * 32:(i + 1) * 32]))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = diagnose(rec)
    assert f"; a schedule shrinks it: tests/{marked_line(__file__, '# RATE')}: rate = " \
        in finding.message
