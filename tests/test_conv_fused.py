"""A Conv2D layer run as one pass (nn_fused.py) shows the tape the unfused layer shows, bit
for bit, and runs op by op whenever someone could tell the difference."""
from __future__ import annotations

import numpy as np
import pytest

import tapeviz as tf
from tapeviz import nn_fused
from tapeviz.lazy import LazyTensor


def _model(activation="relu", channels=(4, 16)):
    """Two Conv2D layers (im2col, then kernel taps) with biases moved off zero."""
    tf.keras.utils.set_random_seed(3)
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(channels[1], 3, activation=activation,
                               input_shape=(9, 9, channels[0])),
        tf.keras.layers.Conv2D(16, 3, activation=activation, padding="same"),
        tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(3)])
    model(tf.zeros([1, 9, 9, channels[0]]))   # built and fitted: later calls may fuse
    for layer in model.layers[:2]:
        layer.bias.assign(np.linspace(-0.3, 0.3, 16, dtype=np.float32))
    return model


def _images(channels=4):
    return tf.constant(np.random.default_rng(5).standard_normal((6, 9, 9, channels),
                                                                 dtype=np.float32))


def _taped(model, images):
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(model(images) ** 2)
    return tape, loss


def _unfused(monkeypatch):
    monkeypatch.setattr("tapeviz.keras.layers.convolutional.conv_bias_activation",
                        lambda *args: None)


def _summary(tape):
    """Each node's op, fields, input shapes and wiring (which node made each input)."""
    made_by = {n.output_id: i for i, n in enumerate(tape.nodes)}
    return [(n.op.name, n.params, n.phase, n.scope, n.source, n.output_id == id(n.output),
             tuple(made_by.get(key, -1) for key in n.input_ids),
             tuple(t.shape for t in n.inputs)) for n in tape.nodes]


@pytest.mark.parametrize("activation", ["relu", None])
def test_fused_tape_shows_the_unfused_values_bitwise(monkeypatch, activation):
    model, images = _model(activation), _images()
    fused_tape, fused_loss = _taped(model, images)
    lazy = [n for n in fused_tape.nodes if type(n.output) is LazyTensor]
    assert len(lazy) == (4 if activation else 2)   # conv2d's and bias_add's (or conv2d's)
    fused_grads = fused_tape.gradient(fused_loss, model.trainable_variables)
    assert all(type(n.output) is LazyTensor for n in lazy)   # the gradient computed none
    _unfused(monkeypatch)
    plain_tape, plain_loss = _taped(model, images)
    plain_grads = plain_tape.gradient(plain_loss, model.trainable_variables)
    assert not any(type(n.output) is LazyTensor for n in plain_tape.nodes)
    assert _summary(fused_tape) == _summary(plain_tape)
    for fused, plain in zip(fused_tape.nodes, plain_tape.nodes):
        for ours, theirs in zip((fused.output,) + fused.inputs, (plain.output,) + plain.inputs):
            assert ours.numpy().tobytes() == theirs.numpy().tobytes()
    assert fused_loss.numpy().tobytes() == plain_loss.numpy().tobytes()
    for ours, theirs in zip(fused_grads, plain_grads):
        assert ours.numpy().tobytes() == theirs.numpy().tobytes()
    assert all(type(n.output) is tf.Tensor for n in lazy)   # read: plain tensors now


def test_lazy_value_is_kept_from_before_the_update():
    """A node's lazy value is its op's on the arrays it was given, not the variables' now."""
    model, images = _model(), _images()
    tape, loss = _taped(model, images)
    conv = tape.nodes[0]
    expected = tf.nn.conv2d(images, conv.inputs[1], 1, "VALID").numpy()
    grads = tape.gradient(loss, model.trainable_variables)
    tf.keras.optimizers.SGD(1.0).apply_gradients(zip(grads, model.trainable_variables))
    assert conv.output.numpy().tobytes() == expected.tobytes()


def test_a_listener_or_a_nested_tape_runs_the_ops_one_by_one():
    model, images = _model(), _images()
    heard = []
    subscription = tf.subscribe(heard.append, ops={tf.ops.REGISTRY["bias_add"]})
    try:
        tape, _ = _taped(model, images)
    finally:
        tf.unsubscribe(subscription)
    assert len(heard) == 3 and not any(type(n.output) is LazyTensor for n in tape.nodes)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            loss = tf.reduce_sum(model(images) ** 2)
        grads = inner.gradient(loss, model.trainable_variables)
        norm = tf.reduce_sum(grads[0] ** 2)
    assert not any(type(n.output) is LazyTensor for n in inner.nodes + outer.nodes)
    assert [n.op.name for n in outer.nodes[:3]] == ["conv2d", "bias_add", "relu"]
    # the outer tape saw every intermediate and the VJPs over them: a second derivative flows
    second = outer.gradient(norm, model.layers[0].kernel)
    assert second is not None and np.isfinite(second.numpy()).all()


def test_fused_forward_without_a_tape_is_the_unfused_forward(monkeypatch):
    model, images = _model(), _images()
    fused = model(images).numpy()
    _unfused(monkeypatch)
    assert fused.tobytes() == model(images).numpy().tobytes()


def test_mixed_dtypes_are_left_to_the_ops():
    model = _model()
    assert nn_fused.conv_bias_activation(model.layers[0], tf.zeros([1, 9, 9, 4], tf.float64),
                                         True) is None


@pytest.mark.parametrize("settings", [
    {"kernel_size": 1},                                   # by taps, the output the whole grid
    {"kernel_size": 3, "strides": 2, "padding": "same"},  # im2col, a row-major window matrix
    {"kernel_size": 3, "dilation_rate": 2, "padding": "same"},
    {"kernel_size": (2, 3), "padding": "valid"}])
def test_each_conv_path_fused_is_the_unfused_layer_bitwise(monkeypatch, settings):
    tf.keras.utils.set_random_seed(7)
    layer = tf.keras.layers.Conv2D(8, activation="relu", **settings)
    images = tf.constant(np.random.default_rng(1).standard_normal((3, 11, 10, 8),
                                                                  dtype=np.float32))
    layer(images)   # built and fitted
    layer.bias.assign(np.linspace(-0.5, 0.5, 8, dtype=np.float32))
    with tf.GradientTape() as tape:
        fused = layer(images)
    assert any(type(n.output) is LazyTensor for n in tape.nodes)
    values = [n.output.numpy().tobytes() for n in tape.nodes]
    _unfused(monkeypatch)
    with tf.GradientTape() as tape:
        plain = layer(images)
    assert fused.numpy().tobytes() == plain.numpy().tobytes()
    assert values == [n.output.numpy().tobytes() for n in tape.nodes]
