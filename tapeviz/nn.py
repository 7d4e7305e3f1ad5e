"""`tapeviz.nn`: TensorFlow's `tf.nn` functions, checked here and run as registry ops.

Each function takes TF's exact signature, validates its arguments (errors name the
op and the user's line), normalizes them to static params and calls a row from
`ops/nn.py` or `ops/random.py` (`softmax` here calls the row `softmax_op`; rows TF
exposes as they are, such as `relu`, are re-exported). The image functions (conv2d,
pooling: NHWC images, HWIO kernels) are nn_images.py's, the checks both share
nn_checks.py's.
"""
from __future__ import annotations

import numpy as np

from .candidate_sampling import nce_loss, sampled_softmax_loss
from .coverage import missing as _missing
from . import arguments
from . import dtypes as _dtypes
from .creation import convert_to_tensor
from .dispatch import name_scope
from .errors import (DTypeError, DTypeValueError, InvalidArgumentError, KernelDTypeError,
                     ShapeError, attr_words)
from .logits_check import check_sigmoid_logits, check_softmax_logits
from .ops import nn as _nn_ops
from .ops import random as _random
from .ops.axes import normalize_axes, normalize_axis
from .ops.gather import gather
from .ops.math import (abs, erfc, maximum, rsqrt, sigmoid, softplus, square, squared_difference,
                       tanh, where)
from .ops.assign import cast, identity, stop_gradient
from .ops.nn import (bias_add_op, elu, l2_loss, leaky_relu_op, log_softmax_op, relu, relu6,
                     softmax_op)
from .ops.reduce import reduce_mean, reduce_sum
from .ops.shape import squeeze
from .ops.sort import top_k
from .tensor import Tensor
from .nn_checks import _check_float, _dtype, _shape
from .nn_images import avg_pool, avg_pool2d, conv2d, max_pool, max_pool2d
from .nn_transpose import conv2d_transpose, conv_transpose

__all__ = ["avg_pool", "avg_pool2d", "bias_add", "conv2d", "conv2d_transpose", "conv_transpose",
           "dropout", "elu", "embedding_lookup",
           "gelu", "l2_loss", "l2_normalize", "leaky_relu", "log_softmax", "max_pool",
           "max_pool2d", "moments", "nce_loss", "relu", "relu6", "sampled_softmax_loss", "selu",
           "sigmoid", "sigmoid_cross_entropy_with_logits", "silu", "softmax",
           "softmax_cross_entropy_with_logits", "softplus", "softsign",
           "sparse_softmax_cross_entropy_with_logits", "swish", "tanh", "top_k"]


# ---- activations and softmax ------------------------------------------------------------
def leaky_relu(features, alpha=0.2, name=None):
    """features where positive, else alpha * features; integer features are cast to float32
    first, as TF casts them.

    >>> import tapeviz as tf
    >>> tf.nn.leaky_relu([-1.0, 2.0]).numpy()
    array([-0.2,  2. ], dtype=float32)
    """
    alpha = arguments.number("leaky_relu", "alpha", alpha)
    features = arguments.tensor_of("leaky_relu", "features", features)
    kind = features._value.dtype.kind
    if kind == "b":
        raise KernelDTypeError("leaky_relu", f"expected numeric features; got dtype bool"
                                             f"{attr_words('bool')}",
                               hint="cast first: tf.cast(features, tf.float32)")
    if kind in "iu":
        features = cast(features, _dtypes.float32)
    return leaky_relu_op(features, alpha=alpha)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2 over axis), epsilon)), as TF computes it (all axes by default).

    >>> import tapeviz as tf
    >>> tf.math.l2_normalize([3.0, 4.0]).numpy()
    array([0.6, 0.8], dtype=float32)
    """
    x = arguments.tensor_of("l2_normalize", "x", x)
    _check_float("l2_normalize", "x", x)
    epsilon = arguments.number("l2_normalize", "epsilon", epsilon)
    with name_scope("l2_normalize"):
        square_sum = reduce_sum(square(x), axis=dim if axis is None else axis, keepdims=True)
        return x * rsqrt(maximum(square_sum, epsilon))


def silu(features, beta=1.0, name=None):
    """features * sigmoid(beta * features), the SiLU (swish) activation.

    >>> import tapeviz as tf
    >>> tf.nn.silu([0.0, 2.0]).numpy().round(4)
    array([0.    , 1.7616], dtype=float32)
    """
    features = arguments.tensor_of("silu", "features", features)
    _check_float("silu", "features", features)
    if not isinstance(beta, Tensor):
        beta = arguments.number("silu", "beta", beta)
    with name_scope("silu"):
        if isinstance(beta, (int, float)) and beta == 1:
            return features * sigmoid(features)
        return features * sigmoid(beta * features)


swish = silu


def gelu(features, approximate=False, name=None):
    """The GELU activation, composed of ops as TF composes it: 0.5 x erfc(-x / sqrt(2)) (0.5 x
    (1 + erf(x / sqrt(2))), exact where x is negative), or with approximate=True 0.5 x (1 +
    tanh(sqrt(2 / pi) (x + 0.044715 x**3))).

    >>> import tapeviz as tf
    >>> tf.nn.gelu([-1.0, 1.0]).numpy().round(4)
    array([-0.1587,  0.8413], dtype=float32)
    """
    features = arguments.tensor_of("gelu", "features", features)
    _check_float("gelu", "features", features, DTypeValueError)   # TF's Python-side check
    approximate = arguments.flag("gelu", "approximate", approximate)
    with name_scope("gelu"):
        if approximate:
            cube = features * features * features
            inner = 0.7978845608028654 * (features + 0.044715 * cube)
            return 0.5 * features * (1.0 + tanh(inner))
        return 0.5 * features * erfc(-features * 0.7071067811865476)


def selu(features, name=None):
    """scale * x where x >= 0, else scale * alpha * (exp(x) - 1): the self-normalizing ELU
    (at 0 the slope is scale, as TF's kernel takes it)."""
    features = arguments.tensor_of("selu", "features", features)
    _check_float("selu", "features", features)
    with name_scope("selu"):
        return 1.0507009873554805 * where(features < 0, 1.6732632423543772 * elu(features),
                                          features)


def softsign(features, name=None):
    """features / (1 + |features|)."""
    features = arguments.tensor_of("softsign", "features", features)
    _check_float("softsign", "features", features)
    with name_scope("softsign"):
        return features / (1.0 + abs(features))


def embedding_lookup(params, ids, max_norm=None, name=None):
    """The rows of `params` at `ids` (a gather along axis 0), as tf.nn.embedding_lookup.

    >>> import tapeviz as tf
    >>> tf.nn.embedding_lookup([[1.0, 2.0], [3.0, 4.0]], [1, 1]).numpy()
    array([[3., 4.],
           [3., 4.]], dtype=float32)
    """
    if max_norm is not None:
        raise InvalidArgumentError("embedding_lookup", f"tapeviz covers max_norm=None only; got "
                                                       f"max_norm={max_norm!r}")
    if isinstance(params, (list, tuple)) and len(params) == 1 and isinstance(params[0], Tensor):
        params = params[0]   # TF's sharded form, one shard
    return gather(params, ids)


def softmax(logits, axis=None, name=None):
    """exp(logits) / sum(exp(logits)) along `axis` (the last by default), computed stably.

    >>> import tapeviz as tf
    >>> tf.nn.softmax([0.0, 0.0]).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    _check_float("softmax", "logits", logits)
    return softmax_op(logits, axis=normalize_axis("softmax", -1 if axis is None else axis,
                                                  len(_shape("softmax", "logits", logits))))


def log_softmax(logits, axis=None, name=None):
    """logits - log(sum(exp(logits))) along `axis` (the last by default), computed stably."""
    _check_float("log_softmax", "logits", logits)
    return log_softmax_op(logits, axis=normalize_axis("log_softmax", -1 if axis is None
                                                      else axis,
                                                      len(_shape("log_softmax", "logits",
                                                                 logits))))


# ---- losses ------------------------------------------------------------------------------
def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Per-example -log(softmax(logits)[label]); labels are int class indices.

    >>> import tapeviz as tf
    >>> loss = tf.nn.sparse_softmax_cross_entropy_with_logits([0], [[0.0, 0.0]])
    >>> round(float(loss[0]), 4)
    0.6931
    """
    op = "sparse_softmax_cross_entropy_with_logits"
    _check_float(op, "logits", logits)
    if _dtype(op, "labels", labels).kind not in "iu":
        raise KernelDTypeError(op, f"labels must be integer class indices; got dtype "
                                   f"{_dtype(op, 'labels', labels)}",
                               hint="for one-hot or probability labels use "
                                    "tf.nn.softmax_cross_entropy_with_logits")
    labels_shape, logits_shape = _shape(op, "labels", labels), _shape(op, "logits", logits)
    if not logits_shape or labels_shape != logits_shape[:-1]:
        raise ShapeError(op, f"labels must have the shape of logits without its last axis, "
                             f"{logits_shape[:-1]}; got labels {labels_shape} and logits "
                             f"{logits_shape}")
    depth = logits_shape[-1]
    values = np.asarray(labels)
    if values.size and (values.min() < 0 or values.max() >= depth):
        raise InvalidArgumentError(op, f"labels must be in [0, {depth}) for {depth} classes; "
                                       f"got values from {values.min()} to {values.max()}")
    check_softmax_logits(op, logits)
    return _nn_ops.sparse_softmax_cross_entropy(labels, logits)


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """-sum(labels * log_softmax(logits)) along `axis`; each row of labels a distribution.

    >>> import tapeviz as tf
    >>> loss = tf.nn.softmax_cross_entropy_with_logits([[0.5, 0.5]], [[0.0, 0.0]])
    >>> round(float(loss[0]), 4)
    0.6931
    """
    op = "softmax_cross_entropy_with_logits"
    _check_float(op, "logits", logits)
    if _shape(op, "labels", labels) != _shape(op, "logits", logits):
        raise ShapeError(op, f"labels and logits must have the same shape; got "
                             f"{_shape(op, 'labels', labels)} and {_shape(op, 'logits', logits)}")
    axis = normalize_axis(op, axis, len(_shape(op, "logits", logits)))
    check_softmax_logits(op, logits, axis)
    return _nn_ops.softmax_cross_entropy(labels, logits, axis=axis)


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise logistic loss of logits x against labels z in [0, 1], overflow-safe.

    >>> import tapeviz as tf
    >>> tf.nn.sigmoid_cross_entropy_with_logits([1.0], [1000.0]).numpy()
    array([0.], dtype=float32)
    """
    op = "sigmoid_cross_entropy_with_logits"
    _check_float(op, "logits", logits)
    if _shape(op, "labels", labels) != _shape(op, "logits", logits):
        raise ShapeError(op, f"labels and logits must have the same shape; got "
                             f"{_shape(op, 'labels', labels)} and {_shape(op, 'logits', logits)}")
    check_sigmoid_logits(op, logits)
    return _nn_ops.sigmoid_cross_entropy(labels, logits)


# ---- layers' building blocks ---------------------------------------------------------------
def bias_add(value, bias, data_format=None, name=None):
    """value + bias, with the rank-1 bias added along the channel (last) axis.

    >>> import tapeviz as tf
    >>> tf.nn.bias_add([[1.0, 2.0]], [10.0, 20.0]).numpy()
    array([[11., 22.]], dtype=float32)
    """
    if data_format is not None:
        arguments.choice("bias_add", "data_format", data_format,
                         ("NHWC", "NCHW", "N...C", "NC..."))
    value_shape, bias_shape = _shape("bias_add", "value", value), _shape("bias_add", "bias", bias)
    if len(bias_shape) != 1:
        raise ShapeError("bias_add", f"bias must have rank 1; got shape {bias_shape}")
    if len(value_shape) < 2:
        raise ShapeError("bias_add", f"value must have rank >= 2; got shape {value_shape}")
    axis = 1 if data_format in ("NCHW", "NC...") else len(value_shape) - 1
    if value_shape[axis] != bias_shape[0]:
        raise ShapeError("bias_add", f"bias has {bias_shape[0]} values but value has "
                                     f"{value_shape[axis]} channels on axis {axis}; got "
                                     f"value {value_shape}, bias {bias_shape}")
    return bias_add_op(value, bias, axis=axis)


def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of `x` over `axes`, as TF's: the variance is taken around the mean
    held constant (stop_gradient), float16 is computed in float32; `shift` is unused.

    >>> import tapeviz as tf
    >>> mean, variance = tf.nn.moments(tf.constant([[1.0, 2.0], [3.0, 6.0]]), axes=[0])
    >>> mean.numpy(), variance.numpy()
    (array([2., 4.], dtype=float32), array([1., 4.], dtype=float32))
    """
    _check_float("moments", "x", x)
    keepdims = arguments.flag("moments", "keepdims", keepdims, default=False)
    half = _dtype("moments", "x", x) == np.float16
    with name_scope(name or "moments"):
        y = cast(x, "float32") if half else x
        mean = reduce_mean(y, axis=axes, keepdims=True)
        variance = reduce_mean(squared_difference(y, stop_gradient(mean)), axis=axes,
                               keepdims=True)
        if not keepdims:
            axes = normalize_axes("moments", axes, len(_shape("moments", "x", x)))
            mean, variance = squeeze(mean, axes), squeeze(variance, axes)
        if half:
            mean, variance = cast(mean, "float16"), cast(variance, "float16")
        return mean, variance


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """x with each value zeroed with probability `rate`; kept values scaled by 1/(1 - rate).

    >>> import tapeviz as tf
    >>> tf.nn.dropout(tf.ones([4]), rate=0.0).numpy()
    array([1., 1., 1., 1.], dtype=float32)
    """
    _check_float("dropout", "x", x)
    x = convert_to_tensor(x)
    rate = arguments.number("dropout", "rate", rate)
    if not 0 <= rate < 1:
        raise InvalidArgumentError("dropout", f"rate must be a number in [0, 1); got {rate!r}")
    seed = arguments.seed("dropout", seed)
    if rate == 0:
        return identity(x)
    shape = tuple(x.shape)
    if noise_shape is not None:
        given = _noise_shape(noise_shape)
        if len(given) != len(shape):
            raise ShapeError("dropout", f"noise_shape must have the rank of x, {len(shape)}; "
                                        f"got {given}")
        noise = tuple(n if d is None else d for n, d in zip(shape, given))
        if any(d not in (1, n) for d, n in zip(noise, shape)):
            raise ShapeError("dropout", f"noise_shape {list(noise)} must broadcast to x's "
                                        f"shape {list(shape)}")
        shape = noise
    mask = _random.dropout_mask(shape=shape, rate=rate, dtype=x.dtype.name, seed=seed)
    return x * mask / (1 - rate)


def _noise_shape(noise_shape) -> list:
    """dropout's `noise_shape`: non-negative ints, or None for "as x's dimension"."""
    entries = list(noise_shape) if isinstance(noise_shape, (list, tuple)) else None
    if entries is None:
        return list(arguments.shape("dropout", "noise_shape", noise_shape))
    return [None if d is None else arguments.shape("dropout", "noise_shape", [d])[0]
            for d in entries]


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing('nn', __name__, name)


from .namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
