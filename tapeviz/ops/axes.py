"""Axis arguments as TensorFlow takes them (int, list, negative, tensor), checked once."""
from __future__ import annotations

from ..arguments import int_entries, ndim
from ..errors import InvalidArgumentError, InvalidArgumentTypeError, describe


def normalize_axes(op: str, axis, rank: int):
    """`axis` as a sorted tuple of non-negative ints, or None for all axes; an axis given
    twice is an error, as in TF."""
    if axis is None:
        return None
    if type(axis) is int and -rank <= axis < max(rank, 1):   # the usual case
        return (axis % max(rank, 1),)
    values = int_entries(axis)
    if values is None or ndim(axis) > 1:
        raise InvalidArgumentTypeError(op, f"axis must be an int or a list of ints; got "
                                           f"{describe(axis)}")
    for a in values:
        if not -rank <= a < max(rank, 1):
            raise InvalidArgumentError(op, f"axis {a} is out of range for a tensor of rank "
                                           f"{rank}; expected an axis in [{-rank}, {rank})")
    axes = sorted(a % max(rank, 1) for a in values)
    if len(set(axes)) != len(axes):
        raise InvalidArgumentError(op, f"axis {list(values)} names an axis twice (rank {rank})")
    return tuple(axes)


def normalize_axis(op: str, axis, rank: int) -> int:
    """One axis in [-rank, rank) as a non-negative int."""
    if isinstance(axis, (list, tuple)) or ndim(axis) != 0:
        raise InvalidArgumentError(op, f"axis must be a single int; got {describe(axis)}")
    return normalize_axes(op, axis, rank)[0]
