"""A model's input cut to integers, a `diagnose` finding: `tf.cast(x / 255, tf.int32)` or
torch's `(x / 255).long()`, made floats again for the first layer, turns values with
fractions into whole numbers toward zero (pixels scaled to [0, 1) all become 0): nothing
fails, the model trains on what is left. Read from the shown step's nodes: the first
layer's op (a matmul or conv, `op_index`) reads data a cast to floats made from a cast to
integers of floats with fractions. A correct program ends at that op's data maker, looked
for backwards from it.
"""
from __future__ import annotations

import numpy as np

from .findings import Finding
from .numerics import _where
from .op_index import WEIGHING, maker
from .summary import _array

NOT_WHOLE = 0.5   # the share of the values cut that had fractions: data, not counts


def truncated_input(by_op: dict, nodes) -> list:
    """A Finding when the first layer's op among `by_op` (`op_index.ops_named`) of `nodes`
    reads floats made from integers a cast cut from values with fractions."""
    first = min((found for name in WEIGHING for found in by_op.get(name, ())[:1]),
                key=lambda found: found[0], default=None)
    if first is None or not first[1].inputs:
        return []
    floated = maker(nodes, first[0])
    if floated is None or not _kind(floated[1].output, "f") or not floated[1].inputs:
        return []
    cut = maker(nodes, floated[0])
    if cut is None or not _kind(cut[1].output, "iu") or not cut[1].inputs \
            or not _kind(cut[1].inputs[0], "f"):
        return []
    before = _array(cut[1].inputs[0])
    fractions = np.modf(before)[0] != 0
    if before.size == 0 or float(np.mean(fractions)) < NOT_WHOLE:
        return []
    after = _array(cut[1].output)
    layer = first[1]
    message = (f"the model's input is cut to integers: {before.dtype.name} values with "
               f"fractions (from {before.min():.3g} to {before.max():.3g}, "
               f"{np.mean(fractions):.0%} of them not whole) are cast to {after.dtype.name}, "
               f"each cut toward zero, so {np.mean(after == 0):.0%} of them become 0, by "
               f"{cut[1].op.name} at {_where(cut[1].source)}; {floated[1].op.name} makes them "
               f"floats again for the first layer's {layer.op.name} at {_where(layer.source)}: "
               f"the model trains on what is left; fix: keep the values floating-point (drop "
               f"the cast to integers), or round them first if whole numbers are meant")
    return [Finding("input_truncated", message, cut[1], related=layer.source)]


def _kind(value, kinds: str) -> bool:
    """Whether `value`'s dtype is of one of numpy's `kinds` ('f' float, 'iu' integers)."""
    dtype = getattr(_array(value), "dtype", None)
    return dtype is not None and dtype.kind in kinds
