"""Keras metrics: values over several batches, weights, state variables, resets, resolution."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.keras import metrics

probs = np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1], [0.3, 0.3, 0.4], [0.2, 0.5, 0.3]],
                 np.float32)
labels = np.array([1, 0, 1, 2])  # predicted: 1, 0, 2, 1 -> 2 of 4 right


def test_mean_over_batches_and_with_weights():
    m = metrics.Mean()
    m.update_state([1.0, 2.0])
    m.update_state(np.array([6.0]))
    assert float(m.result()) == 3.0
    w = metrics.Mean()
    w.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 3.0])
    assert float(w.result()) == pytest.approx(10 / 4)
    assert float(metrics.Mean().result()) == 0.0  # nothing seen: 0, not nan


def test_sum_accumulates():
    s = metrics.Sum()
    s([1.0, 2.0])
    assert float(s([[3.0]])) == 6.0


def test_sparse_categorical_accuracy_with_flat_and_column_labels():
    acc = metrics.SparseCategoricalAccuracy()
    assert float(acc(labels, probs)) == 0.5
    acc.reset_state()
    assert float(acc(labels[:, None], probs)) == 0.5
    assert float(acc(labels[:2], probs[:2])) == pytest.approx(4 / 6)


def test_categorical_accuracy_with_one_hot_labels():
    acc = metrics.CategoricalAccuracy()
    assert float(acc(np.eye(3)[labels], probs)) == 0.5


def test_accuracy_compares_values():
    assert float(metrics.Accuracy()([1, 2, 3, 4], [1, 2, 0, 4])) == 0.75


def test_binary_accuracy_thresholds_predictions():
    y_true = np.array([[1.0], [0.0], [1.0], [0.0]])
    y_pred = np.array([[0.9], [0.6], [0.4], [0.1]], np.float32)
    assert float(metrics.BinaryAccuracy()(y_true, y_pred)) == 0.5
    assert float(metrics.BinaryAccuracy(threshold=0.7)(y_true, y_pred)) == 0.75


def test_mean_squared_error_metric_averages_per_example_errors():
    mse = metrics.MeanSquaredError()
    mse.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    mse.update_state([[0.0, 0.0]], [[2.0, 2.0]])
    assert float(mse.result()) == pytest.approx((0.5 + 4.0) / 2)
    assert float(metrics.MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 3.0]])) == 1.5


def test_crossentropy_metric_matches_the_loss():
    ce = metrics.SparseCategoricalCrossentropy()
    loss = tf.keras.losses.sparse_categorical_crossentropy(labels, probs)
    assert float(ce(labels, probs)) == pytest.approx(float(tf.reduce_mean(loss)))


def test_state_lives_in_non_trainable_variables_and_resets():
    acc = metrics.SparseCategoricalAccuracy()
    acc(labels, probs)
    assert all(isinstance(v, tf.Variable) and not v.trainable for v in acc.variables)
    total, count = acc.variables
    assert total.name.startswith("sparse_categorical_accuracy/total")
    assert count.name.startswith("sparse_categorical_accuracy/count")
    acc.reset_states()
    assert float(acc.result()) == 0.0 and float(acc.count) == 0.0


def test_updates_are_not_taped_but_are_seen_under_the_metric_scope():
    scopes = []
    callback = tf.subscribe(lambda e: scopes.append(e.node.scope))
    x = tf.Variable(probs)
    try:
        with tf.GradientTape() as tape:
            metrics.SparseCategoricalAccuracy(name="acc")(labels, x * 1.0)
    finally:
        tf.unsubscribe(callback)
    assert len(tape.nodes) == 1  # only the user's `x * 1.0`
    assert "acc" in scopes and all(s in ("", "acc") for s in scopes)


def test_custom_metric_subclass():
    class Largest(metrics.Metric):
        def __init__(self):
            super().__init__(name="largest")
            self.value = self.add_weight("value", initializer=-1e9)

        def update_state(self, values):
            self.value.assign(tf.maximum(self.value, tf.reduce_max(values)))

        def result(self):
            return tf.identity(self.value)

    largest = Largest()
    largest([1.0, 4.0])
    assert float(largest([2.0])) == 4.0
    largest.reset_state()
    assert float(largest.result()) == -1e9


def test_shape_errors_name_the_metric():
    with pytest.raises(tf.ShapeError, match=r"sparse_categorical_accuracy.*\(4, 3\).*\(4, 3\)"):
        metrics.SparseCategoricalAccuracy()(np.eye(3)[labels], probs)
    with pytest.raises(tf.ShapeError, match=r"categorical_accuracy.*\(4,\)"):
        metrics.CategoricalAccuracy()(labels, probs)


def test_get_accepts_names_instances_and_functions():
    assert isinstance(metrics.get("accuracy"), metrics.Accuracy)
    assert metrics.get("acc").name == "acc"
    assert isinstance(metrics.get("sparse_categorical_accuracy"),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    instance = metrics.Mean()
    assert metrics.get(instance) is instance
    wrapped = metrics.get(metrics.mae)
    assert wrapped.name == "mean_absolute_error"
    assert float(wrapped([[0.0]], [[2.0]])) == 2.0
    with pytest.raises(ValueError, match="Unknown metric function: 'accuracyy'"):
        metrics.get("accuracyy")


@pytest.mark.parametrize("y_true_shape, y_pred_shape, expected", [
    ((4,), (4, 3), metrics.SparseCategoricalAccuracy),
    ((4, 1), (4, 3), metrics.SparseCategoricalAccuracy),
    ((4, 3), (4, 3), metrics.CategoricalAccuracy),
    ((4, 1), (4, 1), metrics.BinaryAccuracy),
])
def test_resolve_picks_the_accuracy_keras_would(y_true_shape, y_pred_shape, expected):
    metric = metrics.resolve("accuracy", np.zeros(y_true_shape), np.zeros(y_pred_shape))
    assert type(metric) is expected and metric.name == "accuracy"
