"""`tapeviz.keras.losses`: Keras's loss classes and functions, written with tapeviz ops.

A loss function maps `(y_true, y_pred)` to one value per example; a `Loss` object
weights those by `sample_weight` and reduces them (the mean over the batch by default).
Every step is a tapeviz op, so gradients flow and the debugger sees each one under the
loss's name scope. Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras does; the
`from_logits=True` paths use `tf.nn`'s overflow-safe ops. The `Loss` base class and its
weighting and reduction are loss_base.py's; the input checks and warnings the functions
share loss_inputs.py's.
"""
from __future__ import annotations

import numpy as np

from ..coverage import missing as _missing
from .. import arguments
from ..creation import convert_to_tensor
from ..errors import InvalidArgumentError, ShapeError, unknown_name as _unknown_name
from ..nn import (sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits,
                  sparse_softmax_cross_entropy_with_logits)
from ..logits_check import check_softmax_logits
from ..ops.math import abs, clip_by_value, log, square, where
from ..ops.nn import sparse_softmax_cross_entropy
from ..ops.assign import cast
from ..ops.reduce import reduce_mean, reduce_sum
from ..ops.shape import broadcast_to, squeeze
from ..tensor import Tensor
from . import sparse_ce_checked
from .loss_base import Loss, Reduction, _refuse_data
from .loss_inputs import (EPSILON, LogitsAsProbabilitiesWarning,  # noqa: F401 (users filter it)
                          _as_tensor, _check_broadcast, _check_probabilities,
                          _check_swapped_one_hot, _mean_last, check_class_indices,
                          pred_and_true, same_rank, squeeze_or_expand_dimensions)

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "CosineSimilarity", "Hinge", "Huber",
           "KLD", "KLDivergence", "LogCosh", "Loss", "MAE", "MSE", "MeanAbsoluteError",
           "MeanSquaredError", "Reduction", "SparseCategoricalCrossentropy",
           "binary_crossentropy", "categorical_crossentropy", "cosine_similarity", "deserialize",
           "get", "hinge", "huber", "kld", "kullback_leibler_divergence", "logcosh", "mae",
           "mean_absolute_error", "mean_squared_error", "mse", "serialize",
           "sparse_categorical_crossentropy"]


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


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """-log(p[label]) per example, y_true holding integer class indices; 0 where the label
    is `ignore_class` (Keras 3's: a segmentation's unlabelled pixels), whatever its value.

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
    ignored = None
    if ignore_class is not None:
        ignored = y_true._value == arguments.count(name, "ignore_class", ignore_class,
                                                   minimum=None)
        y_true = convert_to_tensor(np.where(ignored, 0, y_true._value).astype(y_true.dtype.name))
    got = f"got y_true {tuple(y_true.shape)} and y_pred {tuple(y_pred.shape)}"
    if y_pred.ndim < 1 or tuple(y_true.shape) != tuple(y_pred.shape)[:-1]:
        hint = None
        if tuple(y_true.shape) == tuple(y_pred.shape):
            hint = "y_true looks one-hot: use categorical_crossentropy (CategoricalCrossentropy)"
        elif tuple(y_pred.shape) == tuple(y_true.shape)[:-1]:   # (N, C) given as y_true
            hint = "the arguments look swapped: Keras losses take (y_true, y_pred), labels " \
                   "first: loss(labels, logits)"
        elif y_pred.ndim > 2 and tuple(y_true.shape) == tuple(y_pred.shape)[:1]:
            hint = f"y_pred has {y_pred.ndim} axes, not (batch, classes): a Dense layer given " \
                   f"a {y_pred.ndim}-D input applies to its last axis only; put Flatten() or " \
                   f"GlobalAveragePooling2D() before the last Dense"
        raise ShapeError(name, f"y_true must hold one class index per example, shape "
                               f"{tuple(y_pred.shape)[:-1]} (y_pred without its class axis); {got}",
                         hint=hint)
    check_class_indices(name, y_true._value, y_pred.shape[-1])
    if y_true.dtype.name not in ("int32", "int64"):
        y_true = cast(y_true, "int64")
    if not from_logits:  # Keras: log of the clipped probabilities, renormalized by the op
        _check_probabilities(name, y_pred, "softmax")
        y_pred = log(clip_by_value(y_pred, EPSILON, 1.0 - EPSILON))
    if y_pred._value.dtype.kind == "f":   # tf.nn's checks but the logits' made above: its row
        check_softmax_logits(_NN_LOSS, y_pred)
        losses = sparse_softmax_cross_entropy(y_true, y_pred)
    else:
        losses = sparse_softmax_cross_entropy_with_logits(y_true, y_pred)
    return losses if ignored is None else where(ignored, 0.0, losses)


_NN_LOSS = "sparse_softmax_cross_entropy_with_logits"   # the tf.nn function's name and row's


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# ---- the classes -----------------------------------------------------------------------------
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

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class)
        self.ignore_class = ignore_class
        self._checked_kinds = set()

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        """Keras 3's mask of the labels not ignored: a mean is over those alone. A call of
        a kind whose checks passed before checks only the values (sparse_ce_checked.py)."""
        kind = None
        if type(self) is SparseCategoricalCrossentropy \
                and self.fn is sparse_categorical_crossentropy:
            kind = sparse_ce_checked.kind_of(self, y_true, y_pred, sample_weight)
            if kind is not None and kind in self._checked_kinds:
                return sparse_ce_checked.checked_call(self, y_true, y_pred)
        if self.ignore_class is not None:
            labels = np.asarray(_as_tensor("y_true", y_true)._value)
            kept = (labels != self.ignore_class).astype(np.float32)
            if self.reduction in ("sum_over_batch_size", "mean"):
                kept *= np.float32(kept.size) / (kept.sum(dtype=np.float32) + np.float32(1e-7))
            kept = kept.reshape(kept.shape[:-1] if kept.ndim == len(np.shape(y_pred)) else
                                kept.shape)
            if sample_weight is not None:
                weights = np.asarray(convert_to_tensor(sample_weight)._value, np.float32)
                kept = kept * (weights.reshape(kept.shape) if weights.size == kept.size
                               else weights)
            sample_weight = kept
        loss = super().__call__(y_true, y_pred, sample_weight)
        if kind is not None:
            if len(self._checked_kinds) >= sparse_ce_checked.KINDS_KEPT:
                self._checked_kinds.clear()
            self._checked_kinds.add(kind)
        return loss


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
    if isinstance(identifier, type):   # a class where an instance goes: one with its defaults
        return identifier()
    if callable(identifier):
        return identifier
    raise InvalidArgumentError("loss", f"Could not interpret loss function identifier: "
                                       f"{identifier!r}; expected a loss's name ('mse'), a Loss "
                                       f"or a function of (y_true, y_pred)")


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


from ..namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
