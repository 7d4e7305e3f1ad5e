"""Adam's update of all of an apply's variables as one array each for m, v and the values.

On a model's small weight arrays the update's numpy calls cost more than their arithmetic:
six variables took 72 ufunc calls an apply, ~5k instructions each. Joined end to end, the
same elementwise formula runs 12 calls over all of them, the same bits per element (each
value meets the same ufuncs and scalars in the same order). The new values are views of
the joined results; while every variable and slot still holds the view the last apply gave
it, the next apply reads those joined arrays as they are, so only the gradients are joined.
"""
from __future__ import annotations

import numpy as np

from . import update


class Joined:
    """The last apply's joined arrays (m, v, the values) and the views handed out of them."""

    __slots__ = ("arrays", "views")

    def __init__(self, arrays: tuple, views: tuple):
        self.arrays, self.views = arrays, views


def adam_update(last: Joined | None, values: list, grads: list, ms: list, vs: list, lr: float,
                beta_1: float, beta_2: float, epsilon: float, step: int):
    """((new m's, new v's, new values), the Joined to keep) for `values` (arrays) and their
    gradients and slots (tensors), each new array a view, or None where they do not share
    one dtype (each variable then takes its own update). Run it under `warnings_raised()`."""
    dtype = values[0].dtype
    if any(value.dtype != dtype for value in values) \
            or any(grad._value.dtype != dtype for grad in grads):
        return None
    current = ([m._value for m in ms], [v._value for v in vs], values)
    joined = [_joined(arrays, last, i) for i, arrays in enumerate(current)]
    gradient = np.concatenate([grad._value for grad in grads], axis=None)
    new = update.adam_arrays(joined[2], gradient, joined[0], joined[1], lr, beta_1, beta_2,
                             epsilon, step)
    views = tuple(_split(array, values) for array in new)
    return views, Joined(new, views)


def _joined(arrays: list, last: Joined | None, which: int) -> np.ndarray:
    """`arrays` end to end: the last apply's joined array itself where each is still the
    view it handed out (no copy), else a new one."""
    if last is not None:
        views = last.views[which]
        if len(views) == len(arrays) and all(a is b for a, b in zip(arrays, views)):
            return last.arrays[which]
    return np.concatenate(arrays, axis=None)


def _split(joined: np.ndarray, like: list) -> list:
    """Views of `joined` in the shapes of `like`, one after another."""
    views, start = [], 0
    for array in like:
        end = start + array.size
        views.append(joined[start:end].reshape(array.shape))
        start = end
    return views
