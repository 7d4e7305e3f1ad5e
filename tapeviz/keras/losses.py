"""`tapeviz.keras.losses`: Keras's loss classes and functions, written with tapeviz ops.

A loss function maps `(y_true, y_pred)` to one value per example; a `Loss` object
weights those by `sample_weight` and reduces them (the mean over the batch by default).
Every step is a tapeviz op, so gradients flow and the debugger sees each one under the
loss's name scope. Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras does; the
`from_logits=True` paths use `tf.nn`'s overflow-safe ops.
"""
from __future__ import annotations

import math

import numpy as np

from ..coverage import missing as _missing
from .. import arguments
from ..creation import convert_to_tensor
from ..dispatch import name_scope
from ..dtypes import as_dtype
from ..errors import (DTypeError, InvalidArgumentError, OpError, ShapeError, bad_argument,
                      describe, unknown_name as _unknown_name)
from ..fpwarnings import warn_from_user_line
from ..nn import (sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits,
                  sparse_softmax_cross_entropy_with_logits)
from ..ops.math import abs, clip_by_value, divide_no_nan, log, square, where
from ..ops.assign import cast
from ..ops.reduce import reduce_mean, reduce_sum
from ..ops.shape import broadcast_to, expand_dims, squeeze
from ..tensor import Tensor

EPSILON = 1e-7  # Keras's backend.epsilon()

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "CosineSimilarity", "Hinge", "Huber",
           "KLD", "KLDivergence", "LogCosh", "Loss", "MAE", "MSE", "MeanAbsoluteError",
           "MeanSquaredError", "Reduction", "SparseCategoricalCrossentropy",
           "binary_crossentropy", "categorical_crossentropy", "cosine_similarity", "deserialize",
           "get", "hinge", "huber", "kld", "kullback_leibler_divergence", "logcosh", "mae",
           "mean_absolute_error", "mean_squared_error", "mse", "serialize",
           "sparse_categorical_crossentropy"]


def _refuse_data(loss, arguments: tuple) -> None:
    """`SparseCategoricalCrossentropy(y_true, y_pred)`: the data given to the class, whose
    arguments are settings (from_logits, reduction), instead of to the loss it makes. A
    scalar is a setting (Huber's delta as tf.constant(2.0)); data has a batch axis."""
    for value in arguments:
        if isinstance(value, (Tensor, np.ndarray)) and np.ndim(value) >= 1:
            name = type(loss).__name__
            raise InvalidArgumentError(name, f"was given data as a setting ({describe(value)}): "
                                             f"a loss class is made first, then called with "
                                             f"the data",
                                       hint=f"loss_fn = tf.keras.losses.{name}(); "
                                            f"loss = loss_fn(y_true, y_pred)")


class Reduction:
    """TF's legacy names for a `Loss`'s reductions (`tf.keras.losses.Reduction`)."""

    AUTO, NONE, SUM, SUM_OVER_BATCH_SIZE = "auto", "none", "sum", "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple:
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)


# Keras 3's reductions; 'auto' is Keras 2's default (sum_over_batch_size), which Keras 3 refuses
# and tapeviz still takes, so TF 2.0-2.15 programs run (README's differences)
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None,
              "auto")


def standardize_reduction(owner: str, reduction):
    """`reduction` if it is one of REDUCTIONS, else an error naming the loss."""
    if isinstance(reduction, (Tensor, np.ndarray)) or reduction not in REDUCTIONS:
        raise InvalidArgumentError(owner, f"Invalid value for argument `reduction`. Expected "
                                          f"one of {REDUCTIONS}. Received: reduction="
                                          f"{describe(reduction)}")
    return reduction


def loss_dtype(owner: str, dtype) -> str:
    """The float dtype a loss computes in: `dtype`, or keras.backend.floatx() for None. An
    integer one is refused (TF 2.21 truncates the predictions to it and returns a loss of
    float32 zeros, silently: README's differences)."""
    from .backend import floatx
    if dtype is None:
        return floatx()
    try:
        chosen = as_dtype(dtype)
    except DTypeError:
        chosen = None
    if chosen is None or not chosen.is_floating:
        raise bad_argument(owner, "dtype", "a float dtype ('float16', 'float32', 'float64') "
                           "or None (keras.backend.floatx())", dtype, InvalidArgumentError)
    return chosen.name


# ---- input checks shared by the functions ------------------------------------------------
def pred_and_true(y_true, y_pred):
    """Both as tensors, y_true cast to y_pred's dtype (as Keras casts it)."""
    y_pred = _as_tensor("y_pred", y_pred)
    y_true = _as_tensor("y_true", y_true)
    if y_true.dtype != y_pred.dtype:
        y_true = cast(y_true, y_pred.dtype)
    return y_true, y_pred


def _mean_last(errors):
    """The mean over the last axis, float32 for int errors as Keras's ops.mean gives it (an
    int mean would truncate: mse([1, 2], [0, 0]) is 2.5, not 2)."""
    if not errors.dtype.is_floating:
        errors = cast(errors, "float32")
    return reduce_mean(errors, axis=-1)


def _as_tensor(name: str, value):
    """convert_to_tensor(value), an error naming the argument (y_true or y_pred) it was."""
    try:
        return convert_to_tensor(value)
    except OpError as error:
        raise type(error)(error.op, f"{name}: {error.detail}", error.hint) from None


def _check_broadcast(loss: str, y_true, y_pred) -> None:
    try:
        out = np.broadcast_shapes(tuple(y_true.shape), tuple(y_pred.shape))
    except ValueError:
        raise ShapeError(loss, f"y_true and y_pred must have broadcastable shapes; got y_true "
                               f"{tuple(y_true.shape)} and y_pred {tuple(y_pred.shape)}") from None
    if out != tuple(y_pred.shape) and out != tuple(y_true.shape):
        # the classic trap: labels (N,) against predictions (N, 1) broadcast to (N, N)
        warn_from_user_line(f"{loss}: y_true {tuple(y_true.shape)} and y_pred "
                            f"{tuple(y_pred.shape)} broadcast to {out}, larger than either; "
                            f"reshape one of them (the loss classes squeeze a trailing 1 for "
                            f"you)")


class LogitsAsProbabilitiesWarning(UserWarning):
    """A loss that expects probabilities (from_logits=False) was given values outside [0, 1]."""


def _check_probabilities(loss: str, y_pred, activation: str) -> None:
    """Warn from the user's line when y_pred, read as probabilities, holds a finite value
    outside [0, 1] among its first few: logits, clipped by the loss into a wrong loss,
    silently (the first 8 values settle it: no full scan on the training path)."""
    head = np.asarray(y_pred._value).flat[:8].tolist()
    if all(0.0 <= v <= 1.0 or not math.isfinite(v) for v in head):
        return   # (NaN and Inf are another bug: find_nan_origin's)
    side = "below 0" if min(head) < 0.0 else "above 1"   # one text a line: warned once there
    warn_from_user_line(
        f"{loss}: y_pred has values {side}: these are logits, not the probabilities this "
        f"loss expects with from_logits=False. It clips them to [1e-7, 1 - 1e-7], so the "
        f"model learns from a wrong loss, silently. Pass from_logits=True (the last layer "
        f"is Dense(k) with no activation), or end the model with "
        f"activation='{activation}'.", LogitsAsProbabilitiesWarning)


def squeeze_or_expand_dimensions(y_true, y_pred):
    """Keras's squeeze_or_expand_dimensions: drop a trailing 1 when the ranks differ by one."""
    diff = y_pred.ndim - y_true.ndim
    if diff == 1 and y_pred.shape[-1] == 1:
        y_pred = squeeze(y_pred, [-1])
    elif diff == -1 and y_true.shape[-1] == 1:
        y_true = squeeze(y_true, [-1])
    return y_true, y_pred


def same_rank(y_true, y_pred):
    """Keras 3's squeeze_or_expand_to_same_rank, applied first by its mean_squared_error,
    mean_absolute_error, huber, log_cosh and cosine_similarity: labels (N,) against outputs
    (N, 1) are compared row by row, as (N, 1) and (N, 1), not broadcast to (N, N)."""
    y_true, y_pred = pred_and_true(y_true, y_pred)
    diff = y_pred.ndim - y_true.ndim
    if diff == 1 and y_pred.shape[-1] == 1:
        return (expand_dims(y_true, -1), y_pred) if y_true.ndim == 1 else \
            (y_true, squeeze(y_pred, [-1]))
    if diff == -1 and y_true.shape[-1] == 1:
        return (y_true, expand_dims(y_pred, -1)) if y_pred.ndim == 1 else \
            (squeeze(y_true, [-1]), y_pred)
    return y_true, y_pred


# ---- the loss functions: one value per example (the last axis is reduced) -----------------
def mean_squared_error(y_true, y_pred):
    """mean(square(y_pred - y_true), axis=-1).

    >>> import tapeviz as tf
    >>> tf.keras.losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
    array([0.5], dtype=float32)
    """
    y_true, y_pred = same_rank(y_true, y_pred)
    _check_broadcast("mean_squared_error", y_true, y_pred)
    return _mean_last(square(y_pred - y_true))


def mean_absolute_error(y_true, y_pred):
    """mean(abs(y_pred - y_true), axis=-1)."""
    y_true, y_pred = same_rank(y_true, y_pred)
    _check_broadcast("mean_absolute_error", y_true, y_pred)
    return _mean_last(abs(y_pred - y_true))


def huber(y_true, y_pred, delta=1.0):
    """mean over the last axis of 0.5 e**2 where |e| <= delta, else delta (|e| - delta / 2)."""
    y_true, y_pred = same_rank(y_true, y_pred)
    _check_broadcast("huber", y_true, y_pred)
    error = y_pred - y_true
    abs_error = abs(error)
    delta = arguments.number("huber", "delta", delta)
    return reduce_mean(where(abs_error <= delta, 0.5 * square(error),
                             delta * abs_error - 0.5 * delta * delta), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over `axis` of -(y log p + (1 - y) log(1 - p)); p clipped unless from_logits.

    >>> import tapeviz as tf
    >>> loss = tf.keras.losses.binary_crossentropy([[1.0]], [[1000.0]], from_logits=True)
    >>> loss.numpy()
    array([0.], dtype=float32)
    """
    y_true, y_pred = pred_and_true(y_true, y_pred)
    if y_true.ndim != y_pred.ndim:   # TF's refuses them too; its class squeezes a 1 first
        raise ShapeError("binary_crossentropy", f"y_true and y_pred must have the same rank; "
                                                f"got y_true {tuple(y_true.shape)} and y_pred "
                                                f"{tuple(y_pred.shape)}",
                         hint="give both one shape (tf.reshape(y_true, (-1, 1))), or use the "
                              "class, which squeezes a trailing 1: BinaryCrossentropy()")
    _check_broadcast("binary_crossentropy", y_true, y_pred)
    from_logits = arguments.flag("binary_crossentropy", "from_logits", from_logits)
    label_smoothing = arguments.number("binary_crossentropy", "label_smoothing", label_smoothing)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        shape = np.broadcast_shapes(tuple(y_true.shape), tuple(y_pred.shape))
        if tuple(y_true.shape) != shape:  # the nn op wants equal shapes
            y_true = broadcast_to(y_true, shape)
        if tuple(y_pred.shape) != shape:
            y_pred = broadcast_to(y_pred, shape)
        return reduce_mean(sigmoid_cross_entropy_with_logits(y_true, y_pred), axis=axis)
    _check_probabilities("binary_crossentropy", y_pred, "sigmoid")
    p = clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)  # Keras 3: clipped, no epsilon added
    bce = y_true * log(p) + (1.0 - y_true) * log(1.0 - p)
    return reduce_mean(-bce, axis=axis)


def _check_swapped_one_hot(loss: str, y_true, y_pred) -> None:
    """Warn from the user's line when y_pred's first row is exactly one-hot and y_true's is
    not: `loss(predictions, labels)`, which TF computes silently (~16 a row) and trains the
    wrong way; one row is read, no scan on the training path. Soft labels of two nonzero
    values over three or more classes (smoothed, or mixed up from two) are labels: a
    prediction saturated to one-hot beside them is the model's, not swapped."""
    if y_pred.ndim == 0 or y_pred.shape[-1] == 0 or y_pred._value.size == 0:
        return
    pred = y_pred._value.reshape(-1, y_pred.shape[-1])[0]
    true = y_true._value.reshape(-1, y_true.shape[-1])[0]
    if np.count_nonzero(pred == 1) == 1 and np.count_nonzero(pred) == 1 \
            and not np.all((true == 0) | (true == 1)) \
            and (true.size <= 2 or np.unique(true[true != 0]).size > 2):
        warn_from_user_line(f"{loss}: the arguments look swapped: y_pred is exactly one-hot, as "
                            f"labels are, and y_true is not, as predictions are. Keras losses "
                            f"take (y_true, y_pred), labels first: loss(labels, predictions).")


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(p)) over `axis`, y_true one-hot (or a distribution) per example.

    >>> import tapeviz as tf
    >>> loss = tf.keras.losses.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]])
    >>> round(float(loss[0]), 4)
    0.6931
    """
    name = "categorical_crossentropy"
    y_true, y_pred = pred_and_true(y_true, y_pred)
    from_logits = arguments.flag(name, "from_logits", from_logits)
    label_smoothing = arguments.number(name, "label_smoothing", label_smoothing)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        hint = None
        if y_true.ndim == y_pred.ndim - 1 or (y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1):
            hint = "y_true looks like integer class labels: use sparse_categorical_crossentropy " \
                   "(SparseCategoricalCrossentropy), or one-hot encode them (tf.one_hot)"
        raise ShapeError(name, f"y_true and y_pred must have the same shape (y_true one-hot); "
                               f"got y_true {tuple(y_true.shape)} and y_pred "
                               f"{tuple(y_pred.shape)}", hint=hint)
    _check_swapped_one_hot(name, y_true, y_pred)
    if label_smoothing:
        classes = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    if from_logits:
        return softmax_cross_entropy_with_logits(y_true, y_pred, axis=axis)
    _check_probabilities(name, y_pred, "softmax")
    p = y_pred / reduce_sum(y_pred, axis=axis, keepdims=True)
    p = clip_by_value(p, EPSILON, 1.0 - EPSILON)
    return -reduce_sum(y_true * log(p), axis=axis)


def _label_range_hint(labels, classes: int) -> str | None:
    """The usual cause of class indices out of range: labels counted from 1, or a last layer
    with fewer units than classes (a one-unit layer given labels 1 has too few, not 1-based
    labels: subtracting 1 would leave one class)."""
    if np.any(labels != np.round(labels)) or labels.min() < 0:
        return None
    if classes > 1 and labels.min() >= 1 and labels.max() == classes:
        return f"the labels look 1-based (1 to {classes}): subtract 1, y - 1"
    top = int(labels.max())
    return f"the model gives {classes} classes: labels up to {top} need a last layer of " \
           f"{top + 1} units, Dense({top + 1})"


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """-log(p[label]) per example, y_true holding integer class indices.

    >>> import tapeviz as tf
    >>> loss = tf.keras.losses.sparse_categorical_crossentropy([1], [[0.5, 0.5]])
    >>> round(float(loss[0]), 4)
    0.6931
    """
    name = "sparse_categorical_crossentropy"
    y_pred = _as_tensor("y_pred", y_pred)
    y_true = _as_tensor("y_true", y_true)
    from_logits = arguments.flag(name, "from_logits", from_logits)
    if arguments.count(name, "axis", axis, minimum=None) not in (-1, y_pred.ndim - 1):
        raise InvalidArgumentError(name, f"only the last axis holds classes; got axis={axis}")
    if y_true.ndim == y_pred.ndim and y_true.ndim and y_true.shape[-1] == 1:
        y_true = squeeze(y_true, [-1])  # labels (N, 1), as Keras accepts
    got = f"got y_true {tuple(y_true.shape)} and y_pred {tuple(y_pred.shape)}"
    if y_pred.ndim < 1 or tuple(y_true.shape) != tuple(y_pred.shape)[:-1]:
        hint = None
        if tuple(y_true.shape) == tuple(y_pred.shape):
            hint = "y_true looks one-hot: use categorical_crossentropy (CategoricalCrossentropy)"
        elif tuple(y_pred.shape) == tuple(y_true.shape)[:-1]:   # (N, C) given as y_true
            hint = "the arguments look swapped: Keras losses take (y_true, y_pred), labels " \
                   "first: loss(labels, logits)"
        raise ShapeError(name, f"y_true must hold one class index per example, shape "
                               f"{tuple(y_pred.shape)[:-1]} (y_pred without its class axis); {got}",
                         hint=hint)
    labels = np.asarray(y_true)
    classes = y_pred.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes
                        or np.any(labels != np.round(labels))):
        raise InvalidArgumentError(name, f"y_true must hold integer class indices in [0, "
                                         f"{classes}) for y_pred's {classes} classes; got "
                                         f"values from {labels.min()} to {labels.max()}",
                                   hint=_label_range_hint(labels, classes))
    if y_true.dtype.name not in ("int32", "int64"):
        y_true = cast(y_true, "int64")
    if not from_logits:  # Keras: log of the clipped probabilities, renormalized by the op
        _check_probabilities(name, y_pred, "softmax")
        y_pred = log(clip_by_value(y_pred, EPSILON, 1.0 - EPSILON))
    return sparse_softmax_cross_entropy_with_logits(y_true, y_pred)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# ---- weighting and reduction ---------------------------------------------------------------
def compute_weighted_loss(losses, sample_weight=None, reduction="sum_over_batch_size",
                          name: str = "loss"):
    """Per-example `losses` times `sample_weight`, reduced as `reduction` says (Keras 3's
    reduce_weighted_values)."""
    reduction = standardize_reduction(name, reduction)
    weight = None
    if sample_weight is not None:
        weight = convert_to_tensor(sample_weight)
        if weight.dtype != losses.dtype:
            weight = cast(weight, losses.dtype)
        if weight.ndim == losses.ndim + 1 and weight.shape[-1] == 1:
            weight = squeeze(weight, [-1])
        elif weight.ndim == losses.ndim - 1 and weight.ndim:
            weight = expand_dims(weight, -1)
        try:
            np.broadcast_shapes(tuple(weight.shape), tuple(losses.shape))
        except ValueError:
            raise ShapeError(name, f"sample_weight must broadcast to the per-example losses "
                                   f"{tuple(losses.shape)}; got sample_weight "
                                   f"{tuple(weight.shape)}") from None
        losses = losses * weight
    if reduction in (None, "none"):
        return losses
    if reduction == "sum":
        return reduce_sum(losses)
    if reduction == "mean_with_sample_weight" and weight is not None:
        return divide_no_nan(reduce_sum(losses), reduce_sum(weight))
    return reduce_mean(losses)  # sum over the number of elements, as Keras's _safe_mean


# ---- the classes -----------------------------------------------------------------------------
class Loss:
    """Base class: `__call__` weights and reduces what `call(y_true, y_pred)` returns per example.

    >>> import tapeviz as tf
    >>> class Abs(tf.keras.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return tf.abs(y_pred - y_true)
    >>> Abs()([1.0, 2.0], [2.0, 4.0]).numpy()
    np.float32(1.5)
    """

    def __init__(self, name: str | None = None, reduction="sum_over_batch_size", dtype=None):
        _refuse_data(self, (name, reduction, dtype))
        self.reduction = standardize_reduction(type(self).__name__, reduction)
        self._dtype = loss_dtype(type(self).__name__, dtype)
        self.name = name or "".join("_" + c.lower() if c.isupper() else c
                                    for c in type(self).__name__).lstrip("_")

    @property
    def dtype(self) -> str:
        """The float dtype the loss computes in (Keras 3: its inputs are cast to it)."""
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        with name_scope(self.name):
            losses = self.call(self._labels(y_true), self._in_dtype("y_pred", y_pred))
            return compute_weighted_loss(losses, sample_weight, self.reduction, self.name)

    def _in_dtype(self, name: str, value) -> Tensor:
        """`value` as a tensor of the loss's dtype, as Keras 3 converts both inputs (int
        predictions would otherwise truncate y_true = 0.5 to 0)."""
        value = _as_tensor(name, value)
        return value if value.dtype == self._dtype else cast(value, self._dtype)

    def _labels(self, y_true) -> Tensor:
        return self._in_dtype("y_true", y_true)

    def call(self, y_true, y_pred) -> Tensor:
        raise NotImplementedError("Loss subclasses must implement call(y_true, y_pred)")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A Loss around a loss function and its keyword arguments (how the Keras classes are made)."""

    def __init__(self, fn, reduction="sum_over_batch_size", name: str | None = None,
                 dtype=None, **kwargs):
        _refuse_data(self, (reduction, name, dtype, *kwargs.values()))
        super().__init__(name or fn.__name__, reduction, dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred) -> Tensor:
        if self.fn is not sparse_categorical_crossentropy:
            y_true, y_pred = squeeze_or_expand_dimensions(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _labels(self, y_true) -> Tensor:
        """Class indices stay integers (Keras casts them to float and the loss back)."""
        if self.fn is sparse_categorical_crossentropy:
            return _as_tensor("y_true", y_true)
        return super()._labels(y_true)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of integer labels against class probabilities (or logits).

    >>> import tapeviz as tf
    >>> loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> round(float(loss([0, 1], [[0.0, 0.0], [0.0, 0.0]])), 4)
    0.6931
    """

    def __init__(self, from_logits=False, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of one-hot labels against class probabilities (or logits)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy of 0/1 labels against probabilities (or logits), mean over the last axis."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors over the last axis, then over the batch.

    >>> import tapeviz as tf
    >>> tf.keras.losses.MeanSquaredError()([[0.0], [1.0]], [[1.0], [1.0]]).numpy()
    np.float32(0.5)
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction, name, dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors over the last axis, then over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction, name, dtype)


class Huber(LossFunctionWrapper):
    """Quadratic for errors up to `delta`, linear beyond (robust regression)."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


_BY_NAME = {
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error,
    "huber": huber, "huber_loss": huber,
}
_CLASSES = {cls.__name__: cls for cls in (SparseCategoricalCrossentropy, CategoricalCrossentropy,
                                          BinaryCrossentropy, MeanSquaredError,
                                          MeanAbsoluteError, Huber)}


def get(identifier):
    """A loss from a name ('mse', 'sparse_categorical_crossentropy', 'Huber'), a Loss or a callable.

    >>> import tapeviz as tf
    >>> tf.keras.losses.get("mse").__name__
    'mean_squared_error'
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        fn = _BY_NAME.get(identifier.lower())
        if fn is None:
            raise _unknown_name("loss", "Unknown loss function", identifier,
                               [*_BY_NAME, *_CLASSES])
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")


def serialize(loss) -> dict | str:
    """A loss as {'class_name', 'config'} (a Loss) or its name (a function)."""
    if isinstance(loss, Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    return loss.__name__


def deserialize(config):
    """The inverse of `serialize`."""
    if isinstance(config, str):
        return get(config)
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Unknown loss class: {config.get('class_name')!r}")
    return cls.from_config(config.get("config", {}))


# losses of margins, divergences and directions, in their own module: they use the helpers above
from .distance_losses import (CosineSimilarity, Hinge, KLDivergence, LogCosh,  # noqa: E402
                              cosine_similarity, hinge, kl_divergence as kld,
                              log_cosh as logcosh)

KLD = kullback_leibler_divergence = kld   # tf.keras's names for Keras 3's kl_divergence
_BY_NAME.update(hinge=hinge, kld=kld, kl_divergence=kld, kullback_leibler_divergence=kld,
                logcosh=logcosh, log_cosh=logcosh, cosine_similarity=cosine_similarity)
_CLASSES.update(Hinge=Hinge, KLDivergence=KLDivergence, LogCosh=LogCosh,
                CosineSimilarity=CosineSimilarity)


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing('keras.losses', __name__, name)
