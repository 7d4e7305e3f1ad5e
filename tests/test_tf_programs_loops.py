"""Custom training loops from the TF tutorials, as a student writes them after the lectures
and debugs them with every tool: an autoencoder on the digits, a @tf.function train step,
BatchNormalization and Dropout in training and inference, a tf.data pipeline of shuffle,
batch and repeat, gradients clipped by global norm under a decaying learning rate, a
checkpoint written and read mid-training. Each is drawn, inspected, stepped backward, run
by the Runner past and into a breakpoint and by the Dashboard, its planted NaN found at the
student's line and its planted silent bug diagnosed."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import diagnose, find_nan_origin
from programs import line_of
from tf_program_tools import (no_warning_from, nothing_left_around, ops_drawn, paused_by,
                              recorded, runs_past, stepped_gradients, stepped_to_the_end,
                              trained_by_dashboard, widget_of)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def digits(n=64):
    (images, labels), _ = load_digits()
    return (images[:n].reshape(n, 64) / 255.0).astype(np.float32), labels[:n].astype(np.int64)


# ---- an autoencoder on the digits ------------------------------------------------------------
def autoencoder(steps=3, learning_rate=0.01, nan=False):
    images, _ = digits()
    encoder = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu")])
    decoder = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="sigmoid")])
    optimizer = tf.keras.optimizers.Adam(learning_rate)   # RATE
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            code = encoder(images)   # ENCODED
            if nan:
                code = tf.sqrt(code - 1.0)   # NAN: relu's zeros less 1
            reconstruction = decoder(code)
            loss = tf.reduce_mean(tf.square(reconstruction - images))
        variables = encoder.trainable_variables + decoder.trainable_variables
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))   # UPDATE
        losses.append(float(loss))
    return losses


def test_an_autoencoder_is_drawn_by_layer_inspected_and_stepped_to_the_recorded_gradients():
    losses, rec = recorded(autoencoder)
    assert len(rec.steps) == 3 and losses[-1] < losses[0]
    widget = widget_of(rec)
    assert widget.title == f"step 3 of 3: {len(rec.steps[-1].ops)} ops, loss {losses[-1]:.4g}"
    assert ops_drawn(widget)[:9] == ["@", "+b", "relu", "@", "+b", "σ", "−", "x²", "mean"]
    [relu] = [k for k, n in widget.view.nodes.items() if n.label == "relu"]
    sections = {s["title"]: s["content"] for s in widget.inspect(relu)["sections"]}
    assert f"test_tf_programs_loops.py:{line_of(__file__, '# ENCODED')} in autoencoder" \
        in sections["Source"]
    assert dict(map(tuple, sections["Op"]))["layer path"] == "sequential/dense"
    stepped_to_the_end(widget)
    recorded_grads = rec.steps[-1].variable_gradients
    shown = stepped_gradients(widget)
    assert set(shown) == {"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"}
    kernel = recorded_grads["dense/kernel:0"].numpy()
    assert f"min {kernel.min():.4g}" in shown["dense/kernel"]
    widget.close()


def test_an_autoencoders_nan_is_found_at_the_students_line_and_a_look_warns_nothing():
    _, rec = recorded(autoencoder, nan=True)
    origin = no_warning_from(lambda: find_nan_origin(rec.steps[0]))
    assert (origin.op, origin.source.lineno) == ("sqrt", line_of(__file__, "# NAN: relu"))


def test_an_autoencoder_under_a_breakpoint_the_runner_and_the_dashboard():
    runs_past(autoencoder, op="conv2d")
    paused_at, hit = paused_by(autoencoder, op="sigmoid")
    assert paused_at.op_name == "sigmoid" and hit.node.scope.startswith("sequential_")
    assert paused_at.source.lineno == line_of(__file__, "reconstruction = decoder(code)")
    shown = trained_by_dashboard(autoencoder)
    steps, losses = shown["history"]["loss"]
    assert shown["state"] == "finished" and steps == [1, 2, 3] and losses[2] < losses[0]
    assert shown["alerts"] == []


def test_an_autoencoder_whose_learning_rate_is_100x_too_high_is_said_to_saturate():
    """Adam(1.0) for Adam(0.01): the first update pushes the decoder's sigmoid to exactly 0
    and 1 for every pixel, its derivative 0 there, and every gradient is 0 from then on: the
    loss stays flat, nothing fails, and diagnose said nothing."""
    losses, rec = recorded(autoencoder, steps=8, learning_rate=1.0)
    assert losses[-1] == losses[-2] and losses[-1] > 0.15   # stuck
    [finding] = [f for f in diagnose(rec) if f.kind == "saturated"]
    assert finding.message.startswith("saturated sigmoid: sigmoid in layer ")
    said = finding.message.split("the updates pushed it there, a learning rate too large")[1]
    assert said.startswith(" (set at ") and \
        f"test_tf_programs_loops.py:{line_of(__file__, '# RATE')}: " in said


# ---- a @tf.function train step ---------------------------------------------------------------
def tf_function_loop(steps=3, nan=False):
    images, labels = digits()
    model = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu"),
                                 tf.keras.layers.Dense(10)])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.1)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            if nan:
                logits = logits / tf.zeros_like(logits)   # NAN: x / 0
            loss = loss_fn(y, logits)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    return [float(train_step(images, labels)) for _ in range(steps)]


def test_a_tf_function_step_is_recorded_drawn_and_stepped_as_its_eager_body():
    losses, rec = recorded(tf_function_loop)
    assert len(rec.steps) == 3 and losses[2] < losses[0]
    widget = widget_of(rec)
    assert ops_drawn(widget)[:7] == ["@", "+b", "relu", "@", "+b", "sparse CE", "mean"]
    assert stepped_to_the_end(widget) == 7
    assert set(stepped_gradients(widget)) == {"dense/kernel", "dense/bias", "dense_1/kernel",
                                              "dense_1/bias"}
    widget.close()
    paused_at, _ = paused_by(tf_function_loop, op="sparse_softmax_cross_entropy_with_logits")
    assert paused_at.source.lineno == line_of(__file__, "loss = loss_fn(y, logits)")


def test_a_look_at_a_tf_function_steps_nan_warns_nothing_again():
    """The step's backward pass, kept as one record, is run again when find_nan_origin looks:
    its softmax of the Inf logits re-said numpy's RuntimeWarning from the line of the look,
    'input 0 already held 640 Inf: it is in the data' (it came from the division)."""
    _, rec = recorded(tf_function_loop, steps=1, nan=True)
    origin = no_warning_from(lambda: find_nan_origin(rec.steps[0]))
    assert (origin.op, origin.source.lineno) == ("truediv", line_of(__file__, "# NAN: x / 0"))
