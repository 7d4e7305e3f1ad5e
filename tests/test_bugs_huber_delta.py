"""The lecture's Huber regression with delta in the wrong units: delta=0.001 where the
residuals are years of life (the lecture's 14.0). Every residual lies far beyond delta, so
each update is about lr x delta and the weights barely move; nothing fails. `diagnose` names
delta, the residuals and the comparison's line (marked here, looked up, never hard-coded),
where it said nothing; the lecture's delta gives no finding. Keras's huber and the lecture's
own huber_loss on the numpy engine; torch's F.huber_loss in
tests/pytorch/test_bugs_huber_delta_torch.py."""
import numpy as np
import pytest

from programs import marked_line

import tapeviz as tf
from tapeviz.datasets import synthetic_birth_life
from tapeviz.debugger import Recorder, diagnose


def lectures_huber_loss(y, y_predicted, delta):
    residual = tf.abs(y - y_predicted)
    return tf.where(residual < delta, 0.5 * tf.square(residual),  # BUG: the lecture's, compared
                    delta * residual - 0.5 * delta ** 2)


def keras_huber(y, y_predicted, delta):
    return tf.reduce_mean(tf.keras.losses.huber(y, y_predicted, delta=delta))  # BUG: keras


def trained(loss_function, delta: float, steps: int = 10):
    data, _ = synthetic_birth_life()
    x, y = data[:, 0].astype(np.float32), data[:, 1].astype(np.float32)
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(0.001)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(loss_function(y, w * x + b, delta))
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))
    return rec


@pytest.mark.parametrize("loss_function, marker", [
    (lectures_huber_loss, "# BUG: the lecture's, compared"), (keras_huber, "# BUG: keras")])
def test_a_huber_delta_far_below_every_residual_is_named(loss_function, marker):
    [finding] = [f for f in diagnose(trained(loss_function, delta=0.001))
                 if f.kind == "huber_delta_too_small"]
    assert finding.message.startswith(
        "the Huber loss's delta is 0.001, while every residual lies 100x or more beyond it "
        "in each of the last 3 steps (steps 8-10; at step 10 the smallest ")
    assert f"at tests/{marked_line(__file__, marker)}" in finding.message
    assert "every update is about the learning rate x 0.001 and the weights barely move" \
        in finding.message
    assert finding.message.endswith("fix: a delta on the residuals' scale (the lecture's 14.0 "
                                    "for years of life), or targets scaled to about 1")


@pytest.mark.parametrize("loss_function", [lectures_huber_loss, keras_huber])
def test_the_lectures_delta_gives_no_finding(loss_function):
    assert not [f for f in diagnose(trained(loss_function, delta=14.0))
                if f.kind == "huber_delta_too_small"]
