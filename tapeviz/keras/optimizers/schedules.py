"""`tf.keras.optimizers.schedules`: learning rates as functions of the step count.

An optimizer given a schedule calls it with its `iterations` before each update; a plot
calls it on an array of steps (`schedule(np.linspace(0, 100000, 5))`), which TF evaluates
elementwise into a float32 tensor of the steps' shape.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ...creation import constant
from ...errors import InvalidArgumentError, bad_argument
from ...tensor import Tensor


class _OneStep:
    """The math of a schedule on one step, a Python float: the optimizer's call each update
    stays as cheap as plain float arithmetic; `rate` makes TF's float32 scalar of it."""
    floor, ceil, cos, log, minimum, rate = math.floor, math.ceil, math.cos, math.log, min, \
        constant

    @staticmethod
    def where(condition, then, otherwise):
        return then if condition else otherwise


class _EachStep:
    """The same math elementwise, on an array of steps; `rate` makes TF's float32 tensor of
    the steps' shape."""
    floor, ceil, cos, log, minimum, where = np.floor, np.ceil, np.cos, np.log, np.minimum, \
        np.where

    @staticmethod
    def rate(values) -> Tensor:
        return constant(np.asarray(values, dtype=np.float32))


_NUMBERS = (int, float, np.generic)


def _steps(schedule: str, step):
    """(the step as a Python float, _OneStep), or (the steps as float64, cast to float32
    first as TF casts them, _EachStep) for an array, list or tensor of more than a number."""
    value = step._value if isinstance(step, Tensor) else step
    if isinstance(value, _NUMBERS):   # the optimizer's `iterations` holds an np.int64
        return float(value), _OneStep
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        raise bad_argument(schedule, "step", "a number, or an array or tensor of numbers",
                           step) from None
    if array.ndim == 0:
        return float(array), _OneStep
    return array.astype(np.float64), _EachStep


def _check_decay_steps(schedule: str, decay_steps) -> None:
    if isinstance(decay_steps, bool) or not isinstance(decay_steps, numbers.Real) \
            or not decay_steps > 0:
        raise bad_argument(schedule, "decay_steps", "a positive number of steps", decay_steps)


class LearningRateSchedule:
    """Base class: `schedule(step)` returns the learning rate for that step (a float32 scalar
    tensor; the built-in schedules give one per step for an array or tensor of steps)."""

    def __call__(self, step):
        raise NotImplementedError("LearningRateSchedule subclasses implement __call__(step)")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """lr * decay_rate ** (step / decay_steps), the exponent floored when staircase.

    >>> import tapeviz as tf
    >>> schedule = tf.keras.optimizers.schedules.ExponentialDecay(1.0, 10, 0.5)
    >>> float(schedule(20))
    0.25
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _check_decay_steps("ExponentialDecay", decay_steps)
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps, self.decay_rate = decay_steps, float(decay_rate)
        self.staircase, self.name = staircase, name

    def __call__(self, step):
        step, each = _steps("ExponentialDecay", step)
        exponent = step / self.decay_steps
        if self.staircase:
            exponent = each.floor(exponent)
        return each.rate(self.initial_learning_rate * self.decay_rate ** exponent)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """lr / (1 + decay_rate * step / decay_steps), the ratio floored when staircase."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps, self.decay_rate = decay_steps, float(decay_rate)
        self.staircase, self.name = staircase, name

    def __call__(self, step):
        step, each = _steps("InverseTimeDecay", step)
        ratio = step / self.decay_steps
        if self.staircase:
            ratio = each.floor(ratio)
        return each.rate(self.initial_learning_rate / (1.0 + self.decay_rate * ratio))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] while step <= boundaries[i] (and past the last boundary, values[-1]).

    >>> import tapeviz as tf
    >>> schedule = tf.keras.optimizers.schedules.PiecewiseConstantDecay([10], [1.0, 0.5])
    >>> float(schedule(10)), float(schedule(11))
    (1.0, 0.5)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise InvalidArgumentError("PiecewiseConstantDecay", f"values must have one more "
                                       f"entry than boundaries; got {len(values)} values, "
                                       f"{len(boundaries)} boundaries",
                                       hint="values[i] is the rate up to boundaries[i]; the "
                                            "last value, after the last boundary")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        step, each = _steps("PiecewiseConstantDecay", step)
        if each is _OneStep:
            for boundary, value in zip(self.boundaries, self.values):
                if step <= boundary:
                    return constant(float(value))
            return constant(float(self.values[-1]))
        rate = np.full(step.shape, self.values[-1], dtype=np.float32)
        for boundary, value in zip(reversed(self.boundaries), reversed(self.values[:-1])):
            rate = np.where(step <= boundary, np.float32(value), rate)
        return constant(rate)

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From initial_learning_rate to end_learning_rate over decay_steps, as
    (1 - step / decay_steps) ** power; with cycle, decay_steps grows to the next multiple
    past step, else the rate stays at its end.

    >>> import tapeviz as tf
    >>> float(tf.keras.optimizers.schedules.PolynomialDecay(1.0, 10, 0.0)(5))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_decay_steps("PolynomialDecay", decay_steps)
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps, self.end_learning_rate = decay_steps, float(end_learning_rate)
        self.power, self.cycle, self.name = float(power), cycle, name

    def __call__(self, step):
        step, each = _steps("PolynomialDecay", step)
        steps = self.decay_steps
        if self.cycle:
            steps = steps * each.where(step == 0, 1.0, each.ceil(step / steps))
        else:
            step = each.minimum(step, steps)
        left = (1.0 - step / steps) ** self.power
        return each.rate((self.initial_learning_rate - self.end_learning_rate) * left
                         + self.end_learning_rate)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the rate down to alpha times it over decay_steps, after a linear
    warmup to warmup_target over warmup_steps when a target is given.

    >>> import tapeviz as tf
    >>> float(tf.keras.optimizers.schedules.CosineDecay(1.0, 10)(5))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_decay_steps("CosineDecay", decay_steps)
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps, self.alpha, self.name = decay_steps, float(alpha), name
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def _decayed(self, step, start: float, each):
        cosine = 0.5 * (1.0 + each.cos(math.pi * step / self.decay_steps))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        step, each = _steps("CosineDecay", step)
        if self.warmup_target is None:
            return each.rate(self._decayed(each.minimum(step, self.decay_steps),
                                           self.initial_learning_rate, each))
        if each is _EachStep and step.size > 1:
            raise InvalidArgumentError(
                "CosineDecay", f"with warmup_target, the step must be one number (TF picks "
                f"warmup or decay by a tf.cond on it); got steps of shape {step.shape}",
                hint="call the schedule once a step: [float(schedule(s)) for s in steps]")
        step = each.minimum(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:   # one step, in an array of one element or not
            rise = float(self.warmup_target) - self.initial_learning_rate
            return each.rate(self.initial_learning_rate + rise * step / self.warmup_steps)
        return each.rate(self._decayed(step - self.warmup_steps, float(self.warmup_target), each))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay restarted each period (SGDR): the first lasts first_decay_steps, each next
    t_mul times longer and starting from m_mul times the rate.

    >>> import tapeviz as tf
    >>> [float(tf.keras.optimizers.schedules.CosineDecayRestarts(1.0, 10)(s)) for s in (5, 10)]
    [0.5, 1.0]
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _check_decay_steps("CosineDecayRestarts", first_decay_steps)
        self.initial_learning_rate = float(initial_learning_rate)
        self.first_decay_steps, self.alpha, self.name = first_decay_steps, float(alpha), name
        self.t_mul, self.m_mul = float(t_mul), float(m_mul)

    def __call__(self, step):
        step, each = _steps("CosineDecayRestarts", step)
        done = step / self.first_decay_steps   # in first periods
        if self.t_mul == 1.0:
            restarts = each.floor(done)
            done = done - restarts
        else:   # periods grow geometrically: which one holds `done`, and how far into it
            restarts = each.floor(each.log(1.0 - done * (1.0 - self.t_mul)) / math.log(self.t_mul))
            before = (1.0 - self.t_mul ** restarts) / (1.0 - self.t_mul)
            done = (done - before) / self.t_mul ** restarts
        cosine = 0.5 * self.m_mul ** restarts * (1.0 + each.cos(math.pi * done))
        return each.rate(self.initial_learning_rate * ((1.0 - self.alpha) * cosine
                                                       + self.alpha))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
           "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay"]


from ...namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
