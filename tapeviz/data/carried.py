"""Transformations that carry something from element to element: `Dataset.scan` (a state
passed on, an output each step) and `Dataset.unique` (the values seen so far)."""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..errors import DTypeError, describe
from . import structure as _s

_UNIQUE_KINDS = "iuSU"   # tf.data's unique takes int32, int64 and string scalars


def scan(dataset, initial_state, scan_func):
    """Each element's output of `scan_func(state, element) -> (new_state, output)`, the
    state carried on from `initial_state`."""
    arguments.function("Dataset.scan", "scan_func", scan_func)

    def start():
        state = _s.to_element(initial_state)
        for element in dataset._start():
            returned = _s.call_with_state("Dataset.scan", scan_func, state, element)
            if not (isinstance(returned, (tuple, list)) and len(returned) == 2):
                raise DTypeError("Dataset.scan", f"scan_func must return (new_state, "
                                                 f"output_element); got {describe(returned)}")
            state = _s.to_element(returned[0], lists_are_tuples=True)
            yield _s.to_element(returned[1], lists_are_tuples=True)

    return dataset._then(start, spec=None, kind="Scan")


def unique(dataset):
    """The elements not seen before, in order of first appearance."""
    from .dataset import UNKNOWN

    def start():
        seen = set()
        for element in dataset._start():
            value = np.asarray(element.numpy()) if hasattr(element, "numpy") else None
            if value is None or value.ndim != 0 or value.dtype.kind not in _UNIQUE_KINDS:
                raise DTypeError("Dataset.unique", f"it takes int32, int64 or string scalars; "
                                                   f"got {describe(element)}")
            key = value.item()
            if key not in seen:
                seen.add(key)
                yield element

    return dataset._then(start, UNKNOWN, kind="Unique")
