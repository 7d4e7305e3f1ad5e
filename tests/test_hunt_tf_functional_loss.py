"""The bundled 8x8 digits classified by a Keras MLP with Dropout in a custom loop whose loss is
the functional tf.keras.losses.sparse_categorical_crossentropy, `import tapeviz as tf`, under
every tool. Planted bug: from_logits left at its default, False, on a model ending in Dense(10)
with no activation: the loss clips the logits to [1e-7, 1 - 1e-7], so it learns from a wrong
loss. The loss warns at the user's line (found as-is); diagnose said nothing, as it read the
loss from a Keras loss object's scope, which a function call has not; now
logits_as_probabilities names the loss, the layer and the fix for the function too. Found
as-is and pinned: the model called without training=True (its dropout off in training), and a
tf.Variable made inside the step (refused at apply_gradients, naming the line that made it).
The correct loop says nothing."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import diagnose
from hunt_tools import drawn_and_stepped, found, quiet_under_every_tool, recorded_steps
from programs import line_of
from tf_program_tools import nothing_left_around, trained_by_dashboard

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
HERE = "tests/test_hunt_tf_functional_loss.py"


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def train(steps=8, bug=None):
    tf.random.set_seed(0)
    (images, labels), _ = load_digits()
    x, y = images[:256].astype(np.float32) / 255.0, labels[:256]
    model = tf.keras.Sequential([tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(32, activation="relu"),
                                 tf.keras.layers.Dropout(0.5), tf.keras.layers.Dense(10)])
    optimizer = tf.keras.optimizers.Adam(0.01)
    for step in range(steps):
        batch = slice(64 * (step % 4), 64 * (step % 4 + 1))
        with tf.GradientTape() as tape:
            if bug == "no training":
                logits = model(x[batch])   # NO TRAINING
            else:
                logits = model(x[batch], training=True)   # MODEL
            variables = model.trainable_variables
            if bug == "variable in step":
                temperature = tf.Variable(1.0)   # VARIABLE
                logits, variables = logits / temperature, variables + [temperature]
            loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
                y[batch], logits, from_logits=bug != "from_logits omitted"))   # LOSS
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))   # APPLY
    return float(loss)


def test_the_correct_loop_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
    with tf.GradientTape() as tape:
        tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
            np.zeros(4, np.int64), model(np.ones((4, 8, 8), np.float32)), from_logits=True))
    assert drawn_and_stepped(tape) > 0
    quiet_under_every_tool(train, op="dropout_mask", line=line_of(__file__, "# MODEL"))


def test_logits_given_to_the_functional_loss_without_from_logits_are_said():
    with pytest.warns(UserWarning, match="these are logits, not the probabilities") as said:
        rec = recorded_steps(train, bug="from_logits omitted")
    assert said[0].lineno == line_of(__file__, "loss = tf.reduce_mean(")   # (found as-is)
    finding = found(diagnose(rec), "logits_as_probabilities")   # before: no finding
    assert finding.message.startswith("sparse_categorical_crossentropy is given logits where "
                                      "it expects probabilities (from_logits=False, its "
                                      "default)")
    assert f"made by bias_add in layer sequential/dense_1 at {HERE}:" \
           f"{line_of(__file__, '# MODEL')}" in finding.message
    assert "fix: SparseCategoricalCrossentropy(from_logits=True)" in finding.message
    shown = trained_by_dashboard(lambda: train(bug="from_logits omitted"))
    assert "logits_as_probabilities" in [alert["kind"] for alert in shown["alerts"]]


def test_the_model_called_without_training_true_is_said_with_its_dropout():
    finding = found(diagnose(recorded_steps(train, bug="no training")),
                    "inference_mode_in_training")
    assert finding.source.lineno == line_of(__file__, "# NO TRAINING")
    assert "fix: call the model with training=True in the training step" in finding.message


def test_a_variable_made_inside_the_step_is_refused_naming_its_line():
    with pytest.raises(Exception) as refused:
        train(bug="variable in step")
    message = str(refused.value)
    assert f"{HERE}:{line_of(__file__, '# APPLY')}" in message
    assert f"was made at {HERE}:{line_of(__file__, '# VARIABLE')}" in message
    assert "a tf.Variable made inside the training step is a new variable each step" in message
