"""Normalising where the model is evaluated by the evaluated data's own statistics: the
test set by its own mean and std, or each batch by its own at inference. Found when the
statistics are taken with tapeviz ops inside the recording, in the evaluation after the
training steps, on the way to a layer; standardising with the training set's statistics,
or a metric that centres the labels, is no finding. (Done with numpy before the recording,
no op shows it: nothing is said.)"""
import functools

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose
from programs import marked_line

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
here = functools.partial(marked_line, __file__)

_rng = np.random.default_rng(0)
X_TRAIN = _rng.normal(5, 3, size=(128, 4)).astype(np.float32)
Y_TRAIN = X_TRAIN @ np.ones((4, 1), np.float32)
X_TEST = _rng.normal(5, 3, size=(64, 4)).astype(np.float32)
MEAN, STD = X_TRAIN.mean(axis=0), X_TRAIN.std(axis=0)


def trained_then(evaluate) -> Recorder:
    """Four training steps on the training set standardised by its statistics, then
    `evaluate(model)`, recorded."""
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.Adam(0.01)
    with Recorder() as rec:
        for rows in np.split(np.arange(128), 4):
            with tf.GradientTape() as tape:
                prediction = model((X_TRAIN[rows] - MEAN) / STD)
                loss = tf.reduce_mean(tf.square(prediction - Y_TRAIN[rows]))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
        evaluate(model)
    return rec


def found(rec) -> list:
    return [f for f in diagnose(rec) if f.kind == "own_statistics"]


def by_the_test_sets_statistics(model):
    x = (X_TEST - tf.reduce_mean(X_TEST, axis=0)) / tf.math.reduce_std(X_TEST, axis=0)  # BUG
    return model(x)


def by_each_batchs_statistics(model):
    for batch in np.split(X_TEST, 2):
        centred = batch - tf.reduce_mean(batch, axis=0)  # BUG: each batch by its own
        model(centred / tf.math.reduce_std(batch, axis=0))


def test_the_test_set_standardised_by_its_own_statistics_is_named_with_its_line():
    [finding] = found(trained_then(by_the_test_sets_statistics))   # was: no finding
    assert finding.message.startswith("step 5 computed no gradient (an evaluation) on data "
                                      "centred by its own statistics: reduce_mean over its 64 "
                                      f"examples at tests/{here('# BUG')}")
    assert "subtracted there, then read by matmul in layer " in finding.message
    assert "fix: standardise with the training data's statistics" in finding.message


def test_each_batch_standardised_by_its_own_statistics_at_inference_is_named():
    [finding] = found(trained_then(by_each_batchs_statistics))
    assert "reduce_mean over its 32 examples at " \
           f"tests/{here('# BUG: each batch')}" in finding.message


def by_the_training_statistics(model):
    return model((X_TEST - MEAN) / STD)


def with_an_r2_metric(model):
    prediction = model((X_TEST - MEAN) / STD)
    y = X_TEST @ np.ones((4, 1), np.float32)
    centred = y - tf.reduce_mean(y, axis=0)   # the labels centred: no layer reads them
    return 1 - tf.reduce_sum(tf.square(y - prediction)) / tf.reduce_sum(tf.square(centred))


@pytest.mark.parametrize("evaluate", [by_the_training_statistics, with_an_r2_metric])
def test_the_training_statistics_or_a_metric_centring_the_labels_is_no_finding(evaluate):
    assert diagnose(trained_then(evaluate)) == []


def test_each_training_batch_centred_by_its_own_mean_is_not_this_finding():
    """Only an evaluation is judged: a training step's batch statistics are batch norm's."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD(0.01)
    with Recorder() as rec:
        for rows in np.split(np.arange(128), 4):
            batch = X_TRAIN[rows]
            with tf.GradientTape() as tape:
                prediction = model(batch - tf.reduce_mean(batch, axis=0))
                loss = tf.reduce_mean(tf.square(prediction - Y_TRAIN[rows]))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert rec.last_step.variable_gradients   # the last step trained
    assert found(rec) == []
