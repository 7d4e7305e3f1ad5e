"""`tapeviz.math`: the public `tf.math` namespace, TF's names for the registry rows.

The rows themselves (forward, VJP, display) are defined in `tapeviz/ops/math.py`,
`tapeviz/ops/accumulate.py` and `tapeviz/ops/reduce.py`; this module only gathers them
under `tf.math`, as the same objects, so `tf.math.exp is tf.exp`; the few `tf.math` functions
that TF composes of other ops (count_nonzero, log_sigmoid, ...) are composed here the same way.
"""
from .coverage import missing as _missing
from . import arguments as _arguments
from . import dtypes as _dtypes
from .creation import zeros_like as _zeros_like
from .dispatch import name_scope as _name_scope
from .errors import (DTypeError as _DTypeError, InvalidArgumentError as _InvalidArgumentError,
                     ShapeError as _ShapeError)
from .nn import l2_normalize, log_softmax, softmax
from .ops.accumulate import add_n
from .ops.gather import gather as _gather
from .ops.math import cast as _cast
from .ops.math import clip_by_value as _clip_by_value
from .ops.shape import expand_dims as _expand_dims
from .ops.math import (abs, acos, add, argmax, argmin, asin, atan, ceil, cos, cosh, divide,
                       divide_no_nan, equal, exp, expm1, floor, floordiv, floormod, greater,
                       greater_equal, is_finite, is_inf, is_nan, less, less_equal, log, log1p,
                       logical_and, logical_not, logical_or, logical_xor, maximum, minimum,
                       multiply, negative, not_equal, pow, reciprocal, round, rsqrt, sigmoid, sign,
                       sin, sinh, softplus, sqrt, square, squared_difference, subtract, tan, tanh,
                       truediv)
from .ops.scan import cumsum
from .ops.sort import top_k
from .ops.segment import (segment_mean, segment_sum, unsorted_segment_mean,
                          unsorted_segment_sum)
from .ops.shape import reshape as _reshape
from .creation import ones_like as _ones_like
from .tensor import Tensor as _Tensor, wrap as _wrap
from .ops.reduce import (reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean,
                         reduce_min, reduce_prod, reduce_std, reduce_sum, reduce_variance)



def count_nonzero(input, axis=None, keepdims=None, dtype=_dtypes.int64, name=None):
    """How many values of `input` are not zero (not False), over `axis` (all by default).

    >>> import tapeviz as tf
    >>> int(tf.math.count_nonzero([[0, 1], [2, 0]]))
    2
    """
    keep = _arguments.flag("count_nonzero", "keepdims", keepdims, default=False)
    with _name_scope("count_nonzero"):
        nonzero = _cast(not_equal(input, _zeros_like(input)), _dtypes.int64)
        return _cast(reduce_sum(nonzero, axis=axis, keepdims=keep), dtype)


def log_sigmoid(x, name=None):
    """log(sigmoid(x)), computed as -softplus(-x) so it never takes log(0).

    >>> import tapeviz as tf
    >>> float(tf.math.log_sigmoid(-200.0))
    -200.0
    """
    with _name_scope("log_sigmoid"):
        return negative(softplus(negative(x)))


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(input_tensor ** 2)) over `axis` (all by default); for integers, the root
    truncated, in their dtype, as TF's kernel gives it.

    >>> import tapeviz as tf
    >>> float(tf.math.reduce_euclidean_norm([3.0, 4.0]))
    5.0
    """
    with _name_scope("reduce_euclidean_norm"):
        squares = reduce_sum(square(input_tensor), axis=axis, keepdims=keepdims)
        if squares.dtype.is_integer:   # TF's integer kernel: the root truncated, same dtype
            return _cast(floor(sqrt(_cast(squares, _dtypes.float64))), squares.dtype)
        return sqrt(squares)


def scalar_mul(scalar, x, name=None):
    """scalar * x, where scalar must be one value (0-D).

    >>> import tapeviz as tf
    >>> tf.math.scalar_mul(2.0, tf.constant([1.0, 2.0])).numpy()
    array([2., 4.], dtype=float32)
    """
    x = _arguments.tensor_of("scalar_mul", "x", x)
    scalar = scalar if isinstance(scalar, _Tensor) else _wrap(_arguments.array_of(
        "scalar_mul", "scalar", scalar, x._value.dtype))
    if scalar._value.dtype != x._value.dtype:
        raise _DTypeError("scalar_mul", f"scalar and x must have the same dtype; got "
                                        f"{scalar.dtype.name} and {x.dtype.name}")
    if scalar._value.ndim != 0:
        raise _ShapeError("scalar_mul", f"the input scalar must be a 0-D value; got shape "
                                        f"{tuple(scalar.shape)}")
    return multiply(scalar, x)


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=_dtypes.int32,
                     name=None):
    """A num_classes x num_classes matrix whose [i, j] counts (or sums the `weights` of) the
    examples of class i (`labels`) predicted as class j (`predictions`).

    >>> import tapeviz as tf
    >>> tf.math.confusion_matrix([0, 1, 1], [0, 1, 0]).numpy().tolist()
    [[1, 0], [1, 1]]
    """
    with _name_scope("confusion_matrix"):
        labels = _class_ids("labels", labels)
        predictions = _class_ids("predictions", predictions)
        if labels.shape != predictions.shape:
            raise _ShapeError("confusion_matrix", f"labels and predictions must have one value "
                                                  f"per example, the same shape; got "
                                                  f"{tuple(labels.shape)} and "
                                                  f"{tuple(predictions.shape)}")
        found = max([int(reduce_max(ids)) + 1 for ids in (labels, predictions)
                     if ids.shape[0]] or [0])
        classes = found if num_classes is None else _arguments.count(
            "confusion_matrix", "num_classes", num_classes)
        for what, ids in (("labels", labels), ("predictions", predictions)):
            if ids.shape[0] and int(reduce_max(ids)) >= classes:
                raise _InvalidArgumentError(
                    "confusion_matrix", f"{what} must be class ids below num_classes="
                                        f"{classes}; got {int(reduce_max(ids))}")
        dtype = _arguments.dtype("confusion_matrix", "dtype", dtype, optional=False)
        counted = _ones_like(labels, dtype) if weights is None else _cast(weights, dtype)
        cells = unsorted_segment_sum(counted, labels * classes + predictions, classes * classes)
        return _reshape(cells, [classes, classes])


def in_top_k(targets, predictions, k, name=None):
    """Whether each row's target class is among its k highest predictions (ties at the k-th
    value count as in; a target out of range, or a row with NaN or inf, as not).

    >>> import tapeviz as tf
    >>> tf.math.in_top_k([0, 2], [[0.1, 0.5, 0.4], [0.3, 0.2, 0.9]], k=2).numpy().tolist()
    [False, True]
    """
    op = "in_top_k"
    predictions = _arguments.tensor_of(op, "predictions", predictions)
    targets = _arguments.tensor_of(op, "targets", targets)
    if predictions.dtype.name != "float32" or len(predictions.shape) != 2:
        raise _DTypeError(op, f"predictions must be a float32 matrix (batch, classes); got "
                              f"{predictions.dtype.name} of shape {tuple(predictions.shape)}")
    if not targets.dtype.is_integer or tuple(targets.shape) != tuple(predictions.shape[:1]):
        raise _DTypeError(op, f"targets must be {predictions.shape[0]} integer class ids, one "
                              f"per row of predictions; got {targets.dtype.name} of shape "
                              f"{tuple(targets.shape)}")
    k = _arguments.count(op, "k", k)
    classes = predictions.shape[1]
    with _name_scope(op):
        known = logical_and(greater_equal(targets, 0), less(targets, classes))
        target = _gather(predictions, _clip_by_value(targets, 0, max(classes - 1, 0)),
                        batch_dims=1)
        above = reduce_sum(_cast(greater(predictions, _expand_dims(target, 1)), _dtypes.int32),
                           axis=1)
        return logical_and(logical_and(known, reduce_all(is_finite(predictions), axis=1)),
                           less(above, k))


def zero_fraction(value, name=None):
    """The share of `value`'s entries that are 0, as a float32 scalar.

    >>> import tapeviz as tf
    >>> float(tf.math.zero_fraction([0.0, 1.0, 0.0, 3.0]))
    0.5
    """
    with _name_scope("zero_fraction"):
        return reduce_mean(_cast(equal(value, _zeros_like(value)), _dtypes.float32))


def _class_ids(what: str, ids):
    """`ids` as a vector of int64 class ids (a trailing axis of 1 dropped, floats truncated,
    as TF's confusion_matrix casts them)."""
    ids = _arguments.tensor_of("confusion_matrix", what, ids)
    if len(ids.shape) == 2 and ids.shape[1] == 1:
        ids = _reshape(ids, [-1])
    if len(ids.shape) != 1:
        raise _ShapeError("confusion_matrix", f"{what} must be a vector of class ids, one per "
                                              f"example; got shape {tuple(ids.shape)}")
    ids = _cast(ids, _dtypes.int64)
    if ids.shape[0] and int(reduce_min(ids)) < 0:
        raise _InvalidArgumentError("confusion_matrix", f"{what} must be class ids, 0 or more; "
                                                        f"got {int(reduce_min(ids))}")
    return ids


mod = floormod   # TF's alias

# (pytest, given this file to doctest, rewrites it and adds @py_builtins: not a name of ours)
__all__ = [name for name in dir() if name.isidentifier() and not name.startswith("_")]


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing('math', __name__, name)
