"""Segment reductions, as tf.math has them: rows of `data` summed (or averaged) into the
segment their id names. Composites of gather's rows and gather_grad's scatter-add, so the
gradient (each row gets its segment's gradient) comes from those two ops, and nested tapes
differentiate it again; max, min and prod gather each segment's rows into one padded row
and reduce it (reduce_max's gradient splits among ties, as TF's segment_max's does). Ids
out of range are an error, as on TF's CPU kernels."""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..convert import infer_array
from ..errors import (DTypeError, InvalidArgumentError, KernelDTypeError, ShapeError,
                      attr_words)
from ..tensor import Tensor, wrap
from .gather import _gather, _gather_grad
from .join import concat
from .reduce import reduce_max, reduce_min, reduce_prod
from .shape import reshape


def _ids(op: str, segment_ids, data: Tensor) -> np.ndarray:
    ids = np.asarray(arguments.array_of(op, "segment_ids", segment_ids))
    if ids.dtype.kind not in "iu":
        raise DTypeError(op, f"segment_ids must be integers; got dtype {ids.dtype.name}")
    if tuple(data.shape[:ids.ndim]) != ids.shape:
        raise ShapeError(op, f"segment_ids' shape must be a prefix of data's; got segment_ids "
                             f"{ids.shape} and data {tuple(data.shape)}")
    return ids


def _check_in_range(op: str, ids: np.ndarray, num_segments: int) -> None:
    too_large = np.flatnonzero(ids.ravel() >= num_segments)
    if too_large.size:
        position = int(too_large[0])
        raise InvalidArgumentError(op, f"segment_ids[{position}] = {ids.ravel()[position]} is "
                                       f"out of range [0, {num_segments})")


def _summed(op: str, data: Tensor, ids: np.ndarray, num_segments: int):
    """Rows of `data` (one per id) added into `num_segments` rows; negative ids dropped."""
    _check_in_range(op, ids, num_segments)
    rest = tuple(data.shape[ids.ndim:])
    rows = reshape(data, (ids.size,) + rest)
    kept = np.flatnonzero(ids.ravel() >= 0)
    if kept.size < ids.size:
        rows = _gather(rows, kept, axis=0)
    return _gather_grad(rows, ids.ravel()[kept], shape=(num_segments,) + rest, axis=0)


def _padded(op: str, data: Tensor, ids: np.ndarray, num_segments: int, fill, empty):
    """(num_segments, longest segment, ...): each segment's rows, then rows of `fill`; a
    segment without rows is a row of `empty` (TF: 0 for segment_max, the lowest value for
    unsorted_segment_max)."""
    _check_in_range(op, ids, num_segments)
    rest = tuple(data.shape[ids.ndim:])
    rows = reshape(data, (ids.size,) + rest)
    flat = ids.ravel()
    kept = np.flatnonzero(flat >= 0)
    order = kept[np.argsort(flat[kept], kind="stable")]
    segments = flat[order]
    counts = np.bincount(segments, minlength=num_segments)
    index = np.full((num_segments, max(int(counts.max(initial=0)), 1)), ids.size)
    index[counts == 0] = ids.size + 1
    index[segments, np.arange(segments.size) - np.searchsorted(segments, segments)] = order
    pads = np.stack([np.full(rest, fill), np.full(rest, empty)]).astype(data._value.dtype)
    return _gather(concat([rows, wrap(pads)], axis=0), index, axis=0)


def _extremes(data: Tensor):
    """The lowest and highest values of `data`'s dtype (TF's empty max and min)."""
    kind = data._value.dtype
    info = np.finfo(kind) if kind.kind == "f" else np.iinfo(kind)
    return info.min, info.max


def _counts(ids: np.ndarray, num_segments: int, data: Tensor) -> np.ndarray:
    """How many rows each segment has (at least 1: an empty segment's mean is 0), shaped to
    divide the summed rows."""
    if data.dtype.is_integer:
        raise DTypeError("segment_mean", f"tapeviz covers float data; got dtype "
                                         f"{data.dtype.name}")
    counts = np.bincount(ids.ravel()[ids.ravel() >= 0], minlength=num_segments)
    rest = len(data.shape) - ids.ndim
    return np.maximum(counts, 1).astype(data._value.dtype).reshape((-1,) + (1,) * rest)


def _data(op: str, data) -> Tensor:
    """`data` as a tensor; bools refused, as TF's segment kernels refuse them (numpy's sum
    of bools kept bool is an or, and bool has no lowest value for max)."""
    data = data if isinstance(data, Tensor) else wrap(infer_array(data, op))
    if data.dtype.is_bool:
        raise KernelDTypeError(op, f"data must be numeric (int or float); got dtype bool"
                                   f"{attr_words('bool')}",
                               hint="count the trues: tf.cast(data, tf.int32)")
    return data


def _sorted_ids(op: str, data, segment_ids):
    data = _data(op, data)
    ids = _ids(op, segment_ids, data)
    if ids.ndim != 1:
        raise ShapeError(op, f"segment_ids must be a vector; got shape {ids.shape}")
    if np.any(ids < 0) or np.any(np.diff(ids) < 0):
        raise InvalidArgumentError(op, f"segment ids must be sorted and non-negative; got "
                                       f"{ids.tolist()}",
                                   hint=f"for ids in any order use "
                                        f"tf.math.unsorted_{op}(data, ids, num_segments)")
    return data, ids, int(ids[-1]) + 1 if ids.size else 0


def _unsorted_ids(op: str, data, segment_ids, num_segments):
    data = _data(op, data)
    count = arguments.count(op, "num_segments", num_segments)
    return data, _ids(op, segment_ids, data), count


def segment_sum(data, segment_ids, name=None):
    """Rows of `data` summed by their sorted segment ids (segments without rows are zeros).

    >>> import tapeviz as tf
    >>> tf.math.segment_sum([1.0, 2.0, 3.0], [0, 0, 2]).numpy()
    array([3., 0., 3.], dtype=float32)
    """
    data, ids, count = _sorted_ids("segment_sum", data, segment_ids)
    return _summed("segment_sum", data, ids, count)


def segment_mean(data, segment_ids, name=None):
    """Rows of `data` averaged by their sorted segment ids (segments without rows are zeros)."""
    data, ids, count = _sorted_ids("segment_mean", data, segment_ids)
    return _summed("segment_mean", data, ids, count) / _counts(ids, count, data)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Rows of `data` summed into `num_segments` segments by id, in any order (negative ids
    are dropped).

    >>> import tapeviz as tf
    >>> tf.math.unsorted_segment_sum([1.0, 2.0, 3.0], [2, -1, 0], 4).numpy()
    array([3., 0., 1., 0.], dtype=float32)
    """
    data, ids, count = _unsorted_ids("unsorted_segment_sum", data, segment_ids, num_segments)
    return _summed("unsorted_segment_sum", data, ids, count)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Rows of `data` averaged into `num_segments` segments by id, in any order."""
    data, ids, count = _unsorted_ids("unsorted_segment_mean", data, segment_ids, num_segments)
    return _summed("unsorted_segment_mean", data, ids, count) / _counts(ids, count, data)


def segment_max(data, segment_ids, name=None):
    """Each sorted segment's largest row (0 for a segment without rows, as in TF)."""
    data, ids, count = _sorted_ids("segment_max", data, segment_ids)
    return reduce_max(_padded("segment_max", data, ids, count, _extremes(data)[0], 0), axis=1)


def segment_min(data, segment_ids, name=None):
    """Each sorted segment's smallest row (0 for a segment without rows, as in TF)."""
    data, ids, count = _sorted_ids("segment_min", data, segment_ids)
    return reduce_min(_padded("segment_min", data, ids, count, _extremes(data)[1], 0), axis=1)


def segment_prod(data, segment_ids, name=None):
    """Each sorted segment's rows multiplied (1 for a segment without rows)."""
    data, ids, count = _sorted_ids("segment_prod", data, segment_ids)
    return reduce_prod(_padded("segment_prod", data, ids, count, 1, 1), axis=1)


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """Each segment's largest row, ids in any order (the dtype's lowest value for a segment
    without rows, as in TF)."""
    op = "unsorted_segment_max"
    data, ids, count = _unsorted_ids(op, data, segment_ids, num_segments)
    lowest = _extremes(data)[0]
    return reduce_max(_padded(op, data, ids, count, lowest, lowest), axis=1)


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """Each segment's smallest row, ids in any order (the dtype's highest value for a segment
    without rows, as in TF)."""
    op = "unsorted_segment_min"
    data, ids, count = _unsorted_ids(op, data, segment_ids, num_segments)
    highest = _extremes(data)[1]
    return reduce_min(_padded(op, data, ids, count, highest, highest), axis=1)


def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """Each segment's rows multiplied, ids in any order (1 for a segment without rows)."""
    op = "unsorted_segment_prod"
    data, ids, count = _unsorted_ids(op, data, segment_ids, num_segments)
    return reduce_prod(_padded(op, data, ids, count, 1, 1), axis=1)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Each segment's rows summed and divided by the square root of their number (0 for a
    segment without rows)."""
    op = "unsorted_segment_sqrt_n"
    data, ids, count = _unsorted_ids(op, data, segment_ids, num_segments)
    return _summed(op, data, ids, count) / np.sqrt(_counts(ids, count, data))
