"""Datasets that count or choose: `Dataset.counter` (an endless count) and
`Dataset.choose_from_datasets` (each element taken from the dataset a choice names)."""
from __future__ import annotations

import itertools

from .. import arguments
from ..dtypes import as_dtype
from ..errors import DTypeError, InvalidArgumentError
from ..tensor import wrap
from . import dataset as _d
from . import structure as _s


def counter(start=0, step=1, dtype=None) -> _d.Dataset:
    """start, start + step, start + 2 * step, ... without end, as int64 scalars.

    >>> import tapeviz as tf
    >>> [int(x) for x in tf.data.Dataset.counter(5, 2).take(3)]
    [5, 7, 9]
    """
    first = arguments.count("counter", "start", start, minimum=None)
    stride = arguments.count("counter", "step", step, minimum=None)
    dtype = arguments.dtype("counter", "dtype", dtype) or as_dtype("int64")
    to_scalar = dtype._np.type

    def begin():
        return (wrap(to_scalar(i)) for i in itertools.count(first, stride))

    return _d.Dataset(begin, _d.INFINITE, _s.TensorSpec((), dtype), "Counter")


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True) -> _d.Dataset:
    """For each index of `choice_dataset`, the next element of datasets[index]; an exhausted
    dataset ends it (stop_on_empty_dataset) or is passed over.

    >>> import tapeviz as tf
    >>> a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)
    >>> [int(x) for x in tf.data.Dataset.choose_from_datasets(
    ...     [a, b], tf.data.Dataset.range(2).repeat(2))]
    [0, 10, 1, 11]
    """
    op = "choose_from_datasets"
    datasets = list(datasets) if isinstance(datasets, (list, tuple)) else datasets
    if not isinstance(datasets, list) or not datasets or not all(
            isinstance(d, _d.Dataset) for d in datasets):
        raise InvalidArgumentError(op, f"datasets must be a non-empty list of Datasets; got "
                                       f"{datasets!r}")
    if not isinstance(choice_dataset, _d.Dataset) or \
            choice_dataset.element_spec != _s.TensorSpec((), as_dtype("int64")):
        came = (choice_dataset.element_spec if isinstance(choice_dataset, _d.Dataset)
                else repr(choice_dataset))
        raise DTypeError(op, f"choice_dataset must be a Dataset of int64 scalars (the index of "
                             f"the dataset each element comes from); got {came}",
                         hint="tf.data.Dataset.range(n) gives int64s; or map tf.cast(i, tf.int64)")
    specs = [[(s.dtype, len(s.shape)) for s in _s.flatten(d.element_spec)] for d in datasets]
    if any(spec != specs[0] for spec in specs):
        raise DTypeError(op, "datasets must have elements of one structure and dtypes; got "
                             + "; ".join(f"dataset {i}: {d.element_spec}"
                                         for i, d in enumerate(datasets)))
    stop = arguments.flag(op, "stop_on_empty_dataset", stop_on_empty_dataset)

    def begin():
        sources = [d._start() for d in datasets]
        exhausted = set()
        for choice in choice_dataset._start():
            index = int(choice)
            if not 0 <= index < len(sources):
                raise InvalidArgumentError(op, f"choice_dataset chose dataset {index}; there "
                                               f"are {len(sources)} (0 to {len(sources) - 1})")
            item = _d._END if index in exhausted else next(sources[index], _d._END)
            if item is _d._END:
                if stop:
                    return
                exhausted.add(index)
                continue
            yield item

    return _d.Dataset(begin, _d.UNKNOWN, lambda: datasets[0].element_spec, "ChooseFromDatasets")
