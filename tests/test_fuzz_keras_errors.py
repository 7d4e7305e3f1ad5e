"""Keras mistakes, swept as the op fuzz sweeps ops: a built layer fed another shape, Conv2D
fed NCHW or one image, a loss given labels of another form, fit and evaluate given x and y
of different lengths. Each raises a ValueError that names the layer, loss or method, what it
expected and what came, at the user's line (the case's own line here); and after it the
model's weights are as they were, the model still trains, an open GradientTape still gives
the gradient of what it recorded, and a Recorder started before still records.
"""
from __future__ import annotations

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder
from raising import assert_said_at_its_line

RNG = np.random.default_rng(0)
X = RNG.random((40, 4), dtype=np.float32)
LABELS = RNG.integers(0, 10, size=40)
ONE_HOT = tf.one_hot(LABELS, 10)
PROBABILITIES = tf.nn.softmax(tf.constant(RNG.standard_normal((8, 10)), tf.float32))


class Models:
    """A Dense built on 3 features, a Conv2D built on 3-channel NHWC images, and a compiled
    Sequential (sparse labels) fitted once on 4 features."""

    def __init__(self):
        tf.random.set_seed(0)
        self.dense = tf.keras.layers.Dense(4)
        self.dense(tf.ones([2, 3]))
        self.conv = tf.keras.layers.Conv2D(2, 3)
        self.conv(tf.ones([1, 8, 8, 3]))
        self.fresh_conv = tf.keras.layers.Conv2D(2, 3)
        self.model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
        self.model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        self.model.fit(X, LABELS, epochs=1, batch_size=20, verbose=0)
        self.onehot_model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
        self.onehot_model.compile(optimizer="sgd", loss="categorical_crossentropy")
        self.onehot_model.fit(X, ONE_HOT, epochs=1, batch_size=20, verbose=0)

    def variables(self):
        return (self.dense.trainable_variables + self.conv.trainable_variables
                + self.model.trainable_variables + self.onehot_model.trainable_variables)


# name -> (the mistake, one line; words the message must hold: who, what was expected, what
# came)
CASES = {
    "Dense fed another last dimension after it was built": (
        lambda m: m.dense(tf.ones([2, 5])),
        ['layer "dense', "(Dense)", "value 3", "(2, 5)"]),
    "Dense fed one example without its batch axis": (
        lambda m: m.dense(tf.ones([3])),
        ["(Dense)", "rank >= 2", "(3,)"]),
    "Conv2D fed torch's NCHW images": (
        lambda m: m.conv(tf.ones([1, 3, 8, 8])),
        ["(Conv2D)", "value 3", "NHWC", "(1, 3, 8, 8)", "tf.transpose(x, [0, 2, 3, 1])"]),
    "a built Conv2D fed one image, a 3-D batch": (
        lambda m: m.conv(tf.ones([8, 8, 3])),
        ["(Conv2D)", "rank 4", "(8, 8, 3)", "x[tf.newaxis]"]),
    "a new Conv2D fed one image, a 3-D batch": (
        lambda m: m.fresh_conv(tf.ones([8, 8, 3])),
        ["(Conv2D)", "rank 4", "(8, 8, 3)", "x[tf.newaxis]"]),
    "categorical_crossentropy given (N,) labels against (N, 10)": (
        lambda m: tf.keras.losses.categorical_crossentropy(LABELS[:8], PROBABILITIES),
        ["categorical_crossentropy", "same shape", "(8,)", "(8, 10)",
         "sparse_categorical_crossentropy"]),
    "CategoricalCrossentropy() given (N,) labels against (N, 10)": (
        lambda m: tf.keras.losses.CategoricalCrossentropy()(LABELS[:8], PROBABILITIES),
        ["categorical_crossentropy", "(8,)", "(8, 10)"]),
    "MeanSquaredError() given (N,) against (N, 10)": (
        lambda m: tf.keras.losses.MeanSquaredError()(LABELS[:8].astype(np.float32),
                                                     PROBABILITIES),
        ["mean_squared_error", "(8,)", "(8, 10)"]),
    "SparseCategoricalCrossentropy() given one-hot labels": (
        lambda m: tf.keras.losses.SparseCategoricalCrossentropy()(ONE_HOT[:8], PROBABILITIES),
        ["sparse_categorical_crossentropy", "(8, 10)", "categorical_crossentropy"]),
    "fit given 40 inputs and 30 labels": (
        lambda m: m.model.fit(X, LABELS[:30], epochs=1, verbose=0),
        ["fit", "x has 40 samples but y has 30"]),
    "evaluate given 40 inputs and 30 labels": (
        lambda m: m.model.evaluate(X, LABELS[:30], verbose=0),
        ["evaluate", "x has 40 samples but y has 30"]),
    "fit given inputs of 5 features to a model built on 4": (
        lambda m: m.model.fit(np.ones((40, 5), np.float32), LABELS, epochs=1, verbose=0),
        ["(Dense)", "value 4", "5"]),
    "predict given inputs of 7 features to a model built on 4": (
        lambda m: m.model.predict(np.ones((5, 7), np.float32), verbose=0),
        ["(Dense)", "value 4", "(5, 7)"]),
    "fit with sparse labels given one-hot labels": (
        lambda m: m.model.fit(X, ONE_HOT, epochs=1, verbose=0),
        ["sparse_categorical_crossentropy", "10)", "categorical_crossentropy"]),
    "fit with one-hot labels given class ids": (
        lambda m: m.onehot_model.fit(X, LABELS, epochs=1, verbose=0),
        ["categorical_crossentropy", "10)", "sparse_categorical_crossentropy"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_keras_mistake_is_said_at_its_line_and_leaves_everything_working(name):
    mistake, words = CASES[name]
    models = Models()
    before = [v.numpy().copy() for v in models.variables()]
    w = tf.Variable([1.0, 2.0])
    recorder = Recorder().start()
    try:
        with tf.GradientTape() as tape:
            recorded = tf.reduce_sum(w * w)
            with pytest.raises(ValueError) as refused:
                mistake(models)
        assert_said_at_its_line(refused.value, mistake, words)
        # nothing left broken: the tape, the weights, the Recorder, training
        assert tape.gradient(recorded, w).numpy().tolist() == [2.0, 4.0]
        assert all(np.array_equal(v.numpy(), b) for v, b in zip(models.variables(), before))
        history = models.model.fit(X, LABELS, epochs=1, batch_size=20, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        assert not np.array_equal(models.model.trainable_variables[0].numpy(), before[4])
        assert recorder.recording and recorder.last_step is not None
    finally:
        recorder.stop()
