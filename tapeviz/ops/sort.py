"""`tf.sort`, `tf.argsort` and `tf.math.top_k`: an `argsort` row (no gradient) and a
`take_along_axis` row that reorders values by it, whose VJP puts each gradient back where its
value came from (top_k keeps the first k of a descending sort).

Ties keep their order (the lower index first), ascending or descending, as TF's do.
"""
from __future__ import annotations

import collections

import numpy as np

from .. import arguments, dtypes
from ..errors import DTypeError, InvalidArgumentError, attr_words
from .axes import normalize_axis
from .assign import cast
from .registry import defop


def _argsort_forward(x, *, axis, descending):
    if x.dtype.kind == "b":
        raise DTypeError("argsort", f"expected numeric values; got dtype bool"
                                    f"{attr_words('bool')}",
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


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):
    """The `k` largest entries of each row (along the last axis) and their indices, largest
    first; ties keep the lower index first.

    >>> import tapeviz as tf
    >>> tf.math.top_k([1.0, 3.0, 2.0, 3.0], k=2).indices.numpy()
    array([1, 3], dtype=int32)
    """
    rank = arguments.rank_of("top_k", "input", input)
    count = arguments.count("top_k", "k", k)
    arguments.flag("top_k", "sorted", sorted)
    index_dtype = arguments.dtype("top_k", "index_type", index_type, optional=False)
    if index_dtype not in (dtypes.int32, dtypes.int64):
        raise InvalidArgumentError("top_k", f"index_type must be tf.int32 or tf.int64; got "
                                            f"{index_dtype!r}")
    if rank == 0:
        raise InvalidArgumentError("top_k", "input must have rank >= 1; got a scalar")
    input = arguments.tensor_of("top_k", "input", input)
    if input.shape[-1] < count:
        raise InvalidArgumentError("top_k", f"input must have at least k={count} entries on its "
                                            f"last axis; got shape {tuple(input.shape)}")
    order = _argsort(input, axis=rank - 1, descending=True)
    values = _take_along(input, order, axis=rank - 1)[..., :count]
    indices = order[..., :count]
    if index_dtype is not dtypes.int32:
        indices = cast(indices, index_dtype)
    return TopKV2(values, indices)
