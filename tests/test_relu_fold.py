"""relu's gradient folded into the next convolution's input gradient (ops/relu_fold.py): the
same gradients, bit for bit, one relu_grad pass less, and every value a debugger stepping the
pass shows is the unfolded one."""
from __future__ import annotations

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import BackwardStepper
from tapeviz.lazy import LazyTensor
from tapeviz.ops.registry import REGISTRY
from op_counts import forwards_counted

pytestmark = pytest.mark.usefixtures("quiet_breakpoints")


def _layers(padding):
    """Two relu Conv2D layers (im2col, then kernel taps), biases moved off zero."""
    tf.keras.utils.set_random_seed(11)
    first = tf.keras.layers.Conv2D(16, 3, activation="relu")
    second = tf.keras.layers.Conv2D(16, 3, activation="relu", padding=padding)
    images = tf.constant(np.random.default_rng(2).standard_normal((4, 10, 9, 3),
                                                                  dtype=np.float32))
    second(first(images))   # built and fitted: later calls fuse
    for layer in (first, second):
        layer.bias.assign(np.linspace(-0.3, 0.3, 16, dtype=np.float32))
    return first, second, images


def _loss(first, second, images):
    return tf.reduce_sum(second(first(images)) ** 2)


def _unfused(monkeypatch):
    monkeypatch.setattr("tapeviz.keras.layers.convolutional.conv_bias_activation",
                        lambda *args: None)


def _gradients(first, second, images):
    variables = first.trainable_variables + second.trainable_variables
    with tf.GradientTape() as tape:
        loss = _loss(first, second, images)
    return [g.numpy().tobytes() for g in tape.gradient(loss, variables)]


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_folded_gradients_are_relu_grads_bitwise_with_one_pass_less(monkeypatch, padding):
    first, second, images = _layers(padding)
    calls = forwards_counted(monkeypatch, ["relu_grad", "conv2d_backprop_input"])
    folded = _gradients(first, second, images)
    assert calls == {"relu_grad": 1, "conv2d_backprop_input": 0}   # the second layer's alone
    _unfused(monkeypatch)
    assert _gradients(first, second, images) == folded
    assert calls == {"relu_grad": 3, "conv2d_backprop_input": 1}


def test_a_stepper_sees_the_unfolded_input_gradient_and_upstream(monkeypatch):
    first, second, images = _layers("valid")
    variables = first.trainable_variables + second.trainable_variables
    shown = []
    for fused in (True, False):
        if not fused:
            _unfused(monkeypatch)
        with tf.GradientTape() as tape:
            loss = _loss(first, second, images)
        stepper = BackwardStepper(tape, loss, variables)
        values = []
        while (step := stepper.step()) is not None:
            values += [t.numpy().tobytes() for t in (step.upstream,) + step.input_grads
                       if t is not None]
        values += [g.numpy().tobytes() for g in stepper.result()]
        shown.append(values)
    assert shown[0] == shown[1]


def test_an_unread_input_gradient_is_lazy_and_read_later_is_the_op_s(monkeypatch):
    """A step's input gradient nobody looked at stays unmade; looked at after relu's step
    took the folded array, it is conv2d_backprop_input's value all the same."""
    first, second, images = _layers("valid")
    with tf.GradientTape() as tape:
        loss = _loss(first, second, images)
    stepper = BackwardStepper(tape, loss, first.trainable_variables)
    steps = []
    while (step := stepper.step()) is not None:
        steps.append(step)
    conv = [s for s in steps if s.node.op.name == "conv2d"][0]
    relu = [s for s in steps if s.node.op.name == "relu"][-1]
    assert type(conv.input_grads[0]) is LazyTensor and relu.upstream is conv.input_grads[0]
    made = conv.input_grads[0].numpy()
    expected = REGISTRY["conv2d_backprop_input"].forward(
        conv.upstream.numpy(), conv.node.inputs[1].numpy(),
        input_shape=tuple(relu.node.output.shape), **conv.node.params)
    assert made.tobytes() == expected.tobytes()
    assert relu.input_grads[0].numpy().tobytes() == \
        np.where(relu.node.output.numpy() > 0, made, 0).astype(np.float32).tobytes()


def test_a_listener_on_relu_grad_hears_both_relu_gradients(monkeypatch):
    first, second, images = _layers("valid")
    folded = _gradients(first, second, images)
    heard = []
    subscription = tf.subscribe(heard.append, ops={REGISTRY["relu_grad"]})
    try:
        assert _gradients(first, second, images) == folded
    finally:
        tf.unsubscribe(subscription)
    assert len(heard) == 2


def test_a_relu_output_two_convolutions_read_gets_their_sum_s_relu_grad(monkeypatch):
    """The two folded input gradients are added (each made by its op when read), and relu's
    gradient is relu_grad of the sum, as unfused."""
    first, second, images = _layers("valid")
    third = tf.keras.layers.Conv2D(16, 3, activation="relu")
    third(first(images))
    results = []
    for fused in (True, False):
        if not fused:
            _unfused(monkeypatch)
        with tf.GradientTape() as tape:
            hidden = first(images)
            loss = tf.reduce_sum(second(hidden) ** 2) + tf.reduce_sum(third(hidden))
        grads = tape.gradient(loss, first.trainable_variables)
        results.append([g.numpy().tobytes() for g in grads])
    assert results[0] == results[1]
