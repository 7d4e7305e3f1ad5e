"""Optimizer updates as single rows: a slot's moving average and Adam's step.

Each computes one variable's next value in one numpy expression, with the variable as its
first input and kind "update", as `assign` has: the debugger reads it as the update it is
(what a step changed, by which op, at which line), as TF shows its one ResourceApplyAdam
kernel. One dispatch in place of the four or five arithmetic ops each update took: on a
model's small weight arrays a dispatch costs more than the arithmetic.
"""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from .registry import defop


def _same_shapes(op: str, variable, *others) -> None:
    for other in others:
        if other.shape != variable.shape:
            raise ShapeError(op, f"every input must have the variable's shape "
                                 f"{variable.shape}; got shape {other.shape}")


def _moving_average(average, value, *, decay):
    _same_shapes("moving_average", average, value)
    return average + (value - average) * (1.0 - decay)   # rounded as Keras 3 and TF1 round it


def _adam_step(variable, m, v, *, step_size, epsilon):
    _same_shapes("adam_step", variable, m, v)
    return variable - step_size * m / (np.sqrt(v) + epsilon)


_TRIPLE = (((3,), (3,), (3,)), {"step_size": 0.01, "epsilon": 1e-7})

moving_average = defop(
    "moving_average", _moving_average, kind="update", nondiff=True, label="avg←",
    samples=((((3,), (3,)), {"decay": 0.9}),), domain=(0.1, 2.0),
    doc="average + (value - average) * (1 - decay), i.e. decay * average + (1 - decay) * "
        "value: a slot's next value (Adam's m and v).")
adam_step = defop(
    "adam_step", _adam_step, kind="update", nondiff=True, label="Adam −=",
    samples=(_TRIPLE,), domain=(0.1, 2.0),
    doc="variable - step_size * m / (sqrt(v) + epsilon): Adam's update of a variable, "
        "step_size holding the bias corrections.")
