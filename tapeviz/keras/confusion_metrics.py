"""Keras's Precision and Recall: counts of true and false positives (and false negatives) at
one or more thresholds, kept across batches.

A prediction is positive where `y_pred > threshold` (0.5 by default); a label is positive
where it is nonzero. With `class_id`, only that column of one-hot labels and predictions
counts.
"""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..creation import convert_to_tensor
from ..errors import InvalidArgumentError
from ..ops.math import divide_no_nan
from ..ops.assign import cast
from ..ops.compare import greater, logical_and, logical_not
from ..ops.reduce import reduce_sum
from ..ops.shape import broadcast_to, reshape
from ..tensor import Tensor
from .metric_base import Metric

__all__ = ["Precision", "Recall"]


class _Confusion(Metric):
    """Counts of the confusion matrix's cells named by `counted`, per threshold."""

    counted: tuple = ()
    _direction = "up"   # EarlyStopping's mode='auto' maximises them

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name, dtype)
        if top_k is not None:
            raise InvalidArgumentError(type(self).__name__, f"tapeviz covers top_k=None only; "
                                                            f"got top_k={top_k!r}")
        self.init_thresholds = thresholds
        self.class_id = None if class_id is None else arguments.count(
            type(self).__name__, "class_id", class_id)
        self._single = thresholds is None or np.ndim(thresholds) == 0
        values = [0.5] if thresholds is None else np.atleast_1d(thresholds).tolist()
        for value in values:
            if not 0.0 <= arguments.number(type(self).__name__, "thresholds", value) <= 1.0:
                raise InvalidArgumentError(type(self).__name__, f"thresholds must be in [0, 1]; "
                                                                f"got {thresholds!r}")
        self._thresholds = np.asarray(values, np.float32)[:, None]
        for cell in self.counted:
            setattr(self, cell, self.add_weight(cell, shape=(len(values),)))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
        if self.class_id is not None:
            y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
        if y_pred.dtype != self.dtype:
            y_pred = cast(y_pred, self.dtype)
        predicted = greater(reshape(y_pred, [1, -1]), self._thresholds.astype(self.dtype._np))
        actual = reshape(cast(y_true, "bool"), [1, -1])
        weight = 1.0 if sample_weight is None else reshape(broadcast_to(cast(
            convert_to_tensor(sample_weight), self.dtype), tuple(y_true.shape)), [1, -1])
        cells = {"true_positives": logical_and(predicted, actual),
                 "false_positives": logical_and(predicted, logical_not(actual)),
                 "false_negatives": logical_and(logical_not(predicted), actual)}
        for cell in self.counted:
            getattr(self, cell).assign_add(reduce_sum(cast(cells[cell], self.dtype) * weight,
                                                      axis=1))

    def _ratio(self, other: str) -> Tensor:
        result = divide_no_nan(self.true_positives, self.true_positives + getattr(self, other))
        return result[0] if self._single else result

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": None,
                "class_id": self.class_id}


class Precision(_Confusion):
    """Of the predictions called positive, the share that are: tp / (tp + fp).

    >>> import tapeviz as tf
    >>> float(tf.keras.metrics.Precision()([1, 0, 1], [0.9, 0.6, 0.2]))
    0.5
    """

    counted = ("true_positives", "false_positives")

    def result(self) -> Tensor:
        return self._ratio("false_positives")


class Recall(_Confusion):
    """Of the positive labels, the share predicted positive: tp / (tp + fn).

    >>> import tapeviz as tf
    >>> float(tf.keras.metrics.Recall()([1, 0, 1], [0.9, 0.6, 0.2]))
    0.5
    """

    counted = ("true_positives", "false_negatives")

    def result(self) -> Tensor:
        return self._ratio("false_negatives")
