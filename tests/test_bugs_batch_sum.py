"""A loss summed over the batch where a mean was meant: each update is batch-size times the
mean's. The divergence it causes is told with the sum's line and why the learning rate is
too large (marked `# BUG` here, looked up, never hard-coded); the mean, at the same rate,
trains with no finding."""
import numpy as np
import pytest

from programs import marked_line

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose


def regression_batch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    return x, x @ np.array([[1.0], [-2.0], [0.5]], "float32")


def regression(loss_of, steps: int = 12) -> Recorder:
    """A linear regression by SGD(0.05), its loss `loss_of(predictions, targets)`."""
    x, y = regression_batch()
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD(0.05)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = loss_of(model(x), y)  # THE LOSS
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def summed_squares(predictions, targets):
    return tf.reduce_sum(tf.square(predictions - targets))  # BUG: summed


def test_a_sum_over_the_batch_is_named_in_the_divergence_it_causes():
    """was: the divergence and 'the learning rate is too large' alone, not why."""
    [divergence] = [f for f in diagnose(regression(summed_squares)) if f.kind == "divergence"]
    assert divergence.message.endswith(
        f"; the loss sums over the batch of 64 (reduce_sum at "
        f"tests/{marked_line(__file__, '# BUG: summed')}: return "
        f"tf.reduce_sum(tf.square(predictions - targets))  # BUG: summed), so each update is "
        f"64x the mean's, as if the learning rate were 64x: average it (tf.reduce_mean, or "
        f"the Keras loss's default reduction), or divide the learning rate by 64")


def test_a_keras_loss_given_reduction_sum_is_named_too():
    loss_object = tf.keras.losses.MeanSquaredError(reduction="sum")
    rec = regression(lambda p, y: loss_object(y, p))  # BUG: a Keras sum
    [divergence] = [f for f in diagnose(rec) if f.kind == "divergence"]
    assert (f"; the loss sums over the batch of 64 (reduce_sum at "
            f"tests/{marked_line(__file__, '# BUG: a Keras sum')}: ") in divergence.message


@pytest.mark.parametrize("loss_of", [
    lambda p, y: tf.reduce_mean(tf.square(p - y)),
    lambda p, y: tf.keras.losses.MeanSquaredError()(y, p)], ids=["reduce_mean", "keras_default"])
def test_the_mean_at_the_same_learning_rate_is_no_finding(loss_of):
    rec = regression(loss_of)
    assert diagnose(rec) == []
    assert rec.steps[-1].loss < rec.steps[0].loss
