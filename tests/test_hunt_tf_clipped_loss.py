"""The bundled 8x8 digits classified by a two-layer Keras MLP in a custom loop, `import
tapeviz as tf`, whose student read that 'clipping keeps training stable', under every tool.
Planted bug: the loss clipped, tf.clip_by_value(loss, 0.0, 1.0), where the gradients were
meant: the loss (~2.3) lies above the bound every step, where the clip's derivative is zero,
so every variable gets exactly zero gradients and the loss stays at 1.0. Before, diagnose said
four zero_gradient findings, one a variable, each blaming 'dead ReLUs, a masked path, or a
constant input' at the model's line; now one clip_saturated finding at the clip's line with
the fix. Found as-is and pinned: one-hot labels given to sparse_categorical_crossentropy and
integer labels to categorical_crossentropy are refused at the loss's line with the loss the
labels fit. The program that clips its gradients (clip_by_global_norm) says nothing."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import diagnose
from hunt_tools import drawn_and_stepped, quiet_under_every_tool, recorded_steps
from programs import line_of
from tf_program_tools import nothing_left_around, paused_by, trained_by_dashboard

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def digits(n=256):
    (images, labels), _ = load_digits()
    return images[:n].astype(np.float32) / 255.0, labels[:n]


def train(steps=12, clip="gradients", labels_as="sparse"):
    tf.random.set_seed(0)
    x, y = digits()
    model = tf.keras.Sequential([tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(32, activation="relu"),
                                 tf.keras.layers.Dense(10)])
    optimizer = tf.keras.optimizers.SGD(0.5)
    losses = []
    for step in range(steps):
        batch = slice(64 * (step % 4), 64 * (step % 4 + 1))
        with tf.GradientTape() as tape:
            logits = model(x[batch])   # MODEL
            if labels_as == "sparse":
                loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
                    y[batch], logits, from_logits=True))
            elif labels_as == "one-hot to sparse":
                loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(  # ONE-HOT
                    tf.one_hot(y[batch], 10), logits, from_logits=True))
            else:
                loss = tf.reduce_mean(tf.keras.losses.categorical_crossentropy(  # INTS
                    y[batch], logits, from_logits=True))
            if clip == "loss":
                loss = tf.clip_by_value(loss, 0.0, 1.0)   # CLIP
        grads = tape.gradient(loss, model.trainable_variables)
        if clip == "gradients":
            grads, _ = tf.clip_by_global_norm(grads, 1.0)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    return losses


def test_the_program_clipping_its_gradients_is_drawn_stepped_and_run_saying_nothing_wrong():
    x, y = digits(8)
    model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
    with tf.GradientTape() as tape:
        tf.clip_by_value(tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
            y, model(x.reshape(8, -1)), from_logits=True)), 0.0, 10.0)
    assert drawn_and_stepped(tape) > 0
    losses = train()
    assert losses[-1] < losses[0]
    quiet_under_every_tool(train, op="matmul", line=line_of(__file__, "# MODEL"))


def test_a_clipped_loss_is_said_once_at_the_clip_with_every_variable_it_cuts_off():
    findings = diagnose(recorded_steps(train, clip="loss"))   # (first: its layers' names)
    assert [f.kind for f in findings] == ["clip_saturated"]   # before: 4 zero_gradient
    finding = findings[0]
    assert finding.source.lineno == line_of(__file__, "# CLIP")
    assert "clip_by_value at " in finding.message
    assert "in the last step) lies above its bound 1, where a clip's derivative is zero, so " \
           "no gradient passes back: dense/kernel:0, dense/bias:0, dense_1/kernel:0, " \
           "dense_1/bias:0 get exactly zero gradients in all 12 steps" in finding.message
    assert "fix: clip the gradients, not the loss: grads, _ = tf.clip_by_global_norm(grads, " \
           "1.0) after tape.gradient" in finding.message
    losses = train(clip="loss")
    assert losses == [1.0] * len(losses)   # (what the student sees: a loss that never moves)
    paused_at, _ = paused_by(lambda: train(clip="loss"), op="clip_by_value")
    assert paused_at.source.lineno == line_of(__file__, "# CLIP")
    shown = trained_by_dashboard(lambda: train(clip="loss"))
    assert [alert["kind"] for alert in shown["alerts"]] == ["clip_saturated"]


@pytest.mark.parametrize("labels_as, marker, said", [
    ("one-hot to sparse", "# ONE-HOT", "hint: y_true looks one-hot: use categorical_crossentropy"),
    ("ints to categorical", "# INTS", "hint: y_true looks like integer class labels: use "
                                      "sparse_categorical_crossentropy")])
def test_labels_given_to_the_other_cross_entropy_are_refused_at_the_loss_line(labels_as,
                                                                              marker, said):
    with pytest.raises(ValueError) as refused:
        train(steps=1, labels_as=labels_as)
    message = str(refused.value)
    assert f"test_hunt_tf_clipped_loss.py:{line_of(__file__, marker)}" in message
    assert said in message
