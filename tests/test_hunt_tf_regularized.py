"""A classifier with an L2 kernel regularizer on its hidden layer, trained by a custom loop
as the TF guide writes one, `import tapeviz as tf`, under every tool. Planted bug: the
layers' losses never added to the loss (`loss += tf.add_n(model.losses)` forgotten), so the
model trains unregularised and nothing fails. Before, nothing said it; now
`regularization_left_out` names the layer's kernel, the regularizer, the loss's line and
the fix. The loop that adds them, and model.fit (which adds them itself), say nothing."""
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


def blobs(n=96):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=n)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]], np.float32)
    return (centres[labels] + rng.normal(0, 0.6, size=(n, 2))).astype(np.float32), labels


def model_of():
    return tf.keras.Sequential([
        tf.keras.layers.Dense(16, activation="relu",
                              kernel_regularizer=tf.keras.regularizers.L2(0.01)),
        tf.keras.layers.Dense(3)])


def custom_loop(epochs=2, add_losses=False):
    tf.random.set_seed(0)
    x, y = blobs()
    model = model_of()
    optimizer = tf.keras.optimizers.SGD(0.1)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for _ in range(epochs):
        for start in range(0, 96, 32):
            with tf.GradientTape() as tape:
                logits = model(x[start:start + 32], training=True)
                loss = loss_fn(y[start:start + 32], logits)   # LOSS
                if add_losses:
                    loss += tf.add_n(model.losses)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return float(loss)


def fitted():
    tf.random.set_seed(0)
    x, y = blobs()
    model = model_of()
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)


def test_the_loop_adding_its_losses_is_drawn_stepped_and_run_under_every_tool_saying_nothing():
    x, y = blobs()
    model = model_of()
    with tf.GradientTape() as tape:
        tf.reduce_mean(model(x)) + tf.add_n(model.losses)   # (built by its first call)
    assert drawn_and_stepped(tape) > 0
    rec = diagnosed_clean(custom_loop, add_losses=True)
    assert find_nan_origin(rec.steps[-1]) is None
    assert paused_then_stopped(custom_loop)[1] is not None
    trained_quietly(lambda: custom_loop(add_losses=True))
    diagnosed_clean(fitted)


def test_a_regularizer_left_out_of_the_loss_is_said_with_the_layer_and_the_fix():
    finding = found(diagnose(recorded_steps(custom_loop)), "regularization_left_out")
    assert finding.source.lineno == line_of(__file__, "# LOSS")
    assert finding.variables == ("dense/kernel:0",)
    assert finding.message.startswith("the kernel of layer dense has a regularizer "
                                      "(L2(l2=0.01)) whose penalty is not in the loss at")
    assert "fix: loss = ... + tf.add_n(model.losses)" in finding.message
    paused_at, _ = paused_by(custom_loop, op="sparse_softmax_cross_entropy_with_logits")
    assert paused_at.source.lineno == line_of(__file__, "# LOSS")
    shown = trained_by_dashboard(custom_loop)
    assert [alert["kind"] for alert in shown["alerts"]] == ["regularization_left_out"]
