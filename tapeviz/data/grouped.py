"""Transformations that regroup elements: `Dataset.group_by_window` (elements gathered by a
key into windows, each reduced to a dataset of its own, as a bucketing pipeline batches
sequences of like length) and `Dataset.rebatch` (the rows of batches re-cut to other batch
sizes)."""
from __future__ import annotations

import itertools

import numpy as np

from .. import arguments
from ..errors import DTypeError, InvalidArgumentError, describe
from . import structure as _s
from .cardinality import int64_count, refuse_other_than_int64


def group_by_window(dataset, key_func, reduce_func, window_size=None, window_size_func=None):
    """The elements of `reduce_func(key, window)` for each window of elements of one key:
    a window is reduced when it holds its size, and those left at the end in key order."""
    from .dataset import UNKNOWN, Dataset
    op = "Dataset.group_by_window"
    arguments.function(op, "key_func", key_func)
    arguments.function(op, "reduce_func", reduce_func)
    if (window_size is None) == (window_size_func is None):
        raise InvalidArgumentError(op, "Either the `window_size` argument or the "
                                       "`window_size_func` argument must be specified.")
    if window_size_func is None:
        size = int64_count(op, "window_size", window_size, minimum=1)
        window_size_func = lambda key: size   # noqa: E731  (one size for every key)
    else:
        arguments.function(op, "window_size_func", window_size_func)

    def reduced(key: int, window: list):
        elements = Dataset(lambda: iter(window), len(window), lambda: dataset.element_spec,
                           "Variant")
        result = reduce_func(_s.to_element(np.int64(key)), elements)
        if not isinstance(result, Dataset):
            raise DTypeError(op, f"reduce_func must return a single tf.data.Dataset; got "
                                 f"{describe(result)}")
        return result._start()

    def start():
        windows: dict = {}
        for element in dataset._start():
            key = _int64_scalar(op, "key_func", _s.call_unpacked(key_func, element))
            window = windows.setdefault(key, [])
            window.append(element)
            size = _int64_scalar(op, "window_size_func", window_size_func(
                _s.to_element(np.int64(key))))
            if size < 1:
                raise InvalidArgumentError(op, f"Window size must be greater than zero, but "
                                               f"got {size}.")
            if len(window) >= size:
                del windows[key]
                yield from reduced(key, window)
        for key in sorted(windows):
            yield from reduced(key, windows[key])

    return dataset._then(start, UNKNOWN, spec=None, kind="GroupByWindow")


def rebatch(dataset, batch_sizes, drop_remainder=False):
    """The rows of the batches, batched again `batch_sizes` at a time (a list is used in
    turn, over and over)."""
    from .dataset import UNKNOWN
    op = "Dataset.rebatch"
    refuse_other_than_int64(op, "batch_sizes", batch_sizes)
    sizes = [batch_sizes] if np.ndim(batch_sizes) == 0 else list(np.reshape(batch_sizes, -1))
    sizes = [arguments.count(op, "batch_sizes", size, minimum=1) for size in sizes]
    if not sizes:
        raise InvalidArgumentError(op, "batch_sizes must name at least one size; got []")
    scalars = [spec for spec in _s.flatten(dataset.element_spec) if spec.shape.rank == 0]
    if scalars:
        raise InvalidArgumentError(op, "Invalid `batch_sizes`. Expected dataset with rank of "
                                       ">= 1 but found a dataset with scalar elements.",
                                   hint="batch it first: dataset.batch(n).rebatch(...)")
    rows = dataset.unbatch()

    def start():
        source = rows._start()
        for size in itertools.cycle(sizes):
            chunk = list(itertools.islice(source, size))
            if not chunk or drop_remainder and len(chunk) < size:
                return
            yield _s.stack(chunk)

    def spec():
        size = sizes[0] if drop_remainder and len(set(sizes)) == 1 else None
        return _s.map_structure(lambda s: _s.batched(_s.unbatched(s), size),
                                dataset.element_spec)

    return dataset._then(start, UNKNOWN, spec, kind="Rebatch")


def _int64_scalar(op: str, name: str, value) -> int:
    """What `name` returned, an int64 scalar as TF requires (a Python int converts), as an
    int."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    tensor = _s.to_element(value)
    array = np.asarray(tensor.numpy()) if hasattr(tensor, "numpy") else None
    if array is None or array.ndim != 0 or array.dtype != np.int64:
        raise InvalidArgumentError(op, f"{name} must return an int64 scalar; got "
                                       f"{describe(value)}",
                                   hint="tf.cast(key, tf.int64)")
    return int(array)
