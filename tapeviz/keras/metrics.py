"""`tapeviz.keras.metrics`: running averages (accuracy, mean, MSE, ...) over batches, as Keras's.

A metric keeps its state in non-trainable Variables: `update_state` folds in a batch,
`result` reads the value, `reset_state` zeroes it (`Metric`, `Sum`, `Mean` and
`RootMeanSquaredError` are metric_base.py's; Precision and Recall confusion_metrics.py's).
Here: the functions comparing y_true with y_pred, the metrics made of them, and the
lookup of a metric by name (`get`, and `resolve` for compile's 'accuracy').
"""
from __future__ import annotations

import numpy as np

from ..counting import in_top_k
from ..coverage import missing as _missing
from ..creation import convert_to_tensor
from ..errors import InvalidArgumentError, ShapeError, unknown_name as _unknown_name
from ..ops.assign import cast
from ..ops.compare import argmax, equal, greater
from ..ops.shape import squeeze
from .confusion_metrics import Precision, Recall
from .loss_inputs import _check_broadcast, squeeze_or_expand_dimensions
from .losses import (binary_crossentropy, categorical_crossentropy, mean_absolute_error,
                     mean_squared_error, sparse_categorical_crossentropy)
from .metric_base import Mean, Metric, RootMeanSquaredError, Sum

__all__ = ["Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
           "CategoricalCrossentropy", "Mean", "MeanAbsoluteError", "MeanMetricWrapper",
           "MeanSquaredError", "Metric", "Precision", "Recall", "RootMeanSquaredError",
           "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
           "SparseTopKCategoricalAccuracy", "Sum", "TopKCategoricalAccuracy", "accuracy",
           "binary_accuracy", "binary_crossentropy", "categorical_accuracy",
           "categorical_crossentropy", "get", "mae", "mse", "resolve",
           "sparse_categorical_accuracy", "sparse_categorical_crossentropy",
           "sparse_top_k_categorical_accuracy",
           "top_k_categorical_accuracy"]   # (the crossentropies: the losses', as in TF)


# ---- functions comparing y_true and y_pred, one value per example ----------------------------
def accuracy(y_true, y_pred):
    """1.0 where y_pred equals y_true, else 0.0."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    _check_broadcast("accuracy", y_true, y_pred, warn=False)   # (else said as `equal`)
    if y_pred.dtype != y_true.dtype:
        y_pred = cast(y_pred, y_true.dtype)
    return cast(equal(y_true, y_pred), "float32")


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """(y_pred > threshold) == y_true as 1.0 or 0.0 per value, as Keras 3 (Keras 2 averaged
    over the last axis; BinaryAccuracy's mean over everything is the same)."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    _check_broadcast("binary_accuracy", y_true, y_pred, warn=False)
    predicted = cast(greater(y_pred, float(threshold)), y_pred.dtype)
    if y_true.dtype != predicted.dtype:
        y_true = cast(y_true, predicted.dtype)
    return cast(equal(y_true, predicted), "float32")


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) == argmax(y_true) (one-hot labels), else 0.0."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ShapeError("categorical_accuracy", f"y_true must be one-hot with y_pred's shape; "
                                                 f"got y_true {tuple(y_true.shape)} and y_pred "
                                                 f"{tuple(y_pred.shape)}",
                         hint="integer labels need sparse_categorical_accuracy")
    return cast(equal(argmax(y_true, axis=-1), argmax(y_pred, axis=-1)), "float32")


def _sparse_labels(op: str, y_true, y_pred):
    """y_true as one class index per example of y_pred's (a trailing axis of 1 dropped)."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.ndim and y_true.shape[-1] == 1:
        y_true = squeeze(y_true, [-1])
    if y_pred.ndim < 1 or tuple(y_true.shape) != tuple(y_pred.shape)[:-1]:
        raise ShapeError(op, f"y_true must hold one class index per example; got y_true "
                             f"{tuple(y_true.shape)} and y_pred {tuple(y_pred.shape)}")
    return y_true, y_pred


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label y_true, else 0.0.

    >>> import tapeviz as tf
    >>> tf.keras.metrics.sparse_categorical_accuracy([1, 0], [[0.2, 0.8], [0.3, 0.7]]).numpy()
    array([1., 0.], dtype=float32)
    """
    y_true, y_pred = _sparse_labels("sparse_categorical_accuracy", y_true, y_pred)
    predicted = argmax(y_pred, axis=-1)
    if predicted.dtype != y_true.dtype:
        predicted = cast(predicted, y_true.dtype)
    return cast(equal(y_true, predicted), "float32")


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label is among y_pred's k highest scores (ties at the k-th
    count as in, as TF's in_top_k), else 0.0."""
    y_true, y_pred = _sparse_labels("sparse_top_k_categorical_accuracy", y_true, y_pred)
    return cast(in_top_k(cast(y_true, "int32"), y_pred, k), "float32")


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among y_pred's k highest scores, else 0.0."""
    return sparse_top_k_categorical_accuracy(argmax(convert_to_tensor(y_true), axis=-1),
                                             y_pred, k)


mse = mean_squared_error
mae = mean_absolute_error


# ---- metrics from those functions -------------------------------------------------------------
class MeanMetricWrapper(Mean):
    """The running mean of `fn(y_true, y_pred, **kwargs)` over every example seen."""

    def __init__(self, fn, name: str | None = None, dtype=None, **kwargs):
        super().__init__(name or fn.__name__, dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
        if self._fn not in (sparse_categorical_accuracy, sparse_categorical_crossentropy):
            y_true, y_pred = squeeze_or_expand_dimensions(y_true, y_pred)
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}


def _wrapper(class_name: str, fn, default_name: str, doc: str, direction: str, **defaults):
    """A MeanMetricWrapper subclass with Keras's constructor (name, dtype and fn's options);
    `direction`, 'up' or 'down', is which way is better (EarlyStopping's mode='auto' reads it)."""

    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{class_name}: unexpected arguments {sorted(unknown)}")
        MeanMetricWrapper.__init__(self, fn, name, dtype, **{**defaults, **kwargs})

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc,
                                                   "__module__": __name__,
                                                   "_direction": direction})


Accuracy = _wrapper("Accuracy", accuracy, "accuracy", "How often y_pred equals y_true.", "up")
BinaryAccuracy = _wrapper("BinaryAccuracy", binary_accuracy, "binary_accuracy",
                          "How often (y_pred > threshold) equals the 0/1 label.", "up",
                          threshold=0.5)
CategoricalAccuracy = _wrapper("CategoricalAccuracy", categorical_accuracy,
                               "categorical_accuracy",
                               "How often argmax(y_pred) matches the one-hot label.", "up")
SparseCategoricalAccuracy = _wrapper("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy",
                                     "How often argmax(y_pred) equals the integer label.", "up")
SparseTopKCategoricalAccuracy = _wrapper(
    "SparseTopKCategoricalAccuracy", sparse_top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy", "How often the integer label is among the k highest "
    "scores.", "up", k=5)
TopKCategoricalAccuracy = _wrapper(
    "TopKCategoricalAccuracy", top_k_categorical_accuracy, "top_k_categorical_accuracy",
    "How often the one-hot label's class is among the k highest scores.", "up", k=5)
MeanSquaredError = _wrapper("MeanSquaredError", mean_squared_error, "mean_squared_error",
                            "The running mean of squared errors.", "down")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error",
                             "The running mean of absolute errors.", "down")
SparseCategoricalCrossentropy = _wrapper(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", "The running mean cross-entropy of integer labels.", "down",
    from_logits=False)
CategoricalCrossentropy = _wrapper(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    "The running mean cross-entropy of one-hot labels.", "down", from_logits=False,
    label_smoothing=0.0)
BinaryCrossentropy = _wrapper(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    "The running mean binary cross-entropy.", "down", from_logits=False,
    label_smoothing=0.0)

_BY_NAME = {
    "accuracy": Accuracy, "acc": Accuracy, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy, "mean": Mean, "sum": Sum,
}
_BY_CLASS = {cls.__name__: cls for cls in set(_BY_NAME.values())}
_BY_CLASS.update(Precision=Precision, Recall=Recall)
_BY_CLASS["RootMeanSquaredError"] = RootMeanSquaredError


def get(identifier) -> Metric:
    """A Metric from a name ('accuracy', 'mse', 'SparseCategoricalAccuracy', ...), a Metric, or a
    function of (y_true, y_pred) (wrapped in a running mean). Always a Metric object.

    >>> import tapeviz as tf
    >>> tf.keras.metrics.get("sparse_categorical_accuracy").name
    'sparse_categorical_accuracy'
    """
    if isinstance(identifier, Metric):
        return identifier
    refusal = _refusal(identifier)
    if refusal is not None:
        raise refusal
    if isinstance(identifier, str):
        if identifier in _BY_CLASS:
            return _BY_CLASS[identifier]()
        cls = _BY_NAME[identifier.lower()]
        return cls(name=identifier) if identifier in ("accuracy", "acc") else cls()
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))


def check(identifier) -> None:
    """Refuse what `resolve` would refuse, making no metric: compile checks its metrics so,
    and a misspelt name is said at the compile line rather than at fit's first batch."""
    shaped = isinstance(identifier, str) and identifier in _BY_SHAPES
    refusal = None if shaped else _refusal(identifier)
    if refusal is not None:
        raise refusal


def _refusal(identifier) -> Exception | None:
    """The error for what names no metric (a Metric, a function, a class are metrics)."""
    if isinstance(identifier, str):
        if identifier in _BY_CLASS or identifier.lower() in _BY_NAME:
            return None
        return _unknown_name("metric", "Unknown metric function", identifier, _BY_NAME)
    if isinstance(identifier, Metric) or callable(identifier):
        return None
    return InvalidArgumentError("metric", f"Could not interpret metric identifier: "
                                          f"{identifier!r}; expected a metric's name "
                                          f"('accuracy'), a Metric or a function of "
                                          f"(y_true, y_pred)")


_BY_SHAPES = ("accuracy", "acc", "crossentropy", "ce")   # resolved by the labels' shapes


def resolve(identifier, y_true, y_pred, loss=None) -> Metric:
    """Like `get`, but 'accuracy'/'acc' and 'crossentropy'/'ce' pick the binary, sparse or
    categorical variant from the shapes of y_true and y_pred, as Keras's compile does.

    >>> import tapeviz as tf
    >>> type(tf.keras.metrics.resolve("accuracy", tf.zeros([4]), tf.zeros([4, 10]))).__name__
    'SparseCategoricalAccuracy'
    """
    if not (isinstance(identifier, str) and identifier in _BY_SHAPES):
        return get(identifier)
    true_shape, pred_shape = tuple(np.shape(y_true)), tuple(np.shape(y_pred))
    pred_last = pred_shape[-1] if pred_shape else 1
    true_last = true_shape[-1] if true_shape else 1
    loss_name = getattr(loss, "name", getattr(loss, "__name__", loss))
    is_binary = pred_last == 1 or loss_name == "binary_crossentropy"
    is_sparse = len(true_shape) < len(pred_shape) or (true_last == 1 and pred_last > 1) \
        or loss_name == "sparse_categorical_crossentropy"
    if identifier in ("accuracy", "acc"):
        cls = BinaryAccuracy if is_binary else SparseCategoricalAccuracy if is_sparse \
            else CategoricalAccuracy
    else:
        cls = BinaryCrossentropy if is_binary else SparseCategoricalCrossentropy if is_sparse \
            else CategoricalCrossentropy
    return cls(name=identifier)


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing('keras.metrics', __name__, name)


from ..namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
