"""`tf.unique` and `tf.unique_with_counts`: a vector's distinct values in the order they first
appear, where each value went, and how often. Three rows with no gradient (TF registers
none for Unique), each computed from the one numpy pass `_unique`."""
from __future__ import annotations

import collections

import numpy as np

from .. import arguments
from ..errors import InvalidArgumentError
from .registry import defop

Unique = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _unique(x) -> tuple:
    """(values by first appearance, each element's index into them, counts) of a vector."""
    values, first, inverse, counts = np.unique(x, return_index=True, return_inverse=True,
                                               return_counts=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return values[order], rank[inverse.reshape(-1)], counts[order]


_values = defop("unique", lambda x: _unique(x)[0], kind="shape", nondiff=True,
                samples=(((5,), {}),), doc="A vector's distinct values, first seen first.")
_indices = defop("unique_indices", lambda x, *, dtype: _unique(x)[1].astype(dtype),
                 kind="shape", nondiff=True, samples=(((5,), {"dtype": np.int32}),),
                 doc="Where each element's value is among unique's values.")
_counts = defop("unique_counts", lambda x, *, dtype: _unique(x)[2].astype(dtype),
                kind="shape", nondiff=True, samples=(((5,), {"dtype": np.int32}),),
                doc="How often each of unique's values appears.")


def _index_dtype(op: str, x, out_idx):
    """The dtype of idx and count; a value that is not a vector is refused, as TF's kernel."""
    rank = arguments.rank_of(op, "x", x)
    if rank != 1:
        raise InvalidArgumentError(op, f"unique expects a 1D vector; got a tensor of rank {rank}")
    dtype = arguments.dtype(op, "out_idx", out_idx)
    if dtype.name not in ("int32", "int64"):
        raise InvalidArgumentError(op, f"out_idx must be int32 or int64; got {dtype.name}")
    return dtype._np


def unique(x, out_idx="int32", name=None) -> Unique:
    """(y, idx): x's distinct values in order of first appearance, and x == gather(y, idx).

    >>> import tapeviz as tf
    >>> y, idx = tf.unique([3, 1, 3, 2])
    >>> y.numpy().tolist(), idx.numpy().tolist()
    ([3, 1, 2], [0, 1, 0, 2])
    """
    dtype = _index_dtype("unique", x, out_idx)
    return Unique(_values(x), _indices(x, dtype=dtype))


def unique_with_counts(x, out_idx="int32", name=None) -> UniqueWithCounts:
    """(y, idx, count): `unique`'s two and how often each value appears."""
    dtype = _index_dtype("unique_with_counts", x, out_idx)
    return UniqueWithCounts(_values(x), _indices(x, dtype=dtype), _counts(x, dtype=dtype))
