"""The models of the `.keras` round trips (record_saving.py, tests/test_keras_saving.py),
written once for any `tf` module: each trained two epochs from fixed weights, unshuffled."""
from __future__ import annotations

import numpy as np

from .harness import spread

X = spread((8, 3), seed=3)
LABELS = (X.sum(axis=1) > 0).astype(np.int32)
TARGETS = spread((8, 2), seed=5)


def _sequential(tf):
    model = tf.keras.Sequential([tf.keras.Input((3,)),
                                 tf.keras.layers.Dense(4, activation="relu"),
                                 tf.keras.layers.Dense(2)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def _functional(tf):
    inputs = tf.keras.Input((3,))
    hidden = tf.keras.layers.Dense(4, activation="tanh")(inputs)
    outputs = tf.keras.layers.Dense(2)(tf.keras.layers.Concatenate()([hidden, inputs]))
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    return model


MODELS = {"sequential": (_sequential, LABELS), "functional": (_functional, TARGETS)}


def trained(tf, build, y):
    """`build(tf)` with fixed weights, fit two epochs of batches of 4, unshuffled."""
    model = build(tf)
    model.set_weights([spread(w.shape, seed=i + 1, low=-0.5, high=0.5)
                       for i, w in enumerate(model.get_weights())])
    model.fit(X, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    return model
