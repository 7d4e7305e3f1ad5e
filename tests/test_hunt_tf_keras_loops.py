"""Keras programs through `import tapeviz as tf` as students write them, under every tool: a
@tf.function train step, a subclassed Model with its own train_step and metrics run by fit(),
a tf.data pipeline of shuffle, map, batch and prefetch into a regression. Planted bugs:
labels 1..4 for 4 classes (refused at the loss, naming the line and the 1-based labels),
softmax probabilities given to a loss built with from_logits=True (said, with the softmax's
line), and a (16,) target against a (16, 1) prediction (said, an outer product)."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import diagnose
from hunt_tools import (diagnosed_clean, found, paused_then_stopped, recorded_steps,
                        trained_quietly)
from programs import line_of
from tf_program_tools import (nothing_left_around, ops_drawn, paused_by, recorded, runs_past,
                              stepped_to_the_end, trained_by_dashboard, widget_of)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def classes(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    return x, np.abs(x[:, 0] * 2).astype(np.int64) % 4


def compiled_step(steps=3, one_based=False):
    x, y = classes()
    if one_based:
        y = y + 1   # LABELS: 1..4
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"),
                                 tf.keras.layers.Dense(4)])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam(1e-2)

    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))   # LOSS
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    return [float(train_step(x, y)) for _ in range(steps)]


def test_a_tf_function_step_under_every_tool_and_its_one_based_labels_refused_at_the_loss():
    losses, rec = recorded(compiled_step)
    assert len(rec.steps) == 3 and losses[-1] < losses[0]
    widget = widget_of(rec)
    try:
        assert ops_drawn(widget)[:5] == ["@", "+b", "relu", "@", "+b"]
        assert stepped_to_the_end(widget) == 7
    finally:
        widget.close()
    runs_past(compiled_step, op="conv2d")
    paused_at, _ = paused_by(compiled_step, op="relu")
    assert paused_at.source.lineno == line_of(__file__, "# LOSS")
    many = recorded_steps(compiled_step, steps=24)
    assert len(many.steps) == 24 and diagnose(many) == []
    assert paused_then_stopped(compiled_step)[1] is not None
    shown = trained_by_dashboard(compiled_step)
    assert shown["state"] == "finished" and shown["steps"] == 3 and shown["alerts"] == []
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        recorded_steps(compiled_step, one_based=True)
    said = str(info.value)
    assert f"test_hunt_tf_keras_loops.py:{line_of(__file__, '# LOSS')}" in said
    assert "the labels look 1-based (1 to 4): subtract 1, y - 1" in said


class Classifier(tf.keras.Model):
    def __init__(self, from_logits=False):
        super().__init__()
        self.hidden = tf.keras.layers.Dense(16, activation="relu")
        self.out = tf.keras.layers.Dense(4, activation="softmax")   # SOFTMAX
        self.loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
        self.accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
        self.mean_loss = tf.keras.metrics.Mean()

    def call(self, x, training=False):
        return self.out(self.hidden(x))

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            probabilities = self(x, training=True)
            loss = self.loss_fn(y, probabilities)   # CUSTOM LOSS
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.accuracy.update_state(y, probabilities)
        self.mean_loss.update_state(loss)
        return {"loss": self.mean_loss.result(), "accuracy": self.accuracy.result()}


def fitted(epochs=1, from_logits=False):
    x, y = classes()
    model = Classifier(from_logits)
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2))
    return model.fit(x, y, batch_size=16, epochs=epochs, verbose=0).history


def test_a_custom_train_step_under_every_tool_and_its_probabilities_as_logits_said():
    history = fitted(epochs=2)
    assert set(history) == {"loss", "accuracy"} and len(history["loss"]) == 2
    rec = diagnosed_clean(fitted, epochs=5)
    assert len(rec.steps) >= 20
    paused_at, _ = paused_by(fitted, op="softmax")
    assert paused_at.source.lineno == line_of(__file__, "return self.out(self.hidden(x))")
    assert paused_then_stopped(fitted)[1] is not None
    trained_quietly(fitted)
    with pytest.warns(UserWarning, match="the logits look like probabilities"):
        rec = recorded_steps(fitted, from_logits=True)
    finding = found(diagnose(rec), "double_softmax")
    assert finding.source.lineno == line_of(__file__, "# CUSTOM LOSS")


def pipeline(steps=3, flat_target=False):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 0.5], np.float32)   # (64,)
    data = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64, seed=0)
            .map(lambda a, b: (a * 2.0, b)).batch(16).prefetch(2))
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD(0.05)
    error = tf.keras.metrics.MeanAbsoluteError()
    losses = []
    for xb, yb in data.take(steps):
        with tf.GradientTape() as tape:
            prediction = model(xb)
            target = yb if flat_target else tf.reshape(yb, (-1, 1))
            loss = tf.reduce_mean(tf.square(prediction - target))   # BROADCAST
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        error.update_state(target, prediction)
        losses.append(float(loss))
    return losses


def test_a_data_pipeline_under_every_tool_and_its_flat_target_said_an_outer_product():
    rec = diagnosed_clean(pipeline, steps=4)
    assert len(rec.steps) == 4
    paused_at, _ = paused_by(pipeline, op="square")
    assert paused_at.source.lineno == line_of(__file__, "# BROADCAST")
    assert paused_then_stopped(pipeline)[1] is not None
    shown = trained_by_dashboard(pipeline)
    assert shown["state"] == "finished" and shown["steps"] == 3 and shown["alerts"] == []
    finding = found(diagnose(recorded_steps(pipeline, flat_target=True)), "outer_broadcast")
    assert finding.source.lineno == line_of(__file__, "# BROADCAST")
    assert "(16, 1) and (16,) to (16, 16)" in finding.message
