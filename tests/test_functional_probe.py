"""A functional model's layers are built by running them once on zeros tapeviz makes
(keras_tensor.symbolic_call): those ops are no one's to hear. Found by a tutorial program:
a Lambda's log of the zeros made find_nan_origin name the model's definition line."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder, break_on, clear_breakpoints, find_nan_origin


def log_model():
    inputs = tf.keras.Input((3,))
    logs = tf.keras.layers.Lambda(lambda t: tf.math.log(t), name="logs")(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(1, name="out")(logs))


@pytest.fixture
def no_breakpoints(monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    yield
    clear_breakpoints()


def test_a_subscriber_hears_no_op_of_a_functional_models_build():
    heard = []
    token = tf.subscribe(lambda event: heard.append(event.node.op.name))
    try:
        model = log_model()
        model(np.full((2, 3), 2.0, "float32"))
    finally:
        tf.unsubscribe(token)
    assert heard[0] == "log" and heard.count("log") == 1, heard   # the call's, not the build's


def test_a_recorded_build_gives_no_nan_origin_of_the_zeros_it_was_built_on():
    with Recorder() as rec:
        model = log_model()
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(np.full((4, 3), 2.0, "float32")))
        grads = tape.gradient(loss, model.trainable_variables)
        tf.keras.optimizers.SGD(0.1).apply_gradients(zip(grads, model.trainable_variables))
    assert find_nan_origin(rec.steps[0]) is None   # was: log produced -inf at the Lambda's line


@pytest.mark.parametrize("where", [{"op": "log"}, {"layer": "logs"}])
def test_a_breakpoint_armed_before_the_build_stops_at_the_call_alone(no_breakpoints, where):
    bp = break_on(**where, action="continue")
    model = log_model()
    assert not bp.hits   # was: a stop at the Lambda's line, on the zeros of the build
    model(np.full((2, 3), 2.0, "float32"))
    assert bp.hits and bp.hits[0].node.op.name == "log"
    assert float(np.min(bp.hits[0].node.inputs[0].numpy())) == 2.0
