"""conv2d's window matrices (few channels, im2col): the forward's windows go to the filter
gradient of the same input once, then their memory is recycled for the next forward."""
import numpy as np

import tapeviz as tf
from tapeviz.ops import conv

SHAPE = (12, 28, 28, 1)   # windows of 9 x 12x26x26 float32: 0.29 MB, an array the recycler takes


def _images(seed: int):
    return tf.constant(np.random.default_rng(seed).random(SHAPE, dtype=np.float32))


def _kept_windows_address():
    """The data address of the one window matrix the forwards keep, or None."""
    kept = list(conv._recent_windows._kept.values())
    return kept[-1][1].__array_interface__["data"][0] if kept else None


def test_the_filter_gradient_takes_the_forwards_windows_and_they_are_recycled():
    kernel = tf.Variable(np.random.default_rng(9).standard_normal((3, 3, 1, 16), np.float32))
    conv._recent_windows._kept.clear()
    addresses = []
    for seed in range(3):   # a training loop: a new batch each step
        images = _images(seed)
        with tf.GradientTape() as tape:
            out = tf.nn.conv2d(images, kernel, strides=1, padding="VALID")
            addresses.append(_kept_windows_address())
            loss = tf.reduce_sum(out * out)
        assert tape.gradient(loss, kernel) is not None
        assert not conv._recent_windows._kept   # taken by the gradient, none left holding
    assert addresses[0] is not None and addresses == [addresses[0]] * 3


def test_a_second_gradient_of_the_same_forward_builds_the_windows_again():
    images = _images(3)
    kernel = tf.Variable(np.random.default_rng(4).standard_normal((3, 3, 1, 16), np.float32))
    with tf.GradientTape(persistent=True) as tape:
        out = tf.nn.conv2d(images, kernel, strides=1, padding="VALID")
        loss = tf.reduce_sum(out * out)
    first, second = tape.gradient(loss, kernel).numpy(), tape.gradient(loss, kernel).numpy()
    np.testing.assert_array_equal(first, second)
    x, w = images.numpy().astype(np.float64), kernel.numpy().astype(np.float64)
    windows = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(1, 2))
    y = np.einsum("nhwcab,abco->nhwo", windows, w)
    expected = np.einsum("nhwcab,nhwo->abco", windows, 2 * y)
    np.testing.assert_allclose(first, expected, rtol=2e-4)
