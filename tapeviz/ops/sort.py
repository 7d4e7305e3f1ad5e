"""`tf.sort` and `tf.argsort`: an `argsort` row (no gradient) and a `take_along_axis` row
that reorders values by it, whose VJP puts each gradient back where its value came from.

Ties keep their order (the lower index first), ascending or descending, as TF's do.
"""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..errors import DTypeError, InvalidArgumentError
from .axes import normalize_axis
from .registry import defop


def _argsort_forward(x, *, axis, descending):
    if x.dtype.kind == "b":
        raise DTypeError("argsort", "expected numeric values; got dtype bool",
                         hint="cast first: tf.cast(values, tf.int32)")
    if not descending:
        return np.argsort(x, axis=axis, kind="stable").astype(np.int32)
    # stable on the reversed axis, read back reversed: descending, ties lower index first
    reversed_order = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return np.flip(x.shape[axis] - 1 - reversed_order, axis).astype(np.int32)


_argsort = defop("argsort", _argsort_forward, kind="shape", nondiff=True,
                 samples=((((2, 3),), {"axis": 1, "descending": True}),),
                 doc="The indices that sort x along an axis (ties: lower index first).")


def _take_along_vjp(g, ans, x, indices, *, axis):
    # indices is a permutation along axis; its argsort is the inverse permutation
    return _take_along(g, _argsort(indices, axis=axis, descending=False), axis=axis), None


_take_along = defop("take_along_axis", lambda x, indices, *, axis: np.take_along_axis(
                        x, indices, axis), _take_along_vjp, kind="shape", label="reorder",
                    dtype_args=(0,),
                    samples=((((2, 3), np.array([[2, 0, 1], [1, 2, 0]])), {"axis": 1}),
                             (((3,), np.array([1, 2, 0])), {"axis": 0})),
                    doc="x reordered along an axis by a permutation of its indices.")


def _axis_and_direction(op: str, values, axis, direction) -> tuple:
    rank = arguments.rank_of(op, "values", values)
    if rank == 0:
        raise InvalidArgumentError(op, "values must have rank >= 1 (sorting goes along an "
                                       "axis); got a scalar")
    descending = arguments.choice(op, "direction", direction, ("ASCENDING", "DESCENDING")) \
        == "DESCENDING"
    return normalize_axis(op, axis, rank), descending


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The int32 indices that sort `values` along `axis`; ties keep the lower index first
    (always stable, so `stable` changes nothing).

    >>> import tapeviz as tf
    >>> tf.argsort([3.0, 1.0, 2.0, 1.0]).numpy()
    array([1, 3, 2, 0], dtype=int32)
    """
    arguments.flag("argsort", "stable", stable)
    axis, descending = _axis_and_direction("argsort", values, axis, direction)
    return _argsort(values, axis=axis, descending=descending)


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """`values` sorted along `axis`; the gradient of each output goes to the value that
    landed there.

    >>> import tapeviz as tf
    >>> tf.sort([3, 1, 2], direction="DESCENDING").numpy()
    array([3, 2, 1], dtype=int32)
    """
    axis, descending = _axis_and_direction("sort", values, axis, direction)
    values = arguments.tensor_of("sort", "values", values)
    return _take_along(values, _argsort(values, axis=axis, descending=descending), axis=axis)
