"""The numpy engine: every Keras optimizer that keeps state (SGD with momentum, RMSprop,
Adagrad, Adam with amsgrad), made inside the training loop, is named with the line that
makes it (each step's is a new step count, from 0, with slot updates); made once, or a plain
SGD (no slots) made anew, is no finding. The torch twin:
tests/pytorch/test_bugs_stateful_optimizers_torch.py."""
import numpy as np
import pytest

from programs import line_of

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose

STEPS = 6

# the optimizer the finding names, and what it loses made anew
NAMED = {
    "sgd_momentum": "a new SGD took each of the last 3 steps, each its first): its momentum "
                    "buffer starts over every step",
    "rmsprop": "a new RMSprop took each of the last 3 steps, each its first): its average of "
               "squared gradients starts over every step",
    "adagrad": "a new Adagrad took each of the last 3 steps, each its first): its sum of "
               "squared gradients starts over every step",
    "adam_amsgrad": "a new Adam took each of the last 3 steps, each its first): its moment "
                    "estimates start over every step",
}
KERAS_OPTIMIZERS = {
    "sgd_momentum": lambda: tf.keras.optimizers.SGD(0.01, momentum=0.9),
    "rmsprop": lambda: tf.keras.optimizers.RMSprop(0.01),
    "adagrad": lambda: tf.keras.optimizers.Adagrad(0.01),
    "adam_amsgrad": lambda: tf.keras.optimizers.Adam(0.01, amsgrad=True),
}


def keras_loop(make, made_in_the_loop: bool):
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(STEPS * 32, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"),
                                 tf.keras.layers.Dense(3)])
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = make()
    with Recorder() as rec:
        for i in range(STEPS):
            if made_in_the_loop:
                optimizer = make()  # BUG: keras
            with tf.GradientTape() as tape:
                loss = loss_object(y[i * 32:(i + 1) * 32], model(x[i * 32:(i + 1) * 32]))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


@pytest.mark.parametrize("kind", KERAS_OPTIMIZERS)
def test_a_keras_optimizer_with_state_made_each_step_is_named(kind):
    """The numpy engine reads each step's new step count: one that keeps slots is named, by
    its own class (was: 'Adam's every update ...' whatever the optimizer)."""
    [finding] = diagnose(keras_loop(KERAS_OPTIMIZERS[kind], made_in_the_loop=True))
    assert finding.kind == "optimizer_in_loop"
    assert NAMED[kind] in finding.message
    assert ("Adam" in finding.message) == (kind == "adam_amsgrad")
    assert finding.source.lineno == line_of(__file__, f'"{kind}": lambda')   # made there
    assert "; fix: make the optimizer once, before the loop" in finding.message


@pytest.mark.parametrize("kind", [*KERAS_OPTIMIZERS, "sgd_made_each_step"])
def test_a_keras_optimizer_made_once_or_plain_sgd_is_no_finding(kind):
    if kind == "sgd_made_each_step":
        rec = keras_loop(lambda: tf.keras.optimizers.SGD(0.01), made_in_the_loop=True)
    else:
        rec = keras_loop(KERAS_OPTIMIZERS[kind], made_in_the_loop=False)
    assert diagnose(rec) == []
