"""Axis arguments as TensorFlow takes them (int, list, negative, tensor), checked once."""
from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError


def normalize_axes(op: str, axis, rank: int):
    """`axis` as a sorted tuple of non-negative ints, or None for all axes."""
    if axis is None:
        return None
    values = np.asarray(axis).reshape(-1).tolist()
    for a in values:
        if not isinstance(a, int) or isinstance(a, bool):
            raise InvalidArgumentError(op, f"axis must be an int or a list of ints; got {axis!r}")
        if not -rank <= a < max(rank, 1):
            raise InvalidArgumentError(op, f"axis {a} is out of range for a tensor of rank "
                                           f"{rank}; expected an axis in [{-rank}, {rank})")
    return tuple(sorted({a % max(rank, 1) for a in values}))


def normalize_axis(op: str, axis, rank: int) -> int:
    """One axis in [-rank, rank) as a non-negative int."""
    axes = normalize_axes(op, axis, rank)
    if axes is None or len(axes) != 1 or np.ndim(axis) != 0:
        raise InvalidArgumentError(op, f"axis must be a single int; got {axis!r}")
    return axes[0]
