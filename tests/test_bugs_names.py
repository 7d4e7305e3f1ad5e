"""A finding names a variable as the user's code does: `w` for `w = tf.Variable(0.0)` (which
TF names 'Variable:0'), `b` for the second of `w, b = tf.Variable(0.0), tf.Variable(0.0)`, a
layer's as that layer's kernel or bias."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose
from test_bugs_lectures import vectorised_regression

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def regression(learning_rate: float, steps: int = 8) -> Recorder:
    """The lecture's full-batch regression (its weights made in one statement), recorded."""
    return vectorised_regression(None, steps, tf.keras.optimizers.SGD(learning_rate))


def test_a_divergence_names_the_variable_as_the_code_assigns_it_not_variable_colon_zero():
    [finding] = [f for f in diagnose(regression(0.2)) if f.kind == "divergence"]
    assert " changed Variable" not in finding.message   # was: changed Variable_2:0 by 20.8x
    assert " changed w by " in finding.message or " changed b by " in finding.message


def test_exploding_gradients_of_unnamed_variables_name_w_and_b():
    exploding = [f for f in diagnose(regression(0.2)) if f.kind == "exploding_gradient"]
    assert exploding, "the diverged regression's gradients explode"
    for finding in exploding:
        name = finding.message.split(":")[0]
        assert name in ("w", "b")
        assert f"; {name} is read by " in finding.message


def test_gradients_that_explode_in_every_layer_at_once_are_one_finding_naming_them_all():
    """was: one exploding_gradient finding for w and another for b, after the divergence
    that causes both."""
    exploding = [f for f in diagnose(regression(0.2)) if f.kind == "exploding_gradient"]
    [finding] = exploding
    assert finding.message.startswith("w: gradient norm ")
    assert " > 1000 (b " in finding.message and " too); w is read by matmul at " \
        in finding.message


def test_a_layers_variable_in_a_divergence_is_named_by_its_layer():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32) * 10
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, name="head")])
    optimizer = tf.keras.optimizers.SGD(0.1)
    with Recorder() as rec:
        for _ in range(8):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - y))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = [f for f in diagnose(rec) if f.kind == "divergence"]
    assert " of layer head by " in finding.message


def test_two_variables_made_on_one_line_in_a_loop_are_not_named_by_it():
    """The line ran twice: four variables made there, two names: none is said."""
    from tapeviz.debugger.activations import describe_variables
    made = []
    for _ in range(2):
        w, b = tf.Variable(1.0), tf.Variable(2.0)
        made += [w, b]
    with tf.GradientTape() as tape:
        total = sum(v * 2.0 for v in made)
    assert total.numpy() == 12.0
    assert describe_variables([made[0]], tape.nodes).startswith("the scalar variable")
