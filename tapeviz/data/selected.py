"""Datasets that count or choose: `Dataset.counter` (an endless count),
`Dataset.choose_from_datasets` (each element taken from the dataset a choice names) and
`Dataset.sample_from_datasets` (from a dataset drawn at random by weight)."""
from __future__ import annotations

import itertools

import numpy as np

from .. import arguments
from ..dtypes import as_dtype
from ..errors import DTypeError, InvalidArgumentError
from ..tensor import wrap
from . import dataset as _d
from . import shuffle as _shuffle
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
    datasets = _alike(op, datasets)
    if not isinstance(choice_dataset, _d.Dataset) or \
            choice_dataset.element_spec != _s.TensorSpec((), as_dtype("int64")):
        came = (choice_dataset.element_spec if isinstance(choice_dataset, _d.Dataset)
                else repr(choice_dataset))
        raise DTypeError(op, f"choice_dataset must be a Dataset of int64 scalars (the index of "
                             f"the dataset each element comes from); got {came}",
                         hint="tf.data.Dataset.range(n) gives int64s; or map tf.cast(i, tf.int64)")
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


def sample_from_datasets(datasets, weights=None, seed=None,
                         stop_on_empty_dataset=False) -> _d.Dataset:
    """Each element from a dataset drawn at random, with probability its weight's share (equal
    by default); an exhausted dataset is left out of the draws (or ends it, when
    stop_on_empty_dataset). With `seed` the draws repeat from run to run.

    >>> import tapeviz as tf
    >>> a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)
    >>> sorted(int(x) for x in tf.data.Dataset.sample_from_datasets([a, b], seed=1))
    [0, 1, 2, 10, 11, 12]
    """
    op = "sample_from_datasets"
    datasets = _alike(op, datasets)
    if weights is None:
        weights = [1.0] * len(datasets)
    if isinstance(weights, _d.Dataset) or len(weights) != len(datasets):
        raise InvalidArgumentError(op, f"weights must be a list of {len(datasets)} numbers, one "
                                       f"per dataset; got {weights!r}")
    shares = np.array([arguments.number(op, "weights", w) for w in weights], np.float64)
    if (shares < 0).any() or not shares.sum() > 0:
        raise InvalidArgumentError(op, f"weights must be 0 or more, not all 0; got {weights!r}")
    stop = arguments.flag(op, "stop_on_empty_dataset", stop_on_empty_dataset)
    base = _shuffle.shuffle_seed(seed)
    iterations = itertools.count()

    def begin():
        rng = np.random.default_rng([*base, next(iterations)])
        sources = [d._start() for d in datasets]
        live = shares.copy()
        while live.sum() > 0:
            index = int(rng.choice(len(sources), p=live / live.sum()))
            item = next(sources[index], _d._END)
            if item is _d._END:
                if stop:
                    return
                live[index] = 0.0
                continue
            yield item

    endless = all(d._cardinality == _d.INFINITE for d in datasets)
    return _d.Dataset(begin, _d.INFINITE if endless else _d.UNKNOWN,
                      lambda: datasets[0].element_spec, "SampleFromDatasets")


def _alike(op: str, datasets) -> list:
    """`datasets` as a non-empty list of Datasets whose elements have one structure and
    dtypes."""
    datasets = list(datasets) if isinstance(datasets, (list, tuple)) else datasets
    if not isinstance(datasets, list) or not datasets or not all(
            isinstance(d, _d.Dataset) for d in datasets):
        raise InvalidArgumentError(op, f"datasets must be a non-empty list of Datasets; got "
                                       f"{datasets!r}")
    specs = [[(s.dtype, s.shape.rank) for s in _s.flatten(d.element_spec)] for d in datasets]
    if any(spec != specs[0] for spec in specs):
        raise DTypeError(op, "datasets must have elements of one structure and dtypes; got "
                             + "; ".join(f"dataset {i}: {d.element_spec}"
                                         for i, d in enumerate(datasets)))
    return datasets
