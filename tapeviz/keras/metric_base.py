"""Keras's `Metric` base class and the metrics that reduce values: Sum, Mean, RMSE.

A metric keeps its state in non-trainable Variables (`add_weight`): `update_state` folds
in a batch, `result` reads the value, `reset_state` zeroes it. Every subclass's
`update_state`, `result` and `reset_state` run inside `dispatch.unrecorded()`, under the
metric's name scope (`_quietly`), so the debugger sees them but no tape differentiates
them. The metrics of y_true against y_pred, and the lookup by name, are metrics.py's.
"""
from __future__ import annotations

import functools

import numpy as np

from .. import dtypes
from ..creation import convert_to_tensor
from ..dispatch import name_scope, thread_state, unrecorded
from ..errors import ShapeError
from ..ops.math import sqrt, square, where
from ..ops.assign import cast, identity
from ..ops.compare import equal
from ..ops.reduce import reduce_sum
from ..ops.shape import broadcast_to, expand_dims, squeeze
from ..tensor import Tensor
from ..variable import Variable
from .loss_inputs import squeeze_or_expand_dimensions


def _quietly(method):
    """Run a metric method unrecorded, under the metric's name scope (once, when nested)."""

    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        scope = thread_state().scope
        if scope == self.name or scope.endswith("/" + self.name):
            with unrecorded():
                return method(self, *args, **kwargs)
        with unrecorded(), name_scope(self.name):
            return method(self, *args, **kwargs)

    return wrapped


class Metric:
    """Base class: subclasses create state with `add_weight` and define `update_state`/`result`.

    >>> import numpy as np, tapeviz as tf
    >>> class Maximum(tf.keras.metrics.Metric):
    ...     def __init__(self, name="maximum"):
    ...         super().__init__(name=name)
    ...         self.largest = self.add_weight("largest", initializer=-np.inf)
    ...     def update_state(self, values):
    ...         self.largest.assign(tf.maximum(self.largest, tf.reduce_max(values)))
    ...     def result(self):
    ...         return tf.identity(self.largest)
    >>> float(Maximum()([1.0, 5.0, 2.0]))
    5.0
    """

    def __init__(self, name: str | None = None, dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtypes.as_dtype(dtype or "float32")
        self._variables: list = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for method in ("update_state", "result", "reset_state"):
            if method in cls.__dict__:
                setattr(cls, method, _quietly(cls.__dict__[method]))

    def add_weight(self, name: str, shape=(), initializer="zeros", dtype=None) -> Variable:
        """A non-trainable state Variable, reset to `initializer` (zeros, ones or a number)."""
        np_dtype = dtypes.as_dtype(dtype or self.dtype)._np
        fill = {"zeros": 0.0, "ones": 1.0}.get(initializer, initializer)
        variable = Variable(np.full(tuple(shape), fill, dtype=np_dtype), trainable=False,
                            name=f"{self.name}/{name}")
        self._variables.append((variable, fill))  # fill: what reset_state restores
        return variable

    def update_state(self, *args, **kwargs) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def reset_state(self) -> None:
        """Every state variable back to its initial value."""
        with unrecorded():
            for variable, fill in self._variables:
                variable.assign(np.full(tuple(variable.shape), fill, dtype=variable._value.dtype))

    def reset_states(self) -> None:
        """The TF 2.0-2.4 name of `reset_state`."""
        self.reset_state()

    def __call__(self, *args, **kwargs) -> Tensor:
        """update_state(*args, **kwargs), then the result so far."""
        self.update_state(*args, **kwargs)
        return self.result()

    @property
    def variables(self) -> list:
        return [variable for variable, _ in self._variables]

    weights = non_trainable_weights = variables

    @property
    def trainable_weights(self) -> list:
        return []

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


# ---- reductions of values --------------------------------------------------------------------
class Sum(Metric):
    """The running (weighted) sum of every value seen.

    >>> import tapeviz as tf
    >>> float(tf.keras.metrics.Sum()([1.0, 2.0, 3.0]))
    6.0
    """

    def __init__(self, name: str = "sum", dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_weight("total")

    def update_state(self, values, sample_weight=None) -> None:
        values, _ = _weighted(self, values, sample_weight)
        self.total.assign_add(reduce_sum(values))

    def result(self) -> Tensor:
        return identity(self.total)


class Mean(Metric):
    """The running (weighted) mean of every value seen: total / count.

    >>> import tapeviz as tf
    >>> m = tf.keras.metrics.Mean()
    >>> m.update_state([1.0, 2.0])
    >>> float(m([6.0]))
    3.0
    """

    def __init__(self, name: str = "mean", dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_weight("total")
        self.count = self.add_weight("count")

    def update_state(self, values, sample_weight=None) -> None:
        values, weight = _weighted(self, values, sample_weight)
        self.total.assign_add(reduce_sum(values))
        self.count.assign_add(float(values.shape.num_elements()) if weight is None
                              else reduce_sum(weight))

    def result(self) -> Tensor:
        count = self.count
        return where(equal(count, 0.0), 0.0 * self.total, self.total / where(equal(count, 0.0),
                                                                             1.0, count))


class RootMeanSquaredError(Mean):
    """sqrt of the running mean of squared errors.

    >>> import tapeviz as tf
    >>> round(float(tf.keras.metrics.RootMeanSquaredError()([1.0, 2.0], [1.5, 4.0])), 4)
    1.4577
    """

    _direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype=None):
        super().__init__(name, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = squeeze_or_expand_dimensions(convert_to_tensor(y_true),
                                                      convert_to_tensor(y_pred))
        y_true, y_pred = (v if v.dtype == self.dtype else cast(v, self.dtype)
                          for v in (y_true, y_pred))
        super().update_state(square(y_pred - y_true), sample_weight)

    def result(self) -> Tensor:
        return sqrt(super().result())


def _weighted(metric: Metric, values, sample_weight):
    """(values * weight, weight broadcast to values), in the metric's dtype; weight None if none."""
    values = convert_to_tensor(values)
    if values.dtype != metric.dtype:
        values = cast(values, metric.dtype)
    if sample_weight is None:
        return values, None
    weight = convert_to_tensor(sample_weight)
    if weight.dtype != metric.dtype:
        weight = cast(weight, metric.dtype)
    if weight.ndim == values.ndim + 1 and weight.shape[-1] == 1:
        weight = squeeze(weight, [-1])
    while 0 < weight.ndim < values.ndim:
        weight = expand_dims(weight, -1)
    try:
        weight = broadcast_to(weight, tuple(values.shape))
    except ValueError:
        raise ShapeError(metric.name, f"sample_weight must broadcast to the values' shape "
                                      f"{tuple(values.shape)}; got {tuple(weight.shape)}") from None
    return values * weight, weight


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
