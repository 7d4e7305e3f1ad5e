"""`tf.math`'s counting functions for judging a classifier: `confusion_matrix`, `in_top_k`,
`bincount` and `zero_fraction`, composed of ops under their name scopes (tf.math exports them).
"""
from __future__ import annotations

from . import arguments, creation, dtypes
from .creation import ones_like, zeros_like
from .dispatch import name_scope
from .errors import (DTypeError, InvalidArgumentError, KernelDTypeError, ShapeError, attr_words,
                     in_tf_words, tf_shape)
from .ops.gather import boolean_mask, gather
from .ops.math import clip_by_value
from .ops.assign import cast
from .ops.compare import equal, greater, greater_equal, is_finite, less, logical_and
from .ops.reduce import reduce_all, reduce_max, reduce_mean, reduce_min, reduce_sum
from .ops.segment import unsorted_segment_sum
from .ops.shape import expand_dims, reshape


def _stacked_words(labels, predictions) -> str:
    """TF's words for labels and predictions of two shapes: its confusion_matrix stacks them."""
    return in_tf_words(f"Shapes of all inputs must match: values[0].shape = "
                       f"{tf_shape(labels.shape)} != values[1].shape = "
                       f"{tf_shape(predictions.shape)}")


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32,
                     name=None):
    """A num_classes x num_classes matrix whose [i, j] counts (or sums the `weights` of) the
    examples of class i (`labels`) predicted as class j (`predictions`).

    >>> import tapeviz as tf
    >>> tf.math.confusion_matrix([0, 1, 1], [0, 1, 0]).numpy().tolist()
    [[1, 0], [1, 1]]
    """
    with name_scope("confusion_matrix"):
        labels = _class_ids("labels", labels)
        predictions = _class_ids("predictions", predictions)
        if labels.shape != predictions.shape:
            raise ShapeError("confusion_matrix", f"labels and predictions must have one value "
                                                  f"per example, the same shape; got "
                                                  f"{tuple(labels.shape)} and "
                                                  f"{tuple(predictions.shape)}"
                                                  + _stacked_words(labels, predictions))
        found = max([int(reduce_max(ids)) + 1 for ids in (labels, predictions)
                     if ids.shape[0]] or [0])
        classes = found if num_classes is None else arguments.count(
            "confusion_matrix", "num_classes", num_classes)
        for what, ids in (("labels", labels), ("predictions", predictions)):
            if ids.shape[0] and int(reduce_max(ids)) >= classes:
                raise InvalidArgumentError(
                    "confusion_matrix", f"{what} must be class ids below num_classes="
                                        f"{classes}; got {int(reduce_max(ids))}")
        dtype = arguments.dtype("confusion_matrix", "dtype", dtype, optional=False)
        counted = ones_like(labels, dtype) if weights is None else cast(weights, dtype)
        cells = unsorted_segment_sum(counted, labels * classes + predictions, classes * classes)
        return reshape(cells, [classes, classes])


def in_top_k(targets, predictions, k, name=None):
    """Whether each row's target class is among its k highest predictions (ties at the k-th
    value count as in; a target out of range, or a row with NaN or inf, as not).

    >>> import tapeviz as tf
    >>> tf.math.in_top_k([0, 2], [[0.1, 0.5, 0.4], [0.3, 0.2, 0.9]], k=2).numpy().tolist()
    [False, True]
    """
    op = "in_top_k"
    predictions = arguments.tensor_of(op, "predictions", predictions)
    targets = arguments.tensor_of(op, "targets", targets)
    if predictions.dtype.name != "float32" or len(predictions.shape) != 2:
        raise DTypeError(op, f"predictions must be a float32 matrix (batch, classes); got "
                              f"{predictions.dtype.name} of shape {tuple(predictions.shape)}")
    if not targets.dtype.is_integer or tuple(targets.shape) != tuple(predictions.shape[:1]):
        tf_words = "" if targets.dtype.is_integer else attr_words(targets.dtype.name)
        raise KernelDTypeError(op, f"targets must be {predictions.shape[0]} integer class "
                                    f"ids, one per row of predictions; got {targets.dtype.name} "
                                    f"of shape {tuple(targets.shape)}{tf_words}")
    k = arguments.count(op, "k", k)
    classes = predictions.shape[1]
    with name_scope(op):
        known = logical_and(greater_equal(targets, 0), less(targets, classes))
        target = gather(predictions, clip_by_value(targets, 0, max(classes - 1, 0)),
                        batch_dims=1)
        above = reduce_sum(cast(greater(predictions, expand_dims(target, 1)), dtypes.int32),
                           axis=1)
        return logical_and(logical_and(known, reduce_all(is_finite(predictions), axis=1)),
                           less(above, k))


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None,
             axis=None, binary_output=False):
    """How often each value 0, 1, ... occurs in `arr` (or the sum of its `weights`), up to its
    largest value (at least minlength, at most maxlength); per row of a matrix with axis=-1.

    >>> import tapeviz as tf
    >>> tf.math.bincount([1, 1, 3]).numpy().tolist()
    [0, 2, 0, 1]
    """
    op = "bincount"
    ids = cast(arguments.tensor_of(op, "arr", arr), dtypes.int32)
    values = ids.numpy()
    if values.size and values.min() < 0:
        raise InvalidArgumentError(op, f"arr must hold values 0 or more (the bins they count "
                                       f"in); got {values.min()}")
    if axis not in (None, 0, -1) or (axis == -1 and values.ndim != 2):
        raise InvalidArgumentError(op, f"axis must be None or 0 (one count of all of arr) or -1 "
                                       f"(one per row of a matrix); got axis={axis!r} for arr "
                                       f"of shape {values.shape}")
    length = int(values.max()) + 1 if values.size else 0
    length = max(length, int(minlength)) if minlength is not None else length
    length = min(length, int(maxlength)) if maxlength is not None else length
    if weights is None:
        counted = ones_like(ids, arguments.dtype(op, "dtype", dtype, optional=False))
    else:
        counted = arguments.tensor_of(op, "weights", weights)
        if tuple(counted.shape) != values.shape:
            raise ShapeError(op, f"weights must have arr's shape {values.shape}, one weight a "
                                 f"value; got {tuple(counted.shape)}")
    rows = values.shape[0] if axis == -1 else 1
    with name_scope(op):
        kept = reshape(less(ids, length), [-1])   # values past maxlength count nowhere
        if axis == -1:   # row r counts into bins r * length, ..., r * length + length - 1
            ids = ids + expand_dims(creation.range(0, rows * length, max(length, 1),
                                                   dtype=dtypes.int32), 1)
        bins = unsorted_segment_sum(boolean_mask(reshape(counted, [-1]), kept),
                                    boolean_mask(reshape(ids, [-1]), kept), rows * length)
        bins = reshape(bins, [rows, length]) if axis == -1 else bins
        return cast(greater(bins, zeros_like(bins)), bins.dtype) if binary_output else bins


def zero_fraction(value, name=None):
    """The share of `value`'s entries that are 0, as a float32 scalar.

    >>> import tapeviz as tf
    >>> float(tf.math.zero_fraction([0.0, 1.0, 0.0, 3.0]))
    0.5
    """
    with name_scope("zero_fraction"):
        return reduce_mean(cast(equal(value, zeros_like(value)), dtypes.float32))


def _class_ids(what: str, ids):
    """`ids` as a vector of int64 class ids (a trailing axis of 1 dropped, floats truncated,
    as TF's confusion_matrix casts them)."""
    ids = arguments.tensor_of("confusion_matrix", what, ids)
    if len(ids.shape) == 2 and ids.shape[1] == 1:
        ids = reshape(ids, [-1])
    if len(ids.shape) != 1:
        raise ShapeError("confusion_matrix", f"{what} must be a vector of class ids, one per "
                                              f"example; got shape {tuple(ids.shape)}")
    ids = cast(ids, dtypes.int64)
    if ids.shape[0] and int(reduce_min(ids)) < 0:
        raise InvalidArgumentError("confusion_matrix", f"{what} must be class ids, 0 or more; "
                                                        f"got {int(reduce_min(ids))}")
    return ids
