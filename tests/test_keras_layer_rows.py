"""Dense and Conv2D call the op rows straight once their shapes are known good (no tf.nn
argument checks a call): the same ops, values and errors as through tf.nn."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.errors import ShapeError


def _ops_of(layer, x) -> list:
    seen = []
    handle = tf.subscribe(lambda event: seen.append(event.node.op.name))
    try:
        layer(x)
    finally:
        tf.unsubscribe(handle)
    return seen


@pytest.mark.parametrize("activation, last", [("relu", "relu"), ("tanh", "tanh")])
def test_conv2d_shows_the_same_ops_and_values_every_call(activation, last):
    rng = np.random.default_rng(3)
    x = tf.constant(rng.normal(size=(2, 6, 6, 3)).astype(np.float32))
    conv = tf.keras.layers.Conv2D(4, 3, activation=activation)
    conv.build(x.shape)
    assert _ops_of(conv, x) == ["conv2d", "bias_add", last]   # through tf.nn.conv2d
    conv.bias.assign(rng.normal(size=4).astype(np.float32))
    assert _ops_of(conv, x) == ["conv2d", "bias_add", last]   # the rows' path
    through_nn = getattr(tf.nn, last)(tf.nn.bias_add(
        tf.nn.conv2d(x, conv.kernel, strides=1, padding="VALID"), conv.bias))
    assert np.array_equal(conv(x).numpy(), through_nn.numpy())


def test_dense_with_relu_shows_matmul_bias_add_relu():
    dense = tf.keras.layers.Dense(3, activation="relu")
    x = tf.constant(np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4))
    dense.build(x.shape)
    assert _ops_of(dense, x) == ["matmul", "bias_add", "relu"]
    assert np.array_equal(dense(x).numpy(),
                          tf.nn.relu(tf.matmul(x, dense.kernel) + dense.bias).numpy())


def test_an_input_too_small_after_good_ones_is_still_refused_by_tf_nn():
    conv = tf.keras.layers.Conv2D(2, 5)
    conv(tf.ones([1, 8, 8, 1]))
    conv(tf.ones([1, 8, 8, 1]))
    with pytest.raises(ShapeError, match="window .* is larger than the padded input"):
        conv(tf.ones([1, 4, 4, 1]))


def test_channels_first_still_runs_through_tf_nn():
    conv = tf.keras.layers.Conv2D(2, 3, data_format="channels_first", activation="relu")
    x = tf.ones([1, 3, 5, 5])
    first, second = conv(x), conv(x)
    assert first.shape == second.shape == (1, 2, 3, 3)
    assert np.array_equal(first.numpy(), second.numpy())
