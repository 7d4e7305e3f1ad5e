"""Segment reductions, as tf.math has them: rows of `data` summed (or averaged) into the
segment their id names. Composites of gather's rows and gather_grad's scatter-add, so the
gradient (each row gets its segment's gradient) comes from those two ops, and nested tapes
differentiate it again. Ids out of range are an error, as on TF's CPU kernels."""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..convert import infer_array
from ..errors import DTypeError, InvalidArgumentError, ShapeError
from ..tensor import Tensor, wrap
from .gather import _gather, _gather_grad
from .shape import reshape


def _ids(op: str, segment_ids, data: Tensor) -> np.ndarray:
    ids = np.asarray(arguments.array_of(op, "segment_ids", segment_ids))
    if ids.dtype.kind not in "iu":
        raise DTypeError(op, f"segment_ids must be integers; got dtype {ids.dtype.name}")
    if tuple(data.shape[:ids.ndim]) != ids.shape:
        raise ShapeError(op, f"segment_ids' shape must be a prefix of data's; got segment_ids "
                             f"{ids.shape} and data {tuple(data.shape)}")
    return ids


def _summed(op: str, data: Tensor, ids: np.ndarray, num_segments: int):
    """Rows of `data` (one per id) added into `num_segments` rows; negative ids dropped."""
    too_large = np.flatnonzero(ids.ravel() >= num_segments)
    if too_large.size:
        position = int(too_large[0])
        raise InvalidArgumentError(op, f"segment_ids[{position}] = {ids.ravel()[position]} is "
                                       f"out of range [0, {num_segments})")
    rest = tuple(data.shape[ids.ndim:])
    rows = reshape(data, (ids.size,) + rest)
    kept = np.flatnonzero(ids.ravel() >= 0)
    if kept.size < ids.size:
        rows = _gather(rows, kept, axis=0)
    return _gather_grad(rows, ids.ravel()[kept], shape=(num_segments,) + rest, axis=0)


def _counts(ids: np.ndarray, num_segments: int, data: Tensor) -> np.ndarray:
    """How many rows each segment has (at least 1: an empty segment's mean is 0), shaped to
    divide the summed rows."""
    if data.dtype.is_integer:
        raise DTypeError("segment_mean", f"tapeviz covers float data; got dtype "
                                         f"{data.dtype.name}")
    counts = np.bincount(ids.ravel()[ids.ravel() >= 0], minlength=num_segments)
    rest = len(data.shape) - ids.ndim
    return np.maximum(counts, 1).astype(data._value.dtype).reshape((-1,) + (1,) * rest)


def _sorted_ids(op: str, data, segment_ids):
    data = data if isinstance(data, Tensor) else wrap(infer_array(data, op))
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
    data = data if isinstance(data, Tensor) else wrap(infer_array(data, op))
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
