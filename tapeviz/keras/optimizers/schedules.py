"""`tf.keras.optimizers.schedules`: learning rates as functions of the step count.

An optimizer given a schedule calls it with its `iterations` before each update.
"""
from __future__ import annotations

import math

from ...creation import constant


class LearningRateSchedule:
    """Base class: `schedule(step)` returns the learning rate for that step (a scalar tensor)."""

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
                 name=None):
        if decay_steps <= 0:
            raise ValueError(f"ExponentialDecay: decay_steps must be positive; got {decay_steps}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps, self.decay_rate = decay_steps, float(decay_rate)
        self.staircase, self.name = staircase, name

    def __call__(self, step):
        exponent = int(step) / self.decay_steps
        if self.staircase:
            exponent = math.floor(exponent)
        return constant(self.initial_learning_rate * self.decay_rate ** exponent)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """lr / (1 + decay_rate * step / decay_steps), the ratio floored when staircase."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps, self.decay_rate = decay_steps, float(decay_rate)
        self.staircase, self.name = staircase, name

    def __call__(self, step):
        ratio = int(step) / self.decay_steps
        if self.staircase:
            ratio = math.floor(ratio)
        return constant(self.initial_learning_rate / (1.0 + self.decay_rate * ratio))

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

    def __init__(self, boundaries, values, name=None):
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"PiecewiseConstantDecay: values must have one more entry than "
                             f"boundaries; got {len(values)} values, {len(boundaries)} "
                             f"boundaries")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        step = int(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return constant(float(value))
        return constant(float(self.values[-1]))

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


__all__ = ["ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
           "PiecewiseConstantDecay"]
