"""tf.nn: values against plain numpy references, argument errors, higher-order gradients,
and (when torch is installed) conv2d / max_pool2d against PyTorch."""
import itertools

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger.gradcheck import numeric_gradient

RNG = np.random.default_rng(0)


# ---- references: straightforward numpy loops ---------------------------------------------
def same_pads(size, k, stride, dilation=1):
    span = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def naive_conv2d(x, w, stride, padding, dilation):
    n, h, wd, _ = x.shape
    kh, kw, _, o = w.shape
    if padding == "SAME":
        (t, b), (l, r) = same_pads(h, kh, stride[0], dilation[0]), same_pads(wd, kw, stride[1],
                                                                            dilation[1])
    elif padding == "VALID":
        t = b = l = r = 0
    else:
        (t, b), (l, r) = padding
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    oh = (xp.shape[1] - (kh - 1) * dilation[0] - 1) // stride[0] + 1
    ow = (xp.shape[2] - (kw - 1) * dilation[1] - 1) // stride[1] + 1
    out = np.zeros((n, oh, ow, o))
    for i, j, a, bb in itertools.product(range(oh), range(ow), range(kh), range(kw)):
        pixel = xp[:, i * stride[0] + a * dilation[0], j * stride[1] + bb * dilation[1], :]
        out[:, i, j, :] += pixel @ w[a, bb]
    return out


def naive_pool(x, k, stride, padding, reduce):
    n, h, w, c = x.shape
    (t, b), (l, r) = ((same_pads(h, k[0], stride[0]), same_pads(w, k[1], stride[1]))
                      if padding == "SAME" else ((0, 0), (0, 0)))
    oh = (h + t + b - k[0]) // stride[0] + 1
    ow = (w + l + r - k[1]) // stride[1] + 1
    out = np.zeros((n, oh, ow, c))
    for i, j in itertools.product(range(oh), range(ow)):
        rows = slice(max(i * stride[0] - t, 0), min(i * stride[0] - t + k[0], h))
        cols = slice(max(j * stride[1] - l, 0), min(j * stride[1] - l + k[1], w))
        out[:, i, j, :] = reduce(x[:, rows, cols, :], axis=(1, 2))  # real pixels only
    return out


def pair(value) -> tuple:
    """TF's int / 2-list / NHWC 4-list strides as an (h, w) pair."""
    values = np.asarray(value).reshape(-1).tolist()
    return tuple(values[1:3]) if len(values) == 4 else tuple(np.resize(values, 2).tolist())


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# (input shape, filter shape, strides, padding, dilations)
CONV_GRID = [
    ((2, 5, 5, 3), (3, 3, 3, 4), 1, "SAME", 1),
    ((2, 5, 5, 3), (3, 3, 3, 4), 1, "VALID", 1),
    ((1, 7, 6, 2), (3, 2, 2, 3), 2, "SAME", 1),
    ((1, 8, 8, 2), (2, 2, 2, 3), 2, "SAME", 1),
    ((1, 9, 7, 1), (3, 3, 1, 2), [2, 3], "VALID", 1),
    ((1, 9, 9, 2), (3, 3, 2, 2), 1, "SAME", 2),
    ((1, 10, 9, 2), (2, 3, 2, 2), 1, "VALID", [2, 1]),
    ((1, 6, 6, 1), (4, 4, 1, 1), [1, 2, 2, 1], "SAME", 1),
    # more than 3 channels: the im2col matrix is built row-major, not transposed
    ((2, 6, 6, 5), (3, 3, 5, 4), 1, "SAME", 1),
    ((1, 7, 7, 4), (3, 3, 4, 2), 2, "VALID", 1),
    # stride 1 and 8 or more channels: by kernel taps on the flat padded grid, no im2col
    ((2, 7, 6, 8), (3, 3, 8, 16), 1, "SAME", 1),
    ((2, 9, 8, 16), (3, 2, 16, 8), 1, "VALID", [2, 1]),
    ((1, 6, 7, 12), (2, 3, 12, 3), 1, "SAME", 1),
    ((2, 7, 6, 2), (3, 3, 2, 8), 2, "SAME", 1),  # taps only in the input gradient
]


@pytest.mark.parametrize("xs,ws,strides,padding,dilations", CONV_GRID)
def test_conv2d_matches_a_naive_loop(xs, ws, strides, padding, dilations):
    x, w = RNG.standard_normal(xs), RNG.standard_normal(ws)
    want = naive_conv2d(x, w, pair(strides), padding, pair(dilations))
    got = tf.nn.conv2d(x, w, strides=strides, padding=padding, dilations=dilations)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


def test_conv2d_explicit_padding_and_nchw_match_the_naive_loop():
    x, w = RNG.standard_normal((1, 5, 6, 2)), RNG.standard_normal((3, 2, 2, 3))
    got = tf.nn.conv2d(x, w, 2, [[0, 0], [1, 0], [2, 1], [0, 0]])
    np.testing.assert_allclose(got.numpy(), naive_conv2d(x, w, (2, 2), ((1, 0), (2, 1)), (1, 1)))
    nchw = tf.nn.conv2d(np.transpose(x, (0, 3, 1, 2)), w, [1, 1, 2, 2], "SAME",
                        data_format="NCHW")
    np.testing.assert_allclose(np.transpose(nchw.numpy(), (0, 2, 3, 1)),
                               naive_conv2d(x, w, (2, 2), "SAME", (1, 1)), atol=1e-12)


@pytest.mark.parametrize("xs,ws,strides,padding,dilations", CONV_GRID)
def test_conv2d_gradients_are_the_adjoints_of_the_naive_loop(xs, ws, strides, padding,
                                                             dilations):
    x, w = RNG.standard_normal(xs), RNG.standard_normal(ws)
    xv, wv = tf.Variable(x), tf.Variable(w)
    with tf.GradientTape() as tape:
        y = tf.nn.conv2d(xv, wv, strides=strides, padding=padding, dilations=dilations)
    g = RNG.standard_normal(y.shape)
    dx, dw = tape.gradient(y, [xv, wv], output_gradients=tf.constant(g))
    # conv is bilinear: <conv(x, w), g> == <x, dx> == <w, dw>
    inner = float(np.sum(y.numpy() * g))
    assert np.isclose(float(np.sum(x * dx.numpy())), inner)
    assert np.isclose(float(np.sum(w * dw.numpy())), inner)


@pytest.mark.parametrize("k,stride,padding", [((2, 2), (2, 2), "VALID"), ((3, 3), (2, 2), "SAME"),
                                              ((2, 3), (1, 2), "SAME"), ((3, 2), (2, 1), "VALID")])
def test_pools_match_a_naive_loop(k, stride, padding):
    x = RNG.standard_normal((2, 7, 6, 3))
    np.testing.assert_allclose(tf.nn.max_pool2d(x, k, stride, padding).numpy(),
                               naive_pool(x, k, stride, padding, np.max))
    np.testing.assert_allclose(tf.nn.avg_pool2d(x, k, stride, padding).numpy(),
                               naive_pool(x, k, stride, padding, np.mean), atol=1e-12)


def test_same_avg_pool_divides_by_the_number_of_real_pixels():
    out = tf.nn.avg_pool2d(tf.ones([1, 3, 3, 1]), ksize=3, strides=1, padding="SAME")
    np.testing.assert_allclose(out.numpy(), np.ones((1, 3, 3, 1)))


def test_max_pool_gradient_goes_to_the_first_maximum_of_a_tie():
    x = tf.Variable(tf.ones([1, 2, 2, 1]))
    with tf.GradientTape() as tape:
        y = tf.nn.max_pool2d(x, 2, 2, "VALID")
    np.testing.assert_array_equal(tape.gradient(y, x).numpy().reshape(2, 2), [[1, 0], [0, 0]])


def test_max_pool_gradient_adds_up_where_windows_overlap():
    x = tf.Variable(np.array([[0.0, 5.0, 0.0], [0.0, 0.0, 0.0]]).reshape(1, 2, 3, 1))
    with tf.GradientTape() as tape:
        y = tf.nn.max_pool2d(x, 2, 1, "VALID")     # both windows pick the 5
    np.testing.assert_array_equal(tape.gradient(y, x).numpy().reshape(2, 3),
                                  [[0, 2, 0], [0, 0, 0]])


# ---- softmax and losses ------------------------------------------------------------------
def test_softmax_and_log_softmax_match_numpy_even_for_huge_logits():
    x = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(tf.nn.softmax(x).numpy(), np_softmax(x))
    np.testing.assert_allclose(tf.nn.softmax(x, axis=0).numpy(), np_softmax(x, axis=0))
    log = tf.nn.log_softmax(x).numpy()
    assert np.all(np.isfinite(log))
    np.testing.assert_allclose(log[1], np.log(np_softmax(x[1])))
    assert log[0, 2] == -2000.0


def test_sparse_softmax_cross_entropy_is_stable_and_its_gradient_is_softmax_minus_one_hot():
    logits = tf.Variable(np.array([[1000.0, 0.0, -1000.0], [0.5, 1.5, -0.5]]))
    labels = [2, 1]
    with tf.GradientTape() as tape:
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    np.testing.assert_allclose(loss.numpy(), [2000.0, -np.log(np_softmax(logits.numpy()[1])[1])])
    want = np_softmax(logits.numpy()) - np.eye(3)[labels]
    np.testing.assert_allclose(tape.gradient(loss, logits).numpy(), want, atol=1e-12)


def test_softmax_cross_entropy_matches_numpy_with_gradients_for_both_inputs():
    logits = tf.Variable(np.array([[2.0, 1.0, 0.1], [500.0, -500.0, 0.0]]))
    labels = tf.Variable(np.array([[0.7, 0.2, 0.1], [0.0, 1.0, 0.0]]))
    with tf.GradientTape() as tape:
        loss = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    log_p = logits.numpy() - np.log(np.exp(logits.numpy()[0]).sum())
    assert np.isclose(loss.numpy()[0], -(labels.numpy()[0] * log_p[0]).sum())
    assert loss.numpy()[1] == 1000.0
    d_labels, d_logits = tape.gradient(loss, [labels, logits])
    np.testing.assert_allclose(d_logits.numpy(), np_softmax(logits.numpy()) - labels.numpy(),
                               atol=1e-12)
    assert np.isclose(d_labels.numpy()[1, 1], 1000.0)  # -log_softmax


def test_sigmoid_cross_entropy_matches_the_naive_formula_and_survives_huge_logits():
    x, z = np.array([-3.0, -0.5, 0.0, 2.0]), np.array([0.0, 1.0, 0.5, 1.0])
    naive = -z * np.log(1 / (1 + np.exp(-x))) - (1 - z) * np.log(1 - 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(tf.nn.sigmoid_cross_entropy_with_logits(z, x).numpy(), naive)
    big = tf.nn.sigmoid_cross_entropy_with_logits([1.0, 0.0], [-1e4, 1e4]).numpy()
    np.testing.assert_allclose(big, [1e4, 1e4])


def test_activations_bias_add_and_l2_loss_values():
    x = np.array([-2.0, -0.5, 0.0, 1.5, 7.0])
    np.testing.assert_allclose(tf.nn.relu(x).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(tf.nn.relu6(x).numpy(), np.clip(x, 0, 6))
    np.testing.assert_allclose(tf.nn.leaky_relu(x, alpha=0.1).numpy(), np.where(x > 0, x, 0.1 * x))
    np.testing.assert_allclose(tf.nn.elu(x).numpy(), np.where(x > 0, x, np.expm1(x)))
    value, bias = RNG.standard_normal((2, 3, 4)), RNG.standard_normal(4)
    np.testing.assert_allclose(tf.nn.bias_add(value, bias).numpy(), value + bias)
    np.testing.assert_allclose(tf.nn.bias_add(value, bias[:3], data_format="NCHW").numpy(),
                               value + bias[:3, None])
    images = RNG.standard_normal((2, 5, 3, 4)).astype(np.float32)   # NHWC: added row by row
    for batch in (images, images[:, ::2]):
        added = tf.nn.bias_add(batch, bias.astype(np.float32)).numpy()
        assert added.dtype == np.float32 and added.shape == batch.shape
        np.testing.assert_array_equal(added, batch + bias.astype(np.float32))
    assert np.isclose(float(tf.nn.l2_loss(value)), np.sum(value ** 2) / 2)


def test_relus_gradient_reads_its_output_as_tfs_relu_grad_does():
    """relu's VJP masks by relu's output (TF's _ReluGrad: relu_grad(grad, op.outputs[0])),
    which is x > 0 exactly (NaN, -0 and 0 masked): an outer tape records that input."""
    x = tf.Variable([[-1.0, 0.0, -0.0, 2.0, np.nan, np.inf, -np.inf]])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.nn.relu(x)
        g = inner.gradient(y, x)
    relu_grad = [node for node in outer.nodes if node.op.name == "relu_grad"]
    assert len(relu_grad) == 1 and relu_grad[0].inputs[1] is y
    assert g.numpy().tobytes() == np.array([[0, 0, 0, 1, 0, 1, 0]], np.float32).tobytes()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 26, 26, 16), (2, 70000), (5000,), (2, 3, 4, 5)])
def test_relu_and_bias_add_of_a_batch_are_numpys_bits(shape, dtype):
    """relu over rows of one batch item against a row of zeros (numpy's SIMD loop) keeps
    NaN (either sign), infinities and zeros as np.maximum(x, 0) does; bias_add's bias tiled
    over a whole image adds what value + bias adds; strided inputs too."""
    x = RNG.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[::7], flat[1::11], flat[2::13], flat[3::17] = np.nan, -np.nan, np.inf, -np.inf
    flat[4::19], flat[5::23] = 0.0, -0.0
    bias = RNG.standard_normal(shape[-1]).astype(dtype)
    for value in (x, x[..., ::2, :] if x.ndim > 2 else x[::2]):
        relu = tf.nn.relu(value).numpy()
        assert relu.dtype == dtype and relu.tobytes() == np.maximum(value, 0).tobytes()
        if value.ndim >= 3:
            added = tf.nn.bias_add(value, bias).numpy()
            assert added.dtype == dtype and added.tobytes() == (value + bias).tobytes()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_relu_gradient_is_the_upstream_gradient_where_features_are_positive_bit_for_bit(dtype):
    """relu_grad's bit mask gives np.where's exact bits: +0 where features <= 0 or NaN, even
    under an inf/NaN upstream gradient (no NaN from inf * 0, no -0), on strided inputs and
    on a gradient broadcast along rows and columns (a global average pool's) too."""
    g = RNG.standard_normal((4, 6, 5)).astype(dtype)
    x = RNG.standard_normal((4, 6, 5)).astype(dtype)
    g[0, 0, :3], x[0, 0, :3] = [np.nan, np.inf, -np.inf], -1.0
    g[1, 1, 1], x[1, 1, :2] = -2.0, [np.nan, 0.0]
    relu_grad = tf.ops.REGISTRY["relu_grad"]
    pooled = np.broadcast_to(g[:, :1, :3, None].transpose(0, 3, 1, 2), (4, 6, 5, 3))
    for grads, features in ((g, x), (g[:, ::2, 1:], x[:, ::2, 1:]), (g[:, :1], x),
                            (pooled, RNG.standard_normal(pooled.shape).astype(dtype))):
        grads = np.broadcast_to(grads, features.shape)
        got = relu_grad(grads, features).numpy()
        want = np.where(features > 0, grads, 0).astype(dtype)
        assert got.dtype == dtype and got.tobytes() == want.tobytes()


def test_dropout_zeroes_or_scales_and_its_gradient_is_the_scaled_mask():
    tf.random.set_seed(1)
    x = tf.Variable(tf.ones([200, 50]))
    with tf.GradientTape() as tape:
        y = tf.nn.dropout(x, rate=0.25)
    values = y.numpy()
    assert set(np.unique(values)) <= {0.0, np.float32(1 / 0.75)}
    assert 0.2 < np.mean(values == 0) < 0.3
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), values)
    rows = tf.nn.dropout(tf.ones([100, 4]), rate=0.5, noise_shape=[100, 1]).numpy()
    assert np.all(rows == rows[:, :1])
    np.testing.assert_array_equal(tf.nn.dropout(x, rate=0.0).numpy(), x.numpy())


# ---- argument errors name the op ---------------------------------------------------------
@pytest.mark.parametrize("call,error,text", [
    (lambda: tf.nn.conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 2, 4]), 1, "SAME"),
     tf.ShapeError, "conv2d: input has 3 channels but filters expect 2"),
    (lambda: tf.nn.conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 3, 4]), 1, "same_ish"),
     tf.InvalidArgumentError, "conv2d: padding must be 'SAME' or 'VALID'"),
    (lambda: tf.nn.conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 3, 4]), [2, 2, 2], "SAME"),
     tf.InvalidArgumentError, "conv2d: strides must have 1, 2 or 4 entries"),
    (lambda: tf.nn.conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 3, 4]), [2, 1, 1, 1], "SAME"),
     tf.InvalidArgumentError, "conv2d: strides must be 1 on the batch and channel"),
    (lambda: tf.nn.conv2d(tf.ones([5, 5, 3]), tf.ones([3, 3, 3, 4]), 1, "SAME"),
     tf.ShapeError, "conv2d: input must have rank 4"),
    (lambda: tf.nn.conv2d(tf.ones([1, 2, 2, 3]), tf.ones([3, 3, 3, 4]), 1, "VALID"),
     tf.ShapeError, "conv2d: the window"),
    (lambda: tf.nn.conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 3, 4], tf.float64), 1, "SAME"),
     tf.DTypeError, "conv2d: inputs must have the same dtype"),
    (lambda: tf.nn.max_pool2d(tf.ones([1, 4, 4, 1]), 2, 2, "FULL"),
     tf.InvalidArgumentError, "max_pool2d: padding must be 'SAME' or 'VALID'"),
    (lambda: tf.nn.avg_pool2d(tf.ones([4, 4, 1]), 2, 2, "SAME"),
     tf.ShapeError, "avg_pool2d: input must have rank 4"),
    (lambda: tf.nn.bias_add(tf.ones([2, 3]), tf.ones([2, 3])),
     tf.ShapeError, "bias_add: bias must have rank 1"),
    (lambda: tf.nn.bias_add(tf.ones([2, 3]), tf.ones([4])),
     tf.ShapeError, "bias_add: bias has 4 values but value has 3 channels"),
    (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([0, 3], tf.ones([2, 3])),
     tf.InvalidArgumentError, "labels must be in [0, 3)"),
    (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([0], tf.ones([2, 3])),
     tf.ShapeError, "labels must have the shape of logits without its last axis"),
    (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([0.0, 1.0], tf.ones([2, 3])),
     tf.DTypeError, "labels must be integer class indices"),
    (lambda: tf.nn.softmax_cross_entropy_with_logits(tf.ones([2, 3]), tf.ones([2, 4])),
     tf.ShapeError, "labels and logits must have the same shape"),
    (lambda: tf.nn.softmax([1, 2, 3]), tf.DTypeError, "softmax: logits must be a floating"),
    (lambda: tf.nn.dropout(tf.ones([3]), rate=1.0), tf.InvalidArgumentError,
     "dropout: rate must be a number in [0, 1)"),
])
def test_bad_arguments_raise_errors_that_name_the_op(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)
    assert "test_nn.py" in str(info.value)  # the user's line


def test_conv2d_channel_mismatch_hints_at_nchw():
    with pytest.raises(tf.ShapeError, match="data_format='NCHW'"):
        tf.nn.conv2d(tf.ones([1, 3, 8, 8]), tf.ones([3, 3, 3, 4]), 1, "SAME")


# ---- higher order and the tape -------------------------------------------------------------
def _grad_norm_and_its_gradient(x, w_value, variable):
    """||d loss / d x||^2 for a conv layer, and its gradient w.r.t. the kernel."""
    w = tf.Variable(w_value) if variable else tf.constant(w_value)
    xt = tf.constant(x)
    with tf.GradientTape() as outer:
        if not variable:
            outer.watch(w)
        with tf.GradientTape() as inner:
            inner.watch(xt)
            y = tf.nn.conv2d(xt, w, strides=2, padding="SAME")
            loss = tf.reduce_sum(tf.nn.softplus(y) * y)
        dx = inner.gradient(loss, xt)
        norm = tf.reduce_sum(dx * dx)
    return float(norm), outer.gradient(norm, w)


def _check_second_derivative(variable):
    x = RNG.standard_normal((1, 6, 5, 2))
    w0 = RNG.standard_normal((3, 3, 2, 2)) * 0.5
    _, dw = _grad_norm_and_its_gradient(x, w0, variable)
    u = RNG.standard_normal(w0.shape)
    numeric = numeric_gradient(lambda w: _grad_norm_and_its_gradient(x, w, variable)[0], w0, u)
    assert np.isclose(float(np.sum(dw.numpy() * u)), numeric, rtol=1e-6)


def test_second_derivative_through_conv2d_matches_finite_differences():
    _check_second_derivative(variable=False)


def test_second_derivative_through_conv2d_with_a_variable_kernel():
    _check_second_derivative(variable=True)


@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
def test_second_derivative_through_pools_matches_finite_differences(pool):
    x0 = RNG.standard_normal((1, 5, 6, 2))
    scale = RNG.standard_normal((1, 3, 3, 2))

    def norm_and_gradient(x_value):
        x = tf.constant(x_value)
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = getattr(tf.nn, pool)(x, 3, 2, "SAME")
                loss = tf.reduce_sum(tf.sin(y * scale))
            dx = inner.gradient(loss, x)
            norm = tf.reduce_sum(dx * dx)
        return float(norm), outer.gradient(norm, x)

    _, d2 = norm_and_gradient(x0)
    u = RNG.standard_normal(x0.shape)
    numeric = numeric_gradient(lambda x: norm_and_gradient(x)[0], x0, u)
    assert np.isclose(float(np.sum(d2.numpy() * u)), numeric, rtol=1e-6)


def test_conv2d_is_one_node_and_its_gradient_uses_the_backprop_ops():
    x, w = tf.constant(tf.ones([1, 4, 4, 1])), tf.constant(tf.ones([2, 2, 1, 1]))
    with tf.GradientTape() as outer:
        outer.watch([x, w])
        with tf.GradientTape() as inner:
            inner.watch([x, w])
            y = tf.nn.conv2d(x, w, 1, "VALID")
        inner.gradient(y, [x, w])
    names = [n.op.name for n in outer.nodes]
    assert names == ["conv2d", "conv2d_backprop_input", "conv2d_backprop_filter"]


def test_the_documented_example_trains_a_conv_layer():
    x = tf.random.normal([2, 28, 28, 1])
    w = tf.Variable(tf.random.normal([3, 3, 1, 16]) * 0.1)
    with tf.GradientTape() as tape:
        y = tf.nn.relu(tf.nn.conv2d(x, w, strides=1, padding="SAME"))
        logits = tf.reshape(y, [2, -1])[:, :10]
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 2],
                                                                              logits=logits))
    grad = tape.gradient(loss, w)
    assert grad.shape == (3, 3, 1, 16) and grad.dtype == tf.float32


# ---- PyTorch cross-checks (optional) -------------------------------------------------------
def _torch_same_pad(torch, x, k, stride, dilation, value=0.0):
    (t, b), (l, r) = (same_pads(x.shape[2], k[0], stride[0], dilation[0]),
                      same_pads(x.shape[3], k[1], stride[1], dilation[1]))
    return torch.nn.functional.pad(x, (l, r, t, b), value=value)


@pytest.mark.parametrize("xs,ws,strides,padding,dilations", [
    ((2, 7, 6, 3), (3, 3, 3, 4), (2, 2), "SAME", (1, 1)),
    ((1, 8, 8, 2), (2, 2, 2, 3), (1, 1), "SAME", (1, 1)),
    ((2, 9, 9, 2), (3, 3, 2, 2), (1, 1), "SAME", (2, 2)),
    ((1, 9, 7, 2), (3, 2, 2, 2), (2, 3), "VALID", (1, 1)),
    ((3, 10, 9, 16), (3, 3, 16, 16), (1, 1), "VALID", (1, 1)),  # the guide's second conv
    ((2, 8, 9, 8), (3, 3, 8, 12), (1, 1), "SAME", (2, 1)),
    ((2, 7, 6, 2), (3, 3, 2, 8), (2, 2), "SAME", (1, 1)),
])
def test_conv2d_forward_and_gradients_match_torch(xs, ws, strides, padding, dilations):
    torch = pytest.importorskip("torch", reason="PyTorch cross-check: pip install torch==2.13.0")
    x, w, = RNG.standard_normal(xs), RNG.standard_normal(ws)
    xv, wv = tf.Variable(x), tf.Variable(w)
    with tf.GradientTape() as tape:
        y = tf.nn.conv2d(xv, wv, strides, padding, dilations=dilations)
    g = RNG.standard_normal(y.shape)
    dx, dw = tape.gradient(y, [xv, wv], output_gradients=tf.constant(g))

    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    tw = torch.tensor(w.transpose(3, 2, 0, 1), requires_grad=True)
    padded = _torch_same_pad(torch, tx, ws[:2], strides, dilations) if padding == "SAME" else tx
    ty = torch.nn.functional.conv2d(padded, tw, stride=strides, dilation=dilations)
    ty.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy().transpose(0, 2, 3, 1), atol=1e-10)
    np.testing.assert_allclose(dx.numpy(), tx.grad.numpy().transpose(0, 2, 3, 1), atol=1e-10)
    np.testing.assert_allclose(dw.numpy(), tw.grad.numpy().transpose(2, 3, 1, 0), atol=1e-10)


@pytest.mark.parametrize("k,stride,padding", [((2, 2), (2, 2), "VALID"), ((3, 3), (2, 2), "SAME"),
                                              ((3, 2), (1, 2), "SAME")])
def test_max_pool2d_forward_and_gradient_match_torch(k, stride, padding):
    torch = pytest.importorskip("torch", reason="PyTorch cross-check: pip install torch==2.13.0")
    x = RNG.standard_normal((2, 7, 6, 3))
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.nn.max_pool2d(xv, k, stride, padding)
    g = RNG.standard_normal(y.shape)
    dx = tape.gradient(y, xv, output_gradients=tf.constant(g))

    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    padded = _torch_same_pad(torch, tx, k, stride, (1, 1), float("-inf")) \
        if padding == "SAME" else tx
    ty = torch.nn.functional.max_pool2d(padded, k, stride)
    ty.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy().transpose(0, 2, 3, 1))
    np.testing.assert_allclose(dx.numpy(), tx.grad.numpy().transpose(0, 2, 3, 1), atol=1e-12)


@pytest.mark.parametrize("shape", [(2, 3, 0, 4), (0, 3, 3, 4), (2, 3, 3, 0)])
def test_bias_add_of_an_empty_image_batch_is_empty_and_its_bias_gradient_zero(shape):
    value = tf.Variable(np.ones(shape, np.float32))
    bias = tf.Variable(np.arange(shape[-1], dtype=np.float32))
    with tf.GradientTape() as tape:
        out = tf.nn.bias_add(value, bias)
        total = tf.reduce_sum(out)
    assert tuple(out.shape) == shape
    np.testing.assert_array_equal(tape.gradient(total, bias).numpy(),
                                  np.zeros(shape[-1], np.float32))
