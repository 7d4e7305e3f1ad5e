"""A three-class classifier with BatchNormalization and Dropout, its cross-entropy written by
hand after the lecture (`-reduce_sum(onehot * log(softmax(logits)))`) and a held-out
evaluation each epoch, `import tapeviz as tf`, under every tool. Planted bugs, found as-is
and pinned here: the logits scaled up (a learning rate too large for them) so softmax rounds
a probability to 0 and log makes -inf (said at the log's line with the softmax's and the
fix: the built-in loss on logits); and the evaluation run with training=True, so batch norm
uses the held-out batch's own statistics and dropout stays on (said, with the layer)."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import diagnose, find_nan_origin
from hunt_tools import found, paused_then_stopped, recorded_steps
from programs import line_of
from tf_program_tools import (nothing_left_around, paused_by, recorded, runs_past,
                              stepped_to_the_end, trained_by_dashboard, widget_of)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def blobs(n, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]], np.float32)
    return (centres[labels] + rng.normal(0, 0.6, size=(n, 2))).astype(np.float32), labels


def classifier(epochs=2, scale=1.0, evaluate_training=False):
    tf.random.set_seed(0)
    x, y = blobs(96, seed=0)
    held_x, held_y = blobs(48, seed=1)
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"),
                                 tf.keras.layers.BatchNormalization(),
                                 tf.keras.layers.Dropout(0.3), tf.keras.layers.Dense(3)])
    optimizer = tf.keras.optimizers.Adam(1e-2)
    held_losses = []
    for _ in range(epochs):
        for start in range(0, 96, 32):
            with tf.GradientTape() as tape:
                logits = model(x[start:start + 32], training=True) * scale
                probabilities = tf.nn.softmax(logits)   # SOFTMAX
                loss = -tf.reduce_mean(tf.reduce_sum(
                    tf.one_hot(y[start:start + 32], 3) * tf.math.log(probabilities),   # LOG
                    axis=1))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
        held = model(held_x, training=evaluate_training)   # EVALUATION
        held_losses.append(float(tf.reduce_mean(
            tf.keras.losses.sparse_categorical_crossentropy(held_y, held, from_logits=True))))
    return held_losses


def test_the_classifier_is_drawn_stepped_and_run_under_every_tool():
    losses, rec = recorded(classifier)
    assert losses[-1] < losses[0]
    widget = widget_of(rec.steps[-2])   # (the last: the epoch's evaluation)
    try:
        assert stepped_to_the_end(widget) > 0
    finally:
        widget.close()
    assert find_nan_origin(rec.steps[-2]) is None
    runs_past(classifier, op="conv2d")
    paused_at, _ = paused_by(classifier, op="softmax")
    assert paused_at.source.lineno == line_of(__file__, "# SOFTMAX")
    kinds = [f.kind for f in diagnose(recorded_steps(classifier, epochs=6))]
    assert kinds == ["log_of_probability"]   # (a cross-entropy by hand: said before it fails)
    assert paused_then_stopped(classifier)[1] is not None
    shown = trained_by_dashboard(classifier)
    assert shown["state"] == "finished"
    assert [alert["kind"] for alert in shown["alerts"]] == ["log_of_probability"]


def test_a_probability_rounded_to_zero_is_said_at_the_log_with_the_built_in_loss():
    rec = recorded_steps(classifier, epochs=1, scale=200.0)
    finding = found(diagnose(rec), "nan")
    assert finding.source.lineno == line_of(__file__, "# LOG")
    assert finding.message.startswith("log produced -inf in the forward pass")
    assert "inputs were 0 (log(0) = -inf)" in finding.message
    assert "give logits to the built-in loss instead" in finding.message
    origin = find_nan_origin(rec.steps[0])
    assert (origin.op, origin.source.lineno) == ("log", line_of(__file__, "# LOG"))


def test_an_evaluation_in_training_mode_is_said_with_its_layers():
    rec = recorded_steps(classifier, epochs=2, evaluate_training=True)
    finding = found(diagnose(rec), "train_mode_in_evaluation")
    assert finding.source.lineno == line_of(__file__, "# EVALUATION")
    assert "but ran batch_norm and dropout in training mode, 2 calls" in finding.message
    assert "in layer sequential/batch_normalization" in finding.message
    assert "fix: evaluate with training=False" in finding.message
