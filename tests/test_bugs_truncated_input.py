"""Pixels scaled to [0, 1) then cast to integers and back, `tf.cast(tf.cast(x / 255,
tf.int32), tf.float32)`: every value below 1 becomes 0 and the model trains on almost
nothing. `diagnose` names the cast, its line (marked here, looked up, never hard-coded) and
how much became 0; a cast of whole numbers (labels, counts) or no cast is no finding. The
torch twin: tests/pytorch/test_bugs_truncated_input_torch.py."""
import numpy as np
import pytest

from programs import line_of

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose


def pixel_loop(prepare, steps: int = 6):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(steps * 32, 16)).astype(np.float32)
    labels = (pixels[:, 0] > 128).astype(np.int64)
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"),
                                 tf.keras.layers.Dense(2)])
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam(1e-2)
    with Recorder() as rec:
        for i in range(steps):
            x = prepare(pixels[i * 32:(i + 1) * 32])
            with tf.GradientTape() as tape:
                loss = loss_object(labels[i * 32:(i + 1) * 32], model(x))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def truncated(batch):
    return tf.cast(tf.cast(batch / 255.0, tf.int32), tf.float32)  # BUG: cut to integers


def test_pixels_cut_to_integers_are_named_at_the_cast():
    """was: nothing (the loss falls a little: the brightest pixels, 255, stay 1)."""
    [finding] = diagnose(pixel_loop(truncated))
    assert finding.kind == "input_truncated"
    assert finding.message.startswith(
        "the model's input is cut to integers: float32 values with fractions (from 0 to 1, "
        "99% of them not whole) are cast to int32, each cut toward zero, so 99% of them "
        "become 0, by cast at ")
    assert finding.source.lineno == line_of(__file__, "# BUG: cut to integers")


@pytest.mark.parametrize("prepare", [
    lambda batch: tf.cast(batch / 255.0, tf.float32),
    lambda batch: tf.cast(tf.cast(batch, tf.int32), tf.float32) / 255.0,   # whole numbers
], ids=["scaled", "whole_numbers_cast"])
def test_scaled_pixels_or_whole_numbers_cast_are_no_finding(prepare):
    assert diagnose(pixel_loop(prepare)) == []
