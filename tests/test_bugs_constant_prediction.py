"""A regression stuck at one prediction for every input, in the CS20 lecture's birth-rate
regression (the vectorised version students write after the per-example one): only the
bias given to tape.gradient (the loss settles at the targets' variance, the bias at their
mean). Nothing fails and the loss looks like a plateau; `diagnose(recorder)` names the
weight that never trains with the line (a learning rate of 0, nothing moving, is
test_bugs_unmoved's). The same programs written correctly, and the lecture's per-example
Huber regression early in training, say nothing.
"""
import functools

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import synthetic_birth_life
from tapeviz.debugger import Recorder, diagnose
from programs import huber_recorded, marked_line

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
here = functools.partial(marked_line, __file__)


def birth_life():
    data, _ = synthetic_birth_life()
    return data[:, 0], data[:, 1]


def constant_findings(rec) -> list:
    return [f for f in diagnose(rec) if f.kind == "constant_prediction"]


def test_only_the_bias_given_to_the_tape_names_the_weight_read_and_never_trained():
    birth_rate, life = birth_life()
    x, y = tf.constant(birth_rate[:, None]), tf.constant(life[:, None])
    w, b = tf.Variable(tf.zeros([1, 1])), tf.Variable(tf.zeros([1]))
    optimizer = tf.keras.optimizers.SGD(0.1)
    with Recorder() as rec:
        for _ in range(100):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - (tf.matmul(x, w) + b)))  # PREDICTION
            grads = tape.gradient(loss, [b])  # BUG: the bias alone
            optimizer.apply_gradients(zip(grads, [b]))
    assert abs(rec.last_step.loss - float(np.var(life))) < 1e-3 * float(np.var(life))
    [finding] = constant_findings(rec)   # was: no finding
    message = finding.message
    assert message.startswith(f"the regression predicts the same value for every input: "
                              f"{float(np.mean(life)):.4g} over steps 51-100")
    assert (f"the targets' mean: the loss of predicting it, {float(np.var(life)):.4g} for a "
            f"squared error, is their variance, and the loss stopped falling") in message
    assert (f"w is read by matmul at tests/{here('# PREDICTION')}" in message)
    assert (f"but never given to tape.gradient (at tests/{here('# BUG: the bias')}" in message)
    assert "only b), so it never trains; fix: give tape.gradient and apply_gradients every " \
           "weight the prediction reads" in message
    assert finding.source.lineno == int(here("# PREDICTION").split(":")[1])
    assert finding.related.lineno == int(here("# BUG: the bias").split(":")[1])
    assert finding.variables == (w.name,)


def test_the_vectorised_regression_training_both_weights_is_no_finding():
    birth_rate, life = birth_life()
    x, y = tf.constant(birth_rate[:, None]), tf.constant(life[:, None])
    w, b = tf.Variable(tf.zeros([1, 1])), tf.Variable(tf.zeros([1]))
    optimizer = tf.keras.optimizers.SGD(0.01)
    with Recorder() as rec:
        for _ in range(100):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - (tf.matmul(x, w) + b)))
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))
    assert diagnose(rec) == []


@pytest.mark.parametrize("steps", [40, 190])
def test_the_lectures_huber_regression_early_in_training_is_no_finding(steps):
    """Its loss is far above the targets' variance and still falling slowly, example by
    example, while the bias climbs: a plateau to the eye, not to the check (its slope
    moves from the first step)."""
    birth_rate, life = birth_life()
    assert diagnose(huber_recorded(list(zip(birth_rate, life))[:steps])) == []
