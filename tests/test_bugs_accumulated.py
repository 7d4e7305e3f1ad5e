"""TF's gradient accumulation gone wrong: `accum = [a + g for a, g in zip(accum, grads)]`
applied every step and never reset, so each update uses every gradient so far and the step
grows linearly. Found by `diagnose(recorder)` naming the line of the sum; accumulating over k
steps then applying and resetting, and momentum written by hand, are not findings."""
import functools

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose
from programs import guide_cnn, marked_line
from test_bugs_lectures import digits

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
here = functools.partial(marked_line, __file__)

_rng = np.random.default_rng(0)
X = _rng.normal(size=(96, 3)).astype(np.float32)
Y = X @ np.array([[1.0], [-2.0], [0.5]], np.float32)


def accumulated(rec) -> list:
    return [f for f in diagnose(rec) if f.kind == "accumulated_gradients"]


def regression(step_rule, steps: int = 6, optimizer=None) -> Recorder:
    """A Dense regression on 16-row batches, its update given by `step_rule(grads, state,
    step)`, which returns the gradients to apply (or None) and the new state."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model(X[:1])
    optimizer = optimizer or tf.keras.optimizers.SGD(0.01)
    state = [tf.zeros_like(v) for v in model.trainable_variables]
    with Recorder() as rec:
        for step in range(steps):
            with tf.GradientTape() as tape:
                rows = slice(16 * step, 16 * step + 16)
                loss = tf.reduce_mean(tf.square(model(X[rows]) - Y[rows]))
            grads = tape.gradient(loss, model.trainable_variables)
            applied, state = step_rule(grads, state, step)
            if applied is not None:
                optimizer.apply_gradients(zip(applied, model.trainable_variables))
    return rec


def never_reset(grads, accum, step):
    accum = [a + g for a, g in zip(accum, grads)]  # BUG: summed, never reset
    return accum, accum


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_sum_of_gradients_applied_every_step_and_never_reset_names_the_sum_line(optimizer):
    made = {"sgd": tf.keras.optimizers.SGD(0.01), "adam": tf.keras.optimizers.Adam(0.01)}
    rec = regression(never_reset, optimizer=made[optimizer])
    [finding] = accumulated(rec)   # was: no finding
    assert finding.message.startswith("gradients pile up: the gradients are summed across "
                                      "steps and never reset, and the sum is applied every "
                                      "step (in each of the last 3 steps, the add op added")
    assert f"the sum is made at tests/{here('# BUG: summed')}" in finding.message
    assert "accum = [tf.zeros_like(v) for v in model.trainable_variables]" in finding.message
    total = float(finding.message.split("the applied sum's norm is ")[1].split(",")[0])
    own = float(finding.message.split("this step's gradient ")[1].split(";")[0])
    assert total > 2 * own   # six steps' gradients summed


def sum_then_reset(grads, accum, step, every=3):
    accum = [a + g for a, g in zip(accum, grads)]
    if (step + 1) % every:
        return None, accum
    return [a / every for a in accum], [tf.zeros_like(a) for a in accum]


def momentum(grads, velocity, step):
    velocity = [0.9 * v + g for v, g in zip(velocity, grads)]
    return velocity, velocity


def plain(grads, state, step):
    return grads, state


@pytest.mark.parametrize("rule", [sum_then_reset, momentum, plain])
def test_accumulating_then_resetting_or_momentum_or_plain_steps_are_no_finding(rule):
    assert accumulated(regression(rule, steps=9)) == []


def test_the_guide_cnn_with_its_gradients_summed_and_never_reset_is_found():
    tf.random.set_seed(0)
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    accum = None
    with Recorder() as rec:
        for images, labels in digits().batch(32).take(4):
            with tf.GradientTape() as tape:
                loss = loss_object(labels, model(images, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            accum = grads if accum is None else [
                a + g for a, g in zip(accum, grads)]  # BUG: the guide CNN's sum
            optimizer.apply_gradients(zip(accum, model.trainable_variables))
    [finding] = accumulated(rec)
    assert f"at tests/{here('# BUG: the guide')}" in finding.message
