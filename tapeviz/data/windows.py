"""Datasets of datasets: `Dataset.window` (each element a few consecutive elements, as a
dataset per component), `flat_map` (a dataset made from each element, their elements in
turn), `interleave` (those datasets read a block at a time, several in a cycle) and
`take_while`, as a time-series program windows a sequence."""
from __future__ import annotations

import itertools
import os

from .. import arguments
from ..errors import DTypeError, describe
from . import structure as _s
from .cardinality import int64_count

_END = object()


def window(dataset, size, shift=None, stride=1, drop_remainder=False):
    """Windows of `size` elements every `shift` elements (each `stride`-th one taken)."""
    from .dataset import UNKNOWN, Dataset
    size = int64_count("window", "size", size, minimum=1)
    shift = size if shift is None else int64_count("window", "shift", shift, minimum=1)
    stride = int64_count("window", "stride", stride, minimum=1)
    drop_remainder = arguments.flag("window", "drop_remainder", drop_remainder)

    def component(values: list):
        return Dataset(lambda: iter(values), len(values), _s.spec_of(values[0]), "Variant")

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
    from .dataset import UNKNOWN
    arguments.function("Dataset.flat_map", "map_func", map_func)

    def start():
        for element in dataset._start():
            yield from _made_dataset("flat_map", map_func, element)._start()

    return dataset._then(start, UNKNOWN, spec=None, kind="FlatMap")


def _made_dataset(op: str, map_func, element):
    from .dataset import Dataset
    made = _s.call_unpacked(map_func, element)
    if not isinstance(made, Dataset):
        raise DTypeError(f"Dataset.{op}", f"map_func must return a Dataset; got "
                                          f"{describe(made)}",
                         hint="to make one element several, return "
                              "tf.data.Dataset.from_tensor_slices(...)")
    return made


def interleave(dataset, map_func, cycle_length=None, block_length=None):
    """The datasets `map_func` makes of `cycle_length` elements at a time, read in turn
    `block_length` elements each; a dataset that ends gives its place in the cycle to the
    next element's, as tf.data's InterleaveDataset does. `cycle_length` None or AUTOTUNE is
    the number of CPU cores, as TF chooses it."""
    from .dataset import AUTOTUNE, UNKNOWN
    arguments.function("Dataset.interleave", "map_func", map_func)
    if cycle_length is None or cycle_length == AUTOTUNE:
        cycle_length = os.cpu_count() or 1
    cycle_length = int64_count("interleave", "cycle_length", cycle_length, minimum=1)
    block_length = 1 if block_length is None else int64_count(
        "interleave", "block_length", block_length, minimum=1)

    def start():
        source, cycle = dataset._start(), [None] * cycle_length
        index, taken, open_count, ended = 0, 0, 0, False
        while not ended or open_count:
            if cycle[index] is not None:
                element = next(cycle[index], _END)
                if element is not _END:
                    taken += 1
                    if taken == block_length:
                        index, taken = (index + 1) % cycle_length, 0
                    yield element
                    continue
                cycle[index], open_count = None, open_count - 1
            elif not ended:
                element = next(source, _END)
                if element is _END:
                    ended = True
                else:
                    cycle[index] = _made_dataset("interleave", map_func, element)._start()
                    open_count += 1
                    continue
            index, taken = (index + 1) % cycle_length, 0

    return dataset._then(start, UNKNOWN, spec=None, kind="Interleave")


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
