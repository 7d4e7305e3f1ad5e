"""Datasets of datasets: `Dataset.window` (each element a few consecutive elements, as a
dataset per component), `flat_map` (a dataset made from each element, their elements in
turn) and `take_while`, as a time-series program windows a sequence."""
from __future__ import annotations

import itertools

from .. import arguments
from ..errors import DTypeError, describe
from . import structure as _s

_END = object()


def window(dataset, size, shift=None, stride=1, drop_remainder=False):
    """Windows of `size` elements every `shift` elements (each `stride`-th one taken)."""
    from .dataset import UNKNOWN, Dataset
    size = arguments.count("window", "size", size, minimum=1)
    shift = size if shift is None else arguments.count("window", "shift", shift, minimum=1)
    stride = arguments.count("window", "stride", stride, minimum=1)
    drop_remainder = arguments.flag("window", "drop_remainder", drop_remainder)

    def component(values: list):
        return Dataset(lambda: iter(values), len(values), _s.spec_of(values[0]), "Window")

    def start():
        source, seen = dataset._start(), []

        def reach(index: int) -> bool:
            while len(seen) <= index:
                element = next(source, _END)
                if element is _END:
                    return False
                seen.append(element)
            return True

        for begin in itertools.count(0, shift):
            if not reach(begin):
                return
            indices = range(begin, begin + (size - 1) * stride + 1, stride)
            reach(indices[-1])
            elements = [seen[i] for i in indices if i < len(seen)]
            if drop_remainder and len(elements) < size:
                return
            leaves = [_s.flatten(element) for element in elements]
            yield _s.pack(elements[0], [component([row[k] for row in leaves])
                                        for k in range(len(leaves[0]))])

    return dataset._then(start, UNKNOWN, spec=None, kind="Window")


def flat_map(dataset, map_func):
    """The elements of `map_func(element)`, a dataset, for each element in turn."""
    from .dataset import UNKNOWN, Dataset
    arguments.function("Dataset.flat_map", "map_func", map_func)

    def start():
        for element in dataset._start():
            made = _s.call_unpacked(map_func, element)
            if not isinstance(made, Dataset):
                raise DTypeError("Dataset.flat_map", f"map_func must return a Dataset; got "
                                                     f"{describe(made)}",
                                 hint="to make one element several, return "
                                      "tf.data.Dataset.from_tensor_slices(...)")
            yield from made._start()

    return dataset._then(start, UNKNOWN, spec=None, kind="FlatMap")


def take_while(dataset, predicate):
    """The elements up to the first for which `predicate` is False."""
    from .dataset import UNKNOWN
    arguments.function("Dataset.take_while", "predicate", predicate)

    def start():
        for element in dataset._start():
            if not _s.predicate_holds("Dataset.take_while", predicate, element):
                return
            yield element

    return dataset._then(start, UNKNOWN, kind="TakeWhile")
