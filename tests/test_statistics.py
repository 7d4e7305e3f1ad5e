"""The statistics a user reaches for while debugging: tf.math.reduce_variance and
reduce_std, tf.nn.moments and tf.stop_gradient, against numpy (and torch when installed),
with gradients checked against finite differences."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger.gradcheck import check_grads

RNG = np.random.default_rng(7)
X = RNG.normal(size=(4, 3, 5))


@pytest.mark.parametrize("axis", [None, 0, -1, [0, 2], (1,)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_variance_and_std_match_numpy(axis, keepdims):
    np_axis = tuple(np.atleast_1d(axis)) if axis is not None else None
    variance = tf.math.reduce_variance(X, axis=axis, keepdims=keepdims)
    std = tf.math.reduce_std(X, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(variance.numpy(), np.var(X, axis=np_axis, keepdims=keepdims),
                               rtol=1e-12)
    np.testing.assert_allclose(std.numpy(), np.std(X, axis=np_axis, keepdims=keepdims),
                               rtol=1e-12)
    assert variance.dtype == tf.float64 and std.dtype == tf.float64


@pytest.mark.parametrize("order", [1, 2])
def test_variance_std_and_moments_gradients_match_finite_differences(order):
    check_grads(lambda x: tf.math.reduce_variance(x, axis=[0, 2]), [X], order=order)
    check_grads(lambda x: tf.math.reduce_std(x, axis=1, keepdims=True), [X], order=order)


def test_moments_first_derivative_matches_and_its_second_is_tfs():
    """TF's moments centres the variance on stop_gradient(mean): exact first derivatives
    (the mean's own term is zero there), but a Hessian without the mean's path, as in TF."""
    check_grads(lambda x: tf.concat(tf.nn.moments(x, axes=[1]), axis=0), [X], order=1)
    with pytest.raises(AssertionError, match="Hessian-vector product"):
        check_grads(lambda x: tf.nn.moments(x, axes=[1])[1], [X], order=2)


def test_moments_match_numpy_and_torch_and_keep_float16():
    mean, variance = tf.nn.moments(tf.constant(X, tf.float32), axes=[0, -1])
    np.testing.assert_allclose(mean.numpy(), X.mean(axis=(0, 2)), rtol=1e-5)
    np.testing.assert_allclose(variance.numpy(), X.var(axis=(0, 2)), rtol=1e-5)
    kept, _ = tf.nn.moments(tf.constant(X), axes=[1], keepdims=True)
    assert kept.shape == (4, 1, 5)
    half_mean, half_variance = tf.nn.moments(tf.constant(X, tf.float16), axes=[0])
    assert half_mean.dtype == tf.float16 and half_variance.dtype == tf.float16
    np.testing.assert_allclose(half_variance.numpy(), X.var(axis=0), rtol=2e-2, atol=2e-3)
    torch = pytest.importorskip("torch", reason="PyTorch cross-check: pip install torch==2.13.0")
    t = torch.tensor(X)
    np.testing.assert_allclose(variance.numpy(), t.var(dim=(0, 2), unbiased=False).numpy(),
                               rtol=1e-5)


def test_stop_gradient_passes_the_value_and_blocks_the_gradient():
    v = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        blocked = tf.stop_gradient(v)
        product = tf.reduce_sum(tf.stop_gradient(v) * v)
    np.testing.assert_array_equal(blocked.numpy(), v.numpy())
    assert tape.gradient(blocked, v) is None
    np.testing.assert_array_equal(tape.gradient(product, v).numpy(), [1.0, 2.0, 3.0])
    assert tf.stop_gradient(input=v).numpy().tolist() == [1.0, 2.0, 3.0]


def test_integer_input_to_reduce_variance_names_the_op_and_the_line():
    with pytest.raises(tf.errors.DTypeError) as caught:
        tf.math.reduce_std([1, 2, 3])
    message = str(caught.value)
    assert "reduce_variance" in message and "int32" in message and "tf.cast" in message
    assert caught.value.source.filename == __file__
