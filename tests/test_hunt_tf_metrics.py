"""A three-class classifier trained by a custom loop on one-hot labels, its accuracy taken
each step as a student writes it, `import tapeviz as tf`, under every tool. Planted bug:
the accuracy by a threshold, `tf.equal(tf.cast(logits > 0.5, tf.float32), y_onehot)`,
which counts every example once per class, so a model that predicts no class scores 2/3.
Before, nothing said it (diagnose found nothing: the loss trains well, the metric is only
wrong); now `threshold_accuracy` names the equal's line, the threshold's and the fix. The
argmax accuracy, and a multi-label model thresholding its sigmoids, say nothing.
A binary classifier's accuracy by `logits > 0.5` (logits taken for probabilities: 0.5 is a
probability of 0.62) was not said either; now `logits_thresholded` says it, silent on
`tf.sigmoid(logits) > 0.5`. Its labels as (n,) against (n, 1) predictions, an (n, n)
comparison, were found as-is (`outer_broadcast`) and are pinned."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import diagnose, find_nan_origin
from hunt_tools import (diagnosed_clean, drawn_and_stepped, found, paused_then_stopped,
                        recorded_steps, trained_quietly)
from programs import line_of
from tf_program_tools import nothing_left_around, paused_by, trained_by_dashboard

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def blobs(n=96, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]], np.float32)
    return (centres[labels] + rng.normal(0, 0.6, size=(n, 2))).astype(np.float32), labels


def classifier(epochs=3, threshold=True):
    tf.random.set_seed(0)
    x, y = blobs()
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"),
                                 tf.keras.layers.Dense(3)])
    optimizer = tf.keras.optimizers.SGD(0.1)
    accuracies = []
    for _ in range(epochs):
        for start in range(0, 96, 32):
            x_batch, y_batch = x[start:start + 32], tf.one_hot(y[start:start + 32], 3)
            with tf.GradientTape() as tape:
                logits = model(x_batch, training=True)
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y_batch, logits))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            if threshold:
                predicted = tf.cast(logits > 0.5, tf.float32)   # THRESHOLD
                hits = tf.equal(predicted, y_batch)   # ACCURACY
            else:
                hits = tf.equal(tf.argmax(logits, axis=1), tf.argmax(y_batch, axis=1))
            accuracies.append(float(tf.reduce_mean(tf.cast(hits, tf.float32))))
    return accuracies


def tagger(epochs=3):
    """Multi-label: each example may carry several of 3 tags, a sigmoid per tag."""
    tf.random.set_seed(0)
    x, _ = blobs()
    tags = np.stack([x[:, 0] > 0, x[:, 1] > 0, x[:, 0] + x[:, 1] > 0], axis=1)
    tags = tags.astype(np.float32)
    tags[:2] = [0.0, 1.0, 0.0]   # (a batch whose first rows hold one tag each)
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"),
                                 tf.keras.layers.Dense(3)])
    optimizer = tf.keras.optimizers.SGD(0.1)
    for _ in range(epochs):
        for start in range(0, 96, 32):
            with tf.GradientTape() as tape:
                logits = model(x[start:start + 32], training=True)
                loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
                    tags[start:start + 32], logits))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            hits = tf.equal(tf.cast(tf.sigmoid(logits) > 0.5, tf.float32), tags[start:start + 32])
            float(tf.reduce_mean(tf.cast(hits, tf.float32)))


def test_the_argmax_accuracy_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    x, y = blobs()
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"),
                                 tf.keras.layers.Dense(3)])
    with tf.GradientTape() as tape:
        tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(tf.one_hot(y, 3),
                                                               model(x, training=True)))
    assert drawn_and_stepped(tape) > 0
    rec = diagnosed_clean(classifier, threshold=False)
    assert find_nan_origin(rec.steps[-1]) is None
    assert paused_then_stopped(classifier)[1] is not None
    trained_quietly(lambda: classifier(threshold=False))
    diagnosed_clean(tagger)


def test_an_accuracy_by_a_threshold_is_said_with_both_lines_and_the_argmax():
    accuracies = classifier()
    assert accuracies[-1] < 0.95   # (what the student sees: a metric that lags the loss)
    finding = found(diagnose(recorded_steps(classifier)), "threshold_accuracy")
    assert finding.node.op.name == "equal"
    assert finding.source.lineno == line_of(__file__, "# ACCURACY")
    assert finding.related.lineno == line_of(__file__, "# THRESHOLD")
    assert "each of the 3 class scores thresholded at 0.5" in finding.message
    assert "predicts no class scores 2/3 (0.667)" in finding.message
    assert "tf.argmax(logits, axis=1) == tf.argmax(labels, axis=1)" in finding.message
    paused_at, _ = paused_by(classifier, op="greater")
    assert paused_at.source.lineno == line_of(__file__, "# THRESHOLD")
    shown = trained_by_dashboard(classifier)
    assert [alert["kind"] for alert in shown["alerts"]] == ["threshold_accuracy"]


def binary(variant="sigmoid", epochs=3):
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD(0.1)
    for _ in range(epochs):
        for start in range(0, 96, 32):
            labels = y[start:start + 32, None]
            with tf.GradientTape() as tape:
                logits = model(x[start:start + 32], training=True)
                loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, logits))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            if variant == "logits":
                predicted = tf.cast(logits > 0.5, tf.float32)   # LOGITS THRESHOLD
            else:
                predicted = tf.cast(tf.sigmoid(logits) > 0.5, tf.float32)
            if variant == "flat labels":
                labels = y[start:start + 32]
            float(tf.reduce_mean(tf.cast(tf.equal(predicted, labels), tf.float32)))  # BINARY


def test_a_binary_accuracy_by_sigmoids_says_nothing():
    diagnosed_clean(binary)


def test_logits_thresholded_at_a_half_are_said_with_the_probability_it_means():
    finding = found(diagnose(recorded_steps(binary, "logits")), "logits_thresholded")
    assert finding.node.op.name == "greater"
    assert finding.source.lineno == line_of(__file__, "# LOGITS THRESHOLD")
    assert "a logit of 0.5 is a probability of 0.62" in finding.message
    assert "Fix: logits > 0, or tf.sigmoid(logits) > 0.5" in finding.message


def test_flat_labels_against_column_predictions_are_said_as_an_outer_product():
    """Said once: the last recorded step holds two such comparisons (the step before's
    accuracy, then its own), one mistake of one line (said twice before)."""
    [finding] = diagnose(recorded_steps(binary, "flat labels"))
    assert finding.kind == "outer_broadcast"
    assert finding.source.lineno == line_of(__file__, "# BINARY")
    assert "equal broadcast (32, 1) and (32,) to (32, 32)" in finding.message
