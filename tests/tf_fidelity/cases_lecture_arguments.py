"""Cases hunted in a first model's arguments as a student types them: a metric's own name
beside its default one, the learning rate assigned before fit, Keras 2's `lr=`, activation
names and functions, layer sizes and rates at and past their bounds, fit's batch_size=0;
and labels and inputs in the shapes a student's arrays come in (lists, one-hot labels for a
sparse loss, a label column, one sample without its batch axis).
Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case, f32
from .cases_lecture_training import X, Y, _small_classifier


# ---- a first model's arguments as a student types them ----------------------------------------
def _named_metric(tf):
    model = _small_classifier(tf, metrics=(tf.keras.metrics.SparseCategoricalAccuracy(
        name="acc"), "sparse_categorical_accuracy"))
    history = model.fit(X, Y, epochs=1, batch_size=5, shuffle=False, verbose=0)
    return [sorted(history.history), model.evaluate(X, Y, verbose=0)]


def _learning_rate_assigned(tf):
    model = _small_classifier(tf)
    model.optimizer.learning_rate.assign(0.5)
    history = model.fit(X, Y, epochs=1, batch_size=10, shuffle=False, verbose=0)
    return [float(model.optimizer.learning_rate.numpy()),
            np.array(history.history["loss"], np.float32), model.weights[0]]


def _activation_callable(tf, x):
    return [tf.keras.layers.Dense(2, activation=tf.nn.relu, kernel_initializer="ones")(x),
            tf.keras.layers.Dense(2, activation=tf.keras.activations.tanh,
                                  kernel_initializer="ones")(x)]


ARGUMENTS = {
    "keras.Model.fit/hunt_named_metric": _named_metric,
    "keras.Model.fit/hunt_learning_rate_assigned": _learning_rate_assigned,
    "keras.optimizers.Adam/hunt_lr_keyword": lambda tf: float(tf.keras.optimizers.Adam(
        lr=0.01).learning_rate),
    "keras.layers.Dense/hunt_activation_name_capitalised": lambda tf: tf.keras.layers.Dense(
        2, activation="Relu"),
    "keras.layers.Dense/hunt_units_zero": lambda tf: tf.keras.layers.Dense(0),
    "keras.layers.Dense/hunt_units_float": lambda tf: tf.keras.layers.Dense(3.0).units,
    "keras.layers.Dropout/hunt_rate_one": lambda tf: [tf.keras.layers.Dropout(1.0)(
        tf.ones((2, 3)), training=True), tf.keras.layers.Dropout(1.0)(tf.ones((2, 3)))],
    "keras.layers.Dropout/hunt_rate_negative": lambda tf: tf.keras.layers.Dropout(-0.1),
    "keras.layers.Conv2D/hunt_filters_zero": lambda tf: tf.keras.layers.Conv2D(0, 3)(
        tf.ones((1, 4, 4, 1))),
    "keras.Model.fit/hunt_batch_size_zero": lambda tf: _small_classifier(tf).fit(
        X, Y, batch_size=0, verbose=0).history,
}
OPS = {"keras.optimizers.Adam/hunt_lr_keyword": "lr",
       "keras.layers.Dense/hunt_activation_name_capitalised": "Relu",
       "keras.layers.Dense/hunt_units_zero": "units",
       "keras.layers.Dropout/hunt_rate_one": "rate", "keras.layers.Dropout/hunt_rate_negative":
       "rate", "keras.layers.Conv2D/hunt_filters_zero": "filters",
       "keras.Model.fit/hunt_batch_size_zero": "batch_size"}
for _name, _fn in ARGUMENTS.items():
    add_case(_name, _fn, grad=False, rtol=1e-4, atol=1e-5, op=OPS.get(_name))
add_case("keras.layers.Dense/hunt_activation_callable", _activation_callable, f32(2, 3, seed=45))


# ---- labels and inputs in the shapes a student's arrays come in --------------------------------
def _fit_lists(tf):
    history = _small_classifier(tf).fit(X.tolist(), Y.tolist(), epochs=1, batch_size=5,
                                        shuffle=False, verbose=0)
    return np.array(history.history["loss"], np.float32)


def _fit_one_hot_to_sparse_loss(tf):
    return _small_classifier(tf).fit(X, np.eye(3, dtype=np.float32)[Y], epochs=1, verbose=0)


def _evaluate_label_column(tf):
    return _small_classifier(tf).evaluate(X, Y[:, None], verbose=0)


def _predict_single_sample(tf):
    return _small_classifier(tf).predict(X[0], verbose=0)


LABELS = {
    "keras.Model.fit/hunt_python_lists": _fit_lists,
    "keras.Model.fit/hunt_one_hot_to_sparse_loss": _fit_one_hot_to_sparse_loss,
    "keras.Model.evaluate/hunt_label_column": _evaluate_label_column,
    "keras.Model.predict/hunt_single_sample": _predict_single_sample,
}
LABEL_OPS = {"keras.Model.fit/hunt_one_hot_to_sparse_loss": "sparse_categorical_crossentropy",
             "keras.Model.predict/hunt_single_sample": "dense"}   # what tapeviz's error names
for _name, _fn in LABELS.items():
    add_case(_name, _fn, grad=False, rtol=1e-4, atol=1e-5, op=LABEL_OPS.get(_name))
