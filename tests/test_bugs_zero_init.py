"""A Dense with ReLU whose kernel starts at zeros (kernel_initializer='zeros'): every unit
outputs 0 for every example, ReLU passes no gradient at 0, and the layer never trains. The
dead-ReLU finding says why, where it said only 'its initial weights or bias killed it'; a
ReLU killed by a bad bias keeps those words. The torch twin:
tests/pytorch/test_bugs_zero_init_torch.py."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose


def trained(**first_layer):
    (images, labels), _ = load_digits()
    x = tf.constant(images[:128].reshape(-1, 64) / 255, tf.float32)
    y = tf.constant(labels[:128].astype(np.int64))
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu", **first_layer),
                                 tf.keras.layers.Dense(10)])
    optimizer = tf.keras.optimizers.SGD(0.1)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for i in range(4):
            with tf.GradientTape() as tape:
                loss = loss_object(y[i * 32:(i + 1) * 32], model(x[i * 32:(i + 1) * 32]))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def test_a_relu_layer_initialised_to_zeros_is_said_dead_from_its_zero_weights():
    [finding] = [f for f in diagnose(trained(kernel_initializer="zeros")) if f.kind == "dead_relu"]
    assert ("it was dead from the first recorded step (step 1): its inputs are exactly 0 for "
            "every example, as a layer whose weights start at zero makes them "
            "(kernel_initializer='zeros'), and ReLU passes no gradient at 0; hint: keep the "
            "layer's default initialiser: weights drawn at random, not zeros") in finding.message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_relu_killed_by_a_bad_bias_keeps_its_words():
    rec = trained(bias_initializer=tf.keras.initializers.Constant(-100.0))
    [finding] = [f for f in diagnose(rec) if f.kind == "dead_relu"]
    assert "its initial weights or bias killed it" in finding.message
