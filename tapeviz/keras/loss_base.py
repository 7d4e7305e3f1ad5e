"""Keras's `Loss` base class and what it does with per-example losses: weight and reduce.

`Loss.__call__` runs `call(y_true, y_pred)` in the loss's dtype and name scope, then
`compute_weighted_loss` multiplies by `sample_weight` and reduces as `reduction` says
(Keras 3's names, Keras 2's 'auto' still taken; `Reduction` holds TF's legacy names).
The loss functions and the classes made of them are losses.py's.
"""
from __future__ import annotations

import numpy as np

from ..creation import convert_to_tensor
from ..dispatch import name_scope
from ..dtypes import as_dtype
from ..errors import DTypeError, InvalidArgumentError, ShapeError, bad_argument, describe
from ..ops.math import divide_no_nan
from ..ops.assign import cast
from ..ops.reduce import reduce_mean, reduce_sum
from ..ops.shape import expand_dims, squeeze
from ..tensor import Tensor
from .loss_inputs import _as_tensor


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
