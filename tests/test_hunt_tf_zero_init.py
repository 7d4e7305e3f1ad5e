"""The bundled 8x8 digits classified by a three-layer tanh MLP trained with model.fit, `import
tapeviz as tf`, whose student read that 'small initial weights train best' and set every
layer's kernel_initializer='zeros', under every tool. Planted bug: every kernel zero, so each
hidden layer outputs 0 for every example and the zero kernels after it send no gradient back:
the loss stays at ln(10). Before, diagnose said five zero_gradient findings, one a variable,
each blaming 'dead ReLUs, a masked path, or a constant input' (there is no ReLU); now one
zero_weights finding naming the three zero kernels and the fix. The program with Keras'
default initialisers says nothing, and so does the Dashboard beyond zero_weights (its last
step, diagnosed alone, sees the zero kernels' units as identical: it said symmetric_init twice
after zero_weights, the same cause seen in one step)."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import diagnose
from hunt_tools import drawn_and_stepped, quiet_under_every_tool, recorded_steps
from programs import line_of
from tf_program_tools import nothing_left_around, trained_by_dashboard

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def model_of(initializer="glorot_uniform"):
    return tf.keras.Sequential([
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(32, activation="tanh", kernel_initializer=initializer),
        tf.keras.layers.Dense(32, activation="tanh", kernel_initializer=initializer),
        tf.keras.layers.Dense(10, kernel_initializer=initializer)])


def fitted(initializer="glorot_uniform", epochs=3):
    tf.random.set_seed(0)
    (images, labels), _ = load_digits()
    model = model_of(initializer)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), metrics=["accuracy"],
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = images[:256].astype(np.float32) / 255.0, labels[:256]
    history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=0)   # FIT
    return history.history["loss"]


def test_the_default_initialised_program_is_drawn_stepped_and_run_saying_nothing_wrong():
    (images, labels), _ = load_digits()
    model = model_of()
    with tf.GradientTape() as tape:
        tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
            labels[:8], model(images[:8].astype(np.float32) / 255.0), from_logits=True))
    assert drawn_and_stepped(tape) > 0
    losses = fitted()
    assert losses[-1] < losses[0] - 0.1
    quiet_under_every_tool(fitted, op="tanh", line=line_of(__file__, "# FIT"))


def test_zero_kernels_in_every_layer_are_said_once_with_the_layers_and_the_fix():
    findings = diagnose(recorded_steps(fitted, "zeros"))
    assert [f.kind for f in findings] == ["zero_weights"]   # before: 5 zero_gradient
    finding = findings[0]
    assert finding.source.lineno == line_of(__file__, "# FIT")
    assert finding.message.startswith(
        "the weights of 3 layers are all zero (the kernel of layer dense, the kernel of layer "
        "dense_1 and the kernel of layer dense_2): each hidden layer outputs the same value "
        "for every example and the zero weights after it send no gradient back, so "
        "dense/kernel:0, dense/bias:0, dense_1/kernel:0, dense_1/bias:0, dense_2/kernel:0 get "
        "exactly zero gradients in all 12 steps and never leave zero")
    assert "fix: drop the layer's kernel_initializer" in finding.message
    losses = fitted("zeros")
    assert abs(losses[-1] - np.log(10)) < 0.01   # (what the student sees: ln(10), stuck)
    shown = trained_by_dashboard(lambda: fitted("zeros"))
    # (the last step alone, diagnosed with no steps before it, sees the zero kernels' units
    # as identical: left to the finding over the steps, which names them, as diagnose does)
    assert [alert["kind"] for alert in shown["alerts"]] == ["zero_weights"]
